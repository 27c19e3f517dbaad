// The vgic-v4 bridge on the kvm target (impl/vgic/vgic-v4.ts; vgic-v4.c): the counters
// that prove the direct-injection path is taken (so a silent fallback cannot pass for it), KVM's
// forwarding rules (MSI routes only, silent fallback, pending latch moved into the vLPI, no
// double map, routing changes and irqfd removal unmapping), residency and doorbells driven by
// vcpu.run / vcpu.put / WFI, the vITS hooks, and save/restore with vLPIs.
import { readFileSync } from 'node:fs';
import type { OpResult, PrimitiveOp, Scenario } from '../../spec/scenario.js';
import { expandScenario } from '../../spec/expand.js';
import { checkExpectations } from '../../spec/expect-check.js';
import { KvmSession } from '../../impl/target.js';
import { vgicV4Of, type VgicV4 } from '../../impl/vgic/vgic-v4.js';
import { BOOT_PROPBASE, bootPendBase, itsTranslater } from '../../spec/layout.js';
import { toHex } from '../../spec/hex.js';
import { EXAMPLES_DIR } from '../examples-dir.js';

type Gicv4 = 'off' | '4.0' | '4.1';
type Op = Scenario['ops'][number];

const FORWARDED = JSON.parse(readFileSync(`${EXAMPLES_DIR}/gicv4-forwarded.json`, 'utf8')) as Scenario;

function withGicv4(s: Scenario, g: Gicv4): Scenario {
  const c = structuredClone(s);
  c.config = { ...c.config, impl: { ...c.config?.impl, gicv4: g } };
  return c;
}

function run(s: Scenario): { results: OpResult[]; failures: ReturnType<typeof checkExpectations>; session: KvmSession } {
  const x = expandScenario(s);
  const session = new KvmSession(x.config);
  const results = x.ops.map((op) => session.step(op));
  return { results, failures: checkExpectations(x.ops, results), session };
}

// ---- a small VM with device 1 event 3 -> LPI 8192 (priority 0xa0) on vCPU `target`, GSI 5 ----

const PROP_ENABLED_A0 = 'a3'; // IHI 0069 5.1 LPI configuration table, GICR_PROPBASER: priority 0xa0, Enable
const iar = (cpu: number, expect?: string): Op => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1', ...(expect ? { expect } : {}) });
const eoi = (cpu: number, v: number): Op => ({ op: 'sysreg.write', cpu, reg: 'ICC_EOIR1_EL1', value: toHex(v) });
const route = (event: number): Op => ({ op: 'kvm.set_gsi_routing', entries: [{ gsi: 5, type: 'msi', address: toHex(itsTranslater(0)), data: event, devid: 1 }] });

function setup(mapEvent = true, target = 0): Op[] {
  const cmds: unknown[] = [
    { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true },
    { cmd: 'MAPC', collection: 0, target, valid: true },
    { cmd: 'MAPC', collection: 1, target: 1 - target, valid: true },
  ];
  if (mapEvent) cmds.push({ cmd: 'MAPTI', device: 1, event: 3, intid: 8192, collection: 0 }, { cmd: 'INV', device: 1, event: 3 });
  cmds.push({ cmd: 'SYNC', target });
  return [
    { op: 'boot' },
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: PROP_ENABLED_A0 },
    { op: 'its.cmd', its: 0, cmds } as Op,
    route(3),
    { op: 'kvm.irqfd', gsi: 5, resample: false, deassign: false },
  ];
}

function scenario(g: Gicv4, ops: Op[]): Scenario {
  return { format: 'gicdiff/scenario@1', name: 't', config: { vcpus: 2, spis: 32, its: 1, impl: { lrs: 4, gicv4: g, pcpus: 2 } }, ops };
}

/** A session stepped by hand (after the setup ops). */
function session(g: Gicv4, ops: Op[]): { s: KvmSession; v4: VgicV4; step: (op: Op) => OpResult } {
  const x = expandScenario(scenario(g, ops));
  const s = new KvmSession(x.config);
  for (const op of x.ops) s.step(op);
  const v4 = vgicV4Of(s.vm);
  if (!v4) throw new Error('no GICv4 bridge installed');
  return { s, v4, step: (op) => s.step(op as PrimitiveOp) };
}

const FWD: Op = { op: 'vfio.forward', gsi: 5, hostIrq: 100 };
const FIRE: Op = { op: 'device.fire', hostIrq: 100 };

