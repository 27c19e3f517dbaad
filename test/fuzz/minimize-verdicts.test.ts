// The minimizer and classification: a new finding minimizes to a scenario that is still new with
// the same signature (not to a smaller one a quirk explains); the minimized scenario of a campaign
// finding is classified again (known may become new), unless the wall clock cut the
// minimization (then the finding's classification stands: it must not depend on the machine); and
// a minimization of a known scenario never becomes the minimized form of a newer, new one.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLockstep, type RunOutcome } from '../../triage/lockstep.js';
import { classifyOutcome } from '../../triage/classify.js';
import { minimizeOnTarget } from '../../fuzz/minimize.js';
import { buildFinding, loadFindingOrScenario } from '../../fuzz/finding.js';
import { FindingsStore } from '../../fuzz/campaign/findings-store.js';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario, Scenario } from '../../spec/scenario.js';
import type { Target } from '../../spec/target.js';
import { FAKE_QUIRK, fakeOracle, fakeTarget } from './fake.js';

const quirks = new Set([FAKE_QUIRK]);
// SGI 5 from vCPU 1 is lost (the quirk explains that), and so is SGI 6 (nothing explains it): both
// show at an ICC_IAR1_EL1 read with the same rule, so the same signature
const faulty = fakeTarget({ dropSgi: 5, alsoDropSgi: 6 });
const run = (t: Target, s: ExpandedScenario, o = {}): Promise<RunOutcome> => runLockstep(t, s, o, fakeOracle);
const pmr = { op: 'sysreg.read' as const, cpu: 0, reg: 'ICC_PMR_EL1' as const };
const scenario: Scenario = {
  format: 'gicdiff/scenario@1', name: 'two-lost-sgis', config: { vcpus: 2, its: 0 },
  ops: [
    pmr,
    { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x6000001' },
    pmr,
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    pmr,
    { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
    pmr,
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    pmr,
  ],
};

async function classify(s: Scenario) {
  const e = expandScenario(s);
  const outcome = await run(faulty, e);
  return { e, outcome, c: classifyOutcome(fakeOracle, 'fake', e, outcome, quirks)! };
}

describe('minimizing keeps the classification of a new finding', () => {
  test('a new finding minimizes to a scenario still new with its signature; keeping the signature alone drifts to the known cause', async () => {
    const { c } = await classify(scenario);
    expect(c.classification).toBe('new');
    const keepNew = await minimizeOnTarget(faulty, scenario, run, { signature: c.problem.signature, newWith: { oracles: fakeOracle, quirks } });
    expect(keepNew.cut).toBe(false);
    expect(keepNew.after).toBeLessThan(keepNew.before);
    const again = (await classify(keepNew.scenario)).c;
    expect(again).toMatchObject({ classification: 'new', problem: { signature: c.problem.signature } });
    expect(JSON.stringify(keepNew.scenario.ops)).toContain('0x6000001'); // the unexplained lost SGI stayed
    // the signature alone is kept by the known cause too, and ddmin finds that one
    const drift = await minimizeOnTarget(faulty, scenario, run, { signature: c.problem.signature });
    expect((await classify(drift.scenario)).c).toMatchObject({ classification: 'known', problem: { signature: c.problem.signature } });
  });

  test('a candidate run stopped by its time limit counts as not failing the same way, and marks the result cut', async () => {
    const { c } = await classify(scenario);
    let calls = 0;
    // the third candidate's run reports that the time limit stopped it (whatever the machine)
    const timed = async (t: Target, s: ExpandedScenario, o: object): Promise<RunOutcome> => {
      const out = await run(t, s, o);
      return ++calls === 3 ? { ...out, timedOut: true } : out;
    };
    const m = await minimizeOnTarget(faulty, scenario, timed, { signature: c.problem.signature, newWith: { oracles: fakeOracle, quirks } });
    expect(m.cut).toBe(true);
    expect(m.runs).toBeGreaterThan(3);
    expect((await classify(m.scenario)).c).toMatchObject({ classification: 'new', problem: { signature: c.problem.signature } });
  });
});

describe("a campaign's minimized finding classified again", () => {
  const known: Scenario = { ...scenario, name: 'one-lost-sgi', ops: scenario.ops.slice(4) };
  async function findingOf(s: Scenario) {
    const { e, outcome, c } = await classify(s);
    return buildFinding(s, e, outcome, c, { target: 'fake', seed: s.name });
  }

  test('known becomes new when its minimized form is new; not when the wall clock cut the minimization', async () => {
    const f = await findingOf(known);
    expect(f.classification).toBe('known');
    for (const cut of [false, true]) {
      const out = mkdtempSync(path.join(tmpdir(), 'gicdiff-minverdict-'));
      const store = new FindingsStore(out);
      store.hit(f.signature, f, 'known');
      store.enqueue(f.signature, f);
      expect(store.dequeue()?.finding).toBe(f);
      // a minimized form the quirks do not explain (the lost SGI 6 alone)
      store.minimized(f.signature, { ...scenario, ops: scenario.ops.slice(0, 4) }, 'new', [], cut);
      const rec = store.records.get(f.signature)!;
      const dir = path.join(out, rec.dir);
      expect(rec.classification).toBe(cut ? 'known' : 'new');
      expect(loadFindingOrScenario(path.join(dir, 'finding.json')).finding!.classification).toBe(cut ? 'known' : 'new');
      // a cut form that contradicts the finding is not kept as its minimized form
      expect(existsSync(path.join(dir, 'minimized.json'))).toBe(!cut);
    }
  });

  // undefined: the worker had no classification for it (its run hit the time limit)
  test.each([['known'], [undefined]] as const)('the minimization of a known scenario, finished (classified %s) after a new scenario of the signature came, is not the new one\'s minimized form', async (classification) => {
    const out = mkdtempSync(path.join(tmpdir(), 'gicdiff-minverdict-'));
    const store = new FindingsStore(out);
    const k = await findingOf(known);
    const n = await findingOf(scenario);
    expect(n.signature).toBe(k.signature);
    store.hit(k.signature, k, 'known');
    store.enqueue(k.signature, k);
    expect(store.dequeue()?.finding).toBe(k);
    // the new scenario arrives while the known one is being minimized
    const fresh = store.hit(n.signature, n, 'new');
    expect(fresh).toBe(n);
    store.enqueue(n.signature, fresh!);
    // the known one's minimization ends (a smaller known scenario): dropped, the new one is next
    store.minimized(k.signature, { ...known, ops: known.ops.slice(1, 4) }, classification, [FAKE_QUIRK]);
    const rec = store.records.get(k.signature)!;
    expect(rec.classification).toBe('new');
    expect(rec.minimizedOps).toBeNull();
    expect(existsSync(path.join(out, rec.dir, 'minimized.json'))).toBe(false);
    expect(store.dequeue()?.finding).toBe(n);
    store.minimized(n.signature, { ...scenario, ops: scenario.ops.slice(1, 4) }, 'new', []);
    expect(rec.minimizedOps).toBe(3);
    expect(loadFindingOrScenario(path.join(out, rec.dir, 'finding.json')).finding!.classification).toBe('new');
  });
});
