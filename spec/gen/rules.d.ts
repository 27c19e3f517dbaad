/* Generated from spec/schema/rules.schema.json by scripts/gen-types.ts. Do not edit. */

/**
 * arch: an architectural rule; kvm-abi: documented KVM userspace ABI; permitted-choice: a place where the architecture permits several behaviours (rule ids choice.u<N>.*, docs/oracle.md)
 */
export type RuleKind = "arch" | "kvm-abi" | "permitted-choice";

/**
 * The gicdiff rules catalogue (spec/rules.json): every architectural rule, documented KVM ABI behaviour and permitted-behaviour choice that the model applies, the scenarios cover and the reports count (docs/oracle.md).
 */
export interface RulesCatalogue {
  format: "gicdiff/rules@1";
  description?: string;
  /**
   * @minItems 1
   * @maxItems 10000
   */
  rules: [Rule, ...Rule[]];
}
export interface Rule {
  /**
   * Stable, lowercase, dot-separated id (dist.*, redist.*, cpuif.*, lpi.*, its.reg.*, its.queue.*, its.cmd.<command>.*, its.msi.*, kvm.<area>.*, choice.u<N>.<slug>)
   */
  id: string;
  statement: string;
  /**
   * Where the rule comes from: the Arm GIC architecture specification (Arm IHI 0069, section or register description), the kernel documentation (Linux Documentation/virt/kvm/...) or kernel function (file and name), or a document of this repository (docs/...)
   */
  source: string;
  kind: RuleKind;
  /**
   * The first id segment (for choice rules: the component the choice concerns)
   */
  component: "dist" | "redist" | "cpuif" | "lpi" | "its" | "kvm" | "gicv4";
  /**
   * V: read in the cited source; I: inferred, not confirmed from the text of the source (docs/oracle.md)
   */
  confidence?: "V" | "I";
  /**
   * permitted-choice rules: the behaviours the architecture allows, one per item
   *
   * @minItems 1
   * @maxItems 10
   */
  allowed?:
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string];
  note?: string;
}
