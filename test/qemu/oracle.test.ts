// End to end: QEMU's traces of the guest-only examples and hand-written scenarios, checked by the
// reference model's oracle through the fuzzer's runner (fuzz/runner.ts), agree with the
// architecture.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { runScenario } from '../../triage/runner.js';
import { qemuTarget } from '../../targets/qemu/target.js';
import { closeQemuPool } from '../../targets/qemu/pool.js';
import { EXAMPLES_DIR } from '../examples-dir.js';

afterAll(() => closeQemuPool());

const run = qemuTarget.unavailable() ? test.skip : test;
const files = [
  `${EXAMPLES_DIR}/sgi-priority.json`,
  `${EXAMPLES_DIR}/its-int-basic.json`,
  ...['its-int-ack', 'sgi-broadcast', 'typer', 'creation-state', 'wfi-wake-latched'].map((n) => path.join(__dirname, 'scenarios', `${n}.json`)),
];

for (const file of files) {
  run(`oracle accepts QEMU's trace of ${path.basename(file)}`, async () => {
    const s = expandScenario(validateScenarioJson(JSON.parse(readFileSync(file, 'utf8')), file));
    const out = await runScenario(qemuTarget, s, { timeoutMs: 20_000 });
    expect(out.unsupported).toBeUndefined();
    expect(out.oracleError).toBeUndefined();
    expect(out.trace.status).toBe('complete');
    expect(out.expectationFailures).toEqual([]);
    expect(out.verdict?.ok === true ? 'ok' : JSON.stringify(out.verdict)).toBe('ok');
  });
}
