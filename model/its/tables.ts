// The ITS's parameters and tables (IHI 0069 chapter 5; GITS_TYPER, GITS_BASER<n>): which IDs the
// tables give an entry, where that entry lives, and the lookups every command and MSI shares
// (an event's ITE, the redistributor an ITE's LPI goes to). Mapping state is held in the model (the
// table memory format is IMPDEF, choice.u33.table-memory-write).
import { lpiInRange } from '../lpi.js';
import { quirkEnabled } from '../choices.js';
import { QUIRKS } from '../quirks.js';
import { type Device, type Ite, type ItsState, type State } from '../state.js';

export const VALID = 1n << 63n;

export const PA_52 = (1n << 52n) - 1n;

/**
 * GITS_TYPER: determined Physical [0] = 1, Virtual [1] = 0 (a guest never sees GICv4), PTA [19] = 0
 * (the scenario format's RDbase is a processor number); the rest is the implementation's, held
 * once observed (docs/oracle.md). Until observed the model uses 16 DeviceID/EventID/ICID bits.
 */
export const TYPER_FREE = 0x4n | 0xf0n | 0x1f00n | 0x3e000n | 0x40000n | (0xffn << 24n) | (0xfn << 32n) | (1n << 36n);

export const TYPER_REP = (7n << 4n) | (15n << 8n) | (15n << 13n);

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

export function hcc(s: State): number { return typerField(s, 24n, 0xffn, 0); }

/** BASER0 describes the device table and BASER1 the collection table (IHI 0069 GITS_* registers; boot macro). */
export const BASER_TYPE = [1n, 4n, 0n, 0n, 0n, 0n, 0n, 0n];

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

/**
 * A table walk's next ID to look at after `id` found no entry in a two-level table: the first ID
 * of the next level-2 page, since the level-1 entry that left `id` out (invalid, outside RAM) leaves
 * out its whole page; Infinity when `id` is past the level-1 table (no later ID has an entry).
 */
export function nextTwoLevelPage(baser: bigint, id: number): number {
  const page = pageBytes(baser);
  const perL2 = Math.floor(page / entryBytes(baser));
  const l1 = Math.floor(id / perL2);
  if (!(baser & VALID) || l1 >= ((Number(baser & 0xffn) + 1) * page) / 8) return Infinity;
  return (l1 + 1) * perL2;
}

/** Entry size of a two-level table, and how many IDs from `id` on (its own included) share its level-2 page. */
export function twoLevelPageRest(baser: bigint, id: number): { esz: number; left: number } {
  const esz = entryBytes(baser);
  const perL2 = Math.floor(pageBytes(baser) / esz);
  return { esz, left: perL2 - (id % perL2) };
}

/** Start, entry size and entry count of a flat table (the collection table in the KVM ABI). */
export function flatTable(baser: bigint): { base: number; esz: number; entries: number; bytes: number } {
  const bytes = (Number(baser & 0xffn) + 1) * pageBytes(baser);
  const esz = entryBytes(baser);
  return { base: baserPa(baser), esz, entries: Math.floor(bytes / esz), bytes };
}

export function rdExists(s: State, rd: number): boolean {
  return rd >= 0 && rd < s.cfg.vcpus;
}

/** DTE and ITE size of the KVM ITS ABI revision 0 (Documentation/virt/kvm/devices/arm-vgic-its.rst), the layout the model's tables use */
export const ENTRY_BYTES = 8;

/** The RD an ITE's LPI goes to: its collection's, unless detached (choice.u41.mapc-unmap-in-use) or retargeted by MOVALL (choice.u47.movall-live-collections). */
export function iteTarget(its: ItsState, ite: Ite): number {
  if (ite.detached) return -1;
  return ite.rd ?? its.collections.get(ite.icid) ?? -1;
}

export interface Resolved { dev: Device; ite: Ite }

/** The common checks of the (DeviceID, EventID) commands, in the architecture's order. */
export function resolve(s: State, n: number, cmd: string, d: number, e: number): Resolved | string {
  const its = s.its[n]!;
  if (!deviceInRange(s, its, d)) return `its.cmd.${cmd}.device-oor`;
  const dev = its.devices.get(d);
  if (dev === undefined) return `its.cmd.${cmd}.unmapped-device`;
  if (e >= 2 ** (dev.size + 1)) return `its.cmd.${cmd}.id-oor`;
  const ite = dev.ites.get(e);
  if (ite === undefined) return `its.cmd.${cmd}.unmapped-interrupt`;
  return { dev, ite };
}

