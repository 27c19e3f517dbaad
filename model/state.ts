// One candidate state of the architecture model (model/README.md "State layout").
// Everything a guest or the VMM can observe lives here; the oracle keeps a set of these and
// prunes them with each observed result. Hot state is in typed arrays so clone() is a handful of
// memcpy's; clone() is only called when a choice actually branches.
import type { ResolvedConfig } from '../spec/scenario.js';
import { GuestMemory } from './memory.js';

/** An ITE: a physical LPI and its collection (gic-arch.md 5.7). */
export interface Ite {
  intid: number;
  icid: number;
  /** U41: the collection was unmapped under this ITE and the implementation chose to detach it for good */
  detached: boolean;
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
  /** U28: CWRITER was written out of range and the implementation chose "queue unusable" */
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
      for (const [e, ite] of d.ites) ites.set(e, { intid: ite.intid, icid: ite.icid, detached: ite.detached });
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

/** Bit b of State.priBits set: b implemented priority bits are still possible (U2). */
export const PRIBITS_ALL = 0b1_1111_0000;

export class State {
  readonly nPriv: number;
  readonly nSlots: number;

  // ---- SGIs, PPIs, SPIs (gic-arch.md 2.3: latch, line, active) ----
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
  gicdCtlr = 0; // EnableGrp0 [0], EnableGrp1 [1] (ARE, DS are RAO)

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
  /** INTIDs acknowledged and not yet priority-dropped, most recent last (EOI nesting, U9) */
  ackStack: number[][];
  asleep: Uint8Array;
  /**
   * U6/U44: interrupts a PE may still acknowledge with their old properties after another agent
   * changed them (disable, clear-pending, reroute, priority change; ITS CLEAR/DISCARD/MOVI before a
   * SYNC): per cpu, intid -> old priority | group << 8. Gone once that PE acknowledges (or SYNC).
   */
  ghosts: Map<number, number>[];

  // ---- redistributors ----
  waker: Uint8Array; // ProcessorSleep
  enableLpis: Uint8Array;
  propbaser: bigint[];
  pendbaser: bigint[];
  ctlrDpg: Uint32Array; // GICR_CTLR DPG bits as written
  /** pending LPIs per redistributor */
  lpiPending: Set<number>[];
  /**
   * U39: LPIs mapped by more than one ITE: each delivery makes the INTID possibly (not certainly)
   * pending at the redistributors listed here, until taken there.
   */
  lpiScoped = new Map<number, Set<number>>();
  /** U16: LPIs whose property byte changed since the last invalidate: the bytes a cache may still hold */
  lpiStale = new Map<number, number[]>();

  // ---- ITSes ----
  its: ItsState[];

  // ---- KVM userspace ABI ----
  /** GSI routing table: gsi -> routes */
  routes = new Map<number, Route[]>();
  irqfds = new Map<number, { resample: boolean }>();
  /** irqfds (by gsi) whose resamplefd was signalled and not yet queried */
  resampled = new Set<number>();
  /** resample irqfds (by gsi) that asserted their SPI line and wait for the ack */
  resampleAsserted = new Set<number>();
  /** host IRQ of an assigned device -> gsi of the irqfd it is bound to */
  forwards = new Map<number, number>();
  itsAbiRev: number[];

  // ---- implementation parameters (DESIGN.md 4) ----
  /** U2: possible numbers of implemented priority bits (bit b set = b bits possible) */
  priBits = PRIBITS_ALL;
  /** U18: possible values of GICR_CTLR.CES (bit 0: CES = 0 possible, bit 1: CES = 1 possible) */
  ces = 0b11;
  /** IMPDEF register bits, fixed by their first observation: key -> value of the free bits */
  fixed = new Map<string, bigint>();

  mem: GuestMemory;

