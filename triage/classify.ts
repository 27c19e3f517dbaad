// The one classification of what a run of a scenario on a target shows: used by campaigns, the
// minimizer, repro, the conformance suite and the reports.
//
// - inconclusive: a bound was reached before the trace could be judged: the oracle's candidate or
//   work bound, or the scenario's op budget or time limit (also when the time limit cut the rest
//   of the trace the quirks would have had to explain). Says nothing about the target; running out
//   of a budget never makes a finding new, so a verdict cannot depend on how loaded the machine is.
//   The check with quirks goes on past the candidate bound with the candidates that took the
//   fewest quirks (model/oracle.ts OracleOptions.cutToBound): an acceptance by those is decided
//   (known), a rejection after a cut is the bound's (inconclusive).
// - known: the strict oracle (the architecture) rejects the trace, and the oracle run again over
//   the WHOLE trace with the target's quirks enabled (model/choices.ts; declared in
//   spec/expectations/<target>.json) accepts it. The result names the quirks the accepting
//   candidate had to take.
// - new: anything else: the kernel under test logged an oops, a WARN, a stall (kvm-linux), the
//   target failed, an expect/expectOneOf failed where the architecture allows the trace, or even
//   the quirks cannot explain the trace; then the problem is reported at the op where the quirks
//   run out.
// Never by matching a signature or the ops before it: a new bug that shows at the same op as a
// known divergence comes out new as soon as the quirks cannot produce what it did.
import type { ExpandedScenario } from '../spec/scenario.js';
import type { Finding } from '../spec/gen/finding.js';
import { loadTargetExpectations } from '../spec/expectations.js';
import { errorMessage, type OracleFactory, type RunOutcome } from './lockstep.js';
import { KERNEL_SPLAT, oracleErrorAt, problemOf, type Problem } from './signature.js';

export type Classification = Finding['classification'];

/** How every view introduces inconclusive findings. */
export const INCONCLUSIVE_LABEL = "inconclusive: a bound was reached (the model's candidate or work bound, or the scenario's op budget or time limit); says nothing about the target";

export interface Classified {
  classification: Classification;
  /** what the finding reports: the strict oracle's problem when known, else where the quirks ran out */
  problem: Problem;
  /** known: the quirks the accepting candidate took, sorted */
  quirks: string[];
  /** the verdict of the check with quirks, when one was run (for repro's annotation) */
  withQuirks?: RunOutcome['verdict'];
}

/**
 * The problem an oracle-bound or step-budget outcome shows is never the target's: a bound was
 * reached (fuzz/CAMPAIGN-FORMAT.md "Classification"). An oracle that throws for another reason is
 * a gicdiff bug and stays loud (new).
 */
export function isInconclusive(parts: { mismatch: string }): boolean {
  return parts.mismatch === 'oracle-bound' || parts.mismatch === 'step-budget';
}

const quirkSets = new Map<string, ReadonlySet<string>>();
/** The quirks a target may take: the ids declared in spec/expectations/<target>.json (an `extends` included). */
export function targetQuirks(target: string): ReadonlySet<string> {
  let q = quirkSets.get(target);
  if (q === undefined) {
    q = new Set(loadTargetExpectations(target).entries.map((e) => e.id));
    quirkSets.set(target, q);
  }
  return q;
}

/**
 * Classify one run. `quirks`: the target's quirk set (targetQuirks(name) unless a caller, e.g. a
 * test, passes its own). Null when the outcome shows no problem.
 */
export function classifyOutcome(
  oracles: OracleFactory, targetName: string, scenario: ExpandedScenario, outcome: RunOutcome, quirks: ReadonlySet<string>,
): Classified | null {
  if (outcome.unsupported) return null;
  const problem = problemOf(targetName, scenario, outcome);
  if (problem === null) return null;
  if (isInconclusive(problem.parts)) return { classification: 'inconclusive', problem, quirks: [] };
  // no quirk explains the kernel under test logging an oops or a WARN: never known, whatever the results
  if (problem.parts.mismatch === KERNEL_SPLAT) return { classification: 'new', problem, quirks: [] };
  const v = outcome.verdict;
  // only a divergence from the architecture can be a quirk's doing: a target error, an expect the
  // architecture agrees with, or the oracle failing are new whatever the quirks
  if (v === null || v.ok || v.divergence.opIndex !== problem.opIndex || quirks.size === 0) return { classification: 'new', problem, quirks: [] };
  let again: RunOutcome['verdict'];
  try {
    // past the candidate bound the check goes on with the candidates that took the fewest quirks:
    // an acceptance is still decided (it is the whole set's), a rejection after a cut is the bound error
    again = oracles.checkTrace(scenario, outcome.trace, { quirks, cutToBound: true });
  } catch (e) {
    if (oracles.isBoundError(e)) return { classification: 'inconclusive', problem, quirks: [] };
    // the model failing with the quirks is gicdiff's bug: a loud finding of its own (new, like an
    // oracle error in lockstep), never an exception that ends a campaign
    return { classification: 'new', problem: oracleErrorAt(problem, errorMessage(e), `the oracle with the quirks of ${targetName}`), quirks: [] };
  }
  if (again.ok) {
    // accepted with quirks; the target may still have failed after them (it ran on), or an expect failed the quirks do not excuse
    const rest = problemOf(targetName, scenario, { ...outcome, verdict: again });
    // the op budget or the time limit cut the trace after the divergence: the quirks explain what
    // ran, and whether they explain the rest is unknown
    if (rest !== null && isInconclusive(rest.parts)) return { classification: 'inconclusive', problem: rest, quirks: [], withQuirks: again };
    if (rest !== null && !isExcused(rest, outcome)) return { classification: 'new', problem: rest, quirks: [], withQuirks: again };
    return { classification: 'known', problem, quirks: again.quirks ?? [], withQuirks: again };
  }
  const at = problemOf(targetName, scenario, { ...outcome, verdict: again }) ?? problem;
  return { classification: 'new', problem: at, quirks: [], withQuirks: again };
}

/**
 * A failed expect at or after the strict divergence is what the quirk explains (a directed scenario
 * states the architecture's answer); one before it is a separate problem.
 */
function isExcused(rest: Problem, outcome: RunOutcome): boolean {
  const v = outcome.verdict;
  return rest.parts.mismatch === 'expectation' && v !== null && !v.ok && rest.opIndex >= v.divergence.opIndex;
}
