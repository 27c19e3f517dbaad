// The HTML report without a browser: self-contained, every in-page link resolves, one matrix row
// per covered rule. (The real-browser test is browser.test.ts.)
import { buildReport } from '../../reports/build.js';
import { movingRate, renderHtml } from '../../reports/html.js';
import { lineChart, niceTicks } from '../../reports/svg.js';
import { CAMPAIGNS, conformanceInput } from './fixtures.js';

describe('renderHtml', () => {
  const html = renderHtml(buildReport({ ...conformanceInput(), campaigns: CAMPAIGNS }));

  test('self-contained: no external resource of any kind', () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/(href|src)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toContain('\u0000');
  });

  test('every in-page link points at an element of the page', () => {
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const hrefs = [...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(20);
    for (const h of hrefs) expect(ids.has(h)).toBe(true);
    expect(ids.size).toBe([...html.matchAll(/\sid="([^"]+)"/g)].length); // ids unique
  });

  test('matrix: one row per covered rule, the cell of a new divergence links to its verdict', () => {
    const rows = [...html.matchAll(/<tr class="rule-row" data-rule="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toHaveLength(8);
    const movi = html.match(/<tr class="rule-row" data-rule="its.movi.pending"[\s\S]*?<\/tr>/)![0];
    const kvmCell = movi.match(/<td class="cell st-new" data-target="kvm"><a href="#([^"]+)"/)!;
    const verdict = html.match(new RegExp(`<div class="result st-new" id="${kvmCell[1]}"[\\s\\S]*?</div>`))![0];
    expect(verdict).toContain('gicdiff repro spec/conformance/its/its-movi.json --target kvm');
    expect(movi).toContain('<td class="cell st-not-covered" data-target="qemu"');
    // the latest campaign exercised its.movi.pending in 3 scenarios, lpi.prop.cache in none
    expect(movi).toMatch(/<td class="num"[^>]*>3<\/td><\/tr>$/);
    const lpi = html.match(/<tr class="rule-row" data-rule="lpi.prop.cache"[\s\S]*?<\/tr>/)![0];
    expect(lpi).toMatch(/<td class="num st-not-covered"[^>]*>0<\/td><\/tr>$/);
  });

  test('campaign plots and the findings table', () => {
    for (const id of ['plot-rate', 'plot-coverage', 'plot-findings', 'trend-rate', 'trend-coverage', 'trend-findings']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toMatch(/<table id="findings-table">/);
    // 9 catalogue rules; nightly-3 exercised cpuif.iar.ack, its.movi.pending, redist.waker.sleep
    expect(html).toContain('6 of 9 catalogue rules never exercised by nightly-3');
    const trend = html.match(/<table id="trend-table">[\s\S]*?<\/table>/)![0];
    expect(trend).toMatch(/<td>nightly-3<\/td>.*<code>kvm:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar.ack<\/code><\/td><td><code>kvm:migrate:errno-mismatch:its.save.order<\/code><\/td><\/tr>/);
    // the known finding of nights 1-2 is gone in night 3
    expect(html).toMatch(/kvm:migrate:errno-mismatch:its.save.order[\s\S]{0,400}nightly-1, nightly-2/);
  });

  test('a campaign-only report has no matrix', () => {
    const only = renderHtml(buildReport({ version: '0', targets: [], rules: [], scenarios: [], results: [], campaigns: CAMPAIGNS }));
    expect(only).not.toContain('id="matrix"');
    expect(only).toContain('id="trend-findings"');
  });
});

describe('svg charts', () => {
  test('nice ticks cover the maximum in 1-2-5 steps', () => {
    expect(niceTicks(208.3)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  test('points land inside the plot area', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', width: 300, height: 200, series: [{ name: 's', points: [[0, 0], [10, 5]] }] });
    const pts = svg.match(/points="([^"]+)"/)![1]!.split(' ').map((p) => p.split(',').map(Number));
    // plot area: x 58..286, y 30..154 (margins of lineChart); the axes end at the last nice tick
    // (10 on x, 5 on y), so (0,0) is bottom-left and (10,5) top-right
    expect(pts[0]).toEqual([58, 154]);
    expect(pts[1]).toEqual([286, 30]);
  });
});

describe('movingRate', () => {
  test('slope of the scenario count over a trailing window of at least 10 s', () => {
    const s = (t: number, scenarios: number) => ({ elapsedS: t, scenarios, rate: 0, rulesCovered: 0, findings: 0 });
    // 5 scenarios/s steady, counted in bursts every 4 s
    const series = [s(0, 0), s(2, 0), s(4, 20), s(6, 20), s(8, 40), s(10, 40), s(12, 60), s(14, 60)];
    expect(movingRate(series)).toEqual([[0, 0], [2, 0], [4, 5], [6, 20 / 6], [8, 5], [10, 4], [12, 6], [14, 4]]);
  });
});
