// GuestMemory.nextNonZeroAddr, the jump the ITS table walks (save, restore, stale-entry clearing)
// take over empty entries: checked against a byte-by-byte scan through readByte.
import { GuestMemory } from '../../model/memory.js';
import { RAM_BASE } from '../../spec/layout.js';

function scanByBytes(m: GuestMemory, addr: number, end: number): number {
  for (let a = addr; a < end; a++) if (m.readByte(a) !== 0) return a;
  return end;
}

describe('GuestMemory.nextNonZeroAddr', () => {
  test('never-written memory, written zeros and bytes across page boundaries', () => {
    const m = new GuestMemory(1 << 20);
    expect(m.nextNonZeroAddr(RAM_BASE, RAM_BASE + 0x10000)).toBe(RAM_BASE + 0x10000);
    // a written page holding only zeros is skipped like a never-written one
    m.writeU64(RAM_BASE + 0x1000, 0n);
    expect(m.nextNonZeroAddr(RAM_BASE, RAM_BASE + 0x10000)).toBe(RAM_BASE + 0x10000);
    m.writeByte(RAM_BASE + 0x2fff, 0x80); // last byte of a page
    m.writeByte(RAM_BASE + 0x3000, 0x01); // first byte of the next
    m.writeByte(RAM_BASE + 0x9004, 0x02);
    expect(m.nextNonZeroAddr(RAM_BASE, RAM_BASE + 0x10000)).toBe(RAM_BASE + 0x2fff);
    expect(m.nextNonZeroAddr(RAM_BASE + 0x3000, RAM_BASE + 0x10000)).toBe(RAM_BASE + 0x3000);
    expect(m.nextNonZeroAddr(RAM_BASE + 0x3001, RAM_BASE + 0x10000)).toBe(RAM_BASE + 0x9004);
    // `end` bounds the search, also inside a page
    expect(m.nextNonZeroAddr(RAM_BASE + 0x3001, RAM_BASE + 0x9004)).toBe(RAM_BASE + 0x9004);
    expect(m.nextNonZeroAddr(RAM_BASE + 0x2000, RAM_BASE + 0x2fff)).toBe(RAM_BASE + 0x2fff);
  });

  test('agrees with a byte-by-byte scan on scattered writes, in clones too', () => {
    let seed = 12345;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const m = new GuestMemory(1 << 20);
    for (let i = 0; i < 40; i++) m.writeByte(RAM_BASE + rnd(0x20000), rnd(2) === 0 ? 0 : 1 + rnd(255));
    const c = m.clone();
    c.writeByte(RAM_BASE + 0x7777, 0x55);
    for (const mem of [m, c]) {
      for (let i = 0; i < 300; i++) {
        const a = RAM_BASE + rnd(0x20000);
        const end = a + rnd(0x8000);
        expect(mem.nextNonZeroAddr(a, end)).toBe(scanByBytes(mem, a, end));
      }
    }
  });
});
