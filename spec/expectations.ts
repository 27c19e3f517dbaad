// A target's quirks: spec/expectations/<target>.json declares the behaviours of a target the
// architecture does not allow (KVM's deliberate choices and known bugs, impl/DIVERGENCES.md), each
// with its reason and source; model/quirks.ts implements each id as an alternative the oracle may
// take. Which findings are known is decided by the oracle with those quirks (triage/classify.ts),
// never by matching here. Signature = <target>:<op>[ <detail>]:<mismatch>:<rule>, built by
// triage/signature.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expectations, ExpectationEntry } from './gen/expectations.js';
import type { SignatureParts as FindingSignatureParts } from './gen/finding.js';
import { ValidationError, readJsonFile, validateJson } from './validate.js';

export type { Expectations, ExpectationEntry };

/**
 * The parts of a finding an expectation can match on: the finding schema's SignatureParts
 * (spec/schema/finding.schema.json, the one definition), rules read-only here.
 */
export type SignatureParts = Omit<FindingSignatureParts, 'rules'> & { readonly rules: readonly string[] };

/** Where a finding showed: the scenario and the ops before the diverging one (for people reading it). */
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

export function signatureString(p: Omit<SignatureParts, 'rules'>): string {
  return `${p.target}:${p.op}${p.detail ? ' ' + p.detail : ''}:${p.mismatch}:${p.rule}`;
}
