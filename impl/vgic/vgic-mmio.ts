// The per-interrupt register handlers shared by the distributor and the redistributor SGI frame,
// after Linux arch/arm64/kvm/vgic/vgic-mmio.c (vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c): IGROUPR, I[SC]ENABLER,
// I[SC]PENDR, I[SC]ACTIVER, IPRIORITYR, ICFGR, with KVM's trap-and-emulate semantics and the
// userspace (uaccess) variants. Values are at most 32 bits wide; `addr` is the offset in the frame.
import type { VgicIrq } from './types.js';
import {
  type VgicCpuState, type VgicDistState, VGIC_NR_PRIVATE_IRQS, irqIsPending, vgicGetIrq, vgicGetPhysLineLevel,
  vgicIrqIsMappedLevel, vgicIrqSetPhysActive, vgicIrqSetPhysPending, vgicPutIrq, vgicQueueIrqUnlock,
} from './vgic.js';

/** KVM keeps 5 priority bits for SGIs/PPIs/SPIs (VGIC_PRI_BITS): IPRIORITYR low bits RAZ/WI. */
export const VGIC_PRI_MASK = 0xf8;

/**
 * Who is accessing: the distributor state, the vCPU whose banked interrupts an access reaches
 * (the accessing vCPU for GICD, the redistributor's vCPU for GICR), and the requester (null
 * for userspace accesses, which must not touch the physical state of HW interrupts).
 */
export interface VgicMmioCtx {
  dist: VgicDistState;
  vcpu: VgicCpuState;
  requester: VgicCpuState | null;
  /** kvm_arm_halt_guest / kvm_arm_resume_guest: every running vCPU exits (fold) and re-enters */
  haltGuest(): void;
  resumeGuest(): void;
}

/** VGIC_ADDR_TO_INTID: the first INTID a register offset covers. */
export function vgicAddrToIntid(addr: number, bitsPerIrq: number): number {
  return ((addr & ((bitsPerIrq * 1024) / 8 - 1)) * 8) / bitsPerIrq;
}

function getIrq(c: VgicMmioCtx, intid: number): VgicIrq | null {
  return vgicGetIrq(c.dist, c.vcpu, intid);
}

/** A GICv4.1 vSGI (vgic_irq_is_sgi && hw): its configuration and pending state live in the vPE. */
function isVsgi(irq: VgicIrq): boolean {
  return irq.hw && irq.intid < 16;
}
/** its_prop_update_vsgi / enable_irq / disable_irq after a vSGI's group, priority or enable changed */
function vsgiUpdate(c: VgicMmioCtx, irq: VgicIrq): void {
  if (isVsgi(irq)) c.dist.v4?.vsgiUpdate?.(c.vcpu, irq);
}

export function vgicMmioReadRaz(): number {
  return 0;
}
export function vgicMmioWriteWi(): void {}

// ---- IGROUPR ---------------------------------------------------------------------------------

export function vgicMmioReadGroup(c: VgicMmioCtx, addr: number, len: number): number {
  const intid = vgicAddrToIntid(addr, 1);
  let val = 0;
  for (let i = 0; i < len * 8; i++) {
    const irq = getIrq(c, intid + i);
    if (irq?.group) val |= 1 << i;
  }
  return val >>> 0;
}

export function vgicMmioWriteGroup(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    irq.group = (val >>> i) & 1 ? 1 : 0;
    vsgiUpdate(c, irq);
    vgicQueueIrqUnlock(c.dist, irq);
  }
}

// ---- I[SC]ENABLER -----------------------------------------------------------------------------

export function vgicMmioReadEnable(c: VgicMmioCtx, addr: number, len: number): number {
  const intid = vgicAddrToIntid(addr, 1);
  let val = 0;
  for (let i = 0; i < len * 8; i++) {
    const irq = getIrq(c, intid + i);
    if (irq?.enabled) val |= 1 << i;
  }
  return val >>> 0;
}

