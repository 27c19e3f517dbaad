// The CPU interface (IHI 0069 chapter 4 and the ICC_* registers): ICC_* system registers as a guest at EL1 sees them, SGI
// generation (3.9) and WFI. One function per register behaviour.
import type { SysregReadOp, SysregWriteOp, WfiOp } from '../spec/scenario.js';
import { parseHex, toHex } from '../spec/hex.js';
import { vcpuByAffinity } from '../spec/layout.js';
import { Exec, type Expected, hex, MaskedHex } from './exec.js';
import { deactivate, groupEnabled, hppiOptions, isPending, signalOutcome, spiTarget, wakeOutcome, type Candidate } from './interrupts.js';
import {
  aprClear, aprCount, aprLowest, aprRegister, aprSet, bpr0Eff, bpr1Eff, groupPriority, priBitsOf, priMask,
  runningPriority, writeAprRegister,
} from './priority.js';
import { impdefRead } from './impdef.js';
import { branchChoice, CHOICES, forEachChoice, offerQuirk, quirkEnabled } from './choices.js';
import { QUIRKS } from './quirks.js';
import { propVersions } from './lpi.js';
import { vlpiOfGsi } from './vlpi.js';
import { ASLEEP, NASSGIREQ, slotOf, type State } from './state.js';

const SPURIOUS = 1023;

// ---------------------------------------------------------------- reads

export function sysregRead(s: State, op: SysregReadOp, x: Exec): Expected {
  const c = op.cpu;
  switch (op.reg) {
    case 'ICC_IAR1_EL1': return acknowledge(s, c, 1, x);
    case 'ICC_IAR0_EL1': return acknowledge(s, c, 0, x);
    case 'ICC_HPPIR1_EL1': return hppir(s, c, 1, x);
    case 'ICC_HPPIR0_EL1': return hppir(s, c, 0, x);
    case 'ICC_RPR_EL1':
      x.rule('cpuif.rpr.running');
      if (aprLowest(s, c, 0) === 256 && aprLowest(s, c, 1) === 256) x.rule('cpuif.rpr.idle');
      return hex(runningPriority(s, c));
    case 'ICC_PMR_EL1':
      x.rule('cpuif.pmr.rw');
      if (s.pmr[c]! & 0x0f) x.rule('choice.u2.priority-bits');
      // with no low bits set the value reads the same for every number of priority bits (choice.u2.priority-bits)
      return hex((s.pmr[c]! & 0x0f) === 0 ? s.pmr[c]! : s.pmr[c]! & priMask(s));
    case 'ICC_BPR0_EL1':
      x.rule('cpuif.bpr1.min');
      x.rule('cpuif.bpr0.min');
      if (s.bpr0[c]! < bpr0Eff(s, c)) x.rule('choice.u13.bpr-below-min');
      return hex(bpr0Eff(s, c));
    case 'ICC_BPR1_EL1':
      x.rule('cpuif.bpr1.min');
      if (!s.cbpr[c] && s.bpr1[c]! < bpr1Eff(s, c)) x.rule('choice.u13.bpr-below-min');
      return hex(bpr1Eff(s, c));
    case 'ICC_CTLR_EL1': {
      x.rule('cpuif.ctlr.fields');
      x.rule('choice.u2.priority-bits'); // PRIbits reads the implemented number
      // CBPR [0], EOImode [1], PRIbits [10:8] are determined; PMHE [6], IDbits [13:11], SEIS [14],
      // A3V [15], RSS [18], ExtRange [19] are the implementation's (held once observed); rest RES0.
      const v = BigInt(s.cbpr[c]! | (s.eoiMode[c]! << 1) | ((priBitsOf(s) - 1) << 8));
      return impdefRead(s, x, 'icc_ctlr', v, 0x40n | 0x3800n | 0x4000n | 0x8000n | 0x40000n | 0x80000n);
    }
    case 'ICC_IGRPEN0_EL1':
      x.rule('cpuif.igrpen0.rw');
      return hex(s.igrpen0[c]!);
    case 'ICC_IGRPEN1_EL1':
      return hex(s.igrpen1[c]!);
    case 'ICC_AP0R0_EL1':
      x.rule('cpuif.apr.bit');
      return hex(aprRegister(s, c, 0, 0));
    case 'ICC_AP1R0_EL1': case 'ICC_AP1R1_EL1': case 'ICC_AP1R2_EL1': case 'ICC_AP1R3_EL1': {
      const n = Number(op.reg.charAt(8));
      if (n >= aprCount(s)) {
        // registers beyond the implemented preemption levels: UNDEFINED (I) — accept any value
        x.rule('cpuif.apr.unimplemented');
        return new MaskedHex(0n, 0n);
      }
      x.rule('cpuif.apr.bit');
      return hex(aprRegister(s, c, 1, n));
    }
    case 'ICC_SRE_EL1':
      // SRE [0] RAO for a guest; DFB [1], DIB [2] IMPDEF (IHI 0069 ICC_PMR_EL1, ICC_IGRPEN1_EL1, ICC_AP1R<n>_EL1)
      x.rule('cpuif.sre.sre');
      return impdefRead(s, x, 'icc_sre', 1n, 6n);
    case 'ISR_EL1':
      return isr(s, c, x);
  }
}

