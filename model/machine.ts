// One primitive op on one candidate state: dispatch to the component that owns it, the WFI rules
// for guest ops on a sleeping vCPU, and the wake-up check after every op (docs/scenario-format.md).
import type { MemReadOp, MemWriteOp, MmioReadOp, MmioWriteOp, OpResult, PrimitiveOp } from '../spec/scenario.js';
import { hexToBytes, parseHex, parseHexNumber } from '../spec/hex.js';
import { runItsCmdOp, type GuestAccess } from '../spec/its-harness.js';
import { type Alt, Exec, type Expected, MaskedBytes, MaskedHex, ModelInputError } from './exec.js';
import { lrsFullOfActive, sysregRead, sysregWrite, wfi } from './cpuif.js';
import { gicdRead, gicdWrite } from './dist.js';
import { gicrRead, gicrSgiRead, gicrSgiWrite, gicrWrite } from './redist.js';
import { gitsRead, gitsWrite } from './its.js';
import { forgetHppiInputs, hppiInputs, hppiSameForAnyPriBits, wakeOutcome } from './interrupts.js';
import { deviceFire, irqfd, irqfdResampled, irqfdSignal, irqLine, noteVcpuRuns, setGsiRouting, signalMsi, timerLine, vfioForward } from './kvm-abi.js';
import { deviceAttr, ITS_TABLES_WRITTEN, migrate, unknownMemoryRanges, unknownPendingBits } from './save-restore.js';
import { notePendingTableWrite, notePropertyWrite } from './lpi.js';
import { ASLEEP, ASLEEP_DOORBELL_WAKE, ASLEEP_LRS_FULL, ASLEEP_MAY_WAKE, ASLEEP_QUIRK_WAKE, type State } from './state.js';
import { noteQuirk, quirkEnabled } from './choices.js';
import { QUIRKS } from './quirks.js';

/**
 * Ops that never make an interrupt pending, enabled or routed anywhere: nothing a sleeping vCPU
 * could wake for changes, so the wake-up check after them (a scan of every interrupt per sleeping
 * vCPU) would find what the last one found. Scheduling ops have no guest-visible effect at all
 * (docs/scenario-format.md); reads at most acknowledge, which takes an interrupt away, on an awake vCPU.
 */
const CANNOT_WAKE: ReadonlySet<string> = new Set(['vcpu.run', 'vcpu.exit', 'vcpu.put', 'mmio.read', 'sysreg.read', 'mem.read', 'irqfd.resampled']);

/** Run `op` on `s` (which it may mutate); returns every permitted outcome, the first on `s`. */
export function runOp(s: State, op: PrimitiveOp, observed?: OpResult): { alts: Alt[]; rules: string[]; pruned: Expected[] } {
  const x = new Exec();
  x.observed = observed;
  const result = runGuarded(s, op, x);
  forgetHppiInputs(s);
  const main: Alt = { state: s, result, commit: x.commit, choice: x.choice, apply: x.apply };
  const wakeCheck = !CANNOT_WAKE.has(op.op);
  if (x.branches.length === 0) {
    if (main.apply === undefined && wakeCheck) afterOp(s, x);
    return { alts: [main], rules: x.rules, pruned: x.pruned };
  }
  const alts: Alt[] = [main, ...x.branches];
  const seen = new Set<State>();
  for (const a of alts) {
    if (a.apply !== undefined || seen.has(a.state) || !wakeCheck) continue;
    seen.add(a.state);
    afterOp(a.state, x);
  }
  return { alts, rules: x.rules, pruned: x.pruned };
}

/**
 * Give every deferred outcome among `alts` (Alt.apply) its own state: a clone where another of
 * `alts` still uses the shared state, else the shared state itself; then the wake-up check. Call
 * on the outcomes that are kept (after matching the observed result); rules go to `rules`.
 */
export function materialize(alts: readonly Alt[], rules: string[]): void {
  let deferred = 0;
  for (const a of alts) if (a.apply !== undefined) deferred++;
  if (deferred === 0) return;
  const users = new Map<State, number>();
  for (const a of alts) users.set(a.state, (users.get(a.state) ?? 0) + 1);
  const x = new Exec();
  for (const a of alts) {
    const apply = a.apply;
    if (apply === undefined) continue;
    const n = users.get(a.state)!;
    let st = a.state;
    if (n > 1) {
      users.set(st, n - 1);
      st = st.clone();
    }
    apply(st);
    a.apply = undefined;
    a.state = st;
    afterOp(st, x);
  }
  for (const r of x.rules) rules.push(r);
}

