// The generator's stories (fuzz/gen/actions/stories.ts): each one drawn alone gives valid
// scenarios that end in an observation, runs on the kvm target without a harness or oracle error,
// and the default weights draw them while plain actions still make up most of a scenario.
import '../../fuzz/targets.js';
import { generateScenario } from '../../fuzz/generate.js';
import { ACTIONS } from '../../fuzz/gen/table.js';
import { defaultWeights, type Weights } from '../../fuzz/weights.js';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { runScenario } from '../../triage/runner.js';
import { getTarget } from '../../spec/target.js';
import type { Op } from '../../spec/scenario.js';
import { itsTranslater } from '../../spec/layout.js';

const STORIES = ACTIONS.filter((a) => a.family === 'stories');

function only(name: string, count = 3): Weights {
  const actions = Object.fromEntries(ACTIONS.map((a) => [a.name, a.name === name ? 1 : 0]));
  return { malformedRate: 0, minOps: count, maxOps: count, actions };
}

/** An op whose result shows what the GIC holds: what a story must end with. */
function observes(op: Op): boolean {
  if (op.op === 'sysreg.read') return /IAR|HPPIR|ISR|RPR|AP1R/.test(op.reg);
  if (op.op === 'mmio.read') return true;
  return op.op === 'wfi' || op.op === 'mem.read' || op.op === 'irqfd.resampled';
}

/** The LPI INTID the last MAPTI of (its, device, event) before the end of `ops` named. */
function lpiOf(ops: Op[], its: number, ev: { device: number; event: number }): number {
  let intid = -1;
  for (const op of ops) if (op.op === 'its.cmd' && op.its === its) for (const c of op.cmds) if (c.cmd === 'MAPTI' && c.device === ev.device && c.event === ev.event) intid = c.intid;
  return intid;
}

