// The ITS registers (IHI 0069 GITS_* registers): GITS_CTLR, IIDR, TYPER, CBASER, CWRITER, CREADR,
// BASER<n>, the ID registers; a write that moves CWRITER or enables the ITS runs the queue (queue.ts).
import { offsetOf } from '../../spec/codec/registers.js';
import { ANY, type Exec, type Expected, hex, MaskedHex } from '../exec.js';
import { ARCHREV_MASK, ARCHREV_OPTIONS, impdefRead, impdefReadOneOf, PIDR2, PIDR2_REP } from '../impdef.js';
import { branchChoice, CHOICES, offerQuirk } from '../choices.js';
import { QUIRKS } from '../quirks.js';
import { type State } from '../state.js';
import { BASER_TYPE, dropPhantom, hcc, invalidateTranslations, noteMappingsFreed, PA_52, TYPER_FREE, TYPER_REP, VALID } from './tables.js';
import { processQueue, queueSize } from './queue.js';

// Offsets from spec/data/registers, resolved once here (GITS_BASER: the base of the range).

const GITS_CTLR = offsetOf('GITS_CTLR');

const GITS_IIDR = offsetOf('GITS_IIDR');

const GITS_TYPER = offsetOf('GITS_TYPER');

const GITS_CBASER = offsetOf('GITS_CBASER');

const GITS_CWRITER = offsetOf('GITS_CWRITER');

const GITS_CREADR = offsetOf('GITS_CREADR');

const GITS_BASER = offsetOf('GITS_BASER<n>');

export const GITS_TRANSLATER = offsetOf('GITS_TRANSLATER');

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
    else if (its.creadr === its.cwriter) x.rule('its.reg.ctlr.quiescent');
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
    if (its.cbaser & 0xf000n) x.rule('choice.u29.cbaser-low-bits');
    const care = VALID | (PA_52 & ~0xffffn) | 0xffn;
    return new MaskedHex(half(its.cbaser), half(care), half(its.cbaser));
  }
  if (o === GITS_CWRITER) {
    x.rule('its.reg.cwriter.rw');
    return new MaskedHex(half(BigInt(its.cwriter)), half(0xf_ffe0n | ~0xf_ffffn & 0xffff_ffff_ffff_ffffn), half(BigInt(its.cwriter)));
  }
  if (o === GITS_CREADR) {
    x.rule('its.reg.creadr.ro');
    if (!its.stalled && its.creadr === its.cwriter) x.rule('its.reg.creadr.progress');
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
  if (o === GITS_CREADR) {
    x.rule('its.reg.creadr.ro');
    // QEMU stores a guest write while GICD_CTLR.DS = 1 and reads commands from there at the next
    // CWRITER write (QUIRKS.qemuCreadrGuestWritable): an in-range offset only, Stalled ignored
    const nv = merge(BigInt(its.creadr));
    const off = Number(nv & 0xf_ffe0n);
    if ((nv & ~0xf_ffe1n) === 0n && off < queueSize(its) && off !== its.creadr) {
      const q = offerQuirk(s, QUIRKS.qemuCreadrGuestWritable);
      if (q !== null) {
        q.its[n]!.creadr = off;
        x.branch(q, null, `${QUIRKS.qemuCreadrGuestWritable.id}: CREADR takes the written offset`);
      }
    }
    return;
  }
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
        if (o === 1 && i === 1) { z.its[n]!.collections.clear(); dropPhantom(z, n); }
        if (o === 1) noteMappingsFreed(z);
      });
    }
  };
  if (!s.its[n]!.enabled) return take(s);
  // choice.u30.baser-write-enabled: BASER written while enabled: ignored (option 0), or taken (1)
  x.rule('choice.u30.baser-write-enabled');
  branchChoice(s, x, CHOICES.u30BaserWriteEnabled, (st, o) => { if (o === 1) take(st); });
}

/** GITS_CTLR.Enabled (IHI 0069 GITS_* registers); enabling without valid CBASER/BASERs: choice.u31.enable-without-tables. */
function ctlrWrite(s: State, n: number, en: number, x: Exec): void {
  const its = s.its[n]!;
  if (!en) {
    if (its.enabled) x.rule('its.reg.ctlr.enabled');
    if (its.enabled) invalidateTranslations(s, n); // KVM (QUIRKS.msiCachedWithoutDevid)
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
