// KVM's generic GSI routing table and irqfds, after Linux virt/kvm/irqchip.c and
// virt/kvm/eventfd.c (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI): KVM_SET_GSI_ROUTING, KVM_IRQFD assign/deassign with
// resamplefd, irqfd injection (atomic fast path, then the slow path), and the ack notifier that
// de-asserts a resampled GSI and signals its resamplefds.
//
// An eventfd is named by the GSI it serves: the scenario's `kvm.irqfd` creates one eventfd per
// GSI, so assigning a second irqfd for the same GSI reuses that eventfd (-EBUSY, as KVM says for
// an eventfd already in use).
import type { VgicDistState } from '../vgic/vgic.js';
import {
  KVM_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_MSI, KVM_MAX_IRQ_ROUTES, KVM_MSI_VALID_DEVID,
  type KernelRoutingEntry, type UserRoutingEntry, kvmArchSetIrqInatomic, kvmSetRoutingEntry,
  kvmVgicSetupDefaultIrqRouting, routingEntrySet,
} from '../vgic/vgic-irqfd.js';
import { EBUSY, EINVAL, EWOULDBLOCK } from '../../spec/errno.js';

/** struct kvm_kernel_irqfd_resampler: one per GSI, shared by its resample irqfds. */
interface Resampler {
  gsi: number;
  irqfds: Irqfd[];
}

/** struct kvm_kernel_irqfd */
export interface Irqfd {
  gsi: number;
  resampler: Resampler | null;
  /** the resamplefd was signalled and not yet consumed by irqfd.resampled */
  resampleSignalled: boolean;
  /** the single routing entry of the GSI (irqfd_update), or null when it has 0 or several */
  irqEntry: KernelRoutingEntry | null;
}

/** The irq bypass seam (GICv4 forwarding) irqfds notify when their routing changes. */
export interface IrqfdRoutingObserver {
  /** kvm_arch_update_irqfd_routing: the irqfd's entry changed from old to new */
  routingChanged(irqfd: Irqfd, old: KernelRoutingEntry | null, next: KernelRoutingEntry | null): void;
  /** the irqfd goes away (deassign): its producer binding is dropped */
  irqfdRemoved(irqfd: Irqfd): void;
  /** a new irqfd (consumer) appears: an irq bypass producer already bound to its eventfd connects */
  irqfdAdded?(irqfd: Irqfd): void;
}

export class KvmIrqRouting {
  /** kvm->irq_routing: entries by GSI */
  private map = new Map<number, KernelRoutingEntry[]>();
  /** kvm_irq_map_chip_pin: (irqchip 0, pin) -> GSIs */
  private chipPin = new Map<number, number[]>();
  readonly irqfds = new Map<number, Irqfd>();
  private readonly resamplers = new Map<number, Resampler>();
  observer: IrqfdRoutingObserver | null = null;
  /** the table userspace last set (null: the default one), for a VMM re-creating it elsewhere */
  userEntries: UserRoutingEntry[] | null = null;
  /** figures */
  irqfdInjections = 0;
  resampleNotifications = 0;

  constructor(private readonly dist: VgicDistState) {
    this.install(kvmVgicSetupDefaultIrqRouting(dist));
    // kvm_notify_acked_irq(kvm, 0, pin) from the LR fold
    dist.notifyAckedIrq = (pin) => this.notifyAckedIrq(0, pin);
  }

  private install(entries: KernelRoutingEntry[]): void {
    const map = new Map<number, KernelRoutingEntry[]>();
    const chipPin = new Map<number, number[]>();
    for (const e of entries) {
      let l = map.get(e.gsi);
      if (!l) map.set(e.gsi, (l = []));
      l.push(e);
      if (e.type === KVM_IRQ_ROUTING_IRQCHIP) {
        let g = chipPin.get(e.pin);
        if (!g) chipPin.set(e.pin, (g = []));
        g.push(e.gsi);
      }
    }
    this.map = map;
    this.chipPin = chipPin;
    // kvm_irq_routing_update: every irqfd re-reads its entry
    for (const irqfd of this.irqfds.values()) {
      const old = irqfd.irqEntry;
      this.irqfdUpdate(irqfd);
      this.observer?.routingChanged(irqfd, old, irqfd.irqEntry);
    }
  }

  entriesOf(gsi: number): readonly KernelRoutingEntry[] {
    return this.map.get(gsi) ?? [];
  }

