// Markdown summary for people and for GitHub's job summary ($GITHUB_STEP_SUMMARY, at most 1 MiB
// per step): totals per target, new divergences first with their repro command, known ones
// collapsed, rule coverage, campaigns and their trend. Output never exceeds `maxBytes`: once the
// budget runs out, the rest is left out and a note says how much and where to find it.
import type { Report, ScenarioResult } from '../spec/gen/report.js';
import { INCONCLUSIVE_LABEL, newDivergenceCount } from './build.js';
import { describeFailure } from './text.js';
import { reproCommand } from '../triage/shell.js';

/** GitHub rejects a step summary over 1 MiB; stay a little under it. */
export const GITHUB_SUMMARY_LIMIT = 1024 * 1024;

export interface MarkdownOptions {
  maxBytes?: number;
  title?: string;
}

/** Appends blocks while they fit; `closers` are small blocks that must always come out. */
class Budget {
  private readonly parts: string[] = [];
  private used = 0;
  omitted = 0;
  constructor(private readonly limit: number) {}
  add(block: string): boolean {
    const n = Buffer.byteLength(block, 'utf8');
    if (this.omitted > 0 || this.used + n > this.limit) {
      this.omitted++;
      return false;
    }
    this.parts.push(block);
    this.used += n;
    return true;
  }
  /** always written (closing tags); the reserve in `limit` pays for them */
  force(block: string): void {
    this.parts.push(block);
    this.used += Buffer.byteLength(block, 'utf8');
  }
  text(): string {
    return this.parts.join('');
  }
}

const RESERVE = 4096; // closing tags and the truncation note

