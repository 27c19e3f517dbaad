// Stories: multi-step sequences a guest driver or a VMM performs, each drawn like one action, that
// build the deep situations where KVM's vGIC has had bugs (list-register overflow, level lines
// through resample irqfds, save/restore rounds, retargeting in flight, EnableLPIs toggles, table
// programming, GICv4 forwarding). Each ends with an observation after its critical moment (IAR,
// HPPIR, ISR, WFI, a pending register, GITS_CREADR, a table in memory), so an implementation that
// got the moment wrong shows it. Parameters come from edges (more interrupts than list registers,
// the last DeviceID/EventID/ICID a table holds, INTIDs just below the LPI range).
// Their weights add up to about an eighth of all draws (gen@14 gave each 1.5 times its gen@13
// weight: a story holds several situations, and gen@13's 8% left each reached a few times a
// minute); plain actions, the noise between stories, still make up most of a scenario.
import { toHex } from '../../../spec/hex.js';
import { bootCollectionTable, bootCommandQueue, bootDeviceTable, bootPendBase, VTIMER_PPI } from '../../../spec/layout.js';
import type { ItsCommand } from '../../../spec/scenario.js';
import { GICD, GICR, GICR_SGI, GITS } from '../../../triage/regs.js';
import type { Action } from '../action.js';
import type { Gen } from '../gen.js';
import {
  ack, addRoutes, assignIrqfd, collectionFor, deviceMsi, distinct, distinctPriorities, eoi, freeGsi, freeHostIrq, freeSpi, intCmd,
  irouter, lpiProperty, mappedLpi, observe, openCpu, otherCpu, PRIORITIES, privateSetup, read, sendSgi, setEoiMode,
  sgiValue, signalMsi, spiSetup, spreadCpu, sys, takeAll, takeOne, freeLpi, type MappedLpi,
} from '../kit.js';
import { LPI_BASE, LPI_SPAN, SPURIOUS, type ItsState, type LpiRef } from '../state.js';

const hasIts = (g: Gen): boolean => g.config.its > 0;
const twoCpus = (g: Gen): boolean => g.config.vcpus > 1;

/** The vCPU exits and re-enters, or is put and run again: KVM folds and refills the list registers. */
function churn(g: Gen, cpu: number): void {
  if (!g.host) return;
  switch (g.r.int(4)) {
    case 0:
    case 1: g.ops.push({ op: 'vcpu.exit', cpu }); break;
    case 2: {
      g.ops.push({ op: 'vcpu.put', cpu });
      const p = g.r.int(g.config.impl.pcpus);
      g.ops.push({ op: 'vcpu.run', cpu, pcpu: p });
      g.st.running[cpu] = p;
      break;
    }
    default: {
      const p = g.r.int(g.config.impl.pcpus);
      g.ops.push({ op: 'vcpu.run', cpu, pcpu: p });
      g.st.running[cpu] = p;
    }
  }
}
const maybeChurn = (g: Gen, cpu: number, p = 0.5): void => {
  if (g.r.chance(p)) churn(g, cpu);
};

/**
 * More SGIs pending on one vCPU than it has list registers, all acknowledged: under EOImode 1 each
 * is EOI'd (priority drop) and stays active until a DIR in some order, so more interrupts are active
 * than there are list registers; under EOImode 0 each preempts the last (nesting) and the EOIs
 * unwind it. Exits in between fold and refill the list registers. Observed: every IAR, the running
 * priority and active priorities, GICR_ISACTIVER0, and a final IAR that must be spurious.
 */
const lrOverflow: Action = {
  name: 'storyLrOverflow', family: 'stories', host: false, weight: 2.25,
  emit: (g) => {
    const c = g.awakeCpu();
    const k = Math.min(16, g.config.impl.lrs + g.r.range(1, 3));
    const mode = g.r.chance(0.55) ? 1 : 0;
    openCpu(g, c);
    setEoiMode(g, c, mode);
    const ids = distinct(g, [...Array(16).keys()], k);
    const prios = distinctPriorities(g, k);
    const from = (): number => (g.r.chance(0.7) ? c : otherCpu(g, c));
    for (let i = 0; i < k; i++) privateSetup(g, c, ids[i]!, prios[i]!);
    const byUrgency = ids.map((id, i) => ({ id, prio: prios[i]! })).sort((a, b) => a.prio - b.prio);
    if (mode === 1) {
      for (const id of ids) sendSgi(g, from(), c, id);
      maybeChurn(g, c);
      if (g.r.chance(0.4)) read(g, c, g.r.pick(['ICC_HPPIR1_EL1', 'ISR_EL1'] as const));
      const active: number[] = [];
      for (const { id } of byUrgency) {
        ack(g, c, id);
        sys(g, c, 'ICC_EOIR1_EL1', id); // priority drop only: it stays active
        active.push(id);
        maybeChurn(g, c, 0.3);
      }
      read(g, c, g.r.pick(['ICC_AP1R0_EL1', 'ICC_RPR_EL1'] as const));
      g.mmioR(c, 'gicr-sgi', c, GICR_SGI.ISACTIVER0, 32);
      // deactivate in some order; one may be left for later actions
      for (const id of distinct(g, active, active.length)) {
        if (g.r.chance(0.9)) sys(g, c, 'ICC_DIR_EL1', id);
        else g.st.needDir[c]!.push(id);
        if (g.r.chance(0.2)) churn(g, c);
      }
      g.mmioR(c, 'gicr-sgi', c, GICR_SGI.ISACTIVER0, 32);
      read(g, c, 'ICC_IAR1_EL1');
      return true;
    }
    // EOImode 0: the least urgent first, each next one preempts (nested active interrupts)
    const nest = [...byUrgency].reverse();
    const held = g.r.chance(0.4) ? nest.shift() : undefined; // one left pending, less urgent than all
    for (const { id } of nest) {
      sendSgi(g, from(), c, id);
      maybeChurn(g, c, 0.3);
      ack(g, c, id);
    }
    if (held) {
      sendSgi(g, from(), c, held.id); // pending behind everything active: HPPIR shows it, IAR must not
      read(g, c, 'ICC_HPPIR1_EL1');
    }
    read(g, c, g.r.pick(['ICC_RPR_EL1', 'ICC_AP1R0_EL1'] as const));
    maybeChurn(g, c);
    const order = nest.map((x) => x.id).reverse();
    if (order.length > 2 && g.r.chance(0.15)) {
      const i = g.r.int(order.length - 1);
      [order[i], order[i + 1]] = [order[i + 1]!, order[i]!]; // one EOI out of order
    }
    for (const id of order) {
      sys(g, c, 'ICC_EOIR1_EL1', id);
      if (g.r.chance(0.2)) churn(g, c);
    }
    if (held) {
      ack(g, c, held.id);
      sys(g, c, 'ICC_EOIR1_EL1', held.id);
    }
    g.mmioR(c, 'gicr-sgi', c, GICR_SGI.ISACTIVER0, 32);
    read(g, c, 'ICC_IAR1_EL1');
    return true;
  },
};

/** EOI, and with EOImode 1 sometimes an exit between the priority drop and the DIR. */
function eoiExitBeforeDir(g: Gen, c: number, id: number): void {
  sys(g, c, 'ICC_EOIR1_EL1', id);
  if (g.st.eoiMode[c] === 1) {
    maybeChurn(g, c, 0.4);
    sys(g, c, 'ICC_DIR_EL1', id);
  }
}

/**
 * A level-sensitive SPI routed (mostly) away from vCPU 0, driven by the host: through a resample
 * irqfd (asserted until the guest's EOI, the resamplefd signalled then, the VMM re-asserting while
 * its device still wants service) or by KVM_IRQ_LINE, with the line changing between acknowledge
 * and EOI and the vCPU exiting while the interrupt is active, or the resample irqfd deassigned
 * while it holds the line high. Observed: IAR after the EOI (the interrupt again when the line is
 * still high, spurious otherwise), the resamplefd, GICD_ISPENDR.
 */
const levelLine: Action = {
  name: 'storyLevelLine', family: 'stories', host: true, weight: 1.8,
  emit: (g) => {
    const c = spreadCpu(g);
    const id = freeSpi(g);
    const prio = g.r.pick(PRIORITIES);
    spiSetup(g, id, c, prio, false);
    openCpu(g, c);
    if (g.r.chance(0.3)) setEoiMode(g, c, g.st.eoiMode[c] ? 0 : 1);
    const ispendr = (): void => g.mmioR(c, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32);
    if (g.r.chance(0.5)) {
      // before any KVM_SET_GSI_ROUTING, KVM's default routing maps GSI i to SPI i + 32
      const byDefault = !g.st.routingSet && id - 32 < 988 && !g.st.irqfds.has(id - 32) && g.r.chance(0.5);
      const gsi = byDefault ? id - 32 : freeGsi(g);
      if (!byDefault) addRoutes(g, [{ gsi, route: { kind: 'irqchip', spi: id } }]);
      assignIrqfd(g, gsi, true);
      g.ops.push({ op: 'irqfd.signal', gsi });
      g.st.noteRecent(c, id);
      if (g.r.chance(0.4)) ispendr();
      if (g.r.chance(0.25)) {
        // the VMM tears the device down (the resample irqfd deassigned) while its line is
        // asserted, before the guest took it or while it is active: the line goes low with it
        const active = g.r.chance(0.5);
        if (active) ack(g, c, id);
        g.ops.push({ op: 'kvm.irqfd', gsi, resample: true, deassign: true });
        g.st.irqfds.delete(gsi);
        if (active) eoiExitBeforeDir(g, c, id);
        ispendr();
        read(g, c, 'ICC_IAR1_EL1'); // spurious: nothing drives the line any more
        return true;
      }
      ack(g, c, id);
      g.ops.push({ op: 'irqfd.resampled', gsi });
      maybeChurn(g, c, 0.85); // exit while active
      switch (g.r.int(3)) {
        case 0: g.ops.push({ op: 'irqfd.signal', gsi }); break; // the device asserts again before the EOI
        case 1: g.mmioW(c, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0); break;
        default: break;
      }
      eoiExitBeforeDir(g, c, id);
      g.ops.push({ op: 'irqfd.resampled', gsi });
      if (g.r.chance(0.5)) {
        // the VMM finds its device still asserting and signals again
        g.ops.push({ op: 'irqfd.signal', gsi });
        maybeChurn(g, c, 0.3);
        ack(g, c, id);
        eoi(g, c, id);
        g.ops.push({ op: 'irqfd.resampled', gsi });
      }
      read(g, c, 'ICC_IAR1_EL1');
      if (g.r.chance(0.5)) ispendr();
      return true;
    }
    // KVM_IRQ_LINE
    const line = (level: number): void => {
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level });
      g.st.spiLevel.set(id, level);
    };
    line(1);
    g.st.noteRecent(c, id);
    ack(g, c, id);
    maybeChurn(g, c, 0.85);
    const change = g.r.int(3);
    if (change === 0) line(0);
    else if (change === 1) { line(0); line(1); }
    eoiExitBeforeDir(g, c, id);
    if (g.r.chance(0.3)) ispendr();
    read(g, c, 'ICC_IAR1_EL1'); // the SPI again while the line is high, spurious once it is low
    if (g.st.spiLevel.get(id)) {
      eoi(g, c, id);
      if (g.r.chance(0.7)) line(0);
    }
    return true;
  },
};

/**
 * A level-sensitive SPI made pending by a GICD_ISPENDR write (the latch), taken through
 * acknowledge, an exit while active and EOI; sometimes cleared by ICPENDR before the acknowledge or
 * set pending again while active. Observed: IAR, GICD_ISPENDR / ISACTIVER, the IAR after the EOI.
 */
