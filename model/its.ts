// The ITS (IHI 0069 chapter 5, LPIs and the ITS): registers, the command queue, every physical command with its error
// conditions, and MSI translation. Mapping state is held in the model (the table memory format
// is IMPDEF, choice.u33.table-memory-write); the tables' geometry from GITS_BASER decides which IDs are in range.
import { decodeItsCommand, type DecodedItsCommand } from '../spec/codec/its-command.js';
import { offsetOf } from '../spec/codec/registers.js';
import { ANY, type Exec, type Expected, hex, MaskedHex } from './exec.js';
import { ARCHREV_MASK, ARCHREV_OPTIONS, impdefRead, impdefReadOneOf, PIDR2, PIDR2_REP } from './impdef.js';
import { invalidateLpi, iteTargetsOf, LPI_BASE, lpiInRange, pendBase, mappedMoreThanOnce, scopeSharedLpi, setLpiPending } from './lpi.js';
import { leaveLpiGhost } from './interrupts.js';
import { branchChoice, CHOICES, forEachChoice, holdChoice, offerQuirk, openOptions, quirkEnabled } from './choices.js';
import { alive, spend } from './budget.js';
import { QUIRKS } from './quirks.js';
import { type Device, type Ite, type ItsState, type State } from './state.js';

// Offsets from spec/data/registers, resolved once here (GITS_BASER: the base of the range).
const GITS_CTLR = offsetOf('GITS_CTLR');
const GITS_IIDR = offsetOf('GITS_IIDR');
const GITS_TYPER = offsetOf('GITS_TYPER');
const GITS_CBASER = offsetOf('GITS_CBASER');
const GITS_CWRITER = offsetOf('GITS_CWRITER');
const GITS_CREADR = offsetOf('GITS_CREADR');
const GITS_BASER = offsetOf('GITS_BASER<n>');
export const GITS_TRANSLATER = offsetOf('GITS_TRANSLATER');

const VALID = 1n << 63n;
const PA_52 = (1n << 52n) - 1n;

// ---------------------------------------------------------------- parameters (GITS_TYPER)

/**
 * GITS_TYPER: determined Physical [0] = 1, Virtual [1] = 0 (a guest never sees GICv4), PTA [19] = 0
 * (the scenario format's RDbase is a processor number); the rest is the implementation's, held
 * once observed (docs/oracle.md). Until observed the model uses 16 DeviceID/EventID/ICID bits.
 */
const TYPER_FREE = 0x4n | 0xf0n | 0x1f00n | 0x3e000n | 0x40000n | (0xffn << 24n) | (0xfn << 32n) | (1n << 36n);
const TYPER_REP = (7n << 4n) | (15n << 8n) | (15n << 13n);

function typerField(s: State, shift: bigint, mask: bigint, dflt: number): number {
  const t = s.fixed.get('gits_typer');
  return t === undefined ? dflt : Number((t >> shift) & mask);
}
export function devBits(s: State): number { return typerField(s, 13n, 0x1fn, 15) + 1; }
export function eventBits(s: State): number { return typerField(s, 8n, 0x1fn, 15) + 1; }
export function icidBits(s: State): number {
  const t = s.fixed.get('gits_typer');
  if (t === undefined || !((t >> 36n) & 1n)) return 16;
  return Number((t >> 32n) & 0xfn) + 1;
}
function hcc(s: State): number { return typerField(s, 24n, 0xffn, 0); }

// ---------------------------------------------------------------- tables (GITS_BASER)

/** BASER0 describes the device table and BASER1 the collection table (IHI 0069 GITS_* registers; boot macro). */
const BASER_TYPE = [1n, 4n, 0n, 0n, 0n, 0n, 0n, 0n];

function pageBytes(baser: bigint): number {
  const ps = Number((baser >> 8n) & 3n);
  return ps === 0 ? 4096 : ps === 1 ? 16384 : 65536;
}
function entryBytes(baser: bigint): number {
  return Number((baser >> 48n) & 0x1fn) + 1;
}
function baserPa(baser: bigint): number {
  const ps = (baser >> 8n) & 3n;
  let pa = baser & 0xffff_ffff_f000n & ((1n << 48n) - 1n);
  if (ps === 2n) pa = (pa & ~0xf000n) | (((baser >> 12n) & 0xfn) << 48n);
  return Number(pa);
}

/** Whether an ID has an entry in the table a BASER describes (flat, or two-level with a valid L1 entry). */
function idInTable(s: State, baser: bigint, id: number): boolean {
  if (!(baser & VALID)) return false;
  const page = pageBytes(baser);
  const esz = entryBytes(baser);
  const pages = Number(baser & 0xffn) + 1;
  if (!((baser >> 62n) & 1n)) return id < Math.floor((pages * page) / esz);
  const perL2 = Math.floor(page / esz);
  const l1 = Math.floor(id / perL2);
  if (l1 >= (pages * page) / 8) return false;
  const a = baserPa(baser) + l1 * 8;
  if (!s.mem.inRam(a, 8)) return false;
  return (s.mem.readU64(a) & VALID) !== 0n;
}

export function deviceInRange(s: State, its: ItsState, d: number): boolean {
  return d < 2 ** devBits(s) && idInTable(s, its.baser[0]!, d);
}
export function collectionInRange(s: State, its: ItsState, c: number): boolean {
  if (c >= 2 ** icidBits(s)) return false;
  if (c < hcc(s)) return true;
  return idInTable(s, its.baser[1]!, c - hcc(s));
}
/** Guest address of the entry for `id` in the table a BASER describes, or null when it has none. */
export function tableEntryAddr(s: State, baser: bigint, id: number): number | null {
  if (!idInTable(s, baser, id)) return null;
  const page = pageBytes(baser);
  const esz = entryBytes(baser);
  if (!((baser >> 62n) & 1n)) return baserPa(baser) + id * esz;
  const perL2 = Math.floor(page / esz);
  const l1 = baserPa(baser) + Math.floor(id / perL2) * 8;
  const l2 = Number(s.mem.readU64(l1) & (PA_52 & ~0xffffn));
  return l2 + (id % perL2) * esz;
}
/** Start, entry size and entry count of a flat table (the collection table in the KVM ABI). */
export function flatTable(baser: bigint): { base: number; esz: number; entries: number; bytes: number } {
  const bytes = (Number(baser & 0xffn) + 1) * pageBytes(baser);
  const esz = entryBytes(baser);
  return { base: baserPa(baser), esz, entries: Math.floor(bytes / esz), bytes };
}

