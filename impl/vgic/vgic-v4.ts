// The GICv4/GICv4.1 bridge, after Linux arch/arm64/kvm/vgic/vgic-v4.c and the irq bypass hooks of
// arch/arm64/kvm/arm.c (vgic-v4.c): per-vCPU vPEs with doorbells (vgic_v4_init), vPE
// residency on vcpu_load / vcpu_put (vgic_v4_load / vgic_v4_put, doorbell only when blocking in
// WFI), the doorbell handler (pending_last + kick), forwarding an assigned device's MSI as a vLPI
// (kvm_vgic_v4_set_forwarding / kvm_vgic_v4_unset_forwarding), the vITS's calls into GICv4
// (VgicItsV4Hooks) and the routing-change rule of kvm_arch_update_irqfd_routing.
//
// Installed on every new KVM VM whose config.impl.gicv4 is not "off" (KvmVm.extensions). A
// GICv4.1 host with a vITS offers vSGIs (GICD_TYPER2.nASSGIcap = 1): when the guest sets
// GICD_CTLR.nASSGIreq, vgic_v4_configure_vsgis turns every SGI into a vSGI that the redistributor
// delivers to the resident vPE without an active state (vgic_v4_enable_vsgis / vgic_v4_disable_vsgis,
// its_prop_update_vsgi). A GICv4.0 host, or one without a vITS (no vPE residency here), keeps
// nASSGIcap = 0 and SGIs on the software path.
//
// KVM's choices kept here that a guest can see (spec/conformance/gicv4/README.md): unset_forwarding
// loses a pending vLPI; a translation cached before forwarding lets a userspace MSI latch the vLPI
// in software too; pending_last wakes a WFI whatever the priority mask; clearing EnableLPIs leaves
// vLPIs flowing; GICv4.0 vLPIs ignore GICD_CTLR.EnableGrp1.
import type { VgicCpu, VgicIrq, VgicItsV4Hooks, VgicV4Hooks } from './types.js';
import { type VgicCpuState, type VgicDistState, vgicKick, vgicQueueIrqUnlock } from './vgic.js';
import { KVM_IRQ_ROUTING_MSI, type KernelRoutingEntry, msiAddress } from './vgic-irqfd.js';
import { type IrqBypassHooks, KvmVm } from '../kvm/vm.js';
import type { Irqfd, IrqfdRoutingObserver } from '../kvm/eventfd.js';
import { GicV4Host, type HostVm, type HostVpe } from '../hw/gicv4-host.js';
import type { GicV4Version } from '../hw/gicv4-redist.js';

/** LPI_PROP_ENABLED, LPI_PROP_GROUP1 (the host's LPI configuration byte) */
const LPI_PROP_ENABLED = 0x1;
const LPI_PROP_GROUP1 = 0x2;

/** Figures that prove the direct-injection path is taken (TargetSession.counters). */
export interface VgicV4Counters {
  /** vLPIs the guest acknowledged straight from a redistributor (no LR, no exit) */
  vlpiDirect: number;
  /** doorbell interrupts KVM handled (vgic_v4_doorbell_handler) */
  doorbells: number;
  /** VMOVP commands on the host ITS (a vPE followed its vCPU to another physical CPU) */
  vmovp: number;
  /** producers that stayed in software: not a single MSI route, or kvm_vgic_v4_set_forwarding bailed out */
  v4Fallbacks: number;
  /** MSIs turned into vLPIs (its_map_vlpi of an MSI that was not forwarded yet) */
  vlpiMapped: number;
  /** vLPIs unmapped again (unforward, DISCARD/MAPD, routing change) */
  vlpiUnmapped: number;
  /** forwarded MSIs the device raised that the host ITS delivered as vLPIs */
  vlpiFired: number;
  /** VMOVI commands (a vLPI moved to another vPE, or its GICv4.0 doorbell changed) */
  vmovi: number;
  /** every command the host driver put in the physical ITS's queue */
  hostItsCommands: number;
}

/** KVM's GICv4 state of one VM (kvm->arch.vgic.its_vm and the vPEs of its vCPUs). */
export class VgicV4 implements VgicV4Hooks, VgicItsV4Hooks, IrqBypassHooks {
  readonly hasGicv41: boolean;
  readonly host: GicV4Host;
  readonly itsVm: HostVm;
  /** irq bypass connections: host IRQ -> GSI of the irqfd it produces for */
  private readonly producers = new Map<number, number>();
  private fallbacks = 0;
  private mapped = 0;
  private unmapped = 0;
  private fired = 0;
  private doorbells = 0;

