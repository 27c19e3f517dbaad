// The GICv4.x side of the host's physical redistributors (IHI 0069 chapter 6, vPEs and the GICv4 commands; chapter 6, vLPI delivery and doorbells): each physical
// CPU's redistributor holds at most one resident vPE (GICR_VPENDBASER.Valid), delivers that vPE's
// pending vLPIs to the virtual CPU interface of the PE, and for vPEs that are not resident raises
// doorbells: GICv4.0 the per-vLPI doorbell the ITE names, GICv4.1 the vPE's default doorbell when
// GICR_VPENDBASER.DB was set at deschedule. Doorbells and an assigned device's non-forwarded MSIs
// are physical LPIs owned by the host (HostLpis); the host's handlers run when they fire.
//
// The virtual pending table (VPT) and the VM's vLPI configuration table live in host memory
// (HostMemory); the redistributor keeps the resident vPE's pending vLPIs in a small set (its
// "cache" of the VPT) so that the CPU interface's highest-priority lookup is cheap.
import type { ResidentVlpis } from './gicv3-cpuif.js';

export type GicV4Version = '4.0' | '4.1';

/** "no doorbell" in VMAPTI/VMAPI/VMOVI (IHI 0069 chapter 6, vPEs and the GICv4 commands) */
export const NO_DOORBELL = 1023;
/** First LPI INTID (IHI 0069 2.2 INTIDs). */
export const LPI_BASE = 8192;
/** vINTID bits of KVM's guests (the vITS has 16-bit IDs: vgic-its.c its_registers[]): VPT and VCONF sizes. */
export const VLPI_ID_BITS = 16;
export const VPT_BYTES = (1 << VLPI_ID_BITS) / 8;
export const VPROP_BYTES = (1 << VLPI_ID_BITS) - LPI_BASE;
/** VPT/VCONF alignment (64 KiB, IHI 0069 chapter 6, vPEs and the GICv4 commands) */
const HOST_PAGE = 0x1_0000;

/** Host kernel pages (the VPTs, the VM's vLPI configuration table), by physical address. */
export class HostMemory {
  private readonly pages = new Map<number, Uint8Array>();
  private next = 0x8_0000_0000;

  /** alloc_pages: a zeroed, 64 KiB-aligned region; returns its physical address */
  alloc(bytes: number): number {
    const pa = this.next;
    this.next += Math.ceil(bytes / HOST_PAGE) * HOST_PAGE;
    this.pages.set(pa, new Uint8Array(bytes));
    return pa;
  }

  /** the region that starts at pa (the hardware follows the table addresses it was given) */
  region(pa: number): Uint8Array {
    const r = this.pages.get(pa);
    if (r === undefined) throw new Error(`GICv4 hardware: no host table at physical address 0x${pa.toString(16)}`);
    return r;
  }
}

/** A vPE as the hardware knows it: its vPE table entry (VMAPP/VMOVP) and its pending vLPIs. */
export class VpeHw {
  /** mapped by VMAPP V=1 */
  mapped = false;
  /** the redistributor (physical CPU) of the vPE table entry */
  rd = 0;
  /** the VPT (VMAPP VPT_addr), in host memory */
  vpt: Uint8Array | null = null;
  vptPa = 0;
  /** the vLPI configuration table: GICR_VPROPBASER (4.0) or VMAPP VCONF_addr (4.1) */
  vprop: Uint8Array | null = null;
  /** GICv4.1 default doorbell (VMAPP / VMOVP Default_Doorbell), NO_DOORBELL when none */
  defaultDoorbell = NO_DOORBELL;
  /** GICv4.1: a default doorbell was requested at deschedule and not yet raised */
  dbArmed = false;
  /** the redistributor it is resident on, or -1 */
  residentOn = -1;
  /** pending vINTIDs (mirrors the VPT bits) */
  readonly pending = new Set<number>();
  /**
   * Pending vINTIDs that the redistributor of the vPE table entry wrote to the VPT while the vPE
   * was resident on another redistributor (its entry not moved there with VMOVP): the resident
   * redistributor does not see them until the vPE is scheduled again and the VPT is read afresh
   * (IHI 0069 chapter 6: the ITS sends a vLPI to the redistributor the vPE table names; a vPE
   * that is not resident there has the vLPI recorded in its VPT).
   */
  readonly unseen = new Set<number>();
  /**
   * GICv4.1 vSGIs (IHI 0069 chapter 6, vSGIs; the VSGI command, GITS_SGIR, GICR_VSGIR/VSGIPENDR):
   * per vINTID 0-15 its pending bit, enable, group and priority as the last VSGI command set them.
   * They have no active state.
   */
  sgiPending = 0;
  sgiEnabled = 0;
  sgiGroup = 0;
  readonly sgiPriority = new Uint8Array(16);