function runGuarded(s: State, op: PrimitiveOp, x: Exec): Expected {
  const cpu = guestCpu(op);
  if (cpu !== null) {
    if (cpu < 0 || cpu >= s.cfg.vcpus || !Number.isInteger(cpu)) throw new ModelInputError(`${op.op}: cpu ${cpu} does not exist (the VM has ${s.cfg.vcpus} vCPUs)`);
    const a = s.asleep[cpu]!;
    if (a === ASLEEP) {
      x.rule('cpuif.wfi.asleep-ops');
      return 'asleep';
    }
    if (a === ASLEEP_MAY_WAKE) {
      // an interrupt that may have been signalled arrived while it slept: woken (main line), or still asleep
      x.rule('cpuif.wfi.asleep-ops');
      const obs = x.observed;
      if (obs === 'asleep' && op.op !== 'wfi') {
        // only "still asleep" explains it: any other guest op on a woken vCPU returns a value
        s.asleep[cpu] = ASLEEP;
        return 'asleep';
      }
      offerStillAsleep(s, cpu, obs, x);
      s.asleep[cpu] = 0;
    }
    if (a === ASLEEP_QUIRK_WAKE || a === ASLEEP_DOORBELL_WAKE) {
      // still asleep (the architecture), or woken by KVM's wake-up test, which ignores the group
      // enables of the CPU interface (QUIRKS.wfiIgnoresGroupEnable), or by a vLPI's doorbell, which
      // ignores the priority mask (QUIRKS.doorbellWakesMasked): the main line is the quirk's
      const quirk = a === ASLEEP_QUIRK_WAKE ? QUIRKS.wfiIgnoresGroupEnable : QUIRKS.doorbellWakesMasked;
      x.rule('cpuif.wfi.asleep-ops');
      const obs = x.observed;
      if ((obs === 'asleep' && op.op !== 'wfi') || !quirkEnabled(s, quirk)) {
        s.asleep[cpu] = ASLEEP;
        return 'asleep';
      }
      offerStillAsleep(s, cpu, obs, x);
      noteQuirk(s, quirk.id);
      s.asleep[cpu] = 0;
    }
    if (a === ASLEEP_LRS_FULL) {
      // woken (the architecture), or still asleep: on kvm-linux every wake-up check since found
      // the list registers full of active interrupts (QUIRKS.activeFillLrs), which only the quirk explains
      x.rule('cpuif.wfi.asleep-ops');
      const obs = x.observed;
      if (obs === 'asleep' && op.op !== 'wfi') {
        noteQuirk(s, QUIRKS.activeFillLrs.id);
        s.asleep[cpu] = ASLEEP;
        return 'asleep';
      }
      if (obs === undefined || obs === 'asleep') {
        const st = s.clone();
        st.asleep[cpu] = ASLEEP;
        noteQuirk(st, QUIRKS.activeFillLrs.id);
        x.branch(st, 'asleep', `${QUIRKS.activeFillLrs.id}: still asleep, the list registers full of active interrupts`);
      } else x.pruned.push('asleep');
      s.asleep[cpu] = 0;
    }
  }
  return dispatch(s, op, x);
}

// "still asleep in WFI" as another candidate next to a wake-up, unless the observed result rules it
// out (then no clone is made)
function offerStillAsleep(s: State, cpu: number, obs: unknown, x: Exec): void {
  if (obs === undefined || obs === 'asleep') {
    const st = s.clone();
    st.asleep[cpu] = ASLEEP;
    x.branch(st, 'asleep', 'still asleep in WFI');
  } else x.pruned.push('asleep');
}

function guestCpu(op: PrimitiveOp): number | null {
  switch (op.op) {
    case 'mmio.read': case 'mmio.write': case 'sysreg.read': case 'sysreg.write': case 'wfi': return op.cpu;
    case 'its.cmd': return op.cpu ?? 0;
    default: return null;
  }
}

/**
 * Wake-up: a sleeping vCPU with an interrupt it must signal wakes; one it may signal may have woken.
 * With kvm-linux's quirks a vCPU whose list registers active interrupts fill may sleep on (the
 * target looks for the wake-up through the virtual CPU interface, which signals nothing then:
 * QUIRKS.activeFillLrs), until a check finds a list register free.
 */
