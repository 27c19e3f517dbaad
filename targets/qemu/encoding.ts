// Encodes a scenario's guest ops into the agent's ops buffer (protocol.ts) and decodes it back
// (for tests and for debugging a run). One record per primitive op, in scenario order.
import type { ExpandedScenario, PrimitiveOp } from '../../spec/scenario.js';
import { parseHex, hexToBytes, bytesToHex } from '../../spec/hex.js';
import { RAM_BASE, GICD_BASE, GICR_SGI_OFFSET, gicrBase, itsBase, vcpuAffinity } from '../../spec/layout.js';
import { encodeItsCommandInto, decodeItsCommand, toScenarioCommand, ITS_COMMAND_BYTES } from '../../spec/codec/its-command.js';
import type { ItsCommand } from '../../spec/scenario.js';
import {
  OPS_MAGIC, OPS_VERSION, OPS_HEADER_BYTES, REC_HEADER_BYTES, OPS_MAX_BYTES,
  OP_MMIO_READ, OP_MMIO_WRITE, OP_SYSREG_READ, OP_SYSREG_WRITE, OP_WFI, OP_ITS_CMD, OP_MEM_WRITE, OP_MEM_READ,
  OP_HOST, OP_GROUP, REC_FLAG_SILENT, REC_FLAG_QUIET,
} from './protocol.js';
import { GUEST_OPS } from '../../spec/scenario.js';
import { sysregEncoding, sysregInstruction, registerOffset } from './registers.js';

/**
 * How many CREADR reads the agent makes, at most, waiting for the ITS to consume commands. QEMU
 * and KVM both process the queue inside the CWRITER write, so the first read already shows the
 * outcome; the bound only matters when the ITS legitimately leaves commands queued (disabled,
 * invalid queue), and a large one made each such its.cmd cost ~2 ms under TCG.
 */
export const CREADR_POLL_LIMIT = 64;

/** The guest physical address of an MMIO op's register (docs/scenario-format.md map, spec/layout.ts). */
export function mmioAddress(op: { frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits'; index?: number; offset: number }): number {
  const index = op.index ?? 0;
  switch (op.frame) {
    case 'gicd': return GICD_BASE + op.offset;
    case 'gicr': return gicrBase(index) + op.offset;
    case 'gicr-sgi': return gicrBase(index) + GICR_SGI_OFFSET + op.offset;
    case 'gits': return itsBase(index) + op.offset;
  }
}

/** MPIDR value of vCPU i as QEMU virt and KVM assign it (spec/layout.ts vcpuAffinity). */
export function mpidrOf(i: number): bigint {
  const a = vcpuAffinity(i);
  return BigInt(a.aff0) | (BigInt(a.aff1) << 8n) | (BigInt(a.aff2) << 16n) | (BigInt(a.aff3) << 32n);
}

class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf);
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
}

function u64(w: Writer, at: number, v: bigint): void {
  w.view.setBigUint64(at, BigInt.asUintN(64, v), true);
}

/** A record's fixed part; returns the record's start so the caller can add a payload. */
function record(w: Writer, kind: number, cpu: number, width: number, a: bigint, b: bigint, payload = 0, flags = 0): number {
  const size = (REC_HEADER_BYTES + payload + 7) & ~7;
  w.ensure(size);
  const at = w.pos;
  w.view.setUint8(at, kind);
  w.view.setUint8(at + 1, cpu);
  w.view.setUint8(at + 2, width);
  w.view.setUint8(at + 3, flags);
  w.view.setUint32(at + 4, size, true);
  u64(w, at + 8, a);
  u64(w, at + 16, b);
  w.pos += size;
  return at;
}

function sysregInsn(reg: string, write: boolean, where: string): bigint {
  const e = sysregEncoding(reg);
  if (!e) throw new Error(`${where}: system register ${reg} has no encoding in spec/data/registers/icc.json`);
  return BigInt(sysregInstruction(e, write));
}

