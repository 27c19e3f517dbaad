// Redistributors (IHI 0069 GICR_PROPBASER, GICR_PENDBASER; GICR_CTLR; GICR_* registers): the RD frame (GICR_CTLR and the LPI rules, TYPER,
// WAKER, PROPBASER/PENDBASER, direct LPI registers) and the SGI frame (SGIs/PPIs of its PE).
import { vcpuAffinity } from '../spec/layout.js';
import { offsetOf } from '../spec/codec/registers.js';
import { ANY, type Exec, type Expected, hex, MaskedHex } from './exec.js';
import { impdefRead } from './impdef.js';
import { branchChoice, CHOICES, offerQuirk } from './choices.js';
import { QUIRKS } from './quirks.js';
import { type BitRegKind, bitRegAt, readBitRegAs, readConfig, readPriority, writeBitReg, writeConfig, writePriority } from './intid-regs.js';
import { invalidateTranslations } from './its/tables.js';
import { forEachPendingBit, invalidateLpi, iteTargetsOf, LPI_BASE, lpiIdBits, lpiInRange, lpisOfRd, markPossiblyPending, pendBase, propVersions, scopePendbaserWrite, scopePropbaserWrite, setLpiPending } from './lpi.js';
import { LPI_ACTIVE_ORPHANED, type State } from './state.js';
import { vlpiOfGsi } from './vlpi.js';

// Offsets from spec/data/registers, resolved once here.
const GICR_CTLR = offsetOf('GICR_CTLR');
const GICR_IIDR = offsetOf('GICR_IIDR');
const GICR_TYPER = offsetOf('GICR_TYPER');
const GICR_STATUSR = offsetOf('GICR_STATUSR');
const GICR_WAKER = offsetOf('GICR_WAKER');
const GICR_SETLPIR = offsetOf('GICR_SETLPIR');
const GICR_CLRLPIR = offsetOf('GICR_CLRLPIR');
const GICR_PROPBASER = offsetOf('GICR_PROPBASER');
const GICR_PENDBASER = offsetOf('GICR_PENDBASER');
const GICR_INVLPIR = offsetOf('GICR_INVLPIR');
const GICR_INVALLR = offsetOf('GICR_INVALLR');
const GICR_SYNCR = offsetOf('GICR_SYNCR');

const SIXTY_FOUR = new Set([GICR_TYPER, GICR_SETLPIR, GICR_CLRLPIR, GICR_PROPBASER, GICR_PENDBASER, GICR_INVLPIR, GICR_INVALLR]);

function rdWidthOk(offset: number, width: number): boolean {
  const reg64 = SIXTY_FOUR.has(offset & ~7);
  if (width === 64) return reg64 && offset % 8 === 0;
  return width === 32 && offset % 4 === 0;
}

/** Which bits of a 64-bit register a 32-bit access at `offset` sees. */
function half(v: bigint, offset: number, width: number): bigint {
  if (width === 64) return v;
  return offset % 8 === 0 ? v & 0xffff_ffffn : v >> 32n;
}