/** ICC_IAR<g>_EL1 (IHI 0069 ICC_IAR1_EL1): acknowledge the HPPI when it may be taken, else 1023. */
function acknowledge(s: State, cpu: number, group: number, x: Exec, keepRetargeted = false): Expected {
  x.rule(group === 1 ? 'cpuif.iar1.ack' : 'cpuif.iar0.ack');
  // KVM: an LPI retargeted away from this vCPU while queued here stays in its list registers until
  // it exits, which an acknowledge does not make it do (QUIRKS.lpiRetargetNoRequeue)
  if (!keepRetargeted && s.ghosts[cpu]!.size > 0 && s.lpiInFlight.size > 0 && quirkEnabled(s, QUIRKS.lpiRetargetNoRequeue)
    && [...s.ghosts[cpu]!.keys()].some((k) => k >= 8192 && s.lpiInFlight.get(k) === cpu)) {
    const q = offerQuirk(s, QUIRKS.lpiRetargetNoRequeue)!;
    // its own Exec: the quirk's outcomes share q (deferred like the main line's share s)
    const sub = new Exec();
    sub.observed = x.observed;
    const label = `${QUIRKS.lpiRetargetNoRequeue.id}: the retargeted LPI is still in this vCPU's list register`;
    const r = acknowledge(q, cpu, group, sub, true);
    if (sub.apply !== undefined) x.deferredBranch(q, r, label, sub.apply);
    else x.branch(q, r, label);
    x.absorb(sub, (b) => ({ result: b.result, choice: `${label}; ${b.choice ?? ''}` }));
  }
  const opts = hppiOptions(s, cpu, x);
  // the acknowledge synchronises this PE with every earlier change (choice.u6.state-change-race/choice.u44.in-flight-until-sync windows close)
  if (s.ghosts[cpu]!.size > 0) {
    if (!keepRetargeted) s.ghosts[cpu]!.clear();
    else for (const k of [...s.ghosts[cpu]!.keys()]) if (!(k >= 8192 && s.lpiInFlight.get(k) === cpu)) s.ghosts[cpu]!.delete(k);
  }
  const takes: Candidate[] = [];
  let spurious = false;
  for (const o of opts) {
    if (o !== null && o.group === group && signalOutcome(s, cpu, o) === 'signal') takes.push(o);
    else spurious = true;
  }
  if (spurious) { x.rule('cpuif.iar1.spurious'); whyNotTaken(s, cpu, group, opts, x); }
  if (takes.length === 0) return hex(SPURIOUS);
  offerLrsFull(s, cpu, x, hex(SPURIOUS));
  const first = takes[0]!;
  if (first.intid >= 8192) x.rule('cpuif.lpi.no-active');
  if (runningPriority(s, cpu) !== 0xff) { x.rule('cpuif.preemption.nested'); x.rule('cpuif.bpr1.group-priority'); }
  // KVM up to Linux 6.18 keeps an acknowledged LPI active until its EOI (QUIRKS.lpiActiveUntilEoi)
  const keptActive = quirkEnabled(s, QUIRKS.lpiActiveUntilEoi) ? takes.filter((t) => t.intid >= 8192) : [];
  for (const t of takes) if (t.intid >= 8192 && s.lpiInFlight.size > 0 && s.lpiInFlight.get(t.intid) === cpu) offerTakenOnOldVcpu(s, cpu, t, x);
  if (takes.length === 1 && !spurious) {
    if (keptActive.length > 0) offerKeptActive(s, cpu, first, x);
    activate(s, cpu, first);
    return hex(first.intid);
  }
  // Several permitted outcomes (the model target's choice first: acknowledge when some resolution
  // allows it). The observed result decides which one happened, so their effects are deferred and
  // the oracle clones only for the survivors (machine.ts materialize).
  for (let i = 1; i < takes.length; i++) {
    const t = takes[i]!;
    x.deferredBranch(s, hex(t.intid), `choice.u4.equal-priority/choice.u16.config-cache: acknowledge ${t.intid} (priority ${hex(t.prio)})`, (st) => activate(st, cpu, t));
  }
  if (spurious) x.deferredBranch(s, hex(SPURIOUS), 'choice.u16.config-cache: nothing signalled', noEffect);
  for (const t of keptActive) offerKeptActive(s, cpu, t, x);
  x.apply = (st) => activate(st, cpu, first);
  return hex(first.intid);
}

function noEffect(): void {}

/**
 * KVM up to 6.18: the LPI `t` taken and kept active until its EOI (QUIRKS.lpiActiveUntilEoi), as
 * a candidate of its own, built now (while the op runs, the priority bits it needs are resolved).
 */
function offerKeptActive(s: State, cpu: number, t: Candidate, x: Exec): void {
  const q = offerQuirk(s, QUIRKS.lpiActiveUntilEoi)!;
  activate(q, cpu, t);
  q.lpiActive.set(t.intid, cpu);
  x.branch(q, hex(t.intid), `${QUIRKS.lpiActiveUntilEoi.id}: LPI ${t.intid} stays active until its EOI`);
}

/**
 * KVM (QUIRKS.lpiRetargetNoRequeue): an LPI retargeted away from `cpu` (MOVI, MOVALL, MAPC) and
 * taken here, at the old vCPU, from its list register: the acknowledge does not exit, so its
 * vgic_irq stays on this vCPU's ap_list; made pending again meanwhile it is not queued to the new
 * target (vgic_queue_irq_unlock finds it queued), which sees it only once this vCPU has exited
 * (vgic_prune_ap_list). As a candidate of its own, the move still in flight after the acknowledge.
 */
