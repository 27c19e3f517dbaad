// A quirk that runs an acknowledge on a state of its own (kvm.lpi-retarget-no-requeue: the LPI a
// MOVI moved away is still in the old vCPU's list register) whose acknowledge has several deferred
// outcomes (two LPIs it may take): each outcome keeps its own effect. The quirk's outcomes once
// shared the main line's deferred effect, and materializing them threw "priority bits used before
// ... resolved", which stopped two clean kvm campaigns. The trace is kvm's, recorded (campaign
// seed final1, index 1633, minimized to 11 ops).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkTrace } from '../../model/oracle.js';
import { expandScenario } from '../../spec/expand.js';
import type { OpResult, Scenario } from '../../spec/scenario.js';

const fixture = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/quirk-recheck/retarget-ack-deferred.json'), 'utf8')) as { scenario: Scenario; results: OpResult[] };
const scenario = expandScenario(fixture.scenario);
const trace = { format: 'gicdiff/trace@1' as const, scenario: scenario.name, target: 'kvm', results: fixture.results, status: 'complete' as const };

test('strict: the discarded LPI acknowledged after the MOVI is a divergence at the IAR', () => {
  const v = checkTrace(scenario, trace);
  expect(v.ok).toBe(false);
  if (v.ok) return;
  expect(scenario.ops[v.divergence.opIndex]).toMatchObject({ op: 'sysreg.read', reg: 'ICC_IAR1_EL1' });
});

test('with the retarget quirk: the whole trace is explained, naming the quirk, and nothing throws', () => {
  const v = checkTrace(scenario, trace, { quirks: new Set(['kvm.lpi-retarget-no-requeue']) });
  expect(v.ok).toBe(true);
  expect(v.ok && v.quirks).toContain('kvm.lpi-retarget-no-requeue');
});
