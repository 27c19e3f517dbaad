// `gicdiff conformance` through the real CLI, the real runner, the reference model and the KVM
// implementation: the examples on the model (the oracle's own target must pass them), and
// a scenario whose expect contradicts docs/scenario-format.md (boot sets ICC_PMR_EL1 to 0xf0) on both.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { cli } from '../../cli/main.js';
import { captureOutput } from './capture-output.js';
import { validateJson } from '../../spec/validate.js';

let root: string;
beforeAll(() => { root = mkdtempSync(path.join(tmpdir(), 'gicdiff-conformance-cli-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));
const output = captureOutput();

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['testsuite', 'testcase'].includes(n) });

test('the examples pass on the model: exit 0, reports written', async () => {
  const f = (n: string) => path.join(root, 'ex', n);
  const code = await cli(['conformance', '--target', 'model', '--suite', 'examples', '--quiet',
    '--junit', f('junit.xml'), '--md', f('summary.md'), '--html', f('index.html'), '--json', f('report.json')]);
  expect(output.err.join('')).toBe('');
  expect(code).toBe(0);
  expect(output.out.join('')).toContain('model: 5 scenarios, 5 pass, 0 known, 0 new, 0 unsupported');
  const junit = parser.parse(readFileSync(f('junit.xml'), 'utf8'));
  expect(junit.testsuites['@tests']).toBe('5');
  expect(junit.testsuites['@failures']).toBe('0');
  expect(junit.testsuites.testsuite.map((s: Record<string, string>) => s['@name'])).toEqual(['model.examples']);
  const report = JSON.parse(readFileSync(f('report.json'), 'utf8'));
  expect(() => validateJson('report', report, 'report.json')).not.toThrow();
  // the model records the rules each example exercised; the matrix is built from them
  expect(report.coverage.length).toBeGreaterThan(10);
  expect(readFileSync(f('summary.md'), 'utf8')).toContain('✅ No new divergence.');
}, 30_000);

test('a scenario expecting the wrong PMR fails on both targets: exit 1, repro in the JUnit failure', async () => {
  const suite = path.join(root, 'suite', 'cpuif');
  mkdirSync(suite, { recursive: true });
  writeFileSync(path.join(suite, 'pmr-after-boot.json'), JSON.stringify({
    format: 'gicdiff/scenario@1', name: 'pmr-after-boot', component: 'cpuif', config: { vcpus: 1, its: 0 },
    ops: [{ op: 'boot' }, { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1', expect: '0x12' }],
  }));
  const junitFile = path.join(root, 'bad', 'junit.xml');
  const code = await cli(['conformance', '-t', 'model', '-t', 'kvm', '--suite', path.join(root, 'suite'), '--junit', junitFile]);
  expect(code).toBe(1);
  const cases = parser.parse(readFileSync(junitFile, 'utf8')).testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase);
  expect(cases).toHaveLength(2);
  for (const c of cases as Record<string, Record<string, string>>[]) {
    expect(c.failure!['@type']).toBe('expectation');
    expect(c.failure!['@message']).toMatch(/expects "0x12", the target returned "0xf0"/);
    expect(c.failure!['@message']).toMatch(/repro: gicdiff repro .*pmr-after-boot\.json --target (model|kvm)/);
  }
  expect(output.out.join('')).toContain('2 new divergences');
  // --component keeps only that component's scenarios
  output.out.length = 0;
  expect(await cli(['conformance', '-t', 'model', '--suite', path.join(root, 'suite'), '--component', 'lpi'])).toBe(2);
  expect(output.err.join('')).toContain('for component lpi');
}, 30_000);

test('bad input exits 2 with a message', async () => {
  expect(await cli(['conformance', '--target', 'nosuch'])).toBe(2);
  expect(output.err.join('')).toMatch(/no target named "nosuch"; registered targets: .*kvm.*model/);
  output.err.length = 0;
  expect(await cli(['conformance', '--target', 'model', '--suite', path.join(root, 'missing')])).toBe(2);
  expect(output.err.join('')).toContain('missing: (top level): not a folder of scenario files');
  output.err.length = 0;
  expect(await cli(['conformance'])).toBe(2);
  expect(output.err.join('')).toContain('give at least one --target');
  const broken = path.join(root, 'broken');
  mkdirSync(broken, { recursive: true });
  writeFileSync(path.join(broken, 'x.json'), '{"format": "gicdiff/scenario@1", "name": "x", "ops": [{"op": "sysreg.read", "cpu": 0, "reg": "ICC_NOPE"}]}');
  output.err.length = 0;
  expect(await cli(['conformance', '--target', 'model', '--suite', broken])).toBe(2);
  expect(output.err.join('')).toMatch(/x\.json: \/ops\/0\/reg: must be one of/);
});
