// spec/expectations/kvm.json: valid against its schema, and every rule it names or matches exists
// in spec/rules.json (a pattern that matches no rule would never classify anything).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadExpectationsFile, matchExpectation } from '../../spec/expectations.js';

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

describe('divergences the kvm target really shows are classified known', () => {
  const doc = loadExpectationsFile(path.join(root, 'spec', 'expectations', 'kvm.json'));
  // signature parts as `gicdiff run` reported them for short scenarios (oracle on)
  const seen = [
    { id: 'kvm.signal-msi-cached-without-devid', parts: { target: 'kvm', op: 'kvm.signal_msi', detail: '', mismatch: 'return-mismatch', rule: 'kvm.msi.no-devid', rules: ['kvm.msi.no-devid'] } },
    { id: 'kvm.gits-quiescent-with-queued-commands', parts: { target: 'kvm', op: 'mmio.read', detail: 'GITS_CTLR', mismatch: 'value-mismatch', rule: 'its.reg.ctlr.enabled', rules: ['its.reg.ctlr.enabled'] } },
  ];
  test.each(seen)('$id', ({ id, parts }) => {
    expect(matchExpectation(doc, parts)?.id).toBe(id);
  });

  test('an unrelated divergence stays new', () => {
    expect(matchExpectation(doc, { target: 'kvm', op: 'sysreg.read', detail: 'ICC_IAR1_EL1', mismatch: 'value-mismatch', rule: 'cpuif.iar1.ack', rules: ['cpuif.iar1.ack'] })).toBeNull();
    expect(matchExpectation(doc, { target: 'kvm', op: 'mmio.read', detail: 'GITS_TYPER', mismatch: 'value-mismatch', rule: 'its.reg.typer.physical', rules: ['its.reg.typer.physical'] })).toBeNull();
  });
});
