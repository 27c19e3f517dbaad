// The conformance runner end to end with the real lockstep loop (triage/lockstep.ts), the real
// signatures and classification (triage/signature.ts, triage/classify.ts), on the example
// scenarios, with small fake targets and a fake oracle whose verdicts (and one quirk) are fixed here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSuite, runConformance, type Runner } from '../../triage/conformance.js';
import { runLockstep, type OracleFactory, type OracleLike } from '../../triage/lockstep.js';
import { classifyOutcome } from '../../triage/classify.js';
import type { RunOutcome } from '../../triage/lockstep.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import type { Expectations } from '../../spec/expectations.js';
import type { OpResult, PrimitiveOp } from '../../spec/scenario.js';
import type { Target } from '../../spec/target.js';
import type { Divergence } from '../../spec/verdict.js';
import { ValidationError } from '../../spec/validate.js';

const EXAMPLES = 'examples';
const QUIRK = 'spurious.iar-1023';

/** What a target returns when the scenario says nothing: the docs/scenario-format.md result shape of each op. */
function defaultResult(op: PrimitiveOp): OpResult {
  switch (op.op) {
    case 'mmio.read': case 'sysreg.read': return '0x0';
    case 'wfi': return 'woken';
    case 'mem.read': return '00'.repeat(op.len);
    case 'kvm.irq_line': case 'kvm.signal_msi': case 'kvm.set_gsi_routing': case 'kvm.irqfd': return 0;
    case 'irqfd.resampled': return false;
    case 'kvm.device_attr': return { errno: 0 };
    case 'migrate': return { errno: [0] };
    default: return null;
  }
}
const expected = (op: PrimitiveOp): OpResult => {
  const o = op as { expect?: OpResult; expectOneOf?: OpResult[] };
  return o.expect !== undefined ? o.expect : o.expectOneOf ? o.expectOneOf[0]! : defaultResult(op);
};

function fakeTarget(name: string, step: (op: PrimitiveOp) => OpResult, supports: (op: PrimitiveOp) => boolean = () => true): Target {
  return { name, description: name, kind: 'in-process', supports, open: () => ({ step }) };
}

/** Accepts everything except an ICC_IAR1_EL1 read of 1023 (spurious) where the scenario expects an INTID. */
const oracle: OracleFactory = {
  create: () => {
    const rules = new Set<string>();
    let last: string[] = [];
    const o: OracleLike = {
      observe(op, result): Divergence | null {
        last = op.op === 'sysreg.read' ? ['cpuif.iar.ack'] : ['other.rule'];
        for (const r of last) rules.add(r);
        const want = (op as { expect?: OpResult }).expect;
        if (op.op === 'sysreg.read' && op.reg === 'ICC_IAR1_EL1' && result === '0x3ff' && want !== undefined && want !== '0x3ff') {
          return { opIndex: -1, got: result, allowed: [want], rules: ['cpuif.iar.ack'], message: `ICC_IAR1_EL1 returned 0x3ff; allowed ${String(want)}` };
        }
        return null;
      },
      lastRules: () => last,
      coverage: () => rules,
      maxCandidates: () => 1,
    };
    return o;
  },
  // the one quirk: QUIRK accepts a spurious ICC_IAR1_EL1 read, and is named when it was needed
  checkTrace: (scenario, trace, limits) => {
    const quirks = limits?.quirks;
    let used = false;
    for (let i = 0; i < trace.results.length; i++) {
      const op = scenario.ops[i]!;
      const want = (op as { expect?: OpResult }).expect;
      const r = trace.results[i];
      if (op.op === 'sysreg.read' && op.reg === 'ICC_IAR1_EL1' && r === '0x3ff' && want !== undefined && want !== '0x3ff') {
        if (!quirks?.has(QUIRK)) return { ok: false, rules: [], maxCandidates: 1, divergence: { opIndex: i, got: r, allowed: [want], rules: ['cpuif.iar.ack'], message: 'spurious' } };
        used = true;
      }
    }
    return { ok: true, rules: [], maxCandidates: 1, ...(used ? { quirks: [QUIRK] } : {}) };
  },
  isBoundError: () => false,
};