describe('stories', () => {
  test('there are stories for each situation the fuzzer must build, each with a positive default weight', () => {
    expect(STORIES.length).toBeGreaterThanOrEqual(15);
    for (const s of STORIES) expect(defaultWeights().actions[s.name]).toBeGreaterThan(0);
  });

  test.each(STORIES.map((s) => [s.name]))('%s: valid scenarios that end in an observation, run on kvm without an error', async (name) => {
    const kvm = getTarget('kvm')!;
    let ran = 0;
    for (let i = 0; i < 12 && ran < 3; i++) {
      const s = generateScenario(`story:${i}`, { weights: only(name) });
      expect(() => validateScenarioJson(JSON.parse(JSON.stringify(s)), name)).not.toThrow();
      const body = s.ops.slice(1);
      if (body.length < 16) continue; // the story did not apply to this config (no ITS, one vCPU...)
      ran++;
      expect(body.slice(-5).some(observes)).toBe(true);
      const out = await runScenario(kvm, expandScenario(s), { timeoutMs: 30_000 });
      expect(out.trace.status).toBe('complete');
      expect(out.oracleError).toBeUndefined();
    }
    expect(ran).toBeGreaterThan(0);
  }, 120_000);

  test('a forwarded device MSI is wired as a VMM does: an MSI route at GITS_TRANSLATER for a mapped event, an irqfd on it, then vfio.forward of a fresh host IRQ; its device.fire names that host IRQ', () => {
    let forwards = 0;
    for (const name of ['storyVlpi', 'storyVpeLife', 'storyCachedMsi']) {
      for (let i = 0; i < 40; i++) {
        const s = generateScenario(`fwd:${i}`, { weights: only(name) });
        const routes = new Map<number, { address: string; devid: number; data: number }>();
        const irqfds = new Set<number>();
        const mapped = new Set<string>();
        const bound = new Map<number, number>();
        for (const op of s.ops) {
          if (op.op === 'its.cmd') for (const c of op.cmds) if (c.cmd === 'MAPTI') mapped.add(`${op.its}:${c.device}:${c.event}`);
          if (op.op === 'kvm.set_gsi_routing') {
            routes.clear();
            for (const e of op.entries) if (e.type === 'msi') routes.set(e.gsi, { address: e.address, devid: e.devid!, data: e.data });
          }
          if (op.op === 'kvm.irqfd') (op.deassign ? irqfds.delete(op.gsi) : irqfds.add(op.gsi));
          if (op.op === 'vfio.forward') {
            forwards++;
            expect(bound.has(op.hostIrq)).toBe(false);
            expect(irqfds.has(op.gsi)).toBe(true);
            const r = routes.get(op.gsi)!;
            const its = [...Array(s.config!.its ?? 1).keys()].find((n) => itsTranslater(n) === parseInt(r.address, 16));
            expect(its).toBeDefined();
            expect(mapped.has(`${its}:${r.devid}:${r.data}`)).toBe(true);
            bound.set(op.hostIrq, op.gsi);
          }
          if (op.op === 'vfio.unforward') {
            expect(bound.get(op.hostIrq)).toBe(op.gsi);
            bound.delete(op.hostIrq);
          }
          if (op.op === 'device.fire') expect(bound.has(op.hostIrq)).toBe(true);
        }
      }
    }
    expect(forwards).toBeGreaterThan(20);
  });

  test('storyLpiPinned sometimes CLEARs the LPI pending while disabled: then nothing of it is acknowledged or EOIed afterwards', () => {
    let cleared = 0;
    for (let i = 0; i < 120; i++) {
      const s = generateScenario(`pin:${i}`, { weights: only('storyLpiPinned', 1) });
      s.ops.forEach((op, k) => {
        if (op.op !== 'its.cmd' || op.cmds[0]!.cmd !== 'CLEAR') return;
        cleared++;
        const intid = lpiOf(s.ops.slice(0, k), op.its, op.cmds[0] as { device: number; event: number });
        // the story ends with one observation, and no EOI names the cleared LPI
        const rest = s.ops.slice(k + 1);
        expect(rest.some((o) => o.op === 'sysreg.write' && o.reg === 'ICC_EOIR1_EL1' && parseInt(o.value, 16) === intid)).toBe(false);
        expect(observes(rest[rest.length - 1]!)).toBe(true);
      });
    }
    expect(cleared).toBeGreaterThan(3);
  });

  test('storyGroup0 makes one interrupt Group 0, pends it (SGI0R for an SGI), takes it through IAR0 and EOIR0, and makes it Group 1 again', () => {
    let sgi0r = 0;
    for (let i = 0; i < 40; i++) {
      const s = generateScenario(`g0:${i}`, { weights: only('storyGroup0', 1) });
      // GICD_IGROUPR<n> (0x80-0xFC) or GICR_IGROUPR0 (0x80 of the SGI frame)
      const k = s.ops.findIndex((o) => o.op === 'mmio.write' && (o.frame === 'gicd' || o.frame === 'gicr-sgi') && o.offset >= 0x80 && o.offset < 0x100);
      expect(k).toBeGreaterThan(0);
      const cleared = s.ops[k] as Extract<Op, { op: 'mmio.write' }>;
      expect(parseInt(cleared.value, 16)).not.toBe(0xffffffff); // one bit clear: that interrupt is Group 0
      const rest = s.ops.slice(k + 1);
      if (rest.some((o) => o.op === 'sysreg.write' && o.reg === 'ICC_SGI0R_EL1')) sgi0r++;
      const iar0 = rest.findIndex((o) => o.op === 'sysreg.read' && o.reg === 'ICC_IAR0_EL1');
      expect(iar0).toBeGreaterThanOrEqual(0);
      expect(rest[iar0 + 1]).toMatchObject({ op: 'sysreg.write', reg: 'ICC_EOIR0_EL1' });
      expect(rest[rest.length - 1]).toMatchObject({ op: 'mmio.write', offset: cleared.offset, value: '0xffffffff' });
    }
    expect(sgi0r).toBeGreaterThan(5);
  });

  test('storyCachedMsi sometimes maps a sibling device with twice the DeviceID and the same EventID to another LPI, and sends to both', () => {
    let doubled = 0;
    for (let i = 0; i < 120; i++) {
      const s = generateScenario(`sib:${i}`, { weights: only('storyCachedMsi', 1) });
      const mapped = new Map<string, number>();
      for (const op of s.ops) if (op.op === 'its.cmd') for (const c of op.cmds) if (c.cmd === 'MAPTI') mapped.set(`${op.its}:${c.device}:${c.event}`, c.intid);
      const sent = new Set(s.ops.flatMap((o) => (o.op === 'kvm.signal_msi' ? [`${o.devid}:${o.data}`] : [])));
      for (const [key, intid] of mapped) {
        const [its, d, e] = key.split(':').map(Number) as [number, number, number];
        const twice = mapped.get(`${its}:${2 * d}:${e}`);
        if (d === 0 || twice === undefined) continue;
        expect(twice).not.toBe(intid);
        if (sent.size === 0 || (sent.has(`${d}:${e}`) && sent.has(`${2 * d}:${e}`))) doubled++;
      }
    }
    expect(doubled).toBeGreaterThan(5);
  });

  test('storyIdLimits INTs the EventID one past the ITT that its MAPTI tried to map, with that LPI enabled', () => {
    let used = 0;
    for (let i = 0; i < 80; i++) {
      const s = generateScenario(`idl:${i}`, { weights: only('storyIdLimits') });
      const sizes = new Map<string, number>();
      const enabled = new Set<number>();
      for (const op of s.ops) {
        if (op.op === 'mem.write' && op.bytes.length === 2 && (parseInt(op.bytes, 16) & 1)) enabled.add(parseInt(op.addr, 16) - 0x40100000 + 8192);
        if (op.op !== 'its.cmd') continue;
        op.cmds.forEach((c, j) => {
          if (c.cmd === 'MAPD' && c.valid) sizes.set(`${op.its}:${c.device}`, c.size);
          if (c.cmd !== 'MAPTI') return;
          const size = sizes.get(`${op.its}:${c.device}`);
          if (size === undefined || c.event !== 2 ** (size + 1)) return;
          used++;
          expect(enabled.has(c.intid)).toBe(true);
          expect(op.cmds[j + 1]).toEqual({ cmd: 'INT', device: c.device, event: c.event });
        });
      }
    }
    expect(used).toBeGreaterThan(5);
  });

  test('KVM_SIGNAL_MSI goes to GITS_TRANSLATER of a real ITS: elsewhere in an ITS frame in a few scenarios (the quirk that ends them), not in a fifth', () => {
    let elsewhere = 0;
    let withMsi = 0;
    for (let i = 0; i < 300; i++) {
      const s = generateScenario(`msi:${i}`);
      const doorbells = new Set([...Array(s.config!.its ?? 1).keys()].map((n) => itsTranslater(n)));
      const addrs = s.ops.filter((o) => o.op === 'kvm.signal_msi').map((o) => parseInt((o as { address: string }).address, 16));
      if (addrs.length) withMsi++;
      // inside an ITS frame (the 0x08080000 one or those from 0x0C000000) but not its doorbell
      if (addrs.some((a) => !doorbells.has(a) && ((a >= 0x08080000 && a < 0x080a0000) || (a >= 0x0c000000 && a < 0x0c100000)))) elsewhere++;
    }
    expect(withMsi).toBeGreaterThan(150);
    expect(elsewhere).toBeGreaterThan(0);
    expect(elsewhere / 300).toBeLessThan(0.07);
  });

  test('with the default weights stories are drawn, but most draws are still plain actions', () => {
    const w = defaultWeights();
    const total = ACTIONS.reduce((x, a) => x + w.actions[a.name]!, 0);
    const stories = STORIES.reduce((x, a) => x + w.actions[a.name]!, 0);
    expect(stories / total).toBeGreaterThan(0.03);
    expect(stories / total).toBeLessThan(0.15);
  });
});
