// The GICv3 distributor and redistributor frames as KVM emulates them, after Linux
// arch/arm64/kvm/vgic/vgic-mmio-v3.c and the dispatch of vgic-mmio.c (vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c; vgic-its.c vgic_its_cmd_handle_*):
// register tables with access widths, guest (trap-and-emulate) and userspace (uaccess) paths,
// GICD_CTLR/TYPER/IIDR/TYPER2, IROUTER, GICR_CTLR/IIDR/TYPER/WAKER/PROPBASER/PENDBASER/
// INVLPIR/INVALLR/SYNCR, and SGI generation from ICC_SGI1R_EL1 (vgic_v3_dispatch_sgi).
// Unknown, misaligned or wrong-width guest accesses are RAZ/WI.
import type { VgicCpu, VgicIrq } from './types.js';
import {
  type VgicCpuState, type VgicDistState, VGIC_MIN_LPI, VGIC_NR_PRIVATE_IRQS, vgicFlushPendingLpis, vgicGetIrq,
  vgicKickVcpus, vgicLpisEnabled, vgicPutIrq, vgicQueueIrqUnlock,
} from './vgic.js';
import {
  type VgicMmioCtx, vgicAddrToIntid, vgicMmioReadActive, vgicMmioReadConfig, vgicMmioReadEnable,
  vgicMmioReadGroup, vgicMmioReadPending, vgicMmioReadPriority, vgicMmioReadRaz, vgicMmioUaccessWriteCactive,
  vgicMmioUaccessWriteSactive, vgicMmioWriteCactive, vgicMmioWriteCenable, vgicMmioWriteConfig, vgicMmioWriteCpending,
  vgicMmioWriteGroup, vgicMmioWritePriority, vgicMmioWriteSactive, vgicMmioWriteSenable, vgicMmioWriteSpending,
  vgicMmioWriteWi, vgicUaccessReadActive, vgicV3UaccessReadPending, vgicV3UaccessWritePending,
} from './vgic-mmio.js';

import { EINVAL } from '../../spec/errno.js';

const ACC_8 = 1;
const ACC_32 = 4;
const ACC_64 = 8;

type Read32 = (c: VgicMmioCtx, addr: number, len: number) => number;
type Write32 = (c: VgicMmioCtx, addr: number, len: number, val: number) => void;
type UWrite = (c: VgicMmioCtx, addr: number, len: number, val: number) => number;
type Read64 = (c: VgicMmioCtx, addr: number, len: number) => bigint;
type Write64 = (c: VgicMmioCtx, addr: number, len: number, val: bigint) => void;

/** struct vgic_register_region */
interface Region {
  offset: number;
  len: number;
  bitsPerIrq: number;
  access: number;
  read?: Read32;
  write?: Write32;
  /** registers that may be accessed as 64 bits */
  read64?: Read64;
  write64?: Write64;
  uaccessRead?: Read32;
  uaccessWrite?: UWrite;
}

function reg(offset: number, len: number, access: number, read: Read32, write: Write32, uaccessRead?: Read32, uaccessWrite?: UWrite): Region {
  return { offset, len, bitsPerIrq: 0, access, read, write, uaccessRead, uaccessWrite };
}
function reg64(offset: number, len: number, read64: Read64, write64: Write64): Region {
  return { offset, len, bitsPerIrq: 0, access: ACC_32 | ACC_64, read64, write64 };
}
/** REGISTER_DESC_WITH_BITS_PER_IRQ (redistributor SGI frame: the 32 private interrupts) */
function perIrq(offset: number, bpi: number, access: number, read: Read32, write: Write32, uaccessRead?: Read32, uaccessWrite?: UWrite): Region {
  return { offset, len: (bpi * VGIC_NR_PRIVATE_IRQS) / 8, bitsPerIrq: bpi, access, read, write, uaccessRead, uaccessWrite };
}
/**
 * REGISTER_DESC_WITH_BITS_PER_IRQ_SHARED: in the distributor the private part is RAZ/WI
 * (affinity routing: SGIs/PPIs live in the redistributors), the rest covers SPIs up to 1024.
 */
