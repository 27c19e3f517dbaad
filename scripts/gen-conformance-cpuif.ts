// Directed scenarios for the CPU interface (IHI 0069 chapter 4 and the ICC_* registers). Priorities are multiples of 0x10 and
// distinct at 4 bits, so every expectation holds for any implemented priority width (choice.u2.priority-bits); where a
// value depends on the width (PMR, BPR minimums, ICC_CTLR_EL1, APR bit positions) every permitted
// value is listed.
import {
  type Def, boot, quiesce, privSetup, sendSgi, iar, eoi, dir, hppir, rpr, srd, swr, rd, wr, wfi, h, sgi1r,
  SPURIOUS, INTID_SPURIOUS as SP, prio,
} from './gen-conformance-lib.js';

const C2 = { vcpus: 2, spis: 32, its: 0 };
/** With P preemption bits (4..7, IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1): minimum BPR0 = 7 - P, minimum BPR1 = 8 - P. */
const BPR0_MINS = [3, 2, 1, 0].map(h);
const BPR1_MINS = [4, 3, 2, 1].map(h);
/** PMR written 0xff reads back the implemented bits only (4..8 bits, choice.u2.priority-bits). */
const PMR_FF = [0xf0, 0xf8, 0xfc, 0xfe, 0xff].map(h);

/**
 * Every ICC_CTLR_EL1 value a guest may read with CBPR = cbpr and EOImode = eoimode (IHI 0069 ICC_CTLR_EL1):
 * PRIbits [10:8] = bits - 1 for 4..8 bits; IDbits [13:11] 0 (16-bit) or 1 (24-bit); read-only
 * SEIS [14], A3V [15], RSS [18], ExtRange [19] and PMHE [6] either way.
 */
export function ctlrValues(cbpr: number, eoimode: number): string[] {
  const out: string[] = [];
  for (let pri = 3; pri <= 7; pri++) {
    for (const idb of [0, 1]) {
      for (let m = 0; m < 32; m++) {
        const seis = m & 1, a3v = (m >> 1) & 1, rss = (m >> 2) & 1, ext = (m >> 3) & 1, pmhe = (m >> 4) & 1;
        const v = cbpr | (eoimode << 1) | (pmhe << 6) | (pri << 8) | (idb << 11) | (seis << 14) | (a3v << 15) | (rss << 18) | (ext << 19);
        out.push(h(v));
      }
    }
  }
  return out;
}