/**
 * Which vCPU runs each record under our own VMM, where `vcpu.put` holds a vCPU's thread out of
 * KVM_RUN (parks it): a guest op on a parked vCPU is preceded by a silent host record that lets
 * it back in, run by a vCPU that is not parked; memory and host ops are run by a vCPU that is not
 * parked, the one that ran the record before if it can (a change of vCPU costs an exit to the
 * VMM; the VMM runs a host op while every vCPU is out of KVM_RUN, whichever rang, and memory is
 * the same from every vCPU). A vCPU never parks itself (its put is the exit to the VMM it is
 * already in), so one vCPU at least always runs.
 */
class Parking {
  private readonly parked = new Set<number>();
  /** the vCPU of the record encoded last (vCPU 0 starts the agent) */
  last = 0;
  constructor(private readonly vcpus: number) {}
  /** a vCPU that is running, other than those in `avoid` if one is: the last one if it can */
  runner(avoid?: number | ReadonlySet<number>): number {
    const avoided = (c: number) => (typeof avoid === 'number' ? c === avoid : avoid?.has(c) ?? false);
    if (!this.parked.has(this.last) && !avoided(this.last)) return this.last;
    for (let c = 0; c < this.vcpus; c++) if (!this.parked.has(c) && !avoided(c)) return c;
    for (let c = 0; c < this.vcpus; c++) if (!this.parked.has(c)) return c;
    return 0;
  }
  isParked(cpu: number): boolean { return this.parked.has(cpu); }
  park(cpu: number): void { this.parked.add(cpu); }
  unpark(cpu: number): void { this.parked.delete(cpu); }
}

/** A host op as the VMM's table sees it; `unpark` is the VMM's own (silent) record. */
export type VmmHostOp = PrimitiveOp | { op: 'unpark'; cpu: number };

function encodeHostRecord(w: Writer, vmm: VmmOptions, park: Parking, op: VmmHostOp, silent: boolean): void {
  let executor = park.runner();
  if (op.op === 'vcpu.put' || op.op === 'vcpu.exit') {
    // the executor of a put is never the vCPU put, unless it is the only one running
    executor = park.runner(op.cpu);
    if (op.op === 'vcpu.put' && executor !== op.cpu) park.park(op.cpu);
  } else if (op.op === 'vcpu.run' || op.op === 'unpark') {
    park.unpark(op.cpu);
  }
  record(w, OP_HOST, executor, 0, BigInt(vmm.hostIndex(op)), 0n, 0, (silent ? REC_FLAG_SILENT : 0) | (quietHostOp(op) ? REC_FLAG_QUIET : 0));
  park.last = executor;
}

/**
 * Host ops after which no asleep vCPU needs to look for a wake-up (REC_FLAG_QUIET): they change
 * nothing in KVM's vGIC state. `vcpu.exit` and `vcpu.put` (every vCPU is out of KVM_RUN already;
 * a put vCPU is not looked at while it is put), a read of the resamplefd, a device attribute
 * read. Not `vcpu.run`: the vCPU it lets back in has not looked since it was put.
 */
function quietHostOp(op: VmmHostOp): boolean {
  return op.op === 'vcpu.exit' || op.op === 'vcpu.put' || op.op === 'irqfd.resampled' || (op.op === 'kvm.device_attr' && op.access === 'get');
}