export function gicrRead(s: State, rd: number, offset: number, width: number, x: Exec): Expected {
  if (!rdWidthOk(offset, width)) {
    x.rule('mmio.bad-width');
    return ANY();
  }
  const o = offset & ~7;
  switch (offset) {
    case GICR_CTLR: {
      // EnableLPIs [0], CES [1] (choice.u18.clear-enable-lpis parameter), IR [2] IMPDEF (held once observed), RWP [3] = 0 at
      // quiescence, DPG* [26:24] read back or RAZ (DPGS is IMPDEF), UWP [31] = 0.
      x.rule('redist.ctlr.ro-bits');
      const v = BigInt(s.enableLpis[rd]!) | (s.ces === 0b10 ? 2n : 0n);
      const dpg = BigInt(s.ctlrDpg[rd]!);
      const held = s.fixed.get('gicr_ctlr_ir');
      if (held === undefined) {
        x.commit = (st, obs) => { if (typeof obs === 'string') st.fixed.set('gicr_ctlr_ir', BigInt(obs) & 4n); };
        return new MaskedHex(v, ~0x700_0004n & 0xffff_ffffn, 0x4n | dpg);
      }
      return new MaskedHex(v | held, ~0x700_0000n & 0xffff_ffffn, held | dpg);
    }
    case GICR_IIDR: return impdefRead(s, x, 'gicr_iidr', 0n, 0xffff_ffffn);
    case GICR_STATUSR: return ANY();
    case GICR_WAKER:
      // ProcessorSleep [1]; ChildrenAsleep [2] follows it at quiescence; bit 0 IMPDEF
      x.rule('redist.waker.awake');
      return new MaskedHex(BigInt(s.waker[rd]! ? 6 : 0), 0xffff_fffen);
    case GICR_SYNCR:
      x.rule('redist.syncr');
      return '0x0';
  }
  if (o === GICR_TYPER) return typerRead(s, rd, offset, width, x);
  if (o === GICR_PROPBASER) {
    // IDbits [4:0] and PA [51:12] read back; cacheability/shareability may be fixed by the implementation
    x.rule('redist.propbaser.rw');
    const v = s.propbaser[rd]!;
    // RES0 bits may read as zero or as written
    const care = 0x1fn | (((1n << 52n) - 1n) & ~0xfffn);
    return new MaskedHex(half(v, offset, width), half(care, offset, width), half(v, offset, width));
  }
  if (o === GICR_PENDBASER) {
    // PA [51:16] reads back; PTZ [62] reads as 0 (IHI 0069 GICR_PROPBASER, GICR_PENDBASER)
    x.rule('redist.pendbaser.ptz-raz');
    const v = s.pendbaser[rd]! & ~(1n << 62n);
    const care = (((1n << 52n) - 1n) & ~0xffffn) | (1n << 62n);
    // QEMU keeps PTZ as written (QUIRKS.qemuPendbaserPtzReadsBack)
    const w = s.pendbaser[rd]!;
    const q = w !== v ? offerQuirk(s, QUIRKS.qemuPendbaserPtzReadsBack) : null;
    if (q !== null) x.branch(q, new MaskedHex(half(w, offset, width), half(care, offset, width), half(w, offset, width)), `${QUIRKS.qemuPendbaserPtzReadsBack.id}: PTZ reads as written`);
    return new MaskedHex(half(v, offset, width), half(care, offset, width), half(v, offset, width));
  }
  if (offset >= 0xffd0) return impdefRead(s, x, `gicr_id_${offset}`, 0n, 0xffff_ffffn);
  // SETLPIR, CLRLPIR, INVLPIR, INVALLR are write-only; reserved space RAZ
  x.rule('mmio.reserved-raz-wi');
  return '0x0';
}

/**
 * GICR_TYPER (IHI 0069 GICR_* registers): determined: PLPIS, VLPIS = 0, Last, Processor_Number, Affinity_Value;
 * IMPDEF: DirectLPI, DPGS, MPAM, RVPEID, CommonLPIAff, PPInum (held once observed).
 */
function typerRead(s: State, rd: number, offset: number, width: number, x: Exec): Expected {
  x.rule('redist.typer.affinity');
  x.rule('redist.typer.last'); x.rule('redist.typer.processor-number'); if (s.cfg.its > 0) x.rule('redist.typer.plpis');
  const a = vcpuAffinity(rd);
  const aff = BigInt(a.aff0) | (BigInt(a.aff1) << 8n) | (BigInt(a.aff2) << 16n) | (BigInt(a.aff3) << 24n);
  const v = BigInt(s.cfg.its > 0 ? 1 : 0) | (rd === s.cfg.vcpus - 1 ? 0x10n : 0n) | (BigInt(rd) << 8n) | (aff << 32n);
  const free = 0x8n | 0x20n | 0x40n | 0x80n | (3n << 24n) | (0x1fn << 27n) | 0x4n;
  if (width === 64) return impdefRead(s, x, 'gicr_typer', v, free);
  // a 32-bit half: held bits if known; otherwise open without holding (the other half is unseen)
  const held = s.fixed.get('gicr_typer');
  if (held !== undefined) return hex(half((v & ~free) | (held & free), offset, width));
  return new MaskedHex(half(v & ~free, offset, width), half(~free & ((1n << 64n) - 1n), offset, width));
}

