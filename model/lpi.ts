// LPIs at the redistributors (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER; GICR_CTLR; 5.1 LPIs; 5.1 LPI configuration caching; GICR_INVLPIR): the configuration byte in guest
// memory and what a redistributor may have cached of it (choice.u16.config-cache), pending state per redistributor.
import type { Exec } from './exec.js';
import { ASLEEP, ASLEEP_DOORBELL_WAKE, ASLEEP_QUIRK_WAKE, type State } from './state.js';
import { quirkEnabled } from './choices.js';
import { QUIRKS } from './quirks.js';
import { isForwardedLpi } from './vlpi.js';
import { iteTarget } from './its.js';

export const LPI_BASE = 8192;
const PROP_PA_MASK = ((1n << 52n) - 1n) & ~0xfffn;
const PEND_PA_MASK = ((1n << 52n) - 1n) & ~0xffffn;

export function propBase(s: State, cpu: number): number {
  return Number(s.propbaser[cpu]! & PROP_PA_MASK);
}
export function pendBase(s: State, cpu: number): number {
  return Number(s.pendbaser[cpu]! & PEND_PA_MASK);
}
/**
 * Effective LPI ID bits of a redistributor: min(PROPBASER.IDbits, GICD_TYPER.IDbits) + 1; fewer than
 * 14 means no LPIs at all (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER, choice.u21.idbits-clamp). GICD_TYPER.IDbits is held once observed; until then
 * the model takes 16 bits (the width every INTID in the scenario format fits).
 */
export function lpiIdBits(s: State, cpu: number): number {
  const prop = Number(s.propbaser[cpu]! & 0x1fn);
  const typer = s.fixed.get('gicd_typer');
  const distBits = typer === undefined ? 15 : Number((typer >> 19n) & 0x1fn);
  const bits = Math.min(prop, distBits) + 1;
  return prop < 13 ? 0 : bits;
}
export function lpiInRange(s: State, cpu: number, intid: number): boolean {
  const bits = lpiIdBits(s, cpu);
  return bits >= 14 && intid >= LPI_BASE && intid < 2 ** bits;
}

/** The configuration byte in memory now (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER: one byte at PROPBASER + intid - 8192). */
export function propByteInMemory(s: State, cpu: number, intid: number): number {
  const a = propBase(s, cpu) + (intid - LPI_BASE);
  return s.mem.inRam(a, 1) ? s.mem.readByte(a) : 0;
}

/**
 * The configuration bytes a forwarding decision may use for this LPI: the memory byte, plus any
 * byte a cache may still hold (choice.u16.config-cache: until an invalidate completes, each decision may use either).
 */
export function propVersions(s: State, cpu: number, intid: number): readonly number[] {
  const now = propByteInMemory(s, cpu, intid);
  const stale = s.lpiStale.get(intid);
  if (stale === undefined) return [now];
  return [now, ...stale.filter((b) => b !== now)];
}

/** A guest write to memory: property bytes that change become possibly stale (choice.u16.config-cache). */
export function notePropertyWrite(s: State, addr: number, bytes: Uint8Array, x: Exec): void {
  // The configuration table is shared by every redistributor (CommonLPIAff = 0, IHI 0069 GICR_PROPBASER, GICR_PENDBASER).
  for (let cpu = 0; cpu < s.cfg.vcpus; cpu++) {
    if (!s.enableLpis[cpu]) continue;
    const base = propBase(s, cpu);
    const bits = lpiIdBits(s, cpu);
    if (bits < 14) continue;
    const end = base + (2 ** bits - LPI_BASE);
    const lo = Math.max(addr, base);
    const hi = Math.min(addr + bytes.length, end);
    for (let a = lo; a < hi; a++) {
      const intid = a - base + LPI_BASE;
      const old = s.mem.readByte(a);
      const nw = bytes[a - addr]!;
      if (old === nw) continue;
      const st = s.lpiStale.get(intid);
      if (st === undefined) s.lpiStale.set(intid, [old]);
      else if (!st.includes(old)) st.push(old);
      x.rule('choice.u16.config-cache');
    }
    break; // one shared table
  }
}

/**
 * INV / INVALL / GICR_INVLPIR / GICR_INVALLR completed: the redistributors it reached now use the
 * memory byte. INV and INVALL act at the RD of the ITE's collection (IHI 0069 5.3 ITS commands "make the RD
 * re-read"); an LPI still pending at an RD no ITE routes to (left at the old RD by a MAPC remap, choice.u40.mapc-retarget-pending)
 * may keep that RD's cached byte (choice.u16.config-cache), so its old versions stay. They are held per INTID, so the
 * reached RDs may use them too: an over-approximation in that corner only.
 */
