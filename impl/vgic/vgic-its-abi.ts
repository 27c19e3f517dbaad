// ITS table save/restore, ABI revision 0 (vgic_its_save_tables_v0 / vgic_its_restore_tables_v0;
// Documentation/virt/kvm/devices/arm-vgic-its.rst). All entries are 8 bytes,
// little-endian:
//   DTE: [63] V, [62:49] next DeviceID delta (0 = last, capped 2^14-1), [48:5] ITT_addr[51:8], [4:0] EventID bits - 1
//   CTE: [63] V, [47:16] RDbase (KVM's 32-bit vCPU id; 0xFFFFFFFF = unmapped), [15:0] ICID
//   ITE: [63:48] next EventID delta (0 = last, capped 2^16-1), [47:16] pINTID (0 = invalid), [15:0] ICID
//   L1 (two-level device table): [63] V, [51:16] address of a 64 KiB level-2 page
import {
  type ItsCollection, type ItsDevice, type ItsIte, type VgicIts, COLLECTION_NOT_MAPPED, GIC_LPI_OFFSET,
  allocCollection, allocDevice, allocIte, findCollection, freeCollectionList, freeDevice, freeDeviceList,
  getVcpuById, isCollectionMapped, itsFreeIte, sortDeviceList, sortItt, vgicAddLpi, vgicItsCheckEventId,
  vgicItsCheckId, writeEntry,
} from './vgic-its-state.js';
import { EACCES, EEXIST, EFAULT, EINVAL } from '../../spec/errno.js';
import * as abi from '../../spec/codec/kvm-its-abi.js';
import { ABI_0_ESZ, BASER_INDIRECT, BASER_VALID, VITS_TYPER_IDBITS, baserAddress, baserNrPages } from './vgic-its-regs.js';

const SZ_64K = 0x1_0000;
/** VITS_DTE_MAX_DEVID_OFFSET / VITS_ITE_MAX_EVENTID_OFFSET */
const DTE_MAX_DEVID_OFFSET = (1 << 14) - 1;
const ITE_MAX_EVENTID_OFFSET = (1 << 16) - 1;

// ------------------------------------------------------------------ entry encodings
// The layouts live in spec/data/kvm-its-abi.json (spec/codec/kvm-its-abi.ts); these wrappers add
// KVM's own reading of them.

export function encodeDte(next: number, ittAddr: number, numEventidBits: number): bigint {
  return abi.encodeDte({ valid: 1, next, ittAddr, size: numEventidBits - 1 });
}
export function decodeDte(e: bigint): { valid: boolean; next: number; ittAddr: number; numEventidBits: number } {
  const d = abi.decodeDte(e);
  return { valid: d.valid !== 0, next: d.next, ittAddr: d.ittAddr, numEventidBits: d.size + 1 };
}
export function encodeCte(targetAddr: number, collId: number): bigint {
  return abi.encodeCte({ valid: 1, rdBase: targetAddr >>> 0, icid: collId });
}
/** KVM keeps only the low 32 bits of RDBase (`(u32)(val >> KVM_ITS_CTE_RDBASE_SHIFT)`): bits [47:16] */
export function decodeCte(e: bigint): { valid: boolean; targetAddr: number; collId: number } {
  const c = abi.decodeCte(e);
  return { valid: c.valid !== 0, targetAddr: c.rdBase % 0x1_0000_0000, collId: c.icid };
}
export function encodeIte(next: number, intid: number, collId: number): bigint {
  return abi.encodeIte({ next, pINTID: intid, icid: collId });
}
export function decodeIte(e: bigint): { next: number; intid: number; collId: number } {
  const i = abi.decodeIte(e);
  return { next: i.next, intid: i.pINTID, collId: i.icid };
}

// ------------------------------------------------------------------ save

/** compute_next_devid_offset (device_list is sorted by then) */
function computeNextDevidOffset(its: VgicIts, i: number): number {
  const next = its.devices[i + 1];
  if (next === undefined) return 0;
  return Math.min(next.deviceId - its.devices[i]!.deviceId, DTE_MAX_DEVID_OFFSET);
}

/** compute_next_eventid_offset: the next ITE that is saved as valid (one that still has a collection) */
function computeNextEventidOffset(ites: readonly ItsIte[], i: number): number {
  const ite = ites[i]!;
  for (let j = i + 1; j < ites.length; j++) {
    const next = ites[j]!;
    if (next.collection !== null) return Math.min(next.eventId - ite.eventId, ITE_MAX_EVENTID_OFFSET);
  }
  return 0;
}

/** vgic_its_save_ite: an ITE without collection (MAPC V=0 casualty) is saved as 0 = invalid */
function vgicItsSaveIte(its: VgicIts, ites: readonly ItsIte[], i: number, gpa: number): number {
  const ite = ites[i]!;
  if (ite.collection === null) return writeEntry(its.dist, gpa, 0n);
  const next = computeNextEventidOffset(ites, i);
  return writeEntry(its.dist, gpa, encodeIte(next, ite.irq!.intid, ite.collection.collectionId));
}

