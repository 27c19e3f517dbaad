// The `kvm` target (README.md; impl/README.md): an in-process implementation of the KVM arm64 vGIC path.
// open(config) creates the VM as the config says (vGIC v3, nr_irqs = spis + 32, ITSes at the
// layout addresses, CTRL INIT done, vCPUs created and not run); step(op) runs one primitive op
// to quiescence and returns its result in the scenario format's conventions.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../spec/scenario.js';
import type { Target, TargetSession } from '../spec/target.js';
import { bytesToHex, hexToBytes, parseHex, parseHexNumber, toHex } from '../spec/hex.js';
import { runItsCmdOp, type GuestAccess } from '../spec/its-harness.js';
import { KvmVm } from './kvm/vm.js';
import { kvmIrqLineEncode, kvmSendUserspaceMsi, kvmVmIoctlIrqLine } from './kvm/arm.js';
import { KVM_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_MSI, KVM_MSI_VALID_DEVID, type UserRoutingEntry } from './vgic/vgic-irqfd.js';
import { kvmDeviceAttr } from './vgic/vgic-kvm-device.js';
import { kvmMigrate } from './kvm/migrate.js';
import { vgicV4Of } from './vgic/vgic-v4.js';

export class KvmSession implements TargetSession {
  vm: KvmVm;

  /** the guest accesses of the its.cmd op (spec/its-harness.ts), made once per session */
  private readonly itsGuest: GuestAccess;

  constructor(readonly config: ResolvedConfig) {
    this.vm = new KvmVm(config);
    // `this.vm`, not a captured VM: migrate replaces it
    this.itsGuest = {
      mmioRead: (cpu, its, offset, width) => this.vm.mmioRead(this.vm.vcpu(cpu), 'gits', its, offset, width),
      mmioWrite: (cpu, its, offset, width, value) => this.vm.mmioWrite(this.vm.vcpu(cpu), 'gits', its, offset, width, value),
      memWrite: (addr, bytes) => { this.vm.mem.write(addr, bytes); },
    };
  }

  step(op: PrimitiveOp): OpResult {
    const r = this.dispatch(op);
    this.vm.quiesce();
    return r;
  }