const levelLatch: Action = {
  name: 'storyLevelLatch', family: 'stories', host: false, weight: 1.2,
  emit: (g) => {
    const c = spreadCpu(g);
    const id = freeSpi(g);
    const bit = (1 << (id % 32)) >>> 0;
    spiSetup(g, id, c, g.r.pick(PRIORITIES), false);
    openCpu(g, c);
    const w = g.awakeCpu();
    g.mmioW(w, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, bit);
    g.st.noteRecent(c, id);
    const variant = g.r.int(3);
    if (variant === 0) {
      g.mmioW(w, 'gicd', undefined, GICD.ICPENDR + 4 * (id >> 5), 32, bit);
      g.mmioR(w, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32);
      read(g, c, 'ICC_IAR1_EL1'); // spurious: the latch is cleared
      return true;
    }
    ack(g, c, id);
    maybeChurn(g, c, 0.6);
    if (g.r.chance(0.3)) g.mmioR(w, 'gicd', undefined, g.r.pick([GICD.ISPENDR, GICD.ISACTIVER]) + 4 * (id >> 5), 32);
    if (variant === 2) g.mmioW(w, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, bit); // pending again while active
    eoi(g, c, id);
    read(g, c, 'ICC_IAR1_EL1');
    if (variant === 2) eoi(g, c, id);
    g.mmioR(w, 'gicd', undefined, g.r.pick([GICD.ISPENDR, GICD.ISACTIVER]) + 4 * (id >> 5), 32);
    return true;
  },
};

type Mask = 'pmr' | 'pmr-equal' | 'igrpen' | 'disabled' | 'running' | 'running-bpr' | 'group0' | 'none';

/**
 * WFI under each masking condition with one interrupt pending: masked by the PMR (below and
 * equal), Group 1 disabled, the interrupt disabled, a more urgent interrupt active (with a BPR
 * that groups them or not), the interrupt in Group 0. Observed: the WFI's result, ISR_EL1 and
 * HPPIR; then a more urgent SGI from another vCPU wakes it and the condition is lifted.
 */
const wfiMasking: Action = {
  name: 'storyWfiMasking', family: 'stories', host: false, weight: 1.5,
  emit: (g) => {
    const c = g.awakeCpu();
    const waker = otherCpu(g, c);
    openCpu(g, c);
    const [id, urgent] = distinct(g, [...Array(15).keys()], 2) as [number, number];
    const prio = g.r.pick([0x40, 0x80, 0xa0, 0xc0]);
    privateSetup(g, c, id, prio);
    const mask = g.r.pick<Mask>(['pmr', 'pmr-equal', 'igrpen', 'disabled', 'running', 'running-bpr', 'group0', 'none']);
    const bit = (1 << id) >>> 0;
    if (mask === 'pmr') sys(g, c, 'ICC_PMR_EL1', prio - g.r.pick([0x08, 0x20, prio]));
    if (mask === 'pmr-equal') sys(g, c, 'ICC_PMR_EL1', prio);
    if (mask === 'igrpen') sys(g, c, 'ICC_IGRPEN1_EL1', 0);
    if (mask === 'group0') g.mmioW(c, 'gicr-sgi', c, GICR_SGI.IGROUPR0, 32, ~bit >>> 0);
    if (mask === 'running' || mask === 'running-bpr') {
      privateSetup(g, c, urgent, prio - 0x20);
      if (mask === 'running-bpr') sys(g, c, 'ICC_BPR1_EL1', g.r.pick([4, 7]));
      sendSgi(g, c, c, urgent);
      ack(g, c, urgent);
    }
    sendSgi(g, g.r.chance(0.5) ? c : waker, c, id);
    if (mask === 'disabled') g.mmioW(c, 'gicr-sgi', c, GICR_SGI.ICENABLER0, 32, bit);
    if (g.r.chance(0.5)) read(g, c, 'ISR_EL1');
    g.wfi(c);
    read(g, c, g.r.pick(['ISR_EL1', 'ICC_HPPIR1_EL1'] as const));
    if (waker !== c && g.r.chance(0.5)) {
      // a more urgent IPI from another vCPU (what wakes a CPU idling with lower priorities masked)
      privateSetup(g, c, urgent, 0x00, waker);
      sendSgi(g, waker, c, urgent);
      g.wfi(c);
      g.st.maybeAsleep.delete(c);
    }
    // lift the condition
    if (mask === 'pmr' || mask === 'pmr-equal') sys(g, c, 'ICC_PMR_EL1', 0xf0);
    if (mask === 'igrpen') sys(g, c, 'ICC_IGRPEN1_EL1', 1);
    if (mask === 'group0') g.mmioW(c, 'gicr-sgi', c, GICR_SGI.IGROUPR0, 32, 0xffffffff);
    if (mask === 'disabled') g.mmioW(c, 'gicr-sgi', c, GICR_SGI.ISENABLER0, 32, bit);
    if (mask === 'running' || mask === 'running-bpr') eoi(g, c, urgent);
    read(g, c, 'ICC_IAR1_EL1');
    eoi(g, c, id);
    return true;
  },
};

/**
 * A vCPU blocked in WFI is scheduled: put, run on another physical CPU, exited; then something is
 * sent to it from elsewhere (an SGI, an LPI through the ITS, a line, its timer, a forwarded vLPI).
 * Observed: WFI again (it must not sleep with that pending), IAR.
 */
const schedBlocked: Action = {
  name: 'storySchedBlocked', family: 'stories', host: true, weight: 1.2,
  emit: (g) => {
    const c = g.awakeCpu();
    const w = otherCpu(g, c);
    openCpu(g, c);
    const sgi = g.r.int(16);
    privateSetup(g, c, sgi, g.r.pick([0x20, 0x80, 0xa0]));
    let lpi: MappedLpi | undefined;
    if (g.config.its && w !== c && g.r.chance(0.5)) lpi = mappedLpi(g, g.r.int(g.config.its), c);
    g.wfi(c);
    const steps = g.r.range(1, 3);
    for (let i = 0; i < steps; i++) {
      const p = g.r.int(g.config.impl.pcpus);
      switch (g.r.int(3)) {
        case 0: g.ops.push({ op: 'vcpu.put', cpu: c }); g.st.running[c] = -1; break;
        case 1: g.ops.push({ op: 'vcpu.run', cpu: c, pcpu: p }); g.st.running[c] = p; break;
        default: g.ops.push({ op: 'vcpu.exit', cpu: c });
      }
    }
    let expected: number;
    if (lpi) {
      intCmd(g, lpi, w);
      expected = lpi.intid;
    } else if (w !== c && g.r.chance(0.6)) {
      sendSgi(g, w, c, sgi);
      expected = sgi;
    } else if (g.r.chance(0.5)) {
      g.ops.push({ op: 'timer.line', cpu: c, level: 1 });
      g.st.timerLevel[c] = 1;
      g.st.noteRecent(c, VTIMER_PPI);
      expected = VTIMER_PPI;
    } else {
      const id = freeSpi(g);
      spiSetup(g, id, c, 0x80, true);
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level: 1 });
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level: 0 });
      g.st.noteRecent(c, id);
      expected = id;
    }
    if (g.r.chance(0.5)) {
      const p = g.r.int(g.config.impl.pcpus);
      g.ops.push({ op: 'vcpu.run', cpu: c, pcpu: p });
      g.st.running[c] = p;
    }
    g.wfi(c);
    g.st.maybeAsleep.delete(c);
    ack(g, c, expected);
    eoi(g, c, expected);
    return true;
  },
};

/**
 * An LPI retargeted while it is pending, in a list register (the vCPU ran after the INT), or
 * acknowledged: MOVI to a collection of another vCPU, MOVALL plus the collection remapped (what
 * a CPU going offline gets), sometimes on both ITSes. Observed: IAR on the old vCPU (spurious
 * unless the LPI was active there), IAR on the new one, an INT after the move.
 */
const retargetLpi: Action = {
  name: 'storyRetargetLpi', family: 'stories', host: false, weight: 1.8, applies: (g) => hasIts(g) && twoCpus(g),
  emit: (g) => {
    const c1 = spreadCpu(g);
    const c2 = otherCpu(g, c1);
    openCpu(g, c1);
    openCpu(g, c2);
    const lpis: MappedLpi[] = [];
    const prios = distinctPriorities(g, 4).map((p) => p || 0x30); // 0x00 is kept for the acknowledged one
    for (let n = 0; n < g.config.its; n++) if (n === 0 || g.r.chance(0.6)) lpis.push(mappedLpi(g, n, c1, { prio: prios[lpis.length]! }));
    if (g.r.chance(0.4)) lpis.push(mappedLpi(g, lpis[0]!.ref.its, c1, { fresh: true, prio: prios[lpis.length]! }));
    const state = g.r.pick(['pending', 'queued', 'acked', 'acked-pending', 'masked'] as const);
    // masked: the first one disabled (property byte and INV) before it is made pending, so it is
    // pending but cannot be signalled while it moves; enabled again after the move
    const masked = state === 'masked' ? lpis[0]! : undefined;
    if (masked) {
      lpiProperty(g, masked.intid, masked.prio, false);
      g.its([{ cmd: 'INV', device: masked.ref.device, event: masked.ref.event }, { cmd: 'SYNC', target: c1 }], masked.ref.its, c1);
    }
    for (const m of lpis) intCmd(g, m);
    if (state === 'queued') churn(g, c1);
    const acked = state === 'acked' || state === 'acked-pending' ? lpis[0]! : undefined;
    if (acked) {
      // the most urgent of them comes out of IAR; make it the first one
      lpiProperty(g, acked.intid, 0x00, true);
      acked.prio = 0x00;
      g.its([{ cmd: 'INV', device: acked.ref.device, event: acked.ref.event }, { cmd: 'SYNC', target: c1 }], acked.ref.its, c1);
      ack(g, c1, acked.intid);
      if (state === 'acked-pending') intCmd(g, acked);
      maybeChurn(g, c1, 0.4);
    }
    const movall = g.r.chance(0.3);
    const byIts = new Map<number, MappedLpi[]>();
    for (const m of lpis) byIts.set(m.ref.its, [...(byIts.get(m.ref.its) ?? []), m]);
    for (const [n, ms] of byIts) {
      const its = g.st.its[n]!;
      const cmds: ItsCommand[] = [];
      if (movall) {
        cmds.push({ cmd: 'MOVALL', from: c1, to: c2 });
        for (const [icid, t] of its.collections) {
          if (t !== c1) continue;
          cmds.push({ cmd: 'MAPC', collection: icid, target: c2, valid: true });
          its.collections.set(icid, c2);
        }
      } else {
        const icid = collectionFor(g, n, c2, cmds);
        for (const m of ms) {
          cmds.push({ cmd: 'MOVI', device: m.ref.device, event: m.ref.event, collection: icid });
          const ev = g.st.eventOf(m.ref);
          if (ev) ev.collection = icid;
        }
      }
      if (g.r.chance(0.3)) cmds.push({ cmd: 'SYNC', target: c1 });
      cmds.push({ cmd: 'SYNC', target: c2 });
      g.its(cmds, n, g.r.chance(0.5) ? c1 : c2);
    }
    for (const m of lpis) m.cpu = c2;
    if (masked) {
      lpiProperty(g, masked.intid, masked.prio, true);
      g.its([{ cmd: 'INV', device: masked.ref.device, event: masked.ref.event }, { cmd: 'SYNC', target: c2 }], masked.ref.its, g.r.chance(0.5) ? c1 : c2);
    }
    read(g, c1, 'ICC_IAR1_EL1'); // nothing new here (an LPI active here stays here until its EOI)
    if (acked) eoi(g, c1, acked.intid);
    if (g.r.chance(0.3)) read(g, c2, 'ICC_HPPIR1_EL1');
    for (const m of lpis) g.st.noteRecent(c2, m.intid);
    takeAll(g, c2, acked && state === 'acked' ? lpis.filter((m) => m !== acked) : lpis);
    intCmd(g, lpis[0]!);
    observe(g, c2);
    return true;
  },
};

/**
 * An SPI routed away from vCPU 0, made pending (and sometimes acknowledged), then rerouted by
 * GICD_IROUTER to another vCPU. Observed: IAR on both vCPUs, GICD_ISPENDR/ISACTIVER.
 */
