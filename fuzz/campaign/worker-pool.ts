// A campaign's worker threads: spawning them (the bundled worker and plugin, a heap cap each),
// routing their messages, feeding them batches, and the watchdog that replaces a worker that hung
// (one scenario or minimization past the hang limit: synchronous code cannot be interrupted) or
// died. What a lost worker leaves behind goes back to the coordinator (onLost).
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../../spec/scenario.js';
import type { Finding } from '../../spec/gen/finding.js';
import type { FromWorker, ItemResult, ToWorker, WorkerInit, WorkItem } from './protocol.js';

/**
 * Each worker's heap cap (README "Bounds on one scenario"): a worker past it dies, and its scenario
 * becomes a target-error finding like any crash, instead of the machine swapping.
 */
export const WORKER_HEAP_MB = 2048;

/**
 * Each worker's young generation. With a target's quirks the oracle keeps thousands of candidate
 * states for a few ops, each cloned and soon dropped; V8's default (16 MiB semi-spaces) promoted
 * many of them to the old generation and collected them there, a fifth to a third of the CPU time
 * of a quirk re-check. 192 MiB (64 MiB semi-spaces) costs at most that much memory per worker.
 */
export const WORKER_YOUNG_MB = 192;

export interface WorkerSlot {
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

/** What a lost worker leaves: the item it was running (a finding), the items it never ran, its minimization. */
export interface LostWork {
  running?: { item: WorkItem; scenario?: Scenario };
  unrun: WorkItem[];
  minimizing?: string;
  status: 'step-budget' | 'target-error';
  message: string;
}

export interface PoolHandlers {
  /** a worker is ready: feed it, give it a minimization */
  ready(slot: WorkerSlot): void;
  results(slot: WorkerSlot, results: ItemResult[]): void;
  /** `classification`, `quirks`: the minimized scenario classified again; `cut`: the wall clock stopped the minimization */
  minimized(slot: WorkerSlot, signature: string, scenario: Scenario | null, classification?: Finding['classification'], quirks?: string[], cut?: boolean): void;
  fatal(message: string): void;
  /** a worker was lost; return whether to start a new one in its place */
  lost(lost: LostWork): boolean;
  /** any message (wakes the main loop) */
  event(): void;
}

export class WorkerPool {
  slots: WorkerSlot[] = [];
  private stopping = false;

  constructor(private readonly bundle: string, private readonly init: WorkerInit, private readonly handlers: PoolHandlers) {}

  start(count: number): void {
    for (let i = 0; i < count; i++) this.slots.push(this.spawn(i));
  }

  get live(): WorkerSlot[] {
    return this.slots.filter((x) => !x.dead);
  }

  post(slot: WorkerSlot, m: ToWorker): void {
    slot.worker.postMessage(m);
  }

  /** Send batches to `slot` (at most two out at a time) while `take` gives items. */
  feed(slot: WorkerSlot, take: () => WorkItem[]): void {
    while (slot.ready && !slot.dead && slot.inFlight.length < 2) {
      const items = take();
      if (!items.length) return;
      slot.inFlight.push(items.slice());
      this.post(slot, { type: 'batch', items });
    }
  }

  /** Results come one scenario at a time; a batch is done when all of its items have come. */
  settle(slot: WorkerSlot, results: ItemResult[]): void {
    for (const r of results) {
      const batch = slot.inFlight.find((b) => b.some((x) => x.index === r.index));
      if (batch) batch.splice(batch.findIndex((x) => x.index === r.index), 1);
      while (slot.inFlight.length && slot.inFlight[0]!.length === 0) slot.inFlight.shift();
    }
    slot.current = null;
  }

  private spawn(i: number): WorkerSlot {
    const worker = new Worker(this.bundle, { workerData: this.init, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    const slot: WorkerSlot = { worker, inFlight: [], minimizing: 0, ready: false, current: null, dead: false };
    const h = this.handlers;
    worker.on('message', (m: FromWorker) => {
      if (slot.dead) return;
      switch (m.type) {
        case 'ready': slot.ready = true; h.ready(slot); break;
        case 'start':
          slot.current = m.index !== undefined
            ? { item: { index: m.index, id: m.id! }, ...(m.scenario ? { scenario: m.scenario } : {}), since: Date.now() }
            : { signature: m.signature!, since: Date.now() };
          break;
        case 'results': h.results(slot, m.results); break;
        case 'minimized': slot.minimizing--; slot.current = null; h.minimized(slot, m.signature, m.scenario, m.classification, m.quirks, m.cut === true); break;
        case 'minimize-failed': slot.minimizing--; slot.current = null; h.minimized(slot, m.signature, null); break;
        case 'fatal': h.fatal(m.message); break;
      }
      h.event();
    });
    worker.on('error', (e) => {
      if (!slot.dead) this.lose(i, slot, 'target-error', `worker crashed: ${e.name}: ${e.message}`);
    });
    worker.on('exit', (code) => {
      if (!slot.dead && !this.stopping) this.lose(i, slot, 'target-error', `worker exited with code ${code}`);
    });
    return slot;
  }

  /**
   * A worker hung or died: the scenario it was running is a finding, the items it had not run are
   * dispatched again, and (if the coordinator wants) a new worker takes its place.
   */
  private lose(i: number, slot: WorkerSlot, status: 'step-budget' | 'target-error', message: string): void {
    slot.dead = true;
    void slot.worker.terminate();
    const cur = slot.current?.item;
    const unrun: WorkItem[] = [];
    for (const batch of slot.inFlight) for (const item of batch) if (item.index !== cur?.index) unrun.push(item);
    const lost: LostWork = { unrun, status, message };
    if (cur) lost.running = { item: cur, ...(slot.current!.scenario ? { scenario: slot.current!.scenario } : {}) };
    if (slot.current?.signature) lost.minimizing = slot.current.signature;
    if (this.handlers.lost(lost)) this.slots[i] = this.spawn(i);
  }

  /** Hung workers: the scenario (or minimization) they are on has run past `limitMs`. */
  watchdog(limitMs: number): void {
    const now = Date.now();
    this.slots.forEach((slot, i) => {
      if (slot.dead || !slot.current || now - slot.current.since < limitMs) return;
      const what = slot.current.item ? `scenario ${slot.current.item.id}` : `minimizing ${slot.current.signature}`;
      this.lose(i, slot, 'step-budget', `no result after ${Math.round(limitMs / 1000)} s on ${what}: the target or the oracle hung`);
    });
  }

  busy(): boolean {
    return this.slots.some((s) => !s.dead && (s.inFlight.length > 0 || s.minimizing > 0));
  }

  minimizing(): boolean {
    return this.slots.some((s) => s.minimizing > 0);
  }

  allReady(): boolean {
    return this.slots.every((s) => s.ready);
  }

  async terminate(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
