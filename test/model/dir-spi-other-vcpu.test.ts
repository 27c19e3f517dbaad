// ICC_DIR_EL1 on one vCPU for an SPI another vCPU acknowledged (spec/conformance/cpuif/dir-spi-other-vcpu.json).
// Before the acknowledging vCPU's priority drop the DIR is UNPREDICTABLE (choice.u11.dir-not-active):
// the kvm-linux campaign kg2 minimized finding, where 6.12 leaves the SPI active, is allowed. After
// the priority drop the DIR deactivates it; Linux 6.12 and 6.1 leave it active
// (kvm-linux.dir-of-spi-active-elsewhere-ignored), Linux 6.19 (impl/, the kvm target) does not.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';

const file = path.join(__dirname, '../../spec/conformance/cpuif/dir-spi-other-vcpu.json');
const scenario = expandScenario(JSON.parse(readFileSync(file, 'utf8')) as Scenario);
const isactiver = scenario.ops.flatMap((o, i) => (o.op === 'mmio.read' && o.offset === 0x304 ? [i] : []));
const [beforeDrop, afterEoi, afterDrop] = isactiver as [number, number, number];

/** The model's trace with some results replaced by what the real kernel returned. */
async function traceWith(results: Record<number, string>): Promise<Trace> {
  const t = (await runScenario(getTarget('model')!, scenario)).trace;
  return { ...t, target: 'kvm-linux', results: t.results.map((r, i) => results[i] ?? r) };
}

test('the scenario has its three GICD_ISACTIVER reads', () => {
  expect(isactiver).toHaveLength(3);
});

test('a DIR on another vCPU before the priority drop may leave the SPI active (choice.u11.dir-not-active)', async () => {
  const v = modelOracle.checkTrace(scenario, await traceWith({ [beforeDrop]: '0x10' }));
  expect(v).toMatchObject({ ok: true });
});

test('the acknowledging vCPU\'s EOI (EOImode 0) deactivates it whatever the DIR did', async () => {
  const v = modelOracle.checkTrace(scenario, await traceWith({ [beforeDrop]: '0x10', [afterEoi]: '0x10' }), { quirks: targetQuirks('kvm-linux') });
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.divergence.opIndex).toBe(afterEoi);
});

test('after the priority drop the DIR deactivates it: the architecture rejects 6.12\'s active SPI, kvm-linux\'s quirk explains it', async () => {
  const t = await traceWith({ [afterDrop]: '0x20' });
  const strict = modelOracle.checkTrace(scenario, t);
  expect(strict.ok).toBe(false);
  if (!strict.ok) expect(strict.divergence.opIndex).toBe(afterDrop);
  for (const target of ['kvm-linux', 'kvm-linux-6.1']) {
    const quirks = targetQuirks(target);
    expect(quirks.has('kvm-linux.dir-of-spi-active-elsewhere-ignored')).toBe(true);
    expect(modelOracle.checkTrace(scenario, t, { quirks })).toMatchObject({ ok: true, quirks: ['kvm-linux.dir-of-spi-active-elsewhere-ignored'] });
  }
  expect(modelOracle.checkTrace(scenario, t, { quirks: targetQuirks('kvm') }).ok).toBe(false);
});

test('kvm (impl/ follows Linux 6.19: the DIR is trapped and deactivates the SPI) passes', async () => {
  const r = await runScenario(getTarget('kvm')!, scenario);
  expect(r.verdict).toMatchObject({ ok: true });
  expect(r.trace.results[afterDrop]).toBe('0x0');
});

// The kvm-linux campaign kl30 findings, minimized on 6.12.118: vCPU 1 makes SPI 33 (routed to
// vCPU 0) active through GICD_ISACTIVER1, maybe routes it to vCPU 2 (GICD_IROUTER: the recorded
// 109-op scenario), and a vCPU (EOImode 1) writes its DIR; GICD_ISACTIVER1 still reads it active on
// 6.12: KVM queued it on vCPU 0 (vgic_mmio_change_active) and keeps an active interrupt on the
// ap_list it was queued to (vgic_target_oracle), out of the DIR's reach unless that vCPU writes it.
function activatedThenDir(dirCpu: number, reroute: boolean) {
  return expandScenario({
    format: 'gicdiff/scenario@1', name: `dir-activated-spi-${dirCpu}${reroute ? '-rerouted' : ''}`, config: { vcpus: 3, spis: 32, its: 0 },
    ops: [{ op: 'mmio.write', cpu: 1, frame: 'gicd', offset: 0x304, width: 32, value: '0x2' },
      ...(reroute ? [{ op: 'mmio.write', cpu: 1, frame: 'gicd', offset: 0x6108, width: 64, value: '0x2' }] : []),
      { op: 'sysreg.write', cpu: dirCpu, reg: 'ICC_CTLR_EL1', value: '0x2' },
      { op: 'sysreg.write', cpu: dirCpu, reg: 'ICC_DIR_EL1', value: '0x21' },
      { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0x304, width: 32 }],
  } as Scenario);
}

test.each([[2, false, true], [0, false, false], [2, true, true], [0, true, false]])('an SPI made active by a register write, DIR on vCPU %i (rerouted to vCPU 2: %s): 6.12\'s "still active" explained by the quirk: %s', async (dirCpu, reroute, explained) => {
  const s = activatedThenDir(dirCpu as number, reroute as boolean);
  const t = (await runScenario(getTarget('model')!, s)).trace;
  const last = t.results.length - 1;
  expect(t.results[last]).toBe('0x0');
  const real = { ...t, target: 'kvm-linux', results: [...t.results.slice(0, last), '0x2'] };
  expect(modelOracle.checkTrace(s, real).ok).toBe(false);
  const v = modelOracle.checkTrace(s, real, { quirks: targetQuirks('kvm-linux') });
  expect(v.ok).toBe(explained);
  if (v.ok) expect(v.quirks).toEqual(['kvm-linux.dir-of-spi-active-elsewhere-ignored']);
});
