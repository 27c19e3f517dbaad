// vITS command processing (vgic-its.c vgic_its_process_commands, vgic_its_handle_command and the
// vgic_its_cmd_handle_* functions). Every handler returns 0, a positive ITS error
// code or a negative errno, and the caller drops it: errors never reach the guest (no stall, no
// SError; CREADR still advances).
//
// Fields are read from the raw command words exactly as KVM's its_cmd_get_* macros read them
// (widths included: RDbase is DW2[47:16], 32 bits, where the architecture has [51:16]); a test
// cross-checks these getters against the shared decoder in spec/codec.
import {
  E_ITS_INT_UNMAPPED_INTERRUPT, type VgicIts, allocCollection, allocDevice, allocIte, collectionToVcpu,
  findCollection, findItsDevice, findIte, freeCollection, freeDevice, getVcpuById, isCollectionMapped,
  itsFreeIte, lpiIntidsAscending, updateAffinity, updateAffinityCollection, updateLpiConfig, vgicAddLpi,
  vgicItsCheckEventId, vgicItsCheckId, vgicItsInvall, vgicItsTriggerMsi, writeEntry, GIC_LPI_OFFSET,
} from './vgic-its-state.js';
import { EFAULT } from '../../spec/errno.js';
import type { VgicIrq } from './types.js';
import { vgicGetIrq, vgicPutIrq } from './vgic.js';

export { E_ITS_INT_UNMAPPED_INTERRUPT };
import { ABI_0_ESZ, ITS_CMD_SIZE, VITS_TYPER_IDBITS, cbaserAddress, cmdBufferSize, maxLpisPropbaser } from './vgic-its-regs.js';

// Opcodes (GITS_CMD_*; IHI 0069 5.3 ITS command encodings)
export const GITS_CMD_MOVI = 0x01;
export const GITS_CMD_INT = 0x03;
export const GITS_CMD_CLEAR = 0x04;
export const GITS_CMD_SYNC = 0x05;
export const GITS_CMD_MAPD = 0x08;
export const GITS_CMD_MAPC = 0x09;
export const GITS_CMD_MAPTI = 0x0a;
export const GITS_CMD_MAPI = 0x0b;
export const GITS_CMD_INV = 0x0c;
export const GITS_CMD_INVALL = 0x0d;
export const GITS_CMD_MOVALL = 0x0e;
export const GITS_CMD_DISCARD = 0x0f;

// Error codes KVM's handlers return (vgic-its.c vgic_its_cmd_handle_*; IHI 0069 5.5 ITS command error encodings)
export const E_ITS_MOVI_UNMAPPED_INTERRUPT = 0x010107;
export const E_ITS_MOVI_UNMAPPED_COLLECTION = 0x010109;
export const E_ITS_CLEAR_UNMAPPED_INTERRUPT = 0x010507;
export const E_ITS_MAPD_DEVICE_OOR = 0x010801;
export const E_ITS_MAPD_ITTSIZE_OOR = 0x010802;
export const E_ITS_MAPC_PROCNUM_OOR = 0x010902;
export const E_ITS_MAPC_COLLECTION_OOR = 0x010903;
export const E_ITS_MAPTI_UNMAPPED_DEVICE = 0x010a04;
export const E_ITS_MAPTI_ID_OOR = 0x010a05;
export const E_ITS_MAPTI_PHYSICALID_OOR = 0x010a06;
export const E_ITS_INV_UNMAPPED_INTERRUPT = 0x010c07;
export const E_ITS_INVALL_UNMAPPED_COLLECTION = 0x010d09;
export const E_ITS_MOVALL_PROCNUM_OOR = 0x010e01;
export const E_ITS_DISCARD_UNMAPPED_INTERRUPT = 0x010f07;
/** what vgic_its_handle_command returns for an opcode it does not know (GICv4 V* included) */
export const ITS_CMD_UNKNOWN = -19; // -ENODEV

