// The boot macro expands exactly as docs/scenario-format.md describes; values are computed here by
// hand from the register layouts in Arm IHI 0069 (sections cited per value).
import { expandScenario } from '../../spec/expand.js';
import type { PrimitiveOp, Scenario } from '../../spec/scenario.js';

function boot(config: Scenario['config'], extra: object = {}): PrimitiveOp[] {
  return expandScenario({ format: 'gicdiff/scenario@1', name: 't', config, ops: [{ op: 'boot', ...extra }] }).ops;
}
const writes = (ops: PrimitiveOp[], frame: string, index?: number) =>
  ops.filter((o) => o.op === 'mmio.write' && o.frame === frame && (index === undefined || o.index === index)) as Extract<PrimitiveOp, { op: 'mmio.write' }>[];

describe('boot expansion', () => {
  const ops = boot({ vcpus: 2, spis: 64, its: 1 });

  test('distributor first: GICD_CTLR = ARE | EnableGrp1, then every SPI in Group 1', () => {
    // IHI 0069 GICD_* registers: ARE is bit 4, EnableGrp1 bit 1 -> 0x12; IGROUPR<n> at 0x80 + 4n, n = 1..2 for 64 SPIs
    expect(ops[0]).toEqual({ op: 'mmio.write', cpu: 0, frame: 'gicd', offset: 0, width: 32, value: '0x12' });
    expect(writes(ops, 'gicd').map((o) => [o.offset, o.value])).toEqual([[0, '0x12'], [0x84, '0xffffffff'], [0x88, '0xffffffff']]);
  });

  test('each vCPU sets up its own redistributor and CPU interface', () => {
    for (const cpu of [0, 1]) {
      const mine = ops.filter((o) => 'cpu' in o && o.cpu === cpu && (o.op === 'sysreg.write' || ('index' in o && o.index === cpu)));
      expect(mine.filter((o) => o.op === 'sysreg.write').map((o) => [(o as { reg: string }).reg, (o as { value: string }).value])).toEqual([
        ['ICC_PMR_EL1', '0xf0'], ['ICC_BPR1_EL1', '0x0'], ['ICC_CTLR_EL1', '0x0'], ['ICC_IGRPEN1_EL1', '0x1'],
      ]);
      // GICR_WAKER at RD+0x14 (IHI 0069 GICR_* registers), GICR_IGROUPR0 at SGI+0x80
      expect(writes(ops, 'gicr', cpu).some((o) => o.offset === 0x14 && o.value === '0x0')).toBe(true);
      expect(writes(ops, 'gicr-sgi', cpu)).toEqual([{ op: 'mmio.write', cpu, frame: 'gicr-sgi', index: cpu, offset: 0x80, width: 32, value: '0xffffffff' }]);
    }
  });

  test('LPI tables: PROPBASER IDbits 15 at 0x40100000, pending tables 64 KiB apart, then EnableLPIs', () => {
    // GICR_PROPBASER (0x70): PA 0x40100000 | InnerShareable (1 << 10 = 0x400) | RaWaWb (7 << 7 = 0x380) | IDbits 15 (0xf)
    expect(writes(ops, 'gicr', 1).find((o) => o.offset === 0x70)!.value).toBe('0x4010078f');
    // GICR_PENDBASER (0x78) of vCPU 1: 0x40200000 + 0x10000, same attributes without IDbits
    expect(writes(ops, 'gicr', 1).find((o) => o.offset === 0x78)!.value).toBe('0x40210780');
    const enableIdx = ops.findIndex((o) => o.op === 'mmio.write' && o.frame === 'gicr' && o.offset === 0);
    const lastBase = ops.map((o, i) => (o.op === 'mmio.write' && o.frame === 'gicr' && (o.offset === 0x70 || o.offset === 0x78) ? i : -1)).reduce((a, b) => Math.max(a, b));
    expect(enableIdx).toBeGreaterThan(lastBase);
  });

  test('ITS: device table, collection table, command queue, CWRITER = 0, then Enabled', () => {
    const its = writes(ops, 'gits', 0);
    // GITS_BASER0 (0x100): Valid (bit 63) | InnerCache RaWaWb [61:59] | Type 1 [58:56] | Entry_Size 8-1 [52:48]
    //   | PA 0x40800000 | InnerShareable [11:10] | Page_Size 64K (2 << 8) | Size 512K/64K - 1 = 7
    //   = 0x8000... | 0x3800... | 0x0100... | 0x0007_0000_0000_0000 | 0x40800000 | 0x400 | 0x200 | 7
    expect(its.map((o) => [o.offset, o.value])).toEqual([
      [0x100, '0xb907000040800607'],
      [0x108, '0xbc07000040880600'], // Type 4 (collections), 64 KiB = one page (Size 0)
      [0x80, '0xb80000004090040f'], // GITS_CBASER: Valid, RaWaWb, PA, InnerShareable, 16 pages of 4 KiB - 1
      [0x88, '0x0'],
      [0x0, '0x1'],
    ]);
  });

  test('options change the defaults; no ITS means no LPI setup', () => {
    const o = boot({ vcpus: 1, spis: 32, its: 0 }, { pmr: '0x80', eoiMode: 1, distEnable: false });
    expect(o[0]).toMatchObject({ value: '0x10' });
    expect(o.some((x) => x.op === 'mmio.write' && x.frame === 'gits')).toBe(false);
    expect(o.some((x) => x.op === 'mmio.write' && x.frame === 'gicr' && x.offset === 0x70)).toBe(false);
    expect(o.find((x) => x.op === 'sysreg.write' && x.reg === 'ICC_PMR_EL1')).toMatchObject({ value: '0x80' });
    expect(o.find((x) => x.op === 'sysreg.write' && x.reg === 'ICC_CTLR_EL1')).toMatchObject({ value: '0x2' });
  });

  test('origin maps every expanded op back to its source op', () => {
    const e = expandScenario({ format: 'gicdiff/scenario@1', name: 't', config: { vcpus: 1, its: 0, spis: 32 }, ops: [{ op: 'wfi', cpu: 0 }, { op: 'boot' }, { op: 'wfi', cpu: 0 }] });
    expect(e.origin[0]).toBe(0);
    expect(e.origin[e.origin.length - 1]).toBe(2);
    expect(e.origin.slice(1, -1).every((x) => x === 1)).toBe(true);
    expect(e.ops.length).toBe(e.origin.length);
  });
});
