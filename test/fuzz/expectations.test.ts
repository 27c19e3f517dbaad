// spec/expectations/<target>.json declares a target's quirks; model/quirks.ts implements them. The
// two stay one list: every declared kvm quirk is executable, every quirk is declared, each names
// rules that exist. Nothing matches findings by pattern any more (triage/classify.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadExpectationsFile, loadTargetExpectations, signatureString, validateExpectationsJson } from '../../spec/expectations.js';
import type { Expectations, SignatureParts } from '../../spec/expectations.js';
import { QUIRK_BY_ID, QUIRKS } from '../../model/quirks.js';
import { CHOICES } from '../../model/choices.js';

const root = path.join(__dirname, '..', '..');
const ruleIds = new Set((JSON.parse(readFileSync(path.join(root, 'spec', 'rules.json'), 'utf8')) as { rules: { id: string }[] }).rules.map((r) => r.id));

/**
 * Declared kvm entries not executable yet: each is reported new wherever it shows (honestly), until
 * its quirk is written. The list only shrinks.
 */
const KVM_NOT_YET_QUIRKS: readonly string[] = JSON.parse(readFileSync(path.join(__dirname, 'kvm-not-yet-quirks.json'), 'utf8')) as string[];
/** The same for qemu: behaviours of QEMU's emulated GIC not written as quirks yet. */
const QEMU_NOT_YET_QUIRKS: readonly string[] = JSON.parse(readFileSync(path.join(__dirname, 'qemu-not-yet-quirks.json'), 'utf8')) as string[];

/** Quirks the oracle can take: the registry's quirks and the quirk options of its choices. */
const EXECUTABLE = new Set<string>([...QUIRK_BY_ID.keys(), ...Object.values(CHOICES).flatMap((c) => c.options.flatMap((o) => (o.quirk === undefined ? [] : [o.quirk])))]);

const parts: SignatureParts = {
  target: 'kvm', op: 'its.cmd', detail: 'MAPTI', mismatch: 'value-mismatch', rule: 'its.mapti.remap', rules: ['its.mapti.remap', 'its.cmd.queue'],
};

describe('quirk declarations', () => {
  test('signature string has the documented shape', () => {
    expect(signatureString(parts)).toBe('kvm:its.cmd MAPTI:value-mismatch:its.mapti.remap');
    expect(signatureString({ ...parts, detail: '' })).toBe('kvm:its.cmd:value-mismatch:its.mapti.remap');
  });

  test('malformed files get file, JSON path and problem; pattern fields are gone', () => {
    const doc: Expectations = { format: 'gicdiff/expectations@1', target: 'kvm', entries: [{ id: 'kvm.x', reason: 'r', source: 's' }] };
    const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-exp-'));
    const f = path.join(dir, 'kvm.json');
    writeFileSync(f, JSON.stringify({ ...doc, entries: [{ id: 'x', match: { op: '*' }, reason: 'r', source: 's' }] }));
    expect(() => loadExpectationsFile(f)).toThrow(/kvm\.json: \/entries\/0: .*match/);
    writeFileSync(f, JSON.stringify({ ...doc, entries: [doc.entries[0], doc.entries[0]] }));
    expect(() => loadExpectationsFile(f)).toThrow(/\/entries\/1\/id: duplicate id "kvm.x"/);
    expect(() => validateExpectationsJson({ format: 'x' }, 'a.json')).toThrow(/a\.json: /);
    writeFileSync(f, '{ not json');
    expect(() => loadExpectationsFile(f)).toThrow(/not valid JSON/);
  });

  const kvm = loadTargetExpectations('kvm');
  test.each(kvm.entries.map((e) => [e.id, e] as const))('kvm: %s has a reason, a source, existing rules, and is executable (or listed as not yet)', (id, e) => {
    expect(e.reason.length).toBeGreaterThan(40);
    expect(e.source.length).toBeGreaterThan(5);
    for (const r of e.rules ?? []) expect(ruleIds.has(r)).toBe(true);
    expect(EXECUTABLE.has(id) !== KVM_NOT_YET_QUIRKS.includes(id)).toBe(true);
  });

  const qemu = loadTargetExpectations('qemu');
  test.each(qemu.entries.map((e) => [e.id, e] as const))('qemu: %s has a reason, a source, existing rules, and is executable (or listed as not yet)', (id, e) => {
    expect(e.reason.length).toBeGreaterThan(40);
    expect(e.source.length).toBeGreaterThan(5);
    for (const r of e.rules ?? []) expect(ruleIds.has(r)).toBe(true);
    expect(EXECUTABLE.has(id) !== QEMU_NOT_YET_QUIRKS.includes(id)).toBe(true);
  });

  test('every quirk of the registry is declared for its target, with a rule that exists, and a quirk option names a declared quirk', () => {
    for (const q of Object.values(QUIRKS)) {
      expect(loadTargetExpectations(q.target).entries.map((e) => e.id)).toContain(q.id);
      expect(ruleIds.has(q.rule)).toBe(true);
      expect(q.source).toMatch(/\.c\b/); // the kernel (or QEMU) function it is read from
    }
    for (const c of Object.values(CHOICES)) {
      for (const o of c.options) {
        if (o.quirk === undefined) continue;
        const target = o.quirk.split('.')[0]!;
        expect(loadTargetExpectations(target).entries.map((e) => e.id)).toContain(o.quirk);
      }
    }
    for (const id of KVM_NOT_YET_QUIRKS) expect(kvm.entries.map((e) => e.id)).toContain(id);
    for (const id of QEMU_NOT_YET_QUIRKS) expect(qemu.entries.map((e) => e.id)).toContain(id);
  });
});
