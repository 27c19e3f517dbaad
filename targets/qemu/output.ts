// Parses what the guest agent prints on its UART into a trace (agent.c: result lines
// "R<k> V <hex>" value, "R<k> N" null, "R<k> W" woken, "R<k> A" asleep, "R<k> B <bytes>";
// "R<k> J <json>" a host op's result, written by our own VMM (targets/kvm-linux); under that VMM
// an op group's members report "R<k>.<m> ..." in any order and "R<k> G <count>" closes the group;
// "F <k> <vector> <esr> <elr> <far>" an exception; "E <message>" an agent error; "DONE";
// the banner "GICDIFF-AGENT 1" and "AGENT-READY <nops>" are informational).
import type { OpResult } from '../../spec/scenario.js';
import { toHex } from '../../spec/hex.js';

export interface AgentOutcome {
  results: OpResult[];
  done: boolean;
  /** an exception or agent error, with the op it happened at */
  error?: { opIndex: number; message: string };
}

// Exception classes and fault status codes worth naming (Arm ARM D17.2.37, ESR_ELx).
const EC_NAMES: Record<number, string> = {
  0x00: 'unknown reason (UNDEFINED instruction)',
  0x01: 'trapped WFI/WFE',
  0x18: 'trapped MSR/MRS/system instruction',
  0x20: 'instruction abort from a lower EL',
  0x21: 'instruction abort',
  0x22: 'PC alignment fault',
  0x24: 'data abort from a lower EL',
  0x25: 'data abort',
  0x26: 'SP alignment fault',
  0x2f: 'SError',
};
const FSC_NAMES: Record<number, string> = {
  0x10: 'synchronous external abort',
  0x21: 'alignment fault',
  0x04: 'translation fault L0', 0x05: 'translation fault L1', 0x06: 'translation fault L2', 0x07: 'translation fault L3',
};

/**
 * "guest exception: <class>[, <fault>, read|write] (<where>, ESR_EL1 .., ...)": the stable part
 * comes first, so that finding signatures group the same kind of exception together.
 */
export function describeException(esr: bigint, far: bigint, elr: bigint, where: string): string {
  const ec = Number((esr >> 26n) & 0x3fn);
  let what = EC_NAMES[ec] ?? `EC 0x${ec.toString(16)}`;
  let detail = '';
  if (ec === 0x24 || ec === 0x25) {
    const fsc = Number(esr & 0x3fn);
    what += `, ${FSC_NAMES[fsc] ?? `DFSC 0x${fsc.toString(16)}`}, ${(esr & (1n << 6n)) ? 'write' : 'read'}`;
    detail = `, address ${toHex(far)}`;
  }
  return `guest exception: ${what} (${where}${detail}, ESR_EL1 ${toHex(esr)}, ELR_EL1 ${toHex(elr)})`;
}

const NO_OP = (1n << 64n) - 1n;

/** The result of an agent line "<type> [arg]" (V value, N null, W woken, A asleep, B bytes). */
function plainResult(type: string, arg: string): OpResult {
  switch (type) {
    case 'V': return toHex(BigInt('0x' + (arg || '0')));
    case 'N': return null;
    case 'W': return 'woken';
    case 'A': return 'asleep';
    default: return arg;
  }
}

/** Incremental parser: feed it stdout chunks; it keeps the partial last line. */
export class AgentOutputParser {
  readonly outcome: AgentOutcome = { results: [], done: false };
  private partial = '';
  /** every line seen, for error messages */
  readonly lines: string[] = [];
  /** results of the open group's members by member index (R<k>.<m> lines) */
  private members = new Map<number, OpResult>();
  private membersOf = -1;