const retargetSpi: Action = {
  name: 'storyRetargetSpi', family: 'stories', host: false, weight: 0.9, applies: twoCpus,
  emit: (g) => {
    const c1 = spreadCpu(g);
    const c2 = otherCpu(g, c1);
    const id = freeSpi(g);
    spiSetup(g, id, c1, g.r.pick(PRIORITIES), true);
    openCpu(g, c1);
    openCpu(g, c2);
    const w = g.awakeCpu();
    if (g.host && g.r.chance(0.4)) {
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level: 1 });
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level: 0 });
    } else if (g.r.chance(0.5)) g.mmioW(w, 'gicd', undefined, GICD.SETSPI_NSR, 32, id);
    else g.mmioW(w, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
    const acked = g.r.chance(0.4);
    if (acked) ack(g, c1, id);
    maybeChurn(g, c1, 0.4);
    g.mmioW(w, 'gicd', undefined, GICD.IROUTER + 8 * id, 64, irouter(c2));
    maybeChurn(g, c1, 0.7);
    read(g, c1, 'ICC_IAR1_EL1');
    if (acked) {
      // pending again while active on the old vCPU: delivered to the new one only after the EOI?
      g.mmioW(w, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
      read(g, c2, 'ICC_HPPIR1_EL1');
      eoi(g, c1, id);
    }
    g.st.noteRecent(c2, id);
    ack(g, c2, id);
    eoi(g, c2, id);
    g.mmioR(w, 'gicd', undefined, g.r.pick([GICD.ISPENDR, GICD.ISACTIVER]) + 4 * (id >> 5), 32);
    return true;
  },
};

/**
 * GICR_CTLR.EnableLPIs cleared with LPIs pending (one maybe active), observed while LPIs are off
 * (IAR, HPPIR, ISR, WFI, GICR_CTLR, the pending table), an INT sent meanwhile, then LPIs enabled
 * again and observed. The outcomes the architecture leaves open are the model's choices.
 */
const enableLpis: Action = {
  name: 'storyEnableLpis', family: 'stories', host: false, weight: 1.2, applies: hasIts,
  emit: (g) => {
    const c = g.awakeCpu();
    const w = otherCpu(g, c);
    openCpu(g, c);
    const n = g.r.int(g.config.its);
    const [p1, p2] = distinctPriorities(g, 2) as [number, number];
    const m = mappedLpi(g, n, c, { prio: p1 });
    const m2 = g.r.chance(0.5) ? mappedLpi(g, n, c, { fresh: true, prio: p2 }) : undefined;
    intCmd(g, m);
    const acked = g.r.chance(0.3);
    if (acked) ack(g, c, m.intid);
    maybeChurn(g, c, 0.3);
    g.mmioW(g.r.chance(0.7) ? c : w, 'gicr', c, GICR.CTLR, 32, 0);
    g.mmioR(w, 'gicr', c, GICR.CTLR, 32);
    const looks = g.r.range(1, 2);
    for (let i = 0; i < looks; i++) read(g, c, g.r.pick(['ICC_IAR1_EL1', 'ICC_HPPIR1_EL1', 'ISR_EL1'] as const));
    if (m2) intCmd(g, m2, w);
    if (g.host && g.r.chance(0.4)) signalMsi(g, m); // KVM_SIGNAL_MSI to a redistributor with LPIs off
    if (g.r.chance(0.4)) g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(c) + LPI_BASE / 8), len: LPI_SPAN / 8 });
    if (g.r.chance(0.2)) g.wfi(c);
    if (acked) eoi(g, c, m.intid);
    g.mmioW(w, 'gicr', c, GICR.CTLR, 32, 1);
    g.mmioR(w, 'gicr', c, GICR.CTLR, 32);
    g.st.noteRecent(c, m.intid);
    if (m2) g.st.noteRecent(c, m2.intid);
    takeAll(g, c, m2 && !acked ? [m, m2] : m2 ? [m2] : acked ? [] : [m]);
    read(g, c, 'ICC_IAR1_EL1');
    return true;
  },
};

const VALID = 1n << 63n;
const INDIRECT = 1n << 62n;
const PAGE = 0x1_0000; // 64 KiB: the one page size KVM's ITS tables use
const DTE_BYTES = 8; // KVM's device and collection table entry size (GITS_BASER.Entry_Size)
const IDS_PER_PAGE = PAGE / DTE_BYTES;
const ATTRS = (7n << 59n) | (1n << 10n) | (2n << 8n); // RaWaWb inner cache, inner shareable, 64 KiB pages

function baserValue(type: bigint, base: number, pages: number, indirect: boolean): bigint {
  return VALID | ATTRS | (type << 56n) | (BigInt(DTE_BYTES - 1) << 48n) | BigInt(base) | BigInt(pages - 1) | (indirect ? INDIRECT : 0n);
}
function cbaserValue(base: number, pages4k: number): bigint {
  return VALID | (7n << 59n) | (1n << 10n) | BigInt(base) | BigInt(pages4k - 1);
}
/** What the boot macro programmed (fuzz/gen knows it from spec/layout.ts). */
function bootTables(n: number): { baser0: bigint; baser1: bigint; cbaser: bigint } {
  return {
    baser0: baserValue(1n, bootDeviceTable(n), 8, false),
    baser1: baserValue(4n, bootCollectionTable(n), 1, false),
    cbaser: cbaserValue(bootCommandQueue(n), 16),
  };
}
const le64 = (v: bigint): string => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0')).join('');

function forgetIts(g: Gen, n: number): void {
  g.st.its[n] = { devices: new Map(), collections: new Map() };
  for (const [intid, ref] of g.st.lpis) if (ref.its === n) g.st.lpis.delete(intid);
}

/**
 * The ITS re-probed and its tables programmed by the guest, as Linux's ITS driver does: disabled,
 * quiescence read, every GITS_BASER<n> read (and some probed with another page size and read
 * back), a flat or two-level device table (L1 entries written for some L2 pages only), a
 * collection table, sometimes a new command queue, enabled. Then commands at the tables' edges:
 * the last DeviceID of an L2 page and the first of the next (valid or not), the last ICID the
 * collection table holds and the first beyond. Observed: GITS_CREADR, IAR, the saved entries.
 */
const itsTables: Action = {
  name: 'storyItsTables', family: 'stories', host: true, weight: 0.9, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const w = g.awakeCpu();
    g.mmioW(w, 'gits', n, GITS.CTLR, 32, 0);
    g.mmioR(w, 'gits', n, GITS.CTLR, 32);
    // the VMM resets the ITS (KVM_DEV_ARM_ITS_CTRL_RESET: tables invalid, no mappings), as at a
    // guest reboot; clearing GITS_BASER.Valid from the guest instead leaves it open whether the
    // mappings survive, which multiplies the oracle's candidates for the rest of the scenario
    g.ops.push({ op: 'kvm.device_attr', device: 'its', index: n, group: 'CTRL', attr: 'ITS_RESET', access: 'set' });
    forgetIts(g, n);
    for (let i = 0; i < 8; i++) {
      if (g.r.chance(0.5)) g.mmioR(w, 'gits', n, GITS.BASER + 8 * i, 64);
      if (i >= 2 && g.r.chance(0.3)) g.mmioW(w, 'gits', n, GITS.BASER + 8 * i, 64, baserValue(0n, 0, 1, false)); // no table there: ignored
    }
    // device table
    const twoLevel = g.r.chance(0.6);
    let baser0: bigint;
    const validL2 = new Set<number>([0]);
    let devLimit: number; // DeviceIDs below this have an entry
    if (twoLevel) {
      const l1 = g.st.allocAligned(PAGE, PAGE);
      for (const i of [1, 7]) if (g.r.chance(0.5)) validL2.add(i);
      for (const i of validL2) {
        const l2 = g.st.allocAligned(PAGE, PAGE);
        g.ops.push({ op: 'mem.write', addr: toHex(l1 + 8 * i), bytes: le64(VALID | BigInt(l2)) });
      }
      baser0 = baserValue(1n, l1, 1, true);
      devLimit = IDS_PER_PAGE;
    } else {
      const pages = g.r.pick([1, 2, 8]);
      baser0 = baserValue(1n, g.st.allocAligned(pages * PAGE, PAGE), pages, false);
      devLimit = Math.min(0x10000, pages * IDS_PER_PAGE);
      for (let i = 1; i * IDS_PER_PAGE < devLimit; i++) validL2.add(i);
    }
    if (g.r.chance(0.3)) {
      // probe: 4 KiB pages asked for, the page size read back
      g.mmioW(w, 'gits', n, GITS.BASER, 64, (baser0 & ~(3n << 8n)) | (0n << 8n));
      g.mmioR(w, 'gits', n, GITS.BASER, 64);
    }
    g.mmioW(w, 'gits', n, GITS.BASER, 64, baser0);
    const baser1 = baserValue(4n, g.st.allocAligned(PAGE, PAGE), 1, false);
    g.mmioW(w, 'gits', n, GITS.BASER + 8, 64, baser1);
    if (g.r.chance(0.3)) {
      // Valid toggled 1 -> 0 -> 1 while disabled, before anything is mapped
      g.mmioW(w, 'gits', n, GITS.BASER + 8, 64, baser1 & ~VALID);
      g.mmioW(w, 'gits', n, GITS.BASER + 8, 64, baser1);
    }
    let cbaser = (g.st.tables[n] ?? bootTables(n)).cbaser;
    if (g.r.chance(0.4)) {
      const pages = g.r.pick([1, 2, 16]);
      cbaser = cbaserValue(g.st.allocAligned(pages * 0x1000, 0x1000), pages);
      g.mmioW(w, 'gits', n, GITS.CBASER, 64, cbaser);
      g.mmioW(w, 'gits', n, GITS.CWRITER, 64, 0);
    }
    g.st.tables[n] = { baser0, baser1, cbaser };
    g.mmioW(w, 'gits', n, GITS.CTLR, 32, 1);
    // commands at the edges
    const c = g.awakeCpu();
    openCpu(g, c);
    const its = g.st.its[n]!;
    const cmds: ItsCommand[] = [];
    const lastIcid = IDS_PER_PAGE - 1;
    const icid = g.r.pick([0, c, lastIcid, lastIcid + 1]);
    cmds.push({ cmd: 'MAPC', collection: icid, target: c, valid: true });
    const icidOk = icid <= lastIcid;
    if (icidOk) its.collections.set(icid, c);
    const devices = distinct(g, [g.r.small(63), IDS_PER_PAGE - 1, IDS_PER_PAGE, 7 * IDS_PER_PAGE + 5, 0xffff, devLimit - 1, devLimit], g.r.range(1, 3));
    const mapped: MappedLpi[] = [];
    const prios = distinctPriorities(g, devices.length);
    for (const device of devices) {
      if (device > 0xffff) continue;
      const prio = prios.pop()!;
      const size = g.r.chance(0.05) ? 15 : g.r.pick([0, 4, 9]);
      const itt = g.st.alloc(2 ** (size + 1) * 16);
      cmds.push({ cmd: 'MAPD', device, size, itt: toHex(itt), valid: true });
      const event = g.r.pick([0, 2 ** (size + 1) - 1]);
      const intid = LPI_BASE + g.r.small(LPI_SPAN - 1);
      lpiProperty(g, intid, prio, true);
      cmds.push({ cmd: 'MAPTI', device, event, intid, collection: icid });
      const inTable = twoLevel ? validL2.has(Math.floor(device / IDS_PER_PAGE)) : device < devLimit;
      if (inTable && icidOk && !g.st.lpis.has(intid)) {
        its.devices.set(device, { size, itt, events: new Map([[event, { intid, collection: icid }]]) });
        g.st.lpis.set(intid, { its: n, device, event });
        mapped.push({ ref: { its: n, device, event }, intid, cpu: c, prio });
      }
      cmds.push({ cmd: 'INT', device, event });
    }
    cmds.push({ cmd: 'SYNC', target: c });
    g.its(cmds, n, w);
    g.mmioR(w, 'gits', n, GITS.CREADR, 64);
    for (const m of mapped) g.st.noteRecent(c, m.intid);
    takeAll(g, c, mapped);
    read(g, c, 'ICC_IAR1_EL1');
    if (g.r.chance(0.4)) {
      g.ops.push({ op: 'kvm.device_attr', device: 'its', index: n, group: 'CTRL', attr: 'ITS_SAVE_TABLES', access: 'set' });
      const l1 = Number(baser0 & 0xffff_ffff_0000n);
      g.ops.push({ op: 'mem.read', addr: toHex(twoLevel ? l1 : l1 + DTE_BYTES * (devices[0]! % devLimit)), len: 64 });
      g.ops.push({ op: 'mem.read', addr: toHex(Number(baser1 & 0xffff_ffff_0000n) + DTE_BYTES * (icidOk ? icid : 0)), len: 16 });
    }
    return true;
  },
};

