// A campaign's findings: one record per signature (counted, classified, where its folder is), the
// finding.json written the moment a signature is first met, and the queue of findings waiting for
// a worker to minimize them. Each scenario is classified on its own trace (triage/classify.ts):
// a signature holds known and new scenarios, and the first new one turns its record new. A
// minimized finding is classified again on its minimized form (known may become new).
import path from 'node:path';
import type { Finding } from '../../spec/gen/finding.js';
import type { Scenario } from '../../spec/scenario.js';
import { signatureSlug, writeFinding, writeMinimized } from '../finding.js';
import { compareFindingRecords, countFindings, NEW_HITS_KEPT, upgradeRecord, type FindingCounts, type FindingRecord } from './summary.js';

function noteNewHit(rec: FindingRecord, seed: string): void {
  rec.newHits ??= [];
  if (rec.newHits.length < NEW_HITS_KEPT) rec.newHits.push({ seed, at: new Date().toISOString() });
}

export class FindingsStore {
  readonly records = new Map<string, FindingRecord>();
  /** findings waiting for their minimization (or in it), by signature */
  private readonly pending = new Map<string, Finding>();
  /** the finding a worker is minimizing, by signature (a newer one may have replaced it in `pending`) */
  private readonly running = new Map<string, Finding>();
  /** signatures waiting for a worker to minimize them */
  readonly queue: string[] = [];
  /** scenarios that showed a problem (a signature seen again counts again) */
  hits = 0;

  constructor(private readonly out: string) {}

  has(signature: string): boolean {
    return this.records.has(signature);
  }

  /** A record rebuilt from a finding.json (a kill after the finding and before the summary). */
  recordOf(f: Finding, dir: string): FindingRecord {
    const { rules: _rules, ...parts } = f.parts;
    void _rules;
    return upgradeRecord({
      signature: f.signature, parts, classification: f.classification, quirks: f.quirks ?? [], count: 1,
      firstSeed: f.seed ?? '', firstFoundAt: f.foundAt, dir, message: f.message, minimizedOps: null,
    });
  }

  restoreRecord(rec: FindingRecord): void {
    this.records.set(rec.signature, rec);
  }

  /**
   * One more scenario with `signature`, classified `classification`; `finding` is the full
   * document the first time a worker met that signature with that classification. Returns the
   * finding when it is to be written and minimized: the signature is new to the campaign, or its
   * record was known and this scenario is new (never folded into the known record); else null.
   */
  hit(signature: string, finding: Finding | undefined, classification?: Finding['classification'], seed?: string): Finding | null {
    this.hits++;
    const rec = this.records.get(signature);
    if (rec) {
      rec.count++;
      if (classification === 'new' && seed !== undefined) noteNewHit(rec, seed);
      if (classification !== 'new' || rec.classification === 'new' || !finding || finding.classification !== 'new') return null;
      rec.classification = 'new';
      rec.quirks = [];
      rec.minimizedOps = null;
      delete rec.minimizeCut;
      writeFinding(path.join(this.out, rec.dir), finding);
      return finding;
    }
    if (!finding) return null; // cannot happen: a worker sends the finding the first time it meets a signature
    const dir = path.join('findings', signatureSlug(signature));
    writeFinding(path.join(this.out, dir), finding);
    const created = this.recordOf(finding, dir);
    if (classification === 'new' && seed !== undefined) noteNewHit(created, seed);
    this.records.set(signature, created);
    return finding;
  }

  enqueue(signature: string, finding: Finding): void {
    this.pending.set(signature, finding);
    if (!this.queue.includes(signature)) this.queue.push(signature);
  }

  /** The next finding to minimize (skipping any whose minimization was dropped). */
  dequeue(): { signature: string; finding: Finding } | null {
    while (this.queue.length) {
      const signature = this.queue.shift()!;
      const finding = this.pending.get(signature);
      if (finding) {
        this.running.set(signature, finding);
        return { signature, finding };
      }
    }
    return null;
  }

  /** Signatures whose minimization has not finished (queued or running): queued again on resume. */
  unfinished(): string[] {
    return [...this.pending.keys()];
  }

  /** A minimization that will not finish (its worker was lost). */
  drop(signature: string): void {
    this.pending.delete(signature);
    this.running.delete(signature);
  }

  /**
   * The minimized scenario of `signature` (null: the minimization failed), with the classification
   * the worker gave it on its own trace.
   */
  minimized(signature: string, scenario: Scenario | null, classification?: Finding['classification'], quirks?: string[], cut = false): void {
    const rec = this.records.get(signature);
    const finding = this.pending.get(signature);
    const ran = this.running.get(signature);
    this.running.delete(signature);
    if (rec && finding && ran !== undefined && ran !== finding) {
      // a new scenario of the signature replaced the (known) one being minimized: its minimized
      // form would be another scenario's, maybe another cause with the same signature; minimize the new one
      if (!this.queue.includes(signature)) this.queue.push(signature);
      return;
    }
    this.pending.delete(signature);
    if (!rec || !scenario) return;
    // cut by the wall clock: its classification must not change the finding's (another machine
    // stops elsewhere), and a form classified otherwise than the finding would contradict it
    if (cut && classification !== finding?.classification) return;
    const dir = path.join(this.out, rec.dir);
    writeMinimized(dir, scenario);
    rec.minimizedOps = scenario.ops.length;
    if (cut) rec.minimizeCut = true;
    else delete rec.minimizeCut;
    const classified = this.reclassify(rec, finding, classification, quirks, cut);
    if (classified) writeFinding(dir, { ...classified, minimizedOps: scenario.ops.length });
  }

  /**
   * A known finding whose minimized form the quirks no longer explain becomes new; the record
   * follows. Not after a cut minimization (its result depends on the machine).
   */
  private reclassify(rec: FindingRecord, finding: Finding | undefined, classification: Finding['classification'] | undefined, quirks: string[] | undefined, cut: boolean): Finding | undefined {
    if (!finding || classification === undefined || cut) return finding;
    if (classification === 'new' && finding.classification === 'known') {
      rec.classification = 'new';
      rec.quirks = [];
      const { quirks: _q, ...rest } = finding;
      void _q;
      return { ...rest, classification: 'new' };
    }
    if (classification === 'known' && finding.classification === 'known') return { ...finding, quirks: quirks ?? [] };
    return finding;
  }

  counts(): FindingCounts {
    return countFindings(this.records.values());
  }

  sorted(): FindingRecord[] {
    return [...this.records.values()].sort(compareFindingRecords);
  }
}
