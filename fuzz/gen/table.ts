// The table of generator actions: every family's actions, in the order the generator draws them
// (the families' files in turn, each in its own order).
// The weights file, the guest-only profile, the tuning tool and the coverage report read it.
import type { Action, MalformedAction } from './action.js';
import { CPUIF_ACTIONS } from './actions/cpuif.js';
import { DISTRIBUTOR_ACTIONS } from './actions/distributor.js';
import { HOST_ACTIONS } from './actions/host.js';
import { ITS_ACTIONS } from './actions/its.js';
import { MALFORMED_ACTIONS as MALFORMED } from './actions/malformed.js';
import { SCHEDULING_ACTIONS } from './actions/scheduling.js';
import { STORY_ACTIONS } from './actions/stories.js';
import { RACE_ACTIONS } from './actions/races.js';

const ALL = [...CPUIF_ACTIONS, ...DISTRIBUTOR_ACTIONS, ...ITS_ACTIONS, ...HOST_ACTIONS, ...SCHEDULING_ACTIONS, ...STORY_ACTIONS, ...RACE_ACTIONS];

export const ACTIONS: readonly Action[] = ALL;
export const ACTION_BY_NAME: ReadonlyMap<string, Action> = new Map(ACTIONS.map((a) => [a.name, a]));
export const MALFORMED_ACTIONS: readonly MalformedAction[] = MALFORMED;
export const ACTION_NAMES: readonly string[] = ACTIONS.map((a) => a.name);

if (ACTION_BY_NAME.size !== ACTIONS.length) throw new Error('generator: two actions share a name');