function rdExists(s: State, rd: number): boolean {
  return rd >= 0 && rd < s.cfg.vcpus;
}

// ---------------------------------------------------------------- registers

export function gitsRead(s: State, n: number, offset: number, width: number, x: Exec): Expected {
  const its = s.its[n]!;
  const is64 = (offset & ~7) === GITS_TYPER || (offset >= GITS_CBASER && offset < GITS_CREADR + 8) || (offset >= GITS_BASER && offset < GITS_BASER + 64);
  if (!(width === 32 && offset % 4 === 0) && !(width === 64 && is64 && offset % 8 === 0)) {
    x.rule('mmio.bad-width');
    return ANY();
  }
  const o = offset & ~7;
  const half = (v: bigint): bigint => (width === 64 ? v : offset % 8 === 0 ? v & 0xffff_ffffn : v >> 32n);
  if (offset === GITS_CTLR) {
    // Enabled [0]; Quiescent [31] = 1 while disabled (at quiescence), UNKNOWN while enabled (choice.u34.quiescent-enabled);
    // ImDe [1], ITS_Number [7:4], UMSIirq [8] IMPDEF.
    x.rule('its.reg.ctlr.enabled');
    if (its.enabled) x.rule('choice.u34.quiescent-enabled');
    // Quiescent is also open while disabled with commands still queued (in flight or not: (I))
    const free = 0x1f2n | (its.enabled || its.creadr !== its.cwriter ? 1n << 31n : 0n);
    const v = (its.enabled ? 1n : 0n) | (its.enabled ? 0n : 1n << 31n);
    return new MaskedHex(v, ~free & 0xffff_ffffn, its.enabled ? 1n << 31n : 0n);
  }
  if (offset === GITS_IIDR) return impdefRead(s, x, 'gits_iidr', 0n, 0xffff_ffffn);
  if (o === GITS_TYPER) {
    x.rule('its.reg.typer.physical');
    if (width === 64) return impdefRead(s, x, 'gits_typer', 1n, TYPER_FREE, TYPER_REP);
    // a 32-bit half: held bits if known; otherwise open without holding (the other half is unseen)
    const held = s.fixed.get('gits_typer');
    if (held !== undefined) return hex(half(1n | (held & TYPER_FREE)));
    return new MaskedHex(half(1n), half(~TYPER_FREE & ((1n << 64n) - 1n)), half(TYPER_REP | 1n));
  }
  if (o === GITS_CBASER) {
    // Valid, PA [51:12] and Size read back; cacheability/shareability may be fixed (IMPDEF);
    // PA bits [15:12] read back as written or as 0 (choice.u29.cbaser-low-bits).
    x.rule('its.reg.cbaser.rw');
    const care = VALID | (PA_52 & ~0xffffn) | 0xffn;
    return new MaskedHex(half(its.cbaser), half(care), half(its.cbaser));
  }
  if (o === GITS_CWRITER) {
    x.rule('its.reg.cwriter.rw');
    return new MaskedHex(half(BigInt(its.cwriter)), half(0xf_ffe0n | ~0xf_ffffn & 0xffff_ffff_ffff_ffffn), half(BigInt(its.cwriter)));
  }
  if (o === GITS_CREADR) {
    x.rule('its.reg.creadr.ro');
    return hex(half(BigInt(its.creadr) | (its.stalled ? 1n : 0n)));
  }
  if (offset >= GITS_BASER && offset < GITS_BASER + 64) {
    const i = (o - GITS_BASER) >> 3;
    x.rule('its.reg.baser.type');
    const type = BASER_TYPE[i]!;
    if (type === 0n) return '0x0';
    // Type [58:56] determined; Entry_Size [52:48] IMPDEF (held); Size, PA, Valid, Indirect read back
    // as the implementation holds them; Page_Size, cacheability and shareability may be fixed.
    const v = (its.baser[i]! & ~(7n << 56n) & ~(0x1fn << 48n)) | (type << 56n);
    const held = s.fixed.get(`gits_baser${i}_esz`);
    const esz = held ?? 7n << 48n;
    const care = VALID | (1n << 62n) | (7n << 56n) | ((1n << 48n) - 1n & ~0xfffn) | 0xffn | (held !== undefined ? 0x1fn << 48n : 0n);
    if (held === undefined) x.commit = (st, obs) => { if (typeof obs === 'string' && width === 64) st.fixed.set(`gits_baser${i}_esz`, BigInt(obs) & (0x1fn << 48n)); };
    return new MaskedHex(half(v | esz), half(care), half(v | esz));
  }
  if (offset === PIDR2) {
    x.rule('its.reg.pidr2');
    return impdefReadOneOf(s, x, `gits_id_${offset}`, ARCHREV_OPTIONS, ARCHREV_MASK, PIDR2_REP, 'GITS_PIDR2.ArchRev: GICv3 or GICv4');
  }
  if (offset >= 0xffd0 && offset < 0x10000) return impdefRead(s, x, `gits_id_${offset}`, 0n, 0xffff_ffffn);
  x.rule('mmio.reserved-raz-wi');
  return '0x0';
}

export function gitsWrite(s: State, n: number, offset: number, width: number, value: bigint, x: Exec): void {
  const its = s.its[n]!;
  const is64 = (offset & ~7) === GITS_TYPER || (offset >= GITS_CBASER && offset < GITS_CREADR + 8) || (offset >= GITS_BASER && offset < GITS_BASER + 64);
  if (offset === GITS_TRANSLATER && (width === 32 || width === 16)) {
    // The DeviceID of a CPU write is IMPDEF (I): the model treats it as reaching no mapped device.
    x.rule('its.translater.cpu-write');
    return;
  }
  if (!(width === 32 && offset % 4 === 0) && !(width === 64 && is64 && offset % 8 === 0)) {
    x.rule('mmio.bad-width');
    return;
  }
  const o = offset & ~7;
  const merge = (old: bigint): bigint => {
    if (width === 64) return value;
    return offset % 8 === 0 ? (old & ~0xffff_ffffn) | (value & 0xffff_ffffn) : (old & 0xffff_ffffn) | ((value & 0xffff_ffffn) << 32n);
  };
  if (offset === GITS_CTLR) return ctlrWrite(s, n, Number(value & 1n), x);
  if (o === GITS_CBASER) {
    const nv = merge(its.cbaser);
    const take = (st: State): void => {
      // choice.u30.baser-write-enabled: after a CBASER write CREADR = 0 and CWRITER is 0 (option 0) or unchanged (1)
      if (st.its[n]!.cwriter === 0) { cbaserTake(st, n, nv, x, true); return; }
      branchChoice(st, x, CHOICES.u30CbaserCwriter, (z, o) => cbaserTake(z, n, nv, x, o === 0));
    };
    if (!its.enabled) return take(s);
    // choice.u30.baser-write-enabled: CBASER written while enabled: ignored (option 0), or taken (1)
    x.rule('choice.u30.baser-write-enabled');
    branchChoice(s, x, CHOICES.u30BaserWriteEnabled, (st, o) => { if (o === 1) take(st); });
    return;
  }
  if (o === GITS_CWRITER) return cwriterWrite(s, n, Number(merge(BigInt(its.cwriter)) & 0xf_ffffn), x);
  if (offset >= GITS_BASER && offset < GITS_BASER + 64) return baserWrite(s, n, (o - GITS_BASER) >> 3, merge(its.baser[(o - GITS_BASER) >> 3]!), x);
  x.rule('mmio.reserved-raz-wi');
}

