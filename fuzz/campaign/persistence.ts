// The campaign folder on disk (fuzz/CAMPAIGN-FORMAT.md): campaign.json (parameters, checked on
// --resume), state.json (which indexes are done), summary.json, stats.jsonl, corpus/ and
// findings/; every file written atomically, every file read back validated with its name in the
// message (exit 2). A finished campaign is moved to history/ before a fresh one starts there.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../spec/gen/finding.js';
import { readJsonFile, ValidationError } from '../../spec/validate.js';
import { appendLine, writeJsonAtomic } from '../atomic.js';
import { loadFindingOrScenario } from '../finding.js';
import type { CampaignParams, CampaignState, CampaignSummaryDoc, StatsLine } from './summary.js';

export class CampaignError extends Error {}

export interface CorpusFileEntry { id: string; index: number; newRules: number; newPairs: number }

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
    const s = readCampaignFile<CampaignState>(stateFile, 'gicdiff/campaign-state@1');
    if (!Number.isInteger(s.next) || !Array.isArray(s.done) || typeof s.elapsedMs !== 'number') throw new ValidationError(stateFile, '', 'not a campaign state (next, done, elapsedMs)');
    return s;
  }

  readSummary(): CampaignSummaryDoc | null {
    const summaryFile = this.file('summary.json');
    if (!existsSync(summaryFile)) return null;
    const s = readCampaignFile<CampaignSummaryDoc>(summaryFile, 'gicdiff/campaign-summary@1');
    if (typeof s.scenarios !== 'number' || typeof s.ops !== 'number' || typeof s.coverage?.ruleHits !== 'object' || !Array.isArray(s.findings)) {
      throw new ValidationError(summaryFile, '', 'not a campaign summary (scenarios, ops, coverage.ruleHits, findings)');
    }
    return s;
  }

  /** Every finding.json under findings/, with its folder relative to the campaign. */
  readFindings(): { finding: Finding; dir: string }[] {
    const fdir = this.file('findings');
    const out: { finding: Finding; dir: string }[] = [];
    if (!existsSync(fdir)) return out;
    for (const d of readdirSync(fdir)) {
      const file = path.join(fdir, d, 'finding.json');
      if (!existsSync(file)) continue;
      const f = loadFindingOrScenario(file).finding;
      if (!f) throw new ValidationError(file, '/format', 'must be "gicdiff/finding@1"');
      out.push({ finding: f, dir: path.join('findings', d) });
    }
    return out;
  }

  /** The corpus entries, in the order they were added. */
  readCorpus(): CorpusFileEntry[] {
    const cdir = this.file('corpus');
    if (!existsSync(cdir)) return [];
    const files = readdirSync(cdir).filter((f) => f.endsWith('.json')).sort((a, b) => parseInt(a) - parseInt(b));
    return files.map((f) => {
      const file = path.join(cdir, f);
      const e = readJsonFile(file) as CorpusFileEntry;
      if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.newRules !== 'number' || typeof e.newPairs !== 'number') {
        throw new ValidationError(file, '', 'not a corpus entry (id, newRules, newPairs)');
      }
      return e;
    });
  }

  writeCorpusEntry(n: number, e: CorpusFileEntry): void {
    writeJsonAtomic(path.join(this.dir, 'corpus', `${n}.json`), e);
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