/** vgic_its_save_itt: ITEs sorted by EventID; a vLPI cannot be saved without GICv4.1 (-EACCES) */
function vgicItsSaveItt(its: VgicIts, device: ItsDevice): number {
  sortItt(device);
  const ites = [...device.itt.values()];
  for (let i = 0; i < ites.length; i++) {
    const ite = ites[i]!;
    const gpa = device.ittAddr + ite.eventId * ABI_0_ESZ;
    if (ite.irq !== null && ite.irq.hw && !(its.vm.v4?.hasGicv41 ?? false)) return -EACCES;
    const ret = vgicItsSaveIte(its, ites, i, gpa);
    if (ret !== 0) return ret;
  }
  return 0;
}

/** vgic_its_save_device_tables: devices by ID; each device's ITT, then its DTE */
function vgicItsSaveDeviceTables(its: VgicIts): number {
  const baser = its.baserDeviceTable;
  if ((baser & BASER_VALID) === 0n) return 0;
  sortDeviceList(its);
  for (let i = 0; i < its.devices.length; i++) {
    const dev = its.devices[i]!;
    const eaddr = vgicItsCheckId(its, baser, dev.deviceId);
    if (eaddr < 0) return -EINVAL;
    let ret = vgicItsSaveItt(its, dev);
    if (ret !== 0) return ret;
    ret = writeEntry(its.dist, eaddr, encodeDte(computeNextDevidOffset(its, i), dev.ittAddr, dev.numEventidBits));
    if (ret !== 0) return ret;
  }
  return 0;
}

/** vgic_its_save_collection_table: entries back to back in list order, then one invalid terminator if room */
function vgicItsSaveCollectionTable(its: VgicIts): number {
  const baser = its.baserCollTable;
  if ((baser & BASER_VALID) === 0n) return 0;
  let gpa = baserAddress(baser);
  const maxSize = baserNrPages(baser) * SZ_64K;
  let filled = 0;
  for (const c of its.collections.values()) {
    if (vgicItsCheckId(its, baser, c.collectionId) < 0) return -EINVAL;
    const ret = writeEntry(its.dist, gpa, encodeCte(c.targetAddr, c.collectionId));
    if (ret !== 0) return ret;
    gpa += ABI_0_ESZ;
    filled += ABI_0_ESZ;
  }
  if (filled === maxSize) return 0;
  return writeEntry(its.dist, gpa, 0n);
}

/** vgic_its_save_tables_v0 (KVM_DEV_ARM_ITS_SAVE_TABLES) */
export function vgicItsSaveTablesV0(its: VgicIts): number {
  const ret = vgicItsSaveDeviceTables(its);
  if (ret !== 0) return ret;
  return vgicItsSaveCollectionTable(its);
}

// ------------------------------------------------------------------ restore

/** entry_fn_t: < 0 error, 0 last entry, otherwise the ID offset to the next entry */
type EntryFn = (its: VgicIts, id: number, entry: bigint) => number;

/** scan_its_table: follow next offsets through a table; 1 when the end was reached without a last entry */
function scanItsTable(its: VgicIts, base: number, size: number, esz: number, startId: number, fn: EntryFn): number {
  let len = size;
  let id = startId;
  let gpa = base;
  for (;;) {
    // Not in KVM, same result: every handler returns 1 (scan on) for an all-zero entry, so a run of
    // never-written memory is stepped over at once instead of entry by entry.
    const zeroEntries = Math.floor((its.dist.mem.zeroRunEnd(gpa, gpa + len) - gpa) / esz);
    if (zeroEntries > 0) {
      if (zeroEntries * esz >= len) break;
      id += zeroEntries;
      gpa += zeroEntries * esz;
      len -= zeroEntries * esz;
      continue;
    }
    const entry = its.dist.mem.readU64(gpa);
    if (entry === null) return -EFAULT;
    const nextOffset = fn(its, id, entry);
    if (nextOffset <= 0) return nextOffset;
    const byteOffset = nextOffset * esz;
    if (byteOffset >= len) break;
    id += nextOffset;
    gpa += byteOffset;
    len -= byteOffset;
  }
  return 1;
}

