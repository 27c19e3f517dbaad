// The HTML report in a real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// it loads from file:// without touching the network, logs no console error, the matrix has one
// row per covered rule, the component and status filters work, a matrix cell takes you to its
// verdict, and the plots are drawn. Leaves a screenshot in out/reports/ for people to look at.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildReport } from '../../reports/build.js';
import { renderHtml } from '../../reports/html.js';
import { CAMPAIGNS, conformanceInput } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = path.resolve('out', 'reports');

let context: BrowserContext;
let page: Page;
let userDataDir: string;
const consoleErrors: string[] = [];
const offPage: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the browser test needs Debian's chromium. Run \`sh reports/setup-browser.sh\` (or the project setup) and try again.`);
  }
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'browser-test.html');
  writeFileSync(file, renderHtml(buildReport({ ...conformanceInput(), campaigns: CAMPAIGNS })));
  userDataDir = mkdtempSync(path.join(tmpdir(), 'gicdiff-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    offPage.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
}, 30_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// Page-side code is written as strings: the project compiles without the DOM library.
const visibleRules = (): Promise<string[]> => page.evaluate(
  `Array.from(document.querySelectorAll('#matrix tbody tr')).filter((tr) => !tr.hidden && tr.offsetParent !== null).map((tr) => tr.getAttribute('data-rule'))`);
const currentHash = (): Promise<string> => page.evaluate('location.hash.slice(1)');

test('loads with no console error and no request leaving the file', async () => {
  expect(await page.title()).toBe('gicdiff conformance report');
  expect(consoleErrors).toEqual([]);
  expect(offPage).toEqual([]);
});

test('the matrix has one row per covered rule and a column per target', async () => {
  // 8 of the fixture's 9 rules are covered by some scenario (see fixtures.ts)
  expect((await visibleRules()).sort()).toEqual([
    'cpuif.iar.ack', 'cpuif.iar.spurious', 'cpuif.rpr', 'dist.ctlr.are', 'its.int.translate', 'its.movi.pending', 'its.save.order', 'lpi.prop.cache',
  ]);
  expect(await page.$$eval('#matrix thead th', (ths) => ths.map((t) => t.textContent))).toEqual(['rule', 'component', 'model', 'kvm', 'qemu', 'fuzzed (latest run)']);
  expect(await page.textContent('#matrix-count')).toBe('8 of 8 rules shown');
});

test('filtering by component and by status', async () => {
  await page.selectOption('#component-filter', 'its');
  expect((await visibleRules()).sort()).toEqual(['its.int.translate', 'its.movi.pending']);
  expect(await page.textContent('#matrix-count')).toBe('2 of 8 rules shown');
  await page.selectOption('#component-filter', '');
  await page.selectOption('#status-filter', 'new');
  expect((await visibleRules()).sort()).toEqual(['cpuif.iar.spurious', 'its.movi.pending']);
  await page.selectOption('#status-filter', '');
  await page.fill('#rule-search', 'RPR');
  expect(await visibleRules()).toEqual(['cpuif.rpr']);
  await page.fill('#rule-search', '');
  expect(await visibleRules()).toHaveLength(8);
});

test('a cell takes you to its verdict, the verdict to its scenario', async () => {
  await page.click('tr[data-rule="its.movi.pending"] td[data-target="kvm"] a');
  const hash = await currentHash();
  const verdict = page.locator(`[id="${hash}"]`);
  expect(await verdict.getAttribute('data-outcome')).toBe('new');
  expect(await verdict.textContent()).toContain('gicdiff repro spec/conformance/its/its-movi.json --target kvm');
  expect(await verdict.isVisible()).toBe(true);
  const box = await verdict.boundingBox();
  expect(box!.y).toBeGreaterThanOrEqual(-1); // scrolled into view
  expect(box!.y).toBeLessThan(900);
  await verdict.locator('a').first().click();
  const scenario = await page.locator(`[id="${await currentHash()}"]`).textContent();
  expect(scenario).toContain('spec/conformance/its/its-movi.json');
});

test('the campaign plots are drawn', async () => {
  for (const id of ['plot-rate', 'plot-coverage', 'plot-findings', 'trend-rate', 'trend-coverage', 'trend-findings']) {
    const svg = page.locator(`#${id}`);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(150);
    const lines = svg.locator('polyline');
    expect(await lines.count()).toBeGreaterThanOrEqual(1);
    const lineBox = await lines.first().boundingBox();
    expect(lineBox!.width).toBeGreaterThan(100); // a real line across the plot, not a dot
  }
  // three nightly runs overlaid in the within-run plot
  expect(await page.locator('#plot-rate polyline').count()).toBe(3);
});

test('screenshot', async () => {
  await page.evaluate(`location.hash = ''; window.scrollTo(0, 0);`);
  const file = path.join(OUT, 'browser-test.png');
  await page.screenshot({ path: file, fullPage: true });
  await page.screenshot({ path: path.join(OUT, 'browser-test-top.png') });
  await page.locator('#campaigns').screenshot({ path: path.join(OUT, 'browser-test-campaigns.png') });
  expect(existsSync(file)).toBe(true);
  expect(consoleErrors).toEqual([]);
});

// The same checks on a real report: `gicdiff conformance` on the reference model and the KVM
// implementation (the examples, to stay fast), read back from its own JSON.
describe('a real conformance report', () => {
  let real: Page;
  let json: { coverage: { rule: string; component: string }[]; results: unknown[] };
  const errors: string[] = [];

  beforeAll(async () => {
    const { cli } = await import('../../cli/main.js');
    const html = path.join(OUT, 'real-conformance.html'), jsonFile = path.join(OUT, 'real-conformance.json');
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // the CLI's progress lines
    try {
      await cli(['conformance', '--target', 'model', '--target', 'kvm', '--suite', 'examples', '--html', html, '--json', jsonFile]);
    } finally {
      process.stdout.write = write;
    }
    json = JSON.parse(readFileSync(jsonFile, 'utf8'));
    real = await context.newPage();
    real.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    real.on('pageerror', (e) => errors.push(String(e)));
    await real.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  }, 30_000);

  test('no console error; one matrix row per covered rule; the component filter', async () => {
    expect(errors).toEqual([]);
    expect(json.results).toHaveLength(10);
    const rows = await real.evaluate<string[]>(`Array.from(document.querySelectorAll('#matrix tbody tr')).map((tr) => tr.getAttribute('data-rule'))`);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.sort()).toEqual(json.coverage.map((c) => c.rule).sort());
    const component = json.coverage[0]!.component;
    await real.selectOption('#component-filter', component);
    const shown = await real.evaluate<string[]>(`Array.from(document.querySelectorAll('#matrix tbody tr')).filter((tr) => !tr.hidden).map((tr) => tr.getAttribute('data-rule'))`);
    expect(shown.sort()).toEqual(json.coverage.filter((c) => c.component === component).map((c) => c.rule).sort());
    await real.screenshot({ path: path.join(OUT, 'real-conformance-top.png') });
  });
});
