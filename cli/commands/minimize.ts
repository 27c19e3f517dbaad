// gicdiff minimize FILE : minimize a finding (or a failing scenario) keeping its signature.
import path from 'node:path';
import { durationOption, formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { expandScenario } from '../../spec/expand.js';
import { loadFindingOrScenario, writeMinimized } from '../../fuzz/finding.js';
import { runLockstep } from '../../triage/lockstep.js';
import { problemOf } from '../../triage/signature.js';
import { classifyOutcome } from '../../triage/classify.js';
import { loadTargetExpectations } from '../../spec/expectations.js';
import { CUT_NOTE, minimizeOnTarget } from '../../fuzz/minimize.js';
import { writeJsonAtomic } from '../../triage/atomic.js';
import { loadTarget } from '../load-target.js';

const OPTIONS: OptionsSpec = {
  target: { type: 'string', alias: 't', value: 'NAME', description: "the target (default: the finding's target)" },
  out: { type: 'string', alias: 'o', value: 'FILE', description: 'where to write the minimized scenario (default: minimized.json next to FILE)' },
  'max-runs': { type: 'number', value: 'N', min: 1, integer: true, description: 'at most N candidate runs (default 5000)' },
  time: { type: 'string', value: 'DURATION', description: 'stop improving after this long (default 2m)' },
  plugin: { type: 'string', value: 'FILE', description: 'module giving targets and the oracle (self-tests with planted faults)' },
};

export const summary = 'minimize a finding or failing scenario, keeping its signature';
export const help = `usage: gicdiff minimize FILE [--target NAME] [--out FILE] [options]

Delta debugging over the ops (and the commands of each its.cmd op), then simpler values: fewer
vCPUs, ITSes and SPIs, smaller IDs renamed through the whole scenario, boot options back to their
defaults. Every candidate must still show the same signature. Deterministic. Writes a plain
scenario file any target runs. Exit 0 when written, 1 when FILE does not fail on the target, 2 on
bad input.

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length !== 1) throw new UsageError('give exactly one finding or scenario file');
  const file = positional[0]!;
  const { finding, scenario } = loadFindingOrScenario(file);
  const name = (options.target as string | undefined) ?? finding?.target;
  if (!name) throw new UsageError('--target is required for a scenario file (a finding names its target)');
  const maxRuns = (options['max-runs'] as number | undefined) ?? 5000;
  if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new UsageError('--max-runs takes a positive integer');
  const timeMs = durationOption('time', options.time) ?? 120_000;
  const { target, oracle } = await loadTarget(name, options.plugin as string | undefined, options.target === undefined ? { file: positional[0]!, jsonPath: '/target' } : undefined);
  const run = (t: typeof target, s: ReturnType<typeof expandScenario>, o: object) => runLockstep(t, s, o, oracle);
  const expanded = expandScenario(scenario);
  const outcome = await run(target, expanded, {});
  const quirks = new Set(loadTargetExpectations(target.name).entries.map((e) => e.id));
  const classified = classifyOutcome(oracle, target.name, expanded, outcome, quirks);
  const problem = classified?.problem ?? problemOf(target.name, expanded, outcome);
  if (!problem) {
    process.stdout.write(`${file} shows no divergence on ${target.name}: nothing to minimize\n`);
    return 1;
  }
  if (finding && problem.signature !== finding.signature) {
    process.stdout.write(`note: the finding had ${finding.signature}; it now shows ${problem.signature} (minimizing that)\n`);
  }
  const t0 = Date.now();
  // a new divergence stays new while minimized (a smaller scenario the quirks explain is another problem)
  const keep = classified?.classification === 'new' ? { signature: problem.signature, newWith: { oracles: oracle, quirks } } : { signature: problem.signature };
  const m = await minimizeOnTarget(target, scenario, run, keep, { maxRuns, timeMs });
  const out = (options.out as string | undefined) ?? path.join(path.dirname(file), 'minimized.json');
  if (options.out) writeJsonAtomic(out, m.scenario);
  else writeMinimized(path.dirname(file), m.scenario);
  const cut = m.cut ? `; ${CUT_NOTE}` : '';
  process.stdout.write(`${problem.signature}\n  ${m.before} -> ${m.after} ops in ${m.runs} runs (${Date.now() - t0} ms${cut}): ${out}\n`);
  return 0;
}