  constructor(readonly cfg: ResolvedConfig, empty = false) {
    const v = cfg.vcpus;
    this.nPriv = v * 32;
    this.nSlots = this.nPriv + cfg.spis;
    const n = this.nSlots;
    if (empty) {
      // filled by clone()
      this.enabled = this.latch = this.line = this.active = this.prio = this.group = this.edge = new Uint8Array(0);
      this.irouter = new Uint32Array(0);
      this.irouterAff3 = this.pmr = this.bpr0 = this.bpr1 = this.cbpr = this.eoiMode = this.igrpen0 = this.igrpen1 = new Uint8Array(0);
      this.apr = new Uint32Array(0);
      this.ackStack = [];
      this.ghosts = [];
      this.asleep = this.waker = this.enableLpis = new Uint8Array(0);
      this.propbaser = this.pendbaser = [];
      this.ctlrDpg = new Uint32Array(0);
      this.lpiPending = [];
      this.its = [];
      this.itsAbiRev = [];
      this.mem = new GuestMemory(cfg.memory);
      return;
    }
    // VM creation state (gic-arch.md 4.1 "take the initial state from the VM as created"; the
    // documented KVM defaults, kvm-vgic.md 1.1): SGIs enabled, everything else disabled; inactive, not pending,
    // priority 0, Group 1; SGIs edge, PPIs level, SPIs edge; SPIs routed to the PE with affinity 0.
    this.enabled = new Uint8Array(n);
    // SGIs enabled at VM creation (kvm-vgic.md 1.1, kvm_vgic_vcpu_init; whether SGIs are enabled
    // at reset, or permanently, is IMPDEF in the architecture)
    for (let c = 0; c < v; c++) for (let i = 0; i < 16; i++) this.enabled[c * 32 + i] = 1;
    this.latch = new Uint8Array(n);
    this.line = new Uint8Array(n);
    this.active = new Uint8Array(n);
    this.prio = new Uint8Array(n);
    this.group = new Uint8Array(n).fill(1);
    this.edge = new Uint8Array(n);
    for (let c = 0; c < v; c++) for (let i = 0; i < 16; i++) this.edge[c * 32 + i] = 1;
    for (let i = this.nPriv; i < n; i++) this.edge[i] = 1;
    this.irouter = new Uint32Array(cfg.spis);
    this.irouterAff3 = new Uint8Array(cfg.spis);
    this.pmr = new Uint8Array(v);
    this.bpr0 = new Uint8Array(v);
    this.bpr1 = new Uint8Array(v);
    this.cbpr = new Uint8Array(v);
    this.eoiMode = new Uint8Array(v);
    this.igrpen0 = new Uint8Array(v);
    this.igrpen1 = new Uint8Array(v);
    this.apr = new Uint32Array(v * 16);
    this.ackStack = Array.from({ length: v }, () => []);
    this.ghosts = Array.from({ length: v }, () => new Map<number, number>());
    this.asleep = new Uint8Array(v);
    this.waker = new Uint8Array(v).fill(1);
    this.enableLpis = new Uint8Array(v);
    this.propbaser = new Array<bigint>(v).fill(0n);
    this.pendbaser = new Array<bigint>(v).fill(0n);
    this.ctlrDpg = new Uint32Array(v);
    this.lpiPending = Array.from({ length: v }, () => new Set<number>());
    this.its = Array.from({ length: cfg.its }, () => new ItsState());
    this.itsAbiRev = new Array<number>(cfg.its).fill(0);
    this.mem = new GuestMemory(cfg.memory);
    // Default routing table (kvm-vgic.md 1.8): GSI i -> irqchip 0 pin i for every SPI.
    for (let i = 0; i < cfg.spis; i++) this.routes.set(i, [{ kind: 'irqchip', pin: i }]);
  }

  clone(): State {
    const s = new State(this.cfg, true);
    s.enabled = this.enabled.slice();
    s.latch = this.latch.slice();
    s.line = this.line.slice();
    s.active = this.active.slice();
    s.prio = this.prio.slice();
    s.group = this.group.slice();
    s.edge = this.edge.slice();
    s.irouter = this.irouter.slice();
    s.irouterAff3 = this.irouterAff3.slice();
    s.gicdCtlr = this.gicdCtlr;
    s.pmr = this.pmr.slice();
    s.bpr0 = this.bpr0.slice();
    s.bpr1 = this.bpr1.slice();
    s.cbpr = this.cbpr.slice();
    s.eoiMode = this.eoiMode.slice();
    s.igrpen0 = this.igrpen0.slice();
    s.igrpen1 = this.igrpen1.slice();
    s.apr = this.apr.slice();
    s.ackStack = this.ackStack.map((a) => a.slice());
    s.ghosts = this.ghosts.map((g) => (g.size === 0 ? new Map<number, number>() : new Map(g)));
    s.asleep = this.asleep.slice();
    s.waker = this.waker.slice();
    s.enableLpis = this.enableLpis.slice();
    s.propbaser = this.propbaser.slice();
    s.pendbaser = this.pendbaser.slice();
    s.ctlrDpg = this.ctlrDpg.slice();
    s.lpiPending = this.lpiPending.map((p) => new Set(p));
    s.lpiStale = new Map([...this.lpiStale].map(([k, v]) => [k, v.slice()]));
    s.lpiScoped = this.lpiScoped.size === 0 ? new Map() : new Map([...this.lpiScoped].map(([k, v]) => [k, new Set(v)]));
    s.its = this.its.map((i) => i.clone());
    s.routes = new Map(this.routes);
    s.irqfds = new Map(this.irqfds);
    s.resampled = new Set(this.resampled);
    s.resampleAsserted = new Set(this.resampleAsserted);
    s.forwards = new Map(this.forwards);
    s.itsAbiRev = this.itsAbiRev.slice();
    s.priBits = this.priBits;
    s.ces = this.ces;
    s.fixed = new Map(this.fixed);
    s.mem = this.mem.clone();
    return s;
  }

