// KVM ITS table ABI revision 0 (Documentation/virt/kvm/devices/arm-vgic-its.rst), driven by spec/data/kvm-its-abi.json: DTE, CTE,
// ITE and two-level L1 entries, 8 bytes little-endian. Entries in and out as bigint, fields as
// numbers (1-bit flags 0/1; ittAddr / l2Addr are addresses).
import table from '../data/kvm-its-abi.json' with { type: 'json' };
import { compileField, fieldValueError, orField, readField, type BitRange, type FieldAccessor } from './bitfield.js';

export type KvmItsEntryKind = 'DTE' | 'CTE' | 'ITE' | 'L1';
export const KVM_ITS_ENTRY_KINDS: readonly KvmItsEntryKind[] = ['DTE', 'CTE', 'ITE', 'L1'];

export interface KvmItsField {
  readonly name: string;
  readonly bits: BitRange;
  readonly valueShift: number;
  readonly accessor: FieldAccessor;
}

interface RawField { name: string; bits: number[]; valueShift?: number }

const LAYOUTS = {} as Record<KvmItsEntryKind, readonly KvmItsField[]>;
for (const kind of KVM_ITS_ENTRY_KINDS) {
  const raw = (table.entries as Record<string, { fields: RawField[] }>)[kind];
  if (raw === undefined) throw new Error(`kvm-its-abi.json: no ${kind} entry`);
  LAYOUTS[kind] = raw.fields.map((f) => {
    const bits: BitRange = [f.bits[0]!, f.bits[1]!];
    return { name: f.name, bits, valueShift: f.valueShift ?? 0, accessor: compileField(bits, f.valueShift ?? 0, `kvm-its-abi.json ${kind}.${f.name}`) };
  });
}

export function kvmItsFields(kind: KvmItsEntryKind): readonly KvmItsField[] {
  return LAYOUTS[kind];
}

const halves = new Uint32Array(2);

/** Pack an entry; fields not given are 0. Throws, naming the field, when a value does not fit. */
export function encodeKvmItsEntry(kind: KvmItsEntryKind, fields: Readonly<Record<string, number>>): bigint {
  const layout = LAYOUTS[kind];
  for (const key of Object.keys(fields)) {
    if (!layout.some((f) => f.name === key)) throw new Error(`${kind}: unknown field ${JSON.stringify(key)} (fields: ${layout.map((f) => f.name).join(', ')})`);
  }
  halves[0] = 0;
  halves[1] = 0;
  for (const f of layout) {
    const v = fields[f.name];
    if (v === undefined) continue;
    const err = fieldValueError(f.accessor, v);
    if (err !== null) throw new Error(`${kind}.${f.name}: ${err}`);
    orField(f.accessor, halves, 0, v);
  }
  return (BigInt(halves[1]!) << 32n) | BigInt(halves[0]!);
}

/** Every field of an entry. */
export function decodeKvmItsEntry(kind: KvmItsEntryKind, entry: bigint): Record<string, number> {
  if (entry < 0n || entry > 0xFFFF_FFFF_FFFF_FFFFn) throw new Error(`${kind}: entry ${entry} is not a 64-bit value`);
  const lo = Number(entry & 0xFFFF_FFFFn);
  const hi = Number(entry >> 32n);
  const out: Record<string, number> = {};
  for (const f of LAYOUTS[kind]) out[f.name] = readField(f.accessor, lo, hi);
  return out;
}

/** An entry as stored in guest memory: 8 bytes little-endian at bytes[offset]. */
export function readKvmItsEntry(bytes: Uint8Array, offset = 0): bigint {
  if (!(offset >= 0 && offset + 8 <= bytes.length)) throw new RangeError(`readKvmItsEntry: 8 bytes at ${offset} outside ${bytes.length} bytes`);
  let x = 0n;
  for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(bytes[offset + i]!);
  return x;
}
export function writeKvmItsEntry(bytes: Uint8Array, offset: number, entry: bigint): void {
  if (!(offset >= 0 && offset + 8 <= bytes.length)) throw new RangeError(`writeKvmItsEntry: 8 bytes at ${offset} outside ${bytes.length} bytes`);
  let x = entry;
  for (let i = 0; i < 8; i++) { bytes[offset + i] = Number(x & 0xffn); x >>= 8n; }
}

// ---- typed views ----

export interface Dte { valid: number; next: number; ittAddr: number; size: number }
export interface Cte { valid: number; rdBase: number; icid: number }
export interface Ite { next: number; pINTID: number; icid: number }
export interface L1Entry { valid: number; l2Addr: number }

export const encodeDte = (d: Dte): bigint => encodeKvmItsEntry('DTE', { ...d });
export const decodeDte = (e: bigint): Dte => decodeKvmItsEntry('DTE', e) as unknown as Dte;
export const encodeCte = (c: Cte): bigint => encodeKvmItsEntry('CTE', { ...c });
export const decodeCte = (e: bigint): Cte => decodeKvmItsEntry('CTE', e) as unknown as Cte;
export const encodeIte = (i: Ite): bigint => encodeKvmItsEntry('ITE', { ...i });
export const decodeIte = (e: bigint): Ite => decodeKvmItsEntry('ITE', e) as unknown as Ite;
export const encodeL1 = (l: L1Entry): bigint => encodeKvmItsEntry('L1', { ...l });
export const decodeL1 = (e: bigint): L1Entry => decodeKvmItsEntry('L1', e) as unknown as L1Entry;
