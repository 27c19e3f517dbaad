// The registry of the model's choices: every place where the oracle keeps more than one outcome
// open is declared here once, with the rule it applies (spec/rules.json), its options (label and
// source of each), its scope and the option the `model` target takes. Handlers never name a
// choice by a string: they pass an entry of CHOICES to the functions below.
//
// Two kinds of entry:
// - a permitted choice: the architecture (IHI 0069) or KVM's documented userspace ABI allows
//   every option. Taken as a property of the implementation: the model keeps every option open
//   until one is taken, then holds the implementation to it (scope 'implementation', or one hold
//   per instance, e.g. per vCPU, for scope 'instance'). Each open choice doubles the candidate set
//   at most once, not once per occurrence.
// - a quirk: a behaviour of one implementation (`target`) that the architecture does not allow,
//   declared with its reason in spec/expectations/<target>.json under the same id. The oracle
//   offers it only when run with that target's quirks enabled (to classify a divergent trace,
//   triage/classify.ts); a candidate that takes it records the quirk, so a trace accepted with
//   quirks names the ones it needed. A permitted choice may also carry an option that is a quirk
//   (ChoiceOption.quirk): offered only with that quirk enabled.
import type { State } from './state.js';

export interface ChoiceOption {
  readonly label: string;
  /** why the option is allowed: the architecture, the documented KVM ABI, or (quirk) the kernel function */
  readonly source: string;
  /** the option is this quirk's behaviour: offered only when the quirk is enabled */
  readonly quirk?: string;
}

export interface Choice {
  readonly kind: 'choice';
  /** held in State.fixed under 'policy.<key>[.<instance>]' */
  readonly key: string;
  /** the rule of spec/rules.json the choice belongs to */
  readonly rule: string;
  /** 'implementation': one answer for the whole VM; 'instance': one answer per instance (a vCPU, a command) */
  readonly scope: 'implementation' | 'instance';
  readonly options: readonly ChoiceOption[];
  /** the option the `model` target takes (its main line: the first open option is run on the state itself) */
  readonly modelDefault: number;
}

export interface Quirk {
  readonly kind: 'quirk';
  /** the id of its declaration in spec/expectations/<target>.json */
  readonly id: string;
  readonly target: 'kvm' | 'kvm-linux' | 'qemu';
  /** the rule of spec/rules.json whose behaviour the quirk departs from */
  readonly rule: string;
  /** the kernel (or QEMU) function the behaviour is read from, with the version */
  readonly source: string;
  /** 'event': taken (or not) each time it applies; 'implementation': held once taken */
  readonly scope: 'event' | 'implementation';
}

const ARCH = 'architecture (IHI 0069; the rule states the permitted set)';
const ABI = 'KVM userspace ABI (Documentation/virt/kvm/devices/arm-vgic-v3.rst, arm-vgic-its.rst, api.rst)';

function choice(key: string, rule: string, labels: readonly string[], o: { scope?: Choice['scope']; source?: string; modelDefault?: number } = {}): Choice {
  return {
    kind: 'choice', key, rule, scope: o.scope ?? 'implementation', modelDefault: o.modelDefault ?? 0,
    options: labels.map((label) => ({ label, source: o.source ?? ARCH })),
  };
}

/**
 * A choice whose first option is the architecture's and whose other options are quirks of one
 * target (each offered only with its quirk enabled), or, with `source`, permitted too.
 */
function withQuirks(key: string, rule: string, arch: string, quirks: readonly { label: string; quirk: string; source: string }[], o: { scope?: Choice['scope'] } = {}): Choice {
  return {
    kind: 'choice', key, rule, scope: o.scope ?? 'implementation', modelDefault: 0,
    options: [{ label: arch, source: ARCH }, ...quirks.map((q) => ({ label: q.label, source: q.source, quirk: q.quirk }))],
  };
}

