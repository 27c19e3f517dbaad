// The campaign folder's JSON documents (fuzz/CAMPAIGN-FORMAT.md), shared by campaigns and merge.
import type { SignatureParts } from '../../spec/expectations.js';
import type { Finding } from '../../spec/gen/finding.js';
import { isInconclusive } from '../../triage/classify.js';

/** Findings per classification (fuzz/CAMPAIGN-FORMAT.md): only `new` fails a run. */
export interface FindingCounts { new: number; known: number; inconclusive: number }


export interface Shard { index: number; count: number }

export interface CampaignParams {
  format: 'gicdiff/campaign@1';
  target: string;
  seed: string;
  profile: string;
  shard: Shard;
  workers: number;
  limit: { timeMs?: number; iterations?: number };
  generator: { version: string; malformedRate: number; weightsHash: string };
  gicdiffVersion: string;
  node: string;
  startedAt: string;
}

/**
 * Everything a campaign has counted, written atomically as one file at each checkpoint: indexes
 * below `committed` are done and counted here, nothing above is (--resume runs them again), so a
 * kill at any moment neither loses nor counts twice.
 */
export interface CampaignState {
  format: 'gicdiff/campaign-state@2';
  /** shard-space indexes 0 .. committed-1 are done */
  committed: number;
  /** the first scenario index not done: shard.index + committed * shard.count */
  next: number;
  elapsedMs: number;
  scenarios: number;
  ops: number;
  statuses: Record<string, number>;
  ruleHits: Record<string, number>;
  rulePairs: string[];
  /** (rule, permitted option) pairs the target's results kept, "rule=option" (absent in older states) */
  optionPairs?: string[];
  /** branches of the target's code reached (coverage feedback; absent when off) */
  branches?: string[];
  corpus: { id: string; index: number; j: number; newRules: number; newPairs: number; newBranches: number; newOptions?: number }[];
  findings: FindingRecord[];
  hits: number;
  /** signatures whose minimization had not finished: queued again on resume */
  minimize: string[];
}

export interface FindingRecord {
  signature: string;
  parts: Omit<SignatureParts, 'rules'>;
  /** new / known / inconclusive (oracle-bound: the model could not decide; says nothing about the target) */
  classification: Finding['classification'];
  /** known: the quirks the first known scenario needed */
  quirks: string[];
  count: number;
  firstSeed: string;
  firstFoundAt: string;
  dir: string;
  message: string;
  minimizedOps: number | null;
  /**
   * the wall clock stopped the minimization of minimized.json (its time budget, or a candidate
   * run's time limit): another machine may have got further (absent: the run budget or the
   * minimizer itself decided, the same on every machine)
   */
  minimizeCut?: true;
  /**
   * the first scenarios classified new with this signature (at most NEW_HITS_KEPT), with when each
   * was counted: one signature can stand for several problems (gicdiff selftest tells a fault's
   * from the clean target's by the scenario)
   */
  newHits?: { seed: string; at: string }[];
}

/** How many scenarios classified new a finding record lists (FindingRecord.newHits). */
export const NEW_HITS_KEPT = 8;

export interface StatsLine {
  t: string;
  elapsedMs: number;
  scenarios: number;
  ops: number;
  scenariosPerSec: number;
  opsPerSec: number;
  rules: number;
  rulePairs: number;
  /** (rule, permitted option) pairs seen so far */
  optionPairs?: number;
  /** branches of the target's code covered so far (with coverage feedback) */
  branches?: number;
  findingsNew: number;
  findingsKnown: number;
  findingsInconclusive: number;
  hits: number;
  targetErrors: number;
  stepBudget: number;
  unsupported: number;
  corpus: number;
  workers: number;
  /** resident memory of the whole campaign process (worker threads included), MiB */
  rssMb?: number;
}

export interface CampaignSummaryDoc {
  format: 'gicdiff/campaign-summary@1';
  final: boolean;
  stopReason: 'time' | 'iterations' | 'signal' | 'error' | null;
  error?: string;
  target: string;
  seed: string;
  profile: string;
  shard: Shard;
  shards: Shard[];
  workers: number;
  generatorVersion: string;
  gicdiffVersion: string;
  startedAt: string;
  endedAt: string | null;
  elapsedMs: number;
  scenarios: number;
  ops: number;
  scenariosPerSec: number;
  opsPerSec: number;
  statuses: Record<string, number>;
  /**
   * optionPairs: (rule, permitted option) pairs the target's results kept; branchCount: branches
   * of the target's code covered (with coverage feedback)
   */
  coverage: { rules: string[]; ruleCount: number; rulePairs: number; optionPairs?: number; ruleHits: Record<string, number>; branchCount?: number };
  findings: FindingRecord[];
  counts: FindingCounts;
  corpus: number;
}

const CLASS_ORDER: Record<FindingRecord['classification'], number> = { new: 0, known: 1, inconclusive: 2 };

/** Summary order: new first (what fails the run), then known, then inconclusive; most hits first within each. */
export function compareFindingRecords(a: FindingRecord, b: FindingRecord): number {
  return CLASS_ORDER[a.classification] - CLASS_ORDER[b.classification] || b.count - a.count;
}

export function countFindings(records: Iterable<Pick<FindingRecord, 'classification'>>): FindingCounts {
  const c: FindingCounts = { new: 0, known: 0, inconclusive: 0 };
  for (const f of records) c[f.classification]++;
  return c;
}

/**
 * Campaigns written before `inconclusive` existed recorded oracle-bound findings as new (and
 * step-budget ones until they became inconclusive too); reading them (--resume, merge) gives them
 * the classification they have now.
 */
export function upgradeRecord<T extends Pick<FindingRecord, 'classification' | 'quirks'> & { parts: { mismatch: string } }>(f: T): T {
  if (f.parts !== undefined && isInconclusive(f.parts) && f.classification !== 'inconclusive') f.classification = 'inconclusive';
  // records written before quirks named none (their entries matched patterns)
  if (!Array.isArray(f.quirks)) f.quirks = [];
  if (f.classification !== 'known') f.quirks = [];
  return f;
}
