// Actions on the distributor and the redistributors' SGI frames (Arm IHI 0069, GICD_* and
// GICR_* registers): enabling, priorities, trigger modes and routes of SPIs, PPIs and SGIs,
// pending and active bits, GICD_CTLR, and register reads.
import { vcpuAffinity } from '../../../spec/layout.js';
import { GICD, GICR, GICR_SGI, GITS } from '../../../triage/regs.js';
import type { Action } from '../action.js';

const spiConfig: Action = {
  name: 'spiConfig', family: 'distributor', host: false, weight: 6,
  emit: (g) => {
    const id = g.spi();
    const cpu = g.cpu();
    const bit = 1 << (id % 32);
    switch (g.r.int(5)) {
      case 0:
      case 1: // enable (most useful)
        g.mmioW(cpu, 'gicd', undefined, GICD.ISENABLER + 4 * (id >> 5), 32, bit >>> 0);
        g.st.enabledSpis.add(id);
        break;
      case 2:
        g.mmioW(cpu, 'gicd', undefined, GICD.ICENABLER + 4 * (id >> 5), 32, bit >>> 0);
        g.st.enabledSpis.delete(id);
        break;
      case 3: // priority byte
        g.mmioW(cpu, 'gicd', undefined, GICD.IPRIORITYR + id, 8, g.r.pick([0x00, 0x20, 0x80, 0xa0, 0xa0, 0xe0, 0xf0, 0xf8]));
        break;
      default:
        if (g.r.chance(0.5)) {
          // edge (0b10) or level (0b00) in GICD_ICFGR, 2 bits per INTID
          const edge = g.r.chance(0.5) ? 2 : 0;
          g.mmioW(cpu, 'gicd', undefined, GICD.ICFGR + 4 * (id >> 4), 32, (edge << (2 * (id % 16))) >>> 0);
          for (let k = id & ~15; k < (id & ~15) + 16; k++) g.st.edgeSpis.delete(k);
          if (edge) g.st.edgeSpis.add(id);
        } else {
          // route to a vCPU by affinity, sometimes to one that does not exist
          const target = g.r.chance(0.9) ? g.cpu() : g.config.vcpus + g.r.int(4);
          const a = vcpuAffinity(target);
          // sometimes IRM (bit 31, 1-of-N) or a nonzero Aff3 [39:32] in GICD_IROUTER
          const extra = g.r.chance(0.1) ? g.r.pick([1n << 31n, 1n << 32n]) : 0n;
          g.mmioW(cpu, 'gicd', undefined, GICD.IROUTER + 8 * id, 64, BigInt((a.aff2 << 16) | (a.aff1 << 8) | a.aff0) | extra);
        }
    }
    return true;
  },
};

const ppiSgiConfig: Action = {
  name: 'ppiSgiConfig', family: 'distributor', host: false, weight: 4,
  emit: (g) => {
    const cpu = g.cpu();
    const id = g.r.chance(0.5) ? g.r.int(16) : 16 + g.r.int(16);
    switch (g.r.int(4)) {
      case 0:
      case 1:
        g.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ISENABLER0, 32, (1 << id) >>> 0);
        break;
      case 2:
        g.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ICENABLER0, 32, (1 << id) >>> 0);
        break;
      default:
        g.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.IPRIORITYR + id, 8, g.r.pick([0x00, 0x40, 0x80, 0xa0, 0xe0]));
    }
    return true;
  },
};