/** vgic_its_restore_ite */
function vgicItsRestoreIte(its: VgicIts, device: ItsDevice, eventId: number, val: bigint): number {
  const { next: offset, intid: lpiId, collId } = decodeIte(val);
  if (lpiId === 0) return 1; // invalid entry: scan the next one
  if (lpiId < GIC_LPI_OFFSET) return -EINVAL;
  if (eventId + offset >= 2 ** device.numEventidBits) return -EINVAL;
  const collection = findCollection(its, collId);
  if (collection === null) return -EINVAL;
  if (!vgicItsCheckEventId(its, device, eventId)) return -EINVAL;

  const ite = allocIte(device, collection, eventId);
  const vcpu = isCollectionMapped(collection) ? getVcpuById(its.dist, collection.targetAddr) : null;
  const irq = vgicAddLpi(its.vm, lpiId, vcpu);
  if (typeof irq === 'number') {
    itsFreeIte(its, device, ite);
    return irq;
  }
  ite.irq = irq;
  return offset;
}

/** vgic_its_restore_itt */
function vgicItsRestoreItt(its: VgicIts, device: ItsDevice): number {
  const maxSize = 2 ** device.numEventidBits * ABI_0_ESZ;
  const ret = scanItsTable(its, device.ittAddr, maxSize, ABI_0_ESZ, 0, (i, id, e) => vgicItsRestoreIte(i, device, id, e));
  return ret > 0 ? 0 : ret;
}

/** vgic_its_restore_dte */
function vgicItsRestoreDte(its: VgicIts, id: number, entry: bigint): number {
  const { valid, next: offset, ittAddr, numEventidBits } = decodeDte(entry);
  if (!valid) return 1;
  if (numEventidBits > VITS_TYPER_IDBITS) return -EINVAL; // as MAPD
  if (vgicItsCheckId(its, its.baserDeviceTable, id) < 0) return -EINVAL;
  const dev = allocDevice(its, id, ittAddr, numEventidBits);
  const ret = vgicItsRestoreItt(its, dev);
  if (ret !== 0) {
    freeDevice(its, dev);
    return ret;
  }
  return offset;
}

/** handle_l1_dte: scan the level-2 page of a valid level-1 entry */
function handleL1Dte(its: VgicIts, id: number, entry: bigint): number {
  const l2StartId = id * (SZ_64K / ABI_0_ESZ);
  const l1 = abi.decodeL1(entry);
  if (l1.valid === 0) return 1;
  return scanItsTable(its, l1.l2Addr, SZ_64K, ABI_0_ESZ, l2StartId, vgicItsRestoreDte);
}

/** vgic_its_restore_device_tables: any error frees every device */
function vgicItsRestoreDeviceTables(its: VgicIts): number {
  const baser = its.baserDeviceTable;
  if ((baser & BASER_VALID) === 0n) return 0;
  const l1Gpa = baserAddress(baser);
  const l1TblSize = baserNrPages(baser) * SZ_64K;
  let ret = (baser & BASER_INDIRECT) !== 0n
    ? scanItsTable(its, l1Gpa, l1TblSize, 8, 0, handleL1Dte)
    : scanItsTable(its, l1Gpa, l1TblSize, ABI_0_ESZ, 0, vgicItsRestoreDte);
  if (ret > 0) ret = 0;
  if (ret < 0) freeDeviceList(its);
  return ret;
}

/** vgic_its_restore_cte: 1 restored, 0 invalid (end of table), < 0 error */
function vgicItsRestoreCte(its: VgicIts, gpa: number): number {
  const val = its.dist.mem.readU64(gpa);
  if (val === null) return -EFAULT;
  const { valid, targetAddr, collId } = decodeCte(val);
  if (!valid) return 0;
  if (targetAddr !== COLLECTION_NOT_MAPPED && getVcpuById(its.dist, targetAddr) === null) return -EINVAL;
  if (findCollection(its, collId) !== null) return -EEXIST;
  if (vgicItsCheckId(its, its.baserCollTable, collId) < 0) return -EINVAL;
  const c: ItsCollection = allocCollection(its, collId);
  c.targetAddr = targetAddr;
  return 1;
}

/** vgic_its_restore_collection_table: any error frees every collection */
function vgicItsRestoreCollectionTable(its: VgicIts): number {
  const baser = its.baserCollTable;
  if ((baser & BASER_VALID) === 0n) return 0;
  let gpa = baserAddress(baser);
  const maxSize = baserNrPages(baser) * SZ_64K;
  let read = 0;
  let ret = 1;
  while (read < maxSize) {
    ret = vgicItsRestoreCte(its, gpa);
    if (ret <= 0) break;
    gpa += ABI_0_ESZ;
    read += ABI_0_ESZ;
  }
  if (ret > 0) return 0;
  if (ret < 0) freeCollectionList(its);
  return ret;
}

/** vgic_its_restore_tables_v0 (KVM_DEV_ARM_ITS_RESTORE_TABLES): collections first, then devices */
export function vgicItsRestoreTablesV0(its: VgicIts): number {
  let ret = vgicItsRestoreCollectionTable(its);
  if (ret !== 0) return ret;
  ret = vgicItsRestoreDeviceTables(its);
  if (ret !== 0) freeCollectionList(its);
  return ret;
}
