// `run` and `repro` bound a scenario like a campaign does: --timeout ends a scenario whose oracle
// work runs away (the fixture made one op cost the model 22 s before the oracle's bounds) with an
// inconclusive result and exit 1, never "ok" and never a hang. Whether the time limit is blamed
// on the oracle or (on a loaded machine) on the target, the end is inconclusive.
import path from 'node:path';
import { cli } from '../../cli/main.js';
import { captureOutput } from '../reports/capture-output.js';

const SLOW = path.resolve(__dirname, '../fixtures/slow/oracle-one-op-22s.json');
const output = captureOutput();

test('run --timeout: the scenario stops at the time limit, not a pass, exit 1', async () => {
  const code = await cli(['run', SLOW, '--target', 'kvm', '--timeout', '200ms', '-q']);
  const text = output.out.join('');
  expect(text).toMatch(/time limit of 200 ms/);
  expect(text).toMatch(/oracle: inconclusive: gave up at op \d+|target stopped: step-budget/);
  expect(text).not.toMatch(/oracle: ok/);
  expect(code).toBe(1);
}, 60000);

test('repro --timeout: the same scenario is classified inconclusive, exit 1', async () => {
  const code = await cli(['repro', SLOW, '--target', 'kvm', '--timeout', '200ms']);
  const text = output.out.join('');
  expect(text).toMatch(/time limit of 200 ms/);
  expect(text).toMatch(/^inconclusive: /m);
  expect(code).toBe(1);
}, 60000);
