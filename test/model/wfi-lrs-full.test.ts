// kvm-linux.active-interrupts-fill-lrs at a WFI: on Linux 6.12 (seen on 6.12.118 with the scenario
// below) four SGIs acknowledged and priority-dropped with EOImode 1 stay active in the nested host's
// four list registers, so a fifth pending SGI never reaches one: the virtual CPU interface signals
// nothing (ISR_EL1 0) and the vCPU stays asleep, where the architecture has the PE woken (the SGI
// can be taken: the running priority is idle). The RPR finding of the kvm-linux campaign kg2 came
// from such a WFI: without this the model could only explain it by EOIs that dropped no priority.
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Op, Scenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';

const sgi = (n: number): Op => ({ op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x' + ((n << 24) | 1).toString(16) });
const takeAndDrop = (n: number): Op[] => [sgi(n), { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x' + n.toString(16) },
  { op: 'sysreg.write', cpu: 0, reg: 'ICC_EOIR1_EL1', value: '0x' + n.toString(16) }];
/** `active` SGIs acknowledged and priority-dropped (EOImode 1), then SGI 5 pending and a WFI. */
function withActive(active: number): ReturnType<typeof expandScenario> {
  return expandScenario({
    format: 'gicdiff/scenario@1', name: `wfi-lrs-${active}`, config: { vcpus: 1, spis: 32, its: 0 },
    ops: [{ op: 'boot', eoiMode: 1 }, { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x100, width: 32, value: '0x3e' },
      ...[1, 2, 3, 4].slice(0, active).flatMap(takeAndDrop), { op: 'vcpu.exit', cpu: 0 }, sgi(5),
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_RPR_EL1', expect: '0xff' }, { op: 'wfi', cpu: 0 }],
  } as Scenario);
}
const scenario = withActive(4);
const wfi = scenario.ops.length - 1;

async function realKernelTrace(): Promise<Trace> {
  const t = (await runScenario(getTarget('model')!, scenario)).trace;
  expect(t.results[wfi]).toBe('woken');
  return { ...t, target: 'kvm-linux', results: t.results.map((r, i) => (i === wfi ? 'asleep' : r)) };
}

test('the architecture wakes the PE: 6.12\'s asleep is rejected, and kvm quirks do not explain it', async () => {
  const t = await realKernelTrace();
  const v = modelOracle.checkTrace(scenario, t);
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.divergence.opIndex).toBe(wfi);
  expect(modelOracle.checkTrace(scenario, t, { quirks: targetQuirks('kvm') }).ok).toBe(false);
});

test('kvm-linux quirks explain it, naming active-interrupts-fill-lrs', async () => {
  const v = modelOracle.checkTrace(scenario, await realKernelTrace(), { quirks: targetQuirks('kvm-linux') });
  expect(v).toMatchObject({ ok: true });
  if (v.ok) expect(v.quirks).toContain('kvm-linux.active-interrupts-fill-lrs');
});

test('with three active SGIs a pending one still wakes the vCPU, quirks or not', async () => {
  const three = withActive(3);
  const t = (await runScenario(getTarget('model')!, three)).trace;
  const last = three.ops.length - 1;
  expect(t.results[last]).toBe('woken');
  const asleep = { ...t, results: t.results.map((r, i) => (i === last ? 'asleep' : r)) };
  expect(modelOracle.checkTrace(three, asleep, { quirks: targetQuirks('kvm-linux') }).ok).toBe(false);
});

// After such a WFI, on 6.12.118 (this scenario, run with gicdiff run --target kvm-linux): vCPU 0
// sleeps on through a read of its ISR_EL1 and through a write by vCPU 1 after which the target
// looks for its wake-up again, since the list registers stay full; vCPU 1 deactivating SGI 1
// (GICR_ICACTIVER0 of redistributor 0) frees one, and the next check wakes vCPU 0: ISR_EL1.I set, SGI 5 acknowledged.
function probe(): ReturnType<typeof expandScenario> {
  return expandScenario({
    format: 'gicdiff/scenario@1', name: 'wfi-lrs-full-after', config: { vcpus: 2, spis: 32, its: 0 },
    ops: [{ op: 'boot', eoiMode: 1 }, { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x100, width: 32, value: '0x3e' },
      ...[1, 2, 3, 4].flatMap(takeAndDrop), { op: 'vcpu.exit', cpu: 0 }, sgi(5), { op: 'sysreg.read', cpu: 0, reg: 'ICC_RPR_EL1' }, { op: 'wfi', cpu: 0 },
      { op: 'sysreg.read', cpu: 0, reg: 'ISR_EL1' },
      { op: 'mmio.write', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x100, width: 32, value: '0x1' },
      { op: 'sysreg.read', cpu: 0, reg: 'ISR_EL1' },
      { op: 'mmio.write', cpu: 1, frame: 'gicr-sgi', index: 0, offset: 0x380, width: 32, value: '0x2' },
      { op: 'sysreg.read', cpu: 0, reg: 'ISR_EL1' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' }],
  } as Scenario);
}

async function probeTraces() {
  const s = probe();
  const n = s.ops.length;
  const [wfiAt, isrAsleep, , isrStill, , isrWoken, iar] = Array.from({ length: 7 }, (_, i) => n - 7 + i);
  const t = (await runScenario(getTarget('model')!, s)).trace;
  expect([t.results[wfiAt!], t.results[isrWoken!], t.results[iar!]]).toEqual(['woken', '0x80', '0x5']);
  // what 6.12.118 returned
  const real = { ...t, target: 'kvm-linux', results: t.results.map((r, i) => (i === wfiAt || i === isrAsleep || i === isrStill ? 'asleep' : r)) };
  return { s, real, isrWoken: isrWoken!, wfiAt: wfiAt! };
}

test('after the WFI the vCPU sleeps on while active interrupts fill the list registers: explained by the quirk, rejected without it', async () => {
  const { s, real, wfiAt } = await probeTraces();
  const strict = modelOracle.checkTrace(s, real);
  expect(strict.ok ? -1 : strict.divergence.opIndex).toBe(wfiAt);
  const v = modelOracle.checkTrace(s, real, { quirks: targetQuirks('kvm-linux') });
  expect(v).toMatchObject({ ok: true });
  if (v.ok) expect(v.quirks).toEqual(['kvm-linux.active-interrupts-fill-lrs']);
});

test('the quirk does not let the vCPU sleep past a wake-up check that found a list register free', async () => {
  const { s, real, isrWoken } = await probeTraces();
  const tooLong = { ...real, results: real.results.map((r, i) => (i === isrWoken ? 'asleep' : r)) };
  const v = modelOracle.checkTrace(s, tooLong, { quirks: targetQuirks('kvm-linux') });
  expect(v.ok ? -1 : v.divergence.opIndex).toBe(isrWoken);
});
