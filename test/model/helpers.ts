// Helpers for the model tests: load the examples, run the model with random permitted
// choices, and a generator of random (valid) scenarios.
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import type { ExpandedScenario, OpResult, PrimitiveOp, ResolvedConfig, Scenario } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot, expandScenario } from '../../spec/expand.js';
import { representative } from '../../model/exec.js';
import { materialize, runOp } from '../../model/machine.js';
import { State } from '../../model/state.js';
import { createOracle, type Oracle, type OracleOptions } from '../../model/oracle.js';
import { ModelSession } from '../../model/target.js';
import { EXAMPLES_DIR } from '../examples-dir.js';

export function loadExamples(): { file: string; scenario: Scenario; expanded: ExpandedScenario }[] {
  return readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const scenario = JSON.parse(readFileSync(`${EXAMPLES_DIR}/${file}`, 'utf8')) as Scenario;
    return { file, scenario, expanded: expandScenario(scenario) };
  });
}

/** The model run with a random resolution of every choice (each permitted outcome equally likely). */
export function runRandomModel(config: ResolvedConfig, ops: readonly PrimitiveOp[], seed: string): OpResult[] {
  const rng = seedrandom(seed);
  let s = new State(config);
  s.priBits = 1 << (4 + Math.floor(rng() * 5));
  s.ces = rng() < 0.5 ? 0b01 : 0b10;
  const out: OpResult[] = [];
  for (const op of ops) {
    const { alts } = runOp(s, op);
    const a = alts[Math.floor(rng() * alts.length)]!;
    materialize([a], []);
    const r = representative(a.result);
    a.commit?.(a.state, r);
    s = a.state;
    out.push(r);
  }
  return out;
}

const sysregRead = fc.constantFrom('ICC_IAR1_EL1', 'ICC_IAR1_EL1', 'ICC_IAR1_EL1', 'ICC_HPPIR1_EL1', 'ICC_RPR_EL1', 'ICC_PMR_EL1', 'ICC_CTLR_EL1', 'ISR_EL1', 'ICC_AP1R0_EL1', 'ICC_BPR1_EL1');
const intids = fc.constantFrom(1, 2, 3, 16, 20, 27, 32, 33, 40, 63, 8192, 8193, 8200, 1023);

/** A random op for a VM with 2 vCPUs, 64 SPIs and one ITS, booted. */
export function opArb(): fc.Arbitrary<PrimitiveOp> {
  const cpu = fc.integer({ min: 0, max: 1 });
  return fc.oneof(
    fc.record({ op: fc.constant('sysreg.read' as const), cpu, reg: sysregRead }),
    fc.record({ op: fc.constant('sysreg.write' as const), cpu, reg: fc.constantFrom('ICC_EOIR1_EL1' as const, 'ICC_DIR_EL1' as const), value: intids.map((i) => '0x' + i.toString(16)) }),
    fc.record({ op: fc.constant('sysreg.write' as const), cpu, reg: fc.constant('ICC_SGI1R_EL1' as const), value: fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([sgi, tl, irm]) => '0x' + ((BigInt(sgi) << 24n) | BigInt(tl) | (irm ? 1n << 40n : 0n)).toString(16)) }),
    fc.record({ op: fc.constant('sysreg.write' as const), cpu, reg: fc.constant('ICC_PMR_EL1' as const), value: fc.constantFrom('0xf0', '0x80', '0xa4', '0x0') }),
    fc.record({ op: fc.constant('sysreg.write' as const), cpu, reg: fc.constant('ICC_CTLR_EL1' as const), value: fc.constantFrom('0x0', '0x2') }),
    fc.record({ op: fc.constant('mmio.write' as const), cpu, frame: fc.constant('gicd' as const), offset: fc.constantFrom(0x104, 0x204, 0x284, 0x304, 0x384, 0xc08), width: fc.constant(32 as const), value: fc.constantFrom('0x1', '0x300', '0xffffffff', '0x0') }),
    fc.record({ op: fc.constant('mmio.write' as const), cpu, frame: fc.constant('gicd' as const), offset: fc.integer({ min: 0x420, max: 0x43f }), width: fc.constant(8 as const), value: fc.constantFrom('0xa0', '0xa4', '0x40', '0x80', '0x10') }),
    fc.record({ op: fc.constant('mmio.write' as const), cpu, frame: fc.constant('gicd' as const), offset: fc.constantFrom(0x6100, 0x6108, 0x6140), width: fc.constant(64 as const), value: fc.constantFrom('0x0', '0x1', '0x80000000') }),
    fc.record({ op: fc.constant('mmio.write' as const), cpu, frame: fc.constant('gicr-sgi' as const), index: cpu, offset: fc.constantFrom(0x100, 0x200, 0x180), width: fc.constant(32 as const), value: fc.constantFrom('0xffff', '0x8000000', '0x6') }),
    fc.record({ op: fc.constant('mmio.read' as const), cpu, frame: fc.constant('gicd' as const), offset: fc.constantFrom(0x0, 0x4, 0x104, 0x204, 0x304, 0x420, 0x6100), width: fc.constant(32 as const) }),
    fc.record({ op: fc.constant('mmio.read' as const), cpu, frame: fc.constant('gits' as const), index: fc.constant(0), offset: fc.constantFrom(0x0, 0x90, 0x88), width: fc.constant(32 as const) }),
    fc.record({ op: fc.constant('mmio.write' as const), cpu, frame: fc.constant('gicr' as const), index: cpu, offset: fc.constant(0), width: fc.constant(32 as const), value: fc.constantFrom('0x0', '0x1') }),
    fc.record({ op: fc.constant('kvm.irq_line' as const), type: fc.constantFrom('spi' as const, 'ppi' as const), vcpu: cpu, intid: intids, level: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ op: fc.constant('timer.line' as const), cpu, level: fc.constantFrom(0 as const, 1 as const) }),
    fc.record({ op: fc.constant('wfi' as const), cpu }),
    fc.record({ op: fc.constant('mem.write' as const), addr: fc.constantFrom('0x40100000', '0x40100001', '0x40100008'), bytes: fc.constantFrom('a3', 'a1', '00', '43') }),
    fc.record({ op: fc.constant('mem.read' as const), addr: fc.constantFrom('0x40100000', '0x41000000', '0x40200400'), len: fc.constant(4) }),
    fc.record({ op: fc.constant('kvm.signal_msi' as const), address: fc.constant('0x8090040'), data: fc.integer({ min: 0, max: 3 }), devid: fc.integer({ min: 0, max: 2 }), flags: fc.constant(1) }),
    fc.record({ op: fc.constantFrom('vcpu.run' as const), cpu, pcpu: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ op: fc.constantFrom('vcpu.put' as const, 'vcpu.exit' as const), cpu }),
    fc.record({ op: fc.constant('migrate' as const) }),
    fc.record({
      op: fc.constant('its.cmd' as const), its: fc.constant(0), cmds: fc.array(fc.oneof(
        fc.record({ cmd: fc.constant('MAPD' as const), device: fc.integer({ min: 0, max: 2 }), size: fc.constantFrom(1, 4, 20), itt: fc.constantFrom('0x41000000', '0x41010000'), valid: fc.boolean() }),
        fc.record({ cmd: fc.constant('MAPC' as const), collection: fc.integer({ min: 0, max: 2 }), target: fc.integer({ min: 0, max: 2 }), valid: fc.boolean() }),
        fc.record({ cmd: fc.constant('MAPTI' as const), device: fc.integer({ min: 0, max: 2 }), event: fc.integer({ min: 0, max: 3 }), intid: fc.constantFrom(8192, 8193, 8200, 100), collection: fc.integer({ min: 0, max: 2 }) }),
        fc.record({ cmd: fc.constantFrom('INT' as const, 'CLEAR' as const, 'INV' as const, 'DISCARD' as const), device: fc.integer({ min: 0, max: 2 }), event: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ cmd: fc.constant('MOVI' as const), device: fc.integer({ min: 0, max: 2 }), event: fc.integer({ min: 0, max: 3 }), collection: fc.integer({ min: 0, max: 2 }) }),
        fc.record({ cmd: fc.constant('INVALL' as const), collection: fc.integer({ min: 0, max: 2 }) }),
        fc.record({ cmd: fc.constant('SYNC' as const), target: fc.integer({ min: 0, max: 1 }) }),
        fc.record({ cmd: fc.constant('MOVALL' as const), from: fc.integer({ min: 0, max: 1 }), to: fc.integer({ min: 0, max: 1 }) }),
      ), { minLength: 1, maxLength: 4 }).map((a) => a as [typeof a[0], ...typeof a]),
    }),
  ) as fc.Arbitrary<PrimitiveOp>;
}