export const cpuifScenarios: Def[] = [
  {
    component: 'cpuif', name: 'iar1-priority-order',
    description: 'Three SGIs of different priorities pending on one vCPU are acknowledged highest priority first; an active interrupt blocks lower priorities until its EOI; HPPIR1 shows the blocked one; RPR follows.',
    rules: ['cpuif.iar1.ack', 'cpuif.priority.highest-first', 'cpuif.iar1.preemption', 'cpuif.hppir1', 'cpuif.rpr.running', 'cpuif.rpr.idle', 'cpuif.eoir1.deactivate', 'cpuif.iar1.spurious', 'redist.ipriorityr.banked'],
    config: C2,
    ops: [boot(), quiesce([0, 1], 32), privSetup(0, 1, 0x80), privSetup(0, 2, 0x40), privSetup(0, 3, 0xa0),
      sendSgi(0, 1, [0]), sendSgi(0, 2, [0]), sendSgi(0, 3, [0]),
      rpr(0, 0xff),
      iar(0, 2), rpr(0, 0x40),
      // 0x80 and 0xa0 cannot preempt running priority 0x40 (IHI 0069 ICC_IAR1_EL1 rule 4)
      iar(0, SP), hppir(0, 1),
      eoi(0, 2), rpr(0, 0xff),
      iar(0, 1), eoi(0, 1), iar(0, 3), eoi(0, 3), iar(0, SP), rpr(0, 0xff)],
  },
  {
    component: 'cpuif', name: 'iar1-pmr-mask',
    description: 'A pending SGI whose priority equals PMR (0xf0 after boot) is not acknowledged, is not signalled (ISR_EL1.I = 0) but is the HPPI; lowering its priority value below PMR delivers it. PMR = 0 masks even priority 0.',
    rules: ['cpuif.iar1.pmr', 'cpuif.hppir1', 'cpuif.isr.irq', 'cpuif.pmr.rw'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 4, 0xf0), sendSgi(0, 4, [0]),
      iar(0, SP), hppir(0, 4), srd(0, 'ISR_EL1', 0),
      prio(4, 0xe0, 0), srd(0, 'ISR_EL1', 0x80), iar(0, 4), eoi(0, 4),
      swr(0, 'ICC_PMR_EL1', 0), srd(0, 'ICC_PMR_EL1', 0),
      privSetup(0, 5, 0x00), sendSgi(0, 5, [0]), iar(0, SP),
      swr(0, 'ICC_PMR_EL1', 0x10), iar(0, 5), eoi(0, 5), iar(0, SP)],
  },
  {
    component: 'cpuif', name: 'pmr-readback',
    description: 'ICC_PMR_EL1 reads back written values truncated to the implemented priority bits.',
    rules: ['cpuif.pmr.rw', 'choice.u2.priority-bits'],
    config: C2,
    ops: [boot(), srd(0, 'ICC_PMR_EL1', 0xf0), swr(0, 'ICC_PMR_EL1', 0x80), srd(0, 'ICC_PMR_EL1', 0x80),
      swr(0, 'ICC_PMR_EL1', 0xff), srd(0, 'ICC_PMR_EL1', PMR_FF), swr(0, 'ICC_PMR_EL1', 0x0), srd(0, 'ICC_PMR_EL1', 0),
      srd(1, 'ICC_PMR_EL1', 0xf0)],
  },
  {
    component: 'cpuif', name: 'bpr-minimum',
    description: 'Binary points written below their minimum read as the minimum (BPR0 7-P, BPR1 8-P for P preemption bits); 7 reads back as 7.',
    rules: ['cpuif.bpr1.min', 'cpuif.bpr0.min', 'choice.u13.bpr-below-min'],
    config: C2,
    ops: [boot(), srd(0, 'ICC_BPR1_EL1', BPR1_MINS), swr(0, 'ICC_BPR0_EL1', 0), srd(0, 'ICC_BPR0_EL1', BPR0_MINS),
      swr(0, 'ICC_BPR1_EL1', 7), srd(0, 'ICC_BPR1_EL1', 7), swr(0, 'ICC_BPR0_EL1', 7), srd(0, 'ICC_BPR0_EL1', 7),
      swr(0, 'ICC_BPR1_EL1', 5), srd(0, 'ICC_BPR1_EL1', 5)],
  },
  {
    component: 'cpuif', name: 'bpr-res0-bits',
    description: 'A BPR write whose RES0 bits are set stores BinaryPoint [2:0] clamped to the minimum like any other: BPR0 <- 0x80000000 and BPR1 <- 0x10 read their minimum (QEMU keeps 0 below it: qemu.bpr-min-not-applied-with-high-bits).',
    rules: ['cpuif.bpr1.min', 'cpuif.bpr0.min', 'choice.u13.bpr-below-min'],
    config: C2,
    ops: [boot(), swr(0, 'ICC_PMR_EL1', 0xff), srd(0, 'ICC_PMR_EL1', [0xf0, 0xf8, 0xfc, 0xfe, 0xff]),
      swr(0, 'ICC_BPR0_EL1', 0x8000_0000), srd(0, 'ICC_BPR0_EL1', BPR0_MINS), swr(0, 'ICC_BPR1_EL1', 0x10), srd(0, 'ICC_BPR1_EL1', BPR1_MINS)],
  },
  {
    component: 'cpuif', name: 'bpr1-group-priority',
    description: 'With BPR1 = 6 the group priority is bits [7:6]: priority 0x40 cannot preempt an active 0x60 (same group priority 0x40) and RPR reads 0x40; at the minimum binary point it preempts.',
    rules: ['cpuif.bpr1.group-priority', 'cpuif.rpr.running', 'cpuif.iar1.preemption', 'cpuif.preemption.nested'],
    config: C2,
    ops: [boot(), quiesce([0], 32), swr(0, 'ICC_BPR1_EL1', 6), privSetup(0, 1, 0x60), privSetup(0, 2, 0x40),
      sendSgi(0, 1, [0]), iar(0, 1), rpr(0, 0x40),
      sendSgi(0, 2, [0]), iar(0, SP), hppir(0, 2),
      eoi(0, 1), iar(0, 2), eoi(0, 2),
      swr(0, 'ICC_BPR1_EL1', 0), sendSgi(0, 1, [0]), iar(0, 1), rpr(0, 0x60),
      sendSgi(0, 2, [0]), iar(0, 2), rpr(0, 0x40), eoi(0, 2), rpr(0, 0x60), eoi(0, 1), rpr(0, 0xff)],
  },
  {
    component: 'cpuif', name: 'ctlr-cbpr',
    description: 'With ICC_CTLR_EL1.CBPR = 1, ICC_BPR1_EL1 reads BPR0 + 1 and ignores writes.',
    rules: ['cpuif.ctlr.cbpr', 'cpuif.ctlr.fields'],
    config: C2,
    ops: [boot(), swr(0, 'ICC_BPR0_EL1', 5), srd(0, 'ICC_BPR0_EL1', 5), swr(0, 'ICC_CTLR_EL1', 1),
      srd(0, 'ICC_BPR1_EL1', 6), swr(0, 'ICC_BPR1_EL1', 4), srd(0, 'ICC_BPR1_EL1', 6),
      swr(0, 'ICC_BPR0_EL1', 6), srd(0, 'ICC_BPR1_EL1', 7), srd(0, 'ICC_CTLR_EL1', ctlrValues(1, 0))],
  },
  {
    component: 'cpuif', name: 'ctlr-fields',
    description: 'Only CBPR and EOImode of ICC_CTLR_EL1 are writable; the read-only fields hold one of the values the architecture permits.',
    rules: ['cpuif.ctlr.fields', 'choice.u2.priority-bits'],
    config: C2,
    ops: [boot(), srd(0, 'ICC_CTLR_EL1', ctlrValues(0, 0)), swr(0, 'ICC_CTLR_EL1', 3),
      srd(0, 'ICC_CTLR_EL1', ctlrValues(1, 1)), swr(0, 'ICC_CTLR_EL1', 2), srd(0, 'ICC_CTLR_EL1', ctlrValues(0, 1))],
  },
  {
    component: 'cpuif', name: 'eoimode1-dir',
    description: 'EOImode = 1: EOIR only drops priority, the SGI stays active and is not signalled again though pending; DIR deactivates it.',
    rules: ['cpuif.eoir1.eoimode1', 'cpuif.dir.deactivate', 'dist.active.not-resignalled', 'redist.isactiver0.banked', 'redist.ispendr0.banked'],
    config: C2,
    ops: [boot({ eoiMode: 1 }), quiesce([0], 32), privSetup(0, 1, 0x80), sendSgi(0, 1, [0]),
      iar(0, 1), eoi(0, 1), rpr(0, 0xff), rd('GICR_ISACTIVER0', 0x2), sendSgi(0, 1, [0]), rd('GICR_ISPENDR0', 0x2),
      iar(0, SP), dir(0, 1), rd('GICR_ISACTIVER0', 0), iar(0, 1), eoi(0, 1), dir(0, 1), rd('GICR_ISACTIVER0', 0), iar(0, SP)],
  },
  {
    component: 'cpuif', name: 'dir-eoimode0-ignored',
    description: 'EOImode = 0: a DIR write is ignored; the interrupt stays active with its priority until EOIR.',
    rules: ['cpuif.dir.eoimode0-ignored', 'cpuif.eoir1.deactivate'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 6, 0x80), sendSgi(0, 6, [0]), iar(0, 6), dir(0, 6),
      rd('GICR_ISACTIVER0', 0x40), rpr(0, 0x80), eoi(0, 6), rd('GICR_ISACTIVER0', 0), rpr(0, 0xff)],
  },
  {
    component: 'cpuif', name: 'eoir-special-ignored',
    description: 'EOIR and DIR writes of INTID 1023 are ignored: the active SGI keeps its active state and priority.',
    rules: ['cpuif.eoir1.special-ignored', 'choice.u10.eoir-unimplemented'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 7, 0x40), sendSgi(0, 7, [0]), iar(0, 7),
      eoi(0, 1023), rpr(0, 0x40), rd('GICR_ISACTIVER0', 0x80), eoi(0, 1020), rpr(0, 0x40),
      eoi(0, 7), rpr(0, 0xff), rd('GICR_ISACTIVER0', 0)],
  },
  {
    component: 'cpuif', name: 'preemption-nested',
    description: 'A higher-priority SGI preempts an active lower-priority one; EOIs drop priorities in reverse order.',
    rules: ['cpuif.preemption.nested', 'cpuif.eoir1.priority-drop', 'cpuif.rpr.running'],
    config: C2,
    ops: [boot(), quiesce([0, 1], 32), privSetup(1, 1, 0x80), privSetup(1, 2, 0x40), privSetup(1, 3, 0x10),
      sendSgi(0, 1, [1]), iar(1, 1), rpr(1, 0x80), sendSgi(0, 2, [1]), iar(1, 2), rpr(1, 0x40),
      sendSgi(0, 3, [1]), iar(1, 3), rpr(1, 0x10), eoi(1, 3), rpr(1, 0x40), eoi(1, 2), rpr(1, 0x80), eoi(1, 1), rpr(1, 0xff),
      rd('GICR_ISACTIVER0', 0, { cpu: 1, index: 1 })],
  },
  {
    component: 'cpuif', name: 'apr-bit',
    description: 'Acknowledging priority 0x00 sets ICC_AP1R0_EL1 bit 0; priority 0x10 sets bit 0x10 >> (8 - PREbits) (1..8 for 4..7 preemption bits); priority drop clears them.',
    rules: ['cpuif.apr.bit'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 1, 0x00), privSetup(0, 2, 0x10),
      srd(0, 'ICC_AP1R0_EL1', 0), sendSgi(0, 2, [0]), iar(0, 2), srd(0, 'ICC_AP1R0_EL1', [0x2, 0x4, 0x10, 0x100].map(h)),
      sendSgi(0, 1, [0]), iar(0, 1), srd(0, 'ICC_AP1R0_EL1', [0x3, 0x5, 0x11, 0x101].map(h)),
      eoi(0, 1), srd(0, 'ICC_AP1R0_EL1', [0x2, 0x4, 0x10, 0x100].map(h)), eoi(0, 2), srd(0, 'ICC_AP1R0_EL1', 0)],
  },
  {
    component: 'cpuif', name: 'apr-restore',
    description: 'Writing back ICC_AP1R0_EL1 values read earlier restores the running priority: with bit 0 restored a pending 0x40 SGI cannot be taken; restoring 0 lets it in.',
    rules: ['cpuif.apr.restore', 'cpuif.rpr.running', 'cpuif.rpr.idle'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 1, 0x00), privSetup(0, 2, 0x40),
      sendSgi(0, 1, [0]), iar(0, 1), srd(0, 'ICC_AP1R0_EL1', 1), eoi(0, 1), srd(0, 'ICC_AP1R0_EL1', 0),
      swr(0, 'ICC_AP1R0_EL1', 1), rpr(0, 0x00), sendSgi(0, 2, [0]), iar(0, SP),
      swr(0, 'ICC_AP1R0_EL1', 0), rpr(0, 0xff), iar(0, 2), eoi(0, 2), rpr(0, 0xff)],
  },
  {
    component: 'cpuif', name: 'igrpen1-gates-group1',
    description: 'With ICC_IGRPEN1_EL1 = 0 a pending Group 1 SGI is neither acknowledged nor signalled; it is delivered once the group is re-enabled.',
    rules: ['cpuif.igrpen1.rw', 'cpuif.iar1.group-disabled', 'cpuif.isr.irq'],
    config: C2,
    ops: [boot(), quiesce([0], 32), srd(0, 'ICC_IGRPEN1_EL1', 1), swr(0, 'ICC_IGRPEN1_EL1', 0), srd(0, 'ICC_IGRPEN1_EL1', 0),
      privSetup(0, 9, 0x80), sendSgi(0, 9, [0]), iar(0, SP), srd(0, 'ISR_EL1', 0), rd('GICR_ISPENDR0', 0x200),
      swr(0, 'ICC_IGRPEN1_EL1', 1), srd(0, 'ISR_EL1', 0x80), iar(0, 9), eoi(0, 9), iar(0, SP)],
  },
  {
    component: 'cpuif', name: 'group0-sgi-iar0',
    description: 'A Group 0 SGI (GICR_IGROUPR0 bit clear, both Distributor groups enabled) is acknowledged through ICC_IAR0_EL1; while it is the HPPI, ICC_IAR1_EL1 returns 1023 even though a lower-priority Group 1 SGI is pending. SGI0R reaches only targets where the SGI is Group 0.',
    rules: ['cpuif.iar0.ack', 'cpuif.iar1.group0-hppi', 'cpuif.igrpen0.rw', 'cpuif.sgi0r.group0', 'redist.igroupr0.rw'],
    config: C2,
    ops: [boot(), quiesce([0], 32), wr('GICD_CTLR', 0x13), wr('GICR_IGROUPR0', 0xffff_fff7), rd('GICR_IGROUPR0', 0xffff_fff7),
      swr(0, 'ICC_IGRPEN0_EL1', 1), srd(0, 'ICC_IGRPEN0_EL1', 1),
      privSetup(0, 3, 0x40), privSetup(0, 4, 0x80),
      swr(0, 'ICC_SGI0R_EL1', sgi1r(3, [0])), swr(0, 'ICC_SGI0R_EL1', sgi1r(4, [0])), rd('GICR_ISPENDR0', 0x8),
      sendSgi(0, 4, [0]), rd('GICR_ISPENDR0', 0x18),
      iar(0, SP), srd(0, 'ICC_IAR0_EL1', 3), swr(0, 'ICC_EOIR0_EL1', 3), srd(0, 'ICC_IAR0_EL1', SP), iar(0, 4), eoi(0, 4), iar(0, SP)],
  },
  {
    component: 'cpuif', name: 'hppir1-group0-hppi',
    description: 'When the highest-priority pending interrupt is Group 0, ICC_HPPIR1_EL1 returns 1023; once it is acknowledged through IAR0 the Group 1 SGI shows.',
    rules: ['cpuif.hppir1', 'cpuif.iar1.group0-hppi', 'cpuif.iar0.ack'],
    config: C2,
    ops: [boot(), quiesce([0], 32), wr('GICD_CTLR', 0x13), wr('GICR_IGROUPR0', 0xffff_fffd), swr(0, 'ICC_IGRPEN0_EL1', 1),
      privSetup(0, 1, 0x20), privSetup(0, 2, 0x60), swr(0, 'ICC_SGI0R_EL1', sgi1r(1, [0])), sendSgi(0, 2, [0]),
      hppir(0, SP), srd(0, 'ICC_IAR0_EL1', 1), hppir(0, 2), swr(0, 'ICC_EOIR0_EL1', 1), iar(0, 2), eoi(0, 2)],
  },
  {
    component: 'cpuif', name: 'sgi1r-targetlist',
    description: 'ICC_SGI1R_EL1 with TargetList 0b1010 makes the SGI pending on vCPUs 1 and 3 only.',
    rules: ['cpuif.sgi1r.targetlist', 'redist.ispendr0.banked'],
    config: { vcpus: 4, spis: 32, its: 0 },
    ops: [boot(), quiesce([0, 1, 2, 3], 32), [0, 1, 2, 3].map((c) => privSetup(c, 5, 0x80)).flat(),
      sendSgi(0, 5, [1, 3]),
      [0, 1, 2, 3].map((c) => rd('GICR_ISPENDR0', c % 2 ? 0x20 : 0, { index: c })),
      iar(0, SP), iar(1, 5), iar(2, SP), iar(3, 5), eoi(1, 5), eoi(3, 5)],
  },
  {
    component: 'cpuif', name: 'sgi1r-aff1',
    description: 'With 20 vCPUs, vCPU 17 has Aff1 = 1, Aff0 = 1: an SGI to Aff1 = 1, TargetList bit 1 reaches vCPU 17 and not vCPU 1.',
    rules: ['cpuif.sgi1r.targetlist'],
    config: { vcpus: 20, spis: 32, its: 0 },
    ops: [boot(), quiesce([1, 17], 32), privSetup(1, 2, 0x80), privSetup(17, 2, 0x80),
      swr(0, 'ICC_SGI1R_EL1', sgi1r(2, [1], { aff1: 1 })),
      rd('GICR_ISPENDR0', 0, { index: 1 }), rd('GICR_ISPENDR0', 0x4, { index: 17 }), iar(1, SP), iar(17, 2), eoi(17, 2)],
  },
  {
    component: 'cpuif', name: 'sgi1r-irm',
    description: 'ICC_SGI1R_EL1 with IRM = 1 makes the SGI pending on every vCPU except the sender.',
    rules: ['cpuif.sgi1r.irm'],
    config: { vcpus: 3, spis: 32, its: 0 },
    ops: [boot(), quiesce([0, 1, 2], 32), [0, 1, 2].map((c) => privSetup(c, 6, 0x80)).flat(),
      swr(1, 'ICC_SGI1R_EL1', sgi1r(6, [], { irm: true })),
      rd('GICR_ISPENDR0', 0x40, { index: 0 }), rd('GICR_ISPENDR0', 0, { index: 1 }), rd('GICR_ISPENDR0', 0x40, { index: 2 }),
      iar(1, SP), iar(0, 6), iar(2, 6), eoi(0, 6), eoi(2, 6)],
  },
  {
    component: 'cpuif', name: 'sgi1r-missing-target',
    description: 'SGI targets that name no vCPU are ignored: TargetList 0b101 with 2 vCPUs reaches vCPU 0 only; Aff1 = 5 reaches nobody.',
    rules: ['cpuif.sgi1r.missing-target'],
    config: C2,
    ops: [boot(), quiesce([0, 1], 32), privSetup(0, 8, 0x80), privSetup(1, 8, 0x80),
      swr(1, 'ICC_SGI1R_EL1', sgi1r(8, [0, 2])), rd('GICR_ISPENDR0', 0x100, { index: 0 }), rd('GICR_ISPENDR0', 0, { index: 1 }),
      iar(0, 8), eoi(0, 8),
      swr(1, 'ICC_SGI1R_EL1', sgi1r(8, [0, 1], { aff1: 5 })), rd('GICR_ISPENDR0', 0, { index: 0 }), rd('GICR_ISPENDR0', 0, { index: 1 })],
  },
  {
    component: 'cpuif', name: 'sgi-coalesce-per-target',
    description: 'Under affinity routing the source of an SGI is not recorded: the same SGI sent by two vCPUs to a third is acknowledged once.',
    rules: ['cpuif.sgi.per-target', 'dist.edge.latch'],
    config: { vcpus: 3, spis: 32, its: 0 },
    ops: [boot(), quiesce([2], 32), privSetup(2, 7, 0x80), sendSgi(0, 7, [2]), sendSgi(1, 7, [2]),
      iar(2, 7), eoi(2, 7), iar(2, SP)],
  },
  {
    component: 'cpuif', name: 'sgi1r-range-selector',
    description: 'RS = 1 selects Aff0 16..31, where no vCPU exists (Aff0 <= 15); without range-selector support the write is ignored or treated as RS = 0 (choice.u12.sgi-rs-no-rss).',
    rules: ['choice.u12.sgi-rs-no-rss', 'cpuif.sgi1r.missing-target'],
    config: C2,
    ops: [boot(), quiesce([0, 1], 32), privSetup(0, 1, 0x80), swr(1, 'ICC_SGI1R_EL1', sgi1r(1, [0], { rs: 1 })),
      rd('GICR_ISPENDR0', [0, 2], { index: 0 }), rd('GICR_ISPENDR0', 0, { index: 1 })],
  },
  {
    component: 'cpuif', name: 'sgi1r-group0-target',
    description: 'An ICC_SGI1R_EL1 SGI whose target configures it as Group 0 is delivered as Group 0 with GICD_CTLR.DS = 1 (choice.u14.sgi1r-group0-target; Arm IHI 0069 8.1.10); SGI0R reaches it too.',
    rules: ['choice.u14.sgi1r-group0-target', 'cpuif.sgi0r.group0'],
    config: C2,
    ops: [boot(), quiesce([1], 32), wr('GICD_CTLR', 0x13), wr('GICR_IGROUPR0', 0xffff_fffd, { cpu: 1, index: 1 }),
      privSetup(1, 1, 0x80), sendSgi(0, 1, [1]), rd('GICR_ISPENDR0', 2, { index: 1 }),
      wr('GICR_ICPENDR0', 2, { index: 1 }), swr(0, 'ICC_SGI0R_EL1', sgi1r(1, [1])), rd('GICR_ISPENDR0', 2, { index: 1 })],
  },
  {
    component: 'cpuif', name: 'isr-el1',
    description: 'ISR_EL1.I is 0 with nothing to signal, 1 with an enabled pending SGI below PMR, and 0 again once it is active.',
    rules: ['cpuif.isr.irq'],
    config: C2,
    ops: [boot(), quiesce([0], 32), srd(0, 'ISR_EL1', 0), privSetup(0, 10, 0x80), sendSgi(0, 10, [0]), srd(0, 'ISR_EL1', 0x80),
      iar(0, 10), srd(0, 'ISR_EL1', 0), eoi(0, 10), srd(0, 'ISR_EL1', 0)],
  },
  {
    component: 'cpuif', name: 'wfi-wake',
    description: 'WFI with nothing to signal sleeps; guest ops on the sleeping vCPU return asleep; a masked SGI (priority = PMR) does not wake it; a deliverable SGI does, and is then acknowledged. WFI with a deliverable interrupt returns woken at once.',
    rules: ['cpuif.wfi.wake', 'cpuif.wfi.asleep-ops', 'cpuif.iar1.pmr'],
    config: C2,
    ops: [boot(), quiesce([1], 32), privSetup(1, 2, 0xf0), privSetup(1, 3, 0x80),
      wfi(1, 'asleep'), { ...srd(1, 'ICC_RPR_EL1'), expect: 'asleep' } as never,
      sendSgi(0, 2, [1]), { ...srd(1, 'ICC_IAR1_EL1'), expect: 'asleep' } as never,
      sendSgi(0, 3, [1]), iar(1, 3), eoi(1, 3),
      sendSgi(0, 3, [1]), wfi(1, 'woken'), iar(1, 3), eoi(1, 3)],
  },
  {
    component: 'cpuif', name: 'wfi-group-disabled-asleep',
    description: 'vCPU 1 disables Group 1 at its CPU interface (ICC_IGRPEN1_EL1 = 0) and sleeps in WFI; an SGI of Group 1 arriving then is not signalled, so the vCPU stays asleep and its guest ops return asleep. KVM\'s wake-up test ignores the group enables: queueing the SGI wakes the vCPU (quirk kvm.wfi-wakes-for-disabled-group; vgic.c kvm_vgic_vcpu_pending_irq).',
    rules: ['cpuif.wfi.asleep-ops', 'cpuif.wfi.wake', 'cpuif.iar1.group-disabled'],
    config: C2,
    ops: [boot(), quiesce([1], 32), privSetup(1, 3, 0x80), swr(1, 'ICC_IGRPEN1_EL1', 0),
      wfi(1, 'asleep'), sendSgi(0, 3, [1]), { ...srd(1, 'ICC_RPR_EL1'), expect: 'asleep' } as never],
  },
  {
    component: 'cpuif', name: 'eoi-out-of-order-beyond-lrs',
    description: 'vCPU 0 acknowledges SGI 9 (priority 0x80), then SGI 5 (0x40), then two SGIs of priority 0x20 become pending; it EOIs SGI 9 out of order, then SGI 11, which is not active. An out-of-order EOI is UNPREDICTABLE for the APRs and the active state of the interrupts involved (choice.u9.eoir-out-of-order, one behaviour per case): SGI 9 deactivated, or nothing, or the priority drop only, with or without SGI 5 (whose priority was expected to drop) deactivated; either way one of SGI 5 and SGI 9 stays active. KVM, with 2 list registers holding the pending SGIs, counts both EOIs in ICH_HCR_EL2.EOIcount and replays them on the active interrupts beyond the list registers, SGI 5 and then SGI 9: none is left active (quirk kvm.eoicount-replay-deactivates-unrelated; vgic-v3.c vgic_v3_fold_lr_state).',
    rules: ['choice.u9.eoir-out-of-order', 'dist.active.read', 'cpuif.eoir1.priority-drop'],
    config: { ...C2, impl: { lrs: 2 } },
    ops: [boot(), quiesce([0], 32), privSetup(0, 9, 0x80), privSetup(0, 5, 0x40), privSetup(0, 1, 0x20), privSetup(0, 2, 0x20),
      sendSgi(0, 9, [0]), iar(0, 9), sendSgi(0, 5, [0]), iar(0, 5), sendSgi(0, 1, [0]), sendSgi(0, 2, [0]),
      eoi(0, 9), eoi(0, 11), rd('GICR_ISACTIVER0', [0x20, 0x220, 0x200], { cpu: 0, index: 0 })],
  },
  {
    component: 'cpuif', name: 'sre-el1',
    description: 'ICC_SRE_EL1.SRE reads 1 for a guest and ignores writes; DFB/DIB are RAO/WI or as written.',
    rules: ['cpuif.sre.sre'],
    config: C2,
    ops: [boot(), srd(0, 'ICC_SRE_EL1', [0x1, 0x3, 0x5, 0x7].map(h))],
  },
  {
    component: 'cpuif', name: 'equal-priority-choice',
    description: 'Two SGIs of equal priority: either may be acknowledged first (choice.u4.equal-priority); the other stays the HPPI.',
    rules: ['choice.u4.equal-priority'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 1, 0x80), privSetup(0, 2, 0x80), sendSgi(0, 1, [0]), sendSgi(0, 2, [0]),
      iar(0, [1, 2]), hppir(0, [1, 2]), iar(0, SP)],
  },
  {
    component: 'cpuif', name: 'eoir-out-of-order',
    description: 'EOI of the outer (0x80) SGI while the nested 0x40 SGI is still active is UNPREDICTABLE (choice.u9.eoir-out-of-order): the write may be ignored, drop the highest active priority, and/or deactivate the written INTID.',
    rules: ['choice.u9.eoir-out-of-order'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 1, 0x80), privSetup(0, 2, 0x40), sendSgi(0, 1, [0]), iar(0, 1), sendSgi(0, 2, [0]), iar(0, 2),
      eoi(0, 1), rpr(0, [0x40, 0x80]), rd('GICR_ISACTIVER0', [0x6, 0x4])],
  },
  {
    component: 'cpuif', name: 'priority-change-while-active',
    description: 'Changing the priority of an acknowledged SGI before its EOI: the EOI drops the priority recorded at acknowledge (the APR bit) and deactivates the SGI it names, so it is no longer active, the running priority is idle, and the SGI can be taken again at its new priority.',
    rules: ['cpuif.eoir1.priority-drop', 'cpuif.eoir1.deactivate', 'cpuif.iar1.ack'],
    config: C2,
    ops: [boot(), quiesce([0], 32), privSetup(0, 1, 0x80), sendSgi(0, 1, [0]), iar(0, 1), rpr(0, 0x80), prio(1, 0x40, 0),
      rpr(0, 0x80), eoi(0, 1), rpr(0, 0xff), rd('GICR_ISACTIVER0', 0), sendSgi(0, 1, [0]), iar(0, 1), rpr(0, 0x40), eoi(0, 1), rd('GICR_ISACTIVER0', 0)],
  },
  {
    component: 'cpuif', name: 'dir-before-priority-drop',
    description: 'With EOImode = 1, DIR of an active SGI before its priority drop is UNPREDICTABLE (choice.u11.dir-not-active): no effect or deactivation; DIR never changes the active priorities.',
    rules: ['choice.u11.dir-not-active', 'cpuif.dir.deactivate'],
    config: C2,
    ops: [boot({ eoiMode: 1 }), quiesce([0], 32), privSetup(0, 1, 0x80), sendSgi(0, 1, [0]), iar(0, 1), dir(0, 1),
      rpr(0, 0x80), rd('GICR_ISACTIVER0', [0x2, 0x0]), dir(0, 5), rpr(0, 0x80)],
  },
  {
    component: 'cpuif', name: 'apr-arbitrary-write',
    description: 'Writing ICC_AP1R0_EL1 with a value never read from it is UNPREDICTABLE for the active priorities (choice.u15.apr-arbitrary-write); pending state outside that scope is unaffected.',
    rules: ['choice.u15.apr-arbitrary-write'],
    config: C2,
    ops: [boot(), quiesce([0], 32), swr(0, 'ICC_AP1R0_EL1', 0x8000_0000), privSetup(0, 1, 0x80), sendSgi(0, 1, [0]), rd('GICR_ISPENDR0', 0x2), hppir(0, 1)],
  },
  {
    component: 'cpuif', name: 'scheduling-no-effect',
    description: 'Scheduling a vCPU out and back in, on another physical CPU, with an SGI pending and another active, changes nothing the guest sees.',
    rules: ['sched.no-effect', 'cpuif.rpr.running'],
    config: { vcpus: 2, spis: 32, its: 0, impl: { lrs: 1, gicv4: 'off', pcpus: 2 } },
    ops: [boot(), quiesce([1], 32), privSetup(1, 1, 0x80), privSetup(1, 2, 0x40), privSetup(1, 3, 0x60), { op: 'vcpu.run', cpu: 1, pcpu: 0 },
      sendSgi(0, 1, [1]), iar(1, 1), sendSgi(0, 2, [1]), sendSgi(0, 3, [1]), { op: 'vcpu.exit', cpu: 1 }, { op: 'vcpu.put', cpu: 1 },
      { op: 'vcpu.run', cpu: 1, pcpu: 1 }, rpr(1, 0x80), iar(1, 2), eoi(1, 2), { op: 'vcpu.put', cpu: 1 }, iar(1, 3), eoi(1, 3), eoi(1, 1), rpr(1, 0xff), iar(1, SP)],
  },
  {
    component: 'cpuif', name: 'spurious-no-side-effect',
    description: 'Reading 1023 from IAR1 changes nothing: a masked pending SGI stays pending and is taken once PMR allows it.',
    rules: ['cpuif.iar1.spurious', 'cpuif.iar1.pmr'],
    config: C2,
    ops: [boot({ pmr: '0x40' }), quiesce([0], 32), privSetup(0, 11, 0x80), sendSgi(0, 11, [0]), iar(0, SP), iar(0, SP),
      rd('GICR_ISPENDR0', 0x800), rd('GICR_ISACTIVER0', 0), swr(0, 'ICC_PMR_EL1', 0xf0), iar(0, 11), eoi(0, 11)],
  },
];
export { SPURIOUS };
