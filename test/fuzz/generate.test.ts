import { generateScenario, GENERATOR_VERSION } from '../../fuzz/generate.js';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { validateWeightsJson, defaultWeights, ACTION_NAMES } from '../../fuzz/weights.js';
import { GUEST_OPS } from '../../spec/scenario.js';
import { readFileSync } from 'node:fs';
import { ACTIONS, MALFORMED_ACTIONS } from '../../fuzz/gen/table.js';
import { DEFAULT_WEIGHTS_FILE } from '../../fuzz/weights.js';
import type { OpKind } from '../../spec/scenario.js';

describe('generator', () => {
  test('one seed gives one scenario: same id, same JSON', () => {
    for (const id of ['1:0', '1:1', 'abc:99', '3:7<3:2', '3:9<3:7<3:2']) {
      expect(JSON.stringify(generateScenario(id))).toBe(JSON.stringify(generateScenario(id)));
    }
    expect(JSON.stringify(generateScenario('1:0'))).not.toBe(JSON.stringify(generateScenario('1:1')));
  });

  test('pinned: seedrandom stream and the generator version a finding records', () => {
    // if this changes, GENERATOR_VERSION must change too (findings name it)
    const s = generateScenario('pin:0');
    expect(GENERATOR_VERSION).toBe('gen@16');
    expect(s.ops[0]).toMatchObject({ op: 'boot' });
    expect(s.description).toContain('gen@16');
  });

  test('most seeds read the ID registers a driver probes right after boot; some do not', () => {
    const probed = Array.from({ length: 64 }, (_, i) => generateScenario(`probe:${i}`)).filter((s) => {
      const o = s.ops[1];
      return o?.op === 'mmio.read' && o.frame === 'gicd' && o.offset === 0x4; // GICD_TYPER (IHI 0069 GICD_* registers)
    }).length;
    expect(probed).toBeGreaterThan(40);
    expect(probed).toBeLessThan(64);
  });

  test('every generated scenario is valid and expands, in both profiles', () => {
    for (let i = 0; i < 50; i++) {
      for (const profile of ['full', 'guest-only'] as const) {
        const s = generateScenario(`v:${i}`, { profile });
        expect(() => validateScenarioJson(JSON.parse(JSON.stringify(s)), `v:${i}`)).not.toThrow();
        expect(expandScenario(s).ops.length).toBeGreaterThan(s.ops.length - 1);
        if (profile === 'guest-only') {
          for (const op of s.ops) if (op.op !== 'boot') expect(GUEST_OPS.has(op.op as OpKind)).toBe(true);
        }
      }
    }
  });

  test('the generator reaches live-state ops: MSIs and INTs for mapped events, INV after property writes, MOVI, EOI, scheduling', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const s = generateScenario(`live:${i}`);
      const mapped = new Set<string>();
      for (const op of s.ops) {
        seen.set(op.op, (seen.get(op.op) ?? 0) + 1);
        if (op.op !== 'its.cmd') continue;
        for (const c of op.cmds) {
          seen.set(c.cmd, (seen.get(c.cmd) ?? 0) + 1);
          if (c.cmd === 'MAPTI') mapped.add(`${op.its}:${c.device}:${c.event}`);
          if (c.cmd === 'INT' && mapped.has(`${op.its}:${c.device}:${c.event}`)) seen.set('INT-mapped', (seen.get('INT-mapped') ?? 0) + 1);
        }
      }
    }
    for (const k of ['MAPD', 'MAPC', 'MAPTI', 'INT', 'INT-mapped', 'INV', 'MOVI', 'MOVALL', 'DISCARD', 'CLEAR', 'SYNC', 'raw',
      'kvm.signal_msi', 'vcpu.put', 'vcpu.run', 'wfi', 'migrate', 'irqfd.signal', 'vfio.forward', 'device.fire', 'timer.line']) {
      expect([k, seen.get(k) ?? 0]).toEqual([k, expect.any(Number)]);
      expect(seen.get(k) ?? 0).toBeGreaterThan(0);
    }
  });

  test('a mutation keeps its parent config and first ops, then differs', () => {
    const p = generateScenario('m:1');
    const c = generateScenario('m:5<m:1');
    expect(c.config).toEqual(p.config);
    expect(c.ops[0]).toEqual(p.ops[0]);
    expect(JSON.stringify(c.ops)).not.toBe(JSON.stringify(p.ops));
  });

  test('weights: defaults valid, bad files named with path', () => {
    const w = defaultWeights();
    expect(Object.keys(w.actions).sort()).toEqual([...ACTION_NAMES].sort());
    const base = { format: 'gicdiff/weights@1', malformedRate: 0.1, minOps: 5, maxOps: 10, actions: { ack: 1 } };
    expect(validateWeightsJson(base, 'w.json').actions.eoi).toBe(0);
    expect(() => validateWeightsJson({ ...base, actions: { nope: 1 } }, 'w.json')).toThrow(/w\.json: \/actions\/nope: unknown action/);
    expect(() => validateWeightsJson({ ...base, malformedRate: 2 }, 'w.json')).toThrow(/\/malformedRate: must be a number from 0 to 1/);
    expect(() => validateWeightsJson({ ...base, maxOps: 1 }, 'w.json')).toThrow(/\/maxOps/);
    expect(() => validateWeightsJson({ ...base, actions: { ack: 0 } }, 'w.json')).toThrow(/positive weight/);
  });

  test('weights steer generation: only acks when only ack has weight', () => {
    const w = { malformedRate: 0, minOps: 10, maxOps: 10, actions: Object.fromEntries(ACTION_NAMES.map((a) => [a, a === 'ack' ? 1 : 0])) } as never;
    const s = generateScenario('w:1', { weights: w });
    // after boot and the probe reads (ID registers, ICC_CTLR_EL1), ten acknowledges
    const body = s.ops.slice(1).filter((o) => o.op !== 'mmio.read' && !(o.op === 'sysreg.read' && o.reg === 'ICC_CTLR_EL1'));
    expect(body.every((o) => o.op === 'sysreg.read' && o.reg.startsWith('ICC_IAR'))).toBe(true);
    expect(body.length).toBe(10);
  });

  test('accept (Target.supports): configs and actions the target cannot run are not generated; without a filter nothing changes', () => {
    // no GICD_IPRIORITYR and above (boot writes only GICD_CTLR and GICD_IGROUPR)
    const accept = (op: { op: string; frame?: string; offset?: number }, c: { its: number; vcpus: number }) =>
      c.its <= 1 && c.vcpus <= 8 && op.op !== 'kvm.signal_msi' && !(op.op === 'mmio.write' && op.frame === 'gicd' && op.offset! >= 0x400);
    let withIts = 0;
    for (let i = 0; i < 60; i++) {
      const s = generateScenario(`acc:${i}`, { accept });
      expect(s.config!.its).toBeLessThanOrEqual(1);
      expect(s.config!.vcpus).toBeLessThanOrEqual(8);
      for (const op of s.ops) {
        expect(op.op).not.toBe('kvm.signal_msi');
        if (op.op === 'mmio.write' && op.frame === 'gicd') expect(op.offset).toBeLessThan(0x400);
      }
      if (s.config!.its === 1) withIts++;
      expect(JSON.stringify(generateScenario(`acc:${i}`, { accept: () => true }))).toBe(JSON.stringify(generateScenario(`acc:${i}`)));
    }
    expect(withIts).toBeGreaterThan(10);
  });

  test('the action table is the one list of actions: the weights file and the defaults read it', () => {
    // weights.json names no action: a new action needs only its entry in its family's file
    expect(JSON.parse(readFileSync(DEFAULT_WEIGHTS_FILE, 'utf8')).actions).toBeUndefined();
    const w = defaultWeights();
    expect(Object.keys(w.actions)).toEqual(ACTIONS.map((a) => a.name));
    for (const a of ACTIONS) {
      expect(w.actions[a.name]).toBe(a.weight);
      expect(['cpuif', 'distributor', 'its', 'host', 'scheduling', 'stories', 'races']).toContain(a.family);
    }
    expect(new Set(ACTIONS.map((a) => a.name)).size).toBe(ACTIONS.length);
    for (const m of MALFORMED_ACTIONS) expect(Number.isInteger(m.weight) && m.weight > 0).toBe(true);
  });

  test('guest-only never draws an action the table marks as host', () => {
    const guestOnly = Object.fromEntries(ACTIONS.map((a) => [a.name, a.host ? 1000 : 0]));
    guestOnly.wfi = 1; // one guest action, so the draw has something when host actions weigh nothing
    const s = generateScenario('host:1', { profile: 'guest-only', weights: { malformedRate: 0, minOps: 30, maxOps: 30, actions: guestOnly } });
    for (const op of s.ops) if (op.op !== 'boot') expect(GUEST_OPS.has(op.op as OpKind)).toBe(true);
    expect(s.ops.filter((o) => o.op === 'wfi').length).toBe(30);
  });
});

