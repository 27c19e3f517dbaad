// Detection self-test: faults planted through test-only wrappers around the real kvm target
// (test/fuzz/planted-plugin.ts) must each be found by generated scenarios within a bounded budget
// and minimized to a small scenario that shows the fault on the faulty target and not on kvm.
import { generateScenario } from '../../fuzz/generate.js';
import { expandScenario } from '../../spec/expand.js';
import { runScenario } from '../../triage/runner.js';
import { problemOf } from '../../triage/signature.js';
import { minimizeScenario } from '../../fuzz/minimize.js';
import { ACTION_NAMES, type Weights } from '../../fuzz/weights.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Target } from '../../spec/target.js';
import { targets } from './planted-plugin.js';

const clean = targets.find((t) => t.name === 'kvm')!;
// LPI/ITS-heavy weights: the three faults live in the ITS
const focus: Record<string, number> = { itsMap: 8, lpiProp: 6, itsInv: 5, itsInt: 6, msi: 8, ack: 10, eoi: 6, itsMove: 6, itsSync: 2, cpuifRead: 2, sched: 2 };
const weights: Weights = { malformedRate: 0, minOps: 20, maxOps: 50, actions: Object.fromEntries(ACTION_NAMES.map((a) => [a, focus[a] ?? 0])) as Weights['actions'] };
const MAX_SCENARIOS = 300;
const MAX_MINIMIZED_OPS = 40;

/** The fault's signature on this scenario, when the clean target does not show the same one. */
async function faultSignature(faulty: Target, s: Scenario): Promise<string | null> {
  const e = expandScenario(s);
  const p = problemOf(faulty.name, e, await runScenario(faulty, e));
  if (!p) return null;
  const pc = problemOf(clean.name, e, await runScenario(clean, e));
  const same = pc && pc.opIndex === p.opIndex && pc.signature.slice(clean.name.length) === p.signature.slice(faulty.name.length);
  return same ? null : p.signature;
}

describe.each(targets.filter((t) => t !== clean).map((t) => [t.name, t] as const))('planted fault %s', (_name, faulty) => {
  test('found and minimized within the budget', async () => {
    const t0 = Date.now();
    let found: { id: string; signature: string } | null = null;
    for (let i = 0; i < MAX_SCENARIOS && !found; i++) {
      const id = `plant:${i}`;
      const sig = await faultSignature(faulty, generateScenario(id, { weights }));
      if (sig) found = { id, signature: sig };
    }
    expect(found).not.toBeNull();
    const detectMs = Date.now() - t0;
    const scenario = generateScenario(found!.id, { weights });
    const m = await minimizeScenario(scenario, async (s) => (await faultSignature(faulty, s)) === found!.signature, { maxRuns: 1500, timeMs: 20_000 });
    expect(m.scenario.ops.length).toBeLessThanOrEqual(MAX_MINIMIZED_OPS);
    expect(await faultSignature(faulty, m.scenario)).toBe(found!.signature);
    // on the clean target the minimized scenario does not show this signature
    const e = expandScenario(m.scenario);
    expect(problemOf(clean.name, e, await runScenario(clean, e))?.signature.slice(clean.name.length)).not.toBe(found!.signature.slice(faulty.name.length));
    process.stderr.write(`${faulty.name}: found by ${found!.id} in ${detectMs} ms (${found!.signature}); minimized ${m.before} -> ${m.after} ops in ${m.runs} runs, ${Date.now() - t0 - detectMs} ms\n`);
  }, 60_000);
});
