// The vgic core, after Linux arch/arm64/kvm/vgic/vgic.c (include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init-1.7): interrupt lookup
// and references, the target oracle, ap_list queueing with kicks, ap_list sorting and pruning,
// the list register flush on guest entry and sync on exit, HW-mapped interrupts, and the WFI
// wake-up test. Single-threaded: the locks of 1.2 are not needed, but every re-check KVM does
// after re-taking a lock is kept where it can change the outcome.
import type { VgicCpu, VgicDist, VgicIrq } from './types.js';
import type { GuestMemory } from '../hw/guest-memory.js';
import { GicV3CpuIf } from '../hw/gicv3-cpuif.js';
import type { PhysGic } from '../hw/phys-gic.js';
import { vgicV3ConfigureHcr, vgicV3FoldLrState, vgicV3PopulateLr } from './vgic-v3.js';

export const VGIC_NR_SGIS = 16;
export const VGIC_NR_PRIVATE_IRQS = 32;
export const VGIC_MIN_LPI = 8192;
/** GICR_PENDBASER / GICR_PROPBASER reset: inner RaWb, outer SameAsInner, inner-shareable (vgic-v3.c). */
export const INITIAL_PENDBASER_VALUE = (3n << 7n) | (1n << 10n);

/** struct vgic_cpu plus the vgic_v3_cpu_if KVM keeps for it (the CPU interface itself). */
export class VgicCpuState implements VgicCpu {
  apList: VgicIrq[] = [];
  readonly privateIrqs: VgicIrq[];
  lpisEnabled = false;
  pendbaser: bigint = INITIAL_PENDBASER_VALUE;
  irqPendingRequest = false;
  vpe: unknown = null;
  /** the virtual CPU interface (ICH_* state, restored to the hardware while the vCPU runs) */
  readonly cpuif: GicV3CpuIf;
  /** vgic_v3_cpu_if.used_lrs */
  usedLrs = 0;
  /** host_data last_lr_irq: the ap_list entry that filled the last LR (holds a reference) */
  lastLrIrq: VgicIrq | null = null;
  /** KVM_REQ_VGIC_PROCESS_UPDATE (a DIR trap deactivated an interrupt outside the LRs) */
  processUpdateRequest = false;
  /** MPIDR affinity, packed Aff2.Aff1.Aff0 as in GICD_IROUTER */
  readonly mpidr: number;

  constructor(readonly vcpuId: number, nrLr: number, phys: PhysGic) {
    this.mpidr = ((vcpuId >> 12) & 0xff) << 16 | ((vcpuId >> 4) & 0xff) << 8 | (vcpuId & 0xf);
    this.cpuif = new GicV3CpuIf(nrLr, (pcpu, pintid) => phys.deactivate(pcpu, pintid));
    this.privateIrqs = new Array<VgicIrq>(VGIC_NR_PRIVATE_IRQS);
    for (let i = 0; i < VGIC_NR_PRIVATE_IRQS; i++) {
      const irq = newVgicIrq(i);
      // kvm_vgic_vcpu_init: SGIs enabled and edge, PPIs level, Group 1 for a v3 guest (1.1).
      irq.targetVcpu = this;
      if (i < VGIC_NR_SGIS) {
        irq.enabled = true;
        irq.config = 'edge';
      } else {
        irq.config = 'level';
      }
      this.privateIrqs[i] = irq;
    }
  }
}

/** Counters kept outside the results (TargetSession.counters). */
export interface VgicCounters {
  flushes: number;
  folds: number;
  lrOverflows: number;
  eoiCountDeactivations: number;
  dirTrapDeactivations: number;
  kicks: number;
  prunedMigrations: number;
}

