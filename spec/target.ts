// The Target interface (README.md): anything that runs a scenario and returns a trace.
// In-process targets are stepped op by op (so the fuzzer can run them in lockstep with the
// oracle); external ones (QEMU, real KVM) run a whole expanded scenario. Targets register
// themselves here; model/ and impl/ may both import spec/, never each other.
import type { ExpandedScenario, OpResult, PrimitiveOp, ResolvedConfig } from './scenario.js';
import type { KernelSplat } from './gen/trace.js';

/** One VM on an in-process target. */
export interface TargetSession {
  /** Run one primitive op to quiescence (docs/scenario-format.md) and return its result. */
  step(op: PrimitiveOp): OpResult;
  /** Counters kept outside the results (e.g. vLPIs delivered directly, doorbells, fallbacks). */
  counters?(): Record<string, number>;
  /** Rule ids the last step exercised (targets that know rules: the model). */
  lastRules?(): readonly string[];
}

export interface WholeRunOptions {
  /** give up after this many milliseconds; the trace then ends with status "step-budget" */
  timeoutMs?: number;
}

export interface Target {
  readonly name: string;
  readonly description: string;
  readonly kind: 'in-process' | 'external';
  /** Whether this target can express an op; unsupported ops make a scenario unsupported on it. */
  supports(op: PrimitiveOp, config: ResolvedConfig): boolean;
  /** In-process targets: create a VM as the scenario's config says (boot state of docs/scenario-format.md). */
  open?(config: ResolvedConfig): TargetSession;
  /** External targets: run a whole expanded scenario. */
  runWhole?(scenario: ExpandedScenario, options?: WholeRunOptions): Promise<Trace>;
  /** Why the target cannot run on this machine (missing QEMU, no /dev/kvm...), or null when it can. */
  unavailable?(): string | null;
  /**
   * Why the target cannot run this scenario, naming the op (or the config) and the reason, or
   * null when it can; a target that has it says why in reports instead of the bare op name.
   */
  scenarioUnsupportedReason?(scenario: ExpandedScenario): string | null;
}

export type TraceStatus = 'complete' | 'target-error' | 'step-budget' | 'unsupported';

/** What a target did with a scenario: exactly one result per op run, in order. */
export interface Trace {
  format: 'gicdiff/trace@1';
  scenario: string;
  target: string;
  results: OpResult[];
  status: TraceStatus;
  /** when status is not "complete": the op at which the run stopped, and why */
  error?: { opIndex: number; message: string };
  counters?: Record<string, number>;
  /** what the target ran on, where it matters (e.g. the kernel release under test) */
  environment?: Record<string, string>;
  /**
   * kernel trouble (an oops, a WARN, an RCU stall...) the kernel under test logged during the run
   * (kvm-linux): a finding of its own whatever the results (triage/signature.ts `kernel-splat`)
   */
  kernelSplat?: KernelSplat;
}

export type { KernelSplat };

const registry = new Map<string, Target>();

export function registerTarget(t: Target): void {
  if (registry.has(t.name)) throw new Error(`target ${t.name} registered twice`);
  registry.set(t.name, t);
}
export function getTarget(name: string): Target | undefined {
  return registry.get(name);
}
export function targetNames(): string[] {
  return [...registry.keys()].sort();
}
