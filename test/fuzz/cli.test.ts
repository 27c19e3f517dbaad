// gicdiff fuzz / repro / minimize / merge as processes: signals, exit codes, messages.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import type { CampaignSummaryDoc } from '../../fuzz/campaign/summary.js';

const ROOT = path.resolve(__dirname, '../..');
const PLUGIN = path.join(ROOT, 'test/fuzz/fake-plugin.ts');
const WEIGHTS = path.join(ROOT, 'test/fuzz/fake-weights.json');
const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), `gicdiff-${p}-`));

describe('gicdiff fuzz as a process', () => {
  function gicdiff(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; out: string; err: string }> } {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/gicdiff.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
    return { child, done };
  }

  test('SIGTERM ends the campaign cleanly: every finding written before the kill is kept, summary final', async () => {
    const out = tmp('kill');
    const { child, done } = gicdiff(['fuzz', '--target', 'fake', '--plugin', PLUGIN, '--weights', WEIGHTS, '--seed', 'k', '--time', '60s', '--workers', '2', '--out', out, '--interval', '200ms', '--no-report']);
    // wait until a finding has been written, then kill
    const findings = path.join(out, 'findings');
    for (let i = 0; i < 200; i++) {
      if (existsSync(findings) && readdirSync(findings).some((d) => existsSync(path.join(findings, d, 'finding.json')))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = readdirSync(findings).filter((d) => existsSync(path.join(findings, d, 'finding.json')));
    expect(before.length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as CampaignSummaryDoc;
    expect(s.final).toBe(true);
    expect(s.stopReason).toBe('signal');
    for (const d of before) {
      expect(loadFindingOrScenario(path.join(findings, d, 'finding.json')).finding).not.toBeNull();
      expect(s.findings.some((f) => f.dir === path.join('findings', d))).toBe(true);
    }
    expect(readdirSync(findings).flatMap((d) => readdirSync(path.join(findings, d))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(r.out).toMatch(/stopped by signal/);
  }, 40000);

  test('bad options and malformed files: a clear message and exit 2', async () => {
    const out = tmp('bad');
    const cases: [string[], RegExp][] = [
      [['fuzz', '--target', 'fake', '--plugin', PLUGIN, '--out', out], /give --time or --iterations/],
      [['fuzz', '--target', 'fake', '--plugin', PLUGIN, '--out', out, '--time', '10x'], /--time takes a duration/],
      [['fuzz', '--target', 'fake', '--plugin', PLUGIN, '--out', out, '-n', '5', '--shard', '2/2'], /--shard 2\/2: need 0 <= i < N/],
      [['fuzz', '--target', 'fake', '--plugin', PLUGIN, '--out', out, '-n', '5', '--profile', 'x'], /--profile must be one of full, guest-only/],
      [['fuzz', '--target', 'fake', '--plugin', PLUGIN, '--out', out, '-n', '5', '--weights', path.join(ROOT, 'package.json')], /package\.json: \/format: must be "gicdiff\/weights@1"/],
      [['repro', path.join(ROOT, 'package.json'), '--plugin', PLUGIN], /package\.json: \/format: must be "gicdiff\/finding@1" or "gicdiff\/scenario@1"/],
      [['minimize', path.join(ROOT, 'tsconfig.json')], /tsconfig\.json: \/format/],
      [['merge', out, '--out', path.join(out, 'm')], /no summary\.json: not a campaign folder/],
    ];
    for (const [args, re] of cases) {
      const r = await gicdiff(args).done;
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.err).toMatch(re);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
  }, 60000);

  test('an oracle-bound finding: listed apart as inconclusive, the campaign and its report pass, merge counts it', async () => {
    const out = tmp('cli-bound');
    const r = await gicdiff(['fuzz', '--target', 'fake-ok', '--plugin', path.join(ROOT, 'test/fuzz/bound-plugin.ts'), '--weights', WEIGHTS, '--seed', 'b', '-n', '30', '--out', out, '--interval', '200ms']).done;
    expect(r.code).toBe(0);
    expect(r.out).toContain('  findings: 0 new, 0 known, 1 inconclusive\n');
    expect(r.out).toMatch(/\n  inconclusive: a bound was reached \(the model's candidate or work bound, or the scenario's op budget or time limit\); says nothing about the target:\n    \[inconclusive\] fake-ok:sysreg.read ICC_HPPIR0_EL1:oracle-bound:none  x\d+ /);
    expect(r.err).toMatch(/findings new 0 known 0 inconclusive 1 \(hits \d+\)/);
    // the report the campaign built at its end: no new divergence, the inconclusive finding counted apart
    expect(r.out).toMatch(/30 scenarios in \d+ s \([\d.]+\/s\), \d+ rules, 1 findings \(0 new, 1 inconclusive\)/);
    expect(r.out).not.toContain('new divergence');
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('✅ No new divergence.');
    const m = await gicdiff(['merge', out, '--out', path.join(out, 'm')]).done;
    expect(m.code).toBe(0);
    expect(m.out).toContain('findings 0 new, 0 known, 1 inconclusive');
    expect((await gicdiff(['report', path.join(out, 'm')]).done).code).toBe(0);
  }, 60000);

  test('repro: exit 1 while it diverges, 0 once fixed; --bisect skips (125) what cannot run', async () => {
    const dir = tmp('repro');
    const file = path.join(dir, 'sgi5.json');
    writeFileSync(file, JSON.stringify({
      format: 'gicdiff/scenario@1', name: 'sgi5', config: { vcpus: 2, its: 0 },
      ops: [{ op: 'sysreg.write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: '0x5000001' }, { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' }],
    }));
    const bad = await gicdiff(['repro', file, '--target', 'fake', '--plugin', PLUGIN]).done;
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/>>\s*1 \[1\] cpu0 mrs ICC_IAR1_EL1\s+-> 0x3ff/);
    expect(bad.out).toMatch(/allowed: 0x5/);
    expect(bad.out).toMatch(/diverges at op 1: fake:sysreg.read ICC_IAR1_EL1:value-mismatch:fake.iar/);
    const good = await gicdiff(['repro', file, '--target', 'fake-ok', '--plugin', PLUGIN, '-q']).done;
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/no divergence/);
    const skip = await gicdiff(['repro', path.join(dir, 'missing.json'), '--target', 'fake', '--plugin', PLUGIN, '--bisect']).done;
    expect(skip.code).toBe(125);
  }, 30000);
});