export const RANDOM_CONFIG: ResolvedConfig = resolveConfig({ vcpus: 2, spis: 64, its: 1 });

/** A booted VM (the boot macro) followed by random ops. */
export function scenarioArb(maxOps = 40): fc.Arbitrary<PrimitiveOp[]> {
  const boot = expandBoot({ op: 'boot' }, RANDOM_CONFIG);
  return fc.array(opArb(), { minLength: 1, maxLength: maxOps }).map((ops) => [...boot, ...ops]);
}

/** An oracle fed `ops` with the model target's results (each must be accepted on the way). */
export function oracleFedByModel(ops: readonly PrimitiveOp[], cfg: ResolvedConfig): Oracle {
  const s = new ModelSession(cfg);
  const o = createOracle(cfg);
  for (const op of ops) expect(o.observe(op, s.step(op))).toBeNull();
  return o;
}

/**
 * The ops that set up event 3 of device 1 on ITS 0 as LPI 8192 (collection 0 on vCPU 0, `extraCollections`
 * mapped too), routed as GSI 5 through an irqfd and forwarded as host IRQ 100 (a GICv4 vLPI).
 */
export function forwardedLpiSetup(extraCollections: { collection: number; target: number }[] = []): Scenario['ops'] {
  return [
    { op: 'boot' },
    { op: 'mem.write', addr: '0x40100000', bytes: 'a3' },
    { op: 'its.cmd', cpu: 0, its: 0, cmds: [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      ...extraCollections.map((c) => ({ cmd: 'MAPC' as const, collection: c.collection, target: c.target, valid: true })),
      { cmd: 'MAPTI', device: 1, event: 3, intid: 8192, collection: 0 },
      { cmd: 'INV', device: 1, event: 3 },
      { cmd: 'SYNC', target: 0 },
    ] },
    { op: 'kvm.set_gsi_routing', entries: [{ gsi: 5, type: 'msi', address: '0x8090040', data: 3, devid: 1 }] },
    { op: 'kvm.irqfd', gsi: 5, resample: false, deassign: false },
    { op: 'vfio.forward', gsi: 5, hostIrq: 100 },
  ] as Scenario['ops'];
}

/** The first op at which an oracle with `options` rejects `results` for scenario `e`, or null. */
export function rejectedAt(e: ExpandedScenario, results: readonly OpResult[], options: OracleOptions): number | null {
  const oracle = createOracle(e.config, options);
  for (let i = 0; i < e.ops.length; i++) if (oracle.observe(e.ops[i]!, results[i]!) !== null) return i;
  return null;
}
