// The physical distributor/redistributor state of the host interrupts KVM forwards to guests
// (HW-mapped interrupts, vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c): the active and pending bits KVM reads and writes with
// irq_set_irqchip_state / irq_get_irqchip_state, and the deactivation a guest performs through a
// HW list register (ICH_LR.HW: deactivating the virtual interrupt deactivates the physical one).
// PPIs (INTID 16..31, e.g. the virtual timer, hwirq 27) are banked per physical CPU; SPIs are global.

const NR_PRIVATE = 32;

export class PhysGic {
  /** per physical CPU: bit i = PPI/SGI i active / pending */
  private readonly privActive: Uint32Array;
  private readonly privPending: Uint32Array;
  private readonly sharedActive = new Set<number>();
  private readonly sharedPending = new Set<number>();
  /** guest deactivations of HW list registers (a counter for the target's figures) */
  deactivations = 0;

  constructor(readonly nrPcpus: number) {
    this.privActive = new Uint32Array(nrPcpus);
    this.privPending = new Uint32Array(nrPcpus);
  }

  private checkPcpu(pcpu: number): void {
    if (!(pcpu >= 0 && pcpu < this.nrPcpus)) throw new Error(`physical CPU ${pcpu} out of range 0..${this.nrPcpus - 1}`);
  }

  isActive(pcpu: number, hwintid: number): boolean {
    if (hwintid < NR_PRIVATE) {
      this.checkPcpu(pcpu);
      return (this.privActive[pcpu]! >>> hwintid & 1) !== 0;
    }
    return this.sharedActive.has(hwintid);
  }

  setActive(pcpu: number, hwintid: number, active: boolean): void {
    if (hwintid < NR_PRIVATE) {
      this.checkPcpu(pcpu);
      const bit = 1 << hwintid;
      this.privActive[pcpu] = active ? (this.privActive[pcpu]! | bit) >>> 0 : (this.privActive[pcpu]! & ~bit) >>> 0;
      return;
    }
    if (active) this.sharedActive.add(hwintid);
    else this.sharedActive.delete(hwintid);
  }

  isPending(pcpu: number, hwintid: number): boolean {
    if (hwintid < NR_PRIVATE) {
      this.checkPcpu(pcpu);
      return (this.privPending[pcpu]! >>> hwintid & 1) !== 0;
    }
    return this.sharedPending.has(hwintid);
  }

  setPending(pcpu: number, hwintid: number, pending: boolean): void {
    if (hwintid < NR_PRIVATE) {
      this.checkPcpu(pcpu);
      const bit = 1 << hwintid;
      this.privPending[pcpu] = pending ? (this.privPending[pcpu]! | bit) >>> 0 : (this.privPending[pcpu]! & ~bit) >>> 0;
      return;
    }
    if (pending) this.sharedPending.add(hwintid);
    else this.sharedPending.delete(hwintid);
  }

  /** ICC_DIR_EL1 on the host, or a guest deactivating a HW list register on this CPU. */
  deactivate(pcpu: number, hwintid: number): void {
    this.deactivations++;
    this.setActive(pcpu, hwintid, false);
  }
}
