// struct vgic_its and its objects (devices, ITEs, collections), with the helpers of vgic-its.c that
// every command, the MSI path and save/restore share: lookup, allocation and freeing, vgic_add_lpi,
// update_lpi_config, update_affinity, the table-range checks. Facts: Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI-1.13.
import type { VgicCpu, VgicDist, VgicIrq, VgicItsV4Hooks } from './types.js';

export type { VgicItsV4Hooks };
import { vgicGetIrq, vgicLpisEnabled, vgicPutIrq, vgicQueueIrqUnlock } from './vgic.js';
import { vgicV3LpiSyncPendingStatus } from './vgic-v3.js';
import { VgicItsTranslationCache } from './vgic-its-cache.js';
import {
  BASER_INDIRECT, BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, ABI_0_ESZ, VITS_MAX_DEVID,
  baserAddress, baserEntrySize, baserNrPages, baserType, initialBaser, pendbaserAddress, propbaserAddress,
} from './vgic-its-regs.js';

// errno values as KVM returns them (negated)
import { EBUSY, EFAULT } from '../../spec/errno.js';

export const GIC_LPI_OFFSET = 8192;
/** its_collection.target_addr of a collection created by MAPTI/MAPI into an unknown ICID */
export const COLLECTION_NOT_MAPPED = 0xffff_ffff;
/** KVM_MSI_VALID_DEVID */
export const KVM_MSI_VALID_DEVID = 1;
/** E_ITS_INT_UNMAPPED_INTERRUPT: what resolving an unmapped (devid, eventid) returns */
export const E_ITS_INT_UNMAPPED_INTERRUPT = 0x010307;

export interface ItsCollection {
  readonly collectionId: number;
  /** vCPU id (GITS_TYPER.PTA = 0), or COLLECTION_NOT_MAPPED */
  targetAddr: number;
}

export interface ItsIte {
  readonly eventId: number;
  irq: VgicIrq | null;
  /** null once MAPC V=0 removed the collection (the ITE stays, detached for good: impl/DIVERGENCES.md) */
  collection: ItsCollection | null;
}

export interface ItsDevice {
  readonly deviceId: number;
  readonly ittAddr: number;
  readonly numEventidBits: number;
  /** the ITT in KVM's list order (insertion; sorted by EventID once saved) */
  itt: Map<number, ItsIte>;
}

/** kvm_arm_halt_guest / kvm_arm_resume_guest, as the KVM run loop provides them (MOVALL uses them). */
export interface ItsGuestControl {
  /** every vCPU in the guest exits (its list registers are folded back) and stays out */
  halt(): void;
  /** the halted vCPUs re-enter */
  resume(): void;
}

/** The VM-wide part: the vgic_dist, the GICv4 hooks, the run loop's halt/resume and every vITS. */
export interface VgicItsVm {
  readonly dist: VgicDist;
  v4: VgicItsV4Hooks | null;
  guest: ItsGuestControl | null;
  readonly its: VgicIts[];
}

/** struct vgic_its */
export class VgicIts {
  enabled = false;
  abiRev = 0;
  cbaser = 0n;
  creadr = 0;
  cwriter = 0;
  baserDeviceTable: bigint = initialBaser(BASER_TYPE_DEVICE);
  baserCollTable: bigint = initialBaser(BASER_TYPE_COLLECTION);
  /** device_list in KVM's order (there may be duplicates after a restore onto a live ITS) */
  devices: ItsDevice[] = [];
  /** the first device of device_list with each ID (what find_its_device returns) */
  readonly deviceById = new Map<number, ItsDevice>();
  /** collection_list in KVM's order (list_add_tail = Map insertion order) */
  readonly collections = new Map<number, ItsCollection>();
  readonly cache: VgicItsTranslationCache;
  /** what the last processed command's handler returned (KVM drops it; kept for tests and traces) */
  lastCommandResult = 0;

  constructor(readonly vm: VgicItsVm, readonly index: number, readonly base: number) {
    const dist = vm.dist;
    this.cache = new VgicItsTranslationCache((irq) => vgicPutIrq(dist, irq));
  }

  get dist(): VgicDist {
    return this.vm.dist;
  }
}

// ---------------------------------------------------------------- lookups

/** find_its_device */
export function findItsDevice(its: VgicIts, deviceId: number): ItsDevice | null {
  return its.deviceById.get(deviceId) ?? null;
}

/** find_ite */
export function findIte(its: VgicIts, deviceId: number, eventId: number): ItsIte | null {
  const dev = its.deviceById.get(deviceId);
  if (dev === undefined) return null;
  return dev.itt.get(eventId) ?? null;
}

/** find_collection */
export function findCollection(its: VgicIts, collId: number): ItsCollection | null {
  return its.collections.get(collId) ?? null;
}

