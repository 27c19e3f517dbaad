// gicdiff run FILE --target NAME : run one scenario on one target, print the trace, check the
// scenario's expectations and (by default) the oracle's verdict.
import { writeFileSync } from 'node:fs';
import { durationOption, formatOptions, parseArgs, UsageError, type OptionsSpec, SCENARIO_TIMEOUT_MS } from '../args.js';
import { loadScenarioFile } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { getTarget, targetNames } from '../../spec/target.js';
import { describeOp, describeResult } from '../../spec/describe-op.js';
import { runScenario } from '../../triage/runner.js';
import '../../fuzz/targets.js';

const OPTIONS: OptionsSpec = {
  target: { type: 'string', alias: 't', value: 'NAME', description: 'the target to run on (model, kvm, qemu, kvm-hw)' },
  oracle: { type: 'boolean', description: 'check the trace with the reference model (default on; --no-oracle for expectations only)' },
  coverage: { type: 'boolean', description: 'print the rule ids the oracle recorded' },
  trace: { type: 'string', value: 'FILE', description: 'also write the trace as JSON to FILE' },
  timeout: { type: 'string', value: 'DURATION', description: 'stop the scenario after this long, a step-budget result (default 60s)' },
  quiet: { type: 'boolean', alias: 'q', description: 'print only failures and the summary' },
};

export const summary = 'run one scenario on a target and print its trace';
export const help = `usage: gicdiff run FILE --target NAME [options]

Runs the scenario (macros expanded) on the target and prints every op with its result. Marks the
ops whose "expect"/"expectOneOf" does not hold and, unless --no-oracle, the first op at which the
result is one the architecture does not allow (with the results it allows and the rules involved).
Exit 0 when everything holds, 1 on a failed expectation, a divergence, a target error or an\ninconclusive check (time limit or the oracle's bounds), 2 on bad input.

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length !== 1) throw new UsageError('give exactly one scenario file');
  const name = options.target as string | undefined;
  if (!name) throw new UsageError('--target is required');
  const target = getTarget(name);
  if (!target) {
    throw new UsageError(`no target named ${JSON.stringify(name)}; registered targets: ${targetNames().join(', ') || '(none)'}`);
  }
  const why = target.unavailable?.();
  if (why) {
    process.stderr.write(`gicdiff run: target ${name} cannot run on this machine: ${why}\n`);
    return 2;
  }
  const scenario = loadScenarioFile(positional[0]!);
  const expanded = expandScenario(scenario);
  const outcome = await runScenario(target, expanded, { oracle: options.oracle !== false, timeoutMs: durationOption('timeout', options.timeout) ?? SCENARIO_TIMEOUT_MS });
  const { trace, verdict } = outcome;
  if (options.trace) writeFileSync(options.trace as string, JSON.stringify(trace, null, 2) + '\n');

  const failedAt = new Map(outcome.expectationFailures.map((f) => [f.opIndex, f]));
  const divergence = verdict && !verdict.ok ? verdict.divergence : null;
  const width = String(expanded.ops.length).length;
  expanded.ops.forEach((op, i) => {
    if (i >= trace.results.length) return;
    const failure = failedAt.get(i);
    const diverged = divergence?.opIndex === i;
    if (options.quiet && !failure && !diverged) return;
    let line = `${String(i).padStart(width)}  ${describeOp(op).padEnd(60)} -> ${describeResult(trace.results[i])}`;
    if (failure) line += `   FAILED: expected ${failure.expected.map(describeResult).join(' or ')}`;
    process.stdout.write(line + '\n');
    if (diverged) {
      process.stdout.write(`${' '.repeat(width)}  DIVERGENCE: ${divergence.message}\n`);
      process.stdout.write(`${' '.repeat(width)}    allowed: ${divergence.allowed.map(describeResult).join(', ')}\n`);
      process.stdout.write(`${' '.repeat(width)}    rules:   ${divergence.rules.join(', ')}\n`);
      if (divergence.explanation) process.stdout.write(`${' '.repeat(width)}    why:     ${divergence.explanation}\n`);
    }
  });
  if (trace.status !== 'complete') {
    process.stdout.write(`target stopped: ${trace.status}${trace.error ? ` at op ${trace.error.opIndex}: ${trace.error.message}` : ''}\n`);
  }
  if (options.coverage) {
    process.stdout.write(`rules exercised (${outcome.coverage.length}):\n`);
    for (const r of [...outcome.coverage].sort()) process.stdout.write(`  ${r}\n`);
  }
  if (outcome.unsupported) {
    process.stdout.write(`unsupported on ${name}: ${outcome.unsupported}\n`);
    return 0;
  }
  const expectations = expanded.ops.filter((o) => 'expect' in o || 'expectOneOf' in o).length;
  const gaveUp = outcome.oracleError;
  const verdictText = gaveUp ? `inconclusive: gave up at op ${gaveUp.opIndex} (${gaveUp.message})${gaveUp.bound ? '; says nothing about the target' : ''}`
    : verdict === null ? 'not checked'
    : !verdict.ok ? `divergence at op ${verdict.divergence.opIndex}`
      : verdict.unconfirmed ? `accepted under an unconfirmed reading of ${verdict.unconfirmed.join(', ')} (not a pass)`
        : trace.status !== 'complete' ? `no divergence in the ${trace.results.length} ops the target ran (the trace is incomplete: not a pass)`
        : 'ok (the architecture allows this trace)';
  process.stdout.write(`${scenario.name} on ${name}: ${trace.results.length}/${expanded.ops.length} ops, ` +
    `${expectations - outcome.expectationFailures.length}/${expectations} expectations hold, oracle: ${verdictText}\n`);
  // an oracle that gave up has not shown the trace allowed: not a pass
  const bad = outcome.expectationFailures.length > 0 || gaveUp !== undefined || (verdict !== null && !verdict.ok) || trace.status === 'target-error' || trace.status === 'step-budget';
  return bad ? 1 : 0;
}
