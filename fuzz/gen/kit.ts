// Steps the stories (fuzz/gen/actions/stories.ts) are built from: what a guest driver or a VMM
// does to set an interrupt up, signal it, take it and look at it. Each step updates the
// generator's belief (fuzz/gen/state.ts) the way the random actions do.
import { toHex } from '../../spec/hex.js';
import { BOOT_PROPBASE, bootPendBase, itsTranslater, vcpuAffinity } from '../../spec/layout.js';
import type { ItsCommand, Op } from '../../spec/scenario.js';
import { GICD, GICR, GICR_SGI } from '../../triage/regs.js';
import type { Gen } from './gen.js';
import { ITT_ENTRY_BYTES, LPI_BASE, LPI_SPAN, SPURIOUS, type LpiRef } from './state.js';

/**
 * Priorities an implementation with 5 priority bits (KVM's ICH_VTR_EL2.PRIbits) keeps apart, all
 * above Linux's default ICC_PMR_EL1 (0xf0): stories use distinct ones, so the oracle has one
 * answer for which interrupt is the highest pending.
 */
export const PRIORITIES = [0x00, 0x08, 0x10, 0x20, 0x28, 0x40, 0x58, 0x60, 0x80, 0x88, 0xa0, 0xb8, 0xc0, 0xd0, 0xe0, 0xe8];

/** `k` distinct priorities from PRIORITIES, in a random order. */
export function distinctPriorities(g: Gen, k: number): number[] {
  const pool = [...PRIORITIES];
  const out: number[] = [];
  while (out.length < k && pool.length) out.push(pool.splice(g.r.int(pool.length), 1)[0]!);
  return out;
}

/** `k` distinct values from `xs`. */
export function distinct<T>(g: Gen, xs: readonly T[], k: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < k && pool.length) out.push(pool.splice(g.r.int(pool.length), 1)[0]!);
  return out;
}

/** Another vCPU than `c` when there is one. */
export function otherCpu(g: Gen, c: number): number {
  if (g.config.vcpus < 2) return c;
  return (c + 1 + g.r.int(g.config.vcpus - 1)) % g.config.vcpus;
}

/** A vCPU, most often not vCPU 0 (what a guest spreading its interrupts does). */
export function spreadCpu(g: Gen): number {
  if (g.config.vcpus > 1 && g.r.chance(0.75)) return 1 + g.r.int(g.config.vcpus - 1);
  return g.cpu();
}

export function sys(g: Gen, cpu: number, reg: Extract<Op, { op: 'sysreg.write' }>['reg'], value: number | bigint): void {
  g.ops.push({ op: 'sysreg.write', cpu, reg, value: toHex(value) });
}
export function read(g: Gen, cpu: number, reg: Extract<Op, { op: 'sysreg.read' }>['reg']): void {
  g.ops.push({ op: 'sysreg.read', cpu, reg });
}

/** What Linux programs when a CPU comes up: PMR 0xf0 (sometimes fully open), Group 1 on. */
export function openCpu(g: Gen, cpu: number): void {
  sys(g, cpu, 'ICC_PMR_EL1', g.r.chance(0.8) ? 0xf0 : 0xff);
  if (g.r.chance(0.5)) sys(g, cpu, 'ICC_BPR1_EL1', 0);
  sys(g, cpu, 'ICC_IGRPEN1_EL1', 1);
}

export function setEoiMode(g: Gen, cpu: number, mode: number): void {
  sys(g, cpu, 'ICC_CTLR_EL1', mode << 1);
  g.st.eoiMode[cpu] = mode;
}

/** Acknowledge `intid` (what the generator expects to come out of IAR) on `cpu`. */
export function ack(g: Gen, cpu: number, intid?: number): void {
  read(g, cpu, 'ICC_IAR1_EL1');
  if (intid === undefined) return;
  const r = g.st.recent[cpu]!;
  const i = r.lastIndexOf(intid);
  if (i >= 0) r.splice(i, 1);
}
/** EOI, and under EOImode 1 the DIR too unless `keepActive`. */
export function eoi(g: Gen, cpu: number, intid: number, keepActive = false): void {
  sys(g, cpu, 'ICC_EOIR1_EL1', intid);
  if (g.st.eoiMode[cpu] === 1) {
    if (keepActive) g.st.needDir[cpu]!.push(intid);
    else sys(g, cpu, 'ICC_DIR_EL1', intid);
  }
}

/** ICC_SGI1R_EL1 value sending SGI `intid` to vCPU `to`. */
export function sgiValue(to: number, intid: number): bigint {
  const a = vcpuAffinity(to);
  return (BigInt(intid) << 24n) | (BigInt(a.aff2) << 32n) | (BigInt(a.aff1) << 16n) | (1n << BigInt(a.aff0));
}
export function sendSgi(g: Gen, from: number, to: number, intid: number): void {
  sys(g, from, 'ICC_SGI1R_EL1', sgiValue(to, intid));
  g.st.noteRecent(to, intid);
}