/** struct vgic_dist with the struct kvm parts the vGIC needs. */
export class VgicDistState implements VgicDist {
  readonly spis: VgicIrq[];
  readonly lpis = new Map<number, VgicIrq>();
  enabled = false;
  implementationRev = 3;
  /** GICR_PROPBASER (one VM-wide copy); creating a vITS sets KVM's initial value */
  propbaser = 0n;
  nassgireq = false;
  activeSpis = 0;
  readonly vcpus: VgicCpuState[];
  its: VgicDist['its'] = null;
  v4: VgicDist['v4'] = null;
  /** vgic_initialized() */
  initialized = false;
  /** GICD_TYPER2.nASSGIcap (GICv4.1 hosts only) */
  nassgicap = false;
  /** kvm_notify_acked_irq(kvm, 0, pin): resamplefd notification for a level SPI's EOI */
  notifyAckedIrq: (pin: number) => void = () => {};
  /** irq->ops->get_input_level of the in-kernel owner of a line (the vtimer) */
  getInputLevel: ((vcpu: VgicCpuState, intid: number) => boolean) | null = null;
  readonly counters: VgicCounters = {
    flushes: 0, folds: 0, lrOverflows: 0, eoiCountDeactivations: 0, dirTrapDeactivations: 0, kicks: 0, prunedMigrations: 0,
  };

  constructor(
    readonly nrSpis: number,
    readonly nrVcpus: number,
    readonly nrLr: number,
    readonly mem: GuestMemory,
    readonly phys: PhysGic,
  ) {
    this.vcpus = [];
    for (let i = 0; i < nrVcpus; i++) this.vcpus.push(new VgicCpuState(i, nrLr, phys));
    this.spis = new Array<VgicIrq>(nrSpis);
    for (let i = 0; i < nrSpis; i++) {
      // vgic_init: SPIs zero-initialised (edge, disabled, priority 0), Group 1 on v3, vCPU 0 (1.1).
      const irq = newVgicIrq(VGIC_NR_PRIVATE_IRQS + i);
      irq.targetVcpu = this.vcpus[0] ?? null;
      this.spis[i] = irq;
    }
  }
}

export function newVgicIrq(intid: number): VgicIrq {
  return {
    intid, vcpu: null, targetVcpu: null, mpidr: 0, pendingLatch: false, lineLevel: false, active: false,
    enabled: false, config: 'edge', group: 1, priority: 0, hw: false, hwintid: 0, hostIrq: 0, onLr: false,
    owner: null, refcount: 0, vlpi: null,
  };
}

// ---- helpers of vgic.h ------------------------------------------------------------------------

/** irq_is_pending: edge uses the latch only, level the latch or the line. */
export function irqIsPending(irq: VgicIrq): boolean {
  return irq.config === 'edge' ? irq.pendingLatch : irq.pendingLatch || irq.lineLevel;
}
export function vgicIrqIsMappedLevel(irq: VgicIrq): boolean {
  return irq.config === 'level' && irq.hw;
}
export function irqIsLpi(intid: number): boolean {
  return intid >= VGIC_MIN_LPI;
}
export function vgicValidSpi(dist: VgicDist, intid: number): boolean {
  return intid >= VGIC_NR_PRIVATE_IRQS && intid < dist.nrSpis + VGIC_NR_PRIVATE_IRQS;
}
function asCpu(vcpu: VgicCpu): VgicCpuState {
  return vcpu as VgicCpuState;
}
function asDist(dist: VgicDist): VgicDistState {
  return dist as VgicDistState;
}

// ---- lookup and references --------------------------------------------------------------------

/** vgic_get_irq / vgic_get_vcpu_irq: private INTIDs need the vCPU; LPIs take a reference. */
export function vgicGetIrq(dist: VgicDist, vcpu: VgicCpu | null, intid: number): VgicIrq | null {
  if (intid < VGIC_NR_PRIVATE_IRQS) return vcpu ? (vcpu.privateIrqs[intid] ?? null) : null;
  if (intid < dist.nrSpis + VGIC_NR_PRIVATE_IRQS) return dist.spis[intid - VGIC_NR_PRIVATE_IRQS] ?? null;
  if (irqIsLpi(intid)) {
    const irq = dist.lpis.get(intid);
    // vgic_try_get_irq_ref: an LPI whose last reference is gone cannot be revived
    if (!irq || irq.refcount === 0) return null;
    irq.refcount++;
    return irq;
  }
  return null;
}

