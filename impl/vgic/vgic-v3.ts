// GICv3 specifics of the vgic core, after Linux arch/arm64/kvm/vgic/vgic-v3.c (vgic.c vgic_flush_lr_state; vgic-v3.c vgic_v3_populate_lr,
// 1.6, 1.12): building list register values, folding them back, ICH_HCR_EL2 configuration, the
// EOIcount and DIR-trap deactivation paths, and the LPI pending table accesses.
import type { VgicDist, VgicIrq } from './types.js';
import {
  HCR_EN, HCR_LRENPIE, HCR_NPIE, HCR_TDIR, HCR_UIE, HCR_VGRP0DIE, HCR_VGRP0EIE, HCR_VGRP1DIE, HCR_VGRP1EIE,
  HCR_VSGIEOICOUNT, LR_ACTIVE, LR_INVALID, LR_PENDING,
} from '../hw/gicv3-cpuif.js';
import {
  type ApListSummary, type VgicCpuState, type VgicDistState, irqIsLpi, irqIsPending, irqsActiveOutsideLrs,
  irqsOutsideLrs, irqsPendingOutsideLrs, vgicGetIrq, vgicIrqHandleResampling, vgicIrqIsMappedLevel, vgicPutIrq,
  vgicQueueIrqUnlock, vgicTargetOracle, vgicValidSpi, VGIC_NR_PRIVATE_IRQS,
} from './vgic.js';

// A list register value as KVM computes it, packed: State in bits 1:0, HW bit 2, EOI bit 3
// (vINTID, pINTID, group and priority come from the vgic_irq when the LR is written).
const LRV_HW = 4;
const LRV_EOI = 8;

/** vgic_v3_compute_lr */
export function vgicV3ComputeLr(irq: VgicIrq): number {
  let val = 0;
  let allowPending = true;
  if (irq.active) val |= LR_ACTIVE;
  if (irq.hw) {
    val |= LRV_HW;
    // Never pending+active on a HW interrupt: the pending state lives in the physical GIC.
    if (irq.active) allowPending = false;
  } else if (irq.config === 'level') {
    // Software level interrupts: maintenance on EOI to resample, never pending+active.
    val |= LRV_EOI;
    if (irq.active) allowPending = false;
  }
  if (allowPending && irqIsPending(irq)) val |= LR_PENDING;
  return val;
}

/** vgic_v3_populate_lr */
export function vgicV3PopulateLr(dist: VgicDist, vcpu: VgicCpuState, irq: VgicIrq, lr: number): void {
  const val = vgicV3ComputeLr(irq);
  vcpu.cpuif.setLr(lr, irq.intid, val & 3, irq.priority, irq.group, (val & LRV_HW) !== 0, irq.hwintid, (val & LRV_EOI) !== 0);
  if (val & LR_PENDING) {
    if (irq.config === 'edge') irq.pendingLatch = false;
    // Mapped level interrupts: only rising edges are observed; lower the line now.
    if (vgicIrqIsMappedLevel(irq)) irq.lineLevel = false;
  }
  irq.onLr = true;
}

/** vgic_v3_configure_hcr */
export function vgicV3ConfigureHcr(dist: VgicDist, vcpu: VgicCpuState, als: ApListSummary): void {
  const cif = vcpu.cpuif;
  const nrLr = cif.nrLr;
  let hcr = HCR_EN;
  if (irqsPendingOutsideLrs(als, nrLr)) hcr |= HCR_NPIE;
  if (irqsActiveOutsideLrs(als, nrLr)) hcr |= HCR_LRENPIE;
  if (irqsOutsideLrs(als, nrLr)) hcr |= HCR_UIE;
  if (!als.nrSgi) hcr |= HCR_VSGIEOICOUNT;
  hcr |= cif.veng0 ? HCR_VGRP0DIE : HCR_VGRP0EIE;
  hcr |= cif.veng1 ? HCR_VGRP1DIE : HCR_VGRP1EIE;
  // Our host has ICH_HCR_EL2.TDIR: trap DIR only with active interrupts outside the LRs or an
  // SPI possibly active anywhere in the VM (EOImode=1 deactivation on another CPU).
  if (irqsActiveOutsideLrs(als, nrLr) || dist.activeSpis !== 0) hcr |= HCR_TDIR;
  cif.hcr = hcr;
  cif.eoiCount = 0; // the whole register is rewritten
}

