// The campaign's corpus: scenarios that reached new coverage, each with a novelty score and the
// shard index it came from; a share of scenario ids mutate an entry drawn with probability
// proportional to its score (fuzz/CAMPAIGN-FORMAT.md, "Seed ids"). An index draws only from
// entries of indexes before its basis (scheduler.ts), never from entries still being decided.
import { Rng } from '../rng.js';

export interface CorpusEntry {
  id: string;
  /** scenario index (campaign space) */
  index: number;
  /** shard-space index, the order entries are added in */
  j: number;
  score: number;
  newRules: number;
  newPairs: number;
  newBranches: number;
  /** new (rule, permitted option) pairs (absent in corpora of older campaigns) */
  newOptions?: number;
}

export class Corpus {
  readonly entries: CorpusEntry[] = [];
  /** cumulative score: totals[i] = sum of entries[0..i].score */
  private readonly totals: number[] = [];

  get size(): number {
    return this.entries.length;
  }

  /**
   * Novelty: a new rule is worth ten new rule pairs or new branches of the target; a new permitted
   * option of a rule (the target took another of the behaviours the architecture allows) five.
   */
  static score(newRules: number, newPairs: number, newBranches: number, newOptions = 0): number {
    return 1 + 10 * newRules + 5 * newOptions + newPairs + newBranches;
  }

  add(e: Omit<CorpusEntry, 'score'>): CorpusEntry {
    const entry = { ...e, score: Corpus.score(e.newRules, e.newPairs, e.newBranches, e.newOptions ?? 0) };
    this.entries.push(entry);
    this.totals.push((this.totals[this.totals.length - 1] ?? 0) + entry.score);
    return entry;
  }

  /** How many entries come from shard indexes below `basis` (entries are in j order). */
  private countBefore(basis: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.j < basis) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The id of index k of campaign `seed`: fresh, or `S:k<parent>` mutating an entry from before `basis`. */
  idFor(seed: string, k: number, basis: number, mutationRate: number): string {
    const fresh = `${seed}:${k}`;
    const n = this.countBefore(basis);
    if (n === 0) return fresh;
    const r = new Rng(`${fresh}#sched`);
    if (!r.chance(mutationRate)) return fresh;
    const x = r.float() * this.totals[n - 1]!;
    // the first entry whose cumulative score passes x
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.totals[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    const parent = this.entries[lo]!.id;
    if (parent.split('<').length > 3) return fresh; // keep ids (and their regeneration) short
    return `${fresh}<${parent}`;
  }
}
