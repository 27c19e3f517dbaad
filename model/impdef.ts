// IMPLEMENTATION DEFINED register bits (DESIGN.md 4): any value the architecture permits is
// accepted the first time it is observed, and from then on the target is held to it.
import { type Exec, type Expected, MaskedHex } from './exec.js';
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
