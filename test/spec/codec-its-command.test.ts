// ITS command codec: known answers computed by hand from the bit positions of IHI 0069 5.3 and chapter 6,
// and round-trip properties over every command of spec/data/its-commands.json.
import fc from 'fast-check';
import { Ajv } from 'ajv';
import scenarioSchema from '../../spec/schema/scenario.schema.json' with { type: 'json' };
import table from '../../spec/data/its-commands.json' with { type: 'json' };
import type { ItsCommand } from '../../spec/scenario.js';
import {
  decodeItsCommand, encodeItsCommand, encodeItsCommandInto, ITS_COMMANDS, itsCommandByName, itsCommandByOpcode, toScenarioCommand,
} from '../../spec/codec/its-command.js';

/** The four doublewords of an encoded command, read independently of the codec. */
function dws(b: Uint8Array): bigint[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return [0, 1, 2, 3].map((i) => v.getBigUint64(i * 8, true));
}
function fromDws(d: bigint[]): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  d.forEach((x, i) => v.setBigUint64(i * 8, x, true));
  return b;
}
const enc = (c: object) => dws(encodeItsCommand(c as ItsCommand));

describe('ITS command table', () => {
  test('holds the 12 physical and 9 virtual commands with the opcodes of IHI 0069 5.3 ITS command encodings', () => {
    const expected: Record<string, number> = {
      MOVI: 0x01, INT: 0x03, CLEAR: 0x04, SYNC: 0x05, MAPD: 0x08, MAPC: 0x09, MAPTI: 0x0a, MAPI: 0x0b, INV: 0x0c,
      INVALL: 0x0d, MOVALL: 0x0e, DISCARD: 0x0f, VMOVI: 0x21, VMOVP: 0x22, VSGI: 0x23, VSYNC: 0x25, VMAPP: 0x29,
      VMAPTI: 0x2a, VMAPI: 0x2b, VINVALL: 0x2d, INVDB: 0x2e,
    };
    expect(Object.fromEntries(ITS_COMMANDS.map((c) => [c.name, c.opcode]))).toEqual(expected);
    expect(itsCommandByOpcode(0x0a)?.name).toBe('MAPTI');
    expect(itsCommandByName('VSGI')?.introduced).toBe('GICv4.1');
    expect(itsCommandByName('INVDB')?.introduced).toBe('GICv4.1');
    expect(itsCommandByName('VMAPP')?.introduced).toBe('GICv4.0');
  });

  test('virtual opcodes are 0x20 | the physical counterpart (IHI 0069 5.3 ITS command encodings)', () => {
    for (const [v, p] of [['VMOVI', 'MOVI'], ['VSYNC', 'SYNC'], ['VMAPP', 'MAPC'], ['VMAPTI', 'MAPTI'], ['VMAPI', 'MAPI'], ['VINVALL', 'INVALL']] as const) {
      expect(itsCommandByName(v)!.opcode).toBe(0x20 | itsCommandByName(p)!.opcode);
    }
  });
});

