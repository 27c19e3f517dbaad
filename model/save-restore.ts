// The documented KVM device-attribute ABI (vgic-its.c its_registers[]; vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; Documentation/virt/kvm/devices/arm-vgic-its.rst; arm-vgic-v3.rst,
// arm-vgic-its.rst): register access by userspace, the ITS table save/restore ABI revision 0 (exact
// bytes, restore order and errors), SAVE_PENDING_TABLES, and `migrate`, built from them.
import type { DeviceAttrOp, RegAttr } from '../spec/scenario.js';
import { encodeCte, encodeDte, encodeIte, decodeCte, decodeDte, decodeIte } from '../spec/codec/kvm-its-abi.js';
import { parseHex } from '../spec/hex.js';
import { GICD_BASE, GICR_BASE, itsBase, RAM_BASE, VTIMER_PPI } from '../spec/layout.js';
import { AttrPattern, Exec, type Expected, Pattern, MaskedHex } from './exec.js';
import { gicdRead, gicdWrite } from './dist.js';
import { gicrRead, gicrSgiRead, gicrSgiWrite, gicrWrite } from './redist.js';
import { addPhantom, collectionInRange, dropPhantom, invalidateTranslations, flatTable, gitsRead, gitsWrite, iteTarget, MAPPINGS_FREED_ENTRIES_KEPT, nextTwoLevelPage, noteMappingsFreed, phantomIcids, processQueueOutcomes, tableEntryAddr, twoLevelPageRest } from './its.js';
import { sysregRead, sysregWrite } from './cpuif.js';
import { forEachPendingBit, invalidateAllLpis, iteTargetsOf, LPI_BASE, lpiIdBits, lpisOfRd, markPossiblyPending, pendBase } from './lpi.js';
import { ASLEEP_MAY_WAKE, type State } from './state.js';
import { branchChoice, CHOICES, forEachChoice, noteQuirk, offerQuirk, type Quirk, quirkEnabled } from './choices.js';
import { QUIRKS } from './quirks.js';
import { vlpiOfGsi } from './vlpi.js';

const EINVAL = -22;
const ENXIO = -6;
const EFAULT = -14;
const EEXIST = -17;
const EBUSY = -16;
const EACCES = -13;
const UNMAPPED_TARGET = 0xffff_ffff;

// ---------------------------------------------------------------- UNKNOWN memory

/**
 * Guest memory whose content the architecture leaves UNKNOWN to a reader: the pending tables of
 * redistributors with LPIs enabled (choice.u20.pending-table-access) and memory the ITS owns (device and collection tables,
 * ITTs of mapped devices; choice.u33.table-memory-write: the format and the moment of any write are IMPDEF).
 */
export function unknownMemoryRanges(s: State): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (!s.enableLpis[rd]) continue;
    const bits = Math.max(lpiIdBits(s, rd), 14);
    out.push([pendBase(s, rd), pendBase(s, rd) + 2 ** bits / 8, 'choice.u20.pending-table-access']);
  }
  for (const its of s.its) {
    for (const i of [0, 1]) {
      const b = its.baser[i]!;
      if (!(b >> 63n)) continue;
      const t = flatTable(b);
      out.push([t.base, t.base + t.bytes, 'choice.u33.table-memory-write']);
    }
    for (const dev of its.devices.values()) out.push([dev.itt, dev.itt + 2 ** (dev.size + 1) * 8, 'choice.u33.table-memory-write']);
  }
  return out;
}

/**
 * The pending-table bits (address, bit) whose value the architecture leaves UNKNOWN in a table
 * not in use: those of an INTID named by more than one ITE, whose pending state is UNPREDICTABLE
 * at every redistributor (choice.u39.intid-two-ites; KVM, with one state per INTID, takes or
 * writes the bit at one redistributor only); and that of an LPI only possibly pending at the
 * redistributor (State.lpiScoped) when its EnableLPIs went to 0: written back as pending or not
 * (choice.u24.pending-across-toggle, 'preserved'), or a bit KVM may or may not have consumed ('lost').
 */
export function unknownPendingBits(s: State): [number, number, string][] {
  const seen = new Set<number>();
  const shared = new Set<number>();
  for (const its of s.its) for (const dev of its.devices.values()) for (const t of dev.ites.values()) {
    if (seen.has(t.intid)) shared.add(t.intid);
    seen.add(t.intid);
  }
  const out: [number, number, string][] = [];
  if (shared.size === 0 && s.lpiScoped.size === 0) return out;
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (s.enableLpis[rd]) continue; // in use: UNKNOWN as a whole (unknownMemoryRanges)
    const base = pendBase(s, rd);
    for (const intid of shared) out.push([base + (intid >> 3), 1 << (intid & 7), 'choice.u39.intid-two-ites']);
    for (const [intid, rds] of s.lpiScoped) if (rds.has(rd) && !shared.has(intid)) out.push([base + (intid >> 3), 1 << (intid & 7), 'choice.u24.pending-across-toggle']);
  }
  return out;
}

// ---------------------------------------------------------------- ITS tables, ABI revision 0

/**
 * KVM_DEV_ARM_ITS_SAVE_TABLES (Documentation/virt/kvm/devices/arm-vgic-its.rst): device table + ITTs, then the collection table.
 * `vlpis` (KVM on GICv4.0, QUIRKS.gicv40VlpiNotMigratable): the save stops with -EACCES at the first
 * ITE whose LPI is one of these vLPIs, leaving what it wrote before in memory.
 */
export function itsSaveTables(s: State, n: number, x: Exec, clearStale = true, vlpis?: ReadonlySet<number>): number {
  x.rule('kvm.its-abi.save');
  const its = s.its[n]!;
  const devs = [...its.devices.keys()].sort((a, b) => a - b);
  if (clearStale) clearStaleEntries(s, n);
  for (let i = 0; i < devs.length; i++) {
    const d = devs[i]!;
    const dev = its.devices.get(d)!;
    const entry = tableEntryAddr(s, its.baser[0]!, d);
    if (entry === null) return EINVAL;
    // ITT first, sorted by EventID; an ITE without a usable collection (choice.u41.mapc-unmap-in-use, detached) is written as 0
    const events = [...dev.ites.keys()].sort((a, b) => a - b);
    const valid = events.filter((e) => !dev.ites.get(e)!.detached);
    for (const e of events) {
      const a = dev.itt + e * 8;
      if (!s.mem.inRam(a, 8)) return EFAULT;
      const ite = dev.ites.get(e)!;
      if (vlpis?.has(ite.intid)) return EACCES;
      if (ite.detached) { s.mem.writeU64(a, 0n); continue; }
      const k = valid.indexOf(e);
      const next = k === valid.length - 1 ? 0 : Math.min(valid[k + 1]! - e, 0xffff);
      x.rule('kvm.its-abi.ite');
      s.mem.writeU64(a, encodeIte({ next, pINTID: ite.intid, icid: ite.icid }));
    }
    const next = i === devs.length - 1 ? 0 : Math.min(devs[i + 1]! - d, 2 ** 14 - 1);
    if (!s.mem.inRam(entry, 8)) return EFAULT;
    x.rule('kvm.its-abi.dte');
    s.mem.writeU64(entry, encodeDte({ valid: 1, next, ittAddr: dev.itt, size: dev.size }));
  }
  // collections: mapped ones, then ICIDs that ITEs name but no MAPC mapped (saved as unmapped)
  const ctes: [number, number][] = [...its.collections].map(([c, rd]) => [c, rd]);
  for (const dev of its.devices.values()) {
    for (const t of dev.ites.values()) {
      if (!t.detached && !its.collections.has(t.icid) && !ctes.some(([c]) => c === t.icid)) ctes.push([t.icid, UNMAPPED_TARGET]);
    }
  }
  if (ctes.length === 0 && !(its.baser[1]! >> 63n)) return 0;
  const t = flatTable(its.baser[1]!);
  for (let k = 0; k < ctes.length; k++) {
    const [icid, rd] = ctes[k]!;
    if (!collectionInRange(s, its, icid) || k >= t.entries) return EINVAL;
    const a = t.base + k * t.esz;
    if (!s.mem.inRam(a, 8)) return EFAULT;
    x.rule('kvm.its-abi.cte');
    s.mem.writeU64(a, encodeCte({ valid: 1, rdBase: rd, icid }));
  }
  if (ctes.length < t.entries && s.mem.inRam(t.base + ctes.length * t.esz, 8)) s.mem.writeU64(t.base + ctes.length * t.esz, 0n);
  return 0;
}

