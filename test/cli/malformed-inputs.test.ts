// The exit-code contract against a corpus of malformed inputs and options, for every command: each
// case must end with exit 2 and a message naming the problem (and the file), never a stack trace
// or the internal-error code. Run in-process through cli() (the same function bin/gicdiff.mjs
// calls), so a few hundred cases take seconds.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, COMMANDS, EXIT_INTERNAL } from '../../cli/main.js';
import { runCampaign } from '../../fuzz/campaign/coordinator.js';
import { loadWeightsFile } from '../../fuzz/weights.js';
import { captureOutput } from '../reports/capture-output.js';

const ROOT = path.resolve(__dirname, '../..');
const PLUGIN = path.join(ROOT, 'test/fuzz/fake-plugin.ts');
const WEIGHTS = path.join(ROOT, 'test/fuzz/fake-weights.json');
const BROKEN = path.join(ROOT, 'test/fixtures/broken');
const GOOD_SCENARIO = path.join(ROOT, 'spec/conformance/cpuif/apr-bit.json');
const output = captureOutput();

const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-malformed-'));
const f = (name: string): string => path.join(dir, name);
const scenario = (ops: unknown[], extra: object = {}): string => JSON.stringify({ format: 'gicdiff/scenario@1', name: 'bad', config: { vcpus: 2, its: 1 }, ops, ...extra });

/** A bad input file: its path, and what the message must say about it. */
interface BadFile { name: string; path: string; problem: RegExp }
const badFiles: BadFile[] = [];
function bad(name: string, content: string | Buffer | null, problem: RegExp): void {
  if (content !== null) writeFileSync(f(name), content);
  badFiles.push({ name, path: f(name), problem });
}

