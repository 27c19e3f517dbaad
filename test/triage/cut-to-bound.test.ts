// The quirk check of triage/classify.ts goes on past the oracle's candidate bound with the
// candidates that took the fewest quirks (model/oracle.ts OracleOptions.cutToBound). That may only
// decide what the bound left inconclusive: never a verdict other than the whole candidate set's.
// Checked on every minimized kvm finding and a few generated scenarios, with bounds small enough
// that the whole set runs past them: the verdict with the cut is the unbounded one (same quirks
// when nothing was cut) or inconclusive, and some are decided that the bound alone left open.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks, type Classified } from '../../triage/classify.js';
import type { OracleFactory, RunOutcome } from '../../triage/lockstep.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { generateScenario } from '../../fuzz/generate.js';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import { checkTrace } from '../../model/oracle.js';

const kvm = getTarget('kvm')!;
const quirks = targetQuirks('kvm');
const DIR = path.join(__dirname, '../../fuzz/findings/kvm-known');

/** The model oracle with candidate bound `bound`, and the quirk check cutting to it or not. */
function bounded(bound: number, cut: boolean): OracleFactory {
  return { ...modelOracle, checkTrace: (s, t, l) => checkTrace(s, t, { ...l, maxCandidates: bound, cutToBound: cut && l?.cutToBound === true }) };
}
const brief = (c: Classified | null): string => c === null ? 'none' : `${c.classification} ${c.problem.opIndex} ${c.quirks.join(',')}`;

interface Case { name: string; scenario: ExpandedScenario; outcome: RunOutcome }
let cases: Case[] = [];

beforeAll(async () => {
  const found = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => ({ name: f, scenario: expandScenario(loadFindingOrScenario(path.join(DIR, f)).scenario) }));
  // generated scenarios: longer, with more choices open at once
  const accept = (op: Parameters<typeof kvm.supports>[0], c: Parameters<typeof kvm.supports>[1]): boolean => kvm.supports(op, c);
  const generated = ['kqfinal7:3', 'kqfinal7:23', 'kqfinal7:27', 'kqfinal7:33'].map((id) => ({ name: id, scenario: expandScenario(generateScenario(id, { accept })) }));
  for (const c of [...found, ...generated]) cases.push({ ...c, outcome: await runScenario(kvm, c.scenario) });
  cases = cases.filter((c) => c.outcome.verdict !== null && !c.outcome.verdict.ok);
}, 120_000);

test('the cut only decides what the bound left open, and never otherwise than the whole set', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40);
  let decidedByCut = 0;
  let cutInconclusive = 0;
  for (const c of cases) {
    const whole = classifyOutcome(modelOracle, 'kvm', c.scenario, c.outcome, quirks);
    expect(whole?.classification).not.toBe('inconclusive');
    for (const bound of [2, 4, 16]) {
      const exhaustive = classifyOutcome(bounded(bound, false), 'kvm', c.scenario, c.outcome, quirks);
      const cut = classifyOutcome(bounded(bound, true), 'kvm', c.scenario, c.outcome, quirks);
      const what = `${c.name} at bound ${bound}: whole ${brief(whole)}, exhaustive ${brief(exhaustive)}, cut ${brief(cut)}`;
      if (exhaustive!.classification !== 'inconclusive') {
        // nothing was cut: the very same verdict, quirks included
        expect(what).toBe(`${c.name} at bound ${bound}: whole ${brief(whole)}, exhaustive ${brief(exhaustive)}, cut ${brief(exhaustive)}`);
        continue;
      }
      if (cut!.classification === 'inconclusive') { cutInconclusive++; continue; }
      // decided by the cut: only an acceptance can be, which the whole set makes too, and the
      // quirks the cut names explain the trace on their own
      expect([what, cut!.classification]).toEqual([what, whole!.classification]);
      expect([what, cut!.withQuirks?.ok]).toEqual([what, true]);
      expect([what, checkTrace(c.scenario, c.outcome.trace, { quirks: new Set(cut!.quirks) }).ok]).toEqual([what, true]);
      decidedByCut++;
    }
  }
  // not vacuous: the small bounds left some open, and the cut decided some of them
  expect(decidedByCut).toBeGreaterThan(0);
  process.stdout.write(`cut-to-bound: ${cases.length} divergent scenarios, ${decidedByCut} decided by the cut, ${cutInconclusive} still inconclusive\n`);
}, 300_000);
