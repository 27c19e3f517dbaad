// `run` and `repro` bound a scenario like a campaign does: --timeout ends a scenario whose oracle
// work runs away (the fixture made one op cost the model 22 s before the oracle's bounds) with an
// inconclusive result and exit 1, never "ok" and never a hang.
import path from 'node:path';
import { cli } from '../../cli/main.js';
import { captureOutput } from '../reports/capture-output.js';

const SLOW = path.resolve(__dirname, '../fixtures/slow/oracle-one-op-22s.json');
const output = captureOutput();

test('run --timeout: the oracle gave up, an inconclusive verdict and exit 1', async () => {
  const code = await cli(['run', SLOW, '--target', 'kvm', '--timeout', '200ms', '-q']);
  const text = output.out.join('');
  expect(text).toMatch(/oracle: inconclusive: gave up at op \d+ \(time limit of 200 ms/);
  expect(text).toMatch(/says nothing about the target/);
  expect(code).toBe(1);
}, 60000);

test('repro --timeout: the same scenario is classified inconclusive, exit 1', async () => {
  const code = await cli(['repro', SLOW, '--target', 'kvm', '--timeout', '200ms', '-q']);
  const text = output.out.join('');
  expect(text).toMatch(/^the reference model gave up at op \d+: time limit of 200 ms/m);
  expect(text).toMatch(/^inconclusive: says nothing about the target$/m);
  expect(code).toBe(1);
}, 60000);
