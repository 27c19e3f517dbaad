/* Generated from spec/schema/trace.schema.json by scripts/gen-types.ts. Do not edit. */

/**
 * What a target returns for one op: a hex value, null, an errno or ioctl return (integer), a byte string, a wake state, a bool, an object for device_attr and migrate, or for a group the array of its ops' results in the ops' listed order
 */
export type OpResult = null | string | number | boolean | AttrResult | MigrateResult | OpResult[];

/**
 * What a target did with a scenario: exactly one result per op it ran, in order (docs/scenario-format.md)
 */
export interface TraceFile {
  format: "gicdiff/trace@1";
  /**
   * the scenario's name
   */
  scenario: string;
  target: string;
  /**
   * one result per expanded op, in order; shorter than the ops when the run stopped early
   */
  results: OpResult[];
  /**
   * complete: every op ran; target-error: the target threw at error.opIndex; step-budget: it ran past its budget; unsupported: the target cannot express an op
   */
  status: "complete" | "target-error" | "step-budget" | "unsupported";
  error?: {
    opIndex: number;
    message: string;
  };
  /**
   * figures outside the results (vLPIs delivered directly, doorbells, fallbacks to software...)
   */
  counters?: {
    [k: string]: number;
  };
  /**
   * what the target ran on, where it matters (kvm-linux: the kernel release and its Debian package)
   */
  environment?: {
    [k: string]: string;
  };
  kernelSplat?: KernelSplat;
}
export interface AttrResult {
  errno: number;
  /**
   * A register value or address, hex, at most 64 bits
   */
  value?: string;
}
export interface MigrateResult {
  errno: number[];
}
/**
 * kernel trouble the kernel under test logged during the run (kvm-linux): an oops, a WARN, a BUG, a panic, an RCU stall, a lockdep report, a new taint bit... A finding whatever the results
 */
export interface KernelSplat {
  /**
   * warning, oops, bug, panic, rcu-stall, lockdep, soft-lockup, hung-task, kasan, kfence, ubsan, taint...
   */
  kind: string;
  /**
   * the kernel function (or file, or report subject) it names, numbers taken out
   */
  where: string;
  /**
   * the line that starts it
   */
  headline: string;
  /**
   * the kernel's log of the run at warning level or worse (or the serial console's), the splat in it
   *
   * @maxItems 1000
   */
  log: string[];
}
