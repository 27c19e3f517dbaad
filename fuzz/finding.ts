// Findings (docs/oracle.md): finding.json (everything needed to reproduce: seed, versions, config,
// every op, the divergence) and minimized.json (a plain scenario any target runs), written
// atomically the moment they are known. Schema: spec/schema/finding.schema.json.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Finding } from '../spec/gen/finding.js';
import type { ExpandedScenario, Scenario } from '../spec/scenario.js';
import { ValidationError, readJsonFile, validateJson, validateScenarioJson } from '../spec/validate.js';
import type { RunOutcome } from '../triage/lockstep.js';
import type { Classification, Classified } from '../triage/classify.js';
import { versions } from './version.js';
import type { Profile } from './generate.js';
import { writeJsonAtomic } from '../triage/atomic.js';

export type { Finding };

/** The folder name of a signature: file-system safe, unique by hash (fuzz/CAMPAIGN-FORMAT.md). */
export function signatureSlug(signature: string): string {
  const safe = signature.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `${safe}-${createHash('sha1').update(signature).digest('hex').slice(0, 8)}`;
}

export interface FindingContext {
  target: string;
  seed: string | null;
  profile?: Profile;
  campaign?: { seed: string; shard?: string; index: number };
  /** fuzz/weights.ts weightsHash of the weights the seed was generated with */
  weightsHash?: string;
}

export type { Classification };

/** finding.json for a classified run (triage/classify.ts): where it shows, how it is classified, the quirks it needed. */
export function buildFinding(scenario: Scenario, expanded: ExpandedScenario, outcome: RunOutcome, classified: Classified, ctx: FindingContext): Finding {
  const { classification, problem } = classified;
  const f: Finding = {
    format: 'gicdiff/finding@1',
    signature: problem.signature,
    parts: { ...problem.parts, rules: [...problem.parts.rules] },
    classification,
    target: ctx.target,
    seed: ctx.seed,
    versions: versions(),
    foundAt: new Date().toISOString(),
    scenario,
    opIndex: problem.opIndex,
    scenarioOpIndex: expanded.origin[problem.opIndex] ?? Math.max(0, scenario.ops.length - 1),
    message: problem.message,
    results: outcome.trace.results.slice(0, problem.opIndex + 1),
  };
  if (classification === 'known') f.quirks = [...classified.quirks];
  if (outcome.trace.kernelSplat) f.kernelSplat = outcome.trace.kernelSplat;
  if (ctx.profile) f.profile = ctx.profile;
  if (ctx.weightsHash) f.versions.weights = ctx.weightsHash;
  if (ctx.campaign) f.campaign = ctx.campaign;
  // the divergence the finding reports: the strict one when known, the one the quirks could not explain when new
  const v = classified.withQuirks && !classified.withQuirks.ok && classification === 'new' ? classified.withQuirks : outcome.verdict;
  if (v && !v.ok && v.divergence.opIndex === problem.opIndex && problem.parts.mismatch !== 'target-error' && problem.parts.mismatch !== 'step-budget') {
    const d = v.divergence;
    f.divergence = { opIndex: d.opIndex, got: d.got, allowed: d.allowed, rules: d.rules, message: d.message };
    if (d.explanation !== undefined) f.divergence.explanation = d.explanation;
  }
  const m = problem.parts.mismatch;
  if (m === 'target-error' || m === 'step-budget' || m === 'oracle-bound' || m === 'oracle-error') {
    f.error = { status: m, opIndex: problem.opIndex, message: problem.message };
  }
  return f;
}

/** Write finding.json into dir (atomically). */
export function writeFinding(dir: string, finding: Finding): string {
  const file = path.join(dir, 'finding.json');
  writeJsonAtomic(file, finding);
  return file;
}

/** Write minimized.json: a plain scenario file. */
export function writeMinimized(dir: string, scenario: Scenario): string {
  const file = path.join(dir, 'minimized.json');
  writeJsonAtomic(file, scenario);
  return file;
}

/** Validate a parsed finding (its scenario too); errors name the file, the JSON path, the problem. */
export function validateFindingJson(value: unknown, file: string): Finding {
  validateJson('finding', value, file);
  const f = value as Finding;
  try {
    validateScenarioJson(f.scenario, file);
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(file, '/scenario' + e.jsonPath, e.problem);
    throw e;
  }
  return f;
}

/** A finding or a plain scenario file, told apart by its format. */
export function loadFindingOrScenario(file: string): { finding: Finding | null; scenario: Scenario } {
  const v = readJsonFile(file);
  const format = typeof v === 'object' && v !== null ? (v as { format?: unknown }).format : undefined;
  if (format === 'gicdiff/finding@1') {
    const finding = validateFindingJson(v, file);
    return { finding, scenario: finding.scenario };
  }
  if (format === 'gicdiff/scenario@1') return { finding: null, scenario: validateScenarioJson(v, file) };
  throw new ValidationError(file, '/format', `must be "gicdiff/finding@1" or "gicdiff/scenario@1" (got ${JSON.stringify(format)})`);
}