function cbaserTake(s: State, n: number, v: bigint, x: Exec, cwriterToZero: boolean): void {
  const its = s.its[n]!;
  x.rule('its.reg.cbaser.creadr-reset');
  its.cbaser = v;
  its.creadr = 0;
  its.stalled = false;
  its.cwriterBad = false;
  if (cwriterToZero) its.cwriter = 0;
  x.rule('choice.u30.baser-write-enabled');
}

/**
 * Type [58:56] and Entry_Size [52:48] of GITS_BASER<n> are read-only (Arm IHI 0069 GITS_BASER<n>):
 * a write keeps the implementation's values, and the table's geometry follows them, not what the
 * guest wrote. Entry_Size is IMPDEF: the value read back once held, else the 8 bytes of the KVM ITS
 * ABI's entries (Documentation/virt/kvm/devices/arm-vgic-its.rst), the boot macro's value.
 */
function withFixedFields(s: State, i: number, v: bigint): bigint {
  const esz = s.fixed.get(`gits_baser${i}_esz`) ?? 7n << 48n;
  return (v & ~(7n << 56n) & ~(0x1fn << 48n)) | (BASER_TYPE[i]! << 56n) | esz;
}

function baserWrite(s: State, n: number, i: number, v: bigint, x: Exec): void {
  if (BASER_TYPE[i] === 0n) {
    x.rule('its.reg.baser.type');
    return;
  }
  const take = (st: State): void => {
    const it = st.its[n]!;
    const wasValid = (it.baser[i]! & VALID) !== 0n;
    it.baser[i] = withFixedFields(st, i, v);
    x.rule('its.reg.baser.rw');
    if (wasValid && !(v & VALID)) {
      // choice.u32.baser-valid-toggle: Valid 1 -> 0: mappings persist (option 0) or are lost (1)
      x.rule('choice.u32.baser-valid-toggle');
      branchChoice(st, x, CHOICES.u32BaserValidToggle, (z, o) => {
        if (o === 1 && i === 0) { z.its[n]!.devices.clear(); z.itesChanged(); }
        if (o === 1 && i === 1) z.its[n]!.collections.clear();
      });
    }
  };
  if (!s.its[n]!.enabled) return take(s);
  // choice.u30.baser-write-enabled: BASER written while enabled: ignored (option 0), or taken (1)
  x.rule('choice.u30.baser-write-enabled');
  branchChoice(s, x, CHOICES.u30BaserWriteEnabled, (st, o) => { if (o === 1) take(st); });
}

function queueSize(its: ItsState): number {
  return (Number(its.cbaser & 0xffn) + 1) * 4096;
}
function queueBase(its: ItsState): number {
  return Number(its.cbaser & PA_52 & ~0xfffn);
}

/** GITS_CTLR.Enabled (IHI 0069 GITS_* registers); enabling without valid CBASER/BASERs: choice.u31.enable-without-tables. */
function ctlrWrite(s: State, n: number, en: number, x: Exec): void {
  const its = s.its[n]!;
  if (!en) {
    if (its.enabled) x.rule('its.reg.ctlr.enabled');
    its.enabled = false;
    return;
  }
  if (its.enabled) return;
  const ready = (its.cbaser & VALID) !== 0n && (its.baser[0]! & VALID) !== 0n && ((its.baser[1]! & VALID) !== 0n || hcc(s) > 0);
  x.rule('its.reg.ctlr.enabled');
  if (!ready) {
    // choice.u31.enable-without-tables: the enable is refused (option 0), or the ITS is enabled with unusable tables (1)
    x.rule('choice.u31.enable-without-tables');
    branchChoice(s, x, CHOICES.u31EnableWithoutTables, (st, o) => {
      if (o === 0) return;
      st.its[n]!.enabled = true;
      processQueue(st, n, x);
    });
    return;
  }
  its.enabled = true;
  processQueue(s, n, x);
}

/** GITS_CWRITER (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR): Offset [19:5], Retry [0]; out of range: choice.u28.cwriter-oor. */
function cwriterWrite(s: State, n: number, v: number, x: Exec): void {
  const its = s.its[n]!;
  const off = v & 0xf_ffe0;
  x.rule('its.reg.cwriter.rw');
  if (off >= queueSize(its)) {
    // choice.u28.cwriter-oor: an UNKNOWN in-range value is used (option 0: the model offers the previous
    // CWRITER, so the write has no effect; any other in-range value would be one branch per queue
    // slot, each running whatever the queue memory holds), or the queue is unusable until CWRITER
    // is corrected (1)
    x.rule('choice.u28.cwriter-oor');
    branchChoice(s, x, CHOICES.u28CwriterOutOfRange, (st, o) => {
      if (o === 0) return;
      st.its[n]!.cwriter = off;
      st.its[n]!.cwriterBad = true;
    });
    return;
  }
  its.cwriter = off;
  its.cwriterBad = false;
  if (v & 1 && its.stalled) {
    x.rule('its.queue.retry');
    its.stalled = false;
  }
  processQueue(s, n, x);
}

// ---------------------------------------------------------------- the queue

type CmdOutcome = { state: State; error: string | null };

/**
 * Process commands from CREADR to CWRITER (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR) on `s`; further permitted outcomes
 * become branches. A command error: ignore and continue, or stall (choice.u26.command-error-response).
 */
