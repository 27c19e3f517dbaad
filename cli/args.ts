// A small option parser for the gicdiff commands. Unknown options and bad values are usage
// errors: the CLI prints the message and exits 2 (docs/scenario-format.md).

import { parseDuration } from '../fuzz/campaign/duration.js';

/** How long one scenario may run in run, repro, conformance and compare (a campaign's default is 10 s). */
export const SCENARIO_TIMEOUT_MS = 60_000;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionType = 'string' | 'boolean' | 'number' | 'strings';
export interface OptionSpec {
  type: OptionType;
  /** for numbers: the smallest value accepted */
  min?: number;
  /** for numbers: whole numbers only */
  integer?: boolean;
  /** one-letter alias, without the dash */
  alias?: string;
  description: string;
  /** shown in help as the value's name */
  value?: string;
}
export type OptionsSpec = Record<string, OptionSpec>;

export interface ParsedArgs {
  options: Record<string, string | boolean | number | string[] | undefined>;
  positional: string[];
}

export function parseArgs(argv: readonly string[], spec: OptionsSpec): ParsedArgs {
  const positional: string[] = [];
  const options: ParsedArgs['options'] = Object.create(null) as ParsedArgs['options'];
  const byAlias = new Map(Object.entries(spec).filter(([, s]) => s.alias).map(([name, s]) => [s.alias!, name]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const alias = arg.slice(1);
      const full = byAlias.get(alias);
      if (!full) throw new UsageError(`unknown option ${arg}`);
      name = full;
    }
    let negated = false;
    // option names come from the user: own properties only ("--constructor" is no option)
    const own = (n: string): OptionSpec | undefined => (Object.prototype.hasOwnProperty.call(spec, n) ? spec[n] : undefined);
    if (!own(name) && name.startsWith('no-') && own(name.slice(3))?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const s = own(name);
    if (!s) throw new UsageError(`unknown option --${name}`);
    if (s.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      options[name] = !negated;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value${s.value ? ` (${s.value})` : ''}`);
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || value.trim() === '') throw new UsageError(`option --${name} takes a number, got ${JSON.stringify(value)}`);
      if (s.integer && !Number.isInteger(n)) throw new UsageError(`option --${name} takes a whole number, got ${JSON.stringify(value)}`);
      if (s.min !== undefined && n < s.min) throw new UsageError(`option --${name} must be at least ${s.min}, got ${JSON.stringify(value)}`);
      options[name] = n;
    } else if (s.type === 'strings') {
      const prev = options[name];
      options[name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      options[name] = value;
    }
  }
  return { options, positional };
}

/** Help text for an option table. */
export function formatOptions(spec: OptionsSpec): string {
  const rows = Object.entries(spec).map(([name, s]) => {
    const flag = `${s.alias ? `-${s.alias}, ` : '    '}--${name}${s.type === 'boolean' ? '' : ` ${s.value ?? s.type.toUpperCase()}`}`;
    return `  ${flag.padEnd(30)} ${s.description}`;
  });
  return rows.join('\n');
}

/** A duration option ("90s", "10m", "500ms"; a bare number is seconds) in milliseconds; undefined when absent. */
export function durationOption(name: string, value: unknown, minMs = 1): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(String(value));
  if (ms === null || ms < minMs) throw new UsageError(`--${name} takes a duration such as 90s, 10m or 1h${minMs > 1 ? ` of at least ${minMs} ms` : ''} (got ${JSON.stringify(value)})`);
  return ms;
}
