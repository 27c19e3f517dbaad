import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLockstep } from '../../triage/lockstep.js';
import { problemOf, normalizeErrorMessage } from '../../triage/signature.js';
import { minimizeOnTarget } from '../../fuzz/minimize.js';
import { buildFinding, writeFinding, writeMinimized, loadFindingOrScenario, signatureSlug } from '../../fuzz/finding.js';
import { generateScenario } from '../../fuzz/generate.js';
import { ACTION_NAMES, type Weights } from '../../fuzz/weights.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Target } from '../../spec/target.js';
import { boundedFakeOracle, FAKE_QUIRK, fakeOracle, fakeTarget } from './fake.js';
import { classifyOutcome } from '../../triage/classify.js';

const sgiScenario = (ops: Scenario['ops']): Scenario => ({ format: 'gicdiff/scenario@1', name: 't', config: { vcpus: 2, its: 0 }, ops });
const run = (t: Target, s: ReturnType<typeof expandScenario>, o = {}) => runLockstep(t, s, o, fakeOracle);

describe('lockstep runner', () => {
  test('a correct target passes; coverage is what the oracle recorded', async () => {
    const s = expandScenario(sgiScenario([
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x3000001' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x3' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x3ff' },
    ]));
    const out = await run(fakeTarget(), s);
    expect(out.trace.status).toBe('complete');
    expect(out.trace.results).toEqual([null, '0x3', '0x3ff']);
    expect(out.verdict?.ok).toBe(true);
    expect(out.expectationFailures).toEqual([]);
    expect(out.coverage.sort()).toEqual(['fake.iar', 'fake.iar.spurious', 'fake.sgi']);
  });

  test('the strict oracle stops at the first divergence with its op index; the target runs on to the end', async () => {
    const s = expandScenario(sgiScenario([
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
      { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    ]));
    const out = await run(fakeTarget({ dropSgi: 5 }), s);
    expect(out.verdict?.ok).toBe(false);
    if (out.verdict && !out.verdict.ok) {
      expect(out.verdict.divergence.opIndex).toBe(2);
      expect(out.verdict.divergence.got).toBe('0x3ff');
      expect(out.verdict.divergence.allowed).toEqual(['0x5']);
    }
    // the rest of the trace is for the check with the target's quirks (triage/classify.ts)
    expect(out.trace.results).toEqual([null, '0x3ff', '0x3ff', '0x3ff']);
    const p = problemOf('fake', s, out)!;
    expect(p.signature).toBe('fake:sysreg.read ICC_IAR1_EL1:value-mismatch:fake.iar');
  });

  test('a target that throws is a finding with a stable signature, not a crash', async () => {
    const s = expandScenario(sgiScenario([{ op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' }, { op: 'wfi', cpu: 1 }]));
    const out = await run(fakeTarget({ throwOn: 'wfi' }), s);
    expect(out.trace.status).toBe('target-error');
    expect(out.trace.error).toEqual({ opIndex: 1, message: 'TypeError: fake failure at wfi 0x3039' });
    const p = problemOf('fake', s, out)!;
    expect(p.signature).toBe('fake:wfi:target-error:TypeError fake failure at wfi #');
    expect(normalizeErrorMessage('index 17 out of range 0x20')).toBe('index # out of range #');
  });

  test('step budget, time limit and unsupported scenarios', async () => {
    const ops: Scenario['ops'] = Array.from({ length: 10 }, () => ({ op: 'sysreg.read' as const, cpu: 0, reg: 'ICC_PMR_EL1' as const }));
    const s = expandScenario(sgiScenario(ops));
    const out = await run(fakeTarget(), s, { stepBudget: 4 });
    expect(out.trace.status).toBe('step-budget');
    expect(out.trace.results.length).toBe(4);
    expect(problemOf('fake', s, out)!.parts.mismatch).toBe('step-budget');
    const picky: Target = { ...fakeTarget(), supports: (op) => op.op !== 'sysreg.read' };
    const u = await run(picky, s);
    expect(u.unsupported).toMatch(/op 0 \(sysreg.read\) is not supported by target fake/);
    expect(u.verdict).toBeNull();
    expect(problemOf('fake', s, u)).toBeNull();
  });

  test('an oracle that reaches its candidate bound: an inconclusive finding, whatever the expectations say; any other oracle failure stays new', async () => {
    const s = sgiScenario([
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_HPPIR0_EL1' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    ]);
    const e = expandScenario(s);
    // the quirk that explains the planted fault is enabled: still never known
    const quirks = new Set([FAKE_QUIRK]);
    const bound = await runLockstep(fakeTarget({ dropSgi: 5 }), e, {}, boundedFakeOracle('ICC_HPPIR0_EL1'));
    expect(bound.oracleError).toMatchObject({ opIndex: 1, bound: true });
    const c = classifyOutcome(boundedFakeOracle('ICC_HPPIR0_EL1'), 'fake', e, bound, quirks)!;
    expect(c.problem.signature).toBe('fake:sysreg.read ICC_HPPIR0_EL1:oracle-bound:none');
    const f = buildFinding(s, e, bound, c, { target: 'fake', seed: null });
    expect(f.classification).toBe('inconclusive');
    expect(f.quirks).toBeUndefined();
    expect(f.error).toEqual({ status: 'oracle-bound', opIndex: 1, message: 'CandidateBoundError: 5760 candidate states exceed the bound of 4096' });
    expect(() => loadFindingOrScenario(path.join(writeFinding(mkdtempSync(path.join(tmpdir(), 'gicdiff-inc-')), f)))).not.toThrow(); // the schema takes it
    // the same oracle throwing something else is a gicdiff bug: new, whatever the quirks
    const broken = { ...boundedFakeOracle('ICC_HPPIR0_EL1'), isBoundError: () => false };
    const other = await runLockstep(fakeTarget({ dropSgi: 5 }), e, {}, broken);
    const q = classifyOutcome(broken, 'fake', e, other, quirks)!;
    expect(q.problem.parts.mismatch).toBe('oracle-error');
    expect(q.classification).toBe('new');
  });

  test('classification: known when the quirks explain the whole trace (naming them), new when they do not, at the op where they run out', async () => {
    const s = expandScenario(sgiScenario([
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
      { op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x6000001' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
    ]));
    const quirks = new Set([FAKE_QUIRK]);
    // only SGI 5 lost: the quirk explains it
    const one = await runLockstep(fakeTarget({ dropSgi: 5 }), s, {}, fakeOracle);
    expect(one.trace.results).toHaveLength(4); // the target ran on after the divergence at op 1
    expect(classifyOutcome(fakeOracle, 'fake', s, one, quirks)).toMatchObject({ classification: 'known', quirks: [FAKE_QUIRK], problem: { opIndex: 1 } });
    expect(classifyOutcome(fakeOracle, 'fake', s, one, new Set())).toMatchObject({ classification: 'new', quirks: [] });
    // SGI 6 lost too, at the same op and rule later on: new, reported where the quirk runs out
    const two = await runLockstep(fakeTarget({ dropSgi: 5, alsoDropSgi: 6 }), s, {}, fakeOracle);
    const c = classifyOutcome(fakeOracle, 'fake', s, two, quirks)!;
    expect(c).toMatchObject({ classification: 'new', quirks: [], problem: { opIndex: 3 } });
    expect(c.problem.signature).toBe(problemOf('fake', s, one)!.signature); // same op, same rule as the known one
  });

  test('expectations are checked even with the oracle off', async () => {
    const s = expandScenario(sgiScenario([{ op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x1' }]));
    const out = await runLockstep(fakeTarget(), s, { oracle: false }, fakeOracle);
    expect(out.verdict).toBeNull();
    expect(out.expectationFailures).toEqual([{ opIndex: 0, expected: ['0x1'], got: '0x3ff' }]);
    expect(problemOf('fake', s, out)!.parts.mismatch).toBe('expectation');
  });
});

describe('signature, finding, minimizer on generated scenarios', () => {
  // plant: SGI 5 from vCPU != 0 is lost; find it with generated scenarios
  const faulty = fakeTarget({ dropSgi: 5 });
  const sgiOnly: Record<string, number> = { sgi: 3, ack: 4, eoi: 1, cpuifRead: 1, spiConfig: 1 };
  const weights = { malformedRate: 0, minOps: 30, maxOps: 60, actions: Object.fromEntries(ACTION_NAMES.map((a) => [a, sgiOnly[a] ?? 0])) } as Weights;

  async function hits(n: number): Promise<{ id: string; sig: string }[]> {
    const out: { id: string; sig: string }[] = [];
    for (let i = 0; i < n; i++) {
      const id = `sig:${i}`;
      const e = expandScenario(generateScenario(id, { weights }));
      const p = problemOf('fake', e, await run(faulty, e));
      if (p) out.push({ id, sig: p.signature });
    }
    return out;
  }

  test('one bug found by many seeds is one signature', async () => {
    const h = await hits(60);
    expect(h.length).toBeGreaterThan(5);
    expect(new Set(h.map((x) => x.sig))).toEqual(new Set(['fake:sysreg.read ICC_IAR1_EL1:value-mismatch:fake.iar']));
  });

  test('minimized: few ops, same signature, deterministic; finding written atomically and reloadable', async () => {
    const h = await hits(60);
    const id = h[0]!.id;
    const s = generateScenario(id, { weights });
    const m1 = await minimizeOnTarget(faulty, s, run, { signature: h[0]!.sig });
    const m2 = await minimizeOnTarget(faulty, s, run, { signature: h[0]!.sig });
    expect(JSON.stringify(m1.scenario)).toBe(JSON.stringify(m2.scenario));
    // SGI 5 from a vCPU other than 0, then an acknowledge that misses it: 2 ops (boot removed)
    expect(m1.scenario.ops.length).toBeLessThanOrEqual(3);
    expect(m1.scenario.config?.vcpus).toBeLessThanOrEqual(2);
    const e = expandScenario(m1.scenario);
    const out = await run(faulty, e);
    const p = problemOf('fake', e, out)!;
    expect(p.signature).toBe(h[0]!.sig);

    const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-finding-'));
    const fdir = path.join(dir, signatureSlug(p.signature));
    const full = expandScenario(s);
    const fullOut = await run(faulty, full);
    const finding = buildFinding(s, full, fullOut, classifyOutcome(fakeOracle, 'fake', full, fullOut, new Set())!, { target: 'fake', seed: id, profile: 'full' });
    writeFinding(fdir, finding);
    writeMinimized(fdir, m1.scenario);
    expect(readdirSync(fdir).sort()).toEqual(['finding.json', 'minimized.json']); // no temp files left
    const back = loadFindingOrScenario(path.join(fdir, 'finding.json'));
    expect(back.finding?.signature).toBe(p.signature);
    expect(back.finding?.seed).toBe(id);
    expect(back.finding?.versions.generator).toBe('gen@16');
    expect(back.finding?.classification).toBe('new');
    expect(loadFindingOrScenario(path.join(fdir, 'minimized.json')).finding).toBeNull();
    // malformed findings: file, JSON path and problem
    const bad = JSON.parse(readFileSync(path.join(fdir, 'finding.json'), 'utf8'));
    bad.opIndex = -1;
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
    expect(() => loadFindingOrScenario(path.join(dir, 'bad.json'))).toThrow(/bad\.json: \/opIndex: must be >= 0/);
    bad.opIndex = 1;
    bad.scenario.ops[1] = { op: 'sysreg.read', cpu: 9, reg: 'ICC_IAR1_EL1' };
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
    expect(() => loadFindingOrScenario(path.join(dir, 'bad.json'))).toThrow(/bad\.json: \/scenario\/ops\/1\/cpu: vCPU 9 does not exist/);
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ format: 'other' }));
    expect(() => loadFindingOrScenario(path.join(dir, 'bad.json'))).toThrow(/\/format: must be "gicdiff\/finding@1" or "gicdiff\/scenario@1"/);
  });

  test('"asleep" where a guest op should have run is one signature whatever the op', async () => {
    const asleep = (op: { op: string; cpu?: number }) => (op.op === 'sysreg.read' || op.op === 'mmio.read') && op.cpu === 1;
    const sleepy: Target = { ...fakeTarget(), open: (c) => { const s = fakeTarget().open!(c); return { step: (op) => (asleep(op) ? 'asleep' : s.step(op)) }; } };
    const sigs = new Set<string>();
    const ops: Scenario['ops'] = [
      { op: 'sysreg.read', cpu: 1, reg: 'ICC_PMR_EL1' },
      { op: 'mmio.read', cpu: 1, frame: 'gicd', offset: 0x100, width: 32 },
      { op: 'mmio.read', cpu: 1, frame: 'gicr', index: 1, offset: 0x14, width: 32 },
    ];
    for (const op of ops) {
      const s = expandScenario(sgiScenario([op]));
      sigs.add(problemOf('fake', s, await run(sleepy, s))!.signature);
    }
    expect([...sigs]).toEqual(['fake:guest-op:wake-mismatch:fake.read']);
  });
});
