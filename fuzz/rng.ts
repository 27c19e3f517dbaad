// The fuzzer's only source of randomness (docs/oracle.md): seedrandom's ARC4 stream from a string
// seed, so one seed gives the same numbers on every machine and Node version.
import seedrandom from 'seedrandom';

export class Rng {
  private readonly next: () => number;
  constructor(seed: string) {
    this.next = seedrandom(seed);
  }
  /** uniform in [0, 1) */
  float(): number {
    return this.next();
  }
  /** uniform integer in [0, n) (n >= 1) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** uniform integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** a small number most of the time, sometimes a large one: IDs near 0 find more bugs */
  small(max: number): number {
    const r = this.next();
    if (r < 0.6) return Math.floor(this.next() * Math.min(4, max + 1));
    if (r < 0.9) return Math.floor(this.next() * Math.min(32, max + 1));
    return Math.floor(this.next() * (max + 1));
  }
  /** index chosen with probability proportional to weights[i] (sum must be > 0) */
  weighted(weights: readonly number[], total: number): number {
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
  /** a 32-bit unsigned integer */
  u32(): number {
    return (this.next() * 0x1_0000_0000) >>> 0;
  }
}
