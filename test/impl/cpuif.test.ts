// The simulated GICv3 virtual CPU interface on its own (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1; ICC_PMR_EL1, ICC_IGRPEN1_EL1, ICC_AP1R<n>_EL1; chapter 6, the virtual CPU interface; chapter 6, vLPI delivery and doorbells): what a
// guest's ICC_* accesses do against the list registers, with 5 priority and preemption bits.
import { GicV3CpuIf, LR_ACTIVE, LR_INVALID, LR_PENDING, type ResidentVlpis } from '../../impl/hw/gicv3-cpuif.js';

function cif(lrs = 4): { c: GicV3CpuIf; deact: number[] } {
  const deact: number[] = [];
  const c = new GicV3CpuIf(lrs, (_pcpu, pintid) => deact.push(pintid));
  c.veng1 = true;
  c.vpmr = 0xf0;
  return { c, deact };
}

describe('priority arithmetic (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1)', () => {
  test('binary points: minimum 2 (Group 0) and 3 (Group 1) with 5 preemption bits; CBPR', () => {
    const { c } = cif();
    c.writeBpr(0, 0);
    c.writeBpr(1, 0);
    expect([c.readBpr(0), c.readBpr(1)]).toEqual([2, 3]);
    c.writeBpr(0, 5);
    c.writeCtlr(1); // CBPR: BPR1 reads BPR0 + 1 and ignores writes
    c.writeBpr(1, 7);
    expect(c.readBpr(1)).toBe(6);
    c.writeCtlr(0);
    expect(c.readBpr(1)).toBe(3);
  });

  test('PMR keeps 5 bits; a priority equal to PMR is masked', () => {
    const { c } = cif();
    c.writePmr(0xff);
    expect(c.readPmr()).toBe(0xf8);
    c.setLr(0, 40, LR_PENDING, 0xf8, 1, false, 0, false);
    expect(c.readIar(1)).toBe(1023);
    c.writePmr(0);
    expect(c.readHppir(1)).toBe(40); // HPPIR ignores the mask (3.6)
  });

  test('acknowledge sets the APR bit of the group priority; RPR follows; EOI drops it', () => {
    const { c } = cif();
    c.setLr(0, 33, LR_PENDING, 0x48, 1, false, 0, false);
    expect(c.runningPriority()).toBe(0xff);
    expect(c.readIar(1)).toBe(33);
    expect(c.ap1r).toBe(1 << (0x48 >> 3));
    expect(c.runningPriority()).toBe(0x48);
    expect(c.lrState[0]).toBe(LR_ACTIVE);
    c.writeEoir(1, 33);
    expect(c.ap1r).toBe(0);
    expect(c.lrState[0]).toBe(LR_INVALID);
  });

  test('equal group priority cannot preempt; a higher one can (3.3 rule 4)', () => {
    const { c } = cif();
    c.setLr(0, 40, LR_PENDING, 0x80, 1, false, 0, false);
    c.setLr(1, 41, LR_PENDING, 0x80, 1, false, 0, false);
    c.setLr(2, 42, LR_PENDING, 0x40, 1, false, 0, false);
    expect(c.readIar(1)).toBe(42);
    expect(c.readIar(1)).toBe(1023);
    c.writeEoir(1, 42);
    expect(c.readIar(1)).toBe(40); // lowest LR index among equals
    expect(c.readIar(1)).toBe(1023);
  });

  test('a Group 0 HPPI makes IAR1 return 1023 (3.3 rule 1); ISR shows FIQ for it', () => {
    const { c } = cif();
    c.veng0 = true;
    c.setLr(0, 20, LR_PENDING, 0x10, 0, false, 0, false);
    c.setLr(1, 21, LR_PENDING, 0x20, 1, false, 0, false);
    expect(c.readIar(1)).toBe(1023);
    expect(c.readIsr()).toBe(0x40);
    expect(c.readIar(0)).toBe(20);
    expect(c.ap0r).not.toBe(0);
  });
});

