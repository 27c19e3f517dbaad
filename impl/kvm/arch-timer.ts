// The in-kernel virtual timer device as far as the vGIC sees it, after Linux
// arch/arm64/kvm/arch_timer.c (vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c): PPI 27 owned by the timer, HW-mapped to the
// host's virtual timer PPI (hwirq 27) at the vCPU's first run (kvm_timer_enable, from
// kvm_arch_vcpu_run_pid_change: a VMM restoring a VM writes the PPI's state while it is still a
// plain interrupt, so userspace ISACTIVER writes take effect), its level driven by the timer output
// (`timer.line`), get_input_level, the physical active state KVM uses to mask the host
// interrupt while the guest owns it, and the host handler re-injecting a still-high line.
import { PTIMER_PPI, VTIMER_PPI } from '../../spec/layout.js';
import {
  type VgicCpuState, type VgicDistState, kvmVgicInjectIrq, kvmVgicMapIsActive, kvmVgicMapPhysIrq,
} from '../vgic/vgic.js';

/** The owner cookie of the vtimer's line (userspace injection of PPI 27 is ignored). */
export const VTIMER_OWNER = 'vtimer';
/**
 * The owner cookie of the EL1 physical timer's line: kvm_timer_enable takes PPI 30 as well (its
 * interrupt is not simulated here, only the ownership: userspace injection of PPI 30 is ignored).
 */
export const PTIMER_OWNER = 'ptimer';
/** The host's virtual timer PPI and its Linux IRQ number in this simulation. */
export const HOST_VTIMER_HWIRQ = 27;
export const HOST_VTIMER_IRQ = 27;

export class ArchTimer {
  /** the timer output (ISTATUS && ENABLE && !IMASK) per vCPU */
  private readonly level: Uint8Array;
  /** kvm_timer_enable ran for this vCPU (timer->enabled) */
  private readonly enabled: Uint8Array;
  hostIrqs = 0;

  constructor(private readonly dist: VgicDistState) {
    this.level = new Uint8Array(dist.nrVcpus);
    this.enabled = new Uint8Array(dist.nrVcpus);
    // kvm_arch_timer_get_input_level
    dist.getInputLevel = (vcpu, intid) => intid === VTIMER_PPI && this.level[vcpu.vcpuId] === 1;
  }

  isEnabled(vcpu: VgicCpuState): boolean {
    return this.enabled[vcpu.vcpuId] === 1;
  }

  /**
   * kvm_timer_enable, at the vCPU's first run: timer_irqs_are_valid takes ownership of the PPIs of
   * both EL1 timers (kvm_vgic_set_owner), kvm_vgic_map_phys_irq makes it HW-mapped. Until then the output only
   * changed the timer's own state (the injection was refused: wrong owner); the first load's
   * kvm_timer_update_irq (kvm_timer_vcpu_load_gic) brings the vGIC's line up to date, low as well as
   * high: a line level userspace restored (KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO) gives way to the output.
   */
  enable(vcpu: VgicCpuState): void {
    if (this.enabled[vcpu.vcpuId]) return;
    this.enabled[vcpu.vcpuId] = 1;
    vcpu.privateIrqs[VTIMER_PPI]!.owner = VTIMER_OWNER;
    vcpu.privateIrqs[PTIMER_PPI]!.owner = PTIMER_OWNER;
    kvmVgicMapPhysIrq(this.dist, vcpu, HOST_VTIMER_IRQ, VTIMER_PPI, HOST_VTIMER_HWIRQ);
    kvmVgicInjectIrq(this.dist, vcpu, VTIMER_PPI, this.levelOf(vcpu), VTIMER_OWNER);
  }

  levelOf(vcpu: VgicCpuState): boolean {
    return this.level[vcpu.vcpuId] === 1;
  }

  /** kvm_timer_update_irq: the output changed; loaded vCPUs also see the physical PPI. */
  setLine(vcpu: VgicCpuState, loadedPcpu: number, level: boolean): void {
    if (this.levelOf(vcpu) === level) return;
    this.level[vcpu.vcpuId] = level ? 1 : 0;
    if (!this.enabled[vcpu.vcpuId]) return; // not yet run: enable() injects the level
    if (loadedPcpu >= 0) this.dist.phys.setPending(loadedPcpu, HOST_VTIMER_HWIRQ, level);
    // a loaded vCPU's timer is the hardware timer: its output falling (the guest masks or
    // reprograms it without a trap) raises no interrupt and calls nothing; KVM sees it at the next
    // load (kvm_timer_vcpu_load_gic) or when the vGIC re-samples the line (vgic_get_phys_line_level)
    if (!level && loadedPcpu >= 0) return;
    kvmVgicInjectIrq(this.dist, vcpu, VTIMER_PPI, level, VTIMER_OWNER);
    // The host took the forwarded interrupt and left it active for the guest to deactivate.
    if (level && loadedPcpu >= 0) this.dist.phys.setActive(loadedPcpu, HOST_VTIMER_HWIRQ, true);
  }

  /** kvm_timer_vcpu_load_gic: physical active = virtually active || line high. */
  load(vcpu: VgicCpuState, pcpu: number): void {
    const phys = this.dist.phys;
    if (this.enabled[vcpu.vcpuId]) kvmVgicInjectIrq(this.dist, vcpu, VTIMER_PPI, this.levelOf(vcpu), VTIMER_OWNER);
    phys.setPending(pcpu, HOST_VTIMER_HWIRQ, this.levelOf(vcpu));
    phys.setActive(pcpu, HOST_VTIMER_HWIRQ, kvmVgicMapIsActive(this.dist, vcpu, VTIMER_PPI) || this.levelOf(vcpu));
  }

  /** kvm_timer_vcpu_put: the hardware timer stops on this CPU (the emulated one takes over). */
  put(pcpu: number): void {
    this.dist.phys.setPending(pcpu, HOST_VTIMER_HWIRQ, false);
    this.dist.phys.setActive(pcpu, HOST_VTIMER_HWIRQ, false);
  }

  /** Whether the physical timer PPI of this CPU is pending and not active: the host takes it. */
  hostIrqDue(pcpu: number): boolean {
    const phys = this.dist.phys;
    return phys.isPending(pcpu, HOST_VTIMER_HWIRQ) && !phys.isActive(pcpu, HOST_VTIMER_HWIRQ);
  }

  /**
   * The host takes the physical timer PPI when it is pending and not active (the guest
   * deactivated it through the HW LR while the line stayed high): kvm_arch_timer_handler
   * re-injects, and the interrupt stays active for the guest. Returns whether it fired.
   */
  pollHostIrq(vcpu: VgicCpuState, pcpu: number): boolean {
    if (!this.hostIrqDue(pcpu)) return false;
    const phys = this.dist.phys;
    this.hostIrqs++;
    phys.setActive(pcpu, HOST_VTIMER_HWIRQ, true);
    kvmVgicInjectIrq(this.dist, vcpu, VTIMER_PPI, true, VTIMER_OWNER);
    return true;
  }
}