/** vgic_get_irq_ref: the caller already holds a reference. */
export function vgicGetIrqRef(irq: VgicIrq): void {
  if (irqIsLpi(irq.intid)) irq.refcount++;
}

/** vgic_put_irq_norelease: true when the last reference went (caller releases later). */
function vgicPutIrqNorelease(irq: VgicIrq): boolean {
  if (!irqIsLpi(irq.intid)) return false;
  irq.refcount--;
  return irq.refcount === 0;
}

/** vgic_put_irq: drop an LPI reference; at zero the LPI leaves lpi_xa. */
export function vgicPutIrq(dist: VgicDist, irq: VgicIrq): void {
  if (!irqIsLpi(irq.intid)) return;
  if (irq.refcount <= 0) throw new Error(`vgic_put_irq: LPI ${irq.intid} has no reference left`);
  if (--irq.refcount === 0 && dist.lpis.get(irq.intid) === irq) dist.lpis.delete(irq.intid);
}

/** vgic_release_deleted_lpis: free every LPI whose refcount dropped to zero. */
function vgicReleaseDeletedLpis(dist: VgicDist): void {
  for (const [intid, irq] of dist.lpis) if (irq.refcount === 0) dist.lpis.delete(intid);
}

// ---- routing and queueing (1.3) ---------------------------------------------------------------

/** vgic_target_oracle */
export function vgicTargetOracle(dist: VgicDist, irq: VgicIrq): VgicCpu | null {
  // An active interrupt stays where it is.
  if (irq.active) return irq.vcpu ?? irq.targetVcpu;
  if (irq.enabled && irqIsPending(irq)) {
    // A disabled distributor forwards nothing, LPIs included.
    if (irq.targetVcpu && !dist.enabled) return null;
    return irq.targetVcpu;
  }
  return null;
}

/** kvm_make_request(KVM_REQ_IRQ_PENDING) + kvm_vcpu_kick */
export function vgicKick(dist: VgicDist, vcpu: VgicCpu): void {
  vcpu.irqPendingRequest = true;
  const d = dist as Partial<VgicDistState>;
  if (d.counters) d.counters.kicks++;
}

/**
 * vgic_queue_irq_unlock: put an interrupt on its target's ap_list if it should be there and is
 * not on one yet; kick the target either way (an edge re-asserted while queued must not wait for
 * an unrelated exit). Returns whether it was queued.
 */
export function vgicQueueIrqUnlock(dist: VgicDist, irq: VgicIrq): boolean {
  const vcpu = vgicTargetOracle(dist, irq);
  if (irq.vcpu || !vcpu) {
    if (vcpu) vgicKick(dist, vcpu);
    return false;
  }
  vgicGetIrqRef(irq);
  vcpu.apList.push(irq);
  irq.vcpu = vcpu;
  // A new SPI may need deactivation trapping (ICH_HCR_EL2.TDIR) on every vCPU: broadcast.
  const bcast = vgicValidSpi(dist, irq.intid) && dist.activeSpis++ === 0;
  if (!bcast) vgicKick(dist, vcpu);
  else for (const v of dist.vcpus) vgicKick(dist, v);
  return true;
}

/**
 * kvm_vgic_inject_irq: a device or userspace changes an interrupt line. Returns 0 or -EINVAL.
 * `owner` is null for userspace; in-kernel owned lines ignore everybody else.
 */