/** lr_signals_eoi_mi: a software LR with EOI set that the guest fully deactivated. */
function lrSignalsEoiMi(state: number, hw: boolean, eoi: boolean): boolean {
  return state === LR_INVALID && eoi && !hw;
}

/** vgic_v3_fold_lr */
export function vgicV3FoldLr(dist: VgicDist, vcpu: VgicCpuState, intid: number, lrState: number, hw: boolean, eoi: boolean): void {
  const irq = vgicGetIrq(dist, vcpu, intid);
  if (!irq) return; // an LPI could have been unmapped
  let state = lrState;
  // vLPIs have an active state, which KVM discards.
  if (irq.intid >= 8192) state &= ~LR_ACTIVE;
  const deactivated = irq.active && (state & LR_ACTIVE) === 0;
  irq.active = (state & LR_ACTIVE) !== 0;
  // Edge is the only case where the LR's pending bit is preserved.
  if (irq.config === 'edge' && state & LR_PENDING) irq.pendingLatch = true;
  // Level interrupts that were acked lose their soft pending state.
  if (irq.config === 'level' && state === LR_INVALID) irq.pendingLatch = false;
  vgicIrqHandleResampling(dist, irq, deactivated, (state & LR_PENDING) !== 0);
  irq.onLr = false;
  // The guest EOI'ed a level SPI: tell the irqfd resampler, and one fewer possibly-active SPI.
  if (deactivated && lrSignalsEoiMi(state, hw, eoi) && vgicValidSpi(dist, intid)) {
    (dist as VgicDistState).notifyAckedIrq(intid - VGIC_NR_PRIVATE_IRQS);
    if (dist.activeSpis > 0) dist.activeSpis--;
  }
  vgicPutIrq(dist, irq);
}

/** vgic_v3_fold_lr_state: fold the used LRs, then replay EOIcount deactivations past the LRs. */
export function vgicV3FoldLrState(dist: VgicDist, vcpu: VgicCpuState): void {
  const cif = vcpu.cpuif;
  let eoicount = cif.eoiCount;
  for (let lr = 0; lr < vcpu.usedLrs; lr++) {
    vgicV3FoldLr(dist, vcpu, cif.lrVintid[lr]!, cif.lrState[lr]!, cif.lrHw[lr] !== 0, cif.lrEoi[lr] !== 0);
  }
  vcpu.usedLrs = 0;
  const last = vcpu.lastLrIrq;
  if (!last) return;
  // EOImode=0: deactivations arrive in reverse activation order; take the active interrupts past
  // the LRs one after the other, as the CPU would have done with more LRs.
  const list = vcpu.apList;
  const start = list.indexOf(last);
  if (start < 0) return;
  const d = dist as VgicDistState;
  for (let i = start + 1; i < list.length && eoicount > 0; i++) {
    const irq = list[i]!;
    if (!(vgicTargetOracle(dist, irq) === vcpu && irq.active)) continue;
    const val = vgicV3ComputeLr(irq) & ~LR_ACTIVE;
    if (val & LRV_HW) d.phys.deactivate(cif.pcpu, irq.hwintid);
    vgicV3FoldLr(dist, vcpu, irq.intid, val & 3, (val & LRV_HW) !== 0, (val & LRV_EOI) !== 0);
    d.counters.eoiCountDeactivations++;
    eoicount--;
  }
}

