// gicdiff compare --target A --target B: the directed suite and N generated scenarios on two
// targets, traces compared op by op (fuzz/compare.ts), with a report of its own. Made to measure
// how faithful `kvm` (impl/) is to the real kernel (`kvm-linux`).
// Exit 0 when every scenario both targets ran agrees, 1 when one differs, 2 on bad input.
import { writeFileSync } from 'node:fs';
import { formatOptions, parseArgs, UsageError, type OptionsSpec, SCENARIO_TIMEOUT_MS } from '../args.js';
import { getTarget, targetNames, type Target, type Trace } from '../../spec/target.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import { expandScenario } from '../../spec/expand.js';
import { DEFAULT_SUITE_DIRS, loadSuite } from '../../triage/conformance.js';
import { generateScenario, PROFILES, type Profile } from '../../fuzz/generate.js';
import { runScenario, modelOracle } from '../../triage/runner.js';
import { compareTraces, hostFieldsDiffer, type TraceDifference } from '../../fuzz/compare.js';
import { gicdiffVersion } from '../../fuzz/version.js';
import '../../fuzz/targets.js';

const DEFAULT_GENERATED = 100;

export const OPTIONS: OptionsSpec = {
  target: { type: 'strings', alias: 't', value: 'NAME', description: 'the two targets to compare (--target kvm --target kvm-linux)' },
  generated: { type: 'number', alias: 'n', value: 'N', description: `also compare N generated scenarios (default ${DEFAULT_GENERATED}; 0 for the directed suite only)` },
  seed: { type: 'string', value: 'S', description: 'seed of the generated scenarios (ids S:0, S:1, ...; default "compare")' },
  profile: { type: 'string', value: 'P', description: `generator profile: ${PROFILES.join(', ')} (default full)` },
  suite: { type: 'strings', value: 'DIR', description: `directed scenarios (repeatable; default ${DEFAULT_SUITE_DIRS.join(', ')})` },
  'no-suite': { type: 'boolean', description: 'generated scenarios only' },
  json: { type: 'string', value: 'FILE', description: 'write the comparison as JSON' },
  md: { type: 'string', value: 'FILE', description: 'write the comparison as Markdown' },
  timeout: { type: 'number', value: 'MS', description: `per scenario and target (default ${SCENARIO_TIMEOUT_MS})` },
  quiet: { type: 'boolean', alias: 'q', description: 'print only differences and the totals' },
};

export const summary = 'run the same scenarios on two targets and compare their traces op by op';
export const help = `usage: gicdiff compare --target A --target B [--generated N] [--seed S] [--json FILE] [--md FILE]

Runs the directed suite (spec/conformance/, examples/) and N generated scenarios on both targets
(generated ones only with ops both can run) and compares the two traces op by op. Each scenario
is identical, differing (the first op where the results or the statuses differ, both results,
and whether the reference model accepts each side's trace), or skipped (unsupported on one
target). Differences are grouped by what the op touched, for triage.

Exit 0 when all compared scenarios agree, 1 when one differs, 2 on bad input.

options:
${formatOptions(OPTIONS)}`;

export interface ComparedScenario {
  scenario: string;
  source: string;
  outcome: 'identical' | 'differing' | 'skipped';
  /** skipped: why */
  reason?: string;
  difference?: TraceDifference;
  /** does the reference model accept each side's trace ("ok", "diverges", "undecided") */
  oracle?: { a: string; b: string };
  environment?: Record<string, string>;
  /** the traces differed in fields that describe the host's GIC (compared masked out) */
  hostFields?: boolean;
}

export interface Comparison {
  format: 'gicdiff/compare@1';
  version: string;
  targets: [string, string];
  environment: Record<string, string>;
  totals: { scenarios: number; identical: number; differing: number; skipped: number; hostFieldsOnly: number };
  /** differing scenarios grouped by the key of their first difference, most frequent first */
  groups: { key: string; count: number; examples: string[] }[];
  scenarios: ComparedScenario[];
}

