/*
 * gicdiff guest agent: the binary protocol between the host (targets/qemu/protocol.ts) and the
 * agent. Every constant here has a twin in protocol.ts; test/qemu/protocol.test.ts checks that
 * the two agree. Usable from C and from assembly.
 *
 * Memory: the agent is linked at AGENT_BASE, far above the scenario's RAM (docs/scenario-format.md: tables at
 * 0x40100000.., scenario data from 0x41000000), and the host loads the encoded ops at OPS_BASE.
 * QEMU gets -m AGENT_RAM_SIZE so both are backed by RAM.
 */
#ifndef GICDIFF_PROTOCOL_H
#define GICDIFF_PROTOCOL_H

#define AGENT_BASE       0xBE000000
#define OPS_BASE         0xBF000000
#define OPS_MAX_BYTES    0x01000000
#define AGENT_RAM_SIZE   0x80000000
#define AGENT_MAX_CPUS   64
#define AGENT_STACK_SIZE 0x4000

/* QEMU virt PL011 (hw/arm/virt.c memmap VIRT_UART) */
#define UART_BASE        0x09000000

/* ops buffer header: u32 magic, u32 version, u32 nops, u32 vcpus, u64 total bytes, u64 ram base,
 * u64 ram size, u32 CBASER / CWRITER / CREADR offsets, u32 CREADR poll limit, u64 address the
 * agent reads around every op to make KVM sync its vGIC state (0 = none, agent.c sync_exit),
 * u64 console address (0 = the PL011; else results go to the memory console below), u64 host-op
 * doorbell address (0 = none: host records are refused), u64 timeline address (0 = none; see
 * TIMELINE_BASE); then vcpus u64 MPIDR values, then the records. */
#define OPS_MAGIC        0x504f4447
#define OPS_VERSION      2
#define OPS_HEADER_BYTES 128

/* Memory console (our own VMM, targets/kvm-linux/vmm): the agent appends its output lines to
 * text[] instead of the UART, so a result costs no exit. u64 pos (bytes written), u64 capacity,
 * u8 parked[AGENT_MAX_CPUS] (set by the VMM while a vCPU's thread is held out of KVM_RUN: the
 * other vCPUs do not wait for it), u64 asleep mask (the agent's: vCPUs logically in WFI), text
 * from CONSOLE_TEXT_OFFSET. The VMM appends host-op results at pos itself while the vCPU that
 * rang the doorbell is stopped. */
#define CONSOLE_TEXT_OFFSET 256
/* The timeline (a profile of where a run's time goes, op by op; our VMM reports it when asked):
 * when the header's timeline address is set, the vCPU that takes record k stores CNTVCT_EL0 (a
 * register read that does not exit) at timeline + 8 k, and vCPU 0 stores it at index nops once
 * the last record is done, then CNTFRQ_EL0 at index nops + 1. Free RAM between the console and
 * the ops buffer: TIMELINE_MAX_RECORDS records at most. */
#define TIMELINE_BASE        0xBEC00000
#define TIMELINE_MAX_RECORDS 0x7FFFE
/* From this offset of the memory console, u64 counters of the agent's exits by cause (the
 * AGENT_COUNT_* indexes; the VMM reports them with each result): what a run costs, op by op. */
#define CONSOLE_COUNTERS_OFFSET 128
#define AGENT_COUNT_SYNC       0 /* GICD_CTLR read before an op that does not trap by itself */
#define AGENT_COUNT_WAKE_SYNC  1 /* GICD_CTLR read of an asleep vCPU's wake-up check */
#define AGENT_COUNT_OP_MMIO    2 /* the access of an mmio.read / mmio.write op */
#define AGENT_COUNT_ITS_REGS   3 /* GITS_CBASER + GITS_CWRITER reads of an ITS command batch */
#define AGENT_COUNT_CWRITER    4 /* GITS_CWRITER write of an ITS command batch */
#define AGENT_COUNT_CREADR     5 /* GITS_CREADR reads waiting for the batch */
#define AGENT_COUNT_HOST       6 /* host-op doorbell */
#define AGENT_COUNT_NEXT       7 /* DOORBELL_NEXT: the next record is another vCPU's, or one asleep looks */
#define AGENT_COUNT_WAIT       8 /* DOORBELL_WAIT: not this vCPU's turn */
#define AGENT_COUNT_GROUP      9 /* op group doorbells (start, done) */
#define AGENT_COUNT_SILENT    10 /* silent records' accesses (parked vCPU let back in) */
#define AGENT_COUNTERS        16

