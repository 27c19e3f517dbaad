// Test helpers for the kvm target: run a scenario (macros expanded) and collect its results.
import { readFileSync } from 'node:fs';
import type { OpResult, PrimitiveOp, ResolvedConfig, Scenario } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandScenario } from '../../spec/expand.js';
import { checkExpectations } from '../../spec/expect-check.js';
import { KvmSession } from '../../impl/target.js';
import { EXAMPLES_DIR } from '../examples-dir.js';

export const EXAMPLES = EXAMPLES_DIR;

export function loadExample(name: string): Scenario {
  return JSON.parse(readFileSync(`${EXAMPLES}/${name}.json`, 'utf8')) as Scenario;
}

/** Run a whole scenario on a fresh kvm session; results and expectation failures. */
export function runScenario(s: Scenario): { results: OpResult[]; failures: ReturnType<typeof checkExpectations>; session: KvmSession } {
  const x = expandScenario(s);
  const session = new KvmSession(x.config);
  const results = x.ops.map((op) => session.step(op));
  return { results, failures: checkExpectations(x.ops, results), session };
}

/** A booted session (the boot macro with options) to step hand-written ops on. */
export interface TestConfig {
  vcpus?: number;
  spis?: number;
  its?: number;
  impl?: { lrs?: number; pcpus?: number };
}

export function booted(config: TestConfig = {}, boot: Record<string, unknown> = {}): KvmSession {
  const s: Scenario = {
    format: 'gicdiff/scenario@1',
    name: 't',
    config: {
      vcpus: config.vcpus ?? 2, spis: config.spis ?? 64, its: config.its ?? 0,
      impl: { lrs: config.impl?.lrs ?? 4, gicv4: 'off', pcpus: config.impl?.pcpus ?? 4 },
    },
    ops: [{ op: 'boot', ...boot } as Scenario['ops'][number]],
  };
  const x = expandScenario(s);
  const session = new KvmSession(x.config);
  for (const op of x.ops) session.step(op);
  return session;
}

export function cfg(c: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return resolveConfig(c as Parameters<typeof resolveConfig>[0]);
}

// Guest op shorthands.
export const rd = (cpu: number, reg: string): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg } as PrimitiveOp);
export const wr = (cpu: number, reg: string, value: number | bigint): PrimitiveOp =>
  ({ op: 'sysreg.write', cpu, reg, value: '0x' + value.toString(16) } as PrimitiveOp);
export const mw = (cpu: number, frame: string, offset: number, width: number, value: number | bigint, index?: number): PrimitiveOp =>
  ({ op: 'mmio.write', cpu, frame, offset, width, value: '0x' + value.toString(16), ...(index !== undefined ? { index } : {}) } as PrimitiveOp);
export const mr = (cpu: number, frame: string, offset: number, width: number, index?: number): PrimitiveOp =>
  ({ op: 'mmio.read', cpu, frame, offset, width, ...(index !== undefined ? { index } : {}) } as PrimitiveOp);

/** The vCPU's virtual timer output (PPI 27, HW-mapped in KVM: vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c) and its enable bit. */
export const timer = (cpu: number, level: 0 | 1): PrimitiveOp => ({ op: 'timer.line', cpu, level });
export const TIMER_BIT = 1 << 27;

/** One vCPU whose vtimer PPI is enabled, asserted and acknowledged (IAR1 must return 27). */
export function timerAcknowledged(): KvmSession {
  const s = booted({ vcpus: 1 });
  s.step(mw(0, 'gicr-sgi', 0x100, 32, TIMER_BIT, 0)); // GICR_ISENABLER0
  s.step(timer(0, 1));
  const iar = s.step(rd(0, 'ICC_IAR1_EL1'));
  if (iar !== '0x1b') throw new Error(`the vtimer PPI 27 was not acknowledged: IAR1 returned ${JSON.stringify(iar)}`);
  return s;
}
