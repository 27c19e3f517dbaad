// Fixed, seeded benchmark workloads (issue 8). Each is a plain scenario, so every target and the
// oracle run it the same way, and deterministic: each vCPU acknowledges only interrupts whose
// INTID the workload knows, so no result depends on a permitted choice.
import seedrandom from 'seedrandom';
import type { ItsCommand, Op, Scenario } from '../../spec/scenario.js';
import { toHex } from '../../spec/hex.js';
import { BOOT_PROPBASE, FREE_RAM, itsTranslater } from '../../spec/layout.js';

const LPI_BASE = 8192;
/** LPI property byte: priority 0xa0, the RES1 group bit, enabled (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER). */
const PROP_ENABLED_A0 = 'a3';

/** An its.cmd op on ITS 0 (the schema wants at least one command). */
function itsCmd(cmds: ItsCommand[]): Op {
  const [first, ...rest] = cmds;
  if (!first) throw new Error('its.cmd needs at least one command');
  return { op: 'its.cmd', its: 0, cmds: [first, ...rest] };
}

function ack(cpu: number, intid: number, ops: Op[], eoiMode1 = false): void {
  ops.push({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
  ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_EOIR1_EL1', value: toHex(intid) });
  if (eoiMode1) ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_DIR_EL1', value: toHex(intid) });
}

/** Devices x events of LPIs, one collection per vCPU; LPI (d, e) targets vCPU (d*events+e) % vcpus. */
function mapLpis(devices: number, events: number, vcpus: number, ops: Op[]): void {
  const n = devices * events;
  ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: PROP_ENABLED_A0.repeat(n) });
  const cmds: ItsCommand[] = [];
  for (let c = 0; c < vcpus; c++) cmds.push({ cmd: 'MAPC', collection: c, target: c, valid: true });
  const idBits = Math.max(0, Math.ceil(Math.log2(events)) - 1);
  for (let d = 0; d < devices; d++) {
    cmds.push({ cmd: 'MAPD', device: d, size: idBits, itt: toHex(FREE_RAM + d * 0x1000), valid: true });
    for (let e = 0; e < events; e++) {
      const k = d * events + e;
      cmds.push({ cmd: 'MAPTI', device: d, event: e, intid: LPI_BASE + k, collection: k % vcpus });
    }
  }
  for (let c = 0; c < vcpus; c++) cmds.push({ cmd: 'SYNC', target: c });
  ops.push(itsCmd(cmds));
}

/**
 * After the KVM selftest vgic_lpi_stress: many devices x events, MSIs injected through
 * KVM_SIGNAL_MSI (the translation cache), acknowledge and EOI on every vCPU.
 */
export function lpiStorm(rounds: number, seed = 'lpi-storm'): Scenario {
  const rng = seedrandom(seed);
  const vcpus = 4, devices = 8, events = 32;
  const ops: Op[] = [{ op: 'boot' }];
  mapLpis(devices, events, vcpus, ops);
  const msi = itsTranslater(0);
  for (let r = 0; r < rounds; r++) {
    // one MSI per vCPU, then each vCPU takes its own
    const fired: number[] = [];
    for (let c = 0; c < vcpus; c++) {
      const slot = Math.floor(rng() * (devices * events / vcpus));
      const k = slot * vcpus + c;
      fired.push(k);
      ops.push({ op: 'kvm.signal_msi', address: toHex(msi), data: k % events, devid: Math.floor(k / events), flags: 1 });
    }
    fired.forEach((k, c) => ack(c, LPI_BASE + k, ops));
  }
  return { format: 'gicdiff/scenario@1', name: 'bench-lpi-storm', config: { vcpus, spis: 64, its: 1 }, ops };
}

/** ITS command churn: MAPTI, property change + INV, MOVI, INVALL, MOVALL, INT, DISCARD, SYNC. */
export function itsChurn(rounds: number, seed = 'its-churn'): Scenario {
  const rng = seedrandom(seed);
  const vcpus = 4, devices = 4, events = 16;
  const ops: Op[] = [{ op: 'boot' }];
  const cmds: ItsCommand[] = [];
  for (let c = 0; c < vcpus; c++) cmds.push({ cmd: 'MAPC', collection: c, target: c, valid: true });
  for (let d = 0; d < devices; d++) cmds.push({ cmd: 'MAPD', device: d, size: 3, itt: toHex(FREE_RAM + d * 0x1000), valid: true });
  ops.push(itsCmd(cmds));
  for (let r = 0; r < rounds; r++) {
    const d = Math.floor(rng() * devices), e = Math.floor(rng() * events);
    const intid = LPI_BASE + d * events + e;
    const from = Math.floor(rng() * vcpus), to = (from + 1) % vcpus;
    ops.push({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPTI', device: d, event: e, intid, collection: from }] });
    ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + intid - LPI_BASE), bytes: PROP_ENABLED_A0 });
    ops.push({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'INV', device: d, event: e }, { cmd: 'MOVI', device: d, event: e, collection: to }, { cmd: 'SYNC', target: from }] });
    ops.push({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'INVALL', collection: to }, { cmd: 'INT', device: d, event: e }, { cmd: 'SYNC', target: to }] });
    ack(to, intid, ops);
    // the vCPU exits now and then, as real ones do: KVM prunes the acknowledged LPI off its ap_list
    // then (a pending LPI left there would not follow a later retarget: impl/DIVERGENCES.md)
    ops.push({ op: 'vcpu.exit', cpu: to });
    if (r % 8 === 7) ops.push({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'MOVALL', from: to, to: from }, { cmd: 'SYNC', target: from }] });
    ops.push({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'DISCARD', device: d, event: e }, { cmd: 'SYNC', target: to }] });
  }
  return { format: 'gicdiff/scenario@1', name: 'bench-its-churn', config: { vcpus, spis: 64, its: 1 }, ops };
}

