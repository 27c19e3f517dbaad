// IMPLEMENTATION DEFINED register bits (docs/oracle.md): any value the architecture permits is
// accepted the first time it is observed, and from then on the target is held to it.
import { type Commit, type Exec, type Expected, MaskedHex } from './exec.js';
import type { State } from './state.js';

const ALL64 = (1n << 64n) - 1n;

/**
 * A register read whose `free` bits are the implementation's choice: determined bits come from
 * `value`; the free bits are open until first observed, then held (rule impdef.held).
 */
export function impdefRead(s: State, x: Exec, key: string, value: bigint, free: bigint, rep = 0n): Expected {
  const held = s.fixed.get(key);
  if (held !== undefined) {
    x.rule('impdef.held');
    return '0x' + ((value & ~free) | (held & free)).toString(16);
  }
  x.commit = (st, observed) => {
    if (typeof observed === 'string') st.fixed.set(key, BigInt(observed) & free);
  };
  return new MaskedHex(value & ~free, ~free & ALL64, rep & free);
}

/**
 * A register read whose `care` bits take one of the values in `options` and whose other bits are
 * free (e.g. a PIDR2.ArchRev of 3 or 4): open until first observed, then the whole value is held.
 * `rep` gives the free bits of the model target's value (options[0] for the care bits).
 */
export function impdefReadOneOf(s: State, x: Exec, key: string, options: readonly bigint[], care: bigint, rep: bigint, choice: string): Expected {
  const held = s.fixed.get(key);
  if (held !== undefined) {
    x.rule('impdef.held');
    return '0x' + held.toString(16);
  }
  const commit: Commit = (st, observed) => {
    if (typeof observed === 'string') st.fixed.set(key, BigInt(observed) & 0xffff_ffffn);
  };
  x.commit = commit;
  // read-only: every option shares the state (the observed value tells them apart)
  for (let i = 1; i < options.length; i++) x.branch(s, new MaskedHex(options[i]!, care, rep), choice, commit);
  return new MaskedHex(options[0]!, care, rep);
}

/** ArchRev [7:4] of GICD_PIDR2 / GITS_PIDR2: 3 (GICv3) or 4 (GICv4) (IHI 0069 GICD_* registers; GITS_* registers). */
export const ARCHREV_OPTIONS: readonly bigint[] = [0x30n, 0x40n];
export const ARCHREV_MASK = 0xf0n;
/** the model target's free bits of PIDR2: JEDEC [3] = 1, DES_1 [2:0] = 3 (the scenario suite's reading of the ID scheme) */
export const PIDR2_REP = 0x0bn;
export const PIDR2 = 0xffe8;
