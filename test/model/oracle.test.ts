// Properties of the oracle (docs/oracle.md): a trace the model produces itself with random permitted
// choices is accepted; a trace with one result changed to a value no surviving state allows is
// rejected at that op; the verdict does not depend on how choices were resolved elsewhere.
import fc from 'fast-check';
import type { OpResult, PrimitiveOp } from '../../spec/scenario.js';
import seedrandom from 'seedrandom';
import { checkTrace, createOracle } from '../../model/oracle.js';
import { expandBoot } from '../../spec/expand.js';
import { State } from '../../model/state.js';
import { materialize, runOp } from '../../model/machine.js';
import { representative } from '../../model/exec.js';
import { RANDOM_CONFIG, runRandomModel, scenarioArb } from './helpers.js';

const RUNS = 60;

function traceOf(ops: PrimitiveOp[], results: OpResult[]) {
  return { format: 'gicdiff/trace@1' as const, scenario: 'random', target: 'model', results, status: 'complete' as const };
}

test('a trace the model produces with random permitted choices is accepted', () => {
  fc.assert(fc.property(scenarioArb(), fc.string({ minLength: 1, maxLength: 6 }), (ops, seed) => {
    const results = runRandomModel(RANDOM_CONFIG, ops, seed);
    const v = checkTrace({ name: 'random', config: RANDOM_CONFIG, ops, origin: ops.map((_, i) => i) }, traceOf(ops, results));
    if (!v.ok) throw new Error(`rejected: ${v.divergence.message} at op ${v.divergence.opIndex}: ${JSON.stringify(ops[v.divergence.opIndex])}`);
  }), { numRuns: RUNS });
});

/** A result no implementation may ever return for this op. */
function impossible(op: PrimitiveOp): OpResult | undefined {
  switch (op.op) {
    case 'sysreg.read': return op.reg === 'ICC_IAR1_EL1' || op.reg === 'ICC_HPPIR1_EL1' ? '0x3fe' : undefined;
    case 'sysreg.write': case 'mmio.write': case 'mem.write': case 'its.cmd': case 'timer.line': case 'vcpu.run': case 'vcpu.put': case 'vcpu.exit':
      return '0x1';
    case 'kvm.irq_line': return 7;
    case 'kvm.signal_msi': return 5;
    case 'wfi': return 'awake';
    case 'migrate': return { errno: [-1] };
    default: return undefined;
  }
}

test('a trace with one result changed to an impossible value is rejected exactly there', () => {
  fc.assert(fc.property(scenarioArb(), fc.string({ maxLength: 4 }), fc.nat(), (ops, seed, pick) => {
    const results = runRandomModel(RANDOM_CONFIG, ops, seed);
    const candidates = ops.map((op, i) => [i, impossible(op)] as const).filter(([, r]) => r !== undefined);
    const [k, bad] = candidates[pick % candidates.length]!;
    const mutated = results.slice();
    mutated[k] = bad!;
    const v = checkTrace({ name: 'random', config: RANDOM_CONFIG, ops, origin: ops.map((_, i) => i) }, traceOf(ops, mutated));
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.divergence.opIndex).toBe(k);
      expect(v.divergence.allowed.length).toBeGreaterThan(0);
      expect(v.divergence.message.length).toBeGreaterThan(10);
    }
  }), { numRuns: RUNS });
});

test("the oracle's answer does not depend on how choices were resolved elsewhere", () => {
  // Two traces of the same ops with independently resolved choices: each is accepted, and at every
  // op the result one resolution returned is one the oracle following the other allows, or the
  // two resolutions have diverged in state (which the oracle must still accept for each alone).
  fc.assert(fc.property(scenarioArb(30), fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), (ops, s1, s2) => {
    const a = runRandomModel(RANDOM_CONFIG, ops, 'a' + s1);
    const b = runRandomModel(RANDOM_CONFIG, ops, 'b' + s2);
    for (const r of [a, b]) {
      const o = createOracle(RANDOM_CONFIG);
      ops.forEach((op, i) => {
        const allowed = o.allowed(op);
        expect(allowed.length).toBeGreaterThan(0);
        expect(o.observe(op, r[i]!)).toBeNull();
      });
    }
  }), { numRuns: 25 });
});

