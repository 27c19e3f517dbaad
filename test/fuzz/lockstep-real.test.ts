// The real thing: generated scenarios on the kvm target in lockstep with the reference model.
// Same seed, same version: same ops, same results, same verdict (docs/scenario-format.md), also across
// campaign worker counts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { generateScenario } from '../../fuzz/generate.js';
import { expandScenario } from '../../spec/expand.js';
import { runScenario } from '../../triage/runner.js';
import { problemOf } from '../../triage/signature.js';
import { runCampaign } from '../../fuzz/campaign/coordinator.js';
import { defaultWeights } from '../../fuzz/weights.js';

const kvm = getTarget('kvm')!;

describe('lockstep on kvm with the model', () => {
  test('same seed twice: identical ops, results and verdict', async () => {
    for (let i = 0; i < 6; i++) {
      const id = `det:${i}`;
      const a = generateScenario(id);
      const b = generateScenario(id);
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      const ea = expandScenario(a);
      const ra = await runScenario(kvm, ea);
      const rb = await runScenario(kvm, expandScenario(b));
      expect(JSON.stringify(rb.trace)).toBe(JSON.stringify(ra.trace));
      expect(JSON.stringify(rb.verdict)).toBe(JSON.stringify(ra.verdict));
      expect(rb.coverage.slice().sort()).toEqual(ra.coverage.slice().sort());
      expect(problemOf('kvm', ea, rb)?.signature).toBe(problemOf('kvm', ea, ra)?.signature);
    }
  }, 30_000);

  test('a campaign gives the same results with 1 and 2 workers', async () => {
    const run = (workers: number) => runCampaign({
      target: 'kvm', seed: 'w', out: mkdtempSync(path.join(tmpdir(), `gicdiff-real-${workers}-`)), profile: 'full', workers,
      shard: { index: 0, count: 1 }, resume: false, weights: { ...defaultWeights(), maxOps: 40 },
      expectations: { format: 'gicdiff/expectations@1', target: 'kvm', entries: [] }, iterations: 10,
      status: { write: () => {} }, handleSignals: false, mutationRate: 0, minimizeFindings: false,
    });
    const a = await run(1);
    const b = await run(2);
    const essence = (s: typeof a) => ({ scenarios: s.scenarios, ops: s.ops, statuses: s.statuses, rules: s.coverage.ruleHits, findings: s.findings.map((f) => [f.signature, f.count]) });
    expect(a.scenarios).toBe(10);
    expect(essence(b)).toEqual(essence(a));
  }, 30_000);
});
