// The KVM vITS (arch/arm64/kvm/vgic/vgic-its.c): one per config.its at the layout addresses, its
// MMIO registers (its_registers[]), MSI injection with the translation-cache fast path, the
// redistributor-side entry points and the ITS device attributes (ITS_REGS, CTRL save/restore/reset).
// Facts: Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI-1.13. Commands: vgic-its-cmd.ts; table ABI: vgic-its-abi.ts.
import type { VgicCpu, VgicDist, VgicIrq, VgicItsOps, VgicItsV4Hooks } from './types.js';
import { itsBase, GITS_SIZE } from '../../spec/layout.js';
import { vgicPutIrq, vgicQueueIrqUnlock } from './vgic.js';
import {
  KVM_MSI_VALID_DEVID, VgicIts, type ItsGuestControl, type VgicItsVm, freeCollectionList, freeDeviceList,
  itsSyncLpiPendingTable, updateLpiConfig, vgicItsInvall, vgicItsResolveLpi, vgicItsTriggerMsi,
} from './vgic-its-state.js';
import { EBUSY, EEXIST, EINVAL, ENODEV, ENXIO } from '../../spec/errno.js';
import { vgicItsProcessCommands } from './vgic-its-cmd.js';
import { vgicItsRestoreTablesV0, vgicItsSaveTablesV0 } from './vgic-its-abi.js';
import {
  BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, BASER_VALID, CBASER_VALID, GITS_BASER, GITS_CBASER, GITS_CREADR,
  GITS_CTLR, GITS_CTLR_ENABLE, GITS_CTLR_QUIESCENT, GITS_CWRITER, GITS_IDREGS_BASE, GITS_IIDR, GITS_PIDR4,
  GITS_TYPER, INITIAL_PROPBASER_VALUE, NR_ITS_ABIS, VITS_TYPER_VALUE, cmdBufferSize, cmdOffset, extractBytes,
  iidrRevision, itsIdReg, itsIidr, sanitiseBaserWrite, sanitiseCbaser, update64BitReg,
} from './vgic-its-regs.js';

export { VgicIts } from './vgic-its-state.js';
export type { ItsGuestControl, VgicItsV4Hooks, VgicItsVm } from './vgic-its-state.js';

// ---------------------------------------------------------------- register handlers

/** vgic_mmio_read_its_ctlr: Quiescent = CREADR == CWRITER even while enabled (choice.u34.quiescent-enabled) */
function readCtlr(its: VgicIts): bigint {
  let reg = 0;
  if (its.creadr === its.cwriter) reg |= GITS_CTLR_QUIESCENT;
  if (its.enabled) reg |= GITS_CTLR_ENABLE;
  return BigInt(reg >>> 0);
}

/** vgic_mmio_write_its_ctlr: enabling needs BASER0, BASER1 and CBASER Valid (choice.u31.enable-without-tables); disabling drops the cache */
function writeCtlr(its: VgicIts, _off: number, _len: number, val: bigint): void {
  const enable = (val & BigInt(GITS_CTLR_ENABLE)) !== 0n;
  if (!its.enabled && enable &&
    ((its.baserDeviceTable & BASER_VALID) === 0n || (its.baserCollTable & BASER_VALID) === 0n || (its.cbaser & CBASER_VALID) === 0n)) {
    return;
  }
  its.enabled = enable;
  if (!its.enabled) its.cache.invalidate();
  vgicItsProcessCommands(its);
}

const readIidr = (its: VgicIts): bigint => BigInt(itsIidr(its.abiRev));

/** vgic_mmio_uaccess_write_its_iidr: userspace selects the table ABI by Revision */
function uaccessWriteIidr(its: VgicIts, _off: number, _len: number, val: bigint): number {
  const rev = iidrRevision(val);
  if (rev >= NR_ITS_ABIS) return -EINVAL;
  its.abiRev = rev; // vgic_its_set_abi; ABI 0's commit sets the 8-byte entry sizes BASER0/1 already show
  return 0;
}