/**
 * The saved tables describe exactly the current mappings: valid-looking entries left in table memory
 * by an earlier save (for devices or events unmapped since) are cleared, so a restore cannot
 * resurrect them (KVM gets the same by clearing entries when it unmaps; vgic-its.c vgic_its_cmd_handle_*).
 */
function clearStaleEntries(s: State, n: number, apply = true): boolean {
  let found = false;
  const its = s.its[n]!;
  const b0 = its.baser[0]!;
  if (b0 >> 63n && !((b0 >> 62n) & 1n)) {
    const t = flatTable(b0);
    if (s.mem.inRam(t.base, t.bytes)) {
      const end = t.base + t.entries * t.esz;
      for (let d = 0; d < t.entries; d++) {
        // all-zero memory holds no valid entry: jump over it
        const a = t.base + d * t.esz;
        const next = Math.floor((s.mem.nextNonZeroAddr(a, end) - t.base) / t.esz);
        if (next > d) { d = next - 1; continue; }
        if ((s.mem.readByte(a + 7) >>> 7) === 0 || its.devices.has(d)) continue; // Valid, bit 63
        found = true;
        if (apply) s.mem.writeU64(a, 0n);
      }
    }
  }
  for (const dev of its.devices.values()) {
    const len = 2 ** (dev.size + 1) * 8;
    if (!s.mem.inRam(dev.itt, len)) continue;
    const end = dev.itt + len;
    for (let e = 0; e < len / 8; e++) {
      const a = dev.itt + e * 8;
      // all-zero entries are not stale: jump to the next entry with a non-zero byte
      const next = Math.floor((s.mem.nextNonZeroAddr(a, end) - dev.itt) / 8);
      if (next > e) { e = next - 1; continue; }
      if (dev.ites.has(e)) continue;
      found = true;
      if (apply) s.mem.writeU64(a, 0n);
    }
  }
  return found;
}

/** `fixed` key: the guest wrote memory the ITS owned (machine.ts, noteItsTableWrite). */
export const ITS_TABLES_WRITTEN = 'guestWroteItsTables';

/**
 * Valid-looking entries in table memory that no mapping accounts for are cleared by a save: the
 * saved tables describe exactly the mappings, so a restore cannot bring back one removed before the
 * save (Documentation/virt/kvm/devices/arm-vgic-its.rst). Only once the guest has written memory
 * the ITS owned (choice.u33.table-memory-write: UNPREDICTABLE for the entries written) may the save also leave them (option 1).
 */
function staleEntryPolicy(s: State, x: Exec): [State, number, string][] {
  const LEFT = 'choice.u33.table-memory-write: stale table entries left in memory';
  let any = false;
  for (let n = 0; n < s.cfg.its && !any; n++) any = clearStaleEntries(s, n, false);
  if (!any) return [[s, 0, '']];
  if (s.fixed.has(ITS_TABLES_WRITTEN)) {
    x.rule('choice.u33.table-memory-write');
    return forEachChoice(s, CHOICES.u33StaleEntries, () => {}).map(([st, o]) => [st, o, LEFT]);
  }
  // KVM: mappings freed all at once (ITS reset, GITS_BASER.Valid cleared) leave the entries an
  // earlier save wrote, and the save writes the current mappings only (QUIRKS.freedMappingsLeaveSavedEntries)
  const q = s.fixed.has(MAPPINGS_FREED_ENTRIES_KEPT) ? offerQuirk(s, QUIRKS.freedMappingsLeaveSavedEntries) : null;
  return q === null ? [[s, 0, '']] : [[s, 0, ''], [q, 1, `${QUIRKS.freedMappingsLeaveSavedEntries.id}: entries of freed mappings left in memory`]];
}


/**
 * KVM_DEV_ARM_ITS_RESTORE_TABLES (Documentation/virt/kvm/devices/arm-vgic-its.rst): collections first (up to the first invalid
 * CTE), then devices following the DTE next chain, each ITT following the ITE next chain. Any
 * error frees everything restored so far.
 */
/** `merge`: restore into a live ITS keeping its mappings; `freeAllOnError`: an error then frees those too. */
/**
 * KVM (quirks only, QUIRKS.u45DiscardedPendingAbsorbsRemap): the LPIs no ITE names whose vgic_irq
 * is still alive on a vCPU's ap_list (pending there, or taken there since it last exited,
 * State.apListHeld): INTID -> that redistributor.
 */
function aliveOrphanLpis(s: State): Map<number, number> {
  const out = new Map<number, number>();
  for (let r = 0; r < s.cfg.vcpus; r++) for (const intid of s.lpiPending[r]!) if (!out.has(intid) && iteTargetsOf(s, intid).size === 0) out.set(intid, r);
  for (const [intid, r] of s.apListHeld) if (intid >= LPI_BASE && !out.has(intid) && iteTargetsOf(s, intid).size === 0) out.set(intid, r);
  return out;
}

/**
 * KVM (QUIRKS.u45DiscardedPendingAbsorbsRemap): ITS_RESTORE_TABLES re-creates each ITE's LPI with
 * vgic_add_lpi, which returns a vgic_irq still alive as it is, its old target vCPU included: a
 * restored ITE of such an LPI (`orphans`, before the restore) keeps sending it there until a MOVI
 * or MAPC retargets it. The quirk's candidate, after the restore, as a branch.
 */
function offerRestoredOrphans(s: State, n: number, orphans: ReadonlyMap<number, number>, x: Exec): void {
  const its = s.its[n]!;
  const stale: [number, number, number, number][] = [];
  for (const [d, dev] of its.devices) {
    for (const [e, ite] of dev.ites) {
      const from = orphans.get(ite.intid);
      if (from !== undefined && iteTarget(its, ite) !== from) stale.push([d, e, from, iteTarget(its, ite)]);
    }
  }
  const q = stale.length > 0 ? offerQuirk(s, QUIRKS.u45DiscardedPendingAbsorbsRemap) : null;
  if (q === null) return;
  for (const [d, e, from, to] of stale) {
    const ite = q.its[n]!.devices.get(d)!.ites.get(e)!;
    ite.rd = from;
    // vgic_add_lpi returns before reading the restored target's pending table: a bit there is not loaded
    if (to >= 0) q.lpiPending[to]!.delete(ite.intid);
  }
  q.itesChanged();
  x.branch(q, { errno: 0 }, `${QUIRKS.u45DiscardedPendingAbsorbsRemap.id}: the restored LPI keeps its old target vCPU`);
}

/**
 * `shadowed` (KVM, QUIRKS.liveDeviceShadowsRestored): a DTE of a DeviceID the ITS already has
 * makes a second device that lookups never reach; it is called for each.
 */
