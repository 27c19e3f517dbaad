// Op groups (spec/group.ts): what a group may hold, named at its JSON path; every order of its
// ops; the seeded order an in-process target runs it in, results in the listed order.
import { validateScenarioJson, ValidationError } from '../../spec/validate.js';
import { groupOrder, permutations, stepOp } from '../../spec/group.js';
import type { GroupOp, OpResult, PrimitiveOp } from '../../spec/scenario.js';

const MSI = { op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 1, flags: 1 };
const IAR0 = { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' };
const IAR1 = { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' };

function scenario(ops: unknown[]): unknown {
  return { format: 'gicdiff/scenario@1', name: 'g', config: { vcpus: 2 }, ops };
}
function rejection(ops: unknown[]): { path: string; problem: string } {
  try {
    validateScenarioJson(scenario(ops), 'g.json');
  } catch (e) {
    if (e instanceof ValidationError) return { path: e.jsonPath, problem: e.problem };
    throw e;
  }
  throw new Error('accepted');
}

describe('group validation', () => {
  test('a group of ops on distinct actors is accepted; host ops each have their own thread', () => {
    expect(() => validateScenarioJson(scenario([{ op: 'boot' }, { op: 'group', ops: [IAR0, IAR1, MSI, MSI] }]), 'g.json')).not.toThrow();
  });

  test.each([
    ['nested group', [{ op: 'group', ops: [IAR0, { op: 'group', ops: [IAR1, MSI] }] }], '/ops/0/ops/1/op', /groups do not nest/],
    ['boot inside', [{ op: 'group', ops: [{ op: 'boot' }, MSI] }], '/ops/0/ops/0/op', /macros are not allowed in a group/],
    ['migrate inside', [{ op: 'group', ops: [IAR0, { op: 'migrate' }] }], '/ops/0/ops/1/op', /migrate stops every vCPU/],
    ['one op', [{ op: 'group', ops: [IAR0] }], '/ops/0/ops', /2 to 4 ops \(got 1\)/],
    ['five ops', [{ op: 'group', ops: [IAR0, IAR1, MSI, MSI, MSI] }], '/ops/0/ops', /2 to 4 ops \(got 5\)/],
    ['no ops', [{ op: 'group' }], '/ops/0/ops', /needs "ops"/],
    ['same vCPU twice', [{ op: 'group', ops: [MSI, IAR0, { op: 'vcpu.exit', cpu: 0 }] }], '/ops/0/ops/2', /ops 1 and 2 of the group both run on vCPU 0/],
    ['a member names a missing vCPU', [{ op: 'group', ops: [MSI, { ...IAR0, cpu: 5 }] }], '/ops/0/ops/1/cpu', /vCPU 5 does not exist/],
    ['a member is malformed', [{ op: 'group', ops: [MSI, { op: 'sysreg.read', cpu: 0 }] }], '/ops/0/ops/1', /missing required field "reg"/],
    ['an unknown field', [{ op: 'group', ops: [MSI, IAR0], order: [1, 0] }], '/ops/0', /unknown field "order"/],
  ])('%s is rejected with its JSON path', (_name, ops, at, message) => {
    const r = rejection(ops);
    expect(r.path).toBe(at);
    expect(r.problem).toMatch(message);
  });
});

describe('group orders', () => {
  test('every order of up to 4 ops, each once, the listed order first', () => {
    for (let n = 1; n <= 4; n++) {
      const all = permutations(n);
      const fact = [1, 1, 2, 6, 24][n]!;
      expect(all).toHaveLength(fact);
      expect(new Set(all.map((p) => p.join())).size).toBe(fact);
      for (const p of all) expect([...p].sort()).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(all[0]).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  const group = { op: 'group', ops: [IAR0, IAR1, MSI] } as unknown as GroupOp;

  test('the order is fixed by the scenario name and the group, and different names reach different orders', () => {
    expect(groupOrder('a', group)).toEqual(groupOrder('a', group));
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(groupOrder(`s${i}`, group).join());
    expect(seen.size).toBe(6);
  });

  test('stepOp runs the ops in the seeded order and returns their results in the listed order', () => {
    const ran: number[] = [];
    const session = {
      step(op: PrimitiveOp): OpResult {
        const k = group.ops.indexOf(op as never);
        ran.push(k);
        return `r${k}`;
      },
    };
    expect(stepOp(session, group, 'x')).toEqual(['r0', 'r1', 'r2']);
    expect(ran).toEqual(groupOrder('x', group));
    // 'x' seeds an order other than the listed one: otherwise a stepOp ignoring groupOrder would pass
    expect(ran).not.toEqual([0, 1, 2]);
    expect(stepOp(session, IAR0 as PrimitiveOp, 'x')).toBe('r0');
  });
});

describe('expectations inside a group', () => {
  test('each op of a group is held to its own expect, at the group with its position', async () => {
    const { checkExpectations } = await import('../../spec/expect-check.js');
    const g = { op: 'group', ops: [{ ...MSI, expectOneOf: [0, 1] }, { ...IAR0, expect: '0x3ff' }] };
    expect(checkExpectations([g], [[1, '0x3ff']])).toEqual([]);
    expect(checkExpectations([g], [[1, '0x2000']])).toEqual([{ opIndex: 0, member: 1, expected: ['0x3ff'], got: '0x2000' }]);
    expect(checkExpectations([g], [[-22, '0x3ff']])).toEqual([{ opIndex: 0, member: 0, expected: [0, 1], got: -22 }]);
  });
});
