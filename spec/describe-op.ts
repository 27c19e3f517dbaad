// One-line readable forms of ops and results, for traces printed by `run` and `repro`.
import type { ItsCommand, OpResult, PrimitiveOp } from './scenario.js';

function cmd(c: ItsCommand): string {
  if (c.cmd === 'raw') return `raw[${c.words.join(' ')}]`;
  const fields = Object.entries(c).filter(([k]) => k !== 'cmd').map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : v}`);
  return `${c.cmd}(${fields.join(',')})`;
}

export function describeOp(op: PrimitiveOp): string {
  switch (op.op) {
    case 'mmio.read':
      return `cpu${op.cpu} read${op.width}  ${op.frame}${op.index !== undefined ? op.index : ''}+0x${op.offset.toString(16)}`;
    case 'mmio.write':
      return `cpu${op.cpu} write${op.width} ${op.frame}${op.index !== undefined ? op.index : ''}+0x${op.offset.toString(16)} = ${op.value}`;
    case 'sysreg.read':
      return `cpu${op.cpu} mrs ${op.reg}`;
    case 'sysreg.write':
      return `cpu${op.cpu} msr ${op.reg}, ${op.value}`;
    case 'wfi':
      return `cpu${op.cpu} wfi`;
    case 'its.cmd':
      return `cpu${op.cpu ?? 0} its${op.its} ${op.cmds.map(cmd).join('; ')}`;
    case 'mem.write':
      return `mem ${op.addr} <- ${op.bytes.length > 32 ? op.bytes.slice(0, 32) + `...(${op.bytes.length / 2} bytes)` : op.bytes}`;
    case 'mem.read':
      return `mem ${op.addr} read ${op.len}`;
    case 'kvm.irq_line':
      return op.raw !== undefined
        ? `KVM_IRQ_LINE raw=0x${op.raw.toString(16)} level=${op.level}`
        : `KVM_IRQ_LINE ${op.type} ${op.type === 'ppi' || op.type === 'cpu' ? `vcpu${op.vcpu ?? 0} ` : ''}intid=${op.intid} level=${op.level}`;
    case 'kvm.signal_msi':
      return `KVM_SIGNAL_MSI addr=${op.address} data=${op.data} devid=${op.devid} flags=${op.flags}`;
    case 'kvm.set_gsi_routing':
      return `KVM_SET_GSI_ROUTING ${op.entries.map((e) => `gsi${e.gsi}:${'pin' in e ? `irqchip${e.irqchip}/pin${e.pin}` : 'address' in e ? `msi(${e.address},${e.data},dev${e.devid})` : `type${e.type}`}`).join(' ')}`;
    case 'kvm.irqfd':
      return `KVM_IRQFD gsi${op.gsi}${op.resample ? ' resample' : ''}${op.deassign ? ' deassign' : ''}`;
    case 'irqfd.signal':
      return `irqfd gsi${op.gsi} signal`;
    case 'irqfd.resampled':
      return `irqfd gsi${op.gsi} resampled?`;
    case 'vfio.forward':
    case 'vfio.unforward':
      return `${op.op} gsi${op.gsi} hostIrq${op.hostIrq}`;
    case 'device.fire':
      return `device hostIrq${op.hostIrq} fires`;
    case 'timer.line':
      return `vtimer cpu${op.cpu} level=${op.level}`;
    case 'kvm.device_attr':
      return `KVM_${op.access === 'get' ? 'GET' : 'SET'}_DEVICE_ATTR ${op.device}${op.device === 'its' ? op.index ?? 0 : ''} ${op.group} ${typeof op.attr === 'object' ? JSON.stringify(op.attr) : op.attr}${op.value !== undefined ? ` = ${op.value}` : ''}`;
    case 'migrate':
      return 'migrate (save, new VM, restore)';
    case 'vcpu.run':
      return `vcpu${op.cpu} run on pcpu${op.pcpu}`;
    case 'vcpu.exit':
      return `vcpu${op.cpu} exit`;
    case 'vcpu.put':
      return `vcpu${op.cpu} put`;
    case 'group':
      return `group { ${op.ops.map((m) => describeOp(m)).join(' || ')} }`;
  }
}

export function describeResult(r: OpResult | undefined): string {
  if (r === undefined) return '(none)';
  return typeof r === 'string' ? r : JSON.stringify(r);
}
