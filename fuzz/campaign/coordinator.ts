// A fuzz campaign (README.md; docs/oracle.md; docs/scenario-format.md): worker threads run
// generated scenarios in lockstep, the coordinator deduplicates findings by signature and writes
// them the moment they are found, steers generation toward a corpus of scenarios that reached new
// rules or rule pairs, reports status, and stops cleanly on the time/iteration limit or
// SIGINT/SIGTERM with its summary written. Folder format: fuzz/CAMPAIGN-FORMAT.md.
// The parts: scheduler.ts (which index next), corpus.ts, findings-store.ts (records and the
// minimization queue), persistence.ts (the folder), worker-pool.ts (threads and the watchdog).
import { fmtDuration } from './duration.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signatureString, type Expectations } from '../../spec/expectations.js';
import type { Scenario } from '../../spec/scenario.js';
import type { Finding } from '../../spec/gen/finding.js';
import { buildFinding } from '../finding.js';
import { GENERATOR_VERSION, generateScenario, type Profile } from '../generate.js';
import type { MinimizeOptions } from '../minimize.js';
import { expandScenario } from '../../spec/expand.js';
import { normalizeErrorMessage, type Problem } from '../../triage/signature.js';
import type { RunOptions, RunOutcome } from '../../triage/lockstep.js';
import { gicdiffVersion } from '../version.js';
import { weightsHash as hashWeights, type Weights } from '../weights.js';
import { bundleForWorker } from './bundle.js';
import { Corpus } from './corpus.js';
import { FindingsStore } from './findings-store.js';
import { CampaignError, CampaignFolder } from './persistence.js';
import type { ItemResult, WorkerInit, WorkItem } from './protocol.js';
import { ShardScheduler } from './scheduler.js';
import { upgradeRecord, type CampaignParams, type CampaignState, type CampaignSummaryDoc, type Shard, type StatsLine } from './summary.js';
import { WorkerPool, type LostWork, type WorkerSlot } from './worker-pool.js';

export { CampaignError } from './persistence.js';
export { WORKER_HEAP_MB } from './worker-pool.js';

export interface CampaignOptions {
  target: string;
  seed: string;
  out: string;
  profile: Profile;
  timeMs?: number;
  iterations?: number;
  workers: number;
  shard: Shard;
  resume: boolean;
  weights: Weights;
  expectations: Expectations;
  /** plugin module (.ts) giving targets and the oracle; default fuzz/campaign/default-plugin.ts */
  plugin?: string;
  run?: RunOptions;
  minimize?: MinimizeOptions;
  /** stats/summary interval (default 2000 ms) */
  intervalMs?: number;
  /** scenarios per batch sent to a worker (default 4) */
  batch?: number;
  /** share of scenarios that mutate a corpus entry (default 0.3) */
  mutationRate?: number;
  /** where status lines go (default process.stderr); `tty` draws one live line */
  status?: { write(s: string): void; isTTY?: boolean };
  /** listen to SIGINT/SIGTERM (default true) */
  handleSignals?: boolean;
  /**
   * A worker busy with one scenario this long is hung (synchronous code cannot be interrupted):
   * it is terminated and replaced, and the scenario is a step-budget finding (default 60 s).
   */
  hangMs?: number;
  /** measure the target's branch coverage and keep scenarios reaching new branches (default false: scenarios take 1.5 to 2.5 times as long) */
  branchCoverage?: boolean;
  /** minimize new findings (default true) */
  minimizeFindings?: boolean;
  /** the budget for minimizing an inconclusive finding (default 100 runs, 4 s; `minimize` when smaller) */
  minimizeInconclusive?: MinimizeOptions;
  /**
   * A fresh campaign into a folder that holds a finished one moves the old one to
   * DIR/history/<startedAt>/; an unfinished one (killed) is refused unless this is set.
   */
  archivePrevious?: boolean;
}

/**
 * Minimization inside a campaign blocks its worker, so it gets a smaller budget than
 * `gicdiff minimize` (which can be run on any finding afterwards for a deeper pass). Its 8 s
 * decide on a loaded machine (the result then says `cut`); `gicdiff fuzz --minimize-runs N`
 * budgets it in runs instead (fuzz/minimize.ts runBudget), the same on every machine.
 */
export const DEFAULT_CAMPAIGN_MINIMIZE: MinimizeOptions = { maxRuns: 400, timeMs: 8000 };

