// The lockstep loop behind triage/runner.ts, with the oracle passed in (so tests can run it with a
// tiny fake oracle, and the runner wires in the model's). In-process targets are stepped op by op
// next to the strict oracle until the first divergence, then run alone to the end of the scenario
// (the whole trace is what a target's quirks are checked against, triage/classify.ts); external
// targets run whole and their trace is checked afterwards (docs/oracle.md). A target that throws, or runs past the step budget
// or the time limit, ends the trace with status target-error / step-budget: a finding, never a
// crash of the tool. Error stacks are never read here (building them costs about 3x under tsx).
import type { ExpandedScenario, OpResult, PrimitiveOp, ResolvedConfig } from '../spec/scenario.js';
import type { Target, Trace } from '../spec/target.js';
import type { Divergence, Verdict } from '../spec/verdict.js';
import { checkExpectations, type ExpectationFailure } from '../spec/expect-check.js';
import { stepOp } from '../spec/group.js';

export interface RunOptions {
  /** check with the oracle (default true) */
  oracle?: boolean;
  /** at most this many ops are run; the trace then ends with status step-budget */
  stepBudget?: number;
  /** give up after this many milliseconds (checked between ops for in-process targets) */
  timeoutMs?: number;
}

export interface RunOutcome {
  trace: Trace;
  /** null when the oracle is off or the scenario is unsupported */
  verdict: Verdict | null;
  expectationFailures: ExpectationFailure[];
  /** rule ids the oracle recorded */
  coverage: string[];
  /** why the target cannot run this scenario */
  unsupported?: string;
  /** the oracle itself failed (its candidate bound, or a bug in it): the verdict is then null */
  oracleError?: { opIndex: number; message: string; bound: boolean };
  /** "a>b": the primary rule a of one op, then b of the next op with rules (only with LockstepExtras.rulePairs) */
  rulePairs?: string[];
  /**
   * The time limit stopped something (the target, the rest of its trace, the oracle): what this
   * outcome shows depends on the machine's speed. Its classification is then inconclusive unless
   * a problem was established before the cut (triage/classify.ts); the minimizer stops on it.
   */
  timedOut?: true;
  /** "rule=option": an op's primary rule and a permitted option its observed result kept (only with LockstepExtras.rulePairs) */
  optionPairs?: string[];
}

/** What the runner needs from an oracle (model/oracle.ts provides it). */
export interface OracleLike {
  observe(op: PrimitiveOp, result: OpResult): Divergence | null;
  lastRules(): readonly string[];
  /** the last op's (rule, permitted option) pairs, "rule=option" (model/oracle.ts); absent = none */
  lastOptions?(): readonly string[];
  coverage(): ReadonlySet<string>;
  maxCandidates(): number;
  /** the unconfirmed readings the trace needs (model/oracle.ts); absent = none */
  unconfirmed?(): string[];
}

/** Bounds the oracle checks inside an op (the runner's time limit reaches it as a deadline). */
export interface OracleRunLimits {
  deadline?: number;
  /** the quirks the oracle may take (triage/classify.ts); none: the strict architecture */
  quirks?: ReadonlySet<string>;
  /** checkTrace: past the candidate bound, go on with the candidates that took the fewest quirks (model/oracle.ts OracleOptions.cutToBound) */
  cutToBound?: boolean;
}

export interface OracleFactory {
  create(config: ResolvedConfig, limits?: OracleRunLimits): OracleLike;
  /** check a whole trace; with `limits.quirks`, the oracle may also take those quirks (triage/classify.ts) */
  checkTrace(scenario: ExpandedScenario, trace: Trace, limits?: OracleRunLimits): Verdict;
  /** is this error the oracle's candidate or work bound (scenario too ambiguous to check)? */
  isBoundError(e: unknown): boolean;
  /** did the oracle give up because the deadline passed inside an op? (a step-budget trace) */
  isDeadlineError?(e: unknown): boolean;
}

export interface LockstepExtras {
  /** collect consecutive-op rule pairs and (rule, permitted option) pairs (coverage feedback in campaigns) */
  rulePairs?: boolean;
}

