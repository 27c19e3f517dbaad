// The HW-mapped vtimer (vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c), WFI blocking and wake-up (vgic.c kvm_vgic_vcpu_pending_irq),
// and scheduling ops (docs/scenario-format.md: no guest-visible meaning).
import type { PrimitiveOp } from '../../spec/scenario.js';
import { booted, mr, mw, rd, wr, timer, timerAcknowledged, TIMER_BIT } from './helpers.js';


describe('vtimer PPI 27, HW-mapped', () => {
  test('level semantics through a HW list register; the guest deactivation reaches the physical GIC', () => {
    const s = timerAcknowledged();
    const cif = s.vm.dist.vcpus[0]!.cpuif;
    const lr = cif.findActive(27);
    expect(lr).toBeGreaterThanOrEqual(0);
    expect(cif.lrHw[lr]).toBe(1); // mapped: HW bit and pINTID 27 (1.7)
    expect(cif.lrPintid[lr]).toBe(27);
    expect(s.vm.phys.isActive(0, 27)).toBe(true); // physical interrupt left active for the guest
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    expect(s.counters().hwDeactivations).toBeGreaterThanOrEqual(1);
    // Line still high: a level interrupt is pending again after deactivation (IHI 0069 chapter 4, interrupt state transitions).
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b');
    s.step(timer(0, 0));
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
    expect(s.vm.phys.isActive(0, 27)).toBe(false);
  });

  // arch_timer.c: a loaded vCPU's timer output falls without a trap or an interrupt, so nothing calls
  // kvm_timer_update_irq; kvm_timer_vcpu_load_gic injects the output at every load, and
  // vgic_irq_handle_resampling re-samples a mapped level line when its list register comes back
  // deactivated while the recorded level is high (the 5.12 fix the selftest fault
  // hw-resample-not-on-deactivate takes out)
  test('a loaded timer whose output drops: the recorded level stays high until the deactivation re-samples it', () => {
    const s = timerAcknowledged();
    const irq = s.vm.dist.vcpus[0]!.privateIrqs[27]!;
    s.step({ op: 'vcpu.put', cpu: 0 });
    s.step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    expect(irq.lineLevel).toBe(true); // the load injected the output, high, next to the active state
    s.step(timer(0, 0));
    expect(irq.lineLevel).toBe(true); // unseen while loaded
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    s.step(mr(0, 'gicd', 0, 32)); // an exit: the list register is folded, deactivated
    expect(irq.lineLevel).toBe(false);
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
  });

  test('a loaded timer whose output drops: the next load brings the recorded level down', () => {
    const s = booted({ vcpus: 1 });
    const irq = s.vm.dist.vcpus[0]!.privateIrqs[27]!;
    s.step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    s.step(timer(0, 1)); // PPI 27 disabled: recorded, not queued
    expect(irq.lineLevel).toBe(true);
    s.step(timer(0, 0));
    expect(irq.lineLevel).toBe(true);
    s.step({ op: 'vcpu.put', cpu: 0 });
    s.step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    expect(irq.lineLevel).toBe(false);
  });

  test('a guest read of ISPENDR0 shows the physical line level of the mapped timer', () => {
    const s = booted({ vcpus: 1 });
    s.step(timer(0, 1));
    expect(s.step(mr(0, 'gicr-sgi', 0x200, 32, 0))).toBe('0x' + TIMER_BIT.toString(16));
    s.step(timer(0, 0));
    expect(s.step(mr(0, 'gicr-sgi', 0x200, 32, 0))).toBe('0x0');
  });

  test('the timer line of a vCPU that is not running is delivered when it runs', () => {
    const s = booted({ vcpus: 2 });
    s.step(mw(1, 'gicr-sgi', 0x100, 32, TIMER_BIT, 1));
    s.step({ op: 'vcpu.put', cpu: 1 });
    s.step(timer(1, 1));
    s.step({ op: 'vcpu.run', cpu: 1, pcpu: 3 });
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x1b');
    expect(s.vm.phys.isActive(3, 27)).toBe(true);
  });
});

describe('WFI', () => {
  test('blocks with nothing pending, wakes on an SGI, guest ops on a blocked vCPU return "asleep"', () => {
    const s = booted({ vcpus: 2 });
    s.step(mw(1, 'gicr-sgi', 0x100, 32, 0x2, 1)); // enable SGI 1 on vCPU 1
    expect(s.step({ op: 'wfi', cpu: 1 })).toBe('asleep');
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('asleep');
    expect(s.step(mr(1, 'gicd', 0, 32))).toBe('asleep');
    s.step(wr(0, 'ICC_SGI1R_EL1', (1n << 24n) | 2n));
    expect(s.counters().wakeups).toBe(1);
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x1');
  });

  test('the vtimer firing wakes a vCPU blocked in WFI', () => {
    const s = booted({ vcpus: 1 });
    s.step(mw(0, 'gicr-sgi', 0x100, 32, TIMER_BIT, 0));
    expect(s.step({ op: 'wfi', cpu: 0 })).toBe('asleep');
    s.step(timer(0, 1));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b');
  });

  test('wfi with an interrupt pending is woken at once', () => {
    const s = booted({ vcpus: 1 });
    s.step(mw(0, 'gicr-sgi', 0x100, 32, 0x2, 0));
    s.step(wr(0, 'ICC_SGI1R_EL1', (1n << 24n) | 1n));
    expect(s.step({ op: 'wfi', cpu: 0 })).toBe('woken');
  });

  test('a pending interrupt masked by PMR does not wake (priority < VMCR.PMR)', () => {
    const s = booted({ vcpus: 1 });
    s.step(mw(0, 'gicr-sgi', 0x401, 8, 0xf0, 0));
    s.step(mw(0, 'gicr-sgi', 0x100, 32, 0x2, 0));
    s.step(wr(0, 'ICC_SGI1R_EL1', (1n << 24n) | 1n));
    expect(s.step({ op: 'wfi', cpu: 0 })).toBe('asleep');
  });

  test('a disabled distributor forwards nothing and wakes nobody', () => {
    const s = booted({ vcpus: 1 }, { distEnable: false });
    s.step(mw(0, 'gicr-sgi', 0x100, 32, 0x2, 0));
    s.step(wr(0, 'ICC_SGI1R_EL1', (1n << 24n) | 1n));
    expect(s.step({ op: 'wfi', cpu: 0 })).toBe('asleep');
  });
});

describe('scheduling ops', () => {
  test('moving vCPUs between physical CPUs does not change what the guest sees', () => {
    const s = booted({ vcpus: 2, impl: { lrs: 4, pcpus: 1 } });
    s.step(mw(1, 'gicr-sgi', 0x100, 32, 0x6, 1));
    s.step(wr(0, 'ICC_SGI1R_EL1', (1n << 24n) | 2n));
    s.step({ op: 'vcpu.run', cpu: 0, pcpu: 0 }); // vCPU 1 is scheduled out to make room
    expect(s.vm.vcpus[1]!.loadedPcpu).toBe(-1);
    s.step(wr(0, 'ICC_SGI1R_EL1', (2n << 24n) | 2n));
    s.step({ op: 'vcpu.exit', cpu: 0 });
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x1');
    expect(s.vm.vcpus[0]!.loadedPcpu).toBe(-1);
    s.step(wr(1, 'ICC_EOIR1_EL1', 1));
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x2');
    expect(() => s.step({ op: 'vcpu.run', cpu: 0, pcpu: 1 })).toThrow(/out of range/);
  });
});