/**
 * CPU-interface traffic: SGIs at six priorities nested on one vCPU (more active interrupts than
 * list registers), EOImode 1 with DIR on another, broadcast SGIs (IRM).
 */
export function cpuifTraffic(rounds: number): Scenario {
  const vcpus = 4;
  const ops: Op[] = [{ op: 'boot', lpis: false }];
  for (let c = 0; c < vcpus; c++) {
    // SGI k has priority 0x10 * (8 - k): SGI 7 is the most urgent (distinct at 4 priority bits)
    for (let k = 1; k <= 7; k++) ops.push({ op: 'mmio.write', cpu: c, frame: 'gicr-sgi', index: c, offset: 0x400 + k, width: 8, value: toHex(0x10 * (8 - k)) });
    ops.push({ op: 'mmio.write', cpu: c, frame: 'gicr-sgi', index: c, offset: 0x100, width: 32, value: '0xfe' });
  }
  ops.push({ op: 'sysreg.write', cpu: 2, reg: 'ICC_CTLR_EL1', value: '0x2' });
  const sgi = (from: number, to: number, intid: number) =>
    ops.push({ op: 'sysreg.write', cpu: from, reg: 'ICC_SGI1R_EL1', value: toHex((BigInt(intid) << 24n) | (1n << BigInt(to))) });
  for (let r = 0; r < rounds; r++) {
    // nesting on vCPU 1: each SGI more urgent than the one before preempts it
    for (let k = 1; k <= 6; k++) {
      sgi(0, 1, k);
      ops.push({ op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' });
      ops.push({ op: 'sysreg.read', cpu: 1, reg: 'ICC_RPR_EL1' });
    }
    for (let k = 6; k >= 1; k--) ops.push({ op: 'sysreg.write', cpu: 1, reg: 'ICC_EOIR1_EL1', value: toHex(k) });
    // EOImode 1 on vCPU 2: priority drop, then deactivation
    sgi(3, 2, 5);
    ack(2, 5, ops, true);
    // broadcast (IRM = 1) from vCPU 3: everyone else takes SGI 7
    ops.push({ op: 'sysreg.write', cpu: 3, reg: 'ICC_SGI1R_EL1', value: toHex((1n << 40n) | (7n << 24n)) });
    for (let c = 0; c < 3; c++) ack(c, 7, ops, c === 2);
  }
  return { format: 'gicdiff/scenario@1', name: 'bench-cpuif', config: { vcpus, spis: 64, its: 0 }, ops };
}

/**
 * GICv4 scheduling: an assigned device's MSI forwarded as a vLPI, delivered while resident, while
 * scheduled out, while blocked in WFI (doorbell), and across physical CPUs (VMOVP).
 */
export function gicv4Scheduling(rounds: number): Scenario {
  const ops: Op[] = [{ op: 'boot' }];
  const devices = 4;
  ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: PROP_ENABLED_A0.repeat(devices) });
  const cmds: ItsCommand[] = [{ cmd: 'MAPC', collection: 0, target: 1, valid: true }];
  for (let d = 0; d < devices; d++) {
    cmds.push({ cmd: 'MAPD', device: d, size: 0, itt: toHex(FREE_RAM + d * 0x100), valid: true });
    cmds.push({ cmd: 'MAPTI', device: d, event: 0, intid: LPI_BASE + d, collection: 0 });
  }
  ops.push(itsCmd(cmds));
  ops.push({ op: 'kvm.set_gsi_routing', entries: Array.from({ length: devices }, (_, d) => ({ gsi: 10 + d, type: 'msi' as const, address: toHex(itsTranslater(0)), data: 0, devid: d })) });
  for (let d = 0; d < devices; d++) {
    ops.push({ op: 'kvm.irqfd', gsi: 10 + d, resample: false, deassign: false });
    ops.push({ op: 'vfio.forward', gsi: 10 + d, hostIrq: 100 + d });
  }
  for (let r = 0; r < rounds; r++) {
    const d = r % devices;
    ops.push({ op: 'vcpu.run', cpu: 1, pcpu: r % 2 });
    ops.push({ op: 'device.fire', hostIrq: 100 + d });
    ack(1, LPI_BASE + d, ops);
    ops.push({ op: 'vcpu.put', cpu: 1 });
    ops.push({ op: 'device.fire', hostIrq: 100 + d });
    ops.push({ op: 'vcpu.run', cpu: 1, pcpu: (r + 1) % 2 });
    ack(1, LPI_BASE + d, ops);
    ops.push({ op: 'wfi', cpu: 1 });
    ops.push({ op: 'device.fire', hostIrq: 100 + d });
    ack(1, LPI_BASE + d, ops);
  }
  return { format: 'gicdiff/scenario@1', name: 'bench-gicv4', config: { vcpus: 2, spis: 64, its: 1, impl: { lrs: 4, gicv4: '4.1', pcpus: 2 } }, ops };
}

export const WORKLOADS: Record<string, () => Scenario> = {
  'lpi-storm': () => lpiStorm(2000),
  'its-churn': () => itsChurn(1000),
  'cpuif': () => cpuifTraffic(500),
  'gicv4': () => gicv4Scheduling(800),
};
