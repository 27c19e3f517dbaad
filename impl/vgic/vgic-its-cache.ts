// The per-ITS LPI translation cache (vgic-its.c vgic_its_check_cache, vgic_its_invalidate_cache): (DeviceID, EventID) -> vgic_irq, the MSI fast
// path. KVM keeps it in an xarray keyed (DeviceID << 16) | EventID; each entry holds a reference on
// its vgic_irq, dropped when the entry is erased. It only ever makes translation faster: every point
// where a mapping can change invalidates it (the callers, in vgic-its*.ts, mirror KVM's call sites).
import type { VgicIrq } from './types.js';
import { VITS_MAX_DEVID, VITS_MAX_EVENTID, VITS_TYPER_IDBITS } from './vgic-its-regs.js';

/** vgic_its_cache_key; only meaningful for IDs that passed the <= 0xFFFF check */
export function vgicItsCacheKey(devid: number, eventid: number): number {
  return devid * (1 << VITS_TYPER_IDBITS) + eventid;
}

export class VgicItsTranslationCache {
  private readonly entries = new Map<number, VgicIrq>();

  /** @param putIrq drops a reference on an LPI (vgic_put_irq) */
  constructor(private readonly putIrq: (irq: VgicIrq) => void) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * vgic_its_check_cache's lookup: the cached LPI with a new reference taken (the caller puts it),
   * or null. IDs above 0xFFFF are rejected so that keys cannot alias.
   */
  lookup(devid: number, eventid: number): VgicIrq | null {
    if (devid > VITS_MAX_DEVID || eventid > VITS_MAX_EVENTID || devid < 0 || eventid < 0) return null;
    const irq = this.entries.get(devid * (1 << VITS_TYPER_IDBITS) + eventid);
    // vgic_try_get_irq_ref: an LPI whose last reference is gone cannot be revived
    if (irq === undefined || irq.refcount === 0) return null;
    irq.refcount++;
    return irq;
  }

  /** vgic_its_cache_translation: a vLPI is never cached; a replaced entry's reference is dropped. */
  insert(devid: number, eventid: number, irq: VgicIrq): void {
    if (irq.hw) return;
    irq.refcount++;
    const key = vgicItsCacheKey(devid, eventid);
    const old = this.entries.get(key);
    this.entries.set(key, irq);
    if (old !== undefined) this.putIrq(old);
  }

  /** vgic_its_invalidate_cache: erase every entry, dropping each entry's reference. */
  invalidate(): void {
    if (this.entries.size === 0) return;
    const irqs = [...this.entries.values()];
    this.entries.clear();
    for (const irq of irqs) this.putIrq(irq);
  }

  /** For tests and debugging: the cached keys ((devid << 16) | eventid). */
  keys(): number[] {
    return [...this.entries.keys()];
  }

  /** For tests and debugging: the cached LPIs (no reference taken). */
  irqs(): VgicIrq[] {
    return [...this.entries.values()];
  }
}
