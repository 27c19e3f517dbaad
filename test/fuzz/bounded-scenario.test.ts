// Every scenario is bounded, the oracle included: a scenario whose ITS queue made one op cost the
// oracle 22 s and 2.5 GB (generated from seed long1:16427 by gen@7) now ends early with an
// inconclusive verdict, the same on every run; and the time limit reaches inside the oracle's op
// (time spent there is the model's, so that end is inconclusive too).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { runLockstep } from '../../triage/lockstep.js';
import { problemOf } from '../../triage/signature.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { createOracle } from '../../model/oracle.js';
import type { ResolvedConfig, Scenario } from '../../spec/scenario.js';

const SLOW = path.resolve(__dirname, '../fixtures/slow/oracle-one-op-22s.json');
// Its op 93 is an MSI to 0x808ed24, inside the ITS frame but not GITS_TRANSLATER, which the strict
// oracle answers -EINVAL (rule kvm.msi.frame-address; KVM takes it as the doorbell, quirk
// kvm.msi-anywhere-in-its-frame): sent to GITS_TRANSLATER instead, the lockstep run reaches op 138.
const slow = JSON.parse(readFileSync(SLOW, 'utf8')) as Scenario;
slow.ops = slow.ops.map((o) => ('address' in o && o.op === 'kvm.signal_msi' && o.address === '0x808ed24' ? { ...o, address: '0x8090040' } : o));
const expanded = expandScenario(slow);
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

test('a time limit that passes while the oracle works: an inconclusive end', async () => {
  const outcome = await runScenario(kvm, expanded, { stepBudget: 100_000, timeoutMs: 300 });
  expect(outcome.timedOut).toBe(true);
  // the oracle took the time (oracle-bound); on a loaded machine the target's share may pass half
  // of it (step-budget): inconclusive either way, never new
  if (outcome.trace.status === 'complete') {
    expect(outcome.oracleError).toMatchObject({ bound: true });
    expect(outcome.oracleError!.message).toMatch(/time limit of 300 ms/);
  } else expect(outcome.trace.status).toBe('step-budget');
  expect(classifyOutcome(modelOracle, 'kvm', expanded, outcome, targetQuirks('kvm'))!.classification).toBe('inconclusive');
}, 60000);

test('the time limit reaches inside an op of the oracle: the time went to the model, an inconclusive end', async () => {
  // a deadline already passed: the oracle notices at its first clock look inside an op (every
  // 64 candidate-steps), which op 50 is the first to reach; the ops before are too short
  const late = { ...modelOracle, create: (config: ResolvedConfig) => createOracle(config, { deadline: 0 }) };
  const outcome = await runLockstep(kvm, expanded, { stepBudget: 100_000, timeoutMs: 60_000 }, late);
  expect(outcome.oracleError).toMatchObject({ bound: true, opIndex: 50 });
  expect(outcome.oracleError!.message).toMatch(/^time limit of 60000 ms: OracleDeadlineError: op 50 .*time limit exceeded inside the oracle$/);
  expect(outcome.trace.results.length).toBe(51);
  const problem = problemOf('kvm', expanded, outcome)!;
  expect(problem.signature).toBe('kvm:mmio.write GITS_CTLR:oracle-bound:none');
  expect(classifyOutcome(modelOracle, 'kvm', expanded, outcome, targetQuirks('kvm'))!.classification).toBe('inconclusive');
}, 60000);