/** Enable SGI/PPI `intid` of `cpu` with priority `prio` (its redistributor's SGI frame). */
export function privateSetup(g: Gen, cpu: number, intid: number, prio: number, from = cpu): void {
  g.mmioW(from, 'gicr-sgi', cpu, GICR_SGI.IPRIORITYR + intid, 8, prio);
  g.mmioW(from, 'gicr-sgi', cpu, GICR_SGI.ISENABLER0, 32, (1 << intid) >>> 0);
}

/** GICD_IROUTER value naming vCPU `cpu`. */
export function irouter(cpu: number): bigint {
  const a = vcpuAffinity(cpu);
  return BigInt((a.aff2 << 16) | (a.aff1 << 8) | a.aff0);
}

/** Configure SPI `id`: trigger, priority, route to `target`, enabled; the distributor's Group 1 on. */
export function spiSetup(g: Gen, id: number, target: number, prio: number, edge: boolean): void {
  const cpu = g.cpu();
  if (g.r.chance(0.5)) g.mmioW(cpu, 'gicd', undefined, GICD.CTLR, 32, 0x12);
  // the whole GICD_ICFGR register as the guest last wrote it, with this SPI's field changed (a
  // driver's read-modify-write: the other 15 SPIs keep their trigger while their lines may be high)
  if (edge) g.st.edgeSpis.add(id);
  else g.st.edgeSpis.delete(id);
  let cfg = 0;
  for (let k = 0; k < 16; k++) if (g.st.edgeSpis.has((id & ~15) + k)) cfg |= 2 << (2 * k);
  g.mmioW(cpu, 'gicd', undefined, GICD.ICFGR + 4 * (id >> 4), 32, cfg >>> 0);
  g.mmioW(cpu, 'gicd', undefined, GICD.IPRIORITYR + id, 8, prio);
  g.mmioW(cpu, 'gicd', undefined, GICD.IROUTER + 8 * id, 64, irouter(target));
  g.mmioW(cpu, 'gicd', undefined, GICD.ISENABLER + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
  g.st.enabledSpis.add(id);
}

/**
 * An SPI the generator is not driving with a line already (a level it set stays its own), nor
 * one an irqfd's GSI routes to (KVM's resampler lowers that line at every EOI, whoever raised it).
 */
export function freeSpi(g: Gen): number {
  for (let t = 0; t < 8; t++) {
    const id = g.spi();
    if (!g.st.spiLevel.get(id) && !irqfdSpi(g, id)) return id;
  }
  return 32 + g.config.spis - 1;
}

function irqfdSpi(g: Gen, id: number): boolean {
  for (const gsi of g.st.irqfds.keys()) {
    const r = g.st.routes.get(gsi);
    if (r ? r.kind === 'irqchip' && r.spi === id : !g.st.routingSet && gsi + 32 === id) return true;
  }
  return false;
}

/** One look at `cpu` after the critical moment: what a guest would read to see what is pending. */
export function observe(g: Gen, cpu: number): void {
  switch (g.r.int(7)) {
    case 0: read(g, cpu, 'ICC_HPPIR1_EL1'); break;
    case 1: read(g, cpu, 'ISR_EL1'); break;
    case 2: g.wfi(cpu); break;
    case 3: read(g, cpu, 'ICC_RPR_EL1'); break;
    case 4:
      if (g.config.its) g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(cpu) + LPI_BASE / 8), len: LPI_SPAN / 8 });
      else g.mmioR(g.cpu(), 'gicr-sgi', cpu, GICR_SGI.ISPENDR0, 32);
      break;
    default: read(g, cpu, 'ICC_IAR1_EL1');
  }
}

/** Acknowledge whatever is there and complete it (IAR, then EOI of what the generator expects). */
export function takeOne(g: Gen, cpu: number, expected: number): void {
  ack(g, cpu, expected);
  eoi(g, cpu, expected);
}

/** The property byte of LPI `intid`: priority [7:2], RES1 bit 1, Enable bit 0. */
export function lpiProperty(g: Gen, intid: number, prio: number, enable: boolean): void {
  g.ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + (intid - LPI_BASE)), bytes: ((prio & 0xfc) | 2 | (enable ? 1 : 0)).toString(16).padStart(2, '0') });
}

export interface MappedLpi { ref: LpiRef; intid: number; cpu: number; prio: number }