/** `writer`: the vCPU writing (-1: the VMM, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS). */
export function gicrWrite(s: State, rd: number, offset: number, width: number, value: bigint, x: Exec, writer = -1): void {
  if (!rdWidthOk(offset, width)) {
    x.rule('mmio.bad-width');
    return;
  }
  const o = offset & ~7;
  const lo = Number(value & 0xffff_ffffn);
  switch (offset) {
    case GICR_CTLR: return ctlrWrite(s, rd, lo, x, writer);
    case GICR_WAKER:
      x.rule('redist.waker.awake');
      s.waker[rd] = (lo >> 1) & 1;
      return;
  }
  const merge = (old: bigint): bigint => {
    if (width === 64) return value;
    return offset % 8 === 0 ? (old & ~0xffff_ffffn) | (value & 0xffff_ffffn) : (old & 0xffff_ffffn) | ((value & 0xffff_ffffn) << 32n);
  };
  if (o === GICR_PROPBASER || o === GICR_PENDBASER) {
    const regs = o === GICR_PROPBASER ? 'propbaser' : 'pendbaser';
    const nv = merge(s[regs][rd]!);
    if (s.enableLpis[rd]) {
      // choice.u17.baser-write-lpis-on: writing PROPBASER/PENDBASER while EnableLPIs = 1 is UNPREDICTABLE, scoped to the LPI
      // state of this RD (and its sharers, for PROPBASER): that state is left open (lpi.ts), and the
      // register is ignored (option 0), or takes the value (1)
      if (regs === 'pendbaser') scopePendbaserWrite(s, rd, nv, x);
      else scopePropbaserWrite(s, rd, nv, x);
      branchChoice(s, x, CHOICES.u17BaserWriteLpisOn, (st, o) => { if (o === 1) st[regs][rd] = nv; });
      return;
    }
    x.rule(regs === 'propbaser' ? 'redist.propbaser.rw' : 'redist.pendbaser.ptz-raz');
    s[regs][rd] = nv;
    if (regs === 'propbaser' && s.propbaser.some((v, i) => i !== rd && v !== nv)) {
      // choice.u22.propbaser-mismatch: redistributors sharing the configuration table (CommonLPIAff = 0) programmed with
      // different values: UNPREDICTABLE. Permitted: per-redistributor registers (option 0), or one
      // shared register, last write wins (1; written only where LPIs are off)
      x.rule('choice.u22.propbaser-mismatch');
      branchChoice(s, x, CHOICES.u22PropbaserMismatch, (st, o) => {
        if (o === 1) for (let i = 0; i < st.cfg.vcpus; i++) if (!st.enableLpis[i] || i === rd) st.propbaser[i] = nv;
      });
    }
    return;
  }
  if (o === GICR_SETLPIR || o === GICR_CLRLPIR) return directLpi(s, rd, o === GICR_SETLPIR, Number(value & 0xffff_ffffn), x);
  if (o === GICR_INVLPIR) {
    // re-read one LPI's configuration (IHI 0069 GICR_INVLPIR); an already acknowledged LPI is unaffected
    // the LPI is this RD's when pending or routed here, or when no ITE names it (INVLPIR names it)
    const intid = lo;
    const stale = s.lpiStale.has(intid);
    whenInvalidationRegsImplemented(s, rd, x, 'redist.invlpir', (st) => {
      if (offset % 8 === 0 && st.enableLpis[rd] && (lpisOfRd(st, rd).has(intid) || iteTargetsOf(st, intid).size === 0)) invalidateLpi(st, intid);
    });
    if (stale) x.rule('lpi.prop.inv-sync');
    return;
  }
  if (o === GICR_INVALLR) {
    const stale = s.lpiStale.size > 0;
    whenInvalidationRegsImplemented(s, rd, x, 'redist.invallr', (st) => {
      if (st.enableLpis[rd]) for (const intid of lpisOfRd(st, rd)) invalidateLpi(st, intid);
    });
    if (stale) x.rule('lpi.prop.inv-sync');
    return;
  }
  x.rule('mmio.reserved-raz-wi');
}

/**
 * GICR_INVLPIR / GICR_INVALLR exist when GICR_CTLR.IR = 1 or GICR_TYPER.DirectLPI = 1; with an ITS
 * their presence is IMPDEF (IHI 0069 GICR_INVLPIR): absent, the write is ignored. Held once
 * chosen; the ignore option also holds IR = 0 for later GICR_CTLR reads.
 */
