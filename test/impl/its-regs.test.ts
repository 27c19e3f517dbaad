// vITS registers as a guest and userspace see them. Expected values are KVM facts: vgic-its.c its_registers[]
// and 1.13, plus vgic-its.c vgic_its_create's reset values and vgic-mmio-v3.c's vgic_sanitise_*
// (which map OuterShareable -> InnerShareable, inner nCnB/nC -> RaWb, any outer other than
// SameAsInner/nC -> SameAsInner). Field positions: IHI 0069 GITS_* registers.
import { R, bootIts, enc, itsCmd, makeVm } from './its-helpers.js';

const VALID = 1n << 63n;

describe('GITS identification registers', () => {
  test('TYPER: Physical, 8-byte ITT entries, 16 EventID and DeviceID bits, PTA=HCC=CIL=0 (vgic-its.c its_registers[])', () => {
    const vm = makeVm();
    // Physical [0]=1, ITT_entry_size [7:4]=7, ID_bits [12:8]=15, Devbits [17:13]=15
    const expected = 1n | (7n << 4n) | (15n << 8n) | (15n << 13n);
    expect(vm.its.mmioRead(0, R.TYPER, 64)).toBe(expected);
    expect(vm.its.mmioRead(0, R.TYPER, 32)).toBe(expected & 0xffffffffn);
    expect(vm.its.mmioRead(0, R.TYPER + 4, 32)).toBe(0n);
    vm.its.mmioWrite(0, R.TYPER, 64, 0n);
    expect(vm.its.mmioRead(0, R.TYPER, 64)).toBe(expected);
  });

  test('IIDR: ProductID K, Revision = ABI 0, Implementer 0x43B; guest writes ignored', () => {
    const vm = makeVm();
    expect(vm.its.mmioRead(0, R.IIDR, 32)).toBe(0x4b00043bn);
    vm.its.mmioWrite(0, R.IIDR, 32, 0x1000n);
    expect(vm.its.mmioRead(0, R.IIDR, 32)).toBe(0x4b00043bn);
  });

  test('ID registers: PIDR0..2, PIDR4, CIDR0..3; others in the block read 0', () => {
    const vm = makeVm();
    const rd = (off: number): bigint => vm.its.mmioRead(0, off, 32);
    expect([rd(0xffe0), rd(0xffe4), rd(0xffe8), rd(0xffd0)]).toEqual([0x92n, 0xb4n, 0x3bn, 0x40n]);
    expect([rd(0xfff0), rd(0xfff4), rd(0xfff8), rd(0xfffc)]).toEqual([0x0dn, 0xf0n, 0x05n, 0xb1n]);
    expect([rd(0xffec), rd(0xffd4)]).toEqual([0n, 0n]);
  });
});

describe('GITS_CTLR', () => {
  test('reset: disabled and quiescent', () => {
    expect(makeVm().its.mmioRead(0, R.CTLR, 32)).toBe(0x80000000n);
  });

  test('Enabled is refused unless BASER0, BASER1 and CBASER are Valid (choice.u31.enable-without-tables)', () => {
    const vm = makeVm();
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000000n);
    bootIts(vm, 0, false);
    vm.its.mmioWrite(0, R.BASER1, 64, vm.its.mmioRead(0, R.BASER1, 64) & ~VALID);
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000000n);
    bootIts(vm, 0, true);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000001n);
  });

  test('Quiescent = CREADR == CWRITER; commands queued while disabled run when enabled (choice.u34.quiescent-enabled, choice.u35.disabled-commands)', () => {
    const vm = makeVm();
    bootIts(vm, 0, false);
    itsCmd(vm, 0, [enc.sync(0), enc.sync(1)]);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0n);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(0n);
    expect(vm.its.mmioRead(0, R.CWRITER, 64)).toBe(64n);
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000001n);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(64n);
  });

  test('64-bit and 8-bit accesses to CTLR are RAZ/WI', () => {
    const vm = makeVm();
    bootIts(vm, 0, false);
    vm.its.mmioWrite(0, R.CTLR, 64, 1n);
    vm.its.mmioWrite(0, R.CTLR, 8, 1n);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000000n);
    expect(vm.its.mmioRead(0, R.CTLR, 64)).toBe(0n);
    expect(vm.its.mmioRead(0, R.CTLR + 3, 8)).toBe(0n);
  });
});