/**
 * An inconclusive (oracle-bound) finding is slow to minimize: every run drives the model's
 * candidate set up to its bound (about 1 s a run for a 133-op kvm scenario: `gicdiff minimize` of
 * one took 129 runs and its whole 2-minute budget to get from 133 to 68 ops). It says nothing about
 * the target, so the campaign gives it less of a worker's time; `gicdiff minimize --time` goes
 * deeper afterwards.
 */
const DEFAULT_INCONCLUSIVE_MINIMIZE: MinimizeOptions = { maxRuns: 100, timeMs: 4000 };

const DEFAULT_PLUGIN = fileURLToPath(new URL('./default-plugin.ts', import.meta.url));

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummaryDoc & { archived?: string }> {
  const c = new Campaign(o);
  const s = await c.run();
  return c.archived ? { ...s, archived: c.archived } : s;
}

class Campaign {
  private readonly folder: CampaignFolder;
  private readonly statusOut: { write(s: string): void; isTTY?: boolean };
  private readonly interval: number;
  private readonly batch: number;
  private readonly mutationRate: number;
  private params!: CampaignParams;
  private readonly scheduler: ShardScheduler;
  private readonly corpus = new Corpus();
  private readonly findings: FindingsStore;
  private pool!: WorkerPool;
  private priorElapsed = 0;
  private startTime = Date.now();
  // totals
  private scenarios = 0;
  private ops = 0;
  private readonly statuses: Record<string, number> = { ok: 0, unconfirmed: 0, divergent: 0, 'target-error': 0, 'step-budget': 0, unsupported: 0, 'oracle-error': 0 };
  private readonly ruleHits = new Map<string, number>();
  private readonly pairs = new Set<string>();
  /** (rule, permitted option) pairs the targets' results kept ("rule=option") */
  private readonly options = new Set<string>();
  /** branches of the target's code reached (coverage feedback) */
  private readonly branches = new Set<string>();
  private restarts = 0;
  private stopReason: CampaignSummaryDoc['stopReason'] = null;
  private fatal: string | undefined;
  private wake: (() => void) | null = null;
  private lastStats = { t: Date.now(), scenarios: 0, ops: 0 };
  /** where a previous campaign in the folder was moved (archivePrevious) */
  archived: string | null = null;

  constructor(private readonly o: CampaignOptions) {
    this.folder = new CampaignFolder(path.resolve(o.out));
    this.statusOut = o.status ?? process.stderr;
    this.interval = o.intervalMs ?? 2000;
    this.batch = o.batch ?? 4;
    this.mutationRate = o.mutationRate ?? 0.3;
    this.scheduler = new ShardScheduler(o.shard, o.iterations ?? Infinity);
    this.findings = new FindingsStore(this.folder.dir);
  }

  // ---- setup and resume ------------------------------------------------------------------------

  private setup(): void {
    const o = this.o;
    const limit: CampaignParams['limit'] = {};
    if (o.timeMs !== undefined) limit.timeMs = o.timeMs;
    if (o.iterations !== undefined) limit.iterations = o.iterations;
    const fresh: CampaignParams = {
      format: 'gicdiff/campaign@1', target: o.target, seed: o.seed, profile: o.profile, shard: o.shard, workers: o.workers, limit,
      generator: { version: GENERATOR_VERSION, malformedRate: o.weights.malformedRate, weightsHash: hashWeights(o.weights) },
      gicdiffVersion: gicdiffVersion(), node: process.version, startedAt: new Date().toISOString(),
    };
    const { params, resumed, archived } = this.folder.open(fresh, o.resume, o.archivePrevious === true);
    this.params = params;
    this.archived = archived;
    if (resumed) this.restore();
    this.folder.prepare(this.params);
  }

  /** Continue from state.json: everything counted there, nothing else (what a kill left uncounted runs again). */
  private restore(): void {
    const state = this.folder.readState();
    if (!state) return;
    this.folder.dropUncommitted(state);
    this.scheduler.restore(state.committed);
    this.priorElapsed = state.elapsedMs;
    this.scenarios = state.scenarios;
    this.ops = state.ops;
    Object.assign(this.statuses, state.statuses);
    for (const [r, n] of Object.entries(state.ruleHits)) this.ruleHits.set(r, n);
    for (const p of state.rulePairs) this.pairs.add(p);
    for (const o of state.optionPairs ?? []) this.options.add(o);
    for (const b of state.branches ?? []) this.branches.add(b);
    for (const e of state.corpus) this.corpus.add(e);
    for (const f of state.findings) this.findings.restoreRecord(upgradeRecord(f));
    this.findings.hits = state.hits;
    // minimizations a stop or a kill interrupted: queued again
    if (this.o.minimizeFindings !== false) {
      for (const signature of state.minimize) {
        const rec = this.findings.records.get(signature);
        if (rec) this.findings.enqueue(signature, this.folder.readFinding(rec.dir));
      }
    }
    // rates of the first stats line are over this run only
    this.lastStats = { t: Date.now(), scenarios: this.scenarios, ops: this.ops };
  }

