// The minimizer's passes beyond ddmin (fuzz/minimize.ts): each test is a failure that plain ddmin
// over ops (and the value passes) leaves bigger than it has to be.
import { minimizeScenario } from '../../fuzz/minimize.js';
import type { Op, Scenario } from '../../spec/scenario.js';

const base = (ops: Op[], config: Scenario['config'] = { vcpus: 2, spis: 32, its: 1 }): Scenario => ({ format: 'gicdiff/scenario@1', name: 'm', config, ops });
const pmr = (cpu: number, v: number): Op => ({ op: 'sysreg.write', cpu, reg: 'ICC_PMR_EL1', value: '0x' + v.toString(16) });
const has = (s: Scenario, op: Op): boolean => s.ops.some((o) => JSON.stringify(o) === JSON.stringify(op));
const sgi = (n: number): Op => ({ op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x' + ((n << 24) | 1).toString(16) });

describe('minimizer passes', () => {
  test('three neighbouring ops that only matter together go together (a window ddmin\'s aligned chunks miss)', async () => {
    const [a, b, c, x] = [pmr(0, 0xa0), pmr(0, 0xb0), pmr(0, 0xc0), pmr(1, 0x10)];
    const ops = [pmr(1, 1), pmr(1, 2), pmr(1, 3), a, b, c, pmr(1, 6), x];
    // fails while x is there and a, b, c are all there or none is
    const check = async (s: Scenario) => has(s, x) && [a, b, c].filter((o) => has(s, o)).length % 3 === 0;
    const r = await minimizeScenario(base(ops), check);
    expect(r.scenario.ops).toEqual([x]);
  });

  test('two ops apart that only matter to each other go together (a pair)', async () => {
    const [a, x, b] = [pmr(0, 0xa0), pmr(1, 0x10), pmr(0, 0xb0)];
    const check = async (s: Scenario) => has(s, x) && has(s, a) === has(s, b);
    const r = await minimizeScenario(base([a, x, b]), check);
    expect(r.scenario.ops).toEqual([x]);
  });

  test('neighbouring its.cmd ops on one ITS become one op', async () => {
    const mapd: Op = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPD', device: 0, size: 3, itt: '0x41000000', valid: true }] };
    const mapc: Op = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 0, target: 0, valid: true }] };
    // fails while both commands are issued on ITS 0, MAPD first, however they are split into ops
    const check = async (s: Scenario) => {
      const cmds = s.ops.flatMap((o) => (o.op === 'its.cmd' && o.its === 0 ? o.cmds.map((c) => c.cmd) : []));
      return cmds.join() === 'MAPD,MAPC';
    };
    const r = await minimizeScenario(base([mapd, pmr(0, 1), mapc]), check);
    expect(r.scenario.ops).toEqual([{ op: 'its.cmd', its: 0, cmds: [...(mapd as { cmds: object[] }).cmds, ...(mapc as { cmds: object[] }).cmds] }]);
  });

  test('fewer list registers, then fewer ops: an overflow needs one interrupt more than the LRs', async () => {
    const ops = [sgi(1), pmr(1, 1), sgi(2), sgi(3), pmr(1, 2), sgi(4), sgi(5), sgi(6)];
    // fails while more SGIs are sent than the vCPU has list registers, on GICv4 or not
    const check = async (s: Scenario) => s.ops.filter((o) => o.op === 'sysreg.write' && o.reg === 'ICC_SGI1R_EL1').length > (s.config?.impl?.lrs ?? 4);
    const r = await minimizeScenario(base(ops, { vcpus: 2, spis: 32, its: 0, impl: { lrs: 4, gicv4: '4.1', pcpus: 1 } }), check);
    expect(r.scenario.config?.impl).toEqual({ lrs: 1, gicv4: 'off', pcpus: 1 });
    expect(r.scenario.ops.length).toBe(2);
  });

  test('the passes run to a fixpoint within the run budget, and give the same result twice', async () => {
    const [a, x, b] = [pmr(0, 0xa0), pmr(1, 0x10), pmr(0, 0xb0)];
    const ops = [...Array.from({ length: 10 }, (_, i) => pmr(1, i + 0x20)), a, x, b, sgi(1), sgi(2)];
    const check = async (s: Scenario) => has(s, x) && has(s, a) === has(s, b) && s.ops.filter((o) => o.op === 'sysreg.write' && o.reg === 'ICC_SGI1R_EL1').length > (s.config?.impl?.lrs ?? 4) - 3;
    const r1 = await minimizeScenario(base(ops, { vcpus: 2, impl: { lrs: 4 } }), check, { maxRuns: 1000 });
    const r2 = await minimizeScenario(base(ops, { vcpus: 2, impl: { lrs: 4 } }), check, { maxRuns: 1000 });
    expect(r1.scenario).toEqual(r2.scenario);
    expect(r1.runs).toBe(r2.runs);
    expect(r1.runs).toBeLessThan(1000);
    expect(r1.scenario.ops).toEqual([x]);
    expect(r1.scenario.config?.impl?.lrs).toBe(1);
  });
});
