/* Generated from spec/schema/expectations.schema.json by scripts/gen-types.ts. Do not edit. */

/**
 * Quirks of one target: behaviours it has that the architecture (or the documented KVM ABI) does not allow, each declared with its reason and source. Each entry's id names an executable quirk of the model's choice registry (model/choices.ts, model/quirks.ts); a divergent trace of the target is known when the oracle with the target's quirks enabled accepts it (triage/classify.ts), and the finding names the quirks it needed. Nothing here matches findings by pattern. File: spec/expectations/<target>.json
 */
export interface Expectations {
  format: "gicdiff/expectations@1";
  /**
   * The target these entries apply to (kvm, qemu, ...)
   */
  target: string;
  description?: string;
  /**
   * Another target whose entries apply here too (the file <extends>.json beside this one, after this file's own entries): the same implementation reached another way, e.g. kvm-hw (real KVM through the guest agent) extends kvm
   */
  extends?: string;
  /**
   * @maxItems 2000
   */
  entries: ExpectationEntry[];
}
export interface ExpectationEntry {
  /**
   * Stable id of the quirk, unique in the file; the same id names its implementation in model/quirks.ts
   */
  id: string;
  /**
   * What the target does, why, and what the architecture requires instead
   */
  reason: string;
  /**
   * Where the behaviour is read from: the kernel (or QEMU) function with its file and version, documentation
   */
  source: string;
  /**
   * Rule ids (spec/rules.json) whose behaviour the quirk departs from
   *
   * @maxItems 100
   */
  rules?: string[];
}