const readTyper = (_its: VgicIts, off: number, len: number): bigint => extractBytes(VITS_TYPER_VALUE, off & 7, len);
const readCbaser = (its: VgicIts, off: number, len: number): bigint => extractBytes(its.cbaser, off & 7, len);

/** vgic_mmio_write_its_cbaser: ignored while enabled; sanitised; CREADR = CWRITER = 0 (choice.u29.cbaser-low-bits, choice.u30.baser-write-enabled) */
function writeCbaser(its: VgicIts, off: number, len: number, val: bigint): void {
  if (its.enabled) return;
  its.cbaser = sanitiseCbaser(update64BitReg(its.cbaser, off & 7, len, val));
  its.creadr = 0;
  its.cwriter = its.creadr;
}

/** vgic_mmio_write_its_cwriter: an offset beyond the queue ignores the whole write (choice.u28.cwriter-oor); else process now */
function writeCwriter(its: VgicIts, off: number, len: number, val: bigint): void {
  const reg = cmdOffset(update64BitReg(BigInt(its.cwriter), off & 7, len, val));
  if (reg >= cmdBufferSize(its.cbaser)) return;
  its.cwriter = reg;
  vgicItsProcessCommands(its);
}

const readCwriter = (its: VgicIts, off: number, len: number): bigint => extractBytes(BigInt(its.cwriter), off & 7, len);
const readCreadr = (its: VgicIts, off: number, len: number): bigint => extractBytes(BigInt(its.creadr), off & 7, len);

/** vgic_mmio_uaccess_write_its_creadr: only while disabled (-EBUSY), only inside the queue (-EINVAL) */
function uaccessWriteCreadr(its: VgicIts, _off: number, _len: number, val: bigint): number {
  if (its.enabled) return -EBUSY;
  const off = cmdOffset(val);
  if (off >= cmdBufferSize(its.cbaser)) return -EINVAL;
  its.creadr = off;
  return 0;
}

const baserIndex = (off: number): number => (off >>> 3) & 7;

function readBaser(its: VgicIts, off: number, len: number): bigint {
  const i = baserIndex(off);
  const reg = i === 0 ? its.baserDeviceTable : i === 1 ? its.baserCollTable : 0n;
  return extractBytes(reg, off & 7, len);
}

/** vgic_mmio_write_its_baser: only BASER0/1; ignored while enabled; Valid=0 frees all devices / collections (choice.u32.baser-valid-toggle) */
function writeBaser(its: VgicIts, off: number, len: number, val: bigint): void {
  if (its.enabled) return;
  const i = baserIndex(off);
  if (i > 1) return;
  const type = i === 0 ? BASER_TYPE_DEVICE : BASER_TYPE_COLLECTION;
  const old = i === 0 ? its.baserDeviceTable : its.baserCollTable;
  const reg = sanitiseBaserWrite(update64BitReg(old, off & 7, len, val), type);
  if (i === 0) its.baserDeviceTable = reg;
  else its.baserCollTable = reg;
  if ((reg & BASER_VALID) === 0n) {
    if (type === BASER_TYPE_DEVICE) freeDeviceList(its);
    else freeCollectionList(its);
  }
}

const readIdregs = (_its: VgicIts, off: number): bigint => BigInt(itsIdReg(off));
const writeIgnored = (): void => {};

const ACCESS_32 = 1;
const ACCESS_64 = 2;

interface ItsRegion {
  readonly offset: number;
  readonly len: number;
  readonly access: number;
  read(its: VgicIts, off: number, len: number): bigint;
  write(its: VgicIts, off: number, len: number, val: bigint): void;
  /** userspace write handler when it differs (returns an errno) */
  uaccessWrite?(its: VgicIts, off: number, len: number, val: bigint): number;
}