describe('encode: known answers', () => {
  test('MAPD device 1 size 7 itt 0x41000000 V=1', () => {
    // IHI 0069 5.3 ITS command encodings: DW0 = DeviceID [63:32] | opcode 0x08 -> (1 << 32) | 8 = 0x0000000100000008
    // DW1 = Size [4:0] = 7; DW2 = V [63] | ITT_addr [51:8] holding address bits [51:8] in place
    //   -> 0x8000000000000000 | 0x41000000 = 0x8000000041000000
    expect(enc({ cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true }))
      .toEqual([0x0000000100000008n, 0x7n, 0x8000000041000000n, 0n]);
  });

  test('MAPC collection 0 target 1 V=1: RDbase = processor number << 16', () => {
    // IHI 0069 5.3 ITS command encodings: DW2 = V [63] | RDbase [51:16] (PTA = 0: processor number) | ICID [15:0]
    //   -> 0x8000000000000000 | (1 << 16) | 0 = 0x8000000000010000; DW0 = opcode 0x09
    expect(enc({ cmd: 'MAPC', collection: 0, target: 1, valid: true })).toEqual([0x9n, 0n, 0x8000000000010000n, 0n]);
    // collection 0x1234 target 3 V=0: DW2 = (3 << 16) | 0x1234 = 0x31234
    expect(enc({ cmd: 'MAPC', collection: 0x1234, target: 3, valid: false })).toEqual([0x9n, 0n, 0x31234n, 0n]);
  });

  test('MAPTI device 2 event 3 intid 8192 collection 1', () => {
    // DW0 = (2 << 32) | 0x0a; DW1 = pINTID [63:32] | EventID [31:0] = (8192 << 32) | 3 = 0x0000200000000003; DW2 = ICID 1
    expect(enc({ cmd: 'MAPTI', device: 2, event: 3, intid: 8192, collection: 1 }))
      .toEqual([0x000000020000000an, 0x0000200000000003n, 1n, 0n]);
  });

  test('INT, SYNC, MOVALL, INVALL, DISCARD', () => {
    // INT: DW0 = (0xffffffff << 32) | 0x03, DW1 = EventID 0xdeadbeef
    expect(enc({ cmd: 'INT', device: 0xffffffff, event: 0xdeadbeef })).toEqual([0xffffffff00000003n, 0xdeadbeefn, 0n, 0n]);
    // SYNC target 5: DW2 = 5 << 16 = 0x50000
    expect(enc({ cmd: 'SYNC', target: 5 })).toEqual([0x5n, 0n, 0x50000n, 0n]);
    // MOVALL from 1 to 2: RDbase1 DW2[51:16] = 0x10000, RDbase2 DW3[51:16] = 0x20000
    expect(enc({ cmd: 'MOVALL', from: 1, to: 2 })).toEqual([0xen, 0n, 0x10000n, 0x20000n]);
    // INVALL collection 0xffff: DW2[15:0]
    expect(enc({ cmd: 'INVALL', collection: 0xffff })).toEqual([0xdn, 0n, 0xffffn, 0n]);
    expect(enc({ cmd: 'DISCARD', device: 0, event: 1 })).toEqual([0xfn, 1n, 0n, 0n]);
  });

  test('VSGI: priority field holds priority[7:4] (IHI 0069 5.3 ITS command encodings; chapter 6, vPEs and the GICv4 commands)', () => {
    // DW0 = vINTID [35:32] = 3 << 32 | Priority [23:20] = 0xa0 >> 4 = 0xa -> 0xa00000 | G [10] 0x400 | E [8] 0x100 | 0x23
    //     = 0x0000000300a00523; DW1 = vPEID [47:32] = 5 << 32
    expect(enc({ cmd: 'VSGI', vpe: 5, vintid: 3, priority: 0xa0, group: 1, enable: true, clear: false }))
      .toEqual([0x0000000300a00523n, 0x0000000500000000n, 0n, 0n]);
    // C [9] alone: 0x200 | 0x23
    expect(enc({ cmd: 'VSGI', vpe: 0, vintid: 0, clear: true })).toEqual([0x223n, 0n, 0n, 0n]);
  });

  test('VMAPP with the GICv4.1 fields', () => {
    // DW0 = VCONF_addr [51:16] in place 0x41300000 | PTZ [9] 0x200 | Alloc [8] 0x100 | 0x29 = 0x41300329
    // DW1 = vPEID [47:32] 7 << 32 | Default_Doorbell [31:0] 8200 = 0x2008 -> 0x0000000700002008
    // DW2 = V [63] | RDbase [51:16] 2 << 16 -> 0x8000000000020000
    // DW3 = VPT_addr [51:16] in place 0x41200000 | VPT_size [4:0] 15 -> 0x4120000f
    expect(enc({ cmd: 'VMAPP', vpe: 7, target: 2, valid: true, vpt: '0x41200000', vptSize: 15, vconf: '0x41300000', defaultDoorbell: 8200, alloc: true, ptz: true }))
      .toEqual([0x41300329n, 0x0000000700002008n, 0x8000000000020000n, 0x4120000fn]);
  });

  test('VMAPTI / VMAPI: an omitted doorbell is 1023 (no doorbell, IHI 0069 5.3 ITS command encodings)', () => {
    // DW2 = Doorbell [63:32] 1023 = 0x3ff << 32 | vINTID [31:0] 8192 -> 0x000003ff00002000
    expect(enc({ cmd: 'VMAPTI', device: 1, event: 2, vpe: 3, vintid: 8192 }))
      .toEqual([0x000000010000002an, 0x0000000300000002n, 0x000003ff00002000n, 0n]);
    expect(enc({ cmd: 'VMAPI', device: 1, event: 2, vpe: 3, doorbell: 8300 }))
      .toEqual([0x000000010000002bn, 0x0000000300000002n, 8300n << 32n, 0n]);
  });

  test('VMOVI and VMOVP', () => {
    // VMOVI: DW2 = Doorbell [63:32] 9000 << 32 | D [0] 1
    expect(enc({ cmd: 'VMOVI', device: 4, event: 5, vpe: 6, doorbellValid: true, doorbell: 9000 }))
      .toEqual([(4n << 32n) | 0x21n, (6n << 32n) | 5n, (9000n << 32n) | 1n, 0n]);
    // VMOVP: DW0 = SequenceNumber [47:32]; DW1 = vPEID [47:32] | ITSList [15:0]; DW2 = DB [63] | RDbase << 16; DW3 = Default_Doorbell
    expect(enc({ cmd: 'VMOVP', vpe: 9, target: 3, sequence: 0x55, itsList: 0x3, db: true, defaultDoorbell: 8192 }))
      .toEqual([(0x55n << 32n) | 0x22n, (9n << 32n) | 3n, (1n << 63n) | (3n << 16n), 8192n]);
  });

  test('raw passes its words through', () => {
    const words = ['0xffffffffffffffff', '0x123456789abcdef0', '0x0', '0x8000000000000001'];
    expect(enc({ cmd: 'raw', words })).toEqual(words.map(BigInt));
  });

  test('encodeItsCommandInto writes at the offset only', () => {
    const buf = new Uint8Array(96).fill(0xee);
    encodeItsCommandInto({ cmd: 'SYNC', target: 1 }, buf, 32);
    expect([...buf.subarray(0, 32)].every((x) => x === 0xee)).toBe(true);
    expect([...buf.subarray(64)].every((x) => x === 0xee)).toBe(true);
    expect(dws(buf.subarray(32, 64))).toEqual([5n, 0n, 0x10000n, 0n]);
  });
});