function whenInvalidationRegsImplemented(s: State, rd: number, x: Exec, rule: string, apply: (st: State) => void): void {
  x.rule(rule);
  const ir = s.fixed.get('gicr_ctlr_ir');
  const typer = s.fixed.get('gicr_typer');
  if (ir === 4n || (typer !== undefined && (typer & 0x8n) !== 0n)) return apply(s);
  if (ir === 0n && typer !== undefined) {
    x.rule('redist.invalidation-regs-absent');
    return;
  }
  branchChoice(s, x, CHOICES.invalidationRegs, (st, o) => {
    if (o === 1) return apply(st);
    x.rule('redist.invalidation-regs-absent');
    if (!st.fixed.has('gicr_ctlr_ir')) st.fixed.set('gicr_ctlr_ir', 0n);
  });
}

/** GICR_SETLPIR / GICR_CLRLPIR (IHI 0069 GICR_SETLPIR, GICR_CLRLPIR, choice.u25.setlpir-no-effect); implemented only with DirectLPI (IMPDEF). */
function directLpi(s: State, rd: number, set: boolean, intid: number, x: Exec): void {
  x.rule(set ? 'redist.setlpir' : 'redist.clrlpir');
  const apply = (st: State): void => {
    if (!st.enableLpis[rd] || !lpiInRange(st, rd, intid)) {
      x.rule('choice.u25.setlpir-no-effect');
      return;
    }
    if (set) setLpiPending(st, rd, intid, x);
    else st.lpiPending[rd]!.delete(intid);
  };
  const typer = s.fixed.get('gicr_typer');
  if (typer !== undefined) {
    if (typer & 0x8n) apply(s);
    return;
  }
  // DirectLPI is IMPDEF with an ITS: not implemented (option 0, writes ignored) or implemented (1)
  branchChoice(s, x, CHOICES.directLpi, (st, o) => { if (o === 1) apply(st); });
}

