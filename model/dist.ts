// The Distributor (GICD frame) as a guest sees it: affinity routing on, one Security state
// (IHI 0069 GICD_* registers; GICD_CTLR.ARE and .DS). SGI/PPI bits of the per-INTID registers are RAZ/WI with ARE = 1.
import { offsetOf } from '../spec/codec/registers.js';
import { ANY, type Exec, type Expected, hex, MaskedHex } from './exec.js';
import { ARCHREV_MASK, ARCHREV_OPTIONS, impdefRead, impdefReadOneOf, PIDR2, PIDR2_REP } from './impdef.js';
import { branchChoice, CHOICES, offerQuirk, quirkEnabled } from './choices.js';
import { QUIRKS } from './quirks.js';
import { GHOST_NOT_ITS, leaveGhosts, isCandidateOn, isPending, spiTarget } from './interrupts.js';
import { bitRegAt, readBitRegAs, readConfig, readPriority, writeBitReg, writeConfig, writePriority } from './intid-regs.js';
import { propVersions } from './lpi.js';
import { NASSGIREQ, type State } from './state.js';

// Offsets from spec/data/registers, resolved once here (banked registers: the base of the range).
export const GICD_CTLR = offsetOf('GICD_CTLR');
const GICD_TYPER = offsetOf('GICD_TYPER');
const GICD_IIDR = offsetOf('GICD_IIDR');
const GICD_TYPER2 = offsetOf('GICD_TYPER2');
const GICD_STATUSR = offsetOf('GICD_STATUSR');
const GICD_SETSPI_NSR = offsetOf('GICD_SETSPI_NSR');
const GICD_CLRSPI_NSR = offsetOf('GICD_CLRSPI_NSR');
const GICD_IPRIORITYR = offsetOf('GICD_IPRIORITYR<n>');
const GICD_ICFGR = offsetOf('GICD_ICFGR<n>');
const GICD_IROUTER = offsetOf('GICD_IROUTER<n>');

/** Access widths the frame supports at an offset (IHI 0069 GICD_* registers: byte access only for IPRIORITYR). */
function widthOk(offset: number, width: number): boolean {
  if (offset >= GICD_IPRIORITYR && offset < 0x800) return width === 8 || (width === 32 && offset % 4 === 0);
  if (offset >= GICD_IROUTER && offset < 0x8000) return (width === 64 && offset % 8 === 0) || (width === 32 && offset % 4 === 0);
  return width === 32 && offset % 4 === 0;
}

