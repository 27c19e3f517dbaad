// The KVM vGIC's shared data structures, after include/kvm/arm_vgic.h.
// vgic core (vgic.ts, vgic-v3.ts, vgic-mmio*.ts) and the vITS (vgic-its*.ts) both build on these;
// GICv4 (vgic-v4.ts) plugs in through the `hw`/`vlpi` fields and VgicV4Hooks.
import type { GuestMemory } from '../hw/guest-memory.js';

export type IrqConfig = 'edge' | 'level';

/** struct vgic_irq. One object per INTID, created once (private/SPI at init, LPI on MAPTI). */
export interface VgicIrq {
  readonly intid: number;
  /** ap_list owner (irq->vcpu): the vCPU whose ap_list holds it, or null when not queued */
  vcpu: VgicCpu | null;
  /** where it should go (irq->target_vcpu) */
  targetVcpu: VgicCpu | null;
  /** GICD_IROUTER affinity (SPIs), packed Aff3.Aff2.Aff1.Aff0 as KVM keeps it */
  mpidr: number;
  pendingLatch: boolean;
  lineLevel: boolean;
  active: boolean;
  enabled: boolean;
  config: IrqConfig;
  group: 0 | 1;
  priority: number;
  /** backed by a physical interrupt (HW-mapped PPI/SPI), or for LPIs: is a GICv4 vLPI */
  hw: boolean;
  hwintid: number;
  hostIrq: number;
  /** currently in a list register (set by populate, cleared by fold) */
  onLr: boolean;
  /** in-kernel owner of the line (e.g. 'vtimer'); userspace injection is ignored when set */
  owner: string | null;
  /** LPIs only: references held (ITEs, ap_list, translation cache entries); freed at 0 */
  refcount: number;
  /** GICv4: the vLPI mapping when hw is set on an LPI (opaque to the core) */
  vlpi: unknown;
}

/** Per-vCPU redistributor / LPI state (parts of struct vgic_cpu and struct vgic_v3_cpu_if). */
export interface VgicCpu {
  readonly vcpuId: number;
  /** ap_list in KVM's order; entries are VgicIrq with irq.vcpu === this */
  apList: VgicIrq[];
  /** SGIs and PPIs (INTIDs 0..31), banked per vCPU */
  privateIrqs: VgicIrq[];
  /** GICR_CTLR.EnableLPIs, as KVM keeps it (atomic with RWP) */
  lpisEnabled: boolean;
  /** GICR_PENDBASER as the guest wrote it (PTZ hidden on reads) */
  pendbaser: bigint;
  /** KVM_REQ_IRQ_PENDING and kicks: set when something was queued for this vCPU */
  irqPendingRequest: boolean;
  /** GICv4: the vPE (opaque to the core) */
  vpe: unknown;
}

/** The interface the vITS offers the rest of the vGIC (vgic-its.c's exported functions). */
export interface VgicItsOps {
  /** MMIO on ITS n's 128 KiB frame pair, from a guest vCPU; offset inside the frame pair, width in bits (8, 32, 64) */
  mmioRead(its: number, offset: number, width: number): bigint;
  mmioWrite(its: number, offset: number, width: number, value: bigint): void;
  /** vgic_its_inject_msi: KVM_SIGNAL_MSI and irqfd MSI routes; returns 1, 0 or -errno */
  injectMsi(address: number, data: number, devid: number, flags: number): number;
  /** vgic_its_invalidate_all_caches (GICR_CTLR.EnableLPIs cleared) */
  invalidateAllCaches(): void;
  /** its_sync_lpi_pending_table: EnableLPIs 0->1 without PTZ reads the vCPU's pending table */
  syncLpiPendingTable(vcpu: VgicCpu): void;
  /** vgic_its_inv_lpi: GICR_INVLPIR (re-read one LPI's property byte) */
  invLpi(irq: VgicIrq): void;
  /** vgic_its_invall: GICR_INVALLR (re-read every LPI targeting the vCPU) */
  invAll(vcpu: VgicCpu): void;
  /** kvm_device_attr on the ITS device (ITS_REGS, CTRL); returns errno and maybe a value */
  deviceAttr(its: number, group: string, attr: unknown, access: 'get' | 'set', value: bigint | undefined): { errno: number; value?: bigint };
  /**
   * vgic_msi_to_its + vgic_its_resolve_lpi (for kvm_vgic_v4_set_forwarding): the LPI an MSI targets,
   * caching the translation as KVM does; otherwise a positive ITS error code or a negative errno.
   */
  resolveMsi(address: number, data: number, devid: number, flags: number): VgicIrq | number;
  /** GICv4: install the calls the vITS makes into vgic-v4.c / irq-gic-v4.c (null = none) */
  setV4Hooks(hooks: VgicItsV4Hooks | null): void;
}