// the fake oracle does not know op indexes: the lockstep loop fills them in
const run: Runner = (target, scenario, options) => runLockstep(target, scenario, options, oracle);

const KVM_LIKE: Expectations = {
  format: 'gicdiff/expectations@1', target: 'spurious',
  entries: [{ id: QUIRK, reason: 'accepted for the test', source: 'test' }],
};
const classify = (expectations: (t: string) => Expectations) => (target: string, scenario: ExpandedScenario, outcome: RunOutcome) =>
  classifyOutcome(oracle, target, scenario, outcome, new Set(expectations(target).entries.map((e) => e.id)));
const NONE = (target: string): Expectations => ({ format: 'gicdiff/expectations@1', target, entries: [] });

describe('loadSuite', () => {
  test('the examples, with ids relative to the repository root', () => {
    const suite = loadSuite([EXAMPLES]);
    expect(suite.map((s) => s.meta.id)).toEqual([
      'examples/gicv4-forwarded.json', 'examples/irq-line-level.json', 'examples/its-int-basic.json',
      'examples/its-migrate.json', 'examples/sgi-priority.json',
    ]);
    expect(suite.every((s) => s.meta.component === 'examples')).toBe(true);
    expect(suite.every((s) => s.expanded.ops.every((op) => (op as { op: string }).op !== 'boot'))).toBe(true);
  });

  test('component folders, a missing default folder skipped, a bad file named', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gicdiff-suite-'));
    try {
      mkdirSync(path.join(root, 'suite', 'cpuif'), { recursive: true });
      const ok = { format: 'gicdiff/scenario@1', name: 'pmr', rules: ['cpuif.pmr'], config: { vcpus: 1, its: 0 }, ops: [{ op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' }] };
      writeFileSync(path.join(root, 'suite', 'cpuif', 'pmr.json'), JSON.stringify(ok));
      const suite = loadSuite(['suite', 'not-there'], { root });
      expect(suite.map((s) => [s.meta.id, s.meta.component, s.meta.rules])).toEqual([[path.join('suite', 'cpuif', 'pmr.json'), 'cpuif', ['cpuif.pmr']]]);
      expect(() => loadSuite(['not-there'], { root, required: true })).toThrow(ValidationError);
      writeFileSync(path.join(root, 'suite', 'cpuif', 'bad.json'), JSON.stringify({ ...ok, ops: [{ op: 'sysreg.read', cpu: 3, reg: 'ICC_PMR_EL1' }] }));
      let err: ValidationError | undefined;
      try { loadSuite(['suite'], { root }); } catch (e) { err = e as ValidationError; }
      expect(err?.file).toBe(path.join(root, 'suite', 'cpuif', 'bad.json'));
      expect(err?.jsonPath).toBe('/ops/0/cpu');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('runConformance', () => {
  const suite = loadSuite([EXAMPLES]);
  const sgi = 'examples/sgi-priority.json';

  test('an in-process run the time limit stopped runs again without it: the outcome does not depend on the machine', async () => {
    // a clock that moves one millisecond per look: every op passes a 3 ms limit at once
    let t = 0;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => t++);
    try {
      const results = await runConformance([fakeTarget('exact', expected)], suite, { run, classify: classify(NONE), expectations: NONE, timeoutMs: 3 });
      expect(results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    } finally {
      clock.mockRestore();
    }
  });

  test('a target that does what every scenario expects passes everything', async () => {
    const results = await runConformance([fakeTarget('exact', expected)], suite, { run, classify: classify(NONE), expectations: NONE });
    expect(results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(results[4]!.rulesExercised).toEqual(['cpuif.iar.ack', 'other.rule']);
    expect(results[4]!.repro).toBe(`gicdiff repro ${sgi} --target exact`);
  });

  test('a divergence listed in the expectations is known; the same divergence unlisted is new', async () => {
    const spurious = (op: PrimitiveOp) => (op.op === 'sysreg.read' && op.reg === 'ICC_IAR1_EL1' ? '0x3ff' : expected(op));
    const known = await runConformance([fakeTarget('spurious', spurious)], suite, { run, classify: classify(() => KVM_LIKE), expectations: () => KVM_LIKE });
    const r = known.find((x) => x.scenario === sgi)!;
    expect(r.outcome).toBe('known');
    expect(r.quirks).toEqual([QUIRK]);
    expect(r.knownReason).toContain(`${QUIRK}: accepted for the test`);
    expect(r.knownReason).toContain('spurious:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar.ack');
    // the failed expect at the diverging op says nothing the divergence does not: reported once;
    // the second spurious IAR read after it (the target runs on) is a failed expect of its own
    expect(r.failures.map((f) => f.kind)).toEqual(['divergence', 'expectation']);
    expect(r.failures[0]).toMatchObject({ got: '0x3ff', allowed: ['0x2'], rules: ['cpuif.iar.ack'] });
    const fresh = await runConformance([fakeTarget('spurious', spurious)], suite, { run, classify: classify(NONE), expectations: NONE });
    expect(fresh.find((x) => x.scenario === sgi)!.outcome).toBe('new');
  });

  test('a failed expectation before a known divergence keeps the result new', async () => {
    // sgi-priority: the first IAR read is right, the RPR read after it wrong (a failed expect),
    // then the second IAR read spurious (the divergence the expectations accept)
    let iar = 0;
    const step = (op: PrimitiveOp): OpResult => {
      if (op.op === 'sysreg.read' && op.reg === 'ICC_RPR_EL1') return '0xff';
      if (op.op === 'sysreg.read' && op.reg === 'ICC_IAR1_EL1' && op.cpu === 1) return iar++ === 0 ? '0x2' : '0x3ff';
      return expected(op);
    };
    const [r] = await runConformance([fakeTarget('spurious', step)], suite.filter((s) => s.meta.id === sgi), { run, classify: classify(() => KVM_LIKE), expectations: () => KVM_LIKE });
    // (the target runs on after the divergence: later expects are checked too)
    expect(r!.failures.map((f) => f.kind).slice(0, 2)).toEqual(['expectation', 'divergence']);
    expect(r!.failures[0]).toMatchObject({ got: '0xff', allowed: ['0x40'] });
    expect(r!.outcome).toBe('new');
  });

  test('a target that throws is a new failure with its message; unsupported ops make a scenario unsupported', async () => {
    const thrower = fakeTarget('thrower', (op) => {
      if (op.op === 'kvm.irq_line') throw new RangeError('LR index out of range');
      return expected(op);
    }, (op) => op.op !== 'its.cmd');
    const results = await runConformance([thrower], suite, { run, classify: classify(NONE), expectations: NONE });
    const by = Object.fromEntries(results.map((r) => [path.basename(r.scenario, '.json'), r]));
    expect(by['its-int-basic']!.outcome).toBe('unsupported');
    expect(by['its-int-basic']!.unsupportedReason).toMatch(/its\.cmd\) is not supported by target thrower/);
    expect(by['sgi-priority']!.outcome).toBe('pass');
    const withWfi = results.filter((r) => r.failures.some((f) => f.kind === 'target-error'));
    expect(withWfi.map((r) => path.basename(r.scenario))).toContain('irq-line-level.json');
    for (const r of withWfi) {
      expect(r.outcome).toBe('new');
      expect(r.failures[0]!.message).toBe('RangeError: LR index out of range');
    }
  });

  test('the runner itself failing is reported, not thrown', async () => {
    const broken: Runner = async () => { throw new Error('boom'); };
    const [r] = await runConformance([fakeTarget('x', expected)], suite.slice(0, 1), { run: broken, classify: classify(NONE), expectations: NONE });
    expect(r!.outcome).toBe('new');
    expect(r!.failures[0]!.message).toContain('the runner failed: boom');
  });
});