function afterOp(s: State, x: Exec): void {
  for (let c = 0; c < s.cfg.vcpus; c++) {
    if (s.asleep[c] === 0) continue;
    const w = wakeUnderAnyPriBits(s, c, x);
    const lrsFull = (s.asleep[c] === ASLEEP || s.asleep[c] === ASLEEP_LRS_FULL) && lrsFullOfActive(s, c);
    if (s.asleep[c] === ASLEEP_LRS_FULL && lrsFull) continue; // woken already (the architecture), asleep on kvm-linux: both stand
    if (w === 'must' && lrsFull) {
      s.asleep[c] = ASLEEP_LRS_FULL;
      x.rule('cpuif.wfi.wake');
    } else if (w === 'must') {
      s.asleep[c] = 0;
      x.rule('cpuif.wfi.wake');
    } else if (s.asleep[c] === ASLEEP_LRS_FULL) {
      // a list register free (the target's check wakes it if it signals), or nothing to wake for
      // any more: the architecture's PE woke when the marker was set, kvm-linux's sleeps on
      if (w === 'may') s.asleep[c] = ASLEEP_MAY_WAKE;
    } else if (w === 'may') s.asleep[c] = ASLEEP_MAY_WAKE;
    else if (s.asleep[c] === ASLEEP && wokenIgnoringGroupEnables(s, c, x)) s.asleep[c] = ASLEEP_QUIRK_WAKE;
  }
}

/**
 * KVM (quirks only): its wake-up test (kvm_vgic_vcpu_pending_irq) ignores the CPU interface's group
 * enables, so a vCPU asleep with a group disabled wakes for an interrupt of that group
 * (QUIRKS.wfiIgnoresGroupEnable; the WFI itself: cpuif.ts wfi).
 */
function wokenIgnoringGroupEnables(s: State, c: number, x: Exec): boolean {
  if ((s.igrpen0[c] !== 0 && s.igrpen1[c] !== 0) || !quirkEnabled(s, QUIRKS.wfiIgnoresGroupEnable)) return false;
  const en0 = s.igrpen0[c]!;
  const en1 = s.igrpen1[c]!;
  s.igrpen0[c] = 1;
  s.igrpen1[c] = 1;
  try {
    return wakeUnderAnyPriBits(s, c, x) !== 'no';
  } finally {
    s.igrpen0[c] = en0;
    s.igrpen1[c] = en1;
  }
}

/**
 * The wake-up outcome when choice.u2.priority-bits may still be open: 'must' only if every possible number of priority
 * bits wakes the PE, 'no' only if none does, else 'may' (read-only: priBits is restored).
 */
function wakeUnderAnyPriBits(s: State, cpu: number, x: Exec): 'must' | 'may' | 'no' {
  const all = s.priBits;
  // the competing interrupts do not depend on the priority bits: collect them once
  const inputs = hppiInputs(s, cpu, x);
  if ((all & (all - 1)) === 0) return wakeOutcome(s, cpu, x, inputs);
  if (hppiSameForAnyPriBits(s, cpu, inputs)) {
    s.priBits = all & -all;
    try {
      return wakeOutcome(s, cpu, x, inputs);
    } finally {
      s.priBits = all;
    }
  }
  let seen: 'must' | 'may' | 'no' | null = null;
  try {
    for (let b = 4; b <= 8; b++) {
      if (!(all & (1 << b))) continue;
      s.priBits = 1 << b;
      const w = wakeOutcome(s, cpu, x, inputs);
      if (seen === null) seen = w;
      else if (seen !== w) seen = 'may';
    }
  } finally {
    s.priBits = all;
  }
  return seen ?? 'no';
}

