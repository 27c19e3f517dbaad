// One KVM arm64 VM with an in-kernel vGICv3: vCPU scheduling (vcpu_load/vcpu_put, guest entry
// with kvm_vgic_flush_hwstate, exit with kvm_vgic_sync_hwstate), the guest's accesses (MMIO traps
// to the vGIC frames, ICC_* system registers served by the virtual CPU interface or trapped, WFI),
// the host side (KVM_IRQ_LINE, routing, irqfds, VFIO forwarding, the vtimer, device attributes),
// and quiescence: after each op every kicked vCPU exits, folds, prunes, flushes and re-enters,
// and a blocked vCPU whose wake-up test became true wakes (docs/scenario-format.md; vgic.c kvm_vgic_vcpu_pending_irq).
import type { ResolvedConfig } from '../../spec/scenario.js';
import { GuestMemory } from '../hw/guest-memory.js';
import { PhysGic } from '../hw/phys-gic.js';
import { HCR_TDIR } from '../hw/gicv3-cpuif.js';
import {
  type VgicCpuState, type VgicDistState, kvmVgicFlushHwstate, kvmVgicProcessAsyncUpdate, kvmVgicSyncHwstate,
  kvmVgicVcpuPendingIrq,
} from '../vgic/vgic.js';
import { vgicV3Deactivate } from '../vgic/vgic-v3.js';
import type { VgicMmioCtx } from '../vgic/vgic-mmio.js';
import { vgicMmioWriteCactive } from '../vgic/vgic-mmio.js';
import { type VgicFrame, vgicMmioRead, vgicMmioWrite, vgicV3DispatchSgi } from '../vgic/vgic-mmio-v3.js';
import { kvmVgicCreate } from '../vgic/vgic-init.js';
import type { VgicItsSet } from '../vgic/vgic-its.js';
import { KvmIrqRouting } from './eventfd.js';
import { ArchTimer } from './arch-timer.js';

/** A frame is 64 KiB (GICD, GICR RD, GICR SGI); an ITS frame pair is 128 KiB. */
const FRAME_SIZE = 0x1_0000;
const ITS_FRAME_SIZE = 0x2_0000;
/** How many exit/entry cycles one vCPU may take in one op's quiescence (a livelocking MI). */
const QUIESCE_CYCLES_PER_VCPU = 8;

/** The vCPU as the KVM run loop sees it. */
export class KvmVcpu {
  /** the physical CPU it is loaded on, or -1 */
  loadedPcpu = -1;
  /** where it last ran (a woken vCPU resumes there) */
  lastPcpu: number;
  /** in the guest (between flush and sync) */
  inGuest = false;
  /** blocked in WFI (kvm_vcpu_halt) */
  blocked = false;
  /** exited by kvm_arm_halt_guest, to re-enter on resume */
  halted = false;

  constructor(readonly id: number, readonly vgic: VgicCpuState, pcpus: number) {
    this.lastPcpu = id % pcpus;
  }
}

/**
 * The irq bypass seam: KVM's kvm_arch_irq_bypass_{add,del}_producer and the device side of an
 * assigned device's MSI. Without GICv4 there is none and a device's MSI reaches the irqfd of its
 * GSI through the host (VFIO's MSI handler signals the eventfd).
 */
export interface IrqBypassHooks {
  /** kvm_arch_irq_bypass_add_producer: the irqfd of `gsi` gets the device's MSI `hostIrq` */
  addProducer(vm: KvmVm, gsi: number, hostIrq: number): void;
  /** kvm_arch_irq_bypass_del_producer */
  delProducer(vm: KvmVm, gsi: number, hostIrq: number): void;
  /** the routing of a GSI with a producer changed (kvm_arch_update_irqfd_routing) */
  routingChanged(vm: KvmVm, gsi: number, hostIrq: number): void;
  /** the device raises its MSI: true when the hardware delivered it (a vLPI), false to fall back */
  fire(vm: KvmVm, gsi: number, hostIrq: number): boolean;
}

