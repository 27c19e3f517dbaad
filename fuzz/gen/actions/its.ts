// Actions on LPIs and the ITS (Arm IHI 0069, chapters on LPIs and the ITS): property bytes,
// command queue (MAPD/MAPC/MAPTI/MAPI, INT, INV/INVALL, MOVI/MOVALL, DISCARD/CLEAR, SYNC,
// unmaps), reads of the pending and property tables, and the LPI and ITS switches.
import { toHex } from '../../../spec/hex.js';
import { BOOT_PROPBASE, bootPendBase } from '../../../spec/layout.js';
import type { ItsCommand } from '../../../spec/scenario.js';
import { GICD, GICR, GITS } from '../../../triage/regs.js';
import type { Action } from '../action.js';
import type { Gen } from '../gen.js';
import { ITT_ENTRY_BYTES, LPI_BASE, LPI_SPAN } from '../state.js';

const hasIts = (g: Gen): boolean => g.config.its > 0;
const hasEvents = (g: Gen): boolean => g.st.mappedEvents().length > 0;

/** Property byte: priority [7:2], bit 1 RES1, Enable bit 0. */
const lpiProp: Action = {
  name: 'lpiProp', family: 'its', host: false, weight: 10, applies: hasIts,
  emit: (g) => {
    const id = g.lpiId();
    const prio = g.r.pick([0x20, 0x80, 0xa0, 0xa0, 0xc0]);
    const enable = g.r.chance(0.8) ? 1 : 0;
    g.ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + (id - LPI_BASE)), bytes: ((prio & 0xfc) | 2 | enable).toString(16).padStart(2, '0') });
    g.st.dirtyProps.add(id);
    // INV right after a property write is what a driver does; sometimes it forgets (a cached
    // configuration may then stay in use)
    const ref = g.st.lpis.get(id);
    if (ref && g.r.chance(0.6)) {
      g.its([{ cmd: 'INV', device: ref.device, event: ref.event }, { cmd: 'SYNC', target: g.syncTarget(ref) }], ref.its);
      g.st.dirtyProps.delete(id);
    }
    return true;
  },
};

const itsMap: Action = {
  name: 'itsMap', family: 'its', host: false, weight: 16, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const its = g.st.its[n]!;
    const cmds: ItsCommand[] = [];
    // a collection for a vCPU (few collections, so they get reused)
    if (!its.collections.size || g.r.chance(0.3)) {
      const icid = g.r.small(Math.min(15, g.config.vcpus + 2));
      const target = g.cpu();
      cmds.push({ cmd: 'MAPC', collection: icid, target, valid: true });
      its.collections.set(icid, target);
    }
    // a device
    let devid: number;
    if (!its.devices.size || g.r.chance(0.3)) {
      devid = g.r.small(63);
      const size = g.r.pick([1, 3, 4, 7, 7]); // EventID bits - 1
      const itt = g.st.alloc(2 ** (size + 1) * ITT_ENTRY_BYTES);
      cmds.push({ cmd: 'MAPD', device: devid, size, itt: toHex(itt), valid: true });
      // MAPD V=1 on a mapped device drops its ITEs in KVM (vgic_its_cmd_handle_mapd): forget them
      const old = its.devices.get(devid);
      if (old) for (const ev of old.events.values()) g.st.lpis.delete(ev.intid);
      its.devices.set(devid, { size, itt, events: new Map() });
    } else {
      devid = g.r.pick([...its.devices.keys()]);
    }
    const dev = its.devices.get(devid)!;
    const cols = [...its.collections.keys()];
    const nev = g.r.range(1, 3);
    for (let k = 0; k < nev; k++) {
      const event = g.r.small(2 ** (dev.size + 1) - 1);
      const collection = g.r.pick(cols);
      let intid: number;
      if (g.r.chance(0.15)) {
        cmds.push({ cmd: 'MAPI', device: devid, event, collection });
        intid = event; // MAPI: pINTID := EventID (< 8192: an error the oracle judges)
      } else {
        intid = LPI_BASE + g.r.small(LPI_SPAN - 1);
        cmds.push({ cmd: 'MAPTI', device: devid, event, intid, collection });
      }
      if (!dev.events.has(event) && intid >= LPI_BASE) {
        dev.events.set(event, { intid, collection });
        g.st.lpis.set(intid, { its: n, device: devid, event });
      }
    }
    // enable the LPIs in the property table first sometimes (a guest does that before MAPTI)
    if (g.r.chance(0.5)) {
      const ev = [...dev.events.values()];
      if (ev.length) {
        const intid = g.r.pick(ev).intid;
        g.ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + (intid - LPI_BASE)), bytes: 'a3' });
      }
    }
    if (g.r.chance(0.7)) cmds.push({ cmd: 'SYNC', target: g.cpu() });
    g.its(cmds, n);
    return true;
  },
};

