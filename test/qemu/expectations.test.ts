// spec/expectations/qemu.json conforms to the expectations schema and its entries are usable.
import path from 'node:path';
import { loadExpectationsFile, matchExpectation } from '../../spec/expectations.js';

const file = path.join(__dirname, '../../spec/expectations/qemu.json');

test('qemu expectations validate, have unique ids, a reason and a source each', () => {
  const d = loadExpectationsFile(file);
  expect(d.target).toBe('qemu');
  const ids = d.entries.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const e of d.entries) {
    expect(e.reason.length).toBeGreaterThan(40);
    expect(e.source.length).toBeGreaterThan(5);
  }
});

test('a narrow GITS access abort is known; the same abort on a GICD register is not', () => {
  const d = loadExpectationsFile(file);
  const parts = { target: 'qemu', op: 'mmio.read', detail: 'GITS_TYPER', mismatch: 'target-error', rule: '', rules: [] };
  expect(matchExpectation(d, parts)?.id).toBe('qemu.gits-narrow-access');
  expect(matchExpectation(d, { ...parts, detail: 'GICD_TYPER' })).toBeNull();
});
