// SGIs, PPIs and SPIs: pending state literally as IHI 0069 chapter 4, interrupt state transitions defines it, routing of SPIs
// (GICD_IROUTER, 1-of-N), and the highest-priority-pending choice of a PE (IHI 0069 chapter 4, highest priority pending interrupt, choice.u4.equal-priority, choice.u16.config-cache).
import { vcpuByAffinity } from '../spec/layout.js';
import type { Exec } from './exec.js';
import { iteTargetsOf, propVersions } from './lpi.js';
import { groupPriority, priMask, runningPriority } from './priority.js';
import { LPI_ACTIVE_ORPHANED, slotOf, type State } from './state.js';
import { offerQuirk } from './choices.js';
import { QUIRKS } from './quirks.js';

export function isPending(s: State, slot: number): boolean {
  return s.latch[slot] === 1 || (s.edge[slot] === 0 && s.line[slot] === 1);
}

/** The PE an SPI is routed to by GICD_IROUTER's affinity, or -1 (choice.u5.irouter-no-pe: not delivered until rerouted). */
export function spiTarget(s: State, spi: number): number {
  const r = s.irouter[spi]!;
  return vcpuByAffinity(s.cfg.vcpus, r & 0xff, (r >>> 8) & 0xff, (r >>> 16) & 0xff, s.irouterAff3[spi]!);
}
export function spiIrm(s: State, spi: number): boolean {
  return (s.irouter[spi]! & 0x8000_0000) !== 0;
}

export function groupEnabled(s: State, cpu: number, group: number): boolean {
  if (group === 1) return (s.gicdCtlr & 2) !== 0 && s.igrpen1[cpu] === 1;
  return (s.gicdCtlr & 1) !== 0 && s.igrpen0[cpu] === 1;
}

/** A candidate for a PE's HPPI: an interrupt with its (masked) priority and group. */
export interface Candidate {
  intid: number;
  prio: number;
  group: number;
}

export interface StaleLpi {
  intid: number;
  group?: number;
  /** priorities of the enabled versions */
  prios: number[];
  /** some version has Enable = 0 (the LPI may not be a candidate at all) */
  canBeAbsent: boolean;
}

/**
 * Every interrupt that may be the HPPI of `cpu` (IHI 0069 chapter 4, highest priority pending interrupt), or null in the list when there
 * may be none. Equal priorities: any of them (choice.u4.equal-priority). LPIs whose configuration may be cached (choice.u16.config-cache):
 * each decision may use any version, so an LPI is a possible HPPI if some version of it is no
 * worse than every other interrupt's least competitive version.
 */
export function hppiOptions(s: State, cpu: number, x: Exec | null): (Candidate | null)[] {
  let inputs: HppiInputs | null;
  const memo = remembered.get(s);
  if (memo !== undefined && memo.cpu === cpu) {
    remembered.delete(s);
    if (x) for (const id of memo.rules) x.rule(id);
    inputs = memo.inputs;
  } else inputs = hppiInputs(s, cpu, x);
  return inputs === null ? [null] : hppiResolve(s, inputs, x);
}

/**
 * The oracle's choice.u2.priority-bits check (oracle.ts priBitsIrrelevant) collects a PE's HPPI inputs just before the
 * op (an IAR, HPPIR, ISR read or WFI) runs on that state: the op's own decision reuses them instead
 * of scanning every interrupt again. Valid only until the state changes: consumed by the op's first
 * decision for that PE, dropped by runOp (machine.ts) when the op ends.
 */
const remembered = new WeakMap<State, { cpu: number; inputs: HppiInputs | null; rules: string[] }>();

export function hppiInputsForOp(s: State, cpu: number): HppiInputs | null {
  const rules: string[] = [];
  const inputs = hppiInputs(s, cpu, null, rules);
  remembered.set(s, { cpu, inputs, rules });
  return inputs;
}

export function forgetHppiInputs(s: State): void {
  remembered.delete(s);
}

/** Record a rule on `x`, or, when the caller has no Exec yet, in `sink` (replayed later). */
function note(x: Exec | null, sink: string[] | undefined, rule: string): void {
  if (x) x.rule(rule);
  else sink?.push(rule);
}

