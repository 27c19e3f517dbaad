// The per-INTID registers shared by the Distributor (SPIs) and a Redistributor's SGI frame
// (SGIs/PPIs of its PE): IHI 0069 GICD_* registers; GICR_* registers, and the transitions of 2.3.
import { type Exec, type Expected, MaskedHex } from './exec.js';
import { deactivate, isPending, leaveGhosts, spiIrm, spiTarget } from './interrupts.js';
import { noteQuirk, offerQuirk, quirkEnabled, type Quirk } from './choices.js';
import { QUIRKS } from './quirks.js';
import { priMask } from './priority.js';
import { branchChoice, CHOICES } from './choices.js';
import { NASSGIREQ, slotOf, type State } from './state.js';
import { PTIMER_PPI, VTIMER_PPI } from '../spec/layout.js';

export type BitRegKind = 'group' | 'senable' | 'cenable' | 'spend' | 'cpend' | 'sactive' | 'cactive';

const BIT_REGS: [number, BitRegKind][] = [
  [0x080, 'group'], [0x100, 'senable'], [0x180, 'cenable'], [0x200, 'spend'],
  [0x280, 'cpend'], [0x300, 'sactive'], [0x380, 'cactive'],
];

const READ_RULE: Record<BitRegKind, string> = {
  group: 'dist.igroupr.rw', senable: 'dist.enable.read', cenable: 'dist.enable.read', spend: 'dist.pending.read',
  cpend: 'dist.pending.read', sactive: 'dist.active.read', cactive: 'dist.active.read',
};

/** Which 1-bit-per-INTID register an offset falls in, and its register number n. */
export function bitRegAt(offset: number): { kind: BitRegKind; n: number } | null {
  if (offset < 0x80 || offset >= 0x400) return null;
  for (const [base, kind] of BIT_REGS) if (offset >= base && offset < base + 0x80) return { kind, n: (offset - base) >> 2 };
  return null;
}

/** Whether `intid` is implemented for this frame: private ones always, SPIs up to spis + 31. */
function implemented(s: State, intid: number): boolean {
  return intid < 32 + s.cfg.spis;
}

/** `latchOnly`: userspace (KVM_DEV_ARM_VGIC_GRP_*_REGS) reads of the pending registers see the latch. */
export function readBitReg(s: State, cpu: number, kind: BitRegKind, first: number, x: Exec, latchOnly = false): number {
  x.rule(READ_RULE[kind]);
  let v = 0;
  for (let k = 0; k < 32; k++) {
    const intid = first + k;
    if (!implemented(s, intid)) { x.rule('dist.spi.oor-raz-wi'); break; }
    const slot = slotOf(s, cpu, intid);
    let b = 0;
    switch (kind) {
      case 'group': b = s.group[slot]!; break;
      case 'senable': case 'cenable': b = s.enabled[slot]!; break;
      case 'spend': case 'cpend': b = latchOnly ? s.latch[slot]! : isPending(s, slot) ? 1 : 0; break;
      case 'sactive': case 'cactive': b = s.active[slot]!; break;
    }
    v |= b << k;
  }
  return v >>> 0;
}

/**
 * A read of a 1-bit-per-INTID register by vCPU `reader`, or by the VMM (null: userspace reads of
 * the pending registers see the latch). With KVM's quirks enabled a pending read may also
 * - miss the edge interrupts another vCPU may hold pending in a list register
 *   (QUIRKS.pendingInLrInvisible: populating the LR cleared their latch, the read does not fold it);
 * - still see the latch of a level interrupt that was acknowledged and not yet deactivated
 *   (QUIRKS.levelLatchSurvivesAck).
 */