function encodeOp(w: Writer, op: PrimitiveOp, k: number, vcpus: number, vmm?: VmmOptions, park?: Parking): number {
  const where = `op ${k} (${op.op})`;
  // an op for a vCPU that does not exist would wait forever in the agent
  const cpu = 'cpu' in op ? op.cpu : undefined;
  if (cpu !== undefined && !(Number.isInteger(cpu) && cpu >= 0 && cpu < vcpus)) {
    throw new Error(`${where}: cpu ${cpu}, but the config has ${vcpus} vCPUs`);
  }
  if (vmm && park && op.op === 'group') return encodeGroup(w, op, k, vcpus, vmm, park);
  if (vmm && park) {
    if (!GUEST_OPS.has(op.op)) {
      encodeHostRecord(w, vmm, park, op, false);
      return 0;
    }
    const guestCpu = op.op === 'its.cmd' ? (op.cpu ?? 0) : cpu;
    if (guestCpu !== undefined && park.isParked(guestCpu)) {
      encodeHostRecord(w, vmm, park, { op: 'unpark', cpu: guestCpu }, true);
      park.last = guestCpu;
      encodeOp(w, op, k, vcpus);
      return 1;
    }
    if (op.op === 'mem.write' || op.op === 'mem.read') {
      const at = w.pos;
      encodeOp(w, op, k, vcpus);
      w.view.setUint8(at + 1, park.runner());
      // KVM reads guest memory only when an op asks it to (an ITS command, EnableLPIs, a
      // restore: all exits of their own), so a memory write wakes nobody by itself
      if (op.op === 'mem.write') w.view.setUint8(at + 3, w.view.getUint8(at + 3) | REC_FLAG_QUIET);
      park.last = park.runner();
      return 0;
    }
    if (op.op === 'sysreg.write' && (OWN_INTERFACE_CONFIG.test(op.reg) || endsOnlyOwnInterrupt(op.reg, op.value))) {
      const at = w.pos;
      encodeGuestOp(w, op, where);
      w.view.setUint8(at + 3, w.view.getUint8(at + 3) | REC_FLAG_QUIET);
      park.last = op.cpu;
      return 0;
    }
  }
  encodeGuestOp(w, op, where);
  const ranOn = op.op === 'its.cmd' ? (op.cpu ?? 0) : cpu;
  if (park && ranOn !== undefined) park.last = ranOn;
  return 0;
}

/**
 * System registers whose write changes only the writer's own CPU interface (its priority mask,
 * binary points, control, group enables, active priorities: Arm IHI 0069, the ICC_*_EL1 register descriptions), never whether
 * another PE has an interrupt to signal; so under our VMM the asleep vCPUs need not look for a
 * wake-up after one (REC_FLAG_QUIET). EOIs, DIR and SGI generation are not among them.
 */
export const OWN_INTERFACE_CONFIG = /^ICC_(PMR|BPR[01]|CTLR|IGRPEN[01]|AP[01]R[0-3])_EL1$/;

/**
 * An EOI or DIR that names an SGI or PPI (INTID < 32: the writer's own, banked per PE) or a
 * special INTID (1020-1023): it drops the writer's priority and deactivates at most one of its
 * own private interrupts, so it cannot give another vCPU an interrupt to signal (an SPI or LPI it
 * deactivates could become pending at another vCPU: those stay checked).
 */
export function endsOnlyOwnInterrupt(reg: string, value: string): boolean {
  if (!/^ICC_(EOIR[01]|DIR)_EL1$/.test(reg)) return false;
  const intid = Number(parseHex(value) & 0xff_ffffn); // INTID [23:0]
  return intid < 32 || (intid >= 1020 && intid <= 1023);
}

/**
 * An op group under our own VMM (agent/protocol.h OP_GROUP): one record owned by a running vCPU
 * (not one a member puts), holding a record per member: guest ops on their vCPU, memory ops on
 * the owner, host and scheduling ops as host records the VMM runs from threads of their own.
 * A guest member's parked vCPU is let back in first (silent records). Returns the silent count.
 */
function encodeGroup(w: Writer, op: Extract<PrimitiveOp, { op: 'group' }>, k: number, vcpus: number, vmm: VmmOptions, park: Parking): number {
  const where = `op ${k} (group)`;
  let silent = 0;
  const put = new Set<number>();
  for (const [j, m] of op.ops.entries()) {
    const cpu = 'cpu' in m ? m.cpu : undefined;
    if (cpu !== undefined && !(Number.isInteger(cpu) && cpu >= 0 && cpu < vcpus)) {
      throw new Error(`${where}, member ${j} (${m.op}): cpu ${cpu}, but the config has ${vcpus} vCPUs`);
    }
    if (m.op === 'vcpu.put') put.add(m.cpu);
    if (GUEST_OPS.has(m.op) && m.op !== 'mem.read' && m.op !== 'mem.write') {
      const guestCpu = m.op === 'its.cmd' ? (m.cpu ?? 0) : (cpu ?? 0);
      if (park.isParked(guestCpu)) {
        encodeHostRecord(w, vmm, park, { op: 'unpark', cpu: guestCpu }, true);
        silent++;
      }
    }
  }
  const owner = park.runner(put);
  const at = record(w, OP_GROUP, owner, 0, BigInt(op.ops.length), 0n);
  for (const m of op.ops) {
    if (!GUEST_OPS.has(m.op)) {
      record(w, OP_HOST, owner, 0, BigInt(vmm.hostIndex(m)), 0n);
      if (m.op === 'vcpu.put' && m.cpu !== owner) park.park(m.cpu);
      else if (m.op === 'vcpu.run') park.unpark(m.cpu);
      continue;
    }
    const start = w.pos;
    encodeGuestOp(w, m, `${where}, member ${m.op}`);
    if (m.op === 'mem.write' || m.op === 'mem.read') w.view.setUint8(start + 1, owner);
  }
  w.view.setUint32(at + 4, w.pos - at, true);
  park.last = owner;
  return silent;
}