describe('GITS_CBASER, GITS_CWRITER, GITS_CREADR', () => {
  test('CBASER write is sanitised, 64 KiB aligned, and resets CREADR and CWRITER (choice.u29.cbaser-low-bits, choice.u30.baser-write-enabled)', () => {
    const vm = makeVm();
    bootIts(vm, 0, true);
    itsCmd(vm, 0, [enc.sync(0)]);
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(32n);
    // Valid, PA 0x40901000 (bit 12 set), Size 15, OuterShareable (2 << 10), inner nC (1 << 59), outer WaWb (5 << 53)
    vm.its.mmioWrite(0, R.CBASER, 64, VALID | 0x40901000n | 15n | (2n << 10n) | (1n << 59n) | (5n << 53n));
    expect(vm.its.mmioRead(0, R.CBASER, 64)).toBe(VALID | 0x40900000n | 15n | (1n << 10n) | (3n << 59n));
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(0n);
    expect(vm.its.mmioRead(0, R.CWRITER, 64)).toBe(0n);
  });

  test('CBASER is ignored while enabled', () => {
    const vm = makeVm();
    bootIts(vm, 0, true);
    const before = vm.its.mmioRead(0, R.CBASER, 64);
    vm.its.mmioWrite(0, R.CBASER, 64, VALID | 0x41000000n);
    expect(vm.its.mmioRead(0, R.CBASER, 64)).toBe(before);
  });

  test('32-bit halves of CBASER are written separately', () => {
    const vm = makeVm();
    vm.its.mmioWrite(0, R.CBASER, 32, 0x41230000n | 3n);
    vm.its.mmioWrite(0, R.CBASER + 4, 32, 0x80000000n);
    // InnerCache 0 (nCnB) is sanitised to RaWb (3 << 59)
    expect(vm.its.mmioRead(0, R.CBASER, 64)).toBe(VALID | (3n << 59n) | 0x41230000n | 3n);
    expect(vm.its.mmioRead(0, R.CBASER + 4, 32)).toBe(0x98000000n);
  });

  test('CWRITER beyond the queue ignores the whole write (choice.u28.cwriter-oor); Retry bit and low bits dropped', () => {
    const vm = makeVm();
    bootIts(vm, 0, false);
    vm.its.mmioWrite(0, R.CBASER, 64, VALID | 0x40900000n); // Size 0: one 4 KiB page
    vm.its.mmioWrite(0, R.CWRITER, 64, 0x40n);
    vm.its.mmioWrite(0, R.CWRITER, 64, 0x1000n);
    expect(vm.its.mmioRead(0, R.CWRITER, 64)).toBe(0x40n);
    vm.its.mmioWrite(0, R.CWRITER, 64, 0x61n); // Retry [0] and bits below 5 are not part of Offset [19:5]
    expect(vm.its.mmioRead(0, R.CWRITER, 64)).toBe(0x60n);
  });

  test('CREADR is read-only for the guest', () => {
    const vm = makeVm();
    bootIts(vm, 0, false);
    vm.its.mmioWrite(0, R.CREADR, 64, 0x40n);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(0n);
  });

  test('commands are consumed before the CWRITER write returns, wrapping at the end of the queue', () => {
    const vm = makeVm();
    bootIts(vm, 0, false);
    vm.its.mmioWrite(0, R.CBASER, 64, VALID | 0x40900000n); // 4 KiB = 128 commands
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    const syncs = Array.from({ length: 100 }, () => enc.sync(0));
    itsCmd(vm, 0, syncs);
    itsCmd(vm, 0, syncs);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(BigInt((200 * 32) % 4096));
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000001n);
  });
});

describe('GITS_BASER<n>', () => {
  test('reset values: device table (type 1) and collection table (type 4), 8-byte entries, 64K pages; BASER2..7 RAZ', () => {
    const vm = makeVm();
    // inner RaWb (3 << 59) | type << 56 | entry size 7 << 48 | InnerShareable (1 << 10) | 64K (2 << 8)
    const attrs = (3n << 59n) | (7n << 48n) | (1n << 10n) | (2n << 8n);
    expect(vm.its.mmioRead(0, R.BASER0, 64)).toBe(attrs | (1n << 56n));
    expect(vm.its.mmioRead(0, R.BASER1, 64)).toBe(attrs | (4n << 56n));
    for (let n = 2; n < 8; n++) {
      vm.its.mmioWrite(0, 0x100 + 8 * n, 64, VALID | 0x41000000n);
      expect(vm.its.mmioRead(0, 0x100 + 8 * n, 64)).toBe(0n);
    }
  });

  test('Type and Entry_Size are read-only, page size forced to 64K, Indirect cleared only for collections', () => {
    const vm = makeVm();
    const indirect = 1n << 62n;
    // type 7, entry size 31, 4K pages (0 << 8), inner RaWb, InnerShareable
    const v = VALID | indirect | (7n << 56n) | (31n << 48n) | (3n << 59n) | (1n << 10n) | 0x41000000n | 3n;
    vm.its.mmioWrite(0, R.BASER0, 64, v);
    vm.its.mmioWrite(0, R.BASER1, 64, v);
    const common = VALID | (7n << 48n) | (3n << 59n) | (1n << 10n) | (2n << 8n) | 0x41000000n | 3n;
    expect(vm.its.mmioRead(0, R.BASER0, 64)).toBe(common | indirect | (1n << 56n));
    expect(vm.its.mmioRead(0, R.BASER1, 64)).toBe(common | (4n << 56n));
  });

  test('BASER writes are ignored while enabled', () => {
    const vm = makeVm();
    bootIts(vm, 0, true);
    const before = vm.its.mmioRead(0, R.BASER0, 64);
    vm.its.mmioWrite(0, R.BASER0, 64, 0n);
    expect(vm.its.mmioRead(0, R.BASER0, 64)).toBe(before);
  });
});

