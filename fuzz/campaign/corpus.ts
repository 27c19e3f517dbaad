// The campaign's corpus: scenarios that reached new coverage, each with a novelty score; a share of
// scenario ids mutate an entry drawn with probability proportional to its score
// (fuzz/CAMPAIGN-FORMAT.md, "Seed ids").
import { Rng } from '../rng.js';

export interface CorpusEntry { id: string; score: number }

export class Corpus {
  readonly entries: CorpusEntry[] = [];
  private total = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Novelty: a new rule is worth ten new rule pairs. */
  add(id: string, newRules: number, newPairs: number): void {
    const score = 1 + 10 * newRules + newPairs;
    this.entries.push({ id, score });
    this.total += score;
  }

  /** The id of index k of campaign `seed`: fresh, or `S:k<parent>` mutating a drawn entry. */
  idFor(seed: string, k: number, mutationRate: number): string {
    const fresh = `${seed}:${k}`;
    if (!this.entries.length) return fresh;
    const r = new Rng(`${fresh}#sched`);
    if (!r.chance(mutationRate)) return fresh;
    let x = r.float() * this.total;
    let parent = this.entries[this.entries.length - 1]!.id;
    for (const e of this.entries) {
      x -= e.score;
      if (x < 0) {
        parent = e.id;
        break;
      }
    }
    if (parent.split('<').length > 3) return fresh; // keep ids (and their regeneration) short
    return `${fresh}<${parent}`;
  }
}
