// Every scenario is bounded, the oracle included: a scenario whose ITS queue made one op cost the
// oracle 22 s and 2.5 GB (generated from seed long1:16427 by gen@7) now ends early with an
// inconclusive verdict, the same on every run; and the time limit reaches inside the oracle's op.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { problemOf } from '../../triage/signature.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import type { Scenario } from '../../spec/scenario.js';

const SLOW = path.resolve(__dirname, '../fixtures/slow/oracle-one-op-22s.json');
const expanded = expandScenario(JSON.parse(readFileSync(SLOW, 'utf8')) as Scenario);
const kvm = getTarget('kvm')!;

test('the slow scenario ends on the oracle work bound: an inconclusive finding at a fixed op, in bounded memory', async () => {
  const before = process.memoryUsage().rss;
  const outcome = await runScenario(kvm, expanded, { stepBudget: 100_000, timeoutMs: 120_000 });
  expect(outcome.oracleError).toMatchObject({ bound: true, opIndex: 138 });
  expect(outcome.oracleError!.message).toMatch(/^OracleWorkLimitError: op 138 .*: more than 1000000 candidate-steps in one op$/);
  const problem = problemOf('kvm', expanded, outcome)!;
  expect(problem.signature).toBe('kvm:its.cmd INVALL+SYNC:oracle-bound:none');
  expect(classifyOutcome(modelOracle, 'kvm', expanded, outcome, targetQuirks('kvm'))!.classification).toBe('inconclusive');
  // it took 2.5 GB unbounded; the candidate caps keep it to a few hundred MB
  expect(process.memoryUsage().rss - before).toBeLessThan(1.2e9);
}, 120000);

test('a time limit that passes inside an op of the oracle ends the trace as step-budget at that op', async () => {
  const outcome = await runScenario(kvm, expanded, { stepBudget: 100_000, timeoutMs: 300 });
  expect(outcome.trace.status).toBe('step-budget');
  expect(outcome.trace.error!.message).toMatch(/time limit of 300 ms exceeded/);
  expect(outcome.trace.results.length).toBe(outcome.trace.error!.opIndex);
  expect(outcome.oracleError).toBeUndefined();
}, 60000);