  /** Same as `fingerprint() === o.fingerprint()`, without building the strings. */
  sameAs(o: State): boolean {
    if (this.gicdCtlr !== o.gicdCtlr || this.mem.writeHash !== o.mem.writeHash) return false;
    const arrays: [ArrayLike<number>, ArrayLike<number>][] = [
      [this.enabled, o.enabled], [this.latch, o.latch], [this.line, o.line], [this.active, o.active], [this.prio, o.prio],
      [this.group, o.group], [this.edge, o.edge], [this.irouter, o.irouter], [this.irouterAff3, o.irouterAff3], [this.pmr, o.pmr],
      [this.bpr0, o.bpr0], [this.bpr1, o.bpr1], [this.cbpr, o.cbpr], [this.eoiMode, o.eoiMode], [this.igrpen0, o.igrpen0],
      [this.igrpen1, o.igrpen1], [this.apr, o.apr], [this.asleep, o.asleep], [this.waker, o.waker], [this.enableLpis, o.enableLpis],
      [this.ctlrDpg, o.ctlrDpg], [this.itsAbiRev, o.itsAbiRev],
    ];
    for (const [a, b] of arrays) if (!eq(a, b)) return false;
    for (let c = 0; c < this.cfg.vcpus; c++) {
      if (this.propbaser[c] !== o.propbaser[c] || this.pendbaser[c] !== o.pendbaser[c]) return false;
      if (!eq(this.ackStack[c]!, o.ackStack[c]!)) return false;
      const g = this.ghosts[c]!;
      const h = o.ghosts[c]!;
      if (g.size !== h.size) return false;
      for (const [k, v] of g) if (h.get(k) !== v) return false;
      const p = this.lpiPending[c]!;
      const q = o.lpiPending[c]!;
      if (p.size !== q.size) return false;
      for (const v of p) if (!q.has(v)) return false;
    }
    if (this.lpiStale.size !== o.lpiStale.size || this.lpiScoped.size !== o.lpiScoped.size) return false;
    for (const [k, v] of this.lpiScoped) {
      const w = o.lpiScoped.get(k);
      if (w === undefined || w.size !== v.size || [...v].some((r) => !w.has(r))) return false;
    }
    for (const [k, v] of this.lpiStale) {
      const w = o.lpiStale.get(k);
      if (w === undefined || w.length !== v.length || !v.every((b) => w.includes(b))) return false;
    }
    // implementation policies (model/policy.ts) may differ: merging such states reopens the policy
    for (const [k, v] of this.fixed) if (!k.startsWith('policy.') && o.fixed.get(k) !== v) return false;
    for (const k of o.fixed.keys()) if (!k.startsWith('policy.') && !this.fixed.has(k)) return false;
    if (this.resampled.size !== o.resampled.size || this.resampleAsserted.size !== o.resampleAsserted.size) return false;
    for (const g of this.resampled) if (!o.resampled.has(g)) return false;
    for (const g of this.resampleAsserted) if (!o.resampleAsserted.has(g)) return false;
    if (this.routes !== o.routes || this.irqfds.size !== o.irqfds.size || this.forwards.size !== o.forwards.size) {
      // routing/irqfd tables are replaced wholesale and rarely differ: compare them the slow way
      if (JSON.stringify([...this.routes]) !== JSON.stringify([...o.routes])) return false;
    }
    if (JSON.stringify([...this.irqfds]) !== JSON.stringify([...o.irqfds]) || JSON.stringify([...this.forwards]) !== JSON.stringify([...o.forwards])) return false;
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
          if (u === undefined || u.intid !== t.intid || u.icid !== t.icid || u.detached !== t.detached) return false;
        }
      }
    }
    return true;
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
    for (const i of this.its) {
      parts.push(`${+i.enabled},${i.cbaser},${i.cwriter},${i.creadr},${+i.stalled},${+i.cwriterBad},${i.baser.join('.')}`);
      parts.push([...i.devices].sort((a, b) => a[0] - b[0]).map(([d, dev]) =>
        `${d}:${dev.size}:${dev.itt}:` + [...dev.ites].sort((a, b) => a[0] - b[0]).map(([e, t]) => `${e}=${t.intid}.${t.icid}.${+t.detached}`).join(',')).join(';'));
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

function eq(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export type Route =
  | { kind: 'irqchip'; pin: number }
  | { kind: 'msi'; address: number; data: number; devid: number; flags: number };
