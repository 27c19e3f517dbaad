// Register maps of spec/data/registers/*.json: look a register up by frame + offset (banked
// ranges give the index n) or by name, and get/set its fields. Sources are in the tables.
import gicdTable from '../data/registers/gicd.json' with { type: 'json' };
import gicrTable from '../data/registers/gicr.json' with { type: 'json' };
import gicrSgiTable from '../data/registers/gicr-sgi.json' with { type: 'json' };
import gicrVlpiTable from '../data/registers/gicr-vlpi.json' with { type: 'json' };
import gitsTable from '../data/registers/gits.json' with { type: 'json' };
import iccTable from '../data/registers/icc.json' with { type: 'json' };
import { parseHex, parseHexNumber } from '../hex.js';
import { checkRange, getField, setField, type BitRange } from './bitfield.js';

export type MmioFrame = 'gicd' | 'gicr' | 'gicr-sgi' | 'gicr-vlpi' | 'gits';
export type RegisterFrame = MmioFrame | 'sysreg';
export type Access = 'RW' | 'RO' | 'WO';
/** A reset value: a known value, or what the architecture leaves open. */
export type ResetValue = bigint | 'UNKNOWN' | 'IMPDEF';

export interface RegisterField {
  readonly name: string;
  readonly bits: BitRange;
  /** when it differs from the register's */
  readonly access?: Access;
  readonly reset?: bigint;
  readonly since?: string;
  readonly note?: string;
}

export interface SysregEncoding { op0: number; op1: number; CRn: number; CRm: number; op2: number }

export interface KvmNote {
  /** the value KVM always returns (ID/RO registers) */
  readonly value?: bigint;
  /** KVM's value at VM / vCPU creation */
  readonly reset?: bigint;
  readonly note?: string;
  readonly source?: string;
}

export interface RegisterDef {
  readonly frame: RegisterFrame;
  /** name as in the architecture; banked registers have "<n>" in it (GICD_IROUTER<n>) */
  readonly name: string;
  /** byte offset in the frame of register 0 (banked) or of the register; -1 for system registers */
  readonly offset: number;
  readonly encoding: SysregEncoding | null;
  readonly width: 8 | 32 | 64;
  readonly access: Access;
  readonly reset: ResetValue;
  /** null where the reference does not list every field */
  readonly res0: bigint | null;
  readonly res1: bigint | null;
  readonly fields: readonly RegisterField[];
  /** GICv4.1 layout where it differs (GICR_VPROPBASER, GICR_VPENDBASER) */
  readonly fieldsGICv41: readonly RegisterField[] | null;
  /** banked range: register n at offset + n*stride (system registers: op2 + n), n in [min, max] */
  readonly array: { stride: number; min: number; max: number } | null;
  readonly byteAccessible: boolean;
  /** per-INTID registers: bits per INTID and INTIDs per register */
  readonly perIntid: { bits: number; intids: number } | null;
  readonly kvm: KvmNote | null;
  readonly since: string | null;
  readonly source: string;
  readonly note: string | null;
}

/** A register found by offset or name; n is the index in a banked range (0 otherwise). */
export interface RegisterHit {
  reg: RegisterDef;
  n: number;
  /** byte offset of the access inside the register (e.g. 4 for the upper word of a 64-bit one) */
  within: number;
}

interface RawField { name: string; bits: number[]; access?: string; reset?: string; since?: string; note?: string }
interface RawReg {
  name: string; offset?: string; encoding?: SysregEncoding; width: number; access: string; reset: string;
  res0: string | null; res1: string | null; fields: RawField[]; fieldsGICv41?: RawField[];
  array?: { stride?: number; min: number; max: number }; byteAccessible?: boolean; perIntid?: { bits: number; intids: number };
  kvm?: { value?: string; reset?: string; note?: string; source?: string }; since?: string; source: string; note?: string;
}
interface RawTable { frame: string; registers: RawReg[] }

function parseAccess(a: string, where: string): Access {
  if (a === 'RW' || a === 'RO' || a === 'WO') return a;
  throw new Error(`${where}: bad access ${a}`);
}

function buildFields(raw: RawField[], width: number, where: string): RegisterField[] {
  return raw.map((f) => {
    const fw = `${where}.${f.name}`;
    const bits: BitRange = [f.bits[0]!, f.bits[1]!];
    checkRange(bits, fw);
    if (bits[0] >= width) throw new Error(`${fw}: bits [${bits[0]}:${bits[1]}] beyond the ${width}-bit register`);
    return {
      name: f.name, bits,
      ...(f.access !== undefined ? { access: parseAccess(f.access, fw) } : {}),
      ...(f.reset !== undefined ? { reset: parseHex(f.reset) } : {}),
      ...(f.since !== undefined ? { since: f.since } : {}),
      ...(f.note !== undefined ? { note: f.note } : {}),
    };
  });
}

