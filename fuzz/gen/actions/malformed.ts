// Malformed input, drawn at the weights' malformedRate instead of an action: writes to read-only
// and reserved registers, out-of-range INTIDs and affinities, bad ioctl arguments, ITS commands
// with one bad field, command-queue pointers out of range and corrupted ITS tables.
import { toHex } from '../../../spec/hex.js';
import { FREE_RAM, RAM_BASE, bootCollectionTable, bootDeviceTable, itsBase } from '../../../spec/layout.js';
import type { ItsCommand } from '../../../spec/scenario.js';
import { GICD, GICR, GITS } from '../../../triage/regs.js';
import type { MalformedAction } from '../action.js';
import type { Gen } from '../gen.js';
import { ITS_DEVID_BITS, LPI_BASE, LPI_SPAN } from '../state.js';

const readOnlyWrite: MalformedAction = {
  name: 'readOnlyWrite', host: false, weight: 1,
  emit: (g, cpu) => {
    const w = g.r.pick([['gicd', GICD.TYPER], ['gicd', GICD.IIDR], ['gicd', GICD.PIDR2], ['gicr', GICR.TYPER], ['gicr', GICR.SYNCR]] as const);
    g.mmioW(cpu, w[0], w[0] === 'gicd' ? undefined : g.cpu(), w[1], 32, g.r.u32());
  },
};

/** Reserved offsets of the distributor. */
const reservedOffset: MalformedAction = {
  name: 'reservedOffset', host: false, weight: 1,
  emit: (g, cpu) => {
    if (g.config.spis < 988 && g.r.chance(0.3)) {
      // an SPI just past the implemented range (GICD_TYPER.ITLinesNumber): its bits are RAZ/WI
      const id = 32 + g.config.spis + g.r.small(31);
      const [reg, width] = g.r.pick([[GICD.ISENABLER + 4 * (id >> 5), 32], [GICD.ISPENDR + 4 * (id >> 5), 32], [GICD.IPRIORITYR + id, 8], [GICD.IROUTER + 8 * id, 64]] as const);
      g.mmioW(cpu, 'gicd', undefined, reg, width, width === 8 ? 0x80 : width === 64 ? 0n : 0xffffffff);
      g.mmioR(cpu, 'gicd', undefined, reg, width);
      return;
    }
    g.mmioW(cpu, 'gicd', undefined, g.r.pick([0x20, 0x60, 0xf80, 0x5ff8, 0x8000 + 4 * g.r.int(64)]), 32, g.r.u32());
    g.mmioR(cpu, 'gicd', undefined, g.r.pick([0x24, 0xf40, 0x3000]), 32);
  },
};

/** Out-of-range INTIDs written to EOI and DIR. */
const cpuifBadIntid: MalformedAction = {
  name: 'cpuifBadIntid', host: false, weight: 1,
  emit: (g, cpu) => {
    g.ops.push({ op: 'sysreg.write', cpu, reg: g.r.pick(['ICC_EOIR1_EL1', 'ICC_DIR_EL1'] as const), value: toHex(g.r.pick([1020, 1021, 1022, 0xffffff, 0x10000 + g.r.int(100)])) });
  },
};

/** An SGI to affinities that do not exist. */
const sgiNoTarget: MalformedAction = {
  name: 'sgiNoTarget', host: false, weight: 1,
  emit: (g, cpu) => {
    g.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_SGI1R_EL1', value: toHex((BigInt(g.r.range(1, 255)) << 32n) | (BigInt(g.r.range(1, 255)) << 16n) | 0xffffn) });
  },
};

/** GICR_PROPBASER / PENDBASER rewritten while LPIs are enabled, sometimes with PTZ (bit 62). */
const lpiBaseRewrite: MalformedAction = {
  name: 'lpiBaseRewrite', host: false, weight: 1,
  emit: (g, cpu) => {
    g.mmioW(cpu, 'gicr', g.cpu(), g.r.chance(0.5) ? GICR.PROPBASER : GICR.PENDBASER, 64, BigInt(RAM_BASE + 0x300000) | 7n | (g.r.chance(0.3) ? 1n << 62n : 0n));
  },
};

