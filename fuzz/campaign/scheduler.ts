// Which scenario runs next in a campaign shard, and in which order results count. Index j of the
// shard is scenario k = shard.index + j * shard.count. Results are committed strictly in j order
// (a result that comes early waits in `arrived`), so everything a campaign decides from them
// (coverage, corpus, which scenario first showed a signature) is the same whatever the number of
// workers and wherever the campaign was stopped and resumed. The ids of an epoch (EPOCH
// consecutive indexes) may depend only on results committed before the previous epoch began
// (corpus.ts), so at most two epochs are out at a time and workers rarely wait at a boundary.
import type { Shard } from './summary.js';
import type { ItemResult, WorkItem } from './protocol.js';

/** Scenario indexes per epoch (a campaign parameter: changing it changes the scenarios). */
export const EPOCH = 64;

export class ShardScheduler {
  /** indexes (in shard space) whose results are committed: 0 .. committed-1 */
  committed = 0;
  /** next index to hand out (shard space) */
  private cursor = 0;
  /** results that came before an earlier index's, by shard-space index */
  private readonly arrived = new Map<number, ItemResult>();
  /** shard-space indexes handed out and not committed */
  readonly outstanding = new Set<number>();
  /** items of a lost worker that were never run: dispatched again first */
  readonly retry: WorkItem[] = [];

  constructor(private readonly shard: Shard, private readonly limit: number = Infinity) {}

  /** Scenario index (campaign space) of shard index j. */
  indexOf(j: number): number {
    return this.shard.index + j * this.shard.count;
  }

  /** Shard index of scenario index k. */
  shardIndexOf(k: number): number {
    return (k - this.shard.index) / this.shard.count;
  }

  /** Continue after `committed` committed indexes (resume). */
  restore(committed: number): void {
    this.committed = committed;
    this.cursor = committed;
  }

  /** The results up to this shard index decide the ids of index j (corpus.ts prefix). */
  static basisOf(j: number): number {
    return Math.max(0, (Math.floor(j / EPOCH) - 1) * EPOCH);
  }

  /** Up to `size` items: retries first, then fresh indexes within the limit and the epoch window. */
  takeBatch(size: number, idFor: (k: number, basis: number) => string): WorkItem[] {
    const items: WorkItem[] = [];
    while (items.length < size && this.retry.length) items.push(this.retry.shift()!);
    while (items.length < size && this.cursor < this.limit && ShardScheduler.basisOf(this.cursor) <= this.committed) {
      const j = this.cursor++;
      const k = this.indexOf(j);
      this.outstanding.add(j);
      items.push({ index: k, id: idFor(k, ShardScheduler.basisOf(j)) });
    }
    return items;
  }

  /** A result came; returns the results now committable, in index order. */
  arrive(r: ItemResult): ItemResult[] {
    const j = this.shardIndexOf(r.index);
    if (j < this.committed || !this.outstanding.has(j)) return []; // a duplicate (a retried item's late twin)
    this.arrived.set(j, r);
    const ready: ItemResult[] = [];
    for (let next = this.arrived.get(this.committed); next !== undefined; next = this.arrived.get(this.committed)) {
      this.arrived.delete(this.committed);
      this.outstanding.delete(this.committed);
      this.committed++;
      ready.push(next);
    }
    return ready;
  }

  /** Every index below the limit is committed. */
  finished(): boolean {
    return this.committed >= this.limit;
  }

  /** Nothing more can be handed out right now (the limit, or waiting for the epoch window). */
  exhausted(): boolean {
    return this.retry.length === 0 && this.cursor >= this.limit;
  }
}