/**
 * vgic_v3_deactivate: EOImode=1, ICV_DIR_EL1 trapped (TDIR) for an interrupt not in this vCPU's
 * LRs. Returns the INTID that must be deactivated through the GICD_ICACTIVER path (the
 * interrupt sits in some LR we cannot observe), or -1.
 */
export function vgicV3Deactivate(dist: VgicDist, vcpu: VgicCpuState, value: number): number {
  const intid = value & ~(7 << 10); // the GICv2 CPUID field is not part of the INTID
  if (!vcpu.cpuif.veoim || intid >= dist.nrSpis + VGIC_NR_PRIVATE_IRQS) return -1;
  const irq = vgicGetIrq(dist, vcpu, intid);
  if (!irq) return -1;
  const target = irq.vcpu as VgicCpuState | null;
  if (!target) return -1;
  if (irq.onLr) return intid; // big hammer: as if the guest wrote GICD_ICACTIVER
  const val = vgicV3ComputeLr(irq) & ~LR_ACTIVE;
  const d = dist as VgicDistState;
  if (val & LRV_HW) d.phys.deactivate(vcpu.cpuif.pcpu, irq.hwintid);
  vgicV3FoldLr(dist, vcpu, intid, val & 3, (val & LRV_HW) !== 0, (val & LRV_EOI) !== 0);
  d.counters.dirTrapDeactivations++;
  // Force the owner's ap_list to be pruned.
  target.processUpdateRequest = true;
  return -1;
}

/** GICR_PENDBASER.Physical_Address, bits 51:16. */
export function pendbaserAddress(pendbaser: bigint): number {
  return Number(pendbaser & 0x000f_ffff_ffff_0000n);
}

/**
 * vgic_v3_lpi_sync_pending_status: a new LPI takes its pending bit from its target's pending
 * table, and the bit is consumed (cleared in memory). Returns 0 or -EFAULT.
 */
export function vgicV3LpiSyncPendingStatus(dist: VgicDist, irq: VgicIrq): number {
  const vcpu = irq.targetVcpu;
  if (!vcpu) return 0;
  const ptr = pendbaserAddress(vcpu.pendbaser) + Math.floor(irq.intid / 8);
  const bit = irq.intid % 8;
  if (!dist.mem.isRam(ptr, 1)) return -14;
  const val = dist.mem.readU8(ptr);
  const status = (val & (1 << bit)) !== 0;
  irq.pendingLatch = status;
  vgicQueueIrqUnlock(dist, irq);
  if (status) {
    if (!dist.mem.write(ptr, Uint8Array.of(val & ~(1 << bit)))) return -14;
  }
  return 0;
}

/**
 * vgic_v3_save_pending_tables (KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES): write each LPI's pending
 * latch into its target's pending table, touching only bytes that differ. Returns 0 or -EFAULT.
 */
export function vgicV3SavePendingTables(dist: VgicDist): number {
  const intids = [...dist.lpis.keys()].sort((a, b) => a - b);
  let lastPtr = -1;
  let val = 0;
  for (const intid of intids) {
    const irq = dist.lpis.get(intid)!;
    const vcpu = irq.targetVcpu;
    if (!vcpu || !irqIsLpi(intid)) continue;
    const ptr = pendbaserAddress(vcpu.pendbaser) + Math.floor(intid / 8);
    const bit = 1 << (intid % 8);
    if (ptr !== lastPtr) {
      if (!dist.mem.isRam(ptr, 1)) return -14;
      val = dist.mem.readU8(ptr);
      lastPtr = ptr;
    }
    const stored = (val & bit) !== 0;
    // GICv4.1: a vLPI's pending state lives in its VPT (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; vgic-v4.c)
    const isPending = irq.hw && dist.v4?.vlpiPending ? dist.v4.vlpiPending(irq) : irq.pendingLatch;
    if (stored === isPending) continue;
    val = isPending ? val | bit : val & ~bit;
    if (!dist.mem.write(ptr, Uint8Array.of(val))) return -14;
  }
  return 0;
}
