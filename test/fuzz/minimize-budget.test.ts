// A minimization budgeted in runs gives the same result on a fast and on a slow machine: its
// wall-clock cap (fuzz/minimize.ts runBudget) sits far above what its runs cost, so only the runs
// decide; a time budget that is tiny against the runs' cost is what cuts, and the result says so.
// The slow machine is a clock that advances with every candidate run (no real waiting), and in the
// campaign a target that sleeps at least 2 ms a scenario against a 1 ms budget.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLockstep, type RunOutcome } from '../../triage/lockstep.js';
import { classifyOutcome } from '../../triage/classify.js';
import { minimizeOnTarget, runBudget, CAP_MIN_MS, CAP_MS_PER_RUN } from '../../fuzz/minimize.js';
import { runCampaign, DEFAULT_CAMPAIGN_MINIMIZE, type CampaignOptions } from '../../fuzz/campaign/coordinator.js';
import { loadWeightsFile } from '../../fuzz/weights.js';
import { minimizeBudget } from '../../cli/commands/fuzz.js';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario, Op, Scenario } from '../../spec/scenario.js';
import type { Target } from '../../spec/target.js';
import { FAKE_QUIRK, fakeOracle, fakeTarget } from './fake.js';

const quirks = new Set([FAKE_QUIRK]);
const faulty = fakeTarget({ dropSgi: 5, alsoDropSgi: 6 });
const run = (t: Target, s: ExpandedScenario, o = {}): Promise<RunOutcome> => runLockstep(t, s, o, fakeOracle);
const pmr = (cpu: number): Op => ({ op: 'sysreg.read', cpu, reg: 'ICC_PMR_EL1' });
// SGI 6 from vCPU 1 is lost among 30 ops of noise: new (no quirk explains SGI 6)
const scenario: Scenario = {
  format: 'gicdiff/scenario@1', name: 'lost-sgi-in-noise', config: { vcpus: 3, its: 0 },
  ops: [
    ...Array.from({ length: 14 }, (_, i) => pmr(i % 3)),
    { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x6000001' },
    ...Array.from({ length: 14 }, (_, i) => pmr((i + 1) % 3)),
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
  ],
};

async function keepOf(s: Scenario) {
  const e = expandScenario(s);
  const c = classifyOutcome(fakeOracle, 'fake', e, await run(faulty, e), quirks)!;
  expect(c.classification).toBe('new');
  return { signature: c.problem.signature, newWith: { oracles: fakeOracle, quirks } };
}

describe('a run budget decides the minimization, not the machine', () => {
  let clock = 0;
  let spy: jest.SpyInstance<number, []> | undefined;
  beforeEach(() => {
    clock = 1_000_000;
    spy = jest.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => spy?.mockRestore());
  /** a machine on which every candidate run takes `ms` */
  const slow = (ms: number) => async (t: Target, s: ExpandedScenario, o: object): Promise<RunOutcome> => {
    clock += ms;
    return run(t, s, o);
  };

  test('the same minimized scenario and run count with candidates of 0 ms and of 200 ms each', async () => {
    const keep = await keepOf(scenario);
    const fast = await minimizeOnTarget(faulty, scenario, slow(0), keep, runBudget(200));
    const slowed = await minimizeOnTarget(faulty, scenario, slow(200), keep, runBudget(200));
    expect(fast.cut).toBe(false);
    expect(fast.after).toBeLessThan(fast.before);
    expect(slowed.cut).toBe(false);
    expect(slowed.runs).toBe(fast.runs);
    expect(JSON.stringify(slowed.scenario)).toBe(JSON.stringify(fast.scenario));
  });

  test('a time budget tiny against the runs\' cost cuts the minimization short, and the result says so', async () => {
    const keep = await keepOf(scenario);
    const full = await minimizeOnTarget(faulty, scenario, slow(0), keep, runBudget(200));
    const cut = await minimizeOnTarget(faulty, scenario, slow(200), keep, { maxRuns: 200, timeMs: 1000 });
    expect(cut.cut).toBe(true);
    expect(cut.runs).toBeLessThan(full.runs);
    expect(cut.after).toBeGreaterThan(full.after);
  });

  test('the run budget decides first: a budget smaller than the minimization needs stops it, uncut', async () => {
    const keep = await keepOf(scenario);
    const few = await minimizeOnTarget(faulty, scenario, slow(200), keep, runBudget(5));
    expect(few.cut).toBe(false);
    expect(few.runs).toBe(5);
  });
});

describe('the budget options', () => {
  test('runBudget: N runs under a cap of CAP_MS_PER_RUN a run, at least CAP_MIN_MS', () => {
    expect(runBudget(1000)).toEqual({ maxRuns: 1000, timeMs: 1000 * CAP_MS_PER_RUN });
    expect(runBudget(10)).toEqual({ maxRuns: 10, timeMs: CAP_MIN_MS });
    expect(runBudget(10, 5000)).toEqual({ maxRuns: 10, timeMs: 5000 });
  });

  test('gicdiff fuzz --minimize-runs / --minimize-time', () => {
    expect(minimizeBudget(undefined, undefined)).toBeUndefined();
    expect(minimizeBudget(600, undefined)).toEqual(runBudget(600));
    expect(minimizeBudget(600, 30_000)).toEqual({ maxRuns: 600, timeMs: 30_000 });
    expect(minimizeBudget(undefined, 30_000)).toEqual({ maxRuns: DEFAULT_CAMPAIGN_MINIMIZE.maxRuns, timeMs: 30_000 });
    expect(() => minimizeBudget(0, undefined)).toThrow(/--minimize-runs takes a positive integer/);
  });
});

describe('a campaign minimizing by runs (fake target, real worker threads)', () => {
  const ROOT = path.resolve(__dirname, '../..');
  const opts = (plugin: string, minimize: CampaignOptions['minimize']): CampaignOptions => ({
    target: 'fake', seed: 's1', out: mkdtempSync(path.join(tmpdir(), 'gicdiff-minruns-')), profile: 'full', workers: 1,
    shard: { index: 0, count: 1 }, resume: false, weights: loadWeightsFile(path.join(ROOT, 'test/fuzz/fake-weights.json')),
    expectations: { format: 'gicdiff/expectations@1', target: 'fake', entries: [] }, plugin: path.join(ROOT, plugin),
    status: { write: () => {} }, handleSignals: false, mutationRate: 0, intervalMs: 200, iterations: 40, ...(minimize ? { minimize } : {}),
  });

  test('the same minimized finding on a fast target and on one that sleeps 2 ms a scenario; a 1 ms time budget is cut and says so', async () => {
    const fast = await runCampaign(opts('test/fuzz/fake-plugin.ts', runBudget(400)));
    const slowed = await runCampaign(opts('test/fuzz/fake-slow-plugin.ts', runBudget(400)));
    expect(fast.findings.length).toBe(1);
    const [f] = fast.findings;
    const [s] = slowed.findings;
    expect(f!.minimizedOps).toBeGreaterThan(0);
    expect(s!.signature).toBe(f!.signature);
    expect(s!.minimizedOps).toBe(f!.minimizedOps);
    expect(f!.minimizeCut).toBeUndefined();
    expect(s!.minimizeCut).toBeUndefined();
    // every candidate run sleeps at least 2 ms: past a 1 ms budget after the first one
    const cut = await runCampaign(opts('test/fuzz/fake-slow-plugin.ts', { maxRuns: 400, timeMs: 1 }));
    expect(cut.findings[0]!.signature).toBe(f!.signature);
    expect(cut.findings[0]!.minimizeCut).toBe(true);
  }, 120_000);
});
