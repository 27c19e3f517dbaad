// The generator's stories (fuzz/gen/actions/stories.ts): each one drawn alone gives valid
// scenarios that end in an observation, runs on the kvm target without a harness or oracle error,
// and the default weights draw them while plain actions still make up most of a scenario.
import '../../fuzz/targets.js';
import { generateScenario } from '../../fuzz/generate.js';
import { ACTIONS } from '../../fuzz/gen/table.js';
import { defaultWeights, type Weights } from '../../fuzz/weights.js';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { runScenario } from '../../triage/runner.js';
import { getTarget } from '../../spec/target.js';
import type { Op } from '../../spec/scenario.js';

const STORIES = ACTIONS.filter((a) => a.family === 'stories');

function only(name: string): Weights {
  const actions = Object.fromEntries(ACTIONS.map((a) => [a.name, a.name === name ? 1 : 0]));
  return { malformedRate: 0, minOps: 3, maxOps: 3, actions };
}

/** An op whose result shows what the GIC holds: what a story must end with. */
function observes(op: Op): boolean {
  if (op.op === 'sysreg.read') return /IAR|HPPIR|ISR|RPR|AP1R/.test(op.reg);
  if (op.op === 'mmio.read') return true;
  return op.op === 'wfi' || op.op === 'mem.read' || op.op === 'irqfd.resampled';
}

describe('stories', () => {
  test('there are stories for each situation the fuzzer must build, each with a positive default weight', () => {
    expect(STORIES.length).toBeGreaterThanOrEqual(15);
    for (const s of STORIES) expect(defaultWeights().actions[s.name]).toBeGreaterThan(0);
  });

  test.each(STORIES.map((s) => [s.name]))('%s: valid scenarios that end in an observation, run on kvm without an error', async (name) => {
    const kvm = getTarget('kvm')!;
    let ran = 0;
    for (let i = 0; i < 12 && ran < 3; i++) {
      const s = generateScenario(`story:${i}`, { weights: only(name) });
      expect(() => validateScenarioJson(JSON.parse(JSON.stringify(s)), name)).not.toThrow();
      const body = s.ops.slice(1);
      if (body.length < 16) continue; // the story did not apply to this config (no ITS, one vCPU...)
      ran++;
      expect(body.slice(-5).some(observes)).toBe(true);
      const out = await runScenario(kvm, expandScenario(s), { timeoutMs: 30_000 });
      expect(out.trace.status).toBe('complete');
      expect(out.oracleError).toBeUndefined();
    }
    expect(ran).toBeGreaterThan(0);
  }, 120_000);

  test('with the default weights stories are drawn, but most draws are still plain actions', () => {
    const w = defaultWeights();
    const total = ACTIONS.reduce((x, a) => x + w.actions[a.name]!, 0);
    const stories = STORIES.reduce((x, a) => x + w.actions[a.name]!, 0);
    expect(stories / total).toBeGreaterThan(0.03);
    expect(stories / total).toBeLessThan(0.15);
  });
});
