// List register handling of the vgic core: ap_list ordering (vgic.c vgic_irq_cmp), LR overflow and
// the ICH_HCR_EL2 maintenance bits (1.5), EOIcount deactivations past the LRs (1.6), and what a
// guest sees through the CPU interface (IHI 0069 ICC_IAR1_EL1; ICC_EOIR1_EL1).
import { GuestMemory } from '../../impl/hw/guest-memory.js';
import { PhysGic } from '../../impl/hw/phys-gic.js';
import {
  HCR_EN, HCR_LRENPIE, HCR_NPIE, HCR_UIE, LR_PENDING,
} from '../../impl/hw/gicv3-cpuif.js';
import {
  VgicDistState, kvmVgicFlushHwstate, kvmVgicSyncHwstate, vgicQueueIrqUnlock, vgicSortApList,
} from '../../impl/vgic/vgic.js';
import type { VgicIrq } from '../../impl/vgic/types.js';
import { booted, mr, mw, rd, wr } from './helpers.js';

function dist(lrs: number, vcpus = 2): VgicDistState {
  const d = new VgicDistState(64, vcpus, lrs, new GuestMemory(0x100_0000), new PhysGic(4));
  d.initialized = true;
  d.enabled = true;
  return d;
}

function pendSgi(d: VgicDistState, cpu: number, sgi: number, prio: number): VgicIrq {
  const irq = d.vcpus[cpu]!.privateIrqs[sgi]!;
  irq.priority = prio;
  irq.pendingLatch = true;
  vgicQueueIrqUnlock(d, irq);
  return irq;
}

describe('ap_list ordering (vgic.c vgic_irq_cmp)', () => {
  test('deliverable, enabled group, pending before active, priority, HW first', () => {
    const d = dist(4);
    const v = d.vcpus[0]!;
    v.cpuif.veng1 = true; // Group 1 enabled, Group 0 not
    const mk = (intid: number, f: Partial<VgicIrq>): VgicIrq => Object.assign(v.privateIrqs[intid]!, { vcpu: v, targetVcpu: v, enabled: true }, f);
    const activeHigh = mk(1, { active: true, priority: 0x10 });
    const pendLow = mk(2, { pendingLatch: true, priority: 0xa0 });
    const pendHigh = mk(3, { pendingLatch: true, priority: 0x20 });
    const grp0 = mk(4, { pendingLatch: true, priority: 0x00, group: 0 });
    const disabled = mk(5, { pendingLatch: true, priority: 0x00, enabled: false }); // oracle: not for us
    const hwPend = mk(20, { lineLevel: true, config: 'level', priority: 0xa0, hw: true });
    v.apList = [disabled, activeHigh, grp0, pendLow, hwPend, pendHigh];
    vgicSortApList(d, v);
    // 1: deliverable first (disabled last); 2: enabled group first (grp0 after the Group 1 ones);
    // 3: pure pending before active; 4: priority ascending; 5: HW before non-HW at equal priority.
    expect(v.apList.map((i) => i.intid)).toEqual([3, 20, 2, 1, 4, 5]);
  });
});

describe('LR overflow (vgic.c vgic_flush_lr_state; vgic-v3.c vgic_v3_populate_lr)', () => {
  test('with more pending than LRs: highest priorities in the LRs, NPIE and UIE set, last LR recorded', () => {
    const d = dist(2);
    const v = d.vcpus[1]!;
    v.cpuif.veng1 = true;
    pendSgi(d, 1, 1, 0x80);
    pendSgi(d, 1, 2, 0x40);
    pendSgi(d, 1, 3, 0x60);
    kvmVgicFlushHwstate(d, v);
    expect([v.cpuif.lrVintid[0], v.cpuif.lrVintid[1]]).toEqual([2, 3]);
    expect([v.cpuif.lrState[0], v.cpuif.lrState[1]]).toEqual([LR_PENDING, LR_PENDING]);
    expect(v.cpuif.hcr & (HCR_EN | HCR_NPIE | HCR_UIE)).toBe(HCR_EN | HCR_NPIE | HCR_UIE);
    expect(v.cpuif.hcr & HCR_LRENPIE).toBe(0); // nothing active
    expect(v.lastLrIrq?.intid).toBe(3);
    // Edge interrupts placed pending lose their latch (1.5 side effects); SGI 1 keeps it.
    expect(v.privateIrqs.slice(1, 4).map((i) => i.pendingLatch)).toEqual([true, false, false]);
  });

  test('a guest with 1 LR still takes three SGIs in priority order', () => {
    const s = booted({ vcpus: 2, impl: { lrs: 1, pcpus: 2 } });
    for (const [sgi, prio] of [[1, 0x80], [2, 0x40], [3, 0x60]] as const) s.step(mw(1, 'gicr-sgi', 0x400 + sgi, 8, prio, 1));
    s.step(mw(1, 'gicr-sgi', 0x100, 32, 0xe, 1));
    for (const sgi of [1, 2, 3]) s.step(wr(0, 'ICC_SGI1R_EL1', (BigInt(sgi) << 24n) | 2n));
    const order: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const id = s.step(rd(1, 'ICC_IAR1_EL1'));
      order.push(id);
      s.step(wr(1, 'ICC_EOIR1_EL1', BigInt(id as string)));
    }
    // IHI 0069 chapter 4 and ICC_IAR1_EL1: the highest priority pending interrupt is acknowledged first.
    expect(order).toEqual(['0x2', '0x3', '0x1']);
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x3ff');
    expect(s.counters().lrOverflows).toBeGreaterThan(0);
  });
});