// ---- the files (created once) -------------------------------------------------------------------
bad('missing.json', null, /no such file/);
mkdirSync(f('a-folder.json'));
badFiles.push({ name: 'a-folder.json', path: f('a-folder.json'), problem: /is a directory/ });
execFileSync('mkfifo', [f('fifo.json')]);
badFiles.push({ name: 'fifo.json', path: f('fifo.json'), problem: /not a regular file/ });
badFiles.push({ name: '/dev/zero', path: '/dev/zero', problem: /not a regular file/ });
bad('huge.json', '', /bytes; the limit is/);
truncateSync(f('huge.json'), 65 * 1024 * 1024); // sparse: no disk used
bad('empty.json', '', /not valid JSON/);
bad('not-json.json', 'format: scenario', /not valid JSON/);
bad('truncated.json', scenario([{ op: 'boot' }]).slice(0, 40), /not valid JSON/);
bad('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(scenario([{ op: 'boot' }]))]), /byte order mark/);
bad('latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]), /not UTF-8/);
bad('deep-array.json', '['.repeat(25_000) + ']'.repeat(25_000), /nested more than \d+ levels/);
bad('deep-ops.json', scenario([{ op: 'boot', x: JSON.parse('['.repeat(300) + ']'.repeat(300)) }]), /nested more than \d+ levels/);
bad('array.json', '[]', /must be|a scenario must be a JSON object|must be "gicdiff/);
bad('null.json', 'null', /must be|JSON object|must be "gicdiff/);
bad('number.json', '42', /must be|JSON object|must be "gicdiff/);
bad('wrong-format.json', JSON.stringify({ format: 'gicdiff/scenario@9', ops: [] }), /\/format/);
for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
  bad(`op-${name}.json`, scenario([{ op: name }]), new RegExp(`/ops/0/op: unknown op "${name}"`));
  bad(`cmd-${name}.json`, scenario([{ op: 'its.cmd', cpu: 0, its: 0, cmds: [{ cmd: name }] }]), new RegExp(`/ops/0/cmds/0/cmd: unknown ITS command "${name}"`));
}
bad('proto-field.json', `{"format":"gicdiff/scenario@1","name":"p","config":{"vcpus":2},"ops":[{"op":"boot","__proto__":{"cpus":[7]}}]}`, /\/ops\/0/);
symlinkSync(f('loop-b.json'), f('loop-a.json'));
symlinkSync(f('loop-a.json'), f('loop-b.json'));
badFiles.push({ name: 'loop-a.json', path: f('loop-a.json'), problem: /symbolic links/ });
writeFileSync(f('plain.json'), scenario([{ op: 'boot' }]));
badFiles.push({ name: 'plain.json/x.json', path: f('plain.json/x.json'), problem: /not a directory/ });
for (const b of readdirSync(BROKEN).sort()) badFiles.push({ name: b, path: path.join(BROKEN, b), problem: /: \/|\(top level\)/ });

/** Commands that read one scenario (or finding) file, with the options that get them that far. */
const FILE_COMMANDS: [string, (file: string) => string[]][] = [
  ['run', (file) => ['run', file, '--target', 'model']],
  ['validate', (file) => ['validate', file]],
  ['expand', (file) => ['expand', file]],
  ['repro', (file) => ['repro', file, '--target', 'fake', '--plugin', PLUGIN]],
  ['minimize', (file) => ['minimize', file, '--target', 'fake', '--plugin', PLUGIN, '--out', f('min-out.json')]],
];

interface Case { label: string; args: string[] | (() => string[]); problem: RegExp }
const cases: Case[] = [];
for (const [command, argsFor] of FILE_COMMANDS) {
  for (const b of badFiles) cases.push({ label: `${command} ${b.name}`, args: argsFor(b.path), problem: b.problem });
}

// ---- a real campaign folder and finding, corrupted one file at a time -------------------------
const campaign = f('campaign');
let findingFile = '';
beforeAll(async () => {
  await runCampaign({
    target: 'fake', seed: 'm', out: campaign, profile: 'full', workers: 1, shard: { index: 0, count: 1 }, resume: false,
    weights: loadWeightsFile(WEIGHTS), expectations: { format: 'gicdiff/expectations@1', target: 'fake', entries: [] },
    plugin: PLUGIN, status: { write: () => {} }, handleSignals: false, iterations: 40, minimizeFindings: false,
  });
  const fdir = path.join(campaign, 'findings');
  findingFile = path.join(fdir, readdirSync(fdir)[0]!, 'finding.json');
}, 60000);

/** A copy of the campaign folder with `file` replaced by `content`. */
function corrupt(name: string, file: string, content: string): string {
  const copy = f(`campaign-${name}`);
  cpSync(campaign, copy, { recursive: true });
  // resumed as a campaign on the registered model target: a --plugin cannot be imported in-process under jest
  const params = JSON.parse(readFileSync(path.join(copy, 'campaign.json'), 'utf8')) as { target: string };
  writeFileSync(path.join(copy, 'campaign.json'), JSON.stringify({ ...params, target: 'model' }));
  writeFileSync(path.join(copy, file), content);
  return copy;
}
/** A copy of the real finding with `edit` applied. */
function finding(name: string, edit: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(readFileSync(findingFile, 'utf8')) as Record<string, unknown>;
  edit(doc);
  writeFileSync(f(name), JSON.stringify(doc));
  return f(name);
}
const resume = (copy: string): string[] => ['fuzz', '--target', 'model', '--weights', WEIGHTS, '--seed', 'm', '-n', '60', '--out', copy, '--resume', '--no-report', '--no-minimize'];
for (const [file, content, problem] of [
  ['state.json', '{"format":"gicdiff/campaign-state@1","next":', /state\.json: \(top level\): not valid JSON/],
  ['state.json', '{"format":"gicdiff/campaign-state@2","committed":5}', /state\.json: \/elapsedMs: missing or of the wrong type/],
  ['campaign.json', '{"format":', /campaign\.json: \(top level\): not valid JSON/],
  ['campaign.json', '{"format":"gicdiff/campaign@7"}', /campaign\.json: \/format/],
  ['state.json', '{"format":"gicdiff/campaign-state@1","next":"x"}', /state\.json/],
  ['state.json', '[1,2]', /state\.json: \(top level\): must be a JSON object/],
  ['state.json', '{"format":"gicdiff/campaign-state@1","next":0,"done":[],"elapsedMs":0}', /state\.json was written by an older gicdiff/],
] as const) {
  cases.push({ label: `fuzz --resume with a bad ${file}`, args: () => resume(corrupt(`${file}-${cases.length}`, file, content)), problem });
}
cases.push({
  label: 'fuzz --resume with a truncated finding.json whose minimization is to be resumed',
  args: () => {
    const copy = corrupt('finding', 'stats.jsonl', '');
    const state = JSON.parse(readFileSync(path.join(copy, 'state.json'), 'utf8')) as { findings: { signature: string }[] };
    writeFileSync(path.join(copy, 'state.json'), JSON.stringify({ ...state, minimize: state.findings.map((x) => x.signature) }));
    const fdir = path.join(copy, 'findings');
    const one = path.join(fdir, readdirSync(fdir)[0]!, 'finding.json');
    writeFileSync(one, readFileSync(one, 'utf8').slice(0, 100));
    return resume(copy).filter((a) => a !== '--no-minimize');
  },
  problem: /finding\.json: \(top level\): not valid JSON/,
});
cases.push({
  label: 'fuzz --resume with a state whose corpus is not a list',
  args: () => {
    const copy = corrupt('corpus', 'stats.jsonl', '');
    const state = JSON.parse(readFileSync(path.join(copy, 'state.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(copy, 'state.json'), JSON.stringify({ ...state, corpus: { 0: 'x' } }));
    return resume(copy);
  },
  problem: /state\.json: \/corpus: missing or of the wrong type/,
});
for (const [name, edit, problem] of [
  ['finding-unknown-target.json', (d: Record<string, unknown>) => { d.target = 'no-such-target'; }, /finding-unknown-target\.json: \/target: no target named "no-such-target"/],
  ['finding-target-constructor.json', (d: Record<string, unknown>) => { d.target = 'constructor'; }, /\/target: no target named "constructor"/],
  ['finding-op-constructor.json', (d: Record<string, unknown>) => { (d.scenario as { ops: unknown[] }).ops.push({ op: 'constructor' }); }, /\/scenario\/ops\/\d+\/op: unknown op "constructor"|\/ops\/\d+\/op: unknown op "constructor"/],
  ['finding-op-proto.json', (d: Record<string, unknown>) => { (d.scenario as { ops: unknown[] }).ops.push({ op: '__proto__' }); }, /unknown op "__proto__"/],
  ['finding-no-scenario.json', (d: Record<string, unknown>) => { delete d.scenario; }, /finding-no-scenario\.json/],
] as const) {
  for (const command of ['repro', 'minimize']) {
    cases.push({ label: `${command} ${name}`, args: () => [command, finding(`${command}-${name}`, edit), ...(command === 'minimize' ? ['--out', f('min2.json')] : [])], problem });
  }
}

// ---- options, per command -----------------------------------------------------------------------
const fuzz = (...more: string[]): string[] => ['fuzz', '--target', 'model', '--weights', WEIGHTS, '--out', f('fuzz-out'), ...more];
writeFileSync(f('a-file'), 'x');
const optionCases: [string[], RegExp][] = [
  ...COMMANDS.flatMap((c): [string[], RegExp][] => [
    [[c, '--constructor', 'x'], /unknown option --constructor/],
    [[c, '--toString', 'x'], /unknown option --toString/],
    [[c, '--__proto__', 'x'], /unknown option --__proto__/],
    [[c, '--hasOwnProperty'], /unknown option --hasOwnProperty/],
    [[c, '--no-constructor'], /unknown option --no-constructor/],
    [[c, '-Z'], /unknown option -Z/],
  ]),
  [['constructor'], /unknown command "constructor"/],
  [['__proto__'], /unknown command "__proto__"/],
  [['toString'], /unknown command "toString"/],
  [['repro', GOOD_SCENARIO, '--target', 'model', '--context', '-5'], /--context must be at least 0/],
  [['repro', GOOD_SCENARIO, '--target', 'model', '--context', '1.5'], /--context takes a whole number/],
  [['repro', GOOD_SCENARIO, '--target', 'model', '--context', 'lots'], /--context takes a number/],
  [['repro', GOOD_SCENARIO], /--target is required/],
  [['repro', GOOD_SCENARIO, '--target', 'constructor'], /unknown target "constructor"|no target named "constructor"/],
  [['repro', GOOD_SCENARIO, '--target', 'model', '--plugin', f('no-plugin.ts')], /no-plugin\.ts/],
  [['repro'], /give exactly one/],
  [['run', GOOD_SCENARIO], /--target/],
  [['run', GOOD_SCENARIO, '--target', 'toString'], /unknown target "toString"|target/],
  [['run', GOOD_SCENARIO, '--target', 'model', '--trace', f('a-folder.json')], /a-folder\.json: is a directory/],
  [['run', GOOD_SCENARIO, '--target', 'model', '--trace', f('a-file/trace.json')], /a-file\/trace\.json.*not a directory|a-file.*not a directory/],
  [['expand'], /FILE|file/],
  [['validate'], /FILE|file/],
  [['minimize', GOOD_SCENARIO, '--target', 'model', '--max-runs', '0'], /--max-runs must be at least 1/],
  [['minimize', GOOD_SCENARIO, '--target', 'model', '--time', 'soon'], /--time/],
  [fuzz(), /give --time or --iterations/],
  [fuzz('--time', '10x'), /--time takes a duration/],
  [fuzz('-n', '0'), /--iterations/],
  [fuzz('-n', '2.5'), /--iterations/],
  [fuzz('-n', '5', '--workers', '-1'), /--workers/],
  [fuzz('-n', '5', '--workers', '1000'), /--workers/],
  [fuzz('-n', '5', '--shard', '2/2'), /--shard 2\/2: need 0 <= i < N/],
  [fuzz('-n', '5', '--shard', 'x'), /--shard takes i\/N/],
  [fuzz('-n', '5', '--profile', 'constructor'), /--profile must be one of/],
  [fuzz('-n', '5', '--malformed-rate', '2'), /--malformed-rate/],
  [fuzz('-n', '5', '--mutation-rate', '-1'), /--mutation-rate/],
  [fuzz('-n', '5', '--step-budget', '0'), /--step-budget/],
  [fuzz('-n', '5', '--timeout', '0s'), /--timeout takes a duration/],
  [fuzz('-n', '5', '--interval', 'x'), /--interval takes a duration/],
  [fuzz('-n', '5', '--hang', '-1s'), /--hang takes a duration/],
  [fuzz('-n', '5', '--seed', 'a b'), /--seed takes/],
  [fuzz('-n', '5', '--seed', '$(touch x)'), /--seed takes/],
  [fuzz('-n', '5', '--weights', path.join(ROOT, 'package.json')), /package\.json: \/format: must be "gicdiff\/weights@1"/],
  [fuzz('-n', '5', '--weights', f('missing.json')), /missing\.json: \(top level\): cannot read the file: no such file/],
  [fuzz('-n', '5', '--weights', '/dev/zero'), /not a regular file/],
  [fuzz('-n', '5', '--expectations', f('truncated.json')), /truncated\.json: \(top level\): not valid JSON/],
  [fuzz('-n', '5', '--expectations', f('a-folder.json')), /a-folder\.json: \(top level\): is a directory/],
  [['fuzz', '--target', 'fake', '--plugin', f('missing-plugin.ts'), '-n', '5', '--out', f('x')], /missing-plugin\.ts: \(top level\): cannot read the file: no such file/],
  [['fuzz', '--target', 'fake', '--plugin', f('a-folder.json'), '-n', '5', '--out', f('x')], /a-folder\.json: \(top level\): is a directory/],
  [['fuzz', '--target', 'nope', '-n', '5', '--out', f('x')], /no target named "nope"/],
  [['fuzz', '--target', 'constructor', '-n', '5', '--out', f('x')], /"constructor"/],
  [['fuzz', '--target', 'model', '-n', '5', '--out', f('a-file'), '--no-report'], /--out .*a-file: is a file, not a folder/],
  [['merge'], /DIR|folder|give/],
  [['merge', f('missing-dir'), '--out', f('m1')], /missing-dir/],
  [['merge', f('a-file'), '--out', f('m2')], /a-file: \(top level\): not a folder/],
  [['merge', dir, '--out', f('m3')], /no summary\.json: not a campaign folder/],
  [['report'], /CAMPAIGN_DIR|folder|give/],
  [['report', f('missing-dir')], /missing-dir/],
  [['report', f('a-file')], /a-file.*not a folder/],
  [['report', dir], /no summary\.json/],
  [['run', GOOD_SCENARIO, '--target', 'model', '--timeout', '0s'], /--timeout takes a duration/],
  [['run', GOOD_SCENARIO, '--target', 'model', '--timeout', 'soon'], /--timeout takes a duration/],
  [['repro', GOOD_SCENARIO, '--target', 'model', '--timeout', '-1s'], /--timeout takes a duration/],
  [['conformance'], /--target/],
  [['conformance', '--target', 'constructor'], /"constructor"/],
  [['conformance', '--target', 'model', '--timeout', '-5'], /--timeout must be at least 1/],
  [['conformance', '--target', 'model', '--suite', f('missing-dir')], /missing-dir/],
  [['conformance', '--target', 'model', '--suite', f('a-file')], /a-file.*not a folder/],
  [['conformance', '--target', 'model', '--rules', f('truncated.json')], /truncated\.json: \(top level\): not valid JSON/],
];
for (const [args, problem] of optionCases) cases.push({ label: args.map((a) => a.replace(dir, '$TMP')).join(' '), args, problem });
// campaign folders that are broken for merge and report
for (const [file, content, problem] of [
  ['summary.json', '{"format":"gicdiff/campaign-summary@1"', /summary\.json: \(top level\): not valid JSON/],
  ['summary.json', '{"format":"x"}', /summary\.json: \/format/],
  ['summary.json', '"\u0000"', /summary\.json/],
  ['stats.jsonl', '{"t":\n', /stats\.jsonl/],
] as const) {
  cases.push({ label: `report with a bad ${file}`, args: () => ['report', corrupt(`r-${cases.length}`, file, content)], problem });
  cases.push({ label: `merge with a bad ${file}`, args: () => ['merge', corrupt(`m-${cases.length}`, file, content), '--out', f(`merged-${cases.length}`)], problem });
}
cases.push({ label: 'report --html a directory', args: () => ['report', campaign, '--html', f('a-folder.json')], problem: /a-folder\.json: is a directory/ });
cases.push({ label: 'report --md under a file', args: () => ['report', campaign, '--md', f('a-file/r.md')], problem: /a-file: a file is in the way of this folder/ });
cases.push({ label: 'conformance --junit a directory', args: () => ['conformance', '--target', 'model', '--suite', path.join(ROOT, 'spec/conformance/cpuif'), '--component', 'cpuif', '--junit', f('a-folder.json'), '-q'], problem: /a-folder\.json: is a directory/ });

test('the corpus is large enough and covers every command', () => {
  expect(cases.length).toBeGreaterThanOrEqual(150);
  const covered = new Set(cases.map((c) => c.label.split(' ')[0]));
  for (const c of COMMANDS) expect(covered).toContain(c);
});

describe('malformed inputs and options: exit 2, a message naming the problem, no stack', () => {
  test.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    const args = typeof c.args === 'function' ? c.args() : c.args;
    const code = await cli(args);
    // validate lists each file's verdict on stdout; every other command reports on stderr
    const err = (c.label.startsWith('validate ') ? [...output.out, ...output.err] : output.err).join('');
    expect({ code, err }).toEqual({ code: 2, err: expect.stringMatching(c.problem) });
    expect(code).not.toBe(EXIT_INTERNAL);
    expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(err).not.toMatch(/internal error/);
  }, 30000);
});

test('no temporary file is left behind by a failed write', () => {
  const leftovers = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
  expect(leftovers).toEqual([]);
});

test('an internal error: the documented code, a short message with a hint, the stack only with --debug', async () => {
  const { reportError } = await import('../../cli/main.js');
  const boom = new TypeError('x is undefined');
  expect(reportError('run', boom, false)).toBe(EXIT_INTERNAL);
  expect(output.err.join('')).toMatch(/^gicdiff run: internal error: TypeError: x is undefined\nThis is a bug in gicdiff: please report it .*--debug/);
  expect(output.err.join('')).not.toMatch(/\n\s+at /);
  output.err.length = 0;
  reportError('run', boom, true);
  expect(output.err.join('')).toMatch(/\n\s+at /);
});
