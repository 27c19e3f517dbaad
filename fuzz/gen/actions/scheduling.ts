// Actions of the scheduler: a vCPU run on a physical CPU, exiting to the host, put (scheduled
// out), waiting in WFI, and the whole VM migrated (saved and restored).
import type { Action } from '../action.js';

const sched: Action = {
  name: 'sched', family: 'scheduling', host: true, weight: 10,
  emit: (g) => {
    const cpu = g.cpu();
    if (g.st.running[cpu]! < 0 || g.r.chance(0.3)) {
      const pcpu = g.r.int(g.config.impl.pcpus);
      g.ops.push({ op: 'vcpu.run', cpu, pcpu });
      g.st.running[cpu] = pcpu;
    } else if (g.r.chance(0.5)) {
      g.ops.push({ op: 'vcpu.put', cpu });
      g.st.running[cpu] = -1;
    } else {
      g.ops.push({ op: 'vcpu.exit', cpu });
    }
    return true;
  },
};

const wfi: Action = {
  name: 'wfi', family: 'scheduling', host: false, weight: 6,
  emit: (g) => {
    g.wfi(g.cpu());
    return true;
  },
};

const migrate: Action = {
  name: 'migrate', family: 'scheduling', host: true, weight: 1.2,
  emit: (g) => {
    // a second round in a row saves what the first restored: little new, and the costliest op
    if (g.ops[g.ops.length - 1]?.op === 'migrate') return false;
    g.ops.push({ op: 'migrate' });
    return true;
  },
};

export const SCHEDULING_ACTIONS: readonly Action[] = [sched, wfi, migrate];
