// migrate keeps disabled what the guest disabled: KVM creates a VM with its SGIs enabled
// (include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init), and the set registers only set, so the VMM's restore must clear first
// (found by a campaign: SGI enables came back after migrate).
import { expandScenario } from '../../spec/expand.js';
import { getTarget } from '../../spec/target.js';
import { runScenario } from '../../triage/runner.js';
import type { Scenario } from '../../spec/scenario.js';
import '../../impl/register.js';
import '../../model/register.js';

test('an SGI and an SPI the guest disabled stay disabled across migrate', async () => {
  const s: Scenario = {
    format: 'gicdiff/scenario@1', name: 'migrate-enables', config: { vcpus: 2, spis: 32, its: 1 },
    ops: [
      { op: 'boot' },
      { op: 'mmio.write', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x180, width: 32, value: '0x10' }, // ICENABLER0: SGI 4 off
      { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: 0x104, width: 32, value: '0x5' }, // ISENABLER1: SPIs 32, 34 on
      { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: 0x184, width: 32, value: '0x1' }, // ICENABLER1: SPI 32 off again
      { op: 'mmio.read', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x100, width: 32 },
      { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0x104, width: 32, expect: '0x4' },
      { op: 'migrate' },
      { op: 'mmio.read', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x100, width: 32 },
      { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0x104, width: 32, expect: '0x4' },
    ],
  };
  const e = expandScenario(s);
  const out = await runScenario(getTarget('kvm')!, e, {});
  expect(out.expectationFailures).toEqual([]);
  expect(out.verdict?.ok).toBe(true);
  const n = e.ops.length;
  const before = out.trace.results[n - 5] as string;
  expect(BigInt(before) & 0x10n).toBe(0n); // SGI 4 disabled before...
  expect(out.trace.results[n - 2]).toBe(before); // ...and after
});