export function kvmVgicInjectIrq(dist: VgicDist, vcpu: VgicCpu | null, intid: number, level: boolean, owner: string | null): number {
  if (!asDist(dist).initialized) return 0;
  if (!vcpu && intid < VGIC_NR_PRIVATE_IRQS) return -22;
  const irq = vgicGetIrq(dist, vcpu, intid);
  if (!irq) return -22;
  if (!vgicValidateInjection(irq, level, owner)) {
    vgicPutIrq(dist, irq);
    return 0;
  }
  if (irq.config === 'level') irq.lineLevel = level;
  else irq.pendingLatch = true;
  vgicQueueIrqUnlock(dist, irq);
  vgicPutIrq(dist, irq);
  return 0;
}

/** vgic_validate_injection: level lines only on a change, edges only on assertion, owner only. */
function vgicValidateInjection(irq: VgicIrq, level: boolean, owner: string | null): boolean {
  if (irq.owner !== owner) return false;
  return irq.config === 'level' ? irq.lineLevel !== level : level;
}

/** vgic_prune_ap_list: after every exit, drop what no longer belongs and migrate the rest. */
export function vgicPruneApList(dist: VgicDist, vcpu: VgicCpuState): void {
  let deletedLpis = false;
  retry: for (;;) {
    const list = vcpu.apList;
    for (let i = 0; i < list.length; i++) {
      const irq = list[i]!;
      const target = vgicTargetOracle(dist, irq);
      if (!target) {
        list.splice(i, 1);
        i--;
        irq.vcpu = null;
        deletedLpis = vgicPutIrqNorelease(irq) || deletedLpis;
        continue;
      }
      if (target === vcpu) continue;
      // Migrate to the target's ap_list (tail), kick it, and start over.
      list.splice(i, 1);
      irq.vcpu = target;
      target.apList.push(irq);
      asDist(dist).counters.prunedMigrations++;
      vgicKick(dist, target);
      continue retry;
    }
    break;
  }
  if (vcpu.lastLrIrq) {
    deletedLpis = vgicPutIrqNorelease(vcpu.lastLrIrq) || deletedLpis;
    vcpu.lastLrIrq = null;
  }
  if (deletedLpis) vgicReleaseDeletedLpis(dist);
}

/**
 * vgic_flush_pending_lpis: LPIs leave this vCPU's ap_list. Their pending_latch is left as it is
 * (the kernel only unlinks them), so a later queueing (ITS restore, INV) or SAVE_PENDING_TABLES
 * still sees them pending.
 */
export function vgicFlushPendingLpis(dist: VgicDist, vcpu: VgicCpu): void {
  let deleted = false;
  const list = vcpu.apList;
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const irq = list[r]!;
    if (irqIsLpi(irq.intid)) {
      irq.vcpu = null;
      deleted = vgicPutIrqNorelease(irq) || deleted;
    } else {
      list[w++] = irq;
    }
  }
  list.length = w;
  if (deleted) vgicReleaseDeletedLpis(dist);
}

/** vgic_lpis_enabled: GICR_CTLR.EnableLPIs as KVM keeps it. */
export function vgicLpisEnabled(vcpu: VgicCpu): boolean {
  return vcpu.lpisEnabled;
}

// ---- ap_list sorting (1.4) --------------------------------------------------------------------

/** vgic_irq_cmp: deliverable first, enabled group first, pure pending first, priority, HW first. */
function vgicIrqCmp(dist: VgicDist, vcpu: VgicCpuState, a: VgicIrq, b: VgicIrq): number {
  if (a === b) return 0;
  let ret = (vgicTargetOracle(dist, b) === vcpu ? 1 : 0) - (vgicTargetOracle(dist, a) === vcpu ? 1 : 0);
  if (ret) return ret;
  const cif = vcpu.cpuif;
  ret = (b.group ? +cif.veng1 : +cif.veng0) - (a.group ? +cif.veng1 : +cif.veng0);
  if (ret) return ret;
  const penda = a.enabled && irqIsPending(a) && !a.active;
  const pendb = b.enabled && irqIsPending(b) && !b.active;
  ret = +pendb - +penda;
  if (ret) return ret;
  ret = a.priority - b.priority;
  if (ret) return ret;
  return +b.hw - +a.hw;
}

