// The KVM_DEV_TYPE_ARM_VGIC_V3 device attributes, after Linux arch/arm64/kvm/vgic/
// vgic-kvm-device.c and vgic-sys-reg-v3.c (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI; vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; arm-vgic-v3.rst):
// ADDR, DIST_REGS, REDIST_REGS, CPU_SYSREGS, NR_IRQS, CTRL (INIT, SAVE_PENDING_TABLES),
// LEVEL_INFO, with their errnos. ITS device attributes are the vITS's (dist.its.deviceAttr).
//
// The VMM stops its vCPUs before touching device state (as QEMU does), so the "all vCPUs
// lockable" check of KVM always succeeds here: blocked vCPUs stay blocked, the others are put.
import type { DeviceAttrOp } from '../../spec/scenario.js';
import { GICD_BASE, GICR_BASE } from '../../spec/layout.js';
import { parseHex } from '../../spec/hex.js';
import type { KvmVm } from '../kvm/vm.js';
import { type VgicCpuState, type VgicDistState, VGIC_NR_PRIVATE_IRQS, vgicGetIrq, vgicQueueIrqUnlock } from './vgic.js';
import { vgicV3SavePendingTables } from './vgic-v3.js';
import { vgicV3Uaccess } from './vgic-mmio-v3.js';
import type { VgicMmioCtx } from './vgic-mmio.js';
import { vgicInit } from './vgic-init.js';
import { PRI_BITS } from '../hw/gicv3-cpuif.js';

import { EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, ENXIO } from '../../spec/errno.js';

export interface AttrResult {
  errno: number;
  value?: bigint;
}

/** The register-group attr of the scenario format: offset, the vCPU whose MPIDR it names, ... */
interface RegAttr {
  offset?: number;
  vcpu?: number;
  sysreg?: string;
  intid?: number;
}

function uaccessCtx(dist: VgicDistState, vcpu: VgicCpuState): VgicMmioCtx {
  return { dist, vcpu, requester: null, haltGuest: () => {}, resumeGuest: () => {} };
}

/** KVM_{GET,SET}_DEVICE_ATTR on the vGIC or an ITS device. */
export function kvmDeviceAttr(vm: KvmVm, op: DeviceAttrOp): AttrResult {
  const value = op.value !== undefined ? parseHex(op.value) : undefined;
  const isWrite = op.access === 'set';
  if (isWrite && value === undefined && op.group !== 'CTRL') throw new Error(`kvm.device_attr set of ${op.group} needs a value`);
  if (op.device === 'its') {
    const its = vm.dist.its;
    const index = op.index ?? 0;
    if (!its || !(index >= 0 && index < vm.config.its)) return { errno: -ENXIO }; // no such ITS device
    vm.pauseAll();
    return its.deviceAttr(index, op.group, op.attr, op.access, value);
  }
  vm.pauseAll();
  return vgicV3Attr(vm, op.group, op.attr, isWrite, value ?? 0n);
}

// ICC_* system register encodings (op0, op1, CRn, CRm, op2) as KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
// attrs carry them in bits 15:0 (KVM_REG_ARM64_SYSREG_*).
const SYSREG_BY_ENCODING = new Map<number, string>();
function sysregEnc(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 4, 6, 0), 'ICC_PMR_EL1');
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 8, 3), 'ICC_BPR0_EL1');
for (let n = 0; n < 4; n++) SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 8, 4 + n), `ICC_AP0R${n}_EL1`);
for (let n = 0; n < 4; n++) SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 9, n), `ICC_AP1R${n}_EL1`);
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 12, 3), 'ICC_BPR1_EL1');
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 12, 4), 'ICC_CTLR_EL1');
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 12, 5), 'ICC_SRE_EL1');
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 12, 6), 'ICC_IGRPEN0_EL1');
SYSREG_BY_ENCODING.set(sysregEnc(3, 0, 12, 12, 7), 'ICC_IGRPEN1_EL1');

/**
 * The register-group attr: the scenario's {offset, vcpu, sysreg, intid} object, or KVM's raw u32
 * attr (MPIDR bits 63:32 are then zero: vCPU 0): the offset for DIST/REDIST_REGS, the sysreg
 * encoding for CPU_SYSREGS, info (bits 31:10) and INTID (bits 9:0) for LEVEL_INFO.
 */
