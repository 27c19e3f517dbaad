// What KVM's GICv4 quirks (model/quirks.ts) need to know: which LPI a forwarded irqfd's MSI is,
// on a configuration that runs GICv4 (config.impl.gicv4). The architecture model has no GICv4 (a
// guest cannot tell a vLPI from an LPI); only KVM's divergences there make the difference visible.
import { itsTranslater } from '../spec/layout.js';
import { deviceInRange, iteTarget } from './its.js';
import type { State } from './state.js';

export interface Vlpi { its: number; intid: number; rd: number }

/** The LPI (and its redistributor) the MSI route of `gsi` translates to now, if it is a vLPI. */
export function vlpiOfGsi(s: State, gsi: number, evenIfItsDisabled = false): Vlpi | null {
  // the device is forwarded only while an irqfd (the irq bypass consumer) serves the GSI: KVM maps
  // the vLPI when producer and consumer meet (arm.c kvm_arch_irq_bypass_add_producer) and unmaps
  // it when the irqfd goes (del_producer, kvm_vgic_v4_unset_forwarding)
  if (s.cfg.impl.gicv4 === 'off' || !s.irqfds.has(gsi)) return null;
  for (const r of s.routes.get(gsi) ?? []) {
    if (r.kind !== 'msi') continue;
    for (let n = 0; n < s.cfg.its; n++) {
      if (r.address !== itsTranslater(n)) continue;
      const its = s.its[n]!;
      if ((!its.enabled && !evenIfItsDisabled) || !deviceInRange(s, its, r.devid)) return null;
      const ite = its.devices.get(r.devid)?.ites.get(r.data >>> 0);
      if (ite === undefined) return null;
      const rd = iteTarget(its, ite);
      // (`evenIfItsDisabled`, for the save: a vLPI stays mapped when its collection is unmapped too)
      return rd < 0 && !evenIfItsDisabled ? null : { its: n, intid: ite.intid, rd };
    }
  }
  return null;
}

/** The vLPI of a host IRQ bound to an irqfd (vfio.forward), if any. */
export function vlpiOfHostIrq(s: State, hostIrq: number): Vlpi | null {
  const gsi = s.forwards.get(hostIrq);
  return gsi === undefined ? null : vlpiOfGsi(s, gsi);
}

/**
 * Whether the event (ITS `its`, DeviceID `devid`, EventID `event`) is a forwarded vLPI: the MSI
 * route of a forwarded irqfd names it (its LPI's pending state is then in the GICv4 hardware).
 */
export function isForwardedEvent(s: State, its: number, devid: number, event: number): boolean {
  if (s.cfg.impl.gicv4 === 'off' || s.forwards.size === 0) return false;
  for (const gsi of s.forwards.values()) {
    if (!s.irqfds.has(gsi)) continue; // no consumer: not forwarded (vlpiOfGsi)
    for (const r of s.routes.get(gsi) ?? []) if (r.kind === 'msi' && r.devid === devid && r.data >>> 0 === event && r.address === itsTranslater(its)) return true;
  }
  return false;
}

/** Whether LPI `intid` at redistributor `rd` is a forwarded vLPI (quirks: its pending state is in the GICv4 hardware). */
export function isForwardedLpi(s: State, rd: number, intid: number): boolean {
  if (s.cfg.impl.gicv4 === 'off' || s.forwards.size === 0) return false;
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi);
    if (v !== null && v.intid === intid && v.rd === rd) return true;
  }
  return false;
}
