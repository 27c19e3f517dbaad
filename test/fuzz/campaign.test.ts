import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCampaign, CampaignError, type CampaignOptions } from '../../fuzz/campaign/coordinator.js';
import { parseDuration } from '../../fuzz/campaign/duration.js';
import { mergeCampaigns } from '../../fuzz/campaign/merge.js';
import { loadWeightsFile } from '../../fuzz/weights.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import type { CampaignSummaryDoc } from '../../fuzz/campaign/summary.js';
import { FAKE_QUIRK } from './fake.js';

const ROOT = path.resolve(__dirname, '../..');
const PLUGIN = path.join(ROOT, 'test/fuzz/fake-plugin.ts');
const BOUND_PLUGIN = path.join(ROOT, 'test/fuzz/bound-plugin.ts');
const WEIGHTS = path.join(ROOT, 'test/fuzz/fake-weights.json');
const quiet = { write: () => {} };
const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `gicdiff-${p}-`));

function opts(out: string, extra: Partial<CampaignOptions> = {}): CampaignOptions {
  return {
    target: 'fake', seed: 's1', out, profile: 'full', workers: 1, shard: { index: 0, count: 1 }, resume: false,
    weights: loadWeightsFile(WEIGHTS), expectations: { format: 'gicdiff/expectations@1', target: 'fake', entries: [] },
    plugin: PLUGIN, status: quiet, handleSignals: false, mutationRate: 0, intervalMs: 200, ...extra,
  };
}

/** What must not depend on the number of workers. */
function essence(s: CampaignSummaryDoc) {
  return {
    scenarios: s.scenarios, ops: s.ops, statuses: s.statuses, ruleHits: s.coverage.ruleHits,
    findings: s.findings.map((f) => [f.signature, f.count, f.classification]),
  };
}