/** `cpu` -1: a userspace access through the device attributes. */
export function gicdRead(s: State, cpu: number, offset: number, width: number, x: Exec): Expected {
  if (!widthOk(offset, width)) {
    x.rule('mmio.bad-width');
    return ANY();
  }
  if (offset === GICD_CTLR) {
    // EnableGrp0 [0], EnableGrp1 [1], ARE [4] and DS [6] RAO, RWP [31] = 0 at quiescence; E1NWF [7] IMPDEF.
    x.rule('dist.ctlr.are-ds-rao');
    x.rule('dist.ctlr.rwp');
    // KVM (QUIRKS.enableGrp0RazWi): EnableGrp0 reads as 0
    const shown = s.fixed.get(ENABLE_GRP0_RAZ_WI) === 1n ? s.gicdCtlr & ~1 : s.gicdCtlr;
    return impdefRead(s, x, 'gicd_ctlr_e1nwf', BigInt(shown | 0x10 | 0x40), 0x80n);
  }
  if (offset === GICD_TYPER) {
    // Determined: ITLinesNumber [4:0], ESPI [8] = 0, LPIS [17], DVIS [18] = 0, ESPI_range [31:27] = 0.
    // The rest (CPUNumber, NMI, SecurityExtn, num_LPIs, MBIS, IDbits, A3V, No1N, RSS) is the implementation's.
    x.rule('dist.typer.itlines');
    const v = (s.cfg.spis / 32) | (s.cfg.its > 0 ? 1 << 17 : 0);
    return impdefRead(s, x, 'gicd_typer', BigInt(v), 0xfee0n | 0x10000n | (0x1fn << 19n) | (7n << 24n), BigInt(s.cfg.its > 0 ? 15 : 9) << 19n);
  }
  if (offset === GICD_IIDR) return impdefRead(s, x, 'gicd_iidr', 0n, 0xffff_ffffn);
  if (offset === GICD_TYPER2) return typer2Read(s, x);
  if (offset === GICD_STATUSR) return ANY();
  if (offset === PIDR2) {
    x.rule('dist.pidr2.archrev');
    return impdefReadOneOf(s, x, `gicd_id_${offset}`, ARCHREV_OPTIONS, ARCHREV_MASK, PIDR2_REP, 'GICD_PIDR2.ArchRev: GICv3 or GICv4');
  }
  if (offset >= 0xffd0) return impdefRead(s, x, `gicd_id_${offset}`, 0n, 0xffff_ffffn);
  const br = bitRegAt(offset);
  if (br !== null) {
    if (br.n === 0) { x.rule('dist.banked-raz-wi'); return '0x0'; }
    return readBitRegAs(s, Math.max(cpu, 0), br.kind, 32 * br.n, x, cpu >= 0 ? cpu : null);
  }
  if (offset >= GICD_IPRIORITYR && offset < 0x800) {
    if (offset < GICD_IPRIORITYR + 32) { x.rule('dist.banked-raz-wi'); return '0x0'; }
    return hex(readPriority(s, Math.max(cpu, 0), offset - GICD_IPRIORITYR, width / 8, x));
  }
  if (offset >= GICD_ICFGR && offset < 0xd00) {
    const n = (offset - GICD_ICFGR) >> 2;
    if (n < 2) { x.rule('dist.banked-raz-wi'); return '0x0'; }
    return hex(readConfig(s, Math.max(cpu, 0), 16 * n, x));
  }
  if (offset >= GICD_IROUTER + 8 * 32 && offset < 0x8000) return readIrouter(s, offset, width, x);
  // IGRPMODR, NSACR (RAZ/WI with DS = 1), SETSPI/CLRSPI (WO) and reserved space: RAZ/WI
  x.rule('mmio.reserved-raz-wi');
  return '0x0';
}

function readIrouter(s: State, offset: number, width: number, x: Exec): Expected {
  x.rule('dist.irouter.affinity');
  const n = (offset - GICD_IROUTER) >> 3;
  const spi = n - 32;
  if (spi >= s.cfg.spis) { x.rule('dist.spi.oor-raz-wi'); return '0x0'; }
  const v = BigInt(s.irouter[spi]!) | (BigInt(s.irouterAff3[spi]!) << 32n);
  if (width === 64) return hex(v);
  return hex(offset % 8 === 0 ? v & 0xffff_ffffn : v >> 32n);
}

/** fixed key: 1 once a candidate took QUIRKS.enableGrp0RazWi, 0 once it declined it */
const ENABLE_GRP0_RAZ_WI = 'quirk.enable-grp0-raz-wi';

/** The GICD_CTLR group enables a write leaves; under QUIRKS.enableGrp0RazWi the Group 0 gate follows EnableGrp1. */
function ctlrValue(s: State, lo: number): number {
  return (s.gicdCtlr & NASSGIREQ) | (s.fixed.get(ENABLE_GRP0_RAZ_WI) === 1n ? (lo & 2) | ((lo >> 1) & 1) : lo & 3);
}

/** Every pending interrupt becomes one no vCPU has queued (State.unqueued); false when none is pending. */
function markUnqueued(s: State): boolean {
  for (let slot = 0; slot < s.nSlots; slot++) if (isPending(s, slot)) s.unqueued.add(slot);
  for (const p of s.lpiPending) for (const intid of p) s.unqueued.add(intid);
  return s.unqueued.size > 0;
}

/**
 * choice.u6.state-change-race for an LPI pending at `rd` when Group 1 is disabled: `rd`'s PE may still take it once
 * (a distributor write: an ITS SYNC does not end this, GHOST_NOT_ITS).
 */
function leaveDisabledLpiGhost(s: State, rd: number, intid: number, x: Exec): void {
  const b = propVersions(s, rd, intid)[0]!;
  if (!(b & 1)) return;
  s.ghosts[rd]!.set(intid, (b & 0xfc) | (1 << 8) | GHOST_NOT_ITS);
  x.rule('choice.u6.state-change-race');
}

