// Permitted choices taken as properties of the implementation (DESIGN.md 4): where the
// architecture leaves a corner case open (UNPREDICTABLE / CONSTRAINED UNPREDICTABLE / IMPDEF), a
// real implementation answers it the same way each time. The model keeps every option open until
// one is taken, then holds the implementation to it. This bounds the candidate set: each open
// policy at most doubles it once, instead of once per occurrence.
import type { State } from './state.js';

const ALL = [0, 1, 2, 3];

/** The options of policy `key` still open for this candidate (all `n` until one was taken). */
export function policyOptions(s: State, key: string, n: number): readonly number[] {
  const held = s.fixed.get('policy.' + key);
  return held === undefined ? ALL.slice(0, n) : [Number(held)];
}

export function holdPolicy(s: State, key: string, option: number): void {
  s.fixed.set('policy.' + key, BigInt(option));
}

/**
 * Run the open options of a policy: option list[0] on `s` itself, each other on a clone made
 * before `apply` mutates anything; returns [state, option] pairs, `s` first.
 */
export function forEachPolicy(s: State, key: string, n: number, apply: (st: State, option: number) => void): [State, number][] {
  const opts = policyOptions(s, key, n);
  const out: [State, number][] = [];
  const clones = opts.slice(1).map(() => s.clone());
  opts.forEach((o, i) => {
    const st = i === 0 ? s : clones[i - 1]!;
    holdPolicy(st, key, o);
    apply(st, o);
    out.push([st, o]);
  });
  return out;
}

/**
 * The same for a handler whose op result does not depend on the option: `s` takes the first open
 * option, every other one becomes a branch of the op (result `result`).
 */
export function branchPolicy(
  s: State, x: { branch(state: State, result: null, choice: string): void }, key: string, n: number,
  apply: (st: State, option: number) => void, label: (option: number) => string,
): void {
  const pairs = forEachPolicy(s, key, n, apply);
  for (let i = 1; i < pairs.length; i++) x.branch(pairs[i]![0], null, label(pairs[i]![1]));
}
