// CPU cost of generated scenarios, by generator action and by config size: runs N fresh scenarios
// of a seed on a target in lockstep with the oracle (as a campaign does) and attributes each
// scenario's user CPU time to its config (vCPUs, GICv4 mode, ITSes) and to the actions it is made of.
//   npx tsx scripts/scenario-cost.ts [--target kvm] [--seed S] [--scenarios N] [--json FILE]
import { writeFileSync } from 'node:fs';
import '../fuzz/targets.js';
import { getTarget } from '../spec/target.js';
import { generateScenario } from '../fuzz/generate.js';
import { expandScenario } from '../spec/expand.js';
import { runScenario, modelOracle } from '../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../triage/classify.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const target = getTarget(arg('target', 'kvm'));
if (!target) {
  process.stderr.write('scenario-cost: unknown target\n');
  process.exit(2);
}
const seed = arg('seed', 'mut');
const n = Number(arg('scenarios', '100'));
const jsonOut = arg('json', '');

interface Sample { id: string; ms: number; genMs: number; ops: number; vcpus: number; gicv4: string; its: number; lrs: number; actions: string[]; migrates: number; status: string }
const samples: Sample[] = [];
let classifyTotal = 0;
const accept = (op: Parameters<NonNullable<typeof target.supports>>[0], c: Parameters<NonNullable<typeof target.supports>>[1]): boolean => target.supports(op, c);
for (let i = 0; i < n; i++) {
  const id = `${seed}:${i}`;
  const drawn: string[] = [];
  const g0 = process.cpuUsage();
  const s = generateScenario(id, { drawn, accept });
  const e = expandScenario(s);
  const genMs = process.cpuUsage(g0).user / 1000;
  const c0 = process.cpuUsage();
  const out = await runScenario(target, e, { timeoutMs: 10_000 });
  let ms = process.cpuUsage(c0).user / 1000;
  // a campaign classifies every divergent scenario: the whole trace again with the quirks
  const k0 = process.cpuUsage();
  const cls = classifyOutcome(modelOracle, target.name, e, out, targetQuirks(target.name));
  const classifyMs = process.cpuUsage(k0).user / 1000;
  ms += classifyMs;
  classifyTotal += classifyMs;
  const cfg = s.config as { vcpus: number; its?: number; impl?: { gicv4?: string; lrs?: number } };
  const status = cls?.classification === 'new' ? 'new' : out.oracleError ? (out.oracleError.bound ? 'inconclusive' : 'oracle-error') : out.verdict && !out.verdict.ok ? 'divergent' : out.trace.status;
  samples.push({ id, ms, genMs, ops: e.ops.length, vcpus: cfg.vcpus, gicv4: cfg.impl?.gicv4 ?? 'off', its: cfg.its ?? 0, lrs: cfg.impl?.lrs ?? 4, actions: drawn, migrates: e.ops.filter((o) => o.op === 'migrate').length, status });
}
const total = samples.reduce((a, s) => a + s.ms, 0);
const fmt = (x: number): string => x.toFixed(0).padStart(7);
function table(title: string, key: (s: Sample) => string[]): void {
  const m = new Map<string, { n: number; ms: number }>();
  for (const s of samples) {
    for (const k of new Set(key(s))) {
      const r = m.get(k) ?? { n: 0, ms: 0 };
      r.n++;
      r.ms += s.ms;
      m.set(k, r);
    }
  }
  process.stdout.write(`\n${title}: key, scenarios, total ms, mean ms, share of all CPU\n`);
  for (const [k, r] of [...m].sort((a, b) => b[1].ms - a[1].ms)) process.stdout.write(`  ${k.padEnd(36)} ${String(r.n).padStart(5)} ${fmt(r.ms)} ${fmt(r.ms / r.n)} ${((100 * r.ms) / total).toFixed(1).padStart(5)}%\n`);
}
table('vCPUs', (s) => [String(s.vcpus)]);
table('GICv4', (s) => [s.gicv4]);
table('ITSes', (s) => [String(s.its)]);
table('migrate ops', (s) => [String(Math.min(s.migrates, 4))]);
table('status', (s) => [s.status]);
table('actions (scenarios containing it)', (s) => s.actions);
process.stdout.write('\nslowest:\n');
for (const s of [...samples].sort((a, b) => b.ms - a.ms).slice(0, 10)) process.stdout.write(`  ${s.id} ${fmt(s.ms)} ms ops ${s.ops} vcpus ${s.vcpus} v4 ${s.gicv4} its ${s.its} migrates ${s.migrates} ${s.status}\n`);
process.stdout.write(`\n${n} scenarios of ${seed}: ${(total / 1000).toFixed(1)} s user CPU in lockstep, mean ${(total / n).toFixed(0)} ms, generation ${(samples.reduce((a, s) => a + s.genMs, 0) / 1000).toFixed(1)} s, mean ops ${(samples.reduce((a, s) => a + s.ops, 0) / n).toFixed(0)}, of which classifying ${(classifyTotal / 1000).toFixed(1)} s\n`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(samples));
