// An expectations file may extend another target's (kvm-hw is real KVM: kvm's divergences apply).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadExpectationsFile, loadTargetExpectations } from '../../spec/expectations.js';
import { targetQuirks } from '../../triage/classify.js';
import { ValidationError } from '../../spec/validate.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-expect-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (id: string, reason: string) => ({ id, reason, source: 's' });
function write(name: string, doc: object): string {
  const f = path.join(dir, `${name}.json`);
  writeFileSync(f, JSON.stringify({ format: 'gicdiff/expectations@1', target: name, ...doc }));
  return f;
}

test('the extended file\'s entries follow the own ones; an own entry with the same id wins', () => {
  write('base', { entries: [entry('a', 'r.a'), entry('b', 'r.base')] });
  const doc = loadExpectationsFile(write('hw', { extends: 'base', entries: [entry('b', 'r.own'), entry('c', 'r.c')] }));
  expect(doc.target).toBe('hw');
  expect(doc.entries.map((e) => `${e.id}:${e.reason}`)).toEqual(['b:r.own', 'c:r.c', 'a:r.a']);
  expect(doc.target).toBe('hw'); // still this target's document
});

test('a cycle or a missing file is an error naming the file and /extends', () => {
  write('x', { extends: 'y', entries: [] });
  const y = write('y', { extends: 'x', entries: [] });
  expect(() => loadExpectationsFile(y)).toThrow(ValidationError);
  expect(() => loadExpectationsFile(y)).toThrow(/\/extends.*cycle: y\.json -> x\.json -> y\.json/);
  const lone = write('lone', { extends: 'nowhere', entries: [] });
  expect(() => loadExpectationsFile(lone)).toThrow(/\/extends.*nowhere/);
});

test('kvm-hw (real KVM) takes every quirk of kvm, under its own target name', () => {
  const doc = loadTargetExpectations('kvm-hw');
  const kvm = loadTargetExpectations('kvm');
  expect(doc.entries.length).toBeGreaterThanOrEqual(kvm.entries.length);
  for (const e of kvm.entries) expect(targetQuirks('kvm-hw').has(e.id)).toBe(true);
});

test('every expectations file of spec/expectations/ validates (a stale field fails here, not in a CLI run)', () => {
  const dir = path.resolve(__dirname, '../../spec/expectations');
  const targets = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  expect(targets).toEqual(expect.arrayContaining(['kvm', 'kvm-linux', 'kvm-linux-6.1']));
  for (const t of targets) expect(() => loadTargetExpectations(t)).not.toThrow();
});
