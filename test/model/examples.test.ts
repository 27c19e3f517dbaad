// The five examples (docs/: they must validate and pass on every target) on the model
// target and through the oracle; scheduling ops never change a result (docs/scenario-format.md).
import { checkExpectations } from '../../spec/expect-check.js';
import type { OpResult, PrimitiveOp } from '../../spec/scenario.js';
import { getTarget } from '../../spec/target.js';
import '../../model/register.js';
import { createOracle } from '../../model/oracle.js';
import { ModelSession } from '../../model/target.js';
import { loadExamples } from './helpers.js';

const examples = loadExamples();

test('the five examples are there', () => {
  expect(examples.map((e) => e.file)).toEqual(['gicv4-forwarded.json', 'irq-line-level.json', 'its-int-basic.json', 'its-migrate.json', 'sgi-priority.json']);
});

test('the model target is registered as an in-process target', () => {
  const t = getTarget('model');
  expect(t?.kind).toBe('in-process');
  expect(typeof t?.open).toBe('function');
});

describe.each(examples)('$file', ({ expanded }) => {
  test('every expect holds on the model target', () => {
    const session = getTarget('model')!.open!(expanded.config);
    const results = expanded.ops.map((op) => session.step(op));
    expect(checkExpectations(expanded.ops, results)).toEqual([]);
    expect(session.lastRules!().length).toBeGreaterThan(0);
  });

  test('the oracle accepts the model trace and the expected values', () => {
    const session = new ModelSession(expanded.config);
    const oracle = createOracle(expanded.config);
    for (const op of expanded.ops) {
      const r = session.step(op);
      const e = (op as { expect?: OpResult }).expect;
      expect(oracle.observe(op, e !== undefined ? e : r)).toBeNull();
    }
    expect(oracle.coverage().size).toBeGreaterThan(5);
  });

  test('scheduling ops inserted anywhere change no result', () => {
    const plain = new ModelSession(expanded.config);
    const base = expanded.ops.map((op) => plain.step(op));
    const sched = new ModelSession(expanded.config);
    const got: OpResult[] = [];
    expanded.ops.forEach((op, i) => {
      const cpu = i % expanded.config.vcpus;
      const extra: PrimitiveOp[] = [
        { op: 'vcpu.run', cpu, pcpu: i % 2 }, { op: 'vcpu.exit', cpu }, { op: 'vcpu.put', cpu },
      ];
      for (const e of extra.slice(0, (i % 3) + 1)) expect(sched.step(e)).toBeNull();
      got.push(sched.step(op));
    });
    expect(got).toEqual(base);
  });
});
