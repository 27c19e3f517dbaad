// The campaign folder on disk (fuzz/CAMPAIGN-FORMAT.md): campaign.json (parameters, checked on
// --resume), state.json (which indexes are done), summary.json, stats.jsonl, corpus/ and
// findings/; every file written atomically, every file read back validated with its name in the
// message (exit 2). A finished campaign is moved to history/ before a fresh one starts there.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../spec/gen/finding.js';
import { readJsonFile, ValidationError } from '../../spec/validate.js';
import { appendLine, writeJsonAtomic } from '../../triage/atomic.js';
import { loadFindingOrScenario } from '../finding.js';
import type { CampaignParams, CampaignState, CampaignSummaryDoc, StatsLine } from './summary.js';

export class CampaignError extends Error {}

export interface CorpusFileEntry { id: string; index: number; newRules: number; newPairs: number; newBranches: number; newOptions?: number }

export class CampaignFolder {
  constructor(readonly dir: string) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /**
   * The parameters this run continues (--resume: those of the folder, checked against `fresh`) or
   * starts with; moves a finished campaign away first. Returns the parameters and where an old
   * campaign went; prepare() writes them.
   */
  open(fresh: CampaignParams, resume: boolean, archivePrevious: boolean): { params: CampaignParams; resumed: boolean; archived: string | null } {
    const paramsFile = this.file('campaign.json');
    let params = fresh;
    let resumed = false;
    let archived: string | null = null;
    if (resume && existsSync(paramsFile)) {
      const old = readCampaignFile<CampaignParams>(paramsFile, 'gicdiff/campaign@1');
      for (const k of ['target', 'seed', 'profile'] as const) {
        if (old[k] !== fresh[k]) throw new CampaignError(`--resume: ${paramsFile} has ${k} ${JSON.stringify(old[k])}, not ${JSON.stringify(fresh[k])}`);
      }
      if (old.shard.index !== fresh.shard.index || old.shard.count !== fresh.shard.count) {
        throw new CampaignError(`--resume: ${paramsFile} is shard ${old.shard.index}/${old.shard.count}, not ${fresh.shard.index}/${fresh.shard.count}`);
      }
      if (old.generator.weightsHash !== fresh.generator.weightsHash) {
        throw new CampaignError(`--resume: the campaign was made with other generator weights (hash ${old.generator.weightsHash}, now ${fresh.generator.weightsHash}); the same seeds would give other scenarios`);
      }
      if (old.generator.version !== fresh.generator.version) {
        throw new CampaignError(`--resume: the campaign was made by generator ${old.generator.version}; this is ${fresh.generator.version} (the same seeds would give other scenarios)`);
      }
      params = { ...old, workers: fresh.workers, limit: fresh.limit };
      resumed = true;
    } else if (!resume && existsSync(this.file('summary.json'))) {
      let final = false;
      try {
        final = readCampaignFile<CampaignSummaryDoc>(this.file('summary.json'), 'gicdiff/campaign-summary@1').final === true;
      } catch {
        // unreadable: treat as unfinished
      }
      if (!final && !archivePrevious) {
        throw new CampaignError(`${this.dir} holds a campaign that did not finish: --resume continues it, --replace moves it to ${this.file('history')}/ and starts afresh`);
      }
      archived = archiveCampaign(this.dir);
    }
    return { params, resumed, archived };
  }

  /** Create the folders and write campaign.json (after a resume has read everything back). */
  prepare(params: CampaignParams): void {
    mkdirSync(this.file('findings'), { recursive: true });
    mkdirSync(this.file('corpus'), { recursive: true });
    writeJsonAtomic(this.file('campaign.json'), params);
  }

  readState(): CampaignState | null {
    const stateFile = this.file('state.json');
    if (!existsSync(stateFile)) return null;
    const v = readJsonFile(stateFile) as { format?: unknown } | null;
    if (typeof v === 'object' && v !== null && v.format === 'gicdiff/campaign-state@1') {
      throw new CampaignError(`--resume: ${stateFile} was written by an older gicdiff (campaign-state@1, which could count a scenario twice after a kill); start afresh with --replace`);
    }
    const s = readCampaignFile<CampaignState>(stateFile, 'gicdiff/campaign-state@2');
    const bad = (what: string): never => {
      throw new ValidationError(stateFile, `/${what}`, 'missing or of the wrong type');
    };
    if (!Number.isInteger(s.committed) || s.committed < 0) bad('committed');
    for (const k of ['elapsedMs', 'scenarios', 'ops', 'hits'] as const) if (typeof s[k] !== 'number') bad(k);
    for (const k of ['statuses', 'ruleHits'] as const) if (typeof s[k] !== 'object' || s[k] === null) bad(k);
    for (const k of ['rulePairs', 'corpus', 'findings', 'minimize'] as const) if (!Array.isArray(s[k])) bad(k);
    if (s.branches !== undefined && !Array.isArray(s.branches)) bad('branches');
    if (s.optionPairs !== undefined && !Array.isArray(s.optionPairs)) bad('optionPairs');
    return s;
  }

  /**
   * Remove what was written for results a kill left uncounted (finding folders and corpus files
   * not in the state): --resume runs those scenarios again and writes them again.
   */
  dropUncommitted(state: CampaignState): void {
    const keepDirs = new Set(state.findings.map((f) => path.basename(f.dir)));
    const fdir = this.file('findings');
    if (existsSync(fdir)) for (const d of readdirSync(fdir)) if (!keepDirs.has(d)) rmSync(path.join(fdir, d), { recursive: true, force: true });
    const keepCorpus = new Set(state.corpus.map((e) => `${e.index}.json`));
    const cdir = this.file('corpus');
    if (existsSync(cdir)) for (const f of readdirSync(cdir)) if (!keepCorpus.has(f)) rmSync(path.join(cdir, f), { force: true });
  }

  /** The finding.json in `dir` (relative to the campaign folder). */
  readFinding(dir: string): Finding {
    const file = path.join(this.dir, dir, 'finding.json');
    const f = loadFindingOrScenario(file).finding;
    if (!f) throw new ValidationError(file, '/format', 'must be "gicdiff/finding@1"');
    return f;
  }

  /** corpus/<index>.json: one file per scenario index, so an entry is never there twice */
  writeCorpusEntry(e: CorpusFileEntry): void {
    writeJsonAtomic(path.join(this.dir, 'corpus', `${e.index}.json`), e);
  }

  writeState(state: CampaignState): void {
    writeJsonAtomic(this.file('state.json'), state);
  }

  writeSummary(summary: CampaignSummaryDoc): void {
    writeJsonAtomic(this.file('summary.json'), summary);
  }

  appendStats(line: StatsLine): void {
    appendLine(this.file('stats.jsonl'), JSON.stringify(line));
  }
}

/** A campaign file read back (resume): its format checked, errors naming the file (exit 2). */
export function readCampaignFile<T>(file: string, format: string): T {
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
