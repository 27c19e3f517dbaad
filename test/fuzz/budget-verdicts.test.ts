// Running out of a budget (the scenario's op budget, its time limit, the oracle's bounds) never
// makes a finding new: a verdict must not depend on how loaded the machine is. The clock is faked
// (one millisecond per look at it), so where the time limit falls is the test's choice, not the
// machine's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runLockstep } from '../../triage/lockstep.js';
import { classifyOutcome, targetQuirks, type Classified } from '../../triage/classify.js';
import { modelOracle } from '../../triage/runner.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import type { Target } from '../../spec/target.js';
import { getTarget } from '../../spec/target.js';
import '../../fuzz/targets.js';
import { FAKE_QUIRK, fakeOracle, fakeTarget } from './fake.js';

/** Date.now() advancing one millisecond per call from 0: each run sees the same clock. */
function fakeClock(): { restore(): void; reset(): void } {
  let t = 0;
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => t++);
  return { restore: () => spy.mockRestore(), reset: () => { t = 0; } };
}

const sgi = (ops: Scenario['ops']): ExpandedScenario => expandScenario({ format: 'gicdiff/scenario@1', name: 't', config: { vcpus: 2, its: 0 }, ops });

describe('a budget that runs out is inconclusive, never new', () => {
  test('the op budget or the time limit before any divergence: inconclusive', async () => {
    const s = sgi(Array.from({ length: 10 }, () => ({ op: 'sysreg.read' as const, cpu: 0, reg: 'ICC_PMR_EL1' as const })));
    const budget = await runLockstep(fakeTarget(), s, { stepBudget: 4 }, fakeOracle);
    expect(budget.trace.status).toBe('step-budget');
    expect(classifyOutcome(fakeOracle, 'fake', s, budget, new Set([FAKE_QUIRK]))).toMatchObject({ classification: 'inconclusive', problem: { parts: { mismatch: 'step-budget' } } });
    const clock = fakeClock();
    try {
      // whether the runner blames the target (step-budget) or the oracle (oracle-bound) for the time
      const timed = await runLockstep(fakeTarget(), s, { timeoutMs: 6 }, fakeOracle);
      expect(timed.trace.results.length).toBeLessThan(s.ops.length);
      expect(classifyOutcome(fakeOracle, 'fake', s, timed, new Set())!.classification).toBe('inconclusive');
      clock.reset();
      const slowTarget: Target = { ...fakeTarget(), open: (c) => { const inner = fakeTarget().open!(c); return { step: (op) => { Date.now(); Date.now(); return inner.step(op); } }; } };
      const slow = await runLockstep(slowTarget, s, { timeoutMs: 6 }, fakeOracle);
      expect(slow.trace.status).toBe('step-budget');
      expect(classifyOutcome(fakeOracle, 'fake', s, slow, new Set())!.classification).toBe('inconclusive');
    } finally {
      clock.restore();
    }
  });

  test('the time limit cutting the rest of the trace after a divergence the quirk explains: inconclusive, not new; one it cannot explain before the cut stays new', async () => {
    const s = sgi([
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
      ...Array.from({ length: 8 }, () => ({ op: 'sysreg.read' as const, cpu: 0, reg: 'ICC_PMR_EL1' as const })),
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    ]);
    const quirks = new Set([FAKE_QUIRK]);
    const whole = await runLockstep(fakeTarget({ dropSgi: 5 }), s, {}, fakeOracle);
    expect(classifyOutcome(fakeOracle, 'fake', s, whole, quirks)!.classification).toBe('known');
    const clock = fakeClock();
    try {
      const cut = await runLockstep(fakeTarget({ dropSgi: 5 }), s, { timeoutMs: 8 }, fakeOracle);
      expect(cut.verdict).toMatchObject({ ok: false, divergence: { opIndex: 1 } });
      expect(cut.trace.status).toBe('step-budget');
      expect(cut.trace.results.length).toBeLessThan(s.ops.length);
      expect(classifyOutcome(fakeOracle, 'fake', s, cut, quirks)).toMatchObject({ classification: 'inconclusive', problem: { parts: { mismatch: 'step-budget' } } });
      // without the quirk the divergence at op 1 is new whether or not the rest ran
      clock.reset();
      const again = await runLockstep(fakeTarget({ dropSgi: 5 }), s, { timeoutMs: 8 }, fakeOracle);
      expect(classifyOutcome(fakeOracle, 'fake', s, again, new Set())).toMatchObject({ classification: 'new', problem: { opIndex: 1 } });
    } finally {
      clock.restore();
    }
  });

  // seed mut:5 (gen@9) on the clean kvm target: a divergence at op 105 that a kvm quirk explains.
  // On a loaded machine its time limit passed while the target ran the rest of the trace alone,
  // and the cut trace came out new.
  test('a real scenario on kvm, with the time limit falling anywhere: the verdict without one, or inconclusive', async () => {
    const kvm: Target = getTarget('kvm')!;
    const s = expandScenario(JSON.parse(readFileSync(path.join(__dirname, '../fixtures/budget/mut-5.json'), 'utf8')) as Scenario);
    const quirks = targetQuirks('kvm');
    const untimed = classifyOutcome(modelOracle, 'kvm', s, await runLockstep(kvm, s, {}, modelOracle), quirks);
    expect(untimed).not.toBeNull();
    expect(untimed!.classification).not.toBe('inconclusive');
    const clock = fakeClock();
    const seen = new Map<string, number>();
    try {
      for (let limit = 3; limit < 700; limit += 41) {
        clock.reset();
        const outcome = await runLockstep(kvm, s, { timeoutMs: limit }, modelOracle);
        const c: Classified | null = classifyOutcome(modelOracle, 'kvm', s, outcome, quirks);
        const what = c === null ? 'none' : c.classification === 'inconclusive' ? 'inconclusive' : `${c.classification} ${c.problem.signature}`;
        if (what !== 'inconclusive') expect(what).toBe(`${untimed!.classification} ${untimed!.problem.signature}`);
        const where = outcome.trace.status === 'step-budget' ? (outcome.verdict && !outcome.verdict.ok ? 'cut after the divergence' : 'cut before') : outcome.oracleError ? 'oracle out of time' : 'whole';
        // a run the limit did not cut has nothing to be inconclusive about: it must give the untimed verdict
        if (where === 'whole') expect(what).toBe(`${untimed!.classification} ${untimed!.problem.signature}`);
        seen.set(where, (seen.get(where) ?? 0) + 1);
      }
    } finally {
      clock.restore();
    }
    // the sweep reached every place a time limit can fall
    expect([...seen.keys()].sort()).toEqual(['cut after the divergence', 'oracle out of time', 'whole']);
  });
});
