// A fuzz campaign (README.md; docs/oracle.md; docs/scenario-format.md): worker threads run generated scenarios in lockstep, the
// coordinator deduplicates findings by signature and writes them the moment they are found, steers
// generation toward a corpus of scenarios that reached new rules or rule pairs, reports status,
// and stops cleanly on the time/iteration limit or SIGINT/SIGTERM with its summary written.
// Folder format: fuzz/CAMPAIGN-FORMAT.md.
import { Worker } from 'node:worker_threads';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchExpectation, signatureString, type Expectations, type SignatureParts } from '../../spec/expectations.js';
import type { Finding } from '../../spec/gen/finding.js';
import type { Scenario } from '../../spec/scenario.js';
import { appendLine, writeJsonAtomic } from '../atomic.js';
import { buildFinding, signatureSlug, writeFinding, writeMinimized } from '../finding.js';
import { GENERATOR_VERSION, generateScenario, type Profile } from '../generate.js';
import type { MinimizeOptions } from '../minimize.js';
import { Rng } from '../rng.js';
import { expandScenario } from '../../spec/expand.js';
import { readJsonFile, ValidationError } from '../../spec/validate.js';
import { loadFindingOrScenario } from '../finding.js';
import { normalizeErrorMessage, scenarioHistory, type Problem } from '../signature.js';
import type { RunOptions, RunOutcome } from '../lockstep.js';
import { gicdiffVersion } from '../version.js';
import { weightsHash as hashWeights, type Weights } from '../weights.js';
import { bundleForWorker } from './bundle.js';
import type { FromWorker, ItemResult, ToWorker, WorkerInit, WorkItem } from './protocol.js';
import { compareFindingRecords, countFindings, upgradeRecord, type CampaignParams, type CampaignState, type CampaignSummaryDoc, type FindingCounts, type FindingRecord, type Shard, type StatsLine } from './summary.js';

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

export class CampaignError extends Error {}

/**
 * Minimization inside a campaign blocks its worker, so it gets a smaller budget than
 * `gicdiff minimize` (which can be run on any finding afterwards for a deeper pass).
 */
const DEFAULT_CAMPAIGN_MINIMIZE: MinimizeOptions = { maxRuns: 400, timeMs: 8000 };

/**
 * An inconclusive (oracle-bound) finding is slow to minimize: every run drives the model's
 * candidate set up to its bound (about 1 s a run for a 133-op kvm scenario: `gicdiff minimize` of
 * one took 129 runs and its whole 2-minute budget to get from 133 to 68 ops). It says nothing about
 * the target, so the campaign gives it less of a worker's time; `gicdiff minimize --time` goes
 * deeper afterwards.
 */
const DEFAULT_INCONCLUSIVE_MINIMIZE: MinimizeOptions = { maxRuns: 100, timeMs: 4000 };

/**
 * Each worker's heap cap (README "Bounds on one scenario"): a worker past it dies, and its scenario
 * becomes a target-error finding like any crash, instead of the machine swapping.
 */
export const WORKER_HEAP_MB = 2048;

const DEFAULT_PLUGIN = fileURLToPath(new URL('./default-plugin.ts', import.meta.url));