export function processQueue(s: State, n: number, x: Exec): void {
  for (const st of processQueueOutcomes(s, n, x)) x.branch(st, null, 'ITS command outcome');
}

/** processQueue on `s`, returning the other permitted outcomes instead of branching them (for ops whose result is not null). */
export function processQueueOutcomes(s: State, n: number, x: Exec): State[] {
  let live: State[] = [s];
  const finished: State[] = [];
  for (let guard = 0; guard < 1 << 16 && live.length > 0; guard++) {
    // a long queue times many candidates: the oracle's bounds on one op (model/budget.ts)
    spend(live.length);
    alive(live.length + finished.length);
    const next: State[] = [];
    for (const st of live) {
      const its = st.its[n]!;
      // CWRITER beyond the queue (choice.u28.cwriter-oor option 1, or a value restored through KVM_DEV_ARM_VGIC_GRP_ITS_REGS
      // or migrate) leaves the queue unusable: CREADR would wrap without ever meeting it.
      if (!its.enabled || !(its.cbaser & VALID) || its.stalled || its.cwriterBad || its.creadr === its.cwriter || its.cwriter >= queueSize(its)) {
        finished.push(st);
        continue;
      }
      if (its.creadr >= queueSize(its)) its.creadr = 0;
      const addr = queueBase(its) + its.creadr;
      let outcomes: CmdOutcome[];
      if (!st.mem.inRam(addr, 32)) {
        outcomes = [{ state: st, error: 'its.queue.read-fault' }];
      } else {
        const cmd = decodeItsCommand(st.mem.read(addr, 32), 0);
        outcomes = runCommand(st, n, cmd, x);
      }
      for (const o of outcomes) {
        const it = o.state.its[n]!;
        if (o.error !== null) {
          x.rule(o.error);
          x.rule('choice.u26.command-error-response');
          // choice.u26.command-error-response, taken as a property of the implementation (held once chosen): on an error it either
          // ignores the command and continues, or stalls with CREADR on it. Memory faults and
          // parameter errors may be handled differently (QEMU stalls only on the former).
          const c = o.error === 'its.queue.read-fault' ? CHOICES.u26MemoryFault : CHOICES.u26ParamError;
          const opts = openOptions(o.state, c);
          if (opts.length > 1) {
            const stalled = o.state.clone();
            holdChoice(stalled, c, 1);
            stalled.its[n]!.stalled = true;
            finished.push(stalled);
            holdChoice(o.state, c, 0);
          } else if (opts[0] === 1) {
            it.stalled = true;
            finished.push(o.state);
            continue;
          }
        }
        it.creadr = (it.creadr + 32) % queueSize(it);
        next.push(o.state);
      }
    }
    live = next;
  }
  const others: State[] = [];
  let mainSeen = false;
  for (const st of finished) {
    if (st === s) mainSeen = true;
    else others.push(st);
  }
  if (!mainSeen) throw new Error('internal: ITS queue processing lost the main state');
  return others;
}

function err(state: State, rule: string): CmdOutcome[] {
  return [{ state, error: rule }];
}
function ok(state: State): CmdOutcome[] {
  return [{ state, error: null }];
}

/** The RD an ITE's LPI goes to: its collection's, unless detached (choice.u41.mapc-unmap-in-use) or retargeted by MOVALL (choice.u47.movall-live-collections). */
export function iteTarget(its: ItsState, ite: Ite): number {
  if (ite.detached) return -1;
  return ite.rd ?? its.collections.get(ite.icid) ?? -1;
}

function runCommand(s: State, n: number, c: DecodedItsCommand, x: Exec): CmdOutcome[] {
  const f = c.fields;
  switch (c.name) {
    case 'MAPD': return mapd(s, n, f.device!, f.size!, f.itt!, f.valid!, x);
    case 'MAPC': return mapc(s, n, f.collection!, f.target!, f.valid!, x);
    case 'MAPTI': return mapti(s, n, 'mapti', f.device!, f.event!, f.intid!, f.collection!, x);
    case 'MAPI': return mapti(s, n, 'mapi', f.device!, f.event!, f.event!, f.collection!, x);
    case 'MOVI': return movi(s, n, f.device!, f.event!, f.collection!, x);
    case 'INT': case 'CLEAR': case 'INV': case 'DISCARD': return deviceEvent(s, n, c.name, f.device!, f.event!, x);
    case 'INVALL': return invall(s, n, f.collection!, x);
    case 'SYNC': {
      // SYNC completes everything earlier commands did at that RD: choice.u44.in-flight-until-sync windows there close.
      x.rule('its.cmd.sync.complete');
      // KVM: a retargeted LPI still queued on the old vCPU is not moved by the SYNC (QUIRKS.lpiRetargetNoRequeue)
      let stuck: State | null = null;
      if (s.lpiInFlight.size > 0 && [...s.lpiInFlight.values()].includes(f.target!)) stuck = offerQuirk(s, QUIRKS.lpiRetargetNoRequeue);
      const g = s.ghosts[f.target!];
      if (g !== undefined) for (const k of [...g.keys()]) if (k >= LPI_BASE) g.delete(k);
      if (s.lpiInFlight.size > 0) for (const [k, from] of [...s.lpiInFlight]) if (from === f.target) s.lpiInFlight.delete(k);
      return stuck === null ? ok(s) : [...ok(s), { state: stuck, error: null }];
    }
    case 'MOVALL': return movall(s, n, f.from!, f.to!, x);
    default:
      // unknown opcode, or a GICv4 command on an ITS with GITS_TYPER.Virtual = 0 (choice.u27.unknown-opcode)
      x.rule('choice.u27.unknown-opcode');
      return err(s, 'its.cmd.unknown.opcode');
  }
}

