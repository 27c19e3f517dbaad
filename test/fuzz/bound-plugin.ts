// Campaign plugin for tests: the fake target with its planted fault (fake.ts) against a fake
// oracle that reaches its candidate bound on every read of ICC_HPPIR0_EL1. Such scenarios are
// undecidable: their findings must be inconclusive, never new (fuzz/finding.ts isInconclusive).
import { boundedFakeOracle, fakeTarget } from './fake.js';

export const targets = [fakeTarget({ dropSgi: 5 }, 'fake'), fakeTarget({}, 'fake-ok')];
export const oracle = boundedFakeOracle('ICC_HPPIR0_EL1');
