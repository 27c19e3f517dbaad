// spec/conformance/redistributor/lpis-off-table-keeps-saved-bit.json: LPIs 8192 and 8193 pending at
// RD0, SAVE_PENDING_TABLES between their INTs (it writes 8192's bit only), then EnableLPIs cleared.
// 'preserved' (choice.u24.pending-across-toggle) writes both bits; KVM's 'lost' writes none and
// leaves the saved bit: 6.12.118 and 6.1.192 read 01 (kvm-linux campaign kl30, mem.read finding,
// minimized to this). The 'lost' reading used to clear every pending LPI's bit, and rejected it.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';

const file = path.join(__dirname, '../../spec/conformance/redistributor/lpis-off-table-keeps-saved-bit.json');
const scenario = expandScenario(JSON.parse(readFileSync(file, 'utf8')) as Scenario);
const last = scenario.ops.length - 1;

test('the table read is the last op', () => {
  expect(scenario.ops[last]).toMatchObject({ op: 'mem.read', addr: '0x40200400', len: 1 });
});

test.each([
  ['03', 'ok'], // preserved: both pending LPIs written back
  ['01', 'unconfirmed'], // lost: the saved bit stays (the real kernels)
  ['00', 'unconfirmed'], // lost: a bit KVM consumed when it created the LPI from the table
  ['02', 'divergent'], // 8193's bit was never written: nothing sets it
])('table byte %s: %s', async (byte, want) => {
  const t = (await runScenario(getTarget('model')!, scenario)).trace;
  const v = modelOracle.checkTrace(scenario, { ...t, results: [...t.results.slice(0, last), byte] });
  const got = !v.ok ? 'divergent' : v.unconfirmed !== undefined && v.unconfirmed.length > 0 ? 'unconfirmed' : 'ok';
  expect(got).toBe(want);
});