interface WorkerSlot {
  worker: Worker;
  /** batches sent and not finished: the items not yet reported */
  inFlight: WorkItem[][];
  minimizing: number;
  ready: boolean;
  /** what the worker is doing now (watchdog): a scenario, or a minimization */
  current: { item?: WorkItem; scenario?: Scenario; signature?: string; since: number } | null;
  /** the worker is gone (crashed, hung and terminated, or replaced) */
  dead: boolean;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummaryDoc & { archived?: string }> {
  const c = new Campaign(o);
  const s = await c.run();
  return c.archived ? { ...s, archived: c.archived } : s;
}

class Campaign {
  private readonly out: string;
  private readonly statusOut: { write(s: string): void; isTTY?: boolean };
  private readonly interval: number;
  private readonly batch: number;
  private readonly mutationRate: number;
  private params!: CampaignParams;
  // progress
  private next: number; // smallest index of this shard not known done
  private readonly done = new Set<number>();
  private cursor = 0; // next index to dispatch, counted in this shard (index = shard.index + cursor * shard.count)
  private readonly dispatched = new Set<number>();
  private priorElapsed = 0;
  private startTime = Date.now();
  // totals
  private scenarios = 0;
  private ops = 0;
  private readonly statuses: Record<string, number> = { ok: 0, divergent: 0, 'target-error': 0, 'step-budget': 0, unsupported: 0, 'oracle-error': 0 };
  private hits = 0;
  private readonly ruleHits = new Map<string, number>();
  private readonly pairs = new Set<string>();
  /** scenarios that reached new coverage, with how much (the mutation parent is drawn by score) */
  private readonly corpus: { id: string; score: number }[] = [];
  private corpusScore = 0;
  private readonly findings = new Map<string, FindingRecord>();
  private readonly pendingFindings = new Map<string, Finding>();
  /** signatures waiting for a worker to minimize them */
  private readonly minimizeQueue: string[] = [];
  // running
  private slots: WorkerSlot[] = [];
  /** items of a lost worker that were never run: dispatched again first */
  private readonly retry: WorkItem[] = [];
  private restarts = 0;
  private code!: { workerBundle: string; pluginBundle: string; plugin: string };
  private stopReason: CampaignSummaryDoc['stopReason'] = null;
  private fatal: string | undefined;
  private wake: (() => void) | null = null;
  private lastStats = { t: Date.now(), scenarios: 0, ops: 0 };
  /** where a previous campaign in the folder was moved (archivePrevious) */
  archived: string | null = null;

  constructor(private readonly o: CampaignOptions) {
    this.out = path.resolve(o.out);
    this.statusOut = o.status ?? process.stderr;
    this.interval = o.intervalMs ?? 2000;
    this.batch = o.batch ?? 4;
    this.mutationRate = o.mutationRate ?? 0.3;
    this.next = o.shard.index;
  }

  private shardIndex(j: number): number {
    return this.o.shard.index + j * this.o.shard.count;
  }

  // ---- setup and resume ------------------------------------------------------------------------

  private setup(): void {
    const o = this.o;
    const paramsFile = path.join(this.out, 'campaign.json');
    const weightsHash = hashWeights(o.weights);
    const limit: CampaignParams['limit'] = {};
    if (o.timeMs !== undefined) limit.timeMs = o.timeMs;
    if (o.iterations !== undefined) limit.iterations = o.iterations;
    const fresh: CampaignParams = {
      format: 'gicdiff/campaign@1', target: o.target, seed: o.seed, profile: o.profile, shard: o.shard, workers: o.workers, limit,
      generator: { version: GENERATOR_VERSION, malformedRate: o.weights.malformedRate, weightsHash },
      gicdiffVersion: gicdiffVersion(), node: process.version, startedAt: new Date().toISOString(),
    };
    if (o.resume && existsSync(paramsFile)) {
      const old = readCampaignFile<CampaignParams>(paramsFile, 'gicdiff/campaign@1');
      for (const k of ['target', 'seed', 'profile'] as const) {
        if (old[k] !== fresh[k]) throw new CampaignError(`--resume: ${paramsFile} has ${k} ${JSON.stringify(old[k])}, not ${JSON.stringify(fresh[k])}`);
      }
      if (old.shard.index !== o.shard.index || old.shard.count !== o.shard.count) {
        throw new CampaignError(`--resume: ${paramsFile} is shard ${old.shard.index}/${old.shard.count}, not ${o.shard.index}/${o.shard.count}`);
      }
      if (old.generator.weightsHash !== weightsHash) {
        throw new CampaignError(`--resume: the campaign was made with other generator weights (hash ${old.generator.weightsHash}, now ${weightsHash}); the same seeds would give other scenarios`);
      }
      if (old.generator.version !== GENERATOR_VERSION) {
        throw new CampaignError(`--resume: the campaign was made by generator ${old.generator.version}; this is ${GENERATOR_VERSION} (the same seeds would give other scenarios)`);
      }
      this.params = { ...old, workers: o.workers, limit };
      this.restore();
    } else {
      if (!o.resume && existsSync(path.join(this.out, 'summary.json'))) {
        let final = false;
        try {
          final = readCampaignFile<CampaignSummaryDoc>(path.join(this.out, 'summary.json'), 'gicdiff/campaign-summary@1').final === true;
        } catch {
          // unreadable: treat as unfinished
        }
        if (!final && !o.archivePrevious) {
          throw new CampaignError(`${this.out} holds a campaign that did not finish: --resume continues it, --replace moves it to ${path.join(this.out, 'history')}/ and starts afresh`);
        }
        this.archived = archiveCampaign(this.out);
      }
      this.params = fresh;
    }
    mkdirSync(path.join(this.out, 'findings'), { recursive: true });
    mkdirSync(path.join(this.out, 'corpus'), { recursive: true });
    writeJsonAtomic(paramsFile, this.params);
  }