export function readBitRegAs(s: State, cpu: number, kind: BitRegKind, first: number, x: Exec, reader: number | null): Expected {
  const v = readBitReg(s, cpu, kind, first, x, reader === null);
  const hex = '0x' + v.toString(16);
  if ((kind !== 'spend' && kind !== 'cpend') || s.quirks.size === 0) return hex;
  let invisible = 0;
  let latched = 0;
  for (let k = 0; k < 32; k++) {
    const intid = first + k;
    if (!implemented(s, intid)) break;
    const slot = slotOf(s, cpu, intid);
    if (s.latchAtAck.size > 0 && s.latchAtAck.has(slot) && s.active[slot] && !((v >>> k) & 1)) latched |= 1 << k;
    if (reader === null || !((v >>> k) & 1)) continue;
    // an edge interrupt pending by its latch, enabled, routed to a vCPU other than the reader
    // (an active one is queued whatever its enable and group enable say: vgic_target_oracle)
    if (!s.edge[slot] || !s.latch[slot]) continue;
    if (!s.active[slot] && (!s.enabled[slot] || !(s.gicdCtlr & (s.group[slot] ? 2 : 1)))) continue;
    // an active SPI stays on the vCPU that holds it whatever its routing says since, and its new
    // pending state joins it in that vCPU's list register (vgic_target_oracle)
    // (one a GICD_IROUTER write left on its old vCPU, QUIRKS.irouterNoRequeue, is there too)
    const elsewhere = intid < 32 ? cpu !== reader
      : spiTarget(s, intid - 32) !== reader || ((spiIrm(s, intid - 32) || s.active[slot] === 1 || s.leftOnOldVcpu.has(slot)) && s.cfg.vcpus > 1);
    if (elsewhere) invisible |= 1 << k;
  }
  // each quirk that applies to this read is one adjustment of the architectural value; KVM reads
  // each bit on its own, so several may hold at once: every subset is a candidate (in this order:
  // a mapped timer PPI reads its line whatever its latch says)
  const adjust: PendingReadQuirk[] = [];
  if (invisible !== 0) adjust.push({ quirk: QUIRKS.pendingInLrInvisible, set: 0, clear: 0, free: invisible, why: "pending in another vCPU's list register" });
  if (latched !== 0) adjust.push({ quirk: QUIRKS.levelLatchSurvivesAck, set: latched, clear: 0, free: 0, why: 'the latch reads pending until the deactivation' });
  if (reader !== null && first === 0) {
    // KVM: a guest read of the HW-mapped vtimer PPI's pending bit reports the physical timer line
    // (vgic_get_phys_line_level), not a latch an ISPENDR write set (QUIRKS.mappedLevelLineLowered)
    const bit = 1 << VTIMER_PPI;
    const line = s.line[slotOf(s, cpu, VTIMER_PPI)] === 1;
    adjust.push({ quirk: QUIRKS.mappedLevelLineLowered, set: line ? bit : 0, clear: line ? 0 : bit, free: 0, why: 'the timer PPI reads its physical line' });
    // kvm-linux: on a VHE host the physical timer's PPI is mapped too, and reads the host's line,
    // low (QUIRKS.ptimerPendingReadsHostLine)
    adjust.push({ quirk: QUIRKS.ptimerPendingReadsHostLine, set: 0, clear: 1 << PTIMER_PPI, free: 0, why: "the physical timer PPI reads the host's line" });
  }
  offerPendingReadQuirks(s, x, v, adjust.filter((a) => quirkEnabled(s, a.quirk)));
  return hex;
}

/** One quirk's change to a pending read: bits it sets, clears, or leaves open. */
interface PendingReadQuirk { quirk: Quirk; set: number; clear: number; free: number; why: string }

/**
 * A branch for every non-empty subset of the quirks that apply, each recording the quirks it took;
 * a subset with a quirk that changes nothing (given the ones before it) is left out.
 */
function offerPendingReadQuirks(s: State, x: Exec, v: number, adjust: readonly PendingReadQuirk[]): void {
  subsets: for (let m = 1; m < 1 << adjust.length; m++) {
    const taken = adjust.filter((_, i) => (m >>> i) & 1);
    let value = v;
    let free = 0;
    for (const a of taken) {
      const next = ((value | a.set) & ~a.clear) >>> 0;
      if (next === value && (free | a.free) === free) continue subsets;
      value = next;
      free |= a.free;
    }
    const st = s.clone();
    for (const a of taken) noteQuirk(st, a.quirk.id);
    const result: Expected = free === 0 ? '0x' + value.toString(16) : new MaskedHex(BigInt(value), BigInt(~free >>> 0));
    x.branch(st, result, taken.map((a) => `${a.quirk.id}: ${a.why}`).join('; '));
  }
}