/**
 * IDs at their limits: INTIDs below 8192 given to MAPTI, MAPI and the direct LPI registers,
 * DeviceID 0xffff and 0x10000, the last EventID of an ITT and the first beyond, ICIDs at the
 * collection table's end. Observed: GITS_CREADR (the queue moves past errors), IAR for what was
 * legal.
 */
const idLimits: Action = {
  name: 'storyIdLimits', family: 'stories', host: false, weight: 0.9, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c = g.awakeCpu();
    openCpu(g, c);
    const [p1, p2] = distinctPriorities(g, 2) as [number, number];
    const m = mappedLpi(g, n, c, { prio: p1 });
    const dev = g.st.its[n]!.devices.get(m.ref.device)!;
    const last = 2 ** (dev.size + 1) - 1;
    const icid = [...g.st.its[n]!.collections].find(([, t]) => t === c)?.[0] ?? 0;
    const steps = distinct(g, ['mapti-low', 'mapi-low', 'mapi-lpi', 'direct-low', 'direct-spi', 'devid', 'size-edge', 'event-edge', 'icid-edge'] as const, g.r.range(2, 3));
    const cmds: ItsCommand[] = [];
    let legal: MappedLpi | undefined;
    let spi: { intid: number; prio: number } | undefined;
    for (const s of steps) {
      switch (s) {
        case 'direct-spi': {
          // an LPI register given the INTID of an SPI the guest configured: the SPI must keep its
          // priority and enable, so it is taken when made pending
          const id = freeSpi(g);
          const prio = g.r.pick(PRIORITIES.slice(1, 8).filter((x) => x !== p1 && x !== p2));
          spiSetup(g, id, c, prio, true);
          g.mmioW(c, 'gicr', c, g.r.pick([GICR.INVLPIR, GICR.INVLPIR, GICR.CLRLPIR]), 64, id);
          g.mmioW(c, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
          g.st.noteRecent(c, id);
          spi = { intid: id, prio };
          break;
        }
        case 'size-edge': {
          // MAPD with an ITT size past GITS_TYPER.ID_bits (an error: nothing is mapped) or at it
          const device = 0x300 + g.r.int(0x100);
          if (g.st.its[n]!.devices.has(device)) break;
          const size = g.r.pick([15, 16, 16, 17, 31]);
          // its LPI enabled, so that an event the MAPD should not have mapped shows when INT fires it
          if (!g.st.lpis.has(LPI_BASE + 2 * LPI_SPAN + 1)) lpiProperty(g, LPI_BASE + 2 * LPI_SPAN + 1, p2, true);
          cmds.push({ cmd: 'MAPD', device, size, itt: toHex(g.st.alloc(256)), valid: true });
          cmds.push({ cmd: 'MAPTI', device, event: g.r.pick([0, 1]), intid: LPI_BASE + 2 * LPI_SPAN + 1, collection: icid });
          if (size > 15) cmds.push({ cmd: 'INT', device, event: 0 }); // nothing is mapped: nothing fires
          else cmds.push({ cmd: 'DISCARD', device, event: 0 });
          cmds.push({ cmd: 'MAPD', device, size: 0, itt: '0x0', valid: false });
          break;
        }
        case 'mapti-low':
          cmds.push({ cmd: 'MAPTI', device: m.ref.device, event: g.r.int(last + 1), intid: g.r.pick([8191, 1023, 32, 0]), collection: icid });
          break;
        case 'mapi-low':
          cmds.push({ cmd: 'MAPI', device: m.ref.device, event: Math.min(last, g.r.pick([0, 31, 1023])), collection: icid });
          break;
        case 'mapi-lpi': {
          // MAPI maps EventID = pINTID: legal for an EventID in the LPI range (an ITT of 14 bits)
          const device = 0x200 + g.r.int(0x100);
          if (g.st.its[n]!.devices.has(device)) break;
          const event = LPI_BASE + LPI_SPAN + g.r.int(LPI_SPAN);
          cmds.push({ cmd: 'MAPD', device, size: 13, itt: toHex(g.st.alloc(2 ** 14 * 16)), valid: true });
          cmds.push({ cmd: 'MAPI', device, event, collection: g.r.chance(0.7) ? icid : IDS_PER_PAGE + g.r.int(16) });
          cmds.push({ cmd: 'MAPD', device, size: 0, itt: '0x0', valid: false });
          break;
        }
        case 'direct-low':
          g.mmioW(c, 'gicr', c, g.r.pick([GICR.INVLPIR, GICR.SETLPIR, GICR.CLRLPIR]), 64, g.r.pick([8191, 1023, 27, 0xffff]));
          break;
        case 'devid':
          cmds.push({ cmd: 'MAPD', device: g.r.pick([0x10000, 0x1ffff]), size: 1, itt: toHex(g.st.alloc(256)), valid: true });
          cmds.push({ cmd: 'INT', device: 0x10000, event: 0 });
          break;
        case 'event-edge': {
          // the last EventID the ITT holds is legal; one beyond is not
          const free = !dev.events.has(last);
          const intid = LPI_BASE + LPI_SPAN + g.r.int(LPI_SPAN);
          if (free && !g.st.lpis.has(intid)) {
            lpiProperty(g, intid, p2, true);
            cmds.push({ cmd: 'MAPTI', device: m.ref.device, event: last, intid, collection: icid });
            dev.events.set(last, { intid, collection: icid });
            g.st.lpis.set(intid, { its: n, device: m.ref.device, event: last });
            legal = { ref: { its: n, device: m.ref.device, event: last }, intid, cpu: c, prio: p2 };
          }
          // ...and the driver then uses it: its LPI enabled, an INT of the event past the ITT must
          // fire nothing (the MAPTI was refused)
          if (!g.st.lpis.has(LPI_BASE + 2 * LPI_SPAN)) lpiProperty(g, LPI_BASE + 2 * LPI_SPAN, p2, true);
          cmds.push({ cmd: 'MAPTI', device: m.ref.device, event: last + 1, intid: LPI_BASE + 2 * LPI_SPAN, collection: icid });
          cmds.push({ cmd: 'INT', device: m.ref.device, event: last + 1 });
          break;
        }
        default:
          cmds.push({ cmd: 'MAPC', collection: g.r.pick([IDS_PER_PAGE, 0xffff]), target: c, valid: true });
      }
    }
    if (legal) cmds.push({ cmd: 'INT', device: legal.ref.device, event: legal.ref.event });
    cmds.push({ cmd: 'SYNC', target: c });
    g.its(cmds, n, c);
    g.mmioR(c, 'gits', n, GITS.CREADR, 64);
    intCmd(g, m);
    if (legal) g.st.noteRecent(c, legal.intid);
    takeAll(g, c, [...(legal ? [legal] : []), m, ...(spi ? [spi] : [])]);
    read(g, c, 'ICC_IAR1_EL1');
    return true;
  },
};

/**
 * The ITS disabled with commands queued (INT, SYNC), GITS_CREADR read while it is off, CBASER
 * rewritten or CWRITER moved to the queue's edges meanwhile, then enabled. Observed: CREADR before
 * and after, IAR for the queued INT.
 */
const itsQueue: Action = {
  name: 'storyItsQueue', family: 'stories', host: false, weight: 0.9, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c = g.awakeCpu();
    openCpu(g, c);
    const m = mappedLpi(g, n, c);
    g.mmioW(c, 'gits', n, GITS.CTLR, 32, 0);
    g.mmioR(c, 'gits', n, GITS.CTLR, 32);
    intCmd(g, m);
    g.mmioR(c, 'gits', n, GITS.CREADR, 64);
    const tables = g.st.tables[n] ?? bootTables(n);
    const queueBytes = Number((tables.cbaser & 0xffn) + 1n) * 0x1000;
    switch (g.r.int(3)) {
      case 0: // CBASER written again while disabled: CREADR goes to 0, the queued commands are lost
        g.mmioW(c, 'gits', n, GITS.CBASER, 64, tables.cbaser);
        g.mmioR(c, 'gits', n, GITS.CWRITER, 64);
        g.mmioW(c, 'gits', n, GITS.CWRITER, 64, 0);
        break;
      case 1: // CWRITER at the last slot of the queue (the next command wraps)
        g.mmioW(c, 'gits', n, GITS.CWRITER, 64, queueBytes - 32);
        g.mmioR(c, 'gits', n, GITS.CREADR, 64);
        break;
      default:
        read(g, c, 'ICC_IAR1_EL1'); // nothing yet: the INT is still in the queue
    }
    g.mmioW(c, 'gits', n, GITS.CTLR, 32, 1);
    g.mmioR(c, 'gits', n, GITS.CREADR, 64);
    g.its([{ cmd: 'SYNC', target: c }], n, c);
    g.mmioR(c, 'gits', n, GITS.CREADR, 64);
    read(g, c, 'ICC_IAR1_EL1');
    eoi(g, c, m.intid);
    return true;
  },
};

/**
 * A CPU writes GITS_TRANSLATER itself, with the EventID of a mapped event (a CPU write carries no
 * DeviceID). Observed: HPPIR and IAR on the event's target.
 */
const translaterWrite: Action = {
  name: 'storyTranslaterWrite', family: 'stories', host: false, weight: 0.45, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c = g.awakeCpu();
    openCpu(g, c);
    const m = mappedLpi(g, n, c, { fresh: g.r.chance(0.5) });
    g.mmioW(g.awakeCpu(), 'gits', n, GITS.TRANSLATER, 32, m.ref.event);
    read(g, c, 'ICC_HPPIR1_EL1');
    read(g, c, 'ICC_IAR1_EL1');
    return true;
  },
};

/**
 * A vCPU writes another vCPU's redistributor (SGI frame) while that one runs: priority, enable,
 * pending or active bits of an SGI or PPI. Observed: the owner's IAR, the writer's read back.
 */
const sgiFrameCross: Action = {
  name: 'storySgiFrameCross', family: 'stories', host: false, weight: 0.9, applies: twoCpus,
  emit: (g) => {
    const owner = g.awakeCpu();
    const writer = otherCpu(g, owner);
    if (g.host) {
      const p = g.r.int(g.config.impl.pcpus);
      g.ops.push({ op: 'vcpu.run', cpu: owner, pcpu: p });
      g.st.running[owner] = p;
    }
    openCpu(g, owner);
    const id = g.r.chance(0.6) ? g.r.int(16) : 16 + g.r.int(16);
    const bit = (1 << id) >>> 0;
    g.mmioW(writer, 'gicr-sgi', owner, GICR_SGI.IPRIORITYR + id, 8, g.r.pick(PRIORITIES));
    g.mmioW(writer, 'gicr-sgi', owner, GICR_SGI.ISENABLER0, 32, bit);
    g.mmioW(writer, 'gicr-sgi', owner, GICR_SGI.ISPENDR0, 32, bit);
    g.st.noteRecent(owner, id);
    if (g.r.chance(0.3)) g.mmioW(writer, 'gicr-sgi', owner, GICR_SGI.ISACTIVER0, 32, bit);
    ack(g, owner, id);
    if (g.r.chance(0.3)) g.mmioW(writer, 'gicr-sgi', owner, GICR_SGI.ICACTIVER0, 32, bit);
    const readBack = (): void => g.mmioR(writer, 'gicr-sgi', owner, g.r.pick([GICR_SGI.ISPENDR0, GICR_SGI.ISACTIVER0]), 32);
    if (g.r.chance(0.3)) readBack(); // while the owner holds it in a list register
    eoi(g, owner, id);
    read(g, owner, 'ICC_IAR1_EL1');
    readBack();
    return true;
  },
};

