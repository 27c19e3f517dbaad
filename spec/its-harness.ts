// The single implementation of the `its.cmd` op (docs/scenario-format.md): what a guest driver does to queue
// commands. Every in-process target and the model call this, so all of them issue exactly the
// same guest accesses:
//   1. 64-bit read of GITS_CBASER: queue base = Physical_Address (bits [51:12] in place),
//      queue size = (Size + 1) * 4 KiB (IHI 0069 GITS_CBASER);
//   2. 64-bit read of GITS_CWRITER: write offset = Offset (bits [19:5] in place);
//   3. each command's 32 bytes written at base + offset, offset = (offset + 32) mod size
//      (contiguous commands go out in one memWrite; the queue wraps at its end);
//   4. one 64-bit write of the new offset to GITS_CWRITER (Retry = 0).
// A CWRITER offset at or beyond the queue end (only an implementation that accepted such a value
// can return one, choice.u28.cwriter-oor) is taken modulo the queue size, as a driver keeping its own pointer would.
// The harness does not look at CBASER.Valid or GITS_CTLR: whether the ITS consumes the commands is
// the target's business.
import type { ItsCmdOp } from './scenario.js';
import { encodeItsCommandInto, ITS_COMMAND_BYTES } from './codec/its-command.js';
import { fieldMask, getRegField, registerOffset, requireRegister } from './codec/registers.js';

export interface GuestAccess {
  /** read `width` bits at `offset` of the GITS frame of ITS `its`, as vCPU `cpu` */
  mmioRead(cpu: number, its: number, offset: number, width: 32 | 64): bigint;
  mmioWrite(cpu: number, its: number, offset: number, width: 32 | 64, value: bigint): void;
  /** write guest physical memory */
  memWrite(addr: number, bytes: Uint8Array): void;
}

const CBASER = requireRegister('GITS_CBASER').reg;
const CWRITER = requireRegister('GITS_CWRITER').reg;
const CBASER_OFFSET = registerOffset(CBASER);
const CWRITER_OFFSET = registerOffset(CWRITER);
const CBASER_PA_MASK = fieldMask(CBASER, 'Physical_Address');
const CWRITER_OFFSET_MASK = fieldMask(CWRITER, 'Offset');
/** CBASER.Size counts 4 KiB pages minus one (IHI 0069 GITS_* registers). */
const QUEUE_PAGE = 4096;

/** Where the queue is and where the next command goes, as the guest reads them. */
export interface QueuePosition {
  base: number;
  size: number;
  offset: number;
}

export function readQueuePosition(cpu: number, its: number, g: GuestAccess): QueuePosition {
  const cbaser = g.mmioRead(cpu, its, CBASER_OFFSET, 64);
  const cwriter = g.mmioRead(cpu, its, CWRITER_OFFSET, 64);
  const base = Number(cbaser & CBASER_PA_MASK);
  const size = (getRegField(CBASER, cbaser, 'Size') + 1) * QUEUE_PAGE;
  const offset = Number(cwriter & CWRITER_OFFSET_MASK) % size;
  return { base, size, offset };
}

// The model (once per candidate state) and the target run the same op: encode it once. Ops are
// not modified while a scenario runs, and every GuestAccess.memWrite copies the bytes it gets.
const encoded = new WeakMap<ItsCmdOp, Uint8Array>();

function encodedCommands(op: ItsCmdOp): Uint8Array {
  let bytes = encoded.get(op);
  if (bytes !== undefined) return bytes;
  const cmds = op.cmds;
  bytes = new Uint8Array(cmds.length * ITS_COMMAND_BYTES);
  for (let i = 0; i < cmds.length; i++) {
    try {
      encodeItsCommandInto(cmds[i]!, bytes, i * ITS_COMMAND_BYTES);
    } catch (e) {
      throw new Error(`its.cmd cmds[${i}]: ${(e as Error).message}`);
    }
  }
  encoded.set(op, bytes);
  return bytes;
}

/** Run one its.cmd op against a guest: write its commands into the queue, then move CWRITER once. */
export function runItsCmdOp(op: ItsCmdOp, g: GuestAccess): void {
  const cpu = op.cpu ?? 0;
  const its = op.its;
  // Encode first: a malformed command throws before the guest sees any access.
  const bytes = encodedCommands(op);
  const { base, size, offset: start } = readQueuePosition(cpu, its, g);
  let offset = start;
  let done = 0;
  while (done < bytes.length) {
    // As many commands as fit before the end of the queue, in one write.
    const n = Math.min(bytes.length - done, size - offset);
    g.memWrite(base + offset, bytes.subarray(done, done + n));
    done += n;
    offset = (offset + n) % size;
  }
  g.mmioWrite(cpu, its, CWRITER_OFFSET, 64, BigInt(offset));
}
