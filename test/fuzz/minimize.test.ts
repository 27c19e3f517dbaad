import fc from 'fast-check';
import { minimizeScenario } from '../../fuzz/minimize.js';
import type { Op, Scenario } from '../../spec/scenario.js';

const base = (ops: Op[], config: Scenario['config'] = { vcpus: 4, spis: 96, its: 2 }): Scenario => ({ format: 'gicdiff/scenario@1', name: 'm', config, ops });
const pmr = (cpu: number, v: number): Op => ({ op: 'sysreg.write', cpu, reg: 'ICC_PMR_EL1', value: '0x' + v.toString(16) });

describe('minimizer', () => {
  test('property: ddmin keeps exactly the ops the failure needs, in order (1-minimal), deterministically', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }),
      fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 }),
      async (values, picks) => {
        const ops = values.map((v, i) => pmr(i % 4, v));
        const needed = [...new Set(picks.map((p) => p % ops.length))].sort((a, b) => a - b).map((i) => JSON.stringify(ops[i]));
        // fails while every needed op is still there, in order
        const check = async (s: Scenario) => {
          const keys = s.ops.map((o) => JSON.stringify(o));
          let at = 0;
          for (const k of keys) if (k === needed[at]) at++;
          return at === needed.length;
        };
        const r1 = await minimizeScenario(base(ops), check);
        const r2 = await minimizeScenario(base(ops), check);
        expect(JSON.stringify(r1.scenario)).toBe(JSON.stringify(r2.scenario));
        expect(r1.scenario.ops.map((o) => JSON.stringify(o))).toEqual(needed);
      },
    ), { numRuns: 40 });
  });

  test('simpler values: fewer vCPUs/ITSes/SPIs, smaller device and LPI IDs renamed consistently, ITT packed', async () => {
    const ops: Op[] = [
      { op: 'boot', eoiMode: 1, pmr: '0xa0' },
      pmr(0, 0x10),
      { op: 'mem.write', addr: '0x4010006c', bytes: 'a3' }, // property byte of LPI 8300
      { op: 'its.cmd', its: 0, cmds: [
        { cmd: 'MAPD', device: 37, size: 3, itt: '0x41230000', valid: true },
        { cmd: 'MAPC', collection: 5, target: 0, valid: true },
        { cmd: 'MAPTI', device: 37, event: 6, intid: 8300, collection: 5 },
        { cmd: 'SYNC', target: 0 },
      ] },
      pmr(1, 0x20),
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 37, event: 6 }] },
      pmr(2, 0x30),
    ];
    // "the failure": an LPI whose property byte was written is mapped (device MAPD'd) and triggered on ITS 0
    const check = async (s: Scenario) => {
      let lpi = -1, prop = -1, triggered = false;
      const mapped = new Map<string, number>();
      const devs = new Set<number>();
      for (const op of s.ops) {
        if (op.op === 'mem.write') prop = parseInt(op.addr, 16) - 0x40100000 + 8192;
        if (op.op !== 'its.cmd' || op.its !== 0) continue;
        for (const c of op.cmds) {
          if (c.cmd === 'MAPD' && c.valid) devs.add(c.device);
          if (c.cmd === 'MAPTI' && devs.has(c.device)) mapped.set(`${c.device}:${c.event}`, c.intid);
          if (c.cmd === 'INT' && mapped.has(`${c.device}:${c.event}`)) { lpi = mapped.get(`${c.device}:${c.event}`)!; triggered = true; }
        }
      }
      return triggered && lpi === prop;
    };
    const r = await minimizeScenario(base(ops), check);
    const s = r.scenario;
    expect(s.config).toMatchObject({ vcpus: 1, its: 1, spis: 32 });
    expect(s.ops.find((o) => o.op === 'boot')).toBeUndefined();
    expect(s.ops).toEqual([
      { op: 'mem.write', addr: '0x40100000', bytes: 'a3' },
      { op: 'its.cmd', its: 0, cmds: [
        { cmd: 'MAPD', device: 0, size: 3, itt: '0x41000000', valid: true },
        { cmd: 'MAPTI', device: 0, event: 0, intid: 8192, collection: 0 },
        { cmd: 'INT', device: 0, event: 0 }, // the two its.cmd ops merged
      ] },
    ]);
  });

  test('vCPUs renumbered consistently (SGI target lists, MAPC targets, redistributor indexes) so fewer vCPUs suffice', async () => {
    const ops: Op[] = [
      { op: 'mmio.write', cpu: 3, frame: 'gicr-sgi', index: 2, offset: 0x100, width: 32, value: '0x20' },
      { op: 'sysreg.write', cpu: 3, reg: 'ICC_SGI1R_EL1', value: '0x5000004' }, // SGI 5 to vCPU 2 (TargetList bit 2)
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 0, target: 2, valid: true }] },
      { op: 'sysreg.read', cpu: 2, reg: 'ICC_IAR1_EL1' },
    ];
    // "the failure": vCPU r enables SGI 5 in its redistributor, gets it from another vCPU, has a collection, acknowledges
    const check = async (s: Scenario) => {
      const [en, sgi, mapc, iar] = s.ops as [Op, Op, Op, Op];
      if (s.ops.length !== 4 || en.op !== 'mmio.write' || sgi.op !== 'sysreg.write' || mapc.op !== 'its.cmd' || iar.op !== 'sysreg.read') return false;
      const r = iar.cpu;
      const c = mapc.cmds[0]!;
      return en.index === r && sgi.cpu !== r && BigInt(sgi.value) === ((5n << 24n) | (1n << BigInt(r))) && c.cmd === 'MAPC' && c.target === r;
    };
    expect(await check(base(ops))).toBe(true);
    const r = await minimizeScenario(base(ops), check);
    expect(r.scenario.config?.vcpus).toBe(2);
    expect(await check(r.scenario)).toBe(true);
  });
  test('groups: a failure that needs no race loses its group (ops run in the seeded order); one that needs two racers keeps just those', async () => {
    const a = pmr(0, 0x10), b = pmr(1, 0x20), c = pmr(2, 0x30);
    const grouped: Op = { op: 'group', ops: [a as never, b as never, c as never] };
    // needs b, whether grouped or not
    const needsB = async (s: Scenario) => JSON.stringify(s).includes(JSON.stringify(b));
    const r1 = await minimizeScenario(base([grouped, pmr(3, 0x40)]), needsB);
    expect(r1.scenario.ops).toEqual([b]);
    // needs a group holding a and c: b leaves the group, the group stays
    const needsRace = async (s: Scenario) => s.ops.some((o) => o.op === 'group' && JSON.stringify(o.ops).includes(JSON.stringify(a)) && JSON.stringify(o.ops).includes(JSON.stringify(c)));
    const r2 = await minimizeScenario(base([pmr(3, 0x40), grouped]), needsRace);
    expect(r2.scenario.ops).toEqual([{ op: 'group', ops: [a, c] }]);
  });
});
