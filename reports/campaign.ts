// Reads fuzz campaign folders (fuzz/CAMPAIGN-FORMAT.md: summary.json, stats.jsonl, findings/)
// into the report's CampaignSummary. A merged folder (`gicdiff merge`) has the same format.
// Bad input is a ValidationError naming the file, the JSON path and the problem (exit 2).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ValidationError, readInputText } from '../spec/validate.js';
import type { CampaignFinding, CampaignSample, CampaignSummary } from '../spec/gen/report.js';
import { isInconclusive } from '../triage/classify.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readBounded(file: string): string {
  return readInputText(file);
}

function num(o: Json, key: string, file: string, at: string, required = true): number {
  const v = o[key];
  if (v === undefined && !required) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValidationError(file, `${at}/${key}`, v === undefined ? `missing required field "${key}"` : `must be a non-negative number (got ${JSON.stringify(v)})`);
  }
  return v;
}

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export function readCampaign(dir: string): CampaignSummary {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ValidationError(dir, '', 'not a folder (give a campaign folder written by `gicdiff fuzz --out` or `gicdiff merge`)');
  }
  const summaryFile = path.join(dir, 'summary.json');
  if (!existsSync(summaryFile)) throw new ValidationError(dir, '', 'no summary.json: not a campaign folder (fuzz/CAMPAIGN-FORMAT.md)');
  let summary: unknown;
  try {
    summary = JSON.parse(readBounded(summaryFile));
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(summaryFile, '', `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(summary)) throw new ValidationError(summaryFile, '', 'must be a JSON object');
  if (summary.format !== 'gicdiff/campaign-summary@1') {
    throw new ValidationError(summaryFile, '/format', `must be "gicdiff/campaign-summary@1" (got ${JSON.stringify(summary.format)})`);
  }
  const coverage = summary.coverage;
  if (!isObject(coverage)) throw new ValidationError(summaryFile, '/coverage', 'missing required object "coverage"');
  const rawFindings = summary.findings;
  if (!Array.isArray(rawFindings)) throw new ValidationError(summaryFile, '/findings', 'must be an array');

  const findings: CampaignFinding[] = rawFindings.map((f, i) => readFinding(f, i, dir, summaryFile));
  const target = str(summary, 'target');
  const shards = Array.isArray(summary.shards) ? summary.shards.length : 1;
  const stats = readStats(path.join(dir, 'stats.jsonl'));
  const out: CampaignSummary = {
    dir,
    // a campaign still running, or killed with -9, has final: false (fuzz/CAMPAIGN-FORMAT.md)
    label: path.basename(path.resolve(dir)) + (summary.final === false ? ' (unfinished)' : ''),
    scenarios: num(summary, 'scenarios', summaryFile, ''),
    durationS: num(summary, 'elapsedMs', summaryFile, '') / 1000,
    rate: num(summary, 'scenariosPerSec', summaryFile, ''),
    rulesCovered: num(coverage, 'ruleCount', summaryFile, '/coverage'),
    ...(coverage.branchCount !== undefined ? { branchesCovered: num(coverage, 'branchCount', summaryFile, '/coverage') } : {}),
    findings,
    series: stats.series,
    ...(stats.peakRssMb !== undefined ? { peakRssMb: stats.peakRssMb } : {}),
    shards: Math.max(1, shards),
  };
  const hits = coverage.ruleHits;
  if (isObject(hits)) {
    const ruleHits: Record<string, number> = {};
    for (const [rule, n] of Object.entries(hits)) {
      if (typeof n !== 'number' || !(n >= 0)) throw new ValidationError(summaryFile, `/coverage/ruleHits/${rule}`, 'must be a non-negative number');
      ruleHits[rule] = n;
    }
    out.ruleHits = ruleHits;
  }
  const startedAt = str(summary, 'startedAt');
  if (startedAt !== undefined) out.startedAt = startedAt;
  if (target !== undefined) out.targets = [target];
  return out;
}

function readFinding(f: unknown, i: number, dir: string, file: string): CampaignFinding {
  const at = `/findings/${i}`;
  if (!isObject(f)) throw new ValidationError(file, at, 'a finding must be an object');
  const signature = str(f, 'signature');
  if (!signature) throw new ValidationError(file, `${at}/signature`, 'missing required field "signature"');
  const recorded = f.classification;
  if (recorded !== 'new' && recorded !== 'known' && recorded !== 'inconclusive') {
    throw new ValidationError(file, `${at}/classification`, `must be "new", "known" or "inconclusive" (got ${JSON.stringify(recorded)})`);
  }
  const parts = isObject(f.parts) ? f.parts : {};
  // campaigns written before `inconclusive` existed (or before a step-budget one was) called such a finding new
  const classification: CampaignFinding['status'] = isInconclusive({ mismatch: String(parts.mismatch ?? '') }) ? 'inconclusive' : recorded;
  const out: CampaignFinding = { signature, status: classification, message: str(f, 'message') ?? signature };
  const target = str(parts, 'target');
  if (target) out.target = target;
  const rule = str(parts, 'rule');
  if (rule && rule !== 'none') out.rules = [rule];
  if (typeof f.knownId === 'string' && classification === 'known') out.knownReason = `expectation ${f.knownId}`;
  const seed = str(f, 'firstSeed');
  if (seed) out.seed = seed;
  const foundAt = str(f, 'firstFoundAt');
  if (foundAt) out.foundAt = foundAt;
  if (typeof f.count === 'number' && f.count >= 1) out.count = Math.floor(f.count);
  const sub = str(f, 'dir');
  if (sub) {
    if (path.isAbsolute(sub) || sub.split(/[\\/]/).includes('..')) {
      throw new ValidationError(file, `${at}/dir`, 'must be a path inside the campaign folder');
    }
    const minimized = path.join(dir, sub, 'minimized.json');
    out.file = existsSync(minimized) ? minimized : path.join(dir, sub, 'finding.json');
  }
  return out;
}

/** Plots and the JSON keep at most this many samples per campaign (a night of 2 s lines is ~40k). */
export const MAX_SAMPLES = 400;

/**
 * stats.jsonl: one object per line. A missing file gives no series (an old or partial folder).
 * `gicdiff merge` concatenates the shards' files, so the elapsed time going backwards starts the
 * next shard's series; those are added up (see combineShards).
 */
function readStats(file: string): { series: CampaignSample[]; peakRssMb?: number } {
  if (!existsSync(file)) return { series: [] };
  const lines = readBounded(file).split('\n');
  const segments: CampaignSample[][] = [];
  let current: CampaignSample[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new ValidationError(file, `line ${i + 1}`, `not valid JSON: ${(e as Error).message}`);
    }
    if (!isObject(o)) throw new ValidationError(file, `line ${i + 1}`, 'must be a JSON object');
    const at = `line ${i + 1}`;
    const sample: CampaignSample = {
      elapsedS: num(o, 'elapsedMs', file, at) / 1000,
      scenarios: num(o, 'scenarios', file, at),
      rate: num(o, 'scenariosPerSec', file, at, false),
      rulesCovered: num(o, 'rules', file, at, false),
      ...(o.branches !== undefined ? { branchesCovered: num(o, 'branches', file, at) } : {}),
      ...(o.rssMb !== undefined ? { rssMb: num(o, 'rssMb', file, at) } : {}),
      findings: num(o, 'findingsNew', file, at, false) + num(o, 'findingsKnown', file, at, false) + num(o, 'findingsInconclusive', file, at, false),
    };
    const last = current[current.length - 1];
    if (last && sample.elapsedS < last.elapsedS) {
      segments.push(current);
      current = [];
    }
    current.push(sample);
  });
  if (current.length) segments.push(current);
  const series = segments.length <= 1 ? (segments[0] ?? []) : combineShards(segments);
  // the peak from every line: downsampling would drop the short spikes a memory peak is made of
  const rss = series.flatMap((s) => (s.rssMb !== undefined ? [s.rssMb] : []));
  return { series: downsample(series, MAX_SAMPLES), ...(rss.length ? { peakRssMb: Math.max(...rss) } : {}) };
}

/**
 * Several shards' series as one campaign: at each moment any shard reported, scenarios and rates
 * are the sums over the shards (a shard that finished keeps its total and adds no rate); rules and
 * findings are the largest of the shards' counts (the union is at least that: the lines do not say
 * which rules or signatures they counted).
 */
export function combineShards(segments: readonly CampaignSample[][]): CampaignSample[] {
  const times = [...new Set(segments.flatMap((s) => s.map((x) => x.elapsedS)))].sort((a, b) => a - b);
  const pos = segments.map(() => -1);
  return times.map((t) => {
    const out: CampaignSample = { elapsedS: t, scenarios: 0, rate: 0, rulesCovered: 0, findings: 0 };
    segments.forEach((seg, k) => {
      while (pos[k]! + 1 < seg.length && seg[pos[k]! + 1]!.elapsedS <= t) pos[k]!++;
      const cur = seg[pos[k]!];
      if (!cur) return;
      out.scenarios += cur.scenarios;
      if (pos[k]! < seg.length - 1 || cur.elapsedS === t) out.rate += cur.rate; // still running at t
      out.rulesCovered = Math.max(out.rulesCovered, cur.rulesCovered);
      if (cur.branchesCovered !== undefined) out.branchesCovered = Math.max(out.branchesCovered ?? 0, cur.branchesCovered);
      // shards usually run on machines of their own: the largest shard's memory, not a sum
      if (cur.rssMb !== undefined) out.rssMb = Math.max(out.rssMb ?? 0, cur.rssMb);
      out.findings = Math.max(out.findings, cur.findings);
    });
    out.rate = Math.round(out.rate * 10) / 10;
    return out;
  });
}

/** Every k-th sample, always keeping the first and the last. */
export function downsample<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const step = (xs.length - 1) / (max - 1);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.round(i * step)]!);
  return out;
}

/** Read several campaign folders, oldest first (by startedAt, then by the order given). */
export function readCampaigns(dirs: readonly string[]): CampaignSummary[] {
  const all = dirs.map((d, i) => ({ c: readCampaign(d), i }));
  const labels = new Map<string, number>();
  for (const { c } of all) labels.set(c.label, (labels.get(c.label) ?? 0) + 1);
  for (const { c } of all) if ((labels.get(c.label) ?? 0) > 1) c.label = c.dir; // keep labels unique
  all.sort((a, b) => (a.c.startedAt ?? '').localeCompare(b.c.startedAt ?? '') || a.i - b.i);
  return all.map((x) => x.c);
}
