// kvm-linux.active-interrupts-fill-lrs: on Linux 6.12 and 6.1 active interrupts take a vCPU's list
// registers first, and the nested host has 4: with 4 interrupts acknowledged by preemption a fifth,
// pending, reads 1023 from ICC_HPPIR1_EL1. The scenario is the minimized finding of the 6.12
// campaign (seed kl1); the real kernel returned 1023 for the last read.
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';

const sgiPrio = (intid: number, prio: number) => [
  { op: 'mmio.write', cpu: 4, frame: 'gicr-sgi', offset: 0x400 + intid, width: 8, value: `0x${prio.toString(16)}`, index: 4 },
  { op: 'mmio.write', cpu: 4, frame: 'gicr-sgi', offset: 0x100, width: 32, value: `0x${(1 << intid).toString(16)}`, index: 4 },
];
const sgiToCpu4 = (from: number, intid: number) => ({ op: 'sysreg.write', cpu: from, reg: 'ICC_SGI1R_EL1', value: `0x${((intid << 24) | 0x10).toString(16)}` });
const ack = { op: 'sysreg.read', cpu: 4, reg: 'ICC_IAR1_EL1' };

/** SGIs acknowledged one inside the other on vCPU 4 (each preempts the last), then SGI 5 pending */
function scenario(nested: number[]): Scenario {
  return {
    format: 'gicdiff/scenario@1', name: `fill-lrs-${nested.length}`,
    config: { vcpus: 8, spis: 64, its: 1, impl: { lrs: 4, gicv4: 'off', pcpus: 4 } },
    ops: [
      { op: 'boot' }, ...sgiPrio(2, 0xa0), ...sgiPrio(4, 0x58), ...sgiPrio(6, 0x40),
      ...nested.flatMap((i) => [sgiToCpu4(i === 2 ? 6 : 4, i), ack]),
      sgiToCpu4(4, 5), { op: 'sysreg.read', cpu: 4, reg: 'ICC_HPPIR1_EL1' },
    ],
  } as unknown as Scenario;
}

async function withLastRead(s: ReturnType<typeof expandScenario>, value: string): Promise<Trace> {
  const t = (await runScenario(getTarget('model')!, s)).trace;
  expect(t.results[t.results.length - 1]).toBe('0x5'); // the architecture: SGI 5 is the HPPI
  return { ...t, target: 'kvm-linux', results: [...t.results.slice(0, -1), value] };
}

test('four active interrupts: HPPIR 1023 is rejected by the architecture, explained by the kvm-linux quirks only', async () => {
  const s = expandScenario(scenario([2, 4, 6, 8]));
  const t = await withLastRead(s, '0x3ff');
  expect(modelOracle.checkTrace(s, t).ok).toBe(false);
  const v = modelOracle.checkTrace(s, t, { quirks: targetQuirks('kvm-linux') });
  expect(v).toMatchObject({ ok: true });
  expect(modelOracle.checkTrace(s, t, { quirks: targetQuirks('kvm') }).ok).toBe(false);
});

test('three active interrupts leave a list register: HPPIR 1023 stays a divergence with the quirks', async () => {
  const s = expandScenario(scenario([2, 4, 6]));
  const t = await withLastRead(s, '0x3ff');
  expect(modelOracle.checkTrace(s, t, { quirks: targetQuirks('kvm-linux') }).ok).toBe(false);
});
