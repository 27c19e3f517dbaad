// Register lookup and field helpers. Expected offsets/encodings are written from the references:
// the IHI 0069 register descriptions (GICD_*, GICR_*, GITS_*); system-register encodings from Linux
// arch/arm64/include/asm/sysreg.h (SYS_ICC_*), ISR_EL1 from arch/arm64/tools/sysreg.
import {
  fieldMask, getRegField, lookupRegister, registerByName, registerName, registerOffset, requireRegister, setRegField, sysregByEncoding,
} from '../../spec/codec/registers.js';

const at = (frame: Parameters<typeof lookupRegister>[0], offset: number) => {
  const h = lookupRegister(frame, offset);
  return h === undefined ? undefined : { name: registerName(h.reg, h.n), n: h.n, within: h.within };
};

describe('lookup by frame + offset', () => {
  test('GITS (IHI 0069 GITS_* registers)', () => {
    expect(at('gits', 0x0)?.name).toBe('GITS_CTLR');
    expect(at('gits', 0x8)?.name).toBe('GITS_TYPER');
    expect(at('gits', 0xc)).toEqual({ name: 'GITS_TYPER', n: 0, within: 4 });
    expect(at('gits', 0x80)?.name).toBe('GITS_CBASER');
    expect(at('gits', 0x88)?.name).toBe('GITS_CWRITER');
    expect(at('gits', 0x90)?.name).toBe('GITS_CREADR');
    expect(at('gits', 0x100)).toEqual({ name: 'GITS_BASER0', n: 0, within: 0 });
    expect(at('gits', 0x138)).toEqual({ name: 'GITS_BASER7', n: 7, within: 0 });
    expect(at('gits', 0x13c)).toEqual({ name: 'GITS_BASER7', n: 7, within: 4 });
    expect(at('gits', 0x140)).toBeUndefined();
    expect(at('gits', 0x10040)?.name).toBe('GITS_TRANSLATER');
    expect(at('gits', 0xffe8)?.name).toBe('GITS_PIDR2');
    expect(at('gits', 0x20)).toBeUndefined();
  });

  test('GICD banked ranges (IHI 0069 GICD_* registers)', () => {
    expect(at('gicd', 0x080)).toEqual({ name: 'GICD_IGROUPR0', n: 0, within: 0 });
    expect(at('gicd', 0x104)).toEqual({ name: 'GICD_ISENABLER1', n: 1, within: 0 });
    expect(at('gicd', 0x284)).toEqual({ name: 'GICD_ICPENDR1', n: 1, within: 0 });
    // IPRIORITYR: one byte per INTID at 0x400 + n; a word access at 0x420 starts at INTID 32
    expect(at('gicd', 0x420)).toEqual({ name: 'GICD_IPRIORITYR32', n: 32, within: 0 });
    expect(at('gicd', 0x7fb)).toEqual({ name: 'GICD_IPRIORITYR1019', n: 1019, within: 0 });
    expect(at('gicd', 0xc08)).toEqual({ name: 'GICD_ICFGR2', n: 2, within: 0 });
    // IROUTER<n> = 0x6000 + 8n for n >= 32: SPI 32 at 0x6100, its upper word at 0x6104; nothing at 0x6000
    expect(at('gicd', 0x6100)).toEqual({ name: 'GICD_IROUTER32', n: 32, within: 0 });
    expect(at('gicd', 0x6104)).toEqual({ name: 'GICD_IROUTER32', n: 32, within: 4 });
    expect(at('gicd', 0x6000 + 8 * 1019)).toEqual({ name: 'GICD_IROUTER1019', n: 1019, within: 0 });
    expect(at('gicd', 0x6000)).toBeUndefined();
    expect(at('gicd', 0xffe8)?.name).toBe('GICD_PIDR2');
    expect(at('gicd', 0x14)).toBeUndefined();
  });

  test('GICR frames (IHI 0069 GICR_* registers)', () => {
    expect(at('gicr', 0x8)?.name).toBe('GICR_TYPER');
    expect(at('gicr', 0x14)?.name).toBe('GICR_WAKER');
    expect(at('gicr', 0x70)?.name).toBe('GICR_PROPBASER');
    expect(at('gicr', 0x78)?.name).toBe('GICR_PENDBASER');
    expect(at('gicr', 0xa0)?.name).toBe('GICR_INVLPIR');
    expect(at('gicr', 0xc0)?.name).toBe('GICR_SYNCR');
    expect(at('gicr-sgi', 0x100)?.name).toBe('GICR_ISENABLER0');
    expect(at('gicr-sgi', 0x41c)).toEqual({ name: 'GICR_IPRIORITYR28', n: 28, within: 0 });
    expect(at('gicr-sgi', 0xc00)?.name).toBe('GICR_ICFGR0');
    expect(at('gicr-sgi', 0xc04)?.name).toBe('GICR_ICFGR1');
    expect(at('gicr-sgi', 0x420)).toBeUndefined();
    expect(at('gicr-vlpi', 0x78)?.name).toBe('GICR_VPENDBASER');
    expect(at('gicr-vlpi', 0x88)?.name).toBe('GICR_VSGIPENDR');
  });

  test('an unknown frame is a clear error', () => {
    expect(() => lookupRegister('gicx' as never, 0)).toThrow(/unknown register frame "gicx"/);
  });
});