export function gicdWrite(s: State, cpu: number, offset: number, width: number, value: bigint, x: Exec): void {
  if (!widthOk(offset, width)) {
    x.rule('mmio.bad-width');
    return;
  }
  const lo = Number(value & 0xffff_ffffn);
  if (offset === GICD_CTLR) {
    // choice.u7.enable-grp0: EnableGrp0 gates Group 0 as the architecture says (KVM: RAZ/WI; a known divergence).
    x.rule('dist.ctlr.enable-grp1');
    if ((lo ^ s.gicdCtlr) & 1) x.rule('choice.u7.enable-grp0');
    if ((s.gicdCtlr & ~lo & 3) !== 0) {
      // a group disabled: PEs other than the writer may still take what they could take (choice.u6.state-change-race)
      for (let p = 0; p < s.cfg.vcpus; p++) {
        if (p === cpu) continue;
        for (let intid = 0; intid < 32 + s.cfg.spis; intid++) if (isCandidateOn(s, p, intid)) leaveGhosts(s, cpu, intid, p, x);
        // the LPIs pending there alike: EnableGrp1 gates them as it gates SPIs (lpi.dist-grp1-gate)
        if ((s.gicdCtlr & ~lo & 2) !== 0 && s.enableLpis[p] && s.igrpen1[p] === 1) for (const intid of s.lpiPending[p]!) leaveDisabledLpiGhost(s, p, intid, x);
      }
    }
    if (((lo ^ s.gicdCtlr) & NASSGIREQ) !== 0) return ctlrWriteNassgi(s, lo, x);
    // KVM: EnableGrp1 0 -> 1 queues nothing that is pending (QUIRKS.distEnableNoRequeue)
    const q = !(s.gicdCtlr & 2) && (lo & 2) ? offerQuirk(s, QUIRKS.distEnableNoRequeue) : null;
    // KVM keeps only EnableGrp1, which gates Group 0 as well (QUIRKS.enableGrp0RazWi): decided at
    // the first write, then held (a fixed key, not a policy: merging candidates must not reopen it)
    if (quirkEnabled(s, QUIRKS.enableGrp0RazWi) && !s.fixed.has(ENABLE_GRP0_RAZ_WI)) {
      const k = offerQuirk(s, QUIRKS.enableGrp0RazWi)!;
      k.fixed.set(ENABLE_GRP0_RAZ_WI, 1n);
      k.gicdCtlr = ctlrValue(k, lo);
      x.branch(k, null, `${QUIRKS.enableGrp0RazWi.id}: EnableGrp0 RAZ/WI, Group 0 gated by EnableGrp1`);
      s.fixed.set(ENABLE_GRP0_RAZ_WI, 0n);
    }
    s.gicdCtlr = ctlrValue(s, lo);
    if (q !== null && markUnqueued(q)) {
      q.gicdCtlr = ctlrValue(q, lo);
      x.branch(q, null, `${QUIRKS.distEnableNoRequeue.id}: pending interrupts not queued again`);
    }
    return;
  }
  if (offset === GICD_SETSPI_NSR || offset === GICD_CLRSPI_NSR) return messageSpi(s, offset === GICD_SETSPI_NSR, lo & 0x3ff, x);
  const br = bitRegAt(offset);
  if (br !== null) {
    if (br.n === 0) { x.rule('dist.banked-raz-wi'); return; }
    writeBitReg(s, cpu, br.kind, 32 * br.n, lo, x, cpu);
    return;
  }
  if (offset >= GICD_IPRIORITYR && offset < 0x800) {
    if (offset < GICD_IPRIORITYR + 32) { x.rule('dist.banked-raz-wi'); return; }
    writePriority(s, cpu, offset - GICD_IPRIORITYR, width / 8, lo, x, cpu);
    return;
  }
  if (offset >= GICD_ICFGR && offset < 0xd00) {
    const n = (offset - GICD_ICFGR) >> 2;
    if (n < 2) { x.rule('dist.banked-raz-wi'); return; }
    writeConfig(s, cpu, 16 * n, lo, x);
    return;
  }
  if (offset >= GICD_IROUTER + 8 * 32 && offset < 0x8000) {
    const spi = ((offset - GICD_IROUTER) >> 3) - 32;
    if (spi < s.cfg.spis) leaveGhosts(s, cpu, spi + 32, 0, x);
    writeIrouter(s, offset, width, value, x);
    return;
  }
  x.rule('mmio.reserved-raz-wi');
  if (offset === GICD_TYPER || offset === GICD_IIDR || offset === GICD_TYPER2 || offset === PIDR2) x.rule('dist.typer.ro');
}

