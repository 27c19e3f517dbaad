// The campaign folder's JSON documents (fuzz/CAMPAIGN-FORMAT.md), shared by campaigns and merge.
import type { SignatureParts } from '../../spec/expectations.js';

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

export interface CampaignState {
  format: 'gicdiff/campaign-state@1';
  /** every index of this shard below `next` is done */
  next: number;
  /** done indexes at or above next */
  done: number[];
  elapsedMs: number;
}

export interface FindingRecord {
  signature: string;
  parts: Omit<SignatureParts, 'rules'>;
  classification: 'new' | 'known';
  knownId: string | null;
  count: number;
  firstSeed: string;
  firstFoundAt: string;
  dir: string;
  message: string;
  minimizedOps: number | null;
}

export interface StatsLine {
  t: string;
  elapsedMs: number;
  scenarios: number;
  ops: number;
  scenariosPerSec: number;
  opsPerSec: number;
  rules: number;
  rulePairs: number;
  findingsNew: number;
  findingsKnown: number;
  hits: number;
  targetErrors: number;
  stepBudget: number;
  unsupported: number;
  corpus: number;
  workers: number;
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
  coverage: { rules: string[]; ruleCount: number; rulePairs: number; ruleHits: Record<string, number> };
  findings: FindingRecord[];
  counts: { new: number; known: number };
  corpus: number;
}