  constructor(readonly vm: KvmVm, version: GicV4Version) {
    this.hasGicv41 = version === '4.1';
    this.host = new GicV4Host(version, vm.config.impl.pcpus);
    this.itsVm = this.vgicV4Init();
    this.vlpiPending = this.hasGicv41 ? (irq) => this.host.vlpiPending(irq.hostIrq) : undefined;
  }

  private get dist(): VgicDistState {
    return this.vm.dist;
  }

  /** vgic_supports_direct_msis: GICv4 and a vITS */
  private supportsDirectMsis(): boolean {
    return this.dist.its !== null;
  }

  private vpeOf(vcpu: VgicCpu): HostVpe {
    return vcpu.vpe as HostVpe;
  }

  /** vgic_v4_init: a vPE and its doorbell per vCPU (GICv4.0 doorbells start disabled). */
  private vgicV4Init(): HostVm {
    const dist = this.dist;
    const itsVm = this.host.createVm(dist.nrVcpus);
    dist.vcpus.forEach((vcpu, i) => {
      const vpe = itsVm.vpes[i]!;
      vcpu.vpe = vpe;
      this.host.requestDoorbell(vpe, () => this.vgicV4DoorbellHandler(vcpu, vpe));
    });
    return itsVm;
  }

  /** vgic_v4_doorbell_handler: GICv4.0 doorbells disable themselves; pending_last; kick. */
  private vgicV4DoorbellHandler(vcpu: VgicCpuState, vpe: HostVpe): void {
    this.doorbells++;
    if (!this.hasGicv41) this.host.disableDoorbell(vpe);
    vpe.pendingLast = true;
    vgicKick(this.dist, vcpu);
  }

  counters(): VgicV4Counters {
    let direct = 0;
    for (const rd of this.host.hw.rds) direct += rd.delivered;
    const ex = this.host.its.executed;
    let cmds = 0;
    for (const k in ex) cmds += ex[k]!;
    return {
      vlpiDirect: direct, doorbells: this.doorbells, vmovp: ex.VMOVP ?? 0, v4Fallbacks: this.fallbacks,
      vlpiMapped: this.mapped, vlpiUnmapped: this.unmapped, vlpiFired: this.fired, vmovi: ex.VMOVI ?? 0, hostItsCommands: cmds,
    };
  }

  // ---- residency (VgicV4Hooks) -----------------------------------------------------------------

  /**
   * vgic_v4_load: move the vPE to this CPU's redistributor (VMOVP when it moved), make it resident
   * with vGrp1En = GICD_CTLR.EnableGrp1; GICv4.0 drops a stale doorbell. pending_last is only
   * consulted after a put has rewritten it, so it is cleared here.
   */
  load(vcpu: VgicCpu, pcpu: number): void {
    const vpe = this.vpeOf(vcpu);
    if (!this.supportsDirectMsis() || vpe.resident) return;
    this.host.vpeSetAffinity(vpe, pcpu);
    this.host.makeVpeResident(this.itsVm, vpe, pcpu, false, this.dist.enabled);
    if (!this.hasGicv41) this.host.clearDoorbellPending(vpe);
    vpe.pendingLast = false;
    (vcpu as VgicCpuState).cpuif.residentVlpis = this.host.hw.rd(pcpu);
  }

  /** vgic_v4_put: non-resident, with a doorbell only when the vCPU blocks in WFI. */
  put(vcpu: VgicCpu, inWfi: boolean): void {
    const vpe = this.vpeOf(vcpu);
    if (!this.supportsDirectMsis() || !vpe.resident) return;
    (vcpu as VgicCpuState).cpuif.residentVlpis = null;
    this.host.makeVpeNonResident(vpe, inWfi);
  }

  pendingLast(vcpu: VgicCpu): boolean {
    return this.vpeOf(vcpu).pendingLast;
  }