export interface KvmCounters {
  entries: number;
  exits: number;
  mmioExits: number;
  sysregTraps: number;
  maintenanceIrqs: number;
  wfiBlocks: number;
  wakeups: number;
  loads: number;
  puts: number;
  guestHalts: number;
  deviceMsis: number;
}

export class KvmVm {
  /**
   * Code that extends every new VM (the GICv4 bridge installs dist.v4, the vITS's v4 hooks and
   * the irq bypass hooks here when config.impl.gicv4 is not "off"). Run at the end of creation.
   */
  static readonly extensions: Array<(vm: KvmVm) => void> = [];

  readonly mem: GuestMemory;
  readonly phys: PhysGic;
  readonly dist: VgicDistState;
  readonly vcpus: KvmVcpu[];
  readonly routing: KvmIrqRouting;
  readonly timer: ArchTimer;
  /** which vCPU is loaded on each physical CPU (-1: none) */
  private readonly pcpuOwner: Int32Array;
  bypass: IrqBypassHooks | null = null;
  /** VFIO: assigned devices' MSIs (host IRQ) bound to the irqfd of a GSI */
  readonly producers = new Map<number, number>();
  readonly counters: KvmCounters = {
    entries: 0, exits: 0, mmioExits: 0, sysregTraps: 0, maintenanceIrqs: 0, wfiBlocks: 0, wakeups: 0, loads: 0, puts: 0,
    guestHalts: 0, deviceMsis: 0,
  };
  private readonly cycles: Uint8Array;
  private readonly mmioCtx: VgicMmioCtx;

  constructor(readonly config: ResolvedConfig, mem?: GuestMemory) {
    const pcpus = config.impl.pcpus;
    if (!(Number.isInteger(pcpus) && pcpus >= 1)) throw new Error(`config.impl.pcpus must be a positive integer, got ${pcpus}`);
    this.mem = mem ?? new GuestMemory(config.memory);
    this.phys = new PhysGic(pcpus);
    this.dist = kvmVgicCreate({
      nrIrqs: config.spis + 32, nrVcpus: config.vcpus, nrLr: config.impl.lrs, nrIts: config.its, mem: this.mem,
      phys: this.phys, nassgicap: false,
    });
    this.vcpus = this.dist.vcpus.map((v, i) => new KvmVcpu(i, v, pcpus));
    this.pcpuOwner = new Int32Array(pcpus).fill(-1);
    this.routing = new KvmIrqRouting(this.dist);
    this.timer = new ArchTimer(this.dist);
    this.cycles = new Uint8Array(config.vcpus);
    const vm = this;
    this.mmioCtx = {
      dist: this.dist,
      vcpu: this.dist.vcpus[0]!,
      requester: null,
      haltGuest: () => vm.haltGuest(),
      resumeGuest: () => vm.resumeGuest(),
    };
    this.routing.observer = {
      routingChanged: (irqfd) => {
        for (const [hostIrq, gsi] of vm.producers) if (gsi === irqfd.gsi) vm.bypass?.routingChanged(vm, gsi, hostIrq);
      },
      // Without GICv4 there is no bypass to take down: the device is bound to its eventfd, not to
      // the irqfd, and VFIO's MSI handler keeps signalling that eventfd (vfio_pci_intrs.c
      // vfio_msihandler), so a deassign (virt/kvm/eventfd.c kvm_irqfd_deassign, Linux 6.12) leaves
      // the device bound and an irqfd assigned again on the eventfd receives its MSIs.
      irqfdRemoved: () => {},
    };
    // kvm_arm_halt_guest / kvm_arm_resume_guest for the vITS (MOVALL)
    (this.dist.its as VgicItsSet | null)?.setGuestControl({ halt: () => vm.haltGuest(), resume: () => vm.resumeGuest() });
    for (const ext of KvmVm.extensions) ext(this);
  }

  vcpu(cpu: number): KvmVcpu {
    const v = this.vcpus[cpu];
    if (!v) throw new Error(`vCPU ${cpu} does not exist (config.vcpus = ${this.config.vcpus})`);
    return v;
  }

  // ---- scheduling ------------------------------------------------------------------------------