function perIrqShared(offset: number, bpi: number, access: number, read: Read32, write: Write32, uaccessRead?: Read32, uaccessWrite?: UWrite): Region[] {
  const privLen = (bpi * VGIC_NR_PRIVATE_IRQS) / 8;
  return [
    { offset, len: privLen, bitsPerIrq: bpi, access, read: vgicMmioReadRaz, write: vgicMmioWriteWi },
    { offset: offset + privLen, len: (bpi * (1024 - VGIC_NR_PRIVATE_IRQS)) / 8, bitsPerIrq: bpi, access, read, write, uaccessRead, uaccessWrite },
  ];
}
function perIrqShared64(offset: number, read64: Read64, write64: Write64): Region[] {
  const privLen = (64 * VGIC_NR_PRIVATE_IRQS) / 8;
  return [
    { offset, len: privLen, bitsPerIrq: 64, access: ACC_32 | ACC_64, read: vgicMmioReadRaz, write: vgicMmioWriteWi },
    { offset: offset + privLen, len: (64 * (1024 - VGIC_NR_PRIVATE_IRQS)) / 8, bitsPerIrq: 64, access: ACC_32 | ACC_64, read64, write64 },
  ];
}

/** extract_bytes: len bytes of a 64-bit register starting at byte offset. */
function extractBytes(data: bigint, offset: number, len: number): bigint {
  return BigInt.asUintN(len * 8, data >> BigInt(offset * 8));
}
/** update_64bit_reg: a 32- or 64-bit write into a 64-bit register. */
function update64bitReg(reg: bigint, offset: number, len: number, val: bigint): bigint {
  const shift = BigInt(offset * 8);
  const mask = ((1n << BigInt(len * 8)) - 1n) << shift;
  return (reg & ~mask) | ((val << shift) & mask);
}

// ---- identification ---------------------------------------------------------------------------

const PRODUCT_ID_KVM = 0x4b;
const IMPLEMENTER_ARM = 0x43b;
const GICD_CTLR_ENABLE_G1 = 1 << 1;
const GICD_CTLR_ARE_NS = 1 << 4;
const GICD_CTLR_DS = 1 << 6;
const GICD_CTLR_NASSGIREQ = 1 << 8;
const GICD_TYPER_LPIS = 1 << 17;
const GICD_TYPER2_NASSGICAP = 1 << 8;
const INTERRUPT_ID_BITS_SPIS = 10;
const INTERRUPT_ID_BITS_ITS = 16;

function iidr(dist: VgicDistState): number {
  return ((PRODUCT_ID_KVM << 24) | (dist.implementationRev << 12) | IMPLEMENTER_ARM) >>> 0;
}

/** vgic_mmio_read_v3_idregs: only PIDR2 (ArchRev = 3) is non-zero. */
function readV3Idregs(_c: VgicMmioCtx, addr: number): number {
  return (addr & 0xffff) === 0xffe8 ? 0x3b : 0;
}

// ---- distributor ------------------------------------------------------------------------------

/** vgic_mmio_read_v3_misc: GICD_CTLR, TYPER, IIDR, TYPER2 */
function readV3Misc(c: VgicMmioCtx, addr: number): number {
  const dist = c.dist;
  switch (addr & 0x0c) {
    case 0x0:
      return (dist.enabled ? GICD_CTLR_ENABLE_G1 : 0) | GICD_CTLR_ARE_NS | GICD_CTLR_DS | (dist.nassgireq ? GICD_CTLR_NASSGIREQ : 0);
    case 0x4: {
      const nrIrqs = dist.nrSpis + VGIC_NR_PRIVATE_IRQS;
      let v = (nrIrqs >> 5) - 1;
      if (dist.its) v |= ((INTERRUPT_ID_BITS_ITS - 1) << 19) | GICD_TYPER_LPIS;
      else v |= (INTERRUPT_ID_BITS_SPIS - 1) << 19;
      return v >>> 0;
    }
    case 0x8:
      return iidr(dist);
    default:
      return dist.nassgicap ? GICD_TYPER2_NASSGICAP : 0;
  }
}