  private checkpointState(): CampaignState {
    return {
      format: 'gicdiff/campaign-state@2', committed: this.scheduler.committed, next: this.scheduler.indexOf(this.scheduler.committed),
      elapsedMs: this.elapsed(), scenarios: this.scenarios, ops: this.ops, statuses: { ...this.statuses },
      ruleHits: Object.fromEntries(this.ruleHits), rulePairs: [...this.pairs], optionPairs: [...this.options],
      ...(this.branches.size ? { branches: [...this.branches] } : {}),
      corpus: this.corpus.entries.map(({ score: _s, ...e }) => e),
      findings: this.findings.sorted(), hits: this.findings.hits, minimize: this.findings.unfinished(),
    };
  }

  // ---- scheduling ------------------------------------------------------------------------------

  private elapsed(): number {
    return this.priorElapsed + (Date.now() - this.startTime);
  }

  private takeBatch(): WorkItem[] {
    return this.scheduler.takeBatch(this.batch, (k, basis) => this.corpus.idFor(this.o.seed, k, basis, this.mutationRate));
  }

  /** Hand out work to every worker that has room (results may have opened the epoch window). */
  private feedAll(): void {
    if (this.stopReason) return;
    for (const slot of this.pool.live) this.pool.feed(slot, () => this.takeBatch());
  }

  // ---- results ---------------------------------------------------------------------------------

  private onResults(slot: WorkerSlot, results: ItemResult[]): void {
    this.pool.settle(slot, results);
    for (const r of results) this.arrive(r);
    this.feedAll();
  }

  /** A result came: commit it and any it was holding back, in index order. */
  private arrive(r: ItemResult): void {
    for (const ready of this.scheduler.arrive(r)) this.commit(ready);
  }

  /** Count one result (its index is the lowest not yet committed). */
  private commit(r: ItemResult): void {
    this.scenarios++;
    this.ops += r.ops;
    this.statuses[r.status] = (this.statuses[r.status] ?? 0) + 1;
    let newRules = 0;
    for (const rule of r.rules) {
      const n = this.ruleHits.get(rule);
      if (n === undefined) newRules++;
      this.ruleHits.set(rule, (n ?? 0) + 1);
    }
    let newPairs = 0;
    for (const p of r.pairs) {
      if (!this.pairs.has(p)) {
        this.pairs.add(p);
        newPairs++;
      }
    }
    let newOptions = 0;
    for (const o of r.options ?? []) {
      if (!this.options.has(o)) {
        this.options.add(o);
        newOptions++;
      }
    }
    let newBranches = 0;
    for (const b of r.branches ?? []) {
      if (!this.branches.has(b)) {
        this.branches.add(b);
        newBranches++;
      }
    }
    // a corpus entry needs a new rule, a new permitted option of a rule, a new branch or a few new
    // pairs: a single new pair is too common to matter
    if ((newRules > 0 || newOptions > 0 || newBranches > 0 || newPairs >= 3) && r.status !== 'unsupported') {
      const entry = { id: r.id, index: r.index, j: this.scheduler.shardIndexOf(r.index), newRules, newPairs, newBranches, newOptions };
      this.folder.writeCorpusEntry(entry);
      this.corpus.add(entry);
    }
    if (!r.signature) return;
    const fresh = this.findings.hit(r.signature, r.finding, r.classification, r.id);
    if (fresh && !this.stopReason && this.o.minimizeFindings !== false && !r.lost) {
      this.findings.enqueue(r.signature, fresh);
      this.scheduleMinimizations();
    }
  }