  /** vcpu_load on a physical CPU (kvm_arch_vcpu_load: vgic load, GICv4 residency, timer). */
  vcpuLoad(v: KvmVcpu, pcpu: number): void {
    if (!(Number.isInteger(pcpu) && pcpu >= 0 && pcpu < this.config.impl.pcpus)) {
      throw new Error(`physical CPU ${pcpu} out of range (config.impl.pcpus = ${this.config.impl.pcpus})`);
    }
    if (v.loadedPcpu === pcpu) return;
    if (v.loadedPcpu >= 0) this.vcpuPut(v);
    const other = this.pcpuOwner[pcpu]!;
    if (other >= 0) this.vcpuPut(this.vcpus[other]!);
    this.pcpuOwner[pcpu] = v.id;
    v.loadedPcpu = pcpu;
    v.lastPcpu = pcpu;
    v.vgic.cpuif.pcpu = pcpu;
    this.counters.loads++;
    // First KVM_RUN: kvm_arch_vcpu_run_pid_change -> kvm_timer_enable, before vcpu_load.
    this.timer.enable(v.vgic);
    this.timer.load(v.vgic, pcpu);
    this.dist.v4?.load(v.vgic, pcpu);
  }

  /** vcpu_put (exiting the guest first if needed); `inWfi` asks GICv4 for a doorbell. */
  vcpuPut(v: KvmVcpu, inWfi = false): void {
    if (v.inGuest) this.exitGuest(v);
    if (v.loadedPcpu < 0) return;
    this.dist.v4?.put(v.vgic, inWfi);
    this.timer.put(v.loadedPcpu);
    this.pcpuOwner[v.loadedPcpu] = -1;
    v.loadedPcpu = -1;
    this.counters.puts++;
  }

  /** Guest entry: pending requests, then kvm_vgic_flush_hwstate. */
  enterGuest(v: KvmVcpu): void {
    if (v.inGuest) return;
    if (v.vgic.processUpdateRequest) {
      v.vgic.processUpdateRequest = false;
      kvmVgicProcessAsyncUpdate(this.dist, v.vgic);
    }
    v.vgic.irqPendingRequest = false;
    kvmVgicFlushHwstate(this.dist, v.vgic);
    v.inGuest = true;
    this.counters.entries++;
  }

  /** Guest exit: kvm_vgic_sync_hwstate (fold + prune). */
  exitGuest(v: KvmVcpu): void {
    if (!v.inGuest) return;
    kvmVgicSyncHwstate(this.dist, v.vgic);
    v.inGuest = false;
    this.counters.exits++;
  }

  /** A guest op on a vCPU that is not running enters it first (loaded on vcpu % pcpus). */
  ensureRunning(v: KvmVcpu): void {
    if (v.inGuest) return;
    if (v.loadedPcpu < 0) this.vcpuLoad(v, v.id % this.config.impl.pcpus);
    this.enterGuest(v);
  }

  /** kvm_arm_halt_guest: every vCPU in the guest exits (its LRs are folded). */
  haltGuest(): void {
    this.counters.guestHalts++;
    for (const v of this.vcpus) {
      if (v.inGuest) {
        this.exitGuest(v);
        v.halted = true;
      }
    }
  }

  /**
   * kvm_arm_resume_guest: every vCPU is woken (__kvm_vcpu_wake_up); one blocked in WFI checks again
   * whether it can run (kvm_vcpu_check_block: kvm_arch_vcpu_runnable, kvm_vgic_vcpu_pending_irq)
   * and leaves the WFI if the halted access left it something to take.
   */
  resumeGuest(): void {
    for (const v of this.vcpus) {
      if (v.halted) {
        v.halted = false;
        this.enterGuest(v);
      } else if (v.blocked && kvmVgicVcpuPendingIrq(this.dist, v.vgic)) {
        this.wake(v);
      }
    }
  }

  /** The VMM stops every vCPU (they leave KVM_RUN) before device attribute accesses. */
  pauseAll(): void {
    for (const v of this.vcpus) if (!v.blocked) this.vcpuPut(v);
  }

  private wake(v: KvmVcpu): void {
    v.blocked = false;
    this.counters.wakeups++;
    this.vcpuLoad(v, v.lastPcpu);
    this.enterGuest(v);
  }

