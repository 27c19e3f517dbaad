// Two reaches of KVM the kvm-linux campaign kl30b found on Linux 6.12.118 (spec/conformance/lpi/):
// - active-lpi-across-enable-lpis-clear: an LPI acknowledged (kept active by 6.12:
//   kvm-linux.lpi-active-until-eoi) when its redistributor's EnableLPIs is cleared leaves the
//   ap_list active (vgic_flush_pending_lpis), so its EOI finds no list register and it never ends:
//   made pending again it is not signalled (campaign findings ICC_IAR1_EL1 cpuif.iar1.ack, wfi).
// - invall-other-collection-lpis-off: KVM's INVALL reloads every LPI targeting the collection's vCPU
//   (vgic_its_invall), so kvm.inv-queues-lpi-while-lpis-off reaches an LPI of another collection
//   (campaign finding ICC_IAR1_EL1 cpuif.wfi.asleep-ops).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { targetQuirks } from '../../triage/classify.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { OpResult } from '../../spec/scenario.js';

function load(name: string) {
  return expandScenario(JSON.parse(readFileSync(path.join(__dirname, '../../spec/conformance/lpi', `${name}.json`), 'utf8')) as Scenario);
}
const lastIar = (s: ReturnType<typeof load>) => s.ops.map((o, i) => (o.op === 'sysreg.read' && o.reg === 'ICC_IAR1_EL1' ? i : -1)).filter((i) => i >= 0).pop()!;

describe('an LPI active across its EnableLPIs clear stays active on 6.12', () => {
  const s = load('active-lpi-across-enable-lpis-clear');
  const iar = lastIar(s);
  test('the architecture wants it acknowledged; 1023 (6.12.118) is explained by lpi-active-until-eoi only', async () => {
    const t = (await runScenario(getTarget('model')!, s)).trace;
    expect(t.results[iar]).toBe('0x2000');
    const real = { ...t, target: 'kvm-linux', results: t.results.map((r, i) => (i === iar ? '0x3ff' : r)) };
    expect(modelOracle.checkTrace(s, real).ok).toBe(false);
    expect(modelOracle.checkTrace(s, real, { quirks: targetQuirks('kvm') }).ok).toBe(false);
    const v = modelOracle.checkTrace(s, real, { quirks: targetQuirks('kvm-linux') });
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.quirks).toEqual(['kvm-linux.lpi-active-until-eoi']);
  });
  test('without the EnableLPIs clear the EOI ends the active state: 1023 stays unexplained', async () => {
    // the scenario's own GICR_CTLR ops come after the first acknowledge (the boot's enable before it)
    const firstIar = s.ops.findIndex((o) => o.op === 'sysreg.read' && o.reg === 'ICC_IAR1_EL1');
    const noClear = { ...s, ops: s.ops.filter((o, k) => k < firstIar || !((o.op === 'mmio.write' || o.op === 'mmio.read') && o.frame === 'gicr' && o.offset === 0)) };
    expect(s.ops.length - noClear.ops.length).toBe(3);
    const i = lastIar(noClear);
    const t = (await runScenario(getTarget('model')!, noClear)).trace;
    const real = { ...t, target: 'kvm-linux', results: t.results.map((r, k) => (k === i ? '0x3ff' : r)) };
    expect(modelOracle.checkTrace(noClear, real, { quirks: targetQuirks('kvm-linux') }).ok).toBe(false);
  });
});

describe('KVM\'s INVALL reaches the LPIs of another collection on the same redistributor', () => {
  const s = load('invall-other-collection-lpis-off');
  test('kvm (impl/) takes LPI 8193 with LPIs off: known by kvm.inv-queues-lpi-while-lpis-off, rejected by the architecture', async () => {
    const r = await runScenario(getTarget('kvm')!, s);
    expect(r.trace.results[lastIar(s)]).toBe('0x2001');
    expect(modelOracle.checkTrace(s, r.trace).ok).toBe(false);
    const v = modelOracle.checkTrace(s, r.trace, { quirks: targetQuirks('kvm') });
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.quirks).toEqual(['kvm.inv-queues-lpi-while-lpis-off']);
  });
});

// Campaign kl30b, scenario 891 (a step-budget finding under load, replayed on 6.12.118 to its end):
// LPI 8192 acknowledged on vCPU 1 and kept active there (its EOI named another INTID), later made
// pending again with vCPU 0 as its target: vgic_target_oracle keeps an active interrupt on the vCPU
// that holds it, so vCPU 0 reads 1023 (op 261). The model used to signal it at vCPU 0.
describe('an LPI held active by another vCPU is not signalled at its new target (kl30b:891, 6.12.118)', () => {
  const fx = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'active-lpi-held-elsewhere.kvm-linux-trace.json'), 'utf8')) as { scenario: Scenario; kvmResults: OpResult[] };
  const ex = expandScenario(fx.scenario);
  test('the real kernel\'s trace: rejected by the architecture, explained by the kvm-linux quirks to its end', () => {
    expect(fx.kvmResults).toHaveLength(ex.ops.length);
    expect(fx.kvmResults[261]).toBe('0x3ff');
    const trace = { format: 'gicdiff/trace@1' as const, scenario: ex.name, target: 'kvm-linux', results: fx.kvmResults, status: 'complete' as const };
    expect(modelOracle.checkTrace(ex, trace).ok).toBe(false);
    const v = modelOracle.checkTrace(ex, trace, { quirks: targetQuirks('kvm-linux') });
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.quirks).toContain('kvm-linux.lpi-active-until-eoi');
  });
});
