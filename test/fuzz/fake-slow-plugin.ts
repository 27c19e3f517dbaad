// The `fake` campaign plugin, slowed to ~2 ms a scenario so a test can stop a campaign part-way
// on any machine (the SIGKILL resume test kills at scenario counts, and a fast CI machine ran
// the whole fake campaign before the first kill).
import { fakeOracle, fakeTarget } from './fake.js';

export const targets = [fakeTarget({ dropSgi: 5, openDelayMs: 2 }, 'fake')];
export const oracle = fakeOracle;