describe('counters prove the direct-injection path (gicv4-forwarded example)', () => {
  test.each(['4.0', '4.1'] as const)('GICv%s: vLPIs delivered by hardware, a doorbell, VMOVP; no fallback', (g) => {
    const { failures, results, session: s } = run(withGicv4(FORWARDED, g));
    expect(failures).toEqual([]);
    const c = s.counters();
    // three device MSIs, each acknowledged straight from the redistributor
    expect(c.vlpiDirect).toBeGreaterThanOrEqual(3);
    expect(c.vlpiFired).toBe(3);
    // the vCPU blocked in WFI and was woken by its doorbell
    expect(c.doorbells).toBeGreaterThanOrEqual(1);
    // vCPU 1 ran on physical CPU 1, then on physical CPU 0
    expect(c.vmovp).toBeGreaterThanOrEqual(1);
    expect(c.v4Fallbacks).toBe(0);
    expect(c.vlpiMapped).toBe(1);
    // and the guest saw exactly what the software path shows it
    expect(results).toEqual(run(withGicv4(FORWARDED, 'off')).results);
  });

  test('gicv4 "off": no GICv4 bridge, no GICv4 counters', () => {
    const { failures, session: s } = run(withGicv4(FORWARDED, 'off'));
    expect(failures).toEqual([]);
    expect(vgicV4Of(s.vm)).toBeNull();
    expect(s.counters().vlpiDirect).toBeUndefined();
  });
});