/** its_is_collection_mapped */
export function isCollectionMapped(c: ItsCollection | null): c is ItsCollection {
  return c !== null && c.targetAddr !== COLLECTION_NOT_MAPPED;
}

/** kvm_get_vcpu_by_id (vCPU ids are 0..n-1) */
export function getVcpuById(dist: VgicDist, id: number): VgicCpu | null {
  return id >= 0 && id < dist.vcpus.length ? dist.vcpus[id]! : null;
}

/** collection_to_vcpu */
export function collectionToVcpu(dist: VgicDist, c: ItsCollection): VgicCpu | null {
  return getVcpuById(dist, c.targetAddr);
}

/** Every LPI's INTID in ascending order: KVM walks lpi_xa with xa_for_each. */
export function lpiIntidsAscending(dist: VgicDist): number[] {
  const ids = [...dist.lpis.keys()];
  ids.sort((a, b) => a - b);
  return ids;
}

// ---------------------------------------------------------------- guest memory

/** kvm_is_visible_gfn for the page holding gpa */
export function isVisibleGpa(dist: VgicDist, gpa: number): boolean {
  return dist.mem.isRam(gpa, 1);
}

/** vgic_its_write_entry_lock: 0 or -EFAULT */
export function writeEntry(dist: VgicDist, gpa: number, val: bigint): number {
  return dist.mem.writeU64(gpa, val) ? 0 : -EFAULT;
}

/**
 * vgic_its_check_id: can `id` be stored in the table `baser` describes? Returns the GPA of its
 * entry, or -1. Two-level device tables read the level-1 entry (which must be Valid).
 */
export function vgicItsCheckId(its: VgicIts, baser: bigint, id: number): number {
  const l1TblSize = baserNrPages(baser) * 0x1_0000;
  const type = baserType(baser);
  const base = baserAddress(baser);
  const esz = baserEntrySize(baser);

  if (type === BASER_TYPE_DEVICE) {
    if (id > VITS_MAX_DEVID) return -1;
  } else if (type === BASER_TYPE_COLLECTION) {
    if (id >= 0x1_0000) return -1; // GITS_TYPER.CIL = 0: 16-bit ICIDs
  } else {
    return -1;
  }

  if ((baser & BASER_INDIRECT) === 0n) {
    if (id >= Math.floor(l1TblSize / esz)) return -1;
    const addr = base + id * esz;
    return isVisibleGpa(its.dist, addr) ? addr : -1;
  }

  const perPage = Math.floor(0x1_0000 / esz);
  const index = Math.floor(id / perPage);
  if (index >= l1TblSize / 8) return -1;
  const l1 = its.dist.mem.readU64(base + index * 8);
  if (l1 === null) return -1;
  if ((l1 & (1n << 63n)) === 0n) return -1;
  const addr = Number(l1 & 0xf_ffff_ffff_0000n) + (id % perPage) * esz;
  return isVisibleGpa(its.dist, addr) ? addr : -1;
}

/** vgic_its_check_event_id: EventID below 2^bits and its ITE slot in guest RAM */
export function vgicItsCheckEventId(its: VgicIts, device: ItsDevice, eventId: number): boolean {
  if (eventId >= 2 ** device.numEventidBits) return false;
  return isVisibleGpa(its.dist, device.ittAddr + eventId * ABI_0_ESZ);
}

// ---------------------------------------------------------------- LPI configuration and affinity

/**
 * update_lpi_config: re-read the LPI's property byte (priority = byte & 0xFC, enable = bit 0) and
 * queue it if now deliverable; with a filter vCPU only when the LPI targets it (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables).
 */
export function updateLpiConfig(vm: VgicItsVm, irq: VgicIrq, filterVcpu: VgicCpu | null, needsInv: boolean): number {
  const dist = vm.dist;
  const gpa = propbaserAddress(dist.propbaser) + irq.intid - GIC_LPI_OFFSET;
  if (!dist.mem.isRam(gpa, 1)) return -EFAULT;
  const prop = dist.mem.readU8(gpa);

  if (filterVcpu === null || filterVcpu === irq.targetVcpu) {
    irq.priority = prop & 0xfc;
    irq.enabled = (prop & 1) !== 0;
    if (!irq.hw) {
      vgicQueueIrqUnlock(dist, irq);
      return 0;
    }
  }
  if (irq.hw && vm.v4 !== null) return vm.v4.propUpdateVlpi(irq, prop, needsInv);
  return 0;
}

