// spec/expectations/kvm.json: valid against its schema, and every rule it names or matches exists
// in spec/rules.json (a pattern that matches no rule would never classify anything).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadExpectationsFile } from '../../spec/expectations.js';

const root = path.join(__dirname, '..', '..');
const ruleIds: string[] = (JSON.parse(readFileSync(path.join(root, 'spec', 'rules.json'), 'utf8')) as { rules: { id: string }[] }).rules.map((r) => r.id);
const globRe = (p: string): RegExp => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

describe('spec/expectations/kvm.json', () => {
  const doc = loadExpectationsFile(path.join(root, 'spec', 'expectations', 'kvm.json'));

  test('is for the kvm target and every entry has a reason and a source', () => {
    expect(doc.target).toBe('kvm');
    expect(doc.entries.length).toBeGreaterThan(0);
    for (const e of doc.entries) expect(e.reason.length && e.source.length).toBeTruthy();
  });

  test.each(doc.entries.map((e) => [e.id, e] as const))('%s names only existing rules', (_id, e) => {
    for (const r of e.rules ?? []) expect(ruleIds).toContain(r);
    const pats = [...(e.match.rules ?? []), ...(typeof e.match.rule === 'string' ? [e.match.rule] : e.match.rule ?? [])];
    for (const p of pats) expect(ruleIds.some((id) => globRe(p).test(id))).toBe(true);
  });
});
