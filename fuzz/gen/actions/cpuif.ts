// Actions on the CPU interface (ICC_* system registers; Arm IHI 0069, chapter 12): SGIs,
// acknowledge, EOI and DIR, reads of the running priority and pending state, and the control
// registers a guest writes.
import { toHex } from '../../../spec/hex.js';
import { vcpuAffinity } from '../../../spec/layout.js';
import type { Action } from '../action.js';
import { LPI_BASE, SPURIOUS } from '../state.js';

/** ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 with every targeting form. */
const sgi: Action = {
  name: 'sgi', family: 'cpuif', host: false, weight: 6,
  emit: (g) => {
    const from = g.cpu();
    const intid = g.r.int(16);
    let v = BigInt(intid) << 24n;
    const form = g.r.int(6);
    const targets: number[] = [];
    if (form === 0) {
      v |= 1n << 40n; // IRM: every PE but the sender
      for (let c = 0; c < g.config.vcpus; c++) if (c !== from) targets.push(c);
    } else if (form === 1 && g.config.vcpus > 16) {
      // a vCPU in another Aff1 group
      const t = 16 + g.r.int(g.config.vcpus - 16);
      const a = vcpuAffinity(t);
      v |= (BigInt(a.aff1) << 16n) | (1n << BigInt(a.aff0));
      targets.push(t);
    } else if (form === 2) {
      v |= BigInt(g.r.int(0x10000)); // any target list in Aff1 = 0, some targets may not exist
      for (let c = 0; c < Math.min(16, g.config.vcpus); c++) if ((v >> BigInt(c)) & 1n) targets.push(c);
    } else if (form === 3 && g.r.chance(0.3)) {
      v |= (BigInt(g.r.range(1, 15)) << 44n) | 1n; // RS != 0: no PE has Aff0 >= 16
    } else {
      const t = g.cpu();
      const a = vcpuAffinity(t);
      v |= (BigInt(a.aff1) << 16n) | (1n << BigInt(a.aff0));
      targets.push(t);
    }
    const reg = g.r.chance(0.85) ? 'ICC_SGI1R_EL1' : g.r.pick(['ICC_ASGI1R_EL1', 'ICC_SGI0R_EL1'] as const);
    g.ops.push({ op: 'sysreg.write', cpu: from, reg, value: toHex(v) });
    for (const t of targets) g.st.noteRecent(t, intid);
    if (targets.length) g.inFlight(targets[0]);
    return true;
  },
};

/** Acknowledge on a vCPU that likely has something pending. */
const ack: Action = {
  name: 'ack', family: 'cpuif', host: false, weight: 14,
  emit: (g) => {
    const withRecent = g.st.recent.map((r, c) => (r.length ? c : -1)).filter((c) => c >= 0);
    const cpu = withRecent.length && g.r.chance(0.8) ? g.r.pick(withRecent) : g.cpu();
    const reg = g.r.chance(0.92) ? 'ICC_IAR1_EL1' : 'ICC_IAR0_EL1';
    g.ops.push({ op: 'sysreg.read', cpu, reg });
    const recent = g.st.recent[cpu]!;
    if (reg === 'ICC_IAR1_EL1' && recent.length) {
      // guess: the acknowledged one is among the recent ones; EOI will use it
      const id = recent.splice(g.r.int(recent.length), 1)[0]!;
      g.st.acked[cpu]!.push(id);
    }
    return true;
  },
};

const eoi: Action = {
  name: 'eoi', family: 'cpuif', host: false, weight: 10,
  emit: (g) => {
    const cands = g.st.acked.map((a, c) => (a.length ? c : -1)).filter((c) => c >= 0);
    const cpu = cands.length ? g.r.pick(cands) : g.cpu();
    const stack = g.st.acked[cpu]!;
    let id: number;
    if (stack.length && g.r.chance(0.85)) {
      // mostly in order (last acked first), sometimes out of order
      id = g.r.chance(0.8) ? stack.pop()! : stack.splice(g.r.int(stack.length), 1)[0]!;
    } else {
      id = g.r.chance(0.5) ? SPURIOUS : g.r.pick([0, 1, 27, 32, LPI_BASE]);
    }
    const reg = g.r.chance(0.95) ? 'ICC_EOIR1_EL1' : 'ICC_EOIR0_EL1';
    g.ops.push({ op: 'sysreg.write', cpu, reg, value: toHex(id) });
    if (g.st.eoiMode[cpu] === 1 && id !== SPURIOUS) g.st.needDir[cpu]!.push(id);
    return true;
  },
};

const dir: Action = {
  name: 'dir', family: 'cpuif', host: false, weight: 3,
  emit: (g) => {
    const cands = g.st.needDir.map((a, c) => (a.length ? c : -1)).filter((c) => c >= 0);
    if (!cands.length && !g.r.chance(0.2)) return false;
    const cpu = cands.length ? g.r.pick(cands) : g.cpu();
    const list = g.st.needDir[cpu]!;
    const id = list.length ? list.splice(g.r.int(list.length), 1)[0]! : g.r.pick([SPURIOUS, 32, 0]);
    g.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_DIR_EL1', value: toHex(id) });
    return true;
  },
};

const cpuifRead: Action = {
  name: 'cpuifRead', family: 'cpuif', host: false, weight: 5,
  emit: (g) => {
    const cpu = g.cpu();
    const reg = g.r.pick([
      'ICC_HPPIR1_EL1', 'ICC_HPPIR1_EL1', 'ICC_RPR_EL1', 'ICC_RPR_EL1', 'ICC_AP1R0_EL1', 'ISR_EL1', 'ISR_EL1', 'ICC_PMR_EL1',
      'ICC_BPR1_EL1', 'ICC_CTLR_EL1', 'ICC_IGRPEN1_EL1', 'ICC_HPPIR0_EL1', 'ICC_BPR0_EL1', 'ICC_SRE_EL1', 'ICC_AP0R0_EL1',
      'ICC_IGRPEN0_EL1', 'ICC_AP1R1_EL1',
    ] as const);
    g.ops.push({ op: 'sysreg.read', cpu, reg });
    return true;
  },
};

const cpuifWrite: Action = {
  name: 'cpuifWrite', family: 'cpuif', host: false, weight: 3,
  emit: (g) => {
    const cpu = g.cpu();
    switch (g.r.int(5)) {
      case 0:
        g.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_PMR_EL1', value: toHex(g.r.pick([0x00, 0x40, 0x80, 0xa0, 0xf0, 0xff])) });
        break;
      case 1:
        g.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_BPR1_EL1', value: toHex(g.r.range(0, 7)) });
        break;
      case 2: {
        // EOImode toggle (ICC_CTLR_EL1.EOImode is bit 1)
        const m = g.st.eoiMode[cpu] ? 0 : 1;
        g.st.eoiMode[cpu] = m;
        g.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_CTLR_EL1', value: toHex(m << 1) });
        break;
      }
      case 3:
        g.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_IGRPEN1_EL1', value: toHex(g.r.chance(0.8) ? 1 : 0) });
        break;
      default:
        g.ops.push({ op: 'sysreg.write', cpu, reg: g.r.pick(['ICC_AP1R0_EL1', 'ICC_BPR0_EL1', 'ICC_IGRPEN0_EL1'] as const), value: toHex(g.r.pick([0, 1, 0x80000000])) });
    }
    return true;
  },
};

export const CPUIF_ACTIONS: readonly Action[] = [sgi, ack, eoi, dir, cpuifRead, cpuifWrite];
