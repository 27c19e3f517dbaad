// The fault catalogue of `gicdiff selftest` stays applicable to the current impl/: every entry's
// find text occurs exactly once in its file (a refactoring of impl/ that breaks an entry fails
// here, not in the nightly run), ids are unique, and the patched copy differs from the original
// in exactly that one place.
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { transformSync } from 'esbuild';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { AREAS, EXTRA_FAULTS, FAULTS, type Fault } from '../../fuzz/selftest/catalogue.js';
import { FaultPatchError, checkFaultApplies, makeWorkspace, occurrences, patchedText, trackedFiles } from '../../fuzz/selftest/workspace.js';

const ROOT = path.resolve(__dirname, '../..');
const ALL = [...FAULTS, ...EXTRA_FAULTS];

describe('the fault catalogue', () => {
  test('at least 40 faults in the default set, spread over every area', () => {
    expect(FAULTS.length).toBeGreaterThanOrEqual(40);
    for (const area of AREAS) expect(FAULTS.filter((f) => f.area === area).length).toBeGreaterThan(0);
  });

  test('ids are unique and kebab-case', () => {
    const ids = ALL.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  const tracked = new Set(trackedFiles(ROOT));
  test.each(ALL.map((f) => [f.id, f] as const))('%s applies to the current impl/', (_id, f: Fault) => {
    expect(f.file.startsWith('impl/')).toBe(true);
    expect(tracked.has(f.file)).toBe(true);
    expect(AREAS).toContain(f.area);
    expect(f.replace).not.toBe(f.find);
    expect(f.description.length).toBeGreaterThan(20);
    expect(f.modelledOn.ref.length).toBeGreaterThan(10);
    const text = readFileSync(path.join(ROOT, f.file), 'utf8');
    expect(occurrences(text, f.find)).toBe(1);
    expect(() => checkFaultApplies(ROOT, f)).not.toThrow();
    // the patched file still parses (a fault is a behaviour change, not a syntax error)
    expect(() => transformSync(patchedText(f, text), { loader: 'ts', sourcefile: f.file })).not.toThrow();
  });
});

describe('applying a fault', () => {
  test('a find text that is gone or ambiguous fails loudly, naming the fault and the file', () => {
    const f = FAULTS[0]!;
    expect(() => patchedText({ ...f, find: 'this text is in no file' }, 'abc')).toThrow(FaultPatchError);
    expect(() => patchedText({ ...f, find: 'ab' }, 'ab ab')).toThrow(/occurs 2 times in impl\//);
    expect(() => patchedText({ ...f, find: 'zz' }, 'ab')).toThrow(new RegExp(`fault ${f.id}: .*nowhere`));
  });

  test('the patched copy has the tracked files, node_modules linked, and the one edit', () => {
    const f = FAULTS.find((x) => x.id === 'queue-no-kick')!;
    const parent = mkdtempSync(path.join(os.tmpdir(), 'gicdiff-selftest-test-'));
    try {
      const dir = makeWorkspace(ROOT, f, parent);
      expect(lstatSync(path.join(dir, 'node_modules')).isSymbolicLink()).toBe(true);
      expect(existsSync(path.join(dir, 'package.json'))).toBe(true);
      const before = readFileSync(path.join(ROOT, f.file), 'utf8');
      const after = readFileSync(path.join(dir, f.file), 'utf8');
      expect(after).toBe(before.replace(f.find, f.replace));
      expect(after).not.toContain('if (!bcast) vgicKick(dist, vcpu);');
      // every other impl/ file is untouched
      for (const other of ['impl/vgic/vgic-v3.ts', 'impl/vgic/vgic-its-cmd.ts']) {
        expect(readFileSync(path.join(dir, other), 'utf8')).toBe(readFileSync(path.join(ROOT, other), 'utf8'));
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
    // removing the copy left the repository's node_modules alone
    expect(existsSync(path.join(ROOT, 'node_modules', 'tsx'))).toBe(true);
  });
});

// A witness is a scenario written to reveal one fault (the selftest replays it on the patched copy
// and reports whether it diverges there). On the clean target it must pass, or it proves nothing.
describe('witnesses', () => {
  const dir = path.join(ROOT, 'fuzz/selftest/witnesses');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  test('each names a catalogue fault', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(ALL.map((x) => x.id)).toContain(f.replace(/\.json$/, ''));
  });
  // through the CLI's directed-suite runner: every witness passes (no divergence, known or new)
  test('every witness passes on the clean kvm target', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'gicdiff-witness-'));
    try {
      const json = path.join(tmp, 'w.json');
      execFileSync(process.execPath, [path.join(ROOT, 'bin/gicdiff.mjs'), 'conformance', '--target', 'kvm', '--suite', dir, '--json', json, '--quiet'], { cwd: ROOT, stdio: 'pipe' });
      const rep = JSON.parse(readFileSync(json, 'utf8')) as { results: { scenario: string; outcome: string }[] };
      expect(rep.results.map((r) => [path.basename(r.scenario), r.outcome]).sort()).toEqual(files.map((f) => [f, 'pass']).sort());
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