/** update_affinity: retarget an LPI (only if it still targets fromVcpu, when given); a vLPI is re-mapped. */
export function updateAffinity(vm: VgicItsVm, irq: VgicIrq, fromVcpu: VgicCpu | null, vcpu: VgicCpu | null): number {
  if (fromVcpu !== null && irq.targetVcpu !== fromVcpu) return 0;
  irq.targetVcpu = vcpu;
  if (!irq.hw) return 0;
  if (vm.v4 === null || vcpu === null) return 0;
  return vm.v4.moveVlpi(irq, vcpu);
}

/** update_affinity_ite */
export function updateAffinityIte(its: VgicIts, ite: ItsIte): void {
  if (!isCollectionMapped(ite.collection) || ite.irq === null) return;
  updateAffinity(its.vm, ite.irq, null, collectionToVcpu(its.dist, ite.collection));
}

/** update_affinity_collection: every ITE of this ITS in the collection follows its new target */
export function updateAffinityCollection(its: VgicIts, coll: ItsCollection): void {
  for (const dev of its.devices) {
    for (const ite of dev.itt.values()) {
      if (ite.collection !== coll) continue;
      updateAffinityIte(its, ite);
    }
  }
}

/**
 * vgic_add_lpi: the vgic_irq for an LPI, with one reference for the caller (the ITE). An LPI that
 * already exists (mapped by another ITE or ITS) is reused as it is; a new one reads its property
 * byte and consumes its pending bit (vgic-its.c vgic_its_cmd_handle_* MAPTI). Returns a negative errno on failure.
 */
export function vgicAddLpi(vm: VgicItsVm, intid: number, vcpu: VgicCpu | null): VgicIrq | number {
  const dist = vm.dist;
  const existing = vgicGetIrq(dist, null, intid);
  if (existing !== null) return existing; // the reference vgicGetIrq took is the ITE's

  const irq: VgicIrq = {
    intid,
    vcpu: null,
    targetVcpu: vcpu,
    mpidr: 0,
    pendingLatch: false,
    lineLevel: false,
    active: false,
    enabled: false,
    config: 'edge',
    group: 1,
    priority: 0,
    hw: false,
    hwintid: 0,
    hostIrq: 0,
    onLr: false,
    owner: null,
    refcount: 1,
    vlpi: null,
  };
  dist.lpis.set(intid, irq);

  let ret = updateLpiConfig(vm, irq, null, false);
  if (ret === 0) ret = vgicV3LpiSyncPendingStatus(dist, irq);
  if (ret !== 0) {
    vgicPutIrq(dist, irq);
    return ret;
  }
  return irq;
}

// ---------------------------------------------------------------- allocation and freeing

/** vgic_its_alloc_collection: a new, unmapped collection at the tail of collection_list */
export function allocCollection(its: VgicIts, collId: number): ItsCollection {
  const c: ItsCollection = { collectionId: collId, targetAddr: COLLECTION_NOT_MAPPED };
  its.collections.set(collId, c);
  return c;
}

/** vgic_its_free_collection: ITEs of the collection lose it (collection = null) and stay. */
export function freeCollection(its: VgicIts, collId: number): void {
  const c = its.collections.get(collId);
  if (c === undefined) return;
  for (const dev of its.devices) {
    for (const ite of dev.itt.values()) {
      if (ite.collection !== null && ite.collection.collectionId === collId) ite.collection = null;
    }
  }
  its.collections.delete(collId);
}

/** vgic_its_free_collection_list */
export function freeCollectionList(its: VgicIts): void {
  for (const id of [...its.collections.keys()]) freeCollection(its, id);
}

/** vgic_its_alloc_ite */
export function allocIte(device: ItsDevice, collection: ItsCollection | null, eventId: number): ItsIte {
  const ite: ItsIte = { eventId, irq: null, collection };
  device.itt.set(eventId, ite);
  return ite;
}

/** its_free_ite: unlink, unmap a vLPI, drop the ITE's LPI reference */
export function itsFreeIte(its: VgicIts, device: ItsDevice, ite: ItsIte): void {
  if (device.itt.get(ite.eventId) === ite) device.itt.delete(ite.eventId);
  const irq = ite.irq;
  if (irq !== null) {
    if (irq.hw && its.vm.v4 !== null) its.vm.v4.unmapVlpi(irq);
    irq.hw = false;
    vgicPutIrq(its.dist, irq);
  }
}

/** vgic_its_alloc_device: appended to device_list */
export function allocDevice(its: VgicIts, deviceId: number, ittAddr: number, numEventidBits: number): ItsDevice {
  const dev: ItsDevice = { deviceId, ittAddr, numEventidBits, itt: new Map() };
  its.devices.push(dev);
  if (!its.deviceById.has(deviceId)) its.deviceById.set(deviceId, dev);
  return dev;
}

