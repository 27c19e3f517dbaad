// Reading campaign folders in the format of fuzz/CAMPAIGN-FORMAT.md; bad folders name the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { downsample, MAX_SAMPLES, readCampaign, readCampaigns } from '../../reports/campaign.js';
import { ValidationError } from '../../spec/validate.js';
import { writeCampaignFolder } from './fixtures.js';

let root: string;
beforeAll(() => { root = mkdtempSync(path.join(tmpdir(), 'gicdiff-campaign-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

function errorOf(f: () => unknown): ValidationError {
  try { f(); } catch (e) { if (e instanceof ValidationError) return e; throw e; }
  throw new Error('no error thrown');
}

describe('readCampaign', () => {
  test('summary, stats series and findings', () => {
    const dir = path.join(root, 'night-a');
    writeCampaignFolder(dir, { startedAt: '2026-11-20T02:00:00.000Z', scenarios: 1000, elapsedMs: 8000, rate: 125, ruleCount: 90, shards: 3, ruleHits: { 'a.b': 7 },
      findings: [{ signature: 'kvm:a:value-mismatch:r1', classification: 'new', rule: 'r1', count: 4, minimized: true },
        { signature: 'kvm:b:value-mismatch:none', classification: 'known', rule: 'none', count: 2 }] });
    const c = readCampaign(dir);
    expect(c).toMatchObject({ label: 'night-a', scenarios: 1000, durationS: 8, rate: 125, rulesCovered: 90, shards: 3, targets: ['kvm'], startedAt: '2026-11-20T02:00:00.000Z' });
    expect(c.ruleHits).toEqual({ 'a.b': 7 });
    expect(c.series).toHaveLength(5);
    expect(c.series[4]).toEqual({ elapsedS: 8, scenarios: 1000, rate: 125, rulesCovered: 90, findings: 1 });
    expect(c.findings[0]).toMatchObject({ signature: 'kvm:a:value-mismatch:r1', status: 'new', rules: ['r1'], count: 4, seed: '7:0', file: path.join(dir, 'findings/f0/minimized.json') });
    // not minimized yet: the finding itself is what repro takes
    expect(c.findings[1]).toMatchObject({ status: 'known', knownReason: 'expectation kvm-known-1', file: path.join(dir, 'findings/f1/finding.json') });
    expect(c.findings[1]!.rules).toBeUndefined();
  });

  test('a merged folder: the shards\' concatenated stats lines become one series', () => {
    const dir = path.join(root, 'merged');
    writeCampaignFolder(dir, { startedAt: '2026-11-20T02:00:00.000Z', scenarios: 32, elapsedMs: 4000, rate: 8, ruleCount: 40, shards: 2, findings: [] });
    const line = (ms: number, scenarios: number, rate: number, rules: number, findings: number) =>
      JSON.stringify({ elapsedMs: ms, scenarios, scenariosPerSec: rate, rules, findingsNew: findings, findingsKnown: 0 });
    // shard 0 reports at 0, 2, 4 s; shard 1 at 0, 1, 3 s (what `gicdiff merge` writes: one file after the other)
    writeFileSync(path.join(dir, 'stats.jsonl'), [line(0, 0, 0, 0, 0), line(2000, 10, 5, 20, 1), line(4000, 20, 5, 30, 1),
      line(0, 0, 0, 0, 0), line(1000, 4, 4, 25, 0), line(3000, 12, 4, 35, 2)].join('\n') + '\n');
    // worked out by hand: scenarios and rates add up while a shard runs; rules and findings: the larger
    expect(readCampaign(dir).series).toEqual([
      { elapsedS: 0, scenarios: 0, rate: 0, rulesCovered: 0, findings: 0 },
      { elapsedS: 1, scenarios: 4, rate: 4, rulesCovered: 25, findings: 0 },
      { elapsedS: 2, scenarios: 14, rate: 9, rulesCovered: 25, findings: 1 },
      { elapsedS: 3, scenarios: 22, rate: 9, rulesCovered: 35, findings: 2 },
      { elapsedS: 4, scenarios: 32, rate: 5, rulesCovered: 35, findings: 2 },
    ]);
  });

  test('memory: each stats line\'s rssMb is in the series, and the peak is taken before thinning', () => {
    const dir = path.join(root, 'memory');
    writeCampaignFolder(dir, { startedAt: '2026-11-20T02:00:00.000Z', scenarios: 999, elapsedMs: 999_000, rate: 1, ruleCount: 9, findings: [] });
    // 1,000 lines at 300 MiB, one 1,234 MiB spike at line 501 (index 500): thinning to 400 samples skips it
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ elapsedMs: i * 1000, scenarios: i, scenariosPerSec: 1, rules: 9, findingsNew: 0, findingsKnown: 0, rssMb: i === 500 ? 1234 : 300 }));
    writeFileSync(path.join(dir, 'stats.jsonl'), lines.join('\n') + '\n');
    const c = readCampaign(dir);
    expect(c.series).toHaveLength(MAX_SAMPLES);
    expect(c.series.some((x) => x.rssMb === 1234)).toBe(false);
    expect(c.series[1]!.rssMb).toBe(300);
    expect(c.peakRssMb).toBe(1234);
    // lines without the field (older campaigns): no memory figure at all
    writeFileSync(path.join(dir, 'stats.jsonl'), JSON.stringify({ elapsedMs: 0, scenarios: 0, scenariosPerSec: 0, rules: 0, findingsNew: 0, findingsKnown: 0 }) + '\n');
    expect(readCampaign(dir).peakRssMb).toBeUndefined();
  });

  test('long series are thinned to MAX_SAMPLES, keeping both ends', () => {
    const xs = Array.from({ length: 10_001 }, (_, i) => i);
    const d = downsample(xs, MAX_SAMPLES);
    expect(d).toHaveLength(MAX_SAMPLES);
    expect([d[0], d[d.length - 1]]).toEqual([0, 10_000]);
    expect(downsample([1, 2, 3], MAX_SAMPLES)).toEqual([1, 2, 3]);
  });

  test('an unfinished campaign says so in its label', () => {
    const dir = path.join(root, 'running');
    writeCampaignFolder(dir, { startedAt: '2026-11-21T02:00:00.000Z', scenarios: 1, elapsedMs: 1, rate: 1, ruleCount: 1, findings: [] });
    const file = path.join(dir, 'summary.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(require('node:fs').readFileSync(file, 'utf8')), final: false }));
    expect(readCampaign(dir).label).toBe('running (unfinished)');
  });

  test('several folders come out oldest first', () => {
    const late = path.join(root, 'late'), early = path.join(root, 'early');
    writeCampaignFolder(late, { startedAt: '2026-11-21T02:00:00.000Z', scenarios: 1, elapsedMs: 1, rate: 1, ruleCount: 1, findings: [] });
    writeCampaignFolder(early, { startedAt: '2026-11-19T02:00:00.000Z', scenarios: 1, elapsedMs: 1, rate: 1, ruleCount: 1, findings: [] });
    expect(readCampaigns([late, early]).map((c) => c.label)).toEqual(['early', 'late']);
  });

  test('a folder without summary.json', () => {
    const e = errorOf(() => readCampaign(root));
    expect(e.message).toContain('no summary.json: not a campaign folder');
    expect(e.file).toBe(root);
  });

  test('a missing folder', () => {
    expect(errorOf(() => readCampaign(path.join(root, 'nope'))).message).toContain('not a folder');
  });

  test('a summary with the wrong format or a bad finding names the file and path', () => {
    const dir = path.join(root, 'bad');
    writeCampaignFolder(dir, { startedAt: 'x', scenarios: 1, elapsedMs: 1, rate: 1, ruleCount: 1, findings: [{ signature: 's', classification: 'new', rule: 'r', count: 1 }] });
    const file = path.join(dir, 'summary.json');
    const good = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...good, format: 'gicdiff/summary@9' }));
    let e = errorOf(() => readCampaign(dir));
    expect([e.file, e.jsonPath]).toEqual([file, '/format']);
    writeFileSync(file, JSON.stringify({ ...good, findings: [{ ...good.findings[0], classification: 'maybe' }] }));
    e = errorOf(() => readCampaign(dir));
    expect(e.jsonPath).toBe('/findings/0/classification');
    writeFileSync(file, JSON.stringify({ ...good, findings: [{ ...good.findings[0], dir: '../../etc' }] }));
    expect(errorOf(() => readCampaign(dir)).message).toContain('inside the campaign folder');
    writeFileSync(file, '{ not json');
    expect(errorOf(() => readCampaign(dir)).message).toContain('not valid JSON');
    writeFileSync(file, JSON.stringify(good));
    writeFileSync(path.join(dir, 'stats.jsonl'), '{"elapsedMs": 1, "scenarios": 1}\n{"elapsedMs": "soon", "scenarios": 2}\n');
    e = errorOf(() => readCampaign(dir));
    expect([e.file, e.jsonPath]).toEqual([path.join(dir, 'stats.jsonl'), 'line 2/elapsedMs']);
  });
});
