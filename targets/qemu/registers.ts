// What the QEMU target needs from the register tables in spec/data/registers: system register
// encodings (for the agent's MRS/MSR instructions), MMIO register offsets, and which INTIDs a
// Distributor access touches.
import { readFileSync } from 'node:fs';

interface RegisterEntry {
  name: string;
  offset?: string;
  width?: number;
  encoding?: { op0: number; op1: number; CRn: number; CRm: number; op2: number };
  array?: { stride?: number; min: number; max: number };
}
interface RegisterFile { frame: string; registers: RegisterEntry[] }

const frames = new Map<string, RegisterFile>();

function loadFrame(name: string): RegisterFile {
  let f = frames.get(name);
  if (!f) {
    const url = new URL(`../../spec/data/registers/${name}.json`, import.meta.url);
    try {
      f = JSON.parse(readFileSync(url, 'utf8')) as RegisterFile;
    } catch (e) {
      throw new Error(`cannot read the register table spec/data/registers/${name}.json: ${(e as Error).message}`);
    }
    frames.set(name, f);
  }
  return f;
}

export interface SysregEncoding { op0: number; op1: number; CRn: number; CRm: number; op2: number }

let sysregs: Map<string, SysregEncoding> | undefined;

/** The encoding of an ICC_* register (or ISR_EL1) by its scenario name, e.g. ICC_AP1R2_EL1. */
export function sysregEncoding(name: string): SysregEncoding | undefined {
  if (!sysregs) {
    sysregs = new Map();
    for (const r of loadFrame('icc').registers) {
      if (!r.encoding) continue;
      if (r.array && r.name.includes('<n>')) {
        // ICC_AP0R<n>_EL1 / ICC_AP1R<n>_EL1: register n has op2 = base op2 + n
        for (let n = r.array.min; n <= r.array.max; n++) {
          sysregs.set(r.name.replace('<n>', String(n)), { ...r.encoding, op2: r.encoding.op2 + n });
        }
      } else {
        sysregs.set(r.name, r.encoding);
      }
    }
  }
  return sysregs.get(name);
}

/** MRS x0, <reg> / MSR <reg>, x0 (Arm ARM C6.2: op0 is 2 or 3, bit 19 holds op0 - 2, L = bit 21). */
export function sysregInstruction(e: SysregEncoding, write: boolean): number {
  const base = write ? 0xD510_0000 : 0xD530_0000;
  return (base | ((e.op0 - 2) << 19) | (e.op1 << 16) | (e.CRn << 12) | (e.CRm << 8) | (e.op2 << 5)) >>> 0;
}

/** The byte offset of a named register in its frame (e.g. gits GITS_CWRITER). */
export function registerOffset(frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits', name: string): number {
  const r = loadFrame(frame).registers.find((x) => x.name === name);
  if (!r?.offset) throw new Error(`register ${name} is not in spec/data/registers/${frame}.json`);
  return parseInt(r.offset, 16);
}

// INTIDs per register instance of the Distributor's banked registers (IHI 0069 GICD_* registers: one bit,
// two bits (ICFGR, NSACR) or one byte (IPRIORITYR) per INTID; IROUTER<n> routes INTID n).
const INTIDS_PER_REGISTER: Record<string, number> = {
  'GICD_IGROUPR<n>': 32, 'GICD_ISENABLER<n>': 32, 'GICD_ICENABLER<n>': 32, 'GICD_ISPENDR<n>': 32,
  'GICD_ICPENDR<n>': 32, 'GICD_ISACTIVER<n>': 32, 'GICD_ICACTIVER<n>': 32, 'GICD_IPRIORITYR<n>': 1,
  'GICD_ICFGR<n>': 16, 'GICD_IGRPMODR<n>': 32, 'GICD_NSACR<n>': 16, 'GICD_IROUTER<n>': 1,
};

interface Range { name: string; start: number; end: number; stride: number; min: number; perReg: number }
let gicdRanges: Range[] | undefined;

/**
 * The INTID range [lo, hi] a Distributor access at [offset, offset + bytes) touches through the
 * banked per-INTID registers, or null when it touches none of them.
 */
export function gicdIntidsTouched(offset: number, bytes: number): { lo: number; hi: number } | null {
  if (!gicdRanges) {
    gicdRanges = [];
    for (const r of loadFrame('gicd').registers) {
      const perReg = INTIDS_PER_REGISTER[r.name];
      if (!r.array || !r.offset || perReg === undefined) continue;
      const stride = r.array.stride ?? 4;
      const start = parseInt(r.offset, 16) + r.array.min * stride;
      gicdRanges.push({ name: r.name, start, end: parseInt(r.offset, 16) + (r.array.max + 1) * stride, stride, min: r.array.min, perReg });
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