  /**
   * Minimizations block the worker that runs them, so at most half the workers (at least one)
   * minimize at a time; the others keep fuzzing.
   */
  private scheduleMinimizations(): void {
    if (this.stopReason) return;
    const live = this.pool.live;
    const cap = Math.max(1, Math.floor(live.length / 2));
    let active = live.filter((x) => x.minimizing > 0).length;
    while (this.findings.queue.length && active < cap) {
      const free = live.filter((x) => x.ready && x.minimizing === 0).sort((a, b) => a.inFlight.length - b.inFlight.length)[0];
      if (!free) return;
      const next = this.findings.dequeue();
      if (!next) continue;
      free.minimizing++;
      active++;
      const budget = next.finding.classification === 'inconclusive' ? this.inconclusiveBudget() : undefined;
      // a new finding stays new while minimized (a smaller scenario the quirks explain is another problem)
      this.pool.post(free, { type: 'minimize', signature: next.signature, scenario: next.finding.scenario, keepNew: next.finding.classification === 'new', ...(budget ? { budget } : {}) });
    }
  }

  /** The smaller of the campaign's minimization budget and the inconclusive one, field by field. */
  private inconclusiveBudget(): MinimizeOptions {
    const all = this.o.minimize ?? DEFAULT_CAMPAIGN_MINIMIZE;
    const inc = this.o.minimizeInconclusive ?? DEFAULT_INCONCLUSIVE_MINIMIZE;
    const min = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
    const out: MinimizeOptions = {};
    const runs = min(all.maxRuns, inc.maxRuns);
    const ms = min(all.timeMs, inc.timeMs);
    if (runs !== undefined) out.maxRuns = runs;
    if (ms !== undefined) out.timeMs = ms;
    return out;
  }

  private onMinimized(signature: string, scenario: Scenario | null, classification?: Finding['classification'], quirks?: string[], cut?: boolean): void {
    this.findings.minimized(signature, scenario, classification, quirks, cut);
    this.scheduleMinimizations();
    if (scenario) this.kick();
  }

  // ---- reporting -------------------------------------------------------------------------------

  /** The figures now; rates are over the time since the last stats.jsonl line (`advance` starts a new interval). */
  private statsLine(advance = true): StatsLine {
    const now = Date.now();
    const dt = Math.max(1, now - this.lastStats.t) / 1000;
    const counts = this.findings.counts();
    const line: StatsLine = {
      t: new Date(now).toISOString(),
      elapsedMs: this.elapsed(),
      scenarios: this.scenarios,
      ops: this.ops,
      scenariosPerSec: round((this.scenarios - this.lastStats.scenarios) / dt),
      opsPerSec: round((this.ops - this.lastStats.ops) / dt),
      rules: this.ruleHits.size,
      rulePairs: this.pairs.size,
      optionPairs: this.options.size,
      ...(this.o.branchCoverage ? { branches: this.branches.size } : {}),
      findingsNew: counts.new,
      findingsKnown: counts.known,
      findingsInconclusive: counts.inconclusive,
      hits: this.findings.hits,
      targetErrors: this.statuses['target-error'] ?? 0,
      stepBudget: this.statuses['step-budget'] ?? 0,
      unsupported: this.statuses.unsupported ?? 0,
      corpus: this.corpus.size,
      workers: this.pool?.slots.length ?? 0,
      // the worker threads' heaps live in this process: one figure covers the campaign
      rssMb: Math.round(process.memoryUsage.rss() / 1048576),
    };
    if (advance) this.lastStats = { t: now, scenarios: this.scenarios, ops: this.ops };
    return line;
  }

  private statusText(s: StatsLine): string {
    const left = this.o.timeMs !== undefined ? ` left ${fmtDuration(Math.max(0, this.o.timeMs - s.elapsedMs))}` : this.o.iterations !== undefined ? ` left ${Math.max(0, this.o.iterations - s.scenarios)} scenarios` : '';
    return `[${fmtDuration(s.elapsedMs)}${left}] ${s.scenarios} scenarios (${s.scenariosPerSec}/s) ${s.ops} ops (${s.opsPerSec}/s) rules ${s.rules} options ${s.optionPairs ?? 0} pairs ${s.rulePairs}${s.branches !== undefined ? ` branches ${s.branches}` : ''} findings new ${s.findingsNew} known ${s.findingsKnown} inconclusive ${s.findingsInconclusive} (hits ${s.hits})${this.statuses.unconfirmed ? ` unconfirmed-reading ${this.statuses.unconfirmed}` : ''} corpus ${s.corpus}`;
  }

  private tick(final = false): void {
    const s = this.statsLine();
    // the state first: it is the record (summary.json and stats.jsonl are views of it)
    this.folder.writeState(this.checkpointState());
    this.folder.writeSummary(this.summary(final));
    this.folder.appendStats(s);
    const text = this.statusText(s);
    if (this.statusOut.isTTY) this.statusOut.write(`\r\x1b[K${text}${final ? '\n' : ''}`);
    else this.statusOut.write(text + '\n');
  }