/** its_registers[], sorted by offset. GITS_TRANSLATER is deliberately absent (vgic-its.c its_registers[]). */
const ITS_REGISTERS: readonly ItsRegion[] = [
  { offset: GITS_CTLR, len: 4, access: ACCESS_32, read: readCtlr, write: writeCtlr },
  { offset: GITS_IIDR, len: 4, access: ACCESS_32, read: readIidr, write: writeIgnored, uaccessWrite: uaccessWriteIidr },
  { offset: GITS_TYPER, len: 8, access: ACCESS_64 | ACCESS_32, read: readTyper, write: writeIgnored },
  { offset: GITS_CBASER, len: 8, access: ACCESS_64 | ACCESS_32, read: readCbaser, write: writeCbaser },
  { offset: GITS_CWRITER, len: 8, access: ACCESS_64 | ACCESS_32, read: readCwriter, write: writeCwriter },
  { offset: GITS_CREADR, len: 8, access: ACCESS_64 | ACCESS_32, read: readCreadr, write: writeIgnored, uaccessWrite: uaccessWriteCreadr },
  { offset: GITS_BASER, len: 0x40, access: ACCESS_64 | ACCESS_32, read: readBaser, write: writeBaser },
  { offset: GITS_IDREGS_BASE, len: 0x30, access: ACCESS_32, read: readIdregs, write: writeIgnored },
];

/** vgic_find_mmio_region */
function findRegion(offset: number): ItsRegion | null {
  for (const r of ITS_REGISTERS) if (offset >= r.offset && offset < r.offset + r.len) return r;
  return null;
}

/** vgic_get_mmio_region + check_region: the region a guest access of `len` bytes may use, or null (RAZ/WI) */
function guestRegion(offset: number, len: number): ItsRegion | null {
  const flag = len === 4 ? ACCESS_32 : len === 8 ? ACCESS_64 : 0;
  if (flag === 0 || offset % len !== 0) return null;
  const r = findRegion(offset);
  return r !== null && (r.access & flag) !== 0 ? r : null;
}

// ---------------------------------------------------------------- the VM's vITSes

export interface VgicItsSet extends VgicItsOps {
  readonly vm: VgicItsVm;
  /** struct vgic_its of ITS n */
  its(n: number): VgicIts;
  /** the run loop's kvm_arm_halt_guest / kvm_arm_resume_guest (MOVALL halts the guest around its walk) */
  setGuestControl(guest: ItsGuestControl | null): void;
}

class VgicItsDevices implements VgicItsSet {
  readonly vm: VgicItsVm;

  constructor(dist: VgicDist, count: number) {
    const list: VgicIts[] = [];
    this.vm = { dist, v4: null, guest: null, its: list };
    for (let n = 0; n < count; n++) list.push(new VgicIts(this.vm, n, itsBase(n)));
  }

  its(n: number): VgicIts {
    const its = this.vm.its[n];
    if (its === undefined) throw new Error(`vITS ${n} does not exist (the VM has ${this.vm.its.length})`);
    return its;
  }

  setV4Hooks(hooks: VgicItsV4Hooks | null): void {
    this.vm.v4 = hooks;
  }

  setGuestControl(guest: ItsGuestControl | null): void {
    this.vm.guest = guest;
  }

  /** Guest MMIO: width in bits (8, 32, 64) as in the scenario's mmio ops; bad accesses are RAZ/WI. */
  mmioRead(n: number, offset: number, width: number): bigint {
    const its = this.its(n);
    const len = width >>> 3;
    const r = guestRegion(offset, len);
    return r === null ? 0n : r.read(its, offset, len);
  }

  mmioWrite(n: number, offset: number, width: number, value: bigint): void {
    const its = this.its(n);
    const len = width >>> 3;
    const r = guestRegion(offset, len);
    if (r !== null) r.write(its, offset, len, BigInt.asUintN(len * 8, value));
  }