describe('EOI and DIR (IHI 0069 ICC_EOIR1_EL1; ICC_DIR_EL1; chapter 6, the virtual CPU interface)', () => {
  test('EOI of an interrupt in no LR bumps EOIcount; an LPI does not', () => {
    const { c } = cif();
    c.setLr(0, 50, LR_PENDING, 0x40, 1, false, 0, false);
    c.readIar(1);
    c.clearLr(0); // the hypervisor took the LR away
    c.writeEoir(1, 50);
    expect(c.eoiCount).toBe(1);
    c.ap1r = 1 << 8;
    c.writeEoir(1, 8192);
    expect(c.eoiCount).toBe(1);
  });

  test('EOI with nothing active is ignored', () => {
    const { c } = cif();
    c.setLr(0, 50, LR_ACTIVE, 0x40, 1, false, 0, false);
    c.writeEoir(1, 50);
    expect(c.lrState[0]).toBe(LR_ACTIVE);
    expect(c.eoiCount).toBe(0);
  });

  test('EOImode 1: EOI drops priority only, DIR deactivates; DIR is ignored with EOImode 0', () => {
    const { c } = cif();
    c.setLr(0, 60, LR_PENDING, 0x40, 1, false, 0, false);
    c.readIar(1);
    c.writeDir(60);
    expect(c.lrState[0]).toBe(LR_ACTIVE);
    c.writeCtlr(2);
    c.writeEoir(1, 60);
    expect([c.ap1r, c.lrState[0]]).toEqual([0, LR_ACTIVE]);
    c.writeDir(60);
    expect(c.lrState[0]).toBe(LR_INVALID);
  });

  test('deactivating a HW LR deactivates the physical interrupt', () => {
    const { c, deact } = cif();
    c.setLr(0, 27, LR_PENDING, 0x20, 1, true, 27, false);
    expect(c.readIar(1)).toBe(27);
    c.writeEoir(1, 27);
    expect(deact).toEqual([27]);
  });

  test('a software level LR with EOI set raises the EOI maintenance interrupt when done', () => {
    const { c } = cif();
    c.hcr = 1; // En
    c.setLr(0, 40, LR_PENDING, 0x20, 1, false, 0, true);
    expect(c.maintenanceAsserted()).toBe(false);
    c.readIar(1);
    c.writeEoir(1, 40);
    expect(c.misr() & 1).toBe(1);
    expect(c.maintenanceAsserted()).toBe(true);
  });
});

describe('resident vLPIs (IHI 0069 chapter 6, vLPI delivery and doorbells)', () => {
  class FakeVlpis implements ResidentVlpis {
    hpPriority = 0xff;
    acked: number[] = [];
    constructor(public pending: Map<number, number>) {}
    highest(): number {
      let best = -1;
      this.hpPriority = 0xff;
      for (const [v, p] of this.pending) if (p < this.hpPriority) { this.hpPriority = p; best = v; }
      return best;
    }
    acknowledge(v: number): void { this.pending.delete(v); this.acked.push(v); }
  }

  test('a higher-priority vLPI beats the LRs; an LR wins at equal priority; EOI only drops', () => {
    const { c } = cif();
    const v = new FakeVlpis(new Map([[8192, 0x20], [8193, 0x40]]));
    c.residentVlpis = v;
    c.setLr(0, 40, LR_PENDING, 0x40, 1, false, 0, false);
    expect(c.readIsr()).toBe(0x80);
    expect(c.readIar(1)).toBe(8192);
    expect(c.runningPriority()).toBe(0x20);
    c.writeEoir(1, 8192);
    expect([c.ap1r, c.eoiCount]).toEqual([0, 0]);
    expect(c.readIar(1)).toBe(40); // 0x40 LR beats the 0x40 vLPI
    expect(v.acked).toEqual([8192]);
  });
});
