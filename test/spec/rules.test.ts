// The rules catalogue (spec/rules.json) validates against its schema, ids are unique and follow
// the id scheme, and every guest-reachable permitted-behaviour point 1..53 (choice.u<N>.*,
// docs/oracle.md) is a permitted-choice rule (points 50-52 are host-internal GICv4 points, see the
// note on choice.u53.vlpi-vs-lpi).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateJson, ValidationError } from '../../spec/validate.js';
import type { Rule, RulesCatalogue } from '../../spec/gen/rules.js';

const RULES_FILE = path.resolve(__dirname, '../../spec/rules.json');
const catalogue = JSON.parse(readFileSync(RULES_FILE, 'utf8')) as RulesCatalogue;
const rules: Rule[] = catalogue.rules;

/** Permitted-behaviour points a KVM guest (or its VMM through the documented ABI) can reach. */
const GUEST_REACHABLE_U = [...Array.from({ length: 49 }, (_, i) => i + 1), 53];
const HOST_INTERNAL_U = [50, 51, 52];

const ID_PREFIXES = [
  'dist.', 'redist.', 'cpuif.', 'lpi.', 'its.reg.', 'its.queue.', 'its.cmd.', 'its.msi.', 'its.translater.',
  'kvm.irq-line.', 'kvm.routing.', 'kvm.irqfd.', 'kvm.msi.', 'kvm.attr.', 'kvm.its-abi.', 'kvm.migrate.',
  'kvm.its-typer', 'kvm.timer.', 'kvm.vfio.', 'choice.u',
  // generic rules the model applies to any access (guest memory, MMIO decoding, scheduling ops, held IMPDEF values)
  'mem.', 'mmio.', 'sched.', 'impdef.',
];
const COMPONENTS = new Set(['dist', 'redist', 'cpuif', 'lpi', 'its', 'kvm', 'gicv4']);
const ITS_COMMANDS = ['mapd', 'mapc', 'mapti', 'mapi', 'movi', 'int', 'clear', 'discard', 'inv', 'invall', 'sync', 'movall'];