/** An ICID of ITS `n` mapped to `cpu`, mapping one (MAPC) when none is. */
export function collectionFor(g: Gen, n: number, cpu: number, cmds: ItsCommand[]): number {
  const its = g.st.its[n]!;
  for (const [icid, t] of its.collections) if (t === cpu && g.r.chance(0.8)) return icid;
  let icid = cpu;
  for (let t = 0; t < 8 && its.collections.has(icid); t++) icid = g.r.small(Math.min(63, g.config.vcpus + 8));
  if (its.collections.has(icid)) icid = 64 + g.r.int(64);
  cmds.push({ cmd: 'MAPC', collection: icid, target: cpu, valid: true });
  its.collections.set(icid, cpu);
  return icid;
}

/** A free LPI INTID, sometimes at the edges of the ID space (the last LPI of 16 ID bits). */
export function freeLpi(g: Gen): number {
  if (g.r.chance(0.1)) {
    const edge = g.r.pick([LPI_BASE, 0xffff, 0xfffe, 0x4000]);
    if (!g.st.lpis.has(edge)) return edge;
  }
  for (let t = 0; t < 16; t++) {
    const id = LPI_BASE + g.r.small(LPI_SPAN - 1);
    if (!g.st.lpis.has(id)) return id;
  }
  return LPI_BASE + LPI_SPAN + g.r.int(LPI_SPAN);
}

/**
 * An LPI of ITS `n` routed to `cpu`, set up the way Linux's ITS driver does: MAPC for the CPU's
 * collection, MAPD with an ITT, the property byte written (disabled), MAPTI, then unmasked
 * (property enabled) with INV and SYNC so no cached configuration is left. Reuses a mapped event
 * of that vCPU sometimes. Device and event IDs come from the edges now and then: DeviceID
 * 0xffff (the last of 16 bits), the last EventID of the ITT.
 */
export function mappedLpi(g: Gen, n: number, cpu: number, opts: { fresh?: boolean; prio?: number } = {}): MappedLpi {
  const its = g.st.its[n]!;
  if (!opts.fresh && g.r.chance(0.4)) {
    for (const [device, d] of its.devices) {
      for (const [event, ev] of d.events) {
        if (its.collections.get(ev.collection) === cpu) {
          const ref = { its: n, device, event };
          const prio = opts.prio ?? g.r.pick(PRIORITIES);
          lpiProperty(g, ev.intid, prio, true);
          g.its([{ cmd: 'INV', device, event }, { cmd: 'SYNC', target: cpu }], n);
          g.st.dirtyProps.delete(ev.intid);
          return { ref, intid: ev.intid, cpu, prio };
        }
      }
    }
  }
  const cmds: ItsCommand[] = [];
  const icid = collectionFor(g, n, cpu, cmds);
  let device: number;
  const devs = [...its.devices.keys()];
  if (devs.length && g.r.chance(0.4)) device = g.r.pick(devs);
  else {
    device = g.r.chance(0.15) ? g.r.pick([0xffff, 0xfffe, 0x100, 0xff]) : g.r.small(63);
    // a device not mapped yet (a MAPD of a mapped one would drop its events)
    for (let t = 0; t < 8 && its.devices.has(device); t++) device = g.r.int(256);
    for (let d = 256; its.devices.has(device); d++) device = d;
    // EventID bits - 1; 16 bits (the most KVM takes) rarely: a save or restore walks the whole ITT
    const size = g.r.chance(0.03) ? 15 : g.r.pick([0, 1, 3, 4, 7, 7]);
    const itt = g.st.alloc(2 ** (size + 1) * ITT_ENTRY_BYTES);
    cmds.push({ cmd: 'MAPD', device, size, itt: toHex(itt), valid: true });
    const old = its.devices.get(device);
    if (old) for (const ev of old.events.values()) g.st.lpis.delete(ev.intid);
    its.devices.set(device, { size, itt, events: new Map() });
  }
  const dev = its.devices.get(device)!;
  const last = 2 ** (dev.size + 1) - 1;
  let event = g.r.chance(0.25) ? last : g.r.small(last);
  for (let t = 0; t < 8 && dev.events.has(event); t++) event = g.r.int(last + 1);
  const intid = freeLpi(g);
  const prio = opts.prio ?? g.r.pick(PRIORITIES);
  lpiProperty(g, intid, prio, false);
  cmds.push({ cmd: 'MAPTI', device, event, intid, collection: icid });
  cmds.push({ cmd: 'SYNC', target: cpu });
  g.its(cmds, n);
  const old = dev.events.get(event);
  if (old) g.st.lpis.delete(old.intid);
  dev.events.set(event, { intid, collection: icid });
  g.st.lpis.set(intid, { its: n, device, event });
  // unmask: the property byte enabled, then INV (and SYNC) so the ITS drops what it cached
  lpiProperty(g, intid, prio, true);
  g.its([{ cmd: 'INV', device, event }, { cmd: 'SYNC', target: cpu }], n);
  g.st.dirtyProps.delete(intid);
  return { ref: { its: n, device, event }, intid, cpu, prio };
}