describe.each(['4.0', '4.1'] as const)('kvm_vgic_v4_set_forwarding on GICv%s', (g) => {
  test('an MSI route that does not translate yet stays in software, silently (v4Fallbacks)', () => {
    const { s, step } = session(g, [...setup(false), FWD]);
    const c = s.counters();
    expect(c.v4Fallbacks).toBe(1);
    expect(c.vlpiMapped).toBe(0);
    step({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPTI', device: 1, event: 3, intid: 8192, collection: 0 }, { cmd: 'INV', device: 1, event: 3 }] } as Op);
    step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    step(FIRE);
    expect(step(iar(0))).toBe('0x2000');
    expect(s.counters().vlpiDirect).toBe(0); // the irqfd path, not the hardware
    expect(s.counters().irqfdInjections).toBe(1);
  });

  test('a device bound before its irqfd exists is forwarded when the irqfd appears (irq bypass connect)', () => {
    const ops = setup().filter((o) => o.op !== 'kvm.irqfd');
    const x = expandScenario(scenario(g, [...ops, FWD]));
    const s = new KvmSession(x.config);
    for (const op of x.ops) s.step(op);
    expect(s.vm.dist.lpis.get(8192)!.hw).toBe(false);
    s.step({ op: 'kvm.irqfd', gsi: 5, resample: false, deassign: false });
    expect(s.vm.dist.lpis.get(8192)!.hw).toBe(true);
    expect(s.counters().vlpiMapped).toBe(1);
  });

  test('an irqchip (SPI) route is never forwarded', () => {
    const { s, step } = session(g, [...setup(), { op: 'kvm.set_gsi_routing', entries: [{ gsi: 5, type: 'irqchip', irqchip: 0, pin: 3 }] }]);
    step(FWD);
    expect(s.counters().vlpiMapped).toBe(0);
    expect(s.counters().v4Fallbacks).toBe(1);
    expect(s.vm.dist.lpis.get(8192)!.hw).toBe(false);
  });

  test('a pending software latch moves into the vLPI, which the guest takes once', () => {
    const { s, step } = session(g, [...setup(), { op: 'vcpu.run', cpu: 0, pcpu: 0 }, { op: 'vcpu.put', cpu: 0 },
      { op: 'its.cmd', cpu: 1, its: 0, cmds: [{ cmd: 'INT', device: 1, event: 3 }] } as Op]);
    const irq = s.vm.dist.lpis.get(8192)!;
    expect(irq.pendingLatch).toBe(true);
    step(FWD);
    expect(irq.hw).toBe(true);
    expect(irq.hostIrq).toBe(100);
    expect(irq.pendingLatch).toBe(false);
    step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    expect(step(iar(0))).toBe('0x2000');
    step(eoi(0, 0x2000));
    expect(step(iar(0))).toBe('0x3ff');
    expect(s.counters().vlpiDirect).toBe(1);
  });

  test('forwarding an LPI that already is a vLPI maps nothing more', () => {
    const { s, step } = session(g, [...setup(), FWD, { op: 'kvm.set_gsi_routing', entries: [
      { gsi: 5, type: 'msi', address: toHex(itsTranslater(0)), data: 3, devid: 1 }] }]);
    step({ op: 'kvm.irqfd', gsi: 6, resample: false, deassign: false });
    step({ op: 'kvm.set_gsi_routing', entries: [
      { gsi: 5, type: 'msi', address: toHex(itsTranslater(0)), data: 3, devid: 1 },
      { gsi: 6, type: 'msi', address: toHex(itsTranslater(0)), data: 3, devid: 1 }] });
    step({ op: 'vfio.forward', gsi: 6, hostIrq: 101 });
    expect(s.counters().vlpiMapped).toBe(1);
    expect(s.vm.dist.lpis.get(8192)!.hostIrq).toBe(100);
  });

  test('an identical route keeps the vLPI; a different MSI unmaps it (software from then on)', () => {
    const { s, step } = session(g, [...setup(), FWD]);
    const irq = s.vm.dist.lpis.get(8192)!;
    expect(irq.hw).toBe(true);
    step(route(3));
    expect(irq.hw).toBe(true);
    step(route(4));
    expect(irq.hw).toBe(false);
    expect(s.counters().vlpiUnmapped).toBe(1);
    step(route(3));
    expect(irq.hw).toBe(false); // no remap (kvm_arch_update_irqfd_routing)
  });

  test('deassigning the irqfd and vfio.unforward unmap the vLPI', () => {
    const a = session(g, [...setup(), FWD]);
    a.step({ op: 'kvm.irqfd', gsi: 5, resample: false, deassign: true });
    expect(a.s.vm.dist.lpis.get(8192)!.hw).toBe(false);
    const b = session(g, [...setup(), FWD]);
    b.step({ op: 'vfio.unforward', gsi: 5, hostIrq: 100 });
    expect(b.s.vm.dist.lpis.get(8192)!.hw).toBe(false);
    expect(b.s.counters().vlpiUnmapped).toBe(1);
  });

  test('unforward does not read the vLPI\'s pending state back (vgic-v4.c): the MSI is lost', () => {
    const { step } = session(g, [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }, { op: 'vcpu.put', cpu: 0 }, FIRE]);
    step({ op: 'vfio.unforward', gsi: 5, hostIrq: 100 });
    step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    expect(step(iar(0))).toBe('0x3ff');
  });
});

describe.each(['4.0', '4.1'] as const)('residency and doorbells on GICv%s', (g) => {
  test('vcpu.run makes the vPE resident on that CPU (VMOVP when it moved); vcpu.put makes it non-resident', () => {
    const { s, v4, step } = session(g, [...setup(), FWD]);
    const vpe0 = v4.itsVm.vpes[0]!;
    const vmovp0 = s.counters().vmovp ?? 0;
    step({ op: 'vcpu.run', cpu: 0, pcpu: 1 });
    expect(vpe0.resident).toBe(true);
    expect(v4.host.hw.rd(1).resident).toBe(vpe0.hw);
    expect(s.counters().vmovp).toBe(vmovp0 + 1);
    step({ op: 'vcpu.exit', cpu: 0 });
    expect(vpe0.resident).toBe(true); // an exit alone keeps the vPE resident
    step({ op: 'vcpu.put', cpu: 0 });
    expect(vpe0.resident).toBe(false);
    expect(v4.host.hw.rd(1).valid).toBe(false);
    step({ op: 'vcpu.run', cpu: 0, pcpu: 1 });
    expect(s.counters().vmovp).toBe(vmovp0 + 1); // same CPU: no VMOVP
  });

  test('a put without WFI requests no doorbell; WFI does, and the doorbell wakes the vCPU', () => {
    const { s, step } = session(g, [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }, { op: 'vcpu.put', cpu: 0 }]);
    step(FIRE);
    expect(s.counters().doorbells).toBe(0);
    step({ op: 'vcpu.run', cpu: 0, pcpu: 0 });
    expect(step(iar(0))).toBe('0x2000');
    step(eoi(0, 0x2000));
    expect(step({ op: 'wfi', cpu: 0 })).toBe('asleep');
    expect(s.vm.vcpus[0]!.blocked).toBe(true);
    step(FIRE);
    expect(s.counters().doorbells).toBe(1);
    expect(s.vm.vcpus[0]!.blocked).toBe(false);
    expect(step(iar(0))).toBe('0x2000');
  });

  test('WFI with a vLPI pending on the resident vPE returns woken (PendingLast read at the put)', () => {
    const { s, step } = session(g, [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }, FIRE]);
    expect(step({ op: 'wfi', cpu: 0 })).toBe('woken');
    expect(s.counters().doorbells).toBe(0);
    expect(step(iar(0))).toBe('0x2000');
  });

  test('MOVI of a forwarded LPI re-maps it to the new vCPU\'s vPE (VMOVI)', () => {
    const { s, v4, step } = session(g, [...setup(), FWD]);
    const before = s.counters().vmovi ?? 0;
    step({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'MOVI', device: 1, event: 3, collection: 1 }] } as Op);
    expect(s.counters().vmovi).toBeGreaterThan(before);
    expect(v4.host.getVlpi(100)!.vpe).toBe(v4.itsVm.vpes[1]);
    expect(v4.itsVm.vpes[1]!.vlpiCount).toBe(1);
    expect(v4.itsVm.vpes[0]!.vlpiCount).toBe(0);
  });

  test('DISCARD of a forwarded event unmaps the vLPI; the device then reaches nothing', () => {
    const { s, step } = session(g, [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }]);
    step({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'DISCARD', device: 1, event: 3 }] } as Op);
    expect(s.counters().vlpiUnmapped).toBe(1);
    step(FIRE);
    expect(s.counters().vlpiFired).toBe(0);
    expect(step(iar(0))).toBe('0x3ff');
  });
});

