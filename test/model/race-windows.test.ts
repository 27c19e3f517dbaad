// Windows in which a PE may still take an interrupt that a change elsewhere has moved or masked,
// found by clean kvm campaigns where the model allowed only 1023:
// - an LPI named by two ITEs (choice.u39.intid-two-ites) is only possibly pending where an INT reached; a MOVI
//   of one ITE moves that possibility and, as for a pending LPI, the old redistributor may still
//   deliver it until a SYNC there (choice.u44.in-flight-until-sync; seed final6, scenario 542);
// - clearing GICD_CTLR.EnableGrp1 leaves the PEs that could take a pending LPI able to take it
//   once (choice.u6.state-change-race): a later ITS SYNC completes ITS commands, not that distributor
//   write (seed final5, scenario 197).
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { runScenario } from '../../triage/runner.js';
import { problemOf } from '../../triage/signature.js';

test.each([
  ['movi-possibly-pending-old-rd.json', 1],
  ['dist-disable-race-outlives-its-sync.json', 1],
])('%s: the PE still takes the LPI, and so the architecture allows', async (file, cpu) => {
  const { scenario } = loadFindingOrScenario(path.join(__dirname, '../fixtures', file));
  const expanded = expandScenario(scenario);
  const onKvm = await runScenario(getTarget('kvm')!, expanded);
  // the last op is the acknowledge the fixture is about: kvm takes the LPI there
  const last = expanded.ops.length - 1;
  expect(expanded.ops[last]).toMatchObject({ op: 'sysreg.read', reg: 'ICC_IAR1_EL1', cpu });
  expect(onKvm.trace.results[last]).toBe('0x2000');
  expect(problemOf('kvm', expanded, onKvm)).toBeNull();
  const onModel = await runScenario(getTarget('model')!, expanded);
  expect(problemOf('model', expanded, onModel)).toBeNull();
});
