import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { entryMatches, loadExpectationsFile, matchExpectation, signatureString, validateExpectationsJson } from '../../spec/expectations.js';
import type { Expectations, SignatureParts } from '../../spec/expectations.js';

const parts: SignatureParts = {
  target: 'kvm', op: 'its.cmd', detail: 'MAPTI', mismatch: 'value-mismatch', rule: 'its.mapti.remap', rules: ['its.mapti.remap', 'its.cmd.queue'],
};

const doc: Expectations = {
  format: 'gicdiff/expectations@1',
  target: 'kvm',
  entries: [
    { id: 'other', match: { op: 'sysreg.read' }, reason: 'r', source: 's' },
    { id: 'mapti-keeps-old', match: { op: 'its.cmd', detail: ['MAPD', 'MAP*'], rules: ['its.mapti.*'] }, reason: 'KVM keeps the old mapping', source: 'impl/DIVERGENCES.md' },
  ],
};

describe('expectations matcher', () => {
  test('signature string has the documented shape', () => {
    expect(signatureString(parts)).toBe('kvm:its.cmd MAPTI:value-mismatch:its.mapti.remap');
    expect(signatureString({ ...parts, detail: '' })).toBe('kvm:its.cmd:value-mismatch:its.mapti.remap');
  });
  test('first matching entry wins; fields are ANDed, lists ORed, globs work', () => {
    expect(matchExpectation(doc, parts)?.id).toBe('mapti-keeps-old');
    expect(matchExpectation(doc, { ...parts, detail: 'INT' })).toBeNull();
    expect(matchExpectation(doc, { ...parts, rules: ['its.int'], rule: 'its.int' })).toBeNull();
    expect(entryMatches({ signature: 'kvm:its.cmd MAP?I:*' }, parts)).toBe(true);
    expect(entryMatches({ signature: 'kvm:its.cmd MAP?:*' }, parts)).toBe(false);
    // regex metacharacters in a pattern are literal
    expect(entryMatches({ rule: 'its.mapti.remap' }, { ...parts, rule: 'itsXmaptiXremap' })).toBe(false);
  });
  test('entries of another target never match', () => {
    expect(matchExpectation({ ...doc, target: 'qemu' }, parts)).toBeNull();
  });
  test('malformed files get file, JSON path and problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-exp-'));
    const f = path.join(dir, 'kvm.json');
    writeFileSync(f, JSON.stringify({ ...doc, entries: [{ id: 'x', match: {}, reason: 'r', source: 's' }] }));
    expect(() => loadExpectationsFile(f)).toThrow(/kvm\.json: \/entries\/0\/match: .*fewer than 1/);
    writeFileSync(f, JSON.stringify({ ...doc, entries: [doc.entries[1], doc.entries[1]] }));
    expect(() => loadExpectationsFile(f)).toThrow(/\/entries\/1\/id: duplicate id "mapti-keeps-old"/);
    expect(() => validateExpectationsJson({ format: 'x' }, 'a.json')).toThrow(/a\.json: /);
    writeFileSync(f, '{ not json');
    expect(() => loadExpectationsFile(f)).toThrow(/not valid JSON/);
  });
});
