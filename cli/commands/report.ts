// gicdiff report CAMPAIGN_DIR... : the report views of fuzz campaigns (merged shards included),
// and across several nightly runs the trend: rate, rule coverage, findings appearing and
// disappearing. Optionally folds in a conformance JSON report, so one page shows both.
import { formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { buildReport, newDivergenceCount } from '../../reports/build.js';
import { readCampaigns } from '../../reports/campaign.js';
import { loadRules } from '../../triage/conformance.js';
import { describeWritten, outputFilesFrom, writeOutputs } from '../../reports/write.js';
import type { Report } from '../../spec/gen/report.js';
import { readJsonFile, validateJson } from '../../spec/validate.js';
import { gicdiffVersion } from '../../fuzz/version.js';

export const OPTIONS: OptionsSpec = {
  html: { type: 'string', value: 'FILE', description: 'write the single-file HTML report (plots, findings table)' },
  md: { type: 'string', value: 'FILE', description: 'write the Markdown summary (under 1 MiB, for $GITHUB_STEP_SUMMARY)' },
  json: { type: 'string', value: 'FILE', description: 'write the JSON report (spec/schema/report.schema.json)' },
  junit: { type: 'string', value: 'FILE', description: 'write JUnit XML of the conformance results folded in with --conformance' },
  conformance: { type: 'string', value: 'FILE', description: 'a JSON report written by `gicdiff conformance --json` to show alongside' },
  rules: { type: 'string', value: 'FILE', description: 'the rules catalogue, to list rules no run reached (default spec/rules.json when present)' },
};

export const summary = 'build HTML/Markdown/JSON reports and the nightly trend from fuzz campaign folders';
export const help = `usage: gicdiff report CAMPAIGN_DIR... [--html FILE] [--md FILE] [--json FILE] [--conformance FILE]

Reads each campaign folder (written by \`gicdiff fuzz --out\` or \`gicdiff merge\`; format in
fuzz/CAMPAIGN-FORMAT.md), orders them by start time and shows, per run, scenarios per second,
rule coverage and findings over time, and across runs the trend: findings that appeared and
disappeared since the run before. With --conformance, the conformance results are shown too.
Prints a one-line summary per campaign.

Exit 0 when the latest run has no new finding (and the conformance report no new divergence),
1 when it has, 2 on bad input (a folder that is not a campaign, a file that does not validate).
Known and inconclusive findings (a bound was reached: the model's candidate bound, or the scenario's op budget or time limit, which says
nothing about the target) are shown and counted apart; they never fail it.

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  const conformanceFile = options.conformance as string | undefined;
  if (positional.length === 0 && !conformanceFile) throw new UsageError('give at least one campaign folder (or --conformance FILE)');
  let base: Report | undefined;
  if (conformanceFile) {
    const doc = readJsonFile(conformanceFile);
    validateJson('report', doc, conformanceFile);
    base = doc as Report;
  }
  const fresh = readCampaigns(positional);
  const dirs = new Set(fresh.map((c) => c.dir));
  const campaigns = [...(base?.campaigns ?? []).filter((c) => !dirs.has(c.dir)), ...fresh]
    .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  const report = buildReport({
    version: gicdiffVersion(),
    targets: base?.targets ?? [],
    rules: base?.rules.length ? base.rules : loadRules((options.rules as string | undefined) ?? 'spec/rules.json', options.rules !== undefined),
    scenarios: base?.scenarios ?? [],
    results: base?.results ?? [],
    campaigns,
  });
  for (const run of report.trend?.runs ?? []) {
    const c = campaigns.find((x) => x.label === run.label)!;
    process.stdout.write(`${run.label}: ${c.scenarios} scenarios in ${c.durationS.toFixed(0)} s (${run.rate.toFixed(1)}/s), ${run.rulesCovered} rules, ` +
      `${run.findings} findings (${run.newFindings} new${run.inconclusiveFindings ? `, ${run.inconclusiveFindings} inconclusive` : ''})` +
      `${run.appeared.length ? `, +${run.appeared.length} appeared` : ''}${run.disappeared.length ? `, -${run.disappeared.length} disappeared` : ''}\n`);
  }
  const written = writeOutputs(report, outputFilesFrom(options));
  if (written.length) process.stdout.write(describeWritten(written) + '\n');
  const n = newDivergenceCount(report);
  if (n) process.stdout.write(`${n} new divergence${n === 1 ? '' : 's'} or finding${n === 1 ? '' : 's'} in the latest run\n`);
  return n > 0 ? 1 : 0;
}
