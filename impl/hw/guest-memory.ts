// Guest RAM as sparse 64 KiB pages, allocated on first write (reads of untouched RAM are zero).
// Addresses outside [RAM_BASE, RAM_BASE + size) are not RAM: reads fail, writes are dropped,
// as KVM's kvm_read_guest/kvm_write_guest fail outside a memslot.
import { RAM_BASE } from '../../spec/layout.js';

const PAGE_SHIFT = 16;
const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_SIZE - 1;

export class GuestMemory {
  private readonly pages = new Map<number, Uint8Array>();

  constructor(readonly size: number) {}

  /** kvm_is_visible_gfn for a whole range: is [addr, addr + len) guest RAM? */
  isRam(addr: number, len: number): boolean {
    return addr >= RAM_BASE && len >= 0 && addr + len <= RAM_BASE + this.size;
  }

  /**
   * The first address in [addr, limit) that lies on a written page or outside RAM, or `limit`:
   * everything before it reads as zero (lets table scans skip memory the guest never wrote).
   */
  zeroRunEnd(addr: number, limit: number): number {
    const end = Math.min(limit, RAM_BASE + this.size);
    let a = addr;
    while (a < end && !this.pages.has(Math.floor((a - RAM_BASE) / PAGE_SIZE))) a = RAM_BASE + (Math.floor((a - RAM_BASE) / PAGE_SIZE) + 1) * PAGE_SIZE;
    return a < addr || addr < RAM_BASE ? addr : Math.min(a, limit);
  }

  readU8(addr: number): number {
    const page = this.pages.get(Math.floor((addr - RAM_BASE) / PAGE_SIZE));
    return page ? page[(addr - RAM_BASE) & PAGE_MASK]! : 0;
  }

  /** Read bytes; null when the range is not RAM. */
  read(addr: number, len: number): Uint8Array | null {
    if (!this.isRam(addr, len)) return null;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const off = addr + done - RAM_BASE;
      const pageNo = Math.floor(off / PAGE_SIZE);
      const inPage = off & PAGE_MASK;
      const n = Math.min(len - done, PAGE_SIZE - inPage);
      const page = this.pages.get(pageNo);
      if (page) out.set(page.subarray(inPage, inPage + n), done);
      done += n;
    }
    return out;
  }

  /** Write bytes; false (nothing written) when the range is not RAM. */
  write(addr: number, bytes: Uint8Array): boolean {
    if (!this.isRam(addr, bytes.length)) return false;
    let done = 0;
    while (done < bytes.length) {
      const off = addr + done - RAM_BASE;
      const pageNo = Math.floor(off / PAGE_SIZE);
      const inPage = off & PAGE_MASK;
      const n = Math.min(bytes.length - done, PAGE_SIZE - inPage);
      let page = this.pages.get(pageNo);
      if (!page) {
        page = new Uint8Array(PAGE_SIZE);
        this.pages.set(pageNo, page);
      }
      page.set(bytes.subarray(done, done + n), inPage);
      done += n;
    }
    return true;
  }

  /** Little-endian 64-bit read; null when not RAM. Table walks call this a lot: no allocation. */
  readU64(addr: number): bigint | null {
    if (!this.isRam(addr, 8)) return null;
    const off = addr - RAM_BASE;
    const inPage = off & PAGE_MASK;
    if (inPage > PAGE_SIZE - 8) {
      const b = this.read(addr, 8)!;
      return new DataView(b.buffer).getBigUint64(0, true);
    }
    const page = this.pages.get(Math.floor(off / PAGE_SIZE));
    if (!page) return 0n;
    const lo = (page[inPage]! | (page[inPage + 1]! << 8) | (page[inPage + 2]! << 16) | (page[inPage + 3]! << 24)) >>> 0;
    const hi = (page[inPage + 4]! | (page[inPage + 5]! << 8) | (page[inPage + 6]! << 16) | (page[inPage + 7]! << 24)) >>> 0;
    if (hi === 0) return BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  writeU64(addr: number, value: bigint): boolean {
    if (!this.isRam(addr, 8)) return false;
    const off = addr - RAM_BASE;
    const inPage = off & PAGE_MASK;
    const v = BigInt.asUintN(64, value);
    if (inPage > PAGE_SIZE - 8) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, v, true);
      return this.write(addr, b);
    }
    const pageNo = Math.floor(off / PAGE_SIZE);
    let page = this.pages.get(pageNo);
    if (!page) {
      if (v === 0n) return true; // untouched RAM already reads as zero
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(pageNo, page);
    }
    const lo = Number(v & 0xffff_ffffn);
    const hi = Number(v >> 32n);
    for (let i = 0; i < 4; i++) {
      page[inPage + i] = (lo >>> (8 * i)) & 0xff;
      page[inPage + 4 + i] = (hi >>> (8 * i)) & 0xff;
    }
    return true;
  }

  /** A deep copy (migration carries guest RAM over to the new VM). */
  clone(): GuestMemory {
    const m = new GuestMemory(this.size);
    for (const [k, v] of this.pages) m.pages.set(k, v.slice());
    return m;
  }
}
