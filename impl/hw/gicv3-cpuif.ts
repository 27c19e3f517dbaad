// The GICv3 virtual CPU interface of one vCPU, as the hardware implements it: the guest's ICC_*
// accesses are served here (as ICV_* registers) from the list registers, with no help from KVM,
// exactly as on a real host (IHI 0069 chapter 4 and the ICC_* registers; chapter 6, the virtual CPU interface). KVM programs it through the ICH_* "registers"
// (lr*, vmcr fields, hcr, ap0r/ap1r) on entry and reads them back on exit (vgic-v3.c vgic_v3_populate_lr, vgic_v3_fold_lr_state).
//
// Host parameters (ICH_VTR_EL2) are those of common hosts: 5 priority bits (PRIbits = 4), 5
// preemption bits (PREbits = 4), so one AP0R/AP1R register each; 16-bit INTIDs; A3V; TDS.
//
// Hot path: list registers live in typed arrays (one slot per field), never in fresh objects.

/** Implemented priority bits (ICH_VTR_EL2.PRIbits + 1). */
export const PRI_BITS = 5;
/** Implemented preemption bits (ICH_VTR_EL2.PREbits + 1). */
export const PRE_BITS = 5;
/** Priority bits the hardware compares (unimplemented low bits are ignored). */
export const PRIO_MASK = (0xff << (8 - PRI_BITS)) & 0xff; // 0xf8
/** Minimum binary points (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1): BPR0 >= 7 - PREbits, BPR1 >= BPR0min + 1. */
export const MIN_VBPR0 = 7 - PRE_BITS;
export const MIN_VBPR1 = MIN_VBPR0 + 1;
export const MAX_LRS = 16;
export const SPURIOUS = 1023;

// ICH_LR_EL2.State encodings.
export const LR_INVALID = 0;
export const LR_PENDING = 1;
export const LR_ACTIVE = 2; // pending and active: LR_PENDING | LR_ACTIVE

// ICH_HCR_EL2 bits (Arm ICH_HCR_EL2; vgic-v3.c vgic_v3_configure_hcr).
export const HCR_EN = 1 << 0;
export const HCR_UIE = 1 << 1;
export const HCR_LRENPIE = 1 << 2;
export const HCR_NPIE = 1 << 3;
export const HCR_VGRP0EIE = 1 << 4;
export const HCR_VGRP0DIE = 1 << 5;
export const HCR_VGRP1EIE = 1 << 6;
export const HCR_VGRP1DIE = 1 << 7;
export const HCR_VSGIEOICOUNT = 1 << 8;
export const HCR_TDIR = 1 << 14;

// ICH_MISR_EL2 bits.
export const MISR_EOI = 1 << 0;
export const MISR_U = 1 << 1;
export const MISR_LRENP = 1 << 2;
export const MISR_NP = 1 << 3;
export const MISR_VGRP0E = 1 << 4;
export const MISR_VGRP0D = 1 << 5;
export const MISR_VGRP1E = 1 << 6;
export const MISR_VGRP1D = 1 << 7;

// ICH_LR_EL2 field positions (for the 64-bit encoding used by userspace/debug views).
const LR_VINTID_MASK = 0xffff_ffffn;
const LR_PINTID_SHIFT = 32n;
const LR_EOI_BIT = 1n << 41n;
const LR_PRIO_SHIFT = 48n;
const LR_GROUP_BIT = 1n << 60n;
const LR_HW_BIT = 1n << 61n;
const LR_STATE_SHIFT = 62n;

/** ICC_CTLR_EL1 read-only fields a guest sees (from ICH_VTR_EL2): PRIbits, IDbits = 0, A3V. */
const ICV_CTLR_RO = ((PRI_BITS - 1) << 8) | (1 << 15);

/**
 * GICv4: the vLPIs of the vPE resident on this physical CPU's redistributor, which the virtual
 * CPU interface considers next to the list registers (IHI 0069 chapter 6, vLPI delivery and doorbells). vLPIs are Group 1 and
 * have no active state: acknowledging one only clears its pending bit.
 */