function encodeGuestOp(w: Writer, op: PrimitiveOp, where: string): void {
  switch (op.op) {
    case 'mmio.read':
      record(w, OP_MMIO_READ, op.cpu, op.width / 8, BigInt(mmioAddress(op)), 0n);
      return;
    case 'mmio.write':
      record(w, OP_MMIO_WRITE, op.cpu, op.width / 8, BigInt(mmioAddress(op)), parseHex(op.value));
      return;
    case 'sysreg.read':
      record(w, OP_SYSREG_READ, op.cpu, 8, sysregInsn(op.reg, false, where), 0n);
      return;
    case 'sysreg.write':
      record(w, OP_SYSREG_WRITE, op.cpu, 8, sysregInsn(op.reg, true, where), parseHex(op.value));
      return;
    case 'wfi':
      record(w, OP_WFI, op.cpu, 0, 0n, 0n);
      return;
    case 'its.cmd': {
      const n = op.cmds.length;
      const at = record(w, OP_ITS_CMD, op.cpu ?? 0, 0, BigInt(itsBase(op.its)), BigInt(n), n * ITS_COMMAND_BYTES);
      op.cmds.forEach((c, i) => encodeItsCommandInto(c, w.buf, at + REC_HEADER_BYTES + i * ITS_COMMAND_BYTES));
      return;
    }
    case 'mem.write': {
      const bytes = hexToBytes(op.bytes);
      // memory ops are the agent's own accesses, made by vCPU 0 (they have no vCPU of their own)
      const at = record(w, OP_MEM_WRITE, 0, 0, parseHex(op.addr), BigInt(bytes.length), bytes.length);
      w.buf.set(bytes, at + REC_HEADER_BYTES);
      return;
    }
    case 'mem.read':
      record(w, OP_MEM_READ, 0, 0, parseHex(op.addr), BigInt(op.len));
      return;
    default:
      throw new Error(`${where}: not a guest op; the qemu target cannot run it`);
  }
}

/**
 * The VM-creation preamble: silent MMIO writes that put QEMU's GIC, before the first op, in the
 * state a VM is created in (docs/scenario-format.md; the model's VM-creation state, include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init) wherever
 * QEMU's reset differs and the architecture leaves the reset value UNKNOWN or IMPDEF (Arm IHI 0069
 * 4.1): every SGI, PPI and SPI in Group 1, SGIs enabled, SPIs edge-triggered. (QEMU's other
 * reset values already match, e.g. priorities 0, SPIs routed to affinity 0, redistributors asleep
 * in GICR_WAKER.) `spis`: how many SPIs to set up (those both the scenario and the board have).
 */
function creationPreamble(w: Writer, vcpus: number, spis: number): number {
  let n = 0;
  const gicd = (name: string, index: number, value: bigint): void => {
    record(w, OP_MMIO_WRITE, 0, 4, BigInt(GICD_BASE + registerOffset('gicd', name) + 4 * index), value, 0, REC_FLAG_SILENT);
    n++;
  };
  for (let i = 1; i <= spis / 32; i++) gicd('GICD_IGROUPR<n>', i, 0xffff_ffffn);
  // ICFGR: two bits per INTID, Int_config = bit 2k+1 (IHI 0069 GICD_ICFGR<n>, GICR_ICFGR<n>): 0xaaaaaaaa = all edge
  for (let i = 2; i < 2 + spis / 16; i++) gicd('GICD_ICFGR<n>', i, 0xaaaa_aaaan);
  for (let c = 0; c < vcpus; c++) {
    const sgi = gicrBase(c) + GICR_SGI_OFFSET;
    record(w, OP_MMIO_WRITE, c, 4, BigInt(sgi + registerOffset('gicr-sgi', 'GICR_IGROUPR0')), 0xffff_ffffn, 0, REC_FLAG_SILENT);
    record(w, OP_MMIO_WRITE, c, 4, BigInt(sgi + registerOffset('gicr-sgi', 'GICR_ISENABLER0')), 0xffffn, 0, REC_FLAG_SILENT);
    n += 2;
  }
  return n;
}

