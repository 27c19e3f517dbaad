// Consistency of the data tables (spec/data) and their agreement with the references:
// error codes from IHI 0069 5.5 ITS command error encodings, register offsets from the IHI 0069 register descriptions (GICD_*, GICR_*, GITS_*, GICR_VPENDBASER, GICR_VPROPBASER).
import { ITS_ERRORS, itsError, itsErrorByCode, itsErrorCode, itsErrorsOf } from '../../spec/codec/its-errors.js';
import { REGISTER_FRAMES, registerByName, registerOffset, registersOf, type RegisterField } from '../../spec/codec/registers.js';
import { ITS_COMMANDS } from '../../spec/codec/its-command.js';

describe('ITS command error codes (IHI 0069 5.5 ITS command error encodings)', () => {
  // The table of IHI 0069 5.5 ITS command error encodings, literally.
  const reference: Record<string, number> = {
    MOVI_DEVICE_OOR: 0x010101, MOVI_COLLECTION_OOR: 0x010103, MOVI_UNMAPPED_DEVICE: 0x010104, MOVI_ID_OOR: 0x010105,
    MOVI_UNMAPPED_INTERRUPT: 0x010107, MOVI_UNMAPPED_COLLECTION: 0x010109,
    INT_DEVICE_OOR: 0x010301, INT_UNMAPPED_DEVICE: 0x010304, INT_ID_OOR: 0x010305, INT_UNMAPPED_INTERRUPT: 0x010307, INT_ITE_INVALID: 0x010310,
    CLEAR_DEVICE_OOR: 0x010501, CLEAR_UNMAPPED_DEVICE: 0x010504, CLEAR_ID_OOR: 0x010505, CLEAR_UNMAPPED_INTERRUPT: 0x010507, CLEAR_ITE_INVALID: 0x010510,
    MAPD_DEVICE_OOR: 0x010801, MAPD_ITTSIZE_OOR: 0x010802, MAPC_PROCNUM_OOR: 0x010902, MAPC_COLLECTION_OOR: 0x010903,
    MAPTI_DEVICE_OOR: 0x010a01, MAPTI_COLLECTION_OOR: 0x010a03, MAPTI_UNMAPPED_DEVICE: 0x010a04, MAPTI_ID_OOR: 0x010a05, MAPTI_PHYSICALID_OOR: 0x010a06,
    MAPI_DEVICE_OOR: 0x010b01, MAPI_COLLECTION_OOR: 0x010b03, MAPI_UNMAPPED_DEVICE: 0x010b04, MAPI_ID_OOR: 0x010b05,
    INV_DEVICE_OOR: 0x010c01, INV_UNMAPPED_DEVICE: 0x010c04, INV_ID_OOR: 0x010c05, INV_UNMAPPED_INTERRUPT: 0x010c07,
    INVALL_COLLECTION_OOR: 0x010d03, INVALL_UNMAPPED_COLLECTION: 0x010d09, MOVALL_PROCNUM_OOR: 0x010e01,
    DISCARD_DEVICE_OOR: 0x010f01, DISCARD_UNMAPPED_DEVICE: 0x010f04, DISCARD_ID_OOR: 0x010f05, DISCARD_UNMAPPED_INTERRUPT: 0x010f07, DISCARD_ITE_INVALID: 0x010f10,
  };

  test('the table holds exactly the errors of IHI 0069 5.5 ITS command error encodings with their codes', () => {
    expect(Object.fromEntries(ITS_ERRORS.map((e) => [e.name, e.code]))).toEqual(reference);
  });

  test('CLEAR errors are 0x0105xx although CLEAR\'s opcode is 0x04', () => {
    expect(itsErrorCode('CLEAR_UNMAPPED_INTERRUPT')).toBe(0x010507);
    expect(ITS_COMMANDS.find((c) => c.name === 'CLEAR')!.opcode).toBe(0x04);
    expect(itsErrorsOf('CLEAR').every((e) => e.code >> 8 === 0x0105)).toBe(true);
    expect(itsErrorByCode(0x010507)?.name).toBe('CLEAR_UNMAPPED_INTERRUPT');
    expect(itsErrorByCode(0x010407)).toBeUndefined();
  });

  test('confidence tags and the codes KVM returns (vgic-its.c vgic_its_cmd_handle_*)', () => {
    const inferred = ITS_ERRORS.filter((e) => e.confidence === 'I').map((e) => e.name).sort();
    expect(inferred).toEqual(['DISCARD_DEVICE_OOR', 'DISCARD_ID_OOR', 'DISCARD_UNMAPPED_DEVICE', 'INV_ID_OOR', 'MAPTI_COLLECTION_OOR', 'MAPTI_DEVICE_OOR']);
    const kvm = ITS_ERRORS.filter((e) => e.kvm).map((e) => e.code).sort((a, b) => a - b);
    expect(kvm).toEqual([0x010107, 0x010109, 0x010307, 0x010507, 0x010801, 0x010802, 0x010902, 0x010903, 0x010a04, 0x010a05, 0x010a06,
      0x010c07, 0x010d09, 0x010e01, 0x010f07]);
    expect(itsError('MAPTI', 'PHYSICALID_OOR')?.code).toBe(0x010a06);
    expect(() => itsErrorCode('SYNC_FOO')).toThrow(/no ITS command error named "SYNC_FOO"/);
  });
});