export interface ResidentVlpis {
  /** the highest-priority pending enabled vLPI (vINTID), or -1; sets hpPriority */
  highest(): number;
  /** the priority of the vLPI highest() returned last */
  readonly hpPriority: number;
  acknowledge(vintid: number): void;
}

/** Physical side the CPU interface talks to when a HW list register is deactivated. */
export interface PhysDeactivate {
  (pcpu: number, pintid: number): void;
}

export class GicV3CpuIf {
  /** ICH_VTR_EL2.ListRegs + 1 */
  readonly nrLr: number;
  // ICH_LR<n>_EL2, one typed array per field.
  readonly lrVintid: Uint32Array;
  readonly lrPintid: Uint16Array;
  readonly lrPrio: Uint8Array;
  readonly lrState: Uint8Array;
  readonly lrGroup: Uint8Array;
  readonly lrHw: Uint8Array;
  readonly lrEoi: Uint8Array;
  // ICH_VMCR_EL2 fields.
  vpmr = 0;
  vbpr0 = MIN_VBPR0;
  vbpr1 = MIN_VBPR1;
  veng0 = false;
  veng1 = false;
  veoim = false;
  vcbpr = false;
  // ICH_AP0R0_EL2 / ICH_AP1R0_EL2 (PREbits = 5: one register each).
  ap0r = 0;
  ap1r = 0;
  /** ICH_HCR_EL2 without EOIcount */
  hcr = 0;
  /** ICH_HCR_EL2.EOIcount */
  eoiCount = 0;
  /** the physical CPU this interface currently lives on (set by vcpu_load) */
  pcpu = 0;
  /** GICv4: the resident vPE's vLPIs (set while a vPE is resident), or null */
  residentVlpis: ResidentVlpis | null = null;

  constructor(nrLr: number, private readonly physDeactivate: PhysDeactivate) {
    if (!Number.isInteger(nrLr) || nrLr < 1 || nrLr > MAX_LRS) throw new Error(`config.impl.lrs must be 1..16, got ${nrLr}`);
    this.nrLr = nrLr;
    this.lrVintid = new Uint32Array(nrLr);
    this.lrPintid = new Uint16Array(nrLr);
    this.lrPrio = new Uint8Array(nrLr);
    this.lrState = new Uint8Array(nrLr);
    this.lrGroup = new Uint8Array(nrLr);
    this.lrHw = new Uint8Array(nrLr);
    this.lrEoi = new Uint8Array(nrLr);
  }

  // ---- ICH_* side (KVM) ------------------------------------------------------------------------

  setLr(n: number, vintid: number, state: number, prio: number, group: number, hw: boolean, pintid: number, eoi: boolean): void {
    this.lrVintid[n] = vintid;
    this.lrState[n] = state;
    this.lrPrio[n] = prio;
    this.lrGroup[n] = group;
    this.lrHw[n] = hw ? 1 : 0;
    this.lrPintid[n] = hw ? pintid : 0;
    this.lrEoi[n] = !hw && eoi ? 1 : 0;
  }

  clearLr(n: number): void {
    this.lrVintid[n] = 0;
    this.lrState[n] = LR_INVALID;
    this.lrPrio[n] = 0;
    this.lrGroup[n] = 0;
    this.lrHw[n] = 0;
    this.lrPintid[n] = 0;
    this.lrEoi[n] = 0;
  }

  /** ICH_LR<n>_EL2 as a 64-bit value (debug and userspace views). */
  lrValue(n: number): bigint {
    let v = BigInt(this.lrVintid[n]!) & LR_VINTID_MASK;
    if (this.lrHw[n]) v |= LR_HW_BIT | (BigInt(this.lrPintid[n]!) << LR_PINTID_SHIFT);
    else if (this.lrEoi[n]) v |= LR_EOI_BIT;
    v |= BigInt(this.lrPrio[n]!) << LR_PRIO_SHIFT;
    if (this.lrGroup[n]) v |= LR_GROUP_BIT;
    v |= BigInt(this.lrState[n]!) << LR_STATE_SHIFT;
    return v;
  }