function regAttr(group: string, attr: unknown): RegAttr | number {
  if (typeof attr === 'object' && attr !== null) return attr as RegAttr;
  if (typeof attr !== 'number' || !Number.isInteger(attr) || attr < 0) {
    throw new Error(`kvm.device_attr ${group}: attr must be {offset, vcpu?} or a raw u32 attr, got ${JSON.stringify(attr)}`);
  }
  switch (group) {
    case 'CPU_SYSREGS': {
      const name = SYSREG_BY_ENCODING.get(attr & 0xffff);
      return name === undefined ? -ENXIO : { sysreg: name, vcpu: 0 };
    }
    case 'LEVEL_INFO':
      // VGIC_LEVEL_INFO_LINE_LEVEL is the only info type
      return (attr >>> 10) !== 0 ? -EINVAL : { intid: attr & 0x3ff, vcpu: 0 };
    default:
      return { offset: attr >>> 0, vcpu: 0 };
  }
}

/** vgic_v3_set_attr / vgic_v3_get_attr */
export function vgicV3Attr(vm: KvmVm, group: string, attr: unknown, isWrite: boolean, value: bigint): AttrResult {
  const dist = vm.dist;
  switch (group) {
    case 'ADDR':
      return kvmVgicAddr(vm, attr, isWrite, value);
    case 'NR_IRQS': {
      if (!isWrite) return { errno: 0, value: BigInt(dist.nrSpis + VGIC_NR_PRIVATE_IRQS) };
      const n = Number(value & 0xffff_ffffn);
      if (n < 64 || n > 1024 || n % 32 !== 0) return { errno: -EINVAL };
      return { errno: -EBUSY }; // nr_spis is already set
    }
    case 'CTRL': {
      if (!isWrite) return { errno: -ENXIO };
      // a raw attr is the uapi constant: KVM_DEV_ARM_VGIC_CTRL_INIT 0, ..._SAVE_PENDING_TABLES 3
      if (attr === 0) attr = 'INIT';
      else if (attr === 3) attr = 'SAVE_PENDING_TABLES';
      if (attr === 'INIT') return { errno: vgicInit(dist) };
      if (attr === 'SAVE_PENDING_TABLES') {
        if (!dist.initialized) return { errno: -ENXIO };
        return { errno: vgicV3SavePendingTables(dist) };
      }
      return { errno: -ENXIO };
    }
    case 'DIST_REGS':
    case 'REDIST_REGS':
    case 'CPU_SYSREGS':
    case 'LEVEL_INFO': {
      const a = regAttr(group, attr);
      if (typeof a === 'number') return { errno: a };
      return vgicV3AttrRegsAccess(vm, group, a, isWrite, value);
    }
    default:
      return { errno: -ENXIO };
  }
}

/** kvm_vgic_addr: every base is set at VM creation, so sets fail; gets return the map. */
function kvmVgicAddr(vm: KvmVm, attr: unknown, isWrite: boolean, value: bigint): AttrResult {
  switch (attr) {
    case 'DIST':
      return isWrite ? { errno: -EEXIST } : { errno: 0, value: BigInt(GICD_BASE) };
    case 'REDIST':
      // The VM has a redistributor region: the legacy single-base interface cannot be mixed in.
      return isWrite ? { errno: -EINVAL } : { errno: 0, value: BigInt(GICR_BASE) };
    case 'REDIST_REGION': {
      const index = Number(value & 0xfffn);
      if (!isWrite) {
        if (index !== 0) return { errno: -ENOENT };
        return { errno: 0, value: BigInt(GICR_BASE) | (BigInt(vm.config.vcpus) << 52n) };
      }
      // A new region must be index 1 with a count; adding regions after init is not supported here.
      if (index !== 1 || value >> 52n === 0n) return { errno: -EINVAL };
      return { errno: -EBUSY };
    }
    default:
      return { errno: -ENODEV };
  }
}

/** vgic_v3_attr_regs_access */
function vgicV3AttrRegsAccess(vm: KvmVm, group: string, a: RegAttr, isWrite: boolean, value: bigint): AttrResult {
  const dist = vm.dist;
  let vcpu: VgicCpuState | undefined;
  if (group === 'DIST_REGS') vcpu = dist.vcpus[0];
  else {
    vcpu = dist.vcpus[a.vcpu ?? 0]; // kvm_mpidr_to_vcpu on the attr's MPIDR
    if (!vcpu) return { errno: -EINVAL };
  }
  if (!vcpu) return { errno: -EINVAL };
  if (!dist.initialized) return { errno: -EBUSY };
  const val32 = Number(value & 0xffff_ffffn);
  switch (group) {
    case 'DIST_REGS':
    case 'REDIST_REGS': {
      const r = vgicV3Uaccess(uaccessCtx(dist, vcpu), group === 'DIST_REGS' ? 'gicd' : 'gicr', a.offset ?? 0, isWrite, val32);
      return isWrite || r.errno !== 0 ? { errno: r.errno } : { errno: 0, value: BigInt(r.value) };
    }
    case 'CPU_SYSREGS':
      return vgicV3CpuSysregsUaccess(vcpu, a.sysreg ?? '', isWrite, value);
    default: {
      const intid = a.intid ?? a.offset ?? 0;
      if (intid % 32 !== 0) return { errno: -EINVAL };
      if (isWrite) {
        vgicWriteIrqLineLevelInfo(dist, vcpu, intid, val32);
        return { errno: 0 };
      }
      return { errno: 0, value: BigInt(vgicReadIrqLineLevelInfo(dist, vcpu, intid)) };
    }
  }
}