/** vgic_its_free_device: every ITE freed (unmapping with live ITEs is UNPREDICTABLE; KVM drops them), cache invalidated */
export function freeDevice(its: VgicIts, device: ItsDevice): void {
  for (const ite of [...device.itt.values()]) itsFreeIte(its, device, ite);
  its.cache.invalidate();
  const i = its.devices.indexOf(device);
  if (i >= 0) its.devices.splice(i, 1);
  if (its.deviceById.get(device.deviceId) === device) {
    its.deviceById.delete(device.deviceId);
    const dup = its.devices.find((d) => d.deviceId === device.deviceId);
    if (dup !== undefined) its.deviceById.set(device.deviceId, dup);
  }
}

/** vgic_its_free_device_list */
export function freeDeviceList(its: VgicIts): void {
  while (its.devices.length > 0) freeDevice(its, its.devices[0]!);
}

/** Re-order device_list (list_sort by DeviceID, stable like list_sort) */
export function sortDeviceList(its: VgicIts): void {
  its.devices.sort((a, b) => a.deviceId - b.deviceId);
}

/** Re-order a device's ITT by EventID (list_sort in vgic_its_save_itt) */
export function sortItt(device: ItsDevice): void {
  const sorted = [...device.itt.values()].sort((a, b) => a.eventId - b.eventId);
  device.itt.clear();
  for (const ite of sorted) device.itt.set(ite.eventId, ite);
}

// ---------------------------------------------------------------- translation

/**
 * vgic_its_resolve_lpi: the LPI an MSI (devid, eventid) on this ITS targets, caching the
 * translation; a positive ITS error (blocked: 0 to KVM_SIGNAL_MSI) or a negative errno otherwise.
 */
export function vgicItsResolveLpi(its: VgicIts, devid: number, eventid: number): VgicIrq | number {
  if (!its.enabled) return -EBUSY;
  const ite = findIte(its, devid, eventid);
  if (ite === null || !isCollectionMapped(ite.collection) || ite.irq === null) return E_ITS_INT_UNMAPPED_INTERRUPT;
  const vcpu = collectionToVcpu(its.dist, ite.collection);
  if (vcpu === null) return E_ITS_INT_UNMAPPED_INTERRUPT;
  if (!vgicLpisEnabled(vcpu)) return -EBUSY;
  its.cache.insert(devid, eventid, ite.irq);
  return ite.irq;
}

/** vgic_its_trigger_msi: 0, a positive ITS error or a negative errno */
export function vgicItsTriggerMsi(its: VgicIts, devid: number, eventid: number): number {
  const irq = vgicItsResolveLpi(its, devid, eventid);
  if (typeof irq === 'number') return irq;
  if (irq.hw) return its.vm.v4 !== null ? its.vm.v4.setVlpiPending(irq, true) : 0;
  irq.pendingLatch = true;
  vgicQueueIrqUnlock(its.dist, irq);
  return 0;
}

// ---------------------------------------------------------------- redistributor-side entry points

/**
 * its_sync_lpi_pending_table: EnableLPIs 0->1 (without PTZ) reads the vCPU's pending table for
 * every LPI targeting it; the table is not cleared (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables).
 */
export function itsSyncLpiPendingTable(vm: VgicItsVm, vcpu: VgicCpu): number {
  const dist = vm.dist;
  const pendbase = pendbaserAddress(vcpu.pendbaser);
  let lastByteOffset = -1;
  let pendmask = 0;
  for (const intid of lpiIntidsAscending(dist)) {
    const byteOffset = intid >>> 3;
    if (byteOffset !== lastByteOffset) {
      if (!dist.mem.isRam(pendbase + byteOffset, 1)) return -EFAULT;
      pendmask = dist.mem.readU8(pendbase + byteOffset);
      lastByteOffset = byteOffset;
    }
    const irq = vgicGetIrq(dist, null, intid);
    if (irq === null) continue;
    if (irq.targetVcpu === vcpu) irq.pendingLatch = (pendmask & (1 << (intid & 7))) !== 0;
    vgicQueueIrqUnlock(dist, irq);
    vgicPutIrq(dist, irq);
  }
  return 0;
}

/** vgic_its_invall: re-read the property byte of every LPI of the VM that targets the vCPU */
export function vgicItsInvall(vm: VgicItsVm, vcpu: VgicCpu): number {
  const dist = vm.dist;
  for (const intid of lpiIntidsAscending(dist)) {
    const irq = vgicGetIrq(dist, null, intid);
    if (irq === null) continue;
    updateLpiConfig(vm, irq, vcpu, false);
    vgicPutIrq(dist, irq);
  }
  if (vcpu.vpe !== null && vcpu.vpe !== undefined && vm.v4 !== null) vm.v4.invallVpe(vcpu);
  return 0;
}
