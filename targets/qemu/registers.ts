// What the QEMU target needs from the register tables in spec/data/registers: system register
// encodings (for the agent's MRS/MSR instructions), MMIO register offsets, and which INTIDs a
// Distributor access touches.
import { offsetOf, registerByName, registersOf, requireRegister, type MmioFrame, type SysregEncoding } from '../../spec/codec/registers.js';

export type { SysregEncoding };

/** The encoding of an ICC_* register (or ISR_EL1) by its scenario name, e.g. ICC_AP1R2_EL1. */
export function sysregEncoding(name: string): SysregEncoding | undefined {
  if (name.includes('<n>')) return undefined;
  const hit = registerByName(name);
  const e = hit?.reg.frame === 'sysreg' ? hit.reg.encoding : null;
  if (!hit || !e) return undefined;
  // ICC_AP0R<n>_EL1 / ICC_AP1R<n>_EL1: register n has op2 = base op2 + n
  return hit.reg.array ? { ...e, op2: e.op2 + hit.n } : e;
}

/** MRS x0, <reg> / MSR <reg>, x0 (Arm ARM C6.2: op0 is 2 or 3, bit 19 holds op0 - 2, L = bit 21). */
export function sysregInstruction(e: SysregEncoding, write: boolean): number {
  const base = write ? 0xD510_0000 : 0xD530_0000;
  return (base | ((e.op0 - 2) << 19) | (e.op1 << 16) | (e.CRn << 12) | (e.CRm << 8) | (e.op2 << 5)) >>> 0;
}

/** The byte offset of a named register in its frame (e.g. gits GITS_CWRITER; a banked template: its base). */
export function registerOffset(frame: Exclude<MmioFrame, 'gicr-vlpi'>, name: string): number {
  const hit = requireRegister(name);
  if (hit.reg.frame !== frame) throw new Error(`register ${name} is not in spec/data/registers/${frame}.json`);
  return offsetOf(name);
}

interface Range { name: string; start: number; end: number; stride: number; min: number; perReg: number }
let gicdRanges: Range[] | undefined;

/**
 * The INTID range [lo, hi] a Distributor access at [offset, offset + bytes) touches through the
 * banked per-INTID registers, or null when it touches none of them.
 */
export function gicdIntidsTouched(offset: number, bytes: number): { lo: number; hi: number } | null {
  if (!gicdRanges) {
    gicdRanges = [];
    // the banked per-INTID registers: one bit, two bits or a byte per INTID; IROUTER<n> routes INTID n
    for (const r of registersOf('gicd')) {
      if (!r.array || !r.perIntid) continue;
      const stride = r.array.stride;
      const start = r.offset + r.array.min * stride;
      gicdRanges.push({ name: r.name, start, end: r.offset + (r.array.max + 1) * stride, stride, min: r.array.min, perReg: r.perIntid.intids });
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of gicdRanges) {
    const a = Math.max(offset, g.start);
    const b = Math.min(offset + bytes, g.end);
    if (a >= b) continue;
    const first = g.min + Math.floor((a - g.start) / g.stride);
    const last = g.min + Math.floor((b - 1 - g.start) / g.stride);
    lo = Math.min(lo, first * g.perReg);
    hi = Math.max(hi, (last + 1) * g.perReg - 1);
  }
  return lo === Infinity ? null : { lo, hi };
}
