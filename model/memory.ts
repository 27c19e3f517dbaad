// Guest RAM as the model sees it: sparse 4 KiB pages, zero when never written (docs/scenario-format.md: guest
// RAM is zero at VM creation). Copy-on-write between candidate states: a clone shares every page
// with its parent and copies a page the first time either side writes it.
import { RAM_BASE } from '../spec/layout.js';

const PAGE_SHIFT = 12;
const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;

export class GuestMemory {
  private pages: Map<number, Uint8Array>;
  /** pages this object may write in place (not shared with another clone) */
  private owned: Set<number>;
  /** a running hash of every write, so two candidates with different memory histories never merge */
  writeHash = 0;

  constructor(readonly size: number, pages?: Map<number, Uint8Array>, writeHash = 0) {
    this.pages = pages ?? new Map();
    this.owned = new Set();
    this.writeHash = writeHash;
  }

  clone(): GuestMemory {
    // Both sides lose ownership: the next write on either side copies the page.
    this.owned.clear();
    return new GuestMemory(this.size, new Map(this.pages), this.writeHash);
  }

  /** Whether [addr, addr+len) lies inside guest RAM. */
  inRam(addr: number, len: number): boolean {
    return addr >= RAM_BASE && len >= 0 && addr + len <= RAM_BASE + this.size;
  }

  readByte(addr: number): number {
    const p = this.pages.get(Math.floor(addr / PAGE_SIZE));
    return p === undefined ? 0 : p[addr & PAGE_MASK]!;
  }

  read(addr: number, len: number, out?: Uint8Array): Uint8Array {
    const buf = out ?? new Uint8Array(len);
    let i = 0;
    while (i < len) {
      const a = addr + i;
      const off = a & PAGE_MASK;
      const n = Math.min(len - i, PAGE_SIZE - off);
      const p = this.pages.get(Math.floor(a / PAGE_SIZE));
      if (p === undefined) buf.fill(0, i, i + n);
      else buf.set(p.subarray(off, off + n), i);
      i += n;
    }
    return buf;
  }

  readU64(addr: number): bigint {
    const off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 8) {
      // within one page (every aligned entry): no buffer, two 32-bit halves
      const p = this.pages.get(Math.floor(addr / PAGE_SIZE));
      if (p === undefined) return 0n;
      const lo = (p[off]! | (p[off + 1]! << 8) | (p[off + 2]! << 16) | (p[off + 3]! << 24)) >>> 0;
      const hi = (p[off + 4]! | (p[off + 5]! << 8) | (p[off + 6]! << 16) | (p[off + 7]! << 24)) >>> 0;
      return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    }
    const b = this.read(addr, 8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }

  private writablePage(pn: number): Uint8Array {
    let p = this.pages.get(pn);
    if (p === undefined) {
      p = new Uint8Array(PAGE_SIZE);
      this.pages.set(pn, p);
      this.owned.add(pn);
    } else if (!this.owned.has(pn)) {
      p = p.slice();
      this.pages.set(pn, p);
      this.owned.add(pn);
    }
    return p;
  }

  write(addr: number, bytes: Uint8Array): void {
    let h = this.writeHash ^ addr;
    let i = 0;
    while (i < bytes.length) {
      const a = addr + i;
      const off = a & PAGE_MASK;
      const n = Math.min(bytes.length - i, PAGE_SIZE - off);
      const p = this.writablePage(Math.floor(a / PAGE_SIZE));
      p.set(bytes.subarray(i, i + n), off);
      i += n;
    }
    for (let k = 0; k < bytes.length; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193) >>> 0;
    this.writeHash = h;
  }

  /**
   * The first address in [addr, end) on a page that was ever written, or `end`: everything before
   * it reads as zero (lets table walks skip never-written memory instead of reading it).
   */
  nextWrittenAddr(addr: number, end: number): number {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((end - 1) / PAGE_SIZE);
    if (this.pages.has(first)) return addr;
    let best = -1;
    if (last - first <= 64) {
      for (let pn = first + 1; pn <= last; pn++) if (this.pages.has(pn)) { best = pn; break; }
    } else {
      for (const pn of this.pages.keys()) if (pn > first && pn <= last && (best < 0 || pn < best)) best = pn;
    }
    return best < 0 ? end : Math.max(addr, best * PAGE_SIZE);
  }

  /**
   * The first address in [addr, end) holding a non-zero byte, or `end`: table walks jump over empty
   * entries with it, on written pages too (a page of 512 ITEs read entry by entry through
   * readByte was most of a save's time).
   */
  nextNonZeroAddr(addr: number, end: number): number {
    let a = addr;
    while (a < end) {
      a = this.nextWrittenAddr(a, end);
      if (a >= end) return end;
      const pn = Math.floor(a / PAGE_SIZE);
      const page = this.pages.get(pn)!;
      const pageBase = pn * PAGE_SIZE;
      const stop = Math.min(end, pageBase + PAGE_SIZE) - pageBase;
      for (let off = a - pageBase; off < stop; off++) if (page[off] !== 0) return pageBase + off;
      a = pageBase + stop;
    }
    return end;
  }

  writeByte(addr: number, v: number): void {
    const p = this.writablePage(Math.floor(addr / PAGE_SIZE));
    p[addr & PAGE_MASK] = v;
    this.writeHash = Math.imul(this.writeHash ^ addr ^ (v << 24), 0x01000193) >>> 0;
  }

  writeU64(addr: number, v: bigint): void {
    const b = new Uint8Array(8);
    for (let i = 0; i < 8; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
    this.write(addr, b);
  }
}