function offerTakenOnOldVcpu(s: State, cpu: number, t: Candidate, x: Exec): void {
  const q = offerQuirk(s, QUIRKS.lpiRetargetNoRequeue);
  if (q === null) return;
  // made pending again after the move: that latch is apart from the copy taken here (State.lpiRepended)
  const to = q.lpiRepended.has(t.intid) ? q.lpiPending.findIndex((p, r) => r !== cpu && p.has(t.intid)) : -1;
  activate(q, cpu, t);
  if (to >= 0) q.lpiPending[to]!.add(t.intid);
  q.lpiInFlight.set(t.intid, cpu);
  x.branch(q, hex(t.intid), `${QUIRKS.lpiRetargetNoRequeue.id}: LPI ${t.intid} taken at the old vCPU stays on its ap_list`);
}

/** The rules an IAR that may return 1023 applied: why each permitted HPPI is not taken. */
function whyNotTaken(s: State, cpu: number, group: number, opts: (Candidate | null)[], x: Exec): void {
  if (group === 1 && s.igrpen1[cpu] === 0) x.rule('cpuif.iar1.group-disabled');
  if (group === 0 && s.igrpen0[cpu] === 0) x.rule('cpuif.igrpen0.rw');
  for (const o of opts) {
    if (o === null) continue;
    if (o.group !== group) { if (o.group === 0) x.rule('cpuif.iar1.group0-hppi'); continue; }
    const r = signalOutcome(s, cpu, o);
    if (r === 'none') x.rule('cpuif.iar1.pmr');
    else if (r === 'rpr-masked') { x.rule('cpuif.iar1.preemption'); x.rule('cpuif.bpr1.group-priority'); }
  }
}

function activate(s: State, cpu: number, c: Candidate): void {
  aprSet(s, cpu, c.group, groupPriority(s, cpu, c.prio, c.group));
  s.ackStack[cpu]!.push(c.intid);
  // taken once: whatever another PE might still have seen of it is gone (choice.u6.state-change-race/choice.u44.in-flight-until-sync)
  for (const g of s.ghosts) if (g.size > 0) g.delete(c.intid);
  if (s.unqueued.size > 0) s.unqueued.delete(c.intid >= 8192 ? c.intid : slotOf(s, cpu, c.intid));
  if (s.leftOnOldVcpu.size > 0 && c.intid < 8192) s.leftOnOldVcpu.delete(slotOf(s, cpu, c.intid));
  if (c.intid >= 8192) {
    if (s.lpiInFlight.size > 0) s.lpiInFlight.delete(c.intid);
    if (s.lpiRepended.size > 0) s.lpiRepended.delete(c.intid);
    // KVM: taken from a list register, the vgic_irq stays on this vCPU's ap_list until it exits (State.apListHeld)
    if (s.quirks.size > 0) s.apListHeld.set(c.intid, cpu);
    // KVM's GICv4 (quirks only): the hardware copy is taken when there is no software one
    if (s.vlpiPending.get(c.intid) === cpu && !(s.enableLpis[cpu] && s.lpiPending[cpu]!.has(c.intid) && groupEnabled(s, cpu, 1))) {
      s.vlpiPending.delete(c.intid);
      return;
    }
    // KVM (QUIRKS.restoreQueuesLpiWhileLpisOff): the LPI the restore queued while LPIs were off is taken
    if (s.lpiQueuedLpisOff.get(c.intid) === cpu) {
      s.lpiQueuedLpisOff.delete(c.intid);
      if (s.lpiKeptLpisOff.get(c.intid) === cpu) s.lpiKeptLpisOff.delete(c.intid); // the kept latch is taken
      if (!(s.enableLpis[cpu] && s.lpiPending[cpu]!.has(c.intid))) return;
    }
    // LPIs have no active state (IHI 0069 5.1 LPIs); a MOVI'd LPI taken at the old RD is not taken again (choice.u44.in-flight-until-sync)
    if (s.lpiSoftLatch.size > 0) s.lpiSoftLatch.delete(c.intid);
    if (!s.lpiPending[cpu]!.delete(c.intid)) {
      const scoped = s.lpiScoped.get(c.intid);
      if (scoped?.delete(cpu)) { if (scoped.size === 0) s.lpiScoped.delete(c.intid); }
      else for (const p of s.lpiPending) p.delete(c.intid);
    }
    return;
  }
  const slot = slotOf(s, cpu, c.intid);
  if (s.quirks.size > 0 && !s.edge[slot] && s.latch[slot]) s.latchAtAck.add(slot); // QUIRKS.levelLatchSurvivesAck
  if (s.quirks.size > 0 && c.intid >= 32) s.spiAckedOn.set(slot, cpu * 2); // QUIRKS.resampleNeedsExitWhileActive
  s.latch[slot] = 0;
  // with GICD_CTLR.nASSGIreq = 1 an SGI has no active state: acknowledging it only raises the running
  // priority, and it can be taken again once the priority drop allows (IHI 0069 GICD_CTLR.nASSGIreq)
  if (c.intid < 16 && (s.gicdCtlr & NASSGIREQ) !== 0) return;
  s.active[slot] = 1;
}

/** ICC_HPPIR<g>_EL1 (IHI 0069 ICC_HPPIR1_EL1, ICC_RPR_EL1): the HPPI ignoring PMR and running priority; 1023 if none or other group. */
function hppir(s: State, cpu: number, group: number, x: Exec): Expected {
  x.rule('cpuif.hppir1');
  const results = new Set<number>();
  for (const o of hppiOptions(s, cpu, x)) results.add(o !== null && o.group === group ? o.intid : SPURIOUS);
  if (!results.has(SPURIOUS)) offerLrsFull(s, cpu, x, hex(SPURIOUS));
  return readOnlyChoices(s, x, [...results].map(hex));
}

/** The nested machine's host GIC (QEMU TCG) has 4 list registers (ICH_VTR_EL2.ListRegs). */
const NESTED_HOST_LRS = 4;