function dispatch(s: State, op: PrimitiveOp, x: Exec): Expected {
  if (s.spiAckedOn.size > 0 || s.apListHeld.size > 0) noteCertainExit(s, op);
  if (s.quirks.size > 0) {
    const runs = op.op === 'mmio.read' || op.op === 'mmio.write' || op.op === 'sysreg.read' || op.op === 'sysreg.write' || op.op === 'wfi' || op.op === 'vcpu.run' ? op.cpu
      : op.op === 'its.cmd' ? op.cpu ?? 0 : -1;
    if (runs >= 0 && runs < s.cfg.vcpus && !s.ran.has(runs)) noteVcpuRuns(s, runs, x);
  }
  switch (op.op) {
    case 'mmio.read': return mmioRead(s, op, x);
    case 'mmio.write': mmioWrite(s, op, x); return null;
    case 'sysreg.read': return sysregRead(s, op, x);
    case 'sysreg.write': return sysregWrite(s, op, x);
    case 'wfi': return wfi(s, op, x);
    case 'its.cmd': {
      if (op.its < 0 || op.its >= s.cfg.its) throw new ModelInputError(`its.cmd: ITS ${op.its} does not exist (the VM has ${s.cfg.its})`);
      runItsCmdOp(op, new ModelGuestAccess(s, x));
      return null;
    }
    case 'mem.write': {
      const addr = parseHexNumber(op.addr);
      const bytes = hexToBytes(op.bytes);
      noteItsTableWrite(s, addr, bytes.length);
      memWrite(s, addr, bytes, x);
      return null;
    }
    case 'mem.read': return memRead(s, op, x);
    case 'kvm.irq_line': return irqLine(s, op, x);
    case 'kvm.signal_msi': return signalMsi(s, op, x);
    case 'kvm.set_gsi_routing': return setGsiRouting(s, op, x);
    case 'kvm.irqfd': return irqfd(s, op, x);
    case 'irqfd.signal': return irqfdSignal(s, op, x);
    case 'irqfd.resampled': return irqfdResampled(s, op, x);
    case 'vfio.forward': case 'vfio.unforward': return vfioForward(s, op, x);
    case 'device.fire': return deviceFire(s, op, x);
    case 'timer.line': return timerLine(s, op, x);
    case 'kvm.device_attr': return deviceAttr(s, op, x);
    case 'migrate': return migrate(s, x);
    case 'vcpu.run': case 'vcpu.exit': case 'vcpu.put':
      // no guest-visible meaning (docs/scenario-format.md)
      x.rule('sched.no-effect');
      return null;
    case 'group':
      // the oracle tries the group's ops in every order (model/oracle.ts), the model target in a seeded one (spec/group.ts)
      throw new ModelInputError('a group is run op by op in some order (model/oracle.ts observeGroup), not as one op');
  }
}

/**
 * KVM (QUIRKS.resampleNeedsExitWhileActive, State.apListHeld): the ops after which the vCPU has
 * certainly left the guest, so that the fold (vgic_v3_fold_lr) saw the SPIs it acknowledged still
 * active and the prune (vgic_prune_ap_list) dropped what was no longer pending: its MMIO
 * accesses (a stage-2 fault to the emulated frames), an ITS command (the GITS_CWRITER write), the
 * SGI registers (trapped), WFI (trapped) and its own exit or put. An exit made by a maintenance
 * interrupt, a kick or a trapped DIR is not followed: the quirk stays offered there.
 */
function noteCertainExit(s: State, op: PrimitiveOp): void {
  let cpu: number;
  switch (op.op) {
    case 'mmio.read': case 'mmio.write': case 'wfi': case 'vcpu.exit': case 'vcpu.put': cpu = op.cpu; break;
    case 'its.cmd': cpu = op.cpu ?? 0; break;
    case 'sysreg.write':
      if (op.reg !== 'ICC_SGI1R_EL1' && op.reg !== 'ICC_ASGI1R_EL1' && op.reg !== 'ICC_SGI0R_EL1') return;
      cpu = op.cpu;
      break;
    default: return;
  }
  for (const [slot, v] of s.spiAckedOn) if (v === cpu * 2) s.spiAckedOn.set(slot, v + 1);
  // the exit pruned its ap_list (vgic_prune_ap_list): what it held there has gone (State.apListHeld)
  for (const [k, v] of s.apListHeld) if (v === cpu) s.apListHeld.delete(k);
}

// ---------------------------------------------------------------- MMIO

function frameIndex(s: State, op: MmioReadOp | MmioWriteOp): number | null {
  if (op.frame === 'gicd') return 0;
  const i = op.index ?? 0;
  const limit = op.frame === 'gits' ? s.cfg.its : s.cfg.vcpus;
  return i >= 0 && i < limit ? i : null;
}

function mmioRead(s: State, op: MmioReadOp, x: Exec): Expected {
  const i = frameIndex(s, op);
  if (i === null) {
    x.rule('mmio.unmapped');
    return new MaskedHex(0n, 0n);
  }
  switch (op.frame) {
    case 'gicd': return gicdRead(s, op.cpu, op.offset, op.width, x);
    case 'gicr': return gicrRead(s, i, op.offset, op.width, x);
    case 'gicr-sgi': return gicrSgiRead(s, i, op.offset, op.width, x, op.cpu);
    case 'gits': return gitsRead(s, i, op.offset, op.width, x);
  }
}

