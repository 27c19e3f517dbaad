// The `model` target: the reference model run as a deterministic in-process target. Where the
// architecture allows several results it returns the first permitted one (the main line of each
// choice: typically KVM-like, e.g. command errors ignored, caches refreshed only on invalidate),
// with 5 implemented priority bits and CES = 1.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../spec/scenario.js';
import type { Target, TargetSession } from '../spec/target.js';
import { representative } from './exec.js';
import { materialize, runOp } from './machine.js';
import { State } from './state.js';

export class ModelSession implements TargetSession {
  private s: State;
  private rules: readonly string[] = [];

  constructor(config: ResolvedConfig, options?: { priBits?: number; ces?: boolean }) {
    this.s = new State(config);
    this.s.priBits = 1 << (options?.priBits ?? 5);
    this.s.ces = options?.ces === false ? 0b01 : 0b10;
  }

  step(op: PrimitiveOp): OpResult {
    const { alts, rules } = runOp(this.s, op);
    const a = alts[0]!;
    materialize([a], rules);
    const r = representative(a.result);
    a.commit?.(a.state, r);
    this.s = a.state;
    this.rules = [...new Set(rules)];
    return r;
  }

  lastRules(): readonly string[] {
    return this.rules;
  }
}

export const modelTarget: Target = {
  name: 'model',
  description: 'the reference model of the GIC architecture (model/), one deterministic resolution of its choices',
  kind: 'in-process',
  supports: () => true,
  open: (config) => new ModelSession(config),
};