export function invalidateLpi(s: State, intid: number): void {
  if (!s.lpiStale.has(intid)) return;
  if (pendingWhereNoIteRoutes(s, intid)) return;
  s.lpiStale.delete(intid);
}

/** Whether the LPI is (or may be) pending at a redistributor that no ITE naming it targets. */
function pendingWhereNoIteRoutes(s: State, intid: number): boolean {
  const scoped = s.lpiScoped.get(intid);
  let routed: Set<number> | null = null;
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (!s.lpiPending[rd]!.has(intid) && !scoped?.has(rd)) continue;
    routed ??= iteTargetsOf(s, intid);
    if (!routed.has(rd)) return true;
  }
  return false;
}

/** The RDs the ITEs naming `intid` route it to (-1 for an ITE without a usable collection). */
export function iteTargetsOf(s: State, intid: number): Set<number> {
  const out = new Set<number>();
  for (const its of s.its) {
    for (const dev of its.devices.values()) {
      for (const ite of dev.ites.values()) if (ite.intid === intid) out.add(iteTarget(its, ite));
    }
  }
  return out;
}

/** The LPIs redistributor `rd` holds state for: pending there, or routed there by an ITE. */
export function lpisOfRd(s: State, rd: number): Set<number> {
  const out = new Set<number>(s.lpiPending[rd]);
  for (const its of s.its) {
    for (const dev of its.devices.values()) {
      for (const ite of dev.ites.values()) if (iteTarget(its, ite) === rd) out.add(ite.intid);
    }
  }
  return out;
}
export function invalidateAllLpis(s: State): void {
  s.lpiStale.clear();
}

/**
 * Make an LPI pending at a redistributor (ITS translation, INT, SETLPIR). An LPI delivered to a
 * redistributor with EnableLPIs = 0 is dropped (IHI 0069 GICR_CTLR.EnableLPIs, choice.u23.lpis-off-drop).
 */
export function setLpiPending(s: State, cpu: number, intid: number, x: Exec): boolean {
  // made pending again: a target queues it now (QUIRKS.distEnableNoRequeue ends for it)
  if (s.unqueued.size > 0) s.unqueued.delete(intid);
  if (!s.enableLpis[cpu]) {
    x.rule('choice.u23.lpis-off-drop');
    return false;
  }
  // KVM: the one vgic_irq of an INTID kept the target of an ITE that has gone (State.lpiKeptTarget)
  const kept = s.lpiKeptTarget.size > 0 ? s.lpiKeptTarget.get(intid) : undefined;
  if (kept !== undefined && kept !== cpu && s.enableLpis[kept] && lpiInRange(s, kept, intid)) cpu = kept;
  if (!lpiInRange(s, cpu, intid)) {
    x.rule('lpi.range');
    noteIdBits(s, cpu, x);
    return false;
  }
  if (mappedMoreThanOnce(s, intid)) {
    // choice.u39.intid-two-ites: one INTID in several ITEs: UNPREDICTABLE with scope = that INTID on all RDs (Arm IHI 0069
    // 7 choice.u39.intid-two-ites): the delivery may leave it pending at any RD that accepts LPIs (this one, or e.g. KVM's
    // single state per INTID, targeted by whichever ITE set it first), or nowhere
    x.rule('choice.u39.intid-two-ites');
    for (let rd = 0; rd < s.cfg.vcpus; rd++) if (s.enableLpis[rd] && lpiInRange(s, rd, intid)) markPossiblyPending(s, rd, intid);
    return true;
  }
  // KVM: pending again while a MOVI's old vCPU may still hold it in a list register (QUIRKS.lpiRetargetNoRequeue)
  if (s.quirks.size > 0 && s.lpiInFlight.size > 0 && s.lpiPending[cpu]!.has(intid) && s.lpiInFlight.has(intid)) s.lpiRepended.add(intid);
  s.lpiPending[cpu]!.add(intid);
  // set pending: defined again, whatever an UNPREDICTABLE scope (choice.u17.baser-write-lpis-on, choice.u19.ptz-nonzero, choice.u20.pending-table-access) left open here
  if (s.lpiScoped.size > 0) unscope(s, cpu, intid);
  x.rule('lpi.edge-coalesce');
  // KVM's GICv4: an INT or MSI for a forwarded event sets the vLPI pending in the hardware
  // (vgic_its_trigger_msi), which rings the doorbell of a vCPU blocked in WFI: it wakes whatever
  // the priority mask says (QUIRKS.doorbellWakesMasked; taken at its next guest op, model/machine.ts)
  if ((s.asleep[cpu] === ASLEEP || s.asleep[cpu] === ASLEEP_QUIRK_WAKE) && s.quirks.size > 0 && s.forwards.size > 0
    && (propVersions(s, cpu, intid)[0]! & 1) !== 0 && isForwardedLpi(s, cpu, intid) && quirkEnabled(s, QUIRKS.doorbellWakesMasked)) {
    s.asleep[cpu] = ASLEEP_DOORBELL_WAKE;
  }
  return true;
}

