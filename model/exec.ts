// How one op runs on one candidate state (model/README.md "Candidates and choices").
// A handler mutates the state it is given and returns the result it produces; where the
// architecture allows several outcomes it clones the state *before* diverging and registers each
// other outcome with branch(). A result may be a Pattern (a set of values, e.g. an IMPDEF field or
// UNKNOWN memory) instead of one value; `commit` then records what was actually observed (an
// implementation parameter fixed by its first observation, docs/oracle.md).
import type { OpResult } from '../spec/scenario.js';
import { canonicalResult } from '../spec/expect-check.js';
import type { State } from './state.js';

/** A set of permitted results given by a rule rather than listed. */
export abstract class Pattern {
  abstract matches(r: OpResult): boolean;
  /** one member of the set (the model target returns it) */
  abstract representative(): OpResult;
  abstract describe(): string;
}

/** A hex value of which only the `care` bits are determined. */
export class MaskedHex extends Pattern {
  /** `rep`: the free bits of the representative value (what the model target returns) */
  constructor(readonly value: bigint, readonly care: bigint, readonly rep = 0n) { super(); }
  matches(r: OpResult): boolean {
    if (typeof r !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(r)) return false;
    return (BigInt(r) & this.care) === (this.value & this.care);
  }
  representative(): OpResult { return '0x' + ((this.value & this.care) | (this.rep & ~this.care)).toString(16); }
  describe(): string { return `0x${this.value.toString(16)} (bits 0x${this.care.toString(16)} only)`; }
}

/** A register value as results write it: "0x" and lowercase hex (the model's one formatter). */
export const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** A register read whose whole value the architecture leaves open. */
export const ANY = (): MaskedHex => new MaskedHex(0n, 0n);

/** A byte string of fixed length of which the bytes with care[i] = 1 are determined. */
export class MaskedBytes extends Pattern {
  /** `care`: per byte, the bits that must match (0xff: the whole byte; 0: an UNKNOWN byte) */
  constructor(readonly bytes: Uint8Array, readonly care: Uint8Array) { super(); }
  matches(r: OpResult): boolean {
    if (typeof r !== 'string' || r.length !== this.bytes.length * 2) return false;
    for (let i = 0; i < this.bytes.length; i++) {
      if (!this.care[i]) continue;
      if ((parseInt(r.substr(i * 2, 2), 16) ^ this.bytes[i]!) & this.care[i]!) return false;
    }
    return /^[0-9a-fA-F]*$/.test(r);
  }
  representative(): OpResult {
    let s = '';
    for (const b of this.bytes) s += (b < 16 ? '0' : '') + b.toString(16);
    return s;
  }
  describe(): string { return `${this.representative()} (UNKNOWN bytes or bits where the architecture leaves memory UNKNOWN)`; }
}

export type Expected = OpResult | Pattern;

/** `rKey`: canonicalResult(r), when the caller checks one observed result against many outcomes. */
export function expectedMatches(e: Expected, r: OpResult, rKey?: string): boolean {
  if (e instanceof Pattern) return e.matches(r);
  return e === r || canonicalResult(e) === (rKey ?? canonicalResult(r));
}
export function representative(e: Expected): OpResult {
  return e instanceof Pattern ? e.representative() : e;
}
export function describeExpected(e: Expected): string {
  return e instanceof Pattern ? e.describe() : JSON.stringify(e);
}

export type Commit = (s: State, observed: OpResult) => void;

export interface Alt {
  state: State;
  result: Expected;
  commit?: Commit | undefined;
  /** the permitted choice this alternative took (for explanations) */
  choice?: string | undefined;
  /**
   * Deferred outcome: the outcome's state is `state` after `apply` (and the wake-up check). Set
   * where an op has many outcomes of which the observed result keeps one (IAR with equal-priority
   * interrupts, choice.u4.equal-priority): the alternatives share `state` and `materialize()` (machine.ts) clones only
   * for outcomes that survive, instead of one clone per outcome per op.
   */
  apply?: ((s: State) => void) | undefined;
}

/** The execution context of one op on one candidate. */
export class Exec {
  readonly rules: string[] = [];
  readonly branches: Alt[] = [];
  commit: Commit | undefined = undefined;
  /** choice taken by the main line of execution */
  choice: string | undefined = undefined;
  /**
   * The result the target returned, when the caller knows it (the oracle): a handler may skip
   * building an outcome that cannot produce it, recording the outcome's result in `pruned`.
   */
  observed: OpResult | undefined = undefined;
  readonly pruned: Expected[] = [];
  /** deferred effect of the main line (see Alt.apply): the handler returned without applying it */
  apply: ((s: State) => void) | undefined = undefined;

  rule(id: string): void {
    this.rules.push(id);
  }
  /** Another permitted outcome: `state` must be a state no other outcome shares. */
  branch(state: State, result: Expected, choice: string, commit?: Commit): void {
    this.branches.push({ state, result, commit, choice });
  }
  /**
   * Another permitted outcome whose effect is deferred (Alt.apply): `state` is the handler's own
   * state, left unmutated, and the main line defers its effect too (`x.apply`).
   */
  deferredBranch(state: State, result: Expected, choice: string, apply: (s: State) => void): void {
    this.branches.push({ state, result, choice, apply });
  }
  /**
   * Take over what a sub-execution (a handler run on a state of its own, or through another ABI)
   * found besides its main line: its rules, pruned results and other outcomes, each keeping its
   * deferred effect and commit, with the result and choice `relabel` gives. The main line's
   * result, `apply` and `commit` are the caller's to place.
   */
  absorb(sub: Exec, relabel: (b: Alt) => { result: Expected; choice: string }): void {
    for (const r of sub.rules) this.rules.push(r);
    for (const p of sub.pruned) this.pruned.push(p);
    for (const b of sub.branches) this.branches.push({ ...b, ...relabel(b) });
  }
}

/** Thrown by a handler for input no target can run (a malformed op): a clear message. */
export class ModelInputError extends Error {}

/** A device-attribute result {errno, value} whose value is a pattern. */
export class AttrPattern extends Pattern {
  constructor(readonly errno: number, readonly value: Pattern) { super(); }
  matches(r: OpResult): boolean {
    if (r === null || typeof r !== 'object' || Array.isArray(r) || !('errno' in r)) return false;
    const a = r as { errno: unknown; value?: OpResult };
    return a.errno === this.errno && a.value !== undefined && this.value.matches(a.value);
  }
  representative(): OpResult {
    return { errno: this.errno, value: this.value.representative() as string };
  }
  describe(): string { return `{errno: ${this.errno}, value: ${this.value.describe()}}`; }
}
