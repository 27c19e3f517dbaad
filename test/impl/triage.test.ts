// Regression tests from the triage of the kvm target's divergences (impl/DIVERGENCES.md): our
// bugs that a scenario found, and the real KVM behaviours the expectations file accepts, pinned
// to the kernel facts they come from so that a change of the implementation shows here first.
import type { PrimitiveOp } from '../../spec/scenario.js';
import { booted, mr, mw, rd, wr, timer, timerAcknowledged, TIMER_BIT } from './helpers.js';


describe('vtimer PPI across migrate (our bug: the timer was HW-mapped at VM creation)', () => {
  // KVM maps the vtimer PPI in kvm_timer_enable at a vCPU's first KVM_RUN
  // (kvm_arch_vcpu_run_pid_change), so a VMM restoring GICR_ISACTIVER0 writes the active state of
  // a plain interrupt; userspace active writes to a HW interrupt would be ignored
  // (vgic_hw_irq_change_active with is_uaccess). vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c; docs/scenario-format.md migrate.
  test('an acknowledged (active) timer interrupt is still active after migrate: WFI stays asleep', () => {
    const s = timerAcknowledged();
    expect(s.step({ op: 'migrate' } as PrimitiveOp)).toEqual({ errno: [0] }); // no ITS: SAVE_PENDING_TABLES only
    // Active and not deactivated: no wake-up event (IHI 0069 chapter 4 and the ICC_* registers, kvm_vgic_vcpu_pending_irq).
    expect(s.step({ op: 'wfi', cpu: 0 })).toBe('asleep');
  });

  test('after migrate the active state reads back and EOI deactivates it; the high line is taken again', () => {
    const s = timerAcknowledged();
    s.step({ op: 'migrate' } as PrimitiveOp);
    expect(s.step(mr(0, 'gicr-sgi', 0x300, 32, 0))).toBe('0x' + TIMER_BIT.toString(16));
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).not.toBe('0xff'); // the priority is still active (AP1R0 restored)
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    expect(s.step(mr(0, 'gicr-sgi', 0x300, 32, 0))).toBe('0x0');
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b'); // level line still high (IHI 0069 chapter 4, interrupt state transitions)
  });

  test('the timer line of a vCPU that never ran reaches the guest at its first run', () => {
    const s = booted({ vcpus: 2 });
    s.step(mw(1, 'gicr-sgi', 0x100, 32, TIMER_BIT, 1));
    s.step({ op: 'migrate' } as PrimitiveOp); // vCPUs of the new VM have not run yet
    s.step(timer(1, 1));
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x1b');
  });
});

describe('the host takes the vtimer PPI while the guest runs (our bug: the handler ran without an exit)', () => {
  // A physical IRQ taken while the guest runs exits it: kvm_arch_vcpu_ioctl_run folds the list
  // registers (kvm_vgic_sync_hwstate) before interrupts are enabled and kvm_arch_timer_handler
  // runs, so a HW timer interrupt deactivated with its line high is pending again at re-entry
  // (vgic.c vgic_irq_handle_resampling reads the line).
  test('deactivated while its line was dropped and raised again: taken again at once', () => {
    const s = timerAcknowledged();
    s.step(timer(0, 0));
    s.step(timer(0, 1));
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b');
  });

  test('deactivated with its line low: not taken again', () => {
    const s = timerAcknowledged();
    s.step(timer(0, 0));
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
  });
});

// ---- real KVM behaviours the expectations accept (impl/DIVERGENCES.md) ----------------------

/** Level SPI 42 (pin 10) behind a resample irqfd on GSI 3, routed to vCPU 0, priority 0x80. */
function resampleSetup() {
  const s = booted({ vcpus: 2 });
  s.step(mw(0, 'gicd', 0xc08, 32, 0)); // ICFGR2: INTIDs 32..47 level (IHI 0069 GICD_* registers)
  s.step(mw(0, 'gicd', 0x6150, 64, 0)); // IROUTER42 -> vCPU 0
  s.step(mw(0, 'gicd', 0x42a, 8, 0x80)); // IPRIORITYR42
  s.step(mw(0, 'gicd', 0x104, 32, 1 << 10)); // ISENABLER1: SPI 42
  expect(s.step({ op: 'kvm.set_gsi_routing', entries: [{ gsi: 3, type: 'irqchip', irqchip: 0, pin: 10 }] } as PrimitiveOp)).toBe(0);
  expect(s.step({ op: 'kvm.irqfd', gsi: 3, resample: true, deassign: false } as PrimitiveOp)).toBe(0);
  s.step({ op: 'irqfd.signal', gsi: 3 } as PrimitiveOp);
  return s;
}
const resampled = { op: 'irqfd.resampled', gsi: 3 } as PrimitiveOp;