describe('generated races (fuzz/gen/actions/races.ts)', () => {
  test('some full-profile scenarios race an MSI with the ITS/LPI lifetime; every group validates; guest-only has none', () => {
    const lifetime = new Set(['DISCARD', 'MAPTI', 'MOVALL', 'INV', 'gicr']);
    let withGroup = 0;
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) {
      const s = generateScenario(`race:${i}`);
      expect(() => validateScenarioJson(JSON.parse(JSON.stringify(s)), `race:${i}`)).not.toThrow();
      const groups = s.ops.filter((o) => o.op === 'group');
      if (groups.length) withGroup++;
      for (const g of groups) {
        if (g.op !== 'group') continue;
        expect(g.ops.some((m) => m.op === 'kvm.signal_msi')).toBe(true);
        for (const m of g.ops) {
          if (m.op === 'its.cmd') seen.add(m.cmds[0]!.cmd);
          if (m.op === 'mmio.write' && m.frame === 'gicr') seen.add('gicr');
        }
      }
      const guest = generateScenario(`race:${i}`, { profile: 'guest-only' });
      expect(guest.ops.some((o) => o.op === 'group')).toBe(false);
    }
    // a small weight: a minority of scenarios, but each kind of race shows up
    expect(withGroup).toBeGreaterThan(5);
    expect(withGroup).toBeLessThan(60);
    expect([...seen].sort()).toEqual([...lifetime].sort());
  });
});