export function itsRestoreTables(s: State, n: number, x: Exec, merge = false, freeAllOnError = false, phantoms: readonly number[] = [], shadowed?: () => void): number {
  x.rule('kvm.its-abi.restore');
  const its = s.its[n]!;
  if (!merge) {
    its.devices.clear();
    its.collections.clear();
    dropPhantom(s, n);
  }
  s.itesChanged();
  // on an error, whatever this call restored is freed (everything, when restoring into a fresh ITS)
  const before = merge && !freeAllOnError ? { devices: new Map(its.devices), collections: new Map(its.collections) } : null;
  const fail = (e: number, rule: string): number => {
    x.rule(rule);
    its.devices = before ? before.devices : new Map();
    its.collections = before ? before.collections : new Map();
    if (!before) dropPhantom(s, n);
    s.itesChanged();
    // KVM frees what the restore made, and leaves its entries in memory (QUIRKS.freedMappingsLeaveSavedEntries)
    noteMappingsFreed(s);
    return e;
  };
  const known = new Set<number>([...its.collections.keys(), ...phantoms]);
  if (its.baser[1]! >> 63n) {
    const t = flatTable(its.baser[1]!);
    for (let k = 0; k < t.entries; k++) {
      const a = t.base + k * t.esz;
      if (!s.mem.inRam(a, 8)) return fail(EFAULT, 'kvm.its-abi.restore-bad-cte');
      const c = decodeCte(s.mem.readU64(a));
      if (!c.valid) break;
      // KVM keeps the vCPU id in bits [47:16]; 0xFFFFFFFF there = an unmapped collection (Documentation/virt/kvm/devices/arm-vgic-its.rst)
      const rd = c.rdBase % 2 ** 32;
      if (rd !== UNMAPPED_TARGET && rd >= s.cfg.vcpus) return fail(EINVAL, 'kvm.its-abi.restore-bad-cte');
      if (known.has(c.icid)) return fail(EEXIST, 'kvm.its-abi.restore-bad-cte');
      if (!collectionInRange(s, its, c.icid)) return fail(EINVAL, 'kvm.its-abi.restore-bad-cte');
      known.add(c.icid);
      if (rd !== UNMAPPED_TARGET) its.collections.set(c.icid, rd);
      else addPhantom(s, n, c.icid);
    }
  }
  const b0 = its.baser[0]!;
  if (!(b0 >> 63n)) return 0;
  const liveDevices = shadowed !== undefined ? new Set(its.devices.keys()) : null;
  const liveIntids = shadowed !== undefined ? new Set(s.its.flatMap((it) => [...it.devices.values()].flatMap((dev) => [...dev.ites.values()].map((t) => t.intid)))) : null;
  // a flat table is read once; an invalid DTE just moves on to the next DeviceID
  const flat = !((b0 >> 62n) & 1n) ? flatTable(b0) : null;
  const flatInRam = flat !== null && s.mem.inRam(flat.base, flat.bytes);
  const entries = flat !== null ? Math.min(flat.entries, 2 ** 16) : 2 ** 16;
  let d = 0;
  while (d < entries) {
    if (flatInRam && flat !== null) {
      // all-zero memory holds only invalid DTEs: jump over it
      const a = flat.base + d * flat.esz;
      const w = s.mem.nextNonZeroAddr(a, flat.base + entries * flat.esz);
      const next = Math.floor((w - flat.base) / flat.esz);
      if (next > d) { d = next; continue; }
      if ((s.mem.readByte(a + 7) >>> 7) === 0) { d++; continue; } // Valid, bit 63
    }
    const a = tableEntryAddr(s, b0, d);
    if (a === null) {
      // outside the table: a two-level table goes on with the next level-2 page (an invalid
      // level-1 entry leaves out all of its page), a flat one is done
      if (flat === null) { d = nextTwoLevelPage(b0, d); continue; }
      break;
    }
    if (!s.mem.inRam(a, 8)) return fail(EFAULT, 'kvm.its-abi.restore-bad-dte');
    if (flat === null) {
      // in a level-2 page: jump over the entries whose 8 bytes are all zero (only inside RAM,
      // where a read outside must still fail)
      const { esz, left } = twoLevelPageRest(b0, d);
      const w = s.mem.nextNonZeroAddr(a, Math.min(a + (left - 1) * esz + 8, RAM_BASE + s.mem.size));
      if (w - a >= 8) { d += Math.floor((w - a - 8) / esz) + 1; continue; }
    }
    if ((s.mem.readByte(a + 7) >>> 7) === 0) { d++; continue; } // Valid (bit 63) clear: no need to decode
    const dte = decodeDte(s.mem.readU64(a));
    if (!dte.valid) { d++; continue; }
    if (dte.size > 15) return fail(EINVAL, 'kvm.its-abi.restore-bad-dte');
    const ites = new Map<number, { intid: number; icid: number; detached: boolean }>();
    const max = 2 ** (dte.size + 1);
    // all-zero memory holds only empty ITEs: the walk jumps over it, but not past the end of RAM,
    // where the next read must still fail
    const walkEnd = Math.min(dte.ittAddr + max * 8, Math.max(dte.ittAddr, RAM_BASE + s.mem.size));
    let e = 0;
    while (e < max) {
      const ia = dte.ittAddr + e * 8;
      if (!s.mem.inRam(ia, 8)) return fail(EFAULT, 'kvm.its-abi.restore-bad-ite');
      const next = Math.floor((s.mem.nextNonZeroAddr(ia, walkEnd) - dte.ittAddr) / 8);
      if (next > e) { e = next; continue; }
      const ite = decodeIte(s.mem.readU64(ia));
      if (ite.pINTID === 0) { e++; continue; }
      if (ite.pINTID < LPI_BASE) return fail(EINVAL, 'kvm.its-abi.restore-bad-ite');
      if (ite.next !== 0 && e + ite.next >= max) return fail(EINVAL, 'kvm.its-abi.restore-bad-ite');
      if (!known.has(ite.icid)) return fail(EINVAL, 'kvm.its-abi.restore-bad-ite');
      ites.set(e, { intid: ite.pINTID, icid: ite.icid, detached: false });
      // (KVM: an LPI that exists already is reused, its pending bit not read again: vgic_add_lpi)
      if (!liveIntids?.has(ite.pINTID)) restoreLpiPending(s, its.collections.get(ite.icid), ite.pINTID);
      if (ite.next === 0) break;
      e += ite.next;
    }
    if (liveDevices?.has(d)) shadowed!();
    else its.devices.set(d, { size: dte.size, itt: dte.ittAddr, ites });
    s.itesChanged();
    if (dte.next === 0) break;
    d += dte.next;
  }
  return 0;
}

/** A re-created LPI takes its pending state from its target's pending table (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables). */
function restoreLpiPending(s: State, rd: number | undefined, intid: number): void {
  if (rd === undefined || !s.enableLpis[rd]) return;
  const a = pendBase(s, rd) + (intid >> 3);
  if (s.mem.inRam(a, 1) && s.mem.readByte(a) & (1 << (intid & 7))) s.lpiPending[rd]!.add(intid);
}

/**
 * SAVE_PENDING_TABLES writes each LPI's actual pending state, so an LPI only possibly pending at
 * its RD (lpiScoped: choice.u39.intid-two-ites, choice.u20.pending-table-access, choice.u19.ptz-nonzero) is
 * saved as pending or as not pending, and the save settles which: `s` becomes the candidate where
 * none of them was pending, the returned clones those where some were (every subset up to 4 such
 * LPIs; beyond, all or none).
 */
