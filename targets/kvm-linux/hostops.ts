// The VMM's host-op table (vmm/vmm.h, enum host_kind): each host or scheduling op of a scenario
// as the arguments of the ioctl our VMM makes for it. Records: u32 kind, u32 nwords, then nwords
// u64 words. Encodings are the KVM API's (Documentation/virt/kvm/api.rst KVM_IRQ_LINE;
// devices/arm-vgic-v3.rst and arm-vgic-its.rst for the device attribute groups and attrs).
import type { PrimitiveOp } from '../../spec/scenario.js';
import { parseHex } from '../../spec/hex.js';
import { vcpuAffinity } from '../../spec/layout.js';
import { sysregEncoding } from '../qemu/registers.js';
import type { VmmHostOp } from '../qemu/encoding.js';

export const HOST_IRQ_LINE = 1;
export const HOST_SIGNAL_MSI = 2;
export const HOST_SET_GSI_ROUTING = 3;
export const HOST_IRQFD = 4;
export const HOST_IRQFD_SIGNAL = 5;
export const HOST_IRQFD_RESAMPLED = 6;
export const HOST_DEVICE_ATTR = 7;
export const HOST_MIGRATE = 8;
export const HOST_VCPU_RUN = 9;
export const HOST_VCPU_EXIT = 10;
export const HOST_VCPU_PUT = 11;
export const HOST_UNPARK = 12;

/** KVM_DEV_ARM_VGIC_GRP_* (arm-vgic-v3.rst, arm-vgic-its.rst) */
const GROUPS: Record<string, number> = {
  ADDR: 0, DIST_REGS: 1, NR_IRQS: 3, CTRL: 4, REDIST_REGS: 5, CPU_SYSREGS: 6, LEVEL_INFO: 7, ITS_REGS: 8,
};
/** Groups whose value is a u32 in the kernel (the others take a u64). */
const U32_GROUPS = new Set(['DIST_REGS', 'REDIST_REGS', 'NR_IRQS', 'LEVEL_INFO']);
/** KVM_DEV_ARM_VGIC_CTRL_INIT, KVM_DEV_ARM_ITS_* */
const CTRL_ATTRS: Record<string, number> = {
  INIT: 0, ITS_SAVE_TABLES: 1, ITS_RESTORE_TABLES: 2, SAVE_PENDING_TABLES: 3, ITS_RESET: 4,
};
/** KVM_VGIC_V3_ADDR_TYPE_*, KVM_VGIC_ITS_ADDR_TYPE */
const ADDR_ATTRS: Record<string, number> = { DIST: 2, REDIST: 3, ITS: 4, REDIST_REGION: 5 };
/** KVM_ARM_IRQ_TYPE_* of KVM_IRQ_LINE */
const IRQ_TYPES: Record<string, number> = { cpu: 0, spi: 1, ppi: 2 };
const KVM_IRQ_ROUTING_IRQCHIP = 1;
const KVM_IRQ_ROUTING_MSI = 2;
const KVM_MSI_VALID_DEVID = 1;

/** KVM_IRQ_LINE's irq field: vcpu2_index [31:28], irq_type [27:24], vcpu_index [23:16], irq_id [15:0]. */
export function irqLineField(type: 'cpu' | 'spi' | 'ppi', vcpu: number, intid: number): number {
  return (((vcpu >> 8) & 0xf) << 28 | IRQ_TYPES[type]! << 24 | (vcpu & 0xff) << 16 | (intid & 0xffff)) >>> 0;
}

/** The MPIDR affinity as the register attrs carry it in bits 63:32 (Aff3.Aff2.Aff1.Aff0). */
function mpidrAttr(vcpu: number): bigint {
  const a = vcpuAffinity(vcpu);
  return BigInt(((a.aff3 << 24) | (a.aff2 << 16) | (a.aff1 << 8) | a.aff0) >>> 0) << 32n;
}

type DeviceAttrOp = Extract<PrimitiveOp, { op: 'kvm.device_attr' }>;

/** The u64 attr of a device-attribute op, or a message why it has none. */
export function deviceAttrValue(op: DeviceAttrOp): bigint | string {
  const attr = op.attr as unknown;
  if (op.group === 'CTRL' || op.group === 'ADDR') {
    const names = op.group === 'CTRL' ? CTRL_ATTRS : ADDR_ATTRS;
    if (typeof attr === 'number') return BigInt(attr >>> 0);
    if (typeof attr === 'string' && names[attr] !== undefined) return BigInt(names[attr]!);
    // a register-style attr object here still names a number: its offset (the kernel decides)
    if (typeof attr === 'object' && attr !== null) return BigInt(((attr as { offset?: number }).offset ?? 0) >>> 0);
    return `kvm.device_attr ${op.group}: attr ${JSON.stringify(attr)} is not one of ${Object.keys(names).join(', ')}`;
  }
  if (typeof attr === 'number') return BigInt(attr >>> 0);
  if (typeof attr === 'string') return `kvm.device_attr ${op.group}: attr ${attr} names no register`;
  const a = attr as { offset?: number; vcpu?: number; sysreg?: string; intid?: number };
  const mpidr = op.group === 'DIST_REGS' || op.group === 'ITS_REGS' ? 0n : mpidrAttr(a.vcpu ?? 0);
  switch (op.group) {
    case 'CPU_SYSREGS': {
      const e = a.sysreg ? sysregEncoding(a.sysreg) : undefined;
      if (!e) return `kvm.device_attr CPU_SYSREGS: no encoding for system register ${JSON.stringify(a.sysreg)}`;
      // KVM_REG_ARM64_SYSREG fields: op0 [15:14], op1 [13:11], CRn [10:7], CRm [6:3], op2 [2:0]
      return mpidr | BigInt((e.op0 << 14) | (e.op1 << 11) | (e.CRn << 7) | (e.CRm << 3) | e.op2);
    }
    case 'LEVEL_INFO':
      // info [31:10] = VGIC_LEVEL_INFO_LINE_LEVEL (0), vINTID [9:0]
      return mpidr | BigInt((a.intid ?? a.offset ?? 0) & 0x3ff);
    default:
      return mpidr | BigInt(a.offset ?? 0);
  }
}

