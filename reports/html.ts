// The single-file HTML report: inline CSS, inline JS, inline SVG; nothing loaded from anywhere.
// Rule x target matrix (filterable by component, status and text), every cell linking to the
// verdict that decided it, every verdict linking to its scenario; campaign plots and findings.
import type { CampaignSummary, Report, ScenarioResult } from '../spec/gen/report.js';
import { hasNewDivergence, INCONCLUSIVE_LABEL } from './build.js';
import { anchorId, htmlEscape as h } from './html-escape.js';
import { lineChart, type Series } from './svg.js';
import { describeFailure } from './text.js';
import { reproCommand } from '../triage/shell.js';

const STYLE = `
:root { --pass:#1a7f37; --pass-bg:#dafbe1; --known:#9a6700; --known-bg:#fff8c5; --lenient:#0550ae; --lenient-bg:#ddf4ff; --new:#cf222e; --new-bg:#ffebe9;
  --nc:#57606a; --nc-bg:#f6f8fa; --border:#d0d7de; --inc:#6e40c9; --inc-bg:#f5f0ff; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #fff; }
header { padding: 16px 24px; border-bottom: 1px solid var(--border); background: #f6f8fa; }
header h1 { margin: 0 0 4px; font-size: 22px; }
main { padding: 8px 24px 48px; max-width: 1400px; }
h2 { border-bottom: 1px solid var(--border); padding-bottom: 4px; margin-top: 32px; }
.banner { display: inline-block; padding: 4px 10px; border-radius: 6px; font-weight: 600; }
.banner.bad { background: var(--new-bg); color: var(--new); } .banner.good { background: var(--pass-bg); color: var(--pass); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--border); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
#matrix th { position: sticky; top: 0; z-index: 1; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.st-pass { background: var(--pass-bg); color: var(--pass); } .st-known { background: var(--known-bg); color: var(--known); } .st-lenient { background: var(--lenient-bg); color: var(--lenient); }
.st-new { background: var(--new-bg); color: var(--new); font-weight: 600; } .st-not-covered { background: var(--nc-bg); color: var(--nc); }
.st-unsupported { background: var(--nc-bg); color: var(--nc); }
.st-inconclusive { background: var(--inc-bg); color: var(--inc); }
td.cell { text-align: center; min-width: 90px; } td.cell a { color: inherit; display: block; text-decoration: none; }
td.cell a:hover { text-decoration: underline; }
.muted { color: #57606a; font-size: 12px; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; border-radius: 6px; margin: 6px 0; }
.controls { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 8px 0 12px; }
.result, .scenario { border: 1px solid var(--border); border-left-width: 6px; border-radius: 6px; padding: 6px 12px; margin: 8px 0; }
.result.st-pass { border-left-color: var(--pass); } .result.st-known { border-left-color: var(--known); } .result.st-lenient { border-left-color: var(--lenient); }
.result.st-new { border-left-color: var(--new); font-weight: normal; } .result.st-unsupported { border-left-color: var(--nc); }
.result, .scenario { background: #fff; color: #1f2328; }
:target { outline: 3px solid #0969da; outline-offset: 2px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { border: 1px solid var(--border); border-radius: 6px; background: #fff; }
svg .grid { stroke: #eaeef2; } svg .axis { stroke: #57606a; } svg .tick, svg .legend { font-size: 11px; fill: #57606a; }
svg .axis-label { font-size: 12px; fill: #1f2328; } svg .chart-title { font-size: 13px; font-weight: 600; fill: #1f2328; }
nav a { margin-right: 14px; }
#findings-table code { word-break: break-all; }
`;

