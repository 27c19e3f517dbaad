// The binary protocol between the host and the guest agent (agent/protocol.h is its twin;
// test/qemu/protocol.test.ts checks that the two agree).
//
// Ops buffer (loaded by QEMU at OPS_BASE): a 64-byte header, the vCPUs' MPIDRs (u64 each), then
// one record per guest op. All little-endian.

export const AGENT_BASE = 0xBE00_0000;
export const OPS_BASE = 0xBF00_0000;
export const OPS_MAX_BYTES = 0x0100_0000;
/** Guest RAM QEMU is given (-m): room for the scenario's RAM, then the agent and its ops. */
export const AGENT_RAM_SIZE = 0x8000_0000;
export const AGENT_MAX_CPUS = 64;

export const OPS_MAGIC = 0x504f_4447; // "GDOP"
export const OPS_VERSION = 2;
export const OPS_HEADER_BYTES = 128;
/** Memory console (agent/protocol.h): header (pos, capacity, parked flags), then the text. */
export const CONSOLE_TEXT_OFFSET = 256;
/** The timeline: CNTVCT_EL0 at each record's start (protocol.h), when the header asks for it. */
export const TIMELINE_BASE = 0xBEC0_0000;
export const TIMELINE_MAX_RECORDS = 0x7_fffe;
/** Memory console: the agent's exit counters by cause (u64 each) from this offset (agent/protocol.h AGENT_COUNT_*). */
export const CONSOLE_COUNTERS_OFFSET = 128;
export const AGENT_COUNTERS = 16;
/** Doorbell offsets (agent/protocol.h): an idle vCPU waits for its turn; the next turn is granted. */
export const DOORBELL_WAIT = 8;
export const DOORBELL_NEXT = 16;
export const DOORBELL_NEXT_ALL = 0xffff_ffff;
/** Or'ed into a DOORBELL_NEXT value: the op cannot have woken another vCPU (no wake-up checks). */
export const DOORBELL_NEXT_QUIET = 0x1_0000_0000;
/** An op group: the owner starts it, each vCPU with a member reports that it is done (agent/protocol.h). */
export const DOORBELL_GROUP = 24;
export const DOORBELL_GROUP_DONE = 32;
/** A run of consecutive host records behind one doorbell write (agent/protocol.h). */
export const DOORBELL_HOST_RUN = 40;
export const HOST_RUN_MAX = 255;
export const REC_HEADER_BYTES = 24;

export const OP_MMIO_READ = 1;
export const OP_MMIO_WRITE = 2;
export const OP_SYSREG_READ = 3;
export const OP_SYSREG_WRITE = 4;
export const OP_WFI = 5;
export const OP_ITS_CMD = 6;
export const OP_MEM_WRITE = 7;
export const OP_MEM_READ = 8;
/** A host op run by our own VMM (targets/kvm-linux): a = its index in the VMM's host-op table. */
export const OP_HOST = 9;
/** An op group under our own VMM: a = member count, the member records inside this record. */
export const OP_GROUP = 10;

/** Record flag: an MMIO write of the VM-creation preamble, run but never reported. */
export const REC_FLAG_SILENT = 1;
/** Record flag (our VMM): the op cannot wake another vCPU (a write of the writer's own CPU interface register). */
export const REC_FLAG_QUIET = 2;

/** MRS/MSR (register form) with Rt = x0; the agent refuses any other instruction. */
export const INSN_MRS_MASK = 0xFFF0_001F;
export const INSN_MRS = 0xD530_0000;
export const INSN_MSR = 0xD510_0000;

/** The constants above by the name protocol.h gives them (for the agreement test). */
export const PROTOCOL_CONSTANTS: Readonly<Record<string, number>> = {
  AGENT_BASE, OPS_BASE, OPS_MAX_BYTES, AGENT_RAM_SIZE, AGENT_MAX_CPUS,
  OPS_MAGIC, OPS_VERSION, OPS_HEADER_BYTES, REC_HEADER_BYTES,
  OP_MMIO_READ, OP_MMIO_WRITE, OP_SYSREG_READ, OP_SYSREG_WRITE, OP_WFI, OP_ITS_CMD, OP_MEM_WRITE, OP_MEM_READ, OP_HOST, OP_GROUP,
  CONSOLE_TEXT_OFFSET, CONSOLE_COUNTERS_OFFSET, AGENT_COUNTERS, TIMELINE_BASE, TIMELINE_MAX_RECORDS, DOORBELL_WAIT, DOORBELL_NEXT, DOORBELL_NEXT_ALL, DOORBELL_NEXT_QUIET, DOORBELL_GROUP, DOORBELL_GROUP_DONE, DOORBELL_HOST_RUN, HOST_RUN_MAX, REC_FLAG_SILENT, REC_FLAG_QUIET, INSN_MRS_MASK, INSN_MRS, INSN_MSR,
};
