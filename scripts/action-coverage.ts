// Rule coverage by generator action: runs N generated scenarios of a seed on a target and, for
// each action of the generator's table (fuzz/gen/table.ts, with its family and weight), prints
// how often it was drawn, in how many scenarios, the distinct rules those scenarios reached, the
// rules no scenario without it reached, and the share of those scenarios that diverged.
//   npx tsx scripts/action-coverage.ts [--target kvm] [--seed S] [--scenarios N]
import '../fuzz/targets.js';
import { getTarget, targetNames } from '../spec/target.js';
import { generateScenario } from '../fuzz/generate.js';
import { expandScenario } from '../spec/expand.js';
import { runScenario } from '../triage/runner.js';
import { ACTIONS, MALFORMED_ACTIONS } from '../fuzz/gen/table.js';
import { defaultWeights } from '../fuzz/weights.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const targetName = arg('target', 'kvm');
const target = getTarget(targetName);
if (!target) {
  process.stderr.write(`action-coverage: no target ${JSON.stringify(targetName)} (known: ${targetNames().join(', ')})\n`);
  process.exit(2);
}
const seed = arg('seed', 'cov');
const n = Number(arg('scenarios', '200'));
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write(`action-coverage: --scenarios must be a positive whole number (got ${JSON.stringify(arg('scenarios', ''))})\n`);
  process.exit(2);
}

interface Row { draws: number; scenarios: number; diverged: number; rules: Set<string> }
const rows = new Map<string, Row>();
const row = (a: string): Row => {
  let r = rows.get(a);
  if (!r) rows.set(a, (r = { draws: 0, scenarios: 0, diverged: 0, rules: new Set() }));
  return r;
};
const ruleScenarios = new Map<string, Set<string>[]>(); // rule -> the action sets of the scenarios reaching it
const all = new Set<string>();
const t0 = Date.now();
for (let i = 0; i < n; i++) {
  const drawn: string[] = [];
  const e = expandScenario(generateScenario(`${seed}:${i}`, { drawn }));
  const out = await runScenario(target, e, { timeoutMs: 60_000 });
  const names = new Set(drawn);
  for (const a of drawn) row(a).draws++;
  for (const a of names) {
    const r = row(a);
    r.scenarios++;
    if (out.verdict && !out.verdict.ok) r.diverged++;
    for (const rule of out.coverage) r.rules.add(rule);
  }
  for (const rule of out.coverage) {
    all.add(rule);
    (ruleScenarios.get(rule) ?? ruleScenarios.set(rule, []).get(rule)!).push(names);
  }
}
// a rule is an action's own when every scenario that reached it drew that action
const own = new Map<string, string[]>();
for (const [rule, sets] of ruleScenarios) {
  for (const a of sets[0]!) if (sets.every((s) => s.has(a))) (own.get(a) ?? own.set(a, []).get(a)!).push(rule);
}
const w = defaultWeights();
const lines: string[][] = [['family', 'action', 'weight', 'draws', 'scenarios', 'diverged', 'rules', 'own rules']];
const emit = (family: string, name: string, weight: number | string): void => {
  const r = rows.get(name);
  lines.push([family, name, String(weight), String(r?.draws ?? 0), String(r?.scenarios ?? 0), r ? `${Math.round((100 * r.diverged) / Math.max(1, r.scenarios))}%` : '-', String(r?.rules.size ?? 0), String(own.get(name)?.length ?? 0)]);
};
for (const a of ACTIONS) emit(a.family, a.name, w.actions[a.name] ?? 0);
for (const m of MALFORMED_ACTIONS) emit('malformed', `malformed.${m.name}`, `${w.malformedRate} x ${m.weight}`);
const widths = lines[0]!.map((_, k) => Math.max(...lines.map((l) => l[k]!.length)));
for (const l of lines) process.stdout.write(l.map((c, k) => c.padEnd(widths[k]!)).join('  ') + '\n');
process.stdout.write(`${n} scenarios of seed ${seed} on ${target.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${all.size} rules\n`);