/**
 * Take every one of `xs` pending on `cpu`: acknowledge and EOI them most urgent first, the order
 * IAR gives them in (their priorities are distinct), so no EOI names an interrupt that is not the
 * active one.
 */
export function takeAll(g: Gen, cpu: number, xs: readonly { intid: number; prio: number }[]): void {
  for (const x of [...xs].sort((a, b) => a.prio - b.prio)) {
    ack(g, cpu, x.intid);
    eoi(g, cpu, x.intid);
  }
}

/** INT for a mapped event (the LPI becomes pending on its target). */
export function intCmd(g: Gen, m: MappedLpi, from?: number): void {
  const cmds: ItsCommand[] = [{ cmd: 'INT', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: m.cpu }];
  g.its(cmds, m.ref.its, from);
  g.st.noteRecent(m.cpu, m.intid);
}

/** A userspace MSI (KVM_SIGNAL_MSI) at the event's GITS_TRANSLATER. */
export function signalMsi(g: Gen, m: MappedLpi): void {
  g.ops.push({ op: 'kvm.signal_msi', address: toHex(itsTranslater(m.ref.its)), data: m.ref.event, devid: m.ref.device, flags: 1 });
  g.st.noteRecent(m.cpu, m.intid);
}

/**
 * Add routes to the GSI routing table (KVM_SET_GSI_ROUTING replaces the whole table, so the
 * routes the generator knows are given again).
 */
export function addRoutes(g: Gen, add: { gsi: number; route: { kind: 'irqchip'; spi: number } | { kind: 'msi'; lpi: LpiRef } }[]): void {
  for (const a of add) g.st.routes.set(a.gsi, a.route);
  g.st.routingSet = true;
  const entries: Extract<Op, { op: 'kvm.set_gsi_routing' }>['entries'] = [];
  for (const [gsi, r] of g.st.routes) {
    if (r.kind === 'irqchip') entries.push({ gsi, type: 'irqchip', irqchip: 0, pin: r.spi - 32 });
    else entries.push({ gsi, type: 'msi', address: toHex(itsTranslater(r.lpi.its)), data: r.lpi.event, devid: r.lpi.device });
  }
  g.ops.push({ op: 'kvm.set_gsi_routing', entries });
}

/** A GSI with no route yet. */
export function freeGsi(g: Gen): number {
  for (let t = 0; t < 16; t++) {
    const gsi = g.r.small(31);
    if (!g.st.routes.has(gsi)) return gsi;
  }
  return 32 + g.r.int(32);
}

/** An irqfd on `gsi` (an existing one is deassigned first). */
export function assignIrqfd(g: Gen, gsi: number, resample: boolean): void {
  const old = g.st.irqfds.get(gsi);
  if (old) g.ops.push({ op: 'kvm.irqfd', gsi, resample: old.resample, deassign: true });
  g.ops.push({ op: 'kvm.irqfd', gsi, resample, deassign: false });
  g.st.irqfds.set(gsi, { resample });
}

/** A host IRQ number not forwarded yet. */
export function freeHostIrq(g: Gen): number {
  for (let t = 0; t < 16; t++) {
    const h = 100 + g.r.small(31);
    if (!g.st.forwarded.has(h)) return h;
  }
  return 200 + g.r.int(100);
}

/**
 * An assigned (VFIO) device's MSI for the LPI `m`, the way a VMM wires one up for GICv4: an MSI
 * route for the event on `gsi` (a free GSI when not given) with an irqfd on it, and a free host
 * IRQ. `forward()` binds the device's MSI to that irqfd (the irq bypass producer: a vLPI when the
 * host has GICv4), `fire()` raises it (pending at the LPI's current target), `unforward()` unbinds.
 */
export interface DeviceMsi {
  gsi: number;
  hostIrq: number;
  forward(): void;
  fire(): void;
  unforward(): void;
}

export function deviceMsi(g: Gen, m: MappedLpi, gsi?: number): DeviceMsi {
  if (gsi === undefined) {
    gsi = freeGsi(g);
    addRoutes(g, [{ gsi, route: { kind: 'msi', lpi: m.ref } }]);
    assignIrqfd(g, gsi, false);
  }
  const route = gsi;
  const hostIrq = freeHostIrq(g);
  return {
    gsi: route,
    hostIrq,
    forward: () => {
      g.ops.push({ op: 'vfio.forward', gsi: route, hostIrq });
      g.st.forwarded.set(hostIrq, route);
    },
    fire: () => {
      g.ops.push({ op: 'device.fire', hostIrq });
      g.st.noteRecent(m.cpu, m.intid);
    },
    unforward: () => {
      g.ops.push({ op: 'vfio.unforward', gsi: route, hostIrq });
      g.st.forwarded.delete(hostIrq);
    },
  };
}

export { SPURIOUS, GICR };