/* Under our VMM a vCPU whose turn it is not leaves the guest instead of spinning: it reads
 * DOORBELL + DOORBELL_WAIT, which the VMM completes once the vCPU is granted a turn; the vCPU that
 * published the next record writes the next record's vCPU (DOORBELL_NEXT_ALL: the run is over) to
 * DOORBELL + DOORBELL_NEXT, which grants it and every asleep vCPU (they check for a wake-up after
 * each op). So an idle vCPU holds nothing in list registers while another vCPU's op runs. */
#define DOORBELL_WAIT     8
#define DOORBELL_NEXT     16
#define DOORBELL_NEXT_ALL 0xffffffff
/* or'ed into a DOORBELL_NEXT value: the op just run cannot have woken another vCPU (agent.c
 * quiet_for_others), so the asleep vCPUs are not granted a turn to look */
#define DOORBELL_NEXT_QUIET 0x100000000
/* An op group (a GROUP record): the vCPU that owns the record writes (result index << 32) | the
 * record's byte offset in the ops buffer to DOORBELL + DOORBELL_GROUP; the VMM then runs, each
 * from a thread of its own and at the same time, every vCPU that has a member op and every host
 * member. A vCPU done with its members writes DOORBELL + DOORBELL_GROUP_DONE; the owner's write
 * completes once every member is done. */
#define DOORBELL_GROUP      24
#define DOORBELL_GROUP_DONE 32
/* A run of consecutive host records of this vCPU while no vCPU is asleep (so nobody has to look
 * for a wake-up between them): one write of (first result index << 32) | (count << 24) | the
 * first record's table index (the run's table indexes are consecutive); the VMM runs them in
 * order, as it would one doorbell each. */
#define DOORBELL_HOST_RUN   40
#define HOST_RUN_MAX        255

/* record: u8 kind, u8 cpu, u8 width (bytes), u8 flags, u32 record bytes (multiple of 8),
 * u64 a, u64 b, payload */
#define REC_HEADER_BYTES 24
#define OP_MMIO_READ     1  /* a = address, width */
#define OP_MMIO_WRITE    2  /* a = address, b = value, width */
#define OP_SYSREG_READ   3  /* a = the MRS instruction (Rt = x0) */
#define OP_SYSREG_WRITE  4  /* a = the MSR instruction (Rt = x0), b = value */
#define OP_WFI           5
#define OP_ITS_CMD       6  /* a = ITS control frame base, b = command count, payload 32 bytes each */
#define OP_MEM_WRITE     7  /* a = address, b = length, payload the bytes */
#define OP_MEM_READ      8  /* a = address, b = length */
#define OP_HOST          9  /* a = index in the VMM's host-op table: one 64-bit write of
                             * (result index << 32) | a to the doorbell; the VMM runs the op and
                             * writes its result line (result index all ones: silent) */
#define OP_GROUP         10 /* a = member count; the members follow as records of their own, each
                             * on its vCPU (host members: OP_HOST), inside this record's size.
                             * Member m of result k reports "R<k>.<m> ..."; the owner then prints
                             * "R<k> G <count>" */

/* record flags: a silent record is an MMIO write of the VM-creation preamble (encoding.ts) or a
 * host record the VMM needs for itself (a parked vCPU let back in): run, never reported, not
 * counted in the result indices */
#define REC_FLAG_SILENT  1
/* record flag (our VMM): the op cannot change whether another vCPU has an interrupt to signal (a
 * write of a register of the writer's own CPU interface), so the asleep vCPUs need not look for a
 * wake-up after it (agent.c quiet_for_others) */
#define REC_FLAG_QUIET   2

/* MRS/MSR (register) encodings with Rt = x0: the agent refuses anything else as a sysreg op */
#define INSN_MRS_MASK    0xFFF0001F
#define INSN_MRS         0xD5300000
#define INSN_MSR         0xD5100000

#endif
