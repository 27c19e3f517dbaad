// Comparing op results (docs/scenario-format.md): hex values compare by value ("0x02000" equals
// "0x2000"), byte strings case-insensitively, objects field by field.
import type { OpResult } from './scenario.js';

const HEX_VALUE = /^0x[0-9a-fA-F]+$/;

/** The canonical form of a result: equal results have equal canonical forms (a string key). */
/** canonical forms of the result strings seen (results repeat op after op); cleared when full */
const canonicalStrings = new Map<string, string>();

export function canonicalResult(r: OpResult | undefined): string {
  if (r === undefined) return 'undefined';
  if (r === null || typeof r === 'number' || typeof r === 'boolean') return JSON.stringify(r);
  if (typeof r === 'string') {
    let c = canonicalStrings.get(r);
    if (c === undefined) {
      c = HEX_VALUE.test(r) ? '0x' + BigInt(r).toString(16) : JSON.stringify(r.toLowerCase());
      if (canonicalStrings.size >= 4096) canonicalStrings.clear();
      canonicalStrings.set(r, c);
    }
    return c;
  }
  if (Array.isArray(r)) return `[${r.map((x) => canonicalResult(x)).join(',')}]`;
  if (Array.isArray((r as { errno: unknown }).errno)) return `{errno:${JSON.stringify((r as { errno: number[] }).errno)}}`;
  const a = r as { errno: number; value?: string };
  return `{errno:${a.errno}${a.value !== undefined ? ',value:' + canonicalResult(a.value) : ''}}`;
}

export function resultsEqual(a: OpResult | undefined, b: OpResult | undefined): boolean {
  if (a === b) return true;
  return canonicalResult(a) === canonicalResult(b);
}

export interface ExpectationFailure {
  opIndex: number;
  expected: OpResult[];
  got: OpResult;
  /** for an op of a group: its position in the group (`got` is then that op's result) */
  member?: number;
}

/** Check `expect` / `expectOneOf` of each op against the results a target returned. */
export function checkExpectations(ops: readonly object[], results: readonly OpResult[]): ExpectationFailure[] {
  const failures: ExpectationFailure[] = [];
  const n = Math.min(ops.length, results.length);
  for (let i = 0; i < n; i++) {
    const op = ops[i] as { expect?: OpResult; expectOneOf?: OpResult[] };
    const got = results[i]!;
    const members = (op as { op?: string; ops?: object[] }).op === 'group' ? (op as { ops: object[] }).ops : null;
    if (members !== null) {
      // a group's result is the array of its ops' results: each op's own expectations apply
      if (Array.isArray(got)) for (const f of checkExpectations(members, got)) failures.push({ ...f, opIndex: i, member: f.opIndex });
      continue;
    }
    if ('expect' in op && op.expect !== undefined && !resultsEqual(op.expect, got)) {
      failures.push({ opIndex: i, expected: [op.expect], got });
    } else if (op.expectOneOf && !op.expectOneOf.some((e) => resultsEqual(e, got))) {
      failures.push({ opIndex: i, expected: op.expectOneOf, got });
    }
  }
  return failures;
}
