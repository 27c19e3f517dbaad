// spec/expectations/qemu.json conforms to the expectations schema (its quirks: test/fuzz/expectations.test.ts).
import path from 'node:path';
import { loadExpectationsFile } from '../../spec/expectations.js';

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

