// The engine of `gicdiff selftest`: for each catalogue fault, a patched copy of the repository, a
// fixed-seed campaign on the kvm target and the directed suite, each run through that copy's own
// CLI in a child process; then what was new compared with the clean control (the same runs on
// the unpatched copy). A fault is detected when a run reports something new that the control
// did not: with a fixed seed and one worker the control's own new findings (if any) would show
// up in every fault's run too, and must not count as detections.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Fault } from './catalogue.js';
import { generateScenario } from '../generate.js';
import { CUT_NOTE, runBudget } from '../minimize.js';
import { defaultWeights } from '../weights.js';
import { cleanSignatureCached, recheckOnClean } from './recheck.js';
import { FaultPatchError, checkFaultApplies, makeWorkspace, removeWorkspace, trackedFiles } from './workspace.js';

export interface SelftestOptions {
  repoRoot: string;
  faults: readonly Fault[];
  /** campaign length per fault, ms */
  timeMs: number;
  /** also stop each campaign after this many scenarios (a load-independent budget) */
  iterations?: number;
  seed: string;
  jobs: number;
  /**
   * candidate runs of the minimization of each fault's first finding (default
   * SELFTEST_MINIMIZE_RUNS): a run budget, so the op count does not depend on the machine's load
   */
  minimizeRuns?: number;
  /** run the directed suite (gicdiff conformance --target kvm) too */
  directed: boolean;
  /** where the patched copies go (default: the OS temporary folder) */
  workDir?: string;
  /** keep the patched copies (debugging) */
  keep?: boolean;
  /** a line per event (start/end of each run) */
  log?: (line: string) => void;
  /** the report so far, after each run once the control has finished */
  onProgress?: (partial: SelftestReport) => void;
}

export interface NewFinding {
  signature: string;
  /** ms from the campaign's start */
  afterMs: number;
  /** k of the scenario id S:k that first showed it */
  scenarioIndex: number | null;
  seed: string;
  /** ops of its minimized scenario (null: not minimized) */
  minimizedOps: number | null;
  /** the wall-clock safety cap stopped that minimization before its run budget (another machine may get further) */
  minimizeCut?: boolean;
  /** the control's campaign showed this signature on this very scenario (set by the comparison) */
  inControl?: boolean;
}

export interface CampaignOutcome {
  /** exit code of gicdiff fuzz */
  exitCode: number;
  stopReason: string | null;
  scenarios: number;
  /** every finding classified new, earliest first */
  newFindings: NewFinding[];
  error?: string;
}

export interface DirectedOutcome {
  exitCode: number;
  /** scenarios whose outcome was new */
  newScenarios: string[];
  error?: string;
}

export interface FaultResult {
  id: string;
  area: string;
  /** null for the clean control */
  fault: Fault | null;
  campaign: CampaignOutcome;
  directed: DirectedOutcome | null;
  /** new signatures the control did not report */
  campaignNew: string[];
  /** the earliest of those */
  first: NewFinding | null;
  /** new directed scenarios the control did not report */
  directedNew: string[];
  /**
   * the fault's witness (fuzz/selftest/witnesses/<id>.json: a scenario written to reveal it, which
   * the clean target passes) replayed on the patched copy; null when it has none
   */
  witness: { reveals: boolean; error?: string } | null;
  detectedByCampaign: boolean;
  detectedByDirected: boolean;
  wallMs: number;
}

export interface SelftestReport {
  format: 'gicdiff/selftest@1';
  /** false while the run is going on (a partial report, rewritten after every fault) */
  complete: boolean;
  startedAt: string;
  endedAt: string;
  seed: string;
  timeMs: number;
  iterations: number | null;
  jobs: number;
  /** the run budget of each minimization (absent in reports written before it was one) */
  minimizeRuns?: number;
  directed: boolean;
  host: { cpus: number; loadavg: number[]; node: string };
  control: FaultResult;
  /** the control reported nothing new (otherwise the scores below mean little) */
  controlClean: boolean;
  faults: FaultResult[];
  totals: { faults: number; campaign: number; directed: number; either: number; errors: number };
}