/** A command as KVM holds it: four little-endian u64 as eight u32 (w[2k] = low half of DWk). */
export type ItsCmdWords = Uint32Array;

// its_cmd_get_* (field positions: vgic-its.c vgic_its_cmd_handle_*)
export const itsCmdGetCommand = (c: ItsCmdWords): number => c[0]! & 0xff;
export const itsCmdGetDeviceId = (c: ItsCmdWords): number => c[1]!;
/** Size field + 1: the number of EventID bits */
export const itsCmdGetSize = (c: ItsCmdWords): number => (c[2]! & 0x1f) + 1;
export const itsCmdGetId = (c: ItsCmdWords): number => c[2]!;
export const itsCmdGetPhysicalId = (c: ItsCmdWords): number => c[3]!;
export const itsCmdGetCollection = (c: ItsCmdWords): number => c[4]! & 0xffff;
/** ITT_addr: DW2[51:8] in place */
export const itsCmdGetIttAddr = (c: ItsCmdWords): number => (c[5]! & 0xf_ffff) * 0x1_0000_0000 + ((c[4]! & 0xffff_ff00) >>> 0);
/** RDbase as KVM reads it: DW2[47:16] (32 bits; the vCPU id since GITS_TYPER.PTA = 0) */
export const itsCmdGetTargetAddr = (c: ItsCmdWords): number => ((c[4]! >>> 16) | ((c[5]! & 0xffff) << 16)) >>> 0;
export const itsCmdGetValidBit = (c: ItsCmdWords): boolean => (c[5]! >>> 31) !== 0;
/** MOVALL's second RDbase: DW3[47:16] */
export const itsCmdGetTargetAddr2 = (c: ItsCmdWords): number => ((c[6]! >>> 16) | ((c[7]! & 0xffff) << 16)) >>> 0;

/** vgic_its_cmd_handle_discard: needs an ITE whose collection exists and is mapped (choice.u45.discard-pending, choice.u46.unmapped-collection-cmd) */
export function vgicItsCmdHandleDiscard(its: VgicIts, cmd: ItsCmdWords): number {
  const deviceId = itsCmdGetDeviceId(cmd);
  const eventId = itsCmdGetId(cmd);
  const ite = findIte(its, deviceId, eventId);
  if (ite !== null && isCollectionMapped(ite.collection)) {
    const device = findItsDevice(its, deviceId)!;
    const gpa = device.ittAddr + ite.eventId * ABI_0_ESZ;
    // KVM does not remove pending state already queued to a vCPU (comment in the handler; choice.u45.discard-pending)
    its.cache.invalidate();
    itsFreeIte(its, device, ite);
    return writeEntry(its.dist, gpa, 0n);
  }
  return E_ITS_DISCARD_UNMAPPED_INTERRUPT;
}

/** vgic_its_cmd_handle_movi: the current and the new collection must both be mapped */
export function vgicItsCmdHandleMovi(its: VgicIts, cmd: ItsCmdWords): number {
  const ite = findIte(its, itsCmdGetDeviceId(cmd), itsCmdGetId(cmd));
  if (ite === null) return E_ITS_MOVI_UNMAPPED_INTERRUPT;
  if (!isCollectionMapped(ite.collection)) return E_ITS_MOVI_UNMAPPED_COLLECTION;
  const collection = findCollection(its, itsCmdGetCollection(cmd));
  if (!isCollectionMapped(collection)) return E_ITS_MOVI_UNMAPPED_COLLECTION;

  ite.collection = collection;
  const vcpu = collectionToVcpu(its.dist, collection);
  its.cache.invalidate();
  return ite.irq !== null ? updateAffinity(its.vm, ite.irq, null, vcpu) : 0;
}

/**
 * vgic_its_cmd_handle_mapi (MAPTI and MAPI): an existing ITE for the EventID is kept (returns 0,
 * choice.u38.mapti-remap-event); an unknown ICID gets an unmapped placeholder collection.
 */