describe('campaigns (fake target with a planted fault, real worker threads)', () => {
  test('same seed: same scenarios, results and findings with 1 and 2 workers', async () => {
    const a = await runCampaign(opts(tmp('w1'), { iterations: 80 }));
    const b = await runCampaign(opts(tmp('w2'), { iterations: 80, workers: 2 }));
    expect(a.stopReason).toBe('iterations');
    expect(a.scenarios).toBe(80);
    expect(a.findings.length).toBe(1);
    expect(a.findings[0]!.minimizedOps).toBeLessThanOrEqual(3);
    expect(essence(b)).toEqual(essence(a));
  });

  test('findings: finding.json valid with seed and versions, minimized.json reproduces; known when the declared quirk explains the trace, naming it', async () => {
    const out = tmp('known');
    const s = await runCampaign(opts(out, {
      iterations: 40,
      expectations: { format: 'gicdiff/expectations@1', target: 'fake', entries: [{ id: FAKE_QUIRK, reason: 'planted', source: 'test' }] },
    }));
    expect(s.counts).toEqual({ new: 0, known: 1, inconclusive: 0 });
    const f = s.findings[0]!;
    expect(f.quirks).toEqual([FAKE_QUIRK]);
    const { finding } = loadFindingOrScenario(path.join(out, f.dir, 'finding.json'));
    expect(finding!.seed).toMatch(/^s1:\d+$/);
    expect(finding!.versions.generator).toBe('gen@16');
    expect(finding!.versions.weights).toMatch(/^[0-9a-f]{12}$/);
    expect(finding!.classification).toBe('known');
    expect(loadFindingOrScenario(path.join(out, f.dir, 'minimized.json')).scenario.ops.length).toBe(f.minimizedOps);
    const lines = readFileSync(path.join(out, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[lines.length - 1]).toMatchObject({ scenarios: 40, findingsKnown: 1, findingsNew: 0, findingsInconclusive: 0 });
    // every line records the process's memory (a node process is never below 10 MiB)
    for (const l of lines) expect(l.rssMb).toBeGreaterThan(10);
  });

  test('a second fault at the same op and rule as the declared quirk is new: the record turns new, its finding is a new scenario', async () => {
    const out = tmp('same-op');
    const s = await runCampaign(opts(out, {
      target: 'fake-two', iterations: 60,
      expectations: { format: 'gicdiff/expectations@1', target: 'fake-two', entries: [{ id: FAKE_QUIRK, reason: 'planted', source: 'test' }] },
    }));
    expect(s.counts.new).toBeGreaterThanOrEqual(1);
    const rec = s.findings.find((f) => f.classification === 'new')!;
    expect(rec.signature).toMatch(/^fake-two:sysreg.read ICC_IAR1_EL1:value-mismatch:/);
    const { finding } = loadFindingOrScenario(path.join(out, rec.dir, 'finding.json'));
    expect(finding!.classification).toBe('new');
    // the minimized scenario still loses SGI 6, which no quirk explains
    const min = loadFindingOrScenario(path.join(out, rec.dir, 'minimized.json')).scenario;
    const sgi6 = min.ops.some((o) => o.op === 'sysreg.write' && o.reg === 'ICC_SGI1R_EL1' && o.cpu !== 0 && ((BigInt(o.value) >> 24n) & 0xfn) === 6n);
    expect(sgi6).toBe(true);
  });

  test('--resume continues without redoing seeds; a mismatched resume is refused', async () => {
    const out = tmp('resume');
    const first = await runCampaign(opts(out, { iterations: 30 }));
    expect(JSON.parse(readFileSync(path.join(out, 'state.json'), 'utf8'))).toMatchObject({ next: 30, committed: 30 });
    await expect(runCampaign(opts(out, { iterations: 50, resume: true, seed: 'other' }))).rejects.toThrow(CampaignError);
    const other = { ...loadWeightsFile(WEIGHTS), maxOps: 61 };
    await expect(runCampaign(opts(out, { iterations: 50, resume: true, weights: other }))).rejects.toThrow(/other generator weights/);
    const second = await runCampaign(opts(out, { iterations: 50, resume: true }));
    expect(second.scenarios).toBe(50); // 30 + 20 new, not 30 + 50
    expect(JSON.parse(readFileSync(path.join(out, 'state.json'), 'utf8')).next).toBe(50);
    // the 20 new ones are exactly indexes 30..49: together the same as one run of 50
    const whole = await runCampaign(opts(tmp('whole'), { iterations: 50 }));
    expect(essence(second)).toEqual(essence(whole));
    expect(second.findings[0]!.count).toBeGreaterThan(first.findings[0]!.count);
  });

  test('a fresh campaign into a finished one archives it; an unfinished one is refused without --replace', async () => {
    const out = tmp('again');
    await runCampaign(opts(out, { iterations: 10 }));
    const second = await runCampaign(opts(out, { iterations: 12 }));
    expect(second.scenarios).toBe(12);
    expect(second.archived).toMatch(/history/);
    expect(JSON.parse(readFileSync(path.join(second.archived!, 'summary.json'), 'utf8')).scenarios).toBe(10);
    // make it look killed (-9): summary not final
    const sfile = path.join(out, 'summary.json');
    writeFileSync(sfile, JSON.stringify({ ...JSON.parse(readFileSync(sfile, 'utf8')), final: false }));
    await expect(runCampaign(opts(out, { iterations: 5 }))).rejects.toThrow(/did not finish: --resume continues it, --replace/);
    expect((await runCampaign(opts(out, { iterations: 5, archivePrevious: true }))).scenarios).toBe(5);
  });

  test('shards split the seeds; merge combines them into the same totals', async () => {
    const s0 = tmp('s0');
    const s1 = tmp('s1');
    const a = await runCampaign(opts(s0, { iterations: 20, shard: { index: 0, count: 2 } }));
    const b = await runCampaign(opts(s1, { iterations: 20, shard: { index: 1, count: 2 } }));
    const whole = await runCampaign(opts(tmp('all'), { iterations: 40 }));
    const out = path.join(tmp('merged'), 'm');
    const m = mergeCampaigns([s0, s1], out);
    expect(m.scenarios).toBe(40);
    expect(m.ops).toBe(a.ops + b.ops);
    expect(m.ops).toBe(whole.ops);
    expect(m.findings.map((f) => [f.signature, f.count])).toEqual(whole.findings.map((f) => [f.signature, f.count]));
    expect(m.shards).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    expect(existsSync(path.join(out, m.findings[0]!.dir, 'finding.json'))).toBe(true);
    expect(() => mergeCampaigns([s0, s0], path.join(tmp('dup'), 'm'))).toThrow(/shard 0\/2 of campaign s1 is also in/);
  });

  test.each([['fake-hang', 'step-budget', /worker-hung/], ['fake-crash', 'target-error', /worker exited with code #/]] as const)(
    '%s: a worker that hangs or dies is replaced; its scenario is a %s finding; every scenario still runs', async (target, status, rule) => {
      const out = tmp(target);
      const s = await runCampaign(opts(out, { target, iterations: 16, workers: 2, hangMs: 800, minimizeFindings: false }));
      expect(s.stopReason).toBe('iterations');
      expect(s.scenarios).toBe(16);
      const lost = s.findings.filter((f) => f.parts.mismatch === status);
      expect(lost.length).toBe(1); // one signature, however many scenarios
      expect(lost[0]!.count).toBeGreaterThanOrEqual(1);
      expect(lost[0]!.parts.rule).toMatch(rule);
      // a hang is the watchdog's clock: inconclusive, never new; a worker that died is new
      expect(lost[0]!.classification).toBe(status === 'step-budget' ? 'inconclusive' : 'new');
      expect(s.statuses[status]).toBe(lost[0]!.count);
      const { finding } = loadFindingOrScenario(path.join(out, lost[0]!.dir, 'finding.json'));
      expect(finding!.error?.status).toBe(status);
      expect(finding!.seed).toMatch(/^s1:\d+$/);
    }, 30_000);

  test('oracle-bound scenarios are inconclusive findings: written, minimized, counted apart, never new nor known; --resume and merge keep them', async () => {
    // an expectation that matches anything the fake target can show: an inconclusive finding must not take it
    const anything = { format: 'gicdiff/expectations@1' as const, target: 'fake-ok', entries: [{ id: FAKE_QUIRK, reason: 'a quirk the oracle may take', source: 'test' }] };
    const out = tmp('bound');
    const lines: string[] = [];
    // minimization bounded by runs, not time (the minimized form is asserted below; a loaded machine must not cut it)
    const runsOnly = { minimize: { maxRuns: 400, timeMs: 600_000 }, minimizeInconclusive: { maxRuns: 100, timeMs: 600_000 } };
    const s = await runCampaign(opts(out, { target: 'fake-ok', plugin: BOUND_PLUGIN, iterations: 30, expectations: anything, ...runsOnly, status: { write: (l: string) => { lines.push(l); } } }));
    expect(s.statuses['oracle-error']).toBeGreaterThan(0); // the oracle gave up on those scenarios
    expect(s.counts).toEqual({ new: 0, known: 0, inconclusive: 1 });
    const f = s.findings[0]!;
    expect(f).toMatchObject({ signature: 'fake-ok:sysreg.read ICC_HPPIR0_EL1:oracle-bound:none', classification: 'inconclusive', quirks: [] });
    expect(f.count).toBe(s.statuses['oracle-error']);
    const { finding } = loadFindingOrScenario(path.join(out, f.dir, 'finding.json'));
    expect(finding!.classification).toBe('inconclusive');
    expect(finding!.quirks).toBeUndefined();
    expect(finding!.error?.status).toBe('oracle-bound');
    // minimized with the signature kept: a boot and the read the oracle gave up on are all it takes
    const min = loadFindingOrScenario(path.join(out, f.dir, 'minimized.json')).scenario;
    expect(min.ops.length).toBe(f.minimizedOps);
    expect(min.ops[min.ops.length - 1]).toMatchObject({ op: 'sysreg.read', reg: 'ICC_HPPIR0_EL1' });
    expect(lines[lines.length - 1]).toMatch(/findings new 0 known 0 inconclusive 1 \(hits \d+\)/);
    const stats = readFileSync(path.join(out, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(stats[stats.length - 1]).toMatchObject({ findingsNew: 0, findingsKnown: 0, findingsInconclusive: 1 });

    const resumed = await runCampaign(opts(out, { target: 'fake-ok', plugin: BOUND_PLUGIN, iterations: 50, resume: true, expectations: anything }));
    expect(resumed.counts).toEqual({ new: 0, known: 0, inconclusive: 1 });
    expect(resumed.findings[0]!.count).toBe(resumed.statuses['oracle-error']);
    expect(resumed.findings[0]!.count).toBeGreaterThan(f.count);

    // with the planted fault too: the new finding is new, the bound one stays apart; merge sums the counts
    const da = tmp('bound-a');
    const db = tmp('bound-b');
    const a = await runCampaign(opts(da, { plugin: BOUND_PLUGIN, iterations: 30, shard: { index: 0, count: 2 } }));
    const b = await runCampaign(opts(db, { plugin: BOUND_PLUGIN, iterations: 30, shard: { index: 1, count: 2 } }));
    for (const x of [a, b]) {
      expect(x.counts.known).toBe(0);
      expect(x.counts.inconclusive).toBe(1);
      expect(x.findings.filter((g) => g.classification === 'new').every((g) => g.parts.mismatch !== 'oracle-bound')).toBe(true);
    }
    const merged = mergeCampaigns([da, db], path.join(tmp('bound-m'), 'm'));
    const inconclusive = merged.findings.filter((g) => g.classification === 'inconclusive');
    expect(merged.counts).toEqual({ new: merged.findings.length - 1, known: 0, inconclusive: 1 });
    expect(inconclusive.map((g) => g.count)).toEqual([a.statuses['oracle-error']! + b.statuses['oracle-error']!]);
    expect(merged.findings[merged.findings.length - 1]!.classification).toBe('inconclusive'); // listed after the others
  }, 30_000);

  test('--resume of a folder written before inconclusive existed: its oracle-bound finding, recorded as new, becomes inconclusive', async () => {
    const out = tmp('bound-old');
    const o = opts(out, { target: 'fake-ok', plugin: BOUND_PLUGIN, iterations: 20, minimizeFindings: false });
    const first = await runCampaign(o);
    expect(first.counts.inconclusive).toBe(1);
    // what an older gicdiff wrote: classification new, counts without inconclusive
    const sfile = path.join(out, 'summary.json');
    const old = JSON.parse(readFileSync(sfile, 'utf8'));
    old.findings[0].classification = 'new';
    old.counts = { new: 1, known: 0 };
    writeFileSync(sfile, JSON.stringify(old));
    const ffile = path.join(out, first.findings[0]!.dir, 'finding.json');
    writeFileSync(ffile, JSON.stringify({ ...JSON.parse(readFileSync(ffile, 'utf8')), classification: 'new' }));
    const resumed = await runCampaign({ ...o, iterations: 30, resume: true });
    expect(resumed.counts).toEqual({ new: 0, known: 0, inconclusive: 1 });
    expect(resumed.findings[0]!.classification).toBe('inconclusive');
    const merged = mergeCampaigns([out], path.join(tmp('bound-old-m'), 'm'));
    expect(merged.counts).toEqual({ new: 0, known: 0, inconclusive: 1 });
  }, 30_000);

  test('durations', () => {
    expect(parseDuration('60s')).toBe(60000);
    expect(parseDuration('10m')).toBe(600000);
    expect(parseDuration('1h30m')).toBe(5400000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('90')).toBe(90000);
    expect(parseDuration('10x')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});
