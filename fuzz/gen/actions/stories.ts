// Stories: multi-step sequences a guest driver or a VMM performs, each drawn like one action.
import type { Action } from '../action.js';

export const STORY_ACTIONS: readonly Action[] = [];