  /**
   * Run to quiescence: kicked vCPUs in the guest exit and re-enter (fold, prune, flush), a
   * maintenance interrupt forces the same, the host takes a re-asserted vtimer PPI, and blocked
   * vCPUs whose wake-up test holds wake up. A vCPU livelocked by a maintenance interrupt that
   * re-fires on every entry stops after a few cycles, as a real guest would make progress.
   */
  quiesce(): void {
    this.cycles.fill(0);
    for (let round = 0; round < 256; round++) {
      let progress = false;
      for (const v of this.vcpus) {
        const g = v.vgic;
        if (v.blocked) {
          if (g.irqPendingRequest) {
            g.irqPendingRequest = false;
            if (kvmVgicVcpuPendingIrq(this.dist, g)) {
              this.wake(v);
              progress = true;
            }
          }
          continue;
        }
        if (v.loadedPcpu >= 0 && this.timer.hostIrqDue(v.loadedPcpu)) {
          // a physical IRQ taken while the guest runs is an exit: the list registers are folded
          // (kvm_vgic_sync_hwstate) before the host's handler runs, then the guest is re-entered
          const inGuest = v.inGuest;
          if (inGuest) this.exitGuest(v);
          this.timer.pollHostIrq(g, v.loadedPcpu);
          if (inGuest) this.enterGuest(v);
          progress = true;
        }
        if (!v.inGuest) continue;
        const mi = g.cpuif.maintenanceAsserted();
        if ((g.irqPendingRequest || mi) && this.cycles[v.id]! < QUIESCE_CYCLES_PER_VCPU) {
          this.cycles[v.id]!++;
          if (mi) this.counters.maintenanceIrqs++;
          this.exitGuest(v);
          this.enterGuest(v);
          progress = true;
        }
      }
      if (!progress) return;
    }
  }

  // ---- guest accesses --------------------------------------------------------------------------

  /** The vCPU a guest op runs on, entered; null when it is asleep in WFI. */
  guest(cpu: number): KvmVcpu | null {
    const v = this.vcpu(cpu);
    if (v.blocked) return null;
    this.ensureRunning(v);
    return v;
  }

  private mmioTarget(v: KvmVcpu, frame: VgicFrame, index: number | undefined): VgicMmioCtx | null {
    const c = this.mmioCtx;
    c.requester = v.vgic;
    if (frame === 'gicd') {
      c.vcpu = v.vgic;
      return c;
    }
    if (index === undefined) throw new Error(`mmio on frame ${frame} needs an index (the redistributor number)`);
    const target = this.dist.vcpus[index];
    if (!target) return null; // no redistributor there
    c.vcpu = target;
    return c;
  }

  /** A trapped MMIO read: exit to the host, emulate, re-enter. Width in bits. */
  mmioRead(v: KvmVcpu, frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits', index: number | undefined, offset: number, width: number): bigint {
    checkWidth(width);
    this.counters.mmioExits++;
    this.exitGuest(v);
    let val = 0n;
    if (frame === 'gits') {
      const its = this.dist.its;
      if (index === undefined) throw new Error('mmio on frame gits needs an index (the ITS number)');
      if (its && index >= 0 && index < this.config.its && offset >= 0 && offset < ITS_FRAME_SIZE) val = its.mmioRead(index, offset, width);
    } else if (offset >= 0 && offset < FRAME_SIZE) {
      const c = this.mmioTarget(v, frame, index);
      if (c) val = vgicMmioRead(c, frame, offset, width / 8);
    }
    this.enterGuest(v);
    return BigInt.asUintN(width, val);
  }

  mmioWrite(v: KvmVcpu, frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits', index: number | undefined, offset: number, width: number, value: bigint): void {
    checkWidth(width);
    this.counters.mmioExits++;
    this.exitGuest(v);
    const val = BigInt.asUintN(width, value);
    if (frame === 'gits') {
      const its = this.dist.its;
      if (index === undefined) throw new Error('mmio on frame gits needs an index (the ITS number)');
      if (its && index >= 0 && index < this.config.its && offset >= 0 && offset < ITS_FRAME_SIZE) its.mmioWrite(index, offset, width, val);
    } else if (offset >= 0 && offset < FRAME_SIZE) {
      const c = this.mmioTarget(v, frame, index);
      if (c) vgicMmioWrite(c, frame, offset, width / 8, val);
    }
    this.enterGuest(v);
  }

