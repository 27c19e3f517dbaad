// qemu.bpr-min-not-applied-with-high-bits (model/quirks.ts): QEMU compares the whole value written
// to ICC_BPR0/1_EL1 with the minimum before keeping BinaryPoint [2:0], so a value with RES0 bits set
// keeps a binary point below the minimum. The strict oracle rejects such a read once the number of
// priority bits is known (5 here, read from PMR); with the quirk it is accepted and named; a write
// without RES0 bits is clamped either way.
import { checkTrace } from '../../model/oracle.js';
import { expandScenario } from '../../spec/expand.js';
import type { OpResult, Scenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';

const QUIRK = 'qemu.bpr-min-not-applied-with-high-bits';

function check(ops: [Scenario['ops'][number], OpResult][], quirks?: Set<string>) {
  const s = expandScenario({ format: 'gicdiff/scenario@1', name: 'bpr', config: { vcpus: 1, its: 0 }, ops: ops.map(([op]) => op) });
  const trace: Trace = { format: 'gicdiff/trace@1', scenario: 'bpr', target: 'qemu', results: ops.map(([, r]) => r), status: 'complete' };
  return checkTrace(s, trace, quirks ? { quirks } : {});
}

// 5 priority bits: PMR keeps [7:3] (IHI 0069 ICC_PMR_EL1), so BPR0 >= 2 and BPR1 >= 3
const fiveBits: [Scenario['ops'][number], OpResult][] = [
  [{ op: 'sysreg.write', cpu: 0, reg: 'ICC_PMR_EL1', value: '0xff' }, null],
  [{ op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' }, '0xf8'],
];
const bpr = (n: 0 | 1, value: string, read: string): [Scenario['ops'][number], OpResult][] => [
  [{ op: 'sysreg.write', cpu: 0, reg: n === 0 ? 'ICC_BPR0_EL1' : 'ICC_BPR1_EL1', value }, null],
  [{ op: 'sysreg.read', cpu: 0, reg: n === 0 ? 'ICC_BPR0_EL1' : 'ICC_BPR1_EL1' }, read],
];

test.each([
  ['BPR0 <- 0x80000000 reads 0', bpr(0, '0x80000000', '0x0')],
  ['BPR0 <- 0x9 reads 1', bpr(0, '0x9', '0x1')],
  ['BPR1 <- 0x10 reads 0', bpr(1, '0x10', '0x0')],
])('%s: rejected by the architecture, known with the quirk', (_name, ops) => {
  const strict = check([...fiveBits, ...ops]);
  expect(strict).toMatchObject({ ok: false, divergence: { opIndex: 3 } });
  expect(check([...fiveBits, ...ops], new Set([QUIRK]))).toMatchObject({ ok: true, quirks: [QUIRK] });
});

test('without RES0 bits the minimum applies with the quirk too; the next plain write ends the low binary point', () => {
  const quirks = new Set([QUIRK]);
  expect(check([...fiveBits, ...bpr(0, '0x1', '0x1')], quirks)).toMatchObject({ ok: false, divergence: { opIndex: 3 } });
  expect(check([...fiveBits, ...bpr(0, '0x1', '0x2')], quirks)).toMatchObject({ ok: true });
  expect(check([...fiveBits, ...bpr(1, '0x10', '0x0'), ...bpr(1, '0x1', '0x1')], quirks)).toMatchObject({ ok: false, divergence: { opIndex: 5 } });
  expect(check([...fiveBits, ...bpr(1, '0x10', '0x0'), ...bpr(1, '0x1', '0x3')], quirks)).toMatchObject({ ok: true, quirks: [QUIRK] });
});