/** Every permitted choice of the model, by the name handlers use. */
export const CHOICES = {
  u3PpiConfig: choice('u3', 'choice.u3.ppi-config', ['GICR_ICFGR1 read-only', 'GICR_ICFGR1 writable']),
  u9EoiNothingActive: choice('u9.none', 'choice.u9.eoir-out-of-order', ['priority drop and deactivation', 'write ignored', 'priority drop only']),
  u9EoiOtherGroup: choice('u9.group', 'choice.u9.eoir-out-of-order', ['priority drop and deactivation', 'write ignored', 'priority drop only']),
  u9EoiOutOfOrder: choice('u9.order', 'choice.u9.eoir-out-of-order', ['priority drop and deactivation', 'write ignored', 'priority drop only']),
  u12SgiRangeSelector: choice('u12', 'choice.u12.sgi-rs-no-rss', ['RS names Aff0 >= 16: no target', 'RS treated as 0']),
  u14Sgi1rGroup0: withQuirks('u14', 'choice.u14.sgi1r-group0-target', 'delivered as Group 0', [
    { label: 'dropped', quirk: 'qemu.sgi1r-group0-target-dropped', source: 'QEMU hw/intc/arm_gicv3_redist.c gicv3_redist_send_sgi' }]),
  u17BaserWriteLpisOn: choice('u17', 'choice.u17.baser-write-lpis-on', ['write ignored', 'write taken']),
  u22PropbaserMismatch: choice('u22', 'choice.u22.propbaser-mismatch', ['per-redistributor PROPBASER', 'one shared PROPBASER, last write wins']),
  u22MaptiRange: choice('u22.mapti-range', 'choice.u22.propbaser-mismatch', ['MAPTI range from the wider IDbits', 'MAPTI range from the narrower IDbits']),
  /** option 1 is an unconfirmed reading: a candidate that takes it records the rule (State.unconfirmed) */
  u24PendingAcrossToggle: choice('u24', 'choice.u24.pending-across-toggle', ['pending LPIs preserved in the pending table', 'pending LPIs lost (unconfirmed reading; KVM vgic_flush_pending_lpis)']),
  u26ParamError: choice('u26.param', 'choice.u26.command-error-response', ['ignore and continue', 'stall at the failing command']),
  u26MemoryFault: choice('u26.mem', 'choice.u26.command-error-response', ['ignore and continue', 'stall at the failing command']),
  /** option 0 is the one UNKNOWN in-range value the model offers: the previous CWRITER (the write has no effect) */
  u28CwriterOutOfRange: choice('u28', 'choice.u28.cwriter-oor', ['an UNKNOWN in-range value: the previous CWRITER', 'queue unusable until CWRITER is corrected']),
  u30BaserWriteEnabled: choice('u30.enabled', 'choice.u30.baser-write-enabled', ['write ignored', 'write taken']),
  u30CbaserCwriter: choice('u30.cwriter', 'choice.u30.baser-write-enabled', ['CWRITER = 0', 'CWRITER unchanged']),
  u31EnableWithoutTables: choice('u31', 'choice.u31.enable-without-tables', ['enable refused', 'enabled with no usable tables']),
  u32BaserValidToggle: choice('u32', 'choice.u32.baser-valid-toggle', ['mappings persist', 'mappings lost']),
  u33StaleEntries: choice('u33.stale', 'choice.u33.table-memory-write', ['stale entries cleared by a save', 'stale entries left']),
  u36MapdUnmapUnmapped: choice('u36', 'choice.u36.mapd-unmap-unmapped', ['no effect', 'command error']),
  u37RemapSameItt: choice('u37.same-itt', 'choice.u37.mapd-with-ites', ['ITEs lost', 'ITEs found again']),
  u37PendingOfLostItes: choice('u37.pending', 'choice.u37.mapd-with-ites', ['pending LPIs stay pending', 'pending LPIs lost']),
  u38MaptiRemapEvent: choice('u38', 'choice.u38.mapti-remap-event', ['old mapping kept', 'new mapping used']),
  u40MapcRetargetPending: choice('u40', 'choice.u40.mapc-retarget-pending', ['pending state stays at the old RD', 'pending state moves']),
  u41MapcUnmapInUse: choice('u41', 'choice.u41.mapc-unmap-in-use', ['ITEs work again after MAPC V = 1', 'ITEs detached for good']),
  u42MapcUnmapBadRd: choice('u42', 'choice.u42.mapc-unmap-bad-rd', ['collection unmapped', 'MAPC_PROCNUM_OOR, collection stays mapped']),
  u43MoveToRdThatCannotHold: choice('u43', 'choice.u43.movi-lpis-off', ['pending state dropped', 'kept at the old RD', 'moved']),
  u45DiscardPending: withQuirks('u45', 'choice.u45.discard-pending', 'pending state removed', [
    { label: 'LPI delivered once', quirk: 'kvm.u45-discard-keeps-queued-pending', source: 'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_discard' }]),
  /** choice.u46.unmapped-collection-cmd for CLEAR and INV (instance: the command) */
  u46UnmappedCollection: withQuirks('u46', 'choice.u46.unmapped-collection-cmd', 'command error', [
    { label: 'command succeeds', quirk: 'kvm.u46-clear-succeeds-unmapped-collection', source: 'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_clear, vgic_its_cmd_handle_inv' }], { scope: 'instance' }),
  u47MovallLiveCollections: choice('u47', 'choice.u47.movall-live-collections', ['collections keep sending to RD1', 'collections remapped to RD2', 'LPIs of RD1 retargeted to RD2, collections unchanged']),
  mbis: choice('mbis', 'dist.mbis.setspi', ['MBIS not implemented', 'MBIS implemented']),
  sgiEnable: choice('sgi.enable', 'redist.sgi-enable.impdef', ['SGIs can be disabled', 'SGIs permanently enabled']),
  invalidationRegs: choice('invalidation-regs', 'redist.invalidation-regs-absent', ['GICR_INVLPIR/INVALLR absent', 'GICR_INVLPIR/INVALLR implemented']),
  directLpi: choice('directlpi', 'redist.setlpir', ['DirectLPI not implemented', 'DirectLPI implemented']),
  /** instance: the vCPU */
  vtimerOwned: choice('vtimer-owned', 'kvm.irq-line.ppi-owned', ['KVM_IRQ_LINE on the vtimer PPI applied', 'ignored (in-kernel owner)'], { scope: 'instance', source: ABI }),
  msiFrameAddress: withQuirks('msi.frame', 'kvm.msi.frame-address', '-EINVAL', [
    { label: 'taken as GITS_TRANSLATER', quirk: 'kvm.msi-anywhere-in-its-frame', source: 'arch/arm64/kvm/vgic/vgic-its.c vgic_msi_to_its, vgic_its_inject_msi (Linux 6.19)' }]),
  msiItsDisabled: choice('msi.its-disabled', 'kvm.msi.its-disabled', ['-EBUSY', '0 ("blocked")'], { source: ABI }),
  msiLpisDisabled: choice('msi.lpis-disabled', 'kvm.msi.lpis-disabled', ['-EBUSY', '0 ("blocked")'], { source: ABI }),
  irqfdLevelPulse: choice('irqfd.pulse', 'kvm.irqfd.level-pulse', ['no lasting effect', 'pending latched'], { source: ABI }),
  restoreIntoLive: choice('restore.live', 'kvm.its-abi.restore-live', ['tables replace the mappings', 'added; an error frees what this call restored', 'added; an error frees everything'], { source: ABI }),
} as const satisfies Record<string, Choice>;

