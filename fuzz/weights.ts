// Generator weights (fuzz/weights.json, or a file given with --weights): validated like every
// input file, errors name the file, the JSON path and the problem. The actions and their default
// weights come from the generator's table (fuzz/gen/table.ts); a file without "actions" takes
// those defaults, a file with "actions" gives each action its weight (an action it omits: 0).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ValidationError, readJsonFile } from '../spec/validate.js';
import { ACTIONS, ACTION_NAMES } from './gen/table.js';

/** Every action the generator knows, in the table's order. */
export { ACTION_NAMES };
export type ActionName = string;

export interface Weights {
  /** probability that an action produces malformed input instead (0..1) */
  malformedRate: number;
  /** ops per scenario after boot, drawn uniformly from [minOps, maxOps] */
  minOps: number;
  maxOps: number;
  actions: Record<ActionName, number>;
}

export const DEFAULT_WEIGHTS_FILE = fileURLToPath(new URL('./weights.json', import.meta.url));

function fail(file: string, at: string, problem: string): never {
  throw new ValidationError(file, at, problem);
}

export function validateWeightsJson(v: unknown, file: string): Weights {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, '', 'weights must be a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== 'gicdiff/weights@1') fail(file, '/format', `must be "gicdiff/weights@1" (got ${JSON.stringify(o.format)})`);
  for (const k of Object.keys(o)) {
    if (!['format', 'comment', 'malformedRate', 'minOps', 'maxOps', 'actions'].includes(k)) fail(file, `/${k}`, `unknown field "${k}"`);
  }
  const num = (k: string, lo: number, hi: number): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi) fail(file, `/${k}`, `must be a number from ${lo} to ${hi}`);
    return x;
  };
  const malformedRate = num('malformedRate', 0, 1);
  const minOps = num('minOps', 1, 100000);
  const maxOps = num('maxOps', 1, 100000);
  if (!Number.isInteger(minOps) || !Number.isInteger(maxOps)) fail(file, '/minOps', 'minOps and maxOps must be integers');
  if (maxOps < minOps) fail(file, '/maxOps', `must be at least minOps (${minOps})`);
  if (o.actions === undefined) return { malformedRate, minOps, maxOps, actions: Object.fromEntries(ACTIONS.map((a) => [a.name, a.weight])) };
  const a = o.actions;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) fail(file, '/actions', 'must be an object of action weights');
  const actions = {} as Record<ActionName, number>;
  let total = 0;
  for (const [k, w] of Object.entries(a as Record<string, unknown>)) {
    if (!ACTION_NAMES.includes(k)) fail(file, `/actions/${k}`, `unknown action "${k}"; known: ${ACTION_NAMES.join(', ')}`);
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) fail(file, `/actions/${k}`, 'must be a non-negative number');
    actions[k as ActionName] = w;
    total += w;
  }
  for (const k of ACTION_NAMES) if (actions[k] === undefined) actions[k] = 0;
  if (total <= 0) fail(file, '/actions', 'at least one action needs a positive weight');
  return { malformedRate, minOps, maxOps, actions };
}

export function loadWeightsFile(file: string): Weights {
  return validateWeightsJson(readJsonFile(file), file);
}

let defaults: Weights | undefined;
export function defaultWeights(): Weights {
  defaults ??= validateWeightsJson(JSON.parse(readFileSync(DEFAULT_WEIGHTS_FILE, 'utf8')), DEFAULT_WEIGHTS_FILE);
  return defaults;
}

/** A short hash of a weights document: the same seed with other weights gives another scenario. */
export function weightsHash(w: Weights): string {
  return createHash('sha1').update(JSON.stringify(w)).digest('hex').slice(0, 12);
}