/**
 * An LPI's configuration changed and pinned with INV (or INVALL, or GICR_INVLPIR) after the
 * property write, so nothing cached excuses a later miss: another priority, or disabled (the INT
 * then stays pending: in the pending table, not at IAR), maybe CLEARed meanwhile, and enabled
 * again. Observed: HPPIR/IAR, the pending table.
 */
const lpiPinned: Action = {
  name: 'storyLpiPinned', family: 'stories', host: false, weight: 0.9, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c = g.awakeCpu();
    openCpu(g, c);
    const m = mappedLpi(g, n, c);
    const icid = g.st.eventOf(m.ref)?.collection ?? 0;
    const pin = (): void => {
      const how = g.r.int(3);
      if (how === 0) g.its([{ cmd: 'INV', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: c }], n, c);
      else if (how === 1) g.its([{ cmd: 'INVALL', collection: icid }, { cmd: 'SYNC', target: c }], n, c);
      else {
        g.mmioW(c, 'gicr', c, GICR.INVLPIR, 64, m.intid);
        g.mmioR(c, 'gicr', c, GICR.SYNCR, 32);
      }
    };
    if (g.r.chance(0.5)) {
      lpiProperty(g, m.intid, g.r.pick(PRIORITIES), true);
      pin();
      intCmd(g, m);
      read(g, c, g.r.pick(['ICC_HPPIR1_EL1', 'ICC_RPR_EL1'] as const));
      ack(g, c, m.intid);
      eoi(g, c, m.intid);
      return true;
    }
    const prio = g.r.pick(PRIORITIES);
    lpiProperty(g, m.intid, prio, false);
    pin();
    intCmd(g, m);
    read(g, c, 'ICC_IAR1_EL1'); // disabled: stays pending
    if (g.r.chance(0.5)) g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(c) + LPI_BASE / 8), len: LPI_SPAN / 8 });
    // the driver withdraws it while it waits (no list register holds it): CLEAR, so nothing is
    // left to take once it is enabled again
    const cleared = g.r.chance(0.35);
    if (cleared) {
      g.its([{ cmd: 'CLEAR', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: c }], n, c);
      const recent = g.st.recent[c]!;
      if (recent.includes(m.intid)) recent.splice(recent.lastIndexOf(m.intid), 1);
      if (g.r.chance(0.3)) g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(c) + LPI_BASE / 8), len: LPI_SPAN / 8 });
    }
    lpiProperty(g, m.intid, prio, true);
    pin();
    if (cleared) {
      read(g, c, g.r.pick(['ICC_IAR1_EL1', 'ICC_HPPIR1_EL1', 'ISR_EL1'] as const));
      return true;
    }
    ack(g, c, m.intid);
    eoi(g, c, m.intid);
    return true;
  },
};

/**
 * GICv4: an LPI forwarded from a (VFIO) device as a vLPI, signalled by a userspace MSI and a
 * device MSI before one acknowledge, or fired while its vCPU is scheduled out (the doorbell), or
 * after a MOVI to another vCPU (acknowledged on the old vCPU first), or after its property changed
 * with INV, or discarded while pending. Observed: IAR (once, then spurious), WFI.
 */
const vlpi: Action = {
  name: 'storyVlpi', family: 'stories', host: true, weight: 1.5, applies: (g) => hasIts(g) && g.config.impl.gicv4 !== 'off',
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c = g.awakeCpu();
    openCpu(g, c);
    const m = mappedLpi(g, n, c);
    const dev = deviceMsi(g, m);
    dev.forward();
    const fire = dev.fire;
    switch (g.r.int(6)) {
      case 0: // a userspace MSI and a device MSI to the same LPI before one acknowledge
        if (g.r.chance(0.5)) { signalMsi(g, m); fire(); } else { fire(); signalMsi(g, m); }
        ack(g, c, m.intid);
        eoi(g, c, m.intid);
        read(g, c, 'ICC_IAR1_EL1');
        break;
      case 1:
        fire();
        fire();
        ack(g, c, m.intid);
        eoi(g, c, m.intid);
        read(g, c, 'ICC_IAR1_EL1');
        break;
      case 2: { // retargeted: acknowledge on the vCPU it used to target, then on the new one
        const c2 = otherCpu(g, c);
        openCpu(g, c2);
        const cmds: ItsCommand[] = [];
        const icid = collectionFor(g, n, c2, cmds);
        cmds.push({ cmd: 'MOVI', device: m.ref.device, event: m.ref.event, collection: icid }, { cmd: 'SYNC', target: c2 });
        g.its(cmds, n, c);
        const ev = g.st.eventOf(m.ref);
        if (ev) ev.collection = icid;
        m.cpu = c2;
        fire();
        read(g, c, 'ICC_IAR1_EL1');
        ack(g, c2, m.intid);
        eoi(g, c2, m.intid);
        break;
      }
      case 3: { // disabled by its property and INV, fired, enabled again
        const prio = g.r.pick(PRIORITIES);
        lpiProperty(g, m.intid, prio, false);
        g.its([{ cmd: 'INV', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: c }], n, c);
        fire();
        read(g, c, 'ICC_IAR1_EL1');
        lpiProperty(g, m.intid, prio, true);
        g.its([{ cmd: 'INV', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: c }], n, c);
        ack(g, c, m.intid);
        eoi(g, c, m.intid);
        break;
      }
      case 4: { // fired while the vCPU is out (the doorbell), then it runs and waits
        g.ops.push({ op: 'vcpu.put', cpu: c });
        fire();
        const p = g.r.int(g.config.impl.pcpus);
        if (g.r.chance(0.7)) g.ops.push({ op: 'vcpu.run', cpu: c, pcpu: p });
        g.st.running[c] = p;
        g.wfi(c);
        g.st.maybeAsleep.delete(c);
        ack(g, c, m.intid);
        eoi(g, c, m.intid);
        break;
      }
      default: // discarded while pending
        fire();
        g.its([{ cmd: 'DISCARD', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: c }], n, c);
        g.st.its[n]!.devices.get(m.ref.device)?.events.delete(m.ref.event);
        g.st.lpis.delete(m.intid);
        read(g, c, 'ICC_IAR1_EL1');
    }
    if (g.r.chance(0.3)) dev.unforward();
    return true;
  },
};

function cloneIts(its: ItsState): ItsState {
  const devices = new Map([...its.devices].map(([d, dev]) => [d, { ...dev, events: new Map([...dev.events].map(([e, ev]) => [e, { ...ev }])) }]));
  return { devices, collections: new Map(its.collections) };
}

/**
 * An ITS save/restore round with changes in between, as a VMM's snapshot and rollback does:
 * LPIs mapped (some pending, one maybe active), ITS_SAVE_TABLES (and the pending tables), the
 * tables read from memory, then unmaps, DISCARDs, remaps, collection moves and unmaps, then the
 * restore: ITS_RESET, the BASERs set again (as saved, or resized), ITS_RESTORE_TABLES, the queue
 * registers and GITS_CTLR (sometimes with a saved ITE's next field first rewritten past its
 * device's EventID range, refused, then put back and restored again); or a restore into the live ITS; or a whole migration. Observed: the tables in
 * memory, the restore's errno, INT on a restored event and IAR on its vCPU, GITS_CREADR.
 */
/**
 * A saved ITE of a device still mapped, rewritten in guest memory before the restore with its next
 * field (the EventID offset to the next ITE, Documentation/virt/kvm/devices/arm-vgic-its.rst)
 * pointing exactly one past the device's EventID range, which the restore must refuse (-EINVAL).
 * Returns what puts the entry back as the save wrote it (the VMM retrying with a good table), or
 * null when no entry qualifies.
 */
function corruptIteNext(g: Gen, n: number, saved: ItsState): (() => void) | null {
  const live = g.st.its[n]!;
  const cands: { itt: number; event: number; next: number; saved: number; intid: number; icid: number }[] = [];
  for (const [d, dev] of saved.devices) {
    if (!live.devices.has(d) || dev.size > 14) continue;
    const events = [...dev.events.keys()].sort((a, b) => a - b);
    events.forEach((e, i) => {
      const ev = dev.events.get(e)!;
      const next = i + 1 < events.length ? events[i + 1]! - e : 0;
      if (live.devices.get(d)!.events.has(e)) cands.push({ itt: dev.itt, event: e, next: 2 ** (dev.size + 1) - e, saved: next, intid: ev.intid, icid: ev.collection });
    });
  }
  if (!cands.length) return null;
  const x = g.r.pick(cands);
  const write = (next: number): void => {
    const ite = (BigInt(next) << 48n) | (BigInt(x.intid) << 16n) | BigInt(x.icid);
    const bytes = Array.from({ length: 8 }, (_, i) => Number((ite >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0')).join('');
    g.ops.push({ op: 'mem.write', addr: toHex(x.itt + 8 * x.event), bytes });
  };
  write(x.next);
  return () => write(x.saved);
}

const saveRestore: Action = {
  name: 'storySaveRestore', family: 'stories', host: true, weight: 1.2, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c1 = g.awakeCpu();
    const c2 = otherCpu(g, c1);
    openCpu(g, c1);
    if (c2 !== c1) openCpu(g, c2);
    const lpis: MappedLpi[] = [];
    const count = g.r.range(1, 3);
    for (let i = 0; i < count; i++) lpis.push(mappedLpi(g, n, i % 2 ? c2 : c1, { fresh: i > 0 }));
    for (const m of lpis) if (g.r.chance(0.5)) intCmd(g, m);
    const attr = (a: 'ITS_SAVE_TABLES' | 'ITS_RESTORE_TABLES' | 'ITS_RESET'): void => {
      g.ops.push({ op: 'kvm.device_attr', device: 'its', index: n, group: 'CTRL', attr: a, access: 'set' });
    };
    const tables = g.st.tables[n] ?? bootTables(n);
    const snapshot = cloneIts(g.st.its[n]!);
    attr('ITS_SAVE_TABLES');
    if (g.r.chance(0.5)) g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'CTRL', attr: 'SAVE_PENDING_TABLES', access: 'set' });
    const m0 = lpis[0]!;
    const dev0 = g.st.its[n]!.devices.get(m0.ref.device);
    switch (g.r.int(3)) {
      case 0: g.ops.push({ op: 'mem.read', addr: toHex(Number(tables.baser1 & 0xffff_ffff_0000n)), len: g.r.pick([16, 64]) }); break;
      case 1: if (dev0) g.ops.push({ op: 'mem.read', addr: toHex(dev0.itt + 8 * m0.ref.event), len: 8 }); break;
      default: if (!(tables.baser0 & INDIRECT)) g.ops.push({ op: 'mem.read', addr: toHex(Number(tables.baser0 & 0xffff_ffff_0000n) + DTE_BYTES * m0.ref.device), len: 8 });
    }
    // changes between save and restore
    const its = g.st.its[n]!;
    const changes = g.r.range(1, 3);
    for (let i = 0; i < changes; i++) {
      const m = g.r.pick(lpis);
      switch (g.r.int(5)) {
        case 0:
          g.its([{ cmd: 'MAPD', device: m.ref.device, size: 0, itt: '0x0', valid: false }, { cmd: 'SYNC', target: c1 }], n, c1);
          for (const ev of its.devices.get(m.ref.device)?.events.values() ?? []) g.st.lpis.delete(ev.intid);
          its.devices.delete(m.ref.device);
          break;
        case 1:
          g.its([{ cmd: 'DISCARD', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: c1 }], n, c1);
          its.devices.get(m.ref.device)?.events.delete(m.ref.event);
          g.st.lpis.delete(m.intid);
          break;
        case 2:
          lpis.push(mappedLpi(g, n, g.r.chance(0.5) ? c1 : c2, { fresh: true }));
          break;
        case 3: {
          const cmds: ItsCommand[] = [{ cmd: 'MOVALL', from: c1, to: c2 }];
          for (const [icid, t] of its.collections) if (t === c1) { cmds.push({ cmd: 'MAPC', collection: icid, target: c2, valid: true }); its.collections.set(icid, c2); }
          cmds.push({ cmd: 'SYNC', target: c2 });
          g.its(cmds, n, c1);
          break;
        }
        default: {
          const ev = g.st.eventOf(m.ref);
          if (!ev) break;
          g.its([{ cmd: 'MAPC', collection: ev.collection, target: 0, valid: false }, { cmd: 'SYNC', target: c1 }], n, c1);
          its.collections.delete(ev.collection);
        }
      }
    }
    const how = g.r.pick(['reset', 'reset', 'reset', 'live', 'migrate', 'migrate'] as const);
    if (how === 'migrate') {
      g.ops.push({ op: 'migrate' }); // a second round: what is live now is what comes back
    } else if (how === 'live') {
      attr('ITS_RESTORE_TABLES');
      g.st.its[n] = snapshot; // one of the outcomes; later actions find out which
    } else {
      // the documented restore order (arm-vgic-its.rst): BASERs, RESTORE_TABLES, CBASER, CREADR, CWRITER, CTLR
      attr('ITS_RESET');
      const regs = (offset: number, value: bigint): void => {
        g.ops.push({ op: 'kvm.device_attr', device: 'its', index: n, group: 'ITS_REGS', attr: { offset }, access: 'set', value: toHex(value) });
      };
      const resized = !(tables.baser0 & INDIRECT) && g.r.chance(0.25);
      regs(0x100, resized ? (tables.baser0 & ~0xffn) : tables.baser0); // resized: one page, DeviceIDs beyond it are lost
      regs(0x108, tables.baser1);
      const repair = g.r.chance(0.35) ? corruptIteNext(g, n, snapshot) : null;
      attr('ITS_RESTORE_TABLES');
      if (repair) {
        repair();
        attr('ITS_RESTORE_TABLES');
      }
      regs(0x80, tables.cbaser);
      regs(0x90, 0n);
      regs(0x88, 0n);
      regs(0x0, 1n);
      g.st.its[n] = snapshot;
      for (const [intid, ref] of g.st.lpis) if (ref.its === n && !g.st.eventOf(ref)) g.st.lpis.delete(intid);
      for (const [d, dev] of snapshot.devices) {
        if (resized && d >= IDS_PER_PAGE) snapshot.devices.delete(d);
        else for (const [e, ev] of dev.events) g.st.lpis.set(ev.intid, { its: n, device: d, event: e });
      }
    }
    // observe: an INT on what should be mapped now, IAR on its vCPU, the queue
    const live = lpis.filter((m) => g.st.eventOf(m.ref));
    if (live.length) {
      const m = g.r.pick(live);
      const t = g.lpiTargetCpu(m.ref);
      g.its([{ cmd: 'INT', device: m.ref.device, event: m.ref.event }, { cmd: 'SYNC', target: t ?? c1 }], n, c1);
      if (t !== undefined) {
        g.st.noteRecent(t, m.intid);
        ack(g, t, m.intid);
        eoi(g, t, m.intid);
      }
    }
    g.mmioR(c1, 'gits', n, GITS.CREADR, 64);
    observe(g, g.r.pick([c1, c2]));
    return true;
  },
};