function settleScopedBeforeSave(s: State): State[] {
  if (s.lpiScoped.size === 0) return [];
  const open: [number, number][] = [];
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    for (const intid of lpisOfRd(s, rd)) if (s.lpiScoped.get(intid)?.has(rd) && !s.lpiPending[rd]!.has(intid)) open.push([intid, rd]);
  }
  if (open.length === 0) return [];
  const subsets: [number, number][][] = open.length <= 4
    ? Array.from({ length: 2 ** open.length - 1 }, (_, m) => open.filter((_, i) => ((m + 1) >> i) & 1))
    : [open];
  const settle = (st: State, pending: [number, number][]): void => {
    for (const [intid, rd] of open) {
      const set = st.lpiScoped.get(intid);
      if (set?.delete(rd) && set.size === 0) st.lpiScoped.delete(intid);
    }
    for (const [intid, rd] of pending) st.lpiPending[rd]!.add(intid);
  };
  const alts = subsets.map((sub) => {
    const c = s.clone();
    settle(c, sub);
    return c;
  });
  settle(s, []);
  return alts;
}

/**
 * KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables): each LPI's pending bit into its target's table.
 * `vlpis` (KVM on GICv4.0, QUIRKS.gicv40VlpiNotMigratable): LPIs forwarded as vLPIs, whose pending
 * state KVM cannot read there: saved as not pending.
 */
export function savePendingTables(s: State, x: Exec, vlpis?: ReadonlySet<number>): number {
  x.rule('kvm.its-abi.save-pending');
  x.rule('lpi.pending.layout');
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    const lpis = lpisOfRd(s, rd);
    const base = pendBase(s, rd);
    for (const intid of lpis) {
      const a = base + (intid >> 3);
      if (!s.mem.inRam(a, 1)) return EFAULT;
      const old = s.mem.readByte(a);
      const bit = 1 << (intid & 7);
      const nw = s.lpiPending[rd]!.has(intid) && !vlpis?.has(intid) ? old | bit : old & ~bit;
      if (nw !== old) s.mem.writeByte(a, nw);
    }
  }
  return 0;
}

/**
 * KVM (QUIRKS.phantomCollectionRestoreEexist): a restore into an ITS that holds unmapped collection
 * objects (MAPTI into a never-mapped ICID) adds to them, and a CTE of one of their ICIDs fails it
 * with -EEXIST; KVM then frees every collection (the ITEs lose theirs) and keeps the devices. The
 * quirk's outcome is a branch of the op; `s` is left as it was.
 */
function phantomRestore(s: State, n: number, x: Exec): void {
  const phantoms = phantomIcids(s, n);
  if (phantoms.length === 0) return;
  const q = offerQuirk(s, QUIRKS.phantomCollectionRestoreEexist);
  if (q === null) return;
  const devices = q.its[n]!.clone().devices;
  const errno = itsRestoreTables(q, n, x, true, true, phantoms);
  if (errno === EEXIST) {
    const it = q.its[n]!;
    it.devices = devices;
    for (const dev of it.devices.values()) for (const t of dev.ites.values()) t.detached = true;
    it.collections.clear();
    dropPhantom(q, n);
    q.itesChanged();
  }
  x.branch(q, { errno }, `${QUIRKS.phantomCollectionRestoreEexist.id}: the restore met an unmapped collection object`);
}

/** KVM_DEV_ARM_ITS_CTRL_RESET (Documentation/virt/kvm/devices/arm-vgic-its.rst). */
function itsReset(s: State, n: number, x: Exec): number {
  x.rule('kvm.attr.its-reset');
  const its = s.its[n]!;
  // KVM's GICv4: freeing the ITEs unmaps this ITS's forwarded vLPIs (its_free_ite: its_unmap_vlpi),
  // their pending state not read back (QUIRKS.unforwardDropsVlpiPending)
  if (s.forwards.size > 0 && quirkEnabled(s, QUIRKS.unforwardDropsVlpiPending)) {
    let dropped = false;
    for (const gsi of s.forwards.values()) {
      const v = vlpiOfGsi(s, gsi, true);
      if (v === null || v.its !== n) continue;
      // the hardware copy; a software one next to it (QUIRKS.forwardedTranslationCached) stays
      if (s.vlpiPending.delete(v.intid)) dropped = true;
      else for (const p of s.lpiPending) if (p.delete(v.intid)) dropped = true;
    }
    if (dropped) noteQuirk(s, QUIRKS.unforwardDropsVlpiPending.id);
  }
  its.baser = its.baser.map((b) => b & ~(1n << 63n));
  its.cbaser = 0n;
  its.creadr = 0;
  its.cwriter = 0;
  its.enabled = false;
  its.stalled = false;
  its.cwriterBad = false;
  its.devices.clear();
  its.collections.clear();
  dropPhantom(s, n);
  invalidateTranslations(s, n);
  s.itesChanged();
  noteMappingsFreed(s);
  return 0;
}

// ---------------------------------------------------------------- migrate

/**
 * migrate (docs/scenario-format.md): the documented save sequence, a fresh VM, the documented restore order,
 * guest RAM carried over. Register state is restored as saved; ITS mappings and LPI pending state go
 * through guest memory exactly as the ABI says. Result: {errno: [ITS_SAVE_TABLES per ITS...,
 * SAVE_PENDING_TABLES, ITS_RESTORE_TABLES per ITS...]}.
 */
export function migrate(s: State, x: Exec): Expected {
  // KVM: the destination re-creates every LPI from the ITS tables, inactive (QUIRKS.lpiActiveUntilEoi)
  if (s.lpiActive.size > 0) s.lpiActive.clear();
  // which vCPU's exit KVM saw an SPI active at is not followed across the restore (QUIRKS.resampleNeedsExitWhileActive)
  if (s.spiAckedOn.size > 0) s.spiAckedOn.clear();
  if (s.spiActivatedOn.size > 0) s.spiActivatedOn.clear();
  // the destination's ap_lists start empty (State.apListHeld)
  if (s.apListHeld.size > 0) s.apListHeld.clear();
  // KVM on GICv4.0: saving an ITS with a vLPI fails with -EACCES at that vLPI's ITE, after writing
  // the entries before it; the destination restores from whatever the tables then hold
  // (QUIRKS.gicv40VlpiNotMigratable)
  const vlpis = vlpiItses(s);
  const q = vlpis.size > 0 ? offerQuirk(s, QUIRKS.gicv40VlpiNotMigratable) : null;
  // KVM on GICv4.1: SAVE_PENDING_TABLES reads a forwarded LPI's pending state from its vLPI
  // (vgic_v4_get_vlpi_state), not pending_latch: a software latch a cached injection set
  // (State.lpiSoftLatch) is not saved (QUIRKS.forwardedTranslationCached)
  const soft = softLatchesNotSaved(s);
  const qs = soft.length > 0 ? offerQuirk(s, QUIRKS.forwardedTranslationCached) : null;
  // KVM: the source saved the timer PPI's recorded line, which may differ from the timer's output,
  // and the new VM keeps it until the vCPU runs (QUIRKS.timerUnseenBeforeRun)
  const timerLines = timerLinesRestoredStale(s);
  const main = migrateAll(s, x);
  for (const { state: qt, cpus, level, cause } of timerLines) {
    migrateQuirkCandidate(qt, x, `${cause.id}, ${QUIRKS.timerUnseenBeforeRun.id}: the timer PPI of vCPU ${cpus.join(', ')} restored with its line ${level ? 'high' : 'low'}`);
  }
  if (q !== null) migrateQuirkCandidate(q, x, `${QUIRKS.gicv40VlpiNotMigratable.id}: ITS_SAVE_TABLES -EACCES`, vlpis);
  if (qs !== null) {
    for (const { intid, rd } of soft) if (qs.vlpiPending.get(intid) !== rd) qs.lpiPending[rd]!.delete(intid);
    migrateQuirkCandidate(qs, x, `${QUIRKS.forwardedTranslationCached.id}: the software latch of a forwarded LPI is not saved`);
  }
  return main;
}

