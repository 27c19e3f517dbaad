// GSI routing for the vGIC, after Linux arch/arm64/kvm/vgic/vgic-irqfd.c (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI):
// kvm_set_routing_entry, the IRQCHIP injection callback, MSI routes, the atomic fast path,
// and the default routing table set at vGIC init (GSI i -> SPI pin i).
import { type VgicDistState, VGIC_NR_PRIVATE_IRQS, kvmVgicInjectIrq, vgicValidSpi } from './vgic.js';

export const KVM_IRQ_ROUTING_IRQCHIP = 1;
export const KVM_IRQ_ROUTING_MSI = 2;
export const KVM_MSI_VALID_DEVID = 1;
/** KVM_IRQCHIP_NUM_PINS on arm64: VGIC_MAX_SPI - VGIC_NR_PRIVATE_IRQS + 1 */
export const KVM_IRQCHIP_NUM_PINS = 1020 - 32;
export const KVM_NR_IRQCHIPS = 1;
export const KVM_MAX_IRQ_ROUTES = 4096;
import { EINVAL, EWOULDBLOCK } from '../../spec/errno.js';

/** struct kvm_kernel_irq_routing_entry (the arm64 subset). */
export type KernelRoutingEntry =
  | { gsi: number; type: typeof KVM_IRQ_ROUTING_IRQCHIP; irqchip: number; pin: number }
  | { gsi: number; type: typeof KVM_IRQ_ROUTING_MSI; addressLo: number; addressHi: number; data: number; flags: number; devid: number };

/** struct kvm_irq_routing_entry as userspace passes it. */
export interface UserRoutingEntry {
  gsi: number;
  type: number;
  flags: number;
  irqchip?: number;
  pin?: number;
  address?: bigint;
  data?: number;
  devid?: number;
}

/** kvm_set_routing_entry: returns the kernel entry or -EINVAL. */
export function kvmSetRoutingEntry(ue: UserRoutingEntry): KernelRoutingEntry | number {
  switch (ue.type) {
    case KVM_IRQ_ROUTING_IRQCHIP: {
      const irqchip = ue.irqchip ?? 0;
      const pin = ue.pin ?? 0;
      if (pin >= KVM_IRQCHIP_NUM_PINS || irqchip >= KVM_NR_IRQCHIPS) return -EINVAL;
      return { gsi: ue.gsi, type: KVM_IRQ_ROUTING_IRQCHIP, irqchip, pin };
    }
    case KVM_IRQ_ROUTING_MSI: {
      const address = ue.address ?? 0n;
      return {
        gsi: ue.gsi, type: KVM_IRQ_ROUTING_MSI, addressLo: Number(address & 0xffff_ffffn),
        addressHi: Number((address >> 32n) & 0xffff_ffffn), data: (ue.data ?? 0) >>> 0, flags: ue.flags, devid: (ue.devid ?? 0) >>> 0,
      };
    }
    default:
      return -EINVAL;
  }
}

/** vgic_irqfd_set_irq: an IRQCHIP route drives SPI pin + 32. */
export function vgicIrqfdSetIrq(dist: VgicDistState, pin: number, level: boolean): number {
  const spi = pin + VGIC_NR_PRIVATE_IRQS;
  if (!vgicValidSpi(dist, spi)) return -EINVAL;
  return kvmVgicInjectIrq(dist, null, spi, level, null);
}

/** The MSI address an MSI route carries (address_hi:address_lo); beyond 2^53 it matches no ITS. */
export function msiAddress(e: { addressLo: number; addressHi: number }): number {
  const a = e.addressHi * 0x1_0000_0000 + e.addressLo;
  return Number.isSafeInteger(a) ? a : Number.MAX_SAFE_INTEGER;
}

/** kvm_set_msi (arm64): no vITS -> -ENODEV; level 0 -> -1; else vgic_its_inject_msi. */
export function kvmSetMsi(dist: VgicDistState, e: { addressLo: number; addressHi: number; data: number; flags: number; devid: number }, level: boolean): number {
  if (!dist.its) return -19;
  if (!level) return -1;
  return dist.its.injectMsi(msiAddress(e), e.data, e.devid, e.flags);
}

/** kvm_set_irq on one routing entry (e->set). */
export function routingEntrySet(dist: VgicDistState, e: KernelRoutingEntry, level: boolean): number {
  if (e.type === KVM_IRQ_ROUTING_IRQCHIP) return vgicIrqfdSetIrq(dist, e.pin, level);
  return kvmSetMsi(dist, e, level);
}

/**
 * kvm_arch_set_irq_inatomic: IRQCHIP routes inject directly (level 1 only, never deasserted
 * here); MSI routes only on a translation cache hit, otherwise -EWOULDBLOCK sends the irqfd to
 * the slow path (irqfd_inject). The vITS's injectMsi does the cache lookup itself, so the MSI
 * case always takes the slow path here, which has the same outcome.
 */
export function kvmArchSetIrqInatomic(dist: VgicDistState, e: KernelRoutingEntry | null): number {
  if (!e) return -EWOULDBLOCK;
  if (e.type === KVM_IRQ_ROUTING_IRQCHIP) {
    if (!dist.initialized) return -EWOULDBLOCK;
    return vgicIrqfdSetIrq(dist, e.pin, true);
  }
  return -EWOULDBLOCK;
}

/** kvm_vgic_setup_default_irq_routing: GSI i -> irqchip 0 pin i for every SPI. */
export function kvmVgicSetupDefaultIrqRouting(dist: VgicDistState): KernelRoutingEntry[] {
  const out: KernelRoutingEntry[] = [];
  for (let i = 0; i < dist.nrSpis; i++) out.push({ gsi: i, type: KVM_IRQ_ROUTING_IRQCHIP, irqchip: 0, pin: i });
  return out;
}