/**
 * GICD_IROUTER<n>: Aff3.Aff2.Aff1.Aff0 and IRM (IHI 0069 GICD_* registers). Whether 1-of-N (IRM) and Aff3
 * are supported is the implementation's (GICD_TYPER.No1N, A3V): unsupported bits are RAZ/WI. The
 * choice is made on the first write that depends on it and held (fixed 'no1n' / 'a3v').
 */
function writeIrouter(s: State, offset: number, width: number, value: bigint, x: Exec): void {
  x.rule('dist.irouter.affinity');
  const spi = ((offset - GICD_IROUTER) >> 3) - 32;
  if (spi >= s.cfg.spis) { x.rule('dist.spi.oor-raz-wi'); return; }
  let lo = s.irouter[spi]!;
  let aff3 = s.irouterAff3[spi]!;
  if (width === 64) {
    lo = Number(value & 0x80ff_ffffn);
    aff3 = Number((value >> 32n) & 0xffn);
  } else if (offset % 8 === 0) lo = Number(value & 0x80ff_ffffn);
  else aff3 = Number(value & 0xffn);
  const apply = (st: State, irm: boolean, a3: boolean): void => {
    st.irouter[spi] = irm ? lo >>> 0 : (lo & 0x00ff_ffff) >>> 0;
    st.irouterAff3[spi] = a3 ? aff3 : 0;
  };
  const wantIrm = (lo & 0x8000_0000) !== 0;
  const options: { irm: boolean; a3: boolean }[] = [];
  const irmChoices = !wantIrm ? [false] : s.fixed.has('no1n') ? [s.fixed.get('no1n') === 0n] : [true, false];
  const a3Choices = aff3 === 0 ? [false] : s.fixed.has('a3v') ? [s.fixed.get('a3v') === 1n] : [true, false];
  for (const irm of irmChoices) for (const a3 of a3Choices) options.push({ irm, a3 });
  if (options.length > 1) x.rule('dist.irouter.impdef-irm-aff3');
  const fix = (st: State, o: { irm: boolean; a3: boolean }): void => {
    if (wantIrm) st.fixed.set('no1n', o.irm ? 0n : 1n);
    if (aff3 !== 0) st.fixed.set('a3v', o.a3 ? 1n : 0n);
  };
  for (let i = 1; i < options.length; i++) {
    const st = s.clone();
    apply(st, options[i]!.irm, options[i]!.a3);
    fix(st, options[i]!);
    x.branch(st, null, `GICD_IROUTER: IRM ${options[i]!.irm ? 'kept' : 'RAZ/WI'}, Aff3 ${options[i]!.a3 ? 'kept' : 'RAZ/WI'}`);
  }
  apply(s, options[0]!.irm, options[0]!.a3);
  fix(s, options[0]!);
  if (!(s.irouter[spi]! & 0x8000_0000) && spiTarget(s, spi) < 0) x.rule('choice.u5.irouter-no-pe');
  // KVM: the write only changes the target; a pending SPI is not queued to it, and an active one,
  // or one taken and deactivated on a vCPU that has not exited since (State.apListHeld), stays on
  // the old vCPU's ap_list, where pending again it waits for that vCPU's next exit
  // (QUIRKS.irouterNoRequeue)
  const slot = s.nPriv + spi;
  const held = s.apListHeld.size > 0 ? s.apListHeld.get(slot) : undefined;
  // (an active one is on that ap_list whatever its enable says: vgic_target_oracle)
  if ((isPending(s, slot) && s.enabled[slot]) || s.active[slot] || (held !== undefined && held !== spiTarget(s, spi))) {
    const q = offerQuirk(s, QUIRKS.irouterNoRequeue);
    if (q !== null) {
      q.unqueued.add(slot);
      q.leftOnOldVcpu.add(slot);
      x.branch(q, null, `${QUIRKS.irouterNoRequeue.id}: the pending SPI is not queued to its new target`);
    }
  }
}