/** Why an LPI is out of range: PROPBASER.IDbits below 13 (no LPIs), or clamped to GICD_TYPER.IDbits. */
function noteIdBits(s: State, cpu: number, x: Exec): void {
  const prop = Number(s.propbaser[cpu]! & 0x1fn);
  const typer = s.fixed.get('gicd_typer');
  if (prop < 13) x.rule('lpi.idbits-min');
  else if (prop > (typer === undefined ? 15 : Number((typer >> 19n) & 0x1fn))) x.rule('choice.u21.idbits-clamp');
}

function unscope(s: State, rd: number, intid: number): void {
  const set = s.lpiScoped.get(intid);
  if (set?.delete(rd) && set.size === 0) s.lpiScoped.delete(intid);
}

/**
 * An LPI that may (not must) be pending at `rd`: an UNPREDICTABLE outcome scoped to its pending
 * state there (choice.u19.ptz-nonzero, choice.u20.pending-table-access, choice.u39.intid-two-ites). An optional candidate of that RD until taken there.
 */
export function markPossiblyPending(s: State, rd: number, intid: number): void {
  let set = s.lpiScoped.get(intid);
  if (set === undefined) s.lpiScoped.set(intid, (set = new Set()));
  set.add(rd);
}

/**
 * choice.u20.pending-table-access (the permitted-choice rules choice.u<N>.* of spec/rules.json): a guest write into the pending table of an RD with EnableLPIs = 1 is
 * UNPREDICTABLE, scoped to the pending state of the LPIs whose bits it changes: a bit written 1
 * may make the LPI pending (KVM reads the bit when the LPI is mapped), a bit written 0 may clear it.
 */
export function notePendingTableWrite(s: State, addr: number, bytes: Uint8Array, x: Exec): void {
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (!s.enableLpis[rd]) continue;
    const bits = lpiIdBits(s, rd);
    if (bits < 14) continue;
    const base = pendBase(s, rd);
    const lo = Math.max(addr, base + LPI_BASE / 8);
    const hi = Math.min(addr + bytes.length, base + 2 ** bits / 8);
    for (let a = lo; a < hi; a++) {
      const b = bytes[a - addr]!;
      for (let k = 0; k < 8; k++) {
        const intid = (a - base) * 8 + k;
        const set = (b >> k) & 1;
        const pending = s.lpiPending[rd]!.has(intid);
        if (set === (pending ? 1 : 0)) continue;
        x.rule('choice.u20.pending-table-access');
        if (pending) s.lpiPending[rd]!.delete(intid);
        markPossiblyPending(s, rd, intid);
      }
    }
  }
}

/**
 * choice.u39.intid-two-ites (the permitted-choice rules choice.u<N>.* of spec/rules.json): a mapping that makes an INTID named by more than one ITE puts that INTID's
 * pending state on every RD in the UNPREDICTABLE scope: an LPI already pending somewhere may stay
 * there, move to another RD (KVM: one state per INTID, retargeted by the newest ITE) or be lost.
 */
export function scopeSharedLpi(s: State, intid: number, x: Exec): void {
  let pendingSomewhere = s.lpiScoped.has(intid);
  for (let rd = 0; rd < s.cfg.vcpus && !pendingSomewhere; rd++) pendingSomewhere = s.lpiPending[rd]!.has(intid);
  if (!pendingSomewhere) return;
  x.rule('choice.u39.intid-two-ites');
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    s.lpiPending[rd]!.delete(intid);
    if (s.enableLpis[rd] && lpiInRange(s, rd, intid)) markPossiblyPending(s, rd, intid);
  }
}

/** Whether more than one ITE (of any ITS) names this INTID (indexed in State). */
export function mappedMoreThanOnce(s: State, intid: number): boolean {
  return s.mappedMoreThanOnce(intid);
}