/** A quirk's candidate `q` migrated on its own: its outcomes are branches of `x`, each choice labelled with the quirk's `label`. */
function migrateQuirkCandidate(q: State, x: Exec, label: string, vlpis?: VlpisByIts): void {
  const sub = new Exec();
  const r = migrateAll(q, sub, vlpis);
  x.branch(q, r, label);
  x.absorb(sub, (b) => ({ result: b.result, choice: b.choice === undefined ? label : `${label}; ${b.choice}` }));
}

/**
 * KVM (quirks only): the new VM's candidates in which the virtual timer's PPI of some vCPUs comes
 * back with the line KVM recorded, not the timer's output, and keeps it until the vCPU first runs
 * (the timer output does not reach the vGIC before then: QUIRKS.timerUnseenBeforeRun). The saved
 * KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads that record, which is
 * - low while the timer asserts it, for an acknowledged PPI: putting the HW-mapped level PPI pending
 *   in a list register lowered its recorded line_level (vgic-v3.c vgic_v3_populate_lr), and an
 *   active one is not folded back from the line (vgic_v3_fold_lr_state samples it only while the
 *   list register holds it pending) (QUIRKS.mappedLevelLineLowered);
 * - high while the timer's output is low, when the loaded timer's output fell unseen
 *   (QUIRKS.loadedTimerDropUnseen).
 * One candidate per non-empty set of such vCPUs of one cause, cloned before the migration (the line
 * is part of the migrated state).
 */
function timerLinesRestoredStale(s: State): { state: State; cpus: number[]; level: 0 | 1; cause: Quirk }[] {
  if (!quirkEnabled(s, QUIRKS.timerUnseenBeforeRun)) return [];
  const lowered: number[] = [];
  const raised: number[] = [];
  for (let c = 0; c < s.cfg.vcpus; c++) {
    const slot = c * 32 + VTIMER_PPI;
    if (s.edge[slot] || s.timerBeforeRun.has(c)) continue;
    if (s.line[slot] && s.active[slot] && quirkEnabled(s, QUIRKS.mappedLevelLineLowered)) lowered.push(c);
    else if (!s.line[slot] && s.timerDropUnseen.has(c)) raised.push(c);
  }
  const out: { state: State; cpus: number[]; level: 0 | 1; cause: Quirk }[] = [];
  for (const [cpus, level, cause] of [[lowered, 0, QUIRKS.mappedLevelLineLowered], [raised, 1, QUIRKS.loadedTimerDropUnseen]] as const) {
    for (let m = 1; m < 1 << cpus.length; m++) {
      const taken = cpus.filter((_, i) => (m >>> i) & 1);
      const q = s.clone();
      noteQuirk(q, cause.id);
      noteQuirk(q, QUIRKS.timerUnseenBeforeRun.id);
      for (const c of taken) {
        q.line[c * 32 + VTIMER_PPI] = level;
        q.timerBeforeRun.set(c, 1 - level);
      }
      out.push({ state: q, cpus: taken, level, cause });
    }
  }
  return out;
}

/** KVM on GICv4.1 (quirks only): forwarded LPIs pending by a software latch only (State.lpiSoftLatch), at their redistributor. */
function softLatchesNotSaved(s: State): { intid: number; rd: number }[] {
  if (s.lpiSoftLatch.size === 0 || s.cfg.impl.gicv4 !== '4.1') return [];
  const out: { intid: number; rd: number }[] = [];
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi, true);
    if (v !== null && v.rd >= 0 && s.lpiSoftLatch.has(v.intid) && s.lpiPending[v.rd]!.has(v.intid) && !out.some((o) => o.intid === v.intid)) out.push({ intid: v.intid, rd: v.rd });
  }
  return out;
}

/** The forwarded vLPIs of each ITS on a GICv4.0 configuration (quirks only). */
function vlpiItses(s: State): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  if (s.quirks.size === 0 || s.cfg.impl.gicv4 !== '4.0') return out;
  // a vLPI stays mapped when the guest disables the ITS afterwards (only DISCARD, an unmap or the
  // unforward remove it), and the save of its ITT still meets it
  const intids = new Set<number>();
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi, true);
    if (v !== null) intids.add(v.intid);
  }
  if (intids.size === 0) return out;
  // KVM has one vgic_irq per INTID (vgic-its.c vgic_add_lpi returns the existing one): an ITE of
  // another device or ITS naming the vLPI's INTID meets the same forwarded irq when it is saved
  s.its.forEach((its, n) => {
    for (const dev of its.devices.values()) {
      for (const t of dev.ites.values()) {
        if (!intids.has(t.intid)) continue;
        if (!out.has(n)) out.set(n, new Set());
        out.get(n)!.add(t.intid);
      }
    }
  });
  return out;
}

type VlpisByIts = ReadonlyMap<number, ReadonlySet<number>>;

function migrateAll(s: State, x: Exec, vlpis?: VlpisByIts): Expected {
  x.rule('kvm.migrate.mappings');
  let main: Expected = null;
  const settled = settleScopedBeforeSave(s);
  settled.forEach((alt) => migrateOutcomes(alt, x, false, undefined, vlpis));
  migrateOutcomes(s, x, true, (r) => { main = r; }, vlpis);
  return main;
}

function migrateOutcomes(s: State, x: Exec, first: boolean, setMain?: (r: Expected) => void, vlpis?: VlpisByIts): void {
  staleEntryPolicy(s, x).forEach(([st, o, label], i) => {
    const quirk = restoreQueuesWhileLpisOff(st);
    const { result, queueOutcomes } = migrateOne(st, x, o === 0, vlpis);
    if (i === 0 && first) setMain!(result);
    else x.branch(st, result, i === 0 ? 'a possibly pending LPI saved as pending' : label);
    for (const q of queueOutcomes) x.branch(q, result, 'ITS command outcome after restore');
    if (quirk === null) return;
    const r = migrateOne(quirk, x, o === 0, vlpis);
    for (const [intid, rd] of [...quirk.lpiQueuedLpisOff]) if (!iteTargetsOf(quirk, intid).has(rd)) quirk.lpiQueuedLpisOff.delete(intid);
    for (const q of [quirk, ...r.queueOutcomes]) x.branch(q, r.result, `${QUIRKS.restoreQueuesLpiWhileLpisOff.id}: LPIs queued at a redistributor with LPIs off`);
  });
}

/**
 * KVM (QUIRKS.restoreQueuesLpiWhileLpisOff): the restore re-creates an LPI from its ITE, takes its
 * bit from the target's pending table and queues it to that vCPU even while the redistributor has
 * EnableLPIs 0. The LPIs of a redistributor with LPIs off whose bit stands in its pending table
 * at the save, or that were pending when its EnableLPIs was cleared (vgic_flush_pending_lpis keeps
 * their latch, which the save writes out), become deliverable there (if their ITE is restored). The quirk's candidate (a clone
 * of `s` before the migration), or null.
 */
function restoreQueuesWhileLpisOff(s: State): State | null {
  if (s.quirks.size === 0) return null;
  const queued: [number, number][] = [];
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (s.enableLpis[rd]) continue;
    const base = pendBase(s, rd);
    for (const intid of lpisOfRd(s, rd)) {
      const a = base + (intid >> 3);
      const kept = s.lpiKeptLpisOff.get(intid) === rd;
      if (kept || (s.mem.inRam(a, 1) && s.mem.readByte(a) & (1 << (intid & 7)))) queued.push([intid, rd]);
    }
  }
  if (queued.length === 0) return null;
  const q = offerQuirk(s, QUIRKS.restoreQueuesLpiWhileLpisOff);
  if (q === null) return null;
  for (const [intid, rd] of queued) q.lpiQueuedLpisOff.set(intid, rd);
  return q;
}

