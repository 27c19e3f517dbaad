// `gicdiff report` through the real CLI dispatcher: campaign folders in, files and exit codes out.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '../../cli/main.js';
import { captureOutput } from './capture-output.js';
import { validateJson } from '../../spec/validate.js';
import { buildReport } from '../../reports/build.js';
import { conformanceInput, writeCampaignFolder } from './fixtures.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gicdiff-report-cli-'));
  writeCampaignFolder(path.join(root, 'n1'), { startedAt: '2026-11-19T02:00:00.000Z', scenarios: 5000, elapsedMs: 30000, rate: 166, ruleCount: 80, shards: 2,
    findings: [{ signature: 'kvm:its.cmd MOVI:value-mismatch:its.movi.pending', classification: 'new', rule: 'its.movi.pending', count: 4, minimized: true }] });
  writeCampaignFolder(path.join(root, 'n2'), { startedAt: '2026-11-20T02:00:00.000Z', scenarios: 6000, elapsedMs: 30000, rate: 200, ruleCount: 95, shards: 2,
    findings: [{ signature: 'kvm:migrate:migrate-mismatch:its.save.order', classification: 'known', rule: 'its.save.order', count: 2 }] });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const output = captureOutput();

test('two nightly runs: trend lines, all three outputs, exit 0 when the latest run has nothing new', async () => {
  const f = (n: string) => path.join(root, 'out', n);
  // given newest first: the report orders by start time
  const code = await cli(['report', path.join(root, 'n2'), path.join(root, 'n1'), '--html', f('r.html'), '--md', f('r.md'), '--json', f('r.json')]);
  expect(output.err.join('')).toBe('');
  expect(code).toBe(0);
  expect(output.out.join('')).toContain('n1: 5000 scenarios in 30 s (166.0/s), 80 rules, 1 findings (1 new), +1 appeared');
  expect(output.out.join('')).toContain('n2: 6000 scenarios in 30 s (200.0/s), 95 rules, 1 findings (0 new), +1 appeared, -1 disappeared');
  const json = JSON.parse(readFileSync(f('r.json'), 'utf8'));
  expect(() => validateJson('report', json, 'r.json')).not.toThrow();
  expect(json.campaigns.map((c: { label: string }) => c.label)).toEqual(['n1', 'n2']);
  expect(readFileSync(f('r.html'), 'utf8')).toContain('id="trend-findings"');
  expect(readFileSync(f('r.md'), 'utf8')).toContain('disappeared: `kvm:its.cmd MOVI:value-mismatch:its.movi.pending`');
});

test('exit 1 when the latest run has a new finding', async () => {
  expect(await cli(['report', path.join(root, 'n2'), path.join(root, 'n1'), '--md', path.join(root, 'out', 'x.md')]) ).toBe(0);
  expect(await cli(['report', path.join(root, 'n1')])).toBe(1);
  expect(output.out.join('')).toContain('1 new divergence or finding in the latest run');
});

const BOUND = { signature: 'kvm:sysreg.write ICC_EOIR1_EL1:oracle-bound:none', rule: 'none', count: 3, mismatch: 'oracle-bound', minimized: true };
const INCONCLUSIVE = "inconclusive: a bound was reached (the model's candidate or work bound, or the scenario's op budget or time limit); says nothing about the target";

