// Builds the report (spec/schema/report.schema.json) from per-scenario results: totals per target,
// the rule x target coverage matrix and the campaign trend. Every view (JUnit, Markdown, HTML,
// JSON) renders this one structure, so they cannot disagree with each other.
import type {
  CampaignSummary, CellStatus, CoverageCell, Outcome, Report, ReportRule, ReportScenario,
  ReportTarget, RuleCoverage, ScenarioResult, TargetTotals, Trend,
} from '../spec/gen/report.js';

export type * from '../spec/gen/report.js';

export interface ReportInput {
  version: string;
  targets: ReportTarget[];
  rules: ReportRule[];
  scenarios: ReportScenario[];
  results: ScenarioResult[];
  campaigns?: CampaignSummary[];
  now?: Date;
}

/** Worse outcomes sort first: a cell shows the worst scenario that covers it. */
const CELL_RANK: Record<CellStatus, number> = { new: 0, known: 1, lenient: 2, pass: 3, 'not-covered': 4 };

export function buildReport(input: ReportInput): Report {
  const scenarioById = new Map(input.scenarios.map((s) => [s.id, s]));
  for (const r of input.results) {
    if (!scenarioById.has(r.scenario)) throw new Error(`result for unknown scenario ${r.scenario} (target ${r.target})`);
  }
  const coverage = buildCoverage(input.targets, input.rules, scenarioById, input.results);
  const covered = new Set(coverage.map((c) => c.rule));
  const campaigns = input.campaigns ?? [];
  const report: Report = {
    format: 'gicdiff/report@1',
    generatedAt: (input.now ?? new Date()).toISOString(),
    tool: { name: 'gicdiff', version: input.version },
    targets: input.targets,
    rules: input.rules,
    scenarios: input.scenarios,
    results: input.results,
    totals: input.targets.map((t) => targetTotals(t.name, input.results, coverage, t.quirks)),
    coverage,
    uncoveredRules: input.rules.filter((r) => !covered.has(r.id)).map((r) => r.id),
    campaigns,
  };
  if (campaigns.length > 0) report.trend = buildTrend(campaigns);
  return report;
}

export { INCONCLUSIVE_LABEL } from '../triage/classify.js';

/**
 * What CI fails on: conformance results no expectation accepts, plus the new findings of the
 * latest campaign (older runs are history: the trend shows them). Inconclusive findings (the
 * model's candidate bound was reached) say nothing about the target: they never count here.
 */
export function newDivergenceCount(report: Report): number {
  const latest = report.campaigns[report.campaigns.length - 1];
  return report.results.filter((r) => r.outcome === 'new').length +
    (latest ? latest.findings.filter((f) => f.status === 'new').length : 0);
}

export function hasNewDivergence(report: Report): boolean {
  return newDivergenceCount(report) > 0;
}

function targetTotals(target: string, results: ScenarioResult[], coverage: RuleCoverage[], declared?: readonly string[]): TargetTotals {
  const t: TargetTotals = { target, scenarios: 0, pass: 0, lenient: 0, known: 0, new: 0, unsupported: 0, rulesCovered: 0, rulesPassing: 0 };
  for (const r of results) {
    if (r.target !== target) continue;
    t.scenarios++;
    t[r.outcome]++;
  }
  for (const row of coverage) {
    const cell = row.cells.find((c) => c.target === target);
    if (!cell || cell.status === 'not-covered') continue;
    t.rulesCovered++;
    if (cell.status === 'pass') t.rulesPassing++;
  }
  if (declared !== undefined) {
    // a quirk no directed scenario needed: the expectation is stale, or lacks its scenario
    const used = new Set<string>();
    for (const r of results) if (r.target === target && r.outcome === 'known') for (const q of r.quirks ?? []) used.add(q);
    const stale = declared.filter((q) => !used.has(q));
    if (stale.length > 0) t.staleQuirks = stale;
  }
  return t;
}

/**
 * A rule is covered on a target by every scenario that ran there and either names the rule
 * (scenario.rules: the directed test for it) or exercised it (the model's coverage). A scenario
 * that names the rule, or whose failure names it, lends the rule its outcome; one that merely
 * exercised it on the way counts as a pass for it (the rule was applied and held).
 */
function buildCoverage(
  targets: ReportTarget[], rules: ReportRule[], scenarioById: Map<string, ReportScenario>, results: ScenarioResult[],
): RuleCoverage[] {
  const catalogue = new Map(rules.map((r) => [r.id, r]));
  // rule -> target -> [status, scenario id][]
  const hits = new Map<string, Map<string, [CellStatus, string][]>>();
  const componentOf = new Map<string, string>();
  const add = (rule: string, target: string, status: CellStatus, scenario: string, component: string): void => {
    let byTarget = hits.get(rule);
    if (!byTarget) hits.set(rule, (byTarget = new Map()));
    let list = byTarget.get(target);
    if (!list) byTarget.set(target, (list = []));
    list.push([status, scenario]);
    if (!componentOf.has(rule)) componentOf.set(rule, component);
  };
  for (const r of results) {
    if (r.outcome === 'unsupported') continue;
    const sc = scenarioById.get(r.scenario)!;
    const status = outcomeToCell(r.outcome);
    const decided = new Set<string>(sc.rules);
    for (const f of r.failures) for (const id of f.rules ?? []) decided.add(id);
    for (const id of decided) add(id, r.target, status, sc.id, sc.component);
    for (const id of r.rulesExercised) if (!decided.has(id)) add(id, r.target, 'pass', sc.id, sc.component);
  }
  const rows: RuleCoverage[] = [];
  for (const [rule, byTarget] of hits) {
    const cells: CoverageCell[] = targets.map((t) => {
      const list = byTarget.get(t.name);
      if (!list || list.length === 0) return { target: t.name, status: 'not-covered', scenarios: [] };
      list.sort((a, b) => CELL_RANK[a[0]] - CELL_RANK[b[0]] || a[1].localeCompare(b[1]));
      const seen = new Set<string>();
      const ids = list.map((h) => h[1]).filter((id) => (seen.has(id) ? false : (seen.add(id), true)));
      return { target: t.name, status: list[0]![0], scenarios: ids };
    });
    const inCat = catalogue.get(rule);
    rows.push({ rule, component: inCat?.component ?? componentOf.get(rule) ?? 'other', inCatalogue: inCat !== undefined, cells });
  }
  rows.sort((a, b) => a.component.localeCompare(b.component) || a.rule.localeCompare(b.rule, 'en', { numeric: true }));
  return rows;
}

function outcomeToCell(o: Exclude<Outcome, 'unsupported'>): CellStatus {
  return o;
}

/** Nightly runs oldest first: what each run adds or loses compared with the one before. */
export function buildTrend(campaigns: CampaignSummary[]): Trend {
  let previous: Set<string> | undefined;
  const runs = campaigns.map((c) => {
    const sigs = new Set(c.findings.map((f) => f.signature));
    const appeared = previous ? [...sigs].filter((s) => !previous!.has(s)) : [...sigs];
    const disappeared = previous ? [...previous].filter((s) => !sigs.has(s)) : [];
    previous = sigs;
    const run: Trend['runs'][number] = {
      label: c.label,
      rate: c.rate,
      rulesCovered: c.rulesCovered,
      findings: sigs.size,
      newFindings: c.findings.filter((f) => f.status === 'new').length,
      inconclusiveFindings: c.findings.filter((f) => f.status === 'inconclusive').length,
      appeared: appeared.sort(),
      disappeared: disappeared.sort(),
    };
    if (c.startedAt !== undefined) run.startedAt = c.startedAt;
    return run;
  });
  return { runs };
}