describe('register tables', () => {
  const mask = (f: RegisterField) => ((1n << BigInt(f.bits[0] - f.bits[1] + 1)) - 1n) << BigInt(f.bits[1]);

  test('fields lie inside the register, do not overlap, and never meet RES0/RES1 bits', () => {
    for (const frame of REGISTER_FRAMES) {
      for (const reg of registersOf(frame)) {
        for (const layout of [reg.fields, reg.fieldsGICv41 ?? []]) {
          let covered = 0n;
          for (const f of layout) {
            expect([reg.name, f.name, f.bits[0] < reg.width]).toEqual([reg.name, f.name, true]);
            expect([reg.name, f.name, covered & mask(f)]).toEqual([reg.name, f.name, 0n]);
            covered |= mask(f);
            if (reg.res0 !== null) expect([reg.name, f.name, reg.res0 & mask(f)]).toEqual([reg.name, f.name, 0n]);
          }
        }
        if (reg.res0 !== null && reg.res1 !== null) expect([reg.name, reg.res0 & reg.res1]).toEqual([reg.name, 0n]);
        if (typeof reg.reset === 'bigint' && reg.res0 !== null) expect([reg.name, reg.reset & reg.res0]).toEqual([reg.name, 0n]);
        expect(reg.source.length).toBeGreaterThan(0);
      }
    }
  });

  test('MMIO offsets agree with the references', () => {
    const expected: [string, number][] = [
      // IHI 0069 GICD_* registers
      ['GICD_CTLR', 0x0], ['GICD_TYPER', 0x4], ['GICD_IIDR', 0x8], ['GICD_TYPER2', 0xc], ['GICD_STATUSR', 0x10],
      ['GICD_SETSPI_NSR', 0x40], ['GICD_CLRSPI_NSR', 0x48], ['GICD_IGROUPR0', 0x80], ['GICD_ISENABLER0', 0x100],
      ['GICD_ICENABLER0', 0x180], ['GICD_ISPENDR0', 0x200], ['GICD_ICPENDR0', 0x280], ['GICD_ISACTIVER0', 0x300],
      ['GICD_ICACTIVER0', 0x380], ['GICD_IPRIORITYR0', 0x400], ['GICD_ICFGR0', 0xc00], ['GICD_IGRPMODR0', 0xd00],
      ['GICD_NSACR0', 0xe00], ['GICD_IROUTER32', 0x6100], ['GICD_PIDR2', 0xffe8],
      // IHI 0069 GICR_* registers; GICR_PROPBASER, GICR_PENDBASER; GICR_CTLR
      ['GICR_CTLR', 0x0], ['GICR_IIDR', 0x4], ['GICR_TYPER', 0x8], ['GICR_STATUSR', 0x10], ['GICR_WAKER', 0x14],
      ['GICR_SETLPIR', 0x40], ['GICR_CLRLPIR', 0x48], ['GICR_PROPBASER', 0x70], ['GICR_PENDBASER', 0x78],
      ['GICR_INVLPIR', 0xa0], ['GICR_INVALLR', 0xb0], ['GICR_SYNCR', 0xc0], ['GICR_PIDR2', 0xffe8],
      ['GICR_IGROUPR0', 0x80], ['GICR_ISENABLER0', 0x100], ['GICR_ICENABLER0', 0x180], ['GICR_ISPENDR0', 0x200],
      ['GICR_ICPENDR0', 0x280], ['GICR_ISACTIVER0', 0x300], ['GICR_ICACTIVER0', 0x380], ['GICR_IPRIORITYR0', 0x400],
      ['GICR_IPRIORITYR31', 0x41f], ['GICR_ICFGR0', 0xc00], ['GICR_ICFGR1', 0xc04], ['GICR_IGRPMODR0', 0xd00], ['GICR_NSACR', 0xe00],
      // IHI 0069 GICR_VPENDBASER, GICR_VPROPBASER
      ['GICR_VPROPBASER', 0x70], ['GICR_VPENDBASER', 0x78], ['GICR_VSGIR', 0x80], ['GICR_VSGIPENDR', 0x88],
      // IHI 0069 GITS_* registers
      ['GITS_CTLR', 0x0], ['GITS_IIDR', 0x4], ['GITS_TYPER', 0x8], ['GITS_MPIDR', 0x18], ['GITS_STATUSR', 0x40],
      ['GITS_CBASER', 0x80], ['GITS_CWRITER', 0x88], ['GITS_CREADR', 0x90], ['GITS_BASER0', 0x100], ['GITS_BASER7', 0x138],
      ['GITS_PIDR2', 0xffe8], ['GITS_PIDR4', 0xffd0], ['GITS_PIDR0', 0xffe0], ['GITS_CIDR3', 0xfffc], ['GITS_TRANSLATER', 0x10040], ['GITS_SGIR', 0x20020],
    ];
    for (const [name, off] of expected) {
      const h = registerByName(name);
      expect([name, h === undefined ? -1 : registerOffset(h.reg, h.n)]).toEqual([name, off]);
    }
  });

  test('register counts per frame', () => {
    const counts = Object.fromEntries(REGISTER_FRAMES.map((f) => [f, registersOf(f).length]));
    expect(counts).toEqual({ gicd: 20, gicr: 13, 'gicr-sgi': 12, 'gicr-vlpi': 4, gits: 19, sysreg: 21 });
  });

  test('field positions of registers the harness and boot rely on (IHI 0069 GITS_* registers; GICR_PROPBASER, GICR_PENDBASER; GICD_* registers)', () => {
    const bits = (reg: string, field: string) => registerByName(reg)!.reg.fields.find((f) => f.name === field)?.bits;
    expect(bits('GITS_CBASER', 'Size')).toEqual([7, 0]);
    expect(bits('GITS_CBASER', 'Physical_Address')).toEqual([51, 12]);
    expect(bits('GITS_CBASER', 'Valid')).toEqual([63, 63]);
    expect(bits('GITS_CWRITER', 'Offset')).toEqual([19, 5]);
    expect(bits('GITS_CREADR', 'Stalled')).toEqual([0, 0]);
    expect(bits('GITS_BASER<n>', 'Type')).toEqual([58, 56]);
    expect(bits('GICR_PROPBASER', 'IDbits')).toEqual([4, 0]);
    expect(bits('GICR_PENDBASER', 'PTZ')).toEqual([62, 62]);
    expect(bits('GICR_CTLR', 'EnableLPIs')).toEqual([0, 0]);
    expect(bits('GICR_WAKER', 'ProcessorSleep')).toEqual([1, 1]);
    expect(bits('GICD_CTLR', 'ARE')).toEqual([4, 4]);
    expect(bits('GICD_CTLR', 'EnableGrp1')).toEqual([1, 1]);
    expect(bits('GICD_IROUTER<n>', 'Aff3')).toEqual([39, 32]);
    expect(bits('GICR_TYPER', 'Processor_Number')).toEqual([23, 8]);
    expect(bits('ICC_CTLR_EL1', 'PRIbits')).toEqual([10, 8]);
    expect(bits('ICC_SGI1R_EL1', 'TargetList')).toEqual([15, 0]);
  });
});
