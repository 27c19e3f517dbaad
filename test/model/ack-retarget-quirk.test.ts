// The kvm.lpi-retarget-no-requeue alternative of an acknowledge (model/cpuif.ts) runs the
// acknowledge again on its own candidate. Its outcomes share that candidate and are deferred like
// the main line's, so their choice.u2.priority-bits value is kept until they are materialized:
// campaign seed final2, scenario 1465, threw "priority bits used before ... resolved" when
// classified with kvm's quirks (the quirk's outcome had the full set restored too early).
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';

test('a campaign scenario with an acknowledge under the retarget quirk classifies without an internal error', async () => {
  const { scenario } = loadFindingOrScenario(path.join(__dirname, '../fixtures/ack-retarget-deferred.json'));
  const expanded = expandScenario(scenario);
  const onKvm = await runScenario(getTarget('kvm')!, expanded);
  const c = classifyOutcome(modelOracle, 'kvm', expanded, onKvm, targetQuirks('kvm'));
  // classifyOutcome turns an internal error of the oracle into a new 'oracle-error' finding instead
  // of throwing, so "no exception" alone cannot fail: the divergence must be one a quirk explains
  expect(c).not.toBeNull();
  expect(c!.problem.parts.mismatch).not.toBe('oracle-error');
  expect(c!.classification).toBe('known');
});