  /** __vgic_doorbell_to_its: any address inside an ITS's 128 KiB frame pair names that ITS (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI) */
  doorbellToIts(address: number): VgicIts | null {
    for (const its of this.vm.its) if (address >= its.base && address < its.base + GITS_SIZE) return its;
    return null;
  }

  /**
   * vgic_its_inject_msi: 1 delivered, 0 blocked by the guest, or -errno. The cached fast path runs
   * first, before the KVM_MSI_VALID_DEVID check (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI).
   */
  injectMsi(address: number, data: number, devid: number, flags: number): number {
    // vgic_its_inject_cached_translation: a Map lookup and a queue, nothing allocated
    if (devid <= 0xffff && eventOk(data)) {
      const its = this.doorbellToIts(address);
      if (its !== null) {
        const irq = its.cache.lookup(devid, data);
        if (irq !== null) {
          const dist = this.vm.dist;
          irq.pendingLatch = true;
          vgicQueueIrqUnlock(dist, irq);
          vgicPutIrq(dist, irq);
          return 1;
        }
      }
    }
    // vgic_msi_to_its
    if (this.vm.its.length === 0) return -ENODEV;
    if ((flags & KVM_MSI_VALID_DEVID) === 0) return -EINVAL;
    const its = this.doorbellToIts(address);
    if (its === null) return -EINVAL;
    const ret = vgicItsTriggerMsi(its, devid >>> 0, data >>> 0);
    if (ret < 0) return ret;
    // KVM_SIGNAL_MSI: > 0 delivered, 0 for any mapping error (the guest blocked it)
    return ret !== 0 ? 0 : 1;
  }

  /**
   * vgic_msi_to_its + vgic_its_resolve_lpi, for kvm_vgic_v4_set_forwarding: the LPI an MSI route
   * targets (the translation is cached on the way, as in KVM), or a non-zero code (positive ITS
   * error or -errno).
   */
  resolveMsi(address: number, data: number, devid: number, flags: number): VgicIrq | number {
    if (this.vm.its.length === 0) return -ENODEV;
    if ((flags & KVM_MSI_VALID_DEVID) === 0) return -EINVAL;
    const its = this.doorbellToIts(address);
    if (its === null) return -EINVAL;
    return vgicItsResolveLpi(its, devid >>> 0, data >>> 0);
  }

  /** vgic_its_invalidate_all_caches (GICR_CTLR.EnableLPIs cleared) */
  invalidateAllCaches(): void {
    for (const its of this.vm.its) its.cache.invalidate();
  }

  /** vgic_enable_lpis -> its_sync_lpi_pending_table (the caller checks PTZ) */
  syncLpiPendingTable(vcpu: VgicCpu): void {
    itsSyncLpiPendingTable(this.vm, vcpu);
  }

  /** vgic_its_inv_lpi (GICR_INVLPIR) */
  invLpi(irq: VgicIrq): void {
    updateLpiConfig(this.vm, irq, null, true);
  }

  /** vgic_its_invall (GICR_INVALLR) */
  invAll(vcpu: VgicCpu): void {
    vgicItsInvall(this.vm, vcpu);
  }

  /**
   * The ITS device's attributes (vgic_its_set_attr / vgic_its_get_attr). group ITS_REGS takes
   * attr {offset}; CTRL takes ITS_SAVE_TABLES, ITS_RESTORE_TABLES, ITS_RESET, INIT; ADDR takes ITS.
   * vCPUs are never inside KVM_RUN while userspace makes these calls here, so -EBUSY does not arise.
   */
  deviceAttr(n: number, group: string, attr: unknown, access: 'get' | 'set', value: bigint | undefined): { errno: number; value?: bigint } {
    const its = this.vm.its[n];
    if (its === undefined) return { errno: -ENXIO };
    switch (group) {
      case 'ADDR':
        if (attr !== 'ITS' && attr !== KVM_VGIC_ITS_ADDR_TYPE) return { errno: -ENODEV };
        // the address is set at VM creation: vgic_check_iorange refuses a second one
        return access === 'get' ? { errno: 0, value: BigInt(its.base) } : { errno: -EEXIST };
      case 'CTRL':
        if (access !== 'set') return { errno: -ENXIO };
        return { errno: vgicItsCtrl(its, attr) };
      case 'ITS_REGS': {
        // the attr is the register offset, given as {offset} (or as the raw number)
        const offset = typeof attr === 'number' ? attr : typeof attr === 'object' && attr !== null ? (attr as { offset?: unknown }).offset : undefined;
        if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return { errno: -EINVAL };
        return vgicItsAttrRegsAccess(its, offset, access, value ?? 0n);
      }
      default:
        return { errno: -ENXIO };
    }
  }
}