/**
 * KVM 6.12 and 6.1 with as many interrupts active on `cpu` as the host has list registers: no
 * pending interrupt is presented, the read gives `none` (QUIRKS.activeFillLrs). Offered before
 * the caller changes `s`.
 */
function offerLrsFull(s: State, cpu: number, x: Exec, none: Expected): void {
  if (!quirkEnabled(s, QUIRKS.activeFillLrs)) return;
  const active = activeCount(s, cpu);
  if (active < NESTED_HOST_LRS) return;
  const q = offerQuirk(s, QUIRKS.activeFillLrs)!;
  x.branch(q, none, `${QUIRKS.activeFillLrs.id}: ${active} active interrupts fill the list registers`);
}

/** Interrupts active on `cpu`, LPIs included. */
function activeCount(s: State, cpu: number): number {
  let active = activeOn(s, cpu).length;
  for (const rd of s.lpiActive.values()) if (rd === cpu) active++;
  return active;
}

/** Whether QUIRKS.activeFillLrs may hold for `cpu` now: enabled, and the nested host's list registers full of active interrupts. */
export function lrsFullOfActive(s: State, cpu: number): boolean {
  return quirkEnabled(s, QUIRKS.activeFillLrs) && activeCount(s, cpu) >= NESTED_HOST_LRS;
}

/** ISR_EL1.I [7]: an IRQ is being signalled (Group 1 here; a Group 0 interrupt is a FIQ, F [6]). */
function isr(s: State, cpu: number, x: Exec): Expected {
  x.rule('cpuif.isr.irq');
  const results = new Set<string>();
  const opts = hppiOptions(s, cpu, x).sort((a, b) => (signalOutcome(s, cpu, b) === 'signal' ? 1 : 0) - (signalOutcome(s, cpu, a) === 'signal' ? 1 : 0));
  for (const o of opts) {
    const sig = signalOutcome(s, cpu, o) === 'signal';
    const v = sig ? (o!.group === 1 ? 0x80 : 0x40) : 0;
    results.add(hex(v));
  }
  if (!results.has(hex(0))) offerLrsFull(s, cpu, x, new MaskedHex(0n, ~0x100n & 0xffff_ffff_ffff_ffffn));
  // A (SError, bit 8) is not the GIC's: leave it open.
  return readOnlyChoices(s, x, [...results].map((r) => new MaskedHex(BigInt(r), ~0x100n & 0xffff_ffff_ffff_ffffn)));
}

/** A read with several permitted values and no side effect: all alternatives share the state. */
export function readOnlyChoices(s: State, x: Exec, results: Expected[]): Expected {
  for (let i = 1; i < results.length; i++) x.branch(s, results[i]!, 'permitted value');
  return results[0]!;
}

// ---------------------------------------------------------------- writes

export function sysregWrite(s: State, op: SysregWriteOp, x: Exec): Expected {
  const c = op.cpu;
  const v = parseHex(op.value);
  const lo = Number(v & 0xffff_ffffn);
  switch (op.reg) {
    case 'ICC_EOIR1_EL1': eoi(s, c, 1, lo & 0xff_ffff, x); break;
    case 'ICC_EOIR0_EL1': eoi(s, c, 0, lo & 0xff_ffff, x); break;
    case 'ICC_DIR_EL1': dir(s, c, lo & 0xff_ffff, x); break;
    case 'ICC_PMR_EL1':
      x.rule('cpuif.pmr.rw');
      s.pmr[c] = lo & 0xff; // unimplemented low bits are masked on every read and compare
      break;
    case 'ICC_BPR0_EL1':
      x.rule('cpuif.bpr1.min');
      s.bpr0[c] = lo & 7;
      bprWritten(s, c, 0, v, x);
      break;
    case 'ICC_BPR1_EL1':
      x.rule('cpuif.bpr1.min');
      if (s.cbpr[c]) break; // CBPR = 1: writes ignored (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1)
      s.bpr1[c] = lo & 7;
      bprWritten(s, c, 1, v, x);
      break;
    case 'ICC_CTLR_EL1':
      x.rule('cpuif.ctlr.cbpr');
      s.cbpr[c] = lo & 1;
      s.eoiMode[c] = (lo >> 1) & 1;
      break;
    case 'ICC_IGRPEN0_EL1': s.igrpen0[c] = lo & 1; x.rule('cpuif.igrpen1.rw'); x.rule('cpuif.igrpen0.rw'); break;
    case 'ICC_IGRPEN1_EL1': s.igrpen1[c] = lo & 1; x.rule('cpuif.igrpen1.rw'); break;
    case 'ICC_AP0R0_EL1':
      x.rule('choice.u15.apr-arbitrary-write');
      if (writeAprRegister(s, c, 0, 0, lo)) taintAcknowledged(s, c);
      break;
    case 'ICC_AP1R0_EL1': case 'ICC_AP1R1_EL1': case 'ICC_AP1R2_EL1': case 'ICC_AP1R3_EL1': {
      const n = Number(op.reg.charAt(8));
      x.rule('choice.u15.apr-arbitrary-write');
      if (n < aprCount(s)) x.rule('cpuif.apr.restore');
      if (n < aprCount(s) && writeAprRegister(s, c, 1, n, lo)) taintAcknowledged(s, c);
      break;
    }
    case 'ICC_SGI1R_EL1': generateSgi(s, c, v, 'sgi1r', x); break;
    case 'ICC_ASGI1R_EL1': generateSgi(s, c, v, 'asgi1r', x); break;
    case 'ICC_SGI0R_EL1': generateSgi(s, c, v, 'sgi0r', x); break;
  }
  return null;
}

