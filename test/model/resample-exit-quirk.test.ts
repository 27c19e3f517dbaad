// kvm.irqfd-resample-needs-exit-while-active is offered only where KVM's fold may not have seen the
// level SPI active (vgic-v3.c vgic_v3_fold_lr notifies the resampler when `deactivated`, i.e. the
// software copy of the active state, taken at an exit, was set): after an exit of the vCPU that
// acknowledged it, its EOI must signal the resamplefd, and a target that stays silent is new.
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget, type Target } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import type { PrimitiveOp, Scenario } from '../../spec/scenario.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';

const kvm = getTarget('kvm')!;

/** kvm, except that no resamplefd is ever signalled (what a resampler notified for the wrong pin shows). */
const silentResampler: Target = {
  ...kvm,
  open(config) {
    const s = kvm.open!(config);
    return { step: (op: PrimitiveOp) => (op.op === 'irqfd.resampled' ? (s.step(op), false) : s.step(op)) };
  },
};

/** Level SPI 42 behind a resample irqfd, signalled and acknowledged on vCPU 0 (the selftest witness, up to its IAR). */
function upToAck(): { base: Scenario; ops: Scenario['ops'] } {
  const { scenario } = loadFindingOrScenario(path.join(__dirname, '../../fuzz/selftest/witnesses/resample-wrong-pin.json'));
  const iar = scenario.ops.findIndex((o) => o.op === 'sysreg.read' && o.reg === 'ICC_IAR1_EL1');
  expect(iar).toBeGreaterThan(0);
  return { base: scenario, ops: scenario.ops.slice(0, iar + 1) };
}

function withTail(tail: Scenario['ops']): Scenario {
  const { base, ops } = upToAck();
  return { ...base, name: 'resample-exit-quirk', ops: [...ops, ...tail] };
}

const eoi: PrimitiveOp = { op: 'sysreg.write', cpu: 0, reg: 'ICC_EOIR1_EL1', value: '0x2a' };
const resampled: PrimitiveOp = { op: 'irqfd.resampled', gsi: 3 };

async function classify(target: Target, scenario: Scenario): Promise<string | null> {
  const expanded = expandScenario(scenario);
  const outcome = await runScenario(target, expanded);
  const c = classifyOutcome(modelOracle, 'kvm', expanded, outcome, targetQuirks('kvm'));
  return c === null ? null : c.classification;
}

describe('kvm.irqfd-resample-needs-exit-while-active is offered only without a certain exit while active', () => {
  const exits: [string, PrimitiveOp][] = [
    ['a trapped GICD read', { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0, width: 32 }],
    ['vcpu.exit', { op: 'vcpu.exit', cpu: 0 }],
    ['a trapped SGI write', { op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x10000000001' }],
  ];
  test.each(exits)('after %s of the acknowledging vCPU, a silent resamplefd is new', async (_name, exit) => {
    const s = withTail([exit, eoi, resampled]);
    expect(await classify(kvm, s)).toBeNull(); // KVM's fold saw it active: it notifies
    expect(await classify(silentResampler, s)).toBe('new');
  });

  test('acknowledge and EOI between two exits: KVM stays silent, known', async () => {
    expect(await classify(kvm, withTail([eoi, resampled]))).toBe('known');
  });

  test('an exit of another vCPU does not count: known', async () => {
    expect(await classify(kvm, withTail([{ op: 'vcpu.exit', cpu: 1 }, eoi, resampled]))).toBe('known');
  });

  test('the exit before the acknowledge does not count either: known', async () => {
    const { base, ops } = upToAck();
    const s: Scenario = { ...base, name: 'resample-exit-quirk', ops: [...ops.slice(0, -1), { op: 'vcpu.exit', cpu: 0 }, ops[ops.length - 1]!, eoi, resampled] };
    expect(await classify(kvm, s)).toBe('known');
  });
});

test('a deassigned irqfd takes its resamplefd along: irqfd.resampled is false until a new one is signalled', async () => {
  const s = withTail([{ op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0, width: 32 }, eoi, { op: 'kvm.irqfd', gsi: 3, resample: true, deassign: true }, resampled]);
  const model = await runScenario(getTarget('model')!, expandScenario(s));
  expect(model.trace.results.at(-1)).toBe(false);
  expect(await classify(kvm, s)).toBeNull();
});
