// The one place scenarios are run: `run`, `repro`, `conformance`, the minimizer and campaigns all
// come here. The oracle is the reference model's (model/oracle.ts); triage/lockstep.ts does the work.
import type { ExpandedScenario } from '../spec/scenario.js';
import type { Target } from '../spec/target.js';
import { CandidateBoundError, checkTrace, createOracle } from '../model/oracle.js';
import { OracleDeadlineError, OracleWorkLimitError } from '../model/budget.js';
import { runLockstep, type OracleFactory, type RunOptions, type RunOutcome } from './lockstep.js';

export type { RunOptions, RunOutcome } from './lockstep.js';

/** The reference model as the runner's oracle. */
export const modelOracle: OracleFactory = {
  create: (config, limits) => createOracle(config, limits),
  checkTrace: (scenario, trace, limits) => checkTrace(scenario, trace, limits),
  isBoundError: (e) => e instanceof CandidateBoundError || e instanceof OracleWorkLimitError,
  isDeadlineError: (e) => e instanceof OracleDeadlineError,
};

export async function runScenario(target: Target, scenario: ExpandedScenario, options: RunOptions = {}): Promise<RunOutcome> {
  return runLockstep(target, scenario, options, modelOracle);
}