const badIoctl: MalformedAction = {
  name: 'badIoctl', host: true, weight: 2,
  emit: (g) => {
    switch (g.r.int(6)) {
      case 0:
        g.ops.push({ op: 'kvm.irq_line', raw: g.r.u32(), level: g.r.int(2) });
        if (g.r.chance(0.3)) g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: g.spi(), level: g.r.pick([2, 255]) });
        return;
      case 1:
        if (g.r.chance(0.5)) g.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: g.r.pick([0, 31, 32 + g.config.spis, 1020, 5000]), level: 1 });
        else if (g.r.chance(0.5)) g.ops.push({ op: 'kvm.irq_line', type: 'ppi', vcpu: g.r.chance(0.5) ? g.config.vcpus : 0, intid: g.r.pick([0, 15, 32, 100]), level: 1 });
        else g.ops.push({ op: 'kvm.irq_line', type: 'cpu', vcpu: 0, intid: g.r.int(2), level: 1 }); // with an in-kernel GIC: -ENXIO
        return;
      case 2:
        g.ops.push({ op: 'kvm.signal_msi', address: toHex(g.r.pick([0, itsBase(0) - 4, RAM_BASE])), data: g.r.small(255), devid: g.r.small(63), flags: g.r.pick([0, 1, 2]) });
        return;
      case 3:
        g.ops.push({ op: 'kvm.set_gsi_routing', entries: [{ gsi: g.r.small(31), type: g.r.pick([3, 99]) }] });
        g.st.routes.clear();
        return;
      case 4:
        g.ops.push({ op: 'kvm.irqfd', gsi: g.r.pick([500, 4095, g.r.small(31)]), resample: g.r.chance(0.5), deassign: true });
        return;
      default:
        g.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: g.r.pick(['NR_IRQS', 'CTRL', 'DIST_REGS'] as const), attr: g.r.pick([0, 7, { offset: 0xfff0 }]), access: g.r.pick(['get', 'set'] as const), value: '0x40' });
    }
  },
};

/** The ITS: reserved opcodes, out-of-range IDs, CWRITER past the queue, corrupt tables then restore. */
const badIts: MalformedAction = {
  name: 'badIts', host: false, weight: 3, applies: (g) => g.config.its > 0,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const cpu = g.cpu();
    switch (g.r.int(6)) {
      case 0: { // an opcode no command has
        const opcode = g.r.pick([0x00, 0x02, 0x06, 0x07, 0x10, 0x11, 0x1f, 0x30, 0xff]);
        const dw0 = (BigInt(g.r.small(63)) << 32n) | BigInt(opcode);
        g.its([{ cmd: 'raw', words: [toHex(dw0), toHex(g.r.small(255)), toHex(g.r.u32()), '0x0'] }], n);
        return;
      }
      case 1: // a command with one bad field (each command's error cases)
        if (g.r.chance(0.6)) {
          // a driver with a bad ID computation issues several such commands in one batch
          const k = g.r.range(1, 4);
          g.its(Array.from({ length: k }, () => erroneousCommand(g, n)) as [ItsCommand, ...ItsCommand[]], n);
          return;
        }
        g.its([g.r.pick<ItsCommand>([
          { cmd: 'MAPTI', device: g.r.small(63), event: g.r.small(7), intid: g.r.pick([0, 1023, 8191, 0x10000, 0xffffffff]), collection: 0 },
          { cmd: 'MAPD', device: 2 ** ITS_DEVID_BITS + g.r.small(7), size: 3, itt: toHex(g.st.alloc(256)), valid: true },
          { cmd: 'MAPD', device: g.r.small(63), size: 31, itt: toHex(FREE_RAM), valid: true }, // Size beyond GITS_TYPER.ID_bits
          { cmd: 'MAPC', collection: g.r.pick([0x10000 - 1, 0xffff]), target: g.config.vcpus + g.r.int(4), valid: true },
          { cmd: 'MAPTI', device: g.r.small(63), event: 0x10000, intid: LPI_BASE, collection: 0 },
          { cmd: 'INT', device: g.r.small(63) + 1000, event: 0 },
          { cmd: 'MOVI', device: 0, event: 0, collection: 0xfff },
        ])], n);
        return;
      case 2: // GITS_CWRITER beyond the queue or misaligned
        g.mmioW(cpu, 'gits', n, GITS.CWRITER, 64, g.r.pick([0x10000, 0x20000, 0x8, 0xffe0, 0x10020]));
        return;
      case 3: // writes to read-only / reserved ITS registers, BASER rewritten while enabled
        g.mmioW(cpu, 'gits', n, g.r.pick([GITS.TYPER, GITS.CREADR, GITS.IIDR, 0x200, GITS.BASER + 0x10]), 64, g.r.u32());
        return;
      case 4: { // corrupt a table (device, collection, an ITT), then restore (host) or migrate
        // Without host ops nothing restores from the tables: a write there would only exercise
        // the UNPREDICTABLE of writing memory the ITS owns
        if (!g.host) {
          g.mmioW(cpu, 'gits', n, GITS.CWRITER, 64, g.r.pick([0x10000, 0x20000, 0x8, 0xffe0, 0x10020]));
          return;
        }
        const devs = [...g.st.its[n]!.devices.values()];
        const table = g.r.pick([bootDeviceTable(n), bootCollectionTable(n), devs.length ? g.r.pick(devs).itt : bootDeviceTable(n)]);
        g.ops.push({ op: 'mem.write', addr: toHex(table + 8 * g.r.small(63)), bytes: [0, 1, 2, 3, 4, 5, 6, 7].map(() => g.r.int(256).toString(16).padStart(2, '0')).join('') });
        if (g.host && g.r.chance(0.7)) {
          g.ops.push({ op: 'kvm.device_attr', device: 'its', index: n, group: 'CTRL', attr: 'ITS_RESTORE_TABLES', access: 'set' });
        } else if (g.host) {
          g.ops.push({ op: 'migrate' });
        }
        return;
      }
      default: { // a burst of SYNCs; a near-full one (the queue holds 2048) makes the harness wrap it
        const length = g.r.chance(0.3) ? g.r.range(1900, 2047) : g.r.range(64, 300);
        g.its(Array.from({ length }, () => ({ cmd: 'SYNC' as const, target: g.cpu() })) as [ItsCommand, ...ItsCommand[]], n);
      }
    }
  },
};

