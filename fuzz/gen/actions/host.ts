// Actions of the host (KVM's userspace ABI, Documentation/virt/kvm/api.rst and
// Documentation/virt/kvm/devices/arm-vgic-v3.rst, arm-vgic-its.rst): KVM_IRQ_LINE, the vtimer's
// line, KVM_SIGNAL_MSI, GSI routing, irqfds and their resample, forwarded (VFIO) interrupts and
// the vgic/ITS device attributes.
import { toHex } from '../../../spec/hex.js';
import { itsBase, itsTranslater, VTIMER_PPI } from '../../../spec/layout.js';
import type { Op } from '../../../spec/scenario.js';
import { GICD, GICR, GICR_SGI, GITS } from '../../../triage/regs.js';
import type { Action } from '../action.js';

const irqLine: Action = {
  name: 'irqLine', family: 'host', host: true, weight: 6,
  emit: (g) => {
    if (g.r.chance(0.7)) {
      const id = g.spi();
      const level = g.st.spiLevel.get(id) ? 0 : 1;
      g.st.spiLevel.set(id, level);
      g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level });
      if (level) {
        const c = g.r.int(g.config.vcpus);
        g.st.noteRecent(c, id);
        g.st.noteRecent(0, id);
        g.inFlight(0);
      }
    } else {
      const cpu = g.cpu();
      const id = 16 + g.r.int(16);
      const key = `${cpu}:${id}`;
      const level = g.st.ppiLevel.get(key) ? 0 : 1;
      g.st.ppiLevel.set(key, level);
      g.ops.push({ op: 'kvm.irq_line', type: 'ppi', vcpu: cpu, intid: id, level });
      if (level) g.st.noteRecent(cpu, id);
    }
    return true;
  },
};

const timer: Action = {
  name: 'timer', family: 'host', host: true, weight: 2,
  emit: (g) => {
    const cpu = g.cpu();
    const level = g.st.timerLevel[cpu] ? 0 : 1;
    g.st.timerLevel[cpu] = level;
    if (level && g.r.chance(0.5)) g.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ISENABLER0, 32, (1 << VTIMER_PPI) >>> 0);
    g.ops.push({ op: 'timer.line', cpu, level: level as 0 | 1 });
    if (level) {
      g.st.noteRecent(cpu, VTIMER_PPI);
      g.inFlight(cpu);
    }
    return true;
  },
};

/** KVM_SIGNAL_MSI at GITS_TRANSLATER. */
const msi: Action = {
  name: 'msi', family: 'host', host: true, weight: 12, applies: (g) => g.config.its > 0,
  emit: (g) => {
    const ref = g.pickEvent();
    const n = ref?.its ?? g.r.int(g.config.its);
    const device = ref?.device ?? g.r.small(63);
    const event = ref?.event ?? g.r.small(255);
    // GITS_TRANSLATER of a real ITS, as a device's MSI is; rarely elsewhere in the ITS frame (KVM
    // decodes the doorbell by the frame it falls in, quirk kvm.msi-anywhere-in-its-frame: that
    // known divergence ends the scenario, and at one MSI in ten it ended a fifth of them early)
    const address = g.r.chance(0.985) ? itsTranslater(n) : itsBase(n) + 4 * g.r.int(0x8000);
    g.ops.push({ op: 'kvm.signal_msi', address: toHex(address), data: event, devid: device, flags: 1 });
    if (ref) g.lpiSignalled(ref);
    return true;
  },
};

const routing: Action = {
  name: 'routing', family: 'host', host: true, weight: 4,
  emit: (g) => {
    const entries: Extract<Op, { op: 'kvm.set_gsi_routing' }>['entries'] = [];
    g.st.routes.clear();
    g.st.routingSet = true;
    const n = g.r.range(1, 4);
    for (let k = 0; k < n; k++) {
      const gsi = g.r.small(31);
      if (g.st.routes.has(gsi)) continue;
      const ref = g.config.its ? g.pickEvent() : undefined;
      if (ref && g.r.chance(0.6)) {
        entries.push({ gsi, type: 'msi', address: toHex(itsTranslater(ref.its)), data: ref.event, devid: ref.device });
        g.st.routes.set(gsi, { kind: 'msi', lpi: ref });
      } else {
        const pin = g.r.small(g.config.spis - 1);
        entries.push({ gsi, type: 'irqchip', irqchip: 0, pin });
        g.st.routes.set(gsi, { kind: 'irqchip', spi: 32 + pin });
      }
    }
    g.ops.push({ op: 'kvm.set_gsi_routing', entries });
    return true;
  },
};

const irqfd: Action = {
  name: 'irqfd', family: 'host', host: true, weight: 4,
  emit: (g) => {
    const gsi = g.gsi();
    if (g.st.irqfds.has(gsi) && g.r.chance(0.4)) {
      g.ops.push({ op: 'kvm.irqfd', gsi, resample: g.st.irqfds.get(gsi)!.resample, deassign: true });
      g.st.irqfds.delete(gsi);
    } else {
      const resample = g.r.chance(0.35);
      g.ops.push({ op: 'kvm.irqfd', gsi, resample, deassign: false });
      if (!g.st.irqfds.has(gsi)) g.st.irqfds.set(gsi, { resample });
    }
    return true;
  },
};

