// Campaign plugin for tests (fuzz/campaign/plugin.ts): the fake target with a planted fault
// (SGI 5 from a vCPU other than 0 is lost), one that also loses SGI 6 (the same op and rule), a fault-free twin, one that hangs and one that
// crashes its thread on a rare op, and the fake oracle.
import { fakeOracle, fakeTarget } from './fake.js';

export const targets = [
  fakeTarget({ dropSgi: 5 }, 'fake'),
  fakeTarget({ dropSgi: 5, alsoDropSgi: 6 }, 'fake-two'),
  fakeTarget({}, 'fake-ok'),
  fakeTarget({ hangOn: 'ICC_HPPIR0_EL1' }, 'fake-hang'),
  fakeTarget({ exitOn: 'ICC_HPPIR0_EL1' }, 'fake-crash'),
];
export const oracle = fakeOracle;