function migrateOne(s: State, x: Exec, clearStale: boolean, vlpis?: VlpisByIts): { result: Expected; queueOutcomes: State[] } {
  const errno: number[] = [];
  for (let n = 0; n < s.cfg.its; n++) errno.push(itsSaveTables(s, n, x, clearStale, vlpis?.get(n)));
  errno.push(savePendingTables(s, x, vlpis === undefined ? undefined : new Set([...vlpis.values()].flatMap((v) => [...v]))));
  s.lpiKeptLpisOff.clear(); // KVM: the restore consumes what the save wrote (QUIRKS.restoreQueuesLpiWhileLpisOff)
  s.lpiSoftLatch.clear(); // the restored pending state goes into the vLPI when the VMM forwards again
  s.vlpiOrphaned.clear(); // forwarding again finds no collection: no vLPI
  s.ran.clear(); // the vCPUs of the new VM have not run (QUIRKS.timerUnseenBeforeRun)
  s.timerDropUnseen.clear(); // the new VM's record is what the restore wrote (QUIRKS.loadedTimerDropUnseen)
  s.lpiKeptTarget.clear(); // the restore creates each LPI from its ITEs again
  // the fresh VM: redistributors are restored before the ITS; enabling LPIs loads the pending tables
  invalidateAllLpis(s);
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    s.lpiPending[rd]!.clear();
    if (!s.enableLpis[rd]) continue;
    x.rule('kvm.migrate.lpi-pending');
    const bits = lpiIdBits(s, rd);
    if (bits < 14) continue;
    const pending = s.lpiPending[rd]!;
    if (!s.mem.inRam(pendBase(s, rd) + LPI_BASE / 8, 2 ** bits / 8 - LPI_BASE / 8)) continue;
    forEachPendingBit(s, pendBase(s, rd), bits, (intid) => pending.add(intid));
  }
  for (let n = 0; n < s.cfg.its; n++) {
    const its = s.its[n]!;
    its.stalled = false;
    its.cwriterBad = false;
    errno.push(itsRestoreTables(s, n, x));
  }
  keepPendingOfRecreatedLpis(s);
  // a vCPU blocked in WFI is taken out of it to be saved: its WFI may complete (a spurious wake-up,
  // which the architecture permits) or resume on the new VM
  for (let c = 0; c < s.cfg.vcpus; c++) if (s.asleep[c]) s.asleep[c] = ASLEEP_MAY_WAKE;
  x.rule('kvm.migrate.dist-state');
  x.rule('kvm.migrate.cpuif-state');
  // GITS_CTLR is restored last, and any GITS_CTLR write makes an enabled ITS process the commands
  // between CREADR and CWRITER (vgic-its.c its_registers[] GITS_CTLR; arm-vgic-its.rst restore order): a queue stalled on
  // the source (no Stalled bit in the ABI) resumes on the destination.
  const queueOutcomes: State[] = [];
  for (let n = 0; n < s.cfg.its; n++) {
    const outcomes = queueOutcomes.splice(0).flatMap((q) => [q, ...processQueueOutcomes(q, n, x)]);
    queueOutcomes.push(...outcomes, ...processQueueOutcomes(s, n, x));
  }
  return { result: { errno }, queueOutcomes };
}

/**
 * The restore reloads an LPI's pending bit when it re-creates the LPI from its ITE, from the table
 * of the ITE's target RD (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; Documentation/virt/kvm/devices/arm-vgic-its.rst; rule kvm.migrate.lpi-pending). A bit set in a
 * table for which no restored ITE accounts (the restore failed before that device, the LPI was
 * pending at another RD, no ITS) may or may not be taken up: only possibly pending there.
 */
function keepPendingOfRecreatedLpis(s: State): void {
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    const set = s.lpiPending[rd]!;
    if (set.size === 0) continue;
    const base = pendBase(s, rd);
    for (const intid of [...set]) {
      if (iteTargetsOf(s, intid).has(rd)) {
        // recreated at this RD by a restored ITE: the redistributor holds its pending state now, and
        // the bit of its table, which is in use (EnableLPIs = 1, choice.u20.pending-table-access), is
        // taken over (KVM clears it: vgic-v3.c vgic_v3_lpi_sync_pending_status); a later EnableLPIs
        // 1 -> 0 that loses the pending state (choice.u24.pending-across-toggle) leaves it clear
        const a = base + (intid >> 3);
        if (s.mem.inRam(a, 1)) {
          const old = s.mem.readByte(a);
          if (old & (1 << (intid & 7))) s.mem.writeByte(a, old & ~(1 << (intid & 7)));
        }
        continue;
      }
      set.delete(intid);
      markPossiblyPending(s, rd, intid);
    }
  }
}

// ---------------------------------------------------------------- device attributes

const CPU_SYSREGS = new Set(['ICC_PMR_EL1', 'ICC_BPR0_EL1', 'ICC_BPR1_EL1', 'ICC_CTLR_EL1', 'ICC_IGRPEN0_EL1', 'ICC_IGRPEN1_EL1',
  'ICC_AP0R0_EL1', 'ICC_AP1R0_EL1', 'ICC_AP1R1_EL1', 'ICC_AP1R2_EL1', 'ICC_AP1R3_EL1', 'ICC_SRE_EL1']);

/**
 * The attribute's register offset and vCPU: from {offset, vcpu}, or a raw u64 attr (offset in
 * bits [31:0], the vCPU's MPIDR affinity Aff1.Aff0 in bits [47:32] for REDIST_REGS).
 */
/** A CTRL attr by name; a raw number is the uapi constant (arm-vgic-v3.rst, arm-vgic-its.rst:
 * KVM_DEV_ARM_VGIC_CTRL_INIT 0, KVM_DEV_ARM_ITS_SAVE_TABLES 1, ..._RESTORE_TABLES 2,
 * KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES 3, KVM_DEV_ARM_ITS_CTRL_RESET 4). */
function ctrlAttrName(attr: unknown): unknown {
  if (typeof attr !== 'number') return attr;
  return ['INIT', 'ITS_SAVE_TABLES', 'ITS_RESTORE_TABLES', 'SAVE_PENDING_TABLES', 'ITS_RESET'][attr] ?? attr;
}

function attrOf(op: DeviceAttrOp): RegAttr {
  if (typeof op.attr === 'object') return op.attr;
  if (typeof op.attr === 'number') {
    const hi = Math.floor(op.attr / 2 ** 32);
    return { offset: op.attr % 2 ** 32, vcpu: (hi & 0xf) + ((hi >> 8) & 0xff) * 16 };
  }
  return {};
}

/** A register read through the attribute ABI: misaligned -ENXIO; a reserved offset -ENXIO or RAZ. */
function regAttrRead(s: State, x: Exec, offset: number, read: (sub: Exec) => Expected): Expected {
  if (offset % 4 !== 0) return misalignedAttr(s, x, { errno: 0, value: '0x0' });
  const sub = new Exec();
  const v = read(sub);
  x.absorb(sub, (b) => ({ result: asAttr(b.result), choice: b.choice ?? 'register value' }));
  if (sub.rules.includes('mmio.reserved-raz-wi') || sub.rules.includes('mmio.bad-width')) {
    x.rule('kvm.attr.reserved-offset');
    x.branch(s, { errno: ENXIO }, 'reserved offset rejected');
  }
  x.commit = sub.commit;
  return asAttr(v);
}

/**
 * A register attribute at a misaligned offset: -ENXIO (no such register); KVM finds no region and
 * answers 0 with `quirk` as the result, nothing changed (QUIRKS.attrRegsMisalignedIgnored).
 */