/** What the HPPI choice is made from, with priorities as stored (not yet masked by choice.u2.priority-bits's bits). */
export interface HppiInputs {
  det: Candidate[];
  stale: StaleLpi[];
}

/**
 * An LPI whose property byte is one of `versions` (choice.u16.config-cache: a cache may hold an
 * older byte): a candidate of known priority when there is one version, else a stale one whose
 * priority is one of the enabled versions' and which is absent if some version disables it.
 */
function pushByConfig(det: Candidate[], stale: StaleLpi[], intid: number, versions: readonly number[], staleGroup: number | undefined): 'candidate' | 'disabled' | 'stale' {
  if (versions.length === 1) {
    const b = versions[0]!;
    if (!(b & 1)) return 'disabled';
    det.push({ intid, prio: b & 0xfc, group: 1 });
    return 'candidate';
  }
  const prios: number[] = [];
  let canBeAbsent = false;
  for (const b of versions) {
    if (b & 1) prios.push(b & 0xfc);
    else canBeAbsent = true;
  }
  stale.push(staleGroup === undefined ? { intid, prios, canBeAbsent } : { intid, prios, canBeAbsent, group: staleGroup });
  return 'stale';
}

/**
 * Phase 1 of hppiOptions: the interrupts competing for `cpu`, or null when both groups are off.
 * Independent of the number of priority bits, so the oracle's choice.u2.priority-bits check (oracle.ts
 * priBitsIrrelevant) scans the interrupts and reads the LPI property bytes once, not per value.
 * No local closures here: this runs several times per op and tsx's keepNames wraps each closure
 * creation in a defineProperty call.
 */