/** Our own VMM (targets/kvm-linux): memory console, doorbell, and the host-op table. */
export interface VmmOptions {
  /** guest physical address of the memory console (protocol.h) */
  console: number;
  /** guest physical address whose write exits to the VMM */
  doorbell: number;
  /** add a host op to the VMM's table; returns its index */
  hostIndex(op: VmmHostOp): number;
}

export interface EncodeOptions {
  /** run under our own VMM: host ops become doorbell records, output goes to memory */
  vmm?: VmmOptions;
  /**
   * Real KVM: make the agent read GICD_CTLR (trapping, no side effects) before and after every
   * op, so each op starts from the kernel's current vGIC state and leaves its own in it
   * (agent.c sync_exit).
   */
  kvmSync?: boolean;
  /** QEMU: start with the VM-creation preamble for this many SPIs (creationPreamble) */
  creationState?: { spis: number };
  /** GITS_CREADR reads after each command batch (default CREADR_POLL_LIMIT) */
  creadrPolls?: number;
  /** profile: the agent stamps each record's start at this guest address (protocol.h TIMELINE_BASE) */
  timeline?: number;
}

/** The ops buffer for a scenario (its ops must all be guest ops). */
export function encodeOps(s: ExpandedScenario, options: EncodeOptions = {}): Uint8Array {
  const { vcpus, memory } = s.config;
  const w = new Writer(4096);
  w.ensure(OPS_HEADER_BYTES + 8 * vcpus);
  w.pos = OPS_HEADER_BYTES;
  for (let i = 0; i < vcpus; i++) {
    u64(w, w.pos, mpidrOf(i));
    w.pos += 8;
  }
  let silent = options.creationState ? creationPreamble(w, vcpus, options.creationState.spis) : 0;
  const park = options.vmm ? new Parking(vcpus) : undefined;
  s.ops.forEach((op, k) => { silent += encodeOp(w, op, k, vcpus, options.vmm, park); });
  if (w.pos > OPS_MAX_BYTES) {
    throw new Error(`scenario ${s.name}: its ops take ${w.pos} bytes, more than the agent's ${OPS_MAX_BYTES}-byte ops buffer`);
  }
  const v = w.view;
  v.setUint32(0, OPS_MAGIC, true);
  v.setUint32(4, OPS_VERSION, true);
  v.setUint32(8, s.ops.length + silent, true);
  v.setUint32(12, vcpus, true);
  u64(w, 16, BigInt(w.pos));
  u64(w, 24, BigInt(RAM_BASE));
  u64(w, 32, BigInt(memory));
  v.setUint32(40, registerOffset('gits', 'GITS_CBASER'), true);
  v.setUint32(44, registerOffset('gits', 'GITS_CWRITER'), true);
  v.setUint32(48, registerOffset('gits', 'GITS_CREADR'), true);
  v.setUint32(52, options.creadrPolls ?? CREADR_POLL_LIMIT, true);
  u64(w, 56, options.kvmSync ? BigInt(GICD_BASE + registerOffset('gicd', 'GICD_CTLR')) : 0n);
  u64(w, 64, BigInt(options.vmm?.console ?? 0));
  u64(w, 72, BigInt(options.vmm?.doorbell ?? 0));
  u64(w, 80, BigInt(options.timeline ?? 0));
  return w.buf.slice(0, w.pos);
}

/** One decoded record (what the agent will do). */
export interface DecodedRecord {
  kind: number;
  cpu: number;
  width: number;
  flags: number;
  a: bigint;
  b: bigint;
  /** its.cmd: the commands; mem.write: the bytes as plain hex */
  cmds?: ItsCommand[];
  bytes?: string;
  /** an op group (our VMM): its member records */
  members?: DecodedRecord[];
}