describe('encode: bad input gets a message naming the field', () => {
  const bad = (c: object) => () => encodeItsCommand(c as ItsCommand);
  test('misaligned ITT address', () => {
    expect(bad({ cmd: 'MAPD', device: 1, size: 7, itt: '0x41000010', valid: true })).toThrow(/MAPD: field itt: .*bits below bit 8/);
  });
  test('VSGI priority with low bits', () => {
    expect(bad({ cmd: 'VSGI', vpe: 0, vintid: 0, priority: 0xa8 })).toThrow(/VSGI: field priority/);
  });
  test('missing, unknown, oversized and mistyped fields; unknown command', () => {
    expect(bad({ cmd: 'MAPTI', device: 1, event: 2, collection: 0 })).toThrow(/MAPTI: field intid is missing/);
    expect(bad({ cmd: 'INT', device: 1, event: 2, bogus: 1 })).toThrow(/INT: unknown field "bogus"/);
    expect(bad({ cmd: 'MAPC', collection: 0x10000, target: 0, valid: true })).toThrow(/MAPC: field collection: .*does not fit/);
    expect(bad({ cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: 1 })).toThrow(/MAPD: field valid: expected a boolean/);
    expect(bad({ cmd: 'MAPD', device: -1, size: 7, itt: '0x41000000', valid: true })).toThrow(/MAPD: field device/);
    expect(bad({ cmd: 'FROB' })).toThrow(/unknown ITS command "FROB"/);
    expect(bad({ cmd: 'raw', words: ['0x1', '0x2', '0x3'] })).toThrow(/raw: words must be four/);
    expect(bad({ cmd: 'raw', words: ['0x1', '0x2', '0x3', 'zz'] })).toThrow(/raw: words\[3\]/);
  });
});