test('allowed() does not commit: observing after it gives the same verdicts', () => {
  fc.assert(fc.property(scenarioArb(20), fc.string({ maxLength: 4 }), (ops, seed) => {
    const r = runRandomModel(RANDOM_CONFIG, ops, seed);
    const o1 = createOracle(RANDOM_CONFIG);
    const o2 = createOracle(RANDOM_CONFIG);
    ops.forEach((op, i) => {
      o2.allowed(op);
      o2.allowed(op);
      expect(o1.observe(op, r[i]!)).toBeNull();
      expect(o2.observe(op, r[i]!)).toBeNull();
      expect(o2.candidateCount()).toBe(o1.candidateCount());
    });
  }), { numRuns: 20 });
});

test('structural candidate equality agrees with the fingerprint', () => {
  fc.assert(fc.property(scenarioArb(25), fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), (ops, s1, s2) => {
    const a = runRandomState(ops, 'a' + s1);
    const b = runRandomState(ops, 'b' + s2);
    const policyFree = (s: State): string => s.fingerprint();
    expect(a.sameAs(b)).toBe(policyFree(a) === policyFree(b));
    expect(a.sameAs(a.clone())).toBe(true);
    // the dedupe buckets by hash(): states sameAs calls equal must land in one bucket
    if (a.sameAs(b)) expect(a.hash()).toBe(b.hash());
    expect(a.clone().hash()).toBe(a.hash());
  }), { numRuns: 30 });
});

test('hash() does not depend on the order sets and maps were filled in', () => {
  const a = new State(RANDOM_CONFIG);
  const b = new State(RANDOM_CONFIG);
  for (const i of [8192, 8200, 8193]) a.lpiPending[0]!.add(i);
  for (const i of [8193, 8192, 8200]) b.lpiPending[0]!.add(i);
  a.ghosts[1]!.set(33, 0x1a0).set(40, 0x110);
  b.ghosts[1]!.set(40, 0x110).set(33, 0x1a0);
  expect(a.sameAs(b)).toBe(true);
  expect(a.hash()).toBe(b.hash());
  b.lpiPending[0]!.delete(8200);
  b.lpiPending[0]!.add(8201);
  expect(a.sameAs(b)).toBe(false);
  expect(a.hash()).not.toBe(b.hash());
});

function runRandomState(ops: PrimitiveOp[], seed: string): State {
  const rng = seedrandom(seed);
  let s = new State(RANDOM_CONFIG);
  s.priBits = 1 << 5;
  for (const op of ops) {
    const { alts } = runOp(s, op);
    const alt = alts[Math.floor(rng() * alts.length)]!;
    materialize([alt], []);
    alt.commit?.(alt.state, representative(alt.result));
    s = alt.state;
  }
  return s;
}

test('a guest op on a vCPU that may have woken: both outcomes accepted, and a divergence still lists "asleep" (the oracle skips building it when the result rules it out)', () => {
  const cfg = RANDOM_CONFIG;
  const ops: PrimitiveOp[] = [
    ...expandBoot({ op: 'boot' }, cfg),
    { op: 'sysreg.write', cpu: 0, reg: 'ICC_PMR_EL1', value: '0xf8' }, // 0xf0 < PMR only with >= 5 priority bits (choice.u2.priority-bits)
    { op: 'wfi', cpu: 0 },
    { op: 'mmio.write', cpu: 1, frame: 'gicr-sgi', index: 0, offset: 0x401, width: 8, value: '0xf0' },
    { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x1000001' }, // SGI 1 to vCPU 0
  ];
  const feed = (): ReturnType<typeof createOracle> => {
    const o = createOracle(cfg);
    // the boot macro expands to register writes only (result null); nothing is pending, so WFI sleeps
    for (const op of ops) expect(o.observe(op, op.op === 'wfi' ? 'asleep' : null)).toBeNull();
    return o;
  };
  const rpr: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ICC_RPR_EL1' };
  expect(feed().observe(rpr, 'asleep')).toBeNull();
  expect(feed().observe(rpr, '0xff')).toBeNull();
  const d = feed().observe(rpr, '0x12');
  expect(d).not.toBeNull();
  expect(d!.allowed).toEqual(expect.arrayContaining(['asleep', '0xff']));
});
