// gicdiff conformance --target T... : run the directed suite (spec/conformance/ and examples/)
// on each target and write the reports CI and people read (JUnit, Markdown, HTML, JSON).
// Exit 0 when nothing new diverged, 1 when something did, 2 on bad input.
import path from 'node:path';
import { formatOptions, parseArgs, UsageError, type OptionsSpec, SCENARIO_TIMEOUT_MS } from '../args.js';
import { getTarget, targetNames, type Target } from '../../spec/target.js';
import { loadTargetExpectations } from '../../spec/expectations.js';
import { buildReport, newDivergenceCount } from '../../reports/build.js';
import { readCampaigns } from '../../reports/campaign.js';
import { DEFAULT_SUITE_DIRS, loadRules, loadSuite, runConformance } from '../../triage/conformance.js';
import { describeWritten, outputFilesFrom, writeOutputs } from '../../reports/write.js';
import type { ReportTarget } from '../../spec/gen/report.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome } from '../../triage/classify.js';
import { gicdiffVersion } from '../../fuzz/version.js';
import '../../fuzz/targets.js';

export const OPTIONS: OptionsSpec = {
  target: { type: 'strings', alias: 't', value: 'NAME', description: 'a target to run on (repeat for several: --target model --target kvm)' },
  junit: { type: 'string', value: 'FILE', description: 'write JUnit XML (one testcase per scenario, a testsuite per target and component)' },
  md: { type: 'string', value: 'FILE', description: 'write the Markdown summary (under 1 MiB, for $GITHUB_STEP_SUMMARY)' },
  html: { type: 'string', value: 'FILE', description: 'write the single-file HTML report (rule x target matrix)' },
  json: { type: 'string', value: 'FILE', description: 'write the JSON report (spec/schema/report.schema.json)' },
  suite: { type: 'strings', value: 'DIR', description: `a folder of scenarios, searched recursively (repeatable; default: ${DEFAULT_SUITE_DIRS.join(', ')})` },
  rules: { type: 'string', value: 'FILE', description: 'the rules catalogue (default spec/rules.json)' },
  campaign: { type: 'strings', value: 'DIR', description: 'also show this fuzz campaign folder in the reports (repeatable)' },
  component: { type: 'strings', value: 'NAME', description: 'run only the scenarios of this component (repeatable: --component its --component lpi)' },
  timeout: { type: 'number', value: 'MS', min: 1, description: `give up on a scenario after MS milliseconds: an external target's is a step-budget failure, an in-process one runs again without the limit (default ${SCENARIO_TIMEOUT_MS})` },
  quiet: { type: 'boolean', alias: 'q', description: 'print only failures and the totals' },
};

