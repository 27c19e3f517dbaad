// Out-of-order EOIs (choice.u9.eoir-out-of-order, "priority drop only"): each may or may not
// deactivate the interrupt whose priority it dropped. The oracle leaves that open per interrupt
// (State.activeOpen) until something looks, instead of one candidate per combination: a run of
// such EOIs keeps a handful of candidates, and what a later read may show is unchanged (every
// subset of those interrupts may still be active).
import { expandScenario } from '../../spec/expand.js';
import type { OpResult, Scenario } from '../../spec/scenario.js';
import { createOracle } from '../../model/oracle.js';
import { getTarget } from '../../spec/target.js';
import { targetQuirks } from '../../triage/classify.js';
import '../../fuzz/targets.js';

const prio = (i: number): number => 0xe0 - 0x10 * i; // each preempts the one before (PMR 0xf0 after boot)

/** SGIs 0..N-1 acknowledged nested, then N EOIs of an INTID never acknowledged, then a read of GICR_ISACTIVER0 */
function scenario(N: number): Scenario {
  const ops: Scenario['ops'] = [{ op: 'boot' }];
  for (let w = 0; w < Math.ceil(N / 4); w++) {
    let v = 0;
    for (let b = 0; b < 4 && w * 4 + b < N; b++) v |= prio(w * 4 + b) << (8 * b);
    ops.push({ op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x400 + 4 * w, width: 32, value: '0x' + (v >>> 0).toString(16) });
  }
  for (let i = 0; i < N; i++) {
    ops.push({ op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x' + ((i << 24) | 1).toString(16) });
    ops.push({ op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x' + i.toString(16) });
  }
  // INTID 40 (an SPI) was never acknowledged: each EOI is out of order, the expected one the last acknowledged
  for (let i = 0; i < N; i++) ops.push({ op: 'sysreg.write', cpu: 0, reg: 'ICC_EOIR1_EL1', value: '0x28' });
  ops.push({ op: 'mmio.read', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x300, width: 32 });
  return { format: 'gicdiff/scenario@1', name: 'eoi-out-of-order-run', config: { vcpus: 1, its: 0 }, ops };
}

/** The scenario expanded, its final read, and the kvm target's results for every op before it. */
function prepared(N: number) {
  const e = expandScenario(scenario(N));
  const session = getTarget('kvm')!.open!(e.config);
  return { e, read: e.ops[e.ops.length - 1]!, results: e.ops.slice(0, -1).map((op): OpResult => session.step(op)) };
}

describe('active state left open by out-of-order EOIs', () => {
  const N = 10;
  const { e, read, results } = prepared(N);
  const mask = (1 << N) - 1;

  test('few candidates through the EOIs; the read may show every subset of the SGIs still active, nothing else', () => {
    const o = createOracle(e.config);
    results.forEach((r, i) => expect(o.observe(e.ops[i]!, r)).toBeNull());
    // one candidate per option of choice.u9 (and of the parameters split on the way), not 2^N
    expect(o.maxCandidates()).toBeLessThan(16);
    const allowed = new Set(o.allowed(read).map((r) => Number(BigInt(r as string))));
    expect(allowed.size).toBe(1 << N);
    for (const v of allowed) expect(v & ~mask).toBe(0);
  });

  test('with the kvm quirks (which may deactivate other active interrupts at such an EOI) the read still shows exactly the subsets', () => {
    // fewer SGIs: the quirk branches per active interrupt at each EOI
    const small = prepared(4);
    const o = createOracle(small.e.config, { quirks: targetQuirks('kvm') });
    small.results.forEach((r, i) => expect(o.observe(small.e.ops[i]!, r)).toBeNull());
    const allowed = new Set(o.allowed(small.read).map((r) => Number(BigInt(r as string))));
    expect(allowed.size).toBe(16);
    for (const v of allowed) expect(v & ~0xf).toBe(0);
  });

  test('observing the read decides it: any subset is accepted, an SGI that was never active is not', () => {
    for (const v of [mask, 0, 0b1010110011 & mask, 1 << (N - 1)]) {
      const o = createOracle(e.config);
      results.forEach((r, i) => o.observe(e.ops[i]!, r));
      expect(o.observe(read, '0x' + v.toString(16))).toBeNull();
      expect(o.candidateCount()).toBeGreaterThanOrEqual(1);
    }
    const o = createOracle(e.config);
    results.forEach((r, i) => o.observe(e.ops[i]!, r));
    const d = o.observe(read, '0x' + (mask | (1 << 12)).toString(16));
    expect(d).not.toBeNull();
    expect(d!.rules).toContain('redist.isactiver0.banked');
  });
});
