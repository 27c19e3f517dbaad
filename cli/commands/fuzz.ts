// gicdiff fuzz : a fuzz campaign (fuzz/campaign/coordinator.ts; folder format fuzz/CAMPAIGN-FORMAT.md).
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { durationOption, formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { loadTargetExpectations, loadExpectationsFile } from '../../spec/expectations.js';
import { CampaignError, DEFAULT_CAMPAIGN_MINIMIZE, runCampaign } from '../../fuzz/campaign/coordinator.js';
import { CAP_MIN_MS, CAP_MS_PER_RUN, runBudget, type MinimizeOptions } from '../../fuzz/minimize.js';
import { fmtDuration } from '../../fuzz/campaign/duration.js';
import type { Shard } from '../../fuzz/campaign/summary.js';
import { INCONCLUSIVE_LABEL } from '../../triage/classify.js';
import { PROFILES, type Profile } from '../../fuzz/generate.js';
import { defaultWeights, loadWeightsFile } from '../../fuzz/weights.js';
import { finishWithReport } from '../report-hook.js';
import { loadTarget } from '../load-target.js';

const OPTIONS: OptionsSpec = {
  target: { type: 'string', alias: 't', value: 'NAME', description: 'the target to fuzz (kvm, model, qemu...)' },
  seed: { type: 'string', alias: 's', value: 'S', description: 'campaign seed: scenario k is generated from "S:k" (default: the current time)' },
  time: { type: 'string', value: 'DURATION', description: 'stop after this long in total, e.g. 60s, 10m, 1h30m' },
  iterations: { type: 'number', alias: 'n', value: 'N', description: 'stop after N scenarios (in this shard)' },
  workers: { type: 'number', alias: 'j', value: 'N', description: 'worker threads; 0 = one per core (default 1)' },
  shard: { type: 'string', value: 'i/N', description: 'run only shard i of N (scenario k when k % N == i); combine with gicdiff merge' },
  out: { type: 'string', alias: 'o', value: 'DIR', description: 'campaign folder (required)' },
  resume: { type: 'boolean', description: 'continue the campaign in --out where it stopped (nothing lost, nothing counted twice, even after a kill)' },
  profile: { type: 'string', value: 'P', description: `ops to generate: ${PROFILES.join(', ')} (guest-only for targets without host ops, e.g. QEMU) (default full)` },
  weights: { type: 'string', value: 'FILE', description: 'generator weights (default fuzz/weights.json)' },
  'malformed-rate': { type: 'number', value: 'X', description: 'share of malformed-input actions, 0..1 (default from the weights)' },
  expectations: { type: 'string', value: 'FILE', description: 'known divergences (default spec/expectations/<target>.json)' },
  interval: { type: 'string', value: 'DURATION', description: 'stats.jsonl / status interval (default 2s)' },
  'step-budget': { type: 'number', value: 'N', description: 'ops a scenario may run before it counts as a step-budget finding (default 100000)' },
  timeout: { type: 'string', value: 'DURATION', description: 'time a scenario may run before it counts as a step-budget finding (default 10s)' },
  'mutation-rate': { type: 'number', value: 'X', description: 'share of scenarios that mutate a corpus entry, 0..1 (default 0.3; 0 = no coverage feedback)' },
  hang: { type: 'string', value: 'DURATION', description: 'a worker busy this long with one scenario is hung: replaced, the scenario a finding (default 60s)' },
  plugin: { type: 'string', value: 'FILE', description: 'module giving targets and the oracle (self-tests with planted faults; default: the registered targets and the model)' },
  report: { type: 'boolean', description: 'build the report at the end (default on; --no-report to skip)' },
  'coverage-feedback': { type: 'boolean', description: "measure branch coverage of the target's code (in-process targets) and keep scenarios that reach new branches in the corpus (1.5 to 2.5 times slower)" },
  minimize: { type: 'boolean', description: 'minimize each new finding (default on; --no-minimize for raw throughput)' },
  'minimize-runs': { type: 'number', value: 'N', min: 1, integer: true, description: `minimize each finding by a budget of N candidate runs, the same on every machine, under a wall-clock cap of ${CAP_MS_PER_RUN} ms a run (at least ${CAP_MIN_MS / 1000} s; a finding it stops says so) (default: ${DEFAULT_CAMPAIGN_MINIMIZE.maxRuns} runs or ${(DEFAULT_CAMPAIGN_MINIMIZE.timeMs ?? 0) / 1000} s, whichever comes first: the time decides on a loaded machine)` },
  'minimize-time': { type: 'string', value: 'DURATION', description: 'the wall-clock limit of each minimization (instead of the default or the cap of --minimize-runs)' },
  replace: { type: 'boolean', description: 'when --out holds an unfinished campaign, move it to DIR/history/ and start afresh (a finished one always is)' },
};

export const summary = 'run a fuzz campaign (workers, shards, resume) and write findings';
export const help = `usage: gicdiff fuzz --target NAME --out DIR (--time DURATION | --iterations N) [options]

Generates scenarios from the seed, runs them on the target in lockstep with the reference model,
and writes every distinct divergence (by signature) to DIR/findings/<signature>/finding.json the
moment it is found, then its minimized scenario to minimized.json. Prints a live status line on a
terminal, one line per interval otherwise; DIR/stats.jsonl has the same figures over time and
DIR/summary.json the totals (format: fuzz/CAMPAIGN-FORMAT.md). SIGINT/SIGTERM stop cleanly with
the summary written; --resume continues. Exit 0 when the campaign ran (findings or not: the CI
verdict is \`gicdiff report\`'s, built at the end), 2 on bad options or input or a failed worker.

options:
${formatOptions(OPTIONS)}`;

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) throw new UsageError(`--shard takes i/N, e.g. 0/4 (got ${JSON.stringify(s)})`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${s}: need 0 <= i < N`);
  return { index, count };
}

/** The campaign's minimization budget from --minimize-runs / --minimize-time (undefined: the default). */
export function minimizeBudget(runs: number | undefined, timeMs: number | undefined): MinimizeOptions | undefined {
  if (runs === undefined && timeMs === undefined) return undefined;
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new UsageError('--minimize-runs takes a positive integer');
  return runs !== undefined ? runBudget(runs, timeMs) : { ...DEFAULT_CAMPAIGN_MINIMIZE, timeMs: timeMs! };
}

export async function main(argv: string[]): Promise<number> {
  const { options: o, positional } = parseArgs(argv, OPTIONS);
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  const target = o.target as string | undefined;
  if (!target) throw new UsageError('--target is required');
  const out = o.out as string | undefined;
  if (!out) throw new UsageError('--out DIR is required');
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out}: is a file, not a folder`);
  const timeMs = durationOption('time', o.time);
  const iterations = o.iterations as number | undefined;
  if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < 1)) throw new UsageError('--iterations takes a positive integer');
  if (timeMs === undefined && iterations === undefined) throw new UsageError('give --time or --iterations (or both)');
  let workers = (o.workers as number | undefined) ?? 1;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new UsageError('--workers takes 0 (one per core) to 256');
  if (workers === 0) workers = availableParallelism();
  const profile = (o.profile as string | undefined) ?? 'full';
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be one of ${PROFILES.join(', ')} (got ${JSON.stringify(profile)})`);
  const shard = o.shard !== undefined ? parseShard(o.shard as string) : { index: 0, count: 1 };
  const weights = { ...(o.weights ? loadWeightsFile(o.weights as string) : defaultWeights()) };
  const rate = o['malformed-rate'] as number | undefined;
  if (rate !== undefined) {
    if (!(rate >= 0 && rate <= 1)) throw new UsageError('--malformed-rate takes a number from 0 to 1');
    weights.malformedRate = rate;
  }
  const mutationRate = o['mutation-rate'] as number | undefined;
  if (mutationRate !== undefined && !(mutationRate >= 0 && mutationRate <= 1)) throw new UsageError('--mutation-rate takes a number from 0 to 1');
  const stepBudget = (o['step-budget'] as number | undefined) ?? 100_000;
  if (!Number.isInteger(stepBudget) || stepBudget < 1) throw new UsageError('--step-budget takes a positive integer');
  const timeout = durationOption('timeout', o.timeout) ?? 10_000;
  const intervalMs = durationOption('interval', o.interval);
  const hangMs = durationOption('hang', o.hang);
  const seed = (o.seed as string | undefined) ?? String(Date.now());
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(seed)) throw new UsageError('--seed takes 1 to 100 characters from [A-Za-z0-9._-]');
  const minimize = minimizeBudget(o['minimize-runs'] as number | undefined, durationOption('minimize-time', o['minimize-time']));
  const plugin = o.plugin as string | undefined;
  const expectations = o.expectations ? loadExpectationsFile(o.expectations as string) : undefined;
  // check the target here, with a clear message, before any worker starts or any file is written
  const { target: t } = await loadTarget(target, plugin);
  const why = t.unavailable?.();
  if (why) {
    process.stderr.write(`gicdiff fuzz: target ${target} cannot run on this machine: ${why}\n`);
    return 2;
  }
  let summaryDoc;
  try {
    summaryDoc = await runCampaign({
      target, seed, out, profile: profile as Profile, workers, shard, resume: o.resume === true, weights,
      expectations: expectations ?? loadTargetExpectations(target),
      run: { stepBudget, timeoutMs: timeout },
      ...(timeMs !== undefined ? { timeMs } : {}),
      ...(iterations !== undefined ? { iterations } : {}),
      ...(plugin ? { plugin } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(hangMs !== undefined ? { hangMs } : {}),
      ...(mutationRate !== undefined ? { mutationRate } : {}),
      status: process.stderr,
      minimizeFindings: o.minimize !== false,
      ...(minimize ? { minimize } : {}),
      ...(o['coverage-feedback'] === true ? { branchCoverage: true } : {}),
      archivePrevious: o.replace === true,
    });
  } catch (e) {
    if (e instanceof CampaignError) {
      process.stderr.write(`gicdiff fuzz: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const s = summaryDoc;
  if (s.archived) process.stdout.write(`the campaign that was in ${out} is now in ${s.archived}\n`);
  const lines = [
    `campaign ${s.seed} on ${s.target} (${s.profile}, shard ${s.shard.index}/${s.shard.count}, ${s.workers} workers): stopped by ${s.stopReason} after ${fmtDuration(s.elapsedMs)}`,
    `  ${s.scenarios} scenarios (${s.scenariosPerSec}/s), ${s.ops} ops (${s.opsPerSec}/s), ${s.coverage.ruleCount} rules covered, ${s.coverage.optionPairs ?? 0} (rule, permitted option) pairs, ${s.coverage.rulePairs} rule pairs,${s.coverage.branchCount !== undefined ? ` ${s.coverage.branchCount} target branches,` : ''} corpus ${s.corpus}`,
    `  findings: ${s.counts.new} new, ${s.counts.known} known, ${s.counts.inconclusive} inconclusive`,
  ];
  const line = (f: (typeof s.findings)[number]): string => `    [${f.classification}] ${f.signature}  x${f.count}  ${path.join(out, f.dir)}${f.minimizedOps !== null ? ` (minimized: ${f.minimizedOps} ops${f.minimizeCut ? ', cut by the wall clock' : ''})` : ''}`;
  for (const f of s.findings) if (f.classification !== 'inconclusive') lines.push(line(f));
  // oracle-bound: gicdiff could not decide these scenarios; listed apart so nobody hunts a target bug in them
  if (s.counts.inconclusive) lines.push(`  ${INCONCLUSIVE_LABEL}:`);
  for (const f of s.findings) if (f.classification === 'inconclusive') lines.push(line(f));
  if (s.error) lines.push(`  error: ${s.error}`);
  lines.push(`  summary: ${path.join(out, 'summary.json')}`);
  process.stdout.write(lines.join('\n') + '\n');
  if (o.report !== false) await finishWithReport(out);
  return s.stopReason === 'error' ? 2 : 0;
}