const itsInt: Action = {
  name: 'itsInt', family: 'its', host: false, weight: 12, applies: hasEvents,
  emit: (g) => {
    const ref = g.pickEvent()!;
    const cmds: ItsCommand[] = [];
    const times = g.r.chance(0.2) ? g.r.range(2, 6) : 1;
    for (let k = 0; k < times; k++) cmds.push({ cmd: 'INT', device: ref.device, event: ref.event });
    g.its(cmds, ref.its);
    g.lpiSignalled(ref);
    return true;
  },
};

const itsInv: Action = {
  name: 'itsInv', family: 'its', host: false, weight: 8, applies: hasIts,
  emit: (g) => {
    const dirty = [...g.st.dirtyProps].filter((id) => g.st.lpis.has(id));
    if (dirty.length && g.r.chance(0.7)) {
      const ref = g.st.lpis.get(g.r.pick(dirty))!;
      g.its([{ cmd: 'INV', device: ref.device, event: ref.event }], ref.its);
      g.st.dirtyProps.delete(g.st.eventOf(ref)?.intid ?? -1);
      return true;
    }
    const n = g.r.int(g.config.its);
    const cols = [...g.st.its[n]!.collections.keys()];
    const collection = cols.length ? g.r.pick(cols) : g.r.small(7);
    g.its([{ cmd: 'INVALL', collection }, { cmd: 'SYNC', target: g.st.its[n]!.collections.get(collection) ?? 0 }], n);
    g.st.dirtyProps.clear();
    return true;
  },
};

/** MOVI of a (likely pending) event, or MOVALL between redistributors. */
const itsMove: Action = {
  name: 'itsMove', family: 'its', host: false, weight: 8, applies: hasEvents,
  emit: (g) => {
    const ref = g.pickEvent()!;
    const its = g.st.its[ref.its]!;
    const cols = [...its.collections.keys()];
    if (cols.length && g.r.chance(0.75)) {
      const collection = g.r.pick(cols);
      // make it pending first, then move it: the interesting case (MOVI of a pending LPI)
      const cmds: ItsCommand[] = [];
      if (g.r.chance(0.6)) cmds.push({ cmd: 'INT', device: ref.device, event: ref.event });
      cmds.push({ cmd: 'MOVI', device: ref.device, event: ref.event, collection });
      if (g.r.chance(0.6)) cmds.push({ cmd: 'SYNC', target: its.collections.get(collection) ?? 0 });
      g.its(cmds, ref.its);
      const ev = g.st.eventOf(ref)!;
      ev.collection = collection;
      const t = its.collections.get(collection);
      if (t !== undefined) g.st.noteRecent(t, ev.intid);
    } else {
      const from = g.cpu();
      const to = g.cpu();
      g.its([{ cmd: 'MOVALL', from, to }, { cmd: 'SYNC', target: to }], ref.its);
      for (const [icid, t] of its.collections) if (t === from) its.collections.set(icid, to);
    }
    return true;
  },
};

const itsDiscardClear: Action = {
  name: 'itsDiscardClear', family: 'its', host: false, weight: 6, applies: hasEvents,
  emit: (g) => {
    const ref = g.pickEvent()!;
    const kind = g.r.chance(0.5) ? 'CLEAR' : 'DISCARD';
    const cmds: ItsCommand[] = [];
    if (g.r.chance(0.5)) cmds.push({ cmd: 'INT', device: ref.device, event: ref.event });
    cmds.push({ cmd: kind, device: ref.device, event: ref.event });
    g.its(cmds, ref.its);
    if (kind === 'DISCARD') {
      const dev = g.st.its[ref.its]!.devices.get(ref.device)!;
      const ev = dev.events.get(ref.event);
      if (ev) g.st.lpis.delete(ev.intid);
      dev.events.delete(ref.event);
    }
    return true;
  },
};

const itsSync: Action = {
  name: 'itsSync', family: 'its', host: false, weight: 4, applies: hasIts,
  emit: (g) => {
    g.its([{ cmd: 'SYNC', target: g.r.chance(0.9) ? g.cpu() : g.config.vcpus + g.r.int(3) }], g.r.int(g.config.its));
    return true;
  },
};

