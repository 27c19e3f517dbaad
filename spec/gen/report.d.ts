/* Generated from spec/schema/report.schema.json by scripts/gen-types.ts. Do not edit. */

/**
 * pass: no divergence and every expectation held; lenient: likewise, but the oracle explains the trace only under an unconfirmed (inferred) reading of the permitted-choice rules listed in `unconfirmed`, never a plain pass; known: the oracle with the target's quirks (spec/expectations/<target>.json) accepts the trace; new: a divergence, a failed expectation or a target error nobody accepted; unsupported: the target cannot run the scenario (or is unavailable on this machine)
 */
export type Outcome = "pass" | "lenient" | "known" | "new" | "unsupported";
/**
 * an op result as the scenario format writes it (docs/scenario-format.md)
 */
export type ResultValue = string | number | boolean | {} | unknown[] | null;
export type CellStatus = "pass" | "lenient" | "known" | "new" | "not-covered";

/**
 * A gicdiff report for machines: conformance results per scenario and target, rule coverage, and fuzz campaign summaries with their trend (reports/, README.md).
 */
export interface Report {
  format: "gicdiff/report@1";
  /**
   * ISO 8601 time the report was built
   */
  generatedAt: string;
  tool: {
    name: "gicdiff";
    version: string;
  };
  targets: ReportTarget[];
  /**
   * The rules catalogue (spec/rules.json) as it was when the report was built
   */
  rules: ReportRule[];
  scenarios: ReportScenario[];
  /**
   * One result per scenario and target
   */
  results: ScenarioResult[];
  /**
   * Counts per target
   */
  totals: TargetTotals[];
  /**
   * The rule x target matrix: one row per rule some scenario covers
   */
  coverage: RuleCoverage[];
  /**
   * Catalogue rules no scenario covers on any target
   */
  uncoveredRules?: string[];
  /**
   * Fuzz campaigns, oldest first
   */
  campaigns: CampaignSummary[];
  trend?: Trend;
}
export interface ReportTarget {
  name: string;
  description?: string;
  /**
   * why the target could not run on this machine
   */
  unavailable?: string;
  /**
   * the quirks the target declares (spec/expectations/<target>.json), when the whole suite ran: each should be needed by some directed scenario
   */
  quirks?: string[];
}
export interface ReportRule {
  id: string;
  statement?: string;
  source?: string;
  kind?: string;
  component: string;
}
export interface ReportScenario {
  /**
   * stable id: the file path relative to the repository root
   */
  id: string;
  name: string;
  /**
   * path to give `gicdiff repro`
   */
  file: string;
  component: string;
  description?: string;
  rules: string[];
}
export interface ScenarioResult {
  /**
   * ReportScenario.id
   */
  scenario: string;
  target: string;
  outcome: Outcome;
  rulesExercised: string[];
  failures: Failure[];
  /**
   * outcome known: the reasons the expectations file gives for the quirks that explain the trace
   */
  knownReason?: string;
  /**
   * outcome known: the quirks the oracle had to take to accept the trace
   */
  quirks?: string[];
  /**
   * outcome lenient: the rule ids whose unconfirmed reading the trace needs
   */
  unconfirmed?: string[];
  unsupportedReason?: string;
  /**
   * the command that replays this scenario on this target
   */
  repro: string;
  durationMs: number;
}
export interface Failure {
  /**
   * oracle-error: the reference model could not check the trace (its candidate bound, or a bug in it)
   */
  kind: "divergence" | "expectation" | "target-error" | "step-budget" | "oracle-error";
  message: string;
  /**
   * index in the expanded scenario
   */
  opIndex?: number;
  got?: ResultValue;
  /**
   * what the architecture (or the scenario's expect) allowed
   */
  allowed?: ResultValue[];
  rules?: string[];
  explanation?: string;
}
export interface TargetTotals {
  target: string;
  scenarios: number;
  pass: number;
  /**
   * accepted under an unconfirmed reading
   */
  lenient: number;
  known: number;
  new: number;
  unsupported: number;
  rulesCovered: number;
  rulesPassing: number;
  /**
   * declared quirks (ReportTarget.quirks) no scenario of this run needed: a stale expectation, or one without a directed scenario
   */
  staleQuirks?: string[];
}
export interface RuleCoverage {
  rule: string;
  component: string;
  /**
   * false when a scenario names a rule spec/rules.json does not have
   */
  inCatalogue?: boolean;
  cells: CoverageCell[];
}
export interface CoverageCell {
  target: string;
  status: CellStatus;
  /**
   * ids of the scenarios that decided the status, worst first
   */
  scenarios: string[];
}
export interface CampaignSummary {
  dir: string;
  label: string;
  startedAt?: string;
  targets?: string[];
  shards?: number;
  scenarios: number;
  durationS: number;
  rate: number;
  rulesCovered: number;
  /**
   * branches of the target's code covered (summary.json coverage.branchCount; campaigns with --coverage-feedback)
   */
  branchesCovered?: number;
  /**
   * the largest resident memory any stats.jsonl line recorded, in MiB (the process with its worker threads; the largest shard's)
   */
  peakRssMb?: number;
  /**
   * rule id -> scenarios that exercised it (summary.json coverage.ruleHits)
   */
  ruleHits?: {
    [k: string]: number;
  };
  findings: CampaignFinding[];
  series: CampaignSample[];
}
export interface CampaignFinding {
  signature: string;
  /**
   * inconclusive: a bound was reached (mismatch oracle-bound or step-budget: the model's candidate or work bound, the scenario's op budget or time limit); says nothing about the target and never fails a run
   */
  status: "new" | "known" | "inconclusive";
  target?: string;
  message: string;
  rules?: string[];
  knownReason?: string;
  seed?: string;
  /**
   * the minimized scenario to give `gicdiff repro`
   */
  file?: string;
  foundAt?: string;
  /**
   * how many scenarios hit this signature
   */
  count?: number;
}
export interface CampaignSample {
  elapsedS: number;
  scenarios: number;
  /**
   * scenarios per second over the last interval
   */
  rate: number;
  rulesCovered: number;
  /**
   * branches of the target's code covered so far (campaigns with --coverage-feedback)
   */
  branchesCovered?: number;
  /**
   * resident memory of the campaign process, worker threads included, in MiB
   */
  rssMb?: number;
  findings: number;
}
export interface Trend {
  runs: TrendRun[];
}
export interface TrendRun {
  label: string;
  startedAt?: string;
  rate: number;
  rulesCovered: number;
  findings: number;
  newFindings: number;
  /**
   * findings the model could not decide (oracle-bound): counted apart, never new
   */
  inconclusiveFindings?: number;
  /**
   * signatures seen in this run and not in the previous one
   */
  appeared: string[];
  /**
   * signatures of the previous run not seen in this one
   */
  disappeared: string[];
}
