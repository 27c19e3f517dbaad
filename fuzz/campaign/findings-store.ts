// A campaign's findings: one record per signature (counted, classified, where its folder is), the
// finding.json written the moment a signature is first met, and the queue of findings waiting for
// a worker to minimize them. A minimized finding is classified again on its minimized form.
import path from 'node:path';
import { matchExpectation, type Expectations, type SignatureParts } from '../../spec/expectations.js';
import type { Finding } from '../../spec/gen/finding.js';
import type { Scenario } from '../../spec/scenario.js';
import { expandScenario } from '../../spec/expand.js';
import { signatureSlug, writeFinding, writeMinimized } from '../finding.js';
import { scenarioHistory } from '../signature.js';
import { compareFindingRecords, countFindings, upgradeRecord, type FindingCounts, type FindingRecord } from './summary.js';

export class FindingsStore {
  readonly records = new Map<string, FindingRecord>();
  /** findings waiting for their minimization (or in it), by signature */
  private readonly pending = new Map<string, Finding>();
  /** signatures waiting for a worker to minimize them */
  readonly queue: string[] = [];
  /** scenarios that showed a problem (a signature seen again counts again) */
  hits = 0;

  constructor(private readonly out: string, private readonly expectations: Expectations | undefined) {}

  has(signature: string): boolean {
    return this.records.has(signature);
  }

  /** A record rebuilt from a finding.json (a kill after the finding and before the summary). */
  recordOf(f: Finding, dir: string): FindingRecord {
    const { rules: _rules, ...parts } = f.parts;
    void _rules;
    return upgradeRecord({
      signature: f.signature, parts, classification: f.classification, knownId: f.knownId ?? null, count: 1,
      firstSeed: f.seed ?? '', firstFoundAt: f.foundAt, dir, message: f.message, minimizedOps: null,
    });
  }

  restoreRecord(rec: FindingRecord): void {
    this.records.set(rec.signature, rec);
  }

  /**
   * One more scenario with `signature`; `finding` is the full document the first time a worker met
   * it. Returns the finding when the signature is new to the campaign (written at once: a kill
   * never loses it), else null.
   */
  hit(signature: string, finding: Finding | undefined): Finding | null {
    this.hits++;
    const rec = this.records.get(signature);
    if (rec) {
      rec.count++;
      return null;
    }
    if (!finding) return null; // cannot happen: a worker sends the finding the first time it meets a signature
    const dir = path.join('findings', signatureSlug(signature));
    writeFinding(path.join(this.out, dir), finding);
    this.records.set(signature, this.recordOf(finding, dir));
    return finding;
  }

  enqueue(signature: string, finding: Finding): void {
    this.pending.set(signature, finding);
    this.queue.push(signature);
  }

  /** The next finding to minimize (skipping any whose minimization was dropped). */
  dequeue(): { signature: string; finding: Finding } | null {
    while (this.queue.length) {
      const signature = this.queue.shift()!;
      const finding = this.pending.get(signature);
      if (finding) return { signature, finding };
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
  }

  /** The minimized scenario of `signature` (null: the minimization failed). */
  minimized(signature: string, scenario: Scenario | null): void {
    const rec = this.records.get(signature);
    const finding = this.pending.get(signature);
    this.pending.delete(signature);
    if (!rec || !scenario) return;
    const dir = path.join(this.out, rec.dir);
    writeMinimized(dir, scenario);
    rec.minimizedOps = scenario.ops.length;
    const classified = this.reclassify(rec, finding, scenario);
    if (classified) writeFinding(dir, { ...classified, minimizedOps: scenario.ops.length });
  }

  /**
   * A new finding is classified again on its minimized scenario. Unminimized, the ops before the
   * divergence hold much that did not cause it, so entries that match on what preceded it
   * (`after`) are only trustworthy on the minimized form, where ddmin has left the diverging op
   * last and kept only the ops it depends on.
   */
  private reclassify(rec: FindingRecord, finding: Finding | undefined, scenario: Scenario): Finding | undefined {
    // known stays known; inconclusive is never matched against expectations (fuzz/finding.ts)
    if (!finding || rec.classification !== 'new' || !this.expectations) return finding;
    const expanded = expandScenario(scenario);
    const context = { scenario: expanded.name, history: scenarioHistory(expanded, expanded.ops.length - 1) };
    const entry = matchExpectation(this.expectations, finding.parts as SignatureParts, context);
    if (!entry) return finding;
    rec.classification = 'known';
    rec.knownId = entry.id;
    return { ...finding, classification: 'known', knownId: entry.id };
  }

  counts(): FindingCounts {
    return countFindings(this.records.values());
  }

  sorted(): FindingRecord[] {
    return [...this.records.values()].sort(compareFindingRecords);
  }
}