/** MAPD (IHI 0069 5.3 ITS commands): map/unmap a device; choice.u36.mapd-unmap-unmapped, choice.u37.mapd-with-ites. */
function mapd(s: State, n: number, d: number, size: number, itt: number, valid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!deviceInRange(s, its, d)) return err(s, 'its.cmd.mapd.device-oor');
  if (valid && size + 1 > eventBits(s)) return err(s, 'its.cmd.mapd.ittsize-oor');
  const old = its.devices.get(d);
  if (!valid && old === undefined) {
    // choice.u36.mapd-unmap-unmapped: no effect (option 0), or a command error (option 1)
    x.rule('choice.u36.mapd-unmap-unmapped');
    return forEachChoice(s, CHOICES.u36MapdUnmapUnmapped, () => {}).map(([st, o]) => ({ state: st, error: o === 1 ? 'choice.u36.mapd-unmap-unmapped' : null }));
  }
  x.rule(valid ? (old ? 'its.cmd.mapd.remap' : 'its.cmd.mapd.map') : 'its.cmd.mapd.unmap');
  const apply = (st: State, keepItes: boolean): void => {
    const it = st.its[n]!;
    if (!valid) it.devices.delete(d);
    else {
      const prev = it.devices.get(d);
      it.devices.set(d, { size, itt, ites: keepItes && prev ? prev.ites : new Map() });
    }
    st.itesChanged();
  };
  const dte = valid ? null : tableEntryAddr(s, its.baser[0]!, d);
  if (old === undefined || old.ites.size === 0) {
    apply(s, false);
    return clearEntry(ok(s), dte, x);
  }
  // choice.u37.mapd-with-ites: the device's ITEs are lost; their pending LPIs stay pending (option 0) or are lost (1);
  // a remap with the same ITT finds no ITEs (0) or the old ones again (1)
  x.rule('choice.u37.mapd-with-ites');
  const sameItt = valid === 1 && old.itt === itt;
  const out: CmdOutcome[] = [];
  for (const [st, keep] of (sameItt ? forEachChoice(s, CHOICES.u37RemapSameItt, () => {}) : [[s, 0] as [State, number]])) {
    if (keep === 1) {
      apply(st, true);
      out.push({ state: st, error: null });
      continue;
    }
    for (const [st2, lose] of forEachChoice(st, CHOICES.u37PendingOfLostItes, () => {})) {
      if (lose === 1) for (const ite of old.ites.values()) for (const p of st2.lpiPending) p.delete(ite.intid);
      apply(st2, false);
      out.push({ state: st2, error: null });
    }
  }
  return clearEntry(out, dte, x);
}

/**
 * A command that removes a mapping (MAPD V = 0, DISCARD) leaves no entry behind that a save
 * through the KVM ITS ABI could turn back into a mapping: the saved tables describe exactly the
 * mappings (Documentation/virt/kvm/devices/arm-vgic-its.rst, ITS table save/restore ABI). The
 * table memory is the ITS's, in an IMPDEF format, and a guest read of it is UNKNOWN (Arm IHI 0069,
 * the ITS tables), so the model clears the entry now, which no guest can tell from clearing it at the save.
 */
function clearEntry(outcomes: CmdOutcome[], addr: number | null, x: Exec): CmdOutcome[] {
  if (addr === null) return outcomes;
  for (const o of outcomes) {
    const st = o.state;
    if (!st.mem.inRam(addr, ENTRY_BYTES) || st.mem.read(addr, ENTRY_BYTES).every((b) => b === 0)) continue;
    x.rule('choice.u33.unmap-clears-entry');
    st.mem.write(addr, new Uint8Array(ENTRY_BYTES));
  }
  return outcomes;
}
/** DTE and ITE size of the KVM ITS ABI revision 0 (Documentation/virt/kvm/devices/arm-vgic-its.rst), the layout the model's tables use */
const ENTRY_BYTES = 8;

/** A MAPC (re)maps or unmaps the whole collection: MOVALL retargets (choice.u47.movall-live-collections option 2) of its ITEs end. */
function endMovallRetargets(its: ItsState, icid: number): void {
  for (const dev of its.devices.values()) for (const q of dev.ites.values()) if (q.icid === icid && q.rd !== undefined) delete q.rd;
}

/** MAPC (IHI 0069 5.3 ITS commands): map/unmap a collection; choice.u40.mapc-retarget-pending, choice.u41.mapc-unmap-in-use, choice.u42.mapc-unmap-bad-rd. */
function mapc(s: State, n: number, icid: number, rd: number, valid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!collectionInRange(s, its, icid)) return err(s, 'its.cmd.mapc.collection-oor');
  if (!valid) {
    x.rule('its.cmd.mapc.unmap');
    let states: [State, string | null][] = [[s, null]];
    if (!rdExists(s, rd)) {
      // choice.u42.mapc-unmap-bad-rd: unmap anyway (option 0), or MAPC_PROCNUM_OOR with the collection left mapped (1)
      x.rule('choice.u42.mapc-unmap-bad-rd');
      states = forEachChoice(s, CHOICES.u42MapcUnmapBadRd, () => {}).map(([st, o]) => [st, o === 1 ? 'its.cmd.mapc.procnum-oor' : null]);
    }
    const out: CmdOutcome[] = [];
    for (const [st, error] of states) {
      if (error !== null) { out.push({ state: st, error }); continue; }
      const it = st.its[n]!;
      endMovallRetargets(it, icid);
      // choice.u41.mapc-unmap-in-use is about the ITEs that name the ICID, mapped or not (KVM: a MAPTI into a never-mapped
      // ICID creates an unmapped collection, which MAPC V = 0 then frees, detaching those ITEs)
      const users = [...it.devices.values()].some((dev) => [...dev.ites.values()].some((q) => q.icid === icid && !q.detached));
      if (!users) {
        it.collections.delete(icid);
        out.push({ state: st, error: null });
        continue;
      }
      // choice.u41.mapc-unmap-in-use: ITEs keep the ICID and work again after MAPC V = 1 (option 0), or are detached for good (1)
      x.rule('choice.u41.mapc-unmap-in-use');
      for (const [st2, det] of forEachChoice(st, CHOICES.u41MapcUnmapInUse, () => {})) {
        const it2 = st2.its[n]!;
        if (det === 1) for (const dev of it2.devices.values()) for (const q of dev.ites.values()) if (q.icid === icid) q.detached = true;
        it2.collections.delete(icid);
        out.push({ state: st2, error: null });
      }
    }
    return out;
  }
  if (!rdExists(s, rd)) return err(s, 'its.cmd.mapc.procnum-oor');
  const old = its.collections.get(icid);
  x.rule('its.cmd.mapc.map');
  endMovallRetargets(its, icid);
  if (old !== undefined && old !== rd) {
    const moving: number[] = [];
    for (const dev of its.devices.values()) for (const q of dev.ites.values()) if (q.icid === icid && !q.detached && s.lpiPending[old]!.has(q.intid)) moving.push(q.intid);
    if (moving.length > 0) {
      // choice.u40.mapc-retarget-pending: pending LPIs of the collection stay at the old RD (option 0) or move with it (1)
      x.rule('choice.u40.mapc-retarget-pending');
      const out: CmdOutcome[] = [];
      for (const [st, move] of forEachChoice(s, CHOICES.u40MapcRetargetPending, (st) => { st.its[n]!.collections.set(icid, rd); })) {
        if (move !== 1) { out.push({ state: st, error: null }); continue; }
        const stuck = retargetedWhileQueued(st, old, moving);
        for (const z of stuck === null ? [st] : [st, stuck.state]) {
          for (const intid of moving) { z.lpiPending[old]!.delete(intid); setLpiPending(z, rd, intid, x); }
          out.push({ state: z, error: null });
        }
        stuck?.inFlight(rd);
      }
      return out;
    }
  }
  its.collections.set(icid, rd);
  return ok(s);
}