test('an inconclusive (oracle-bound) finding in the latest run: shown, labelled, counted apart, exit 0', async () => {
  const dir = path.join(root, 'n3');
  writeCampaignFolder(dir, { startedAt: '2026-11-21T02:00:00.000Z', scenarios: 7000, elapsedMs: 30000, rate: 233, ruleCount: 96,
    findings: [{ ...BOUND, classification: 'inconclusive' }, { signature: 'kvm:migrate:migrate-mismatch:its.save.order', classification: 'known', rule: 'its.save.order', count: 2 }] });
  const f = (n: string) => path.join(root, 'out3', n);
  expect(await cli(['report', path.join(root, 'n2'), dir, '--html', f('r.html'), '--md', f('r.md'), '--json', f('r.json')])).toBe(0);
  expect(output.err.join('')).toBe('');
  expect(output.out.join('')).toContain('n3: 7000 scenarios in 30 s (233.0/s), 96 rules, 2 findings (0 new, 1 inconclusive), +1 appeared');
  expect(output.out.join('')).not.toContain('new divergence');
  const json = JSON.parse(readFileSync(f('r.json'), 'utf8'));
  expect(() => validateJson('report', json, 'r.json')).not.toThrow();
  expect(json.trend.runs[1]).toMatchObject({ label: 'n3', findings: 2, newFindings: 0, inconclusiveFindings: 1 });
  expect(json.campaigns[1].findings.map((x: { status: string }) => x.status)).toEqual(['inconclusive', 'known']);
  const md = readFileSync(f('r.md'), 'utf8');
  expect(md).toContain('✅ No new divergence.');
  expect(md).toContain(`1 ${INCONCLUSIVE} (not counted as new).`);
  expect(md).toMatch(/\| n3 \|.*\| 2 \(0\) \| 1 \|/);
  expect(md).toContain(`<details><summary>1 ${INCONCLUSIVE} (n3)</summary>`);
  expect(md).toContain('- `kvm:sysreg.write ICC_EOIR1_EL1:oracle-bound:none`: finding 0');
  const html = readFileSync(f('r.html'), 'utf8');
  expect(html).toContain('id="verdict-banner">No new divergence');
  // the findings table: new first, then known, then inconclusive, labelled
  const table = html.match(/<table id="findings-table">[\s\S]*?<\/table>/)![0];
  expect(table.indexOf('its.save.order')).toBeLessThan(table.indexOf('oracle-bound'));
  expect(table).toContain(`<td class="st-inconclusive">inconclusive<div class="muted">${INCONCLUSIVE.replaceAll("'", '&#39;')}</div></td>`);
});

test('a campaign written before inconclusive existed: its oracle-bound finding, recorded as new, is read as inconclusive', async () => {
  const dir = path.join(root, 'old');
  writeCampaignFolder(dir, { startedAt: '2026-11-21T03:00:00.000Z', scenarios: 100, elapsedMs: 1000, rate: 100, ruleCount: 10,
    findings: [{ ...BOUND, classification: 'new' }] });
  expect(await cli(['report', dir, '--json', path.join(root, 'out3', 'old.json')])).toBe(0);
  expect(output.out.join('')).toContain('1 findings (0 new, 1 inconclusive)');
  // the same folder with a real new finding next to it still fails
  writeCampaignFolder(dir, { startedAt: '2026-11-21T03:00:00.000Z', scenarios: 100, elapsedMs: 1000, rate: 100, ruleCount: 10,
    findings: [{ ...BOUND, classification: 'new' }, { signature: 'kvm:its.cmd MOVI:value-mismatch:its.movi.pending', classification: 'new', rule: 'its.movi.pending', count: 1 }] });
  expect(await cli(['report', dir])).toBe(1);
  expect(output.out.join('')).toContain('1 new divergence or finding in the latest run');
});

test('with a conformance report folded in: its new divergences count, the matrix is there', async () => {
  const conf = path.join(root, 'conformance.json');
  writeFileSync(conf, JSON.stringify(buildReport(conformanceInput())));
  const html = path.join(root, 'out', 'both.html');
  expect(await cli(['report', path.join(root, 'n2'), '--conformance', conf, '--html', html, '--junit', path.join(root, 'out', 'both.xml')])).toBe(1);
  const page = readFileSync(html, 'utf8');
  expect(page).toContain('id="matrix"');
  expect(page).toContain('id="findings-table"');
  expect(existsSync(path.join(root, 'out', 'both.xml'))).toBe(true);
});

test('bad input: exit 2 with the file and what is wrong', async () => {
  expect(await cli(['report', root])).toBe(2);
  expect(output.err.join('')).toContain(`${root}: (top level): no summary.json: not a campaign folder`);
  output.err.length = 0;
  const bad = path.join(root, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'gicdiff/report@1' }));
  expect(await cli(['report', '--conformance', bad])).toBe(2);
  expect(output.err.join('')).toMatch(/bad\.json: \(top level\): missing required field "generatedAt"/);
  output.err.length = 0;
  expect(await cli(['report'])).toBe(2);
  expect(output.err.join('')).toContain('give at least one campaign folder');
  output.err.length = 0;
  expect(await cli(['report', path.join(root, 'n1'), '--pdf', 'x'])).toBe(2);
  expect(output.err.join('')).toContain('unknown option --pdf');
});
