// The vITS reads command fields the way KVM's its_cmd_get_* macros do (vgic-its.c vgic_its_cmd_handle_*), straight
// from the command words. This checks them against the shared decoder (spec/codec/its-command.ts,
// driven by spec/data/its-commands.json) on random commands: every field KVM reads must agree,
// except where KVM is narrower on purpose (RDbase: DW2[47:16], 32 bits, of the architectural [51:16]).
import fc from 'fast-check';
import { decodeItsCommand, encodeItsCommand } from '../../spec/codec/its-command.js';
import {
  itsCmdGetCollection, itsCmdGetCommand, itsCmdGetDeviceId, itsCmdGetId, itsCmdGetIttAddr, itsCmdGetPhysicalId,
  itsCmdGetSize, itsCmdGetTargetAddr, itsCmdGetTargetAddr2, itsCmdGetValidBit,
} from '../../impl/vgic/vgic-its-cmd.js';

const TWO32 = 0x1_0000_0000;
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

function bytesOf(words: Uint32Array): Uint8Array {
  const b = new Uint8Array(32);
  for (let i = 0; i < 8; i++) for (let k = 0; k < 4; k++) b[i * 4 + k] = (words[i]! >>> (8 * k)) & 0xff;
  return b;
}
function wordsOf(bytes: Uint8Array): Uint32Array {
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) w[i] = (bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) >>> 0;
  return w;
}

describe('its_cmd_get_* agree with the shared ITS command decoder', () => {
  test('every physical command, random words', () => {
    const opcodes = [0x01, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
    fc.assert(fc.property(fc.constantFrom(...opcodes), fc.array(u32, { minLength: 8, maxLength: 8 }), (op, ws) => {
      const w = Uint32Array.from(ws);
      w[0] = ((w[0]! & ~0xff) | op) >>> 0;
      const d = decodeItsCommand(bytesOf(w));
      const f = d.fields;
      expect(itsCmdGetCommand(w)).toBe(d.opcode);
      if ('device' in f) expect(itsCmdGetDeviceId(w)).toBe(f.device);
      if ('event' in f) expect(itsCmdGetId(w)).toBe(f.event);
      if ('intid' in f) expect(itsCmdGetPhysicalId(w)).toBe(f.intid);
      if ('collection' in f) expect(itsCmdGetCollection(w)).toBe(f.collection);
      if ('size' in f) expect(itsCmdGetSize(w)).toBe(f.size! + 1);
      if ('itt' in f) expect(itsCmdGetIttAddr(w)).toBe(f.itt);
      if ('valid' in f) expect(itsCmdGetValidBit(w)).toBe(f.valid === 1);
      // KVM keeps the low 32 bits of RDbase (DW2[47:16]); bits [51:48] are dropped
      if ('target' in f && op === 0x09) expect(itsCmdGetTargetAddr(w)).toBe(f.target! % TWO32);
      if ('from' in f) expect(itsCmdGetTargetAddr(w)).toBe(f.from! % TWO32);
      if ('to' in f) expect(itsCmdGetTargetAddr2(w)).toBe(f.to! % TWO32);
    }), { numRuns: 500, seed: 7 });
  });

  test('scenario commands encoded by the shared encoder read back as written', () => {
    const w = wordsOf(encodeItsCommand({ cmd: 'MAPD', device: 0xfedc, size: 15, itt: '0xbcdef12345600', valid: true }));
    expect([itsCmdGetDeviceId(w), itsCmdGetSize(w), itsCmdGetIttAddr(w), itsCmdGetValidBit(w)]).toEqual([0xfedc, 16, 0xbcdef12345600, true]);
    const m = wordsOf(encodeItsCommand({ cmd: 'MAPC', collection: 7, target: 0x1_0000_0003, valid: false }));
    expect([itsCmdGetCollection(m), itsCmdGetTargetAddr(m), itsCmdGetValidBit(m)]).toEqual([7, 3, false]);
    const t = wordsOf(encodeItsCommand({ cmd: 'MAPTI', device: 4, event: 9, intid: 8197, collection: 2 }));
    expect([itsCmdGetCommand(t), itsCmdGetDeviceId(t), itsCmdGetId(t), itsCmdGetPhysicalId(t), itsCmdGetCollection(t)]).toEqual([0x0a, 4, 9, 8197, 2]);
  });
});
