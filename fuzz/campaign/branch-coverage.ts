// Branch coverage of the target's code, as campaign feedback (what KCOV is to syzkaller): V8's
// precise block coverage of this worker thread, taken after each scenario (taking it resets the
// counters, so each take is that scenario's alone). The plugin bundle holds the target with the
// model and the runner; esbuild marks where each source file starts ("// impl/vgic/vgic.ts"), so a
// covered block is named by its file and its offset in that file, and only the target's files
// count (not model/, spec/ or fuzz/). V8 reports a block as its own range only where its count
// differs from the enclosing one, so a "branch" here is a covered range as V8 reports it.
// Measured on the kvm target (README "Determinism, resume and coverage feedback"): 1.5 to 2.5
// times the time per scenario (45 ms of it each take), so it is opt-in (--coverage-feedback).
import { Session } from 'node:inspector';
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Source folders that are not the target: the model, the shared spec code, the fuzzer. */
const NOT_TARGET = /^(model|spec|fuzz|cli|reports)\/|node_modules/;

interface CoverageRange { startOffset: number; endOffset: number; count: number }
interface ScriptCoverage { url: string; functions: { ranges: CoverageRange[] }[] }

export class BranchCoverage {
  private readonly session = new Session();
  private readonly url: string;
  /** [offset where a source file starts in the bundle, its path], in offset order */
  private readonly files: [number, string][] = [];

  constructor(bundle: string) {
    // V8 names the script by its real path (a node_modules reached through a symbolic link, as in
    // gicdiff selftest's copies, would otherwise match no script and report no branch)
    this.url = pathToFileURL(realpathSync(bundle)).href;
    const text = readFileSync(bundle, 'utf8');
    const marker = /^\/\/ ([^\n]+\.(?:ts|js|json))$/gm;
    for (let m = marker.exec(text); m; m = marker.exec(text)) this.files.push([m.index, m[1]!]);
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  private post(method: string, params: object = {}): unknown {
    // an in-thread session answers synchronously
    let result: unknown;
    let error: Error | null = null;
    this.session.post(method, params, (e, r) => {
      error = e;
      result = r;
    });
    if (error) throw error;
    return result;
  }

  /** The file a bundle offset belongs to, with the offset in it. */
  private locate(offset: number): [string, number] | null {
    let lo = 0;
    let hi = this.files.length - 1;
    if (hi < 0 || offset < this.files[0]![0]) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.files[mid]![0] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const [start, file] = this.files[lo]!;
    return [file, offset - start];
  }

  /** The target's branches covered since the last take, as sorted "file:offset" ids; resets the counters. */
  take(): string[] {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const out = new Set<string>();
    for (const script of result) {
      if (script.url !== this.url) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count === 0) continue;
          const at = this.locate(r.startOffset);
          if (at && !NOT_TARGET.test(at[0])) out.add(`${at[0]}:${at[1]}`);
        }
      }
    }
    return [...out].sort();
  }
}
