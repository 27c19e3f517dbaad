// Messages between a campaign's coordinator and its workers (fuzz/campaign/worker.ts).
import type { Finding } from '../../spec/gen/finding.js';
import type { Expectations } from '../../spec/expectations.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Profile } from '../generate.js';
import type { RunOptions } from '../../triage/lockstep.js';
import type { MinimizeOptions } from '../minimize.js';
import type { Weights } from '../weights.js';

export interface WorkerInit {
  /** bundled plugin module (fuzz/campaign/plugin.ts) */
  pluginBundle: string;
  pluginFile: string;
  target: string;
  profile: Profile;
  weights: Weights;
  run: RunOptions;
  expectations: Expectations;
  minimize: MinimizeOptions;
  campaignSeed: string;
  shard: string;
  /** measure the target's branch coverage per scenario (fuzz/campaign/branch-coverage.ts) */
  branchCoverage?: boolean;
}

/** `full`: send the finding document even if this worker met its signature before (a retried item). */
export interface WorkItem { index: number; id: string; full?: boolean }

export type ToWorker =
  | { type: 'batch'; items: WorkItem[] }
  /** budget: instead of WorkerInit.minimize (inconclusive findings get a smaller one) */
  /** keepNew: a new finding keeps its new-ness while minimized */
  | { type: 'minimize'; signature: string; scenario: Scenario; budget?: MinimizeOptions; keepNew?: boolean }
  | { type: 'stop' };

/** unconfirmed: ok, but only under an unconfirmed reading (Verdict.unconfirmed): counted apart, never as ok */
export type ScenarioStatus = 'ok' | 'unconfirmed' | 'divergent' | 'target-error' | 'step-budget' | 'unsupported' | 'oracle-error';

export interface ItemResult {
  index: number;
  id: string;
  ops: number;
  status: ScenarioStatus;
  /** rule ids this scenario exercised */
  rules: string[];
  /** the scenario's consecutive-op rule pairs (the coordinator decides which are new, in index order) */
  pairs: string[];
  /** the scenario's (rule, permitted option) pairs, "rule=option" (triage/lockstep.ts) */
  options?: string[];
  /** branches of the target's code the scenario reached (coverage feedback on) */
  branches?: string[];
  /** made up by the coordinator for the scenario of a lost (hung or crashed) worker */
  lost?: boolean;
  signature?: string;
  classification?: Finding['classification'];
  /** the full finding, the first time this worker meets the signature */
  finding?: Finding;
}

export type FromWorker =
  | { type: 'ready' }
  /** the worker starts a scenario (index, id) or a minimization (signature): the watchdog's clock */
  | { type: 'start'; index?: number; id?: string; scenario?: Scenario; signature?: string }
  | { type: 'results'; results: ItemResult[] }
  /**
   * the minimized scenario classified again: known may become new (quirks: what a known one
   * needed); cut: the wall clock stopped the minimization (fuzz/minimize.ts MinimizeResult.cut)
   */
  | { type: 'minimized'; signature: string; scenario: Scenario; runs: number; ms: number; cut?: true; classification?: Finding['classification']; quirks?: string[] }
  | { type: 'minimize-failed'; signature: string; message: string }
  | { type: 'fatal'; message: string };