  private restore(): void {
    const stateFile = path.join(this.out, 'state.json');
    if (existsSync(stateFile)) {
      const s = readCampaignFile<CampaignState>(stateFile, 'gicdiff/campaign-state@1');
      if (!Number.isInteger(s.next) || !Array.isArray(s.done) || typeof s.elapsedMs !== 'number') throw new ValidationError(stateFile, '', 'not a campaign state (next, done, elapsedMs)');
      this.next = s.next;
      for (const d of s.done) this.done.add(d);
      this.priorElapsed = s.elapsedMs;
    }
    this.cursor = (this.next - this.o.shard.index) / this.o.shard.count;
    const summaryFile = path.join(this.out, 'summary.json');
    if (existsSync(summaryFile)) {
      const s = readCampaignFile<CampaignSummaryDoc>(summaryFile, 'gicdiff/campaign-summary@1');
      if (typeof s.scenarios !== 'number' || typeof s.ops !== 'number' || typeof s.coverage?.ruleHits !== 'object' || !Array.isArray(s.findings)) {
        throw new ValidationError(summaryFile, '', 'not a campaign summary (scenarios, ops, coverage.ruleHits, findings)');
      }
      this.scenarios = s.scenarios;
      this.ops = s.ops;
      Object.assign(this.statuses, s.statuses);
      for (const [r, n] of Object.entries(s.coverage.ruleHits)) this.ruleHits.set(r, n);
      for (const f of s.findings) this.findings.set(f.signature, upgradeRecord(f));
      this.hits = s.findings.reduce((a, f) => a + f.count, 0);
    }
    // findings written after the last summary (a kill -9): count them from their folders
    const fdir = path.join(this.out, 'findings');
    if (existsSync(fdir)) {
      for (const d of readdirSync(fdir)) {
        const file = path.join(fdir, d, 'finding.json');
        if (!existsSync(file)) continue;
        const f = loadFindingOrScenario(file).finding;
        if (!f) throw new ValidationError(file, '/format', 'must be "gicdiff/finding@1"');
        if (this.findings.has(f.signature)) continue;
        this.findings.set(f.signature, this.recordOf(f, path.join('findings', d)));
      }
    }
    const cdir = path.join(this.out, 'corpus');
    if (existsSync(cdir)) {
      const files = readdirSync(cdir).filter((f) => f.endsWith('.json')).sort((a, b) => parseInt(a) - parseInt(b));
      for (const f of files) {
        const file = path.join(cdir, f);
        const e = readJsonFile(file) as { id: string; newRules: number; newPairs: number };
        if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.newRules !== 'number' || typeof e.newPairs !== 'number') {
          throw new ValidationError(file, '', 'not a corpus entry (id, newRules, newPairs)');
        }
        this.addToCorpus(e.id, e.newRules, e.newPairs);
      }
    }
  }

  private recordOf(f: Finding, dir: string): FindingRecord {
    const { rules: _rules, ...parts } = f.parts;
    void _rules;
    return upgradeRecord({
      signature: f.signature, parts, classification: f.classification, knownId: f.knownId ?? null, count: 1,
      firstSeed: f.seed ?? '', firstFoundAt: f.foundAt, dir, message: f.message, minimizedOps: null,
    });
  }

  // ---- scheduling ------------------------------------------------------------------------------

  private elapsed(): number {
    return this.priorElapsed + (Date.now() - this.startTime);
  }

  private iterationsLeft(): number {
    if (this.o.iterations === undefined) return Infinity;
    return this.o.iterations - this.scenarios - this.dispatched.size;
  }

  /** Novelty: a new rule is worth ten new rule pairs. */
  private addToCorpus(id: string, newRules: number, newPairs: number): void {
    const score = 1 + 10 * newRules + newPairs;
    this.corpus.push({ id, score });
    this.corpusScore += score;
  }

