// Which scenarios the QEMU-based targets can run, and why not when they cannot.
import type { PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { GUEST_OPS } from '../../spec/scenario.js';
import { RAM_BASE } from '../../spec/layout.js';
import { AGENT_BASE, AGENT_MAX_CPUS } from './protocol.js';
import { gicdIntidsTouched, registerOffset } from './registers.js';
import type { QemuAccel } from './command.js';

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

/** The translation frame of an ITS frame pair (IHI 0069 5.3, ITS register map: GITS_TRANSLATER at 0x10040). */
const GITS_TRANSLATION_FRAME = 0x1_0000;

/**
 * Accesses on which QEMU's emulated GIC (TCG) makes the guest take an exception, which a scenario
 * cannot express (its results are values; docs/scenario-format.md): such ops cannot run there.
 * - the ITS control frame takes only 32- and 64-bit accesses, the translation frame only 16- and
 *   32-bit writes and, in QEMU 7.2, no reads (hw/intc/arm_gicv3_its.c gicv3_its_control_ops,
 *   gicv3_its_translation_ops): a failed transaction, a synchronous external abort;
 * - QEMU maps a redistributor frame pair per vCPU and the ITS frames only with an ITS
 *   (hw/intc/arm_gicv3_common.c, hw/arm/virt.c): an access past them hits unassigned memory, and
 *   so does the GITS_CBASER read the agent does for an its.cmd op without an ITS;
 * - QEMU's CPU interface has 5 preemption bits (ICC_CTLR_EL1.PRIbits = 4), so ICC_AP1R1..3_EL1
 *   do not exist and an access is UNDEFINED (IHI 0069 ICC_AP1R<n>_EL1: present only with more
 *   preemption bits; hw/intc/arm_gicv3_cpuif.c icc_num_aprs).
 */
function emulatedGicException(op: PrimitiveOp, config: ResolvedConfig): string | null {
  if (op.op === 'its.cmd' && config.its === 0) return 'its.cmd without an ITS: QEMU maps no ITS frames (the agent\'s GITS_CBASER read would abort)';
  if (op.op === 'sysreg.read' || op.op === 'sysreg.write') {
    if (op.reg === 'ICC_AP1R1_EL1' || op.reg === 'ICC_AP1R2_EL1' || op.reg === 'ICC_AP1R3_EL1') {
      return `${op.reg}: QEMU's CPU interface has 5 preemption bits, so the register does not exist (UNDEFINED)`;
    }
    return null;
  }
  if (op.op !== 'mmio.read' && op.op !== 'mmio.write') return null;
  if ((op.frame === 'gicr' || op.frame === 'gicr-sgi') && (op.index ?? 0) >= config.vcpus) {
    return `redistributor ${op.index}: QEMU maps a redistributor per vCPU (${config.vcpus}); the access would abort`;
  }
  if (op.frame !== 'gits') return null;
  if (config.its === 0) return 'GITS access without an ITS: QEMU maps no ITS frames; the access would abort';
  if (op.offset < GITS_TRANSLATION_FRAME) {
    return op.width === 32 || op.width === 64 ? null : `${op.width}-bit access to the ITS control frame: QEMU takes only 32- and 64-bit ones (the access would abort)`;
  }
  if (op.op === 'mmio.read') return 'read of the ITS translation frame: QEMU 7.2 has no read handler there (the access would abort)';
  return op.width === 16 || op.width === 32 ? null : `${op.width}-bit write to the ITS translation frame: QEMU takes only 16- and 32-bit ones (the access would abort)`;
}

/**
 * Why one op cannot run, or null. Host ops (kvm.*, irqfd.*, vfio.*, device.fire, timer.line,
 * migrate) and scheduling ops have no QEMU equivalent. QEMU virt has a fixed number of SPIs
 * (`boardSpis`); when the scenario's config asks for another number, the Distributor accesses
 * that could tell the two apart (GICD_TYPER, the banked registers of the SPIs that exist on one
 * side only) are unsupported, and everything else runs. Likewise QEMU always has LPIs: with
 * `its: 0` the registers that reveal them are unsupported. Under TCG, the accesses on which QEMU's
 * emulated GIC raises an exception are unsupported too (emulatedGicException); with KVM the
 * in-kernel GIC answers them.
 */
export function opUnsupportedReason(op: PrimitiveOp, config: ResolvedConfig, boardSpis: number, accel: QemuAccel = 'tcg'): string | null {
  const c = configUnsupportedReason(config);
  if (c) return c;
  if (op.op === 'group') return 'group: the guest agent runs one op at a time; it cannot run ops at the same time on several vCPUs';
  if (!GUEST_OPS.has(op.op)) return `${op.op} is a host op; QEMU runs guest ops only`;
  if (accel === 'tcg') {
    const abort = emulatedGicException(op, config);
    if (abort) return abort;
  }
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