/** `cpu`: the PE whose private interrupts the frame holds; `writer`: the vCPU writing (-1: the VMM). */
export function writeBitReg(s: State, cpu: number, kind: BitRegKind, first: number, value: number, x: Exec, writer = cpu): void {
  for (let k = 0; k < 32; k++) {
    const intid = first + k;
    if (!implemented(s, intid)) { x.rule('dist.spi.oor-raz-wi'); break; }
    const bit = (value >>> k) & 1;
    if (kind !== 'group' && bit === 0) continue;
    const slot = slotOf(s, cpu, intid);
    if (kind === 'cenable' || kind === 'cpend' || kind === 'group') leaveGhosts(s, writer, intid, cpu, x);
    switch (kind) {
      case 'group': s.group[slot] = bit; x.rule('dist.igroupr.rw'); break;
      case 'senable':
        x.rule('dist.isenabler.set');
        if (!s.enabled[slot] && isPending(s, slot)) x.rule('dist.pending-while-disabled');
        s.enabled[slot] = 1;
        break;
      case 'cenable':
        x.rule('dist.icenabler.clear');
        if (intid < 16 && s.enabled[slot]) {
          // whether SGIs can be disabled is IMPLEMENTATION DEFINED: disabled (option 0), or
          // permanently enabled, RAO/WI (1)
          x.rule('redist.sgi-enable.impdef');
          branchChoice(s, x, CHOICES.sgiEnable, (st, o) => { if (o === 0) st.enabled[slot] = 0; });
          break;
        }
        s.enabled[slot] = 0;
        break;
      // ISPENDR: latch := 1 for edge and level (IHI 0069 chapter 4, interrupt state transitions)
      case 'spend': s.latch[slot] = 1; x.rule('dist.ispendr.set'); break;
      // ICPENDR: latch := 0; a level interrupt whose line is high stays pending (IHI 0069 GICD_ICPENDR)
      case 'cpend': s.latch[slot] = 0; s.latchAtAck.delete(slot); x.rule(s.edge[slot] ? 'dist.icpendr.clear' : 'dist.icpendr.level-line-high'); break;
      // I[SC]ACTIVER: active := 1 / 0, no effect on the APRs (IHI 0069 chapter 4, interrupt state transitions)
      case 'sactive':
        // SGIs without an active state (GICD_CTLR.nASSGIreq = 1): the write has no effect
        if (intid < 16 && (s.gicdCtlr & NASSGIREQ) !== 0) { x.rule('dist.ctlr.nassgireq'); break; }
        // KVM queues an SPI it makes active on the vCPU it is routed to now (QUIRKS.dirOfSpiActiveElsewhereIgnored)
        if (s.quirks.size > 0 && intid >= 32 && !s.active[slot]) s.spiActivatedOn.set(slot, spiTarget(s, intid - 32));
        s.active[slot] = 1;
        if (s.spiAckedOn.size > 0) s.spiAckedOn.delete(slot); // active by a write, not by an acknowledge
        x.rule('dist.isactiver.set');
        break;
      case 'cactive': deactivate(s, cpu, intid, x, true); x.rule('dist.icactiver.clear'); break;
    }
  }
}

/** GICD_IPRIORITYR / GICR_IPRIORITYR: byte per INTID, unimplemented low bits RAZ/WI (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1). */
export function readPriority(s: State, cpu: number, first: number, bytes: number, x: Exec): number {
  x.rule('dist.ipriorityr.byte');
  const mask = priMask(s);
  let v = 0;
  for (let k = 0; k < bytes; k++) {
    const intid = first + k;
    if (!implemented(s, intid)) { x.rule('dist.spi.oor-raz-wi'); break; }
    v |= (s.prio[slotOf(s, cpu, intid)]! & mask) << (8 * k);
  }
  return v >>> 0;
}
export function writePriority(s: State, cpu: number, first: number, bytes: number, value: number, x: Exec, writer = cpu): void {
  x.rule('dist.ipriorityr.byte');
  for (let k = 0; k < bytes; k++) {
    const intid = first + k;
    if (!implemented(s, intid)) { x.rule('dist.spi.oor-raz-wi'); break; }
    const slot = slotOf(s, cpu, intid);
    const v = (value >>> (8 * k)) & 0xff;
    if (s.prio[slot] !== v) leaveGhosts(s, writer, intid, cpu, x);
    s.prio[slot] = v;
  }
}

