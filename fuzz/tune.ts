// Weight tuning by rule coverage (brief: "defaults tuned by measuring rule coverage").
//   npx tsx fuzz/tune.ts [--target model] [--scenarios N] [--rounds R] [--out FILE]
// For fixed seeds, the coverage of a weights variant is the set of rule ids the oracle recorded
// over N generated scenarios (the `model` target by default: it runs every scenario to the end,
// so coverage is not cut short by a divergence). Coordinate ascent: each action's weight is tried
// at x2 and x0.5 (and 0 -> 1); a change is kept when it reaches more distinct rules (ties: more
// rule hits per scenario). Prints each step and the tuned weights as JSON.
import { writeFileSync } from 'node:fs';
import './targets.js';
import { getTarget } from '../spec/target.js';
import { expandScenario } from '../spec/expand.js';
import { generateScenario } from './generate.js';
import { runScenario } from './runner.js';
import { ACTION_NAMES, defaultWeights, type Weights } from './weights.js';

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

let best: Weights = structuredClone(defaultWeights());
let bestCov = await coverageOf(best, N);
process.stdout.write(`baseline: ${bestCov.rules} rules, ${bestCov.hits.toFixed(1)} rule hits per scenario (${N} scenarios on ${target.name})\n`);
for (let round = 0; round < rounds; round++) {
  for (const a of ACTION_NAMES) {
    const w0 = best.actions[a];
    for (const w of w0 === 0 ? [1] : [w0 * 2, w0 / 2]) {
      const cand: Weights = { ...best, actions: { ...best.actions, [a]: w } };
      const cov = await coverageOf(cand, N);
      if (better(cov, bestCov)) {
        process.stdout.write(`  ${a}: ${w0} -> ${w}: ${cov.rules} rules, ${cov.hits.toFixed(1)} hits (was ${bestCov.rules}, ${bestCov.hits.toFixed(1)})\n`);
        best = cand;
        bestCov = cov;
        break;
      }
    }
  }
  for (const rate of [best.malformedRate * 2, best.malformedRate / 2]) {
    const cand = { ...best, malformedRate: Math.min(1, rate) };
    const cov = await coverageOf(cand, N);
    if (better(cov, bestCov)) {
      process.stdout.write(`  malformedRate -> ${rate}: ${cov.rules} rules\n`);
      best = cand;
      bestCov = cov;
    }
  }
}
const json = JSON.stringify({ format: 'gicdiff/weights@1', ...best }, null, 2);
process.stdout.write(`tuned: ${bestCov.rules} rules, ${bestCov.hits.toFixed(1)} hits per scenario\n${json}\n`);
const out = arg('out', '');
if (out) writeFileSync(out, json + '\n');
