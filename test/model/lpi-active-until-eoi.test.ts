// kvm-linux.lpi-active-until-eoi: on Linux 6.12 and 6.1 an LPI made pending again while it is
// acknowledged reads 1023 from ICC_HPPIR1_EL1 until its EOI (vgic_v3_fold_lr_state keeps the list
// register's active bit for LPIs). The trace below is what the real 6.12.118 kernel returned for
// spec/conformance/lpi/no-active-state.json: the architecture rejects it, the kvm-linux quirks
// explain it, kvm's (impl/ follows Linux 6.19, which drops the LPI's active state) do not.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';

const file = path.join(__dirname, '../../spec/conformance/lpi/no-active-state.json');
const scenario = expandScenario(JSON.parse(readFileSync(file, 'utf8')) as Scenario);
const hppir = scenario.ops.findIndex((o) => o.op === 'sysreg.read' && o.reg === 'ICC_HPPIR1_EL1');

async function realKernelTrace(): Promise<Trace> {
  const t = (await runScenario(getTarget('model')!, scenario)).trace;
  // what 6.12 returned: every result as the architecture has it but the HPPIR read
  expect(t.results[hppir]).toBe('0x2000');
  return { ...t, target: 'kvm-linux', results: t.results.map((r, i) => (i === hppir ? '0x3ff' : r)) };
}

test('the architecture rejects HPPIR 1023 for the LPI pending again while acknowledged', async () => {
  const v = modelOracle.checkTrace(scenario, await realKernelTrace());
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.divergence.opIndex).toBe(hppir);
});

test('kvm-linux (6.12, 6.1) quirks explain it, naming lpi-active-until-eoi', async () => {
  const quirks = targetQuirks('kvm-linux');
  expect(quirks.has('kvm-linux.lpi-active-until-eoi')).toBe(true);
  const v = modelOracle.checkTrace(scenario, await realKernelTrace(), { quirks });
  expect(v).toMatchObject({ ok: true });
  expect(targetQuirks('kvm-linux-6.1').has('kvm-linux.lpi-active-until-eoi')).toBe(true);
});

test('kvm quirks do not (impl/ follows Linux 6.19: the LPI is signalled again), and kvm passes', async () => {
  const v = modelOracle.checkTrace(scenario, await realKernelTrace(), { quirks: targetQuirks('kvm') });
  expect(v.ok).toBe(false);
  const onKvm = await runScenario(getTarget('kvm')!, scenario);
  expect(onKvm.verdict).toMatchObject({ ok: true });
  expect(onKvm.trace.results[hppir]).toBe('0x2000');
});

test('the EOI ends the quirk: an LPI still not taken after it is rejected even with the quirks', async () => {
  const t = await realKernelTrace();
  const eoi = scenario.ops.findIndex((o, i) => i > hppir && o.op === 'sysreg.write' && o.reg === 'ICC_EOIR1_EL1');
  expect(t.results[eoi + 1]).toBe('0x2000');
  const stuck = { ...t, results: t.results.map((r, i) => (i === eoi + 1 ? '0x3ff' : r)) };
  const v = modelOracle.checkTrace(scenario, stuck, { quirks: targetQuirks('kvm-linux') });
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.divergence.opIndex).toBe(eoi + 1);
});