/**
 * A migration with every kind of state in flight on one vCPU: an SGI pending, an SPI active
 * (under EOImode 1 maybe EOI'd but not yet deactivated), an LPI pending, a level line high.
 * Observed after: HPPIR, the EOIs and DIRs of what was active, IAR, GICD_ISACTIVER.
 */
const migrateInFlight: Action = {
  name: 'storyMigrateInFlight', family: 'stories', host: true, weight: 0.6,
  emit: (g) => {
    const c = g.awakeCpu();
    openCpu(g, c);
    const mode = g.r.chance(0.5) ? 1 : 0;
    setEoiMode(g, c, mode);
    // the SPI most urgent (acknowledged first); the level SPI least (0xe8, behind everything)
    const [pSgi, pLpi] = distinct(g, PRIORITIES.slice(2, -1), 2) as [number, number];
    const pSpi = 0x08;
    const sgi = g.r.int(16);
    privateSetup(g, c, sgi, pSgi);
    const spi = freeSpi(g);
    spiSetup(g, spi, c, pSpi, true);
    g.mmioW(c, 'gicd', undefined, GICD.ISPENDR + 4 * (spi >> 5), 32, (1 << (spi % 32)) >>> 0);
    ack(g, c, spi);
    const dropped = mode === 1 && g.r.chance(0.6);
    if (dropped) sys(g, c, 'ICC_EOIR1_EL1', spi);
    sendSgi(g, c, c, sgi);
    let m: MappedLpi | undefined;
    if (g.config.its) {
      m = mappedLpi(g, g.r.int(g.config.its), c, { prio: pLpi });
      intCmd(g, m);
    }
    const level = freeSpi(g);
    if (level !== spi && g.r.chance(0.5)) {
      spiSetup(g, level, c, 0xe8, false);
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: level, level: 1 });
      g.st.spiLevel.set(level, 1);
      g.st.noteRecent(c, level);
    }
    maybeChurn(g, c, 0.5);
    g.ops.push({ op: 'migrate' });
    read(g, c, g.r.pick(['ICC_HPPIR1_EL1', 'ICC_RPR_EL1', 'ICC_AP1R0_EL1'] as const));
    if (dropped) sys(g, c, 'ICC_DIR_EL1', spi);
    else eoi(g, c, spi);
    g.mmioR(c, 'gicd', undefined, GICD.ISACTIVER + 4 * (spi >> 5), 32);
    takeAll(g, c, [{ intid: sgi, prio: pSgi }, ...(m ? [m] : [])]);
    read(g, c, 'ICC_IAR1_EL1');
    return true;
  },
};

/**
 * MSIs served from the ITS translation cache (KVM caches each DeviceID/EventID/doorbell it
 * translated: vgic_its_cache_translation), then one of the changes after which no cached
 * translation may be used any more, then the same MSIs again, as a device driver that remaps its
 * vectors or a guest that moves, masks or tears down interrupts while its device keeps sending:
 * DISCARD, MAPD unmap or remap, MOVI (to a vCPU whose LPIs may be off), MAPC unmap or move
 * (MOVALL first), the property byte disabled with INV, the ITS disabled, EnableLPIs cleared, the
 * event forwarded (GICv4). The vectors are consecutive events of one device (MSI-X), sometimes at
 * 16-bit EventID or DeviceID edges and the same IDs on a second ITS, sometimes with a sibling
 * device (the next DeviceID, or twice it with the same EventID). MSIs come from
 * KVM_SIGNAL_MSI or an MSI route with an irqfd. Observed: IAR on the old and new targets, HPPIR,
 * the pending table.
 */
