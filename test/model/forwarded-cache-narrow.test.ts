// Quirk kvm.forwarded-translation-cached holds only while the translation cached when the event was
// forwarded stays in KVM's cache: KVM never caches a vLPI's translation again
// (vgic_its_cache_translation skips irq->hw), so after an invalidation (here a MOVI) two MSIs to the
// forwarded event both set the vLPI and coalesce. The same trace with the LPI taken twice is what a
// KVM caching vLPIs would show (selftest fault cache-caches-vlpi): no quirk may explain it.
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { forwardedLpiSetup, rejectedAt } from './helpers.js';

const MSI = { op: 'kvm.signal_msi', address: '0x8090040', data: 3, devid: 1, flags: 1 } as const;

function scenario(invalidate: boolean): Scenario {
  return {
    format: 'gicdiff/scenario@1',
    name: 'forwarded-cache-narrow',
    config: { vcpus: 2, spis: 32, its: 1, impl: { lrs: 4, gicv4: '4.1', pcpus: 2 } },
    ops: [
      ...forwardedLpiSetup([{ collection: 1, target: 1 }]),
      ...(invalidate ? [{ op: 'its.cmd', cpu: 0, its: 0, cmds: [{ cmd: 'MOVI', device: 1, event: 3, collection: 1 }, { cmd: 'SYNC', target: 1 }] }] : []),
      { op: 'device.fire', hostIrq: 100 },
      MSI,
      { op: 'sysreg.read', cpu: invalidate ? 1 : 0, reg: 'ICC_IAR1_EL1' },
      { op: 'sysreg.write', cpu: invalidate ? 1 : 0, reg: 'ICC_EOIR1_EL1', value: '0x2000' },
      { op: 'sysreg.read', cpu: invalidate ? 1 : 0, reg: 'ICC_IAR1_EL1' },
    ],
  } as Scenario;
}

test('with the translation cached at forwarding, KVM takes the LPI twice: known by the quirk', async () => {
  const e = expandScenario(scenario(false));
  const out = await runScenario(getTarget('kvm')!, e);
  expect(out.trace.results.slice(-3)).toEqual(['0x2000', null, '0x2000']);
  const c = classifyOutcome(modelOracle, 'kvm', e, out, targetQuirks('kvm'));
  expect(c?.classification).toBe('known');
  expect(c?.quirks).toContain('kvm.forwarded-translation-cached');
});

test('after a MOVI invalidated the cache, KVM takes it once; taking it twice is explained by no quirk', async () => {
  const s = scenario(true);
  const e = expandScenario(s);
  const out = await runScenario(getTarget('kvm')!, e);
  expect(out.verdict?.ok).toBe(true);
  expect(out.trace.results.slice(-3)).toEqual(['0x2000', null, '0x3ff']);
  const twice = out.trace.results.slice();
  twice[twice.length - 1] = '0x2000';
  expect(rejectedAt(e, twice, { quirks: targetQuirks('kvm') })).toBe(e.ops.length - 1);
});
