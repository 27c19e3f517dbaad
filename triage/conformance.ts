// The directed conformance suite: find the scenarios (spec/conformance/<component>/ and the
// examples), run each on each target, classify what went wrong (triage/classify.ts: known when
// the target's quirks explain it) and turn it into the report's ScenarioResult. The runner and
// the classifier are passed in (triage/runner.ts, triage/classify.ts in the CLI).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { expandScenario } from '../spec/expand.js';
import { resultsEqual } from '../spec/expect-check.js';
import { signatureString, type Expectations } from '../spec/expectations.js';
import type { Classified } from './classify.js';
import type { ExpandedScenario, PrimitiveOp, Scenario } from '../spec/scenario.js';
import type { Target } from '../spec/target.js';
import { loadScenarioFile, readJsonFile, ValidationError } from '../spec/validate.js';
import { reproCommand } from './shell.js';
import type { Failure, ReportRule, ReportScenario, ScenarioResult } from '../spec/gen/report.js';
import type { RunOptions, RunOutcome } from './lockstep.js';

export interface SuiteScenario {
  meta: ReportScenario;
  expanded: ExpandedScenario;
}

/** Where the suite lives, relative to the repository root: the directed suite and the examples. */
export const DEFAULT_SUITE_DIRS = ['spec/conformance', 'examples'];

/** Every *.json under `dir`, sorted, recursively (component folders). */
function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/**
 * Load and validate every scenario of the suite. A missing default folder is skipped (the suite
 * may not have been written yet); a folder given explicitly must exist. A bad scenario file is a
 * ValidationError naming it (the CLI exits 2: a broken suite must not pass silently).
 */
export function loadSuite(dirs: readonly string[], options: { root?: string; required?: boolean } = {}): SuiteScenario[] {
  const root = options.root ?? process.cwd();
  const out: SuiteScenario[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const abs = path.resolve(root, dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      if (options.required) throw new ValidationError(dir, '', 'not a folder of scenario files');
      continue;
    }
    for (const file of jsonFiles(abs)) {
      const rel = path.relative(root, file) || file;
      if (seen.has(rel)) continue;
      seen.add(rel);
      // errors name the file as the user would type it (relative to the repository root)
      const scenario = loadScenarioFile(path.resolve(rel) === file ? rel : file);
      out.push({ meta: scenarioMeta(scenario, rel, path.relative(abs, file)), expanded: expandScenario(scenario) });
    }
  }
  return out;
}

function scenarioMeta(s: Scenario, id: string, inSuite: string): ReportScenario {
  // component: the scenario's own field, else its folder under the suite root, else "examples"
  const folder = inSuite.includes(path.sep) ? inSuite.split(path.sep)[0]! : 'examples';
  const meta: ReportScenario = { id, name: s.name, file: id, component: s.component ?? folder, rules: s.rules ?? [] };
  if (s.description !== undefined) meta.description = s.description;
  return meta;
}

interface RulesFile {
  rules: { id: string; statement?: string; source?: string; kind?: string; component?: string }[];
}

/** spec/rules.json (`{format, rules: [{id, statement, source, kind, component}]}`); [] when absent. */
export function loadRules(file: string, required = false): ReportRule[] {
  if (!existsSync(file)) {
    if (required) throw new ValidationError(file, '', 'cannot read the file (does it exist?)');
    return [];
  }
  const doc = readJsonFile(file) as RulesFile;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.rules)) throw new ValidationError(file, '/rules', 'must be an array of rules');
  return doc.rules.map((r, i) => {
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string') throw new ValidationError(file, `/rules/${i}/id`, 'missing required field "id"');
    const rule: ReportRule = { id: r.id, component: typeof r.component === 'string' ? r.component : 'other' };
    if (typeof r.statement === 'string') rule.statement = r.statement;
    if (typeof r.source === 'string') rule.source = r.source;
    if (typeof r.kind === 'string') rule.kind = r.kind;
    return rule;
  });
}

export type Runner = (target: Target, scenario: ExpandedScenario, options: RunOptions) => Promise<RunOutcome>;
/** triage/classify.ts's classifyOutcome, bound to an oracle and the target's quirk set. */
export type Classifier = (target: string, scenario: ExpandedScenario, outcome: RunOutcome) => Classified | null;

export interface ConformanceOptions {
  run: Runner;
  classify: Classifier;
  /** the target's expectations file (spec/expectations/<target>.json): the reasons of its quirks */
  expectations: (target: string) => Expectations;
  timeoutMs?: number;
  /** called after each scenario (progress output) */
  onResult?: (r: ScenarioResult) => void;
}