  /** KVM_REQ_RELOAD_GICv4 (GICv4.1, GICD_CTLR.EnableGrp1 changed): put + load refresh vGrp1En. */
  reload(vcpu: VgicCpu): void {
    const vpe = this.vpeOf(vcpu);
    if (!vpe.resident) return;
    const pcpu = vpe.hw.residentOn;
    this.put(vcpu, false);
    this.load(vcpu, pcpu);
  }

  // ---- forwarding (arm.c irq bypass hooks, vgic-v4.c) ------------------------------------------

  /** kvm_arch_irq_bypass_add_producer: only MSI routes can be forwarded; the guest is halted meanwhile. */
  addProducer(vm: KvmVm, gsi: number, hostIrq: number): void {
    this.host.setupMsi(hostIrq);
    const irqfd = vm.routing.irqfds.get(gsi);
    if (irqfd === undefined) return; // no consumer for this eventfd: nothing to connect
    this.producers.set(hostIrq, gsi);
    const e = irqfd.irqEntry;
    if (e === null || e.type !== KVM_IRQ_ROUTING_MSI) {
      // not a single MSI route: KVM does not even try; the device's MSI takes the software path
      this.fallbacks++;
      return;
    }
    vm.haltGuest();
    this.kvmVgicV4SetForwarding(hostIrq, e);
    vm.resumeGuest();
  }

  /** kvm_arch_irq_bypass_del_producer */
  delProducer(vm: KvmVm, _gsi: number, hostIrq: number): void {
    if (!this.producers.delete(hostIrq)) return;
    vm.haltGuest();
    this.kvmVgicV4UnsetForwarding(hostIrq);
    vm.resumeGuest();
  }

  /** kvm_arch_update_irqfd_routing through the IrqBypassHooks seam (routing of a produced GSI changed) */
  routingChanged(vm: KvmVm, gsi: number, hostIrq: number): void {
    if (this.producers.get(hostIrq) !== gsi) return;
    vm.haltGuest();
    this.kvmVgicV4UnsetForwarding(hostIrq);
    vm.resumeGuest();
  }

  /** The device raises its MSI: delivered by the ITS as a vLPI, or taken by the host (then the irqfd). */
  fire(_vm: KvmVm, _gsi: number, hostIrq: number): boolean {
    const direct = this.host.deviceFire(hostIrq);
    if (direct) this.fired++;
    return direct;
  }

  /**
   * kvm_vgic_v4_set_forwarding: translate the route's MSI like an MSI (caching it, as KVM does);
   * any failure leaves the interrupt in software, silently; an LPI already forwarded stays as it
   * is; otherwise its_map_vlpi with the shadow's properties and the doorbell enabled, hw = true,
   * and a latched software pending state moves into the vLPI.
   */
  kvmVgicV4SetForwarding(hostIrq: number, e: KernelRoutingEntry): number {
    const its = this.dist.its;
    if (its === null || e.type !== KVM_IRQ_ROUTING_MSI) {
      this.fallbacks++;
      return 0;
    }
    const irq = its.resolveMsi(msiAddress(e), e.data, e.devid, e.flags);
    if (typeof irq === 'number') {
      this.fallbacks++;
      return 0;
    }
    if (irq.hw) return 0;
    const target = irq.targetVcpu;
    if (target === null) {
      this.fallbacks++;
      return 0;
    }
    const vpe = this.vpeOf(target);
    const properties = (irq.priority & 0xfc) | (irq.enabled ? LPI_PROP_ENABLED : 0) | LPI_PROP_GROUP1;
    this.host.mapVlpi(hostIrq, { vm: this.itsVm, vpe, vintid: irq.intid, dbEnabled: true }, properties);
    this.mapped++;
    irq.hw = true;
    irq.hostIrq = hostIrq;
    vpe.vlpiCount++;
    if (irq.pendingLatch) {
      this.host.setVlpiPending(hostIrq, true);
      irq.pendingLatch = false;
      vgicQueueIrqUnlock(this.dist, irq);
    }
    return 0;
  }

  /** __vgic_host_irq_get_vlpi: the vLPI (hw LPI) whose host_irq is this one */
  private hostIrqGetVlpi(hostIrq: number): VgicIrq | null {
    for (const irq of this.dist.lpis.values()) if (irq.hw && irq.hostIrq === hostIrq && irq.refcount > 0) return irq;
    return null;
  }

