// Bounds on the oracle's work inside one op. The candidate bound (oracle.ts) is checked between
// ops; one op can still cost minutes and gigabytes (an ITS command queue of thousands of entries
// run for every candidate), so the loops that can run long spend from this budget as they go.
// The work limit is counted in candidate-steps, not time, so that where a scenario stops being
// checkable depends on the scenario only (a campaign gives the same verdict on any machine and
// with any number of workers); the deadline is the last resort of --timeout.

/** The oracle gave up on an op: more candidate-steps than the work limit. */
export class OracleWorkLimitError extends Error {
  override name = 'OracleWorkLimitError';
}
/** The oracle gave up on an op: the scenario's time limit passed while it ran. */
export class OracleDeadlineError extends Error {
  override name = 'OracleDeadlineError';
}

/**
 * Candidate-steps one op may take (one step: one ITS command, or one op, run on one candidate).
 * Of 2,000 generated scenarios the costliest op took 393,000 steps (about 0.5 s; the median
 * scenario needs 28 in its costliest op); the queue of one scenario that took 22 s and 2.5 GB ran
 * 32 million. This bound stops that one early and leaves generated scenarios a margin of 2.5.
 */
export const DEFAULT_WORK_LIMIT = 1_000_000;

/**
 * Candidate states alive inside one op, as a multiple of the bound kept between ops: an op may
 * split every candidate several ways before the observed result prunes them (a save/restore of
 * 3,448 candidates had 27,480 outcomes, then 756 candidates).
 */
export const IN_OP_CANDIDATE_FACTOR = 16;
const CLOCK_EVERY = 64; // steps between two looks at the clock

interface Limits { work: number; deadline: number; candidates: number }

let active: Limits | null = null;
let spent = 0;
let sinceClock = 0;

/** Run one op of an oracle under `limits`; outside such a call, spend() counts nothing (the model target). */
export function withBudget<T>(limits: Limits, what: () => string, run: () => T): T {
  const outer = { active, spent, sinceClock };
  active = limits;
  spent = 0;
  sinceClock = 0;
  try {
    return run();
  } catch (e) {
    if (e instanceof OracleWorkLimitError || e instanceof OracleDeadlineError) e.message = `${what()}: ${e.message}`;
    throw e;
  } finally {
    if (outer.active !== null) ({ active, spent, sinceClock } = outer);
    else active = null;
  }
}

/** Count `steps` candidate-steps of the current op; throws when a limit is passed. */
export function spend(steps: number): void {
  if (active === null) return;
  spent += steps;
  if (spent > active.work) throw new OracleWorkLimitError(`more than ${active.work} candidate-steps in one op`);
  sinceClock += steps;
  if (sinceClock >= CLOCK_EVERY) {
    sinceClock = 0;
    if (Date.now() > active.deadline) throw new OracleDeadlineError('time limit exceeded inside the oracle');
  }
}

/** `n` candidate states are alive inside the current op: throws above the candidate bound (memory). */
export function alive(n: number): void {
  if (active !== null && n > active.candidates) throw new OracleWorkLimitError(`${n} candidate states alive inside one op exceed the bound of ${active.candidates}`);
}