export function vgicItsCmdHandleMapi(its: VgicIts, cmd: ItsCmdWords): number {
  const deviceId = itsCmdGetDeviceId(cmd);
  const eventId = itsCmdGetId(cmd);
  const collId = itsCmdGetCollection(cmd);

  const device = findItsDevice(its, deviceId);
  if (device === null) return E_ITS_MAPTI_UNMAPPED_DEVICE;
  if (!vgicItsCheckEventId(its, device, eventId)) return E_ITS_MAPTI_ID_OOR;

  const lpiNr = itsCmdGetCommand(cmd) === GITS_CMD_MAPTI ? itsCmdGetPhysicalId(cmd) : eventId;
  // KVM compares as a signed int: a pINTID >= 2^31 is negative there and fails the first test
  if (lpiNr < GIC_LPI_OFFSET || lpiNr >= maxLpisPropbaser(its.dist.propbaser)) return E_ITS_MAPTI_PHYSICALID_OOR;

  // If there is an existing mapping, behavior is UNPREDICTABLE: KVM keeps it
  if (findIte(its, deviceId, eventId) !== null) return 0;

  let collection = findCollection(its, collId);
  let newColl = false;
  if (collection === null) {
    if (vgicItsCheckId(its, its.baserCollTable, collId) < 0) return E_ITS_MAPC_COLLECTION_OOR;
    collection = allocCollection(its, collId);
    newColl = true;
  }

  const ite = allocIte(device, collection, eventId);
  const vcpu = isCollectionMapped(collection) ? collectionToVcpu(its.dist, collection) : null;
  const irq = vgicAddLpi(its.vm, lpiNr, vcpu);
  if (typeof irq === 'number') {
    if (newColl) freeCollection(its, collId);
    itsFreeIte(its, device, ite);
    return irq;
  }
  ite.irq = irq;
  return 0;
}

/**
 * vgic_its_cmd_handle_mapd: DeviceID must fit the device table with its entry in RAM; an existing
 * device is freed first even for V=1 (choice.u37.mapd-with-ites); V=0 on an unmapped device is fine (choice.u36.mapd-unmap-unmapped) and zeroes the DTE.
 */
export function vgicItsCmdHandleMapd(its: VgicIts, cmd: ItsCmdWords): number {
  const deviceId = itsCmdGetDeviceId(cmd);
  const valid = itsCmdGetValidBit(cmd);
  const numEventidBits = itsCmdGetSize(cmd);
  const ittAddr = itsCmdGetIttAddr(cmd);

  const gpa = vgicItsCheckId(its, its.baserDeviceTable, deviceId);
  if (gpa < 0) return E_ITS_MAPD_DEVICE_OOR;
  if (valid && numEventidBits > VITS_TYPER_IDBITS) return E_ITS_MAPD_ITTSIZE_OOR;

  const device = findItsDevice(its, deviceId);
  if (device !== null) freeDevice(its, device);

  if (!valid) return writeEntry(its.dist, gpa, 0n);

  allocDevice(its, deviceId, ittAddr, numEventidBits);
  return 0;
}

/**
 * vgic_its_cmd_handle_mapc: V=0 frees the collection (its ITEs are detached for good, choice.u41.mapc-unmap-in-use) and
 * invalidates the cache, whatever RDbase says; V=1 needs RDbase = an existing vCPU id, and a
 * mapped collection is retargeted with every ITE's LPI (choice.u40.mapc-retarget-pending) -- without invalidating the cache.
 *
 * Note: kernels before 6.8 checked RDbase (PROCNUM_OOR) before looking at V, so MAPC V=0 with a bad
 * RDbase was an error there (choice.u42.mapc-unmap-bad-rd); current KVM (kvm_get_vcpu_by_id in the V=1 branch,
 * vgic-its.c vgic_its_cmd_handle_*) unmaps.
 */