/** Filtering for the matrix: component, status and a text match, all combined. */
const SCRIPT = `
(function () {
  var comp = document.getElementById('component-filter');
  var status = document.getElementById('status-filter');
  var search = document.getElementById('rule-search');
  var count = document.getElementById('matrix-count');
  if (!comp || !status || !search || !count) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll('#matrix tbody tr'));
  function apply() {
    var c = comp.value, s = status.value, q = search.value.trim().toLowerCase(), shown = 0;
    rows.forEach(function (tr) {
      var ok = (c === '' || tr.getAttribute('data-component') === c) &&
        (s === '' || (' ' + tr.getAttribute('data-statuses') + ' ').indexOf(' ' + s + ' ') >= 0) &&
        (q === '' || tr.cells[0].textContent.toLowerCase().indexOf(q) >= 0 || tr.getAttribute('data-component').indexOf(q) >= 0);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' rules shown';
  }
  comp.addEventListener('change', apply);
  status.addEventListener('change', apply);
  search.addEventListener('input', apply);
  apply();
})();
`;

export interface HtmlOptions {
  title?: string;
}

export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const used = new Set<string>();
  const scenarioAnchor = new Map(report.scenarios.map((s) => [s.id, anchorId('sc', s.id, used)]));
  const resultAnchor = new Map(report.results.map((r) => [key(r.target, r.scenario), anchorId('res', `${r.target}-${r.scenario}`, used)]));
  const conformance = report.results.length > 0;
  const title = options.title ?? (conformance ? 'gicdiff conformance report' : 'gicdiff campaign report');
  const bad = hasNewDivergence(report);
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>${h(title)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<header><h1>${h(title)}</h1><span class="banner ${bad ? 'bad' : 'good'}" id="verdict-banner">${bad ? 'New divergences found' : 'No new divergence'}</span>`);
  parts.push(` <span class="muted">gicdiff ${h(report.tool.version)} · generated ${h(report.generatedAt)} · targets: ${report.targets.map((t) => h(t.name)).join(', ') || 'none'}</span>`);
  const nav = [conformance ? '<a href="#totals">Totals</a><a href="#matrix-section">Rule matrix</a><a href="#results">Verdicts</a><a href="#scenarios">Scenarios</a>' : '',
    report.campaigns.length ? '<a href="#campaigns">Campaigns</a><a href="#findings">Findings</a>' : ''].join('');
  parts.push(`<nav>${nav}</nav></header><main>`);

  if (conformance) {
    parts.push(totals(report));
    parts.push(matrix(report, resultAnchor));
    parts.push(results(report, resultAnchor, scenarioAnchor));
    parts.push(scenarioList(report, scenarioAnchor));
  }
  if (report.campaigns.length) parts.push(campaignSection(report));
  parts.push(`</main><script>${SCRIPT}</script></body></html>\n`);
  return parts.join('\n');
}

const key = (target: string, scenario: string): string => `${target}\u0000${scenario}`;

function totals(report: Report): string {
  const rows = report.totals.map((t) => {
    const unavailable = report.targets.find((x) => x.name === t.target)?.unavailable;
    return `<tr><td><b>${h(t.target)}</b>${unavailable ? ` <span class="muted">unavailable: ${h(unavailable)}</span>` : ''}</td>` +
      `<td class="num">${t.scenarios}</td><td class="num st-pass">${t.pass}</td><td class="num st-lenient">${t.lenient}</td><td class="num st-known">${t.known}</td>` +
      `<td class="num ${t.new ? 'st-new' : ''}">${t.new}</td><td class="num">${t.unsupported}</td><td class="num">${t.rulesCovered}</td><td class="num">${t.rulesPassing}</td></tr>`;
  });
  return `<section id="totals"><h2>Totals</h2><table><thead><tr><th>target</th><th>scenarios</th><th>pass</th><th>lenient</th><th>known</th><th>new</th><th>unsupported</th><th>rules covered</th><th>rules passing</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

const STATUS_TEXT: Record<string, string> = { pass: 'pass', lenient: 'accepted under an unconfirmed reading', known: 'known divergence', new: 'NEW divergence', 'not-covered': 'not covered', unsupported: 'unsupported' };

function matrix(report: Report, resultAnchor: Map<string, string>): string {
  const components = [...new Set(report.coverage.map((r) => r.component))].sort();
  const statement = new Map(report.rules.map((r) => [r.id, r]));
  // how often the latest fuzz campaign exercised each rule, when there is one
  const hits = report.campaigns[report.campaigns.length - 1]?.ruleHits;
  const rows = report.coverage.map((row) => {
    const rule = statement.get(row.rule);
    const fuzzed = hits ? `<td class="num${hits[row.rule] ? '' : ' st-not-covered'}" title="scenarios of the latest campaign that exercised this rule">${hits[row.rule] ?? 0}</td>` : '';
    const cells = row.cells.map((c) => {
      if (c.status === 'not-covered') return `<td class="cell st-not-covered" data-target="${h(c.target)}" title="no scenario covering this rule ran on ${h(c.target)}">not covered</td>`;
      const first = c.scenarios[0]!;
      const anchor = resultAnchor.get(key(c.target, first));
      // name a few scenarios only: a rule every scenario exercises would put hundreds in each cell
      const more = c.scenarios.length > 5 ? ` and ${c.scenarios.length - 5} more` : '';
      const tip = `${STATUS_TEXT[c.status]} on ${c.target}: ${c.scenarios.slice(0, 5).join(', ')}${more}`;
      return `<td class="cell st-${c.status}" data-target="${h(c.target)}"><a href="#${h(anchor ?? '')}" title="${h(tip)}">${h(STATUS_TEXT[c.status]!)}${c.scenarios.length > 1 ? ` <span class="muted">(${c.scenarios.length})</span>` : ''}</a></td>`;
    });
    const statuses = [...new Set(row.cells.map((c) => c.status))].join(' ');
    return `<tr class="rule-row" data-rule="${h(row.rule)}" data-component="${h(row.component)}" data-statuses="${h(statuses)}">` +
      `<td><code>${h(row.rule)}</code>${row.inCatalogue === false ? ' <span class="muted">(not in rules.json)</span>' : ''}${rule?.statement ? `<div class="muted">${h(rule.statement)}${rule.source ? ` — ${h(rule.source)}` : ''}</div>` : ''}</td>` +
      `<td>${h(row.component)}</td>${cells.join('')}${fuzzed}</tr>`;
  });
  const uncovered = report.uncoveredRules ?? [];
  return `<section id="matrix-section"><h2>Rule × target matrix</h2>
<p class="muted">One row per rule some scenario covers. A cell shows the worst verdict among the scenarios covering the rule on that target; click it for the verdict.</p>
<div class="controls">
<label>Component <select id="component-filter"><option value="">all components</option>${components.map((c) => `<option value="${h(c)}">${h(c)}</option>`).join('')}</select></label>
<label>Status <select id="status-filter"><option value="">any</option><option value="new">new divergence</option><option value="known">known divergence</option><option value="lenient">unconfirmed reading</option><option value="pass">pass</option><option value="not-covered">not covered</option></select></label>
<label>Search <input id="rule-search" type="search" placeholder="rule id or text"></label>
<span id="matrix-count" class="muted"></span></div>
<table id="matrix"><thead><tr><th>rule</th><th>component</th>${report.targets.map((t) => `<th>${h(t.name)}</th>`).join('')}${hits ? '<th>fuzzed (latest run)</th>' : ''}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${uncovered.length ? `<details id="uncovered"><summary>${uncovered.length} catalogue rule${uncovered.length === 1 ? '' : 's'} no scenario covers</summary><p>${uncovered.map((r) => `<code>${h(r)}</code>`).join(', ')}</p></details>` : ''}
</section>`;
}

function results(report: Report, resultAnchor: Map<string, string>, scenarioAnchor: Map<string, string>): string {
  const scenarios = new Map(report.scenarios.map((s) => [s.id, s]));
  const order: Record<string, number> = { new: 0, known: 1, lenient: 2, unsupported: 3, pass: 4 };
  const out: string[] = ['<section id="results"><h2>Verdicts</h2>'];
  for (const t of report.targets) {
    const mine = report.results.filter((r) => r.target === t.name)
      .sort((a, b) => order[a.outcome]! - order[b.outcome]! || a.scenario.localeCompare(b.scenario));
    out.push(`<h3>${h(t.name)}</h3>`);
    for (const r of mine) out.push(resultBlock(r, scenarios.get(r.scenario)!.name, resultAnchor.get(key(r.target, r.scenario))!, scenarioAnchor.get(r.scenario)!));
  }
  out.push('</section>');
  return out.join('\n');
}

function resultBlock(r: ScenarioResult, name: string, anchor: string, scAnchor: string): string {
  const lines = [`<div class="result st-${r.outcome}" id="${h(anchor)}" data-outcome="${r.outcome}">`,
    `<b>${h(r.target)}</b> · <a href="#${h(scAnchor)}">${h(name)}</a> · <span class="st-${r.outcome}">${h(STATUS_TEXT[r.outcome]!)}</span> <span class="muted">${r.durationMs.toFixed(1)} ms</span>`];
  if (r.knownReason) lines.push(`<div>Known: ${h(r.knownReason)}</div>`);
  if (r.unconfirmed) lines.push(`<div>Accepted only under an unconfirmed reading of ${h(r.unconfirmed.join(', '))}: not a pass</div>`);
  if (r.unsupportedReason) lines.push(`<div>Unsupported: ${h(r.unsupportedReason)}</div>`);
  if (r.failures.length) lines.push(`<pre>${h(r.failures.map(describeFailure).join('\n\n'))}</pre>`);
  if (r.outcome === 'new' || r.outcome === 'known') lines.push(`<div>Reproduce: <code>${h(r.repro)}</code></div>`);
  // the list for results that need a look; a pass just says how many (the matrix has the rest,
  // and listing ~100 rules under each of hundreds of passes would make the page megabytes)
  const n = r.rulesExercised.length;
  if (n && r.outcome !== 'pass') lines.push(`<details><summary class="muted">${n} rule${n === 1 ? '' : 's'} exercised</summary><code>${h(r.rulesExercised.join(', '))}</code></details>`);
  else if (n) lines.push(`<div class="muted">${n} rule${n === 1 ? '' : 's'} exercised</div>`);
  lines.push('</div>');
  return lines.join('');
}

function scenarioList(report: Report, scenarioAnchor: Map<string, string>): string {
  const out = ['<section id="scenarios"><h2>Scenarios</h2>'];
  for (const s of report.scenarios) {
    out.push(`<div class="scenario" id="${h(scenarioAnchor.get(s.id)!)}"><b>${h(s.name)}</b> <span class="muted">${h(s.component)} · <code>${h(s.file)}</code></span>` +
      `${s.description ? `<div>${h(s.description)}</div>` : ''}${s.rules.length ? `<div class="muted">rules: ${s.rules.map((r) => `<code>${h(r)}</code>`).join(' ')}</div>` : ''}</div>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function campaignSection(report: Report): string {
  const cs = report.campaigns;
  const out: string[] = ['<section id="campaigns"><h2>Fuzz campaigns</h2>'];
  out.push('<table><thead><tr><th>campaign</th><th>started</th><th>targets</th><th>shards</th><th>scenarios</th><th>time (s)</th><th>scenarios/s</th><th>rules covered</th><th>findings</th><th>new</th><th>inconclusive</th></tr></thead><tbody>');
  for (const c of cs) {
    const inconclusive = c.findings.filter((f) => f.status === 'inconclusive').length;
    out.push(`<tr><td>${h(c.label)}</td><td>${h(c.startedAt ?? '')}</td><td>${h((c.targets ?? []).join(', '))}</td><td class="num">${c.shards ?? 1}</td><td class="num">${c.scenarios}</td>` +
      `<td class="num">${c.durationS.toFixed(0)}</td><td class="num">${c.rate.toFixed(1)}</td><td class="num">${c.rulesCovered}</td><td class="num">${c.findings.length}</td>` +
      `<td class="num ${c.findings.some((f) => f.status === 'new') ? 'st-new' : ''}">${c.findings.filter((f) => f.status === 'new').length}</td>` +
      `<td class="num${inconclusive ? ' st-inconclusive' : ''}" title="${h(INCONCLUSIVE_LABEL)}">${inconclusive}</td></tr>`);
  }
  out.push('</tbody></table>');
  // Within a run: one line per campaign (the most recent 8, to stay readable).
  const withSeries = cs.filter((c) => c.series.length > 0).slice(-8);
  if (withSeries.length) {
    const per = (f: (s: CampaignSummary['series'][number]) => number): Series[] =>
      withSeries.map((c) => ({ name: c.label, points: c.series.map((s) => [s.elapsedS, f(s)] as const) }));
    out.push('<h3>During each run</h3><div class="charts">');
    out.push(lineChart({ id: 'plot-rate', title: 'Scenarios per second (moving average)', xLabel: 'elapsed (s)', yLabel: 'scenarios/s',
      series: withSeries.map((c) => ({ name: c.label, points: movingRate(c.series) })) }));
    out.push(lineChart({ id: 'plot-coverage', title: 'Rules covered', xLabel: 'elapsed (s)', yLabel: 'rules', series: per((s) => s.rulesCovered) }));
    const withBranches = withSeries.filter((c) => c.series.some((s) => s.branchesCovered !== undefined));
    if (withBranches.length) {
      out.push(lineChart({ id: 'plot-branches', title: "Branches of the target's code covered", xLabel: 'elapsed (s)', yLabel: 'branches',
        series: withBranches.map((c) => ({ name: c.label, points: c.series.map((s) => [s.elapsedS, s.branchesCovered ?? 0] as const) })) }));
    }
    const withMemory = withSeries.filter((c) => c.series.some((s) => s.rssMb !== undefined));
    if (withMemory.length) {
      out.push(lineChart({ id: 'plot-memory', title: 'Memory of the campaign process (RSS, worker threads included)', xLabel: 'elapsed (s)', yLabel: 'MiB',
        series: withMemory.map((c) => ({ name: c.label, points: c.series.filter((s) => s.rssMb !== undefined).map((s) => [s.elapsedS, s.rssMb!] as const) })) }));
    }
    out.push(lineChart({ id: 'plot-findings', title: 'Distinct findings', xLabel: 'elapsed (s)', yLabel: 'findings', series: per((s) => s.findings) }));
    out.push('</div>');
  }
  const runs = report.trend?.runs ?? [];
  if (runs.length > 1) {
    const labels = runs.map((r) => r.label);
    const idx = (f: (r: (typeof runs)[number]) => number): (readonly [number, number])[] => runs.map((r, i) => [i, f(r)] as const);
    out.push('<h3>Across runs</h3><div class="charts">');
    out.push(lineChart({ id: 'trend-rate', title: 'Scenarios per second, by run', xLabel: 'run', yLabel: 'scenarios/s', xCategories: labels, series: [{ name: 'scenarios/s', points: idx((r) => r.rate) }] }));
    out.push(lineChart({ id: 'trend-coverage', title: 'Rules covered, by run', xLabel: 'run', yLabel: 'rules', xCategories: labels, series: [{ name: 'rules', points: idx((r) => r.rulesCovered) }] }));
    out.push(lineChart({ id: 'trend-findings', title: 'Findings, by run', xLabel: 'run', yLabel: 'findings', xCategories: labels,
      series: [{ name: 'all', points: idx((r) => r.findings) }, { name: 'new', points: idx((r) => r.newFindings) }, { name: 'inconclusive', points: idx((r) => r.inconclusiveFindings ?? 0) }, { name: 'appeared', points: idx((r) => r.appeared.length) }, { name: 'disappeared', points: idx((r) => r.disappeared.length) }] }));
    out.push('</div>');
    out.push('<table id="trend-table"><thead><tr><th>run</th><th>scenarios/s</th><th>rules covered</th><th>findings</th><th>new</th><th>inconclusive</th><th>appeared since the run before</th><th>disappeared</th></tr></thead><tbody>');
    for (const r of runs) {
      const list = (xs: string[]) => xs.map((x) => `<code>${h(x)}</code>`).join('<br>');
      out.push(`<tr><td>${h(r.label)}</td><td class="num">${r.rate.toFixed(1)}</td><td class="num">${r.rulesCovered}</td><td class="num">${r.findings}</td>` +
        `<td class="num${r.newFindings ? ' st-new' : ''}">${r.newFindings}</td><td class="num">${r.inconclusiveFindings ?? 0}</td><td>${list(r.appeared)}</td><td>${list(r.disappeared)}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  out.push(unreached(report));
  out.push(findingsTable(cs));
  out.push('</section>');
  return out.join('\n');
}

/**
 * Scenarios per second as the slope of the scenario count over a trailing window (a twentieth of
 * the run, at least 10 s): the per-line rates of stats.jsonl jump between 0 and bursts because a
 * scenario counts only when it ends.
 */
export function movingRate(series: CampaignSummary['series']): [number, number][] {
  if (series.length === 0) return [];
  const span = series[series.length - 1]!.elapsedS - series[0]!.elapsedS;
  const window = Math.max(10, span / 20);
  const out: [number, number][] = [];
  let j = 0;
  for (let i = 0; i < series.length; i++) {
    const t = series[i]!.elapsedS;
    while (series[j]!.elapsedS < t - window) j++;
    const dt = t - series[j]!.elapsedS;
    out.push([t, dt > 0 ? (series[i]!.scenarios - series[j]!.scenarios) / dt : 0]);
  }
  return out;
}

/** Catalogue rules the latest campaign never exercised: where the generator needs work. */
function unreached(report: Report): string {
  const latest = report.campaigns[report.campaigns.length - 1];
  if (!latest?.ruleHits || report.rules.length === 0) return '';
  const missing = report.rules.filter((r) => !latest.ruleHits![r.id]);
  return `<details id="unreached"><summary>${missing.length} of ${report.rules.length} catalogue rules never exercised by ${h(latest.label)}</summary>` +
    `<p>${missing.map((r) => `<code title="${h(r.statement ?? '')}">${h(r.id)}</code>`).join(', ') || 'none'}</p></details>`;
}

/** Every signature seen in any run, with the runs it was seen in (latest run first in the table). */
function findingsTable(cs: CampaignSummary[]): string {
  const bySig = new Map<string, { f: CampaignSummary['findings'][number]; runs: string[] }>();
  for (const c of cs) {
    for (const f of c.findings) {
      const e = bySig.get(f.signature);
      if (e) {
        e.runs.push(c.label);
        e.f = f; // the latest run's view of it (classification may have changed)
      } else bySig.set(f.signature, { f, runs: [c.label] });
    }
  }
  const latest = cs[cs.length - 1]?.label;
  const rank = { new: 0, known: 1, inconclusive: 2 } as const;
  const rows = [...bySig.values()].sort((a, b) => rank[a.f.status] - rank[b.f.status] || a.f.signature.localeCompare(b.f.signature));
  const out = [`<h3 id="findings">Findings (${rows.length})</h3>`];
  const inconclusive = rows.filter((r) => r.f.status === 'inconclusive').length;
  if (inconclusive) out.push(`<p class="muted">${inconclusive} ${h(INCONCLUSIVE_LABEL)}. Kept to improve the model; they never fail the run.</p>`);
  if (rows.length === 0) return out.concat('<p>No findings.</p>').join('');
  out.push('<table id="findings-table"><thead><tr><th>status</th><th>signature</th><th>message</th><th>scenarios</th><th>first seed</th><th>runs</th><th>reproduce</th></tr></thead><tbody>');
  for (const { f, runs } of rows) {
    const gone = latest !== undefined && !runs.includes(latest);
    out.push(`<tr class="finding" data-status="${f.status}"><td class="st-${f.status}">${f.status}${gone ? ' <span class="muted">(not in latest run)</span>' : ''}${f.knownReason ? `<div class="muted">${h(f.knownReason)}</div>` : ''}${f.status === 'inconclusive' ? `<div class="muted">${h(INCONCLUSIVE_LABEL)}</div>` : ''}</td>` +
      `<td><code>${h(f.signature)}</code></td><td>${h(f.message)}</td><td class="num">${f.count ?? ''}</td><td><code>${h(f.seed ?? '')}</code></td>` +
      `<td>${runs.map(h).join(', ')}</td><td>${f.file ? `<code>${h(reproCommand(f.file, f.target ?? undefined))}</code>` : ''}</td></tr>`);
  }
  out.push('</tbody></table>');
  return out.join('');
}
