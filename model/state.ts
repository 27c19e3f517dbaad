// One candidate state of the architecture model (model/README.md "State layout").
// Everything a guest or the VMM can observe lives here; the oracle keeps a set of these and
// prunes them with each observed result. Hot state is in typed arrays so clone() is a handful of
// memcpy's; clone() is only called when a choice actually branches.
import type { ResolvedConfig } from '../spec/scenario.js';
import { GuestMemory } from './memory.js';

/** An ITE: a physical LPI and its collection (IHI 0069 5.3 ITS commands). */
export interface Ite {
  intid: number;
  icid: number;
  /** choice.u41.mapc-unmap-in-use: the collection was unmapped under this ITE and the implementation chose to detach it for good */
  detached: boolean;
  /**
   * choice.u47.movall-live-collections (KVM's option): a MOVALL retargeted this ITE's LPI to this RD while its collection still
   * names the old one; the ITE's target until a MOVI or a MAPC of its collection
   */
  rd?: number;
  /**
   * Quirks only (model/quirks.ts failedRestoreKeepsCache): the ITE lost its collection in a failed
   * restore, but a translation of it cached before may still deliver its LPI to this RD.
   */
  cachedRd?: number;
}

export interface Device {
  /** EventID bits - 1 (MAPD Size) */
  size: number;
  itt: number;
  ites: Map<number, Ite>;
}

export class ItsState {
  enabled = false;
  cbaser = 0n;
  /** byte offsets into the command queue */
  cwriter = 0;
  creadr = 0;
  stalled = false;
  /** choice.u28.cwriter-oor: CWRITER was written out of range and the implementation chose "queue unusable" */
  cwriterBad = false;
  baser: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  devices = new Map<number, Device>();
  /** ICID -> RD (processor number); only mapped collections are present */
  collections = new Map<number, number>();

  clone(): ItsState {
    const c = new ItsState();
    c.enabled = this.enabled;
    c.cbaser = this.cbaser;
    c.cwriter = this.cwriter;
    c.creadr = this.creadr;
    c.stalled = this.stalled;
    c.cwriterBad = this.cwriterBad;
    c.baser = this.baser.slice();
    for (const [id, d] of this.devices) {
      const ites = new Map<number, Ite>();
      for (const [e, ite] of d.ites) {
        const t: Ite = { intid: ite.intid, icid: ite.icid, detached: ite.detached };
        if (ite.cachedRd !== undefined) t.cachedRd = ite.cachedRd;
        if (ite.rd !== undefined) t.rd = ite.rd;
        ites.set(e, t);
      }
      c.devices.set(id, { size: d.size, itt: d.itt, ites });
    }
    c.collections = new Map(this.collections);
    return c;
  }
}

/** Per-interrupt storage index: private interrupts cpu*32+intid, SPIs after all private ones. */
export function slotOf(st: State, cpu: number, intid: number): number {
  return intid < 32 ? cpu * 32 + intid : st.nPriv + (intid - 32);
}

export const ASLEEP = 1;
/** asleep, but an interrupt that may (not must) have been signalled arrived meanwhile */
export const ASLEEP_MAY_WAKE = 2;
/**
 * asleep, and only KVM's wake-up test (quirks: QUIRKS.wfiIgnoresGroupEnable) would have woken it for
 * an interrupt of a group the CPU interface has disabled
 */
export const ASLEEP_QUIRK_WAKE = 3;
/**
 * asleep, and a forwarded vLPI made pending meanwhile rang the doorbell, which wakes it whatever
 * the priority mask (quirks: QUIRKS.doorbellWakesMasked)
 */
export const ASLEEP_DOORBELL_WAKE = 4;
/**
 * woken by the architecture (an interrupt it must signal is pending), but on kvm-linux still asleep:
 * every wake-up check since found the host's list registers full of active interrupts, so the
 * virtual CPU interface signalled nothing (quirks: QUIRKS.activeFillLrs)
 */
export const ASLEEP_LRS_FULL = 5;

/** Bit b of State.priBits set: b implemented priority bits are still possible (choice.u2.priority-bits). */
export const PRIBITS_ALL = 0b1_1111_0000;

/** GICD_CTLR.nASSGIreq [8] (IHI 0069 GICD_CTLR, GICv4.1): SGIs have no active state while it is 1. */
export const NASSGIREQ = 0x100;
/** State.lpiActive: added to the vCPU of an LPI active when it left that vCPU's ap_list (QUIRKS.lpiActiveUntilEoi). */
export const LPI_ACTIVE_ORPHANED = 1 << 20;

export class State {
  readonly nPriv: number;
  readonly nSlots: number;

  /** backing store of every Uint8Array field / every Uint32Array field (packed in bindViews) */
  private readonly bytes: Uint8Array;
  private readonly bytesAsWords: Int32Array;
  private readonly words: Uint32Array;

  // ---- SGIs, PPIs, SPIs (IHI 0069 chapter 4, interrupt state transitions: latch, line, active) ----
  enabled: Uint8Array;
  latch: Uint8Array;
  line: Uint8Array;
  active: Uint8Array;
  /** priority as written (8 bits); the implemented-bits mask is applied on every read and compare */
  prio: Uint8Array;
  group: Uint8Array;
  edge: Uint8Array;
  /** GICD_IROUTER<n> bits [31:0] (Aff2.Aff1.Aff0 and IRM) and Aff3 */
  irouter: Uint32Array;
  irouterAff3: Uint8Array;

