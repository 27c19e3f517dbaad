// Generic bit-field packing driven by the tables in spec/data: a field is a bit range [hi:lo] of a
// 64-bit word (inclusive, Arm IHI 0069 conventions). Two flavours:
//  - bigint words (ABI entries, register values): getField / setField / packFields / unpackFields;
//  - 64-bit words held as two uint32 halves (ITS commands, the hot path): a compiled FieldAccessor
//    reads or writes a field with plain number arithmetic, no bigint.
// Field values are plain numbers: every field in the tables is at most 53 bits wide.

/** A bit range [hi:lo] of a 64-bit word, inclusive, as the tables write it. */
export type BitRange = readonly [hi: number, lo: number];

export interface BitField {
  name: string;
  bits: BitRange;
}

const TWO32 = 0x1_0000_0000;

export function checkRange(bits: BitRange, where: string): void {
  const [hi, lo] = bits;
  if (!Number.isInteger(hi) || !Number.isInteger(lo) || lo < 0 || hi > 63 || hi < lo) {
    throw new Error(`${where}: bad bit range [${hi}:${lo}]`);
  }
  if (hi - lo + 1 > 53) throw new Error(`${where}: bit range [${hi}:${lo}] is wider than 53 bits`);
}

export function fieldWidth(bits: BitRange): number {
  return bits[0] - bits[1] + 1;
}

/** Mask of the range in place, as a bigint. */
export function rangeMask(bits: BitRange): bigint {
  return ((1n << BigInt(fieldWidth(bits))) - 1n) << BigInt(bits[1]);
}

/** The value of bits [hi:lo] of a 64-bit word. */
export function getField(word: bigint, bits: BitRange): number {
  return Number((word >> BigInt(bits[1])) & ((1n << BigInt(fieldWidth(bits))) - 1n));
}

/** `word` with bits [hi:lo] replaced by `value`; throws when `value` does not fit. */
export function setField(word: bigint, bits: BitRange, value: number | bigint, what = 'field'): bigint {
  const v = BigInt(value);
  const width = fieldWidth(bits);
  if (v < 0n || v >= 1n << BigInt(width)) {
    throw new Error(`${what}: value ${v} does not fit in bits [${bits[0]}:${bits[1]}] (${width} bits)`);
  }
  return (word & ~rangeMask(bits)) | (v << BigInt(bits[1]));
}

/** Pack named values into a 64-bit word; fields missing from `values` are 0. */
export function packFields(fields: readonly BitField[], values: Readonly<Record<string, number>>, what = 'word'): bigint {
  let w = 0n;
  for (const f of fields) {
    const v = values[f.name];
    if (v !== undefined) w = setField(w, f.bits, v, `${what}.${f.name}`);
  }
  return w;
}

/** Every field of a 64-bit word, by name. */
export function unpackFields(fields: readonly BitField[], word: bigint): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) out[f.name] = getField(word, f.bits);
  return out;
}

// ---- number arithmetic on a 64-bit word held as two uint32 halves ----

/**
 * A field of a 64-bit word compiled for fast access on (lo32, hi32) halves. `scale` = 2^valueShift:
 * the field holds bits [width-1+valueShift : valueShift] of the value (an address field holds its
 * address bits in place).
 */
export interface FieldAccessor {
  readonly hi: number;
  readonly lo: number;
  readonly width: number;
  /** 0: the field lies in the low half; 1: in the high half; 2: it spans both */
  readonly where: 0 | 1 | 2;
  /** shift within the half it starts in */
  readonly shift: number;
  /** mask of the low-half part (where 0) or of the high-half part (where 1, 2), after shifting */
  readonly mask: number;
  /** 2^(32 - lo) for a spanning field: the weight of the high part */
  readonly spanWeight: number;
  readonly scale: number;
  /** largest encodable value */
  readonly max: number;
}

function maskOf(width: number): number {
  return width >= 32 ? 0xFFFF_FFFF : 2 ** width - 1;
}

export function compileField(bits: BitRange, valueShift = 0, where = 'field'): FieldAccessor {
  checkRange(bits, where);
  const [hi, lo] = bits;
  const width = hi - lo + 1;
  const scale = 2 ** valueShift;
  const max = (2 ** width - 1) * scale;
  if (max > Number.MAX_SAFE_INTEGER) throw new Error(`${where}: values of [${hi}:${lo}] << ${valueShift} exceed 53 bits`);
  if (hi < 32) return { hi, lo, width, where: 0, shift: lo, mask: maskOf(width), spanWeight: 0, scale, max };
  if (lo >= 32) return { hi, lo, width, where: 1, shift: lo - 32, mask: maskOf(width), spanWeight: 0, scale, max };
  return { hi, lo, width, where: 2, shift: lo, mask: maskOf(hi - 31), spanWeight: 2 ** (32 - lo), scale, max };
}

/** Read a compiled field from the halves of a 64-bit word. */
export function readField(f: FieldAccessor, lo32: number, hi32: number): number {
  let raw: number;
  if (f.where === 0) raw = f.width === 32 ? lo32 >>> 0 : (lo32 >>> f.shift) & f.mask;
  else if (f.where === 1) raw = f.width === 32 ? hi32 >>> 0 : (hi32 >>> f.shift) & f.mask;
  else raw = (lo32 >>> f.shift) + ((hi32 & f.mask) >>> 0) * f.spanWeight;
  return f.scale === 1 ? raw : raw * f.scale;
}

/**
 * OR a field's value into words[index] (low half) and words[index + 1] (high half). The value
 * must be a non-negative integer ≤ f.max and a multiple of f.scale (checked by the caller or here).
 */
export function orField(f: FieldAccessor, words: Uint32Array, index: number, value: number): void {
  const raw = f.scale === 1 ? value : value / f.scale;
  if (f.where === 0) {
    words[index] = (words[index]! | (raw * 2 ** f.shift)) >>> 0;
  } else if (f.where === 1) {
    words[index + 1] = (words[index + 1]! | (raw * 2 ** f.shift)) >>> 0;
  } else {
    const low = raw % f.spanWeight;
    words[index] = (words[index]! | (low * 2 ** f.shift)) >>> 0;
    words[index + 1] = (words[index + 1]! | Math.floor(raw / f.spanWeight)) >>> 0;
  }
}

/** Why `value` cannot be encoded in the field, or null when it can. */
export function fieldValueError(f: FieldAccessor, value: number): string | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `${String(value)} is not a non-negative integer`;
  if (value > f.max) return `0x${value.toString(16)} does not fit in bits [${f.hi}:${f.lo}] (max 0x${f.max.toString(16)})`;
  if (f.scale !== 1 && value % f.scale !== 0) {
    return `0x${value.toString(16)} has bits below bit ${Math.log2(f.scale)} set; the field holds bits [${Math.log2(f.scale) + f.width - 1}:${Math.log2(f.scale)}] only`;
  }
  return null;
}