/** GICD_ICFGR / GICR_ICFGR<n>: Int_config = bit 2k+1 (1 = edge); bit 2k RES0 (IHI 0069 GICD_ICFGR<n>, GICR_ICFGR<n>). */
export function readConfig(s: State, cpu: number, first: number, x: Exec): number {
  x.rule('dist.icfgr.config');
  let v = 0;
  for (let k = 0; k < 16; k++) {
    const intid = first + k;
    if (!implemented(s, intid)) break;
    if (s.edge[slotOf(s, cpu, intid)]) v |= 2 << (2 * k);
  }
  return v >>> 0;
}
export function writeConfig(s: State, cpu: number, first: number, value: number, x: Exec): void {
  let unknown: number[] | null = null;
  let unrecorded: number[] | null = null;
  // made pending by the change itself (a level line held high): KVM queues nothing (QUIRKS.icfgrChangeNoQueue)
  let queuedByNothing: number[] | null = null;
  for (let k = 0; k < 16; k++) {
    const intid = first + k;
    if (!implemented(s, intid) || intid < 16) continue; // SGIs are always edge (RAO/WI)
    const slot = slotOf(s, cpu, intid);
    const edge = (value >>> (2 * k + 1)) & 1;
    if (edge === s.edge[slot]) continue;
    // choice.u1.icfgr-change: changing Int_config while enabled is UNPREDICTABLE; the model applies the change.
    if (s.enabled[slot]) x.rule('choice.u1.icfgr-change');
    const wasPending = isPending(s, slot);
    s.edge[slot] = edge;
    x.rule('dist.icfgr.config');
    if (wasPending) (unknown ??= []).push(slot);
    else if (s.quirks.size > 0 && s.enabled[slot] && isPending(s, slot)) (queuedByNothing ??= []).push(slot);
    if (edge === 0 && s.lineUnrecorded.size > 0 && s.lineUnrecorded.has(slot)) (unrecorded ??= []).push(slot);
  }
  // KVM never recorded the line an edge-configured interrupt was raised on: made level now, its
  // line reads low (QUIRKS.levelInfoEdge)
  const q = unrecorded !== null ? offerQuirk(s, QUIRKS.levelInfoEdge) : null;
  if (q !== null) {
    for (const slot of unrecorded!) { q.line[slot] = 0; q.lineUnrecorded.delete(slot); }
    x.branch(q, null, `${QUIRKS.levelInfoEdge.id}: the line raised while edge-configured was not recorded`);
    // its pending state is as UNKNOWN as on the main line (choice.u1.icfgr-change), the low line included
    if (unknown !== null) pendingUnknown(q, unknown, x);
  }
  if (unknown !== null) pendingUnknown(s, unknown, x);
  const nq = queuedByNothing !== null ? offerQuirk(s, QUIRKS.icfgrChangeNoQueue) : null;
  if (nq !== null) {
    for (const slot of queuedByNothing!) nq.unqueued.add(slot);
    x.branch(nq, null, `${QUIRKS.icfgrChangeNoQueue.id}: the interrupt the change made pending is not queued`);
  }
}

/**
 * choice.u1.icfgr-change (the permitted-choice rules choice.u<N>.* of spec/rules.json): Int_config changed while the interrupt is pending leaves its pending state
 * UNKNOWN (scope: that INTID), i.e. either value until software next sets, clears or acknowledges
 * it. The main line keeps what the write left; every other combination is a branch (KVM loses an
 * edge interrupt already in a list register that folds back as level). More than 3 such INTIDs
 * in one write: only "all flipped" besides the main line, to bound the candidates.
 */
function pendingUnknown(s: State, slots: number[], x: Exec): void {
  // only the INTIDs whose pending state the latch can still change (a level line held high keeps it)
  const open = slots.filter((slot) => s.edge[slot] === 1 || s.line[slot] === 0);
  if (open.length === 0) return;
  x.rule('choice.u1.icfgr-change');
  const subsets = open.length <= 3 ? (1 << open.length) - 1 : 1;
  for (let m = 1; m <= subsets; m++) {
    const st = s.clone();
    for (let i = 0; i < open.length; i++) {
      if (open.length <= 3 && !(m & (1 << i))) continue;
      const slot = open[i]!;
      st.latch[slot] = isPending(s, slot) ? 0 : 1;
    }
    x.branch(st, null, 'choice.u1.icfgr-change: pending state UNKNOWN after an Int_config change');
  }
}