export function vgicMmioWriteSenable(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    if (!((val >>> i) & 1)) continue;
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    if (vgicIrqIsMappedLevel(irq)) {
      // Re-sample the line of a mapped level interrupt; if it dropped while we were not looking,
      // the physical active state must go or the host never sees the next assertion.
      const wasHigh = irq.lineLevel;
      irq.lineLevel = vgicGetPhysLineLevel(c.dist, irq);
      if (wasHigh && !irq.lineLevel) vgicIrqSetPhysActive(c.dist, irq, false);
    }
    irq.enabled = true;
    vsgiUpdate(c, irq);
    vgicQueueIrqUnlock(c.dist, irq);
  }
}

export function vgicMmioWriteCenable(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    if (!((val >>> i) & 1)) continue;
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    irq.enabled = false;
    vsgiUpdate(c, irq);
  }
}

// ---- I[SC]PENDR -------------------------------------------------------------------------------

/** __read_pending: guests see a mapped level line's physical level; userspace (v3) the latch. */
function readPending(c: VgicMmioCtx, addr: number, len: number, isUser: boolean): number {
  const intid = vgicAddrToIntid(addr, 1);
  let val = 0;
  for (let i = 0; i < len * 8; i++) {
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    let p: boolean;
    // a vSGI's pending state is read from the hardware (guest and userspace alike)
    if (isVsgi(irq)) p = c.dist.v4?.vsgiPending?.(c.vcpu, irq.intid) ?? false;
    else if (!isUser && vgicIrqIsMappedLevel(irq)) p = vgicGetPhysLineLevel(c.dist, irq);
    else if (isUser) p = irq.pendingLatch;
    else p = irqIsPending(irq);
    if (p) val |= 1 << i;
    vgicPutIrq(c.dist, irq);
  }
  return val >>> 0;
}

export function vgicMmioReadPending(c: VgicMmioCtx, addr: number, len: number): number {
  return readPending(c, addr, len, false);
}
export function vgicV3UaccessReadPending(c: VgicMmioCtx, addr: number, len: number): number {
  return readPending(c, addr, len, true);
}

export function vgicMmioWriteSpending(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    if (!((val >>> i) & 1)) continue;
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    if (isVsgi(irq)) {
      c.dist.v4?.vsgiSetPending?.(c.vcpu, irq.intid, true);
      continue;
    }
    irq.pendingLatch = true;
    // A guest making a HW interrupt pending hides it from the host: physical active set.
    if (irq.hw && c.requester) vgicIrqSetPhysActive(c.dist, irq, true);
    vgicQueueIrqUnlock(c.dist, irq);
  }
}

/** vgic_hw_irq_cpending */
function vgicHwIrqCpending(c: VgicMmioCtx, irq: VgicIrq): void {
  irq.pendingLatch = false;
  vgicIrqSetPhysPending(c.dist, irq, false);
  if (!irq.active) vgicIrqSetPhysActive(c.dist, irq, false);
}

export function vgicMmioWriteCpending(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    if (!((val >>> i) & 1)) continue;
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    if (isVsgi(irq)) c.dist.v4?.vsgiSetPending?.(c.vcpu, irq.intid, false);
    else if (irq.hw && c.requester) vgicHwIrqCpending(c, irq);
    else irq.pendingLatch = false;
  }
}

/** vgic_v3_uaccess_write_pending: userspace restores the latch exactly (set and clear). */
export function vgicV3UaccessWritePending(c: VgicMmioCtx, addr: number, len: number, val: number): number {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    if (isVsgi(irq)) {
      c.dist.v4?.vsgiSetPending?.(c.vcpu, irq.intid, ((val >>> i) & 1) === 1);
      continue;
    }
    if ((val >>> i) & 1) {
      irq.pendingLatch = true;
      vgicQueueIrqUnlock(c.dist, irq);
    } else {
      irq.pendingLatch = false;
    }
    vgicPutIrq(c.dist, irq);
  }
  return 0;
}

// ---- I[SC]ACTIVER -----------------------------------------------------------------------------

