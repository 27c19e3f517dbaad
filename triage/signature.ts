// Finding signatures (README.md; docs/oracle.md): the same underlying problem found by a thousand seeds is
// one finding with a count. A signature names the target, the kind of op and what it touched
// (register name, never an INTID or an address), the kind of mismatch and the primary rule:
//   kvm:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar.ack
// A target error is signed by its message with every number taken out; kernel trouble in the log of
// the kernel under test by its kind and the function it names. A guest op answered
// "asleep" where it should have run (or the reverse) is signed "guest-op": the bug is the sleep state.
import type { ExpandedScenario, OpResult, PrimitiveOp } from '../spec/scenario.js';
import { signatureString, type MatchContext, type SignatureParts } from '../spec/expectations.js';
import type { RunOutcome } from './lockstep.js';
import { mmioRegisterName } from './regs.js';

export type { SignatureParts };

export interface Problem {
  parts: SignatureParts;
  signature: string;
  /** index in the expanded scenario of the op where it shows */
  opIndex: number;
  message: string;
  /** the scenario and the ops before opIndex, for expectations that match on what caused it */
  context: MatchContext;
}

/**
 * The ops before `end` as a MatchContext history, leaving out what the boot macro did (every
 * scenario boots the same way, so those ops say nothing about a finding's cause).
 */
export function scenarioHistory(scenario: ExpandedScenario, end: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < end && i < scenario.ops.length; i++) {
    if (scenario.fromMacro?.[i]) continue;
    out.push(opHistoryEntry(scenario.ops[i]!));
  }
  return out;
}

/** How an op appears in a MatchContext history: "<op> <detail>". */
export function opHistoryEntry(op: PrimitiveOp): string {
  const d = opDetail(op);
  return d ? `${op.op} ${d}` : op.op;
}

/** What an op touched, stably across seeds. */
export function opDetail(op: PrimitiveOp): string {
  switch (op.op) {
    case 'sysreg.read':
    case 'sysreg.write':
      return op.reg;
    case 'mmio.read':
    case 'mmio.write':
      return mmioRegisterName(op.frame, op.offset);
    case 'its.cmd':
      return [...new Set(op.cmds.map((c) => c.cmd))].sort().join('+');
    case 'kvm.device_attr': {
      const a = op.attr;
      if (typeof a === 'string') return `${op.group}/${a}`;
      if (typeof a === 'number') return `${op.group}/attr`;
      if (a.offset !== undefined) {
        const frame = op.group === 'ITS_REGS' ? 'gits' : op.group === 'REDIST_REGS' ? 'gicr' : 'gicd';
        return `${op.group}/${mmioRegisterName(frame, a.offset)}`;
      }
      return a.sysreg ? `${op.group}/${a.sysreg}` : op.group;
    }
    case 'kvm.irq_line':
      return op.raw !== undefined ? 'raw' : (op.type ?? '');
    case 'kvm.set_gsi_routing':
      return [...new Set(op.entries.map((e) => String(e.type)))].sort().join('+');
    case 'kvm.irqfd':
      return op.deassign ? 'deassign' : op.resample ? 'resample' : 'assign';
    case 'group':
      // the ops that raced, whatever order they are listed in
      return `{${op.ops.map((m) => opHistoryEntry(m)).sort().join(' || ')}}`;
    default:
      return '';
  }
}

function resultKind(r: OpResult | undefined): string {
  if (r === null) return 'null';
  if (r === undefined) return 'none';
  if (typeof r === 'string') return r.startsWith('0x') ? 'hex' : r === 'asleep' || r === 'woken' ? 'wake' : 'bytes';
  if (Array.isArray(r)) return 'group';
  if (typeof r === 'object') return 'errno' in r && Array.isArray(r.errno) ? 'migrate' : 'attr';
  return typeof r;
}

/** The mismatch of a run in which the kernel under test logged an oops, a WARN, a stall... (Trace.kernelSplat). */
export const KERNEL_SPLAT = 'kernel-splat';

/** The kind of mismatch between what a target returned and what was allowed. */
export function mismatchKind(op: PrimitiveOp, got: OpResult, allowed: readonly OpResult[]): string {
  const g = resultKind(got);
  if (allowed.length && !allowed.some((a) => resultKind(a) === g)) {
    // e.g. "asleep" where a value was due: the vCPU's sleep state differs
    if (g === 'wake' || allowed.some((a) => resultKind(a) === 'wake')) return 'wake-mismatch';
    return 'type-mismatch';
  }
  switch (g) {
    case 'hex': return 'value-mismatch';
    case 'wake': return 'wake-mismatch';
    case 'bytes': return 'memory-mismatch';
    case 'boolean': return 'bool-mismatch';
    case 'number': return op.op === 'kvm.signal_msi' ? 'return-mismatch' : 'errno-mismatch';
    case 'attr': return 'attr-mismatch';
    case 'migrate': return 'migrate-mismatch';
    case 'group': return 'no-serial-order';
    default: return 'result-mismatch';
  }
}