function verdictOf(s: ExpandedScenario, t: Trace): string {
  if (t.status === 'unsupported') return 'unsupported';
  try {
    return modelOracle.checkTrace(s, t).ok ? 'ok' : 'diverges';
  } catch {
    return 'undecided';
  }
}

export async function compareOne(a: Target, b: Target, s: ExpandedScenario, source: string, timeoutMs: number): Promise<ComparedScenario> {
  const ra = await runScenario(a, s, { oracle: false, timeoutMs });
  if (ra.trace.status === 'unsupported') return { scenario: s.name, source, outcome: 'skipped', reason: `${a.name}: ${ra.trace.error?.message ?? 'unsupported'}` };
  const rb = await runScenario(b, s, { oracle: false, timeoutMs });
  if (rb.trace.status === 'unsupported') return { scenario: s.name, source, outcome: 'skipped', reason: `${b.name}: ${rb.trace.error?.message ?? 'unsupported'}` };
  const env = { ...ra.trace.environment, ...rb.trace.environment };
  const d = compareTraces(s, ra.trace, rb.trace);
  const out: ComparedScenario = { scenario: s.name, source, outcome: d ? 'differing' : 'identical' };
  if (Object.keys(env).length) out.environment = env;
  if (hostFieldsDiffer(s, ra.trace, rb.trace)) out.hostFields = true;
  if (d) {
    out.difference = d;
    out.oracle = { a: verdictOf(s, ra.trace), b: verdictOf(s, rb.trace) };
  }
  return out;
}

export function summarize(targets: [string, string], results: ComparedScenario[]): Comparison {
  const groups = new Map<string, { count: number; examples: string[] }>();
  for (const r of results) {
    if (r.outcome !== 'differing') continue;
    const g = groups.get(r.difference!.key) ?? { count: 0, examples: [] };
    g.count++;
    if (g.examples.length < 5) g.examples.push(r.source);
    groups.set(r.difference!.key, g);
  }
  const environment: Record<string, string> = {};
  for (const r of results) Object.assign(environment, r.environment ?? {});
  return {
    format: 'gicdiff/compare@1',
    version: gicdiffVersion(),
    targets,
    environment,
    totals: {
      scenarios: results.length,
      identical: results.filter((r) => r.outcome === 'identical').length,
      differing: results.filter((r) => r.outcome === 'differing').length,
      skipped: results.filter((r) => r.outcome === 'skipped').length,
      hostFieldsOnly: results.filter((r) => r.outcome === 'identical' && r.hostFields).length,
    },
    groups: [...groups.entries()].map(([key, g]) => ({ key, ...g })).sort((x, y) => y.count - x.count || x.key.localeCompare(y.key)),
    scenarios: results,
  };
}

const show = (v: unknown): string => (v === undefined ? '-' : JSON.stringify(v));

