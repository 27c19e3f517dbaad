// KVM ITS table ABI rev 0 and KVM_IRQ_LINE: known answers computed by hand from Documentation/virt/kvm/devices/arm-vgic-its.rst
// and 1.8 (arithmetic in the comments), and round-trip properties.
import fc from 'fast-check';
import {
  decodeCte, decodeDte, decodeIte, decodeKvmItsEntry, decodeL1, encodeCte, encodeDte, encodeIte, encodeKvmItsEntry, encodeL1,
  KVM_ITS_ENTRY_KINDS, kvmItsFields, readKvmItsEntry, writeKvmItsEntry,
} from '../../spec/codec/kvm-its-abi.js';
import { decodeIrqLine, encodeIrqLine } from '../../spec/codec/kvm-irq-line.js';

describe('KVM ITS ABI rev 0 entries (Documentation/virt/kvm/devices/arm-vgic-its.rst)', () => {
  test('DTE V=1 next 0 ITT 0x41000000 size 7', () => {
    // bit 63 V | bits 48:5 ITT_addr[51:8]: 0x41000000 >> 8 = 0x410000, << 5 = 0x8200000 | bits 4:0 Size 7
    //   = 0x8000000000000000 | 0x8200000 | 7 = 0x8000000008200007
    expect(encodeDte({ valid: 1, next: 0, ittAddr: 0x41000000, size: 7 })).toBe(0x8000000008200007n);
    expect(decodeDte(0x8000000008200007n)).toEqual({ valid: 1, next: 0, ittAddr: 0x41000000, size: 7 });
  });

  test('DTE with every field at its maximum', () => {
    // next 3 in bits 62:49 = 0x0006000000000000; ITT_addr 0xfffffffffff00 -> bits 48:5 all ones = 0x1ffffffffffe0;
    // size 31 = 0x1f; V = bit 63  ->  0x8007ffffffffffff
    expect(encodeDte({ valid: 1, next: 3, ittAddr: 0xfffffffffff00, size: 31 })).toBe(0x8007ffffffffffffn);
    // next at its cap 2^14 - 1 fills bits 62:49
    expect(encodeDte({ valid: 0, next: 0x3fff, ittAddr: 0, size: 0 })).toBe(0x7ffe000000000000n);
  });

  test('CTE V=1 RDBase 2 ICID 5, and KVM\'s unmapped-collection target', () => {
    // bit 63 | 2 << 16 | 5 = 0x8000000000020005
    expect(encodeCte({ valid: 1, rdBase: 2, icid: 5 })).toBe(0x8000000000020005n);
    // 0xFFFFFFFF in bits 47:16 = 0x0000ffffffff0000
    expect(encodeCte({ valid: 1, rdBase: 0xffffffff, icid: 0 })).toBe(0x8000ffffffff0000n);
    expect(decodeCte(0x8000000000020005n)).toEqual({ valid: 1, rdBase: 2, icid: 5 });
  });

  test('ITE next 1 pINTID 8192 ICID 3', () => {
    // bits 63:48 next 1 = 0x0001000000000000 | bits 47:16 pINTID 8192 = 0x2000 << 16 = 0x20000000 | ICID 3
    //   = 0x0001000020000003
    expect(encodeIte({ next: 1, pINTID: 8192, icid: 3 })).toBe(0x0001000020000003n);
    expect(decodeIte(0x0001000020000003n)).toEqual({ next: 1, pINTID: 8192, icid: 3 });
  });

  test('L1 entry V=1, level-2 page at 0x41010000 (address bits 51:16 in place)', () => {
    expect(encodeL1({ valid: 1, l2Addr: 0x41010000 })).toBe(0x8000000041010000n);
    expect(decodeL1(0x8000000041010000n)).toEqual({ valid: 1, l2Addr: 0x41010000 });
  });

  test('values that do not fit are refused with the field named', () => {
    expect(() => encodeDte({ valid: 1, next: 0, ittAddr: 0x41000080, size: 7 })).toThrow(/DTE\.ittAddr: .*bits below bit 8/);
    expect(() => encodeDte({ valid: 1, next: 0x4000, ittAddr: 0, size: 7 })).toThrow(/DTE\.next: .*does not fit/);
    expect(() => encodeL1({ valid: 1, l2Addr: 0x41001000 })).toThrow(/L1\.l2Addr/);
    expect(() => encodeKvmItsEntry('ITE', { pintid: 1 })).toThrow(/ITE: unknown field "pintid"/);
    expect(() => encodeIte({ next: 0, pINTID: 2 ** 32, icid: 0 })).toThrow(/ITE\.pINTID/);
  });

  test('8-byte little-endian memory form', () => {
    const b = new Uint8Array(16);
    writeKvmItsEntry(b, 8, 0x8000000008200007n);
    expect([...b.subarray(8)]).toEqual([0x07, 0x00, 0x20, 0x08, 0x00, 0x00, 0x00, 0x80]);
    expect(readKvmItsEntry(b, 8)).toBe(0x8000000008200007n);
    expect(() => readKvmItsEntry(b, 9)).toThrow(RangeError);
  });

  for (const kind of KVM_ITS_ENTRY_KINDS) {
    test(`${kind}: fields -> entry -> fields round trip, and entry -> fields -> entry keeps every field bit`, () => {
      const layout = kvmItsFields(kind);
      const rec: Record<string, fc.Arbitrary<number>> = {};
      let covered = 0n;
      for (const f of layout) {
        const width = f.bits[0] - f.bits[1] + 1;
        rec[f.name] = fc.bigInt(0n, (1n << BigInt(width)) - 1n).map((x) => Number(x) * 2 ** f.valueShift);
        covered |= ((1n << BigInt(width)) - 1n) << BigInt(f.bits[1]);
      }
      fc.assert(fc.property(fc.record(rec), (fields) => {
        expect(decodeKvmItsEntry(kind, encodeKvmItsEntry(kind, fields))).toEqual(fields);
      }), { numRuns: 300 });
      fc.assert(fc.property(fc.bigInt(0n, (1n << 64n) - 1n), (e) => {
        expect(encodeKvmItsEntry(kind, decodeKvmItsEntry(kind, e))).toBe(e & covered);
      }), { numRuns: 300 });
    });
  }
});

