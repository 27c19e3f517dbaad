// The verdict of every generated scenario of a seed, one JSON line each: run in lockstep, then
// classified as a campaign classifies it (triage/classify.ts: the quirk re-check of a divergent
// trace). Two dumps of the same seed and count, from two commits, must be identical line for line
// when a change is meant to make the oracle or the classification faster without changing a
// verdict (`diff` them); the last line gives the user CPU time.
//   npx tsx scripts/verdict-dump.ts [--target kvm] [--seed S] [--scenarios N] [--from K]
import '../fuzz/targets.js';
import { getTarget } from '../spec/target.js';
import { generateScenario } from '../fuzz/generate.js';
import { expandScenario } from '../spec/expand.js';
import { runLockstep, type RunOutcome } from '../triage/lockstep.js';
import { modelOracle } from '../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../triage/classify.js';
import { statusOf } from '../fuzz/campaign/worker-core.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const target = getTarget(arg('target', 'kvm'));
if (!target) {
  process.stderr.write('verdict-dump: unknown target\n');
  process.exit(2);
}
const seed = arg('seed', 'mut');
const from = Number(arg('from', '0'));
const n = Number(arg('scenarios', '100'));
const quirks = targetQuirks(target.name);
const accept = (op: Parameters<typeof target.supports>[0], c: Parameters<typeof target.supports>[1]): boolean => target.supports(op, c);
/** what the check with quirks said: accepted, the op where it failed, or not run */
function withQuirks(v: RunOutcome['verdict'] | undefined): 'ok' | number | null {
  if (v === undefined || v === null) return null;
  return v.ok ? 'ok' : v.divergence.opIndex;
}
const c0 = process.cpuUsage();
let classifyUs = 0;
for (let i = from; i < from + n; i++) {
  const id = `${seed}:${i}`;
  const e = expandScenario(generateScenario(id, { accept }));
  // no time limit: a verdict must not depend on the machine's load
  const out = await runLockstep(target, e, {}, modelOracle, { rulePairs: true });
  const k0 = process.cpuUsage();
  const c = classifyOutcome(modelOracle, target.name, e, out, quirks);
  classifyUs += process.cpuUsage(k0).user;
  const v = out.verdict;
  process.stdout.write(JSON.stringify({
    id, status: statusOf(out), ops: out.trace.results.length,
    divergence: v && !v.ok ? v.divergence.opIndex : null,
    rules: out.coverage.length, options: out.optionPairs?.length ?? 0,
    classification: c?.classification ?? null, signature: c?.problem.signature ?? null, at: c?.problem.opIndex ?? null, quirks: c?.quirks ?? [],
    withQuirks: withQuirks(c?.withQuirks),
  }) + '\n');
}
const u = process.cpuUsage(c0).user;
process.stderr.write(`${n} scenarios of ${seed} from ${from}: ${(u / 1e6).toFixed(1)} s user CPU, of which classifying ${(classifyUs / 1e6).toFixed(1)} s\n`);
