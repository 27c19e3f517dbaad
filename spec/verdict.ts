// What the oracle (model/) says about a trace (docs/oracle.md).
import type { OpResult } from './scenario.js';

export interface Divergence {
  /** index of the first op (in the expanded scenario) after which no candidate state was left */
  opIndex: number;
  /** the result the target returned */
  got: OpResult;
  /** the results the surviving candidate states allowed just before that op */
  allowed: OpResult[];
  /** rule ids involved in the op (what the candidates applied to produce `allowed`) */
  rules: string[];
  /** a short human sentence: "ICC_IAR1_EL1 on cpu 1 returned 0x3ff; the architecture allows 0x2000" */
  message: string;
  /** how the surviving candidates explain `allowed` (choices taken, deferred effects) */
  explanation?: string;
}

export type Verdict =
  /**
   * quirks: with a target's quirks enabled, the ones the accepting candidate took (model/choices.ts).
   * unconfirmed, when present: the trace is explained only by candidates that took an inferred
   * reading of these permitted-choice rules (spec/rules.json confidence I) where the architecture
   * presumably says otherwise: accepted under an unconfirmed reading, never a plain pass.
   */
  | { ok: true; rules: string[]; maxCandidates: number; quirks?: string[]; unconfirmed?: string[] }
  | { ok: false; divergence: Divergence; rules: string[]; maxCandidates: number };
