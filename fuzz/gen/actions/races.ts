// Races around the ITS and LPI lifetime (docs/scenario-format.md, "Concurrent ops"): an MSI from
// a host thread at the same time as a vCPU's DISCARD, MAPTI, MOVALL or INV, or as a redistributor's
// EnableLPIs going off; sometimes a second MSI and the target vCPU's acknowledge join in. These are
// the paths where KVM's translation cache and LPI release run concurrently with command handling.
import { toHex } from '../../../spec/hex.js';
import { BOOT_PROPBASE, itsTranslater } from '../../../spec/layout.js';
import type { Op } from '../../../spec/scenario.js';
import { GICR } from '../../../triage/regs.js';
import type { Action } from '../action.js';
import type { Gen } from '../gen.js';
import { LPI_BASE, LPI_SPAN, type LpiRef } from '../state.js';

function msiOf(ref: LpiRef, event = ref.event): Op {
  return { op: 'kvm.signal_msi', address: toHex(itsTranslater(ref.its)), data: event, devid: ref.device, flags: 1 };
}

/** A vCPU other than `not` (there are at least two). */
function otherCpu(g: Gen, not: number): number {
  const c = g.r.int(g.config.vcpus - 1);
  return c >= not ? c + 1 : c;
}

const raceLpiLifetime: Action = {
  name: 'raceLpiLifetime', family: 'races', host: true, weight: 2,
  applies: (g) => g.config.its > 0 && g.config.vcpus >= 2 && g.st.mappedEvents().length > 0,
  emit: (g) => {
    const ref = g.pickEvent()!;
    const its = g.st.its[ref.its]!;
    const dev = its.devices.get(ref.device)!;
    const ev = g.st.eventOf(ref)!;
    const target = its.collections.get(ev.collection) ?? 0;
    const actor = otherCpu(g, target);
    let intid = ev.intid;
    const ok = g.group(() => {
      switch (g.r.int(5)) {
        case 0: // the event's mapping and pending state go while its MSI arrives
          g.ops.push(msiOf(ref));
          g.its([{ cmd: 'DISCARD', device: ref.device, event: ref.event }, { cmd: 'SYNC', target }], ref.its, actor);
          g.st.lpis.delete(ev.intid);
          dev.events.delete(ref.event);
          break;
        case 1: { // a new event of the device is mapped while its MSI arrives
          const event = g.r.small(2 ** (dev.size + 1) - 1);
          if (dev.events.has(event)) return;
          intid = LPI_BASE + g.r.small(LPI_SPAN - 1);
          g.its([{ cmd: 'MAPTI', device: ref.device, event, intid, collection: ev.collection }, { cmd: 'INV', device: ref.device, event }, { cmd: 'SYNC', target }], ref.its, actor);
          g.ops.push(msiOf(ref, event));
          if (!g.st.lpis.has(intid)) {
            dev.events.set(event, { intid, collection: ev.collection });
            g.st.lpis.set(intid, { its: ref.its, device: ref.device, event });
          }
          break;
        }
        case 2: { // every collection of the target moves to the acting vCPU while the MSI arrives
          g.ops.push(msiOf(ref));
          g.its([{ cmd: 'MOVALL', from: target, to: actor }, { cmd: 'SYNC', target: actor }], ref.its, actor);
          for (const [icid, t] of its.collections) if (t === target) its.collections.set(icid, actor);
          break;
        }
        case 3: // the target's LPIs are switched off while the MSI arrives
          g.ops.push(msiOf(ref));
          g.mmioW(actor, 'gicr', target, GICR.CTLR, 32, 0);
          break;
        default: { // the property byte changes and is invalidated while the MSI arrives
          const prop = g.r.pick([0xa3, 0xa2, 0x53]);
          g.ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + intid - LPI_BASE), bytes: prop.toString(16) });
          g.its([{ cmd: 'INV', device: ref.device, event: ref.event }, { cmd: 'SYNC', target }], ref.its, actor);
          g.ops.push(msiOf(ref));
          break;
        }
      }
      // more racers: a second MSI (a storm from another host thread), the target acknowledging
      if (g.r.chance(0.3)) g.ops.push(msiOf(ref));
      if (g.r.chance(0.5)) g.ops.push({ op: 'sysreg.read', cpu: target, reg: 'ICC_IAR1_EL1' });
    });
    if (!ok) return false;
    g.st.noteRecent(target, intid);
    // after the race: LPIs that went off come back on, and the target looks
    const last = g.ops[g.ops.length - 1]!;
    if (last.op === 'group' && last.ops.some((m) => m.op === 'mmio.write' && m.frame === 'gicr')) g.mmioW(actor, 'gicr', target, GICR.CTLR, 32, 1);
    if (g.r.chance(0.5)) g.ops.push({ op: 'sysreg.read', cpu: target, reg: 'ICC_IAR1_EL1' });
    return true;
  },
};

export const RACE_ACTIONS: readonly Action[] = [raceLpiLifetime];
