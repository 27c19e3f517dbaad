// Regression tests from the triage of the kvm target's divergences (impl/DIVERGENCES.md): our
// bugs that a scenario found, and the real KVM behaviours the expectations file accepts, pinned
// to the kernel facts they come from so that a change of the implementation shows here first.
import type { PrimitiveOp } from '../../spec/scenario.js';
import { booted, mr, mw, rd, wr } from './helpers.js';

const TIMER_BIT = 1 << 27;
const timer = (cpu: number, level: 0 | 1): PrimitiveOp => ({ op: 'timer.line', cpu, level });

describe('vtimer PPI across migrate (our bug: the timer was HW-mapped at VM creation)', () => {
  // KVM maps the vtimer PPI in kvm_timer_enable at a vCPU's first KVM_RUN
  // (kvm_arch_vcpu_run_pid_change), so a VMM restoring GICR_ISACTIVER0 writes the active state of
  // a plain interrupt; userspace active writes to a HW interrupt would be ignored
  // (vgic_hw_irq_change_active with is_uaccess). kvm-vgic.md 1.7; DESIGN.md 3 migrate.
  test('an acknowledged (active) timer interrupt is still active after migrate: WFI stays asleep', () => {
    const s = booted({ vcpus: 1 });
    s.step(mw(0, 'gicr-sgi', 0x100, 32, TIMER_BIT, 0));
    s.step(timer(0, 1));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b');
    expect(s.step({ op: 'migrate' } as PrimitiveOp)).toEqual({ errno: [0] }); // no ITS: SAVE_PENDING_TABLES only
    // Active and not deactivated: no wake-up event (gic-arch.md 3, kvm_vgic_vcpu_pending_irq).
    expect(s.step({ op: 'wfi', cpu: 0 })).toBe('asleep');
  });

  test('after migrate the active state reads back and EOI deactivates it; the high line is taken again', () => {
    const s = booted({ vcpus: 1 });
    s.step(mw(0, 'gicr-sgi', 0x100, 32, TIMER_BIT, 0));
    s.step(timer(0, 1));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b');
    s.step({ op: 'migrate' } as PrimitiveOp);
    expect(s.step(mr(0, 'gicr-sgi', 0x300, 32, 0))).toBe('0x' + TIMER_BIT.toString(16));
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).not.toBe('0xff'); // the priority is still active (AP1R0 restored)
    s.step(wr(0, 'ICC_EOIR1_EL1', 27));
    expect(s.step(mr(0, 'gicr-sgi', 0x300, 32, 0))).toBe('0x0');
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1b'); // level line still high (gic-arch.md 2.3)
  });

  test('the timer line of a vCPU that never ran reaches the guest at its first run', () => {
    const s = booted({ vcpus: 2 });
    s.step(mw(1, 'gicr-sgi', 0x100, 32, TIMER_BIT, 1));
    s.step({ op: 'migrate' } as PrimitiveOp); // vCPUs of the new VM have not run yet
    s.step(timer(1, 1));
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x1b');
  });
});