/** MAPTI / MAPI (IHI 0069 5.3 ITS commands); choice.u38.mapti-remap-event. */
function mapti(s: State, n: number, name: 'mapti' | 'mapi', d: number, e: number, intid: number, icid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!deviceInRange(s, its, d)) return err(s, `its.cmd.${name}.device-oor`);
  const dev = its.devices.get(d);
  if (dev === undefined) return err(s, `its.cmd.${name}.unmapped-device`);
  if (e >= 2 ** (dev.size + 1)) return err(s, `its.cmd.${name}.id-oor`);
  const rangeError = name === 'mapi' ? 'its.cmd.mapi.id-oor' : 'its.cmd.mapti.physicalid-oor';
  const range = lpiRangeCheck(s, intid);
  if (range === 'out') return err(s, rangeError);
  if (!collectionInRange(s, its, icid)) return err(s, `its.cmd.${name}.collection-oor`);
  if (range === 'both') {
    // choice.u17.baser-write-lpis-on/choice.u22.propbaser-mismatch: with the redistributors' ID ranges disagreeing, the ITS checks against the wider
    // (option 0) or the narrower one (1); held, as an implementation takes its range from one place
    x.rule('choice.u22.propbaser-mismatch');
    return forEachChoice(s, CHOICES.u22MaptiRange, () => {}).flatMap(([st, o]) => (o === 0 ? maptiInRange(st, n, d, e, intid, icid, name, x) : err(st, rangeError)));
  }
  return maptiInRange(s, n, d, e, intid, icid, name, x);
}

/** MAPTI/MAPI once every check passed: the ITE (choice.u38.mapti-remap-event when the EventID already has one). */
function maptiInRange(s: State, n: number, d: number, e: number, intid: number, icid: number, name: 'mapti' | 'mapi', x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  const dev = its.devices.get(d)!;
  x.rule(`its.cmd.${name}.map`);
  if (!its.collections.has(icid)) x.rule('its.cmd.mapti.unmapped-collection-ok');
  if (dev.ites.has(e)) {
    // choice.u38.mapti-remap-event: the old mapping is kept (option 0) or replaced (1)
    x.rule('choice.u38.mapti-remap-event');
    return forEachChoice(s, CHOICES.u38MaptiRemapEvent, (st, replace) => {
      if (replace === 1) {
        st.its[n]!.devices.get(d)!.ites.set(e, { intid, icid, detached: false });
        st.itesChanged();
        if (mappedToSeveralRds(st, intid)) scopeSharedLpi(st, intid, x);
      }
    }).map(([st]) => ({ state: st, error: null }));
  }
  dev.ites.set(e, { intid, icid, detached: false });
  s.itesChanged();
  if (mappedToSeveralRds(s, intid)) scopeSharedLpi(s, intid, x);
  const consumed = pendingBitConsumedAtMap(s, n, intid, icid);
  return consumed === null ? ok(s) : [...ok(s), { state: consumed, error: null }];
}

/**
 * KVM (QUIRKS.pendingTableConsumedAtMap): creating the LPI reads its pending bit from the target
 * redistributor's pending table and clears it in memory, even while that redistributor has LPIs
 * off; the later EnableLPIs then finds it clear. The quirk's candidate (a clone of `s`), or null.
 */
function pendingBitConsumedAtMap(s: State, n: number, intid: number, icid: number): State | null {
  const rd = s.its[n]!.collections.get(icid);
  if (rd === undefined || s.enableLpis[rd] || s.quirks.size === 0) return null;
  const addr = pendBase(s, rd) + (intid >> 3);
  if (!s.mem.inRam(addr, 1)) return null;
  const byte = s.mem.read(addr, 1)[0]!;
  if (!(byte & (1 << (intid & 7)))) return null;
  const q = offerQuirk(s, QUIRKS.pendingTableConsumedAtMap);
  if (q === null) return null;
  q.mem.write(addr, Uint8Array.of(byte & ~(1 << (intid & 7))));
  return q;
}

/**
 * choice.u39.intid-two-ites matters only when the ITEs naming an INTID disagree on its RD (or one has no RD), or the LPI
 * is pending elsewhere: two events sending the same LPI to the RD where it is pending leave its
 * pending state well defined.
 */
function mappedToSeveralRds(s: State, intid: number): boolean {
  if (!mappedMoreThanOnce(s, intid)) return false;
  const targets = iteTargetsOf(s, intid);
  if (targets.size > 1 || targets.has(-1)) return true;
  const rd = targets.size === 1 ? targets.values().next().value! : null;
  // one RD for every ITE: still in scope when the LPI is (or may be) pending at another RD
  for (let r = 0; r < s.cfg.vcpus; r++) if (r !== rd && s.lpiPending[r]!.has(intid)) return true;
  const scoped = s.lpiScoped.get(intid);
  if (scoped !== undefined) for (const r of scoped) if (r !== rd) return true;
  return false;
}

/**
 * Whether `intid` is in the LPI range MAPTI/MAPI check (PHYSICALID_OOR; IHI 0069 5.5 ITS command error encodings: IDbits from
 * PROPBASER). `both` when the redistributors' PROPBASER.IDbits disagree (a PROPBASER write with
 * LPIs on, choice.u17.baser-write-lpis-on, or different values, choice.u22.propbaser-mismatch): which range the ITS uses is then open.
 */
function lpiRangeCheck(s: State, intid: number): 'in' | 'out' | 'both' {
  if (intid < LPI_BASE) return 'out';
  let inRange = false;
  let outOfRange = false;
  let programmed = false;
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (s.propbaser[rd] === 0n) continue;
    programmed = true;
    if (lpiInRange(s, rd, intid)) inRange = true;
    else outOfRange = true;
  }
  if (!programmed) return intid < 2 ** 16 ? 'in' : 'out';
  return inRange && outOfRange ? 'both' : inRange ? 'in' : 'out';
}

