// GICD / GICR register values and access rules as KVM emulates them (vgic-mmio-v3.c,
// vgic-mmio.c; the kvm notes of spec/data/registers): identification, TYPER fields, 5 priority bits, IROUTER Aff0-2,
// RAZ/WI for unknown, misaligned or wrong-width accesses.
import { booted, cfg, mr, mw } from './helpers.js';
import { KvmSession } from '../../impl/target.js';

describe('distributor', () => {
  const s = booted({ vcpus: 2, spis: 64, its: 0 });
  test('GICD_CTLR: EnableGrp1 as written, ARE and DS read as one', () => {
    expect(s.step(mr(0, 'gicd', 0x0, 32))).toBe('0x52');
  });
  test('GICD_TYPER: ITLinesNumber = nr_irqs/32 - 1, IDbits 9 without an ITS, no LPIS', () => {
    expect(s.step(mr(0, 'gicd', 0x4, 32))).toBe('0x' + ((96 / 32 - 1) | (9 << 19)).toString(16));
  });
  test('GICD_IIDR: ProductID 0x4B, Revision 3, Implementer 0x43B; writes ignored', () => {
    expect(s.step(mr(0, 'gicd', 0x8, 32))).toBe('0x4b00343b');
    s.step(mw(0, 'gicd', 0x8, 32, 0));
    expect(s.step(mr(0, 'gicd', 0x8, 32))).toBe('0x4b00343b');
  });
  test('GICD_PIDR2 reports a GICv3', () => {
    expect(s.step(mr(0, 'gicd', 0xffe8, 32))).toBe('0x3b');
  });
  test('IPRIORITYR keeps 5 bits; byte and word access', () => {
    s.step(mw(0, 'gicd', 0x421, 8, 0xff));
    expect(s.step(mr(0, 'gicd', 0x421, 8))).toBe('0xf8');
    expect(s.step(mr(0, 'gicd', 0x420, 32))).toBe('0xf800');
  });
  test('private INTIDs are RAZ/WI in the distributor (affinity routing)', () => {
    s.step(mw(0, 'gicd', 0x100, 32, 0xffffffff));
    expect(s.step(mr(0, 'gicd', 0x100, 32))).toBe('0x0');
    expect(s.step(mr(0, 'gicd', 0x400, 32))).toBe('0x0');
  });
  test('registers beyond nr_irqs are RAZ/WI', () => {
    s.step(mw(0, 'gicd', 0x10c, 32, 0xffffffff)); // INTIDs 96..127: not implemented
    expect(s.step(mr(0, 'gicd', 0x10c, 32))).toBe('0x0');
  });
  test('IROUTER: Aff0-2 kept, IRM and the upper word RAZ/WI', () => {
    s.step(mw(0, 'gicd', 0x6000 + 8 * 40, 64, 0xff_8123_4501n));
    expect(s.step(mr(0, 'gicd', 0x6000 + 8 * 40, 64))).toBe('0x234501');
    expect(s.step(mr(0, 'gicd', 0x6004 + 8 * 40, 32))).toBe('0x0');
  });
  test('ICFGR: edge reads 2 per INTID; wrong widths and misaligned accesses are RAZ/WI', () => {
    s.step(mw(0, 'gicd', 0xc08, 32, 0xaaaaaaaa));
    expect(s.step(mr(0, 'gicd', 0xc08, 32))).toBe('0xaaaaaaaa');
    expect(s.step(mr(0, 'gicd', 0xc08, 8))).toBe('0x0');
    expect(s.step(mr(0, 'gicd', 0xc08, 16))).toBe('0x0');
    s.step(mw(0, 'gicd', 0xc0a, 16, 0));
    expect(s.step(mr(0, 'gicd', 0xc08, 32))).toBe('0xaaaaaaaa');
    expect(s.step(mr(0, 'gicd', 0x102, 32))).toBe('0x0');
  });
  test('ISPENDR/ICPENDR on an edge SPI set and clear the latch', () => {
    s.step(mw(0, 'gicd', 0x204, 32, 1 << 3));
    expect(s.step(mr(0, 'gicd', 0x204, 32))).toBe('0x8');
    s.step(mw(0, 'gicd', 0x284, 32, 1 << 3));
    expect(s.step(mr(0, 'gicd', 0x204, 32))).toBe('0x0');
  });
});