/**
 * The run budget of the minimization of each fault's first finding. Minimized to the end (no
 * budget), the three first findings that a 15-second budget had left at 75 to 241 ops on a loaded
 * machine took 113, 271 and 393 runs; the wall-clock cap of 1,000 runs (fuzz/minimize.ts runBudget,
 * 250 s) is far above what they cost on an idle core (a 156-op scenario with a migration, the
 * slowest, took 1.2 s a run on a loaded 2-core machine).
 */
export const SELFTEST_MINIMIZE_RUNS = 1000;

/** where witness scenarios live, one per fault that has one, named after its id */
export const WITNESS_DIR = path.join('fuzz', 'selftest', 'witnesses');

interface ProcResult { code: number; stdout: string; stderr: string }

function runProcess(cmd: string, args: string[], cwd: string): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** `gicdiff ARGS` run by the copy's own CLI (bin/gicdiff.mjs loads its TypeScript through tsx). */
function gicdiff(dir: string, args: string[]): Promise<ProcResult> {
  return runProcess(process.execPath, [path.join(dir, 'bin', 'gicdiff.mjs'), ...args], dir);
}

function lastLines(s: string, n = 6): string {
  return s.trim().split('\n').slice(-n).join('\n');
}

interface SummaryFinding {
  signature: string;
  classification: string;
  firstSeed: string;
  firstFoundAt: string;
  dir: string;
  minimizedOps: number | null;
  newHits?: { seed: string; at: string }[];
}

/** k of a scenario id "S:k" or "S:k<parent" (a mutation of a corpus entry) */
export function scenarioIndex(seed: string): number | null {
  const m = /:(\d+)(?:<.*)?$/.exec(seed);
  return m ? Number(m[1]) : null;
}

async function runCampaign(dir: string, o: SelftestOptions): Promise<CampaignOutcome> {
  const out = path.join(dir, 'out', 'selftest-campaign');
  const r = await gicdiff(dir, [
    'fuzz', '--target', 'kvm', '--seed', o.seed, '--time', `${Math.round(o.timeMs / 1000)}s`, '--workers', '1', '--out', out,
    ...(o.iterations !== undefined ? ['--iterations', String(o.iterations)] : []),
    // the per-scenario time limit is the campaign length: on a loaded machine the default 10 s makes
    // a long scenario a step-budget finding of the machine, not of the target (the op budget stays)
    '--timeout', `${Math.max(10, Math.round(o.timeMs / 1000))}s`, '--hang', `${Math.max(20, Math.round(o.timeMs / 1000) + 30)}s`, '--no-report',
    // a one-worker campaign minimizes on its only worker: every known or inconclusive signature,
    // and the clean target's own new ones, would take up to 8 s each of the campaign's time. The
    // detection is measured on the campaign's scenarios alone; the finding that counts is
    // minimized afterwards (below)
    '--no-minimize',
  ]);
  const summaryFile = path.join(out, 'summary.json');
  if (!existsSync(summaryFile)) {
    return { exitCode: r.code, stopReason: null, scenarios: 0, newFindings: [], error: `gicdiff fuzz wrote no summary (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}` };
  }
  const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as { stopReason: string | null; scenarios: number; startedAt: string; findings: SummaryFinding[]; error?: string };
  // each scenario classified new (the first few of each signature): a signature the clean target
  // shows too (the control's) may also stand for the fault's own problem on other scenarios
  const hits: { f: SummaryFinding; seed: string; at: string }[] = [];
  for (const f of s.findings) {
    if (f.classification !== 'new') continue;
    const listed = f.newHits?.length ? f.newHits : [{ seed: f.firstSeed, at: f.firstFoundAt }];
    for (const h of listed) hits.push({ f, seed: h.seed, at: h.at });
  }
  hits.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const newFindings: NewFinding[] = hits.map(({ f, seed, at }) => ({
    signature: f.signature, afterMs: Math.max(0, Date.parse(at) - Date.parse(s.startedAt)),
    scenarioIndex: scenarioIndex(seed), seed, minimizedOps: seed === f.firstSeed ? f.minimizedOps : null,
  }));
  // minimize the earliest new finding that the clean target does not show on the same scenario
  // (the one the report counts, recheck.ts), in the patched copy, after the campaign's time
  for (let k = 0; k < newFindings.length; k++) {
    const f = newFindings[k]!;
    if ((await cleanSignatureCached(f.seed, Math.max(10_000, o.timeMs))) === f.signature) continue;
    const m = await minimizeLate(dir, path.join(out, hits[k]!.f.dir), f.seed === hits[k]!.f.firstSeed ? null : f.seed, o.minimizeRuns ?? SELFTEST_MINIMIZE_RUNS);
    f.minimizedOps = m?.ops ?? null;
    if (m?.cut) f.minimizeCut = true;
    break;
  }
  return {
    exitCode: r.code, stopReason: s.stopReason, scenarios: s.scenarios, newFindings,
    ...(r.code !== 0 ? { error: s.error ?? lastLines(r.stderr) } : {}),
  };
}