/** Builds the table while the ops are encoded. */
export class HostOpTable {
  private readonly words: bigint[][] = [];
  private readonly kinds: number[] = [];

  add(op: VmmHostOp): number {
    const w = hostOpWords(op);
    this.kinds.push(w.kind);
    this.words.push(w.words);
    return this.kinds.length - 1;
  }

  get length(): number { return this.kinds.length; }

  bytes(): Uint8Array {
    const size = this.words.reduce((n, w) => n + 8 + 8 * w.length, 0);
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    let pos = 0;
    this.words.forEach((w, i) => {
      v.setUint32(pos, this.kinds[i]!, true);
      v.setUint32(pos + 4, w.length, true);
      w.forEach((x, j) => v.setBigUint64(pos + 8 + 8 * j, BigInt.asUintN(64, x), true));
      pos += 8 + 8 * w.length;
    });
    return out;
  }
}

function hostOpWords(op: VmmHostOp): { kind: number; words: bigint[] } {
  const b = (x: number | boolean | undefined): bigint => BigInt(typeof x === 'boolean' ? (x ? 1 : 0) : (x ?? 0));
  switch (op.op) {
    case 'kvm.irq_line': {
      let irq: number;
      if (op.raw !== undefined) irq = op.raw >>> 0;
      else if (op.type !== undefined && op.intid !== undefined) irq = irqLineField(op.type, op.vcpu ?? 0, op.intid);
      else throw new Error('kvm.irq_line needs either raw or type and intid');
      return { kind: HOST_IRQ_LINE, words: [b(irq), b(op.level >>> 0)] };
    }
    case 'kvm.signal_msi':
      return { kind: HOST_SIGNAL_MSI, words: [parseHex(op.address), b(op.data), b(op.devid), b(op.flags)] };
    case 'kvm.set_gsi_routing': {
      const words: bigint[] = [b(op.entries.length)];
      for (const e of op.entries) {
        if (e.type === 'irqchip') words.push(b(e.gsi), b(KVM_IRQ_ROUTING_IRQCHIP), 0n, b(e.irqchip), b(e.pin), 0n);
        else if (e.type === 'msi') {
          // a route that names a DeviceID carries KVM_MSI_VALID_DEVID unless flags says otherwise
          const flags = (e as { flags?: number }).flags ?? KVM_MSI_VALID_DEVID;
          words.push(b(e.gsi), b(KVM_IRQ_ROUTING_MSI), b(flags), parseHex(e.address), b(e.data), b(e.devid));
        } else {
          const other = e as { gsi: number; type: number };
          words.push(b(other.gsi), b(other.type), 0n, 0n, 0n, 0n);
        }
      }
      return { kind: HOST_SET_GSI_ROUTING, words };
    }
    case 'kvm.irqfd':
      return { kind: HOST_IRQFD, words: [b(op.gsi), b(op.resample ?? false), b(op.deassign ?? false)] };
    case 'irqfd.signal':
      return { kind: HOST_IRQFD_SIGNAL, words: [b(op.gsi)] };
    case 'irqfd.resampled':
      return { kind: HOST_IRQFD_RESAMPLED, words: [b(op.gsi)] };
    case 'kvm.device_attr': {
      const attr = deviceAttrValue(op);
      if (typeof attr === 'string') throw new Error(attr);
      const group = GROUPS[op.group];
      if (group === undefined) throw new Error(`kvm.device_attr: unknown group ${op.group}`);
      const set = op.access === 'set';
      const value = op.value !== undefined ? parseHex(op.value) : 0n;
      return {
        kind: HOST_DEVICE_ATTR,
        words: [b(op.device === 'its' ? 1 : 0), b(op.index ?? 0), b(group), attr, b(set), value, b(U32_GROUPS.has(op.group) ? 4 : 8)],
      };
    }
    case 'migrate':
      return { kind: HOST_MIGRATE, words: [] };
    case 'vcpu.run':
      return { kind: HOST_VCPU_RUN, words: [b(op.cpu), b(op.pcpu)] };
    case 'vcpu.exit':
      return { kind: HOST_VCPU_EXIT, words: [b(op.cpu)] };
    case 'vcpu.put':
      return { kind: HOST_VCPU_PUT, words: [b(op.cpu)] };
    case 'unpark':
      return { kind: HOST_UNPARK, words: [b(op.cpu)] };
    default:
      throw new Error(`${op.op}: our VMM has no ioctl for it`);
  }
}
