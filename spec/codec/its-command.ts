// ITS command codec, driven by spec/data/its-commands.json (IHI 0069 5.3 ITS command encodings; chapter 6, vPEs and the GICv4 commands).
// A command is 32 bytes: four little-endian 64-bit doublewords DW0..DW3, opcode in DW0[7:0].
// decodeItsCommand is on the hot path (the model and the implementation decode every command they
// read from the guest's queue): per-opcode field accessors are compiled once, words are read as
// uint32 halves, no bigint, and the only allocations are the result and its `fields` record.
import table from '../data/its-commands.json' with { type: 'json' };
import type { ItsCommand } from '../scenario.js';
import { parseHex, parseHexNumber, toHex } from '../hex.js';
import { compileField, fieldValueError, orField, readField, type BitRange, type FieldAccessor } from './bitfield.js';

export type ItsFieldType = 'int' | 'bool' | 'hex';
export type GicVersion = 'GICv3' | 'GICv4.0' | 'GICv4.1';

export interface ItsCommandField {
  /** field name in the scenario format (ItsCommand) and in DecodedItsCommand.fields */
  readonly name: string;
  /** the architecture's name of the field */
  readonly arch: string;
  readonly dw: number;
  readonly bits: BitRange;
  readonly type: ItsFieldType;
  /** the field holds bits [width-1+valueShift : valueShift] of the value */
  readonly valueShift: number;
  readonly optional: boolean;
  /** value encoded when an optional field is omitted */
  readonly default: number;
  readonly since: GicVersion | null;
  readonly accessor: FieldAccessor;
}

export interface ItsCommandDef {
  readonly name: string;
  readonly opcode: number;
  readonly introduced: GicVersion;
  readonly summary: string;
  readonly fields: readonly ItsCommandField[];
  /** RES0 bits of the command as eight uint32 halves (DW0 low, DW0 high, DW1 low, ...) */
  readonly res0: Uint32Array;
}

export interface DecodedItsCommand {
  opcode: number;
  /** the command's name, or null for an opcode no command has */
  name: string | null;
  /** every field of the command by its scenario name; 1-bit flags are 0/1, addresses in place */
  fields: Record<string, number>;
  /**
   * The eight uint32 halves of the command (DW0 low, DW0 high, ...), present only when the
   * command cannot be written as a named scenario command: unknown opcode, or RES0 bits set.
   */
  raw?: Uint32Array;
}

export const ITS_COMMAND_BYTES = 32;

interface RawField {
  name: string; arch: string; dw: number; bits: number[]; type: string;
  valueShift?: number; optional?: boolean; default?: number; since?: string;
}
interface RawCommand { name: string; opcode: string; introduced: string; summary: string; fields: RawField[] }

function buildDefs(): ItsCommandDef[] {
  const defs: ItsCommandDef[] = [];
  const seenOpcodes = new Set<number>();
  for (const c of table.commands as RawCommand[]) {
    const where = `its-commands.json ${c.name}`;
    const opcode = parseHexNumber(c.opcode);
    if (opcode > 0xff || seenOpcodes.has(opcode)) throw new Error(`${where}: bad or duplicate opcode ${c.opcode}`);
    seenOpcodes.add(opcode);
    // Opcode bits are covered; everything no field covers is RES0.
    const covered = new Uint32Array(8);
    covered[0] = 0xff;
    const fields: ItsCommandField[] = [];
    for (const f of c.fields) {
      const fw = `${where}.${f.name}`;
      if (f.bits.length !== 2 || f.dw < 0 || f.dw > 3) throw new Error(`${fw}: bad position`);
      if (f.type !== 'int' && f.type !== 'bool' && f.type !== 'hex') throw new Error(`${fw}: bad type ${f.type}`);
      const bits: BitRange = [f.bits[0]!, f.bits[1]!];
      if (f.type === 'bool' && bits[0] !== bits[1]) throw new Error(`${fw}: a bool field is one bit`);
      const accessor = compileField(bits, f.valueShift ?? 0, fw);
      const probe = new Uint32Array(8);
      orField(accessor, probe, f.dw * 2, accessor.max);
      for (let i = 0; i < 8; i++) {
        if ((covered[i]! & probe[i]!) !== 0) throw new Error(`${fw}: overlaps another field`);
        covered[i] = (covered[i]! | probe[i]!) >>> 0;
      }
      fields.push({
        name: f.name, arch: f.arch, dw: f.dw, bits, type: f.type, valueShift: f.valueShift ?? 0,
        optional: f.optional ?? false, default: f.default ?? 0, since: (f.since as GicVersion | undefined) ?? null, accessor,
      });
    }
    const res0 = new Uint32Array(8);
    for (let i = 0; i < 8; i++) res0[i] = ~covered[i]! >>> 0;
    defs.push({ name: c.name, opcode, introduced: c.introduced as GicVersion, summary: c.summary, fields, res0 });
  }
  return defs;
}

/** Every ITS command the architecture defines (physical and GICv4.0/4.1 virtual). */
export const ITS_COMMANDS: readonly ItsCommandDef[] = buildDefs();

const byName = new Map<string, ItsCommandDef>();
const byOpcode: (ItsCommandDef | undefined)[] = new Array(256).fill(undefined);
for (const d of ITS_COMMANDS) {
  byName.set(d.name, d);
  byOpcode[d.opcode] = d;
}

export function itsCommandByName(name: string): ItsCommandDef | undefined {
  return byName.get(name);
}
export function itsCommandByOpcode(opcode: number): ItsCommandDef | undefined {
  return byOpcode[opcode & 0xff];
}

// ---- decode ----

/** Little-endian uint32 at buf[o]: plain byte reads, so no DataView is created per buffer. */
function u32(buf: Uint8Array, o: number): number {
  return (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) >>> 0;
}