/** vgic_mmio_write_v3_misc: only GICD_CTLR is writable (EnableGrp1; nASSGIreq on GICv4.1). */
function writeV3Misc(c: VgicMmioCtx, addr: number, _len: number, val: number): void {
  if ((addr & 0x0c) !== 0) return;
  const dist = c.dist;
  const wasEnabled = dist.enabled;
  dist.enabled = (val & GICD_CTLR_ENABLE_G1) !== 0;
  let nassgireq = (val & GICD_CTLR_NASSGIREQ) !== 0;
  if (!dist.nassgicap) nassgireq = false;
  // nASSGIreq can only change while the distributor is (or was) disabled.
  if (wasEnabled && dist.enabled) nassgireq = dist.nassgireq;
  const hwSgis = dist.nassgireq;
  dist.nassgireq = nassgireq;
  // GICv4.1: the SGIs become vSGIs, or software SGIs again (vgic_v4_configure_vsgis)
  if (hwSgis !== nassgireq) dist.v4?.configureVsgis?.(nassgireq);
  // Enabling the distributor kicks whoever has something pending (vgic_kick_vcpus).
  if (!wasEnabled && dist.enabled) vgicKickVcpus(dist);
  // GICv4.1: KVM_REQ_RELOAD_GICv4 on every vCPU (vGrp1En follows EnableGrp1, vgic-v4.c)
  if (wasEnabled !== dist.enabled) dist.v4?.distEnableChanged?.();
}

/** vgic_mmio_uaccess_write_v3_misc */
function uaccessWriteV3Misc(c: VgicMmioCtx, addr: number, len: number, val: number): number {
  const dist = c.dist;
  switch (addr & 0x0c) {
    case 0x4:
      return val >>> 0 === readV3Misc(c, addr) ? 0 : -EINVAL;
    case 0x8: {
      if (((val ^ iidr(dist)) & ~0xf000) !== 0) return -EINVAL;
      const rev = (val >>> 12) & 0xf;
      if (rev !== 2 && rev !== 3) return -EINVAL;
      dist.implementationRev = rev;
      return 0;
    }
    case 0xc: {
      if ((val & ~GICD_TYPER2_NASSGICAP) !== 0) return -EINVAL;
      if (val && !dist.nassgicap) return -EINVAL;
      dist.nassgicap = val !== 0;
      return 0;
    }
    default:
      writeV3Misc(c, addr, len, val);
      return 0;
  }
}

/** kvm_mpidr_to_vcpu, for the Aff2.Aff1.Aff0 KVM keeps. */
export function kvmMpidrToVcpu(dist: VgicDistState, mpidr: number): VgicCpuState | null {
  for (const v of dist.vcpus) if (v.mpidr === (mpidr & 0xffffff)) return v;
  return null;
}

/** vgic_mmio_read_irouter: Aff0-2 only, the upper word is RAZ. */
function readIrouter(c: VgicMmioCtx, addr: number, len: number): bigint {
  const irq = vgicGetIrq(c.dist, c.vcpu, vgicAddrToIntid(addr, 64));
  if (!irq || addr & 4) return 0n;
  return extractBytes(BigInt(irq.mpidr), addr & 7, len);
}

/** vgic_mmio_write_irouter: the upper word is WI (no Aff3, no IRM). */
function writeIrouter(c: VgicMmioCtx, addr: number, _len: number, val: bigint): void {
  if (addr & 4) return;
  const irq = vgicGetIrq(c.dist, c.vcpu, vgicAddrToIntid(addr, 64));
  if (!irq) return;
  irq.mpidr = Number(val & 0xffffffn) & 0xffffff;
  irq.targetVcpu = kvmMpidrToVcpu(c.dist, irq.mpidr);
}

