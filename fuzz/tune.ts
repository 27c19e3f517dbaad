// Weight tuning by rule coverage (brief: "defaults tuned by measuring rule coverage").
//   npx tsx fuzz/tune.ts [--target model] [--scenarios N] [--rounds R] [--fine] [--out FILE]
// For fixed seeds, the coverage of a weights variant is the set of rule ids the oracle recorded
// over N generated scenarios (the `model` target by default: it runs every scenario to the end,
// so coverage is not cut short by a divergence). Coordinate ascent: each group of actions (and
// with --fine each action) is tried at x2 and x0.5, and the malformed rate too; a change is kept
// when it reaches more distinct rules (ties: more rule hits per scenario). Prints each step; the
// best weights so far are written to --out after every improvement.
import { writeFileSync } from 'node:fs';
import './targets.js';
import { getTarget } from '../spec/target.js';
import { expandScenario } from '../spec/expand.js';
import { generateScenario } from './generate.js';
import { runScenario } from '../triage/runner.js';
import { ACTION_NAMES, defaultWeights, type ActionName, type Weights } from './weights.js';
import { ACTIONS } from './gen/table.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

const target = getTarget(arg('target', 'model'));
if (!target) throw new Error(`no target ${arg('target', 'model')}`);
const N = Number(arg('scenarios', '20'));
const rounds = Number(arg('rounds', '1'));

export async function coverageOf(w: Weights, n: number): Promise<{ rules: number; hits: number }> {
  const all = new Set<string>();
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const out = await runScenario(target!, expandScenario(generateScenario(`tune:${i}`, { weights: w })), { timeoutMs: 5000 });
    for (const r of out.coverage) all.add(r);
    hits += out.coverage.length;
  }
  return { rules: all.size, hits: hits / n };
}

const better = (a: { rules: number; hits: number }, b: { rules: number; hits: number }): boolean => a.rules > b.rules || (a.rules === b.rules && a.hits > b.hits);

// the groups are the families of the action table (one file each under fuzz/gen/actions/)
const GROUPS: Record<string, ActionName[]> = {};
for (const a of ACTIONS) (GROUPS[a.family] ??= []).push(a.name);
const fine = process.argv.includes('--fine');
const out = arg('out', '');
const save = (w: Weights): void => {
  if (out) writeFileSync(out, JSON.stringify({ format: 'gicdiff/weights@1', ...w }, null, 2) + '\n');
};
const scaled = (w: Weights, names: readonly ActionName[], f: number): Weights => {
  const actions = { ...w.actions };
  for (const a of names) actions[a] = !actions[a] ? (f > 1 ? 1 : 0) : actions[a]! * f;
  return { ...w, actions };
};

let best: Weights = structuredClone(defaultWeights());
let bestCov = await coverageOf(best, N);
process.stdout.write(`baseline: ${bestCov.rules} rules, ${bestCov.hits.toFixed(1)} rule hits per scenario (${N} scenarios on ${target.name})\n`);
const tryStep = async (label: string, cand: Weights): Promise<boolean> => {
  const cov = await coverageOf(cand, N);
  process.stdout.write(`  ${label}: ${cov.rules} rules, ${cov.hits.toFixed(1)} hits${better(cov, bestCov) ? '  (kept)' : ''}\n`);
  if (!better(cov, bestCov)) return false;
  best = cand;
  bestCov = cov;
  save(best);
  return true;
};
for (let round = 0; round < rounds; round++) {
  // coarse: whole groups of actions, then (with --fine) single actions
  const steps: [string, readonly ActionName[]][] = Object.entries(GROUPS);
  if (fine) for (const a of ACTION_NAMES) steps.push([a, [a]]);
  for (const [label, names] of steps) {
    if (!(await tryStep(`${label} x2`, scaled(best, names, 2)))) await tryStep(`${label} x0.5`, scaled(best, names, 0.5));
  }
  if (!(await tryStep('malformedRate x2', { ...best, malformedRate: Math.min(1, best.malformedRate * 2) }))) {
    await tryStep('malformedRate x0.5', { ...best, malformedRate: best.malformedRate / 2 });
  }
}
process.stdout.write(`tuned: ${bestCov.rules} rules, ${bestCov.hits.toFixed(1)} hits per scenario\n${JSON.stringify(best.actions)}\n`);
save(best);
