// A campaign's scenarios, findings and verdict depend on the seed and the scenario count only:
// not on the number of workers (corpus decisions are made in scenario-index order, in epochs),
// and not on where it was killed and resumed (state.json is the one record; what it does not
// count runs again). Real worker threads on the fake target, default mutation rate.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCampaign, type CampaignOptions } from '../../fuzz/campaign/coordinator.js';
import { loadWeightsFile } from '../../fuzz/weights.js';
import { Rng } from '../../fuzz/rng.js';
import { readCampaign } from '../../reports/campaign.js';
import type { CampaignSummaryDoc } from '../../fuzz/campaign/summary.js';

const ROOT = path.resolve(__dirname, '../..');
const PLUGIN = path.join(ROOT, 'test/fuzz/fake-plugin.ts');
const WEIGHTS = path.join(ROOT, 'test/fuzz/fake-weights.json');
const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `gicdiff-${p}-`));

function opts(out: string, extra: Partial<CampaignOptions>): CampaignOptions {
  return {
    target: 'fake', seed: 'det', out, profile: 'full', workers: 1, shard: { index: 0, count: 1 }, resume: false,
    weights: loadWeightsFile(WEIGHTS), expectations: { format: 'gicdiff/expectations@1', target: 'fake', entries: [] },
    plugin: PLUGIN, status: { write: () => {} }, handleSignals: false, intervalMs: 200, minimizeFindings: false, ...extra,
  };
}

/** Everything that must not depend on workers or interruptions (not times, rates or worker counts). */
function essence(dir: string) {
  const s = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as CampaignSummaryDoc;
  const corpus = readdirSync(path.join(dir, 'corpus')).map((f) => JSON.parse(readFileSync(path.join(dir, 'corpus', f), 'utf8')) as { id: string; index: number });
  return {
    final: s.final, stopReason: s.stopReason, scenarios: s.scenarios, ops: s.ops, statuses: s.statuses, coverage: s.coverage, counts: s.counts, corpus: s.corpus,
    findings: s.findings.map((f) => [f.signature, f.count, f.classification, f.firstSeed, f.dir]),
    corpusIds: corpus.sort((a, b) => a.index - b.index).map((e) => e.id),
    findingDirs: readdirSync(path.join(dir, 'findings')).sort(),
  };
}

test('1, 2 and 4 workers: the same scenarios (mutations included), coverage, corpus and findings', async () => {
  const runs = [];
  for (const workers of [1, 2, 4]) {
    const out = tmp(`det${workers}`);
    await runCampaign(opts(out, { workers, iterations: 400 }));
    runs.push(essence(out));
  }
  expect(runs[0]!.scenarios).toBe(400);
  // the corpus fed mutations (S:k<parent> ids): without them the same seed runs other scenarios
  const fresh = tmp('det-fresh');
  await runCampaign(opts(fresh, { workers: 1, iterations: 400, mutationRate: 0 }));
  expect(essence(fresh).ops).not.toBe(runs[0]!.ops);
  expect(runs[1]).toEqual(runs[0]);
  expect(runs[2]).toEqual(runs[0]);
}, 120000);

test('with coverage feedback on (branches of the target code): still the same with 1, 2 and 4 workers', async () => {
  const runs = [];
  for (const workers of [1, 2, 4]) {
    const out = tmp(`cov${workers}`);
    const s = await runCampaign(opts(out, { workers, iterations: 300, branchCoverage: true }));
    expect(s.coverage.branchCount).toBeGreaterThan(10);
    // the report shows branch coverage over time next to rule coverage
    const seen = readCampaign(out);
    expect(seen.branchesCovered).toBe(s.coverage.branchCount);
    expect(seen.series.at(-1)!.branchesCovered).toBe(s.coverage.branchCount);
    runs.push({ ...essence(out), branches: (JSON.parse(readFileSync(path.join(out, 'state.json'), 'utf8')) as { branches: string[] }).branches });
  }
  // branches of the fake target only (test/fuzz/fake.ts), never of the model or the fuzzer
  expect(runs[0]!.branches.every((b) => b.startsWith('test/fuzz/fake.ts:'))).toBe(true);
  expect(runs[1]).toEqual(runs[0]);
  expect(runs[2]).toEqual(runs[0]);
}, 120000);

test('SIGKILL at random points, resumed each time: the final summary equals an uninterrupted run', async () => {
  // the slowed fake (~2 ms a scenario): kill points are scenario counts read from state.json, so
  // the test kills part-way on a fast machine as on a loaded one
  const plugin = path.join(ROOT, 'test/fuzz/fake-slow-plugin.ts');
  const whole = tmp('whole');
  await runCampaign(opts(whole, { workers: 2, iterations: 1500, plugin }));

  const out = tmp('killed');
  const args = ['--import', 'tsx', path.join(ROOT, 'cli/gicdiff.ts'), 'fuzz', '--target', 'fake', '--plugin', plugin, '--weights', WEIGHTS,
    '--seed', 'det', '-n', '1500', '--workers', '2', '--out', out, '--interval', '100ms', '--no-report', '--no-minimize'];
  const rng = new Rng('kill-points');
  const counted = () => {
    try {
      return (JSON.parse(readFileSync(path.join(out, 'state.json'), 'utf8')) as { scenarios: number }).scenarios;
    } catch {
      return -1; // not written yet
    }
  };
  let kills = 0;
  for (let round = 0; round < 8; round++) {
    const child = spawn(process.execPath, [...args, ...(round > 0 ? ['--resume'] : [])], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    let code: number | null | 'alive' = 'alive';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => { code = c; resolve(c); }));
    // kill once this run has counted a random number of further scenarios (rounds 0-4), at most
    // a random delay after that; later rounds run to the end
    const from = Math.max(0, counted());
    const killAt = round < 5 ? from + 40 + Math.floor(rng.float() * 200) : Infinity;
    const jitter = Math.floor(rng.float() * 150);
    while (code === 'alive' && counted() < killAt) await new Promise((r) => setTimeout(r, 20));
    if (code === 'alive') await new Promise((r) => setTimeout(r, jitter));
    if (code === 'alive') {
      child.kill('SIGKILL');
      await exited;
      kills++;
      continue;
    }
    expect({ code, err: err.split('\n').filter((l) => !l.startsWith('[')).join('\n') }).toEqual({ code: 0, err: '' });
    break;
  }
  if (!existsSync(path.join(out, 'summary.json')) || !(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as CampaignSummaryDoc).final) {
    // it was still running at the last kill: finish it
    await runCampaign(opts(out, { workers: 2, iterations: 1500, resume: true, plugin }));
  }
  expect(kills).toBeGreaterThanOrEqual(3);
  expect(essence(out)).toEqual(essence(whole));
  // nothing counted twice: each index at most once in the corpus, stats rates sane after every resume
  const lines = readFileSync(path.join(out, 'stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { scenariosPerSec: number });
  expect(Math.max(...lines.map((l) => l.scenariosPerSec))).toBeLessThan(100_000);
}, 240000);
