// The example CI integration (.github/workflows/*.yml, deploy/k8s/*.yaml) calls only real gicdiff
// commands with real options: every invocation in them is parsed with the option table read
// from that command's own help text (cli/commands/<command>.ts), the way the CLI parses it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseArgs, type OptionsSpec } from '../../cli/args.js';
import { COMMANDS, loadCommand, type CommandName } from '../../cli/main.js';
import { OPTIONS as REPORT_OPTIONS } from '../../cli/commands/report.js';
import { OPTIONS as CONFORMANCE_OPTIONS } from '../../cli/commands/conformance.js';

const FILES = [
  ...readdirSync('.github/workflows').filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join('.github/workflows', f)),
  ...readdirSync('deploy/k8s').filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join('deploy/k8s', f)),
];

function docs(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

/** Split a shell word list, keeping quoted strings whole (quotes removed). */
function words(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

interface Invocation { file: string; command: string; args: string[]; text: string }

/** Every `node bin/gicdiff.mjs <command> ...` / `npx gicdiff <command> ...` in a script (not prose like a check's name). */
function invocations(file: string, script: string): Invocation[] {
  const flat = script
    .replace(/\\\n/g, ' ') // line continuations
    .replace(/\$\{\{[^}]*\}\}/g, 'EXPR') // GitHub expressions
    .replace(/\$\([^()]*\)/g, 'SUBST'); // command substitutions
  const out: Invocation[] = [];
  for (const piece of flat.split(/\n|&&|\|\||;|\|/)) {
    const m = piece.match(/(?:^|\s)(?:node\s+(?:\.\/)?bin\/gicdiff\.mjs|npx\s+gicdiff)\s+(.*)$/);
    if (!m) continue;
    const [command, ...rest] = words(m[1]!);
    // stop at redirections
    const end = rest.findIndex((w) => /^\d?>/.test(w));
    out.push({ file, command: command!, args: end >= 0 ? rest.slice(0, end) : rest, text: piece.trim() });
  }
  return out;
}

/** The option table a command documents in its help (formatOptions' layout in cli/args.ts). */
function optionsFromHelp(help: string): OptionsSpec {
  const spec: OptionsSpec = {};
  for (const line of help.split('\n')) {
    // "  -t, --target NAME      description" / "      --resume             description"
    const m = line.match(/^\s+(?:-([A-Za-z]), )?\s*--([a-z][a-z0-9-]*)(?: (\S+))?(?:\s{2,}|\s*$| (?=\S))/);
    if (m) spec[m[2]!] = { type: m[3] ? 'string' : 'boolean', description: '', ...(m[1] ? { alias: m[1] } : {}) };
  }
  return spec;
}

const all: Invocation[] = FILES.flatMap((f) => docs(f).flatMap((d) => strings(d).flatMap((s) => invocations(f, s))));

test('the CI files exist and call gicdiff', () => {
  expect(FILES.sort()).toEqual(['.github/workflows/conformance.yml', '.github/workflows/nightly.yml', 'deploy/k8s/fuzz-indexed-job.yaml']);
  const byFile = (f: string) => all.filter((i) => i.file === f).map((i) => i.command).sort();
  expect(byFile('.github/workflows/nightly.yml')).toEqual(['conformance', 'fuzz', 'merge', 'report', 'selftest']);
  expect(byFile('.github/workflows/conformance.yml')).toEqual(['conformance', 'validate']);
  expect(byFile('deploy/k8s/fuzz-indexed-job.yaml')).toEqual(['fuzz', 'merge', 'report']);
});

test('the checker itself rejects a made-up option and a made-up command', async () => {
  const [inv] = invocations('x.yml', 'set +e\nnode bin/gicdiff.mjs report out/a \\\n  --pdf out/r.pdf > log.txt');
  expect(inv).toMatchObject({ command: 'report', args: ['out/a', '--pdf', 'out/r.pdf'] });
  const spec = optionsFromHelp((await loadCommand('report')).help);
  // the help parser reads back exactly the option table the command exports, value-taking or not
  const summarize = (o: OptionsSpec) => Object.entries(o).map(([k, v]) => `${k}:${v.type === 'boolean' ? 'flag' : 'value'}`).sort();
  expect(summarize(spec)).toEqual(summarize(REPORT_OPTIONS));
  expect(summarize(optionsFromHelp((await loadCommand('conformance')).help))).toEqual(summarize(CONFORMANCE_OPTIONS));
  expect(() => parseArgs(inv!.args, spec)).toThrow('unknown option --pdf');
  expect(COMMANDS as readonly string[]).not.toContain(invocations('x.yml', 'npx gicdiff bisect')[0]!.command);
});

describe.each(all.map((i) => [`${i.file}: gicdiff ${i.command}`, i] as const))('%s', (_name, inv) => {
  test('is a real command with real options', async () => {
    expect(COMMANDS as readonly string[]).toContain(inv.command);
    const mod = await loadCommand(inv.command as CommandName);
    const spec = optionsFromHelp(mod.help);
    expect(Object.keys(spec).length).toBeGreaterThan(0);
    expect(() => parseArgs(inv.args, spec)).not.toThrow();
  });
});

test('nightly: one matrix entry per shard, each fuzzing --shard i/N', () => {
  const wf = docs('.github/workflows/nightly.yml')[0] as { env: Record<string, string>; jobs: Record<string, { strategy?: { matrix: { shard: number[] } } }> };
  const n = Number(wf.env.SHARDS);
  expect(wf.jobs.fuzz!.strategy!.matrix.shard).toEqual(Array.from({ length: n }, (_, i) => i));
  const fuzz = all.find((i) => i.file.endsWith('nightly.yml') && i.command === 'fuzz')!;
  expect(fuzz.args[fuzz.args.indexOf('--shard') + 1]).toBe('EXPR/EXPR');
  const raw = readFileSync('.github/workflows/nightly.yml', 'utf8');
  expect(raw).toContain('--shard ${{ matrix.shard }}/${{ env.SHARDS }}');
  expect(raw).toContain('>> "$GITHUB_STEP_SUMMARY"');
});

test('k8s: an Indexed Job whose pods run --shard $JOB_COMPLETION_INDEX/N with N = completions', () => {
  const [config, job] = docs('deploy/k8s/fuzz-indexed-job.yaml') as [{ data: Record<string, string> }, { spec: { completionMode: string; completions: number; parallelism: number } }];
  expect(job.spec.completionMode).toBe('Indexed');
  expect(job.spec.completions).toBe(Number(config.data.SHARDS));
  const fuzz = all.find((i) => i.file.endsWith('.yaml') && i.command === 'fuzz')!;
  expect(fuzz.args.join(' ')).toContain('--shard $JOB_COMPLETION_INDEX/$SHARDS');
});
