// A finding the candidate bound left inconclusive is decided by the quirk check's cut
// (model/oracle.ts OracleOptions.cutToBound): clean-kvm campaign kqfinal7's scenario 0, reduced.
// Its GICD_CTLR read diverges from the architecture (EnableGrp0 reads 0 after a write of 1) and
// KVM's quirk kvm.u7-enable-grp0-raz-wi explains it; the rest of the trace makes the whole candidate
// set with quirks run past 4,096 states, so the exhaustive check throws the bound error.
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import type { OracleFactory } from '../../triage/lockstep.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { expandScenario } from '../../spec/expand.js';
import { checkTrace } from '../../model/oracle.js';

const FIXTURE = path.join(__dirname, '../fixtures/classify/kqfinal7-0-gicd-ctlr.json');

test('kqfinal7:0 reduced: inconclusive with the exhaustive quirk check, known with the cut, naming the quirk that explains it', async () => {
  const scenario = expandScenario(loadFindingOrScenario(FIXTURE).scenario);
  const outcome = await runScenario(getTarget('kvm')!, scenario);
  expect(outcome.verdict).toMatchObject({ ok: false });
  const at = outcome.verdict!.ok ? -1 : outcome.verdict!.divergence.opIndex;
  expect(scenario.ops[at]).toMatchObject({ op: 'mmio.read', frame: 'gicd', offset: 0 });
  const quirks = targetQuirks('kvm');

  // the whole candidate set with quirks runs past the bound: what the classification used to say
  const exhaustive: OracleFactory = { ...modelOracle, checkTrace: (s, t, l) => checkTrace(s, t, { ...l, cutToBound: false }) };
  expect(classifyOutcome(exhaustive, 'kvm', scenario, outcome, quirks)).toMatchObject({ classification: 'inconclusive' });

  const c = classifyOutcome(modelOracle, 'kvm', scenario, outcome, quirks);
  expect(c).toMatchObject({ classification: 'known', problem: { opIndex: at } });
  expect(c!.quirks).toContain('kvm.u7-enable-grp0-raz-wi');
  // the quirks it names explain the trace on their own, and without that one nothing does
  expect(checkTrace(scenario, outcome.trace, { quirks: new Set(c!.quirks) }).ok).toBe(true);
  const without = new Set([...quirks].filter((q) => q !== 'kvm.u7-enable-grp0-raz-wi'));
  expect(checkTrace(scenario, outcome.trace, { quirks: without, cutToBound: true })).toMatchObject({ ok: false, divergence: { opIndex: at } });
}, 300_000);
