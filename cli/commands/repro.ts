// gicdiff repro FILE [--target T] : replay a finding (or any scenario) and print the annotated
// trace; exit 1 while it diverges, 0 once it no longer does (usable under `git bisect run`).
import { durationOption, formatOptions, parseArgs, UsageError, type OptionsSpec, SCENARIO_TIMEOUT_MS } from '../args.js';
import { expandScenario } from '../../spec/expand.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { classifyOutcome } from '../../triage/classify.js';
import { INCONCLUSIVE_LABEL } from '../../triage/classify.js';
import { runLockstep } from '../../triage/lockstep.js';
import { problemOf } from '../../triage/signature.js';
import { annotateTrace } from '../../fuzz/repro.js';
import { loadTarget } from '../load-target.js';
import { loadTargetExpectations } from '../../spec/expectations.js';

const OPTIONS: OptionsSpec = {
  target: { type: 'string', alias: 't', value: 'NAME', description: "the target to replay on (default: the finding's target)" },
  context: { type: 'number', alias: 'C', value: 'N', min: 0, integer: true, description: 'print only N ops before the divergence (default: the whole trace)' },
  timeout: { type: 'string', value: 'DURATION', description: 'stop the scenario after this long, a step-budget result (default 60s)' },
  quiet: { type: 'boolean', alias: 'q', description: 'print only the verdict line' },
  plugin: { type: 'string', value: 'FILE', description: 'module giving targets and the oracle (self-tests with planted faults)' },
  bisect: { type: 'boolean', description: 'for `git bisect run`: exit 125 (skip this commit) instead of 2 when the scenario cannot run' },
};

export const summary = 'replay a finding or scenario, print the annotated trace; exit 1 while it diverges';
export const help = `usage: gicdiff repro FILE [--target NAME] [options]

FILE is a finding.json or minimized.json written by gicdiff fuzz, or any scenario file. Runs it on
the target in lockstep with the reference model and prints every op in readable form with its
result; at the first divergence, what the architecture allows there, the rules involved and how
the model explains it. Exit 1 while a divergence (or failed expectation, or target error) is
there, 0 once there is none, 2 on bad input. Under \`git bisect run gicdiff repro FILE --bisect\`
this finds the commit that fixed or introduced it (--bisect exits 125, "skip", where it cannot run).

options:
${formatOptions(OPTIONS)}`;

export async function main(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, OPTIONS);
  if (!options.bisect) return repro(argv);
  // git bisect run: 0 good, 1 bad, 125 skip (a commit where the scenario cannot be run at all)
  try {
    const code = await repro(argv);
    return code === 2 ? 125 : code;
  } catch (e) {
    process.stderr.write(`gicdiff repro: cannot run here (${(e as Error).message}); skipping this commit\n`);
    return 125;
  }
}

async function repro(argv: string[]): Promise<number> {
  const { options, positional } = parseArgs(argv, OPTIONS);
  if (positional.length !== 1) throw new UsageError('give exactly one finding or scenario file');
  const { finding, scenario } = loadFindingOrScenario(positional[0]!);
  const name = (options.target as string | undefined) ?? finding?.target;
  if (!name) throw new UsageError('--target is required for a scenario file (a finding names its target)');
  const { target, oracle } = await loadTarget(name, options.plugin as string | undefined, options.target === undefined ? { file: positional[0]!, jsonPath: '/target' } : undefined);
  const why = target.unavailable?.();
  if (why) {
    process.stderr.write(`gicdiff repro: target ${name} cannot run on this machine: ${why}\n`);
    return 2;
  }
  const expectations = loadTargetExpectations(target.name); // validated before the run: bad file, exit 2
  const timeoutMs = durationOption('timeout', options.timeout) ?? SCENARIO_TIMEOUT_MS;
  const expanded = expandScenario(scenario);
  const outcome = await runLockstep(target, expanded, { timeoutMs }, oracle);
  if (outcome.unsupported) {
    process.stderr.write(`gicdiff repro: ${outcome.unsupported}\n`);
    return 2;
  }
  const quirks = new Set(expectations.entries.map((e) => e.id));
  // the same classification a campaign would give it (the exit code stays 1 either way)
  const classified = classifyOutcome(oracle, target.name, expanded, outcome, quirks);
  const problem = problemOf(target.name, expanded, outcome);
  const context = options.context as number | undefined;
  if (!options.quiet) {
    process.stdout.write(`${scenario.name} on ${target.name}: ${expanded.ops.length} ops (${scenario.ops.length} before expansion)\n`);
    const lines = annotateTrace(expanded, outcome, problem, context !== undefined ? { context } : {});
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!problem) {
    process.stdout.write(`no divergence: ${finding ? `fixed (was ${finding.signature})` : 'the trace is one the architecture allows'}\n`);
    return 0;
  }
  const gaveUp = outcome.oracleError;
  if (gaveUp?.bound && (classified === null || classified.classification === 'inconclusive')) {
    // a time limit or the model's candidate bound: no verdict on the target either way
    process.stdout.write(`the reference model gave up at op ${gaveUp.opIndex}: ${gaveUp.message}\ninconclusive: says nothing about the target\n`);
    return 1;
  }
  const same = finding ? (problem.signature === finding.signature ? ' (same signature as the finding)' : ` (the finding had ${finding.signature})`) : '';
  process.stdout.write(`diverges at op ${problem.opIndex}: ${problem.signature}${same}\n`);
  if (classified === null || classified.classification === 'inconclusive') process.stdout.write(`${INCONCLUSIVE_LABEL}\n`);
  else if (classified.classification === 'known') {
    process.stdout.write(`known: explained by the quirks of ${target.name}: ${classified.quirks.join(', ') || '(none named)'} (spec/expectations/${target.name}.json)\n`);
  } else if (classified.problem.parts.mismatch === 'oracle-error') {
    process.stdout.write(`new: ${classified.problem.message} (a bug of gicdiff's reference model, not of ${target.name}: please report it)\n`);
  } else {
    const at = classified.problem;
    const where = at.opIndex !== problem.opIndex ? `; with them the trace holds up to op ${at.opIndex}: ${at.signature}` : '';
    process.stdout.write(`new: the quirks of ${target.name} (spec/expectations/${target.name}.json) do not explain it${where}\n`);
  }
  return 1;
}
