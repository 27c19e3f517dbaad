// Which scenario index runs next in a campaign shard: indexes k = shard.index + j * shard.count
// for j = 0, 1, 2...; what is done (a contiguous prefix `next` plus the done indexes above it),
// what is out at a worker, and what a lost worker left unrun (dispatched again first).
import type { Shard } from './summary.js';
import type { WorkItem } from './protocol.js';

export class ShardScheduler {
  /** smallest index of this shard not known done */
  next: number;
  /** done indexes above `next` */
  readonly done = new Set<number>();
  /** next index to dispatch, counted in this shard (index = shard.index + cursor * shard.count) */
  private cursor = 0;
  readonly dispatched = new Set<number>();
  /** items of a lost worker that were never run: dispatched again first */
  readonly retry: WorkItem[] = [];

  constructor(private readonly shard: Shard) {
    this.next = shard.index;
  }

  indexOf(j: number): number {
    return this.shard.index + j * this.shard.count;
  }

  /** Continue from a saved state: every index below `next` and those in `done` are done. */
  restore(next: number, done: readonly number[]): void {
    this.next = next;
    for (const d of done) this.done.add(d);
    this.cursor = (this.next - this.shard.index) / this.shard.count;
  }

  /** Up to `size` items: retries first, then fresh indexes while `left()` allows; `idFor` names each. */
  takeBatch(size: number, left: () => number, idFor: (k: number) => string): WorkItem[] {
    const items: WorkItem[] = [];
    while (items.length < size && this.retry.length) items.push(this.retry.shift()!);
    while (items.length < size && left() > 0) {
      const k = this.indexOf(this.cursor);
      this.cursor++;
      if (this.done.has(k)) continue;
      this.dispatched.add(k);
      items.push({ index: k, id: idFor(k) });
    }
    return items;
  }

  markDone(k: number): void {
    this.dispatched.delete(k);
    this.done.add(k);
    const { index, count } = this.shard;
    // advance `next` over the contiguous done prefix (in shard-index space)
    let j = (this.next - index) / count;
    while (this.done.has(index + j * count)) {
      this.done.delete(index + j * count);
      j++;
    }
    this.next = index + j * count;
  }

  /** A dispatched item that will never report (its worker was lost while running it). */
  forget(k: number): void {
    this.dispatched.delete(k);
  }

  doneAbove(): number[] {
    return [...this.done].sort((a, b) => a - b);
  }
}
