// Which scenarios the QEMU-based targets can run, and why not when they cannot.
import type { PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { GUEST_OPS } from '../../spec/scenario.js';
import { RAM_BASE } from '../../spec/layout.js';
import { AGENT_BASE, AGENT_MAX_CPUS } from './protocol.js';
import { gicdIntidsTouched, registerOffset } from './registers.js';

/** Largest scenario RAM: everything below the agent (protocol.ts). */
export const MAX_SCENARIO_MEMORY = AGENT_BASE - RAM_BASE;

/** Why the whole config cannot run on QEMU virt, or null. */
export function configUnsupportedReason(config: ResolvedConfig): string | null {
  if (config.its > 1) return `config.its = ${config.its}: QEMU virt has one ITS`;
  if (config.vcpus > AGENT_MAX_CPUS) return `config.vcpus = ${config.vcpus}: the guest agent runs at most ${AGENT_MAX_CPUS} vCPUs`;
  if (config.memory > MAX_SCENARIO_MEMORY) {
    return `config.memory = 0x${config.memory.toString(16)}: the guest agent lives at 0x${AGENT_BASE.toString(16)}, so scenario RAM is limited to 0x${MAX_SCENARIO_MEMORY.toString(16)}`;
  }
  return null;
}

let gicdTyper: number | undefined;
let lpiRegisters: { start: number; end: number }[] | undefined;

/**
 * RD-frame registers through which a guest can tell whether LPIs exist (IHI 0069 GICR_* registers and
 * 1.5-1.6): GICR_CTLR (EnableLPIs, CES), GICR_TYPER.PLPIS, and the LPI table bases, which are
 * read/write only when LPIs exist. QEMU's virt board always implements LPIs, so with `its: 0`
 * (no LPIs, docs/scenario-format.md) these are unsupported. The direct LPI registers (SETLPIR, CLRLPIR,
 * INVLPIR, INVALLR, SYNCR) stay supported: with EnableLPIs never set they have no effect either
 * way (choice.u25.setlpir-no-effect) and SYNCR reads 0.
 */
function lpiRegisterRanges(): { start: number; end: number }[] {
  if (!lpiRegisters) {
    const regs: [string, number][] = [['GICR_CTLR', 4], ['GICR_TYPER', 8], ['GICR_PROPBASER', 8], ['GICR_PENDBASER', 8]];
    lpiRegisters = regs.map(([name, bytes]) => {
      const start = registerOffset('gicr', name);
      return { start, end: start + bytes };
    });
  }
  return lpiRegisters;
}

/**
 * Why one op cannot run, or null. Host ops (kvm.*, irqfd.*, vfio.*, device.fire, timer.line,
 * migrate) and scheduling ops have no QEMU equivalent. QEMU virt has a fixed number of SPIs
 * (`boardSpis`); when the scenario's config asks for another number, the Distributor accesses
 * that could tell the two apart (GICD_TYPER, the banked registers of the SPIs that exist on one
 * side only) are unsupported, and everything else runs. Likewise QEMU always has LPIs: with
 * `its: 0` the registers that reveal them are unsupported.
 */
export function opUnsupportedReason(op: PrimitiveOp, config: ResolvedConfig, boardSpis: number): string | null {
  const c = configUnsupportedReason(config);
  if (c) return c;
  if (!GUEST_OPS.has(op.op)) return `${op.op} is a host op; QEMU runs guest ops only`;
  if (op.op === 'its.cmd' && op.its > 0) return `its.cmd on ITS ${op.its}: QEMU virt has one ITS`;
  if ((op.op === 'mmio.read' || op.op === 'mmio.write') && op.frame === 'gits' && (op.index ?? 0) > 0) {
    return `GITS access to ITS ${op.index}: QEMU virt has one ITS`;
  }
  if ((op.op === 'mmio.read' || op.op === 'mmio.write') && op.frame === 'gicr' && config.its === 0) {
    const end = op.offset + op.width / 8;
    if (lpiRegisterRanges().some((r) => op.offset < r.end && end > r.start)) {
      return `redistributor LPI register at offset 0x${op.offset.toString(16)}: the config has no ITS and so no LPIs, but QEMU virt always implements LPIs`;
    }
  }
  if ((op.op === 'mmio.read' || op.op === 'mmio.write') && op.frame === 'gicd' && config.its === 0) {
    gicdTyper ??= registerOffset('gicd', 'GICD_TYPER');
    if (op.offset < gicdTyper + 4 && op.offset + op.width / 8 > gicdTyper) {
      return 'GICD_TYPER: the config has no ITS and so no LPIs (LPIS = 0), but QEMU virt always implements LPIs';
    }
  }
  if ((op.op === 'mmio.read' || op.op === 'mmio.write') && op.frame === 'gicd' && config.spis !== boardSpis) {
    const bytes = op.width / 8;
    gicdTyper ??= registerOffset('gicd', 'GICD_TYPER');
    if (op.offset < gicdTyper + 4 && op.offset + bytes > gicdTyper) {
      return `GICD_TYPER: the scenario has ${config.spis} SPIs, QEMU virt always has ${boardSpis}`;
    }
    const t = gicdIntidsTouched(op.offset, bytes);
    if (t) {
      const lo = 32 + Math.min(config.spis, boardSpis);
      const hi = 32 + Math.max(config.spis, boardSpis) - 1;
      if (t.hi >= lo && t.lo <= hi) {
        return `Distributor access to INTIDs ${t.lo}-${t.hi}: SPIs ${lo}-${hi} exist on only one of the scenario (${config.spis} SPIs) and QEMU virt (${boardSpis} SPIs)`;
      }
    }
  }
  return null;
}
