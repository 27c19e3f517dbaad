// gicdiff compare: traces compared op by op (fuzz/compare.ts) and the command's report.
import { compareTraces } from '../../fuzz/compare.js';
import { compareOne, summarize, comparisonMarkdown } from '../../cli/commands/compare.js';
import { resolveConfig, type ExpandedScenario, type PrimitiveOp } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';
import { getTarget } from '../../spec/target.js';
import '../../fuzz/targets.js';

const ops: PrimitiveOp[] = [
  { op: 'sysreg.write', cpu: 0, reg: 'ICC_PMR_EL1', value: '0xf0' },
  { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' },
  { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
];
const s: ExpandedScenario = { name: 's', config: resolveConfig({ vcpus: 1 }), ops, origin: [0, 1, 2] };
const trace = (results: Trace['results'], status: Trace['status'] = 'complete', error?: string): Trace => ({
  format: 'gicdiff/trace@1', scenario: 's', target: 't', results, status, ...(error ? { error: { opIndex: results.length, message: error } } : {}),
});

describe('compareTraces', () => {
  test('identical traces agree', () => {
    expect(compareTraces(s, trace([null, '0xf0', '0x3ff']), trace([null, '0xf0', '0x3ff']))).toBeNull();
  });
  test('the first differing result is named with both values and what the op touched', () => {
    const d = compareTraces(s, trace([null, '0xf0', '0x3ff']), trace([null, '0xf8', '0x3ff']))!;
    expect(d).toMatchObject({ opIndex: 1, key: 'sysreg.read ICC_PMR_EL1', a: { result: '0xf0' }, b: { result: '0xf8' } });
  });
  test('a trace that stopped early differs at the op where it stopped, with its error', () => {
    const d = compareTraces(s, trace([null, '0xf0', '0x3ff']), trace([null], 'target-error', 'guest exception'))!;
    expect(d).toMatchObject({ opIndex: 1, a: { status: 'complete', result: '0xf0' }, b: { status: 'target-error', error: 'guest exception' } });
  });
});

describe('host fields', () => {
  const ctlr: ExpandedScenario = { ...s, ops: [{ op: 'sysreg.read', cpu: 0, reg: 'ICC_CTLR_EL1' }], origin: [0] };
  test('ICC_CTLR_EL1 differing only in IDbits (the host GIC) agrees; any other bit differs', () => {
    expect(compareTraces(ctlr, trace(['0x8400']), trace(['0x8c00']))).toBeNull();
    expect(compareTraces(ctlr, trace(['0x8400']), trace(['0x8402']))).not.toBeNull();
  });
});

describe('compare on two in-process targets', () => {
  test('model vs kvm: a scenario both run the same way is identical; the report counts it', async () => {
    const r = await compareOne(getTarget('model')!, getTarget('kvm')!, s, 'inline', 10_000);
    expect(r.outcome).toBe('identical');
    const c = summarize(['model', 'kvm'], [r, { scenario: 'x', source: 'x', outcome: 'skipped', reason: 'kvm: no' }]);
    expect(c.totals).toEqual({ scenarios: 2, identical: 1, differing: 0, skipped: 1, hostFieldsOnly: 0 });
    expect(comparisonMarkdown(c)).toMatch(/1 identical\*\*, \*\*0 differing\*\*, 1 skipped/);
  });
});
