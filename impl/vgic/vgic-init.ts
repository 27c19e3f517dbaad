// vGIC creation and initialisation, after Linux arch/arm64/kvm/vgic/vgic-init.c:
// kvm_vgic_create (a v3 model), KVM_DEV_ARM_VGIC_GRP_NR_IRQS, kvm_vgic_vcpu_init defaults,
// vgic_init (KVM_DEV_ARM_VGIC_CTRL_INIT), and the vITS devices at their addresses.
import type { GuestMemory } from '../hw/guest-memory.js';
import type { PhysGic } from '../hw/phys-gic.js';
import { VgicDistState } from './vgic.js';
import { createVgicIts } from './vgic-its.js';

/** KVM_DEV_ARM_VGIC_GRP_NR_IRQS bounds: 64..1024 in steps of 32 (arm-vgic-v3.rst). */
export function vgicCheckNrIrqs(nrIrqs: number): boolean {
  return Number.isInteger(nrIrqs) && nrIrqs >= 64 && nrIrqs <= 1024 && nrIrqs % 32 === 0;
}

export interface VgicCreateOptions {
  nrIrqs: number;
  nrVcpus: number;
  nrLr: number;
  nrIts: number;
  mem: GuestMemory;
  phys: PhysGic;
  /** GICD_TYPER2.nASSGIcap (a GICv4.1 host with vSGI support) */
  nassgicap: boolean;
}

/**
 * kvm_vgic_create + NR_IRQS + vgic_init: the vGIC the VM starts with. Private interrupts take
 * kvm_vgic_vcpu_init's defaults, SPIs vgic_init's (VgicDistState does both); the vITSes are
 * created when configured (vgic_its_create), then CTRL INIT marks the vGIC initialised.
 */
export function kvmVgicCreate(o: VgicCreateOptions): VgicDistState {
  if (!vgicCheckNrIrqs(o.nrIrqs)) throw new Error(`config: KVM needs nr_irqs (spis + 32) in 64..1024, a multiple of 32; got ${o.nrIrqs}`);
  if (!(Number.isInteger(o.nrVcpus) && o.nrVcpus >= 1 && o.nrVcpus <= 64)) throw new Error(`config.vcpus must be 1..64, got ${o.nrVcpus}`);
  const dist = new VgicDistState(o.nrIrqs - 32, o.nrVcpus, o.nrLr, o.mem, o.phys);
  dist.nassgicap = o.nassgicap;
  if (o.nrIts > 0) createVgicIts(dist, o.nrIts);
  vgicInit(dist);
  return dist;
}

/** vgic_init: idempotent (a second CTRL INIT returns 0). */
export function vgicInit(dist: VgicDistState): number {
  if (dist.initialized) return 0;
  dist.initialized = true;
  return 0;
}