  /** ICC_* reads: all served by the virtual CPU interface. */
  sysregRead(v: KvmVcpu, reg: string): number {
    const cif = v.vgic.cpuif;
    switch (reg) {
      case 'ICC_IAR1_EL1': return cif.readIar(1);
      case 'ICC_IAR0_EL1': return cif.readIar(0);
      case 'ICC_HPPIR1_EL1': return cif.readHppir(1);
      case 'ICC_HPPIR0_EL1': return cif.readHppir(0);
      case 'ICC_RPR_EL1': return cif.runningPriority();
      case 'ICC_PMR_EL1': return cif.readPmr();
      case 'ICC_BPR0_EL1': return cif.readBpr(0);
      case 'ICC_BPR1_EL1': return cif.readBpr(1);
      case 'ICC_CTLR_EL1': return cif.readCtlr();
      case 'ICC_IGRPEN0_EL1': return cif.readIgrpen(0);
      case 'ICC_IGRPEN1_EL1': return cif.readIgrpen(1);
      case 'ICC_AP0R0_EL1': return cif.readApr(0, 0);
      case 'ICC_SRE_EL1': return 0x7; // SRE, DFB, DIB: RAO/WI for a v3 guest (vgic_v3_reset)
      case 'ISR_EL1': return cif.readIsr();
      default: {
        const m = /^ICC_AP1R([0-3])_EL1$/.exec(reg);
        if (m) return cif.readApr(1, Number(m[1]));
        throw new Error(`sysreg.read: unknown register ${reg}`);
      }
    }
  }

  /** ICC_* writes: the CPU interface, or a trap to KVM (SGIs; DIR when ICH_HCR_EL2.TDIR). */
  sysregWrite(v: KvmVcpu, reg: string, value: bigint): void {
    const cif = v.vgic.cpuif;
    const lo = Number(value & 0xffff_ffffn);
    switch (reg) {
      case 'ICC_EOIR1_EL1': cif.writeEoir(1, lo); return;
      case 'ICC_EOIR0_EL1': cif.writeEoir(0, lo); return;
      case 'ICC_DIR_EL1': this.writeDir(v, lo); return;
      case 'ICC_PMR_EL1': cif.writePmr(lo); return;
      case 'ICC_BPR0_EL1': cif.writeBpr(0, lo); return;
      case 'ICC_BPR1_EL1': cif.writeBpr(1, lo); return;
      case 'ICC_CTLR_EL1': cif.writeCtlr(lo); return;
      case 'ICC_IGRPEN0_EL1': cif.writeIgrpen(0, lo); return;
      case 'ICC_IGRPEN1_EL1': cif.writeIgrpen(1, lo); return;
      case 'ICC_AP0R0_EL1': cif.writeApr(0, 0, lo); return;
      case 'ICC_SGI1R_EL1': this.sgiTrap(v, value, true); return;
      case 'ICC_ASGI1R_EL1': this.sgiTrap(v, value, false); return;
      case 'ICC_SGI0R_EL1': this.sgiTrap(v, value, false); return;
      default: {
        const m = /^ICC_AP1R([0-3])_EL1$/.exec(reg);
        if (m) {
          cif.writeApr(1, Number(m[1]), lo);
          return;
        }
        throw new Error(`sysreg.write: unknown register ${reg}`);
      }
    }
  }

  /** access_gic_sgi: trap, vgic_v3_dispatch_sgi, re-enter. */
  private sgiTrap(v: KvmVcpu, value: bigint, allowGroup1: boolean): void {
    this.counters.sysregTraps++;
    this.exitGuest(v);
    vgicV3DispatchSgi(this.dist, v.vgic, BigInt.asUintN(64, value), allowGroup1);
    this.enterGuest(v);
  }