  summary(final: boolean): CampaignSummaryDoc {
    const elapsedMs = this.elapsed();
    const secs = Math.max(0.001, elapsedMs / 1000);
    const rules = [...this.ruleHits.keys()].sort();
    const ruleHits: Record<string, number> = {};
    for (const r of rules) ruleHits[r] = this.ruleHits.get(r)!;
    const doc: CampaignSummaryDoc = {
      format: 'gicdiff/campaign-summary@1',
      final,
      stopReason: final ? this.stopReason : null,
      target: this.params.target,
      seed: this.params.seed,
      profile: this.params.profile,
      shard: this.params.shard,
      shards: [this.params.shard],
      workers: this.pool?.slots.length ?? 0,
      generatorVersion: GENERATOR_VERSION,
      gicdiffVersion: gicdiffVersion(),
      startedAt: this.params.startedAt,
      endedAt: final ? new Date().toISOString() : null,
      elapsedMs,
      scenarios: this.scenarios,
      ops: this.ops,
      scenariosPerSec: round(this.scenarios / secs),
      opsPerSec: round(this.ops / secs),
      statuses: { ...this.statuses },
      coverage: { rules, ruleCount: rules.length, rulePairs: this.pairs.size, optionPairs: this.options.size, ruleHits, ...(this.o.branchCoverage ? { branchCount: this.branches.size } : {}) },
      findings: this.findings.sorted(),
      counts: this.findings.counts(),
      corpus: this.corpus.size,
    };
    if (this.fatal) doc.error = this.fatal;
    return doc;
  }

  // ---- workers -----------------------------------------------------------------------------------

  private async buildWorkerCode(): Promise<{ workerBundle: string; pluginBundle: string; plugin: string }> {
    const plugin = path.resolve(this.o.plugin ?? DEFAULT_PLUGIN);
    try {
      const workerBundle = await bundleForWorker(fileURLToPath(new URL('./worker.ts', import.meta.url)));
      const pluginBundle = await bundleForWorker(plugin);
      return { workerBundle, pluginBundle, plugin };
    } catch (e) {
      throw new CampaignError(`cannot build the worker code: ${(e as Error).message.split('\n').slice(0, 6).join('\n')}`);
    }
  }

  private workerInit(code: { pluginBundle: string; plugin: string }): WorkerInit {
    return {
      pluginBundle: code.pluginBundle, pluginFile: code.plugin, target: this.o.target, profile: this.o.profile, weights: this.o.weights,
      run: this.o.run ?? { stepBudget: 100_000, timeoutMs: 10_000 }, expectations: this.o.expectations,
      minimize: this.o.minimize ?? DEFAULT_CAMPAIGN_MINIMIZE, campaignSeed: this.o.seed,
      shard: `${this.o.shard.index}/${this.o.shard.count}`,
      ...(this.o.branchCoverage ? { branchCoverage: true } : {}),
    };
  }

  private startWorkers(code: { workerBundle: string; pluginBundle: string; plugin: string }): void {
    this.pool = new WorkerPool(code.workerBundle, this.workerInit(code), {
      ready: () => {
        this.feedAll();
        this.scheduleMinimizations();
      },
      results: (slot, results) => this.onResults(slot, results),
      minimized: (_slot, signature, scenario, classification, quirks, cut) => this.onMinimized(signature, scenario, classification, quirks, cut),
      fatal: (message) => {
        this.fatal = message;
        this.stop('error');
      },
      lost: (lost) => this.onLost(lost),
      event: () => this.kick(),
    });
    this.pool.start(this.o.workers);
  }

  /**
   * A worker hung (one scenario ran past the hang limit) or died. The scenario it was running is
   * a finding (step-budget / target-error; the op is unknown, so it is not minimized), the items
   * it had not run are dispatched again, and a new worker takes its place.
   */
  private onLost(lost: LostWork): boolean {
    // the items it never ran go to other workers, which must send their findings in full
    for (const item of lost.unrun) this.scheduler.retry.push({ ...item, full: true });
    if (lost.running) {
      const { item, scenario } = lost.running;
      this.arrive({ index: item.index, id: item.id, ops: 0, status: lost.status, rules: [], pairs: [], lost: true, ...this.lostFinding(item, scenario, lost.status, lost.message) });
    }
    if (lost.minimizing) this.findings.drop(lost.minimizing);
    // a target that hangs or crashes on nearly everything makes no progress: give up then
    if (++this.restarts > 20 && this.restarts > this.scenarios / 2) {
      this.fatal = `too many workers lost (last: ${lost.message})`;
      this.stop('error');
      return false;
    }
    const respawn = !this.stopReason;
    queueMicrotask(() => this.scheduleMinimizations());
    return respawn;
  }