// ---------------------------------------------------------------- taking choices

function heldKey(c: Choice, instance?: string | number): string {
  return instance === undefined ? 'policy.' + c.key : `policy.${c.key}.${instance}`;
}

/** The options of `c` still open for this candidate: the held one, else every permitted option and enabled quirk option. */
export function openOptions(s: State, c: Choice, instance?: string | number): readonly number[] {
  const held = s.fixed.get(heldKey(c, instance));
  if (held !== undefined) return [Number(held)];
  const out: number[] = [];
  c.options.forEach((o, i) => { if (o.quirk === undefined || s.quirks.has(o.quirk)) out.push(i); });
  return out;
}

/** Hold option `option` of `c` (and record its quirk, if it is one). */
export function holdChoice(s: State, c: Choice, option: number, instance?: string | number): void {
  s.fixed.set(heldKey(c, instance), BigInt(option));
  const q = c.options[option]?.quirk;
  if (q !== undefined) noteQuirk(s, q);
}

/**
 * Run the open options of a choice: the first on `s` itself, each other on a clone made before
 * `apply` mutates anything; returns [state, option] pairs, `s` first.
 */
export function forEachChoice(s: State, c: Choice, apply: (st: State, option: number) => void, instance?: string | number): [State, number][] {
  const opts = openOptions(s, c, instance);
  const out: [State, number][] = [];
  const clones = opts.slice(1).map(() => s.clone());
  opts.forEach((o, i) => {
    const st = i === 0 ? s : clones[i - 1]!;
    holdChoice(st, c, o, instance);
    apply(st, o);
    out.push([st, o]);
  });
  return out;
}

/**
 * The same for a handler whose op result does not depend on the option: `s` takes the first open
 * option, every other one becomes a branch of the op (result null), labelled with its option.
 */
export function branchChoice(
  s: State, x: { branch(state: State, result: null, choice: string): void }, c: Choice,
  apply: (st: State, option: number) => void, instance?: string | number,
): void {
  const pairs = forEachChoice(s, c, apply, instance);
  for (let i = 1; i < pairs.length; i++) x.branch(pairs[i]![0], null, `${c.rule}: ${c.options[pairs[i]![1]]!.label}`);
}

// ---------------------------------------------------------------- quirks

/** Whether the candidate's oracle runs with this quirk enabled. */
export function quirkEnabled(s: State, q: Quirk): boolean {
  return s.quirks.size > 0 && s.quirks.has(q.id);
}

/** Record that this candidate took quirk `id` (what a trace accepted with quirks names). */
export function noteQuirk(s: State, id: string): void {
  if (!s.quirksUsed.includes(id)) s.quirksUsed = [...s.quirksUsed, id].sort();
}

/**
 * The quirk's alternative as a new candidate: a clone of `s` (before the caller changes it) that
 * records the quirk, for the caller to apply the quirk's behaviour to; null when not enabled.
 */
export function offerQuirk(s: State, q: Quirk): State | null {
  if (!quirkEnabled(s, q)) return null;
  const c = s.clone();
  noteQuirk(c, q.id);
  return c;
}