function eventOk(data: number): boolean {
  return data >= 0 && data <= 0xffff;
}

/** vgic_its_attr_regs_access: 64-bit registers only as whole 64-bit values */
function vgicItsAttrRegsAccess(its: VgicIts, offset: number, access: 'get' | 'set', value: bigint): { errno: number; value?: bigint } {
  const align = offset < GITS_TYPER || offset >= GITS_PIDR4 ? 3 : 7;
  if ((offset & align) !== 0) return { errno: -EINVAL };
  const r = findRegion(offset);
  if (r === null) return { errno: -ENXIO };
  const len = (r.access & ACCESS_64) !== 0 ? 8 : 4;
  if (access === 'set') {
    const val = BigInt.asUintN(64, value);
    if (r.uaccessWrite !== undefined) return { errno: r.uaccessWrite(its, offset, len, val) };
    r.write(its, offset, len, val);
    return { errno: 0 };
  }
  return { errno: 0, value: r.read(its, offset, len) };
}

/** vgic_its_reset (KVM_DEV_ARM_ITS_CTRL_RESET): BASERn.Valid cleared (other fields kept), queue registers 0, disabled, all freed */
function vgicItsReset(its: VgicIts): void {
  its.baserCollTable &= ~BASER_VALID;
  its.baserDeviceTable &= ~BASER_VALID;
  its.cbaser = 0n;
  its.creadr = 0;
  its.cwriter = 0;
  its.enabled = false;
  freeDeviceList(its);
  freeCollectionList(its);
}

// KVM_DEV_ARM_VGIC_GRP_CTRL attrs (uapi asm/kvm.h) and KVM_VGIC_ITS_ADDR_TYPE, for numeric attrs
const CTRL_ATTRS: Record<number, string> = { 0: 'INIT', 1: 'ITS_SAVE_TABLES', 2: 'ITS_RESTORE_TABLES', 3: 'SAVE_PENDING_TABLES', 4: 'ITS_RESET' };
const KVM_VGIC_ITS_ADDR_TYPE = 4;

/** vgic_its_ctrl: SAVE_PENDING_TABLES belongs to the vGIC device, not the ITS (-ENXIO here) */
function vgicItsCtrl(its: VgicIts, attr: unknown): number {
  switch (typeof attr === 'number' ? CTRL_ATTRS[attr] : attr) {
    case 'INIT': return 0;
    case 'ITS_RESET': vgicItsReset(its); return 0;
    case 'ITS_SAVE_TABLES': return vgicItsSaveTablesV0(its);
    case 'ITS_RESTORE_TABLES': return vgicItsRestoreTablesV0(its);
    default: return -ENXIO;
  }
}

/**
 * Create the VM's vITSes (vgic_its_create for each of config.its, at the layout addresses) and
 * install them as dist.its. Creating an ITS sets GICR_PROPBASER to KVM's initial value.
 */
export function createVgicIts(dist: VgicDist, count: number): VgicItsSet {
  const set = new VgicItsDevices(dist, count);
  if (count > 0) {
    dist.propbaser = INITIAL_PROPBASER_VALUE;
    dist.its = set;
  }
  return set;
}