describe('redistributor', () => {
  const s = booted({ vcpus: 2, spis: 32, its: 1 }, { lpis: true });
  test('GICR_TYPER: Processor_Number, affinity, PLPIS with an ITS, Last on the last vCPU', () => {
    expect(s.step(mr(0, 'gicr', 0x8, 64, 0))).toBe('0x1');
    expect(s.step(mr(0, 'gicr', 0x8, 64, 1))).toBe('0x100000111');
    expect(s.step(mr(0, 'gicr', 0xc, 32, 1))).toBe('0x1');
  });
  test('GICR_CTLR: EnableLPIs set by boot, IR and CES at revision 3', () => {
    expect(s.step(mr(0, 'gicr', 0x0, 32, 0))).toBe('0x7');
  });
  test('GICR_WAKER is RAZ/WI; GICR_IIDR matches GICD_IIDR', () => {
    s.step(mw(0, 'gicr', 0x14, 32, 0x2, 0));
    expect(s.step(mr(0, 'gicr', 0x14, 32, 0))).toBe('0x0');
    expect(s.step(mr(0, 'gicr', 0x4, 32, 0))).toBe('0x4b00343b');
  });
  test('PENDBASER/PROPBASER writes are ignored while LPIs are enabled', () => {
    const before = s.step(mr(0, 'gicr', 0x78, 64, 1));
    s.step(mw(1, 'gicr', 0x78, 64, 0x4300_0000n, 1));
    expect(s.step(mr(0, 'gicr', 0x78, 64, 1))).toBe(before);
  });
  test('SGI frame ICFGR0: SGIs are edge (read-only), PPIs level', () => {
    s.step(mw(0, 'gicr-sgi', 0xc00, 32, 0, 0));
    expect(s.step(mr(0, 'gicr-sgi', 0xc00, 32, 0))).toBe('0xaaaaaaaa');
    expect(s.step(mr(0, 'gicr-sgi', 0xc04, 32, 0))).toBe('0x0');
  });
  test('a redistributor that does not exist is RAZ/WI', () => {
    expect(s.step(mr(0, 'gicr', 0x8, 64, 5))).toBe('0x0');
  });
});

describe('reset state (include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init, vgic_init)', () => {
  test('SGIs enabled and edge, PPIs level and disabled, all Group 1, SPIs disabled', () => {
    const s = new KvmSession(cfg({ vcpus: 1, spis: 32, its: 0 }));
    expect(s.step(mr(0, 'gicr-sgi', 0x100, 32, 0))).toBe('0xffff');
    expect(s.step(mr(0, 'gicr-sgi', 0x80, 32, 0))).toBe('0xffffffff');
    expect(s.step(mr(0, 'gicd', 0x104, 32))).toBe('0x0');
    expect(s.step(mr(0, 'gicd', 0x84, 32))).toBe('0xffffffff');
    expect(s.step(mr(0, 'gicr-sgi', 0xc04, 32, 0))).toBe('0x0');
    // A vCPU starts with VMCR = 0: PMR 0 masks everything, binary points at their minimum.
    expect(s.step({ op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' })).toBe('0x0');
    expect(s.step({ op: 'sysreg.read', cpu: 0, reg: 'ICC_BPR1_EL1' })).toBe('0x3');
    expect(s.step({ op: 'sysreg.read', cpu: 0, reg: 'ICC_BPR0_EL1' })).toBe('0x2');
  });
});

describe('PENDBASER sanitising and PTZ', () => {
  test('PTZ is write-only; outer-shareable becomes inner-shareable', () => {
    const s = booted({ vcpus: 1, its: 1 }, { lpis: false });
    s.step(mw(0, 'gicr', 0x78, 64, (1n << 62n) | 0x4040_0000n | (2n << 10n) | (7n << 7n), 0));
    expect(s.step(mr(0, 'gicr', 0x78, 64, 0))).toBe('0x' + (0x4040_0000n | (1n << 10n) | (7n << 7n)).toString(16));
  });
});
