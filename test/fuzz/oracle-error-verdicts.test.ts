// The reference model failing while it re-checks a trace with the target's quirks is a bug of
// gicdiff: a finding of its own (new, mismatch oracle-error, signed by the error's message),
// never an exception that ends the campaign (one did, on a clean kvm campaign: an internal
// error in the quirk re-check stopped it after 8 minutes).
import { runLockstep } from '../../triage/lockstep.js';
import { classifyOutcome } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { OracleFactory } from '../../triage/lockstep.js';
import { FAKE_QUIRK, fakeOracle, fakeTarget } from './fake.js';

const lostSgi = expandScenario({ format: 'gicdiff/scenario@1', name: 'lost-sgi', config: { vcpus: 2, its: 0 }, ops: [
  { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
  { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
] });

test('an internal error of the oracle with quirks: a new oracle-error finding at the divergence', async () => {
  const outcome = await runLockstep(fakeTarget({ dropSgi: 5 }), lostSgi, {}, fakeOracle);
  expect(outcome.verdict!.ok).toBe(false);
  const broken: OracleFactory = { ...fakeOracle, checkTrace: () => { throw new Error('internal: priority bits used before op 17'); } };
  const c = classifyOutcome(broken, 'fake', lostSgi, outcome, new Set([FAKE_QUIRK]))!;
  expect(c.classification).toBe('new');
  expect(c.problem.opIndex).toBe(1);
  expect(c.problem.parts.mismatch).toBe('oracle-error');
  // numbers out of the signature, like a target error's: one finding however many scenarios hit it
  expect(c.problem.signature).toBe('fake:sysreg.read ICC_IAR1_EL1:oracle-error:Error internal priority bits used before op #');
  expect(c.problem.message).toMatch(/^the oracle with the quirks of fake: Error: internal: priority bits used before op 17$/);
  // a bound of the oracle stays inconclusive
  const bounded: OracleFactory = { ...fakeOracle, checkTrace: () => { throw new RangeError('too many'); }, isBoundError: (e) => e instanceof RangeError };
  expect(classifyOutcome(bounded, 'fake', lostSgi, outcome, new Set([FAKE_QUIRK]))!.classification).toBe('inconclusive');
});