  constructor(readonly id: number) {}

  isPending(vintid: number): boolean {
    return this.pending.has(vintid);
  }

  setPending(vintid: number, pending: boolean): void {
    const vpt = this.vpt;
    if (vpt === null) throw new Error(`GICv4 hardware: vPE ${this.id} has no virtual pending table`);
    const byte = vintid >>> 3;
    const bit = 1 << (vintid & 7);
    if (pending) {
      this.pending.add(vintid);
      vpt[byte] = vpt[byte]! | bit;
    } else {
      this.pending.delete(vintid);
      this.unseen.delete(vintid);
      vpt[byte] = vpt[byte]! & ~bit;
    }
  }

  /** the vLPI's configuration byte (priority [7:2], enable [0]) from the configuration table */
  config(vintid: number): number {
    const p = this.vprop;
    if (p === null || vintid < LPI_BASE || vintid - LPI_BASE >= p.length) return 0;
    return p[vintid - LPI_BASE]!;
  }

  /** any pending vLPI that is enabled (what PendingLast reports, IHI 0069 GICR_VPENDBASER, GICR_VPROPBASER) */
  anyPendingEnabled(): boolean {
    if ((this.sgiPending & this.sgiEnabled) !== 0) return true;
    for (const v of this.pending) if (this.config(v) & 1) return true;
    return false;
  }

  /** VSGI: a vSGI's priority, group and enable. */
  configureSgi(vintid: number, priority: number, group: 0 | 1, enabled: boolean): void {
    const bit = 1 << vintid;
    this.sgiPriority[vintid] = priority & 0xff;
    this.sgiGroup = group ? this.sgiGroup | bit : this.sgiGroup & ~bit;
    this.sgiEnabled = enabled ? this.sgiEnabled | bit : this.sgiEnabled & ~bit;
  }

  /** GITS_SGIR (set) / VSGI with Clear (clear): a vSGI's pending bit. */
  setSgiPending(vintid: number, pending: boolean): void {
    const bit = 1 << vintid;
    this.sgiPending = pending ? this.sgiPending | bit : this.sgiPending & ~bit;
  }
}

/** The host's physical LPIs (doorbells, assigned devices' MSIs): enable bits, pending bits, handlers. */
export class HostLpis {
  private readonly enabled = new Set<number>();
  private readonly pendingAt = new Map<number, number>();
  private readonly handlers = new Map<number, () => void>();
  /** figures */
  raised = 0;
  handled = 0;

  /** request_irq: the handler the host runs when the LPI fires */
  setHandler(pintid: number, handler: (() => void) | null): void {
    if (handler) this.handlers.set(pintid, handler);
    else this.handlers.delete(pintid);
  }

  /** the LPI's enable bit in the host property table (+ INV): a pending, now enabled LPI fires */
  setEnabled(pintid: number, enabled: boolean): void {
    if (enabled) {
      this.enabled.add(pintid);
      if (this.pendingAt.has(pintid)) {
        this.pendingAt.delete(pintid);
        this.fire(pintid);
      }
    } else {
      this.enabled.delete(pintid);
    }
  }

  isEnabled(pintid: number): boolean {
    return this.enabled.has(pintid);
  }

  isPending(pintid: number): boolean {
    return this.pendingAt.has(pintid);
  }

  /** irq_set_irqchip_state(PENDING, false) on a host LPI */
  clearPending(pintid: number): void {
    this.pendingAt.delete(pintid);
  }

  /** The LPI becomes pending at redistributor rd: taken by the host at once when enabled. */
  raise(pintid: number, rd: number): void {
    this.raised++;
    if (!this.enabled.has(pintid)) {
      this.pendingAt.set(pintid, rd);
      return;
    }
    this.fire(pintid);
  }

  private fire(pintid: number): void {
    const h = this.handlers.get(pintid);
    if (h === undefined) return; // nobody asked for it: spurious, acknowledged and dropped
    this.handled++;
    h();
  }
}