export function vgicItsCmdHandleMapc(its: VgicIts, cmd: ItsCmdWords): number {
  const valid = itsCmdGetValidBit(cmd);
  const collId = itsCmdGetCollection(cmd);

  if (!valid) {
    freeCollection(its, collId);
    its.cache.invalidate();
    return 0;
  }
  const vcpu = getVcpuById(its.dist, itsCmdGetTargetAddr(cmd));
  if (vcpu === null) return E_ITS_MAPC_PROCNUM_OOR;

  const collection = findCollection(its, collId);
  if (collection === null) {
    if (vgicItsCheckId(its, its.baserCollTable, collId) < 0) return E_ITS_MAPC_COLLECTION_OOR;
    allocCollection(its, collId).targetAddr = vcpu.vcpuId;
  } else {
    collection.targetAddr = vcpu.vcpuId;
    updateAffinityCollection(its, collection);
  }
  return 0;
}

/** vgic_its_cmd_handle_clear: the collection is not checked (choice.u46.unmapped-collection-cmd); an LPI already in an LR is re-latched on fold */
export function vgicItsCmdHandleClear(its: VgicIts, cmd: ItsCmdWords): number {
  const ite = findIte(its, itsCmdGetDeviceId(cmd), itsCmdGetId(cmd));
  if (ite === null || ite.irq === null) return E_ITS_CLEAR_UNMAPPED_INTERRUPT;
  ite.irq.pendingLatch = false;
  if (ite.irq.hw && its.vm.v4 !== null) return its.vm.v4.setVlpiPending(ite.irq, false);
  return 0;
}

/** vgic_its_inv_lpi (GICR_INVLPIR goes the same way: VgicItsOps.invLpi) */
export function vgicItsInvLpi(its: VgicIts, irq: VgicIrq): number {
  return updateLpiConfig(its.vm, irq, null, true);
}

/** vgic_its_cmd_handle_inv: the collection is not checked (choice.u46.unmapped-collection-cmd) */
export function vgicItsCmdHandleInv(its: VgicIts, cmd: ItsCmdWords): number {
  const ite = findIte(its, itsCmdGetDeviceId(cmd), itsCmdGetId(cmd));
  if (ite === null || ite.irq === null) return E_ITS_INV_UNMAPPED_INTERRUPT;
  return vgicItsInvLpi(its, ite.irq);
}

/** vgic_its_cmd_handle_invall: every LPI of the VM (all ITSes) targeting the collection's vCPU (choice.u48.invall-scope) */
export function vgicItsCmdHandleInvall(its: VgicIts, cmd: ItsCmdWords): number {
  const collection = findCollection(its, itsCmdGetCollection(cmd));
  if (!isCollectionMapped(collection)) return E_ITS_INVALL_UNMAPPED_COLLECTION;
  const vcpu = collectionToVcpu(its.dist, collection);
  if (vcpu !== null) vgicItsInvall(its.vm, vcpu);
  return 0;
}

/** vgic_its_cmd_handle_movall: every LPI of the VM targeting RD1 now targets RD2; collections unchanged (choice.u47.movall-live-collections) */
export function vgicItsCmdHandleMovall(its: VgicIts, cmd: ItsCmdWords): number {
  const dist = its.dist;
  const vcpu1 = getVcpuById(dist, itsCmdGetTargetAddr(cmd));
  const vcpu2 = getVcpuById(dist, itsCmdGetTargetAddr2(cmd));
  if (vcpu1 === null || vcpu2 === null) return E_ITS_MOVALL_PROCNUM_OOR;
  if (vcpu1 === vcpu2) return 0;
  // kvm_arm_halt_guest: every running vCPU exits first, so LRs are folded before the retarget
  // (an LPI sitting in one of RD1's LRs cannot be acknowledged there afterwards)
  its.vm.guest?.halt();
  for (const intid of lpiIntidsAscending(dist)) {
    const irq = vgicGetIrq(dist, null, intid);
    if (irq === null) continue;
    updateAffinity(its.vm, irq, vcpu1, vcpu2);
    vgicPutIrq(dist, irq);
  }
  its.cache.invalidate();
  its.vm.guest?.resume();
  return 0;
}

