// JUnit XML as CI tools read it: parsed back with a real XML parser, counts checked by hand.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { buildReport } from '../../reports/build.js';
import { renderJUnit } from '../../reports/junit.js';
import { conformanceInput } from './fixtures.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

describe('renderJUnit', () => {
  const xml = renderJUnit(buildReport(conformanceInput()));
  const doc = parser.parse(xml) as { testsuites: Node & { testsuite: (Node & { testcase: Node[] })[] } };
  const suites = doc.testsuites.testsuite;
  const suite = (name: string) => suites.find((s) => s['@name'] === name)!;
  const testcase = (suiteName: string, name: string) => suite(suiteName).testcase.find((t) => t['@name'] === name)!;

  test('is well-formed XML even with <, &, quotes and a NUL in a target error', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  });

  test('one testsuite per target and component, with counts', () => {
    expect(suites.map((s) => s['@name'])).toEqual([
      'kvm.cpuif', 'kvm.gicv4', 'kvm.its', 'kvm.save-restore',
      'model.cpuif', 'model.gicv4', 'model.its', 'model.save-restore',
      'qemu.cpuif', 'qemu.gicv4', 'qemu.its', 'qemu.save-restore',
    ]);
    // kvm.cpuif: iar-ack passes, iar-spurious is a target error
    expect([suite('kvm.cpuif')['@tests'], suite('kvm.cpuif')['@failures'], suite('kvm.cpuif')['@errors'], suite('kvm.cpuif')['@skipped']]).toEqual(['2', '0', '1', '0']);
    // kvm.its: its-int passes, its-movi is a new divergence
    expect([suite('kvm.its')['@tests'], suite('kvm.its')['@failures'], suite('kvm.its')['@errors'], suite('kvm.its')['@skipped']]).toEqual(['2', '1', '0', '0']);
    expect(suite('kvm.save-restore')['@skipped']).toBe('1');
    expect(suite('qemu.its')['@skipped']).toBe('2');
  });

  test('testsuites totals are the sums', () => {
    const t = doc.testsuites;
    expect([t['@tests'], t['@failures'], t['@errors'], t['@skipped']]).toEqual(['18', '1', '1', '8']);
    const sum = (k: string) => suites.reduce((n, s) => n + Number(s[k]), 0);
    expect(sum('@tests')).toBe(18);
    expect(suites.reduce((n, s) => n + s.testcase.length, 0)).toBe(18);
    expect(sum('@skipped')).toBe(8);
  });

  test('a new divergence is a failure whose message carries the repro command', () => {
    const tc = testcase('kvm.its', 'its-movi');
    const failure = tc.failure as Node;
    expect(failure['@type']).toBe('divergence');
    expect(failure['@message']).toContain('gicdiff repro spec/conformance/its/its-movi.json --target kvm');
    expect(failure['@message']).toContain('ICC_IAR1_EL1 on cpu 1 returned 0x3ff');
    expect(String(failure['#text'])).toContain('allowed: 0x2000');
    expect(String(failure['#text'])).toContain('rules:   its.movi.pending');
    expect(tc['@classname']).toBe('kvm.its');
    expect(tc['@file']).toBe('spec/conformance/its/its-movi.json');
  });

  test('known divergences and unsupported scenarios are skipped with the reason', () => {
    const known = testcase('kvm.save-restore', 'its-restore-order').skipped as Node;
    expect(known['@message']).toBe('known divergence: KVM restores the ITS tables in its own order (impl/DIVERGENCES.md)');
    const unsupported = testcase('model.gicv4', 'gicv4-only').skipped as Node;
    expect(unsupported['@message']).toBe('unsupported on model: model has no GICv4 knobs');
    expect(testcase('model.its', 'its-movi').failure).toBeUndefined();
    expect(testcase('model.its', 'its-movi').skipped).toBeUndefined();
  });

  test('newlines in a message survive the attribute', () => {
    const input = conformanceInput();
    const r = input.results.find((x) => x.outcome === 'new' && x.failures[0]?.kind === 'divergence')!;
    r.failures = [{ ...r.failures[0]!, message: 'line one\nline two' }];
    // a conforming XML parser decodes character references (fast-xml-parser needs htmlEntities for that)
    const full = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true, isArray: (name) => ['testsuite', 'testcase'].includes(name) });
    const d = full.parse(renderJUnit(buildReport(input))) as { testsuites: { testsuite: { testcase: Node[] }[] } };
    const f = d.testsuites.testsuite.flatMap((s) => s.testcase).map((t) => t.failure as Node | undefined).find((x) => x && String(x['@message']).startsWith('line one'))!;
    expect(f['@message']).toMatch(/^line one\nline two \| repro: /);
  });

  test('a target that threw is an error, not a failure', () => {
    const tc = testcase('kvm.cpuif', 'iar-spurious');
    expect(tc.failure).toBeUndefined();
    expect((tc.error as Node)['@type']).toBe('target-error');
    expect((tc.error as Node)['@message']).toContain('cannot read <lr> & "state"');
  });
});