/**
 * After a BPR write (BinaryPoint [2:0] stored, the minimum applied on use): QEMU compares the
 * whole written value with the minimum before keeping [2:0], so a value with RES0 bits set keeps
 * a binary point below the minimum (QUIRKS.qemuBprMinNotAppliedWithHighBits).
 */
function bprWritten(s: State, cpu: number, group: 0 | 1, v: bigint, x: Exec): void {
  const key = cpu * 2 + group;
  if (s.bprBelowMin.size > 0) s.bprBelowMin.delete(key);
  // below no minimum the model allows (at least 4 preemption bits: BPR0 >= 3, BPR1 >= 4 at most): nothing to escape
  if (v >> 3n === 0n || Number(v & 7n) >= (group === 0 ? 3 : 4)) return;
  const q = offerQuirk(s, QUIRKS.qemuBprMinNotAppliedWithHighBits);
  if (q === null) return;
  q.bprBelowMin.add(key);
  x.branch(q, null, `${QUIRKS.qemuBprMinNotAppliedWithHighBits.id}: BPR${group} holds ${v & 7n}, below its minimum`);
}

/** ICC_EOIR<g>_EL1 (IHI 0069 ICC_EOIR1_EL1): priority drop of the highest active priority, then (EOImode 0) deactivate. */
function eoi(s: State, cpu: number, group: number, intid: number, x: Exec): void {
  if (intid >= 1020 && intid <= 1023) {
    x.rule('cpuif.eoir1.special-ignored');
    x.rule('choice.u10.eoir-unimplemented');
    return;
  }
  x.rule('cpuif.eoir1.priority-drop');
  if (intid >= 32 + s.cfg.spis && intid < 8192) x.rule('choice.u10.eoir-unimplemented'); // priority drop only
  const g0 = aprLowest(s, cpu, 0);
  const g1 = aprLowest(s, cpu, 1);
  const top = Math.min(g0, g1);
  const topGroup = g0 <= g1 ? 0 : 1;
  const stack = s.ackStack[cpu]!;
  const last = stack[stack.length - 1];
  const nested = last !== undefined && (last & ~APR_TAINT) === intid;
  if (top === 256 || topGroup !== group || !nested) {
    // choice.u9.eoir-out-of-order: EOI with nothing active, of the other group, or out of order: UNPREDICTABLE, scoped to the
    // APRs and the active state of the interrupts involved (choice.u9.eoir-out-of-order). Permitted, held per
    // case as the implementation's behaviour: 0 this group's highest priority drop and the
    // deactivation (what a GIC CPU interface does), 1 ignore the write, 2 the priority drop, the
    // written INTID staying active; with 2, whether the interrupt whose priority was expected to
    // drop is deactivated as well may differ from one such EOI to the next (KVM: the EOIcount
    // replay deactivates it when it lies beyond the list registers, not when it sits in one), so
    // that is a choice per EOI. Other changes in the scope are permitted too but not enumerated:
    // each option multiplies the candidates.
    x.rule('choice.u9.eoir-out-of-order');
    const c = top === 256 ? CHOICES.u9EoiNothingActive : topGroup !== group ? CHOICES.u9EoiOtherGroup : CHOICES.u9EoiOutOfOrder;
    branchChoice(s, x, c, (st, o) => {
      if (o === 1) return;
      const top = st.ackStack[cpu]![st.ackStack[cpu]!.length - 1];
      const expected = top === undefined ? undefined : top & ~APR_TAINT;
      const lowest = aprLowest(st, cpu, group);
      if (lowest !== 256) aprClear(st, cpu, group, lowest);
      const i = st.ackStack[cpu]!.findLastIndex((e) => (e & ~APR_TAINT) === intid);
      if (i >= 0) st.ackStack[cpu]!.splice(i, 1);
      else if (lowest !== 256) st.ackStack[cpu]!.pop();
      if (o === 0) {
        if (!st.eoiMode[cpu]) deactivate(st, cpu, intid, x);
        return;
      }
      if (!st.eoiMode[cpu] && expected !== undefined && expected !== intid) {
        // whether it was deactivated is decided when something looks (State.activeOpen), where
        // the deactivation has nothing else to do; else a candidate each way now
        if (!openActive(st, cpu, expected)) {
          const other = st.clone();
          deactivate(other, cpu, expected, x);
          x.branch(other, null, 'choice.u9.eoir-out-of-order: the interrupt whose priority dropped is deactivated');
        }
      }
      // KVM: an EOI that names no list register only counts (EOIcount); the fold then deactivates
      // the first active interrupt of the vCPU's ap_list beyond the list registers, whatever its
      // INTID (QUIRKS.eoicountDeactivatesUnrelated)
      if (!st.eoiMode[cpu] && quirkEnabled(st, QUIRKS.eoicountDeactivatesUnrelated)) {
        const named = activeOn(st, cpu).includes(intid) ? [intid] : [];
        for (const k of [...named, ...eoicountVictims(st, cpu, intid)]) {
          if (k === expected) continue;
          const q = offerQuirk(st, QUIRKS.eoicountDeactivatesUnrelated)!;
          deactivate(q, cpu, k, x);
          x.branch(q, null, `${QUIRKS.eoicountDeactivatesUnrelated.id}: INTID ${k} deactivated`);
        }
      }
    });
    return;
  }
  aprClear(s, cpu, group, top);
  stack.pop();
  if (s.eoiMode[cpu]) x.rule('cpuif.eoir1.eoimode1');
  if (!s.eoiMode[cpu]) {
    if (last! & APR_TAINT) {
      // choice.u15.apr-arbitrary-write: the APRs were written with a value never read since this interrupt was acknowledged:
      // the priority dropped may not be its own, and a virtual CPU interface then leaves it active
      // (Arm VirtualWriteEOIR deactivates only a list register of the dropped priority)
      x.rule('choice.u15.apr-arbitrary-write');
      x.branch(s.clone(), null, 'choice.u15.apr-arbitrary-write: the EOI after an APR write leaves the interrupt active');
    }
    // KVM: the list register holds the interrupt's current priority, and the virtual CPU interface
    // deactivates it only when that equals the priority the EOI dropped (QUIRKS.priorityChangeBlocksEoi)
    if (intid < 32 + s.cfg.spis && s.quirks.size > 0) {
      const slot = slotOf(s, cpu, intid);
      if (s.active[slot] && groupPriority(s, cpu, s.prio[slot]!, group) !== top) {
        const q = offerQuirk(s, QUIRKS.priorityChangeBlocksEoi);
        if (q !== null) x.branch(q, null, `${QUIRKS.priorityChangeBlocksEoi.id}: the EOI leaves the interrupt active`);
      }
      // KVM: the interrupt may lie beyond the list registers; the EOIcount replay then deactivates
      // the first active interrupt there instead (QUIRKS.eoicountDeactivatesUnrelated)
      if (quirkEnabled(s, QUIRKS.eoicountDeactivatesUnrelated)) {
        for (const k of eoicountVictims(s, cpu, intid)) {
          const q = offerQuirk(s, QUIRKS.eoicountDeactivatesUnrelated)!;
          deactivate(q, cpu, k, x);
          x.branch(q, null, `${QUIRKS.eoicountDeactivatesUnrelated.id}: INTID ${k} deactivated instead`);
        }
      }
    }
    deactivate(s, cpu, intid, x);
  }
}

