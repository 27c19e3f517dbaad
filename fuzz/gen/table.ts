// The table of generator actions: every family's actions, in the order the generator draws them.
// The weights file, the guest-only profile, the tuning tool and the coverage report read it.
import type { Action, MalformedAction } from './action.js';
import { CPUIF_ACTIONS } from './actions/cpuif.js';
import { DISTRIBUTOR_ACTIONS } from './actions/distributor.js';
import { HOST_ACTIONS } from './actions/host.js';
import { ITS_ACTIONS } from './actions/its.js';
import { MALFORMED_ACTIONS as MALFORMED } from './actions/malformed.js';
import { SCHEDULING_ACTIONS } from './actions/scheduling.js';
import { STORY_ACTIONS } from './actions/stories.js';

// The draw order of gen@7 (a weighted draw depends on the order): kept until the next version.
const GEN7_ORDER = [
  'spiConfig', 'ppiSgiConfig', 'irqLine', 'timer', 'pendActive', 'sgi', 'ack', 'eoi', 'dir', 'cpuifRead',
  'cpuifWrite', 'distCtl', 'mmioRead', 'lpiProp', 'itsMap', 'itsInt', 'msi', 'itsInv', 'itsMove',
  'itsDiscardClear', 'itsSync', 'itsUnmap', 'memRead', 'routing', 'irqfd', 'irqfdSignal', 'resampled',
  'vfio', 'deviceFire', 'sched', 'wfi', 'migrate', 'deviceAttr', 'lpiCtl',
];
const ALL = [...CPUIF_ACTIONS, ...DISTRIBUTOR_ACTIONS, ...ITS_ACTIONS, ...HOST_ACTIONS, ...SCHEDULING_ACTIONS, ...STORY_ACTIONS];
const rank = (a: Action): number => {
  const i = GEN7_ORDER.indexOf(a.name);
  return i < 0 ? GEN7_ORDER.length : i;
};

export const ACTIONS: readonly Action[] = [...ALL].sort((a, b) => rank(a) - rank(b));
export const ACTION_BY_NAME: ReadonlyMap<string, Action> = new Map(ACTIONS.map((a) => [a.name, a]));
export const MALFORMED_ACTIONS: readonly MalformedAction[] = MALFORMED;
export const ACTION_NAMES: readonly string[] = ACTIONS.map((a) => a.name);

if (ACTION_BY_NAME.size !== ACTIONS.length) throw new Error('generator: two actions share a name');
