// Fidelity of one target to another (`gicdiff compare`): the same scenarios on both, the traces
// compared op by op. Used to measure how faithfully `kvm` (impl/, our rendition of KVM's vGIC)
// follows the real kernel (`kvm-linux`): every difference is a bug in the rendition or a
// difference between kernel versions, and the oracle's verdict on each side says which one the
// architecture allows.
import type { ExpandedScenario, OpResult } from '../spec/scenario.js';
import type { Trace } from '../spec/target.js';
import { describeOp } from '../spec/describe-op.js';

export interface TraceDifference {
  /** the first op where the two traces differ (or where one stopped) */
  opIndex: number;
  op: string;
  /** the op's kind and, for register accesses, what it touched: groups differences for triage */
  key: string;
  a: { status: Trace['status']; result?: OpResult; error?: string };
  b: { status: Trace['status']; result?: OpResult; error?: string };
}

/**
 * Fields that report the host's GIC, not the vGIC's behaviour: the two targets may sit on different
 * hosts (impl/ simulates one with 16-bit INTIDs; QEMU's TCG GIC under the nested kernel has 24).
 * ICC_CTLR_EL1.IDbits [13:11] is taken by KVM from ICH_VTR_EL2 (vgic-v3.c vgic_v3_probe). These
 * bits are compared masked out, and the scenarios where that mattered are counted.
 */
const HOST_FIELDS: Record<string, bigint> = { ICC_CTLR_EL1: 0x3800n };

function hostMask(s: ExpandedScenario, k: number): bigint {
  const op = s.ops[k];
  return op && op.op === 'sysreg.read' ? (HOST_FIELDS[op.reg] ?? 0n) : 0n;
}

function same(x: OpResult | undefined, y: OpResult | undefined, mask = 0n): boolean {
  if (mask && typeof x === 'string' && typeof y === 'string' && x.startsWith('0x') && y.startsWith('0x')) {
    return (BigInt(x) & ~mask) === (BigInt(y) & ~mask);
  }
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Whether the traces differ at some op only in host fields (HOST_FIELDS). */
export function hostFieldsDiffer(s: ExpandedScenario, a: Trace, b: Trace): boolean {
  const n = Math.min(a.results.length, b.results.length);
  for (let k = 0; k < n; k++) {
    const m = hostMask(s, k);
    if (m && !same(a.results[k], b.results[k]) && same(a.results[k], b.results[k], m)) return true;
  }
  return false;
}

/** What an op touched, coarsely: the op kind plus frame and offset, register, or host-op detail. */
export function differenceKey(s: ExpandedScenario, k: number): string {
  const op = s.ops[k];
  if (!op) return 'end';
  switch (op.op) {
    case 'mmio.read':
    case 'mmio.write':
      return `${op.op} ${op.frame}+0x${op.offset.toString(16)}`;
    case 'sysreg.read':
    case 'sysreg.write':
      return `${op.op} ${op.reg}`;
    case 'kvm.device_attr':
      return `${op.op} ${op.device} ${op.group} ${typeof op.attr === 'string' ? op.attr : ''}`.trim();
    case 'its.cmd':
      return `${op.op} ${op.cmds.map((c) => c.cmd).join(',')}`;
    default:
      return op.op;
  }
}

/** The first difference between two traces of the same scenario, or null when they agree. */
export function compareTraces(s: ExpandedScenario, a: Trace, b: Trace): TraceDifference | null {
  const n = Math.max(a.results.length, b.results.length);
  for (let k = 0; k < n; k++) {
    const ra = a.results[k];
    const rb = b.results[k];
    if (k < a.results.length && k < b.results.length && same(ra, rb, hostMask(s, k))) continue;
    return difference(s, k, a, b);
  }
  if (a.status !== b.status) return difference(s, n, a, b);
  return null;
}

function difference(s: ExpandedScenario, k: number, a: Trace, b: Trace): TraceDifference {
  const side = (t: Trace): TraceDifference['a'] => {
    const out: TraceDifference['a'] = { status: t.status };
    if (k < t.results.length) out.result = t.results[k]!;
    else if (t.error) out.error = t.error.message.split('\n')[0]!.slice(0, 300);
    return out;
  };
  const op = s.ops[k];
  return { opIndex: k, op: op ? describeOp(op) : '(after the last op)', key: differenceKey(s, k), a: side(a), b: side(b) };
}