/** Control characters (a NUL in a target's error message) make GitHub treat the summary as binary. */
const clean = (s: string): string => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
// HTML's own characters become entities (they hold in Markdown text and inside the raw HTML of
// <details><summary>, where backslash escapes do not); Markdown's are backslash-escaped.
const md = (s: string): string => clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([\\`*_[\]|])/g, '\\$1');
const code = (s: string): string => '`' + clean(s).replace(/`/g, "'") + '`';

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const limit = options.maxBytes ?? GITHUB_SUMMARY_LIMIT - 1024;
  const b = new Budget(Math.max(0, limit - RESERVE));
  const scenarios = new Map(report.scenarios.map((s) => [s.id, s]));
  const conformance = report.results.length > 0;

  b.add(`# ${options.title ?? (conformance ? 'gicdiff conformance' : 'gicdiff campaign report')}\n\n`);
  const newCount = newDivergenceCount(report);
  b.add(newCount > 0
    ? `**❌ ${newCount} new divergence${newCount === 1 ? '' : 's'}** (not listed in spec/expectations/).\n\n`
    : '**✅ No new divergence.**\n\n');
  const latestRun = report.campaigns[report.campaigns.length - 1];
  const inconclusive = latestRun ? latestRun.findings.filter((f) => f.status === 'inconclusive').length : 0;
  if (inconclusive) b.add(`${inconclusive} ${INCONCLUSIVE_LABEL} (not counted as new).\n\n`);
  b.add(`gicdiff ${report.tool.version}, ${report.generatedAt}\n\n`);

  if (conformance) {
    b.add('## Totals\n\n| target | scenarios | pass | lenient | known | new | unsupported | rules covered | rules passing |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n');
    for (const t of report.totals) {
      const unavailable = report.targets.find((x) => x.name === t.target)?.unavailable;
      b.add(`| ${md(t.target)}${unavailable ? ` (unavailable: ${md(unavailable)})` : ''} | ${t.scenarios} | ${t.pass} | ${t.lenient} | ${t.known} | ${t.new} | ${t.unsupported} | ${t.rulesCovered} | ${t.rulesPassing} |\n`);
    }
    b.add('\n');

    const fresh = report.results.filter((r) => r.outcome === 'new');
    if (fresh.length) {
      b.add(`## New divergences (${fresh.length})\n\n`);
      for (const r of fresh) b.add(resultBlock(r, scenarios.get(r.scenario)!.name, scenarios.get(r.scenario)!.component));
    }
    const lenient = report.results.filter((r) => r.outcome === 'lenient');
    if (lenient.length) {
      b.add(`## Accepted under an unconfirmed reading (${lenient.length})\n\nNot passes: the oracle explains these traces only with an inferred reading of the rules named, where the architecture presumably reads otherwise.\n\n`);
      for (const r of lenient) {
        const sc = scenarios.get(r.scenario)!;
        b.add(`- **${md(r.target)}** ${code(sc.name)} (${md(sc.component)}): ${(r.unconfirmed ?? []).map(code).join(', ')}\n`);
      }
      b.add('\n');
    }
    const known = report.results.filter((r) => r.outcome === 'known');
    if (known.length) {
      const opened = b.add(`## Known divergences (${known.length})\n\n<details><summary>${known.length} known divergence${known.length === 1 ? '' : 's'} (listed in spec/expectations/)</summary>\n\n`);
      for (const r of known) {
        const sc = scenarios.get(r.scenario)!;
        b.add(`- **${md(r.target)}** ${code(sc.name)} (${md(sc.component)}): ${md(r.knownReason ?? 'known')} — ${md(r.failures[0]?.message ?? '')}\n`);
      }
      if (opened) b.force('\n</details>\n\n');
    }
    ruleCoverage(report, b);
  }

  if (report.campaigns.length) campaigns(report, b);

  let text = b.text();
  if (b.omitted > 0) {
    text += `\n\n---\n**Summary truncated:** ${b.omitted} more block${b.omitted === 1 ? '' : 's'} left out to stay under ${limit} bytes; the HTML and JSON reports have everything.\n`;
  }
  return text;
}

function resultBlock(r: ScenarioResult, name: string, component: string): string {
  const lines = [`### ${md(r.target)}: ${code(name)} (${md(component)})\n`];
  lines.push('```text\n' + clean(r.failures.map(describeFailure).join('\n')).replace(/```/g, "'''") + '\n```\n');
  lines.push(`Reproduce: ${code(r.repro)}\n\n`);
  return lines.join('\n');
}

function ruleCoverage(report: Report, b: Budget): void {
  if (report.coverage.length === 0 && report.rules.length === 0) return;
  const targets = report.targets.map((t) => t.name);
  const byComponent = new Map<string, { rules: number; covered: number[]; passing: number[] }>();
  for (const row of report.coverage) {
    let c = byComponent.get(row.component);
    if (!c) byComponent.set(row.component, (c = { rules: 0, covered: targets.map(() => 0), passing: targets.map(() => 0) }));
    c.rules++;
    row.cells.forEach((cell, i) => {
      if (cell.status !== 'not-covered') c!.covered[i]!++;
      if (cell.status === 'pass') c!.passing[i]!++;
    });
  }
  b.add(`## Rule coverage\n\n${report.coverage.length} rules covered by the suite` +
    (report.rules.length ? ` out of ${report.rules.length} in spec/rules.json` : '') + '; each cell: rules passing / covered on that target.\n\n');
  b.add(`| component | rules | ${targets.map(md).join(' | ')} |\n|---|---:|${targets.map(() => '---:').join('|')}|\n`);
  for (const [component, c] of [...byComponent].sort((x, y) => x[0].localeCompare(y[0]))) {
    b.add(`| ${md(component)} | ${c.rules} | ${targets.map((_, i) => `${c.passing[i]} / ${c.covered[i]}`).join(' | ')} |\n`);
  }
  b.add('\n');
  const uncovered = report.uncoveredRules ?? [];
  if (uncovered.length) {
    const opened = b.add(`<details><summary>${uncovered.length} catalogue rule${uncovered.length === 1 ? '' : 's'} no scenario covers</summary>\n\n`);
    b.add(uncovered.map(code).join(', ') + '\n');
    if (opened) b.force('\n</details>\n\n');
  }
}

function campaigns(report: Report, b: Budget): void {
  b.add('## Fuzz campaigns\n\n| campaign | started | shards | scenarios | time | scenarios/s | rules covered | findings (new) | inconclusive | peak memory |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const c of report.campaigns) {
    const n = c.findings.filter((f) => f.status === 'new').length;
    b.add(`| ${md(c.label)} | ${c.startedAt ?? ''} | ${c.shards ?? 1} | ${c.scenarios} | ${c.durationS.toFixed(0)} s | ${c.rate.toFixed(1)} | ${c.rulesCovered}${c.branchesCovered !== undefined ? ` (${c.branchesCovered} target branches)` : ''} | ${c.findings.length} (${n}) | ${c.findings.filter((f) => f.status === 'inconclusive').length} | ${c.peakRssMb !== undefined ? `${c.peakRssMb} MiB` : ''} |\n`);
  }
  b.add('\n');
  const runs = report.trend?.runs ?? [];
  if (runs.length > 1) {
    b.add('### Trend\n\n');
    for (const r of runs.slice(1)) {
      const parts = [];
      if (r.appeared.length) parts.push(`appeared: ${r.appeared.map(code).join(', ')}`);
      if (r.disappeared.length) parts.push(`disappeared: ${r.disappeared.map(code).join(', ')}`);
      b.add(`- **${md(r.label)}**: ${r.rate.toFixed(1)} scenarios/s, ${r.rulesCovered} rules, ${r.findings} findings${r.inconclusiveFindings ? ` (${r.inconclusiveFindings} inconclusive)` : ''}${parts.length ? '; ' + parts.join('; ') : '; no change in findings'}\n`);
    }
    b.add('\n');
  }
  const latest = report.campaigns[report.campaigns.length - 1]!;
  if (latest.ruleHits && report.rules.length) {
    const missing = report.rules.filter((r) => !latest.ruleHits![r.id]).map((r) => r.id);
    const opened = b.add(`<details><summary>${missing.length} of ${report.rules.length} catalogue rules never exercised by ${md(latest.label)}</summary>\n\n`);
    b.add((missing.map(code).join(', ') || 'none') + '\n');
    if (opened) b.force('\n</details>\n\n');
  }
  const fresh = latest.findings.filter((f) => f.status === 'new');
  if (fresh.length) {
    b.add(`### New findings in ${md(latest.label)} (${fresh.length})\n\n`);
    for (const f of fresh) {
      b.add(`- ${code(f.signature)}: ${md(f.message)}${f.count ? ` (${f.count} scenario${f.count === 1 ? '' : 's'})` : ''}` +
        (f.file ? `\n  Reproduce: ${code(reproCommand(f.file, f.target ?? undefined))}` : '') + '\n');
    }
    b.add('\n');
  }
  const known = latest.findings.filter((f) => f.status === 'known');
  if (known.length) {
    const opened = b.add(`<details><summary>${known.length} known finding${known.length === 1 ? '' : 's'} in ${md(latest.label)}</summary>\n\n`);
    for (const f of known) b.add(`- ${code(f.signature)}: ${md(f.knownReason ?? '')}\n`);
    if (opened) b.force('\n</details>\n\n');
  }
  const undecided = latest.findings.filter((f) => f.status === 'inconclusive');
  if (undecided.length) {
    const opened = b.add(`<details><summary>${undecided.length} ${md(INCONCLUSIVE_LABEL)} (${md(latest.label)})</summary>\n\n`);
    for (const f of undecided) b.add(`- ${code(f.signature)}: ${md(f.message)}${f.file ? ` (${code(f.file)})` : ''}\n`);
    if (opened) b.force('\n</details>\n\n');
  }
}
