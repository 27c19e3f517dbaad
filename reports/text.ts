// Plain-text pieces every view shares: how a failure reads, how a result value prints.
import type { Failure } from '../spec/gen/report.js';

/** A result as it appears in the scenario format (hex strings, numbers, objects). */
export function formatResult(v: unknown): string {
  if (v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Several lines: what happened at which op, what was allowed, which rules. */
export function describeFailure(f: Failure): string {
  const lines = [`${f.kind}${f.opIndex !== undefined ? ` at op ${f.opIndex}` : ''}: ${f.message}`];
  if (f.got !== undefined) lines.push(`  got:     ${formatResult(f.got)}`);
  if (f.allowed !== undefined) lines.push(`  allowed: ${f.allowed.length ? f.allowed.map(formatResult).join(' | ') : '(nothing)'}`);
  if (f.rules?.length) lines.push(`  rules:   ${f.rules.join(', ')}`);
  if (f.explanation) lines.push(`  why:     ${f.explanation}`);
  return lines.join('\n');
}

/** Human byte sizes for the "report sizes" lines of the CLI. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
