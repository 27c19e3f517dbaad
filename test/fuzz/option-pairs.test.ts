// (rule, permitted option) pairs, the campaign's feedback on which of the behaviours the
// architecture permits a target took (triage/lockstep.ts, model/oracle.ts): an IAR with two
// equal-priority SGIs pending may return either (Arm IHI 0069, 4.1.1: the choice between
// interrupts of equal priority is IMPLEMENTATION DEFINED), so the run records the option the
// target's answer kept; with distinct priorities there is one answer and no option at that op.
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import { runLockstep } from '../../triage/lockstep.js';
import { modelOracle } from '../../triage/runner.js';
import { Corpus } from '../../fuzz/campaign/corpus.js';
import type { Op, Scenario } from '../../spec/scenario.js';

const kvm = getTarget('kvm')!;

function twoSgis(prio1: number, prio2: number): Scenario {
  const ops: Op[] = [
    { op: 'boot' },
    { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x401, width: 8, value: `0x${prio1.toString(16)}` },
    { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x402, width: 8, value: `0x${prio2.toString(16)}` },
    { op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x1000001' },
    { op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x2000001' },
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
  ];
  return { format: 'gicdiff/scenario@1', name: 'two-sgis', config: { vcpus: 1, spis: 32, its: 0 }, ops };
}

async function optionsAtLastOp(s: Scenario): Promise<{ all: string[]; atIar: string[] }> {
  const e = expandScenario(s);
  const before = await runLockstep(kvm, { ...e, ops: e.ops.slice(0, -1) }, {}, modelOracle, { rulePairs: true });
  const all = await runLockstep(kvm, e, {}, modelOracle, { rulePairs: true });
  expect(all.verdict?.ok).toBe(true);
  const seen = new Set(before.optionPairs);
  return { all: all.optionPairs ?? [], atIar: (all.optionPairs ?? []).filter((o) => !seen.has(o)) };
}

test('an IAR between two equal-priority SGIs records the permitted option the target took', async () => {
  const equal = await optionsAtLastOp(twoSgis(0x80, 0x80));
  expect(equal.atIar.length).toBeGreaterThan(0);
  // the options new at the IAR read belong to the acknowledge's rule, not to some other op
  for (const o of equal.atIar) expect(o).toMatch(/^cpuif\.iar1\.ack=/);
  for (const o of equal.all) expect(o).toMatch(/^[^=]+=.+$/); // "rule=option"
  for (const o of equal.all) expect(o).not.toMatch(/\b\d+\b/); // standalone numbers folded to #
  const distinct = await optionsAtLastOp(twoSgis(0x80, 0x40));
  expect(distinct.atIar).toEqual([]);
});

test('a runner without rulePairs collects no option pairs', async () => {
  const out = await runLockstep(kvm, expandScenario(twoSgis(0x80, 0x80)), {}, modelOracle);
  expect(out.optionPairs).toBeUndefined();
});

test('a new permitted option scores between a new rule and a new rule pair', () => {
  expect(Corpus.score(0, 0, 0, 1)).toBeGreaterThan(Corpus.score(0, 1, 0, 0));
  expect(Corpus.score(0, 0, 0, 1)).toBeLessThan(Corpus.score(1, 0, 0, 0));
});