function buildTable(t: RawTable): RegisterDef[] {
  const frame = t.frame as RegisterFrame;
  return t.registers.map((r) => {
    const where = `registers/${frame} ${r.name}`;
    if (r.width !== 8 && r.width !== 32 && r.width !== 64) throw new Error(`${where}: bad width ${r.width}`);
    const reset: ResetValue = r.reset === 'UNKNOWN' || r.reset === 'IMPDEF' ? r.reset : parseHex(r.reset);
    const arr = r.array ? { stride: r.array.stride ?? 1, min: r.array.min, max: r.array.max } : null;
    if ((arr !== null) !== r.name.includes('<n>')) throw new Error(`${where}: a banked register's name has <n>, and only it`);
    return {
      frame, name: r.name,
      offset: r.offset !== undefined ? parseHexNumber(r.offset) : -1,
      encoding: r.encoding ?? null,
      width: r.width, access: parseAccess(r.access, where), reset,
      res0: r.res0 === null ? null : parseHex(r.res0),
      res1: r.res1 === null ? null : parseHex(r.res1),
      fields: buildFields(r.fields, r.width, where),
      fieldsGICv41: r.fieldsGICv41 ? buildFields(r.fieldsGICv41, r.width, where) : null,
      array: arr,
      byteAccessible: r.byteAccessible ?? false,
      perIntid: r.perIntid ?? null,
      kvm: r.kvm ? {
        ...(r.kvm.value !== undefined ? { value: parseHex(r.kvm.value) } : {}),
        ...(r.kvm.reset !== undefined ? { reset: parseHex(r.kvm.reset) } : {}),
        ...(r.kvm.note !== undefined ? { note: r.kvm.note } : {}),
        ...(r.kvm.source !== undefined ? { source: r.kvm.source } : {}),
      } : null,
      since: r.since ?? null,
      source: r.source,
      note: r.note ?? null,
    };
  });
}

const TABLES: Record<RegisterFrame, RegisterDef[]> = {
  gicd: buildTable(gicdTable as RawTable),
  gicr: buildTable(gicrTable as RawTable),
  'gicr-sgi': buildTable(gicrSgiTable as RawTable),
  'gicr-vlpi': buildTable(gicrVlpiTable as RawTable),
  gits: buildTable(gitsTable as RawTable),
  sysreg: buildTable(iccTable as RawTable),
};

/** Every register of a frame, in table order. */
export function registersOf(frame: RegisterFrame): readonly RegisterDef[] {
  return TABLES[frame];
}
export const REGISTER_FRAMES: readonly RegisterFrame[] = ['gicd', 'gicr', 'gicr-sgi', 'gicr-vlpi', 'gits', 'sysreg'];

/** Byte offset of register n of a (banked) MMIO register. */
export function registerOffset(reg: RegisterDef, n = 0): number {
  if (reg.encoding !== null) throw new Error(`${reg.name} is a system register`);
  if (reg.array === null) {
    if (n !== 0) throw new Error(`${reg.name} is not banked`);
    return reg.offset;
  }
  if (!Number.isInteger(n) || n < reg.array.min || n > reg.array.max) {
    throw new Error(`${reg.name}: n = ${n} outside [${reg.array.min}, ${reg.array.max}]`);
  }
  return reg.offset + n * reg.array.stride;
}

/** The name of register n (GICD_IROUTER<n>, 40 -> GICD_IROUTER40). */
export function registerName(reg: RegisterDef, n = 0): string {
  return reg.array === null ? reg.name : reg.name.replace('<n>', String(n));
}

// ---- lookup by offset: per frame, ranges sorted by start, binary search ----

interface Range { start: number; end: number; reg: RegisterDef }
const ranges = new Map<MmioFrame, Range[]>();
for (const frame of ['gicd', 'gicr', 'gicr-sgi', 'gicr-vlpi', 'gits'] as const) {
  const rs: Range[] = [];
  for (const reg of TABLES[frame]) {
    const bytes = reg.width / 8;
    const start = reg.array ? reg.offset + reg.array.min * reg.array.stride : reg.offset;
    const end = reg.array ? reg.offset + reg.array.max * reg.array.stride + bytes : reg.offset + bytes;
    rs.push({ start, end, reg });
  }
  rs.sort((a, b) => a.start - b.start);
  for (let i = 1; i < rs.length; i++) {
    if (rs[i]!.start < rs[i - 1]!.end) throw new Error(`registers/${frame}: ${rs[i]!.reg.name} overlaps ${rs[i - 1]!.reg.name}`);
  }
  ranges.set(frame, rs);
}

/**
 * The register an access at `offset` of `frame` falls in, or undefined (unallocated offset).
 * A 32-bit access to GICD_IPRIORITYR<n> at 0x400 + 4k gives n = 4k (the lowest INTID it covers).
 */
