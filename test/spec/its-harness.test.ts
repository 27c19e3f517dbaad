// The its.cmd harness (docs/scenario-format.md): right bytes at the right place, wrap at the queue end, one
// CWRITER write. Register offsets and layouts here are written from IHI 0069 GITS_* registers directly:
// GITS_CBASER 0x80 (Size [7:0], Physical_Address [51:12], Valid [63]), GITS_CWRITER 0x88 (Offset [19:5]).
import { runItsCmdOp, type GuestAccess } from '../../spec/its-harness.js';
import type { ItsCmdOp } from '../../spec/scenario.js';

type Access =
  | { kind: 'read'; cpu: number; its: number; offset: number; width: number }
  | { kind: 'write'; cpu: number; its: number; offset: number; width: number; value: bigint }
  | { kind: 'mem'; addr: number; len: number };

class FakeGuest implements GuestAccess {
  log: Access[] = [];
  mem = new Map<number, number>();
  constructor(private cbaser: bigint, private cwriter: bigint) {}
  mmioRead(cpu: number, its: number, offset: number, width: 32 | 64): bigint {
    this.log.push({ kind: 'read', cpu, its, offset, width });
    if (offset === 0x80) return this.cbaser;
    if (offset === 0x88) return this.cwriter;
    throw new Error(`unexpected read at 0x${offset.toString(16)}`);
  }
  mmioWrite(cpu: number, its: number, offset: number, width: 32 | 64, value: bigint): void {
    this.log.push({ kind: 'write', cpu, its, offset, width, value });
  }
  memWrite(addr: number, bytes: Uint8Array): void {
    this.log.push({ kind: 'mem', addr, len: bytes.length });
    bytes.forEach((b, i) => this.mem.set(addr + i, b));
  }
  /** the doubleword at addr, little-endian */
  dw(addr: number): bigint {
    let x = 0n;
    for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(this.mem.get(addr + i) ?? 0);
    return x;
  }
}

const VALID = 1n << 63n;
const op = (cmds: ItsCmdOp['cmds'], extra: Partial<ItsCmdOp> = {}): ItsCmdOp => ({ op: 'its.cmd', its: 0, cmds, ...extra });

test('writes each command at base + CWRITER, wraps at the end of a 4 KiB queue, moves CWRITER once', () => {
  // CBASER: Valid, Physical_Address 0x40900000, Size 0 -> one 4 KiB page. CWRITER.Offset = 0xfc0 (slot 126 of 128).
  const g = new FakeGuest(VALID | 0x40900000n, 0xfc0n);
  runItsCmdOp(op([
    { cmd: 'SYNC', target: 1 },
    { cmd: 'INT', device: 2, event: 3 },
    { cmd: 'MAPC', collection: 0, target: 1, valid: true },
  ]), g);
  // Command 0 at 0x40900fc0: SYNC DW0 = 0x5, DW2 = 1 << 16
  expect(g.dw(0x40900fc0)).toBe(0x5n);
  expect(g.dw(0x40900fd0)).toBe(0x10000n);
  // Command 1 at 0x40900fe0: INT DW0 = (2 << 32) | 3, DW1 = 3
  expect(g.dw(0x40900fe0)).toBe((2n << 32n) | 3n);
  expect(g.dw(0x40900fe8)).toBe(3n);
  // Command 2 wrapped to 0x40900000: MAPC DW0 = 9, DW2 = 0x8000000000010000
  expect(g.dw(0x40900000)).toBe(0x9n);
  expect(g.dw(0x40900010)).toBe(0x8000000000010000n);
  // Nothing written past the queue end.
  expect(g.mem.has(0x40901000)).toBe(false);
  // Accesses: 64-bit reads of CBASER then CWRITER, the memory writes, one 64-bit CWRITER write of 0x20.
  const mmio = g.log.filter((a) => a.kind !== 'mem');
  expect(mmio).toEqual([
    { kind: 'read', cpu: 0, its: 0, offset: 0x80, width: 64 },
    { kind: 'read', cpu: 0, its: 0, offset: 0x88, width: 64 },
    { kind: 'write', cpu: 0, its: 0, offset: 0x88, width: 64, value: 0x20n },
  ]);
  expect(g.log[g.log.length - 1]!.kind).toBe('write');
  // Memory writes total 96 bytes and stay inside the queue.
  const mem = g.log.filter((a): a is Extract<Access, { kind: 'mem' }> => a.kind === 'mem');
  expect(mem.reduce((s, a) => s + a.len, 0)).toBe(96);
  for (const a of mem) {
    expect(a.addr).toBeGreaterThanOrEqual(0x40900000);
    expect(a.addr + a.len).toBeLessThanOrEqual(0x40901000);
  }
});