/** vgic_its_cmd_handle_int: an MSI from inside the ITS (fills the translation cache) */
export function vgicItsCmdHandleInt(its: VgicIts, cmd: ItsCmdWords): number {
  return vgicItsTriggerMsi(its, itsCmdGetDeviceId(cmd), itsCmdGetId(cmd));
}

/** vgic_its_handle_command: dispatch; SYNC is a no-op, anything else unknown (GICv4 V* too) is -ENODEV */
export function vgicItsHandleCommand(its: VgicIts, cmd: ItsCmdWords): number {
  switch (itsCmdGetCommand(cmd)) {
    case GITS_CMD_MAPD: return vgicItsCmdHandleMapd(its, cmd);
    case GITS_CMD_MAPC: return vgicItsCmdHandleMapc(its, cmd);
    case GITS_CMD_MAPI: return vgicItsCmdHandleMapi(its, cmd);
    case GITS_CMD_MAPTI: return vgicItsCmdHandleMapi(its, cmd);
    case GITS_CMD_MOVI: return vgicItsCmdHandleMovi(its, cmd);
    case GITS_CMD_DISCARD: return vgicItsCmdHandleDiscard(its, cmd);
    case GITS_CMD_CLEAR: return vgicItsCmdHandleClear(its, cmd);
    case GITS_CMD_MOVALL: return vgicItsCmdHandleMovall(its, cmd);
    case GITS_CMD_INT: return vgicItsCmdHandleInt(its, cmd);
    case GITS_CMD_INV: return vgicItsCmdHandleInv(its, cmd);
    case GITS_CMD_INVALL: return vgicItsCmdHandleInvall(its, cmd);
    case GITS_CMD_SYNC: return 0; // everything is synchronous
    default: return ITS_CMD_UNKNOWN;
  }
}

// One command buffer, reused: processing never re-enters itself.
const cmdBytes = new Uint8Array(ITS_CMD_SIZE);
const cmdWords = new Uint32Array(8);

/** kvm_read_guest of one command into cmdWords; false when the range is not RAM */
function readCommand(its: VgicIts, gpa: number): boolean {
  const mem = its.dist.mem;
  if (!mem.isRam(gpa, ITS_CMD_SIZE)) return false;
  for (let i = 0; i < ITS_CMD_SIZE; i++) cmdBytes[i] = mem.readU8(gpa + i);
  for (let i = 0; i < 8; i++) {
    const o = i * 4;
    cmdWords[i] = (cmdBytes[o]! | (cmdBytes[o + 1]! << 8) | (cmdBytes[o + 2]! << 16) | (cmdBytes[o + 3]! << 24)) >>> 0;
  }
  return true;
}

/**
 * vgic_its_process_commands: only while enabled; every command from CREADR up to CWRITER, wrapping
 * at the end of the queue. A command that cannot be read is skipped; results are dropped.
 */
export function vgicItsProcessCommands(its: VgicIts): void {
  if (!its.enabled) return;
  const cbaser = cbaserAddress(its.cbaser);
  const size = cmdBufferSize(its.cbaser);
  while (its.cwriter !== its.creadr) {
    if (readCommand(its, cbaser + its.creadr)) {
      its.lastCommandResult = vgicItsHandleCommand(its, cmdWords);
    } else {
      its.lastCommandResult = -EFAULT;
    }
    its.creadr += ITS_CMD_SIZE;
    if (its.creadr === size) its.creadr = 0;
  }
}

/** For tests and debugging: the result of one command given as four 64-bit words. */
export function itsCmdWordsFrom(dw: readonly bigint[]): ItsCmdWords {
  const w = new Uint32Array(8);
  for (let i = 0; i < 4; i++) {
    const v = BigInt.asUintN(64, dw[i] ?? 0n);
    w[2 * i] = Number(v & 0xffff_ffffn);
    w[2 * i + 1] = Number(v >> 32n);
  }
  return w;
}