/**
 * One physical redistributor's VLPI frame: GICR_VPROPBASER/GICR_VPENDBASER (IHI 0069 GICR_VPENDBASER, GICR_VPROPBASER) and
 * the resident vPE, whose pending vLPIs it offers the PE's virtual CPU interface.
 */
export class GicV4Redist implements ResidentVlpis {
  valid = false;
  pendingLast = false;
  /** Dirty never shows: a schedule's VPT parse completes within the op (docs/scenario-format.md) */
  readonly dirty = false;
  /** GICv4.1 fields of GICR_VPENDBASER */
  db = false;
  vgrp0en = false;
  vgrp1en = false;
  /** GICv4.0: GICR_VPROPBASER, the resident vPE's configuration table address */
  vpropbaser = 0;
  resident: VpeHw | null = null;
  /** set by highest(): the priority of the vLPI it returned */
  hpPriority = 0xff;
  /** vLPIs acknowledged straight from this redistributor (no software involved) */
  delivered = 0;

  constructor(readonly pcpu: number, readonly version: GicV4Version, private readonly mem: HostMemory) {}

  /** GICR_VPENDBASER as software reads it */
  vpendbaser(): bigint {
    let v = 0n;
    if (this.valid) v |= 1n << 63n;
    if (this.pendingLast) v |= 1n << 61n;
    if (this.version === '4.1') {
      if (this.db) v |= 1n << 62n;
      if (this.vgrp0en) v |= 1n << 59n;
      if (this.vgrp1en) v |= 1n << 58n;
      if (this.resident) v |= BigInt(this.resident.id);
    } else if (this.resident) {
      v |= BigInt(this.resident.vptPa);
    }
    return v;
  }

  /**
   * Schedule (Valid 0->1): the vPE becomes resident here. GICv4.0 names the VPT (and, through
   * GICR_VPROPBASER, the configuration table); GICv4.1 names the vPE and its group enables.
   */
  schedule(vpe: VpeHw, g0en: boolean, g1en: boolean): void {
    if (this.valid) throw new Error(`GICv4 hardware: GICR_VPENDBASER of CPU ${this.pcpu} written with Valid=1 while vPE ${this.resident?.id} is resident (UNPREDICTABLE: IHI 0069 GICR_VPENDBASER)`);
    if (vpe.residentOn >= 0) throw new Error(`GICv4 hardware: vPE ${vpe.id} scheduled on CPU ${this.pcpu} while resident on CPU ${vpe.residentOn}`);
    if (this.version === '4.0') {
      vpe.vprop = this.mem.region(this.vpropbaser);
    } else {
      if (!vpe.mapped) throw new Error(`GICv4.1 hardware: vPE ${vpe.id} scheduled before VMAPP`);
      this.vgrp0en = g0en;
      this.vgrp1en = g1en;
      this.db = false;
    }
    vpe.dbArmed = false;
    vpe.unseen.clear(); // the VPT is read afresh at schedule
    this.valid = true;
    this.pendingLast = false;
    this.resident = vpe;
    vpe.residentOn = this.pcpu;
  }

  /**
   * Deschedule (Valid 1->0): the pending state is written back (it always is, here); PendingLast
   * then says whether the vPE has a pending enabled vLPI. GICv4.1: DB=1 arms the default doorbell.
   * Returns PendingLast.
   */
  deschedule(reqDb: boolean): boolean {
    const vpe = this.resident;
    if (!this.valid || vpe === null) throw new Error(`GICv4 hardware: deschedule on CPU ${this.pcpu} with no resident vPE`);
    this.valid = false;
    this.resident = null;
    vpe.residentOn = -1;
    this.pendingLast = vpe.anyPendingEnabled();
    if (this.version === '4.1') {
      this.db = reqDb;
      vpe.dbArmed = reqDb && !this.pendingLast;
    }
    return this.pendingLast;
  }

  /** Whether the resident vPE's vLPIs are signalled: GICv4.1 gates them with vGrp1En. */
  private groupEnabled(): boolean {
    return this.version === '4.0' || this.vgrp1en;
  }

  // ---- ResidentVlpis: what the PE's virtual CPU interface sees (IHI 0069 chapter 6, vLPI delivery and doorbells) ---------------