describe('save/restore with vLPIs', () => {
  const SAVE_ITS: Op = { op: 'kvm.device_attr', device: 'its', index: 0, group: 'CTRL', attr: 'ITS_SAVE_TABLES', access: 'set' } as Op;
  const SAVE_PENDING: Op = { op: 'kvm.device_attr', device: 'vgic', group: 'CTRL', attr: 'SAVE_PENDING_TABLES', access: 'set' } as Op;
  // LPI 8192's bit in vCPU 0's pending table: byte 8192 / 8 (IHI 0069 5.1 LPI pending table, GICR_PENDBASER)
  const PENDING_BYTE: Op = { op: 'mem.read', addr: toHex(bootPendBase(0) + 8192 / 8), len: 1 };

  test('GICv4.0: ITS_SAVE_TABLES fails with -EACCES while a vLPI exists (Documentation/virt/kvm/devices/arm-vgic-its.rst)', () => {
    const { step } = session('4.0', [...setup(), FWD]);
    expect(step(SAVE_ITS)).toEqual({ errno: -13 });
  });

  test('GICv4.1: ITS_SAVE_TABLES succeeds and SAVE_PENDING_TABLES writes the vLPI\'s pending bit from its VPT', () => {
    const { step } = session('4.1', [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }, { op: 'vcpu.put', cpu: 0 }, FIRE]);
    expect(step(SAVE_ITS)).toEqual({ errno: 0 });
    expect(step(SAVE_PENDING)).toEqual({ errno: 0 });
    expect(step(PENDING_BYTE)).toBe('01');
  });
});

describe('distributor Group 1 enable and vLPIs', () => {
  const CTLR = (v: string): Op => ({ op: 'mmio.write', cpu: 0, frame: 'gicd', offset: 0, width: 32, value: v });

  test('GICv4.1: clearing EnableGrp1 reloads the vPE with vGrp1En = 0 (the vLPI waits), setting it delivers', () => {
    const { v4, step } = session('4.1', [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }]);
    step(CTLR('0x10'));
    expect(v4.host.hw.rd(0).vgrp1en).toBe(false);
    step(FIRE);
    expect(step(iar(0))).toBe('0x3ff');
    step(CTLR('0x12'));
    expect(step(iar(0))).toBe('0x2000');
  });

  test('GICv4.0: the hardware has no group enable for the vPE, so a vLPI arrives with EnableGrp1 = 0 (KVM, choice.u53.vlpi-vs-lpi)', () => {
    const { step } = session('4.0', [...setup(), FWD, { op: 'vcpu.run', cpu: 0, pcpu: 0 }]);
    step(CTLR('0x10'));
    step(FIRE);
    expect(step(iar(0))).toBe('0x2000');
  });
});