const irqfdSignal: Action = {
  name: 'irqfdSignal', family: 'host', host: true, weight: 6, applies: (g) => g.st.irqfds.size > 0,
  emit: (g) => {
    const gsi = g.r.pick([...g.st.irqfds.keys()]);
    g.ops.push({ op: 'irqfd.signal', gsi });
    const route = g.st.routes.get(gsi);
    if (route?.kind === 'irqchip') g.st.noteRecent(0, route.spi);
    else if (route?.kind === 'msi') g.lpiSignalled(route.lpi);
    return true;
  },
};

const resampled: Action = {
  name: 'resampled', family: 'host', host: true, weight: 2, applies: (g) => g.st.irqfds.size > 0,
  emit: (g) => {
    g.ops.push({ op: 'irqfd.resampled', gsi: g.r.pick([...g.st.irqfds.keys()]) });
    return true;
  },
};

const vfio: Action = {
  name: 'vfio', family: 'host', host: true, weight: 4,
  emit: (g) => {
    if (g.st.forwarded.size && g.r.chance(0.35)) {
      const hostIrq = g.r.pick([...g.st.forwarded.keys()]);
      g.ops.push({ op: 'vfio.unforward', gsi: g.st.forwarded.get(hostIrq)!, hostIrq });
      g.st.forwarded.delete(hostIrq);
      return true;
    }
    if (!g.st.irqfds.size) return false;
    const gsi = g.r.pick([...g.st.irqfds.keys()]);
    const hostIrq = 100 + g.r.small(15);
    if (g.st.forwarded.has(hostIrq)) return false;
    g.ops.push({ op: 'vfio.forward', gsi, hostIrq });
    g.st.forwarded.set(hostIrq, gsi);
    return true;
  },
};

const deviceFire: Action = {
  name: 'deviceFire', family: 'host', host: true, weight: 6, applies: (g) => g.st.forwarded.size > 0,
  emit: (g) => {
    const hostIrq = g.r.pick([...g.st.forwarded.keys()]);
    g.ops.push({ op: 'device.fire', hostIrq });
    const route = g.st.routes.get(g.st.forwarded.get(hostIrq)!);
    if (route?.kind === 'msi') g.lpiSignalled(route.lpi);
    else if (route?.kind === 'irqchip') g.st.noteRecent(0, route.spi);
    return true;
  },
};

const deviceAttr: Action = {
  name: 'deviceAttr', family: 'host', host: true, weight: 4,
  emit: (g) => {
    if (g.r.chance(0.3)) {
      // the other vgic groups: CPU interface registers, line levels, addresses
      const vcpu = g.cpu();
      switch (g.r.int(3)) {
        case 0:
          g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'CPU_SYSREGS', attr: { sysreg: g.r.pick(['ICC_PMR_EL1', 'ICC_BPR1_EL1', 'ICC_CTLR_EL1', 'ICC_IGRPEN1_EL1', 'ICC_AP1R0_EL1']), vcpu }, access: 'get' });
          break;
        case 1:
          g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'LEVEL_INFO', attr: { intid: 32 * g.r.int(g.config.spis / 32 + 1), vcpu }, access: 'get' });
          break;
        default:
          g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'ADDR', attr: g.r.pick(['DIST', 'REDIST'] as const), access: 'get' });
      }
      return true;
    }
    const k = g.r.int(g.config.its ? 4 : 2);
    if (k === 0) {
      const id = g.spi();
      const offset = g.r.pick([GICD.CTLR, GICD.ISENABLER + 4 * (id >> 5), GICD.IPRIORITYR + (id & ~3), GICD.ISPENDR + 4 * (id >> 5)]);
      g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'DIST_REGS', attr: { offset }, access: 'get' });
    } else if (k === 1) {
      const vcpu = g.cpu();
      g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'REDIST_REGS', attr: { offset: g.r.pick([GICR.CTLR, GICR.PROPBASER, GICR.PENDBASER]), vcpu }, access: 'get' });
    } else if (k === 2) {
      const index = g.r.int(g.config.its);
      g.ops.push({ op: 'kvm.device_attr', device: 'its', index, group: 'ITS_REGS', attr: { offset: g.r.pick([GITS.CTLR, GITS.CBASER, GITS.CWRITER, GITS.CREADR, GITS.BASER]) }, access: 'get' });
    } else {
      const index = g.r.int(g.config.its);
      const attr = g.r.pick(['ITS_SAVE_TABLES', 'ITS_SAVE_TABLES', 'SAVE_PENDING_TABLES', 'SAVE_PENDING_TABLES', 'ITS_RESET'] as const);
      if (attr === 'ITS_RESET' && g.r.chance(0.5)) {
        // the table ABI revision in GITS_IIDR (arm-vgic-its.rst)
        g.ops.push({ op: 'kvm.device_attr', device: 'its', index, group: 'ITS_REGS', attr: { offset: GITS.IIDR }, access: g.r.pick(['get', 'set'] as const), value: toHex(g.r.pick([0, 0x43b, 0x1043b])) });
      } else {
        g.ops.push({ op: 'kvm.device_attr', device: 'its', index, group: 'CTRL', attr, access: 'set' });
        if (attr === 'ITS_RESET') {
          // every device and collection of that ITS is gone (arm-vgic-its.rst, KVM_DEV_ARM_ITS_CTRL_RESET)
          g.st.its[index] = { devices: new Map(), collections: new Map() };
          for (const [intid, ref] of g.st.lpis) if (ref.its === index) g.st.lpis.delete(intid);
        }
      }
    }
    return true;
  },
};

export const HOST_ACTIONS: readonly Action[] = [irqLine, timer, msi, routing, irqfd, irqfdSignal, resampled, vfio, deviceFire, deviceAttr];