/** A target's error message without numbers, quotes' contents kept short: stable across seeds. */
export function normalizeErrorMessage(m: string): string {
  return m
    .replace(/0x[0-9a-fA-F]+/g, '#')
    .replace(/\d+/g, '#')
    .replace(/[:\s]+/g, ' ')
    .trim()
    .slice(0, 80);
}

/**
 * The oracle failing (not one of its bounds) where `at` showed: a gicdiff bug, signed by the
 * error's message like a target error, so that it is a loud finding of its own.
 */
export function oracleErrorAt(at: Problem, error: string, where: string): Problem {
  const parts: SignatureParts = { ...at.parts, mismatch: 'oracle-error', rule: normalizeErrorMessage(error), rules: [] };
  return { ...at, parts, signature: signatureString(parts), message: `${where}: ${error}` };
}

/**
 * The problem an outcome shows, or null when it shows none. Order: the target failing (unless a
 * divergence came first), then a divergence from the architecture, then a failed
 * expect/expectOneOf, then the oracle failing.
 */
export function problemOf(targetName: string, scenario: ExpandedScenario, outcome: RunOutcome): Problem | null {
  const { trace, verdict } = outcome;
  const make = (opIndex: number, mismatch: string, rule: string, rules: readonly string[], message: string): Problem => {
    const op = scenario.ops[Math.min(opIndex, scenario.ops.length - 1)];
    const parts: SignatureParts = {
      target: targetName,
      op: op ? op.op : 'none',
      detail: op ? opDetail(op) : '',
      mismatch,
      rule,
      rules,
    };
    const context: MatchContext = { scenario: scenario.name, history: scenarioHistory(scenario, opIndex) };
    return { parts, signature: signatureString(parts), opIndex, message, context };
  };
  // the kernel under test logging an oops, a WARN, a stall...: the worst a run can show, and what
  // the results say does not matter next to it; signed by the splat alone (which op set it off is
  // not known to the op), so a thousand scenarios that hit the same WARN are one finding
  if (trace.kernelSplat) {
    const k = trace.kernelSplat;
    const parts: SignatureParts = { target: targetName, op: 'kernel-log', detail: '', mismatch: KERNEL_SPLAT, rule: `${k.kind} ${k.where}`.slice(0, 200), rules: [] };
    const opIndex = Math.min(trace.error?.opIndex ?? trace.results.length, Math.max(0, scenario.ops.length - 1));
    const context: MatchContext = { scenario: scenario.name, history: scenarioHistory(scenario, opIndex) };
    return { parts, signature: signatureString(parts), opIndex, message: trace.error?.message ?? `the kernel logged ${k.kind} (${k.where}): ${k.headline}`, context };
  }
  // the target failing, unless the trace had diverged before (the target runs on after a divergence)
  const diverged = verdict !== null && !verdict.ok && (trace.error === undefined || verdict.divergence.opIndex < trace.error.opIndex);
  if ((trace.status === 'target-error' || trace.status === 'step-budget') && !diverged) {
    const e = trace.error ?? { opIndex: trace.results.length, message: trace.status };
    const rule = trace.status === 'target-error' ? normalizeErrorMessage(e.message) : 'none';
    return make(e.opIndex, trace.status, rule, [], e.message);
  }
  if (verdict && !verdict.ok) {
    const d = verdict.divergence;
    const op = scenario.ops[d.opIndex]!;
    const mismatch = mismatchKind(op, d.got, d.allowed);
    const p = make(d.opIndex, mismatch, d.rules[0] ?? 'none', d.rules, d.message);
    if (mismatch === 'wake-mismatch' && op.op !== 'wfi') {
      // "asleep" where the op should have run (or the reverse): the bug is the vCPU's sleep
      // state, whatever guest op happened to notice it — one signature for all of them
      p.parts.op = 'guest-op';
      p.parts.detail = '';
      p.signature = signatureString(p.parts);
    }
    return p;
  }
  const f = outcome.expectationFailures[0];
  if (f) return make(f.opIndex, 'expectation', 'none', [], `op ${f.opIndex}: expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.got)}`);
  if (outcome.oracleError) {
    const e = outcome.oracleError;
    return make(e.opIndex, e.bound ? 'oracle-bound' : 'oracle-error', e.bound ? 'none' : normalizeErrorMessage(e.message), [], e.message);
  }
  return null;
}
