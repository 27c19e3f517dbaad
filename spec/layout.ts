// The guest physical map and boot-time table addresses of docs/scenario-format.md (the QEMU `virt`
// layout where it has one). Every target and the boot macro use these; nothing else hard-codes them.
import { offsetOf } from './codec/registers.js';

export const RAM_BASE = 0x4000_0000;
export const GICD_BASE = 0x0800_0000;
/** Redistributor i: RD frame at base, SGI frame at base + 64 KiB. Room for 123 of them. */
export const GICR_BASE = 0x080A_0000;
export const GICR_STRIDE = 0x2_0000;
export const GICR_SGI_OFFSET = 0x1_0000;
/** An ITS frame pair: control frame, then the translation frame (GITS_TRANSLATER at +0x10040). */
export const GITS_SIZE = 0x2_0000;
const GITS_TRANSLATER_OFFSET = offsetOf('GITS_TRANSLATER');

export function itsBase(n: number): number {
  return n === 0 ? 0x0808_0000 : 0x0C00_0000 + (n - 1) * 0x2_0000;
}
export function gicrBase(i: number): number {
  return GICR_BASE + i * GICR_STRIDE;
}
/** The address a device's MSI writes for ITS n: its GITS_TRANSLATER. */
export function itsTranslater(n: number): number {
  return itsBase(n) + GITS_TRANSLATER_OFFSET;
}

// Tables the boot macro programs (docs/scenario-format.md, `boot`).
export const BOOT_PROPBASE = 0x4010_0000;
export const BOOT_PENDBASE = 0x4020_0000;
export const BOOT_PENDBASE_STRIDE = 0x1_0000;
export function bootPendBase(vcpu: number): number {
  return BOOT_PENDBASE + vcpu * BOOT_PENDBASE_STRIDE;
}
export const BOOT_LPI_ID_BITS = 15;
export function bootDeviceTable(its: number): number { return 0x4080_0000 + its * 0x20_0000; }
export const BOOT_DEVICE_TABLE_SIZE = 512 * 1024;
export function bootCollectionTable(its: number): number { return 0x4088_0000 + its * 0x20_0000; }
export const BOOT_COLLECTION_TABLE_SIZE = 64 * 1024;
export function bootCommandQueue(its: number): number { return 0x4090_0000 + its * 0x20_0000; }
export const BOOT_COMMAND_QUEUE_SIZE = 64 * 1024;
/** Guest RAM from here up is free for the scenario (ITTs, its own tables). */
export const FREE_RAM = 0x4100_0000;

/** KVM's vCPU MPIDR affinity (docs/kvm-abi.md; sys_regs.c reset_mpidr): Aff0 = i & 15, Aff1 = (i >> 4) & 255. */
export function vcpuAffinity(i: number): { aff0: number; aff1: number; aff2: number; aff3: number } {
  return { aff0: i & 15, aff1: (i >> 4) & 255, aff2: (i >> 12) & 255, aff3: 0 };
}
/** The vCPU index with the given affinity, or -1 when no vCPU has it. */
export function vcpuByAffinity(vcpus: number, aff0: number, aff1: number, aff2: number, aff3: number): number {
  if (aff2 !== 0 || aff3 !== 0 || aff0 > 15) return -1;
  const i = aff1 * 16 + aff0;
  return i < vcpus ? i : -1;
}

/** The vtimer's PPI (the HW-mapped interrupt of `timer.line`). */
export const VTIMER_PPI = 27;
/** The EL1 physical timer's PPI (KVM's default, Documentation/virt/kvm/devices/vcpu.rst KVM_ARM_VCPU_TIMER_IRQ_PTIMER). */
export const PTIMER_PPI = 30;
