// Campaign plugin for tests (fuzz/campaign/plugin.ts): the fake target with a planted fault
// (SGI 5 from a vCPU other than 0 is lost), a fault-free twin, and the fake oracle.
import { fakeOracle, fakeTarget } from './fake.js';

export const targets = [fakeTarget({ dropSgi: 5 }, 'fake'), fakeTarget({}, 'fake-ok')];
export const oracle = fakeOracle;
