// KVM_IRQ_LINE on the timer PPIs once the vCPU has run: Linux's kvm_timer_enable takes both EL1
// timers' PPIs, 27 (virtual) and 30 (physical), for the in-kernel timers (arch_timer.c
// timer_irqs_are_valid, kvm_vgic_set_owner), and vgic_validate_injection then drops a userspace
// injection with 0. Seen on 6.12.118 (kvm-linux): the PPI 30 line never became pending, behind the
// wfi finding of the campaign kl30. The model (docs/kvm-abi.md) allows both PPIs to be owned, the
// kvm target (impl/kvm/arch-timer.ts) owns both.
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';

function scenario(intid: number) {
  return expandScenario({
    format: 'gicdiff/scenario@1', name: `irq-line-ppi-${intid}`, config: { vcpus: 1, spis: 32, its: 0 },
    ops: [{ op: 'boot' }, { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x100, width: 32, value: '0x' + (1 << intid).toString(16) },
      { op: 'kvm.irq_line', type: 'ppi', vcpu: 0, intid, level: 1, expect: 0 },
      { op: 'mmio.read', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x200, width: 32 },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' }],
  } as Scenario);
}

test.each([27, 30])('KVM_IRQ_LINE on timer PPI %i after the vCPU ran: ignored by kvm, and the model allows it', async (intid) => {
  const s = scenario(intid);
  const out = await runScenario(getTarget('kvm')!, s);
  const n = s.ops.length;
  expect(out.trace.results.slice(n - 2)).toEqual(['0x0', '0x3ff']);
  expect(out.verdict?.ok).toBe(true);
  // applied is allowed too (a vCPU that never ran, or a VMM that moved the timer's PPI)
  const applied = { ...out.trace, results: [...out.trace.results.slice(0, n - 2), '0x' + (1 << intid).toString(16), '0x' + intid.toString(16)] };
  expect(modelOracle.checkTrace(s, applied).ok).toBe(true);
});

test('a PPI no timer owns takes the userspace line', async () => {
  const s = scenario(29);
  const out = await runScenario(getTarget('kvm')!, s);
  expect(out.trace.results.slice(s.ops.length - 2)).toEqual(['0x20000000', '0x1d']);
  const ignored = { ...out.trace, results: [...out.trace.results.slice(0, s.ops.length - 2), '0x0', '0x3ff'] };
  expect(modelOracle.checkTrace(s, ignored).ok).toBe(false);
});

// A guest GICR_ISPENDR0 write then read of PPIs 29, 30 and 27 on 6.12.118 (kvm-linux): 29 reads
// back set, 30 and 27 read 0, the host's timer lines (both timers mapped on a VHE host).
test('the timer PPIs\' pending reads on kvm-linux: explained by the mapped-timer quirks, named', async () => {
  const ops = [{ op: 'boot' }, ...[29, 30, 27].flatMap((b) => [
    { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x200, width: 32, value: '0x' + (1 << b).toString(16) },
    { op: 'mmio.read', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x200, width: 32 },
    { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x280, width: 32, value: '0x' + (1 << b).toString(16) }])];
  const s = expandScenario({ format: 'gicdiff/scenario@1', name: 'timer-ppi-pending', config: { vcpus: 1, spis: 32, its: 0 }, ops } as Scenario);
  const t = (await runScenario(getTarget('model')!, s)).trace;
  const reads = s.ops.map((o, i) => (o.op === 'mmio.read' ? i : -1)).filter((i) => i >= 0).slice(-3);
  expect(reads.map((i) => t.results[i])).toEqual(['0x20000000', '0x40000000', '0x8000000']);
  const real = { ...t, target: 'kvm-linux', results: t.results.map((r, i) => (i === reads[1] || i === reads[2] ? '0x0' : r)) };
  const strict = modelOracle.checkTrace(s, real);
  expect(strict.ok ? -1 : strict.divergence.opIndex).toBe(reads[1]);
  const withKvm = modelOracle.checkTrace(s, real, { quirks: targetQuirks('kvm') });
  expect(withKvm.ok ? -1 : withKvm.divergence.opIndex).toBe(reads[1]);
  const v = modelOracle.checkTrace(s, real, { quirks: targetQuirks('kvm-linux') });
  expect(v).toMatchObject({ ok: true });
  if (v.ok) expect(v.quirks).toEqual(['kvm-linux.ptimer-pending-reads-host-line', 'kvm.mapped-level-line-lowered']);
});