function misalignedAttr(s: State, x: Exec, quirk: Expected): Expected {
  x.rule('kvm.attr.reserved-offset');
  const q = offerQuirk(s, QUIRKS.attrRegsMisalignedIgnored);
  if (q !== null) x.branch(q, quirk, `${QUIRKS.attrRegsMisalignedIgnored.id}: no register there, 0`);
  return { errno: ENXIO };
}

/** A register read as an attribute result. */
function asAttr(v: Expected): Expected {
  if (v instanceof MaskedHex) return new AttrPattern(0, v);
  if (v instanceof Pattern) return new AttrPattern(0, v as MaskedHex);
  return { errno: 0, value: v as string };
}

/** Run a register write through a sub-execution and turn its outcomes into {errno: 0}. */
function writeVia(x: Exec, fn: (sub: Exec) => void): Expected {
  const sub = new Exec();
  fn(sub);
  x.absorb(sub, (b) => ({ result: { errno: 0 }, choice: b.choice ?? 'register write outcome' }));
  return { errno: 0 };
}

export function deviceAttr(s: State, op: DeviceAttrOp, x: Exec): Expected {
  const a = attrOf(op);
  const value = op.value !== undefined ? parseHex(op.value) : 0n;
  const get = op.access === 'get';
  if (op.device === 'its') {
    const n = op.index ?? 0;
    if (n < 0 || n >= s.cfg.its) return { errno: ENXIO };
    switch (op.group) {
      case 'CTRL':
        if (get) return { errno: ENXIO };
        switch (ctrlAttrName(op.attr)) {
          case 'INIT': return { errno: 0 };
          case 'ITS_SAVE_TABLES': {
            let main: Expected = null;
            const vl = vlpiItses(s).get(n);
            const vlpi = vl !== undefined ? offerQuirk(s, QUIRKS.gicv40VlpiNotMigratable) : null;
            staleEntryPolicy(s, x).forEach(([st, o, label], i) => {
              const r = { errno: itsSaveTables(st, n, x, o === 0) };
              if (i === 0) main = r; else x.branch(st, r, label);
            });
            if (vlpi !== null) x.branch(vlpi, { errno: itsSaveTables(vlpi, n, x, true, vl) }, `${QUIRKS.gicv40VlpiNotMigratable.id}: ITS_SAVE_TABLES -EACCES`);
            return main;
          }
          case 'ITS_RESTORE_TABLES': {
            const its = s.its[n]!;
            phantomRestore(s, n, x);
            if (its.devices.size === 0 && its.collections.size === 0) {
              const orphans = s.quirks.size > 0 ? aliveOrphanLpis(s) : null;
              const errno = itsRestoreTables(s, n, x);
              if (errno === 0 && orphans !== null && orphans.size > 0) offerRestoredOrphans(s, n, orphans, x);
              return { errno };
            }
            // the ABI restores into a fresh ITS; into one that has mappings the outcome is not
            // documented: the tables replace them (option 0) or are added to them, an error then
            // freeing only what this call restored (1) or everything (2)
            x.rule('kvm.its-abi.restore-live');
            // KVM: a saved DTE of a DeviceID the ITS has makes a second device object behind the
            // live one, which every lookup finds first (QUIRKS.liveDeviceShadowsRestored)
            const shadow = its.devices.size > 0 ? offerQuirk(s, QUIRKS.liveDeviceShadowsRestored) : null;
            if (shadow !== null) {
              let hit = false;
              const errno = itsRestoreTables(shadow, n, x, true, true, phantomIcids(shadow, n), () => { hit = true; });
              if (hit && errno === 0) x.branch(shadow, { errno }, `${QUIRKS.liveDeviceShadowsRestored.id}: the live device hides the restored one`);
            }
            const before = quirkEnabled(s, QUIRKS.failedRestoreKeepsCache) ? s.clone() : null;
            const pairs = forEachChoice(s, CHOICES.restoreIntoLive, () => {});
            let main: Expected = null;
            const failures = new Set<number>();
            pairs.forEach(([st, o], i) => {
              const r = { errno: itsRestoreTables(st, n, x, o >= 1, o === 2) };
              if (r.errno !== 0) failures.add(r.errno);
              if (i === 0) main = r; else x.branch(st, r, 'restore added to the live mappings');
            });
            // KVM: a failed restore frees every collection of the ITS, its mappings made before
            // included, and leaves the translation cache as it was (QUIRKS.failedRestoreKeepsCache)
            if (before !== null) {
              for (const errno of failures) {
                const q = offerQuirk(before, QUIRKS.failedRestoreKeepsCache)!;
                const it = q.its[n]!;
                for (const dev of it.devices.values()) {
                  for (const t of dev.ites.values()) {
                    const rd = t.detached ? -1 : t.rd ?? it.collections.get(t.icid) ?? -1;
                    t.detached = true;
                    if (rd >= 0) t.cachedRd = rd;
                  }
                }
                it.collections.clear();
                q.itesChanged();
                x.branch(q, { errno }, `${QUIRKS.failedRestoreKeepsCache.id}: the failed restore freed the collections`);
              }
            }
            return main;
          }
          case 'ITS_RESET': return { errno: itsReset(s, n, x) };
          default: {
            x.rule('kvm.attr.its-ctrl-unknown');
            // KVM 6.12 and 6.1 accept it and do nothing (QUIRKS.itsCtrlUnknownAttrSucceeds)
            const q = offerQuirk(s, QUIRKS.itsCtrlUnknownAttrSucceeds);
            if (q !== null) x.branch(q, { errno: 0 }, `${QUIRKS.itsCtrlUnknownAttrSucceeds.id}: unknown CTRL attr accepted`);
            return { errno: ENXIO };
          }
        }
      case 'ADDR':
        x.rule('kvm.attr.addr');
        return get ? { errno: 0, value: '0x' + itsBase(n).toString(16) } : { errno: EEXIST };
      case 'ITS_REGS': return itsRegs(s, n, a.offset ?? 0, get, value, x);
      default: return { errno: ENXIO };
    }
  }
  switch (op.group) {
    case 'CTRL': {
      if (get) return { errno: ENXIO };
      const name = ctrlAttrName(op.attr);
      if (name === 'INIT') return { errno: 0 };
      if (name === 'SAVE_PENDING_TABLES') {
        // KVM on GICv4.0 saves a forwarded vLPI as not pending (QUIRKS.gicv40VlpiNotMigratable)
        const vl = [...vlpiItses(s).values()].flatMap((v) => [...v]);
        const vq = vl.length > 0 ? offerQuirk(s, QUIRKS.gicv40VlpiNotMigratable) : null;
        const alts = settleScopedBeforeSave(s);
        for (const alt of alts) x.branch(alt, { errno: savePendingTables(alt, x) }, 'a possibly pending LPI saved as pending');
        if (vq !== null) {
          const set = new Set(vl);
          for (const alt of [vq, ...settleScopedBeforeSave(vq)]) x.branch(alt, { errno: savePendingTables(alt, x, set) }, `${QUIRKS.gicv40VlpiNotMigratable.id}: a vLPI saved as not pending`);
        }
        return { errno: savePendingTables(s, x) };
      }
      return { errno: ENXIO };
    }
    case 'NR_IRQS':
      x.rule('kvm.attr.nr-irqs');
      return get ? { errno: 0, value: '0x' + (s.cfg.spis + 32).toString(16) } : { errno: EBUSY };
    case 'ADDR': {
      x.rule('kvm.attr.addr');
      if (!get) return { errno: EEXIST };
      if (op.attr === 'DIST') return { errno: 0, value: '0x' + GICD_BASE.toString(16) };
      if (op.attr === 'REDIST') return { errno: 0, value: '0x' + GICR_BASE.toString(16) };
      return { errno: ENXIO };
    }
    case 'DIST_REGS': {
      x.rule('kvm.attr.dist-regs');
      const off = a.offset ?? 0;
      const w = off >= 0x6000 && off < 0x8000 ? 64 : 32;
      if (get) return regAttrRead(s, x, off, (sub) => gicdRead(s, -1, off, w, sub));
      if (off % 4 !== 0) return misalignedAttr(s, x, { errno: 0 });
      return writeVia(x, (sub) => gicdWrite(s, -1, off, w, value, sub));
    }
    case 'REDIST_REGS': {
      x.rule('kvm.attr.redist-regs');
      const rd = a.vcpu ?? 0;
      if (rd < 0 || rd >= s.cfg.vcpus) return { errno: EINVAL };
      const off = a.offset ?? 0;
      const sgi = off >= 0x1_0000;
      const o = sgi ? off - 0x1_0000 : off;
      const w = !sgi && [0x8, 0x70, 0x78].includes(o) ? 64 : 32;
      if (get) return regAttrRead(s, x, o, (sub) => (sgi ? gicrSgiRead(s, rd, o, w, sub, null) : gicrRead(s, rd, o, w, sub)));
      if (o % 4 !== 0) return misalignedAttr(s, x, { errno: 0 });
      return writeVia(x, (sub) => (sgi ? gicrSgiWrite(s, rd, o, w, value, sub, -1) : gicrWrite(s, rd, o, w, value, sub)));
    }
    case 'CPU_SYSREGS': {
      x.rule('kvm.attr.cpu-sysregs');
      const cpu = a.vcpu ?? 0;
      const reg = a.sysreg ?? '';
      if (cpu < 0 || cpu >= s.cfg.vcpus) return { errno: EINVAL };
      if (!CPU_SYSREGS.has(reg)) return { errno: ENXIO };
      if (get) return asAttr(sysregRead(s, { op: 'sysreg.read', cpu, reg: reg as 'ICC_PMR_EL1' }, x));
      return writeVia(x, (sub) => sysregWrite(s, { op: 'sysreg.write', cpu, reg: reg as 'ICC_PMR_EL1', value: '0x' + value.toString(16) }, sub));
    }
    case 'LEVEL_INFO': {
      x.rule('kvm.attr.level-info');
      const cpu = a.vcpu ?? 0;
      // -EINVAL for a vINTID that is not a multiple of 32, or an info field (attr bits [31:10]) other
      // than VGIC_LEVEL_INFO_LINE_LEVEL (arm-vgic-v3.rst LEVEL_INFO); INTIDs the VM does not have
      // read 0, and writes to them are ignored
      const first = a.intid ?? a.offset ?? 0;
      if (cpu < 0 || cpu >= s.cfg.vcpus || first % 32 !== 0 || first >= 1024) return { errno: EINVAL };
      let v = 0;
      let edge = 0;
      for (let k = 0; k < 32 && first + k < 32 + s.cfg.spis; k++) {
        const slot = first + k < 32 ? cpu * 32 + first + k : s.nPriv + first + k - 32;
        if (get) { v |= s.line[slot]! << k; edge |= (s.edge[slot]! | (s.lineUnrecorded.has(slot) ? 1 : 0)) << k; } else {
          s.line[slot] = Number((value >> BigInt(k)) & 1n);
          s.lineUnrecorded.delete(slot);
        }
      }
      if (!get) return { errno: 0 };
      // KVM reports the line level of level-configured interrupts only, and only the level it
      // recorded while they were (QUIRKS.levelInfoEdge)
      const high = v & edge;
      // the virtual timer's HW-mapped PPI: KVM lowers its recorded line when it puts it in a list
      // register (the physical interrupt holds the pending state), so it may read low while the
      // timer still asserts it (QUIRKS.mappedLevelLineLowered)
      const timerBit = first === 0 && ((v >>> VTIMER_PPI) & 1) !== 0 ? offerQuirk(s, QUIRKS.mappedLevelLineLowered) : null;
      if (timerBit !== null) x.branch(timerBit, { errno: 0, value: '0x' + ((v & ~(1 << VTIMER_PPI)) >>> 0).toString(16) }, `${QUIRKS.mappedLevelLineLowered.id}: the timer PPI's recorded line is low`);
      // the loaded timer's output fell unseen: the record may still read high (QUIRKS.loadedTimerDropUnseen)
      const stale = first === 0 && ((v >>> VTIMER_PPI) & 1) === 0 && s.timerDropUnseen.has(cpu) ? offerQuirk(s, QUIRKS.loadedTimerDropUnseen) : null;
      if (stale !== null) x.branch(stale, { errno: 0, value: '0x' + ((v | (1 << VTIMER_PPI)) >>> 0).toString(16) }, `${QUIRKS.loadedTimerDropUnseen.id}: the timer PPI's recorded line is still high`);
      const q = high !== 0 ? offerQuirk(s, QUIRKS.levelInfoEdge) : null;
      if (q !== null) x.branch(q, { errno: 0, value: '0x' + ((v & ~high) >>> 0).toString(16) }, `${QUIRKS.levelInfoEdge.id}: edge-configured lines read 0`);
      return { errno: 0, value: '0x' + (v >>> 0).toString(16) };
    }
    default:
      return { errno: ENXIO };
  }
}

