/* Generated from spec/schema/finding.schema.json by scripts/gen-types.ts. Do not edit. */

/**
 * One distinct problem a target showed (docs/oracle.md): everything needed to reproduce it. Written by the fuzzer as findings/<slug>/finding.json; replayed by `gicdiff repro`.
 */
export interface Finding {
  format: "gicdiff/finding@1";
  /**
   * <target>:<op>[ <detail>]:<mismatch>:<rule>
   */
  signature: string;
  parts: SignatureParts;
  /**
   * new: the strict oracle rejects the trace and so does the oracle with the target's quirks (or the target failed, or an expect failed the architecture allows); known: the oracle with the target's quirks (spec/expectations/<target>.json, model/quirks.ts) accepts the whole trace (quirks); inconclusive: the mismatch is oracle-bound or step-budget, a bound was reached (the model's candidate or work bound, the scenario's op budget or time limit), so the scenario says nothing about the target (never fails a run; kept to improve the model)
   */
  classification: "new" | "known" | "inconclusive";
  target: string;
  /**
   * scenario id that generates the scenario (fuzz/CAMPAIGN-FORMAT.md), null when the scenario was not generated
   */
  seed: string | null;
  profile?: "full" | "guest-only";
  versions: {
    gicdiff: string;
    generator: string;
    node: string;
    /**
     * hash of the generator weights used (the same seed with other weights gives another scenario)
     */
    weights?: string;
  };
  /**
   * ISO time
   */
  foundAt: string;
  campaign?: {
    seed?: string;
    shard?: string;
    index?: number;
  };
  /**
   * the complete scenario (config, every op; macros unexpanded): a gicdiff/scenario@1 document
   */
  scenario: import("./scenario.js").Scenario;
  /**
   * index of the op where the problem shows, in the expanded scenario
   */
  opIndex: number;
  /**
   * index of that op in scenario.ops (a boot op expands into many)
   */
  scenarioOpIndex: number;
  message: string;
  divergence?: {
    opIndex: number;
    got: import("./scenario.js").OpResult;
    /**
     * @maxItems 10000
     */
    allowed: import("./scenario.js").OpResult[];
    /**
     * @maxItems 1000
     */
    rules: string[];
    message: string;
    explanation?: string;
  };
  /**
   * the target threw or ran past its budget
   */
  error?: {
    status: "target-error" | "step-budget" | "oracle-bound" | "oracle-error";
    opIndex: number;
    message: string;
  };
  /**
   * the target's results up to and including the op where the problem shows
   *
   * @maxItems 200000
   */
  results: import("./scenario.js").OpResult[];
  /**
   * ops in minimized.json when it was written
   */
  minimizedOps?: number | null;
  /**
   * known: the quirks (ids of spec/expectations/<target>.json) the candidate accepting the trace had to take
   *
   * @maxItems 100
   */
  quirks?: string[];
  kernelSplat?: KernelSplat;
}
export interface SignatureParts {
  target: string;
  op: string;
  detail: string;
  mismatch: string;
  rule: string;
  /**
   * @maxItems 1000
   */
  rules: string[];
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