/** A short message for anything thrown: name and message, never the stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return `thrown: ${JSON.stringify(e)}`;
  } catch {
    return `thrown: ${String(e)}`;
  }
}

const DEFAULT_STEP_BUDGET = 1_000_000;

function unsupportedReason(target: Target, scenario: ExpandedScenario): string | undefined {
  const why = target.unavailable?.();
  if (why) return `target ${target.name} is unavailable: ${why}`;
  const own = target.scenarioUnsupportedReason?.(scenario);
  if (own) return own;
  const ops = scenario.ops;
  for (let i = 0; i < ops.length; i++) {
    if (!target.supports(ops[i]!, scenario.config)) return `op ${i} (${ops[i]!.op}) is not supported by target ${target.name}`;
  }
  if (target.kind === 'in-process' ? !target.open : !target.runWhole) return `target ${target.name} has no way to run a scenario`;
  return undefined;
}

export async function runLockstep(
  target: Target,
  scenario: ExpandedScenario,
  options: RunOptions,
  oracles: OracleFactory | null,
  extras: LockstepExtras = {},
): Promise<RunOutcome> {
  const trace: Trace = { format: 'gicdiff/trace@1', scenario: scenario.name, target: target.name, results: [], status: 'complete' };
  const unsupported = unsupportedReason(target, scenario);
  if (unsupported) {
    trace.status = 'unsupported';
    return { trace, verdict: null, expectationFailures: [], coverage: [], unsupported };
  }
  const useOracle = options.oracle !== false && oracles !== null;
  if (target.kind === 'external') return runExternal(target, scenario, options, useOracle ? oracles : null, trace);
  return runInProcess(target, scenario, options, useOracle ? oracles : null, extras, trace);
}

function runInProcess(
  target: Target,
  scenario: ExpandedScenario,
  options: RunOptions,
  oracles: OracleFactory | null,
  extras: LockstepExtras,
  trace: Trace,
): RunOutcome {
  const ops = scenario.ops;
  const results = trace.results;
  const budget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
  const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
  let oracle: OracleLike | null = null;
  let divergence: Divergence | null = null;
  let oracleError: RunOutcome['oracleError'];
  const pairs = extras.rulePairs ? new Set<string>() : null;
  const optionPairs = extras.rulePairs ? new Set<string>() : null;
  let prevRule: string | null = null;

  if (oracles) {
    try {
      oracle = oracles.create(scenario.config, deadline !== Infinity ? { deadline } : {});
    } catch (e) {
      oracleError = { opIndex: 0, message: errorMessage(e), bound: oracles.isBoundError(e) };
    }
  }
  let session;
  try {
    session = target.open!(scenario.config);
  } catch (e) {
    trace.status = 'target-error';
    trace.error = { opIndex: 0, message: `creating the VM: ${errorMessage(e)}` };
    return finish(trace, scenario, oracle, null, oracleError, pairs, optionPairs);
  }

  const timed = deadline !== Infinity;
  let targetMs = 0; // time spent in the target's steps (with a time limit)
  let timedOut = false;
  for (let i = 0; i < ops.length; i++) {
    if (i >= budget) {
      trace.status = 'step-budget';
      trace.error = { opIndex: i, message: `step budget of ${budget} ops exhausted` };
      break;
    }
    if (timed && Date.now() > deadline) {
      if (oracle && !oracleError && targetMs * 2 < options.timeoutMs!) {
        // most of the time went to the oracle: like its candidate bound, that says nothing about the target
        oracleError = { opIndex: i, message: `time limit of ${options.timeoutMs} ms exceeded, ${targetMs} ms of it in the target: the oracle took the rest`, bound: true };
      } else {
        trace.status = 'step-budget';
        trace.error = { opIndex: i, message: `time limit of ${options.timeoutMs} ms exceeded (${targetMs} ms of it in the target)` };
      }
      timedOut = true;
      break;
    }
    const op = ops[i]!;
    let result: OpResult;
    const t0 = timed ? Date.now() : 0;
    try {
      result = stepOp(session, op, scenario.name);
      if (timed) targetMs += Date.now() - t0;
    } catch (e) {
      trace.status = 'target-error';
      trace.error = { opIndex: i, message: errorMessage(e) };
      break;
    }
    results.push(result);
    if (oracle && !oracleError) {
      try {
        divergence = oracle.observe(op, result);
        // the oracle counts ops itself; the runner's index is the one that matters
        if (divergence && divergence.opIndex !== i) divergence = { ...divergence, opIndex: i };
        if (pairs) {
          // the primary (first) rule of consecutive ops: all x all would make nearly every
          // scenario "new" and the corpus useless
          const rules = oracle.lastRules();
          if (rules.length) {
            const r = rules[0]!;
            if (prevRule !== null && prevRule !== r) pairs.add(prevRule + '>' + r);
            prevRule = r;
          }
          const opts = oracle.lastOptions?.();
          if (opts) for (const o of opts) optionPairs!.add(o);
        }
      } catch (e) {
        if (oracles!.isDeadlineError?.(e)) {
          // the time limit passed while the oracle was checking an op: the time went to the model,
          // so like its candidate bound this says nothing about the target (inconclusive)
          oracleError = { opIndex: i, message: `time limit of ${options.timeoutMs} ms: ${errorMessage(e)}`, bound: true };
          timedOut = true;
          break;
        }
        oracleError = { opIndex: i, message: errorMessage(e), bound: oracles!.isBoundError(e) };
      }
      // after the first divergence the strict oracle has nothing more to say; the target runs on,
      // so that the whole trace can be checked again with the target's quirks (triage/classify.ts)
      if (divergence) break;
    }
  }
  if (divergence && trace.status === 'complete' && runRest(session, scenario.name, ops, results.length, budget, deadline, options.timeoutMs, trace)) timedOut = true;
  try {
    const c = session.counters?.();
    if (c) trace.counters = c;
  } catch {
    // counters are informational; a target failing to give them is not a finding
  }
  const outcome = finish(trace, scenario, oracle, divergence, oracleError, pairs, optionPairs);
  if (timedOut) outcome.timedOut = true;
  return outcome;
}

/**
 * The ops after a divergence, on the target alone; a failure ends the trace as it would have
 * before. True when the time limit cut it.
 */