  private lostFinding(item: WorkItem, ran: Scenario | undefined, status: 'step-budget' | 'target-error', message: string): Pick<ItemResult, 'signature' | 'classification' | 'finding'> {
    // the scenario the worker was running (it generated it for its target); regenerated without the target's filter otherwise
    const scenario = ran ?? generateScenario(item.id, { profile: this.o.profile, weights: this.o.weights });
    const expanded = expandScenario(scenario);
    const problem: Problem = {
      parts: { target: this.o.target, op: 'scenario', detail: '', mismatch: status, rule: status === 'step-budget' ? 'worker-hung' : normalizeErrorMessage(message), rules: [] },
      signature: '',
      opIndex: 0,
      message: `${message} (scenario ${item.id}; the op is unknown: replay it with gicdiff repro)`,
      context: { scenario: expanded.name },
    };
    problem.signature = signatureString(problem.parts);
    const outcome: RunOutcome = {
      trace: { format: 'gicdiff/trace@1', scenario: expanded.name, target: this.o.target, results: [], status, error: { opIndex: 0, message } },
      verdict: null, expectationFailures: [], coverage: [],
    };
    // a hang is the wall clock's verdict (inconclusive, like every budget: triage/classify.ts); a worker that died is new
    const classification = status === 'step-budget' ? 'inconclusive' : 'new';
    const finding = buildFinding(scenario, expanded, outcome, { classification, problem, quirks: [] }, {
      target: this.o.target, seed: item.id, profile: this.o.profile, weightsHash: hashWeights(this.o.weights),
      campaign: { seed: this.o.seed, shard: `${this.o.shard.index}/${this.o.shard.count}`, index: item.index },
    });
    return { signature: problem.signature, classification: finding.classification, finding };
  }

  // ---- main loop ---------------------------------------------------------------------------------

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private stop(reason: NonNullable<CampaignSummaryDoc['stopReason']>): void {
    if (!this.stopReason) this.stopReason = reason;
    this.kick();
  }

  private waitForEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async run(): Promise<CampaignSummaryDoc> {
    const code = await this.buildWorkerCode();
    this.setup();
    this.startTime = Date.now();
    const onSignal = (): void => this.stop('signal');
    if (this.o.handleSignals !== false) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    const hangMs = this.o.hangMs ?? 60_000;
    try {
      this.startWorkers(code);
      let nextTick = Date.now() + Math.min(this.interval, 500);
      let nextLive = Date.now() + 500;
      this.tick();
      while (!this.stopReason) {
        await this.waitForEvent(100);
        const now = Date.now();
        if (this.o.timeMs !== undefined && this.elapsed() >= this.o.timeMs) this.stop('time');
        if (this.scheduler.finished()) this.stop('iterations');
        this.pool.watchdog(hangMs);
        if (now >= nextTick) {
          this.tick();
          nextTick = now + this.interval;
        } else if (this.statusOut.isTTY && now >= nextLive) {
          this.statusOut.write(`\r\x1b[K${this.statusText(this.statsLine(false))}`);
          nextLive = now + 500;
        }
      }
      // Give batches in flight a moment (what does not come back is not done: --resume reruns it)
      // and, unless interrupted, minimizations their budget.
      const stoppedAt = Date.now();
      const interrupted = this.stopReason === 'signal' || this.stopReason === 'error';
      const minimizeMs = (this.o.minimize ?? DEFAULT_CAMPAIGN_MINIMIZE).timeMs ?? 8000;
      const until = (): number => stoppedAt + (interrupted ? 1000 : this.pool.minimizing() ? minimizeMs + 2000 : 2000);
      while (this.pool.busy() && Date.now() < until()) {
        await this.waitForEvent(Math.max(1, Math.min(200, until() - Date.now())));
        this.pool.watchdog(hangMs);
      }
    } finally {
      if (this.o.handleSignals !== false) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      await this.pool?.terminate();
      // results held back behind one that never came are not counted: --resume runs them again
      this.stopReason ??= 'error';
      this.tick(true);
    }
    return this.summary(true);
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