describe('EOIcount (vgic-v3.c vgic_v3_fold_lr_state)', () => {
  test('EOIs of active interrupts kept outside the LRs by pending ones are replayed on exit', () => {
    // 2 LRs. SGI 1 (0x80) and SGI 2 (0x60) are taken (nested); SGIs 3 (0xa0) and 4 (0xb0) then
    // become pending. Pending sorts before active (1.4), so the LRs hold SGIs 3 and 4 and the
    // two active SGIs live outside: their EOIs can only be seen through EOIcount (1.6).
    const s = booted({ vcpus: 1, impl: { lrs: 2, pcpus: 1 } });
    for (const [sgi, prio] of [[1, 0x80], [2, 0x60], [3, 0xa0], [4, 0xb0]] as const) s.step(mw(0, 'gicr-sgi', 0x400 + sgi, 8, prio, 0));
    s.step(mw(0, 'gicr-sgi', 0x100, 32, 0x1e, 0));
    const sgi = (n: number) => wr(0, 'ICC_SGI1R_EL1', (BigInt(n) << 24n) | 1n);
    s.step(sgi(1));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x1');
    s.step(sgi(2));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x2');
    s.step(sgi(3));
    s.step(sgi(4));
    // Neither can preempt the running priority 0x60 (IHI 0069 ICC_IAR1_EL1 rule 4).
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
    s.step(wr(0, 'ICC_EOIR1_EL1', 2));
    expect(s.counters().eoiCountDeactivations).toBe(1);
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).toBe('0x80');
    s.step(wr(0, 'ICC_EOIR1_EL1', 1));
    expect(s.counters().eoiCountDeactivations).toBe(2);
    // EOImode 0 deactivates (IHI 0069 ICC_EOIR1_EL1): nothing active, idle priority, then 3 and 4.
    expect(s.step(mr(0, 'gicr-sgi', 0x300, 32, 0))).toBe('0x0');
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).toBe('0xff');
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3');
    s.step(wr(0, 'ICC_EOIR1_EL1', 3));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x4');
    s.step(wr(0, 'ICC_EOIR1_EL1', 4));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
  });

  test('syncing an LR that was deactivated clears the active state', () => {
    const d = dist(4, 1);
    const v = d.vcpus[0]!;
    v.cpuif.veng1 = true;
    v.cpuif.vpmr = 0xf0;
    const irq = pendSgi(d, 0, 5, 0x20);
    kvmVgicFlushHwstate(d, v);
    expect(v.cpuif.readIar(1)).toBe(5);
    kvmVgicSyncHwstate(d, v);
    expect(irq.active).toBe(true);
    expect(irq.vcpu).toBe(v); // active stays queued (oracle: active -> current vCPU)
    kvmVgicFlushHwstate(d, v);
    v.cpuif.writeEoir(1, 5);
    kvmVgicSyncHwstate(d, v);
    expect(irq.active).toBe(false);
    expect(irq.vcpu).toBe(null); // pruned
    expect(v.apList).toEqual([]);
  });
});

describe('EOImode 1 (vgic-v3.c vgic_v3_fold_lr_state, IHI 0069 ICC_DIR_EL1)', () => {
  test('DIR deactivates after a priority drop; EOI alone does not', () => {
    const s = booted({ vcpus: 1, spis: 32 }, { eoiMode: 1 });
    s.step(mw(0, 'gicd', 0x428, 8, 0x80)); // SPI 40 priority
    s.step(mw(0, 'gicd', 0x104, 32, 0x100)); // enable SPI 40
    expect(s.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 })).toBe(0);
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x28');
    s.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 0 });
    s.step(wr(0, 'ICC_EOIR1_EL1', 40));
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).toBe('0xff');
    expect(s.step(mr(0, 'gicd', 0x304, 32))).toBe('0x100'); // still active
    s.step(wr(0, 'ICC_DIR_EL1', 40));
    expect(s.step(mr(0, 'gicd', 0x304, 32))).toBe('0x0');
  });

  test('DIR of an SPI active outside the LRs traps (TDIR) and vgic_v3_deactivate folds it', () => {
    const s = booted({ vcpus: 1, spis: 32, impl: { lrs: 1, pcpus: 1 } }, { eoiMode: 1 });
    s.step(mw(0, 'gicd', 0x428, 32, 0x4080)); // SPI 40 at 0x80, SPI 41 at 0x40
    s.step(mw(0, 'gicd', 0x104, 32, 0x300));
    s.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 });
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x28');
    s.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 41, level: 1 });
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x29'); // preempts (IHI 0069 ICC_IAR1_EL1)
    s.step(wr(0, 'ICC_EOIR1_EL1', 41)); // EOImode 1: priority drop only
    s.step(wr(0, 'ICC_EOIR1_EL1', 40));
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).toBe('0xff');
    expect(s.step(mr(0, 'gicd', 0x304, 32))).toBe('0x300'); // both still active
    s.step(wr(0, 'ICC_DIR_EL1', 40)); // SPI 40 is not in the single LR
    expect(s.counters().dirTrapDeactivations).toBe(1);
    s.step(wr(0, 'ICC_DIR_EL1', 41));
    expect(s.step(mr(0, 'gicd', 0x304, 32))).toBe('0x0');
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
  });
});