const GICD_REGIONS: Region[] = [
  reg(0x0000, 16, ACC_32, readV3Misc, writeV3Misc, undefined, uaccessWriteV3Misc),
  reg(0x0010, 4, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICD_STATUSR
  ...perIrqShared(0x0080, 1, ACC_32, vgicMmioReadGroup, vgicMmioWriteGroup),
  ...perIrqShared(0x0100, 1, ACC_32, vgicMmioReadEnable, vgicMmioWriteSenable),
  ...perIrqShared(0x0180, 1, ACC_32, vgicMmioReadEnable, vgicMmioWriteCenable),
  ...perIrqShared(0x0200, 1, ACC_32, vgicMmioReadPending, vgicMmioWriteSpending, vgicV3UaccessReadPending, vgicV3UaccessWritePending),
  ...perIrqShared(0x0280, 1, ACC_32, vgicMmioReadPending, vgicMmioWriteCpending, vgicMmioReadRaz, () => 0),
  ...perIrqShared(0x0300, 1, ACC_32, vgicMmioReadActive, vgicMmioWriteSactive, vgicUaccessReadActive, vgicMmioUaccessWriteSactive),
  ...perIrqShared(0x0380, 1, ACC_32, vgicMmioReadActive, vgicMmioWriteCactive, vgicUaccessReadActive, vgicMmioUaccessWriteCactive),
  ...perIrqShared(0x0400, 8, ACC_32 | ACC_8, vgicMmioReadPriority, vgicMmioWritePriority),
  ...perIrqShared(0x0800, 8, ACC_32 | ACC_8, vgicMmioReadRaz, vgicMmioWriteWi), // GICD_ITARGETSR
  ...perIrqShared(0x0c00, 2, ACC_32, vgicMmioReadConfig, vgicMmioWriteConfig),
  ...perIrqShared(0x0d00, 1, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICD_IGRPMODR
  ...perIrqShared64(0x6000, readIrouter, writeIrouter),
  reg(0xffd0, 48, ACC_32, readV3Idregs, vgicMmioWriteWi),
];

// ---- redistributor RD frame -------------------------------------------------------------------

const GICR_CTLR_ENABLE_LPIS = 1;
const GICR_CTLR_CES = 1 << 1;
const GICR_CTLR_IR = 1 << 2;
const GICR_TYPER_PLPIS = 1n;
const GICR_TYPER_LAST = 1n << 4n;
const GICR_PENDBASER_PTZ = 1n << 62n;
const PROPBASER_RES0_MASK = (0x1fn << 59n) | (0xfn << 52n) | (3n << 5n);
const PENDBASER_RES0_MASK = (1n << 63n) | (7n << 59n) | (0xfn << 52n) | (0xfn << 12n) | 0x7fn;

function sanitiseField(reg: bigint, shift: bigint, fn: (f: bigint) => bigint, width = 3n): bigint {
  const mask = ((1n << width) - 1n) << shift;
  return (reg & ~mask) | (fn((reg & mask) >> shift) << shift);
}
// vgic_sanitise_shareability / inner / outer cacheability (GIC_BASER_* encodings).
const shareability = (f: bigint): bigint => (f === 2n ? 1n : f); // outer-shareable -> inner
const innerCache = (f: bigint): bigint => (f === 0n || f === 1n ? 3n : f); // nCnB, nC -> RaWb
const outerCache = (f: bigint): bigint => (f === 0n || f === 1n ? f : 1n); // else nC

function sanitiseRedistBaser(reg: bigint, res0: bigint): bigint {
  let r = sanitiseField(reg, 10n, shareability, 2n);
  r = sanitiseField(r, 7n, innerCache);
  r = sanitiseField(r, 56n, outerCache);
  return r & ~res0;
}

/** vgic_mmio_read_v3r_ctlr: EnableLPIs; IR and CES from revision 3. */
function readV3rCtlr(c: VgicMmioCtx): number {
  let v = c.vcpu.lpisEnabled ? GICR_CTLR_ENABLE_LPIS : 0;
  if (c.dist.implementationRev >= 3) v |= GICR_CTLR_IR | GICR_CTLR_CES;
  return v;
}

/** vgic_mmio_write_v3r_ctlr (only with a vITS): disable flushes and invalidates, enable syncs. */
function writeV3rCtlr(c: VgicMmioCtx, _addr: number, _len: number, val: number): void {
  const its = c.dist.its;
  if (!its) return;
  const vcpu = c.vcpu;
  if (!(val & GICR_CTLR_ENABLE_LPIS)) {
    if (!vcpu.lpisEnabled) return;
    vcpu.lpisEnabled = false; // RWP is never observable here: the disable completes in this write
    vgicFlushPendingLpis(c.dist, vcpu);
    its.invalidateAllCaches();
  } else {
    if (vcpu.lpisEnabled) return;
    vcpu.lpisEnabled = true;
    // vgic_enable_lpis: the pending table is read unless the guest promised it is zero.
    if (!(vcpu.pendbaser & GICR_PENDBASER_PTZ)) its.syncLpiPendingTable(vcpu);
  }
}

function readV3rIidr(c: VgicMmioCtx): number {
  return iidr(c.dist);
}

/** vgic_mmio_read_v3r_typer */
function readV3rTyper(c: VgicMmioCtx, addr: number, len: number): bigint {
  const v = c.vcpu;
  const id = v.vcpuId;
  let value = (BigInt((id >> 12) & 0xff) << 48n) | (BigInt((id >> 4) & 0xff) << 40n) | (BigInt(id & 0xf) << 32n);
  value |= BigInt(id & 0xffff) << 8n;
  if (c.dist.its) value |= GICR_TYPER_PLPIS;
  // One redistributor region holding every vCPU: the last vCPU's frame is the last.
  if (id === c.dist.nrVcpus - 1) value |= GICR_TYPER_LAST;
  return extractBytes(value, addr & 7, len);
}

function readPropbase(c: VgicMmioCtx, addr: number, len: number): bigint {
  return extractBytes(c.dist.propbaser, addr & 7, len);
}
/** vgic_mmio_write_propbase: ignored while LPIs are enabled on the writing redistributor. */
function writePropbase(c: VgicMmioCtx, addr: number, len: number, val: bigint): void {
  if (vgicLpisEnabled(c.vcpu)) return;
  c.dist.propbaser = sanitiseRedistBaser(update64bitReg(c.dist.propbaser, addr & 4, len, val), PROPBASER_RES0_MASK);
}
/** vgic_mmio_read_pendbase: PTZ reads as 0. */
function readPendbase(c: VgicMmioCtx, addr: number, len: number): bigint {
  return extractBytes(c.vcpu.pendbaser & ~GICR_PENDBASER_PTZ, addr & 7, len);
}
function writePendbase(c: VgicMmioCtx, addr: number, len: number, val: bigint): void {
  if (vgicLpisEnabled(c.vcpu)) return;
  c.vcpu.pendbaser = sanitiseRedistBaser(update64bitReg(c.vcpu.pendbaser, addr & 4, len, val), PENDBASER_RES0_MASK);
}

/** vgic_mmio_write_invlpi: LPIs disabled or upper word written → ignored; INTID < 8192 ignored. */
function writeInvlpi(c: VgicMmioCtx, addr: number, _len: number, val: bigint): void {
  if (!vgicLpisEnabled(c.vcpu) || addr & 4) return;
  const intid = Number(val & 0xffff_ffffn);
  if (intid < VGIC_MIN_LPI) return;
  const irq = vgicGetIrq(c.dist, null, intid);
  if (!irq) return;
  c.dist.its?.invLpi(irq);
  vgicPutIrq(c.dist, irq);
}
/** vgic_mmio_write_invall */
function writeInvall(c: VgicMmioCtx, addr: number): void {
  if (!vgicLpisEnabled(c.vcpu) || addr & 4) return;
  c.dist.its?.invAll(c.vcpu);
}
const raz64: Read64 = () => 0n;

const GICR_RD_REGIONS: Region[] = [
  reg(0x0000, 4, ACC_32, readV3rCtlr, writeV3rCtlr),
  reg(0x0004, 4, ACC_32, readV3rIidr, vgicMmioWriteWi, undefined, () => 0),
  reg64(0x0008, 8, readV3rTyper, () => {}),
  reg(0x0010, 4, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICR_STATUSR
  reg(0x0014, 4, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICR_WAKER: RAZ/WI
  reg64(0x0070, 8, readPropbase, writePropbase),
  reg64(0x0078, 8, readPendbase, writePendbase),
  reg64(0x00a0, 8, raz64, writeInvlpi),
  reg64(0x00b0, 8, raz64, writeInvall),
  reg(0x00c0, 4, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICR_SYNCR: never busy here
  reg(0xffd0, 48, ACC_32, readV3Idregs, vgicMmioWriteWi),
];

// ---- redistributor SGI frame ------------------------------------------------------------------

const GICR_SGI_REGIONS: Region[] = [
  perIrq(0x0080, 1, ACC_32, vgicMmioReadGroup, vgicMmioWriteGroup),
  perIrq(0x0100, 1, ACC_32, vgicMmioReadEnable, vgicMmioWriteSenable),
  perIrq(0x0180, 1, ACC_32, vgicMmioReadEnable, vgicMmioWriteCenable),
  perIrq(0x0200, 1, ACC_32, vgicMmioReadPending, vgicMmioWriteSpending, vgicV3UaccessReadPending, vgicV3UaccessWritePending),
  perIrq(0x0280, 1, ACC_32, vgicMmioReadPending, vgicMmioWriteCpending, vgicMmioReadRaz, () => 0),
  perIrq(0x0300, 1, ACC_32, vgicMmioReadActive, vgicMmioWriteSactive, vgicUaccessReadActive, vgicMmioUaccessWriteSactive),
  perIrq(0x0380, 1, ACC_32, vgicMmioReadActive, vgicMmioWriteCactive, vgicUaccessReadActive, vgicMmioUaccessWriteCactive),
  perIrq(0x0400, 8, ACC_32 | ACC_8, vgicMmioReadPriority, vgicMmioWritePriority),
  perIrq(0x0c00, 2, ACC_32, vgicMmioReadConfig, vgicMmioWriteConfig),
  perIrq(0x0d00, 1, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICR_IGRPMODR0
  reg(0x0e00, 4, ACC_32, vgicMmioReadRaz, vgicMmioWriteWi), // GICR_NSACR
];

export type VgicFrame = 'gicd' | 'gicr' | 'gicr-sgi';

function regionsOf(frame: VgicFrame): Region[] {
  return frame === 'gicd' ? GICD_REGIONS : frame === 'gicr' ? GICR_RD_REGIONS : GICR_SGI_REGIONS;
}

function findRegion(regions: Region[], offset: number): Region | null {
  for (const r of regions) if (offset >= r.offset && offset < r.offset + r.len) return r;
  return null;
}

/** check_region: width allowed, naturally aligned, and no INTID beyond what is implemented. */
function checkRegion(c: VgicMmioCtx, frame: VgicFrame, r: Region, offset: number, len: number): boolean {
  const flag = len === 1 ? ACC_8 : len === 4 ? ACC_32 : len === 8 ? ACC_64 : 0;
  if (!(r.access & flag) || offset % len !== 0) return false;
  if (!r.bitsPerIrq) return true;
  const nrIrqs = frame === 'gicd' ? c.dist.nrSpis + VGIC_NR_PRIVATE_IRQS : VGIC_NR_PRIVATE_IRQS;
  return vgicAddrToIntid(offset - r.offset + (frame === 'gicd' ? r.offset : 0), r.bitsPerIrq) < nrIrqs;
}

/** The INTID-relative address a per-IRQ handler sees (register offset within its array). */
function handlerAddr(frame: VgicFrame, r: Region, offset: number): number {
  // Distributor arrays are aligned so VGIC_ADDR_TO_INTID masks the base off; the SGI frame
  // registers cover INTIDs 0..31 from their own base.
  return frame === 'gicd' || !r.bitsPerIrq ? offset : offset - r.offset;
}

/** dispatch_mmio_read (guest): width in bytes. */
export function vgicMmioRead(c: VgicMmioCtx, frame: VgicFrame, offset: number, len: number): bigint {
  const r = findRegion(regionsOf(frame), offset);
  if (!r || !checkRegion(c, frame, r, offset, len)) return 0n;
  const addr = handlerAddr(frame, r, offset);
  if (r.read64) return r.read64(c, addr, len);
  if (len === 8) return 0n;
  return BigInt(r.read!(c, addr, len) >>> 0);
}

/** dispatch_mmio_write (guest): width in bytes. */
export function vgicMmioWrite(c: VgicMmioCtx, frame: VgicFrame, offset: number, len: number, val: bigint): void {
  const r = findRegion(regionsOf(frame), offset);
  if (!r || !checkRegion(c, frame, r, offset, len)) return;
  const addr = handlerAddr(frame, r, offset);
  if (r.write64) {
    r.write64(c, addr, len, BigInt.asUintN(len * 8, val));
    return;
  }
  if (len === 8) return;
  r.write!(c, addr, len, Number(BigInt.asUintN(32, val)));
}

/**
 * vgic_uaccess: a 32-bit userspace access through KVM_DEV_ARM_VGIC_GRP_{DIST,REDIST}_REGS.
 * `frame` 'gicr' also reaches the SGI frame at offset + 64 KiB (vgic_v3_redist_uaccess).
 */
export function vgicV3Uaccess(c: VgicMmioCtx, frame: 'gicd' | 'gicr', offset: number, isWrite: boolean, val: number): { errno: number; value: number } {
  let f: VgicFrame = frame;
  let off = offset;
  if (frame === 'gicr' && offset >= 0x10000) {
    f = 'gicr-sgi';
    off = offset - 0x10000;
  }
  const r = findRegion(regionsOf(f), off);
  // vgic_uaccess_read/write: no region at this offset (none, or not aligned) reads 0, a write is
  // ignored, and the call succeeds
  if (!r || !checkRegion(c, f, r, off, 4)) return { errno: 0, value: 0 };
  const addr = handlerAddr(f, r, off);
  if (isWrite) {
    if (r.uaccessWrite) return { errno: r.uaccessWrite(c, addr, 4, val >>> 0), value: 0 };
    if (r.write64) r.write64(c, addr, 4, BigInt(val >>> 0));
    else r.write!(c, addr, 4, val >>> 0);
    return { errno: 0, value: 0 };
  }
  let v: number;
  if (r.uaccessRead) v = r.uaccessRead(c, addr, 4);
  else if (r.read64) v = Number(r.read64(c, addr, 4));
  else v = r.read!(c, addr, 4);
  return { errno: 0, value: v >>> 0 };
}

// ---- SGIs (vgic_v3_dispatch_sgi) --------------------------------------------------------------

/** vgic_v3_queue_sgi: a Group 0 SGI access only reaches Group 0 SGIs. */
function vgicV3QueueSgi(dist: VgicDistState, vcpu: VgicCpu, sgi: number, allowGroup1: boolean): void {
  const irq = vcpu.privateIrqs[sgi] as VgicIrq;
  if (irq.group && !allowGroup1) return;
  if (irq.hw) {
    // GICv4.1 vSGI: made pending in hardware (irq_set_irqchip_state -> GITS_SGIR)
    dist.v4?.vsgiSetPending?.(vcpu, sgi, true);
    return;
  }
  irq.pendingLatch = true;
  vgicQueueIrqUnlock(dist, irq);
}

/**
 * vgic_v3_dispatch_sgi: ICC_SGI1R_EL1 (allowGroup1) / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1. IRM
 * targets everybody but the sender; otherwise each TargetList bit is an Aff0 under
 * Aff3.Aff2.Aff1 (RS is ignored, as KVM does).
 */
export function vgicV3DispatchSgi(dist: VgicDistState, vcpu: VgicCpuState, reg: bigint, allowGroup1: boolean): void {
  const sgi = Number((reg >> 24n) & 0xfn);
  if ((reg >> 40n) & 1n) {
    for (const v of dist.vcpus) if (v !== vcpu) vgicV3QueueSgi(dist, v, sgi, allowGroup1);
    return;
  }
  const aff3 = Number((reg >> 48n) & 0xffn);
  const aff2 = Number((reg >> 32n) & 0xffn);
  const aff1 = Number((reg >> 16n) & 0xffn);
  if (aff3 !== 0) return; // no vCPU has a non-zero Aff3
  let targets = Number(reg & 0xffffn);
  while (targets) {
    const aff0 = 31 - Math.clz32(targets & -targets);
    targets &= targets - 1;
    const target = kvmMpidrToVcpu(dist, (aff2 << 16) | (aff1 << 8) | aff0);
    if (target) vgicV3QueueSgi(dist, target, sgi, allowGroup1);
  }
}