/** GICR_CTLR writes: EnableLPIs (IHI 0069 GICR_CTLR), DPG* bits. */
function ctlrWrite(s: State, rd: number, v: number, x: Exec, writer: number): void {
  s.ctlrDpg[rd] = v & 0x700_0000;
  const want = v & 1;
  const cur = s.enableLpis[rd]!;
  if (want === cur) return;
  if (want === 1) {
    if (s.cfg.its === 0) return; // GICR_TYPER.PLPIS = 0: no LPIs
    enableLpis(s, rd, x);
    offerEnableQueuesKeptLpis(s, rd, x);
    return;
  }
  // 1 -> 0: only when CES = 1 (choice.u18.clear-enable-lpis); the pending LPIs are kept in the table or lost (choice.u24.pending-across-toggle)
  if (s.ces !== 0b10) {
    x.rule('choice.u18.clear-enable-lpis');
    return;
  }
  x.rule('choice.u18.clear-enable-lpis');
  x.rule('choice.u24.pending-across-toggle');
  // choice.u24.pending-across-toggle: the redistributor writes its pending state back to the pending table, so a later
  // EnableLPIs loads exactly the LPIs pending now (option 0: the presumed architecture, inferred);
  // or the pending LPIs are lost (option 1, KVM's vgic_flush_pending_lpis: an unconfirmed reading,
  // which the candidate records). Either way an LPI already taken is never required to fire again.
  // with quirks: KVM's vgic_flush_pending_lpis keeps the latch of these (QUIRKS.restoreQueuesLpiWhileLpisOff)
  if (s.quirks.size > 0) for (const intid of s.lpiPending[rd]!) s.lpiKeptLpisOff.set(intid, rd);
  // KVM invalidates every ITS's translation cache (QUIRKS.msiCachedWithoutDevid)
  invalidateTranslations(s);
  // Linux 6.12 and 6.1 (QUIRKS.lpiActiveUntilEoi): vgic_flush_pending_lpis takes the LPIs off the
  // vCPU's ap_list, active or not, and leaves their active state: an LPI acknowledged there and not
  // yet deactivated is no longer in a list register for its EOI to find (no EOIcount handling)
  if (s.lpiActive.size > 0) for (const [intid, c] of s.lpiActive) if (c === rd) s.lpiActive.set(intid, c + LPI_ACTIVE_ORPHANED);
  const clear = (c: State): void => branchChoice(c, x, CHOICES.u24PendingAcrossToggle, (st, o) => {
    if (o === 0) writeBackPending(st, rd);
    else {
      loseStaleBits(st, rd);
      st.takeUnconfirmed('choice.u24.pending-across-toggle');
    }
    st.enableLpis[rd] = 0;
    st.lpiPending[rd]!.clear();
  });
  // KVM's GICv4: a pending LPI that is a forwarded vLPI is pending in the vPE's hardware (moved there
  // when forwarding began, or set there by an INT, MSI or the device), which the flush does not
  // touch: the vCPU still takes it (QUIRKS.vlpiSurvivesEnableLpisClear)
  const vlpis = s.quirks.size > 0 && s.forwards.size > 0 ? forwardedPendingVlpis(s, rd) : [];
  const hw = vlpis.length > 0 ? offerQuirk(s, QUIRKS.vlpiSurvivesEnableLpisClear) : null;
  if (hw !== null) {
    for (const intid of vlpis) hw.vlpiPending.set(intid, rd);
    clear(hw);
    x.branch(hw, null, `${QUIRKS.vlpiSurvivesEnableLpisClear.id}: the forwarded vLPIs stay pending in the GICv4 hardware`);
  }
  // KVM: written by another vCPU, the flush does not reach the list registers of the running
  // target vCPU: an LPI already there (possibly pending ones included) may still be taken by it
  // (QUIRKS.lpiInLrSurvivesEnableLpisClear)
  const inLrs = writer >= 0 && writer !== rd ? [...s.lpiPending[rd]!] : [];
  if (inLrs.length > 0 || (writer >= 0 && writer !== rd && s.lpiScoped.size > 0)) for (const [intid, rds] of s.lpiScoped) if (rds.has(rd)) inLrs.push(intid);
  const q = inLrs.length > 0 ? offerQuirk(s, QUIRKS.lpiInLrSurvivesEnableLpisClear) : null;
  if (q !== null) {
    for (const intid of inLrs) q.lpiQueuedLpisOff.set(intid, rd);
    clear(q);
    x.branch(q, null, `${QUIRKS.lpiInLrSurvivesEnableLpisClear.id}: the LPIs in the running vCPU's list registers stay there`);
  }
  // KVM: an LPI retargeted here (MOVI, MOVALL, MAPC) and still on the old vCPU's ap_list is not
  // flushed; that vCPU's next exit moves it here, where it is taken (QUIRKS.retargetQueuesLpiWhileLpisOff)
  const arriving = s.lpiInFlight.size > 0 ? [...s.lpiPending[rd]!].filter((i) => { const f = s.lpiInFlight.get(i); return f !== undefined && f !== rd; }) : [];
  const r = arriving.length > 0 ? offerQuirk(s, QUIRKS.retargetQueuesLpiWhileLpisOff) : null;
  if (r !== null) {
    for (const intid of arriving) r.lpiQueuedLpisOff.set(intid, rd);
    clear(r);
    x.branch(r, null, `${QUIRKS.retargetQueuesLpiWhileLpisOff.id}: the LPIs still on the old vCPU's ap_list arrive later`);
  }
  clear(s);
}

/**
 * KVM (QUIRKS.enableLpisQueuesEveryLpi): EnableLPIs set on `rd` (without PTZ) queues every LPI of
 * the VM, so one another redistributor with EnableLPIs 0 kept pending (State.lpiKeptLpisOff) is
 * queued to that redistributor's vCPU, which takes it. The quirk's candidate after the enable.
 */
function offerEnableQueuesKeptLpis(s: State, rd: number, x: Exec): void {
  if (s.lpiKeptLpisOff.size === 0 || (s.pendbaser[rd]! >> 62n) & 1n) return;
  const hits: [number, number][] = [];
  for (const [intid, r] of s.lpiKeptLpisOff) {
    if (r === rd || s.enableLpis[r] || s.lpiQueuedLpisOff.get(intid) === r || !iteTargetsOf(s, intid).has(r)) continue;
    if (propVersions(s, r, intid).some((b) => (b & 1) !== 0)) hits.push([intid, r]);
  }
  const q = hits.length > 0 ? offerQuirk(s, QUIRKS.enableLpisQueuesEveryLpi) : null;
  if (q === null) return;
  for (const [intid, r] of hits) q.lpiQueuedLpisOff.set(intid, r);
  x.branch(q, null, `${QUIRKS.enableLpisQueuesEveryLpi.id}: the LPIs kept pending at redistributors with LPIs off are queued there`);
}