  /**
   * The id of index k: fresh, or a mutation of a corpus entry drawn with probability proportional
   * to its novelty score (fuzz/CAMPAIGN-FORMAT.md).
   */
  private idFor(k: number): string {
    const fresh = `${this.o.seed}:${k}`;
    if (!this.corpus.length) return fresh;
    const r = new Rng(`${fresh}#sched`);
    if (!r.chance(this.mutationRate)) return fresh;
    let x = r.float() * this.corpusScore;
    let parent = this.corpus[this.corpus.length - 1]!.id;
    for (const e of this.corpus) {
      x -= e.score;
      if (x < 0) {
        parent = e.id;
        break;
      }
    }
    if (parent.split('<').length > 3) return fresh; // keep ids (and their regeneration) short
    return `${fresh}<${parent}`;
  }

  private takeBatch(): WorkItem[] {
    const items: WorkItem[] = [];
    while (items.length < this.batch && this.retry.length) items.push(this.retry.shift()!);
    while (items.length < this.batch && this.iterationsLeft() > 0) {
      const k = this.shardIndex(this.cursor);
      this.cursor++;
      if (this.done.has(k)) continue;
      this.dispatched.add(k);
      items.push({ index: k, id: this.idFor(k) });
    }
    return items;
  }

  private feed(slot: WorkerSlot): void {
    while (slot.ready && !slot.dead && !this.stopReason && slot.inFlight.length < 2) {
      const items = this.takeBatch();
      if (!items.length) return;
      slot.inFlight.push(items.slice());
      this.post(slot, { type: 'batch', items });
    }
  }

  private post(slot: WorkerSlot, m: ToWorker): void {
    slot.worker.postMessage(m);
  }

  // ---- results ---------------------------------------------------------------------------------

  /** Results come one scenario at a time (a finding reaches the disk at once); a batch is done when all have come. */
  private onResults(slot: WorkerSlot, results: ItemResult[]): void {
    for (const r of results) {
      const batch = slot.inFlight.find((b) => b.some((x) => x.index === r.index));
      if (batch) batch.splice(batch.findIndex((x) => x.index === r.index), 1);
      while (slot.inFlight.length && slot.inFlight[0]!.length === 0) slot.inFlight.shift();
    }
    slot.current = null;
    for (const r of results) this.onResult(slot, r);
    this.feed(slot);
  }

  private markDone(k: number): void {
    this.dispatched.delete(k);
    this.done.add(k);
    const { index, count } = this.o.shard;
    // advance `next` over the contiguous done prefix (in shard-index space)
    let j = (this.next - index) / count;
    while (this.done.has(index + j * count)) {
      this.done.delete(index + j * count);
      j++;
    }
    this.next = index + j * count;
  }

  private onResult(slot: WorkerSlot, r: ItemResult): void {
    this.markDone(r.index);
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
    for (const p of r.newPairs) {
      if (!this.pairs.has(p)) {
        this.pairs.add(p);
        newPairs++;
      }
    }
    // a corpus entry needs a new rule or a few new pairs: a single new pair is too common to matter
    if ((newRules > 0 || newPairs >= 3) && r.status !== 'unsupported') {
      writeJsonAtomic(path.join(this.out, 'corpus', `${this.corpus.length}.json`), { id: r.id, index: r.index, newRules, newPairs });
      this.addToCorpus(r.id, newRules, newPairs);
    }
    if (!r.signature) return;
    this.hits++;
    const rec = this.findings.get(r.signature);
    if (rec) {
      rec.count++;
      return;
    }
    if (!r.finding) return; // cannot happen: a worker sends the finding the first time it meets a signature
    const dir = path.join('findings', signatureSlug(r.signature));
    writeFinding(path.join(this.out, dir), r.finding); // at once: a kill never loses it
    this.findings.set(r.signature, this.recordOf(r.finding, dir));
    if (!this.stopReason && this.o.minimizeFindings !== false && !slot.dead) {
      this.pendingFindings.set(r.signature, r.finding);
      this.minimizeQueue.push(r.signature);
      this.scheduleMinimizations();
    }
  }