function readActive(c: VgicMmioCtx, addr: number, len: number): number {
  const intid = vgicAddrToIntid(addr, 1);
  let val = 0;
  for (let i = 0; i < len * 8; i++) {
    const irq = getIrq(c, intid + i);
    if (irq?.active) val |= 1 << i;
  }
  return val >>> 0;
}

/** vgic_mmio_read_active: the guest is halted so that LR state is folded back first. */
export function vgicMmioReadActive(c: VgicMmioCtx, addr: number, len: number): number {
  c.haltGuest();
  const v = readActive(c, addr, len);
  c.resumeGuest();
  return v;
}
export function vgicUaccessReadActive(c: VgicMmioCtx, addr: number, len: number): number {
  return readActive(c, addr, len);
}

/** vgic_mmio_change_active */
function vgicMmioChangeActive(c: VgicMmioCtx, irq: VgicIrq, active: boolean): void {
  if (irq.hw && irq.intid >= 16) {
    // vgic_hw_irq_change_active: userspace does not touch HW interrupts' active state.
    if (c.requester) {
      irq.active = active;
      vgicIrqSetPhysActive(c.dist, irq, active);
    }
  } else if (irq.hw) {
    irq.active = false; // GICv4.1 vSGIs have no active state
  } else {
    irq.active = active;
  }
  if (irq.active) vgicQueueIrqUnlock(c.dist, irq);
}

function changeActiveBits(c: VgicMmioCtx, addr: number, len: number, val: number, active: boolean): void {
  const intid = vgicAddrToIntid(addr, 1);
  for (let i = 0; i < len * 8; i++) {
    if (!((val >>> i) & 1)) continue;
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    vgicMmioChangeActive(c, irq, active);
    vgicPutIrq(c.dist, irq);
  }
}

export function vgicMmioWriteSactive(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  c.haltGuest();
  changeActiveBits(c, addr, len, val, true);
  c.resumeGuest();
}
export function vgicMmioWriteCactive(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  c.haltGuest();
  changeActiveBits(c, addr, len, val, false);
  c.resumeGuest();
}
export function vgicMmioUaccessWriteSactive(c: VgicMmioCtx, addr: number, len: number, val: number): number {
  changeActiveBits(c, addr, len, val, true);
  return 0;
}
export function vgicMmioUaccessWriteCactive(c: VgicMmioCtx, addr: number, len: number, val: number): number {
  changeActiveBits(c, addr, len, val, false);
  return 0;
}

// ---- IPRIORITYR -------------------------------------------------------------------------------

export function vgicMmioReadPriority(c: VgicMmioCtx, addr: number, len: number): number {
  const intid = vgicAddrToIntid(addr, 8);
  let val = 0;
  for (let i = 0; i < len; i++) {
    const irq = getIrq(c, intid + i);
    if (irq) val |= irq.priority << (i * 8);
  }
  return val >>> 0;
}

/** Priorities are stored with 5 bits; a change takes effect at the next flush (no re-queue). */
export function vgicMmioWritePriority(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 8);
  for (let i = 0; i < len; i++) {
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    irq.priority = (val >>> (i * 8)) & VGIC_PRI_MASK;
    vsgiUpdate(c, irq);
  }
}

// ---- ICFGR ------------------------------------------------------------------------------------

export function vgicMmioReadConfig(c: VgicMmioCtx, addr: number, len: number): number {
  const intid = vgicAddrToIntid(addr, 2);
  let val = 0;
  for (let i = 0; i < len * 4; i++) {
    const irq = getIrq(c, intid + i);
    if (irq?.config === 'edge') val |= 2 << (i * 2);
  }
  return val >>> 0;
}

/** SGI and PPI configuration is read-only (the arch timer relies on being level). */
export function vgicMmioWriteConfig(c: VgicMmioCtx, addr: number, len: number, val: number): void {
  const intid = vgicAddrToIntid(addr, 2);
  for (let i = 0; i < len * 4; i++) {
    if (intid + i < VGIC_NR_PRIVATE_IRQS) continue;
    const irq = getIrq(c, intid + i);
    if (!irq) continue;
    irq.config = (val >>> (i * 2 + 1)) & 1 ? 'edge' : 'level';
  }
}
