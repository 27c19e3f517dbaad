// Replaying a finding or a scenario (README.md, `gicdiff repro`): the annotated trace — every
// op in readable form with its result, and at the first divergence what the architecture allows,
// the rules involved (with their statements from spec/rules.json) and the candidates' explanation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExpandedScenario } from '../spec/scenario.js';
import { describeOp, describeResult } from '../spec/describe-op.js';
import type { RunOutcome } from '../triage/lockstep.js';
import type { Problem } from '../triage/signature.js';
import { mmioRegisterName } from '../triage/regs.js';

let ruleText: Map<string, string> | undefined;
/** One-line statements of the rules (spec/rules.json), empty when the catalogue cannot be read. */
export function ruleStatements(): Map<string, string> {
  if (!ruleText) {
    ruleText = new Map();
    try {
      const doc = JSON.parse(readFileSync(fileURLToPath(new URL('../spec/rules.json', import.meta.url)), 'utf8')) as { rules: { id: string; statement: string; source?: string }[] };
      for (const r of doc.rules) ruleText.set(r.id, r.source ? `${r.statement} (${r.source})` : r.statement);
    } catch {
      // the annotations are a help; without the catalogue the ids alone are printed
    }
  }
  return ruleText;
}

export interface AnnotateOptions {
  /** print only the ops around the problem (this many before it), not the whole trace */
  context?: number;
}

/** The annotated trace as lines of text. */
export function annotateTrace(scenario: ExpandedScenario, outcome: RunOutcome, problem: Problem | null, o: AnnotateOptions = {}): string[] {
  const lines: string[] = [];
  const { trace } = outcome;
  const width = String(scenario.ops.length).length;
  const pad = ' '.repeat(width);
  const at = problem?.opIndex ?? -1;
  const from = o.context !== undefined && at >= 0 ? Math.max(0, at - o.context) : 0;
  const failed = new Map(outcome.expectationFailures.map((f) => [f.opIndex, f]));
  if (from > 0) lines.push(`${pad}  ... ${from} ops before`);
  const shown = Math.min(scenario.ops.length, Math.max(trace.results.length, at + 1));
  for (let i = from; i < shown; i++) {
    const op = scenario.ops[i]!;
    const origin = scenario.origin[i];
    const result = i < trace.results.length ? describeResult(trace.results[i]) : '(not run)';
    const mark = i === at ? '>>' : '  ';
    const text = op.op === 'mmio.read' || op.op === 'mmio.write' ? `${describeOp(op)} (${mmioRegisterName(op.frame, op.offset)})` : describeOp(op);
    lines.push(`${mark}${String(i).padStart(width)} [${origin}] ${text.padEnd(58)} -> ${result}`);
    const f = failed.get(i);
    if (f) lines.push(`${pad}     expected ${f.expected.map(describeResult).join(' or ')}`);
    if (i === at) lines.push(...explainProblem(outcome, problem!, pad));
  }
  if (trace.status !== 'complete' && trace.error && trace.error.opIndex !== at) {
    lines.push(`${pad}  target stopped (${trace.status}) at op ${trace.error.opIndex}: ${trace.error.message}`);
  }
  if (trace.kernelSplat) {
    lines.push(`${pad}  the kernel's log of the run (${trace.kernelSplat.log.length} lines at warning level or worse):`);
    for (const l of trace.kernelSplat.log) lines.push(`${pad}    | ${l}`);
  }
  return lines;
}

function explainProblem(outcome: RunOutcome, problem: Problem, pad: string): string[] {
  const out: string[] = [];
  const v = outcome.verdict;
  const ind = `${pad}     `;
  out.push(`${ind}${problem.parts.mismatch.toUpperCase()}: ${problem.message}`);
  if (v && !v.ok && v.divergence.opIndex === problem.opIndex) {
    const d = v.divergence;
    out.push(`${ind}got:     ${describeResult(d.got)}`);
    out.push(`${ind}allowed: ${d.allowed.length ? d.allowed.map(describeResult).join(', ') : '(nothing: no candidate state could run this op)'}`);
    const text = ruleStatements();
    if (d.rules.length) {
      out.push(`${ind}rules:`);
      for (const r of d.rules) out.push(`${ind}  ${r}${text.has(r) ? ': ' + text.get(r) : ''}`);
    }
    if (d.explanation) {
      // candidates often explain the same result the same way: say each once
      for (const l of d.explanation.split('\n')) out.push(`${ind}why: ${[...new Set(l.split('; '))].join('; ')}`);
    }
  }
  out.push(`${ind}signature: ${problem.signature}`);
  return out;
}