const itsUnmap: Action = {
  name: 'itsUnmap', family: 'its', host: false, weight: 2, applies: hasIts,
  emit: (g) => {
    const n = g.r.int(g.config.its);
    const its = g.st.its[n]!;
    if (g.r.chance(0.5) && its.devices.size) {
      const device = g.r.pick([...its.devices.keys()]);
      g.its([{ cmd: 'MAPD', device, size: 0, itt: '0x0', valid: false }], n);
      for (const ev of its.devices.get(device)!.events.values()) g.st.lpis.delete(ev.intid);
      its.devices.delete(device);
    } else if (its.collections.size) {
      const collection = g.r.pick([...its.collections.keys()]);
      g.its([{ cmd: 'MAPC', collection, target: 0, valid: false }], n);
      its.collections.delete(collection);
    } else return false;
    return true;
  },
};

const memRead: Action = {
  name: 'memRead', family: 'its', host: false, weight: 2,
  emit: (g) => {
    if (g.config.its && g.r.chance(0.7)) {
      // the pending table of a vCPU: one bit per INTID; LPIs start at byte 1024
      const c = g.cpu();
      g.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(c) + LPI_BASE / 8), len: LPI_SPAN / 8 });
    } else {
      g.ops.push({ op: 'mem.read', addr: toHex(BOOT_PROPBASE), len: g.r.pick([4, 16, 64]) });
    }
    return true;
  },
};

/**
 * Switches and direct LPI maintenance: GICR_CTLR.EnableLPIs off/on, GITS_CTLR disable/enable
 * (commands queued while disabled), GICR_INVLPIR / INVALLR / SYNCR, the ITS's read-only
 * identification and Quiescent bit.
 */
const lpiCtl: Action = {
  name: 'lpiCtl', family: 'its', host: false, weight: 4, applies: hasIts,
  emit: (g) => {
    const cpu = g.cpu();
    const n = g.r.int(g.config.its);
    switch (g.r.int(6)) {
      case 0: {
        const rd = g.cpu();
        g.mmioW(cpu, 'gicr', rd, GICR.CTLR, 32, 0);
        if (g.r.chance(0.5)) g.run('itsMove') || g.run('itsInt');
        g.mmioW(cpu, 'gicr', rd, GICR.CTLR, 32, 1);
        return true;
      }
      case 1: {
        // disable the ITS, queue commands, enable it again
        g.mmioW(cpu, 'gits', n, GITS.CTLR, 32, 0);
        g.mmioR(cpu, 'gits', n, GITS.CTLR, 32);
        if (g.r.chance(0.7)) g.run('itsInt') || g.run('itsMap');
        if (g.host && g.r.chance(0.5)) g.run('msi');
        g.mmioW(cpu, 'gits', n, GITS.CTLR, 32, 1);
        return true;
      }
      case 2:
        g.mmioW(cpu, 'gicr', g.cpu(), GICR.INVLPIR, 64, g.lpiId());
        return true;
      case 3:
        g.mmioW(cpu, 'gicr', g.cpu(), GICR.INVALLR, 64, 0);
        g.mmioR(cpu, 'gicr', g.cpu(), GICR.SYNCR, 32);
        return true;
      case 4:
        g.mmioR(cpu, 'gits', n, g.r.pick([GITS.IIDR, GITS.PIDR2, GITS.TYPER, GITS.CREADR]), 32);
        if (g.r.chance(0.3)) {
          // a CPU writing GITS_TRANSLATER itself (KVM ignores such a write), or the direct LPI
          // registers GICR_SETLPIR / CLRLPIR
          const ref = g.pickEvent();
          if (ref && g.r.chance(0.5)) g.mmioW(cpu, 'gits', ref.its, GITS.TRANSLATER, 32, ref.event);
          else g.mmioW(cpu, 'gicr', g.cpu(), g.r.chance(0.5) ? GICR.SETLPIR : GICR.CLRLPIR, 64, g.lpiId());
        }
        return true;
      default:
        g.mmioR(cpu, 'gicd', undefined, g.r.pick([GICD.PIDR2, GICD.TYPER, GICD.CTLR]), 32);
        g.mmioR(cpu, 'gicr', g.cpu(), g.r.pick([GICR.TYPER, GICR.TYPER + 4]), 32);
        return true;
    }
  },
};

export const ITS_ACTIONS: readonly Action[] = [lpiProp, itsMap, itsInt, itsInv, itsMove, itsDiscardClear, itsSync, itsUnmap, memRead, lpiCtl];