  private dispatch(op: PrimitiveOp): OpResult {
    const vm = this.vm;
    switch (op.op) {
      case 'mmio.read': {
        const v = vm.guest(op.cpu);
        if (!v) return 'asleep';
        return toHex(vm.mmioRead(v, op.frame, op.index, op.offset, op.width));
      }
      case 'mmio.write': {
        const v = vm.guest(op.cpu);
        if (!v) return 'asleep';
        vm.mmioWrite(v, op.frame, op.index, op.offset, op.width, parseHex(op.value));
        return null;
      }
      case 'sysreg.read': {
        const v = vm.guest(op.cpu);
        if (!v) return 'asleep';
        return toHex(vm.sysregRead(v, op.reg));
      }
      case 'sysreg.write': {
        const v = vm.guest(op.cpu);
        if (!v) return 'asleep';
        vm.sysregWrite(v, op.reg, parseHex(op.value));
        return null;
      }
      case 'wfi': {
        const v = vm.guest(op.cpu);
        if (!v) return 'asleep';
        return vm.wfi(v);
      }
      case 'its.cmd': {
        const v = vm.guest(op.cpu ?? 0);
        if (!v) return 'asleep';
        runItsCmdOp(op, this.itsGuest);
        return null;
      }
      case 'mem.write':
        vm.mem.write(parseHexNumber(op.addr), hexToBytes(op.bytes));
        return null;
      case 'mem.read': {
        const addr = parseHexNumber(op.addr);
        const out = new Uint8Array(op.len);
        for (let i = 0; i < op.len; i++) out[i] = vm.mem.isRam(addr + i, 1) ? vm.mem.readU8(addr + i) : 0;
        return bytesToHex(out);
      }
      case 'kvm.irq_line': {
        let raw: number;
        if (op.raw !== undefined) raw = op.raw >>> 0;
        else {
          if (op.type === undefined || op.intid === undefined) throw new Error('kvm.irq_line needs either raw or type and intid');
          raw = kvmIrqLineEncode(op.type, op.vcpu ?? 0, op.intid);
        }
        return kvmVmIoctlIrqLine(vm, raw, op.level);
      }
      case 'kvm.signal_msi':
        return kvmSendUserspaceMsi(vm, parseHex(op.address), op.data, op.devid, op.flags);
      case 'kvm.set_gsi_routing':
        return vm.routing.setGsiRouting(op.entries.map(toUserRoutingEntry));
      case 'kvm.irqfd':
        return vm.routing.irqfd(op.gsi, op.resample ?? false, op.deassign ?? false);
      case 'irqfd.signal':
        vm.routing.signal(op.gsi);
        return null;
      case 'irqfd.resampled':
        return vm.routing.resampled(op.gsi);
      case 'vfio.forward':
        vm.vfioForward(op.gsi, op.hostIrq);
        return null;
      case 'vfio.unforward':
        vm.vfioUnforward(op.gsi, op.hostIrq);
        return null;
      case 'device.fire':
        vm.deviceFire(op.hostIrq);
        return null;
      case 'timer.line':
        vm.timerLine(op.cpu, op.level !== 0);
        return null;
      case 'kvm.device_attr': {
        const r = kvmDeviceAttr(vm, op);
        return r.value === undefined ? { errno: r.errno } : { errno: r.errno, value: toHex(r.value) };
      }
      case 'migrate': {
        const { vm: next, errno } = kvmMigrate(vm);
        this.vm = next;
        return { errno };
      }
      case 'vcpu.run': {
        const v = vm.vcpu(op.cpu);
        if (v.blocked) {
          // A vCPU blocked in WFI cannot run; it resumes on this physical CPU when woken.
          v.lastPcpu = op.pcpu;
          return null;
        }
        vm.vcpuLoad(v, op.pcpu);
        vm.enterGuest(v);
        return null;
      }
      case 'vcpu.exit':
        vm.exitGuest(vm.vcpu(op.cpu));
        return null;
      case 'vcpu.put': {
        const v = vm.vcpu(op.cpu);
        if (!v.blocked) vm.vcpuPut(v);
        return null;
      }
      case 'group':
        // the runner steps a group's ops one by one (spec/group.ts stepOp)
        throw new Error('kvm target: a group is stepped op by op by the runner (spec/group.ts)');
      default: {
        const never: never = op;
        throw new Error(`kvm target: unknown op ${JSON.stringify((never as { op?: string }).op)}`);
      }
    }
  }

  counters(): Record<string, number> {
    const vm = this.vm;
    return {
      ...vm.counters,
      ...vm.dist.counters,
      hwDeactivations: vm.phys.deactivations,
      vtimerHostIrqs: vm.timer.hostIrqs,
      irqfdInjections: vm.routing.irqfdInjections,
      resampleNotifications: vm.routing.resampleNotifications,
      // GICv4 (config.impl.gicv4 != "off"): proof the direct-injection path was taken
      ...vgicV4Of(vm)?.counters(),
    };
  }
}

/** The scenario's routing entry as struct kvm_irq_routing_entry. */
function toUserRoutingEntry(e: PrimitiveOpRoutingEntry): UserRoutingEntry {
  if (e.type === 'irqchip') return { gsi: e.gsi, type: KVM_IRQ_ROUTING_IRQCHIP, flags: 0, irqchip: e.irqchip, pin: e.pin };
  if (e.type === 'msi') {
    // A route that names a DeviceID carries KVM_MSI_VALID_DEVID unless flags says otherwise.
    return { gsi: e.gsi, type: KVM_IRQ_ROUTING_MSI, flags: e.flags ?? KVM_MSI_VALID_DEVID, address: parseHex(e.address), data: e.data, devid: e.devid };
  }
  return { gsi: e.gsi, type: e.type, flags: 0 };
}
type PrimitiveOpRoutingEntry = Extract<PrimitiveOp, { op: 'kvm.set_gsi_routing' }>['entries'][number];

export const kvmTarget: Target = {
  name: 'kvm',
  description: 'KVM arm64 vGICv3/vITS path (vgic core, list registers, vITS, irqfd, GICv4 bridge) on a simulated GICv3 host',
  kind: 'in-process',
  supports: () => true,
  open: (config: ResolvedConfig) => new KvmSession(config),
  unavailable: () => null,
};
