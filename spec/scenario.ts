// Scenario types (generated from spec/schema/scenario.schema.json) and the resolved config.
import type { Scenario, Op, BootOp, Config, OpResult, ItsCommand } from './gen/scenario.js';
import { parseHexNumber } from './hex.js';

export type { Scenario, Op, BootOp, Config, OpResult, ItsCommand };
export type * from './gen/scenario.js';

/** An op after macro expansion: what targets and the oracle see. */
export type PrimitiveOp = Exclude<Op, BootOp>;
export type OpKind = PrimitiveOp['op'];

/** A scenario after macro expansion: every op primitive, config defaults filled in. */
export interface ExpandedScenario {
  name: string;
  config: ResolvedConfig;
  ops: PrimitiveOp[];
  /** for each expanded op, the index of the op in the original scenario it came from */
  origin: number[];
  /** for each expanded op, whether a macro (boot) produced it: set by expandScenario */
  fromMacro?: readonly boolean[];
}

export interface ResolvedConfig {
  vcpus: number;
  spis: number;
  its: number;
  /** guest RAM size in bytes; RAM starts at RAM_BASE and is zero-filled at VM creation */
  memory: number;
  impl: { lrs: number; gicv4: 'off' | '4.0' | '4.1'; pcpus: number };
}

export const DEFAULT_CONFIG: ResolvedConfig = {
  vcpus: 4,
  spis: 64,
  its: 1,
  memory: 0x400_0000,
  impl: { lrs: 4, gicv4: 'off', pcpus: 4 },
};

export function resolveConfig(c: Config | undefined): ResolvedConfig {
  const d = DEFAULT_CONFIG;
  return {
    vcpus: c?.vcpus ?? d.vcpus,
    spis: c?.spis ?? d.spis,
    its: c?.its ?? d.its,
    memory: c?.memory !== undefined ? parseHexNumber(c.memory) : d.memory,
    impl: {
      lrs: c?.impl?.lrs ?? d.impl.lrs,
      gicv4: c?.impl?.gicv4 ?? d.impl.gicv4,
      pcpus: c?.impl?.pcpus ?? d.impl.pcpus,
    },
  };
}

/** Ops a guest performs (they run on a vCPU and see only what a guest sees). */
export const GUEST_OPS: ReadonlySet<OpKind> = new Set<OpKind>([
  'mmio.read', 'mmio.write', 'sysreg.read', 'sysreg.write', 'wfi', 'its.cmd', 'mem.write', 'mem.read',
]);
