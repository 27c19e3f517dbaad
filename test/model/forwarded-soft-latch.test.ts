// KVM's GICv4 keeps two pending states for a forwarded LPI: the vLPI's in the hardware (the device's
// MSI, an INT) and the vgic_irq's software latch, set by a KVM_SIGNAL_MSI or an eventfd signal that
// finds the event in the translation cache (quirk kvm.forwarded-translation-cached; State.lpiSoftLatch).
// DISCARD unmaps the vLPI with its pending state but leaves a software latch like a software LPI's
// (quirk kvm.u45-discard-keeps-queued-pending); the oracle with kvm's quirks takes that option only
// for a software latch: after the device's MSI the DISCARD must remove the pending state.
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { forwardedLpiSetup, rejectedAt } from './helpers.js';

function scenario(pend: Scenario['ops'][number]): Scenario {
  return {
    format: 'gicdiff/scenario@1',
    name: 'forwarded-soft-latch',
    config: { vcpus: 2, spis: 32, its: 1, impl: { lrs: 4, gicv4: '4.1', pcpus: 2 } },
    ops: [
      ...forwardedLpiSetup(),
      pend,
      { op: 'its.cmd', cpu: 1, its: 0, cmds: [{ cmd: 'DISCARD', device: 1, event: 3 }, { cmd: 'SYNC', target: 0 }] },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    ],
  } as Scenario;
}

test('an eventfd signal latches the forwarded LPI in software: KVM takes it after the DISCARD, known by the u45 quirk', async () => {
  const e = expandScenario(scenario({ op: 'irqfd.signal', gsi: 5 }));
  const out = await runScenario(getTarget('kvm')!, e);
  expect(out.trace.results[out.trace.results.length - 1]).toBe('0x2000');
  const c = classifyOutcome(modelOracle, 'kvm', e, out, targetQuirks('kvm'));
  expect(c?.classification).toBe('known');
  expect(c?.quirks).toContain('kvm.u45-discard-keeps-queued-pending');
});

test("after the device's MSI (the vLPI) the DISCARD removes the pending state, also with kvm's quirks", async () => {
  const e = expandScenario(scenario({ op: 'device.fire', hostIrq: 100 }));
  const out = await runScenario(getTarget('kvm')!, e);
  expect(out.verdict?.ok).toBe(true);
  // a trace that takes the LPI anyway is explained by no quirk
  const results = out.trace.results.slice();
  results[results.length - 1] = '0x2000';
  expect(rejectedAt(e, results, { quirks: targetQuirks('kvm') })).toBe(e.ops.length - 1);
});
