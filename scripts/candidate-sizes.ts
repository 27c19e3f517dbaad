// How large the oracle's candidate sets get on generated scenarios: runs N generated scenarios of a
// seed on the kvm target in lockstep with a high candidate bound and prints how many peaked in each
// power-of-two bucket (the campaign bound is model/oracle.ts DEFAULT_MAX_CANDIDATES; scenarios above
// it are "inconclusive" in campaigns). Usage: npx tsx scripts/candidate-sizes.ts [SEED] [N]
import '../fuzz/targets.js';
import { getTarget } from '../spec/target.js';
import { generateScenario } from '../fuzz/generate.js';
import { expandScenario } from '../spec/expand.js';
import { runLockstep, type OracleFactory } from '../triage/lockstep.js';
import { CandidateBoundError, checkTrace, createOracle } from '../model/oracle.js';
import type { ResolvedConfig } from '../spec/scenario.js';

const HIGH_BOUND = 20_000;
const oracle: OracleFactory = {
  create: (c: ResolvedConfig) => createOracle(c, { maxCandidates: HIGH_BOUND }),
  checkTrace: (s, t, limits) => checkTrace(s, t, limits),
  isBoundError: (e: unknown) => e instanceof CandidateBoundError,
};
const seed = process.argv[2] ?? 'sizes';
const n = Number(process.argv[3] ?? 500);
const kvm = getTarget('kvm')!;
const buckets = new Map<number, number>();
for (let i = 0; i < n; i++) {
  const out = await runLockstep(kvm, expandScenario(generateScenario(`${seed}:${i}`)), {}, oracle);
  const peak = out.verdict?.maxCandidates;
  const bucket = peak === undefined ? -1 : 2 ** Math.ceil(Math.log2(Math.max(1, peak)));
  buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
}
console.log([...buckets].sort((a, b) => a[0] - b[0]).map(([k, v]) => (k < 0 ? `over ${HIGH_BOUND} or no verdict: ${v}` : `<=${k}: ${v}`)).join('  '));