/**
 * GICD_SETSPI_NSR / GICD_CLRSPI_NSR: only when message-based SPIs are implemented (GICD_TYPER.MBIS,
 * IHI 0069 GICD_TYPER); otherwise the write has no effect. Held once GICD_TYPER has been observed.
 */
function messageSpi(s: State, set: boolean, intid: number, x: Exec): void {
  if (intid < 32 || intid >= 32 + s.cfg.spis) return;
  x.rule('dist.mbis.setspi');
  const typer = s.fixed.get('gicd_typer');
  const slot = s.nPriv + intid - 32;
  const apply = (st: State): void => { st.latch[slot] = set ? 1 : 0; };
  if (typer !== undefined) {
    if (typer & 0x10000n) apply(s);
    return;
  }
  // MBIS not known yet: not implemented (option 0), or implemented (1)
  branchChoice(s, x, CHOICES.mbis, (st, o) => { if (o === 1) apply(st); });
}

// ---------------------------------------------------------------- GICv4.1 SGIs without an active state

/** GICD_TYPER2.nASSGIcap [8]: the Distributor supports SGIs without an active state. */
const NASSGICAP = 0x100n;
/** `fixed` key of nASSGIcap once a GICD_CTLR write decided it (0 or 1) */
const NASSGICAP_KEY = 'gicdNassgiCap';

/** nASSGIcap as held so far: 0, 1, or undefined (the implementation's, not seen yet). */
function nassgiCap(s: State): number | undefined {
  const held = s.fixed.get(NASSGICAP_KEY);
  if (held !== undefined) return Number(held);
  const typer2 = s.fixed.get('gicd_typer2');
  return typer2 === undefined ? undefined : (typer2 & NASSGICAP) !== 0n ? 1 : 0;
}

/** GICD_TYPER2: IMPLEMENTATION DEFINED (VID, VIL, nASSGIcap), held once read; nASSGIcap as a GICD_CTLR write already decided it. */
function typer2Read(s: State, x: Exec): Expected {
  x.rule('dist.typer2.nassgicap');
  const cap = s.fixed.get(NASSGICAP_KEY);
  if (cap === undefined || s.fixed.has('gicd_typer2')) return impdefRead(s, x, 'gicd_typer2', 0n, 0xffff_ffffn);
  const v = cap === 1n ? NASSGICAP : 0n;
  return impdefRead(s, x, 'gicd_typer2', v, 0xffff_ffffn & ~NASSGICAP, v);
}

/**
 * A GICD_CTLR write that changes nASSGIreq (IHI 0069 GICD_CTLR, GICD_TYPER2): RAZ/WI without
 * nASSGIcap; with it, writable while the Distributor is disabled (written while enabled it is
 * ignored or takes effect: choice.u8.nassgireq-enabled). Whether nASSGIcap is implemented is
 * decided by the first such write (or a GICD_TYPER2 read) and held.
 */
function ctlrWriteNassgi(s: State, lo: number, x: Exec): void {
  x.rule('dist.ctlr.nassgireq');
  const enables = lo & 3;
  const want = lo & NASSGIREQ;
  const wasEnabled = (s.gicdCtlr & 3) !== 0;
  const take = (st: State, taken: boolean): void => {
    st.gicdCtlr = (taken ? want : st.gicdCtlr & NASSGIREQ) | enables;
  };
  // with nASSGIcap: taken while disabled; while enabled, ignored (kept on `st`) or taken (a branch)
  const withCap = (st: State): void => {
    if (!wasEnabled) return take(st, true);
    x.rule('choice.u8.nassgireq-enabled');
    const changed = st.clone();
    take(st, false);
    take(changed, true);
    x.branch(changed, null, 'choice.u8.nassgireq-enabled: nASSGIreq changes while the Distributor is enabled');
  };
  const cap = nassgiCap(s);
  if (cap === 0) return take(s, false);
  if (cap === 1) return withCap(s);
  // not seen yet: nASSGIcap (on `s`: the model target supports GICv4.1 SGIs), or none (RAZ/WI, a
  // branch); held from now on
  const incapable = s.clone();
  incapable.fixed.set(NASSGICAP_KEY, 0n);
  take(incapable, false);
  x.branch(incapable, null, 'GICD_TYPER2.nASSGIcap = 0: nASSGIreq RAZ/WI');
  s.fixed.set(NASSGICAP_KEY, 1n);
  withCap(s);
}