  /** KVM_SET_GSI_ROUTING (kvm_set_irq_routing): all or nothing. */
  setGsiRouting(entries: UserRoutingEntry[]): number {
    if (entries.length > KVM_MAX_IRQ_ROUTES) return -EINVAL;
    const out: KernelRoutingEntry[] = [];
    const byGsi = new Map<number, KernelRoutingEntry[]>();
    for (const ue of entries) {
      if (!(ue.gsi >= 0 && ue.gsi < KVM_MAX_IRQ_ROUTES)) return -EINVAL;
      // flags: only MSI routes may carry KVM_MSI_VALID_DEVID
      if (ue.type === KVM_IRQ_ROUTING_MSI ? (ue.flags & ~KVM_MSI_VALID_DEVID) !== 0 : ue.flags !== 0) return -EINVAL;
      const e = kvmSetRoutingEntry(ue);
      if (typeof e === 'number') return e;
      // setup_routing_entry: a GSI maps to several irqchips only, never twice to one, and a
      // non-irqchip route is the GSI's only route.
      const same = byGsi.get(e.gsi) ?? [];
      for (const ei of same) {
        if (ei.type !== KVM_IRQ_ROUTING_IRQCHIP || e.type !== KVM_IRQ_ROUTING_IRQCHIP || ei.irqchip === e.irqchip) return -EINVAL;
      }
      same.push(e);
      byGsi.set(e.gsi, same);
      out.push(e);
    }
    this.install(out);
    this.userEntries = entries.map((e) => ({ ...e }));
    return 0;
  }

  /** irqfd_update: an irqfd caches its GSI's entry when there is exactly one. */
  private irqfdUpdate(irqfd: Irqfd): void {
    const l = this.map.get(irqfd.gsi);
    irqfd.irqEntry = l && l.length === 1 ? l[0]! : null;
  }

  /** KVM_IRQFD */
  irqfd(gsi: number, resample: boolean, deassign: boolean): number {
    if (deassign) return this.irqfdDeassign(gsi);
    if (!this.dist.initialized) return -11; // kvm_arch_intc_initialized: -EAGAIN
    if (this.irqfds.has(gsi)) return -EBUSY; // this eventfd already serves an irq
    const irqfd: Irqfd = { gsi, resampler: null, resampleSignalled: false, irqEntry: null };
    if (resample) {
      let r = this.resamplers.get(gsi);
      if (!r) this.resamplers.set(gsi, (r = { gsi, irqfds: [] }));
      r.irqfds.push(irqfd);
      irqfd.resampler = r;
    }
    this.irqfdUpdate(irqfd);
    this.irqfds.set(gsi, irqfd);
    this.observer?.irqfdAdded?.(irqfd);
    return 0;
  }

  /** kvm_irqfd_deassign: an irqfd that is not there is not an error. */
  private irqfdDeassign(gsi: number): number {
    const irqfd = this.irqfds.get(gsi);
    if (!irqfd) return 0;
    this.irqfds.delete(gsi);
    this.observer?.irqfdRemoved(irqfd);
    const r = irqfd.resampler;
    if (r) {
      r.irqfds = r.irqfds.filter((x) => x !== irqfd);
      // irqfd_resampler_shutdown: the last one de-asserts the GSI.
      if (r.irqfds.length === 0) {
        this.resamplers.delete(gsi);
        this.kvmSetIrq(gsi, false);
      }
    }
    return 0;
  }

  /** kvm_set_irq: every routing entry of the GSI. */
  kvmSetIrq(gsi: number, level: boolean): number {
    let ret = -1;
    for (const e of this.entriesOf(gsi)) {
      const r = routingEntrySet(this.dist, e, level);
      ret = r < 0 ? (ret > 0 ? ret : r) : Math.max(ret, 0) + r;
    }
    return ret;
  }

  /** The eventfd of `gsi` is written: irqfd_wakeup, then irqfd_inject if needed. */
  signal(gsi: number): void {
    const irqfd = this.irqfds.get(gsi);
    if (!irqfd) return; // nobody listens on this eventfd
    this.irqfdInjections++;
    if (kvmArchSetIrqInatomic(this.dist, irqfd.irqEntry) !== -EWOULDBLOCK) return;
    // irqfd_inject (workqueue): pulse for plain irqfds, assert for resampled ones
    if (!irqfd.resampler) {
      this.kvmSetIrq(gsi, true);
      this.kvmSetIrq(gsi, false);
    } else {
      this.kvmSetIrq(gsi, true);
    }
  }

  /** kvm_notify_acked_irq -> irqfd_resampler_ack: de-assert, then signal every resamplefd. */
  notifyAckedIrq(_irqchip: number, pin: number): void {
    for (const gsi of this.chipPin.get(pin) ?? []) {
      const r = this.resamplers.get(gsi);
      if (!r) continue;
      this.resampleNotifications++;
      this.kvmSetIrq(gsi, false);
      for (const irqfd of r.irqfds) irqfd.resampleSignalled = true;
    }
  }

  /** irqfd.resampled: was the GSI's resamplefd signalled since the last query (read clears it). */
  resampled(gsi: number): boolean {
    const irqfd = this.irqfds.get(gsi);
    if (!irqfd) return false;
    const v = irqfd.resampleSignalled;
    irqfd.resampleSignalled = false;
    return v;
  }
}
