// MSI translation (IHI 0069 5.2, ITS translation of an MSI): DeviceID and EventID to an LPI pending
// at the ITE's redistributor, or the reason it is dropped.
import { type Exec } from '../exec.js';
import { setLpiPending } from '../lpi.js';
import { type State } from '../state.js';
import { isForwardedEvent } from '../vlpi.js';
import { cacheTranslation, deviceInRange, iteTarget } from './tables.js';

export type MsiOutcome = 'delivered' | 'its-disabled' | 'blocked' | 'lpis-disabled';

/** Translate an MSI (DeviceID, EventID) written to ITS n (IHI 0069 5.2 ITS translation of an MSI) and make its LPI pending. */
export function translateMsi(s: State, n: number, d: number, e: number, x: Exec): MsiOutcome {
  const its = s.its[n]!;
  if (!its.enabled) { x.rule('its.msi.disabled-drop'); return 'its-disabled'; }
  if (!deviceInRange(s, its, d)) { x.rule('its.msi.unmapped-device-drop'); return 'blocked'; }
  const dev = its.devices.get(d);
  if (dev === undefined) { x.rule('its.msi.unmapped-device-drop'); return 'blocked'; }
  if (e >= 2 ** (dev.size + 1)) { x.rule('its.msi.id-oor-drop'); return 'blocked'; }
  const ite = dev.ites.get(e);
  if (ite === undefined) { x.rule('its.msi.unmapped-event-drop'); return 'blocked'; }
  const rd = iteTarget(its, ite);
  if (rd < 0) { x.rule('its.msi.unmapped-collection-drop'); return 'blocked'; }
  x.rule('its.msi.translate');
  if (!s.enableLpis[rd]) { x.rule('choice.u23.lpis-off-drop'); x.rule('lpi.enable-required'); return 'lpis-disabled'; }
  if (s.quirks.size > 0 && !isForwardedEvent(s, n, d, e)) cacheTranslation(s, n, d, e);
  if (s.lpiPending[rd]!.has(ite.intid)) x.rule('its.msi.coalesce');
  setLpiPending(s, rd, ite.intid, x);
  return 'delivered';
}