export const summary = 'run the conformance suite on targets and write JUnit/Markdown/HTML/JSON reports';
export const help = `usage: gicdiff conformance --target NAME... [--junit FILE] [--md FILE] [--html FILE] [--json FILE] [options]

Runs every scenario of spec/conformance/ (one folder per component) and of examples/ on
each target, checks each trace with the reference model and the scenario's expectations, and
classifies what diverged with spec/expectations/<target>.json: listed divergences are "known"
(JUnit: skipped, with the reason), anything else is "new" (JUnit: failure, with the divergence
and the command that reproduces it). Scenarios a target cannot run are skipped.

Exit 0 when there is no new divergence, 1 when there is one, 2 on bad input (a scenario file,
the rules catalogue or an expectations file that does not validate; an unknown target).

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])} (scenario folders go in --suite)`);
  const names = (options.target as string[] | undefined) ?? [];
  if (names.length === 0) throw new UsageError(`give at least one --target (registered: ${targetNames().join(', ') || 'none'})`);
  const targets: Target[] = names.map((n) => {
    const t = getTarget(n);
    if (!t) throw new UsageError(`no target named ${JSON.stringify(n)}; registered targets: ${targetNames().join(', ') || '(none)'}`);
    return t;
  });
  const timeout = (options.timeout as number | undefined) ?? SCENARIO_TIMEOUT_MS;
  if (!(timeout > 0)) throw new UsageError('--timeout takes a positive number of milliseconds');
  const explicitSuite = options.suite as string[] | undefined;
  const components = options.component as string[] | undefined;
  const suite = loadSuite(explicitSuite ?? DEFAULT_SUITE_DIRS, { required: explicitSuite !== undefined })
    .filter((s) => !components || components.includes(s.meta.component));
  if (suite.length === 0) {
    throw new UsageError(`no scenario found in ${(explicitSuite ?? DEFAULT_SUITE_DIRS).join(', ')}${components ? ` for component ${components.join(', ')}` : ''}`);
  }
  for (const t of targets) {
    const why = t.unavailable?.();
    if (why) process.stderr.write(`gicdiff conformance: target ${t.name} is unavailable on this machine (${why}); its scenarios are reported as unsupported\n`);
  }
  const rulesFile = (options.rules as string | undefined) ?? path.join('spec', 'rules.json');
  const rules = loadRules(rulesFile, options.rules !== undefined);
  const expectations = new Map(targets.map((t) => [t.name, loadTargetExpectations(t.name)])); // validated up front: exit 2 before any run
  const campaigns = readCampaigns((options.campaign as string[] | undefined) ?? []);

  const quiet = options.quiet === true;
  const results = await runConformance(targets, suite, {
    run: runScenario,
    classify: (name, scenario, outcome) => classifyOutcome(modelOracle, name, scenario, outcome, new Set(expectations.get(name)!.entries.map((e) => e.id))),
    expectations: (name) => expectations.get(name)!,
    timeoutMs: timeout,
    onResult: (r) => {
      if (quiet && r.outcome !== 'new') return;
      const why = r.outcome === 'new' ? `  ${r.failures[0]?.message ?? ''}\n      ${r.repro}` : r.outcome === 'known' ? `  (${r.knownReason ?? ''})` : r.outcome === 'unsupported' ? `  (${r.unsupportedReason ?? ''})`
        : r.outcome === 'lenient' ? `  (accepted under an unconfirmed reading of ${(r.unconfirmed ?? []).join(', ')})` : '';
      process.stdout.write(`${r.outcome.padEnd(11)} ${r.target.padEnd(8)} ${r.scenario}${why}\n`);
    },
  });
  const wholeSuite = explicitSuite === undefined && components === undefined;
  const reportTargets: ReportTarget[] = targets.map((t) => {
    const rt: ReportTarget = { name: t.name, description: t.description };
    const why = t.unavailable?.();
    if (why) rt.unavailable = why;
    // with the whole suite every declared quirk should be needed by some scenario (a stale one is reported)
    else if (wholeSuite) rt.quirks = expectations.get(t.name)!.entries.map((e) => e.id);
    return rt;
  });
  const report = buildReport({ version: gicdiffVersion(), targets: reportTargets, rules, scenarios: suite.map((s) => s.meta), results, campaigns });
  for (const t of report.totals) {
    process.stdout.write(`${t.target}: ${t.scenarios} scenarios, ${t.pass} pass, ${t.known} known, ${t.new} new, ${t.unsupported} unsupported; ` +
      `${t.rulesPassing} of ${t.rulesCovered} covered rules pass\n`);
    if (t.staleQuirks) {
      process.stdout.write(`${t.target}: ${t.staleQuirks.length} quirk${t.staleQuirks.length === 1 ? '' : 's'} of spec/expectations/${t.target}.json no scenario needed (stale, or without a directed scenario): ${t.staleQuirks.join(', ')}\n`);
    }
  }
  const stray = report.coverage.filter((c) => c.inCatalogue === false).map((c) => c.rule);
  process.stdout.write(`rules: ${rules.length} in ${rulesFile}, ${rules.length - (report.uncoveredRules ?? []).length} of them covered` +
    `${stray.length ? `; ${stray.length} rule id${stray.length === 1 ? '' : 's'} used but not in the catalogue: ${stray.join(', ')}` : ''}\n`);
  const written = writeOutputs(report, outputFilesFrom(options));
  if (written.length) process.stdout.write(describeWritten(written) + '\n');
  const fresh = newDivergenceCount(report);
  if (fresh) process.stdout.write(`${fresh} new divergence${fresh === 1 ? '' : 's'}\n`);
  return fresh > 0 ? 1 : 0;
}