const pendActive: Action = {
  name: 'pendActive', family: 'distributor', host: false, weight: 3,
  emit: (g) => {
    const cpu = g.cpu();
    const which = g.r.pick([GICD.ISPENDR, GICD.ISPENDR, GICD.ICPENDR, GICD.ISACTIVER, GICD.ICACTIVER]);
    if (g.r.chance(0.1)) {
      // message-based SPIs: GICD_SETSPI_NSR / CLRSPI_NSR take an INTID
      const id = g.spi();
      g.mmioW(cpu, 'gicd', undefined, g.r.chance(0.7) ? GICD.SETSPI_NSR : GICD.CLRSPI_NSR, 32, id);
      g.st.noteRecent(0, id);
    } else if (g.r.chance(0.6)) {
      const id = g.spi();
      g.mmioW(cpu, 'gicd', undefined, which + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
      if (which === GICD.ISPENDR) g.st.noteRecent(0, id);
    } else {
      const id = g.r.int(32);
      g.mmioW(cpu, 'gicr-sgi', cpu, which + 0, 32, (1 << id) >>> 0); // SGI_base uses the same offsets for n = 0
      if (which === GICD.ISPENDR) g.st.noteRecent(cpu, id);
    }
    return true;
  },
};

const distCtl: Action = {
  name: 'distCtl', family: 'distributor', host: false, weight: 1,
  emit: (g) => {
    // GICD_CTLR: ARE (bit 4) stays set; EnableGrp1 (bit 1) toggles
    g.mmioW(g.cpu(), 'gicd', undefined, GICD.CTLR, 32, 0x10 | (g.r.chance(0.7) ? 2 : 0));
    return true;
  },
};

const mmioRead: Action = {
  name: 'mmioRead', family: 'distributor', host: false, weight: 3,
  emit: (g) => {
    const cpu = g.cpu();
    const k = g.r.int(g.config.its ? 4 : 3);
    if (k === 0) {
      const id = g.spi();
      const reg = g.r.pick([
        [GICD.CTLR, 32], [GICD.TYPER, 32], [GICD.IIDR, 32], [GICD.ISENABLER + 4 * (id >> 5), 32], [GICD.ISPENDR + 4 * (id >> 5), 32],
        [GICD.ISACTIVER + 4 * (id >> 5), 32], [GICD.IPRIORITYR + id, 8], [GICD.ICFGR + 4 * (id >> 4), 32], [GICD.IROUTER + 8 * id, 64], [GICD.PIDR2, 32],
      ] as const);
      g.mmioR(cpu, 'gicd', undefined, reg[0], reg[1]);
    } else if (k === 1) {
      const i = g.cpu();
      const reg = g.r.pick([[GICR.CTLR, 32], [GICR.TYPER, 64], [GICR.WAKER, 32], [GICR.PROPBASER, 64], [GICR.PENDBASER, 64], [GICR.IIDR, 32], [GICR.SYNCR, 32]] as const);
      g.mmioR(cpu, 'gicr', i, reg[0], reg[1]);
    } else if (k === 2) {
      const i = g.cpu();
      const reg = g.r.pick([[GICR_SGI.ISENABLER0, 32], [GICR_SGI.ISPENDR0, 32], [GICR_SGI.ISACTIVER0, 32], [GICR_SGI.IPRIORITYR + g.r.int(32), 8], [GICR_SGI.ICFGR1, 32]] as const);
      g.mmioR(cpu, 'gicr-sgi', i, reg[0], reg[1]);
    } else {
      const n = g.r.int(g.config.its);
      const reg = g.r.pick([[GITS.CTLR, 32], [GITS.TYPER, 64], [GITS.CBASER, 64], [GITS.CWRITER, 64], [GITS.CREADR, 64], [GITS.BASER, 64], [GITS.BASER + 8, 64], [GITS.IIDR, 32]] as const);
      g.mmioR(cpu, 'gits', n, reg[0], reg[1]);
    }
    return true;
  },
};

/**
 * Trigger configuration and the distributor's copies of the private INTIDs: GICR_ICFGR1 (whether a
 * PPI's trigger is programmable is IMPLEMENTATION DEFINED), GICR_ICFGR0 (SGIs are always edge),
 * and GICD registers of INTIDs 0-31, RAZ/WI under affinity routing (the redistributor holds them).
 */
const privateConfig: Action = {
  name: 'privateConfig', family: 'distributor', host: false, weight: 1,
  emit: (g) => {
    const cpu = g.cpu();
    switch (g.r.int(3)) {
      case 0:
        g.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ICFGR1, 32, g.r.pick([0, 0xaaaaaaaa, (2 << (2 * g.r.int(16))) >>> 0]));
        g.mmioR(cpu, 'gicr-sgi', cpu, GICR_SGI.ICFGR1, 32);
        break;
      case 1:
        g.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ICFGR0, 32, g.r.pick([0, 0x55555555]));
        g.mmioR(cpu, 'gicr-sgi', cpu, GICR_SGI.ICFGR0, 32);
        break;
      default: {
        const reg = g.r.pick([[GICD.ISENABLER, 32], [GICD.ISPENDR, 32], [GICD.IPRIORITYR + 4 * g.r.int(8), 32], [GICD.ICFGR + 4, 32]] as const);
        g.mmioW(cpu, 'gicd', undefined, reg[0], reg[1], 0xffffffff);
        g.mmioR(cpu, 'gicd', undefined, reg[0], reg[1]);
      }
    }
    return true;
  },
};

export const DISTRIBUTOR_ACTIONS: readonly Action[] = [spiConfig, ppiSgiConfig, pendActive, distCtl, mmioRead, privateConfig];
