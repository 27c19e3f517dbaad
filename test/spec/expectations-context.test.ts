// Expectation entries that match on the context of a finding: the scenario it showed in, and the
// ops that preceded the diverging one (a lost LPI shows at an IAR; what caused it was a MOVI).
import { matchExpectation, validateExpectationsJson, type Expectations, type SignatureParts } from '../../spec/expectations.js';
import { problemOf, scenarioHistory } from '../../fuzz/signature.js';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import type { RunOutcome } from '../../fuzz/runner.js';

const doc: Expectations = validateExpectationsJson({
  format: 'gicdiff/expectations@1',
  target: 'kvm',
  entries: [
    { id: 'lost-after-movi', match: { op: 'sysreg.read', detail: 'ICC_IAR1_EL1', after: 'its.cmd *MOVI*' }, reason: 'r', source: 's' },
    { id: 'pinned', match: { scenarios: ['its/movall*'] }, reason: 'r', source: 's' },
    { id: 'ack-prio-eoi', match: { detail: 'ICC_HPPIR1_EL1', sequence: ['sysreg.read ICC_IAR1_EL1', ['mmio.write GICD_IPRIORITYR*', 'mmio.write GICR_IPRIORITYR*'], 'sysreg.write ICC_EOIR1_EL1'] }, reason: 'r', source: 's' },
  ],
}, 'inline');

const iar: SignatureParts = { target: 'kvm', op: 'sysreg.read', detail: 'ICC_IAR1_EL1', mismatch: 'value-mismatch', rule: 'cpuif.iar1.ack', rules: ['cpuif.iar1.ack'] };

test('"after" needs a matching earlier op; without context it never matches', () => {
  expect(matchExpectation(doc, iar)).toBeNull();
  expect(matchExpectation(doc, iar, { history: ['its.cmd MAPD+MAPTI', 'its.cmd INT'] })).toBeNull();
  expect(matchExpectation(doc, iar, { history: ['its.cmd MAPD+MAPTI', 'its.cmd MOVI+SYNC'] })?.id).toBe('lost-after-movi');
});

test('"sequence" needs its patterns in that order, other ops may come between', () => {
  const hppir: SignatureParts = { ...iar, detail: 'ICC_HPPIR1_EL1' };
  const ack = 'sysreg.read ICC_IAR1_EL1', prio = 'mmio.write GICR_IPRIORITYR', eoi = 'sysreg.write ICC_EOIR1_EL1';
  expect(matchExpectation(doc, hppir, { history: [ack, 'wfi', prio, 'mmio.read GICR_ISPENDR0', eoi] })?.id).toBe('ack-prio-eoi');
  expect(matchExpectation(doc, hppir, { history: [ack, 'mmio.write GICD_IPRIORITYR12', eoi] })?.id).toBe('ack-prio-eoi');
  // the same ops in another order, or one missing: the priority changed before the acknowledge
  expect(matchExpectation(doc, hppir, { history: [prio, ack, eoi] })).toBeNull();
  expect(matchExpectation(doc, hppir, { history: [ack, eoi, prio] })).toBeNull();
  expect(matchExpectation(doc, hppir, { history: [ack, prio] })).toBeNull();
  expect(matchExpectation(doc, hppir)).toBeNull();
});

test('"scenarios" matches the scenario name by glob', () => {
  const other: SignatureParts = { ...iar, detail: 'ICC_RPR_EL1' };
  expect(matchExpectation(doc, other, { scenario: 'its/movall-live-collection' })?.id).toBe('pinned');
  expect(matchExpectation(doc, other, { scenario: 'its/movi-pending' })).toBeNull();
});

test('problemOf gives the scenario name and the ops before the divergence, rendered like signatures', () => {
  const scenario: ExpandedScenario = {
    name: 'its/x', config: resolveConfig({}), origin: [0, 1, 2],
    ops: [
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MOVI', device: 1, event: 2, collection: 3 }, { cmd: 'SYNC', target: 0 }] },
      { op: 'wfi', cpu: 0 },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    ],
  };
  const outcome: RunOutcome = {
    trace: { format: 'gicdiff/trace@1', scenario: 'its/x', target: 'kvm', results: [null, 'woken', '0x3ff'], status: 'complete' },
    verdict: { ok: false, rules: [], maxCandidates: 1, divergence: { opIndex: 2, got: '0x3ff', allowed: ['0x2000'], rules: ['cpuif.iar1.ack'], message: 'm' } },
    expectationFailures: [], coverage: [],
  };
  const p = problemOf('kvm', scenario, outcome)!;
  expect(p.context).toEqual({ scenario: 'its/x', history: ['its.cmd MOVI+SYNC', 'wfi'] });
  expect(matchExpectation(doc, p.parts, p.context)?.id).toBe('lost-after-movi');
});

test('the boot macro stays out of the history: every scenario boots the same way', () => {
  const e = expandScenario({ format: 'gicdiff/scenario@1', name: 'b', config: { vcpus: 1, its: 1, spis: 32 }, ops: [
    { op: 'boot' }, { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: 0, width: 32, value: '0x0' }, { op: 'wfi', cpu: 0 },
  ] });
  expect(e.ops.length).toBeGreaterThan(10);
  expect(scenarioHistory(e, e.ops.length)).toEqual(['mmio.write GICD_CTLR', 'wfi']);
  expect(scenarioHistory(e, e.ops.length - 1)).toEqual(['mmio.write GICD_CTLR']);
});
