// KVM_IRQ_LINE and KVM_SIGNAL_MSI, after Linux arch/arm64/kvm/arm.c kvm_vm_ioctl_irq_line and
// virt/kvm/irqchip.c kvm_send_userspace_msi (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI).
import type { KvmVm } from './vm.js';
import { VGIC_NR_PRIVATE_IRQS, VGIC_NR_SGIS, kvmVgicInjectIrq } from '../vgic/vgic.js';
import { KVM_MSI_VALID_DEVID, kvmSetMsi } from '../vgic/vgic-irqfd.js';

export const KVM_ARM_IRQ_TYPE_CPU = 0;
export const KVM_ARM_IRQ_TYPE_SPI = 1;
export const KVM_ARM_IRQ_TYPE_PPI = 2;
import { EINVAL, ENXIO } from '../../spec/errno.js';

/** The u32 `irq` field: vcpu2_index[31:28], irq_type[27:24], vcpu_index[23:16], irq_id[15:0]. */
export function kvmIrqLineEncode(type: 'cpu' | 'spi' | 'ppi', vcpu: number, intid: number): number {
  const t = type === 'cpu' ? KVM_ARM_IRQ_TYPE_CPU : type === 'spi' ? KVM_ARM_IRQ_TYPE_SPI : KVM_ARM_IRQ_TYPE_PPI;
  return (((vcpu >> 8) & 0xf) << 28 | (t & 0xf) << 24 | (vcpu & 0xff) << 16 | (intid & 0xffff)) >>> 0;
}

/** kvm_vm_ioctl_irq_line with an in-kernel vGIC. */
export function kvmVmIoctlIrqLine(vm: KvmVm, irq: number, level: number): number {
  const irqType = (irq >>> 24) & 0xf;
  const vcpuId = ((irq >>> 16) & 0xff) + ((irq >>> 28) & 0xf) * 256;
  const irqNum = irq & 0xffff;
  const lvl = level !== 0;
  switch (irqType) {
    case KVM_ARM_IRQ_TYPE_CPU:
      return -ENXIO; // only without an in-kernel irqchip
    case KVM_ARM_IRQ_TYPE_PPI: {
      const vcpu = vm.dist.vcpus[vcpuId];
      if (!vcpu) return -EINVAL;
      if (irqNum < VGIC_NR_SGIS || irqNum >= VGIC_NR_PRIVATE_IRQS) return -EINVAL;
      return kvmVgicInjectIrq(vm.dist, vcpu, irqNum, lvl, null);
    }
    case KVM_ARM_IRQ_TYPE_SPI:
      // Only INTIDs below 32 are refused here: an LPI INTID resolves through vgic_get_irq.
      if (irqNum < VGIC_NR_PRIVATE_IRQS) return -EINVAL;
      return kvmVgicInjectIrq(vm.dist, null, irqNum, lvl, null);
    default:
      return -EINVAL;
  }
}

/** KVM_SIGNAL_MSI: unknown flags -EINVAL; then kvm_set_msi (no vITS -ENODEV). */
export function kvmSendUserspaceMsi(vm: KvmVm, address: bigint, data: number, devid: number, flags: number): number {
  if ((flags & ~KVM_MSI_VALID_DEVID) !== 0) return -EINVAL;
  const a = BigInt.asUintN(64, address);
  return kvmSetMsi(vm.dist, {
    addressLo: Number(a & 0xffff_ffffn), addressHi: Number(a >> 32n), data: data >>> 0, flags, devid: devid >>> 0,
  }, true);
}