  /**
   * The highest-priority pending enabled vLPI or Group 1 vSGI of the resident vPE (lowest vINTID
   * among equals), or -1. Group 0 vSGIs would need vGrp0En, which KVM never sets.
   */
  highest(): number {
    const vpe = this.resident;
    const sgis = vpe === null || this.version !== '4.1' ? 0 : vpe.sgiPending & vpe.sgiEnabled & vpe.sgiGroup;
    if (vpe === null || (vpe.pending.size === 0 && sgis === 0) || !this.groupEnabled()) return -1;
    let best = -1;
    let bestPrio = 0x100;
    for (let v = 0; v < 16; v++) {
      if (!(sgis & (1 << v))) continue;
      const p = vpe.sgiPriority[v]!;
      if (p < bestPrio) {
        bestPrio = p;
        best = v;
      }
    }
    for (const v of vpe.pending) {
      const cfg = vpe.config(v);
      if (!(cfg & 1) || vpe.unseen.has(v)) continue;
      const p = cfg & 0xfc;
      if (p < bestPrio || (p === bestPrio && v < best)) {
        bestPrio = p;
        best = v;
      }
    }
    this.hpPriority = best < 0 ? 0xff : bestPrio;
    return best;
  }

  /** Acknowledge: the vLPI or vSGI leaves the pending state (neither has an active state). */
  acknowledge(vintid: number): void {
    const vpe = this.resident;
    if (vpe === null) return;
    if (vintid < 16) vpe.setSgiPending(vintid, false);
    else vpe.setPending(vintid, false);
    this.delivered++;
  }
}

/**
 * The hardware's vLPI delivery (IHI 0069 chapter 6, vLPI delivery and doorbells): a vLPI made pending is recorded in its vPE's
 * VPT; resident, it competes in the CPU interface; not resident, it raises a doorbell.
 */
export class GicV4Redists {
  readonly rds: GicV4Redist[];
  readonly lpis = new HostLpis();
  readonly mem = new HostMemory();
  /** figures */
  doorbellsRaised = 0;
  vlpisMadePending = 0;

  constructor(readonly version: GicV4Version, nrPcpus: number) {
    this.rds = [];
    for (let i = 0; i < nrPcpus; i++) this.rds.push(new GicV4Redist(i, version, this.mem));
  }

  rd(pcpu: number): GicV4Redist {
    const r = this.rds[pcpu];
    if (r === undefined) throw new Error(`GICv4 hardware: no redistributor for physical CPU ${pcpu} (${this.rds.length} CPUs)`);
    return r;
  }

  /**
   * GITS_SGIR: a vSGI of vpe becomes pending; a non-resident vPE whose default doorbell is armed
   * gets it (GICv4.1 doorbells cover vSGIs as vLPIs).
   */
  setVsgiPending(vpe: VpeHw, vintid: number): void {
    vpe.setSgiPending(vintid, true);
    if (vpe.residentOn >= 0) return;
    if (vpe.dbArmed && vpe.defaultDoorbell !== NO_DOORBELL && (vpe.sgiEnabled & (1 << vintid)) !== 0) {
      vpe.dbArmed = false;
      this.doorbellsRaised++;
      this.lpis.raise(vpe.defaultDoorbell, vpe.rd);
    }
  }

  /** A vLPI of vpe becomes pending (MSI translation, INT, VMOVI of a pending vLPI). */
  setVlpiPending(vpe: VpeHw, vintid: number, doorbell: number): void {
    this.vlpisMadePending++;
    const wasPending = vpe.isPending(vintid);
    vpe.setPending(vintid, true);
    if (vpe.residentOn === vpe.rd) return;
    // recorded in the VPT by the redistributor of the vPE table entry, which does not have the
    // vPE resident: one that is resident elsewhere does not see it (see VpeHw.unseen)
    if (vpe.residentOn >= 0) {
      if (!wasPending) vpe.unseen.add(vintid);
      if (this.version === '4.1') return; // the default doorbell was disarmed by the schedule
    }
    if (this.version === '4.0') {
      // GICv4.0 rings the ITE's doorbell whatever the vLPI's enable (the host moves a disabled
      // vLPI's doorbell to 1023 with VMOVI instead)
      if (doorbell === NO_DOORBELL) return;
      this.doorbellsRaised++;
      this.lpis.raise(doorbell, vpe.rd);
    } else if (vpe.dbArmed && vpe.defaultDoorbell !== NO_DOORBELL && (vpe.config(vintid) & 1) !== 0) {
      vpe.dbArmed = false;
      this.doorbellsRaised++;
      this.lpis.raise(vpe.defaultDoorbell, vpe.rd);
    }
  }
}