export async function runConformance(targets: readonly Target[], suite: readonly SuiteScenario[], o: ConformanceOptions): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const target of targets) {
    const expectations = o.expectations(target.name);
    for (const s of suite) {
      const started = performance.now();
      let outcome: RunOutcome;
      const runOptions: RunOptions = {};
      if (o.timeoutMs !== undefined) runOptions.timeoutMs = o.timeoutMs;
      try {
        outcome = await o.run(target, s.expanded, runOptions);
        // the time limit stopped an in-process run: what it shows depends on the machine. Run it
        // again without: the oracle's work and candidate bounds and the step budget still end it,
        // the same on every machine (an external target keeps the limit: it may hang)
        if (outcome.timedOut && target.kind === 'in-process') outcome = await o.run(target, s.expanded, {});
      } catch (e) {
        // the runner turns a target's exceptions into findings; this is the runner itself failing
        outcome = {
          trace: { format: 'gicdiff/trace@1', scenario: s.expanded.name, target: target.name, results: [], status: 'target-error', error: { opIndex: 0, message: `the runner failed: ${e instanceof Error ? e.message : String(e)}` } },
          verdict: null, expectationFailures: [], coverage: [],
        };
      }
      const r = toResult(target.name, s, outcome, performance.now() - started, expectations, o.classify);
      results.push(r);
      o.onResult?.(r);
    }
  }
  return results;
}

/** What one run of one scenario on one target means for the report. */
export function toResult(
  target: string, s: SuiteScenario, outcome: RunOutcome, durationMs: number, expectations: Expectations, classify: Classifier,
): ScenarioResult {
  const result: ScenarioResult = {
    scenario: s.meta.id,
    target,
    outcome: 'pass',
    rulesExercised: [...outcome.coverage].sort(),
    failures: failuresOf(s.expanded.ops, outcome),
    repro: reproCommand(s.meta.file, target),
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
  if (outcome.unsupported !== undefined) {
    result.outcome = 'unsupported';
    result.unsupportedReason = outcome.unsupported;
    return result;
  }
  if (result.failures.length === 0) {
    const unconfirmed = outcome.verdict?.ok ? outcome.verdict.unconfirmed : undefined;
    if (unconfirmed !== undefined && unconfirmed.length > 0) {
      result.outcome = 'lenient';
      result.unconfirmed = unconfirmed;
    }
    return result;
  }
  // known only when the target's quirks explain the whole trace (an inconclusive check is loud
  // here: a directed scenario the oracle cannot decide is a problem of the suite)
  const c = classify(target, s.expanded, outcome);
  if (c !== null && c.classification === 'known') {
    const earlier = result.failures.some((f) => f.opIndex !== undefined && f.opIndex < c.problem.opIndex);
    if (!earlier) {
      result.outcome = 'known';
      result.quirks = [...c.quirks];
      const byId = new Map(expectations.entries.map((e) => [e.id, e]));
      const reasons = c.quirks.map((q) => { const e = byId.get(q); return e ? `${q}: ${e.reason} (${e.source})` : q; });
      result.knownReason = `${reasons.join('; ') || 'explained by the target\'s quirks'} (signature ${signatureString(c.problem.parts)})`;
      return result;
    }
  }
  result.outcome = 'new';
  return result;
}

function failuresOf(ops: readonly PrimitiveOp[], outcome: RunOutcome): Failure[] {
  const out: Failure[] = [];
  const { trace, verdict } = outcome;
  if (trace.status === 'target-error' || trace.status === 'step-budget') {
    const e = trace.error ?? { opIndex: trace.results.length, message: trace.status };
    out.push({ kind: trace.status, opIndex: e.opIndex, message: e.message });
  }
  if (verdict && !verdict.ok) {
    const d = verdict.divergence;
    const f: Failure = { kind: 'divergence', opIndex: d.opIndex, message: d.message, got: d.got, allowed: d.allowed, rules: d.rules };
    if (d.explanation !== undefined) f.explanation = d.explanation;
    out.push(f);
  }
  const d = verdict && !verdict.ok ? verdict.divergence : null;
  for (const e of outcome.expectationFailures) {
    // the scenario's expect at the diverging op usually says what the oracle already said: keep one
    if (d && d.opIndex === e.opIndex && resultsEqual(d.got, e.got) && e.expected.every((x) => d.allowed.some((a) => resultsEqual(a, x)))) continue;
    const op = ops[e.opIndex];
    out.push({
      kind: 'expectation', opIndex: e.opIndex, got: e.got, allowed: e.expected,
      message: `${op ? op.op : 'op'} at op ${e.opIndex}: the scenario expects ${e.expected.map((x) => JSON.stringify(x)).join(' or ')}, the target returned ${JSON.stringify(e.got)}`,
    });
  }
  if (outcome.oracleError) {
    const e = outcome.oracleError;
    out.push({ kind: 'oracle-error', opIndex: e.opIndex, message: `${e.bound ? 'the oracle\'s candidate bound was exceeded' : 'the oracle failed'}: ${e.message}` });
  }
  return out.sort((a, b) => (a.opIndex ?? 0) - (b.opIndex ?? 0));
}
