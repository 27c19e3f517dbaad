// Register offsets the generator programs and the names findings use for MMIO registers, both
// from the register maps in spec/data/registers (spec/codec/registers.ts). A banked register
// (one bit, byte or doubleword per INTID) has one name whatever its index ("GICD_ISENABLER"), so
// a signature does not depend on which INTID a seed happened to use.
import type { Frame } from '../spec/scenario.js';
import { lookupRegister, requireRegister } from '../spec/codec/registers.js';

/** Offset of register 0 of a (banked) register, by its architectural name. */
function at(name: string): number {
  return requireRegister(name).reg.offset;
}

export const GICD = {
  CTLR: at('GICD_CTLR'), TYPER: at('GICD_TYPER'), IIDR: at('GICD_IIDR'), PIDR2: at('GICD_PIDR2'),
  SETSPI_NSR: at('GICD_SETSPI_NSR'), CLRSPI_NSR: at('GICD_CLRSPI_NSR'),
  IGROUPR: at('GICD_IGROUPR<n>'), ISENABLER: at('GICD_ISENABLER<n>'), ICENABLER: at('GICD_ICENABLER<n>'),
  ISPENDR: at('GICD_ISPENDR<n>'), ICPENDR: at('GICD_ICPENDR<n>'), ISACTIVER: at('GICD_ISACTIVER<n>'),
  ICACTIVER: at('GICD_ICACTIVER<n>'), IPRIORITYR: at('GICD_IPRIORITYR<n>'), ICFGR: at('GICD_ICFGR<n>'),
  IROUTER: at('GICD_IROUTER<n>'),
} as const;
export const GICR = {
  CTLR: at('GICR_CTLR'), IIDR: at('GICR_IIDR'), TYPER: at('GICR_TYPER'), WAKER: at('GICR_WAKER'),
  PROPBASER: at('GICR_PROPBASER'), PENDBASER: at('GICR_PENDBASER'), INVLPIR: at('GICR_INVLPIR'), INVALLR: at('GICR_INVALLR'),
  SETLPIR: at('GICR_SETLPIR'), CLRLPIR: at('GICR_CLRLPIR'),
  SYNCR: at('GICR_SYNCR'),
} as const;
/** SGI_base frame: the per-PE copies of the GICD registers for INTIDs 0..31 */
export const GICR_SGI = {
  IGROUPR0: at('GICR_IGROUPR0'), ISENABLER0: at('GICR_ISENABLER0'), ICENABLER0: at('GICR_ICENABLER0'), ISPENDR0: at('GICR_ISPENDR0'),
  ICPENDR0: at('GICR_ICPENDR0'), ISACTIVER0: at('GICR_ISACTIVER0'), ICACTIVER0: at('GICR_ICACTIVER0'), IPRIORITYR: at('GICR_IPRIORITYR<n>'), ICFGR0: at('GICR_ICFGR0'), ICFGR1: at('GICR_ICFGR1'),
} as const;
export const GITS = {
  CTLR: at('GITS_CTLR'), IIDR: at('GITS_IIDR'), TYPER: at('GITS_TYPER'), CBASER: at('GITS_CBASER'),
  CWRITER: at('GITS_CWRITER'), CREADR: at('GITS_CREADR'), BASER: at('GITS_BASER<n>'), PIDR2: at('GITS_PIDR2'),
  TRANSLATER: at('GITS_TRANSLATER'),
} as const;

/** A stable register name for an MMIO access ("GICD_ISENABLER", "GITS_CWRITER", "GICD_reserved"). */
export function mmioRegisterName(frame: Frame, offset: number): string {
  const hit = lookupRegister(frame, offset);
  if (hit) return hit.reg.name.replace('<n>', '');
  return `${frame === 'gicd' ? 'GICD' : frame === 'gits' ? 'GITS' : frame === 'gicr' ? 'GICR' : 'GICR_SGI'}_reserved`;
}
