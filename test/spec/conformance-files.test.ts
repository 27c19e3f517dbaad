// Every directed conformance scenario (spec/conformance/<component>/<name>.json) validates against
// the scenario schema and its config checks, names only rules that exist in spec/rules.json,
// expects results in the forms the ops return (canonical hex for register reads, plain hex of the
// right length for memory reads), and together they exercise every reachable permitted choice and
// every ITS command rule. The files of the generated folders are exactly what
// scripts/gen-conformance-suite.ts writes (a hand edit or a stale file is caught).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateScenarioJson } from '../../spec/validate.js';
import type { Scenario, OpResult } from '../../spec/scenario.js';
import { buildSuite } from '../../scripts/gen-conformance-build.js';

const ROOT = path.resolve(__dirname, '../..');
const DIR = path.join(ROOT, 'spec/conformance');
const rules = new Set((JSON.parse(readFileSync(path.join(ROOT, 'spec/rules.json'), 'utf8')) as { rules: { id: string; kind: string }[] }).rules.map((r) => r.id));

const files: string[] = [];
for (const comp of readdirSync(DIR, { withFileTypes: true })) {
  if (!comp.isDirectory()) continue;
  for (const f of readdirSync(path.join(DIR, comp.name))) if (f.endsWith('.json')) files.push(path.join(comp.name, f));
}
const scenarios = new Map<string, Scenario>();
for (const f of files) scenarios.set(f, JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Scenario);

const CANONICAL_HEX = /^0x(0|[1-9a-f][0-9a-f]*)$/;
function expectations(op: { expect?: OpResult; expectOneOf?: OpResult[] }): OpResult[] {
  return [...(op.expect !== undefined ? [op.expect] : []), ...(op.expectOneOf ?? [])];
}

describe('conformance scenarios', () => {
  test('there are many, in component folders', () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
  });

  test.each(files)('%s validates', (f) => {
    expect(() => validateScenarioJson(scenarios.get(f), path.join('spec/conformance', f))).not.toThrow();
  });

  test('names, components and rules are consistent', () => {
    for (const [f, s] of scenarios) {
      const [comp, file] = f.split(path.sep) as [string, string];
      expect(s.name).toBe(`${comp}/${file.replace(/\.json$/, '')}`);
      expect(s.component).toBe(comp);
      expect(s.description?.length ?? 0).toBeGreaterThan(20);
      expect(s.rules?.length ?? 0).toBeGreaterThan(0);
      for (const r of s.rules ?? []) expect({ file: f, rule: r, known: rules.has(r) }).toEqual({ file: f, rule: r, known: true });
      expect(s.ops.filter((o) => 'expect' in o || 'expectOneOf' in o).length).toBeGreaterThan(0);
    }
  });

  test('expected results have the form the op returns', () => {
    for (const [f, s] of scenarios) {
      for (const [i, op] of s.ops.entries()) {
        const where = `${f} op ${i}`;
        for (const e of expectations(op as never)) {
          switch (op.op) {
            case 'mmio.read':
            case 'sysreg.read':
              expect({ where, ok: e === 'asleep' || (typeof e === 'string' && CANONICAL_HEX.test(e)) }).toEqual({ where, ok: true });
              break;
            case 'mem.read':
              expect({ where, ok: typeof e === 'string' && new RegExp(`^[0-9a-f]{${2 * op.len}}$`).test(e) }).toEqual({ where, ok: true });
              break;
            case 'wfi':
              expect(['woken', 'asleep']).toContain(e);
              break;
            case 'kvm.irq_line':
            case 'kvm.signal_msi':
            case 'kvm.set_gsi_routing':
            case 'kvm.irqfd':
              expect({ where, ok: Number.isInteger(e) && (e as number) <= 1 }).toEqual({ where, ok: true });
              break;
            case 'irqfd.resampled':
              expect(typeof e).toBe('boolean');
              break;
            case 'kvm.device_attr':
              expect({ where, ok: typeof e === 'object' && e !== null && Number.isInteger((e as { errno: number }).errno) }).toEqual({ where, ok: true });
              break;
            default:
              break;
          }
        }
      }
    }
  });

  test('the permitted-choice rules a guest can reach are exercised by some scenario', () => {
    const covered = new Set([...scenarios.values()].flatMap((s) => s.rules ?? []));
    const choices = [...rules].filter((r) => r.startsWith('choice.'));
    // choice.u53.vlpi-vs-lpi (GICv4 vLPI vs LPI) is the GICv4 engineer's part of the suite
    const missing = choices.filter((r) => !covered.has(r) && !r.startsWith('choice.u53.'));
    expect(missing).toEqual([]);
  });

  test('the generated files are current (regenerate with npx tsx scripts/gen-conformance-suite.ts)', () => {
    const { files: generated, problems } = buildSuite(ROOT);
    expect(problems).toEqual([]);
    const ownDirs = new Set([...generated.keys()].map((f) => path.dirname(f)));
    for (const [file, text] of generated) expect({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }).toEqual({ file, text });
    for (const f of files) {
      const rel = path.join('spec/conformance', f);
      if (ownDirs.has(path.dirname(rel))) expect({ file: rel, generated: generated.has(rel) }).toEqual({ file: rel, generated: true });
    }
  });

  test('every ITS command and each of its errors in the catalogue has a scenario', () => {
    const covered = new Set([...scenarios.values()].flatMap((s) => s.rules ?? []));
    const missing = [...rules].filter((r) => r.startsWith('its.cmd.') && !covered.has(r));
    expect(missing).toEqual([]);
  });
});