  /**
   * kvm_vgic_v4_unset_forwarding: found by host IRQ, not by route; hw = false and its_unmap_vlpi.
   * The vLPI's pending state is NOT read back into pending_latch (vgic-v4.c).
   */
  kvmVgicV4UnsetForwarding(hostIrq: number): void {
    if (!this.supportsDirectMsis()) return;
    const irq = this.hostIrqGetVlpi(hostIrq);
    if (irq === null) return;
    if (irq.hw) {
      if (irq.targetVcpu) this.vpeOf(irq.targetVcpu).vlpiCount--;
      irq.hw = false;
      this.host.unmapVlpi(hostIrq);
      this.unmapped++;
    }
  }

  // ---- IrqfdRoutingObserver (virt/kvm/eventfd.c irqfd routing update and shutdown) -------------

  /** kvm_irq_routing_update: a produced irqfd whose MSI changed falls back to software (no remap). */
  routingChangedIrqfd(irqfd: Irqfd, old: KernelRoutingEntry | null, next: KernelRoutingEntry | null): void {
    const hostIrq = this.producerOf(irqfd.gsi);
    if (hostIrq < 0) return;
    if (old !== null && next !== null && old.type === KVM_IRQ_ROUTING_MSI && next.type === KVM_IRQ_ROUTING_MSI &&
      old.addressLo === next.addressLo && old.addressHi === next.addressHi && old.data === next.data &&
      old.flags === next.flags && old.devid === next.devid) return;
    this.kvmVgicV4UnsetForwarding(hostIrq);
  }

  /** irq_bypass_register_consumer: a producer already bound to this eventfd connects (add_producer). */
  irqfdAdded(irqfd: Irqfd): void {
    for (const [hostIrq, gsi] of this.vm.producers) if (gsi === irqfd.gsi) this.addProducer(this.vm, gsi, hostIrq);
  }

  /** irqfd shutdown: the consumer goes, so does the bypass connection (del_producer). */
  irqfdRemoved(irqfd: Irqfd): void {
    const hostIrq = this.producerOf(irqfd.gsi);
    if (hostIrq < 0) return;
    this.producers.delete(hostIrq);
    this.kvmVgicV4UnsetForwarding(hostIrq);
  }

  private producerOf(gsi: number): number {
    for (const [hostIrq, g] of this.producers) if (g === gsi) return hostIrq;
    return -1;
  }

  // ---- VgicItsV4Hooks: the vITS's calls (vgic-its.c call sites) ---------------------------------

  /** its_free_ite on a vLPI: its_unmap_vlpi (the vITS clears hw) */
  unmapVlpi(irq: VgicIrq): void {
    if (irq.targetVcpu) this.vpeOf(irq.targetVcpu).vlpiCount--;
    this.host.unmapVlpi(irq.hostIrq);
    this.unmapped++;
  }

  /** update_affinity on a vLPI: vlpi_count moves; its_map_vlpi on the new vPE (VMOVI) */
  moveVlpi(irq: VgicIrq, vcpu: VgicCpu): number {
    const map = this.host.getVlpi(irq.hostIrq);
    if (map === null) return -22;
    map.vpe.vlpiCount--;
    const vpe = this.vpeOf(vcpu);
    vpe.vlpiCount++;
    this.host.mapVlpi(irq.hostIrq, { ...map, vpe }, 0);
    return 0;
  }

  /** irq_set_irqchip_state(host_irq, PENDING, pending): INT / CLEAR on the host ITS */
  setVlpiPending(irq: VgicIrq, pending: boolean): number {
    this.host.setVlpiPending(irq.hostIrq, pending);
    return 0;
  }

  /** its_prop_update_vlpi */
  propUpdateVlpi(irq: VgicIrq, prop: number, needsInv: boolean): number {
    this.host.propUpdateVlpi(irq.hostIrq, prop, needsInv);
    return 0;
  }

  /** its_invall_vpe */
  invallVpe(vcpu: VgicCpu): void {
    this.host.invallVpe(this.vpeOf(vcpu));
  }

  /**
   * vgic_v4_get_vlpi_state, GICv4.1 only (on GICv4.0 KVM saves pending_latch): the vLPI's pending
   * bit from its VPT. The vCPUs are out of KVM_RUN, so no vPE is resident while it is read.
   */
  readonly vlpiPending: ((irq: VgicIrq) => boolean) | undefined;