const cachedMsi: Action = {
  name: 'storyCachedMsi', family: 'stories', host: true, weight: 2.4, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c1 = g.awakeCpu();
    const c2 = otherCpu(g, c1);
    openCpu(g, c1);
    if (c2 !== c1) openCpu(g, c2);
    const its = g.st.its[n]!;
    const change = g.r.pick(['discard', 'mapd-unmap', 'mapd-remap', 'movi', 'movi-lpis-off', 'mapc-unmap', 'mapc-move', 'prop-off', 'its-off', 'lpis-off', 'none', 'forward'] as const);
    // movi-lpis-off: c2's LPIs are off from the start (a CPU not brought up yet), every vector on c1
    const c2Off = change === 'movi-lpis-off' && c2 !== c1;
    if (c2Off) g.mmioW(c1, 'gicr', c2, GICR.CTLR, 32, 0);
    // a device with `count` consecutive vectors, each an LPI on c1 or c2
    const count = g.r.pick([1, 2, 2, 3]);
    let device = g.r.chance(0.1) ? g.r.pick([0xffff, 0x100, 0xff]) : g.r.small(31);
    for (let t = 0; t < 8 && its.devices.has(device); t++) device = g.r.int(256);
    for (let d = 256; its.devices.has(device); d++) device = d;
    const wide = g.r.chance(0.1); // EventIDs past 15 bits (a 16-bit ITT, as large as KVM takes)
    const size = wide ? 15 : g.r.pick([1, 3, 4]);
    const first = wide ? 0x8000 - (count >> 1) : g.r.int(2 ** (size + 1) - count + 1);
    const cmds: ItsCommand[] = [];
    const itt = g.st.alloc(2 ** (size + 1) * 16);
    cmds.push({ cmd: 'MAPD', device, size, itt: toHex(itt), valid: true });
    its.devices.set(device, { size, itt, events: new Map() });
    const prios = distinctPriorities(g, count + 1);
    const vectors: MappedLpi[] = [];
    for (let k = 0; k < count; k++) {
      const cpu = k % 2 && !c2Off && g.r.chance(0.7) ? c2 : c1;
      const icid = collectionFor(g, n, cpu, cmds);
      const intid = freeLpi(g);
      const event = first + k;
      lpiProperty(g, intid, prios[k]!, true);
      cmds.push({ cmd: 'MAPTI', device, event, intid, collection: icid });
      its.devices.get(device)!.events.set(event, { intid, collection: icid });
      g.st.lpis.set(intid, { its: n, device, event });
      vectors.push({ ref: { its: n, device, event }, intid, cpu, prio: prios[k]! });
    }
    // a sibling function with the next DeviceID, its vectors from 0 (a multi-function device); or
    // one with twice the DeviceID and the first vector's EventID: IDs one bit apart, which a cache
    // key that packs DeviceID and EventID into too few bits would confuse
    const doubled = g.r.chance(0.5) && device > 0 && device * 2 <= 0xffff;
    const sib = doubled ? device * 2 : device + 1;
    if (g.r.chance(0.35) && sib <= 0xffff && !its.devices.has(sib)) {
      const sibSize = doubled ? size : 3;
      const sibEvent = doubled ? first : 0;
      const sibItt = g.st.alloc(2 ** (sibSize + 1) * 16);
      cmds.push({ cmd: 'MAPD', device: sib, size: sibSize, itt: toHex(sibItt), valid: true });
      its.devices.set(sib, { size: sibSize, itt: sibItt, events: new Map() });
      const intid = freeLpi(g);
      const prio = distinct(g, PRIORITIES.filter((p) => !prios.includes(p)), 1)[0]!;
      const icid = collectionFor(g, n, c1, cmds);
      lpiProperty(g, intid, prio, true);
      cmds.push({ cmd: 'MAPTI', device: sib, event: sibEvent, intid, collection: icid });
      its.devices.get(sib)!.events.set(sibEvent, { intid, collection: icid });
      g.st.lpis.set(intid, { its: n, device: sib, event: sibEvent });
      vectors.push({ ref: { its: n, device: sib, event: sibEvent }, intid, cpu: c1, prio });
    }
    for (const v of vectors) cmds.push({ cmd: 'INV', device: v.ref.device, event: v.ref.event });
    cmds.push({ cmd: 'SYNC', target: c1 });
    g.its(cmds, n, c1);
    // the same DeviceID and EventID on the other ITS, to another LPI (the cache is per doorbell)
    let twin: MappedLpi | undefined;
    if (g.config.its > 1 && g.r.chance(0.6)) {
      const n2 = (n + 1) % g.config.its;
      const its2 = g.st.its[n2]!;
      if (!its2.devices.has(device)) {
        const v = vectors[0]!;
        const itt2 = g.st.alloc(2 ** (size + 1) * 16);
        const c2cmds: ItsCommand[] = [{ cmd: 'MAPD', device, size, itt: toHex(itt2), valid: true }];
        const icid = collectionFor(g, n2, c1, c2cmds);
        const intid = freeLpi(g);
        lpiProperty(g, intid, prios[count]!, true);
        c2cmds.push({ cmd: 'MAPTI', device, event: v.ref.event, intid, collection: icid }, { cmd: 'INV', device, event: v.ref.event }, { cmd: 'SYNC', target: c1 });
        g.its(c2cmds, n2, c1);
        its2.devices.set(device, { size, itt: itt2, events: new Map([[v.ref.event, { intid, collection: icid }]]) });
        g.st.lpis.set(intid, { its: n2, device, event: v.ref.event });
        twin = { ref: { its: n2, device, event: v.ref.event }, intid, cpu: c1, prio: prios[count]! };
      }
    }
    // how the MSIs come: KVM_SIGNAL_MSI, or an MSI route behind an irqfd (KVM's injection fast path)
    const gsis = new Map<MappedLpi, number>();
    const viaIrqfd = g.r.chance(0.35);
    if (viaIrqfd) {
      const add: { gsi: number; route: { kind: 'msi'; lpi: LpiRef } }[] = [];
      for (const v of twin ? [...vectors, twin] : vectors) {
        let gsi = freeGsi(g);
        while (add.some((a) => a.gsi === gsi)) gsi++;
        add.push({ gsi, route: { kind: 'msi', lpi: v.ref } });
        gsis.set(v, gsi);
      }
      addRoutes(g, add);
      for (const gsi of gsis.values()) assignIrqfd(g, gsi, false);
    }
    const send = (v: MappedLpi): void => {
      const gsi = gsis.get(v);
      if (gsi !== undefined) g.ops.push({ op: 'irqfd.signal', gsi });
      else signalMsi(g, v);
      g.st.noteRecent(v.cpu, v.intid);
    };
    // fill the cache: each vector once, taken on its vCPU
    for (const v of vectors) {
      send(v);
      takeOne(g, v.cpu, v.intid);
    }
    if (twin) {
      send(twin);
      takeOne(g, twin.cpu, twin.intid);
    }
    const v = g.r.pick(vectors);
    const dv = v.ref.device;
    const dvSize = its.devices.get(dv)?.size ?? size;
    const sync: ItsCommand = { cmd: 'SYNC', target: c1 };
    let reenable: (() => void) | undefined;
    const dropEvent = (x: MappedLpi): void => {
      g.st.its[x.ref.its]!.devices.get(x.ref.device)?.events.delete(x.ref.event);
      g.st.lpis.delete(x.intid);
    };
    switch (change) {
      case 'discard':
        g.its([{ cmd: 'DISCARD', device: dv, event: v.ref.event }, sync], n, c1);
        dropEvent(v);
        break;
      case 'mapd-unmap':
      case 'mapd-remap': {
        const remap = change === 'mapd-remap' ? g.st.alloc(2 ** (dvSize + 1) * 16) : 0;
        g.its([{ cmd: 'MAPD', device: dv, size: remap ? dvSize : 0, itt: toHex(remap), valid: remap !== 0 }, sync], n, c1);
        for (const x of vectors) if (x.ref.device === dv) dropEvent(x);
        if (remap) its.devices.set(dv, { size: dvSize, itt: remap, events: new Map() });
        else its.devices.delete(dv);
        break;
      }
      case 'movi':
      case 'movi-lpis-off': {
        // to the other vCPU (a collection of the vCPU it targets already would move nothing)
        const to = v.cpu === c1 ? c2 : c1;
        const cmds: ItsCommand[] = [];
        const icid = collectionFor(g, n, to, cmds);
        if (c2Off && to === c2) reenable = () => g.mmioW(c1, 'gicr', c2, GICR.CTLR, 32, 1);
        cmds.push({ cmd: 'MOVI', device: dv, event: v.ref.event, collection: icid }, { cmd: 'SYNC', target: to });
        g.its(cmds, n, c1);
        const ev = g.st.eventOf(v.ref);
        if (ev) ev.collection = icid;
        v.cpu = to;
        break;
      }
      case 'mapc-unmap': {
        const ev = g.st.eventOf(v.ref);
        if (!ev) break;
        g.its([{ cmd: 'MAPC', collection: ev.collection, target: 0, valid: false }, sync], n, c1);
        its.collections.delete(ev.collection);
        break;
      }
      case 'mapc-move': {
        const ev = g.st.eventOf(v.ref);
        if (!ev || c2 === c1) break;
        const from = its.collections.get(ev.collection) ?? c1;
        g.its([{ cmd: 'MOVALL', from, to: c2 }, { cmd: 'MAPC', collection: ev.collection, target: c2, valid: true }, { cmd: 'SYNC', target: c2 }], n, c1);
        its.collections.set(ev.collection, c2);
        for (const x of vectors) if (g.st.eventOf(x.ref)?.collection === ev.collection) x.cpu = c2;
        break;
      }
      case 'prop-off':
        lpiProperty(g, v.intid, v.prio, false);
        g.its([{ cmd: 'INV', device: dv, event: v.ref.event }, sync], n, c1);
        reenable = () => {
          lpiProperty(g, v.intid, v.prio, true);
          g.its([{ cmd: 'INV', device: dv, event: v.ref.event }, sync], n, c1);
        };
        break;
      case 'its-off':
        g.mmioW(c1, 'gits', n, GITS.CTLR, 32, 0);
        if (g.r.chance(0.5)) g.mmioR(c1, 'gits', n, GITS.CTLR, 32);
        reenable = () => g.mmioW(c1, 'gits', n, GITS.CTLR, 32, 1);
        break;
      case 'lpis-off':
        g.mmioW(c1, 'gicr', v.cpu, GICR.CTLR, 32, 0);
        reenable = () => g.mmioW(c1, 'gicr', v.cpu, GICR.CTLR, 32, 1);
        break;
      case 'forward': {
        if (g.config.impl.gicv4 === 'off') break;
        const dev = deviceMsi(g, v, gsis.get(v));
        dev.forward();
        signalMsi(g, v); // a userspace MSI to the event now forwarded
        dev.fire();
        break;
      }
      default:
        break;
    }
    // the device keeps sending: the changed vector (maybe twice), a neighbour, the twin
    send(v);
    if (g.r.chance(0.3)) send(v);
    const other = vectors.find((x) => x !== v);
    if (other && g.r.chance(0.6)) send(other);
    if (twin && g.r.chance(0.7)) send(twin);
    if (g.r.chance(0.3)) read(g, c1, 'ICC_HPPIR1_EL1');
    if (g.r.chance(0.2)) g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(v.cpu) + Math.floor(v.intid / 8)), len: 8 });
    // while the change holds (LPIs, the ITS or the interrupt off): what the target vCPU sees now
    if (reenable && g.r.chance(0.6)) read(g, v.cpu, g.r.pick(['ICC_HPPIR1_EL1', 'ISR_EL1'] as const));
    reenable?.();
    // take what came: the most urgent first on each vCPU, then nothing more
    for (const c of c2 !== c1 ? [c1, c2] : [c1]) {
      const here = [...vectors, ...(twin ? [twin] : [])].filter((x) => x.cpu === c);
      // an unmapped vector is not taken: the last IAR shows one that came anyway
      for (const x of here.filter((y) => g.st.eventOf(y.ref)).sort((a, b) => a.prio - b.prio)) takeOne(g, c, x.intid);
      read(g, c, 'ICC_IAR1_EL1');
    }
    return true;
  },
};

/**
 * A GICv4 vPE through its life, with an assigned device's MSI forwarded as a vLPI: the vCPU
 * blocked in WFI when the device fires (the doorbell), moved to another physical CPU between
 * runs (VMOVP), the vLPI moved (MOVI, MOVALL and MAPC) or unmapped (DISCARD, MAPD) while
 * forwarded, an LPI pending in software when forwarding starts, its configuration changed
 * (property byte and INV or INVALL), the distributor's group enable toggled, the pending tables
 * saved while the vLPI is pending; after a move, KVM_SIGNAL_MSIs to the forwarded event as well as
 * the device's MSI; sometimes a second of these situations after the first. Observed: WFI, IAR on
 * the old and new vCPUs (the vLPI once), the pending table.
 */
const vpeLife: Action = {
  name: 'storyVpeLife', family: 'stories', host: true, weight: 3, applies: (g) => hasIts(g) && g.config.impl.gicv4 !== 'off',
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const c0 = g.awakeCpu();
    const cOther = otherCpu(g, c0);
    openCpu(g, c0);
    if (cOther !== c0) openCpu(g, cOther);
    const m = mappedLpi(g, n, c0);
    const dev = deviceMsi(g, m);
    const { forward, fire } = dev;
    const run = (cpu: number, pcpu = g.r.int(g.config.impl.pcpus)): void => {
      g.ops.push({ op: 'vcpu.run', cpu, pcpu });
      g.st.running[cpu] = pcpu;
    };
    let pendingFirst = g.r.chance(0.25);
    if (pendingFirst) intCmd(g, m); // pending in software when forwarding starts
    forward();
    let taken = pendingFirst ? 0 : -1; // -1: nothing pending yet
    if (pendingFirst && g.r.chance(0.7)) {
      // the guest takes what was pending before the device fires again (a pending state the
      // forwarding lost would not come back with the next MSI)
      if (g.r.chance(0.4)) churn(g, c0);
      takeOne(g, c0, m.intid);
      taken = -1;
    }
    // the vPE's life goes on: sometimes a second situation, on the vCPU the vLPI targets by then
    const rounds = g.r.chance(0.4) ? 2 : 1;
    for (let round = 0; round < rounds; round++) {
      const c = round === 0 ? c0 : m.cpu;
      const c2 = round === 0 ? cOther : otherCpu(g, c);
      if (round > 0 && c2 !== c) openCpu(g, c2);
      // (a move and the pending-table save twice as often: each leads to more than one fault)
      const situation = g.r.pick(['doorbell', 'doorbell-masked', 'vmovp', 'movi', 'movi', 'mapc-move', 'discard', 'mapd', 'prop', 'dist-off', 'save', 'save'] as const);
      switch (situation) {
        case 'doorbell':
        case 'doorbell-masked': {
          if (situation === 'doorbell-masked') sys(g, c, 'ICC_PMR_EL1', 0); // a pending vLPI wakes WFI whatever the mask
          if (!pendingFirst) {
            g.wfi(c); // blocks: the vPE goes non-resident with its doorbell on
            if (g.r.chance(0.4)) g.ops.push({ op: 'vcpu.put', cpu: c });
          }
          fire();
          if (g.r.chance(0.5)) run(c);
          g.wfi(c);
          g.st.maybeAsleep.delete(c);
          if (situation === 'doorbell-masked') sys(g, c, 'ICC_PMR_EL1', 0xf0);
          taken = 1;
          break;
        }
        case 'vmovp': {
          // scheduled on one physical CPU, then another: the vPE must move with the vCPU
          const p1 = g.r.int(g.config.impl.pcpus);
          run(c, p1);
          g.ops.push({ op: 'vcpu.put', cpu: c });
          if (g.r.chance(0.5)) fire();
          run(c, (p1 + 1 + g.r.int(Math.max(1, g.config.impl.pcpus - 1))) % g.config.impl.pcpus);
          fire();
          taken = 1;
          break;
        }
        case 'movi':
        case 'mapc-move': {
          if (c2 === c) break;
          const cmds: ItsCommand[] = [];
          if (situation === 'movi') {
            const icid = collectionFor(g, n, c2, cmds);
            cmds.push({ cmd: 'MOVI', device: m.ref.device, event: m.ref.event, collection: icid });
            const ev = g.st.eventOf(m.ref);
            if (ev) ev.collection = icid;
          } else {
            const ev = g.st.eventOf(m.ref);
            if (!ev) break;
            cmds.push({ cmd: 'MOVALL', from: c, to: c2 }, { cmd: 'MAPC', collection: ev.collection, target: c2, valid: true });
            g.st.its[n]!.collections.set(ev.collection, c2);
          }
          cmds.push({ cmd: 'SYNC', target: c2 });
          if (g.r.chance(0.4)) fire(); // pending on the old vPE when it moves
          g.its(cmds, n, c);
          m.cpu = c2;
          if (g.r.chance(0.6)) {
            // the move emptied the translation cache: the VMM's own MSIs to the forwarded event (one
            // may fill it again) and the device's, before one acknowledge: one pending vLPI
            signalMsi(g, m);
            signalMsi(g, m);
            if (g.r.chance(0.5)) fire();
          } else fire();
          read(g, c, 'ICC_IAR1_EL1'); // nothing here any more
          taken = 1;
          break;
        }
        case 'discard':
        case 'mapd': {
          if (g.r.chance(0.5)) fire();
          const cmd: ItsCommand = situation === 'discard'
            ? { cmd: 'DISCARD', device: m.ref.device, event: m.ref.event }
            : { cmd: 'MAPD', device: m.ref.device, size: 0, itt: '0x0', valid: false };
          g.its([cmd, { cmd: 'SYNC', target: c }], n, c);
          const itsDev = g.st.its[n]!.devices.get(m.ref.device);
          if (situation === 'mapd') {
            for (const ev of itsDev?.events.values() ?? []) g.st.lpis.delete(ev.intid);
            g.st.its[n]!.devices.delete(m.ref.device);
          } else {
            itsDev?.events.delete(m.ref.event);
            g.st.lpis.delete(m.intid);
          }
          fire(); // the device still sends: nothing may reach the guest now
          read(g, c, 'ICC_IAR1_EL1');
          dev.unforward();
          return true;
        }
        case 'prop': {
          const prio = g.r.pick(PRIORITIES);
          lpiProperty(g, m.intid, prio, false);
          const inv: ItsCommand = g.r.chance(0.5) ? { cmd: 'INV', device: m.ref.device, event: m.ref.event } : { cmd: 'INVALL', collection: g.st.eventOf(m.ref)?.collection ?? 0 };
          g.its([inv, { cmd: 'SYNC', target: c }], n, c);
          fire();
          read(g, c, 'ICC_IAR1_EL1'); // disabled: not taken
          lpiProperty(g, m.intid, prio, true);
          g.its([inv, { cmd: 'SYNC', target: c }], n, c);
          taken = 1;
          break;
        }
        case 'dist-off':
          g.mmioW(c, 'gicd', undefined, GICD.CTLR, 32, 0x10); // Group 1 off (ARE stays)
          fire();
          read(g, c, 'ICC_IAR1_EL1');
          if (g.r.chance(0.5)) churn(g, c);
          g.mmioW(c, 'gicd', undefined, GICD.CTLR, 32, 0x12);
          taken = 1;
          break;
        default: { // save: the pending tables written while the vLPI is pending, read back, or a migration
          g.ops.push({ op: 'vcpu.put', cpu: c });
          fire();
          if (g.r.chance(0.5)) {
            g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'CTRL', attr: 'SAVE_PENDING_TABLES', access: 'set' });
            g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(m.cpu) + Math.floor(m.intid / 8)), len: 8 });
          } else {
            g.ops.push({ op: 'migrate' }); // the vLPI pending in its VPT must come back pending
          }
          taken = 1;
        }
      }
      if (taken >= 0) {
        ack(g, m.cpu, m.intid);
        eoi(g, m.cpu, m.intid);
      }
      read(g, m.cpu, 'ICC_IAR1_EL1');
      taken = -1;
      pendingFirst = false;
    }
    if (g.r.chance(0.3)) dev.unforward();
    return true;
  },
};