/**
 * Minimize a finding of the campaign, in the patched copy, by a budget of `runs` candidate runs
 * (under its wall-clock cap): its finding.json, or the scenario `seed` names (a later scenario of
 * the same signature) regenerated first. `cut`: the cap stopped it.
 */
async function minimizeLate(dir: string, findingDir: string, seed: string | null, runs: number): Promise<{ ops: number; cut: boolean } | null> {
  let file = path.join(findingDir, 'finding.json');
  if (!existsSync(file)) return null;
  if (seed !== null) {
    file = path.join(findingDir, `scenario-${seed.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
    writeFileSync(file, JSON.stringify(generateScenario(seed, { profile: 'full', weights: defaultWeights() })) + '\n');
  }
  const outFile = path.join(findingDir, 'minimized-late.json');
  const budget = runBudget(runs);
  const r = await gicdiff(dir, ['minimize', file, '--target', 'kvm', '--out', outFile, '--max-runs', String(budget.maxRuns), '--time', `${Math.ceil(budget.timeMs / 1000)}s`]);
  if (!existsSync(outFile)) return null;
  try {
    const ops = (JSON.parse(readFileSync(outFile, 'utf8')) as { ops: unknown[] }).ops.length;
    return { ops, cut: r.stdout.includes(CUT_NOTE) };
  } catch {
    return null;
  }
}

async function runDirected(dir: string): Promise<DirectedOutcome> {
  const json = path.join(dir, 'out', 'selftest-conformance.json');
  const r = await gicdiff(dir, ['conformance', '--target', 'kvm', '--json', json, '--quiet']);
  if (!existsSync(json)) return { exitCode: r.code, newScenarios: [], error: `gicdiff conformance wrote no report (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}` };
  const rep = JSON.parse(readFileSync(json, 'utf8')) as { results: { scenario: string; target: string; outcome: string }[] };
  const newScenarios = rep.results.filter((x) => x.target === 'kvm' && x.outcome === 'new').map((x) => x.scenario).sort();
  return { exitCode: r.code, newScenarios, ...(r.code === 2 ? { error: lastLines(r.stderr) } : {}) };
}

/** Replay the fault's witness scenario, if it has one: gicdiff run exits 1 on a divergence. */
async function runWitness(dir: string, id: string): Promise<FaultResult['witness']> {
  const file = path.join(dir, WITNESS_DIR, `${id}.json`);
  if (!existsSync(file)) return null;
  const r = await gicdiff(dir, ['run', file, '--target', 'kvm']);
  if (r.code === 0 || r.code === 1) return { reveals: r.code === 1 };
  return { reveals: false, error: `gicdiff run exited ${r.code}: ${lastLines(r.stderr || r.stdout)}` };
}

/** One run (a fault, or the control when fault is null): its patched copy, campaign and directed suite. */
async function runOne(o: SelftestOptions, fault: Fault | null, files: string[]): Promise<FaultResult> {
  const t0 = Date.now();
  const parent = o.workDir ?? path.join(os.tmpdir(), 'gicdiff-selftest');
  const dir = makeWorkspace(o.repoRoot, fault, parent, files);
  const name = fault?.id ?? 'control';
  o.log?.(`${name}: running in ${dir}`);
  try {
    const campaign = await runCampaign(dir, o);
    const directed = o.directed ? await runDirected(dir) : null;
    const witness = fault ? await runWitness(dir, fault.id) : null;
    const r: FaultResult = {
      id: name, area: fault?.area ?? '-', fault, campaign, directed, witness, campaignNew: [], first: null, directedNew: [],
      detectedByCampaign: false, detectedByDirected: false, wallMs: Date.now() - t0,
    };
    o.log?.(`${name}: done in ${Math.round(r.wallMs / 1000)} s (campaign: ${campaign.scenarios} scenarios, ${campaign.newFindings.length} new${directed ? `; directed: ${directed.newScenarios.length} new` : ''})`);
    return r;
  } finally {
    if (!o.keep) removeWorkspace(dir);
  }
}

/** What a run reported that the control did not: the detections (exported for tests). */
export function compareWithControl(r: FaultResult, control: FaultResult): void {
  // a signature of the control counts again when it shows on a scenario the control did not show
  // it on (recheck.ts then replays that scenario on the clean target)
  const seen = new Set(control.campaign.newFindings.map((f) => `${f.signature} ${f.seed}`));
  const scen = new Set(control.directed?.newScenarios ?? []);
  for (const f of r.campaign.newFindings) f.inControl = seen.has(`${f.signature} ${f.seed}`);
  const counted = r.campaign.newFindings.filter((f) => !f.inControl);
  r.campaignNew = [...new Set(counted.map((f) => f.signature))];
  r.first = counted[0] ?? null;
  r.directedNew = (r.directed?.newScenarios ?? []).filter((s) => !scen.has(s));
  r.detectedByCampaign = r.campaignNew.length > 0;
  r.detectedByDirected = r.directedNew.length > 0;
}

/** Run `items` with at most `jobs` at a time, results in input order. */
async function pool<T, R>(items: readonly T[], jobs: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return out;
}

/**
 * The clean control and every fault, `jobs` at a time (the control among them: it is compared
 * with at the end, so it need not run first).
 */
export async function runSelftest(o: SelftestOptions): Promise<SelftestReport> {
  const startedAt = new Date().toISOString();
  const files = trackedFiles(o.repoRoot);
  // every patch is checked before anything runs: a stale catalogue entry fails the whole command
  const tracked = new Set(files);
  for (const f of o.faults) {
    if (!tracked.has(f.file)) throw new FaultPatchError(`fault ${f.id}: ${f.file} is not a tracked file of ${o.repoRoot}`);
    checkFaultApplies(o.repoRoot, f);
  }
  const done = new Array<FaultResult | undefined>(o.faults.length + 1);
  const report = async (complete: boolean): Promise<SelftestReport | null> => {
    const control = done[0];
    if (control === undefined) return null;
    const faults = done.slice(1).filter((r): r is FaultResult => r !== undefined);
    for (const r of faults) compareWithControl(r, control);
    // findings the clean target shows on the same scenario are not the fault's (recheck.ts)
    await recheckOnClean(faults, Math.max(10_000, o.timeMs));
    return buildReport(o, startedAt, control, faults, complete);
  };
  const items = [null, ...o.faults];
  await pool(items.map((f, i) => [f, i] as const), o.jobs, async ([f, i]) => {
    done[i] = await runOne(o, f, files);
    // a long run leaves a usable partial report behind at every step
    if (o.onProgress) {
      const partial = await report(false);
      if (partial !== null) o.onProgress(partial);
    }
  });
  return (await report(true))!;
}

function buildReport(o: SelftestOptions, startedAt: string, control: FaultResult, faults: FaultResult[], complete: boolean): SelftestReport {
  // a witness that no longer reveals its fault is a catalogue problem, reported like a broken run
  const isError = (r: FaultResult): boolean =>
    r.campaign.error !== undefined || r.directed?.error !== undefined || r.witness?.error !== undefined || r.witness?.reveals === false;
  return {
    format: 'gicdiff/selftest@1', complete, startedAt, endedAt: new Date().toISOString(), seed: o.seed, timeMs: o.timeMs,
    iterations: o.iterations ?? null, jobs: o.jobs, minimizeRuns: o.minimizeRuns ?? SELFTEST_MINIMIZE_RUNS, directed: o.directed,
    host: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
    control,
    controlClean: control.campaign.newFindings.length === 0 && (control.directed?.newScenarios.length ?? 0) === 0 && !isError(control),
    faults,
    totals: {
      faults: faults.length,
      campaign: faults.filter((r) => r.detectedByCampaign).length,
      directed: faults.filter((r) => r.detectedByDirected).length,
      either: faults.filter((r) => r.detectedByCampaign || r.detectedByDirected).length,
      errors: faults.filter(isError).length,
    },
  };
}