export function hppiInputs(s: State, cpu: number, x: Exec | null, ruleSink?: string[]): HppiInputs | null {
  const det: Candidate[] = [];
  const stale: StaleLpi[] = [];
  const g0 = groupEnabled(s, cpu, 0);
  const g1 = groupEnabled(s, cpu, 1);
  // (what a group disable may not have reached yet, choice.u6.state-change-race, is still looked at)
  if (!g0 && !g1 && s.ghosts[cpu]!.size === 0 && !(s.vlpiPending.size > 0 && s.cfg.impl.gicv4 === '4.0' && s.igrpen1[cpu] === 1)) {
    if (s.lpiPending[cpu]!.size > 0) note(x, ruleSink, 'lpi.dist-grp1-gate');
    return null;
  }
  const base = cpu * 32;
  for (let i = 0; i < 32; i++) {
    const slot = base + i;
    if (!s.enabled[slot] || s.active[slot] || !isPending(s, slot)) continue;
    const g = s.group[slot]!;
    if (g === 1 ? !g1 : !g0) continue;
    if (s.unqueued.size > 0 && s.unqueued.has(slot)) { stale.push({ intid: i, prios: [s.prio[slot]!], canBeAbsent: true, group: g }); continue; }
    det.push({ intid: i, prio: s.prio[slot]!, group: g });
  }
  for (let spi = 0; spi < s.cfg.spis; spi++) {
    const slot = s.nPriv + spi;
    if (!s.enabled[slot] || s.active[slot] || !isPending(s, slot)) continue;
    const g = s.group[slot]!;
    if (g === 1 ? !g1 : !g0) continue;
    if (spiTarget(s, spi) !== cpu) {
      // 1-of-N: any participating PE may take it (IHI 0069 GICD_* registers GICD_IROUTER; GICR_CTLR.DPG*)
      if (!spiIrm(s, spi)) continue;
      const dpg = s.ctlrDpg[cpu]! & (g === 1 ? 1 << 25 : 1 << 24);
      if (dpg) continue;
      note(x, ruleSink, 'dist.irouter.irm');
    }
    if (s.unqueued.size > 0 && s.unqueued.has(slot)) { stale.push({ intid: spi + 32, prios: [s.prio[slot]!], canBeAbsent: true, group: g }); continue; }
    det.push({ intid: spi + 32, prio: s.prio[slot]!, group: g });
  }
  if (s.lpiPending[cpu]!.size > 0) note(x, ruleSink, !s.enableLpis[cpu] ? 'lpi.enable-required' : !g1 ? 'lpi.dist-grp1-gate' : 'lpi.prop.byte');
  if (s.enableLpis[cpu] && g1) {
    if (s.lpiPending[cpu]!.size > 0) note(x, ruleSink, 'lpi.group1');
    for (const intid of s.lpiPending[cpu]!) {
      // KVM up to 6.18: pending and active in a list register, never signalled (QUIRKS.lpiActiveUntilEoi):
      // on the vCPU that holds it active (vgic_target_oracle keeps an active interrupt there, a new
      // target notwithstanding), or, orphaned by an EnableLPIs clear, wherever it targets
      if (s.lpiActive.size > 0 && s.lpiActive.has(intid)) continue;
      const vs = propVersions(s, cpu, intid);
      if ((s.lpiInFlight.size > 0 && s.lpiInFlight.has(intid)) || (s.unqueued.size > 0 && s.unqueued.has(intid))) {
        // choice.u44.in-flight-until-sync: moved here by a MOVI not yet completed by a SYNC: may not have arrived yet
        const prios: number[] = [];
        for (const b of vs) if (b & 1) prios.push(b & 0xfc);
        if (prios.length > 0) stale.push({ intid, prios, canBeAbsent: true });
        note(x, ruleSink, 'choice.u44.in-flight-until-sync');
        continue;
      }
      const how = pushByConfig(det, stale, intid, vs, undefined);
      if (how === 'disabled') note(x, ruleSink, 'lpi.prop.disabled');
      else if (how === 'stale') note(x, ruleSink, 'choice.u16.config-cache');
    }
  }
  // KVM's GICv4 (quirks only): a vLPI pending in the hardware reaches the vCPU whatever EnableLPIs
  // says, and on GICv4.0 whatever the distributor's enable says (QUIRKS.vlpiSurvivesEnableLpisClear,
  // QUIRKS.gicv40VlpiIgnoresDistEnable)
  if (s.vlpiPending.size > 0 && s.igrpen1[cpu] === 1 && (g1 || s.cfg.impl.gicv4 === '4.0')) {
    for (const [intid, rd] of s.vlpiPending) {
      if (rd !== cpu || (s.enableLpis[cpu] && g1 && s.lpiPending[cpu]!.has(intid))) continue;
      // the vLPI's configuration is what KVM last pushed to the GICv4 hardware (its_prop_update_vlpi
      // at an INV), so a property byte the guest changed since may not be seen (choice.u16.config-cache)
      pushByConfig(det, stale, intid, propVersions(s, cpu, intid), 1);
    }
  }
  // KVM (quirks only): LPIs the ITS restore queued here while this RD had LPIs off (QUIRKS.restoreQueuesLpiWhileLpisOff)
  if (s.lpiQueuedLpisOff.size > 0 && g1) {
    for (const [intid, rd] of s.lpiQueuedLpisOff) {
      // mapped to another RD now (MOVI, a remap): not looked at here. With no ITE left (DISCARD, MAPD
      // V = 0, an ITS reset) it stays: freeing an ITE touches neither the ap_list nor a list register
      // (vgic-its.c its_free_ite; the fold skips an INTID no vgic_irq has any more)
      if (rd !== cpu || (s.enableLpis[cpu] && s.lpiPending[cpu]!.has(intid))) continue;
      const targets = iteTargetsOf(s, intid);
      if (targets.size > 0 && !targets.has(cpu)) continue;
      const prios: number[] = [];
      for (const b of propVersions(s, cpu, intid)) if (b & 1) prios.push(b & 0xfc);
      if (prios.length > 0) stale.push({ intid, prios, canBeAbsent: true });
    }
  }
  // choice.u39.intid-two-ites: LPIs that may be pending here (optional candidates)
  if (s.lpiScoped.size > 0 && s.enableLpis[cpu] && g1) {
    for (const [intid, rds] of s.lpiScoped) {
      if (!rds.has(cpu) || s.lpiPending[cpu]!.has(intid)) continue;
      const prios: number[] = [];
      for (const b of propVersions(s, cpu, intid)) if (b & 1) prios.push(b & 0xfc);
      if (prios.length > 0) stale.push({ intid, prios, canBeAbsent: true });
    }
  }
  // choice.u6.state-change-race/choice.u44.in-flight-until-sync: what the PE may still see with old properties (optional candidates)
  const gh = s.ghosts[cpu]!;
  if (gh.size > 0) {
    for (const [intid, v] of gh) {
      const g = (v >> 8) & 1;
      if (g === 1 ? s.igrpen1[cpu] !== 1 : s.igrpen0[cpu] !== 1) continue;
      if (intid < 32 + s.cfg.spis && s.active[intid < 32 ? cpu * 32 + intid : s.nPriv + intid - 32]) continue;
      stale.push({ intid, prios: [v & 0xff], canBeAbsent: true, group: g });
      note(x, ruleSink, intid >= 8192 ? 'choice.u44.in-flight-until-sync' : 'choice.u6.state-change-race');
    }
  }
  return { det, stale };
}