function runRest(
  session: { step(op: PrimitiveOp): OpResult }, scenarioName: string, ops: readonly PrimitiveOp[], from: number, budget: number, deadline: number, timeoutMs: number | undefined, trace: Trace,
): boolean {
  for (let i = from; i < ops.length; i++) {
    if (i >= budget || (deadline !== Infinity && Date.now() > deadline)) {
      trace.status = 'step-budget';
      trace.error = { opIndex: i, message: i >= budget ? `step budget of ${budget} ops exhausted` : `time limit of ${timeoutMs} ms exceeded` };
      return i < budget;
    }
    try {
      trace.results.push(stepOp(session, ops[i]!, scenarioName));
    } catch (e) {
      trace.status = 'target-error';
      trace.error = { opIndex: i, message: errorMessage(e) };
      return false;
    }
  }
  return false;
}

function finish(
  trace: Trace,
  scenario: ExpandedScenario,
  oracle: OracleLike | null,
  divergence: Divergence | null,
  oracleError: RunOutcome['oracleError'],
  pairs: Set<string> | null,
  optionPairs: Set<string> | null = null,
): RunOutcome {
  const coverage = oracle ? [...oracle.coverage()] : [];
  let verdict: Verdict | null = null;
  if (oracle && !oracleError) {
    const maxCandidates = oracle.maxCandidates();
    const unconfirmed = divergence ? [] : (oracle.unconfirmed?.() ?? []);
    verdict = divergence
      ? { ok: false, divergence, rules: coverage, maxCandidates }
      : { ok: true, rules: coverage, maxCandidates, ...(unconfirmed.length > 0 ? { unconfirmed } : {}) };
  }
  const outcome: RunOutcome = {
    trace,
    verdict,
    expectationFailures: checkExpectations(scenario.ops, trace.results),
    coverage,
  };
  if (oracleError) outcome.oracleError = oracleError;
  if (pairs) outcome.rulePairs = [...pairs];
  if (optionPairs) outcome.optionPairs = [...optionPairs];
  return outcome;
}

async function runExternal(
  target: Target,
  scenario: ExpandedScenario,
  options: RunOptions,
  oracles: OracleFactory | null,
  empty: Trace,
): Promise<RunOutcome> {
  let trace: Trace;
  try {
    const whole: { timeoutMs?: number } = {};
    if (options.timeoutMs !== undefined) whole.timeoutMs = options.timeoutMs;
    trace = await target.runWhole!(scenario, whole);
  } catch (e) {
    trace = { ...empty, status: 'target-error', error: { opIndex: 0, message: errorMessage(e) } };
  }
  const budget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
  // an external target stops on its own only at its time limit
  let timedOut = trace.status === 'step-budget' && options.timeoutMs !== undefined;
  if (trace.results.length > budget) {
    trace = { ...trace, results: trace.results.slice(0, budget), status: 'step-budget', error: { opIndex: budget, message: `step budget of ${budget} ops exhausted` } };
  }
  let verdict: Verdict | null = null;
  let oracleError: RunOutcome['oracleError'];
  if (oracles) {
    try {
      verdict = oracles.checkTrace(scenario, trace, options.timeoutMs !== undefined ? { deadline: Date.now() + options.timeoutMs } : {});
    } catch (e) {
      // the deadline passing inside the check is the oracle's time, like its bound (inconclusive)
      const late = oracles.isDeadlineError?.(e) === true;
      if (late) timedOut = true;
      oracleError = { opIndex: 0, message: errorMessage(e), bound: oracles.isBoundError(e) || late };
    }
  }
  const outcome: RunOutcome = {
    trace,
    verdict,
    expectationFailures: checkExpectations(scenario.ops, trace.results),
    coverage: verdict ? [...verdict.rules] : [],
  };
  if (oracleError) outcome.oracleError = oracleError;
  if (timedOut) outcome.timedOut = true;
  return outcome;
}
