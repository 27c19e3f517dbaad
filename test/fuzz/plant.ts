// The one way the self-tests plant a fault from outside the product code: the real `kvm` target
// with every op of a session passed through `step`, which drives the real session (and may rewrite
// the op before it, or the result after it). Used by planted-plugin.ts and same-op-plugin.ts.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import type { Target, TargetSession } from '../../spec/target.js';
import '../../impl/register.js';
import { getTarget } from '../../spec/target.js';

export function kvm(): Target {
  const t = getTarget('kvm');
  if (!t) throw new Error('the kvm target is not registered');
  return t;
}

/** A kvm target named `name` whose sessions run every op through `step`. */
export function planted(name: string, description: string, step: (s: TargetSession, op: PrimitiveOp, config: ResolvedConfig) => OpResult): Target {
  const base = kvm();
  return {
    ...base,
    name,
    description,
    supports: (op, config) => base.supports(op, config),
    open(config: ResolvedConfig): TargetSession {
      const s = base.open!(config);
      return { step: (op) => step(s, op, config) };
    },
  };
}