/**
 * A sufficient condition for the HPPI decision of `cpu` (which interrupt, its group priority,
 * whether it is signalled) to come out alike for every number of implemented priority bits (choice.u2.priority-bits):
 * no competing priority and no PMR value has bits [3:0] set. With at least 4 bits nothing is
 * truncated, and the BPR minima (8 - PREbits <= 4 for Group 1, 7 - PREbits + 1 <= 4 for Group 0)
 * clear only bits [3:0] (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1, choice.u2.priority-bits, choice.u13.bpr-below-min).
 */
export function hppiSameForAnyPriBits(s: State, cpu: number, inputs: HppiInputs | null): boolean {
  if (inputs === null) return true;
  if (s.pmr[cpu]! & 0x0f) return false;
  for (const c of inputs.det) if (c.prio & 0x0f) return false;
  for (const y of inputs.stale) for (const p of y.prios) if (p & 0x0f) return false;
  return true;
}

/** Phase 2 of hppiOptions: the permitted HPPIs under the state's (resolved) number of priority bits. */
export function hppiResolve(s: State, inputs: HppiInputs, x: Exec | null): (Candidate | null)[] {
  const { det: rawDet, stale: rawStale } = inputs;
  // the priority mask is needed only once there is a candidate (the oracle resolves choice.u2.priority-bits only then)
  const mask = rawDet.length > 0 || rawStale.length > 0 ? priMask(s) : 0xff;
  const det: Candidate[] = [];
  let minDet = 256;
  // the inputs are never mutated: entries the mask leaves unchanged are reused as they are
  for (const c of rawDet) {
    const p = c.prio & mask;
    det.push(p === c.prio ? c : { intid: c.intid, prio: p, group: c.group });
    if (p < minDet) minDet = p;
  }
  const stale: StaleLpi[] = [];
  for (const y of rawStale) {
    let same = true;
    for (const p of y.prios) if ((p & mask) !== p) { same = false; break; }
    if (same) { stale.push(y); continue; }
    const prios: number[] = [];
    for (const p of y.prios) prios.push(p & mask);
    const m: StaleLpi = { intid: y.intid, prios, canBeAbsent: y.canBeAbsent };
    if (y.group !== undefined) m.group = y.group;
    stale.push(m);
  }
  const out: (Candidate | null)[] = [];
  for (const c of det) if (c.prio === minDet && !blocked(stale, c.prio, -1)) out.push(c);
  for (const y of stale) {
    const seen = new Set<number>();
    for (const p of y.prios) {
      if (seen.has(p) || p > minDet || blocked(stale, p, y.intid)) continue;
      seen.add(p);
      out.push({ intid: y.intid, prio: p, group: y.group ?? 1 });
    }
  }
  if (det.length === 0 && stale.every((y) => y.canBeAbsent)) out.push(null);
  if (out.length > 1) x?.rule('choice.u4.equal-priority');
  if (rawDet.length + rawStale.length > 1) x?.rule('cpuif.priority.highest-first');
  return out;
}