interface Resolved { dev: Device; ite: Ite }

/** The common checks of the (DeviceID, EventID) commands, in the architecture's order. */
function resolve(s: State, n: number, cmd: string, d: number, e: number): Resolved | string {
  const its = s.its[n]!;
  if (!deviceInRange(s, its, d)) return `its.cmd.${cmd}.device-oor`;
  const dev = its.devices.get(d);
  if (dev === undefined) return `its.cmd.${cmd}.unmapped-device`;
  if (e >= 2 ** (dev.size + 1)) return `its.cmd.${cmd}.id-oor`;
  const ite = dev.ites.get(e);
  if (ite === undefined) return `its.cmd.${cmd}.unmapped-interrupt`;
  return { dev, ite };
}

/** MOVI (IHI 0069 5.3 ITS commands): retarget an ITE, moving a pending LPI; choice.u43.movi-lpis-off, choice.u46.unmapped-collection-cmd. */
function movi(s: State, n: number, d: number, e: number, icid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  const r = resolve(s, n, 'movi', d, e);
  if (typeof r === 'string') return err(s, r);
  if (!collectionInRange(s, its, icid)) return err(s, 'its.cmd.movi.collection-oor');
  const to = its.collections.get(icid);
  if (to === undefined) return err(s, 'its.cmd.movi.unmapped-collection');
  const from = iteTarget(its, r.ite);
  if (from < 0) {
    x.rule('choice.u46.unmapped-collection-cmd');
    return err(s, 'its.cmd.movi.unmapped-collection');
  }
  x.rule('its.cmd.movi.retarget');
  const intid = r.ite.intid;
  const setIte = (st: State): void => {
    const t = st.its[n]!.devices.get(d)!.ites.get(e)!;
    t.icid = icid;
    t.detached = false;
    delete t.rd;
  };
  if (from === to || !s.lpiPending[from]!.has(intid)) {
    setIte(s);
    return ok(s);
  }
  x.rule('its.cmd.movi.moves-pending');
  if (!canHoldLpi(s, to, intid)) {
    // choice.u43.movi-lpis-off: the target RD cannot take it (LPIs off, or outside its ID range): the pending state is
    // dropped (option 0), kept at the old RD (1), or moved (2)
    x.rule('choice.u43.movi-lpis-off');
    return forEachChoice(s, CHOICES.u43MoveToRdThatCannotHold, (st, o) => {
      setIte(st);
      if (o === 1) return;
      st.lpiPending[from]!.delete(intid);
      if (o === 2) st.lpiPending[to]!.add(intid);
    }).map(([st]) => ({ state: st, error: null }));
  }
  setIte(s);
  leaveLpiGhost(s, from, intid, x);
  s.lpiPending[from]!.delete(intid);
  s.lpiPending[to]!.add(intid);
  // choice.u44.in-flight-until-sync: until a SYNC to the old RD the new RD may not have it yet (KVM: it stays queued to the old vCPU)
  s.lpiInFlight.set(intid, from);
  return ok(s);
}

/** INT, CLEAR, INV, DISCARD (IHI 0069 5.3 ITS commands); choice.u45.discard-pending, choice.u46.unmapped-collection-cmd. */
function deviceEvent(s: State, n: number, name: 'INT' | 'CLEAR' | 'INV' | 'DISCARD', d: number, e: number, x: Exec): CmdOutcome[] {
  const cmd = name.toLowerCase();
  const its = s.its[n]!;
  const r = resolve(s, n, cmd, d, e);
  if (typeof r === 'string') return err(s, r);
  const intid = r.ite.intid;
  const rd = iteTarget(its, r.ite);
  if (rd < 0) {
    // choice.u46.unmapped-collection-cmd: a command error with an IMPDEF code. CLEAR and INV succeeding anyway is KVM's behaviour
    // (vgic_its_cmd_handle_clear / _inv do not check the collection), not a permitted option.
    x.rule('choice.u46.unmapped-collection-cmd');
    const code = `its.cmd.${cmd}.unmapped-interrupt`;
    if (name === 'CLEAR' || name === 'INV') {
      // the quirk option (KVM) is open only with that quirk enabled
      return forEachChoice(s, CHOICES.u46UnmappedCollection, (st, succeed) => {
        if (succeed !== 1) return;
        if (name === 'CLEAR') for (const p of st.lpiPending) p.delete(intid);
        else invalidateLpi(st, intid);
      }, cmd).map(([st, o]) => ({ state: st, error: o === 1 ? null : code }));
    }
    return err(s, code);
  }
  switch (name) {
    case 'INT':
      x.rule('its.cmd.int.pend');
      setLpiPending(s, rd, intid, x);
      return ok(s);
    case 'CLEAR':
      x.rule('its.cmd.clear.unpend');
      leaveLpiGhost(s, rd, intid, x);
      s.lpiPending[rd]!.delete(intid);
      s.lpiScoped.get(intid)?.delete(rd);
      return ok(s);
    case 'INV':
      x.rule('its.cmd.inv.reload');
      invalidateLpi(s, intid);
      return ok(s);
    case 'DISCARD': {
      x.rule('its.cmd.discard.unmap');
      // choice.u45.discard-pending: the pending state is removed (after the SYNC that completes the
      // DISCARD the LPI is not taken; before it, choice.u44.in-flight-until-sync). KVM leaving it
      // queued is a quirk option, open only with that quirk enabled.
      const discard = (st: State, keepPending: boolean): void => {
        if (!keepPending) {
          leaveLpiGhost(st, rd, intid, x);
          st.lpiPending[rd]!.delete(intid);
        }
        st.its[n]!.devices.get(d)!.ites.delete(e);
        st.itesChanged();
      };
      const iteAddr = s.its[n]!.devices.get(d)!.itt + e * ENTRY_BYTES;
      if (!s.lpiPending[rd]!.has(intid)) {
        discard(s, false);
        return clearEntry(ok(s), iteAddr, x);
      }
      x.rule('choice.u45.discard-pending');
      return clearEntry(forEachChoice(s, CHOICES.u45DiscardPending, (st, keep) => discard(st, keep === 1)).map(([st]) => ({ state: st, error: null })), iteAddr, x);
    }
  }
}