describe('rules catalogue', () => {
  test('validates against spec/schema/rules.schema.json', () => {
    expect(() => validateJson('rules', catalogue, RULES_FILE)).not.toThrow();
  });

  test('a broken catalogue is rejected with the JSON path', () => {
    const broken = { format: 'gicdiff/rules@1', rules: [{ id: 'Dist.Bad', statement: 'x', source: 'y', kind: 'arch', component: 'dist' }] };
    expect(() => validateJson('rules', broken, 'broken.json')).toThrow(ValidationError);
    expect(() => validateJson('rules', broken, 'broken.json')).toThrow(/\/rules\/0/);
  });

  test('at least 150 rules, ids unique', () => {
    expect(rules.length).toBeGreaterThanOrEqual(150);
    const ids = rules.map((r) => r.id);
    const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dup).toEqual([]);
  });

  test('ids follow the scheme and component matches the first segment', () => {
    for (const r of rules) {
      expect(ID_PREFIXES.some((p) => r.id.startsWith(p))).toBe(true);
      // choice.u<N>.* are the numbered permitted-behaviour points (docs/oracle.md), with their allowed list;
      // other permitted choices (found while writing the model) keep their component's prefix
      if (r.id.startsWith('choice.')) {
        expect(r.id).toMatch(/^choice\.u\d+\.[a-z0-9-]+$/);
        expect(r.kind).toBe('permitted-choice');
        expect(r.allowed?.length ?? 0).toBeGreaterThanOrEqual(1);
      } else if (COMPONENTS.has(r.id.split('.')[0]!)) {
        expect({ id: r.id, component: r.component }).toEqual({ id: r.id, component: r.id.split('.')[0] });
      }
      if (r.kind === 'kvm-abi') expect(r.id.startsWith('kvm.')).toBe(true);
    }
  });

  test('every guest-reachable point is a permitted-choice rule with its number', () => {
    const byU = new Map<number, Rule[]>();
    for (const r of rules) {
      const m = /^choice\.u(\d+)\./.exec(r.id);
      if (m) byU.set(Number(m[1]), [...(byU.get(Number(m[1])) ?? []), r]);
    }
    const missing = GUEST_REACHABLE_U.filter((u) => !byU.has(u));
    expect(missing).toEqual([]);
    for (const u of HOST_INTERNAL_U) expect(byU.has(u)).toBe(false);
    for (const list of byU.values()) {
      for (const r of list) {
        expect(r.kind).toBe('permitted-choice');
        expect(r.statement).toMatch(/Allowed: /);
        // a permitted choice exists because the architecture allows it: its source is the Arm text
        expect(r.source).toMatch(/Arm IHI 0069 /);
      }
    }
    // the reason 50-52 are absent is written down in the catalogue
    expect(rules.find((r) => r.id === 'choice.u53.vlpi-vs-lpi')?.note).toMatch(/50 .*51 .*52 /);
  });

  test('every ITS command has an effect rule, and each listed error (IHI 0069 5.5) a rule', () => {
    for (const c of ITS_COMMANDS) expect(rules.filter((r) => r.id.startsWith(`its.cmd.${c}.`)).length).toBeGreaterThan(0);
    // the command error encodings (IHI 0069 5.5, GIC-600AE TRM), by command and condition
    const errors: [string, string, string][] = [
      ['movi', 'device-oor', '0x010101'], ['movi', 'collection-oor', '0x010103'], ['movi', 'unmapped-device', '0x010104'],
      ['movi', 'id-oor', '0x010105'], ['movi', 'unmapped-interrupt', '0x010107'], ['movi', 'unmapped-collection', '0x010109'],
      ['int', 'device-oor', '0x010301'], ['int', 'unmapped-device', '0x010304'], ['int', 'id-oor', '0x010305'],
      ['int', 'unmapped-interrupt', '0x010307'], ['clear', 'device-oor', '0x010501'], ['clear', 'unmapped-device', '0x010504'],
      ['clear', 'id-oor', '0x010505'], ['clear', 'unmapped-interrupt', '0x010507'], ['mapd', 'device-oor', '0x010801'],
      ['mapd', 'ittsize-oor', '0x010802'], ['mapc', 'procnum-oor', '0x010902'], ['mapc', 'collection-oor', '0x010903'],
      ['mapti', 'device-oor', '0x010a01'], ['mapti', 'unmapped-device', '0x010a04'], ['mapti', 'id-oor', '0x010a05'],
      ['mapti', 'physicalid-oor', '0x010a06'], ['mapi', 'device-oor', '0x010b01'], ['mapi', 'collection-oor', '0x010b03'],
      ['mapi', 'unmapped-device', '0x010b04'], ['mapi', 'id-oor', '0x010b05'], ['inv', 'device-oor', '0x010c01'],
      ['inv', 'unmapped-device', '0x010c04'], ['inv', 'id-oor', '0x010c05'], ['inv', 'unmapped-interrupt', '0x010c07'],
      ['invall', 'collection-oor', '0x010d03'], ['invall', 'unmapped-collection', '0x010d09'], ['movall', 'procnum-oor', '0x010e01'],
      ['discard', 'device-oor', '0x010f01'], ['discard', 'unmapped-device', '0x010f04'], ['discard', 'id-oor', '0x010f05'],
      ['discard', 'unmapped-interrupt', '0x010f07'],
    ];
    for (const [c, slug, code] of errors) {
      const rule = rules.find((r) => r.id === `its.cmd.${c}.${slug}`);
      expect(rule?.statement).toContain(code);
    }
  });

  test('sources cite the Arm specification, the kernel or the repository docs', () => {
    for (const r of rules) expect(r.source).toMatch(/Arm IHI 0069 |Linux (Documentation|arch|include|drivers)\/|docs\//);
  });
});