/** The LPIs pending at `rd` that a forwarded irqfd's MSI names (GICv4 vLPIs; quirks only). */
function forwardedPendingVlpis(s: State, rd: number): number[] {
  const out: number[] = [];
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi);
    if (v !== null && v.rd === rd && s.lpiPending[rd]!.has(v.intid) && !out.includes(v.intid)) out.push(v.intid);
  }
  return out;
}

/** The pending-table bits of `rd`'s LPIs, as they stand in guest memory (the table's valid range). */
function tableBits(s: State, rd: number, f: (intid: number, a: number, bit: number) => void): void {
  const bits = lpiIdBits(s, rd);
  if (bits < 14) return;
  const base = pendBase(s, rd);
  forEachPendingBit(s, base, bits, (intid) => f(intid, base + (intid >> 3), 1 << (intid & 7)));
}

/**
 * choice.u24.pending-across-toggle, 'preserved': the table afterwards holds exactly the pending state: a bit for every pending
 * LPI, none for an LPI taken since its bit was loaded. A possibly pending LPI keeps its bit.
 */
function writeBackPending(s: State, rd: number): void {
  const pending = s.lpiPending[rd]!;
  const clear: [number, number][] = [];
  tableBits(s, rd, (intid, a, bit) => {
    if (!pending.has(intid) && !s.lpiScoped.get(intid)?.has(rd)) clear.push([a, bit]);
  });
  for (const [a, bit] of clear) s.mem.writeByte(a, s.mem.readByte(a) & ~bit);
  writePendingBits(s, rd, true);
}

/**
 * choice.u24.pending-across-toggle, 'lost': the pending state is dropped and the table is not written (KVM's
 * vgic_flush_pending_lpis touches no memory). A bit still set there may be stale: consumed by KVM when it
 * created the LPI from the table (vgic_v3_lpi_sync_pending_status clears it), or still set where an MSI, an
 * INT or SAVE_PENDING_TABLES made the LPI pending, or where EnableLPIs loaded it (its_sync_lpi_pending_table
 * leaves memory as it is). So every bit set for an LPI of `rd` makes that LPI only possibly pending at the
 * next EnableLPIs, and its bit UNKNOWN to a read meanwhile (unknownPendingBits).
 */
function loseStaleBits(s: State, rd: number): void {
  tableBits(s, rd, (intid) => markPossiblyPending(s, rd, intid));
}

/** Set (or clear) the pending-table bit of every LPI pending at `rd`. */
function writePendingBits(s: State, rd: number, set: boolean): void {
  const base = pendBase(s, rd);
  for (const intid of s.lpiPending[rd]!) {
    const a = base + (intid >> 3);
    if (!s.mem.inRam(a, 1)) continue;
    const old = s.mem.readByte(a);
    const nw = set ? old | (1 << (intid & 7)) : old & ~(1 << (intid & 7));
    if (nw !== old) s.mem.writeByte(a, nw);
  }
}

/** EnableLPIs 0 -> 1: start using the tables; load pending state unless PTZ (IHI 0069 GICR_CTLR.EnableLPIs). */
function enableLpis(s: State, rd: number, x: Exec): void {
  x.rule('redist.ctlr.enable-lpis');
  s.enableLpis[rd] = 1;
  // KVM's its_sync_lpi_pending_table sets each latch from the table again
  if (s.lpiKeptLpisOff.size > 0) for (const [intid, r] of [...s.lpiKeptLpisOff]) if (r === rd) s.lpiKeptLpisOff.delete(intid);
  const ptz = (s.pendbaser[rd]! >> 62n) & 1n;
  if (ptz) x.rule('redist.pendbaser.ptz');
  const bits = lpiIdBits(s, rd);
  if (bits < 14) return;
  const base = pendBase(s, rd);
  if (!s.mem.inRam(base + LPI_BASE / 8, 2 ** bits / 8 - LPI_BASE / 8)) return;
  forEachPendingBit(s, base, bits, (intid) => {
    // a bit the 'lost' reading left behind for an LPI taken before the EnableLPIs toggle: only possibly pending
    if (!ptz && s.lpiScoped.get(intid)?.has(rd)) return;
    if (!ptz) s.lpiPending[rd]!.add(intid);
    else {
      // choice.u19.ptz-nonzero: PTZ = 1 over a table that is not zero: UNPREDICTABLE for this RD's pending state;
      // scoped to the LPIs whose bits are set (used as written, as KVM does, or as zero)
      x.rule('choice.u19.ptz-nonzero');
      markPossiblyPending(s, rd, intid);
    }
  });
  if (!ptz) { x.rule('lpi.pending.load-on-enable'); x.rule('lpi.pending.layout'); }
}