function mmioWrite(s: State, op: MmioWriteOp, x: Exec): void {
  const i = frameIndex(s, op);
  if (i === null) {
    x.rule('mmio.unmapped');
    return;
  }
  const v = parseHex(op.value);
  switch (op.frame) {
    case 'gicd': return gicdWrite(s, op.cpu, op.offset, op.width, v, x);
    case 'gicr': return gicrWrite(s, i, op.offset, op.width, v, x, op.cpu);
    case 'gicr-sgi': return gicrSgiWrite(s, i, op.offset, op.width, v, x, op.cpu);
    case 'gits': return gitsWrite(s, i, op.offset, op.width, v, x);
  }
}

/**
 * The guest accesses of the its.cmd op (spec/its-harness.ts) on a model state. A class, not an
 * object literal of closures: this runs for every candidate on every its.cmd, and under tsx each
 * closure created costs a defineProperty (keepNames).
 */
class ModelGuestAccess implements GuestAccess {
  constructor(private readonly s: State, private readonly x: Exec) {}
  mmioRead(_cpu: number, its: number, offset: number): bigint {
    const it = this.s.its[its]!;
    if (offset === 0x80) return it.cbaser;
    if (offset === 0x88) return BigInt(it.cwriter);
    throw new Error(`internal: its-harness read of GITS offset 0x${offset.toString(16)}`);
  }
  mmioWrite(_cpu: number, its: number, offset: number, width: 32 | 64, value: bigint): void {
    gitsWrite(this.s, its, offset, width, value, this.x);
  }
  memWrite(addr: number, bytes: Uint8Array): void {
    memWrite(this.s, addr, bytes, this.x);
  }
}

// ---------------------------------------------------------------- guest memory

function memWrite(s: State, addr: number, bytes: Uint8Array, x: Exec): void {
  if (!s.mem.inRam(addr, bytes.length)) {
    x.rule('mem.outside-ram');
    return;
  }
  x.rule('mem.write');
  notePropertyWrite(s, addr, bytes, x);
  notePendingTableWrite(s, addr, bytes, x);
  s.mem.write(addr, bytes);
}

/**
 * A guest write into memory the ITS owns (choice.u33.table-memory-write: UNPREDICTABLE for the entries written): from then on
 * a save may leave such entries as they are (save-restore.ts, staleEntryPolicy). Held in `fixed`.
 */
function noteItsTableWrite(s: State, addr: number, len: number): void {
  if (s.cfg.its === 0 || s.fixed.has(ITS_TABLES_WRITTEN)) return;
  for (const [lo, hi, rule] of unknownMemoryRanges(s)) {
    if (rule === 'choice.u33.table-memory-write' && addr < hi && addr + len > lo) {
      s.fixed.set(ITS_TABLES_WRITTEN, 1n);
      return;
    }
  }
}

/** mem.read: RAM as written, except memory whose content the architecture leaves UNKNOWN (choice.u20.pending-table-access, choice.u33.table-memory-write). */
function memRead(s: State, op: MemReadOp, x: Exec): Expected {
  const addr = parseHexNumber(op.addr);
  const len = op.len;
  const care = new Uint8Array(len).fill(0xff);
  if (!s.mem.inRam(addr, len)) {
    x.rule('mem.outside-ram');
    return new MaskedBytes(new Uint8Array(len), new Uint8Array(len));
  }
  x.rule('mem.read');
  const bytes = s.mem.read(addr, len);
  for (const [lo, hi, rule] of unknownMemoryRanges(s)) {
    const a = Math.max(lo, addr);
    const b = Math.min(hi, addr + len);
    if (a >= b) continue;
    x.rule(rule);
    care.fill(0, a - addr, b - addr);
  }
  for (const [a, bit, rule] of unknownPendingBits(s)) {
    if (a < addr || a >= addr + len) continue;
    x.rule(rule);
    care[a - addr] = care[a - addr]! & ~bit;
  }
  return care.every((c) => c === 0xff) ? new MaskedBytes(bytes, care).representative() : new MaskedBytes(bytes, care);
}

export type { MemWriteOp };