/** vgic_sort_ap_list (list_sort is a stable merge sort, as is Array.prototype.sort). */
export function vgicSortApList(dist: VgicDist, vcpu: VgicCpuState): void {
  vcpu.apList.sort((a, b) => vgicIrqCmp(dist, vcpu, a, b));
}

// ---- flush (entry) and sync (exit), 1.5 / 1.6 -------------------------------------------------

/** struct ap_list_summary */
export interface ApListSummary {
  nrPend: number;
  nrAct: number;
  nrSgi: number;
}
const scratchSummary: ApListSummary = { nrPend: 0, nrAct: 0, nrSgi: 0 };

function summarizeApList(dist: VgicDist, vcpu: VgicCpuState, als: ApListSummary): void {
  als.nrPend = 0;
  als.nrAct = 0;
  als.nrSgi = 0;
  for (const irq of vcpu.apList) {
    if (vgicTargetOracle(dist, irq) !== vcpu) continue;
    if (!irq.active) als.nrPend++;
    else als.nrAct++;
    if (irq.intid < VGIC_NR_SGIS) als.nrSgi++;
  }
}

export function irqsPendingOutsideLrs(als: ApListSummary, nrLr: number): boolean {
  return als.nrPend > nrLr;
}
export function irqsActiveOutsideLrs(als: ApListSummary, nrLr: number): boolean {
  return als.nrAct > 0 && als.nrAct + als.nrPend > nrLr;
}
export function irqsOutsideLrs(als: ApListSummary, nrLr: number): boolean {
  return als.nrAct + als.nrPend > nrLr;
}

/** vgic_flush_lr_state */
function vgicFlushLrState(dist: VgicDistState, vcpu: VgicCpuState): void {
  const nrLr = vcpu.cpuif.nrLr;
  const als = scratchSummary;
  summarizeApList(dist, vcpu, als);
  if (irqsOutsideLrs(als, nrLr)) {
    vgicSortApList(dist, vcpu);
    dist.counters.lrOverflows++;
  }
  vcpu.lastLrIrq = null;
  let count = 0;
  for (const irq of vcpu.apList) {
    if (vgicTargetOracle(dist, irq) === vcpu) {
      vgicV3PopulateLr(dist, vcpu, irq, count++);
      if (count === nrLr) {
        vgicGetIrqRef(irq);
        vcpu.lastLrIrq = irq;
        break;
      }
    }
  }
  for (let i = count; i < nrLr; i++) vcpu.cpuif.clearLr(i);
  vcpu.usedLrs = count;
  vgicV3ConfigureHcr(dist, vcpu, als);
}

/** kvm_vgic_flush_hwstate: fill the LRs before entering the guest. */
export function kvmVgicFlushHwstate(dist: VgicDist, vcpu: VgicCpuState): void {
  const d = asDist(dist);
  d.counters.flushes++;
  vgicFlushLrState(d, vcpu);
}

/** kvm_vgic_sync_hwstate: save, fold the LRs back, prune, after the guest exits. */
export function kvmVgicSyncHwstate(dist: VgicDist, vcpu: VgicCpuState): void {
  asDist(dist).counters.folds++;
  vgicV3FoldLrState(dist, vcpu);
  // __vgic_v3_save_state turns the interface off while the host runs.
  vcpu.cpuif.hcr = 0;
  vgicPruneApList(dist, vcpu);
}

/** kvm_vgic_process_async_update: prune after a DIR trap deactivated outside the LRs. */
export function kvmVgicProcessAsyncUpdate(dist: VgicDist, vcpu: VgicCpuState): void {
  vgicPruneApList(dist, vcpu);
}