export function lookupRegister(frame: MmioFrame, offset: number): RegisterHit | undefined {
  const rs = ranges.get(frame);
  if (rs === undefined) throw new Error(`unknown register frame ${JSON.stringify(frame)}`);
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rs[mid]!;
    if (offset < r.start) hi = mid - 1;
    else if (offset >= r.end) lo = mid + 1;
    else {
      const reg = r.reg;
      if (reg.array === null) return { reg, n: 0, within: offset - reg.offset };
      const rel = offset - reg.offset;
      const n = Math.floor(rel / reg.array.stride);
      const within = rel - n * reg.array.stride;
      if (within >= reg.width / 8) return undefined; // a hole between banked registers
      return { reg, n, within };
    }
  }
  return undefined;
}

// ---- lookup by name ----

interface NameEntry { reg: RegisterDef; re: RegExp | null }
const byName = new Map<string, RegisterDef>();
const banked: NameEntry[] = [];
for (const frame of REGISTER_FRAMES) {
  for (const reg of TABLES[frame]) {
    if (reg.array === null) {
      if (byName.has(reg.name)) throw new Error(`register name ${reg.name} defined twice`);
      byName.set(reg.name, reg);
    } else {
      banked.push({ reg, re: new RegExp('^' + reg.name.replace('<n>', '(0|[1-9][0-9]*)') + '$') });
    }
  }
}

/** A register by its name: "GITS_CBASER", "GICD_IROUTER40", "ICC_AP1R2_EL1", or a template "GITS_BASER<n>". */
export function registerByName(name: string): RegisterHit | undefined {
  const reg = byName.get(name);
  if (reg !== undefined) return { reg, n: 0, within: 0 };
  for (const b of banked) {
    if (b.reg.name === name) return { reg: b.reg, n: b.reg.array!.min, within: 0 };
    const m = b.re!.exec(name);
    if (m !== null) {
      const n = Number(m[1]);
      const a = b.reg.array!;
      if (n >= a.min && n <= a.max) return { reg: b.reg, n, within: 0 };
    }
  }
  return undefined;
}

/** Like registerByName, but throws a clear message when there is no such register. */
export function requireRegister(name: string): RegisterHit {
  const hit = registerByName(name);
  if (hit === undefined) throw new Error(`no register named ${JSON.stringify(name)} in spec/data/registers`);
  return hit;
}

/**
 * Byte offset of an MMIO register by name: "GITS_CBASER", "GITS_BASER1", or a banked template
 * "GICD_IROUTER<n>" (the offset of its register 0, the base of its range). Modules resolve the
 * offsets they use once, at load, into constants: never call this per access.
 */
export function offsetOf(name: string): number {
  const hit = requireRegister(name);
  return name.includes('<n>') ? hit.reg.offset : registerOffset(hit.reg, hit.n);
}

/** Mask of a named field of a named register ("GICD_CTLR", "ARE" -> 0x10n), for constants resolved at load. */
export function fieldMaskOf(register: string, field: string): bigint {
  return fieldMask(requireRegister(register).reg, field);
}

/** The system register with this encoding (register n of a banked one from op2). */
export function sysregByEncoding(e: SysregEncoding): RegisterHit | undefined {
  for (const reg of TABLES.sysreg) {
    const x = reg.encoding!;
    if (x.op0 !== e.op0 || x.op1 !== e.op1 || x.CRn !== e.CRn || x.CRm !== e.CRm) continue;
    if (reg.array === null) { if (x.op2 === e.op2) return { reg, n: 0, within: 0 }; continue; }
    const n = e.op2 - x.op2;
    if (n >= reg.array.min && n <= reg.array.max) return { reg, n, within: 0 };
  }
  return undefined;
}

// ---- fields ----

export function fieldOf(reg: RegisterDef, name: string, layout: 'default' | 'GICv4.1' = 'default'): RegisterField {
  const fields = layout === 'GICv4.1' && reg.fieldsGICv41 !== null ? reg.fieldsGICv41 : reg.fields;
  const f = fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`${reg.name} has no field ${name} (fields: ${fields.map((x) => x.name).join(', ')})`);
  return f;
}

/** The value of a named field of a register value. */
export function getRegField(reg: RegisterDef, value: bigint, name: string, layout: 'default' | 'GICv4.1' = 'default'): number {
  return getField(value, fieldOf(reg, name, layout).bits);
}

/** A register value with a named field replaced; throws when the field value does not fit. */
export function setRegField(reg: RegisterDef, value: bigint, name: string, field: number | bigint, layout: 'default' | 'GICv4.1' = 'default'): bigint {
  return setField(value, fieldOf(reg, name, layout).bits, field, `${reg.name}.${name}`);
}

/** Mask of a named field in place (e.g. to read an address field without shifting). */
export function fieldMask(reg: RegisterDef, name: string, layout: 'default' | 'GICv4.1' = 'default'): bigint {
  const [hi, lo] = fieldOf(reg, name, layout).bits;
  return ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
}
