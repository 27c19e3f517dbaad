// What a campaign worker does, independent of threads (so it is testable inline): generate the
// scenario an id names, run it in lockstep, sign the problem it shows, build the finding the first
// time this worker meets a signature, and minimize on request.
import { expandScenario } from '../../spec/expand.js';
import type { PrimitiveOp, ResolvedConfig, Scenario } from '../../spec/scenario.js';
import { generateScenario } from '../generate.js';
import { runLockstep, type RunOutcome } from '../../triage/lockstep.js';
import { classifyOutcome, type Classified } from '../../triage/classify.js';
import { buildFinding } from '../finding.js';
import { minimizeOnTarget, type MinimizeOptions } from '../minimize.js';
import { weightsHash } from '../weights.js';
import type { LoadedPlugin } from './plugin.js';
import type { ItemResult, ScenarioStatus, WorkerInit, WorkItem } from './protocol.js';

export class WorkerCore {
  /** "<classification> <signature>" of the findings this worker sent: known and new ones of one signature are separate */
  private readonly seenFindings = new Set<string>();
  private readonly weightsHash: string;
  /** the target's quirks: the ids its expectations file declares */
  private readonly quirks: ReadonlySet<string>;

  private readonly accept: (op: PrimitiveOp, config: ResolvedConfig) => boolean;

  constructor(private readonly init: WorkerInit, private readonly plugin: LoadedPlugin, private readonly branches?: { take(): string[] }) {
    this.weightsHash = weightsHash(init.weights);
    this.quirks = new Set(init.expectations.entries.map((e) => e.id));
    // each take is the coverage since the last: start from zero (what loading the target ran)
    branches?.take();
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
    const branches = this.branches?.take();
    const r: ItemResult = {
      index: item.index,
      id: item.id,
      ops: outcome.trace.results.length,
      status: statusOf(outcome),
      rules: outcome.coverage,
      pairs: outcome.rulePairs ?? [],
      options: outcome.optionPairs ?? [],
    };
    if (branches) r.branches = branches;
    // each scenario is classified on its own trace (triage/classify.ts)
    const classified = outcome.unsupported ? null : classifyOutcome(oracle, target.name, expanded, outcome, this.quirks);
    if (classified) {
      r.signature = classified.problem.signature;
      r.classification = classified.classification;
      // the first time this worker meets a signature with a classification is at its lowest index
      // (items come in index order), which is the one the campaign commits first; a retried item
      // breaks that order
      const key = `${classified.classification} ${r.signature}`;
      if (!this.seenFindings.has(key) || item.full) {
        this.seenFindings.add(key);
        r.finding = buildFinding(scenario, expanded, outcome, classified, {
          target: target.name,
          seed: item.id,
          profile: this.init.profile,
          weightsHash: this.weightsHash,
          campaign: { seed: this.init.campaignSeed, shard: this.init.shard, index: item.index },
        });
      }
    }
    return r;
  }

  /** Run a scenario and classify what it shows (null: nothing, or the time limit stopped the run: no answer). */
  async classify(scenario: Scenario): Promise<Classified | null> {
    const { target, oracle } = this.plugin;
    const expanded = expandScenario(scenario);
    try {
      const outcome = await runLockstep(target, expanded, this.init.run, oracle);
      if (outcome.timedOut) return null;
      return classifyOutcome(oracle, target.name, expanded, outcome, this.quirks);
    } finally {
      this.branches?.take(); // a classification run is no scenario's coverage
    }
  }

  /** Minimize keeping the signature, and the new-ness of a new finding (`keepNew`). */
  async minimize(signature: string, scenario: Scenario, budget: MinimizeOptions = this.init.minimize, keepNew = false): Promise<{ scenario: Scenario; runs: number; cut: boolean }> {
    const { target, oracle } = this.plugin;
    const keep = keepNew ? { signature, newWith: { oracles: oracle, quirks: this.quirks } } : { signature };
    try {
      const m = await minimizeOnTarget(target, scenario, (t, s, o) => runLockstep(t, s, o, oracle), keep, { ...budget, run: this.init.run });
      return { scenario: m.scenario, runs: m.runs, cut: m.cut };
    } finally {
      this.branches?.take(); // the minimizer's runs are no scenario's coverage
    }
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
