// Known divergences (README.md; docs/oracle.md): spec/expectations/<target>.json lists divergences a target
// has on purpose (KVM's deliberate choices, impl/DIVERGENCES.md), each with a reason and a source.
// A finding whose signature matches an entry is "known"; anything else is "new".
// Signature = <target>:<op>[ <detail>]:<mismatch>:<rule>, built by fuzz/signature.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expectations, ExpectationEntry, Match } from './gen/expectations.js';
import type { SignatureParts as FindingSignatureParts } from './gen/finding.js';
import { ValidationError, readJsonFile, validateJson } from './validate.js';

export type { Expectations, ExpectationEntry, Match };

/**
 * The parts of a finding an expectation can match on: the finding schema's SignatureParts
 * (spec/schema/finding.schema.json, the one definition), rules read-only here.
 */
export type SignatureParts = Omit<FindingSignatureParts, 'rules'> & { readonly rules: readonly string[] };

/** Where a finding showed: lets an entry match on the scenario and on the ops that preceded it. */
export interface MatchContext {
  /** the scenario's name */
  scenario?: string;
  /** the ops before the diverging one, each rendered "<op> <detail>" like a signature */
  history?: readonly string[];
}

/** Validate a parsed expectations document; throws ValidationError naming file, JSON path, problem. */
export function validateExpectationsJson(value: unknown, file: string): Expectations {
  validateJson('expectations', value, file);
  const doc = value as Expectations;
  const seen = new Set<string>();
  doc.entries.forEach((e, i) => {
    if (seen.has(e.id)) throw new ValidationError(file, `/entries/${i}/id`, `duplicate id "${e.id}"`);
    seen.add(e.id);
  });
  return doc;
}

/** Read and validate an expectations file; an `extends` brings in the entries of that target's file beside it. */
export function loadExpectationsFile(file: string, seen: readonly string[] = []): Expectations {
  const doc = validateExpectationsJson(readJsonFile(file), file);
  if (doc.extends === undefined) return doc;
  const base = path.resolve(path.dirname(file), `${doc.extends}.json`);
  const chain = [...seen, path.resolve(file)];
  if (chain.includes(base)) throw new ValidationError(file, '/extends', `a cycle: ${[...chain, base].map((f) => path.basename(f)).join(' -> ')}`);
  if (!existsSync(base)) throw new ValidationError(file, '/extends', `no expectations file ${base} for target "${doc.extends}"`);
  const inherited = loadExpectationsFile(base, chain);
  const own = new Set(doc.entries.map((e) => e.id));
  return { ...doc, entries: [...doc.entries, ...inherited.entries.filter((e) => !own.has(e.id))] };
}

/** The project root (this file is spec/expectations.ts), so gicdiff finds its files from any folder. */
const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** spec/expectations/<target>.json under `root` when it exists, else an empty list. */
export function loadTargetExpectations(target: string, root = PROJECT_ROOT): Expectations {
  const file = path.join(root, 'spec', 'expectations', `${target}.json`);
  if (!existsSync(file)) return { format: 'gicdiff/expectations@1', target, entries: [] };
  return loadExpectationsFile(file);
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    globCache.set(pattern, re);
  }
  return re;
}

function anyMatches(patterns: string | readonly string[], value: string): boolean {
  if (typeof patterns === 'string') return glob(patterns).test(value);
  return patterns.some((p) => glob(p).test(value));
}

/** Do the patterns match ops of the history in this order (a subsequence, not necessarily adjacent)? */
function historyHasSequence(history: readonly string[], sequence: readonly (string | readonly string[])[]): boolean {
  let next = 0;
  for (const h of history) {
    if (next < sequence.length && anyMatches(sequence[next]!, h)) next++;
  }
  return next === sequence.length;
}

export function signatureString(p: Omit<SignatureParts, 'rules'>): string {
  return `${p.target}:${p.op}${p.detail ? ' ' + p.detail : ''}:${p.mismatch}:${p.rule}`;
}

/** Does one entry's match describe this finding? Every field given must match. */
export function entryMatches(m: Match, parts: SignatureParts, context: MatchContext = {}): boolean {
  if (m.scenarios !== undefined && (context.scenario === undefined || !anyMatches(m.scenarios, context.scenario))) return false;
  if (m.after !== undefined && !(context.history ?? []).some((h) => anyMatches(m.after!, h))) return false;
  if (m.sequence !== undefined && !historyHasSequence(context.history ?? [], m.sequence)) return false;
  if (m.signature !== undefined && !anyMatches(m.signature, signatureString(parts))) return false;
  if (m.op !== undefined && !anyMatches(m.op, parts.op)) return false;
  if (m.detail !== undefined && !anyMatches(m.detail, parts.detail)) return false;
  if (m.mismatch !== undefined && !anyMatches(m.mismatch, parts.mismatch)) return false;
  if (m.rule !== undefined && !anyMatches(m.rule, parts.rule)) return false;
  if (m.rules !== undefined) {
    const all = parts.rules.length ? parts.rules : [parts.rule];
    if (!all.some((r) => anyMatches(m.rules!, r))) return false;
  }
  return true;
}

/** The first entry that matches, or null (the finding is new). Entries for another target never match. */
export function matchExpectation(doc: Expectations, parts: SignatureParts, context: MatchContext = {}): ExpectationEntry | null {
  if (doc.target !== parts.target) return null;
  for (const e of doc.entries) if (entryMatches(e.match, parts, context)) return e;
  return null;
}
