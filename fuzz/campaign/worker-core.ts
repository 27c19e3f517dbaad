// What a campaign worker does, independent of threads (so it is testable inline): generate the
// scenario an id names, run it in lockstep, sign the problem it shows, build the finding the first
// time this worker meets a signature, and minimize on request.
import { expandScenario } from '../../spec/expand.js';
import type { PrimitiveOp, ResolvedConfig, Scenario } from '../../spec/scenario.js';
import { generateScenario } from '../generate.js';
import { runLockstep, type RunOutcome } from '../lockstep.js';
import { problemOf } from '../signature.js';
import { buildFinding, classifyProblem } from '../finding.js';
import { minimizeOnTarget, type MinimizeOptions } from '../minimize.js';
import { weightsHash } from '../weights.js';
import type { LoadedPlugin } from './plugin.js';
import type { ItemResult, ScenarioStatus, WorkerInit, WorkItem } from './protocol.js';

export class WorkerCore {
  private readonly seenSignatures = new Set<string>();
  private readonly weightsHash: string;

  private readonly accept: (op: PrimitiveOp, config: ResolvedConfig) => boolean;

  constructor(private readonly init: WorkerInit, private readonly plugin: LoadedPlugin) {
    this.weightsHash = weightsHash(init.weights);
    // generate only what the target can run (Target.supports)
    this.accept = (op, config) => plugin.target.supports(op, config);
  }

  /** Run the scenario an item names; `onStart` sees it just before it runs (the watchdog keeps it). */
  async runItem(item: WorkItem, onStart?: (scenario: Scenario) => void): Promise<ItemResult> {
    const { target, oracle } = this.plugin;
    const scenario = generateScenario(item.id, { profile: this.init.profile, weights: this.init.weights, accept: this.accept });
    onStart?.(scenario);
    const expanded = expandScenario(scenario);
    const outcome = await runLockstep(target, expanded, this.init.run, oracle, { rulePairs: true });
    const r: ItemResult = {
      index: item.index,
      id: item.id,
      ops: outcome.trace.results.length,
      status: statusOf(outcome),
      rules: outcome.coverage,
      pairs: outcome.rulePairs ?? [],
    };
    const problem = outcome.unsupported ? null : problemOf(target.name, expanded, outcome);
    if (problem) {
      r.signature = problem.signature;
      r.classification = classifyProblem(problem, this.init.expectations).classification;
      // the first time this worker meets a signature is at its lowest index (items come in index
      // order), which is the one the campaign commits first; a retried item breaks that order
      if (!this.seenSignatures.has(problem.signature) || item.full) {
        this.seenSignatures.add(problem.signature);
        r.finding = buildFinding(scenario, expanded, outcome, problem, {
          target: target.name,
          seed: item.id,
          profile: this.init.profile,
          weightsHash: this.weightsHash,
          campaign: { seed: this.init.campaignSeed, shard: this.init.shard, index: item.index },
          expectations: this.init.expectations,
        });
      }
    }
    return r;
  }

  async minimize(signature: string, scenario: Scenario, budget: MinimizeOptions = this.init.minimize): Promise<{ scenario: Scenario; runs: number }> {
    const { target, oracle } = this.plugin;
    const m = await minimizeOnTarget(target, scenario, (t, s, o) => runLockstep(t, s, o, oracle), signature, { ...budget, run: this.init.run });
    return { scenario: m.scenario, runs: m.runs };
  }
}

export function statusOf(o: RunOutcome): ScenarioStatus {
  if (o.unsupported) return 'unsupported';
  if (o.trace.status === 'target-error' || o.trace.status === 'step-budget') return o.trace.status;
  if (o.verdict && !o.verdict.ok) return 'divergent';
  if (o.oracleError) return 'oracle-error';
  if (o.verdict?.ok && o.verdict.unconfirmed) return 'unconfirmed';
  return 'ok';
}