describe('lookup by name', () => {
  test('plain and banked MMIO registers', () => {
    expect(registerOffset(requireRegister('GITS_CWRITER').reg)).toBe(0x88);
    const r = registerByName('GICD_IROUTER40')!;
    expect(r.n).toBe(40);
    expect(registerOffset(r.reg, r.n)).toBe(0x6000 + 8 * 40);
    expect(registerOffset(requireRegister('GITS_BASER1').reg, 1)).toBe(0x108);
    expect(registerByName('GITS_BASER8')).toBeUndefined();
    expect(registerByName('GICD_IROUTER31')).toBeUndefined();
    expect(registerByName('GICD_IROUTER040')).toBeUndefined();
    expect(() => requireRegister('GICD_FROB')).toThrow(/no register named "GICD_FROB"/);
    expect(() => registerOffset(requireRegister('GICD_IROUTER<n>').reg, 5)).toThrow(/n = 5 outside \[32, 1019\]/);
  });

  test('system registers: encodings from Linux sysreg.h', () => {
    const enc = (name: string) => requireRegister(name).reg.encoding;
    expect(enc('ICC_IAR1_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 12, op2: 0 });
    expect(enc('ICC_EOIR1_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 12, op2: 1 });
    expect(enc('ICC_CTLR_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 12, op2: 4 });
    expect(enc('ICC_IGRPEN1_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 12, op2: 7 });
    expect(enc('ICC_PMR_EL1')).toEqual({ op0: 3, op1: 0, CRn: 4, CRm: 6, op2: 0 });
    expect(enc('ICC_SGI1R_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 11, op2: 5 });
    expect(enc('ICC_DIR_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 11, op2: 1 });
    expect(enc('ISR_EL1')).toEqual({ op0: 3, op1: 0, CRn: 12, CRm: 1, op2: 0 });
    // ICC_AP1R<n>_EL1 = S3_0_C12_C9_n; ICC_AP0R<n>_EL1 = S3_0_C12_C8_(4 + n)
    const ap1r2 = registerByName('ICC_AP1R2_EL1')!;
    expect(ap1r2.n).toBe(2);
    expect(sysregByEncoding({ op0: 3, op1: 0, CRn: 12, CRm: 9, op2: 2 })).toEqual(ap1r2);
    const ap0r3 = sysregByEncoding({ op0: 3, op1: 0, CRn: 12, CRm: 8, op2: 7 })!;
    expect(registerName(ap0r3.reg, ap0r3.n)).toBe('ICC_AP0R3_EL1');
    expect(registerName(sysregByEncoding({ op0: 3, op1: 0, CRn: 12, CRm: 8, op2: 3 })!.reg)).toBe('ICC_BPR0_EL1');
    expect(sysregByEncoding({ op0: 3, op1: 0, CRn: 12, CRm: 9, op2: 4 })).toBeUndefined();
  });

  test('every sysreg the scenario format names exists (docs/scenario-format.md)', () => {
    const names = ['ICC_IAR1_EL1', 'ICC_IAR0_EL1', 'ICC_HPPIR1_EL1', 'ICC_RPR_EL1', 'ICC_PMR_EL1', 'ICC_BPR0_EL1', 'ICC_BPR1_EL1',
      'ICC_CTLR_EL1', 'ICC_IGRPEN0_EL1', 'ICC_IGRPEN1_EL1', 'ICC_AP1R0_EL1', 'ICC_AP1R1_EL1', 'ICC_AP1R2_EL1', 'ICC_AP1R3_EL1',
      'ICC_SRE_EL1', 'ISR_EL1', 'ICC_EOIR1_EL1', 'ICC_EOIR0_EL1', 'ICC_DIR_EL1', 'ICC_SGI1R_EL1', 'ICC_ASGI1R_EL1', 'ICC_SGI0R_EL1', 'ICC_AP0R0_EL1'];
    for (const n of names) expect(registerByName(n)?.reg.frame).toBe('sysreg');
  });
});

describe('fields', () => {
  test('GITS_CBASER fields (IHI 0069 GITS_* registers)', () => {
    const cbaser = requireRegister('GITS_CBASER').reg;
    const v = (1n << 63n) | 0x40900000n | 15n;
    expect(getRegField(cbaser, v, 'Size')).toBe(15);
    expect(getRegField(cbaser, v, 'Valid')).toBe(1);
    expect(getRegField(cbaser, v, 'Physical_Address')).toBe(0x40900000 / 4096);
    expect(v & fieldMask(cbaser, 'Physical_Address')).toBe(0x40900000n);
    expect(setRegField(cbaser, 0n, 'Size', 3)).toBe(3n);
    expect(() => setRegField(cbaser, 0n, 'Size', 256)).toThrow(/GITS_CBASER\.Size/);
    expect(() => getRegField(cbaser, 0n, 'Sise')).toThrow(/GITS_CBASER has no field Sise/);
  });

  test('KVM\'s GITS_TYPER value reads as vgic-its.c its_registers[] describes it', () => {
    const typer = requireRegister('GITS_TYPER').reg;
    const v = typer.kvm!.value!;
    expect(getRegField(typer, v, 'Physical')).toBe(1);
    expect(getRegField(typer, v, 'Virtual')).toBe(0);
    expect(getRegField(typer, v, 'ITT_entry_size')).toBe(7);
    expect(getRegField(typer, v, 'ID_bits')).toBe(15);
    expect(getRegField(typer, v, 'Devbits')).toBe(15);
    expect(getRegField(typer, v, 'PTA')).toBe(0);
    expect(getRegField(typer, v, 'CIL')).toBe(0);
    expect(getRegField(typer, v, 'HCC')).toBe(0);
    expect(getRegField(typer, v, 'SEIS')).toBe(0);
    // the architectural reset stays IMPDEF: the KVM value is a separate note
    expect(typer.reset).toBe('IMPDEF');
    const iidr = requireRegister('GITS_IIDR').reg;
    expect(getRegField(iidr, iidr.kvm!.value!, 'ProductID')).toBe(0x4b);
    expect(getRegField(iidr, iidr.kvm!.value!, 'Implementer')).toBe(0x43b);
    expect(getRegField(iidr, iidr.kvm!.value!, 'Revision')).toBe(0);
    expect(requireRegister('GITS_PIDR2').reg.kvm!.value).toBe(0x3bn);
  });

  test('GICv4.1 layouts of the VLPI frame (IHI 0069 GICR_VPENDBASER, GICR_VPROPBASER)', () => {
    const vpend = requireRegister('GICR_VPENDBASER').reg;
    const v = (1n << 63n) | (1n << 62n) | 42n;
    expect(getRegField(vpend, v, 'vPEID', 'GICv4.1')).toBe(42);
    expect(getRegField(vpend, v, 'Doorbell', 'GICv4.1')).toBe(1);
    expect(getRegField(vpend, v, 'IDAI')).toBe(1); // GICv4.0 reading of bit 62
  });
});