/**
 * KVM's EOIcount replay (QUIRKS.eoicountDeactivatesUnrelated; vgic-v3.c vgic_v3_fold_lr_state,
 * Linux 6.19 with "Pick EOIcount deactivations from AP-list tail"): an EOI (EOImode 0) whose INTID
 * is in no list register only counts; at the next exit KVM deactivates, per EOI counted, the first
 * active interrupt of this vCPU on the ap_list after the last one that went into a list register.
 * When the list is longer than the list registers it is sorted: pending (not active) interrupts
 * first, then the active ones by priority. So the EOI of `intid` deactivates another interrupt
 * instead only when that one is active, comes before `intid` in the active part of the list (a
 * higher priority; an equal one in either order) and lies beyond the list registers too: among the
 * first `lrs` + 1 active ones, whatever number of pending ones were ahead of them when the vCPU
 * last entered. An EOI in priority order (the running priority's interrupt first) has none.
 */
function eoicountVictims(s: State, cpu: number, intid: number): number[] {
  const active = activeOn(s, cpu);
  if (active.length === 0) return [];
  const prio = (k: number): number => s.prio[slotOf(s, cpu, k)]!;
  const own = active.includes(intid) ? prio(intid) : 256;
  const ahead = active.filter((k) => k !== intid && prio(k) <= own).sort((a, b) => prio(a) - prio(b));
  // the first `lrs` + 1 of the active part (those of the same priority as the last one included)
  const lrs = s.cfg.impl.lrs;
  if (ahead.length <= lrs + 1) return ahead;
  const limit = prio(ahead[lrs]!);
  return ahead.filter((k) => prio(k) <= limit);
}

/**
 * The active SGIs/PPIs of `cpu` and the active SPIs routed to it, for a quirk that deactivates one
 * of them. Open ones (State.activeOpen) are left out: they may be inactive already, which is what
 * the quirk would do.
 */
function activeOn(s: State, cpu: number): number[] {
  const out: number[] = [];
  const open = s.activeOpen;
  for (let i = 0; i < 32; i++) if (s.active[cpu * 32 + i] && !open.has(cpu * 32 + i)) out.push(i);
  for (let spi = 0; spi < s.cfg.spis; spi++) if (s.active[s.nPriv + spi] && spiTarget(s, spi) === cpu && !open.has(s.nPriv + spi)) out.push(spi + 32);
  return out;
}

/**
 * Leave the active state of an active interrupt open (State.activeOpen) instead of a candidate
 * where it is deactivated: only where deactivating it changes nothing but the active bit (an SGI,
 * PPI or SPI with no level latch kept by a quirk and, for an SPI, no resample irqfd asserted).
 * False where that does not hold: the caller branches.
 */
function openActive(s: State, cpu: number, intid: number): boolean {
  if (intid >= 32 + s.cfg.spis) return false;
  const slot = slotOf(s, cpu, intid);
  if (!s.active[slot]) return true; // deactivating it changes nothing: no branch either
  if (s.latchAtAck.has(slot) || (intid >= 32 && s.resampleAsserted.size > 0)) return false;
  s.activeOpen.add(slot);
  return true;
}

/** Marks an ackStack entry acknowledged before an arbitrary APR write (choice.u15.apr-arbitrary-write); INTIDs use [23:0]. */
const APR_TAINT = 1 << 30;

/** After a write that changed the APRs (choice.u15.apr-arbitrary-write): every interrupt acknowledged and not yet EOId is in its scope. */
function taintAcknowledged(s: State, cpu: number): void {
  const stack = s.ackStack[cpu]!;
  for (let i = 0; i < stack.length; i++) stack[i] = stack[i]! | APR_TAINT;
}