  /**
   * Minimizations block the worker that runs them, so at most half the workers (at least one)
   * minimize at a time; the others keep fuzzing.
   */
  private scheduleMinimizations(): void {
    if (this.stopReason) return;
    const live = this.slots.filter((x) => !x.dead);
    const cap = Math.max(1, Math.floor(live.length / 2));
    let active = live.filter((x) => x.minimizing > 0).length;
    while (this.minimizeQueue.length && active < cap) {
      const free = live.filter((x) => x.ready && x.minimizing === 0).sort((a, b) => a.inFlight.length - b.inFlight.length)[0];
      if (!free) return;
      const signature = this.minimizeQueue.shift()!;
      const finding = this.pendingFindings.get(signature);
      if (!finding) continue;
      free.minimizing++;
      active++;
      const budget = finding.classification === 'inconclusive' ? this.inconclusiveBudget() : undefined;
      this.post(free, { type: 'minimize', signature, scenario: finding.scenario, ...(budget ? { budget } : {}) });
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

  private onMinimized(slot: WorkerSlot, signature: string, scenario: Scenario | null): void {
    slot.minimizing--;
    slot.current = null;
    const rec = this.findings.get(signature);
    const finding = this.pendingFindings.get(signature);
    this.pendingFindings.delete(signature);
    if (!rec || !scenario) {
      this.scheduleMinimizations();
      return;
    }
    const dir = path.join(this.out, rec.dir);
    writeMinimized(dir, scenario);
    rec.minimizedOps = scenario.ops.length;
    const classified = this.reclassify(rec, finding, scenario);
    if (classified) writeFinding(dir, { ...classified, minimizedOps: scenario.ops.length });
    this.scheduleMinimizations();
    this.kick();
  }

  /**
   * A new finding is classified again on its minimized scenario. Unminimized, the ops before the
   * divergence hold much that did not cause it, so entries that match on what preceded it
   * (`after`) are only trustworthy on the minimized form, where ddmin has left the diverging op
   * last and kept only the ops it depends on.
   */
  private reclassify(rec: FindingRecord, finding: Finding | undefined, scenario: Scenario): Finding | undefined {
    // known stays known; inconclusive is never matched against expectations (fuzz/finding.ts)
    if (!finding || rec.classification !== 'new' || !this.o.expectations) return finding;
    const expanded = expandScenario(scenario);
    const context = { scenario: expanded.name, history: scenarioHistory(expanded, expanded.ops.length - 1) };
    const entry = matchExpectation(this.o.expectations, finding.parts as SignatureParts, context);
    if (!entry) return finding;
    rec.classification = 'known';
    rec.knownId = entry.id;
    return { ...finding, classification: 'known', knownId: entry.id };
  }

  // ---- reporting -------------------------------------------------------------------------------

  private counts(): FindingCounts {
    return countFindings(this.findings.values());
  }

  /** The figures now; rates are over the time since the last stats.jsonl line (`advance` starts a new interval). */
  private statsLine(advance = true): StatsLine {
    const now = Date.now();
    const dt = Math.max(1, now - this.lastStats.t) / 1000;
    const counts = this.counts();
    const line: StatsLine = {
      t: new Date(now).toISOString(),
      elapsedMs: this.elapsed(),
      scenarios: this.scenarios,
      ops: this.ops,
      scenariosPerSec: round((this.scenarios - this.lastStats.scenarios) / dt),
      opsPerSec: round((this.ops - this.lastStats.ops) / dt),
      rules: this.ruleHits.size,
      rulePairs: this.pairs.size,
      findingsNew: counts.new,
      findingsKnown: counts.known,
      findingsInconclusive: counts.inconclusive,
      hits: this.hits,
      targetErrors: this.statuses['target-error'] ?? 0,
      stepBudget: this.statuses['step-budget'] ?? 0,
      unsupported: this.statuses.unsupported ?? 0,
      corpus: this.corpus.length,
      workers: this.slots.length,
    };
    if (advance) this.lastStats = { t: now, scenarios: this.scenarios, ops: this.ops };
    return line;
  }

  private statusText(s: StatsLine): string {
    const left = this.o.timeMs !== undefined ? ` left ${fmtDuration(Math.max(0, this.o.timeMs - s.elapsedMs))}` : this.o.iterations !== undefined ? ` left ${Math.max(0, this.o.iterations - s.scenarios)} scenarios` : '';
    return `[${fmtDuration(s.elapsedMs)}${left}] ${s.scenarios} scenarios (${s.scenariosPerSec}/s) ${s.ops} ops (${s.opsPerSec}/s) rules ${s.rules} pairs ${s.rulePairs} findings new ${s.findingsNew} known ${s.findingsKnown} inconclusive ${s.findingsInconclusive} (hits ${s.hits}) corpus ${s.corpus}`;
  }

  private tick(final = false): void {
    const s = this.statsLine();
    appendLine(path.join(this.out, 'stats.jsonl'), JSON.stringify(s));
    this.writeState();
    this.writeSummary(final);
    const text = this.statusText(s);
    if (this.statusOut.isTTY) this.statusOut.write(`\r\x1b[K${text}${final ? '\n' : ''}`);
    else this.statusOut.write(text + '\n');
  }

  private writeState(): void {
    const state: CampaignState = { format: 'gicdiff/campaign-state@1', next: this.next, done: [...this.done].sort((a, b) => a - b), elapsedMs: this.elapsed() };
    writeJsonAtomic(path.join(this.out, 'state.json'), state);
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
      workers: this.slots.length,
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
      coverage: { rules, ruleCount: rules.length, rulePairs: this.pairs.size, ruleHits },
      findings: [...this.findings.values()].sort(compareFindingRecords),
      counts: this.counts(),
      corpus: this.corpus.length,
    };
    if (this.fatal) doc.error = this.fatal;
    return doc;
  }

  private writeSummary(final: boolean): void {
    writeJsonAtomic(path.join(this.out, 'summary.json'), this.summary(final));
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

  private workerInit(): WorkerInit {
    const { pluginBundle, plugin } = this.code;
    return {
      pluginBundle, pluginFile: plugin, target: this.o.target, profile: this.o.profile, weights: this.o.weights,
      run: this.o.run ?? { stepBudget: 100_000, timeoutMs: 10_000 }, expectations: this.o.expectations,
      minimize: this.o.minimize ?? DEFAULT_CAMPAIGN_MINIMIZE, campaignSeed: this.o.seed,
      shard: `${this.o.shard.index}/${this.o.shard.count}`,
    };
  }

  private spawn(i: number): WorkerSlot {
    const worker = new Worker(this.code.workerBundle, { workerData: this.workerInit(), execArgv: [], resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const slot: WorkerSlot = { worker, inFlight: [], minimizing: 0, ready: false, current: null, dead: false };
    worker.on('message', (m: FromWorker) => {
      if (slot.dead) return;
      switch (m.type) {
        case 'ready': slot.ready = true; this.feed(slot); this.scheduleMinimizations(); break;
        case 'start':
          slot.current = m.index !== undefined
            ? { item: { index: m.index, id: m.id! }, ...(m.scenario ? { scenario: m.scenario } : {}), since: Date.now() }
            : { signature: m.signature!, since: Date.now() };
          break;
        case 'results': this.onResults(slot, m.results); break;
        case 'minimized': this.onMinimized(slot, m.signature, m.scenario); break;
        case 'minimize-failed': this.onMinimized(slot, m.signature, null); break;
        case 'fatal': this.fatal = m.message; this.stop('error'); break;
      }
      this.kick();
    });
    worker.on('error', (e) => {
      if (!slot.dead) this.lose(i, slot, 'target-error', `worker crashed: ${e.name}: ${e.message}`);
    });
    worker.on('exit', (code) => {
      if (!slot.dead && !this.stopping) this.lose(i, slot, 'target-error', `worker exited with code ${code}`);
    });
    return slot;
  }

  private stopping = false;

  private startWorkers(code: { workerBundle: string; pluginBundle: string; plugin: string }): void {
    this.code = code;
    for (let i = 0; i < this.o.workers; i++) this.slots.push(this.spawn(i));
  }

  /**
   * A worker hung (one scenario ran past the hang limit) or died. The scenario it was running is
   * a finding (step-budget / target-error; the op is unknown, so it is not minimized), the items
   * it had not run are dispatched again, and a new worker takes its place.
   */
  private lose(i: number, slot: WorkerSlot, status: 'step-budget' | 'target-error', message: string): void {
    slot.dead = true;
    void slot.worker.terminate();
    const cur = slot.current?.item;
    for (const batch of slot.inFlight) for (const item of batch) if (item.index !== cur?.index) this.retry.push(item);
    if (cur) {
      this.dispatched.delete(cur.index);
      this.onResult(slot, { index: cur.index, id: cur.id, ops: 0, status, rules: [], newPairs: [], ...this.lostFinding(cur, slot.current!.scenario, status, message) });
    }
    if (slot.current?.signature) this.pendingFindings.delete(slot.current.signature);
    // a target that hangs or crashes on nearly everything makes no progress: give up then
    if (++this.restarts > 20 && this.restarts > this.scenarios / 2) {
      this.fatal = `too many workers lost (last: ${message})`;
      this.stop('error');
      return;
    }
    if (!this.stopReason) this.slots[i] = this.spawn(i);
    this.scheduleMinimizations();
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
    const finding = buildFinding(scenario, expanded, outcome, problem, {
      target: this.o.target, seed: item.id, profile: this.o.profile, weightsHash: hashWeights(this.o.weights),
      campaign: { seed: this.o.seed, shard: `${this.o.shard.index}/${this.o.shard.count}`, index: item.index }, expectations: this.o.expectations,
    });
    return { signature: problem.signature, classification: finding.classification, finding };
  }

  /** Hung workers: the scenario (or minimization) they are on has run past the limit. */
  private watchdog(): void {
    const limit = this.o.hangMs ?? 60_000;
    const now = Date.now();
    this.slots.forEach((slot, i) => {
      if (slot.dead || !slot.current || now - slot.current.since < limit) return;
      const what = slot.current.item ? `scenario ${slot.current.item.id}` : `minimizing ${slot.current.signature}`;
      this.lose(i, slot, 'step-budget', `no result after ${Math.round(limit / 1000)} s on ${what}: the target or the oracle hung`);
    });
  }

  private busy(): boolean {
    return this.slots.some((s) => !s.dead && (s.inFlight.length > 0 || s.minimizing > 0));
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
    try {
      this.startWorkers(code);
      let nextTick = Date.now() + Math.min(this.interval, 500);
      let nextLive = Date.now() + 500;
      this.tick();
      while (!this.stopReason) {
        await this.waitForEvent(100);
        const now = Date.now();
        if (this.o.timeMs !== undefined && this.elapsed() >= this.o.timeMs) this.stop('time');
        if (this.o.iterations !== undefined && this.scenarios >= this.o.iterations) this.stop('iterations');
        this.watchdog();
        if (!this.stopReason && this.iterationsLeft() <= 0 && !this.retry.length && !this.busy() && this.slots.every((s) => s.ready)) this.stop('iterations');
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
      const until = (): number => stoppedAt + (interrupted ? 1000 : this.slots.some((s) => s.minimizing > 0) ? minimizeMs + 2000 : 2000);
      while (this.busy() && Date.now() < until()) {
        await this.waitForEvent(Math.max(1, Math.min(200, until() - Date.now())));
        this.watchdog();
      }
    } finally {
      if (this.o.handleSignals !== false) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      this.stopping = true;
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
      // work that was dispatched but never came back is not done: --resume runs it
      this.dispatched.clear();
      this.stopReason ??= 'error';
      this.tick(true);
    }
    return this.summary(true);
  }
}

/** A campaign file read back (resume): its format checked, errors naming the file (exit 2). */
function readCampaignFile<T>(file: string, format: string): T {
  const v = readJsonFile(file) as { format?: unknown } | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(file, '', 'must be a JSON object');
  if (v.format !== format) throw new ValidationError(file, '/format', `must be ${JSON.stringify(format)} (got ${JSON.stringify(v.format)})`);
  return v as T;
}

/** Move a finished campaign's files to DIR/history/<startedAt>/ so a fresh one can start in DIR. */
function archiveCampaign(dir: string): string {
  let stamp = 'unknown';
  try {
    stamp = (JSON.parse(readFileSync(path.join(dir, 'campaign.json'), 'utf8')) as CampaignParams).startedAt.replace(/[^0-9T]/g, '');
  } catch {
    stamp = String(Date.now());
  }
  const dest = path.join(dir, 'history', stamp);
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(dir)) {
    if (f === 'history') continue;
    renameSync(path.join(dir, f), path.join(dest, f));
  }
  return dest;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export function fmtDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** "10m", "60s", "1h30m", "500ms", "90" (seconds) -> milliseconds; null when malformed. */
export function parseDuration(s: string): number | null {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    matched += m[0].length;
  }
  return matched === s.length && matched > 0 ? Math.round(total) : null;
}