  // ---- distributor ----
  gicdCtlr = 0; // EnableGrp0 [0], EnableGrp1 [1], nASSGIreq [8] (NASSGIREQ; ARE, DS are RAO)

  // ---- CPU interfaces ----
  pmr: Uint8Array;
  bpr0: Uint8Array;
  bpr1: Uint8Array;
  cbpr: Uint8Array;
  eoiMode: Uint8Array;
  igrpen0: Uint8Array;
  igrpen1: Uint8Array;
  /** active priorities: per cpu, per group, a 256-bit set of group priorities (8 words) */
  apr: Uint32Array;
  /** INTIDs acknowledged and not yet priority-dropped, most recent last (EOI nesting, choice.u9.eoir-out-of-order) */
  ackStack!: number[][];
  asleep: Uint8Array;
  /**
   * choice.u6.state-change-race/choice.u44.in-flight-until-sync: interrupts a PE may still acknowledge with their old properties after another agent
   * changed them (disable, clear-pending, reroute, priority change; ITS CLEAR/DISCARD/MOVI before a
   * SYNC): per cpu, intid -> old priority | group << 8. Gone once that PE acknowledges (or SYNC).
   */
  ghosts!: Map<number, number>[];

  // ---- redistributors ----
  waker: Uint8Array; // ProcessorSleep
  enableLpis: Uint8Array;
  propbaser!: bigint[];
  pendbaser!: bigint[];
  ctlrDpg: Uint32Array; // GICR_CTLR DPG bits as written
  /** pending LPIs per redistributor */
  lpiPending!: Set<number>[];
  /**
   * choice.u39.intid-two-ites: LPIs mapped by more than one ITE: each delivery makes the INTID possibly (not certainly)
   * pending at the redistributors listed here, until taken there.
   */
  lpiScoped!: Map<number, Set<number>>;
  /**
   * choice.u44.in-flight-until-sync: LPIs a MOVI moved while pending, not yet completed by a SYNC to the old RD: intid -> old
   * RD. Pending at the new RD, but until then the new RD may not have it yet (it may still be
   * taken at the old one, a ghost there): an optional candidate. Gone when taken or on that SYNC.
   */
  lpiInFlight!: Map<number, number>;
  /**
   * Rule ids of the inferred (confidence I) readings this candidate took where the other reading is
   * the architecture's presumed one (choice.u24.pending-across-toggle, 'lost'): a trace only such candidates explain is
   * accepted under an unconfirmed reading, not passed. Not part of the state's identity: candidates
   * that differ only here merge, keeping the readings both needed (oracle.ts, mergeInto).
   */
  unconfirmed: readonly string[] = [];
  /**
   * Quirks only (model/quirks.ts distEnableNoRequeue): interrupts pending but not queued to any
   * vCPU, which a target may not deliver until something queues them: a slot (SGI/PPI/SPI) or an
   * LPI's INTID. Optional candidates until taken. Always empty without quirks.
   */
  unqueued!: Set<number>;
  /**
   * Quirks only (model/quirks.ts msiCachedWithoutDevid): the (ITS, DeviceID, EventID) that KVM's
   * translation cache holds, as "its:device:event": filled by a translated MSI or INT, emptied
   * where KVM invalidates it. Always empty without that quirk.
   */
  msiCached!: Set<string>;
  /**
   * Quirks only (model/quirks.ts levelLatchSurvivesAck): level interrupts whose pending latch an
   * acknowledge consumed, by slot, until they are deactivated. Always empty without quirks.
   */
  latchAtAck!: Set<number>;
  /**
   * Slots whose active state is open: an out-of-order EOI may have deactivated them
   * (choice.u9.eoir-out-of-order, per EOI), and nothing has looked since. `active` holds 1 for
   * them. Decided when an op may observe them (model/oracle.ts), so that a run of such EOIs keeps
   * one candidate instead of doubling the set at each.
   */
  activeOpen!: Set<number>;
  /**
   * Quirks only (QUIRKS.qemuBprMinNotAppliedWithHighBits): binary points that hold a value below
   * their minimum, as cpu * 2 + group (0: BPR0, 1: BPR1). Always empty without quirks.
   */
  bprBelowMin!: Set<number>;
  /**
   * Quirks only (model/quirks.ts levelInfoEdge): interrupts, by slot, whose line KVM_IRQ_LINE
   * raised while they were edge-configured: KVM latched them and never recorded the line level.
   * Always empty without quirks.
   */
  lineUnrecorded!: Set<number>;
  /**
   * Quirks only (model/quirks.ts irouterNoRequeue): SPIs, by slot, a GICD_IROUTER write left on the
   * ap_list of the vCPU that held them, until taken. Always empty without quirks.
   */
  leftOnOldVcpu!: Set<number>;
  /**
   * Quirks only (model/quirks.ts, KVM's GICv4): vLPIs pending in the GICv4 hardware (the vPE's
   * pending table) apart from the software pending state: intid -> redistributor. Always empty
   * without quirks.
   */
  vlpiPending!: Map<number, number>;
  /**
   * Quirks only: LPIs a vCPU whose redistributor has EnableLPIs 0 may still take: queued to it by
   * the ITS restore (QUIRKS.restoreQueuesLpiWhileLpisOff), or left in its list registers when
   * another vCPU cleared EnableLPIs (QUIRKS.lpiInLrSurvivesEnableLpisClear): intid -> redistributor.
   * Always empty without quirks.
   */
  lpiQueuedLpisOff!: Map<number, number>;
  /**
   * With quirks only: the LPIs that were pending at a redistributor when its EnableLPIs was
   * cleared, while it stays 0 (KVM keeps their pending_latch: QUIRKS.restoreQueuesLpiWhileLpisOff).
   */
  lpiKeptLpisOff!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.lpiActiveUntilEoi): LPIs acknowledged on a vCPU that KVM keeps active until
   * an EOI deactivates them: intid -> the vCPU, plus LPI_ACTIVE_ORPHANED once an EnableLPIs clear
   * took the LPI off that vCPU's ap_list while active (its EOI then finds no list register).
   * Always empty without quirks.
   */
  lpiActive!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.resampleNeedsExitWhileActive): active SPIs acknowledged on a vCPU, by slot:
   * vCPU * 2, plus 1 once that vCPU has certainly exited since (KVM's fold at that exit saw the SPI
   * active, so deactivating it on that vCPU notifies the irqfd resampler). Always empty without quirks.
   */
  spiAckedOn!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.dirOfSpiActiveElsewhereIgnored): SPIs made active by a GICD_ISACTIVER write,
   * by slot: the vCPU they were routed to then. KVM queues such an SPI there (vgic_mmio_change_active)
   * and keeps it there while it is active, a later GICD_IROUTER write notwithstanding. Always empty without quirks.
   */
  spiActivatedOn!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.irouterNoRequeue, QUIRKS.lpiRetargetNoRequeue): interrupts taken on a vCPU
   * whose vgic_irq is still on that vCPU's ap_list although nothing keeps it there: an SPI (by slot)
   * deactivated, an LPI (by INTID) acknowledged, while that vCPU ran. KVM prunes an ap_list only at
   * an exit (vgic.c vgic_prune_ap_list), and a new injection finds the vgic_irq queued and leaves it
   * there (vgic_queue_irq_unlock): retargeted meanwhile, it reaches its new vCPU only after that
   * exit. -> the vCPU; gone once it certainly exited (machine.ts noteCertainExit).
   * Always empty without quirks.
   */
  apListHeld!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.lpiRetargetNoRequeue): LPIs in flight after a MOVI (lpiInFlight) made
   * pending again by an INT or MSI: KVM sets the vgic_irq's latch apart from the copy already in the
   * old vCPU's list register, so taking that copy leaves the latch for the new target. Always empty
   * without quirks.
   */
  lpiRepended!: Set<number>;
  /**
   * Quirks only (QUIRKS.forwardedTranslationCached): forwarded LPIs whose pending state in
   * lpiPending is KVM's software latch: a KVM_SIGNAL_MSI or irqfd injection that found the event in
   * the translation cache (vgic_its_inject_cached_translation: pending_latch, not the vLPI). Meant
   * only while the LPI is pending there. Always empty without quirks.
   */
  lpiSoftLatch!: Set<number>;
  /**
   * Quirks only (QUIRKS.vlpiSurvivesCollectionUnmap): forwarded LPIs whose collection a MAPC V = 0
   * unmapped: KVM keeps the vLPI mapped to the vPE of its last target: intid -> that redistributor.
   * Always empty without quirks.
   */
  vlpiOrphaned!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.sharedLpiIgnoresEnableLpis): INTIDs two ITEs named, one of which has gone
   * (DISCARD, MAPD): KVM's one vgic_irq keeps the removed ITE's target vCPU, where an INT or MSI
   * through the remaining ITE makes it pending: intid -> that redistributor, until a retarget.
   */
  lpiKeptTarget!: Map<number, number>;
  /** Quirks only (QUIRKS.timerUnseenBeforeRun): the vCPUs that have run since the VM was created or restored. */
  ran!: Set<number>;
  /**
   * Quirks only (QUIRKS.timerUnseenBeforeRun): vCPUs that have not run yet whose timer output the
   * vGIC has not seen: vCPU -> the output, which becomes the PPI 27 line at the vCPU's first run.
   */
  timerBeforeRun!: Map<number, number>;
  /**
   * Quirks only (QUIRKS.loadedTimerDropUnseen): vCPUs whose timer output dropped since it was last
   * high: KVM's recorded level of PPI 27 may still be high (the loaded timer's fall reached no one).
   */
  timerDropUnseen!: Set<number>;
  /** choice.u16.config-cache: LPIs whose property byte changed since the last invalidate: the bytes a cache may still hold */
  lpiStale!: Map<number, number[]>;

  // ---- ITSes ----
  its!: ItsState[];
  /**
   * INTIDs named by more than one ITE over all ITSes (choice.u39.intid-two-ites), built on demand; null = rebuild. Every
   * change to a device or ITE map calls itesChanged(). Never mutated once built (clones share it).
   */
  private multiMapped: Set<number> | null = null;

  // ---- KVM userspace ABI ----
  /** GSI routing table: gsi -> routes (replaced whole, never changed in place: clones share it) */
  routes!: Map<number, Route[]>;
  irqfds!: Map<number, { resample: boolean }>;
  /** irqfds (by gsi) whose resamplefd was signalled and not yet queried */
  resampled!: Set<number>;
  /** resample irqfds (by gsi) that asserted their SPI line and wait for the ack */
  resampleAsserted!: Set<number>;
  /** host IRQ of an assigned device -> gsi of the irqfd it is bound to */
  forwards!: Map<number, number>;
  itsAbiRev!: number[];

  // ---- implementation parameters (docs/oracle.md) ----
  /** choice.u2.priority-bits: possible numbers of implemented priority bits (bit b set = b bits possible) */
  priBits = PRIBITS_ALL;
  /** choice.u18.clear-enable-lpis: possible values of GICR_CTLR.CES (bit 0: CES = 0 possible, bit 1: CES = 1 possible) */
  ces = 0b11;
  /** IMPDEF register bits, fixed by their first observation: key -> value of the free bits */
  fixed!: Map<string, bigint>;

  // ---- quirks (model/choices.ts) ----
  /** the quirks this candidate's oracle may take (shared by every candidate; empty: the strict architecture) */
  quirks: ReadonlySet<string> = NO_QUIRKS;
  /** the quirks this candidate took, sorted (never mutated: noteQuirk replaces it) */
  quirksUsed: readonly string[] = NO_QUIRKS_USED;

  mem!: GuestMemory;

  constructor(readonly cfg: ResolvedConfig, empty = false) {
    const v = cfg.vcpus;
    this.nPriv = v * 32;
    this.nSlots = this.nPriv + cfg.spis;
    const n = this.nSlots;
    // every byte-wide field lives in one buffer and every 32-bit one in another (packedViews):
    // clone() copies two buffers, hash() and sameAs() walk them as 32-bit words
    const bytes = new Uint8Array(packedBytes(cfg));
    const words = new Uint32Array(cfg.spis + 17 * v);
    this.enabled = this.latch = this.line = this.active = this.prio = this.group = this.edge = bytes;
    this.irouterAff3 = this.pmr = this.bpr0 = this.bpr1 = this.cbpr = this.eoiMode = this.igrpen0 = this.igrpen1 = bytes;
    this.asleep = this.waker = this.enableLpis = bytes;
    this.irouter = this.apr = this.ctlrDpg = words;
    this.bytes = bytes;
    this.bytesAsWords = new Int32Array(bytes.buffer);
    this.words = words;
    this.bindViews();
    // every other field is filled by clone(), which would throw away anything allocated here
    if (empty) return;
    // VM creation state (IHI 0069 GICD_* registers "take the initial state from the VM as created"; the
    // documented KVM defaults, include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init): SGIs enabled, everything else disabled; inactive, not pending,
    // priority 0, Group 1; SGIs edge, PPIs level, SPIs edge; SPIs routed to the PE with affinity 0.
    // SGIs enabled at VM creation (include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init, kvm_vgic_vcpu_init; whether SGIs are enabled
    // at reset, or permanently, is IMPDEF in the architecture)
    for (let c = 0; c < v; c++) for (let i = 0; i < 16; i++) this.enabled[c * 32 + i] = 1;
    this.group.fill(1);
    for (let c = 0; c < v; c++) for (let i = 0; i < 16; i++) this.edge[c * 32 + i] = 1;
    for (let i = this.nPriv; i < n; i++) this.edge[i] = 1;
    this.lpiScoped = new Map<number, Set<number>>();
    this.lpiInFlight = new Map<number, number>();
    this.unqueued = new Set<number>();
    this.msiCached = new Set<string>();
    this.latchAtAck = new Set<number>();
    this.activeOpen = new Set<number>();
    this.bprBelowMin = new Set<number>();
    this.lineUnrecorded = new Set<number>();
    this.leftOnOldVcpu = new Set<number>();
    this.vlpiPending = new Map<number, number>();
    this.lpiQueuedLpisOff = new Map<number, number>();
    this.lpiKeptLpisOff = new Map<number, number>();
    this.lpiActive = new Map<number, number>();
    this.spiAckedOn = new Map<number, number>();
    this.spiActivatedOn = new Map<number, number>();
    this.apListHeld = new Map<number, number>();
    this.lpiRepended = new Set<number>();
    this.lpiSoftLatch = new Set<number>();
    this.vlpiOrphaned = new Map<number, number>();
    this.ran = new Set<number>();
    this.lpiKeptTarget = new Map<number, number>();
    this.timerBeforeRun = new Map<number, number>();
    this.timerDropUnseen = new Set<number>();
    this.lpiStale = new Map<number, number[]>();
    this.routes = new Map<number, Route[]>();
    this.irqfds = new Map<number, { resample: boolean }>();
    this.resampled = new Set<number>();
    this.resampleAsserted = new Set<number>();
    this.forwards = new Map<number, number>();
    this.fixed = new Map<string, bigint>();
    this.ackStack = Array.from({ length: v }, () => []);
    this.ghosts = Array.from({ length: v }, () => new Map<number, number>());
    this.waker.fill(1);
    this.propbaser = new Array<bigint>(v).fill(0n);
    this.pendbaser = new Array<bigint>(v).fill(0n);
    this.lpiPending = Array.from({ length: v }, () => new Set<number>());
    this.its = Array.from({ length: cfg.its }, () => new ItsState());
    this.itsAbiRev = new Array<number>(cfg.its).fill(0);
    this.mem = new GuestMemory(cfg.memory);
    // Default routing table (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI): GSI i -> irqchip 0 pin i for every SPI.
    for (let i = 0; i < cfg.spis; i++) this.routes.set(i, [{ kind: 'irqchip', pin: i }]);
  }

  /** Whether more than one ITE (of any ITS) names this INTID. */
  mappedMoreThanOnce(intid: number): boolean {
    let m = this.multiMapped;
    if (m === null) {
      const seen = new Set<number>();
      m = new Set<number>();
      for (const its of this.its) for (const dev of its.devices.values()) for (const t of dev.ites.values()) {
        if (seen.has(t.intid)) m.add(t.intid);
        else seen.add(t.intid);
      }
      this.multiMapped = m;
    }
    return m.has(intid);
  }
  /** A device or ITE was added, removed or replaced: the choice.u39.intid-two-ites index is rebuilt when next needed. */
  itesChanged(): void {
    this.multiMapped = null;
  }

  /** Lay the typed-array fields out over `bytes` and `words` (sizes as in packedBytes). */
  private bindViews(): void {
    const n = this.nSlots;
    const v = this.cfg.vcpus;
    const spis = this.cfg.spis;
    const b = this.bytes;
    let o = 0;
    this.enabled = b.subarray(o, (o += n));
    this.latch = b.subarray(o, (o += n));
    this.line = b.subarray(o, (o += n));
    this.active = b.subarray(o, (o += n));
    this.prio = b.subarray(o, (o += n));
    this.group = b.subarray(o, (o += n));
    this.edge = b.subarray(o, (o += n));
    this.irouterAff3 = b.subarray(o, (o += spis));
    this.pmr = b.subarray(o, (o += v));
    this.bpr0 = b.subarray(o, (o += v));
    this.bpr1 = b.subarray(o, (o += v));
    this.cbpr = b.subarray(o, (o += v));
    this.eoiMode = b.subarray(o, (o += v));
    this.igrpen0 = b.subarray(o, (o += v));
    this.igrpen1 = b.subarray(o, (o += v));
    this.asleep = b.subarray(o, (o += v));
    this.waker = b.subarray(o, (o += v));
    this.enableLpis = b.subarray(o, (o += v));
    const w = this.words;
    this.irouter = w.subarray(0, spis);
    this.apr = w.subarray(spis, spis + 16 * v);
    this.ctlrDpg = w.subarray(spis + 16 * v, spis + 17 * v);
  }

  /** Note that this candidate took the unconfirmed reading of rule `id` (see `unconfirmed`). */
  takeUnconfirmed(id: string): void {
    if (!this.unconfirmed.includes(id)) this.unconfirmed = [...this.unconfirmed, id];
  }

  clone(): State {
    const s = new State(this.cfg, true);
    s.bytes.set(this.bytes);
    s.words.set(this.words);
    s.gicdCtlr = this.gicdCtlr;
    s.ackStack = this.ackStack.map((a) => a.slice());
    s.ghosts = this.ghosts.map(copyMap);
    s.propbaser = this.propbaser.slice();
    s.pendbaser = this.pendbaser.slice();
    s.lpiPending = this.lpiPending.map(copySet);
    s.lpiStale = this.lpiStale.size === 0 ? new Map() : new Map([...this.lpiStale].map(([k, v]) => [k, v.slice()]));
    s.lpiScoped = this.lpiScoped.size === 0 ? new Map() : new Map([...this.lpiScoped].map(([k, v]) => [k, new Set(v)]));
    s.lpiInFlight = copyMap(this.lpiInFlight);
    s.unqueued = copySet(this.unqueued);
    s.msiCached = copySet(this.msiCached);
    s.latchAtAck = copySet(this.latchAtAck);
    s.activeOpen = copySet(this.activeOpen);
    s.bprBelowMin = copySet(this.bprBelowMin);
    s.lineUnrecorded = copySet(this.lineUnrecorded);
    s.leftOnOldVcpu = copySet(this.leftOnOldVcpu);
    s.vlpiPending = copyMap(this.vlpiPending);
    s.lpiQueuedLpisOff = copyMap(this.lpiQueuedLpisOff);
    s.lpiKeptLpisOff = copyMap(this.lpiKeptLpisOff);
    s.lpiActive = copyMap(this.lpiActive);
    s.spiAckedOn = copyMap(this.spiAckedOn);
    s.spiActivatedOn = copyMap(this.spiActivatedOn);
    s.apListHeld = copyMap(this.apListHeld);
    s.lpiRepended = copySet(this.lpiRepended);
    s.lpiSoftLatch = copySet(this.lpiSoftLatch);
    s.vlpiOrphaned = copyMap(this.vlpiOrphaned);
    s.ran = copySet(this.ran);
    s.lpiKeptTarget = copyMap(this.lpiKeptTarget);
    s.timerBeforeRun = copyMap(this.timerBeforeRun);
    s.timerDropUnseen = copySet(this.timerDropUnseen);
    s.its = this.its.map((i) => i.clone());
    s.multiMapped = this.multiMapped;
    // never changed in place (KVM_SET_GSI_ROUTING replaces the table): shared, one entry per SPI
    s.routes = this.routes;
    s.irqfds = copyMap(this.irqfds);
    s.resampled = copySet(this.resampled);
    s.resampleAsserted = copySet(this.resampleAsserted);
    s.forwards = copyMap(this.forwards);
    s.itsAbiRev = this.itsAbiRev.slice();
    s.priBits = this.priBits;
    s.ces = this.ces;
    s.fixed = copyMap(this.fixed);
    s.quirks = this.quirks;
    s.quirksUsed = this.quirksUsed;
    s.mem = this.mem.clone();
    s.unconfirmed = this.unconfirmed;
    return s;
  }

  /** Same as `fingerprint() === o.fingerprint()`, without building the strings. */
  sameAs(o: State): boolean {
    if (this.gicdCtlr !== o.gicdCtlr || this.mem.writeHash !== o.mem.writeHash) return false;
    // every typed-array field at once (bindViews); padding bytes are never written
    if (!eqI32(this.bytesAsWords, o.bytesAsWords) || !eqU32(this.words, o.words) || !eqNumbers(this.itsAbiRev, o.itsAbiRev)) return false;
    for (let c = 0; c < this.cfg.vcpus; c++) {
      if (this.propbaser[c] !== o.propbaser[c] || this.pendbaser[c] !== o.pendbaser[c]) return false;
      if (!eqNumbers(this.ackStack[c]!, o.ackStack[c]!)) return false;
      if (!sameMap(this.ghosts[c]!, o.ghosts[c]!) || !sameSet(this.lpiPending[c]!, o.lpiPending[c]!)) return false;
    }
    if (this.lpiStale.size !== o.lpiStale.size || this.lpiScoped.size !== o.lpiScoped.size || this.lpiInFlight.size !== o.lpiInFlight.size) return false;
    if (!sameMap(this.lpiInFlight, o.lpiInFlight)) return false;
    // the flat quirk bookkeeping sets and maps
    if (!sameSet(this.unqueued, o.unqueued) || !sameSet(this.latchAtAck, o.latchAtAck) || !sameSet(this.msiCached, o.msiCached)) return false;
    if (!sameSet(this.activeOpen, o.activeOpen) || !sameSet(this.bprBelowMin, o.bprBelowMin)) return false;
    if (!sameSet(this.lineUnrecorded, o.lineUnrecorded) || !sameSet(this.leftOnOldVcpu, o.leftOnOldVcpu)) return false;
    if (!sameMap(this.vlpiPending, o.vlpiPending) || !sameMap(this.lpiQueuedLpisOff, o.lpiQueuedLpisOff)) return false;
    if (!sameMap(this.lpiKeptLpisOff, o.lpiKeptLpisOff) || !sameMap(this.lpiActive, o.lpiActive) || !sameMap(this.spiAckedOn, o.spiAckedOn)) return false;
    if (!sameMap(this.apListHeld, o.apListHeld) || !sameSet(this.lpiRepended, o.lpiRepended) || !sameMap(this.spiActivatedOn, o.spiActivatedOn)) return false;
    if (!sameSet(this.lpiSoftLatch, o.lpiSoftLatch) || !sameMap(this.vlpiOrphaned, o.vlpiOrphaned)) return false;
    if (!sameSet(this.ran, o.ran) || !sameMap(this.timerBeforeRun, o.timerBeforeRun) || !sameSet(this.timerDropUnseen, o.timerDropUnseen) || !sameMap(this.lpiKeptTarget, o.lpiKeptTarget)) return false;
    for (const [k, v] of this.lpiScoped) {
      const w = o.lpiScoped.get(k);
      if (w === undefined || w.size !== v.size || [...v].some((r) => !w.has(r))) return false;
    }
    for (const [k, v] of this.lpiStale) {
      const w = o.lpiStale.get(k);
      if (w === undefined || w.length !== v.length || !v.every((b) => w.includes(b))) return false;
    }
    // held choices (model/choices.ts) may differ: merging such states reopens the policy
    for (const [k, v] of this.fixed) if (!k.startsWith('policy.') && o.fixed.get(k) !== v) return false;
    for (const k of o.fixed.keys()) if (!k.startsWith('policy.') && !this.fixed.has(k)) return false;
    if (this.resampled.size !== o.resampled.size || this.resampleAsserted.size !== o.resampleAsserted.size) return false;
    for (const g of this.resampled) if (!o.resampled.has(g)) return false;
    for (const g of this.resampleAsserted) if (!o.resampleAsserted.has(g)) return false;
    if (!sameMap(this.irqfds, o.irqfds, sameIrqfd) || !sameMap(this.forwards, o.forwards)) return false;
    if (!sameMap(this.routes, o.routes, sameRoutes)) return false;
    for (let n = 0; n < this.its.length; n++) {
      const a = this.its[n]!;
      const b = o.its[n]!;
      if (a.enabled !== b.enabled || a.cbaser !== b.cbaser || a.cwriter !== b.cwriter || a.creadr !== b.creadr || a.stalled !== b.stalled || a.cwriterBad !== b.cwriterBad) return false;
      for (let i = 0; i < 8; i++) if (a.baser[i] !== b.baser[i]) return false;
      if (a.collections.size !== b.collections.size || a.devices.size !== b.devices.size) return false;
      for (const [c, r] of a.collections) if (b.collections.get(c) !== r) return false;
      for (const [d, dev] of a.devices) {
        const e = b.devices.get(d);
        if (e === undefined || e.size !== dev.size || e.itt !== dev.itt || e.ites.size !== dev.ites.size) return false;
        for (const [ev, t] of dev.ites) {
          const u = e.ites.get(ev);
          if (u === undefined || u.intid !== t.intid || u.icid !== t.icid || u.detached !== t.detached || u.rd !== t.rd || u.cachedRd !== t.cachedRd) return false;
        }
      }
    }
    return true;
  }

  /**
   * A number equal for any two states `sameAs` calls equal (the converse need not hold): the
   * oracle buckets candidates by it and runs `sameAs` only inside a bucket, instead of building
   * `fingerprint()` strings for every candidate after every op. Unordered collections (sets,
   * maps) contribute an order-independent sum; policies, `priBits` and `ces` are left out.
   */
  hash(): number {
    let h = mixI32(0x9e3779b9, this.bytesAsWords);
    h = mixU32(h, this.words);
    h = mixNumbers(h, this.itsAbiRev);
    h = mix(h, this.gicdCtlr); h = mix(h, this.mem.writeHash);
    for (let c = 0; c < this.ackStack.length; c++) {
      h = mixNumbers(h, this.ackStack[c]!);
      let u = 0;
      for (const [k, v] of this.ghosts[c]!) u = (u + mix(mix(0, k), v)) | 0;
      for (const v of this.lpiPending[c]!) u = (u + mix(0x51, v)) | 0;
      h = mix(mix(h, u), this.lpiPending[c]!.size);
    }
    let u = 0;
    for (const [k, v] of this.lpiScoped) for (const r of v) u = (u + mix(mix(0x17, k), r)) | 0;
    for (const [k, v] of this.lpiStale) u = (u + mix(mix(0x29, k), v.length)) | 0;
    for (const [k, v] of this.lpiInFlight) u = (u + mix(mix(0x3b, k), v)) | 0;
    for (const [k, v] of this.lpiActive) u = (u + mix(mix(0x4d, k), v)) | 0;
    for (const [k, v] of this.spiAckedOn) u = (u + mix(mix(0x59, k), v)) | 0;
    for (const [k, v] of this.apListHeld) u = (u + mix(mix(0x65, k), v)) | 0;
    for (const [k, v] of this.spiActivatedOn) u = (u + mix(mix(0x6b, k), v)) | 0;
    for (const k of this.lpiRepended) u = (u + mix(0x71, k)) | 0;
    for (const k of this.lpiSoftLatch) u = (u + mix(0x83, k)) | 0;
    for (const [k, v] of this.vlpiOrphaned) u = (u + mix(mix(0x95, k), v)) | 0;
    for (const k of this.ran) u = (u + mix(0xa7, k)) | 0;
    for (const [k, v] of this.lpiKeptTarget) u = (u + mix(mix(0xcb, k), v)) | 0;
    for (const [k, v] of this.timerBeforeRun) u = (u + mix(mix(0xb9, k), v)) | 0;
    for (const k of this.timerDropUnseen) u = (u + mix(0xbb, k)) | 0;
    for (const g of this.resampled) u = (u + mix(0x33, g)) | 0;
    for (const g of this.resampleAsserted) u = (u + mix(0x47, g)) | 0;
    // the bookkeeping quirk candidates differ by (with quirks, thousands of candidates can be
    // equal in everything else, and one bucket would hold them all)
    for (const k of this.unqueued) u = (u + mix(0x5b, k)) | 0;
    for (const k of this.latchAtAck) u = (u + mix(0x6b, k)) | 0;
    for (const k of this.activeOpen) u = (u + mix(0x7d, k)) | 0;
    for (const k of this.bprBelowMin) u = (u + mix(0x8f, k)) | 0;
    for (const k of this.lineUnrecorded) u = (u + mix(0xa1, k)) | 0;
    for (const k of this.leftOnOldVcpu) u = (u + mix(0xb3, k)) | 0;
    for (const [k, v] of this.vlpiPending) u = (u + mix(mix(0xc5, k), v)) | 0;
    for (const [k, v] of this.lpiQueuedLpisOff) u = (u + mix(mix(0xd7, k), v)) | 0;
    for (const [k, v] of this.lpiKeptLpisOff) u = (u + mix(mix(0xe9, k), v)) | 0;
    u = (u + mix(0xfb, this.msiCached.size)) | 0;
    h = mix(mix(mix(h, u), this.lpiStale.size), this.lpiScoped.size);
    h = mix(mix(mix(h, this.routes.size), this.irqfds.size), this.forwards.size);
    for (const i of this.its) {
      h = mix(mix(mix(h, i.cwriter), i.creadr), (+i.enabled) | (+i.stalled << 1) | (+i.cwriterBad << 2));
      let v = 0;
      for (const [d, dev] of i.devices) {
        v = (v + mix(mix(mix(0x61, d), dev.size), dev.itt)) | 0;
        for (const [e, t] of dev.ites) v = (v + mix(mix(mix(mix(mix(d, e), t.intid), t.icid), +t.detached), t.rd ?? -1)) | 0;
      }
      for (const [c, r] of i.collections) v = (v + mix(mix(0x75, c), r)) | 0;
      h = mix(mix(mix(h, v), i.devices.size), i.collections.size);
    }
    return h;
  }

  /**
   * A string equal for two states exactly when no observation can tell them apart, leaving out
   * the implementation parameters in `priBits`/`ces` (candidates that differ only there are merged
   * by taking the union of the parameter sets) and the held policies (merging reopens them).
   */
  fingerprint(): string {
    const parts: string[] = [];
    const arr = (a: ArrayLike<number>): void => { parts.push(Array.prototype.join.call(a, ',')); };
    arr(this.enabled); arr(this.latch); arr(this.line); arr(this.active); arr(this.prio); arr(this.group); arr(this.edge);
    arr(this.irouter); arr(this.irouterAff3);
    parts.push(String(this.gicdCtlr));
    arr(this.pmr); arr(this.bpr0); arr(this.bpr1); arr(this.cbpr); arr(this.eoiMode); arr(this.igrpen0); arr(this.igrpen1);
    arr(this.apr); parts.push(this.ackStack.map((a) => a.join('.')).join('/'));
    parts.push(this.ghosts.map((g) => [...g].sort((a, b) => a[0] - b[0]).join('.')).join('/'));
    arr(this.asleep); arr(this.waker); arr(this.enableLpis); parts.push(this.propbaser.join(','), this.pendbaser.join(','));
    arr(this.ctlrDpg);
    parts.push(this.lpiPending.map((p) => [...p].sort((a, b) => a - b).join('.')).join('/'));
    parts.push([...this.lpiScoped].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${[...v].sort().join('.')}`).join(';'));
    parts.push([...this.lpiStale].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${[...v].sort().join('.')}`).join(';'));
    parts.push([...this.lpiInFlight].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}<${v}`).join(';'));
    parts.push([...this.unqueued].sort((a, b) => a - b).join(','), [...this.latchAtAck].sort((a, b) => a - b).join(','));
    parts.push([...this.msiCached].sort().join(','));
    parts.push([...this.activeOpen].sort((a, b) => a - b).join(','), [...this.bprBelowMin].sort((a, b) => a - b).join(','));
    parts.push([...this.lineUnrecorded].sort((a, b) => a - b).join(','), [...this.leftOnOldVcpu].sort((a, b) => a - b).join(','));
    parts.push([...this.vlpiPending].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.lpiQueuedLpisOff].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.lpiKeptLpisOff].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.lpiActive].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.spiAckedOn].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.apListHeld].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.spiActivatedOn].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.lpiRepended].sort((a, b) => a - b).join(','), [...this.lpiSoftLatch].sort((a, b) => a - b).join(','));
    parts.push([...this.vlpiOrphaned].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.lpiKeptTarget].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','));
    parts.push([...this.ran].sort((a, b) => a - b).join(','), [...this.timerBeforeRun].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}@${v}`).join(','), [...this.timerDropUnseen].sort((a, b) => a - b).join(','));
    for (const i of this.its) {
      parts.push(`${+i.enabled},${i.cbaser},${i.cwriter},${i.creadr},${+i.stalled},${+i.cwriterBad},${i.baser.join('.')}`);
      parts.push([...i.devices].sort((a, b) => a[0] - b[0]).map(([d, dev]) =>
        `${d}:${dev.size}:${dev.itt}:` + [...dev.ites].sort((a, b) => a[0] - b[0]).map(([e, t]) => `${e}=${t.intid}.${t.icid}.${+t.detached}.${t.rd ?? ''}.${t.cachedRd ?? ''}`).join(',')).join(';'));
      parts.push([...i.collections].sort((a, b) => a[0] - b[0]).map(([c, r]) => `${c}>${r}`).join(','));
    }
    parts.push(JSON.stringify([...this.routes].sort((a, b) => a[0] - b[0])));
    parts.push(JSON.stringify([...this.irqfds].sort((a, b) => a[0] - b[0])));
    parts.push([...this.resampled].sort().join(','), [...this.resampleAsserted].sort().join(','));
    parts.push(JSON.stringify([...this.forwards].sort((a, b) => a[0] - b[0])));
    parts.push(this.itsAbiRev.join(','));
    parts.push(JSON.stringify([...this.fixed].filter(([k]) => !k.startsWith('policy.')).map(([k, v]) => [k, v.toString(16)]).sort()));
    parts.push(String(this.mem.writeHash));
    return parts.join('|');
  }
}