export function comparisonMarkdown(c: Comparison): string {
  const [a, b] = c.targets;
  const t = c.totals;
  const compared = t.identical + t.differing;
  const lines = [
    `# ${a} vs ${b}`,
    '',
    `gicdiff ${c.version}${Object.keys(c.environment).length ? `; ${Object.entries(c.environment).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`,
    '',
    `${t.scenarios} scenarios: **${t.identical} identical**, **${t.differing} differing**, ${t.skipped} skipped (unsupported on one side)` +
      (compared ? `; agreement ${((100 * t.identical) / compared).toFixed(1)}% of the ${compared} compared` : ''),
    '',
    `Host fields (ICC_CTLR_EL1.IDbits: the host GIC's INTID width) are compared masked out; ${t.hostFieldsOnly} of the identical scenarios differed only there.`,
    '',
  ];
  if (c.groups.length) {
    lines.push('## Differences by first differing op', '', '| op | scenarios | examples |', '| --- | ---: | --- |');
    for (const g of c.groups) lines.push(`| \`${g.key}\` | ${g.count} | ${g.examples.join(', ')} |`);
    lines.push('', '## Each difference', '', `| scenario | op | ${a} | ${b} | model accepts ${a} / ${b} |`, '| --- | --- | --- | --- | --- |');
    for (const r of c.scenarios) {
      if (r.outcome !== 'differing') continue;
      const d = r.difference!;
      const side = (x: TraceDifference['a']): string => (x.result !== undefined ? show(x.result) : `${x.status}${x.error ? `: ${x.error}` : ''}`).replace(/\|/g, '\\|').slice(0, 160);
      lines.push(`| ${r.source} | ${d.opIndex}: \`${d.op}\` | ${side(d.a)} | ${side(d.b)} | ${r.oracle?.a} / ${r.oracle?.b} |`);
    }
  }
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  const names = (options.target as string[] | undefined) ?? [];
  if (names.length !== 2) throw new UsageError(`give exactly two --target (registered: ${targetNames().join(', ')})`);
  const [a, b] = names.map((n) => {
    const t = getTarget(n);
    if (!t) throw new UsageError(`no target named ${JSON.stringify(n)}; registered targets: ${targetNames().join(', ')}`);
    return t;
  }) as [Target, Target];
  for (const t of [a, b]) {
    const why = t.unavailable?.();
    if (why) {
      process.stderr.write(`gicdiff compare: target ${t.name} is unavailable on this machine: ${why}\n`);
      return 2;
    }
  }
  const n = (options.generated as number | undefined) ?? DEFAULT_GENERATED;
  if (!(Number.isInteger(n) && n >= 0)) throw new UsageError('--generated takes a whole number >= 0');
  const timeout = (options.timeout as number | undefined) ?? SCENARIO_TIMEOUT_MS;
  if (!(timeout > 0)) throw new UsageError('--timeout takes a positive number of milliseconds');
  const profile = (options.profile as string | undefined) ?? 'full';
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}`);
  const seed = (options.seed as string | undefined) ?? 'compare';
  const work: { s: ExpandedScenario; source: string }[] = [];
  if (options['no-suite'] !== true) {
    const dirs = (options.suite as string[] | undefined) ?? DEFAULT_SUITE_DIRS;
    for (const s of loadSuite(dirs, { required: options.suite !== undefined })) work.push({ s: s.expanded, source: s.meta.file });
  }
  const accept = (op: Parameters<Target['supports']>[0], config: Parameters<Target['supports']>[1]): boolean => a.supports(op, config) && b.supports(op, config);
  for (let i = 0; i < n; i++) {
    const id = `${seed}:${i}`;
    work.push({ s: expandScenario(generateScenario(id, { profile: profile as Profile, accept })), source: id });
  }
  const quiet = options.quiet === true;
  const results: ComparedScenario[] = [];
  for (const w of work) {
    const r = await compareOne(a, b, w.s, w.source, timeout);
    results.push(r);
    if (quiet && r.outcome !== 'differing') continue;
    const d = r.difference;
    const detail = d ? `  op ${d.opIndex} ${d.op}: ${a.name} ${show(d.a.result ?? d.a.status)}, ${b.name} ${show(d.b.result ?? d.b.status)}; model accepts ${r.oracle?.a} / ${r.oracle?.b}` : r.reason ? `  (${r.reason})` : '';
    process.stdout.write(`${r.outcome.padEnd(10)} ${w.source}${detail}\n`);
  }
  const c = summarize([a.name, b.name], results);
  const t = c.totals;
  process.stdout.write(`${a.name} vs ${b.name}: ${t.scenarios} scenarios, ${t.identical} identical, ${t.differing} differing, ${t.skipped} skipped\n`);
  if (options.json) writeFileSync(options.json as string, JSON.stringify(c, null, 1) + '\n');
  if (options.md) writeFileSync(options.md as string, comparisonMarkdown(c));
  return t.differing > 0 ? 1 : 0;
}