  constructor(private readonly nops: number) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line.replace(/\r$/, ''));
  }

  finish(): AgentOutcome {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    return this.outcome;
  }

  /** "R<k>.<m> <type> [arg]" or "R<k>.<m> J <json>": member m of the group at op k */
  private memberLine(k: number, m: number, rest: string, line: string): void {
    const o = this.outcome;
    if (k !== o.results.length) return this.fail(o.results.length, `a group member of op ${k} reported where op ${o.results.length} was expected`);
    if (this.membersOf !== k) {
      this.members = new Map();
      this.membersOf = k;
    }
    if (this.members.has(m)) return this.fail(k, `group member ${m} of op ${k} reported twice`);
    const j = /^J (.+)$/.exec(rest);
    if (j) {
      try {
        this.members.set(m, JSON.parse(j[1]!) as OpResult);
      } catch {
        return this.fail(k, `VMM printed a malformed host result: ${JSON.stringify(line.slice(0, 120))}`);
      }
      return;
    }
    const p = /^([VNWAB])(?: ([0-9a-f]*))?$/.exec(rest);
    if (!p) return this.fail(k, `agent printed a malformed result line: ${JSON.stringify(line.slice(0, 120))}`);
    this.members.set(m, plainResult(p[1]!, p[2] ?? ''));
  }

  /** "R<k> G <count>": every member of the group at op k has reported; its result is their array */
  private closeGroup(k: number, count: number): void {
    const o = this.outcome;
    if (k !== o.results.length) return this.fail(o.results.length, `agent closed the group of op ${k} where op ${o.results.length} was expected`);
    const results: OpResult[] = [];
    for (let m = 0; m < count; m++) {
      if (!this.members.has(m) || this.membersOf !== k) return this.fail(k, `group op ${k}: member ${m} of ${count} reported no result`);
      results.push(this.members.get(m)!);
    }
    this.members = new Map();
    this.membersOf = -1;
    o.results.push(results);
  }

  private fail(opIndex: number, message: string): void {
    if (!this.outcome.error) this.outcome.error = { opIndex, message };
  }

  private line(line: string): void {
    if (this.lines.length < 10_000) this.lines.push(line);
    const o = this.outcome;
    if (o.error || o.done) return;
    if (/^R[0-9a-f]/.test(line)) {
      const member = /^R([0-9a-f]+)\.([0-9a-f]+) (.+)$/.exec(line);
      if (member) return this.memberLine(parseInt(member[1]!, 16), parseInt(member[2]!, 16), member[3]!, line);
      const g = /^R([0-9a-f]+) G ([0-9a-f]+)$/.exec(line);
      if (g) return this.closeGroup(parseInt(g[1]!, 16), parseInt(g[2]!, 16));
      const j = /^R([0-9a-f]+) J (.+)$/.exec(line);
      if (j) {
        const k = parseInt(j[1]!, 16);
        if (k !== o.results.length) return this.fail(o.results.length, `VMM reported op ${k} where op ${o.results.length} was expected`);
        try {
          o.results.push(JSON.parse(j[2]!) as OpResult);
        } catch {
          return this.fail(o.results.length, `VMM printed a malformed host result: ${JSON.stringify(line.slice(0, 120))}`);
        }
        return;
      }
      const m = /^R([0-9a-f]+) ([VNWAB])(?: ([0-9a-f]*))?$/.exec(line);
      if (!m) return this.fail(o.results.length, `agent printed a malformed result line: ${JSON.stringify(line.slice(0, 120))}`);
      const k = parseInt(m[1]!, 16);
      if (k !== o.results.length) return this.fail(o.results.length, `agent reported op ${k} where op ${o.results.length} was expected`);
      o.results.push(plainResult(m[2]!, m[3] ?? ''));
      return;
    }
    if (line.startsWith('F ')) {
      const f = line.slice(2).split(' ').map((x) => BigInt('0x' + x));
      const [op = NO_OP, vector = 0n, esr = 0n, elr = 0n, far = 0n] = f;
      const at = op === NO_OP ? o.results.length : Number(op);
      return this.fail(at, describeException(esr, far, elr, `${op === NO_OP ? 'outside any op' : `op ${at}`}, vector ${vector}`));
    }
    if (line.startsWith('E ')) return this.fail(o.results.length, `guest agent: ${line.slice(2)}`);
    if (line === 'DONE') {
      if (o.results.length !== this.nops) return this.fail(o.results.length, `agent finished after ${o.results.length} of ${this.nops} ops`);
      o.done = true;
    }
    // anything else (banner, READY, QEMU warnings) is informational
  }
}