/** ICC_DIR_EL1 (IHI 0069 ICC_DIR_EL1): deactivate when EOImode = 1; ignored when EOImode = 0 (choice.u11.dir-not-active). */
function dir(s: State, cpu: number, intid: number, x: Exec): void {
  if (intid >= 1020 && intid <= 1023) {
    x.rule('cpuif.eoir1.special-ignored');
    return;
  }
  if (!s.eoiMode[cpu]) {
    x.rule('cpuif.dir.eoimode0-ignored');
    return;
  }
  x.rule('cpuif.dir.deactivate');
  const notDropped = (c: number): boolean => s.ackStack[c]!.some((e) => (e & ~APR_TAINT) === intid);
  // an SPI is one interrupt for all PEs: acknowledged on another PE and not yet priority-dropped
  // there, a DIR here comes before its priority drop just the same
  const spi = intid >= 32 && intid < 32 + s.cfg.spis;
  if (notDropped(cpu) || (spi && s.ackStack.some((_, c) => c !== cpu && notDropped(c)))) {
    // choice.u11.dir-not-active: DIR before the priority drop: no effect, or deactivate
    x.rule('choice.u11.dir-not-active');
    const st = s.clone();
    x.branch(st, null, 'choice.u11.dir-not-active: DIR before priority drop ignored');
  } else if (spi && s.active[slotOf(s, cpu, intid)] && quirkEnabled(s, QUIRKS.dirOfSpiActiveElsewhereIgnored)) {
    // Linux 6.12 and 6.1: the DIR reaches only this vCPU's list registers (QUIRKS.dirOfSpiActiveElsewhereIgnored);
    // the SPI sits with the vCPU that acknowledged it, or, made active by a register write, with
    // the vCPU it was routed to then (vgic_mmio_change_active queues it there; a later GICD_IROUTER
    // write does not move an active interrupt: vgic_target_oracle)
    const on = s.spiAckedOn.get(slotOf(s, cpu, intid));
    const holder = on !== undefined ? on >> 1 : s.spiActivatedOn.get(slotOf(s, cpu, intid)) ?? spiTarget(s, intid - 32);
    const q = holder >= 0 && holder !== cpu ? offerQuirk(s, QUIRKS.dirOfSpiActiveElsewhereIgnored) : null;
    if (q !== null) x.branch(q, null, `${QUIRKS.dirOfSpiActiveElsewhereIgnored.id}: the SPI stays active on vCPU ${holder}`);
  }
  // the vCPU that acknowledged the SPI, if another one and blocked in WFI (quirks only)
  const acker = spi && s.spiAckedOn.size > 0 ? s.spiAckedOn.get(slotOf(s, cpu, intid)) : undefined;
  const sleeper = acker !== undefined && acker >> 1 !== cpu && s.asleep[acker >> 1] !== 0 ? acker >> 1 : -1;
  deactivate(s, cpu, intid, x);
  // KVM: the trapped DIR deactivates the SPI on the acknowledging vCPU's ap_list and only asks that
  // vCPU to prune it, without a kick: blocked in WFI, it is not woken for the SPI's pending state
  // (QUIRKS.dirElsewhereDoesNotWake)
  const slot = slotOf(s, cpu, intid);
  if (sleeper >= 0 && !s.active[slot] && s.enabled[slot] && isPending(s, slot)) {
    const q = offerQuirk(s, QUIRKS.dirElsewhereDoesNotWake);
    if (q !== null) {
      q.unqueued.add(slot);
      x.branch(q, null, `${QUIRKS.dirElsewhereDoesNotWake.id}: vCPU ${sleeper} stays in WFI`);
    }
  }
}

/**
 * ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 (IHI 0069 ICC_SGI1R_EL1). With DS = 1, SGI0R and ASGI1R
 * reach only targets where the SGI is Group 0; SGI1R reaches Group 1 targets, and Group 0 targets
 * either get it or not (choice.u14.sgi1r-group0-target). RS != 0 without RSS: ignore, or treat as RS = 0 (choice.u12.sgi-rs-no-rss).
 */
function generateSgi(s: State, cpu: number, v: bigint, kind: 'sgi1r' | 'asgi1r' | 'sgi0r', x: Exec): void {
  x.rule('cpuif.sgi1r.targetlist');
  const targetList = Number(v & 0xffffn);
  const aff1 = Number((v >> 16n) & 0xffn);
  const intid = Number((v >> 24n) & 0xfn);
  const aff2 = Number((v >> 32n) & 0xffn);
  const irm = (v >> 40n) & 1n;
  const rs = Number((v >> 44n) & 0xfn);
  const aff3 = Number((v >> 48n) & 0xffn);
  let starts: [State, number][] = [[s, rs * 16]];
  if (rs !== 0 && irm === 0n) {
    // choice.u12.sgi-rs-no-rss: RS != 0 names Aff0 >= 16, which no vCPU has (option 0); an implementation without RSS
    // may treat RS as 0 (option 1)
    x.rule('choice.u12.sgi-rs-no-rss');
    starts = forEachChoice(s, CHOICES.u12SgiRangeSelector, () => {}).map(([st, o]) => [st, o === 1 ? 0 : rs * 16]);
  }
  starts.forEach(([st, base], k) => {
    const states = deliverSgis(st, cpu, targetList, aff1, aff2, aff3, base, intid, irm === 1n, kind, x);
    states.forEach((z, i) => { if (k > 0 || i > 0) x.branch(z, null, 'choice.u12.sgi-rs-no-rss/choice.u14.sgi1r-group0-target: SGI delivery choice'); });
  });
}

