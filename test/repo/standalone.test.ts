// The repository stands alone: a clone without anything beside it has every file its tests, its
// README and its comments rely on. No tracked file may point outside the repository (a sibling
// folder, one machine's absolute paths) or cite documents the repository does not contain; rules
// and comments cite Arm IHI 0069, the kernel's documentation or functions, the rule ids of
// spec/rules.json (choice.u<N>.*) and docs/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Every tracked file, as git lists it (a lone clone has exactly these). */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
}

// Built from pieces so that this file does not match itself.
const PRIVATE_DOCS = ['gic-' + 'arch', 'kvm-' + 'vgic', 'DES' + 'IGN', 'tool' + 'chain'].map((n) => `${n}.md`);
const OUTSIDE_PATHS: [RegExp, string][] = [
  [new RegExp('\\.\\./' + 'shared\\b'), 'a folder beside the repository'],
  [new RegExp('/' + 'work/'), "one machine's absolute path"],
  [new RegExp('(^|[\\s\'"`(=])/(home|root|Users)/[A-Za-z0-9_.-]+'), 'an absolute home path'],
];
/** A private permitted-behaviour number (U1..U53); U8/U16/U32/U64 as type names are not. */
const U_NUMBER = /\bU(\d{1,2})\b/g;

function uNumbers(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(U_NUMBER)) {
    const n = Number(m[1]);
    if (n < 1 || n > 53) continue;
    const before = line.slice(Math.max(0, m.index - 13), m.index);
    const after = line.slice(m.index + m[0].length, m.index + m[0].length + 1);
    const typeName = [8, 16, 32].includes(n) && (/(definitions\/|"|[:?]: |<|\| |type )$/.test(before) || ['"', '[', '>', '|', ';'].includes(after));
    if (!typeName) out.push(m[0]);
  }
  return out;
}

function problems(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    for (const doc of PRIVATE_DOCS) if (line.includes(doc)) out.push(`${where}: cites ${doc}, a document the repository does not contain`);
    for (const [re, what] of OUTSIDE_PATHS) if (re.test(line)) out.push(`${where}: refers to ${what}: ${line.trim().slice(0, 120)}`);
    for (const u of uNumbers(line)) out.push(`${where}: ${u} is a private number; name the rule (choice.u${u.slice(1)}.* in spec/rules.json)`);
  });
  return out;
}

describe('the repository stands alone', () => {
  const files = trackedFiles();

  test('git lists the tracked files', () => {
    expect(files).toContain('package.json');
    expect(files).toContain('examples/its-int-basic.json');
    expect(files).toContain('docs/scenario-format.md');
  });

  test('no tracked file refers outside the repository or to a private document', () => {
    const found: string[] = [];
    for (const f of files) {
      if (f === 'test/repo/standalone.test.ts') continue;
      const buf = readFileSync(path.join(ROOT, f));
      if (buf.includes(0)) continue; // binary
      found.push(...problems(f, buf.toString('utf8')));
    }
    expect(found).toEqual([]);
  });

  test('the checks catch what they are for', () => {
    expect(problems('x', `see ../${'shared'}/examples`)).toHaveLength(1);
    expect(problems('x', `at /${'work'}/main`)).toHaveLength(1);
    expect(problems('x', 'cd /home/someone/gicdiff')).toHaveLength(1);
    expect(problems('x', `(${PRIVATE_DOCS[0]} 5.3)`)).toHaveLength(1);
    expect(problems('x', '// the ITS may stall (U26)')).toHaveLength(1);
    expect(problems('x', '// the ITS may stall (choice.u26.command-error-response)')).toEqual([]);
    expect(problems('x', '  device: U32;')).toEqual([]);
    expect(problems('x', '"$ref": "#/definitions/U32"')).toEqual([]);
    expect(problems('x', 'https://developer.arm.com/documentation/ihi0069/latest')).toEqual([]);
  });

  test('every docs/ page and example named by the README exists', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const m of readme.matchAll(/\b(docs|examples)\/[A-Za-z0-9._/-]+\.(md|json)\b/g)) expect(files).toContain(m[0]);
  });
});
