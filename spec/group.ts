// Op groups (docs/scenario-format.md, "Concurrent ops"): ops that run at the same time, each on its
// own actor. The oracle accepts a group's results when some serial order of its ops explains them
// (rule sched.group-some-order); an in-process target runs the ops one after another in an
// order drawn from a seed derived from the scenario, and returns the results in the listed order.
import type { GroupMemberOp, GroupOp, OpResult, PrimitiveOp } from './scenario.js';
import { GUEST_OPS } from './scenario.js';

export const GROUP_MIN_OPS = 2;
export const GROUP_MAX_OPS = 4;

/** Ops a group may not hold, and why (schema GroupMemberOp; validate.ts names them). */
export const NOT_IN_GROUP: Readonly<Record<string, string>> = {
  group: 'groups do not nest',
  boot: 'macros are not allowed in a group (boot is a sequence of writes by several vCPUs; put it before the group)',
  migrate: 'migrate stops every vCPU, so nothing can run at the same time as it',
};

/**
 * Who performs an op: a vCPU for guest ops and for the scheduling ops that act on its thread
 * (vcpu.run/exit/put), a host thread of its own for each host op and for mem.read/mem.write,
 * which name no vCPU (null: no constraint).
 */
export function actorOf(op: PrimitiveOp | GroupMemberOp): string | null {
  if (op.op === 'mem.read' || op.op === 'mem.write') return null;
  if (GUEST_OPS.has(op.op)) return `vCPU ${(op as { cpu?: number }).cpu ?? 0}`;
  if (op.op === 'vcpu.run' || op.op === 'vcpu.exit' || op.op === 'vcpu.put') return `vCPU ${op.cpu}`;
  if (op.op === 'timer.line') return `vCPU ${op.cpu}`;
  return null;
}

function allOrders(n: number): number[][] {
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const out: number[][] = [];
  for (const rest of allOrders(n - 1)) {
    for (let at = rest.length; at >= 0; at--) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}
/** The orders of 0..GROUP_MAX_OPS ops, made once (every group op, in the target and the oracle, looks here). */
const ORDERS: readonly (readonly (readonly number[])[])[] = Array.from({ length: GROUP_MAX_OPS + 1 }, (_, n) => allOrders(n));

/** Every order of n ops (n <= GROUP_MAX_OPS: at most 24), the listed order first. */
export function permutations(n: number): readonly (readonly number[])[] {
  const orders = ORDERS[n];
  if (orders === undefined) throw new RangeError(`a group has at most ${GROUP_MAX_OPS} ops (got ${n})`);
  return orders;
}

/** FNV-1a of a string: the seed of a group's order (the scenario name and the group's own text). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The order an in-process target runs a group in: fixed by the scenario's name and the group's
 * own ops, so a scenario always runs the same way and removing other ops (minimization) keeps it.
 */
export function groupOrder(scenarioName: string, group: GroupOp): readonly number[] {
  const all = permutations(group.ops.length);
  return all[fnv1a(`${scenarioName}\u0000${JSON.stringify(group.ops)}`) % all.length]!;
}

/** Run an op on a session that steps primitive ops; a group runs in groupOrder, results in listed order. */
export function stepOp(session: { step(op: PrimitiveOp): OpResult }, op: PrimitiveOp, scenarioName: string): OpResult {
  if (op.op !== 'group') return session.step(op);
  const results: OpResult[] = new Array<OpResult>(op.ops.length).fill(null);
  for (const k of groupOrder(scenarioName, op)) results[k] = session.step(op.ops[k]!);
  return results;
}