  /** KVM_REQ_RELOAD_GICv4 on every vCPU (GICv4.1): put + load refresh vGrp1En */
  distEnableChanged(): void {
    if (!this.hasGicv41) return;
    for (const vcpu of this.dist.vcpus) this.reload(vcpu);
  }

  // ---- GICv4.1 vSGIs ---------------------------------------------------------------------------

  /**
   * vgic_v4_configure_vsgis, with the guest halted: vgic_v4_enable_vsgis makes each SGI a vSGI
   * (its configuration pushed with its_prop_update_vsgi, enable_irq, a latched pending state moved
   * into the hardware); vgic_v4_disable_vsgis reads the hardware pending state back into the latch.
   */
  configureVsgis(enable: boolean): void {
    this.vm.haltGuest();
    for (const vcpu of this.dist.vcpus) {
      const hw = this.vpeOf(vcpu).hw;
      for (let i = 0; i < 16; i++) {
        const irq = vcpu.privateIrqs[i]!;
        if (enable) {
          irq.hw = true;
          hw.configureSgi(i, irq.priority, irq.group, irq.enabled);
          if (irq.pendingLatch) this.host.hw.setVsgiPending(hw, i);
          irq.pendingLatch = false;
        } else {
          irq.pendingLatch = (hw.sgiPending & (1 << i)) !== 0;
          hw.setSgiPending(i, false);
          hw.configureSgi(i, irq.priority, irq.group, false);
          irq.hw = false;
          if (irq.pendingLatch) vgicQueueIrqUnlock(this.dist, irq);
        }
      }
    }
    this.vm.resumeGuest();
  }

  vsgiUpdate(vcpu: VgicCpu, irq: VgicIrq): void {
    this.vpeOf(vcpu).hw.configureSgi(irq.intid, irq.priority, irq.group, irq.enabled);
  }

  /** GITS_SGIR (set: doorbell if the vPE is not resident) / VSGI with Clear (clear) */
  vsgiSetPending(vcpu: VgicCpu, intid: number, pending: boolean): void {
    const hw = this.vpeOf(vcpu).hw;
    if (pending) this.host.hw.setVsgiPending(hw, intid);
    else hw.setSgiPending(intid, false);
  }

  /** GICR_VSGIR / GICR_VSGIPENDR */
  vsgiPending(vcpu: VgicCpu, intid: number): boolean {
    return (this.vpeOf(vcpu).hw.sgiPending & (1 << intid)) !== 0;
  }

  /** unmap_all_vpes / map_all_vpes around a GICv4.1 pending-table save */
  unmapAllVpes(): void {
    this.host.unmapAllVpes(this.itsVm);
  }
  mapAllVpes(): void {
    this.host.mapAllVpes(this.itsVm);
  }
}

/** Install GICv4 on a VM (vgic_v4_init at vGIC init; the vITS and irq bypass hooks). */
export function installVgicV4(vm: KvmVm, version: GicV4Version): VgicV4 {
  const v4 = new VgicV4(vm, version);
  vm.dist.v4 = v4;
  // GICD_TYPER2.nASSGIcap: vgic_supports_direct_sgis (a GICv4.1 host); vPEs are resident here only with a vITS
  vm.dist.nassgicap = v4.hasGicv41 && vm.dist.its !== null;
  vm.dist.its?.setV4Hooks(v4);
  vm.bypass = v4;
  const observer: IrqfdRoutingObserver & { irqfdAdded?(irqfd: Irqfd): void } = {
    routingChanged: (irqfd, old, next) => v4.routingChangedIrqfd(irqfd, old, next),
    irqfdRemoved: (irqfd) => v4.irqfdRemoved(irqfd),
    irqfdAdded: (irqfd) => v4.irqfdAdded(irqfd),
  };
  vm.routing.observer = observer;
  return v4;
}

/** The VM's GICv4 bridge, or null when config.impl.gicv4 is "off". */
export function vgicV4Of(vm: KvmVm): VgicV4 | null {
  const v4 = vm.dist.v4;
  return v4 instanceof VgicV4 ? v4 : null;
}

KvmVm.extensions.push((vm) => {
  const g = vm.config.impl.gicv4;
  if (g !== 'off') installVgicV4(vm, g);
});

