// Faults planted next to KVM's quirks: each is the real `kvm` target with one bug added from
// outside (ops rewritten before the target sees them, or results rewritten after), chosen so that
// it shows at the same op, with the same mismatch and rule, as a known divergence of kvm. The
// classification (triage/classify.ts) must call each of them new: the quirk that explains the
// known divergence cannot produce what the fault does. Used by test/fuzz/same-op-faults.test.ts;
// usable with `gicdiff fuzz --plugin test/fuzz/same-op-plugin.ts --target kvm-movall-moves-more`.
import type { ItsCommand, OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import type { Target, TargetSession } from '../../spec/target.js';
import { kvm, planted } from './plant.js';
import { modelOracle } from '../../triage/runner.js';

const isMmioRead = (op: PrimitiveOp, frame: string, lo: number, hi: number): boolean =>
  op.op === 'mmio.read' && op.frame === frame && op.offset >= lo && op.offset < hi;

/**
 * Next to kvm.lpi-retarget-no-requeue (an LPI retargeted by MOVALL not yet seen at its new RD, at
 * an ICC_IAR1_EL1 read): MOVALL also moves the pending LPIs of the other redistributors.
 */
export const movallMovesMore = planted('kvm-movall-moves-more', 'kvm whose MOVALL also moves the LPIs of RDs it does not name', (s, op, config) => {
  if (op.op !== 'its.cmd' || !op.cmds.some((c) => c.cmd === 'MOVALL')) return s.step(op);
  const cmds = op.cmds.flatMap((c): ItsCommand[] => {
    if (c.cmd !== 'MOVALL') return [c];
    const others = Array.from({ length: config.vcpus }, (_, rd) => rd).filter((rd) => rd !== c.from && rd !== c.to);
    return [c, ...others.map((rd): ItsCommand => ({ cmd: 'MOVALL', from: rd, to: c.to }))];
  });
  return s.step({ ...op, cmds: cmds as [ItsCommand, ...ItsCommand[]] });
});

/**
 * Next to kvm.pending-in-running-lr-invisible (a pending SGI reads 0 in GICR_ISPENDR0 while it sits
 * in another vCPU's list register): every pending-register read returns 0.
 */
export const pendingReadsZero = planted('kvm-pending-reads-zero', 'kvm whose GICD_ISPENDR/GICR_ISPENDR0 reads return 0', (s, op) => {
  const r = s.step(op);
  return isMmioRead(op, 'gicr-sgi', 0x200, 0x300) || isMmioRead(op, 'gicd', 0x200, 0x300) ? '0x0' : r;
});

/**
 * Next to kvm.wfi-wakes-for-disabled-group (WFI woken for an interrupt of a disabled group): WFI
 * always reports woken.
 */
export const wfiAlwaysWoken = planted('kvm-wfi-always-woken', 'kvm whose WFI always wakes', (s, op) => {
  const r = s.step(op);
  return op.op === 'wfi' ? 'woken' : r;
});

/**
 * Next to kvm.level-info-edge-no-line-level (LEVEL_INFO reads 0 for an edge line held high):
 * LEVEL_INFO reads 0 for every line.
 */
export const levelInfoZero = planted('kvm-level-info-zero', 'kvm whose LEVEL_INFO reads 0', (s, op) => {
  const r = s.step(op);
  return op.op === 'kvm.device_attr' && op.group === 'LEVEL_INFO' && op.access === 'get' && r !== null && typeof r === 'object' && !Array.isArray(r) && 'value' in r
    ? { ...r, value: '0x0' } : r;
});

/**
 * Next to kvm.priority-change-while-active-blocks-eoi (an EOI leaves the interrupt active, seen
 * at a GICR_ISACTIVER0 read): an EOI never deactivates (EOImode 1 around every EOIR write).
 */
export const eoiNeverDeactivates = planted('kvm-eoi-never-deactivates', 'kvm whose EOIR only drops the priority', (s, op) => {
  if (op.op !== 'sysreg.write' || op.reg !== 'ICC_EOIR1_EL1') return s.step(op);
  s.step({ op: 'sysreg.write', cpu: op.cpu, reg: 'ICC_CTLR_EL1', value: '0x2' });
  const r = s.step(op);
  s.step({ op: 'sysreg.write', cpu: op.cpu, reg: 'ICC_CTLR_EL1', value: '0x0' });
  return r;
});

/**
 * Next to kvm.dist-enable-does-not-requeue (an SPI pending across a distributor disable is not
 * acknowledged after the enable): enabling the distributor clears every pending SPI.
 */
export const distEnableClearsPending = planted('kvm-dist-enable-clears-pending', 'kvm whose GICD_CTLR enable clears pending SPIs', (s, op, config) => {
  const r = s.step(op);
  if (op.op === 'mmio.write' && op.frame === 'gicd' && op.offset === 0 && (BigInt(op.value) & 2n) !== 0n) {
    for (let n = 1; n <= config.spis / 32; n++) s.step({ op: 'mmio.write', cpu: op.cpu, frame: 'gicd', offset: 0x280 + 4 * n, width: 32, value: '0xffffffff' });
  }
  return r;
});

export const targets: Target[] = [kvm(), movallMovesMore, pendingReadsZero, wfiAlwaysWoken, levelInfoZero, eoiNeverDeactivates, distEnableClearsPending];
export const oracle = modelOracle;