/** vgic_read_irq_line_level_info */
function vgicReadIrqLineLevelInfo(dist: VgicDistState, vcpu: VgicCpuState, intid: number): number {
  let val = 0;
  for (let i = 0; i < 32; i++) {
    const irq = vgicGetIrq(dist, vcpu, intid + i);
    if (!irq || intid + i >= 8192) continue;
    if (irq.config === 'level' && irq.lineLevel) val |= 1 << i;
  }
  return val >>> 0;
}

/** vgic_write_irq_line_level_info */
function vgicWriteIrqLineLevelInfo(dist: VgicDistState, vcpu: VgicCpuState, intid: number, val: number): void {
  for (let i = 0; i < 32; i++) {
    const irq = vgicGetIrq(dist, vcpu, intid + i);
    if (!irq || intid + i >= 8192) continue;
    if (irq.config !== 'level') continue;
    irq.lineLevel = ((val >>> i) & 1) === 1;
    if (irq.lineLevel) vgicQueueIrqUnlock(dist, irq);
  }
}

/** vgic_v3_cpu_sysregs_uaccess (vgic-sys-reg-v3.c), by register name. */
export function vgicV3CpuSysregsUaccess(vcpu: VgicCpuState, reg: string, isWrite: boolean, value: bigint): AttrResult {
  const cif = vcpu.cpuif;
  const v = Number(value & 0xffff_ffffn);
  const get = (x: number): AttrResult => ({ errno: 0, value: BigInt(x >>> 0) });
  switch (reg) {
    case 'ICC_PMR_EL1':
      if (!isWrite) return get(cif.readPmr());
      cif.writePmr(v & 0xff);
      return { errno: 0 };
    case 'ICC_BPR0_EL1':
      if (!isWrite) return get(cif.readBpr(0));
      cif.writeBpr(0, v & 7);
      return { errno: 0 };
    case 'ICC_BPR1_EL1':
      if (!isWrite) return get(cif.readBpr(1));
      cif.writeBpr(1, v & 7);
      return { errno: 0 };
    case 'ICC_CTLR_EL1': {
      if (!isWrite) return get(cif.readCtlr());
      // set_gic_ctlr: priority and ID bits may not exceed the host's; SEIS and A3V must match.
      if (((v >>> 8) & 7) + 1 > PRI_BITS) return { errno: -EINVAL };
      if (((v >>> 11) & 7) > 0) return { errno: -EINVAL };
      if (((v >>> 14) & 1) !== 0) return { errno: -EINVAL };
      if (((v >>> 15) & 1) !== 1) return { errno: -EINVAL };
      cif.writeCtlr(v & 3);
      return { errno: 0 };
    }
    case 'ICC_SRE_EL1':
      if (!isWrite) return get(0x7);
      return value === 7n ? { errno: 0 } : { errno: -EINVAL };
    case 'ICC_IGRPEN0_EL1':
      if (!isWrite) return get(cif.readIgrpen(0));
      cif.writeIgrpen(0, v);
      return { errno: 0 };
    case 'ICC_IGRPEN1_EL1':
      if (!isWrite) return get(cif.readIgrpen(1));
      cif.writeIgrpen(1, v);
      return { errno: 0 };
    default: {
      const m = /^ICC_AP([01])R([0-3])_EL1$/.exec(reg);
      if (!m) return { errno: -ENXIO };
      const grp = Number(m[1]) as 0 | 1;
      const idx = Number(m[2]);
      // vgic_v3_max_apr_idx: 5 priority bits -> only APR 0 exists
      if (idx > 0) return { errno: -EINVAL };
      if (!isWrite) return get(cif.readApr(grp, idx));
      cif.writeApr(grp, idx, v);
      return { errno: 0 };
    }
  }
}