  /** ICH_VMCR_EL2 write; binary points below their minimum read back as the minimum. */
  setVmcr(f: { pmr: number; bpr0: number; bpr1: number; grpen0: boolean; grpen1: boolean; eoim: boolean; cbpr: boolean }): void {
    this.vpmr = f.pmr & PRIO_MASK;
    this.vbpr0 = Math.max(f.bpr0 & 7, MIN_VBPR0);
    this.vbpr1 = Math.max(f.bpr1 & 7, MIN_VBPR1);
    this.veng0 = f.grpen0;
    this.veng1 = f.grpen1;
    this.veoim = f.eoim;
    this.vcbpr = f.cbpr;
  }

  /** ICH_MISR_EL2: the maintenance interrupt conditions currently true. */
  misr(): number {
    const hcr = this.hcr;
    let misr = 0;
    let valid = 0;
    let pending = 0;
    let eoi = false;
    for (let i = 0; i < this.nrLr; i++) {
      const st = this.lrState[i]!;
      if (st !== LR_INVALID) valid++;
      if (st === LR_PENDING) pending++;
      else if (st === LR_INVALID && this.lrEoi[i] && !this.lrHw[i]) eoi = true;
    }
    if (eoi) misr |= MISR_EOI;
    if (hcr & HCR_UIE && valid <= 1) misr |= MISR_U;
    if (hcr & HCR_LRENPIE && this.eoiCount !== 0) misr |= MISR_LRENP;
    if (hcr & HCR_NPIE && pending === 0) misr |= MISR_NP;
    if (hcr & HCR_VGRP0EIE && this.veng0) misr |= MISR_VGRP0E;
    if (hcr & HCR_VGRP0DIE && !this.veng0) misr |= MISR_VGRP0D;
    if (hcr & HCR_VGRP1EIE && this.veng1) misr |= MISR_VGRP1E;
    if (hcr & HCR_VGRP1DIE && !this.veng1) misr |= MISR_VGRP1D;
    return misr;
  }

  /** The maintenance interrupt line: ICH_HCR_EL2.En and some ICH_MISR_EL2 condition. */
  maintenanceAsserted(): boolean {
    return (this.hcr & HCR_EN) !== 0 && this.misr() !== 0;
  }

  // ---- priority arithmetic (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1) ---------------------------------------------------

  /** Group-priority mask for a group, honouring VCBPR. */
  private gprioMask(group: number): number {
    if (group === 1 && !this.vcbpr) return (0xff << this.vbpr1) & 0xff;
    return (0xff << (this.vbpr0 + 1)) & 0xff;
  }

  /** Running priority: the highest active priority in the APRs, or 0xff when idle. */
  runningPriority(): number {
    const bits = (this.ap0r | this.ap1r) >>> 0;
    if (bits === 0) return 0xff;
    const idx = 31 - Math.clz32(bits & -bits);
    return idx << (8 - PRE_BITS);
  }

  /**
   * The highest-priority pending LR the guest could be signalled: state pending (not active),
   * its group enabled in VMCR; lowest LR index among equals. -1 when none.
   */
  private hppvIndex(): number {
    let best = -1;
    let bestPrio = 0x100;
    for (let i = 0; i < this.nrLr; i++) {
      if (this.lrState[i] !== LR_PENDING) continue;
      if (this.lrGroup[i] ? !this.veng1 : !this.veng0) continue;
      const p = this.lrPrio[i]! & PRIO_MASK;
      if (p < bestPrio) {
        bestPrio = p;
        best = i;
      }
    }
    return best;
  }

  /** The HPPI passes the priority mask and can preempt the running priority. */
  private canPreempt(idx: number): boolean {
    return this.prioCanPreempt(this.lrPrio[idx]! & PRIO_MASK, this.lrGroup[idx]!);
  }

  private prioCanPreempt(prio: number, group: number): boolean {
    if (prio >= this.vpmr) return false;
    const rprio = this.runningPriority();
    if (rprio === 0xff) return true;
    return (prio & this.gprioMask(group)) < rprio;
  }