// ---------------------------------------------------------------- SGI frame

const SGI_IPRIORITYR = offsetOf('GICR_IPRIORITYR<n>');
const SGI_ICFGR0 = offsetOf('GICR_ICFGR0');
/** The SGI-frame copies of the per-INTID registers hold this PE's SGIs and PPIs only. */
const BANKED_RULE: Record<BitRegKind, string> = {
  group: 'redist.igroupr0.rw', senable: 'redist.isenabler0.banked', cenable: 'redist.isenabler0.banked', spend: 'redist.ispendr0.banked',
  cpend: 'redist.ispendr0.banked', sactive: 'redist.isactiver0.banked', cactive: 'redist.isactiver0.banked',
};

/** `reader`: the vCPU reading (a guest access), or null for the VMM (KVM_DEV_ARM_VGIC_GRP_REDIST_REGS) */
export function gicrSgiRead(s: State, rd: number, offset: number, width: number, x: Exec, reader: number | null): Expected {
  const isPrio = offset >= SGI_IPRIORITYR && offset < SGI_IPRIORITYR + 32;
  if (!(isPrio ? width === 8 || (width === 32 && offset % 4 === 0) : width === 32 && offset % 4 === 0)) {
    x.rule('mmio.bad-width');
    return ANY();
  }
  const br = bitRegAt(offset);
  if (br !== null) {
    if (br.n !== 0) { x.rule('mmio.reserved-raz-wi'); return '0x0'; }
    const v = readBitRegAs(s, rd, br.kind, 0, x, reader);
    x.rule(BANKED_RULE[br.kind]); // after the register's own rule: a finding's signature names the first
    return v;
  }
  if (isPrio) { const v = readPriority(s, rd, offset - SGI_IPRIORITYR, width / 8, x); x.rule('redist.ipriorityr.banked'); return hex(v); }
  if (offset === SGI_ICFGR0 || offset === SGI_ICFGR0 + 4) return hex(readConfig(s, rd, offset === SGI_ICFGR0 ? 0 : 16, x));
  x.rule('mmio.reserved-raz-wi');
  return '0x0';
}

export function gicrSgiWrite(s: State, rd: number, offset: number, width: number, value: bigint, x: Exec, writer = rd): void {
  const isPrio = offset >= SGI_IPRIORITYR && offset < SGI_IPRIORITYR + 32;
  if (!(isPrio ? width === 8 || (width === 32 && offset % 4 === 0) : width === 32 && offset % 4 === 0)) {
    x.rule('mmio.bad-width');
    return;
  }
  const lo = Number(value & 0xffff_ffffn);
  const br = bitRegAt(offset);
  if (br !== null) {
    if (br.n === 0) { writeBitReg(s, rd, br.kind, 0, lo, x, writer); x.rule(BANKED_RULE[br.kind]); }
    return;
  }
  if (isPrio) { writePriority(s, rd, offset - SGI_IPRIORITYR, width / 8, lo, x, writer); x.rule('redist.ipriorityr.banked'); return; }
  if (offset === SGI_ICFGR0) { x.rule('redist.icfgr0.sgi-edge'); return; }
  if (offset === SGI_ICFGR0 + 4) {
    // choice.u3.ppi-config: PPI Int_config programmable or not (IMPDEF): read-only (option 0), or writable (1)
    x.rule('choice.u3.ppi-config');
    branchChoice(s, x, CHOICES.u3PpiConfig, (st, o) => { if (o === 1) writeConfig(st, rd, 16, lo, x); });
    return;
  }
  x.rule('mmio.reserved-raz-wi');
}