const NO_QUIRKS: ReadonlySet<string> = new Set();
const NO_QUIRKS_USED: readonly string[] = [];

/** Bytes of the packed byte-wide fields (bindViews), rounded up to whole 32-bit words. */
function packedBytes(cfg: ResolvedConfig): number {
  const n = cfg.vcpus * 32 + cfg.spis;
  return (7 * n + cfg.spis + 10 * cfg.vcpus + 3) & ~3;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  return h ^ (h >>> 15);
}
// One function per array type: a loop fed Int32Array, Uint32Array and number[] alike goes
// megamorphic and costs tens of ns per element (the hash and compare of a 17-vCPU state's ~1000
// words after every branching op was a fifth of the oracle's time on gen@8 stories).
function mixI32(h: number, a: Int32Array): number {
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return mix(h, a.length);
}
function mixU32(h: number, a: Uint32Array): number {
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return mix(h, a.length);
}
function mixNumbers(h: number, a: readonly number[]): number {
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return mix(h, a.length);
}

/** A copy for a clone; an empty one is not iterated (most of these sets and maps stay empty). */
function copySet<T>(a: ReadonlySet<T>): Set<T> {
  return a.size === 0 ? new Set<T>() : new Set(a);
}
function copyMap<K, V>(a: ReadonlyMap<K, V>): Map<K, V> {
  return a.size === 0 ? new Map<K, V>() : new Map(a);
}

function sameMap<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>, same: (x: V, y: V) => boolean = sameValue): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !same(v, w)) return false;
  }
  return true;
}

/** Route lists of one GSI; clones share the lists, so identity settles most comparisons. */
function sameRoutes(a: readonly Route[], b: readonly Route[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const r = a[i]!;
    const q = b[i]!;
    if (r.kind === 'irqchip' ? !(q.kind === 'irqchip' && r.pin === q.pin)
      : !(q.kind === 'msi' && r.address === q.address && r.data === q.data && r.devid === q.devid && r.flags === q.flags)) return false;
  }
  return true;
}
// top-level, not per-call arrows: under tsx every closure created costs a defineProperty (keepNames)
function sameIrqfd(a: { resample: boolean }, b: { resample: boolean }): boolean { return a.resample === b.resample; }
function sameValue<V>(a: V, b: V): boolean { return a === b; }

// monomorphic like mixI32 and co.
function eqI32(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function eqU32(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function eqNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export type Route =
  | { kind: 'irqchip'; pin: number }
  | { kind: 'msi'; address: number; data: number; devid: number; flags: number };

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}