/** INVALL (IHI 0069 5.3 ITS commands): re-read the configuration of the collection's LPIs (choice.u48.invall-scope: may do more). */
function invall(s: State, n: number, icid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!collectionInRange(s, its, icid)) return err(s, 'its.cmd.invall.collection-oor');
  if (!its.collections.has(icid)) return err(s, 'its.cmd.invall.unmapped-collection');
  x.rule('its.cmd.invall.reload');
  for (const dev of its.devices.values()) for (const t of dev.ites.values()) if (t.icid === icid && !t.detached) invalidateLpi(s, t.intid);
  return ok(s);
}

/** MOVALL (IHI 0069 5.3 ITS commands): move every pending LPI of RD1 to RD2; choice.u47.movall-live-collections. */
function movall(s: State, n: number, from: number, to: number, x: Exec): CmdOutcome[] {
  if (!rdExists(s, from) || !rdExists(s, to)) return err(s, 'its.cmd.movall.procnum-oor');
  if (from === to) {
    x.rule('its.cmd.movall.same-rd');
    return ok(s);
  }
  x.rule('its.cmd.movall.moves-pending');
  let states = [s];
  const live = [...s.its[n]!.collections.values()].includes(from);
  if (live) {
    // choice.u47.movall-live-collections: collections still naming RD1 keep sending there (option 0), or now go to RD2: the
    // collections are remapped (1), or every LPI that targets RD1 is retargeted to RD2 with the
    // collections unchanged (2, KVM: a later MOVI moves the pending state from RD2)
    x.rule('choice.u47.movall-live-collections');
    states = forEachChoice(s, CHOICES.u47MovallLiveCollections, (st, o) => {
      if (o === 1) for (const it of st.its) for (const [c, rd] of it.collections) if (rd === from) it.collections.set(c, to);
      if (o === 2) for (const it of st.its) for (const dev of it.devices.values()) for (const t of dev.ites.values()) if (iteTarget(it, t) === from) t.rd = to;
    }).map(([st]) => st);
  }
  let stranded = false;
  for (const intid of s.lpiPending[from]!) if (!canHoldLpi(s, to, intid)) stranded = true;
  const out: CmdOutcome[] = [];
  for (const st of states) {
    if (!stranded) {
      const stuck = retargetedWhileQueued(st, from, [...st.lpiPending[from]!]);
      movePending(st, from, to, 0, x);
      out.push({ state: st, error: null });
      if (stuck !== null) {
        movePending(stuck.state, from, to, 0, x);
        stuck.inFlight(to);
        out.push({ state: stuck.state, error: null });
      }
      continue;
    }
    // choice.u43.movi-lpis-off, as for MOVI: what RD2 cannot take is dropped (0), stays at RD1 (1), or moves anyway (2)
    x.rule('choice.u43.movi-lpis-off');
    for (const [z] of forEachChoice(st, CHOICES.u43MoveToRdThatCannotHold, (z, o) => movePending(z, from, to, o, x))) out.push({ state: z, error: null });
  }
  return out;
}

/**
 * KVM (QUIRKS.lpiRetargetNoRequeue): MOVALL and a MAPC retarget change only the LPIs' target vCPU;
 * one already queued on the old vCPU stays there until that vCPU's next exit, so it may still be
 * taken there and may not have reached the new redistributor yet, even after a SYNC. The quirk's
 * candidate (a clone of `s`, before the move) with the old RD's ghosts of `intids`; after the move,
 * `inFlight(to)` marks those now pending at `to` as not arrived yet. Null without the quirk.
 */
function retargetedWhileQueued(s: State, from: number, intids: readonly number[]): { state: State; inFlight(to: number): void } | null {
  if (intids.length === 0 || !quirkEnabled(s, QUIRKS.lpiRetargetNoRequeue)) return null;
  const st = offerQuirk(s, QUIRKS.lpiRetargetNoRequeue)!;
  for (const intid of intids) leaveLpiGhost(st, from, intid, null);
  return {
    state: st,
    inFlight(to: number): void {
      for (const intid of intids) if (st.lpiPending[to]!.has(intid)) st.lpiInFlight.set(intid, from);
    },
  };
}

/** Whether redistributor `rd` can take LPI `intid` pending: LPIs enabled and the INTID in its range (IHI 0069 GICR_CTLR). */
function canHoldLpi(s: State, rd: number, intid: number): boolean {
  return s.enableLpis[rd] === 1 && lpiInRange(s, rd, intid);
}

/** MOVALL's move of RD1's pending LPIs to RD2; `u43` for those RD2 cannot take (see movall). */
function movePending(s: State, from: number, to: number, u43: number, x: Exec): void {
  const stay: number[] = [];
  for (const intid of s.lpiPending[from]!) {
    if (canHoldLpi(s, to, intid)) setLpiPending(s, to, intid, x);
    else if (u43 === 1) stay.push(intid);
    else if (u43 === 2) s.lpiPending[to]!.add(intid);
  }
  s.lpiPending[from]!.clear();
  for (const intid of stay) s.lpiPending[from]!.add(intid);
}

// ---------------------------------------------------------------- MSI translation

export type MsiOutcome = 'delivered' | 'its-disabled' | 'blocked' | 'lpis-disabled';

/** Translate an MSI (DeviceID, EventID) written to ITS n (IHI 0069 5.2 ITS translation of an MSI) and make its LPI pending. */
export function translateMsi(s: State, n: number, d: number, e: number, x: Exec): MsiOutcome {
  const its = s.its[n]!;
  if (!its.enabled) { x.rule('its.msi.disabled-drop'); return 'its-disabled'; }
  if (!deviceInRange(s, its, d)) { x.rule('its.msi.unmapped-device-drop'); return 'blocked'; }
  const dev = its.devices.get(d);
  if (dev === undefined) { x.rule('its.msi.unmapped-device-drop'); return 'blocked'; }
  if (e >= 2 ** (dev.size + 1)) { x.rule('its.msi.id-oor-drop'); return 'blocked'; }
  const ite = dev.ites.get(e);
  if (ite === undefined) { x.rule('its.msi.unmapped-event-drop'); return 'blocked'; }
  const rd = iteTarget(its, ite);
  if (rd < 0) { x.rule('its.msi.unmapped-collection-drop'); return 'blocked'; }
  x.rule('its.msi.translate');
  if (!s.enableLpis[rd]) { x.rule('choice.u23.lpis-off-drop'); return 'lpis-disabled'; }
  setLpiPending(s, rd, ite.intid, x);
  return 'delivered';
}