  /**
   * The resident vLPI that beats the best pending LR `idx` (strictly higher priority; Group 1
   * must be enabled), or -1.
   */
  private vlpiCandidate(idx: number): number {
    const r = this.residentVlpis;
    if (r === null || !this.veng1) return -1;
    const v = r.highest();
    if (v < 0) return -1;
    if (idx >= 0 && (this.lrPrio[idx]! & PRIO_MASK) <= (r.hpPriority & PRIO_MASK)) return -1;
    return v;
  }

  // ---- ICV_* side (the guest) ------------------------------------------------------------------

  /** ICV_IAR0_EL1 / ICV_IAR1_EL1. */
  readIar(group: 0 | 1): number {
    const idx = this.hppvIndex();
    const vlpi = this.vlpiCandidate(idx);
    if (vlpi >= 0) {
      // A resident vLPI is the HPPI (an LR wins at equal priority).
      const prio = this.residentVlpis!.hpPriority & PRIO_MASK;
      if (group !== 1 || !this.prioCanPreempt(prio, 1)) return SPURIOUS;
      this.residentVlpis!.acknowledge(vlpi);
      const gprio = prio & this.gprioMask(1);
      this.ap1r = (this.ap1r | (1 << (gprio >> (8 - PRE_BITS)))) >>> 0;
      return vlpi;
    }
    if (idx < 0 || this.lrGroup[idx] !== group || !this.canPreempt(idx)) return SPURIOUS;
    const intid = this.lrVintid[idx]!;
    // Pending -> Active, and the group priority becomes active in the APRs.
    this.lrState[idx] = LR_ACTIVE;
    const gprio = (this.lrPrio[idx]! & PRIO_MASK) & this.gprioMask(group);
    const bit = 1 << (gprio >> (8 - PRE_BITS));
    if (group === 1) this.ap1r = (this.ap1r | bit) >>> 0;
    else this.ap0r = (this.ap0r | bit) >>> 0;
    return intid;
  }

  /** ICV_HPPIR0_EL1 / ICV_HPPIR1_EL1: ignores the mask and the running priority. */
  readHppir(group: 0 | 1): number {
    const idx = this.hppvIndex();
    const vlpi = this.vlpiCandidate(idx);
    if (vlpi >= 0) return group === 1 ? vlpi : SPURIOUS;
    if (idx < 0 || this.lrGroup[idx] !== group) return SPURIOUS;
    return this.lrVintid[idx]!;
  }

  /** ISR_EL1: I (bit 7) = a virtual IRQ is signalled, F (bit 6) = a virtual FIQ (Group 0). */
  readIsr(): number {
    const idx = this.hppvIndex();
    const vlpi = this.vlpiCandidate(idx);
    if (vlpi >= 0) return this.prioCanPreempt(this.residentVlpis!.hpPriority & PRIO_MASK, 1) ? 0x80 : 0;
    if (idx < 0 || !this.canPreempt(idx)) return 0;
    return this.lrGroup[idx] ? 0x80 : 0x40;
  }

  /** Drop the highest active priority (favouring Group 0 at equal index); 0xff when none. */
  private dropPriority(group: 0 | 1): number {
    const a0 = this.ap0r;
    const a1 = this.ap1r;
    if ((a0 | a1) === 0) return 0xff;
    const low0 = a0 ? 31 - Math.clz32(a0 & -a0) : 32;
    const low1 = a1 ? 31 - Math.clz32(a1 & -a1) : 32;
    // The highest active priority belongs to the other group: UNPREDICTABLE; ignore the write
    // (IHI 0069 ICC_EOIR1_EL1 point 2).
    if (low0 <= low1) {
      if (group !== 0) return -1;
      this.ap0r = (a0 & (a0 - 1)) >>> 0;
      return low0 << (8 - PRE_BITS);
    }
    if (group !== 1) return -1;
    this.ap1r = (a1 & (a1 - 1)) >>> 0;
    return low1 << (8 - PRE_BITS);
  }

  /** The LR holding an active interrupt with this vINTID, or -1. */
  findActive(intid: number): number {
    for (let i = 0; i < this.nrLr; i++) {
      if (this.lrVintid[i] === intid && (this.lrState[i]! & LR_ACTIVE) !== 0) return i;
    }
    return -1;
  }