/** Another stale LPI blocks priority p only if every version of it is enabled and better than p. */
function blocked(stale: readonly StaleLpi[], p: number, except: number): boolean {
  for (const y of stale) {
    if (y.intid === except || y.canBeAbsent) continue;
    let worst = -1;
    for (const q of y.prios) if (q > worst) worst = q;
    if (worst < p) return true;
  }
  return false;
}

/** Whether an interrupt is now a candidate of `cpu` (pending, enabled, inactive, routed there, group on). */
export function isCandidateOn(s: State, cpu: number, intid: number): boolean {
  const slot = slotOf(s, cpu, intid);
  if (!s.enabled[slot] || s.active[slot] || !isPending(s, slot) || !groupEnabled(s, cpu, s.group[slot]!)) return false;
  if (intid < 32) return true;
  const spi = intid - 32;
  return spiTarget(s, spi) === cpu || spiIrm(s, spi);
}

/**
 * choice.u6.state-change-race: before another agent (vCPU `writer`, or -1 for the VMM/ITS) changes an interrupt's
 * properties, every other PE that could take it now may still take it with the old ones.
 */
export function leaveGhosts(s: State, writer: number, intid: number, owner: number, x: Exec): void {
  const first = intid < 32 ? owner : 0;
  const last = intid < 32 ? owner : s.cfg.vcpus - 1;
  for (let p = first; p <= last; p++) {
    if (p === writer || !isCandidateOn(s, p, intid)) continue;
    const slot = slotOf(s, p, intid);
    s.ghosts[p]!.set(intid, (s.prio[slot]! & 0xff) | (s.group[slot]! << 8));
    x.rule('choice.u6.state-change-race');
  }
}

/**
 * A flag of a ghost's value (State.ghosts: priority | group << 8): left by a distributor write
 * (choice.u6.state-change-race), not by an ITS command, so an ITS SYNC does not end it.
 */
export const GHOST_NOT_ITS = 1 << 9;

/** choice.u44.in-flight-until-sync: an LPI pending at `rd` that an ITS command moves or removes may still be taken there until SYNC. */
export function leaveLpiGhost(s: State, rd: number, intid: number, x: Exec | null): void {
  if (!s.lpiPending[rd]!.has(intid)) return;
  const b = propVersions(s, rd, intid)[0]!;
  if (!(b & 1)) return;
  s.ghosts[rd]!.set(intid, (b & 0xfc) | (1 << 8));
  x?.rule('choice.u44.in-flight-until-sync');
}

/**
 * KVM (quirks only, State.apListHeld): an SPI deactivated while the vCPU that took it runs stays on
 * that vCPU's ap_list until its next exit. That vCPU is the one that acknowledged it (a DIR may come
 * from another), else the deactivating one.
 */
function noteHeldOnApList(s: State, cpu: number, slot: number): void {
  if (!s.active[slot] && !(s.activeOpen.size > 0 && s.activeOpen.has(slot))) return;
  const acked = s.spiAckedOn.size > 0 ? s.spiAckedOn.get(slot) : undefined;
  s.apListHeld.set(slot, acked === undefined ? cpu : acked >> 1);
}

/**
 * Deactivate an interrupt of `cpu` (EOI with EOImode 0, DIR): active := 0 (IHI 0069 chapter 4, interrupt state transitions). A
 * level SPI asserted by a resample irqfd is de-asserted and its resamplefd signalled (KVM_IRQFD,
 * Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI).
 */
