/* Generated from spec/schema/expectations.schema.json by scripts/gen-types.ts. Do not edit. */

/**
 * Exact text, or a glob where * matches any run of characters and ? one character
 */
export type Pattern = string;
/**
 * One pattern, or a list of patterns of which any may match
 */
export type PatternList = Pattern | [Pattern, ...Pattern[]];

/**
 * Known, accepted divergences of one target from the architecture (README.md; docs/oracle.md). A finding whose signature matches an entry is classified known, not new. File: spec/expectations/<target>.json
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
   * Stable id of this known divergence, unique in the file
   */
  id: string;
  match: Match;
  /**
   * Why the target does this and why it is accepted
   */
  reason: string;
  /**
   * Where the behaviour is documented, e.g. impl/DIVERGENCES.md, vgic-its.c vgic_its_cmd_handle_mapi
   */
  source: string;
  /**
   * Rule ids (spec/rules.json) this known divergence concerns
   *
   * @maxItems 100
   */
  rules?: string[];
}
/**
 * Every field given must match the finding (AND); a list inside a field means any of it (OR). Fields name the parts of a finding signature <target>:<op>[ <detail>]:<mismatch>:<rule>; scenarios and after match on the context of the finding rather than its signature
 */
export interface Match {
  /**
   * The whole signature string, e.g. "kvm:its.cmd MAPTI:*:its.mapti.*"
   */
  signature?: Pattern | [Pattern, ...Pattern[]];
  /**
   * Op kind of the diverging op: sysreg.read, its.cmd, kvm.signal_msi, ...; guest-op when a guest op was answered asleep where it should have run or the reverse (mismatch wake-mismatch); scenario when a campaign worker hung or crashed on it
   */
  op?: Pattern | [Pattern, ...Pattern[]];
  /**
   * What the op touched: a system register name (ICC_IAR1_EL1), an MMIO register (GITS_CWRITER, GICD_ISENABLER), the ITS command names of an its.cmd op joined by '+' (MAPD+MAPTI), a device_attr group/attr (CTRL/ITS_SAVE_TABLES)
   */
  detail?: Pattern | [Pattern, ...Pattern[]];
  /**
   * Kind of mismatch: value-mismatch, errno-mismatch, return-mismatch (KVM_SIGNAL_MSI), wake-mismatch, memory-mismatch, bool-mismatch, attr-mismatch, migrate-mismatch, type-mismatch, target-error, step-budget, expectation, oracle-bound, oracle-error
   */
  mismatch?: Pattern | [Pattern, ...Pattern[]];
  /**
   * The primary rule id of the divergence (first of its rules)
   */
  rule?: Pattern | [Pattern, ...Pattern[]];
  /**
   * Matches when any rule involved in the divergence matches any of these patterns
   *
   * @minItems 1
   * @maxItems 100
   */
  rules?: [Pattern, ...Pattern[]];
  /**
   * The scenario's name (directed suite: "<component>/<file>", e.g. "its/movi-pending"): the entry covers the divergence a conformance scenario pins
   */
  scenarios?: Pattern | [Pattern, ...Pattern[]];
  /**
   * Some op before the diverging one, rendered "<op> <detail>" as in signatures ("its.cmd MOVI+SYNC", "mmio.write GICD_IROUTER<n>"), matches: classifies a divergence by what caused it when it shows at a later op (an IAR)
   */
  after?: Pattern | [Pattern, ...Pattern[]];
  /**
   * Ops before the diverging one, in this order (others may come between): each item matches one op of the history rendered as for "after", each later than the previous item's. Narrower than "after" when the cause is a sequence (acknowledge, then change the priority, then EOI)
   *
   * @minItems 1
   */
  sequence?: [PatternList, ...PatternList[]];
}