test('uses the CBASER address bits only and Size + 1 pages; ignores CWRITER.Retry and bits outside Offset', () => {
  // CBASER: Valid | InnerCache [61:59] = 7 | OuterCache [55:53] = 1 | Shareability [11:10] = 1 |
  //         Physical_Address 0x000f_0000_0041_0000 | Size 15 (64 KiB)
  const cbaser = VALID | (7n << 59n) | (1n << 53n) | (1n << 10n) | 0x000f000000410000n | 15n;
  // CWRITER: Offset 0xffe0 (last slot of 64 KiB) | Retry [0] | a stray bit 20 (outside Offset [19:5])
  const cwriter = 0xffe0n | 1n | (1n << 20n);
  const g = new FakeGuest(cbaser, cwriter);
  runItsCmdOp(op([{ cmd: 'INVALL', collection: 7 }, { cmd: 'INVALL', collection: 8 }], { cpu: 2, its: 1 }), g);
  const base = 0x000f000000410000;
  expect(g.dw(base + 0xffe0)).toBe(0xdn);
  expect(g.dw(base + 0xfff0)).toBe(7n);
  expect(g.dw(base)).toBe(0xdn);
  expect(g.dw(base + 0x10)).toBe(8n);
  const last = g.log[g.log.length - 1]!;
  expect(last).toEqual({ kind: 'write', cpu: 2, its: 1, offset: 0x88, width: 64, value: 0x20n });
  expect(g.log.filter((a) => a.kind === 'read').every((a) => a.kind === 'read' && a.cpu === 2 && a.its === 1)).toBe(true);
});

test('more commands than the queue holds wrap around repeatedly; CWRITER ends at (start + 32k) mod size', () => {
  const g = new FakeGuest(VALID | 0x41000000n, 0x40n);
  // 4 KiB queue = 128 slots; 300 commands from slot 2: the last lands in slot (2 + 299) mod 128 = 45.
  const cmds = Array.from({ length: 300 }, (_, i) => ({ cmd: 'CLEAR' as const, device: i, event: i }));
  runItsCmdOp(op(cmds as ItsCmdOp['cmds']), g);
  expect(g.dw(0x41000000 + 45 * 32)).toBe((299n << 32n) | 4n);
  expect(g.dw(0x41000000 + 44 * 32)).toBe((298n << 32n) | 4n);
  const writes = g.log.filter((a) => a.kind === 'write');
  expect(writes).toEqual([{ kind: 'write', cpu: 0, its: 0, offset: 0x88, width: 64, value: BigInt(((2 + 300) % 128) * 32) }]);
});

test('a malformed command throws, naming it, before the guest sees any access', () => {
  const g = new FakeGuest(VALID | 0x40900000n, 0n);
  expect(() => runItsCmdOp(op([{ cmd: 'SYNC', target: 0 }, { cmd: 'MAPD', device: 1, size: 3, itt: '0x41000001', valid: true }]), g))
    .toThrow(/its\.cmd cmds\[1\]: ITS command MAPD: field itt/);
  expect(g.log).toEqual([]);
});

test('raw commands go to the queue byte for byte', () => {
  const g = new FakeGuest(VALID | 0x40900000n, 0n);
  runItsCmdOp(op([{ cmd: 'raw', words: ['0x1122334455667788', '0x0', '0xffffffffffffffff', '0x1'] }]), g);
  expect([0, 8, 16, 24].map((o) => g.dw(0x40900000 + o))).toEqual([0x1122334455667788n, 0n, 0xffffffffffffffffn, 1n]);
  expect(g.mem.get(0x40900000)).toBe(0x88);
});