/** KVM_DEV_ARM_VGIC_GRP_ITS_REGS (vgic-its.c its_registers[]): 64-bit registers as a whole; CREADR, IIDR rules. */
function itsRegs(s: State, n: number, offset: number, get: boolean, value: bigint, x: Exec): Expected {
  x.rule('kvm.attr.its-regs');
  const its = s.its[n]!;
  const wide = offset === 0x8 || (offset >= 0x80 && offset <= 0x90) || (offset >= 0x100 && offset < 0x140);
  const w = wide ? 64 : 32;
  if (get) return asAttr(gitsRead(s, n, offset, w, x));
  switch (offset) {
    case 0x0:
      // the same GITS_CTLR write as the guest's (its_registers[] has no uaccess handler for it):
      // enabling without valid tables is choice.u31.enable-without-tables, and any write makes an
      // enabled ITS process its queue (arm-vgic-its.rst: GITS_CTLR is restored last)
      return writeVia(x, (sub) => gitsWrite(s, n, 0, 32, value & 0xffff_ffffn, sub));
    case 0x4:
      x.rule('kvm.attr.its-iidr');
      if (((value >> 12n) & 0xfn) !== 0n) return { errno: EINVAL };
      return { errno: 0 };
    case 0x80:
      if (its.enabled) return { errno: EBUSY };
      // the guest's GITS_CBASER write (its_registers[] has no uaccess handler for it): CREADR = 0,
      // and CWRITER 0 or unchanged (choice.u30.baser-write-enabled, as for the guest's write)
      return writeVia(x, (sub) => {
        its.cbaser = value;
        its.creadr = 0;
        if (its.cwriter !== 0) branchChoice(s, sub, CHOICES.u30CbaserCwriter, (st, o) => { if (o === 0) st.its[n]!.cwriter = 0; });
      });
    case 0x88:
      its.cwriter = Number(value & 0xf_ffe0n);
      return { errno: 0 };
    case 0x90: {
      if (its.enabled) return { errno: EBUSY };
      const off = Number(value & 0xf_ffe0n);
      if (off >= (Number(its.cbaser & 0xffn) + 1) * 4096) return { errno: EINVAL };
      its.creadr = off;
      return { errno: 0 };
    }
  }
  if (offset >= 0x100 && offset < 0x140) {
    if (its.enabled) return { errno: EBUSY };
    return writeVia(x, (sub) => gitsWrite(s, n, offset, 64, value, sub));
  }
  return { errno: 0 };
}