/**
 * What vgic-its.c calls in vgic-v4.c / irq-gic-v4.c, at the call sites KVM has; installed by the
 * GICv4 bridge through VgicItsOps.setV4Hooks.
 */
export interface VgicItsV4Hooks {
  /** the host has GICv4.1 (vLPI pending state readable): ITS save of a vLPI fails with -EACCES otherwise */
  readonly hasGicv41: boolean;
  /** its_free_ite on a vLPI (DISCARD, MAPD unmap/remap, BASER0 invalidation, reset): its_unmap_vlpi */
  unmapVlpi(irq: VgicIrq): void;
  /** update_affinity on a vLPI (MOVI, MOVALL, MAPC retarget): vlpi_count moves, its_map_vlpi on vcpu's vPE (VMOVI) */
  moveVlpi(irq: VgicIrq, vcpu: VgicCpu): number;
  /** irq_set_irqchip_state(host_irq, PENDING, pending): INT and MSIs (true), CLEAR (false) */
  setVlpiPending(irq: VgicIrq, pending: boolean): number;
  /** its_prop_update_vlpi(host_irq, prop, needsInv): INV, INVALL, GICR_INVLPIR/INVALLR, LPI creation */
  propUpdateVlpi(irq: VgicIrq, prop: number, needsInv: boolean): number;
  /** its_invall_vpe (INVALL, GICR_INVALLR on a vCPU that has a vPE) */
  invallVpe(vcpu: VgicCpu): void;
}

/** Hooks GICv4 installs; absent when config.impl.gicv4 is "off". */
export interface VgicV4Hooks {
  load(vcpu: VgicCpu, pcpu: number): void;
  put(vcpu: VgicCpu, inWfi: boolean): void;
  /** vgic_v4 pending_last: a doorbell fired for this vCPU since it was last resident */
  pendingLast(vcpu: VgicCpu): boolean;
  /** GICv4.1 only: a vLPI's pending bit read from its VPT (vgic_v4_get_vlpi_state, SAVE_PENDING_TABLES) */
  vlpiPending?(irq: VgicIrq): boolean;
  /** GICD_CTLR.EnableGrp1 changed: on GICv4.1, KVM_REQ_RELOAD_GICv4 (put + load refresh vGrp1En) */
  distEnableChanged?(): void;
  /** GICv4.1 vSGIs (vgic_v4_configure_vsgis): every SGI becomes a vSGI (true) or a software SGI again */
  configureVsgis?(enable: boolean): void;
  /** a vSGI's priority, group or enable changed (its_prop_update_vsgi, enable_irq / disable_irq) */
  vsgiUpdate?(vcpu: VgicCpu, irq: VgicIrq): void;
  /** a vSGI's pending state in hardware (irq_set_irqchip_state / irq_get_irqchip_state, IRQCHIP_STATE_PENDING) */
  vsgiSetPending?(vcpu: VgicCpu, intid: number, pending: boolean): void;
  vsgiPending?(vcpu: VgicCpu, intid: number): boolean;
}

/** struct vgic_dist plus the few struct kvm fields the vGIC uses. */
export interface VgicDist {
  readonly nrSpis: number;
  readonly nrVcpus: number;
  readonly spis: VgicIrq[];
  /** lpi_xa: every LPI's vgic_irq by INTID */
  readonly lpis: Map<number, VgicIrq>;
  /** GICD_CTLR.EnableGrp1 (dist->enabled) */
  enabled: boolean;
  /** GICD_IIDR.Revision (2 or 3) */
  implementationRev: number;
  /** the one VM-wide GICR_PROPBASER (CommonLPIAff = 0) */
  propbaser: bigint;
  /** GICD_CTLR.nASSGIreq (GICv4.1 vSGIs) */
  nassgireq: boolean;
  /** number of active SPIs in the VM (for ICH_HCR_EL2.TDIR) */
  activeSpis: number;
  readonly vcpus: VgicCpu[];
  readonly mem: GuestMemory;
  /** the vITSes (null until the vITS module installs itself; null when config.its = 0) */
  its: VgicItsOps | null;
  v4: VgicV4Hooks | null;
}