describe('translation frame from guest CPUs', () => {
  test('GITS_TRANSLATER and the rest of the second frame are RAZ/WI', () => {
    const vm = makeVm();
    bootIts(vm, 0, true);
    vm.its.mmioWrite(0, 0x10040, 32, 5n);
    expect(vm.its.mmioRead(0, 0x10040, 32)).toBe(0n);
    expect(vm.its.mmioRead(0, 0x1ffe8, 32)).toBe(0n); // no ID registers in the translation frame
    expect(vm.its.mmioRead(0, 0x20, 32)).toBe(0n); // unknown control-frame offset
  });
});

describe('userspace ITS_REGS (vgic-its.c its_registers[]; Documentation/virt/kvm/devices/arm-vgic-its.rst)', () => {
  const attr = (offset: number) => ({ offset });

  test('64-bit registers only as whole 64-bit values', () => {
    const vm = makeVm();
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CBASER + 4), 'get', undefined).errno).toBe(-22);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.BASER0 + 4), 'set', 0n).errno).toBe(-22);
    const t = vm.its.deviceAttr(0, 'ITS_REGS', attr(R.TYPER), 'get', undefined);
    expect(t).toEqual({ errno: 0, value: 1n | (7n << 4n) | (15n << 8n) | (15n << 13n) });
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(0x20), 'get', undefined).errno).toBe(-6);
  });

  test('CREADR: settable only while disabled (-EBUSY) and inside the queue (-EINVAL)', () => {
    const vm = makeVm();
    bootIts(vm, 0, true);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CREADR), 'set', 0x40n).errno).toBe(-16);
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CREADR), 'set', 0x10000n).errno).toBe(-22);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CREADR), 'set', 0x40n).errno).toBe(0);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CREADR), 'get', undefined).value).toBe(0x40n);
  });

  test('IIDR: Revision selects the ABI; only revision 0 exists', () => {
    const vm = makeVm();
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.IIDR), 'set', 0x1000n).errno).toBe(-22);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.IIDR), 'set', 0x4b00043bn).errno).toBe(0);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.IIDR), 'get', undefined).value).toBe(0x4b00043bn);
  });

  test('GITS_CTLR restore enables and processes the queue', () => {
    const vm = makeVm();
    bootIts(vm, 0, false);
    itsCmd(vm, 0, [enc.sync(0)]);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CTLR), 'set', 1n).errno).toBe(0);
    expect(vm.its.deviceAttr(0, 'ITS_REGS', attr(R.CTLR), 'get', undefined).value).toBe(0x80000001n);
  });

  test('ADDR: the base address is fixed at creation', () => {
    const vm = makeVm({ its: 2 });
    expect(vm.its.deviceAttr(1, 'ADDR', 'ITS', 'get', undefined)).toEqual({ errno: 0, value: 0x0c000000n });
    expect(vm.its.deviceAttr(0, 'ADDR', 'ITS', 'set', 0x0c040000n).errno).toBe(-17);
    expect(vm.its.deviceAttr(0, 'CTRL', 'ITS_SAVE_TABLES', 'get', undefined).errno).toBe(-6);
  });

  test('numeric attrs: KVM_VGIC_ITS_ADDR_TYPE (4), CTRL constants, ITS_REGS offsets; SAVE_PENDING_TABLES is not an ITS attr', () => {
    const vm = makeVm();
    expect(vm.its.deviceAttr(0, 'ADDR', 4, 'get', undefined)).toEqual({ errno: 0, value: 0x08080000n });
    expect(vm.its.deviceAttr(0, 'ADDR', 0, 'get', undefined).errno).toBe(-19);
    expect(vm.its.deviceAttr(0, 'CTRL', 0, 'set', undefined).errno).toBe(0); // INIT: nothing to do
    expect(vm.its.deviceAttr(0, 'CTRL', 3, 'set', undefined).errno).toBe(-6);
    expect(vm.its.deviceAttr(0, 'CTRL', 'SAVE_PENDING_TABLES', 'set', undefined).errno).toBe(-6);
    bootIts(vm, 0, false);
    expect(vm.its.deviceAttr(0, 'CTRL', 4, 'set', undefined).errno).toBe(0); // ITS_RESET
    expect(vm.its.deviceAttr(0, 'ITS_REGS', R.CBASER, 'get', undefined)).toEqual({ errno: 0, value: 0n });
  });
});
