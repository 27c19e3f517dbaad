// Issue 4's property: the implementation's knobs change how it works inside, never what a guest
// sees (impl/README.md). For random generated scenarios whose trace the oracle accepts with the
// default knobs, the trace must stay accepted with 1, 2 and 16 list registers and with extra
// scheduling ops (vcpu.exit / vcpu.put / vcpu.run) inserted anywhere. A variant may only fail by
// a divergence one of KVM's quirks explains (spec/expectations/kvm.json, triage/classify.ts); anything else is a bug.
import fc from 'fast-check';
import { generateScenario } from '../../fuzz/generate.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Op, Scenario } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { getTarget } from '../../spec/target.js';
import '../../impl/register.js';
import '../../model/register.js';

const kvm = getTarget('kvm')!;

/** null when the scenario passes, else the problem's signature and whether it is a known one. */
async function verdict(s: Scenario): Promise<{ signature: string; known: boolean } | null> {
  const expanded = expandScenario(s);
  const outcome = await runScenario(kvm, expanded, {});
  const c = classifyOutcome(modelOracle, 'kvm', expanded, outcome, targetQuirks('kvm'));
  if (!c) return null;
  return { signature: c.problem.signature, known: c.classification !== 'new' };
}

function withLrs(s: Scenario, lrs: number): Scenario {
  return { ...s, config: { ...s.config, impl: { ...s.config?.impl, lrs } } };
}

/** Insert scheduling ops at the given positions (after the boot op, which stays first). */
function withScheduling(s: Scenario, inserts: { at: number; kind: number; cpu: number; pcpu: number }[]): Scenario {
  const cfg = resolveConfig(s.config);
  const ops: Op[] = [...s.ops];
  for (const ins of [...inserts].sort((a, b) => b.at - a.at)) {
    const cpu = ins.cpu % cfg.vcpus;
    const op: Op = ins.kind === 0 ? { op: 'vcpu.exit', cpu } : ins.kind === 1 ? { op: 'vcpu.put', cpu } : { op: 'vcpu.run', cpu, pcpu: ins.pcpu % cfg.impl.pcpus };
    ops.splice(1 + (ins.at % Math.max(1, ops.length - 1)), 0, op);
  }
  return { ...s, ops };
}

test('list-register count and scheduling never turn an accepted trace into a new divergence', async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.array(fc.record({ at: fc.nat(), kind: fc.integer({ min: 0, max: 2 }), cpu: fc.nat(), pcpu: fc.nat() }), { minLength: 1, maxLength: 12 }),
      async (seed, inserts) => {
        const base = generateScenario(`knobs:${seed}`);
        if ((await verdict(base)) !== null) return; // only scenarios the default knobs pass
        checked++;
        for (const variant of [withLrs(base, 1), withLrs(base, 2), withLrs(base, 16), withScheduling(base, inserts), withScheduling(withLrs(base, 1), inserts)]) {
          const v = await verdict(variant);
          if (v && !v.known) throw new Error(`${v.signature} with config ${JSON.stringify(variant.config?.impl)} (seed knobs:${seed})`);
        }
      },
    ),
    { numRuns: 40, seed: 20261121 },
  );
  expect(checked).toBeGreaterThan(10);
}, 120_000);
