// A tiny fake target and oracle for testing the fuzzer's machinery without the real model:
// SGIs sent with ICC_SGI1R_EL1 (TargetList form, Aff1 = 0) become pending on their targets;
// ICC_IAR1_EL1 returns and clears the lowest pending SGI, else 1023 (IHI 0069 ICC_IAR1_EL1; ICC_SGI1R_EL1 —
// reduced to what the fake needs). The fake oracle applies the same rules; a fault can be planted
// in the target.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import type { Target, TargetSession } from '../../spec/target.js';
import type { Divergence } from '../../spec/verdict.js';
import type { OracleFactory, OracleLike } from '../../triage/lockstep.js';
import { toHex, parseHex } from '../../spec/hex.js';

class FakeGic {
  pending: number[][];
  constructor(readonly vcpus: number) {
    this.pending = Array.from({ length: vcpus }, () => []);
  }
  step(op: PrimitiveOp, fault?: Fault): { result: OpResult; rules: string[] } {
    if (op.op === 'sysreg.read' && op.reg === fault?.hangOn) for (;;) { /* hang */ }
    if (op.op === 'sysreg.read' && op.reg === fault?.exitOn) process.exit(7);
    if (op.op === 'sysreg.write' && op.reg === 'ICC_SGI1R_EL1') {
      const v = parseHex(op.value);
      const intid = Number((v >> 24n) & 0xfn);
      const irm = (v >> 40n) & 1n;
      const aff1 = Number((v >> 16n) & 0xffn);
      const rs = Number((v >> 44n) & 0xfn);
      const rules = ['fake.sgi'];
      for (let c = 0; c < this.vcpus; c++) {
        const hit = irm ? c !== op.cpu : aff1 === (c >> 4) && rs === 0 && ((v >> BigInt(c & 15)) & 1n) === 1n;
        if (!hit) continue;
        if (op.cpu !== 0 && (fault?.dropSgi === intid || fault?.alsoDropSgi === intid)) continue;
        if (!this.pending[c]!.includes(intid)) this.pending[c]!.push(intid);
      }
      return { result: null, rules };
    }
    if (op.op === 'sysreg.read' && op.reg === 'ICC_IAR1_EL1') {
      const p = this.pending[op.cpu]!;
      if (!p.length) return { result: '0x3ff', rules: ['fake.iar.spurious'] };
      const min = Math.min(...p);
      p.splice(p.indexOf(min), 1);
      return { result: toHex(min), rules: ['fake.iar'] };
    }
    if (fault?.throwOn === op.op) throw new TypeError(`fake failure at ${op.op} 0x${(12345).toString(16)}`);
    if (op.op === 'mmio.read' || op.op === 'sysreg.read') return { result: '0x0', rules: ['fake.read'] };
    if (op.op === 'wfi') return { result: 'woken', rules: [] };
    if (op.op === 'mem.read') return { result: '00'.repeat(op.len), rules: [] };
    if (op.op === 'kvm.device_attr') return { result: { errno: 0 }, rules: [] };
    if (op.op === 'migrate') return { result: { errno: [] }, rules: [] };
    if (op.op === 'irqfd.resampled') return { result: false, rules: [] };
    if (op.op.startsWith('kvm.')) return { result: 0, rules: [] };
    return { result: null, rules: [] };
  }
}

export interface Fault {
  /** SGIs with this INTID sent from a vCPU other than 0 are lost */
  dropSgi?: number;
  /** a second such INTID: a fault that shows at the same op and rule as the first */
  alsoDropSgi?: number;
  /** the target throws on this op kind */
  throwOn?: string;
  /** the target never returns from a read of this system register (a hang) */
  hangOn?: string;
  /** the target kills its thread on a read of this system register (a crash) */
  exitOn?: string;
  /** each session takes this long to open (a slow target, for tests that stop a campaign part-way) */
  openDelayMs?: number;
}

export function fakeTarget(fault: Fault = {}, name = 'fake'): Target {
  return {
    name,
    description: 'test fake',
    kind: 'in-process',
    supports: () => true,
    open(config: ResolvedConfig): TargetSession {
      if (fault.openDelayMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, fault.openDelayMs);
      const gic = new FakeGic(config.vcpus);
      return { step: (op) => gic.step(op, fault).result };
    },
  };
}

/** The one quirk of the fake world: the `fake` target's planted fault, declared as a known behaviour. */
export const FAKE_QUIRK = 'fake.sgi5-from-other-vcpu-lost';

export const fakeOracle: OracleFactory = {
  create(config): OracleLike {
    const gic = new FakeGic(config.vcpus);
    const seen = new Set<string>();
    let last: string[] = [];
    return {
      observe(op, result): Divergence | null {
        const { result: want, rules } = gic.step(op);
        last = rules;
        for (const r of rules) seen.add(r);
        if (JSON.stringify(want) === JSON.stringify(result)) return null;
        return { opIndex: -1, got: result, allowed: [want], rules, message: `got ${JSON.stringify(result)}, allowed ${JSON.stringify(want)}` };
      },
      lastRules: () => last,
      coverage: () => seen,
      maxCandidates: () => 1,
    };
  },
  /**
   * The whole trace; with the quirk FAKE_QUIRK enabled the oracle also takes the planted fault of
   * the `fake` target (SGI 5 from a vCPU other than 0 lost) and names it when it did.
   */
  checkTrace(scenario, trace, limits) {
    const quirks = limits?.quirks;
    const fault: Fault = quirks?.has(FAKE_QUIRK) ? { dropSgi: 5 } : {};
    const gic = new FakeGic(scenario.config.vcpus);
    let used = false;
    const n = Math.min(scenario.ops.length, trace.results.length);
    for (let i = 0; i < n; i++) {
      const op = scenario.ops[i]!;
      if (fault.dropSgi !== undefined && op.op === 'sysreg.write' && op.reg === 'ICC_SGI1R_EL1' && op.cpu !== 0 && Number((parseHex(op.value) >> 24n) & 0xfn) === 5) used = true;
      const { result: want, rules } = gic.step(op, fault);
      const got = trace.results[i]!;
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        return { ok: false, rules: [], maxCandidates: 1, divergence: { opIndex: i, got, allowed: [want], rules, message: `got ${JSON.stringify(got)}, allowed ${JSON.stringify(want)}` } };
      }
    }
    return { ok: true, rules: [], maxCandidates: 1, ...(used ? { quirks: [FAKE_QUIRK] } : {}) };
  },
  isBoundError: () => false,
};

/** What the model's oracle throws when its candidate set outgrows the bound (model/oracle.ts CandidateBoundError), faked. */
export class FakeBoundError extends Error {
  override name = 'CandidateBoundError';
}

/**
 * The fake oracle, except that it gives up on a read of `boundOn` the way the model's oracle does
 * when a scenario piles up too many permitted choices: the scenario cannot be decided.
 */
export function boundedFakeOracle(boundOn = 'ICC_HPPIR0_EL1'): OracleFactory {
  return {
    ...fakeOracle,
    create(config): OracleLike {
      const inner = fakeOracle.create(config);
      return {
        ...inner,
        observe(op, result) {
          if (op.op === 'sysreg.read' && op.reg === boundOn) throw new FakeBoundError('5760 candidate states exceed the bound of 4096');
          return inner.observe(op, result);
        },
      };
    },
    isBoundError: (e) => e instanceof FakeBoundError,
  };
}