/** Decode the 32-byte command at buf[offset..offset+32). */
export function decodeItsCommand(buf: Uint8Array, offset = 0): DecodedItsCommand {
  if (!(offset >= 0 && offset + ITS_COMMAND_BYTES <= buf.length)) {
    throw new RangeError(`decodeItsCommand: 32 bytes at offset ${offset} are outside the ${buf.length}-byte buffer`);
  }
  const opcode = buf[offset]!;
  const def = byOpcode[opcode];
  const fields: Record<string, number> = {};
  if (def === undefined) {
    return { opcode, name: null, fields, raw: readHalves(buf, offset) };
  }
  const res0 = def.res0;
  let reserved = false;
  for (let i = 0; i < 8; i++) {
    if ((u32(buf, offset + i * 4) & res0[i]!) !== 0) { reserved = true; break; }
  }
  const fs = def.fields;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i]!;
    const base = offset + f.dw * 8;
    fields[f.name] = readField(f.accessor, u32(buf, base), u32(buf, base + 4));
  }
  return reserved ? { opcode, name: def.name, fields, raw: readHalves(buf, offset) } : { opcode, name: def.name, fields };
}

function readHalves(buf: Uint8Array, offset: number): Uint32Array {
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) w[i] = u32(buf, offset + i * 4);
  return w;
}

/** The scenario-format command of a decoded one; a raw command when it is not representable. */
export function toScenarioCommand(d: DecodedItsCommand): ItsCommand {
  const def = d.name === null ? undefined : byName.get(d.name);
  if (d.raw !== undefined || def === undefined) {
    const w = d.raw ?? new Uint32Array(8);
    const words: string[] = [];
    for (let i = 0; i < 4; i++) words.push(toHex((BigInt(w[2 * i + 1]!) << 32n) | BigInt(w[2 * i]!)));
    return { cmd: 'raw', words: words as [string, string, string, string] };
  }
  const out: Record<string, unknown> = { cmd: def.name };
  for (const f of def.fields) {
    const value = d.fields[f.name];
    if (value === undefined) throw new Error(`toScenarioCommand: ${def.name} lacks field ${f.name}`);
    if (f.optional && value === f.default) continue;
    out[f.name] = f.type === 'bool' ? value !== 0 : f.type === 'hex' ? toHex(value) : value;
  }
  return out as unknown as ItsCommand;
}

// ---- encode ----

const scratch = new Uint32Array(8);

/** Encode a scenario command into 32 bytes (four little-endian doublewords). */
export function encodeItsCommand(cmd: ItsCommand): Uint8Array {
  const out = new Uint8Array(ITS_COMMAND_BYTES);
  encodeItsCommandInto(cmd, out, 0);
  return out;
}

/** Encode a scenario command into out[offset..offset+32). Throws a message naming the bad field. */
export function encodeItsCommandInto(cmd: ItsCommand, out: Uint8Array, offset: number): void {
  if (!(offset >= 0 && offset + ITS_COMMAND_BYTES <= out.length)) {
    throw new RangeError(`encodeItsCommandInto: 32 bytes at offset ${offset} are outside the ${out.length}-byte buffer`);
  }
  const w = scratch;
  w.fill(0);
  if (cmd.cmd === 'raw') {
    const words = cmd.words as unknown;
    if (!Array.isArray(words) || words.length !== 4) throw new Error('ITS command raw: words must be four hex doublewords');
    for (let i = 0; i < 4; i++) {
      let x: bigint;
      try { x = parseHex(String(words[i])); } catch (e) { throw new Error(`ITS command raw: words[${i}]: ${(e as Error).message}`); }
      w[2 * i] = Number(x & 0xFFFF_FFFFn);
      w[2 * i + 1] = Number(x >> 32n);
    }
  } else {
    const def = byName.get(cmd.cmd);
    if (def === undefined) throw new Error(`unknown ITS command ${JSON.stringify(cmd.cmd)}`);
    const c = cmd as unknown as Record<string, unknown>;
    for (const key of Object.keys(c)) {
      if (key !== 'cmd' && !def.fields.some((f) => f.name === key)) {
        throw new Error(`ITS command ${def.name}: unknown field ${JSON.stringify(key)} (fields: ${def.fields.map((f) => f.name).join(', ')})`);
      }
    }
    w[0] = def.opcode;
    for (const f of def.fields) {
      const value = fieldValue(def, f, c[f.name]);
      const err = fieldValueError(f.accessor, value);
      if (err !== null) throw new Error(`ITS command ${def.name}: field ${f.name}: ${err}`);
      orField(f.accessor, w, f.dw * 2, value);
    }
  }
  for (let i = 0; i < 8; i++) {
    const x = w[i]!;
    const o = offset + i * 4;
    out[o] = x & 0xff;
    out[o + 1] = (x >>> 8) & 0xff;
    out[o + 2] = (x >>> 16) & 0xff;
    out[o + 3] = x >>> 24;
  }
}

function fieldValue(def: ItsCommandDef, f: ItsCommandField, v: unknown): number {
  const where = `ITS command ${def.name}: field ${f.name}`;
  if (v === undefined) {
    if (f.optional) return f.default;
    throw new Error(`${where} is missing`);
  }
  switch (f.type) {
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${where}: expected a boolean, got ${JSON.stringify(v)}`);
      return v ? 1 : 0;
    case 'hex':
      if (typeof v !== 'string') throw new Error(`${where}: expected a hex string, got ${JSON.stringify(v)}`);
      try { return parseHexNumber(v); } catch (e) { throw new Error(`${where}: ${(e as Error).message}`); }
    case 'int':
      if (typeof v !== 'number') throw new Error(`${where}: expected an integer, got ${JSON.stringify(v)}`);
      return v;
  }
}
