// A new bug that shows at the same op, with the same mismatch and rule, as a known KVM divergence
// must come out new. Each case is a scenario on which clean kvm diverges from the architecture in a
// way one of its quirks explains (known, naming the quirk), and a fault planted next to that quirk
// (test/fuzz/same-op-plugin.ts): the faulty target diverges with the same signature (op, register,
// mismatch, rule), and the classification (triage/classify.ts) calls it new, at the op where the
// quirks run out.
import path from 'node:path';
import { expandScenario } from '../../spec/expand.js';
import { loadScenarioFile } from '../../spec/validate.js';
import type { Target } from '../../spec/target.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { problemOf } from '../../triage/signature.js';
import { distEnableClearsPending, eoiNeverDeactivates, levelInfoZero, movallMovesMore, pendingReadsZero, wfiAlwaysWoken } from './same-op-plugin.js';

const FIX = path.join(__dirname, '../fixtures/same-op');

const cases: [string, string, Target, string][] = [
  ['kvm.lpi-retarget-no-requeue', path.join(FIX, 'movall-third-rd.json'), movallMovesMore, 'sysreg.read ICC_IAR1_EL1:value-mismatch'],
  ['kvm.pending-in-running-lr-invisible', path.join(FIX, 'sgi1r-then-own-pending.json'), pendingReadsZero, 'mmio.read GICR_ISPENDR0:value-mismatch'],
  ['kvm.wfi-wakes-for-disabled-group', path.join(FIX, 'wfi-masked-after-group-wake.json'), wfiAlwaysWoken, 'wfi:wake-mismatch'],
  ['kvm.level-info-edge-no-line-level', path.join(FIX, 'level-info-edge-and-level.json'), levelInfoZero, 'kvm.device_attr LEVEL_INFO:attr-mismatch:kvm.attr.level-info'],
  ['kvm.priority-change-while-active-blocks-eoi', path.join(FIX, 'eoi-then-priority-change.json'), eoiNeverDeactivates, 'mmio.read GICR_ISACTIVER0:value-mismatch'],
  ['kvm.dist-enable-does-not-requeue', path.join(FIX, 'ctlr-enable-grp1-then-pending-read.json'), distEnableClearsPending, 'sysreg.read ICC_IAR1_EL1:value-mismatch'],
];

test.each(cases)('%s: known on clean kvm; the fault next to it, at the same op and rule, is new', async (quirk, file, faulty, shape) => {
  const expanded = expandScenario(loadScenarioFile(file));
  const quirks = targetQuirks('kvm');

  const clean = await runScenario(getTarget('kvm')!, expanded);
  const known = classifyOutcome(modelOracle, 'kvm', expanded, clean, quirks)!;
  expect(known).toMatchObject({ classification: 'known', quirks: expect.arrayContaining([quirk]) });
  expect(known.problem.signature).toContain(shape);

  const bad = await runScenario(faulty, expanded);
  const strict = problemOf(faulty.name, expanded, bad)!;
  // the strict oracle sees the fault as it sees the known divergence: same op, mismatch and rule
  expect(strict.signature.slice(faulty.name.length)).toBe(known.problem.signature.slice('kvm'.length));
  const c = classifyOutcome(modelOracle, faulty.name, expanded, bad, quirks)!;
  expect(c.classification).toBe('new');
  expect(c.quirks).toEqual([]);
  // reported where even the quirks cannot explain the trace: at or after the strict divergence
  expect(c.problem.opIndex).toBeGreaterThanOrEqual(strict.opIndex);
});