/**
 * choice.u17.baser-write-lpis-on (the permitted-choice rules choice.u<N>.* of spec/rules.json): GICR_PENDBASER written while EnableLPIs = 1 is UNPREDICTABLE, scoped to the
 * LPI state of that redistributor. Its pending state is open until something defines it again (a
 * new delivery, a CLEAR, an acknowledge): an LPI pending there may stay pending or be lost (e.g.
 * QEMU, which holds pending state in the table it names, rescans the new table), and an LPI whose
 * bit is set in the newly named table may become pending. The model bounds "anything" by where
 * pending state can come from: the RD's own state and the tables it was pointed at.
 * One optional candidate per LPI (markPossiblyPending), never a branch per LPI.
 */
export function scopePendbaserWrite(s: State, rd: number, newPendbaser: bigint, x: Exec): void {
  x.rule('choice.u17.baser-write-lpis-on');
  openPendingState(s, rd);
  const bits = lpiIdBits(s, rd);
  if (bits < 14) return;
  forEachPendingBit(s, Number(newPendbaser & PEND_PA_MASK), bits, (intid) => markPossiblyPending(s, rd, intid));
}

/** Every LPI pending at `rd` may or may not be pending any more (choice.u17.baser-write-lpis-on's scope). */
function openPendingState(s: State, rd: number): void {
  const pend = s.lpiPending[rd]!;
  for (const intid of pend) markPossiblyPending(s, rd, intid);
  pend.clear();
}

/**
 * choice.u17.baser-write-lpis-on for GICR_PROPBASER: the configuration table is shared by every redistributor (CommonLPIAff
 * = 0, IHI 0069 GICR_PROPBASER, GICR_PENDBASER), so the scope is the LPI state of all of them. Each LPI's configuration may
 * come from the old or the new table until an invalidation defines it (the byte of the table not
 * in the register becomes a cached version, choice.u16.config-cache's mechanism), and its pending state is open as for
 * PENDBASER (pending may be lost; nothing new becomes pending from a configuration table).
 */
export function scopePropbaserWrite(s: State, rd: number, newPropbaser: bigint, x: Exec): void {
  x.rule('choice.u17.baser-write-lpis-on');
  const oldBase = propBase(s, rd);
  const newBase = Number(newPropbaser & PROP_PA_MASK);
  const oldBits = lpiIdBits(s, rd);
  const typer = s.fixed.get('gicd_typer');
  const distBits = typer === undefined ? 15 : Number((typer >> 19n) & 0x1fn);
  const newProp = Number(newPropbaser & 0x1fn);
  const newBits = newProp < 13 ? 0 : Math.min(newProp, distBits) + 1;
  const n = 2 ** Math.max(oldBits, newBits, 14) - LPI_BASE;
  if (newBase !== oldBase) {
    const oldTab = tableBytes(s, oldBase, n);
    const newTab = tableBytes(s, newBase, n);
    for (let i = 0; i < n; i++) {
      const a = oldTab[i]!;
      const b = newTab[i]!;
      if (a === b) continue;
      // whichever table the register ends up naming, the other one's byte may still be used
      const intid = LPI_BASE + i;
      const st = s.lpiStale.get(intid);
      if (st === undefined) s.lpiStale.set(intid, [a, b]);
      else {
        if (!st.includes(a)) st.push(a);
        if (!st.includes(b)) st.push(b);
      }
    }
  }
  for (let r = 0; r < s.cfg.vcpus; r++) if (s.enableLpis[r]) openPendingState(s, r);
}

/** `len` bytes of guest memory at `base` (zero where there is no RAM: the model's unbacked reads). */
function tableBytes(s: State, base: number, len: number): Uint8Array {
  if (s.mem.inRam(base, len)) return s.mem.read(base, len);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) if (s.mem.inRam(base + i, 1)) out[i] = s.mem.readByte(base + i);
  return out;
}

/**
 * Each LPI whose bit is set in the pending table at `table` for `bits` ID bits (IHI 0069 GICR_CTLR:
 * bit INTID % 8 of byte INTID / 8; the first 1 KiB, INTIDs below 8192, is not used). Memory never
 * written reads as zero and is stepped over a page at a time.
 */
export function forEachPendingBit(s: State, table: number, bits: number, f: (intid: number) => void): void {
  const first = table + LPI_BASE / 8;
  const end = table + 2 ** bits / 8;
  for (let a = s.mem.nextWrittenAddr(first, end); a < end; a = s.mem.nextWrittenAddr(a, end)) {
    const stop = Math.min(end, (Math.floor(a / SCAN_CHUNK) + 1) * SCAN_CHUNK);
    const buf = tableBytes(s, a, stop - a);
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (b !== 0) for (let k = 0; k < 8; k++) if (b & (1 << k)) f((a - table + i) * 8 + k);
    }
    a = stop;
  }
}
/** bytes read at once between checks for never-written memory */
const SCAN_CHUNK = 4096;
