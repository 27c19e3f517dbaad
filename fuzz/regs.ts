// Register offsets the generator programs and the names findings use for MMIO registers
// (gic-arch.md 4.1 GICD, 4.2 GICR RD_base / SGI_base, 5.1 GITS). A register array (one bit, byte
// or doubleword per INTID) has one name whatever the index, so a signature does not depend on
// which INTID a seed happened to use.
import type { Frame } from '../spec/scenario.js';
import { GITS_TRANSLATER_OFFSET } from '../spec/layout.js';

export const GICD = {
  CTLR: 0x0, TYPER: 0x4, IIDR: 0x8, TYPER2: 0xc, STATUSR: 0x10, SETSPI_NSR: 0x40, CLRSPI_NSR: 0x48,
  IGROUPR: 0x80, ISENABLER: 0x100, ICENABLER: 0x180, ISPENDR: 0x200, ICPENDR: 0x280,
  ISACTIVER: 0x300, ICACTIVER: 0x380, IPRIORITYR: 0x400, ICFGR: 0xc00, IGRPMODR: 0xd00, NSACR: 0xe00,
  IROUTER: 0x6000, PIDR2: 0xffe8,
} as const;
export const GICR = {
  CTLR: 0x0, IIDR: 0x4, TYPER: 0x8, STATUSR: 0x10, WAKER: 0x14, SETLPIR: 0x40, CLRLPIR: 0x48,
  PROPBASER: 0x70, PENDBASER: 0x78, INVLPIR: 0xa0, INVALLR: 0xb0, SYNCR: 0xc0, PIDR2: 0xffe8,
} as const;
/** SGI_base frame: the per-PE copies of the GICD registers for INTIDs 0..31 */
export const GICR_SGI = {
  IGROUPR0: 0x80, ISENABLER0: 0x100, ICENABLER0: 0x180, ISPENDR0: 0x200, ICPENDR0: 0x280,
  ISACTIVER0: 0x300, ICACTIVER0: 0x380, IPRIORITYR: 0x400, ICFGR0: 0xc00, ICFGR1: 0xc04, IGRPMODR0: 0xd00, NSACR: 0xe00,
} as const;
export const GITS = {
  CTLR: 0x0, IIDR: 0x4, TYPER: 0x8, STATUSR: 0x40, UMSIR: 0x48, CBASER: 0x80, CWRITER: 0x88, CREADR: 0x90,
  BASER: 0x100, PIDR2: 0xffe8, TRANSLATER: GITS_TRANSLATER_OFFSET,
} as const;

type Range = readonly [lo: number, end: number, name: string];
// [first offset, first offset past the array, name]
const GICD_RANGES: Range[] = [
  [0x80, 0x100, 'GICD_IGROUPR'], [0x100, 0x180, 'GICD_ISENABLER'], [0x180, 0x200, 'GICD_ICENABLER'],
  [0x200, 0x280, 'GICD_ISPENDR'], [0x280, 0x300, 'GICD_ICPENDR'], [0x300, 0x380, 'GICD_ISACTIVER'],
  [0x380, 0x400, 'GICD_ICACTIVER'], [0x400, 0x800, 'GICD_IPRIORITYR'], [0x800, 0xc00, 'GICD_ITARGETSR'],
  [0xc00, 0xd00, 'GICD_ICFGR'], [0xd00, 0xd80, 'GICD_IGRPMODR'], [0xe00, 0xf00, 'GICD_NSACR'],
  [0x6000, 0x8000, 'GICD_IROUTER'], [0xffd0, 0x10000, 'GICD_ID'],
];
const GICR_SGI_RANGES: Range[] = [[0x400, 0x420, 'GICR_IPRIORITYR']];
const GITS_RANGES: Range[] = [[0x100, 0x140, 'GITS_BASER'], [0xffd0, 0x10000, 'GITS_ID']];

function single(table: Record<string, number>, prefix: string, offset: number): string | undefined {
  for (const k in table) if (table[k] === offset) return prefix + k;
  return undefined;
}
function inRange(ranges: Range[], offset: number): string | undefined {
  for (const [lo, end, name] of ranges) if (offset >= lo && offset < end) return name;
  return undefined;
}

/** A stable register name for an MMIO access ("GICD_ISENABLER", "GITS_CWRITER", "GICR_reserved"). */
export function mmioRegisterName(frame: Frame, offset: number): string {
  switch (frame) {
    case 'gicd':
      return single(GICD, 'GICD_', offset) ?? inRange(GICD_RANGES, offset) ?? 'GICD_reserved';
    case 'gicr':
      return single(GICR, 'GICR_', offset) ?? (offset >= 0xffd0 ? 'GICR_ID' : 'GICR_reserved');
    case 'gicr-sgi':
      return single(GICR_SGI, 'GICR_', offset) ?? inRange(GICR_SGI_RANGES, offset) ?? (offset >= 0xffd0 ? 'GICR_ID' : 'GICR_SGI_reserved');
    case 'gits':
      return single(GITS, 'GITS_', offset) ?? inRange(GITS_RANGES, offset) ?? 'GITS_reserved';
  }
}