describe('resamplefd and the 6.19 fold (vgic-v3.c vgic_v3_fold_lr: notify only if `deactivated`)', () => {
  test('acknowledge and EOI with no exit in between: no resample, the line stays asserted', () => {
    const s = resampleSetup();
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x2a');
    s.step(wr(0, 'ICC_EOIR1_EL1', 0x2a));
    expect(s.step(resampled)).toBe(false);
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x2a'); // taken again: the resampler never lowered it
  });

  test('an exit while the interrupt is active lets the fold see the deactivation: resample, line lowered', () => {
    const s = resampleSetup();
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x2a');
    s.step(mr(0, 'gicd', 0x0, 32)); // a trapped access: exit, fold records active
    s.step(wr(0, 'ICC_EOIR1_EL1', 0x2a));
    expect(s.step(resampled)).toBe(true);
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
  });
});

describe('retargeting a pending LPI waits for the old vCPU to exit (vgic-its.c update_affinity)', () => {
  const its = (cpu: number, cmds: unknown[]): PrimitiveOp => ({ op: 'its.cmd', cpu, its: 0, cmds } as PrimitiveOp);
  function pendingOnVcpu0() {
    const s = booted({ vcpus: 2, its: 1 });
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a3' } as PrimitiveOp); // LPI 8192: prio 0xa0, enabled
    s.step(its(0, [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPC', collection: 1, target: 1, valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 },
      { cmd: 'INV', device: 1, event: 0 },
      { cmd: 'INT', device: 1, event: 0 },
    ]));
    s.step(its(0, [{ cmd: 'MOVI', device: 1, event: 0, collection: 1 }, { cmd: 'SYNC', target: 0 }]));
    return s;
  }

  test('after MOVI + SYNC neither vCPU can acknowledge it', () => {
    const s = pendingOnVcpu0();
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x3ff');
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff'); // on vCPU 0's ap_list, but not its own any more
  });

  test('the old vCPU`s next exit (vgic_prune_ap_list) moves it to the new target', () => {
    const s = pendingOnVcpu0();
    s.step(mr(0, 'gicd', 0x0, 32)); // any trapped access on vCPU 0
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x2000');
  });
});

describe('ITS restore into a live ITS (vgic-its.c vgic_its_restore_tables_v0)', () => {
  const its = (cpu: number, cmds: unknown[]): PrimitiveOp => ({ op: 'its.cmd', cpu, its: 0, cmds } as PrimitiveOp);
  const restore = { op: 'kvm.device_attr', device: 'its', index: 0, group: 'CTRL', attr: 'ITS_RESTORE_TABLES', access: 'set' } as PrimitiveOp;

  test('a never-mapped ICID named by MAPTI is saved as a collection: restoring again fails -EEXIST', () => {
    // vgic-its.c vgic_its_cmd_handle_* MAPTI (unmapped collection allocated); Documentation/virt/kvm/devices/arm-vgic-its.rst (CTE 0xffffffff; duplicate ICID -> -EEXIST)
    const s = booted({ vcpus: 2, its: 1 });
    s.step(its(0, [{ cmd: 'MAPD', device: 0, size: 3, itt: '0x41000000', valid: true }]));
    s.step(its(0, [{ cmd: 'MAPTI', device: 0, event: 0, intid: 8192, collection: 0 }]));
    expect(s.step({ op: 'migrate' } as PrimitiveOp)).toEqual({ errno: [0, 0, 0] });
    expect(s.step(restore)).toEqual({ errno: -17 });
  });

  test('a failed restore frees the collections but keeps cached translations (no cache invalidation)', () => {
    // vgic-its.c vgic_its_check_cache, vgic_its_invalidate_cache (invalidation points: not this one); Documentation/virt/kvm/devices/arm-vgic-its.rst (errors free the collection list)
    const s = booted({ vcpus: 2, its: 1 });
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a3' } as PrimitiveOp);
    s.step(its(0, [
      { cmd: 'MAPD', device: 1, size: 3, itt: '0x41000000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 },
      { cmd: 'MAPTI', device: 1, event: 1, intid: 8193, collection: 0 },
    ]));
    const msi = (data: number): PrimitiveOp => ({ op: 'kvm.signal_msi', address: '0x8090040', data, devid: 1, flags: 1 } as PrimitiveOp);
    expect(s.step(msi(0))).toBe(1); // translated once: cached
    s.step({ op: 'mem.write', addr: '0x40880000', bytes: '0000000000000080' } as PrimitiveOp); // CTE: ICID 0 again, valid
    expect(s.step(restore)).toEqual({ errno: -17 }); // duplicate ICID; the collection list is freed
    expect(s.step(msi(1))).toBe(0); // uncached: its ITE lost its collection
    expect(s.step(msi(0))).toBe(1); // cached: still injected
  });
});