export function deactivate(s: State, cpu: number, intid: number, x: Exec, byIcactiver = false): void {
  if (intid >= 32 + s.cfg.spis) {
    // LPIs have no active state; unimplemented: choice.u10.eoir-unimplemented. KVM's, kept active
    // at the acknowledge (QUIRKS.lpiActiveUntilEoi), goes with the EOI
    if (s.lpiActive.size > 0 && !s.eoiMode[cpu]) {
      const a = s.lpiActive.get(intid);
      // an orphaned one only once it is queued here again, pending and active in a list register
      if (a === cpu || (a !== undefined && a >= LPI_ACTIVE_ORPHANED && s.lpiPending[cpu]!.has(intid))) s.lpiActive.delete(intid);
    }
    return;
  }
  const slot = slotOf(s, cpu, intid);
  if (intid >= 32 && s.quirks.size > 0) noteHeldOnApList(s, cpu, slot);
  if (s.spiActivatedOn.size > 0) s.spiActivatedOn.delete(slot);
  if (s.activeOpen.size > 0 && s.activeOpen.delete(slot)) {
    // active or not (State.activeOpen), inactive now either way; an open slot has nothing else to undo
    s.active[slot] = 0;
    if (s.spiAckedOn.size > 0) s.spiAckedOn.delete(slot);
    x.rule('cpuif.eoir1.deactivate');
    return;
  }
  if (!s.active[slot]) return;
  s.active[slot] = 0;
  // KVM (QUIRKS.levelLatchSurvivesAck): an active level interrupt sits in a list register as
  // active only (never pending+active); an EOI or DIR leaves that register invalid, and the fold
  // that sees it clears the latch, so a latch set while it was active (ISPENDR after the
  // acknowledge, or before an ISACTIVER write) is lost. An ICACTIVER write clears the active state
  // of a list register the fold saw still active: the latch the acknowledge left makes the
  // interrupt pending again.
  const atAck = s.latchAtAck.size > 0 && s.latchAtAck.delete(slot);
  // a DIR of an SPI that another vCPU acknowledged: with EOImode 1 KVM traps it (ICH_HCR_EL2.TDIR,
  // set while any SPI is active) and vgic_v3_deactivate, finding it in that vCPU's list register,
  // emulates a GICD_ICACTIVER write (arch/arm64/kvm/vgic/vgic-v3.c, Linux 6.19)
  const ackedOn = s.spiAckedOn.size > 0 ? s.spiAckedOn.get(slot) : undefined;
  const asIcactiver = byIcactiver || (intid >= 32 && ackedOn !== undefined && ackedOn >> 1 !== cpu);
  const lost = !asIcactiver && s.quirks.size > 0 && !s.edge[slot] && s.latch[slot] === 1;
  x.rule('cpuif.eoir1.deactivate');
  if (isPending(s, slot)) x.rule(s.edge[slot] ? 'dist.active.not-resignalled' : 'dist.level.active-and-pending');
  // whether KVM's fold saw it active at an exit of the vCPU that acknowledged it, now deactivating it
  const seen = ackedOn === cpu * 2 + 1;
  if (s.spiAckedOn.size > 0) s.spiAckedOn.delete(slot);
  if (intid >= 32 && s.resampleAsserted.size > 0) {
    // KVM notifies the resampler only for an interrupt its fold saw active at an exit
    // (QUIRKS.resampleNeedsExitWhileActive): unless the vCPU that took it certainly exited since
    // and deactivates it itself (not an ICACTIVER write, which notifies nothing), the line may stay
    // asserted, the resamplefd silent. An SPI the guest configured edge-triggered never notifies:
    // KVM sets a list register's EOI maintenance bit for level configuration only
    // (vgic-v3.c vgic_v3_compute_lr), so no fold sees its EOI as a deactivation to report.
    const silent = s.edge[slot] === 1 || !(seen && !byIcactiver);
    const q = s.quirks.size > 0 && silent && resampleRoutesOf(s, intid - 32) ? offerQuirk(s, QUIRKS.resampleNeedsExitWhileActive) : null;
    if (q !== null) x.branch(q, null, `${QUIRKS.resampleNeedsExitWhileActive.id}: no resample notification`);
    resampleOnAck(s, intid - 32, x);
  }
  if (!byIcactiver && s.quirks.size > 0 && s.edge[slot] && s.latch[slot] && (!s.enabled[slot] || !(s.gicdCtlr & (s.group[slot] ? 2 : 1)))) {
    // KVM: pending again while active, it was in the list register pending and active whatever the
    // enables say; deactivated there, the guest may take it (QUIRKS.disabledPendingInLrTaken), until
    // the next acknowledge on that vCPU (a ghost there)
    const holder = intid < 32 ? cpu : (s.apListHeld.get(slot) ?? cpu);
    const d = offerQuirk(s, QUIRKS.disabledPendingInLrTaken);
    if (d !== null) {
      d.ghosts[holder]!.set(intid, (d.prio[slot]! & 0xff) | (d.group[slot]! << 8) | GHOST_NOT_ITS);
      x.branch(d, null, `${QUIRKS.disabledPendingInLrTaken.id}: the pending state left in the list register may be taken`);
    }
  }
  if (seen && !byIcactiver && s.leftOnOldVcpu.size > 0 && s.leftOnOldVcpu.has(slot) && s.edge[slot] && s.latch[slot] && s.enabled[slot]
    && spiTarget(s, intid - 32) !== cpu) {
    // KVM (QUIRKS.irouterNoRequeue, this candidate took it): the SPI a GICD_IROUTER write left on
    // the ap_list of this vCPU, which took it and exited since (its fold saw it active, so the
    // pending state joined it there: vgic_target_oracle keeps an active interrupt where it is),
    // sat in its list register pending and active; deactivated there by this vCPU, the pending
    // state stays in that list register, and this vCPU may take it until it exits
    s.ghosts[cpu]!.set(intid, (s.prio[slot]! & 0xff) | (s.group[slot]! << 8) | GHOST_NOT_ITS);
    x.rule('dist.irouter.affinity');
  }
  // (after the resample: the same fold that sees the list register invalid notifies the resampler)
  const q = (atAck && asIcactiver) || lost ? offerQuirk(s, QUIRKS.levelLatchSurvivesAck) : null;
  if (q !== null) {
    q.latch[slot] = asIcactiver ? 1 : 0;
    x.branch(q, null, `${QUIRKS.levelLatchSurvivesAck.id}: ${asIcactiver ? 'the latch left by the acknowledge makes it pending again' : 'the latch is cleared at the deactivation'}`);
  }
}