  /** Deactivate LR n: clear Active; a HW LR also deactivates the physical interrupt. */
  deactivateLr(n: number): void {
    this.lrState[n] = this.lrState[n]! & ~LR_ACTIVE;
    if (this.lrHw[n]) {
      const pintid = this.lrPintid[n]!;
      if (pintid < 1020) this.physDeactivate(this.pcpu, pintid);
    }
  }

  private bumpEoiCount(intid: number): void {
    // vSGIEOICount: deactivations of SGIs do not count (GICv4.1 vSGIs have no active state).
    if (intid < 16 && (this.hcr & HCR_VSGIEOICOUNT) !== 0) return;
    this.eoiCount = (this.eoiCount + 1) & 0x1f;
  }

  /** ICV_EOIR0_EL1 / ICV_EOIR1_EL1 (Arm VirtualWriteEOIR). */
  writeEoir(group: 0 | 1, value: number): void {
    const intid = value & 0xffffff;
    if (intid >= 1020 && intid <= 1023) return;
    const dropped = this.dropPriority(group);
    if (dropped === 0xff || dropped < 0) return; // nothing active: the LRs are not checked
    const idx = this.findActive(intid);
    const isLpi = intid >= 8192;
    if (idx < 0) {
      // No LR: the hypervisor is told through EOIcount, only when this EOI deactivates and it
      // is not an LPI (LPIs have no active state to lose).
      if (!this.veoim && !isLpi) this.bumpEoiCount(intid);
      return;
    }
    if (this.lrGroup[idx] !== group) return;
    if (((this.lrPrio[idx]! & PRIO_MASK) & this.gprioMask(group)) !== dropped) return;
    if (!this.veoim || isLpi) this.deactivateLr(idx);
  }

  /** ICV_DIR_EL1 when not trapped (ICH_HCR_EL2.TDIR clear). */
  writeDir(value: number): void {
    const intid = value & 0xffffff;
    if (intid >= 1020) return; // special INTIDs and LPIs have nothing to deactivate
    if (!this.veoim) return;
    const idx = this.findActive(intid);
    if (idx < 0) this.bumpEoiCount(intid);
    else this.deactivateLr(idx);
  }

  readPmr(): number { return this.vpmr; }
  writePmr(v: number): void { this.vpmr = v & PRIO_MASK; }

  readBpr(group: 0 | 1): number {
    if (group === 0) return this.vbpr0;
    return this.vcbpr ? Math.min(this.vbpr0 + 1, 7) : this.vbpr1;
  }
  writeBpr(group: 0 | 1, v: number): void {
    if (group === 0) this.vbpr0 = Math.max(v & 7, MIN_VBPR0);
    else if (!this.vcbpr) this.vbpr1 = Math.max(v & 7, MIN_VBPR1);
  }

  readCtlr(): number {
    return ICV_CTLR_RO | (this.veoim ? 2 : 0) | (this.vcbpr ? 1 : 0);
  }
  writeCtlr(v: number): void {
    this.vcbpr = (v & 1) !== 0;
    this.veoim = (v & 2) !== 0;
  }

  readIgrpen(group: 0 | 1): number { return (group ? this.veng1 : this.veng0) ? 1 : 0; }
  writeIgrpen(group: 0 | 1, v: number): void {
    if (group) this.veng1 = (v & 1) !== 0;
    else this.veng0 = (v & 1) !== 0;
  }

  /** ICV_AP0R<n>_EL1 / ICV_AP1R<n>_EL1: only n = 0 exists with 5 preemption bits. */
  readApr(group: 0 | 1, n: number): number {
    if (n !== 0) return 0;
    return group ? this.ap1r : this.ap0r;
  }
  writeApr(group: 0 | 1, n: number, v: number): void {
    if (n !== 0) return;
    if (group) this.ap1r = v >>> 0;
    else this.ap0r = v >>> 0;
  }

  /** Any LR in use (state not invalid). */
  usedLrCount(): number {
    let n = 0;
    for (let i = 0; i < this.nrLr; i++) if (this.lrState[i] !== LR_INVALID) n++;
    return n;
  }
}