/** kvm_vgic_vcpu_pending_irq: the WFI wake-up test. */
export function kvmVgicVcpuPendingIrq(dist: VgicDist, vcpu: VgicCpuState): boolean {
  if (!dist.enabled) return false;
  if (dist.v4 && dist.v4.pendingLast(vcpu)) return true;
  const pmr = vcpu.cpuif.vpmr;
  for (const irq of vcpu.apList) {
    if (irqIsPending(irq) && irq.enabled && !irq.active && irq.priority < pmr) return true;
  }
  return false;
}

/** vgic_kick_vcpus: kick every vCPU that has something to take. */
export function vgicKickVcpus(dist: VgicDist): void {
  for (const v of dist.vcpus) if (kvmVgicVcpuPendingIrq(dist, asCpu(v))) vgicKick(dist, v);
}

// ---- HW-mapped interrupts (1.7) ---------------------------------------------------------------

/** The physical CPU whose banked copy of a HW-mapped PPI the vCPU uses (where it is loaded). */
function physPcpu(irq: VgicIrq): number {
  const v = irq.targetVcpu as VgicCpuState | null;
  return v ? v.cpuif.pcpu : 0;
}

/** kvm_vgic_map_phys_irq */
export function kvmVgicMapPhysIrq(dist: VgicDist, vcpu: VgicCpu, hostIrq: number, vintid: number, hwintid: number): number {
  const irq = vgicGetIrq(dist, vcpu, vintid);
  if (!irq) throw new Error(`kvm_vgic_map_phys_irq: no INTID ${vintid}`);
  irq.hw = true;
  irq.hostIrq = hostIrq;
  irq.hwintid = hwintid;
  vgicPutIrq(dist, irq);
  return 0;
}

/** kvm_vgic_map_is_active */
export function kvmVgicMapIsActive(dist: VgicDist, vcpu: VgicCpu, vintid: number): boolean {
  const irq = vgicGetIrq(dist, vcpu, vintid);
  if (!irq) return false;
  const r = irq.hw && irq.active;
  vgicPutIrq(dist, irq);
  return r;
}

/** vgic_get_phys_line_level: the owner's get_input_level, else the physical pending state. */
export function vgicGetPhysLineLevel(dist: VgicDist, irq: VgicIrq): boolean {
  const d = asDist(dist);
  if (irq.owner !== null && d.getInputLevel && irq.targetVcpu) return d.getInputLevel(irq.targetVcpu as VgicCpuState, irq.intid);
  return d.phys.isPending(physPcpu(irq), irq.hwintid);
}

/** vgic_irq_set_phys_active */
export function vgicIrqSetPhysActive(dist: VgicDist, irq: VgicIrq, active: boolean): void {
  asDist(dist).phys.setActive(physPcpu(irq), irq.hwintid, active);
}

/** vgic_irq_set_phys_pending */
export function vgicIrqSetPhysPending(dist: VgicDist, irq: VgicIrq, pending: boolean): void {
  asDist(dist).phys.setPending(physPcpu(irq), irq.hwintid, pending);
}

/**
 * vgic_irq_handle_resampling: mapped level interrupts only see rising edges; when the LR came
 * back pending, or was deactivated with the line high, re-sample the line, and clear the
 * physical active state if it dropped (otherwise the host never hears of the next assertion).
 * (No in-kernel line here needs VGIC_IRQ_SW_RESAMPLE: the host deactivates through the LR.)
 */
export function vgicIrqHandleResampling(dist: VgicDist, irq: VgicIrq, lrDeactivated: boolean, lrPending: boolean): void {
  if (!vgicIrqIsMappedLevel(irq)) return;
  if (lrPending || (lrDeactivated && irq.lineLevel)) {
    irq.lineLevel = vgicGetPhysLineLevel(dist, irq);
    if (!irq.lineLevel) vgicIrqSetPhysActive(dist, irq, false);
  }
}