/** Whether redistributor `rd` can take LPI `intid` pending: LPIs enabled and the INTID in its range (IHI 0069 GICR_CTLR). */
export function canHoldLpi(s: State, rd: number, intid: number): boolean {
  return s.enableLpis[rd] === 1 && lpiInRange(s, rd, intid);
}

/**
 * `State.fixed` key, quirks only: an ITS freed its mappings all at once (KVM_DEV_ARM_ITS_CTRL_RESET,
 * a GITS_BASER Valid 1 -> 0 write that lost them, a failed restore), which in KVM leaves in guest memory the
 * entries an earlier ITS_SAVE_TABLES wrote (QUIRKS.freedMappingsLeaveSavedEntries).
 */
export const MAPPINGS_FREED_ENTRIES_KEPT = 'kvmMappingsFreedEntriesKept';

/** In the oracle with kvm's quirks: ITS mappings were freed without clearing their saved entries. */
export function noteMappingsFreed(s: State): void {
  if (quirkEnabled(s, QUIRKS.freedMappingsLeaveSavedEntries)) s.fixed.set(MAPPINGS_FREED_ENTRIES_KEPT, 1n);
}

/**
 * `State.fixed` key prefix, quirks only: the ICIDs of ITS n that a MAPTI/MAPI named while no MAPC
 * mapped them, which KVM keeps as unmapped collection objects (a bit mask;
 * QUIRKS.phantomCollectionRestoreEexist).
 */
const PHANTOMS = 'kvmUnmappedCollections';

/** The unmapped collection objects KVM holds for ITS n (quirks only). */
export function phantomIcids(s: State, n: number): number[] {
  const m = s.fixed.get(`${PHANTOMS}${n}`);
  const out: number[] = [];
  if (m === undefined) return out;
  for (let i = 0, v = m; v > 0n; i++, v >>= 1n) if (v & 1n) out.push(i);
  return out;
}

/** A MAPTI/MAPI into an ICID no MAPC mapped, or a restored unmapped CTE: KVM allocates a collection object. */
export function addPhantom(s: State, n: number, icid: number): void {
  if (!quirkEnabled(s, QUIRKS.phantomCollectionRestoreEexist)) return;
  s.fixed.set(`${PHANTOMS}${n}`, (s.fixed.get(`${PHANTOMS}${n}`) ?? 0n) | (1n << BigInt(icid)));
}

/** The collection object of `icid` was mapped or freed (MAPC); every one, with `icid` undefined (reset, failed restore). */
export function dropPhantom(s: State, n: number, icid?: number): void {
  const key = `${PHANTOMS}${n}`;
  const m = s.fixed.get(key);
  if (m === undefined) return;
  const v = icid === undefined ? 0n : m & ~(1n << BigInt(icid));
  if (v === 0n) s.fixed.delete(key); else s.fixed.set(key, v);
}

/**
 * KVM's translation cache (quirks only, QUIRKS.msiCachedWithoutDevid, QUIRKS.forwardedTranslationCached):
 * a translated (DeviceID, EventID) of ITS n. The callers leave out a forwarded event's MSI or INT:
 * KVM never caches a vLPI's translation (vgic-its.c vgic_its_cache_translation: irq->hw), only the
 * resolution that forwards it fills the cache (kvm_vgic_v4_set_forwarding, before hw is set).
 */
export function cacheTranslation(s: State, n: number, d: number, e: number): void {
  if (quirkEnabled(s, QUIRKS.msiCachedWithoutDevid) || quirkEnabled(s, QUIRKS.forwardedTranslationCached)) s.msiCached.add(`${n}:${d}:${e}`);
}

/** KVM invalidates the translation cache of ITS n (every ITS, with `n` undefined). */
export function invalidateTranslations(s: State, n?: number): void {
  if (s.msiCached.size === 0) return;
  if (n === undefined) { s.msiCached.clear(); return; }
  for (const k of [...s.msiCached]) if (k.startsWith(`${n}:`)) s.msiCached.delete(k);
}