describe('decode', () => {
  test('MAPD known words decode to its fields (IHI 0069 5.3 ITS command encodings)', () => {
    const d = decodeItsCommand(fromDws([0x0000000100000008n, 0x7n, 0x8000000041000000n, 0n]));
    expect(d).toEqual({ opcode: 8, name: 'MAPD', fields: { device: 1, size: 7, itt: 0x41000000, valid: 1 } });
    expect(toScenarioCommand(d)).toEqual({ cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true });
  });

  test('a 52-bit ITT address and a 36-bit RDbase decode exactly', () => {
    // ITT_addr bits [51:8] all set: 0x000fffffffffff00; RDbase [51:16] all set: 0xfffffffff (36 bits)
    const d = decodeItsCommand(fromDws([0x8n, 0n, 0x000fffffffffff00n, 0n]));
    expect(d.fields.itt).toBe(0xfffffffffff00);
    const s = decodeItsCommand(fromDws([0x5n, 0n, 0x000fffffffff0000n, 0n]));
    expect(s.fields.target).toBe(0xfffffffff);
  });

  test('decodes at an offset inside a larger buffer', () => {
    const buf = new Uint8Array(128);
    encodeItsCommandInto({ cmd: 'MAPTI', device: 7, event: 9, intid: 8200, collection: 2 }, buf, 64);
    expect(decodeItsCommand(buf, 64)).toEqual({ opcode: 0x0a, name: 'MAPTI', fields: { device: 7, event: 9, intid: 8200, collection: 2 } });
    expect(() => decodeItsCommand(buf, 100)).toThrow(RangeError);
  });

  test('an unknown opcode has name null and comes back as raw', () => {
    const words = [0x1234567800000002n, 1n, 2n, 3n];
    const d = decodeItsCommand(fromDws(words));
    expect(d.opcode).toBe(2);
    expect(d.name).toBeNull();
    expect(toScenarioCommand(d)).toEqual({ cmd: 'raw', words: ['0x1234567800000002', '0x1', '0x2', '0x3'] });
  });

  test('a known command with RES0 bits set is not representable: raw', () => {
    // SYNC with DW3 bit 0 set (DW3 is all RES0 for SYNC)
    const d = decodeItsCommand(fromDws([0x5n, 0n, 0x10000n, 1n]));
    expect(d.name).toBe('SYNC');
    expect(d.fields.target).toBe(1);
    expect(toScenarioCommand(d)).toEqual({ cmd: 'raw', words: ['0x5', '0x0', '0x10000', '0x1'] });
    // MAPD with DW1 bit 5 set (Size is [4:0])
    expect(decodeItsCommand(fromDws([0x8n, 0x20n, 0n, 0n])).raw).toBeDefined();
    expect(decodeItsCommand(fromDws([0x8n, 0x1fn, 0n, 0n])).raw).toBeUndefined();
  });
});

// ---- properties, with arbitraries built from the table (data), not from the codec ----

interface TField { name: string; dw: number; bits: number[]; type: string; valueShift?: number; optional?: boolean; default?: number }
interface TCommand { name: string; fields: TField[] }
const commands = table.commands as TCommand[];

function fieldArb(f: TField): fc.Arbitrary<unknown> {
  const width = f.bits[0]! - f.bits[1]! + 1;
  const shift = f.valueShift ?? 0;
  const raw = fc.bigInt(0n, (1n << BigInt(width)) - 1n).map((x) => Number(x) * 2 ** shift);
  if (f.type === 'bool') return fc.boolean();
  if (f.type === 'hex') return raw.map((x) => '0x' + x.toString(16));
  return raw;
}

function commandArb(c: TCommand): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of c.fields) rec[f.name] = fieldArb(f);
  const required = c.fields.filter((f) => !f.optional).map((f) => f.name);
  return fc.record(rec, { requiredKeys: required as never[] }).map((r) => ({ cmd: c.name, ...r }));
}