/** Deliver to every target; returns the resulting states (the first is `s` itself). */
function deliverSgis(
  s: State, cpu: number, targetList: number, aff1: number, aff2: number, aff3: number, rsBase: number,
  intid: number, allButSelf: boolean, kind: 'sgi1r' | 'asgi1r' | 'sgi0r', x: Exec,
): State[] {
  const targets: number[] = [];
  if (kind !== 'sgi1r') x.rule('cpuif.sgi0r.group0');
  if (allButSelf) {
    x.rule('cpuif.sgi1r.irm');
    for (let c = 0; c < s.cfg.vcpus; c++) if (c !== cpu) targets.push(c);
  } else {
    for (let k = 0; k < 16; k++) {
      if (!(targetList & (1 << k))) continue;
      const t = vcpuByAffinity(s.cfg.vcpus, rsBase + k, aff1, aff2, aff3);
      if (t >= 0) targets.push(t);
      else x.rule('cpuif.sgi1r.missing-target');
    }
  }
  let states: State[] = [s];
  if (targets.length > 0) x.rule('cpuif.sgi.per-target');
  for (const t of targets) {
    const slot = t * 32 + intid;
    const next: State[] = [];
    for (const st of states) {
      const g = st.group[slot]!;
      if (kind === 'sgi1r') {
        // With one Security state (GICD_CTLR.DS = 1) an ICC_SGI1R_EL1 write generates the SGI in
        // whichever group the target configures, Group 0 included (Arm IHI 0069 8.1.10, Non-secure
        // EL1 access; choice.u14.sgi1r-group0-target). Dropping it (QEMU) is a quirk option.
        if (g === 0) {
          x.rule('choice.u14.sgi1r-group0-target');
          for (const [z] of forEachChoice(st, CHOICES.u14Sgi1rGroup0, (z, o) => { if (o === 0) z.latch[slot] = 1; })) next.push(z);
          continue;
        }
        st.latch[slot] = 1;
      } else if (g === 0) st.latch[slot] = 1;
      next.push(st);
    }
    states = next; // `s` stays first
  }
  return states;
}

// ---------------------------------------------------------------- WFI

/**
 * WFI (docs/scenario-format.md): "woken" when the PE has an interrupt it would signal, else it sleeps until
 * one arrives. An interrupt masked only by the running priority: both permitted
 * (cpuif.wfi.rpr-masked-may-wake — the GIC does not signal it, but KVM's wake test ignores RPR).
 */
export function wfi(s: State, op: WfiOp, x: Exec): Expected {
  x.rule('cpuif.wfi.wake');
  const w = wakeOutcome(s, op.cpu, x);
  // kvm-linux sees the wake-up through the virtual CPU interface (ISR_EL1), which signals nothing
  // while active interrupts fill the list registers (QUIRKS.activeFillLrs)
  if (w !== 'no' && quirkEnabled(s, QUIRKS.activeFillLrs)) {
    const st = s.clone();
    st.asleep[op.cpu] = ASLEEP;
    offerLrsFull(st, op.cpu, x, 'asleep');
  }
  if (w === 'must') return 'woken';
  if (w === 'may') {
    const st = s.clone();
    st.asleep[op.cpu] = ASLEEP;
    x.branch(st, 'asleep', 'WFI: not woken');
    return 'woken';
  }
  // KVM's wake-up test ignores the CPU interface's group enables (QUIRKS.wfiIgnoresGroupEnable)
  const c = op.cpu;
  if ((s.igrpen0[c] === 0 || s.igrpen1[c] === 0) && quirkEnabled(s, QUIRKS.wfiIgnoresGroupEnable)) {
    const q = offerQuirk(s, QUIRKS.wfiIgnoresGroupEnable)!;
    const en0 = q.igrpen0[c]!;
    const en1 = q.igrpen1[c]!;
    q.igrpen0[c] = 1;
    q.igrpen1[c] = 1;
    const woken = wakeOutcome(q, c, x) !== 'no';
    q.igrpen0[c] = en0;
    q.igrpen1[c] = en1;
    if (woken) x.branch(q, 'woken', `${QUIRKS.wfiIgnoresGroupEnable.id}: woken for a disabled group`);
  }
  // KVM's GICv4: putting the vCPU for the WFI reads the vPE's PendingLast, which a pending enabled
  // vLPI sets whatever its priority, and the wake-up test takes pending_last (QUIRKS.doorbellWakesMasked)
  if (pendingVlpiOf(s, c) && quirkEnabled(s, QUIRKS.doorbellWakesMasked)) {
    x.branch(offerQuirk(s, QUIRKS.doorbellWakesMasked)!, 'woken', `${QUIRKS.doorbellWakesMasked.id}: PendingLast wakes the vCPU`);
  }
  s.asleep[op.cpu] = ASLEEP;
  return 'asleep';
}

/** Whether a forwarded vLPI of `cpu` is pending and enabled (quirks only: the model has no GICv4). */
function pendingVlpiOf(s: State, cpu: number): boolean {
  if (s.quirks.size === 0 || s.cfg.impl.gicv4 === 'off') return false;
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi);
    if (v === null || v.rd !== cpu) continue;
    // possibly pending there too (choice.u39.intid-two-ites: the INTID has another ITE): KVM's
    // device MSI made the vLPI pending in the vPE's table all the same
    if (!s.lpiPending[cpu]!.has(v.intid) && s.vlpiPending.get(v.intid) !== cpu && !s.lpiScoped.get(v.intid)?.has(cpu)) continue;
    if (propVersions(s, cpu, v.intid).some((b) => (b & 1) !== 0)) return true;
  }
  return false;
}

export { groupEnabled, toHex };
