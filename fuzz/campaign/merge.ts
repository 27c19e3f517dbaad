// `gicdiff merge`: combine campaign folders (the shards of one campaign, or several machines'
// runs) into one folder of the same format (fuzz/CAMPAIGN-FORMAT.md).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ValidationError, readInputText, readJsonFile } from '../../spec/validate.js';
import { appendLine, writeJsonAtomic } from '../../triage/atomic.js';
import { compareFindingRecords, countFindings, upgradeRecord, type CampaignSummaryDoc, type FindingRecord } from './summary.js';

function readSummary(dir: string): CampaignSummaryDoc {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ValidationError(dir, '', 'not a folder');
  const file = path.join(dir, 'summary.json');
  if (!existsSync(file)) throw new ValidationError(dir, '', 'no summary.json: not a campaign folder (fuzz/CAMPAIGN-FORMAT.md)');
  const s = readJsonFile(file) as Partial<CampaignSummaryDoc>;
  if (s.format !== 'gicdiff/campaign-summary@1') throw new ValidationError(file, '/format', `must be "gicdiff/campaign-summary@1" (got ${JSON.stringify(s.format)})`);
  for (const k of ['target', 'seed', 'scenarios', 'ops', 'elapsedMs', 'coverage', 'findings', 'statuses'] as const) {
    if (s[k] === undefined) throw new ValidationError(file, `/${k}`, `missing required field "${k}"`);
  }
  if (!Array.isArray(s.findings)) throw new ValidationError(file, '/findings', 'must be an array');
  s.findings.forEach((f, i) => {
    if (typeof f.dir !== 'string' || path.isAbsolute(f.dir) || f.dir.split(/[\\/]/).includes('..')) {
      throw new ValidationError(file, `/findings/${i}/dir`, 'must be a path inside the campaign folder');
    }
  });
  return s as CampaignSummaryDoc;
}

export function mergeCampaigns(dirs: readonly string[], out: string): CampaignSummaryDoc {
  if (!dirs.length) throw new Error('nothing to merge');
  const docs = dirs.map(readSummary);
  const targets = new Set(docs.map((d) => d.target));
  if (targets.size > 1) throw new ValidationError(dirs[1]!, '/target', `campaigns of different targets cannot be merged (${[...targets].join(', ')})`);
  if (existsSync(path.join(out, 'summary.json'))) throw new ValidationError(out, '', 'already holds a campaign; merge into a new folder');
  // the same shard of the same campaign twice would count its scenarios twice
  const seen = new Map<string, string>();
  docs.forEach((d, i) => {
    for (const sh of d.shards ?? [d.shard]) {
      const key = `${d.seed}/${d.startedAt}/${sh.index}/${sh.count}`;
      const other = seen.get(key);
      if (other !== undefined) throw new ValidationError(dirs[i]!, '/shards', `shard ${sh.index}/${sh.count} of campaign ${d.seed} is also in ${other}`);
      seen.set(key, dirs[i]!);
    }
  });
  mkdirSync(path.join(out, 'findings'), { recursive: true });

  const findings = new Map<string, FindingRecord>();
  const ruleHits = new Map<string, number>();
  const statuses: Record<string, number> = {};
  let scenarios = 0, ops = 0, elapsedMs = 0, corpus = 0, rulePairs = 0, optionPairs = 0, workers = 0;
  docs.forEach((d, i) => {
    const dir = dirs[i]!;
    scenarios += d.scenarios;
    ops += d.ops;
    elapsedMs = Math.max(elapsedMs, d.elapsedMs);
    corpus += d.corpus ?? 0;
    workers += d.workers ?? 0;
    rulePairs = Math.max(rulePairs, d.coverage.rulePairs ?? 0); // pairs are not stored: a lower bound
    optionPairs = Math.max(optionPairs, d.coverage.optionPairs ?? 0); // the same
    for (const [k, n] of Object.entries(d.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
    for (const [r, n] of Object.entries(d.coverage.ruleHits ?? {})) ruleHits.set(r, (ruleHits.get(r) ?? 0) + n);
    for (const r of d.coverage.rules ?? []) if (!ruleHits.has(r)) ruleHits.set(r, 0);
    for (const f of d.findings) {
      const have = findings.get(f.signature);
      if (have) {
        have.count += f.count;
        if (f.firstFoundAt < have.firstFoundAt) Object.assign(have, { firstFoundAt: f.firstFoundAt, firstSeed: f.firstSeed, message: f.message });
        if (have.minimizedOps === null && f.minimizedOps !== null) {
          copyFinding(dir, f.dir, out, have.dir);
          have.minimizedOps = f.minimizedOps;
          if (f.minimizeCut) have.minimizeCut = true;
        }
        continue;
      }
      findings.set(f.signature, upgradeRecord({ ...f, parts: { ...f.parts } }));
      copyFinding(dir, f.dir, out, f.dir);
    }
    const stats = path.join(dir, 'stats.jsonl');
    if (existsSync(stats)) {
      readInputText(stats).split('\n').forEach((line, i) => {
        if (!line.trim()) return;
        let o: unknown;
        try {
          o = JSON.parse(line);
        } catch (e) {
          throw new ValidationError(stats, `line ${i + 1}`, `not valid JSON: ${(e as Error).message}`);
        }
        if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ValidationError(stats, `line ${i + 1}`, 'must be a JSON object');
        appendLine(path.join(out, 'stats.jsonl'), line);
      });
    }
  });
  const secs = Math.max(0.001, elapsedMs / 1000);
  const rules = [...ruleHits.keys()].sort();
  const hits: Record<string, number> = {};
  for (const r of rules) hits[r] = ruleHits.get(r)!;
  const list = [...findings.values()].sort(compareFindingRecords);
  const first = docs.reduce((a, b) => (a.startedAt <= b.startedAt ? a : b));
  const merged: CampaignSummaryDoc = {
    format: 'gicdiff/campaign-summary@1',
    final: docs.every((d) => d.final),
    stopReason: docs.every((d) => d.stopReason === docs[0]!.stopReason) ? docs[0]!.stopReason : null,
    target: docs[0]!.target,
    seed: [...new Set(docs.map((d) => d.seed))].join(','),
    profile: [...new Set(docs.map((d) => d.profile))].join(','),
    shard: { index: 0, count: 1 },
    shards: docs.flatMap((d) => d.shards ?? [d.shard]),
    workers,
    generatorVersion: [...new Set(docs.map((d) => d.generatorVersion))].join(','),
    gicdiffVersion: [...new Set(docs.map((d) => d.gicdiffVersion))].join(','),
    startedAt: first.startedAt,
    endedAt: docs.map((d) => d.endedAt ?? '').sort().pop() || null,
    elapsedMs,
    scenarios,
    ops,
    scenariosPerSec: Math.round((scenarios / secs) * 10) / 10,
    opsPerSec: Math.round((ops / secs) * 10) / 10,
    statuses,
    coverage: { rules, ruleCount: rules.length, rulePairs, optionPairs, ruleHits: hits },
    findings: list,
    counts: countFindings(list),
    corpus,
  };
  writeJsonAtomic(path.join(out, 'summary.json'), merged);
  return merged;
}

function copyFinding(fromRoot: string, fromDir: string, toRoot: string, toDir: string): void {
  const src = path.join(fromRoot, fromDir);
  const dst = path.join(toRoot, toDir);
  mkdirSync(dst, { recursive: true });
  for (const f of ['finding.json', 'minimized.json']) {
    if (existsSync(path.join(src, f))) copyFileSync(path.join(src, f), path.join(dst, f));
  }
}