describe('KVM_IRQ_LINE irq field (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI)', () => {
  test('known answers', () => {
    // SPI 40: irq_type 1 in bits 27:24 = 0x01000000 | irq_id 40 = 0x28  ->  0x01000028
    expect(encodeIrqLine('spi', 0, 40)).toBe(0x01000028);
    // PPI 27 on vCPU 3: 2 << 24 | 3 << 16 | 27  ->  0x0203001b
    expect(encodeIrqLine('ppi', 3, 27)).toBe(0x0203001b);
    // PPI 16 on vCPU 300 = 256 * 1 + 44: vcpu2_index 1 << 28 | 2 << 24 | 44 (0x2c) << 16 | 0x10  ->  0x122c0010
    expect(encodeIrqLine('ppi', 300, 16)).toBe(0x122c0010);
    // CPU type, FIQ (irq_id 1) on vCPU 0: 0 << 24 | 1
    expect(encodeIrqLine('cpu', 0, 1)).toBe(1);
  });

  test('decode', () => {
    expect(decodeIrqLine(0x01000028)).toEqual({ type: 'spi', typeCode: 1, vcpu: 0, vcpu2Index: 0, vcpuIndex: 0, intid: 40 });
    expect(decodeIrqLine(0xf2ff001f)).toEqual({ type: 'ppi', typeCode: 2, vcpu: 15 * 256 + 255, vcpu2Index: 15, vcpuIndex: 255, intid: 31 });
    expect(decodeIrqLine(0x03000000).type).toBeNull();
    expect(decodeIrqLine(0x03000000).typeCode).toBe(3);
  });

  test('what cannot be encoded is refused', () => {
    expect(() => encodeIrqLine('ppi', 4096, 16)).toThrow(/vcpu 4096/);
    expect(() => encodeIrqLine('spi', 0, 65536)).toThrow(/irq_id/);
    expect(() => encodeIrqLine('lpi' as never, 0, 8192)).toThrow(/unknown irq type/);
    expect(() => decodeIrqLine(2 ** 32)).toThrow(/not a u32/);
  });

  test('every u32 round-trips through decode -> encode when its type is defined', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (irq) => {
      const d = decodeIrqLine(irq);
      if (d.type === null) return;
      expect(encodeIrqLine(d.type, d.vcpu, d.intid)).toBe(irq);
    }), { numRuns: 2000 });
  });
});
