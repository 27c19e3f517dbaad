// Value conventions of the scenario format (docs/scenario-format.md): register values and addresses
// are "0x..." strings, byte strings are plain hex. Results are compared in canonical form
// (lowercase, no leading zeros, "0x0" for zero) so "0x02000" and "0x2000" are the same value.

const HEX_RE = /^0x[0-9a-fA-F]{1,16}$/;

// Scenario values repeat (the same register values op after op, parsed by the model and the target
// alike): a small memo saves the regex and the BigInt parse. Cleared when full.
const parsed = new Map<string, bigint>();

export function parseHex(s: string): bigint {
  let v = parsed.get(s);
  if (v !== undefined) return v;
  if (!HEX_RE.test(s)) throw new Error(`not a hex value: ${JSON.stringify(s)}`);
  v = BigInt(s);
  if (parsed.size >= 4096) parsed.clear();
  parsed.set(s, v);
  return v;
}

/** Parse a hex value known to fit in 53 bits (addresses, IDs). */
export function parseHexNumber(s: string): number {
  const v = parseHex(s);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`hex value too large for a number: ${s}`);
  return Number(v);
}

export function toHex(v: bigint | number): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`not a non-negative integer: ${v}`);
    return '0x' + v.toString(16);
  }
  if (v < 0n) throw new Error(`negative value: ${v}`);
  return '0x' + v.toString(16);
}

/** Canonical form of a hex value string: lowercase, no leading zeros. */
export function canonicalHex(s: string): string {
  return toHex(parseHex(s));
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
}

export function hexToBytes(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`not a byte string: ${JSON.stringify(s.slice(0, 40))}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