/** A vCPU other than `c` not believed asleep in WFI (any other when all may be; `c` with one vCPU). */
function otherAwake(g: Gen, c: number): number {
  const awake: number[] = [];
  for (let k = 0; k < g.config.vcpus; k++) if (k !== c && !g.st.maybeAsleep.has(k)) awake.push(k);
  return awake.length ? g.r.pick(awake) : otherCpu(g, c);
}

/**
 * The virtual timer's PPI (27), the level interrupt KVM maps to the host's timer PPI: a hardware
 * list register, its pending state in the line (vgic.c vgic_irq_handle_resampling, vgic-mmio.c
 * vgic_mmio_read_pending). Its pending bit read by another vCPU while the owner runs with it in a
 * list register; or taken, its line dropped (and raised again) while it is active, sometimes with
 * the VM migrated and the line dropped before the destination's first run, or the vCPU put and
 * loaded again with the line high before it drops, then deactivated and folded at an exit.
 * Observed: GICR_ISPENDR0 (from another vCPU), IAR after the EOI (the timer again while its line is
 * high, spurious once it is low).
 */
const timerLine: Action = {
  name: 'storyTimerLine', family: 'stories', host: true, weight: 1.2,
  emit: (g) => {
    const c = g.awakeCpu();
    const other = otherAwake(g, c);
    const line = (level: 0 | 1): void => {
      g.ops.push({ op: 'timer.line', cpu: c, level });
      g.st.timerLevel[c] = level;
    };
    const ispendr = (from: number): void => g.mmioR(from, 'gicr-sgi', c, GICR_SGI.ISPENDR0, 32);
    openCpu(g, c);
    privateSetup(g, c, VTIMER_PPI, g.r.pick(PRIORITIES));
    if (g.st.timerLevel[c]) line(0);
    line(1);
    g.st.noteRecent(c, VTIMER_PPI);
    if (other !== c && g.r.chance(0.4)) {
      read(g, c, 'ICC_HPPIR1_EL1'); // the owner runs: the timer sits pending in a list register
      ispendr(other); // pending, its line high (another vCPU's read does not make the owner exit)
      ack(g, c, VTIMER_PPI);
      if (g.r.chance(0.5)) ispendr(other); // active, and pending while the line stays high
      if (g.r.chance(0.5)) line(0);
      eoi(g, c, VTIMER_PPI);
      read(g, c, 'ICC_IAR1_EL1');
      return true;
    }
    ack(g, c, VTIMER_PPI);
    if (g.r.chance(0.3)) {
      // put and run again while active with the line high: the load records the line high next to
      // the active state (kvm_timer_vcpu_load_gic); the loaded timer then drops unseen, and only
      // the deactivation's re-sample of the line (vgic_irq_handle_resampling) can tell
      g.ops.push({ op: 'vcpu.put', cpu: c });
      const p = g.r.int(g.config.impl.pcpus);
      g.ops.push({ op: 'vcpu.run', cpu: c, pcpu: p });
      g.st.running[c] = p;
    }
    line(0);
    if (g.r.chance(0.6)) {
      line(1); // raised again while active
      if (g.r.chance(0.6)) {
        g.ops.push({ op: 'migrate' });
        line(0); // before the destination's first run
      }
    }
    eoi(g, c, VTIMER_PPI);
    g.mmioR(c, 'gicd', undefined, GICD.CTLR, 32); // an exit: the fold sees the deactivation
    read(g, c, 'ICC_IAR1_EL1');
    ispendr(g.r.chance(0.5) ? other : c);
    return true;
  },
};

/**
 * Under EOImode 1, an SPI deactivated by ICC_DIR_EL1 on another vCPU than the one that
 * acknowledged it and dropped its priority (a handler finishing on another CPU): KVM traps DIR
 * while an SPI may be active anywhere (vgic-v3.c vgic_v3_configure_hcr, ICH_HCR_EL2.TDIR).
 * Observed: GICD_ISACTIVER, then the SPI made pending again and taken where it is routed.
 */
const dirElsewhere: Action = {
  name: 'storyDirElsewhere', family: 'stories', host: false, weight: 0.9, applies: twoCpus,
  emit: (g) => {
    const c1 = g.awakeCpu();
    const c2 = otherAwake(g, c1);
    openCpu(g, c1);
    openCpu(g, c2);
    setEoiMode(g, c1, 1);
    setEoiMode(g, c2, 1);
    const id = freeSpi(g);
    const bit = (1 << (id % 32)) >>> 0;
    const active = GICD.ISACTIVER + 4 * (id >> 5);
    spiSetup(g, id, c1, g.r.pick(PRIORITIES), g.r.chance(0.8));
    g.mmioW(c2, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, bit);
    g.st.noteRecent(c1, id);
    ack(g, c1, id);
    sys(g, c1, 'ICC_EOIR1_EL1', id); // the priority drop: still active
    if (g.r.chance(0.3)) g.mmioR(c2, 'gicd', undefined, active, 32);
    maybeChurn(g, c1, 0.3);
    sys(g, c2, 'ICC_DIR_EL1', id);
    g.mmioR(g.r.pick([c1, c2]), 'gicd', undefined, active, 32); // inactive now
    g.mmioW(c2, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, bit);
    g.st.noteRecent(c1, id);
    takeOne(g, c1, id); // taken again: it was deactivated
    read(g, c1, 'ICC_IAR1_EL1');
    g.mmioR(c1, 'gicd', undefined, active, 32);
    return true;
  },
};

/**
 * A Group 0 interrupt next to Group 1 ones: an SGI sent with ICC_SGI0R_EL1, or a PPI or SPI made
 * pending through its ISPENDR, configured Group 0 (its IGROUPR bit clear; the guest owns Group 0,
 * GICD_CTLR.DS is 1), both groups enabled in the distributor and the CPU interface, sometimes with
 * more pending than list registers. Observed: HPPIR0 and HPPIR1, IAR1 (which must not take it),
 * IAR0 and EOIR0; then the interrupt is Group 1 again (what the guest set up for everything else).
 */
const group0: Action = {
  name: 'storyGroup0', family: 'stories', host: false, weight: 0.9,
  emit: (g) => {
    const c = g.awakeCpu();
    openCpu(g, c);
    sys(g, c, 'ICC_IGRPEN0_EL1', 1);
    g.mmioW(c, 'gicd', undefined, GICD.CTLR, 32, 0x13); // EnableGrp0, EnableGrp1, ARE
    const kind = g.r.pick(['sgi', 'sgi', 'ppi', 'spi'] as const);
    const [p0, p1] = distinctPriorities(g, 2) as [number, number];
    let id: number;
    let groupReg: () => void;
    let ungroup: () => void;
    if (kind === 'spi') {
      id = freeSpi(g);
      const reg = GICD.IGROUPR + 4 * (id >> 5);
      const bit = (1 << (id % 32)) >>> 0;
      spiSetup(g, id, c, p0, true);
      groupReg = () => g.mmioW(c, 'gicd', undefined, reg, 32, ~bit >>> 0);
      ungroup = () => g.mmioW(c, 'gicd', undefined, reg, 32, 0xffffffff);
    } else {
      id = kind === 'sgi' ? g.r.int(16) : g.r.pick([20, 21, 22, 23]);
      const bit = (1 << id) >>> 0;
      privateSetup(g, c, id, p0);
      groupReg = () => g.mmioW(c, 'gicr-sgi', c, GICR_SGI.IGROUPR0, 32, ~bit >>> 0);
      ungroup = () => g.mmioW(c, 'gicr-sgi', c, GICR_SGI.IGROUPR0, 32, 0xffffffff);
    }
    groupReg();
    // Group 1 SGIs pending too (more than the list registers hold, sometimes)
    const others = distinct(g, [...Array(16).keys()].filter((k) => k !== id), g.r.pick([1, 1, 2, g.config.impl.lrs + 1]));
    for (const k of others) {
      privateSetup(g, c, k, p1);
      sendSgi(g, g.r.chance(0.5) ? c : otherCpu(g, c), c, k);
    }
    if (kind === 'sgi') sys(g, g.r.chance(0.5) ? c : otherCpu(g, c), 'ICC_SGI0R_EL1', sgiValue(c, id));
    else if (kind === 'ppi') g.mmioW(c, 'gicr-sgi', c, GICR_SGI.ISPENDR0, 32, (1 << id) >>> 0);
    else g.mmioW(c, 'gicd', undefined, GICD.ISPENDR + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
    maybeChurn(g, c, 0.3);
    read(g, c, g.r.pick(['ICC_HPPIR0_EL1', 'ICC_HPPIR1_EL1', 'ISR_EL1'] as const));
    if (g.r.chance(0.5)) read(g, c, 'ICC_IAR1_EL1');
    read(g, c, 'ICC_IAR0_EL1');
    sys(g, c, 'ICC_EOIR0_EL1', id);
    if (g.st.eoiMode[c] === 1) sys(g, c, 'ICC_DIR_EL1', id);
    read(g, c, 'ICC_IAR0_EL1');
    ungroup();
    return true;
  },
};

export const STORY_ACTIONS: readonly Action[] = [
  lrOverflow, levelLine, levelLatch, wfiMasking, schedBlocked, retargetLpi, retargetSpi, enableLpis, itsTables,
  idLimits, itsQueue, translaterWrite, sgiFrameCross, lpiPinned, vlpi, saveRestore, migrateInFlight, cachedMsi, vpeLife,
  timerLine, dirElsewhere, group0,
];