/**
 * One command with exactly one thing wrong: a DeviceID, EventID or ICID beyond what GITS_TYPER
 * allows, an unmapped device, event or collection, a target that is no PE.
 */
function erroneousCommand(g: Gen, n: number): ItsCommand {
  const its = g.st.its[n]!;
  const devs = [...its.devices.keys()];
  const cols = [...its.collections.keys()];
  const mappedDev = devs.length ? g.r.pick(devs) : 0;
  const evs = devs.length ? [...its.devices.get(mappedDev)!.events.keys()] : [];
  const goodEvent = evs.length ? g.r.pick(evs) : 0;
  const goodCol = cols.length ? g.r.pick(cols) : 0;
  const badWhat = g.r.pick(['device-oor', 'device-unmapped', 'event-oor', 'event-unmapped', 'collection-oor', 'collection-unmapped'] as const);
  let device = mappedDev;
  let event = goodEvent;
  let collection = goodCol;
  if (badWhat === 'device-oor') device = 2 ** ITS_DEVID_BITS + g.r.small(15);
  if (badWhat === 'device-unmapped') device = 200 + g.r.small(50);
  if (badWhat === 'event-oor') event = 2 ** ((its.devices.get(mappedDev)?.size ?? 15) + 1) + g.r.small(3);
  if (badWhat === 'event-unmapped') event = 0x300 + g.r.small(15);
  if (badWhat === 'collection-oor') collection = 0x10000 - 1 - g.r.small(3);
  if (badWhat === 'collection-unmapped') collection = 100 + g.r.small(20);
  const kind = g.r.pick(['MAPTI', 'MAPI', 'MOVI', 'INT', 'CLEAR', 'DISCARD', 'INV', 'INVALL', 'MOVALL', 'MAPC', 'MAPD'] as const);
  switch (kind) {
    case 'MAPTI': return { cmd: 'MAPTI', device, event, intid: g.r.chance(0.3) ? g.r.pick([0, 8191, 0x10000]) : LPI_BASE + g.r.small(LPI_SPAN - 1), collection };
    case 'MAPI': return { cmd: 'MAPI', device, event: event < LPI_BASE ? LPI_BASE + event : event, collection };
    case 'MOVI': return { cmd: 'MOVI', device, event, collection };
    case 'INVALL': return { cmd: 'INVALL', collection };
    case 'MOVALL': return { cmd: 'MOVALL', from: g.r.chance(0.5) ? g.config.vcpus + g.r.int(4) : 0, to: g.config.vcpus + g.r.int(4) };
    case 'MAPC': return { cmd: 'MAPC', collection, target: g.r.chance(0.5) ? g.config.vcpus + g.r.int(4) : g.cpu(), valid: g.r.chance(0.7) };
    case 'MAPD': return { cmd: 'MAPD', device, size: g.r.chance(0.5) ? g.r.range(16, 31) : 3, itt: toHex(g.st.alloc(256)), valid: g.r.chance(0.5) };
    default: return { cmd: kind, device, event };
  }
}

export const MALFORMED_ACTIONS: readonly MalformedAction[] = [readOnlyWrite, reservedOffset, cpuifBadIntid, sgiNoTarget, lpiBaseRewrite, badIoctl, badIts];
