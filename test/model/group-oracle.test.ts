// The oracle on op groups (model/oracle.ts observeGroup, rule sched.group-some-order): a
// group's results are accepted when some serial order of its ops explains them, never because each
// result alone is allowed by some order; a single op is judged exactly as without groups.
import path from 'node:path';
import { checkTrace, createOracle } from '../../model/oracle.js';
import { expandScenario } from '../../spec/expand.js';
import { loadScenarioFile } from '../../spec/validate.js';
import type { ExpandedScenario, OpResult, PrimitiveOp } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';
import { getTarget } from '../../spec/target.js';
import { runScenario } from '../../triage/runner.js';
import '../../model/register.js';

const RACES = path.resolve(__dirname, '../../spec/conformance/races');
const load = (name: string): ExpandedScenario => expandScenario(loadScenarioFile(path.join(RACES, `${name}.json`)));

/** The model's own trace up to (not including) the group, then `rest` as the target's results. */
async function traceWith(s: ExpandedScenario, rest: OpResult[]): Promise<Trace> {
  const g = s.ops.findIndex((o) => o.op === 'group');
  const run = await runScenario(getTarget('model')!, { ...s, ops: s.ops.slice(0, g) });
  expect(run.verdict?.ok).toBe(true);
  return { format: 'gicdiff/trace@1', scenario: s.name, target: 'test', status: 'complete', results: [...run.trace.results, ...rest] };
}

describe('a group: MSI racing MAPTI of its event, then vCPU 0 acknowledges', () => {
  const s = load('msi-vs-mapti');
  const g = s.ops.findIndex((o) => o.op === 'group');

  test.each([
    ['MSI first: dropped, nothing to acknowledge', [[null, 0], '0x3ff']],
    ['MAPTI first: delivered and acknowledged', [[null, 1], '0x2000']],
  ] as [string, OpResult[]][])('%s is accepted', async (_name, rest) => {
    const v = checkTrace(s, await traceWith(s, rest));
    expect(v.ok).toBe(true);
    expect(v.rules).toContain('sched.group-some-order');
  });

  test('a delivered MSI whose LPI is never acknowledged is refused at the acknowledge', async () => {
    const v = checkTrace(s, await traceWith(s, [[null, 1], '0x3ff']));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.divergence.opIndex).toBe(g + 1);
  });

  test('a result that is not an array of the group\'s results is refused at the group', async () => {
    for (const bad of [1, [null], [null, 1, 1]] as OpResult[]) {
      const v = checkTrace(s, await traceWith(s, [bad, '0x3ff']));
      expect(v.ok).toBe(false);
      if (!v.ok) {
        expect(v.divergence.opIndex).toBe(g);
        expect(v.divergence.rules).toEqual(['sched.group-some-order']);
      }
    }
  });
});

describe('a group of three: MAPTI, MSI and the acknowledge at the same time', () => {
  const s = load('msi-mapti-iar');
  const g = s.ops.findIndex((o) => o.op === 'group');

  test.each([
    ['MAPTI, MSI, acknowledge', [[null, 1, '0x2000'], '0x3ff']],
    ['acknowledge first, then MAPTI and MSI', [[null, 1, '0x3ff'], '0x2000']],
    ['MSI before MAPTI', [[null, 0, '0x3ff'], '0x3ff']],
  ] as [string, OpResult[]][])('%s is accepted', async (_name, rest) => {
    expect(checkTrace(s, await traceWith(s, rest)).ok).toBe(true);
  });

  test('results each allowed by some order but by no single order are refused at the group, naming every order', async () => {
    // the MSI was dropped (it came before MAPTI), yet vCPU 0 acknowledged the LPI it would have made pending
    const v = checkTrace(s, await traceWith(s, [[null, 0, '0x2000'], '0x3ff']));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.divergence.opIndex).toBe(g);
    expect(v.divergence.message).toMatch(/^group \{.*\} returned \[null,0,"0x2000"\]; no serial order of its ops explains it/);
    expect(v.divergence.rules).toContain('sched.group-some-order');
    expect(v.divergence.explanation!.split('; order ')).toHaveLength(6);
    // what some order allows, as whole arrays: the refused one is not among them
    const allowed = v.divergence.allowed.map((r) => JSON.stringify(r));
    expect(allowed).toEqual(expect.arrayContaining(['[null,1,"0x2000"]', '[null,1,"0x3ff"]', '[null,0,"0x3ff"]']));
    expect(allowed).not.toContain('[null,0,"0x2000"]');
  });
});

test('a group of ops that do not interact leaves the candidates as running them one by one does', () => {
  const config = load('msi-vs-mapti').config;
  const boot = expandScenario({ format: 'gicdiff/scenario@1', name: 'b', config: { vcpus: 2, spis: 32, its: 1 }, ops: [{ op: 'boot' }] }).ops;
  const a = createOracle(config);
  const b = createOracle(config);
  for (const op of boot) {
    expect(a.observe(op, null)).toBeNull();
    expect(b.observe(op, null)).toBeNull();
  }
  const pmr0: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' };
  const pmr1: PrimitiveOp = { op: 'sysreg.read', cpu: 1, reg: 'ICC_PMR_EL1' };
  const single = a.allowed(pmr0);
  expect(a.observe({ op: 'group', ops: [pmr0, pmr1] }, [single[0]!, single[0]!])).toBeNull();
  expect(b.observe(pmr0, single[0]!)).toBeNull();
  expect(b.observe(pmr1, single[0]!)).toBeNull();
  expect(a.candidateCount()).toBe(b.candidateCount());
  expect(a.allowed(pmr0)).toEqual(b.allowed(pmr0));
});