/** The command as toScenarioCommand should give it back: optional fields at their default dropped. */
function normalized(c: TCommand, cmd: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { cmd: c.name };
  for (const f of c.fields) {
    const v = cmd[f.name];
    if (v === undefined) continue;
    const asNumber = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? Number(BigInt(v)) : (v as number);
    if (f.optional && asNumber === (f.default ?? 0)) continue;
    out[f.name] = v;
  }
  return out;
}

describe('round trips', () => {
  for (const c of commands) {
    test(`${c.name}: encode -> decode -> toScenarioCommand gives the command back`, () => {
      fc.assert(fc.property(commandArb(c), (cmd) => {
        const d = decodeItsCommand(encodeItsCommand(cmd as unknown as ItsCommand));
        expect(d.name).toBe(c.name);
        expect(d.raw).toBeUndefined();
        expect(toScenarioCommand(d)).toEqual(normalized(c, cmd));
      }), { numRuns: 200 });
    });
  }

  test('any 32 bytes: decode -> toScenarioCommand -> encode gives the same bytes', () => {
    const opcodes = [...ITS_COMMANDS.map((c) => c.opcode), 0x00, 0x02, 0x20, 0xff];
    const bytes = fc.tuple(fc.constantFrom(...opcodes), fc.uint8Array({ minLength: 31, maxLength: 31 }))
      .map(([op, rest]) => Uint8Array.from([op, ...rest]));
    // Also commands with only field bits set, so the named (non-raw) path is exercised often.
    const clean = fc.constantFrom(...commands).chain(commandArb).map((c) => encodeItsCommand(c as unknown as ItsCommand));
    fc.assert(fc.property(fc.oneof(bytes, clean), (b) => {
      const back = encodeItsCommand(toScenarioCommand(decodeItsCommand(b)));
      expect([...back]).toEqual([...b]);
    }), { numRuns: 2000 });
  });
});

describe('agreement with the scenario schema (spec/schema/scenario.schema.json ItsCommand)', () => {
  const ajv = new Ajv({ strict: false });
  ajv.addSchema(scenarioSchema, 'scenario');
  const validate = ajv.getSchema('scenario#/definitions/ItsCommand')!;

  test('every command the table names is a schema command, with the same field names', () => {
    const schemaCmds = new Map<string, { props: string[]; required: string[] }>();
    for (const alt of (scenarioSchema as any).definitions.ItsCommand.oneOf) {
      const c = alt.properties.cmd;
      for (const name of c.enum ?? [c.const]) {
        schemaCmds.set(name, { props: Object.keys(alt.properties).filter((k) => k !== 'cmd').sort(), required: (alt.required as string[]).filter((k) => k !== 'cmd').sort() });
      }
    }
    for (const c of commands) {
      const s = schemaCmds.get(c.name);
      expect([c.name, s === undefined]).toEqual([c.name, false]);
      expect([c.name, c.fields.map((f) => f.name).sort()]).toEqual([c.name, s!.props]);
      expect([c.name, c.fields.filter((f) => !f.optional).map((f) => f.name).sort()]).toEqual([c.name, s!.required]);
    }
    expect([...schemaCmds.keys()].filter((n) => n !== 'raw').sort()).toEqual(commands.map((c) => c.name).sort());
  });

  test('whatever toScenarioCommand returns validates against the schema', () => {
    const opcodes = [...ITS_COMMANDS.map((c) => c.opcode), 0x00, 0x02, 0xff];
    const bytes = fc.tuple(fc.constantFrom(...opcodes), fc.uint8Array({ minLength: 31, maxLength: 31 }))
      .map(([op, rest]) => Uint8Array.from([op, ...rest]));
    const clean = fc.constantFrom(...commands).chain(commandArb).map((c) => encodeItsCommand(c as unknown as ItsCommand));
    fc.assert(fc.property(fc.oneof(bytes, clean), (b) => {
      const cmd = toScenarioCommand(decodeItsCommand(b));
      if (!validate(cmd)) throw new Error(`${JSON.stringify(cmd)}: ${ajv.errorsText(validate.errors)}`);
    }), { numRuns: 1000 });
  });
});