export interface DecodedOps {
  nops: number;
  vcpus: number;
  ramBase: bigint;
  ramSize: bigint;
  offsets: { cbaser: number; cwriter: number; creadr: number };
  pollLimit: number;
  /** nonzero: the register the agent reads around every op (kvm-hw) */
  syncReadAddr: bigint;
  /** nonzero under our own VMM: the memory console and the host-op doorbell */
  consoleAddr: bigint;
  doorbellAddr: bigint;
  mpidr: bigint[];
  records: DecodedRecord[];
}

/** Decode an ops buffer; throws naming the byte offset where it is malformed. */
export function decodeOps(buf: Uint8Array): DecodedOps {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < OPS_HEADER_BYTES || v.getUint32(0, true) !== OPS_MAGIC) throw new Error('ops buffer: bad magic');
  if (v.getUint32(4, true) !== OPS_VERSION) throw new Error(`ops buffer: version ${v.getUint32(4, true)}, expected ${OPS_VERSION}`);
  const nops = v.getUint32(8, true);
  const vcpus = v.getUint32(12, true);
  const total = Number(v.getBigUint64(16, true));
  if (total !== buf.length) throw new Error(`ops buffer: header says ${total} bytes, buffer has ${buf.length}`);
  const mpidr: bigint[] = [];
  let pos = OPS_HEADER_BYTES;
  for (let i = 0; i < vcpus; i++, pos += 8) mpidr.push(v.getBigUint64(pos, true));
  const records: DecodedRecord[] = [];
  for (let k = 0; k < nops; k++) {
    const { record, size } = decodeRecord(buf, v, pos, buf.length, `record ${k}`);
    records.push(record);
    pos += size;
  }
  if (pos !== buf.length) throw new Error(`ops buffer: ${buf.length - pos} bytes after the last record`);
  return {
    nops, vcpus, ramBase: v.getBigUint64(24, true), ramSize: v.getBigUint64(32, true),
    offsets: { cbaser: v.getUint32(40, true), cwriter: v.getUint32(44, true), creadr: v.getUint32(48, true) },
    pollLimit: v.getUint32(52, true), syncReadAddr: v.getBigUint64(56, true),
    consoleAddr: v.getBigUint64(64, true), doorbellAddr: v.getBigUint64(72, true), mpidr, records,
  };
}

/** One record at `pos` that must end by `end` (a group's members end with the group). */
function decodeRecord(buf: Uint8Array, v: DataView, pos: number, end: number, what: string): { record: DecodedRecord; size: number } {
  if (pos + REC_HEADER_BYTES > end) throw new Error(`ops buffer: ${what} at byte ${pos} runs past the end`);
  const size = v.getUint32(pos + 4, true);
  if (size < REC_HEADER_BYTES || size % 8 !== 0 || pos + size > end) throw new Error(`ops buffer: ${what} at byte ${pos} has bad size ${size}`);
  const r: DecodedRecord = {
    kind: v.getUint8(pos), cpu: v.getUint8(pos + 1), width: v.getUint8(pos + 2), flags: v.getUint8(pos + 3),
    a: v.getBigUint64(pos + 8, true), b: v.getBigUint64(pos + 16, true),
  };
  const payload = pos + REC_HEADER_BYTES;
  if (r.kind === OP_ITS_CMD) {
    r.cmds = [];
    for (let i = 0; i < Number(r.b); i++) r.cmds.push(toScenarioCommand(decodeItsCommand(buf, payload + i * ITS_COMMAND_BYTES)));
  } else if (r.kind === OP_MEM_WRITE) {
    r.bytes = bytesToHex(buf.subarray(payload, payload + Number(r.b)));
  } else if (r.kind === OP_GROUP) {
    r.members = [];
    let at = payload;
    for (let m = 0; m < Number(r.a); m++) {
      const d = decodeRecord(buf, v, at, pos + size, `${what}, member ${m}`);
      r.members.push(d.record);
      at += d.size;
    }
    if (at !== pos + size) throw new Error(`ops buffer: ${what} at byte ${pos}: ${pos + size - at} bytes after its last member`);
  }
  return { record: r, size };
}