function resampleRoutesOf(s: State, pin: number): boolean {
  for (const gsi of s.resampleAsserted) if (s.routes.get(gsi)?.some((r) => r.kind === 'irqchip' && r.pin === pin)) return true;
  return false;
}

function resampleOnAck(s: State, pin: number, x: Exec): void {
  for (const gsi of [...s.resampleAsserted]) {
    const routes = s.routes.get(gsi);
    if (!routes?.some((r) => r.kind === 'irqchip' && r.pin === pin)) continue;
    s.resampleAsserted.delete(gsi);
    s.resampled.add(gsi);
    s.line[s.nPriv + pin] = 0;
    if (s.lineUnrecorded.size > 0) s.lineUnrecorded.delete(s.nPriv + pin);
    x.rule('kvm.irqfd.resample');
  }
}

/** Whether an interrupt can be signalled to the PE (IRQ/FIQ asserted): priority < PMR and it preempts. */
export function signalOutcome(s: State, cpu: number, c: Candidate | null): 'signal' | 'rpr-masked' | 'none' {
  if (c === null) return 'none';
  const pmr = s.pmr[cpu]! & priMask(s);
  if (!(c.prio < pmr)) return 'none';
  return groupPriorityLess(s, cpu, c) ? 'signal' : 'rpr-masked';
}

function groupPriorityLess(s: State, cpu: number, c: Candidate): boolean {
  return groupPriority(s, cpu, c.prio, c.group) < runningPriority(s, cpu);
}

/**
 * Whether the PE is woken from WFI: 'must' when every permitted HPPI would be signalled, 'may'
 * when some would (or one is masked only by the running priority: rule cpuif.wfi.rpr-masked-may-wake),
 * 'no' otherwise.
 */
export function wakeOutcome(s: State, cpu: number, x: Exec | null, inputs?: HppiInputs | null): 'must' | 'may' | 'no' {
  // `inputs`: the caller collected them (once for several priority-bit values)
  const opts = inputs === undefined ? hppiOptions(s, cpu, x) : inputs === null ? [null] : hppiResolve(s, inputs, x);
  let all = true;
  let any = false;
  for (const o of opts) {
    const r = signalOutcome(s, cpu, o);
    if (r === 'signal') any = true;
    else {
      all = false;
      if (r === 'rpr-masked') {
        any = true;
        x?.rule('cpuif.wfi.rpr-masked-may-wake');
      }
    }
  }
  return all ? 'must' : any ? 'may' : 'no';
}