  /**
   * ICV_DIR_EL1. Not trapped: the CPU interface. Trapped (TDIR): the hyp handler deactivates a
   * matching LR in place (HW LRs deactivate the physical interrupt too); otherwise the vCPU exits
   * and vgic_v3_deactivate handles an interrupt outside the LRs.
   */
  private writeDir(v: KvmVcpu, value: number): void {
    const cif = v.vgic.cpuif;
    if (!(cif.hcr & HCR_TDIR)) {
      cif.writeDir(value);
      return;
    }
    this.counters.sysregTraps++;
    const intid = value & 0xffffff;
    // EOImode 0: nothing to do; LPIs have nothing to deactivate (__vgic_v3_write_dir).
    if (!cif.veoim || intid >= 8192) return;
    const lr = cif.findActive(intid);
    if (lr >= 0) {
      cif.deactivateLr(lr);
      return;
    }
    this.exitGuest(v);
    const viaIcactiver = vgicV3Deactivate(this.dist, v.vgic, intid);
    if (viaIcactiver >= 0) {
      // Big hammer: as if the guest had written GICD_ICACTIVER / GICR_ICACTIVER0.
      const c = this.mmioCtx;
      c.requester = v.vgic;
      c.vcpu = v.vgic;
      vgicMmioWriteCactive(c, 0x380 + Math.floor(viaIcactiver / 32) * 4, 4, (1 << (viaIcactiver % 32)) >>> 0);
    }
    this.enterGuest(v);
  }

  /** WFI traps: exit; wake-up test (kvm_vgic_vcpu_pending_irq); block or return to the guest. */
  wfi(v: KvmVcpu): 'woken' | 'asleep' {
    this.exitGuest(v);
    if (kvmVgicVcpuPendingIrq(this.dist, v.vgic)) {
      this.enterGuest(v);
      return 'woken';
    }
    v.blocked = true;
    v.vgic.irqPendingRequest = false;
    this.counters.wfiBlocks++;
    // kvm_vcpu_wfi: the vgic is put with IN_WFI (GICv4 doorbell requested), the thread sleeps.
    this.vcpuPut(v, true);
    // GICv4: that put read PendingLast into pending_last (a resident vLPI is on no ap_list), and
    // kvm_vcpu_halt's wake-up test runs after it: the vCPU does not sleep (vgic-v4.c).
    if (this.dist.v4 !== null && kvmVgicVcpuPendingIrq(this.dist, v.vgic)) {
      v.blocked = false;
      this.vcpuLoad(v, v.lastPcpu);
      this.enterGuest(v);
      return 'woken';
    }
    return 'asleep';
  }

  // ---- host side -------------------------------------------------------------------------------

  /** The vtimer output of a vCPU changes (timer.line). */
  timerLine(cpu: number, level: boolean): void {
    const v = this.vcpu(cpu);
    this.timer.setLine(v.vgic, v.loadedPcpu, level);
  }

  /** vfio.forward: the device's MSI becomes the irq bypass producer of the irqfd of `gsi`. */
  vfioForward(gsi: number, hostIrq: number): void {
    this.producers.set(hostIrq, gsi);
    this.bypass?.addProducer(this, gsi, hostIrq);
  }

  vfioUnforward(gsi: number, hostIrq: number): void {
    if (this.producers.get(hostIrq) !== gsi) return;
    this.bypass?.delProducer(this, gsi, hostIrq);
    this.producers.delete(hostIrq);
  }

  /** device.fire: the hardware (GICv4) or VFIO's MSI handler signalling the irqfd's eventfd. */
  deviceFire(hostIrq: number): void {
    const gsi = this.producers.get(hostIrq);
    if (gsi === undefined) return; // not an assigned device's MSI
    this.counters.deviceMsis++;
    if (this.bypass?.fire(this, gsi, hostIrq)) return;
    this.routing.signal(gsi);
  }
}

function checkWidth(width: number): void {
  if (width !== 8 && width !== 16 && width !== 32 && width !== 64) throw new Error(`mmio width must be 8, 16, 32 or 64 bits, got ${width}`);
}
