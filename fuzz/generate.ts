// Scenario generation from one seed id (DESIGN.md 6). Stateful: the generator tracks what the
// guest and host have set up (mapped devices, events, collections, LPIs whose property byte just
// changed, routes, irqfds, forwarded interrupts, which vCPU runs where) and biases each next op
// toward live state. It is open loop (it never sees results), so one id gives the same scenario
// on every machine. Scenario ids: "S:k" fresh; "S:k<P" a mutation of scenario P (P's config and
// first ops kept, a fresh tail) — see fuzz/CAMPAIGN-FORMAT.md.
import type { BootOp, ItsCommand, Op, PrimitiveOp, ResolvedConfig, Scenario } from '../spec/scenario.js';
import { resolveConfig } from '../spec/scenario.js';
import { expandBoot } from '../spec/expand.js';
import { toHex } from '../spec/hex.js';
import {
  BOOT_PROPBASE, FREE_RAM, RAM_BASE, bootCollectionTable, bootDeviceTable, bootPendBase, itsBase, itsTranslater, vcpuAffinity, VTIMER_PPI,
} from '../spec/layout.js';
import { Rng } from './rng.js';
import { GICD, GICR, GICR_SGI, GITS } from './regs.js';
import { ACTION_NAMES, defaultWeights, type ActionName, type Weights } from './weights.js';

/** Bump when the same id would give a different scenario (recorded in findings). */
export const GENERATOR_VERSION = 'gen@7';

export type Profile = 'full' | 'guest-only';
export const PROFILES: readonly Profile[] = ['full', 'guest-only'];

/** Actions that need host ops (KVM ioctls, devices, the scheduler): not in the guest-only profile. */
const HOST_ACTIONS: ReadonlySet<ActionName> = new Set<ActionName>([
  'irqLine', 'timer', 'msi', 'routing', 'irqfd', 'irqfdSignal', 'resampled', 'vfio', 'deviceFire', 'sched', 'migrate', 'deviceAttr',
]);

export interface GenerateOptions {
  profile?: Profile;
  weights?: Weights;
  /**
   * What the target can run (Target.supports): configs it cannot run are drawn again, and an
   * action that emits an op it cannot run is dropped, so no scenario is wasted as unsupported.
   * Deterministic for a given target; for targets that run everything, nothing changes.
   */
  accept?: (op: PrimitiveOp, config: ResolvedConfig) => boolean;
}

const LPI_BASE = 8192; // gic-arch.md 1.1
const LPI_SPAN = 256; // LPIs the generator uses mostly (8192..8447): small IDs collide more
const ITS_DEVID_BITS = 16; // KVM GITS_TYPER.Devbits (kvm-vgic.md 1.15); used for malformed IDs only
const ITT_ENTRY_BYTES = 16; // generous: ITT_entry_size is IMPDEF (KVM: 8)
const SPURIOUS = 1023;

interface ItsEvent { intid: number; collection: number }
interface ItsDevice { size: number; itt: number; events: Map<number, ItsEvent> }
interface ItsState {
  devices: Map<number, ItsDevice>;
  collections: Map<number, number>; // ICID -> target vCPU
}
interface LpiRef { its: number; device: number; event: number }

/** What the generator believes the VM looks like (open loop: no results are seen). */
class GenState {
  readonly its: ItsState[] = [];
  /** LPI INTID -> one mapping of it */
  readonly lpis = new Map<number, LpiRef>();
  /** LPIs whose property byte changed since the last INV/INVALL */
  readonly dirtyProps = new Set<number>();
  /** per vCPU: INTIDs that may be pending or active there, newest last (what to ack/EOI) */
  readonly recent: number[][] = [];
  /** per vCPU: INTIDs acknowledged (IAR) but not yet EOI'd, a stack (nesting) */
  readonly acked: number[][] = [];
  /** per vCPU: INTIDs EOI'd under EOImode 1 that still need a DIR */
  readonly needDir: number[][] = [];
  readonly eoiMode: number[] = [];
  /** per vCPU: the physical CPU it runs on, or -1 when scheduled out */
  readonly running: number[] = [];
  readonly enabledSpis = new Set<number>();
  readonly spiLevel = new Map<number, number>();
  readonly ppiLevel = new Map<string, number>();
  readonly timerLevel: number[] = [];
  /** GSI -> route kind ('msi' routes carry an LPI) */
  readonly routes = new Map<number, { kind: 'irqchip'; spi: number } | { kind: 'msi'; lpi: LpiRef }>();
  readonly irqfds = new Map<number, { resample: boolean }>();
  /** host IRQ -> GSI it is forwarded to */
  readonly forwarded = new Map<number, number>();
  nextRam = FREE_RAM;

  constructor(readonly vcpus: number, readonly spis: number, nits: number) {
    for (let i = 0; i < nits; i++) this.its.push({ devices: new Map(), collections: new Map() });
    for (let c = 0; c < vcpus; c++) {
      this.recent.push([]);
      this.acked.push([]);
      this.needDir.push([]);
      this.eoiMode.push(0);
      this.running.push(-1);
      this.timerLevel.push(0);
    }
  }

  noteRecent(cpu: number, intid: number): void {
    const r = this.recent[cpu]!;
    r.push(intid);
    if (r.length > 8) r.shift();
  }

  /** Allocate guest RAM for an ITT (256-byte aligned, gic-arch.md 5.3 MAPD). */
  alloc(bytes: number): number {
    const a = this.nextRam;
    this.nextRam += Math.max(0x100, Math.ceil(bytes / 0x100) * 0x100);
    return a;
  }

  mappedEvents(): LpiRef[] {
    const out: LpiRef[] = [];
    this.its.forEach((its, n) => {
      for (const [device, d] of its.devices) for (const event of d.events.keys()) out.push({ its: n, device, event });
    });
    return out;
  }

  eventOf(ref: LpiRef): ItsEvent | undefined {
    return this.its[ref.its]?.devices.get(ref.device)?.events.get(ref.event);
  }
}

/** Parse a scenario id into its chain: the root seed first, then each mutation's seed. */
function idChain(id: string): string[] {
  const chain: string[] = [];
  let rest = id;
  for (;;) {
    chain.unshift(rest);
    const lt = rest.indexOf('<');
    if (lt < 0) break;
    rest = rest.slice(lt + 1);
  }
  return chain;
}

/**
 * The random stream of a scenario id: the root's stream, switched to each mutation's own stream
 * at the action where that mutation cut its parent.
 */
class ChainedRng extends Rng {
  private current: Rng;
  private readonly switches: { at: number; rng: Rng }[];
  constructor(chain: string[], cuts: number[]) {
    super(chain[0]!);
    this.current = new Rng(chain[0]!);
    this.switches = cuts.map((at, i) => ({ at, rng: new Rng(chain[i + 1]!) }));
  }
  /** Called at the start of action `i`: later mutations win over earlier ones. */
  atAction(i: number): void {
    for (const s of this.switches) if (s.at === i) this.current = s.rng;
  }
  override float(): number {
    return this.current.float();
  }
  override int(n: number): number {
    return this.current.int(n);
  }
  override range(lo: number, hi: number): number {
    return this.current.range(lo, hi);
  }
  override chance(p: number): boolean {
    return this.current.chance(p);
  }
  override pick<T>(xs: readonly T[]): T {
    return this.current.pick(xs);
  }
  override small(max: number): number {
    return this.current.small(max);
  }
  override weighted(w: readonly number[], total: number): number {
    return this.current.weighted(w, total);
  }
  override u32(): number {
    return this.current.u32();
  }
}

/** A scenario name for an id (names allow [A-Za-z0-9._/-] only). */
export function scenarioName(id: string): string {
  return 'fuzz-' + id.replace(/:/g, '-').replace(/</g, '.from.').replace(/[^A-Za-z0-9._/-]/g, '_');
}

/** The scenario a seed id names. Same id, same generator version, same options: same scenario. */
export function generateScenario(id: string, options: GenerateOptions = {}): Scenario {
  const chain = idChain(id);
  const weights = options.weights ?? defaultWeights();
  const profile = options.profile ?? 'full';
  // Where each mutation cuts: the parent's action count is known only from its own generation.
  const cuts: number[] = [];
  for (let i = 1; i < chain.length; i++) {
    const parentActions = new Generator(new ChainedRng(chain.slice(0, i), cuts.slice(0, i - 1)), weights, profile, options.accept).actionCount;
    cuts.push(new Rng(chain[i]! + '#cut').range(Math.floor(parentActions / 4), parentActions));
  }
  const g = new Generator(new ChainedRng(chain, cuts), weights, profile, options.accept);
  return g.build(id);
}

class Generator {
  readonly config: { vcpus: number; spis: number; its: number; impl: { lrs: number; gicv4: 'off' | '4.0' | '4.1'; pcpus: number } };
  readonly actionCount: number;
  private readonly boot: BootOp;
  private readonly st: GenState;
  private readonly ops: Op[] = [];
  private readonly actionWeights: number[];
  private readonly totalWeight: number;

  private readonly resolved: ResolvedConfig;

  constructor(
    private readonly r: ChainedRng,
    private readonly w: Weights,
    private readonly profile: Profile,
    private readonly accept?: (op: PrimitiveOp, config: ResolvedConfig) => boolean,
  ) {
    this.config = this.drawConfig();
    for (let t = 0; t < 16 && accept && !this.bootAccepted(this.config); t++) this.config = this.drawConfig();
    this.resolved = resolveConfig(this.config);
    const { vcpus, spis, its } = this.config;
    this.actionCount = r.range(w.minOps, w.maxOps);
    const boot: BootOp = { op: 'boot' };
    if (r.chance(0.25)) boot.eoiMode = 1;
    if (r.chance(0.15)) boot.pmr = toHex(r.pick([0x80, 0xa0, 0xff]));
    if (r.chance(0.1)) boot.bpr1 = r.range(0, 7);
    this.boot = boot;
    this.st = new GenState(vcpus, spis, its);
    for (let c = 0; c < vcpus; c++) this.st.eoiMode[c] = boot.eoiMode ?? 0;
    this.actionWeights = ACTION_NAMES.map((a) => (profile === 'guest-only' && HOST_ACTIONS.has(a) ? 0 : w.actions[a]));
    this.totalWeight = this.actionWeights.reduce((x, y) => x + y, 0);
  }

  /** Config: small machines most of the time (more collisions), sometimes big ones. */
  private drawConfig(): Generator['config'] {
    const r = this.r;
    const vcpus = r.pick([1, 2, 2, 3, 4, 4, 5, 8, 17]);
    const spis = 32 * r.pick([1, 1, 2, 2, 3, 4]);
    const its = r.pick([0, 1, 1, 1, 1, 2]);
    const lrs = r.pick([1, 2, 4, 4, 4, 16]);
    const gicv4 = r.pick(['off', 'off', '4.0', '4.1', '4.1'] as const);
    const pcpus = r.range(1, 4);
    return { vcpus, spis, its, impl: { lrs, gicv4, pcpus } };
  }

  private bootAccepted(config: Generator['config']): boolean {
    const c = resolveConfig(config);
    return expandBoot({ op: 'boot' }, c).every((op) => this.accept!(op, c));
  }

  build(id: string): Scenario {
    this.ops.push(this.boot);
    // Most seeds read what a guest driver reads at probe (see probe()); one in eight does not, so
    // the paths where the implementation's parameters are still open keep being fuzzed.
    if (new Rng(`${id}#probe`).int(8) !== 0) {
      const mark = this.ops.length;
      this.probe();
      if (this.accept && !this.acceptedFrom(mark)) this.ops.length = mark;
    }
    for (let i = 0; i < this.actionCount; i++) {
      this.r.atAction(i);
      const mark = this.ops.length;
      if (this.r.chance(this.w.malformedRate)) {
        this.malformed();
      } else {
        // A few tries: an action may not apply to the current state (nothing to EOI...).
        let done = false;
        for (let t = 0; t < 4 && !done; t++) done = this.act(ACTION_NAMES[this.r.weighted(this.actionWeights, this.totalWeight)]!);
        if (!done) this.ack();
      }
      if (this.accept && !this.acceptedFrom(mark)) this.ops.length = mark; // the target cannot run it: drop the action
    }
    return {
      format: 'gicdiff/scenario@1',
      name: scenarioName(id),
      description: `generated by ${GENERATOR_VERSION} (profile ${this.profile}) from seed ${id}`,
      config: this.config,
      ops: this.ops,
    };
  }

  /**
   * The ID and control registers Linux's GICv3 and ITS drivers read when they probe (GICD_TYPER,
   * GICR_TYPER, GICR_CTLR, ICC_CTLR_EL1, GITS_TYPER). Reading them fixes the implementation's
   * parameters in the oracle (priority bits, GICR_CTLR.IR, DirectLPI, GITS_TYPER fields) from the
   * start instead of leaving each open as a choice that multiplies its candidate states.
   */
  private probe(): void {
    this.mmioR(0, 'gicd', undefined, GICD.TYPER, 32);
    this.mmioR(0, 'gicr', 0, GICR.TYPER, 64);
    this.mmioR(0, 'gicr', 0, GICR.CTLR, 32);
    this.ops.push({ op: 'sysreg.read', cpu: 0, reg: 'ICC_CTLR_EL1' });
    for (let n = 0; n < this.resolved.its; n++) this.mmioR(0, 'gits', n, GITS.TYPER, 64);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private acceptedFrom(mark: number): boolean {
    for (let k = mark; k < this.ops.length; k++) {
      const op = this.ops[k]!;
      if (op.op !== 'boot' && !this.accept!(op, this.resolved)) return false;
    }
    return true;
  }

  private get host(): boolean {
    return this.profile === 'full';
  }
  private cpu(): number {
    return this.r.int(this.config.vcpus);
  }
  private spi(): number {
    return 32 + this.r.small(this.config.spis - 1);
  }
  private mmioW(cpu: number, frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits', index: number | undefined, offset: number, width: 8 | 32 | 64, value: number | bigint): void {
    const op: Op = { op: 'mmio.write', cpu, frame, offset, width, value: toHex(value) };
    if (index !== undefined) op.index = index;
    this.ops.push(op);
  }
  private mmioR(cpu: number, frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits', index: number | undefined, offset: number, width: 8 | 32 | 64): void {
    const op: Op = { op: 'mmio.read', cpu, frame, offset, width };
    if (index !== undefined) op.index = index;
    this.ops.push(op);
  }
  private its(cmds: ItsCommand[], its: number): void {
    this.ops.push({ op: 'its.cmd', cpu: this.cpu(), its, cmds: cmds as [ItsCommand, ...ItsCommand[]] });
  }
  private lpiTargetCpu(ref: LpiRef): number | undefined {
    const ev = this.st.eventOf(ref);
    if (!ev) return undefined;
    return this.st.its[ref.its]!.collections.get(ev.collection);
  }
  /**
   * After something became pending on `cpu`: sometimes schedule it out/in, WFI or migrate right
   * then — more often when more may be pending there than it has list registers (an LR overflow).
   */
  private inFlight(cpu: number | undefined): void {
    if (cpu === undefined || !this.host) return;
    const lrFull = this.st.recent[cpu]!.length >= this.config.impl.lrs;
    if (!this.r.chance(lrFull ? 0.5 : 0.25)) return;
    const c = cpu;
    if (this.r.chance(0.05)) {
      this.ops.push({ op: 'migrate' }); // in the middle of activity
      return;
    }
    switch (this.r.int(4)) {
      case 0: this.ops.push({ op: 'vcpu.put', cpu: c }); this.st.running[c] = -1; break;
      case 1: this.ops.push({ op: 'vcpu.exit', cpu: c }); break;
      case 2: this.ops.push({ op: 'wfi', cpu: c }); break;
      default: {
        const p = this.r.int(this.config.impl.pcpus);
        this.ops.push({ op: 'vcpu.run', cpu: c, pcpu: p });
        this.st.running[c] = p;
      }
    }
  }

  private act(a: ActionName): boolean {
    switch (a) {
      case 'spiConfig': return this.spiConfig();
      case 'ppiSgiConfig': return this.ppiSgiConfig();
      case 'irqLine': return this.irqLine();
      case 'timer': return this.timer();
      case 'pendActive': return this.pendActive();
      case 'sgi': return this.sgi();
      case 'ack': return this.ack();
      case 'eoi': return this.eoi();
      case 'dir': return this.dir();
      case 'cpuifRead': return this.cpuifRead();
      case 'cpuifWrite': return this.cpuifWrite();
      case 'distCtl': return this.distCtl();
      case 'mmioRead': return this.mmioRead();
      case 'lpiProp': return this.lpiProp();
      case 'itsMap': return this.itsMap();
      case 'itsInt': return this.itsInt();
      case 'msi': return this.msi();
      case 'itsInv': return this.itsInv();
      case 'itsMove': return this.itsMove();
      case 'itsDiscardClear': return this.itsDiscardClear();
      case 'itsSync': return this.itsSync();
      case 'itsUnmap': return this.itsUnmap();
      case 'memRead': return this.memRead();
      case 'routing': return this.routing();
      case 'irqfd': return this.irqfd();
      case 'irqfdSignal': return this.irqfdSignal();
      case 'resampled': return this.resampled();
      case 'vfio': return this.vfio();
      case 'deviceFire': return this.deviceFire();
      case 'sched': return this.sched();
      case 'wfi': return this.wfi();
      case 'migrate': return this.migrate();
      case 'deviceAttr': return this.deviceAttr();
      case 'lpiCtl': return this.lpiCtl();
    }
  }

  // ---- distributor, redistributor, lines (gic-arch.md 2, 4) ---------------------------------

  private spiConfig(): boolean {
    const id = this.spi();
    const cpu = this.cpu();
    const bit = 1 << (id % 32);
    switch (this.r.int(5)) {
      case 0:
      case 1: // enable (most useful)
        this.mmioW(cpu, 'gicd', undefined, GICD.ISENABLER + 4 * (id >> 5), 32, bit >>> 0);
        this.st.enabledSpis.add(id);
        break;
      case 2:
        this.mmioW(cpu, 'gicd', undefined, GICD.ICENABLER + 4 * (id >> 5), 32, bit >>> 0);
        this.st.enabledSpis.delete(id);
        break;
      case 3: // priority byte
        this.mmioW(cpu, 'gicd', undefined, GICD.IPRIORITYR + id, 8, this.r.pick([0x00, 0x20, 0x80, 0xa0, 0xa0, 0xe0, 0xf0, 0xf8]));
        break;
      default:
        if (this.r.chance(0.5)) {
          // edge (0b10) or level (0b00) in GICD_ICFGR, 2 bits per INTID (gic-arch.md 2.2)
          const edge = this.r.chance(0.5) ? 2 : 0;
          this.mmioW(cpu, 'gicd', undefined, GICD.ICFGR + 4 * (id >> 4), 32, (edge << (2 * (id % 16))) >>> 0);
        } else {
          // route to a vCPU by affinity, sometimes to one that does not exist
          const target = this.r.chance(0.9) ? this.cpu() : this.config.vcpus + this.r.int(4);
          const a = vcpuAffinity(target);
          // sometimes IRM (bit 31, 1-of-N) or a nonzero Aff3 [39:32] (gic-arch.md 4.1)
          const extra = this.r.chance(0.1) ? this.r.pick([1n << 31n, 1n << 32n]) : 0n;
          this.mmioW(cpu, 'gicd', undefined, GICD.IROUTER + 8 * id, 64, BigInt((a.aff2 << 16) | (a.aff1 << 8) | a.aff0) | extra);
        }
    }
    return true;
  }

  private ppiSgiConfig(): boolean {
    const cpu = this.cpu();
    const id = this.r.chance(0.5) ? this.r.int(16) : 16 + this.r.int(16);
    switch (this.r.int(4)) {
      case 0:
      case 1:
        this.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ISENABLER0, 32, (1 << id) >>> 0);
        break;
      case 2:
        this.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ICENABLER0, 32, (1 << id) >>> 0);
        break;
      default:
        this.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.IPRIORITYR + id, 8, this.r.pick([0x00, 0x40, 0x80, 0xa0, 0xe0]));
    }
    return true;
  }

  private irqLine(): boolean {
    if (!this.host) return false;
    if (this.r.chance(0.7)) {
      const id = this.spi();
      const level = this.st.spiLevel.get(id) ? 0 : 1;
      this.st.spiLevel.set(id, level);
      this.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: id, level });
      if (level) {
        const c = this.r.int(this.config.vcpus);
        this.st.noteRecent(c, id);
        this.st.noteRecent(0, id);
        this.inFlight(0);
      }
    } else {
      const cpu = this.cpu();
      const id = 16 + this.r.int(16);
      const key = `${cpu}:${id}`;
      const level = this.st.ppiLevel.get(key) ? 0 : 1;
      this.st.ppiLevel.set(key, level);
      this.ops.push({ op: 'kvm.irq_line', type: 'ppi', vcpu: cpu, intid: id, level });
      if (level) this.st.noteRecent(cpu, id);
    }
    return true;
  }

  private timer(): boolean {
    if (!this.host) return false;
    const cpu = this.cpu();
    const level = this.st.timerLevel[cpu] ? 0 : 1;
    this.st.timerLevel[cpu] = level;
    if (level && this.r.chance(0.5)) this.mmioW(cpu, 'gicr-sgi', cpu, GICR_SGI.ISENABLER0, 32, (1 << VTIMER_PPI) >>> 0);
    this.ops.push({ op: 'timer.line', cpu, level: level as 0 | 1 });
    if (level) {
      this.st.noteRecent(cpu, VTIMER_PPI);
      this.inFlight(cpu);
    }
    return true;
  }

  private pendActive(): boolean {
    const cpu = this.cpu();
    const which = this.r.pick([GICD.ISPENDR, GICD.ISPENDR, GICD.ICPENDR, GICD.ISACTIVER, GICD.ICACTIVER]);
    if (this.r.chance(0.1)) {
      // message-based SPIs: GICD_SETSPI_NSR / CLRSPI_NSR take an INTID (gic-arch.md 4.1)
      const id = this.spi();
      this.mmioW(cpu, 'gicd', undefined, this.r.chance(0.7) ? GICD.SETSPI_NSR : GICD.CLRSPI_NSR, 32, id);
      this.st.noteRecent(0, id);
    } else if (this.r.chance(0.6)) {
      const id = this.spi();
      this.mmioW(cpu, 'gicd', undefined, which + 4 * (id >> 5), 32, (1 << (id % 32)) >>> 0);
      if (which === GICD.ISPENDR) this.st.noteRecent(0, id);
    } else {
      const id = this.r.int(32);
      this.mmioW(cpu, 'gicr-sgi', cpu, which + 0, 32, (1 << id) >>> 0); // SGI_base uses the same offsets for n = 0
      if (which === GICD.ISPENDR) this.st.noteRecent(cpu, id);
    }
    return true;
  }

  /** ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 with every targeting form (gic-arch.md 3.9). */
  private sgi(): boolean {
    const from = this.cpu();
    const intid = this.r.int(16);
    let v = BigInt(intid) << 24n;
    const form = this.r.int(6);
    const targets: number[] = [];
    if (form === 0) {
      v |= 1n << 40n; // IRM: every PE but the sender
      for (let c = 0; c < this.config.vcpus; c++) if (c !== from) targets.push(c);
    } else if (form === 1 && this.config.vcpus > 16) {
      // a vCPU in another Aff1 group
      const t = 16 + this.r.int(this.config.vcpus - 16);
      const a = vcpuAffinity(t);
      v |= (BigInt(a.aff1) << 16n) | (1n << BigInt(a.aff0));
      targets.push(t);
    } else if (form === 2) {
      v |= BigInt(this.r.int(0x10000)); // any target list in Aff1 = 0, some targets may not exist
      for (let c = 0; c < Math.min(16, this.config.vcpus); c++) if ((v >> BigInt(c)) & 1n) targets.push(c);
    } else if (form === 3 && this.r.chance(0.3)) {
      v |= (BigInt(this.r.range(1, 15)) << 44n) | 1n; // RS != 0: no PE has Aff0 >= 16 (gic-arch.md 3.9)
    } else {
      const t = this.cpu();
      const a = vcpuAffinity(t);
      v |= (BigInt(a.aff1) << 16n) | (1n << BigInt(a.aff0));
      targets.push(t);
    }
    const reg = this.r.chance(0.85) ? 'ICC_SGI1R_EL1' : this.r.pick(['ICC_ASGI1R_EL1', 'ICC_SGI0R_EL1'] as const);
    this.ops.push({ op: 'sysreg.write', cpu: from, reg, value: toHex(v) });
    for (const t of targets) this.st.noteRecent(t, intid);
    if (targets.length) this.inFlight(targets[0]);
    return true;
  }

  // ---- CPU interface (gic-arch.md 3) ---------------------------------------------------------

  /** Acknowledge on a vCPU that likely has something pending. */
  private ack(): boolean {
    const withRecent = this.st.recent.map((r, c) => (r.length ? c : -1)).filter((c) => c >= 0);
    const cpu = withRecent.length && this.r.chance(0.8) ? this.r.pick(withRecent) : this.cpu();
    const reg = this.r.chance(0.92) ? 'ICC_IAR1_EL1' : 'ICC_IAR0_EL1';
    this.ops.push({ op: 'sysreg.read', cpu, reg });
    const recent = this.st.recent[cpu]!;
    if (reg === 'ICC_IAR1_EL1' && recent.length) {
      // guess: the acknowledged one is among the recent ones; EOI will use it
      const id = recent.splice(this.r.int(recent.length), 1)[0]!;
      this.st.acked[cpu]!.push(id);
    }
    return true;
  }

  private eoi(): boolean {
    const cands = this.st.acked.map((a, c) => (a.length ? c : -1)).filter((c) => c >= 0);
    const cpu = cands.length ? this.r.pick(cands) : this.cpu();
    const stack = this.st.acked[cpu]!;
    let id: number;
    if (stack.length && this.r.chance(0.85)) {
      // mostly in order (last acked first), sometimes out of order
      id = this.r.chance(0.8) ? stack.pop()! : stack.splice(this.r.int(stack.length), 1)[0]!;
    } else {
      id = this.r.chance(0.5) ? SPURIOUS : this.r.pick([0, 1, 27, 32, LPI_BASE]);
    }
    const reg = this.r.chance(0.95) ? 'ICC_EOIR1_EL1' : 'ICC_EOIR0_EL1';
    this.ops.push({ op: 'sysreg.write', cpu, reg, value: toHex(id) });
    if (this.st.eoiMode[cpu] === 1 && id !== SPURIOUS) this.st.needDir[cpu]!.push(id);
    return true;
  }

  private dir(): boolean {
    const cands = this.st.needDir.map((a, c) => (a.length ? c : -1)).filter((c) => c >= 0);
    if (!cands.length && !this.r.chance(0.2)) return false;
    const cpu = cands.length ? this.r.pick(cands) : this.cpu();
    const list = this.st.needDir[cpu]!;
    const id = list.length ? list.splice(this.r.int(list.length), 1)[0]! : this.r.pick([SPURIOUS, 32, 0]);
    this.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_DIR_EL1', value: toHex(id) });
    return true;
  }

  private cpuifRead(): boolean {
    const cpu = this.cpu();
    const reg = this.r.pick([
      'ICC_HPPIR1_EL1', 'ICC_HPPIR1_EL1', 'ICC_RPR_EL1', 'ICC_RPR_EL1', 'ICC_AP1R0_EL1', 'ISR_EL1', 'ISR_EL1', 'ICC_PMR_EL1',
      'ICC_BPR1_EL1', 'ICC_CTLR_EL1', 'ICC_IGRPEN1_EL1', 'ICC_HPPIR0_EL1', 'ICC_BPR0_EL1', 'ICC_SRE_EL1', 'ICC_AP0R0_EL1',
      'ICC_IGRPEN0_EL1', 'ICC_AP1R1_EL1',
    ] as const);
    this.ops.push({ op: 'sysreg.read', cpu, reg });
    return true;
  }

  private cpuifWrite(): boolean {
    const cpu = this.cpu();
    switch (this.r.int(5)) {
      case 0:
        this.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_PMR_EL1', value: toHex(this.r.pick([0x00, 0x40, 0x80, 0xa0, 0xf0, 0xff])) });
        break;
      case 1:
        this.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_BPR1_EL1', value: toHex(this.r.range(0, 7)) });
        break;
      case 2: {
        // EOImode toggle (ICC_CTLR_EL1.EOImode = bit 1, gic-arch.md 3.7)
        const m = this.st.eoiMode[cpu] ? 0 : 1;
        this.st.eoiMode[cpu] = m;
        this.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_CTLR_EL1', value: toHex(m << 1) });
        break;
      }
      case 3:
        this.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_IGRPEN1_EL1', value: toHex(this.r.chance(0.8) ? 1 : 0) });
        break;
      default:
        this.ops.push({ op: 'sysreg.write', cpu, reg: this.r.pick(['ICC_AP1R0_EL1', 'ICC_BPR0_EL1', 'ICC_IGRPEN0_EL1'] as const), value: toHex(this.r.pick([0, 1, 0x80000000])) });
    }
    return true;
  }

  private distCtl(): boolean {
    // GICD_CTLR: ARE (bit 4) stays set; EnableGrp1 (bit 1) toggles (gic-arch.md 4.1)
    this.mmioW(this.cpu(), 'gicd', undefined, GICD.CTLR, 32, 0x10 | (this.r.chance(0.7) ? 2 : 0));
    return true;
  }

  private mmioRead(): boolean {
    const cpu = this.cpu();
    const k = this.r.int(this.config.its ? 4 : 3);
    if (k === 0) {
      const id = this.spi();
      const reg = this.r.pick([
        [GICD.CTLR, 32], [GICD.TYPER, 32], [GICD.IIDR, 32], [GICD.ISENABLER + 4 * (id >> 5), 32], [GICD.ISPENDR + 4 * (id >> 5), 32],
        [GICD.ISACTIVER + 4 * (id >> 5), 32], [GICD.IPRIORITYR + id, 8], [GICD.ICFGR + 4 * (id >> 4), 32], [GICD.IROUTER + 8 * id, 64], [GICD.PIDR2, 32],
      ] as const);
      this.mmioR(cpu, 'gicd', undefined, reg[0], reg[1]);
    } else if (k === 1) {
      const i = this.cpu();
      const reg = this.r.pick([[GICR.CTLR, 32], [GICR.TYPER, 64], [GICR.WAKER, 32], [GICR.PROPBASER, 64], [GICR.PENDBASER, 64], [GICR.IIDR, 32], [GICR.SYNCR, 32]] as const);
      this.mmioR(cpu, 'gicr', i, reg[0], reg[1]);
    } else if (k === 2) {
      const i = this.cpu();
      const reg = this.r.pick([[GICR_SGI.ISENABLER0, 32], [GICR_SGI.ISPENDR0, 32], [GICR_SGI.ISACTIVER0, 32], [GICR_SGI.IPRIORITYR + this.r.int(32), 8], [GICR_SGI.ICFGR1, 32]] as const);
      this.mmioR(cpu, 'gicr-sgi', i, reg[0], reg[1]);
    } else {
      const n = this.r.int(this.config.its);
      const reg = this.r.pick([[GITS.CTLR, 32], [GITS.TYPER, 64], [GITS.CBASER, 64], [GITS.CWRITER, 64], [GITS.CREADR, 64], [GITS.BASER, 64], [GITS.BASER + 8, 64], [GITS.IIDR, 32]] as const);
      this.mmioR(cpu, 'gits', n, reg[0], reg[1]);
    }
    return true;
  }

  // ---- LPIs and the ITS (gic-arch.md 1.3, 5) -------------------------------------------------

  private lpiId(): number {
    // prefer LPIs already mapped, to hit their configuration
    if (this.st.lpis.size && this.r.chance(0.7)) return this.r.pick([...this.st.lpis.keys()]);
    return LPI_BASE + this.r.small(LPI_SPAN - 1);
  }

  /** Property byte: priority [7:2], bit 1 RES1, Enable bit 0 (gic-arch.md 1.3). */
  private lpiProp(): boolean {
    if (!this.config.its) return false;
    const id = this.lpiId();
    const prio = this.r.pick([0x20, 0x80, 0xa0, 0xa0, 0xc0]);
    const enable = this.r.chance(0.8) ? 1 : 0;
    this.ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + (id - LPI_BASE)), bytes: ((prio & 0xfc) | 2 | enable).toString(16).padStart(2, '0') });
    this.st.dirtyProps.add(id);
    // INV right after a property write is what a driver does; sometimes it forgets (U: cached config)
    const ref = this.st.lpis.get(id);
    if (ref && this.r.chance(0.6)) {
      this.its([{ cmd: 'INV', device: ref.device, event: ref.event }, { cmd: 'SYNC', target: this.syncTarget(ref) }], ref.its);
      this.st.dirtyProps.delete(id);
    }
    return true;
  }

  private syncTarget(ref: LpiRef): number {
    return this.lpiTargetCpu(ref) ?? 0;
  }

  private itsMap(): boolean {
    if (!this.config.its) return false;
    const n = this.r.int(this.config.its);
    const its = this.st.its[n]!;
    const cmds: ItsCommand[] = [];
    // a collection for a vCPU (few collections, so they get reused)
    if (!its.collections.size || this.r.chance(0.3)) {
      const icid = this.r.small(Math.min(15, this.config.vcpus + 2));
      const target = this.cpu();
      cmds.push({ cmd: 'MAPC', collection: icid, target, valid: true });
      its.collections.set(icid, target);
    }
    // a device
    let devid: number;
    if (!its.devices.size || this.r.chance(0.3)) {
      devid = this.r.small(63);
      const size = this.r.pick([1, 3, 4, 7, 7]); // EventID bits - 1
      const itt = this.st.alloc(2 ** (size + 1) * ITT_ENTRY_BYTES);
      cmds.push({ cmd: 'MAPD', device: devid, size, itt: toHex(itt), valid: true });
      // KVM: MAPD V=1 on a mapped device drops its ITEs (kvm-vgic.md 1.15); the generator forgets them
      const old = its.devices.get(devid);
      if (old) for (const ev of old.events.values()) this.st.lpis.delete(ev.intid);
      its.devices.set(devid, { size, itt, events: new Map() });
    } else {
      devid = this.r.pick([...its.devices.keys()]);
    }
    const dev = its.devices.get(devid)!;
    const cols = [...its.collections.keys()];
    const nev = this.r.range(1, 3);
    for (let k = 0; k < nev; k++) {
      const event = this.r.small(2 ** (dev.size + 1) - 1);
      const collection = this.r.pick(cols);
      let intid: number;
      if (this.r.chance(0.15)) {
        cmds.push({ cmd: 'MAPI', device: devid, event, collection });
        intid = event; // MAPI: pINTID := EventID (< 8192: an error the oracle judges)
      } else {
        intid = LPI_BASE + this.r.small(LPI_SPAN - 1);
        cmds.push({ cmd: 'MAPTI', device: devid, event, intid, collection });
      }
      if (!dev.events.has(event) && intid >= LPI_BASE) {
        dev.events.set(event, { intid, collection });
        this.st.lpis.set(intid, { its: n, device: devid, event });
      }
    }
    // enable the LPIs in the property table first sometimes (a guest does that before MAPTI)
    if (this.r.chance(0.5)) {
      const ev = [...dev.events.values()];
      if (ev.length) {
        const intid = this.r.pick(ev).intid;
        this.ops.push({ op: 'mem.write', addr: toHex(BOOT_PROPBASE + (intid - LPI_BASE)), bytes: 'a3' });
      }
    }
    if (this.r.chance(0.7)) cmds.push({ cmd: 'SYNC', target: this.cpu() });
    this.its(cmds, n);
    return true;
  }

  private pickEvent(): LpiRef | undefined {
    const evs = this.st.mappedEvents();
    return evs.length ? this.r.pick(evs) : undefined;
  }

  private itsInt(): boolean {
    const ref = this.pickEvent();
    if (!ref) return false;
    const cmds: ItsCommand[] = [];
    const times = this.r.chance(0.2) ? this.r.range(2, 6) : 1;
    for (let k = 0; k < times; k++) cmds.push({ cmd: 'INT', device: ref.device, event: ref.event });
    this.its(cmds, ref.its);
    const t = this.lpiTargetCpu(ref);
    const ev = this.st.eventOf(ref);
    if (t !== undefined && ev) this.st.noteRecent(t, ev.intid);
    this.inFlight(t);
    return true;
  }

  /** KVM_SIGNAL_MSI at GITS_TRANSLATER (kvm-vgic.md 1.8). */
  private msi(): boolean {
    if (!this.host || !this.config.its) return false;
    const ref = this.pickEvent();
    const n = ref?.its ?? this.r.int(this.config.its);
    const device = ref?.device ?? this.r.small(63);
    const event = ref?.event ?? this.r.small(255);
    // mostly GITS_TRANSLATER; sometimes elsewhere in the ITS frame (KVM matches the whole frame, kvm-vgic.md 1.8)
    const address = this.r.chance(0.9) ? itsTranslater(n) : itsBase(n) + 4 * this.r.int(0x8000);
    this.ops.push({ op: 'kvm.signal_msi', address: toHex(address), data: event, devid: device, flags: 1 });
    if (ref) {
      const t = this.lpiTargetCpu(ref);
      const ev = this.st.eventOf(ref);
      if (t !== undefined && ev) this.st.noteRecent(t, ev.intid);
      this.inFlight(t);
    }
    return true;
  }

  private itsInv(): boolean {
    if (!this.config.its) return false;
    const dirty = [...this.st.dirtyProps].filter((id) => this.st.lpis.has(id));
    if (dirty.length && this.r.chance(0.7)) {
      const ref = this.st.lpis.get(this.r.pick(dirty))!;
      this.its([{ cmd: 'INV', device: ref.device, event: ref.event }], ref.its);
      this.st.dirtyProps.delete(this.st.eventOf(ref)?.intid ?? -1);
      return true;
    }
    const n = this.r.int(this.config.its);
    const cols = [...this.st.its[n]!.collections.keys()];
    const collection = cols.length ? this.r.pick(cols) : this.r.small(7);
    this.its([{ cmd: 'INVALL', collection }, { cmd: 'SYNC', target: this.st.its[n]!.collections.get(collection) ?? 0 }], n);
    this.st.dirtyProps.clear();
    return true;
  }

  /** MOVI of a (likely pending) event, or MOVALL between redistributors. */
  private itsMove(): boolean {
    const ref = this.pickEvent();
    if (!ref) return false;
    const its = this.st.its[ref.its]!;
    const cols = [...its.collections.keys()];
    if (cols.length && this.r.chance(0.75)) {
      const collection = this.r.pick(cols);
      // make it pending first, then move it: the interesting case (U: MOVI of a pending LPI)
      const cmds: ItsCommand[] = [];
      if (this.r.chance(0.6)) cmds.push({ cmd: 'INT', device: ref.device, event: ref.event });
      cmds.push({ cmd: 'MOVI', device: ref.device, event: ref.event, collection });
      if (this.r.chance(0.6)) cmds.push({ cmd: 'SYNC', target: its.collections.get(collection) ?? 0 });
      this.its(cmds, ref.its);
      const ev = this.st.eventOf(ref)!;
      ev.collection = collection;
      const t = its.collections.get(collection);
      if (t !== undefined) this.st.noteRecent(t, ev.intid);
    } else {
      const from = this.cpu();
      const to = this.cpu();
      this.its([{ cmd: 'MOVALL', from, to }, { cmd: 'SYNC', target: to }], ref.its);
      for (const [icid, t] of its.collections) if (t === from) its.collections.set(icid, to);
    }
    return true;
  }

  private itsDiscardClear(): boolean {
    const ref = this.pickEvent();
    if (!ref) return false;
    const kind = this.r.chance(0.5) ? 'CLEAR' : 'DISCARD';
    const cmds: ItsCommand[] = [];
    if (this.r.chance(0.5)) cmds.push({ cmd: 'INT', device: ref.device, event: ref.event });
    cmds.push({ cmd: kind, device: ref.device, event: ref.event });
    this.its(cmds, ref.its);
    if (kind === 'DISCARD') {
      const dev = this.st.its[ref.its]!.devices.get(ref.device)!;
      const ev = dev.events.get(ref.event);
      if (ev) this.st.lpis.delete(ev.intid);
      dev.events.delete(ref.event);
    }
    return true;
  }

  private itsSync(): boolean {
    if (!this.config.its) return false;
    this.its([{ cmd: 'SYNC', target: this.r.chance(0.9) ? this.cpu() : this.config.vcpus + this.r.int(3) }], this.r.int(this.config.its));
    return true;
  }

  private itsUnmap(): boolean {
    if (!this.config.its) return false;
    const n = this.r.int(this.config.its);
    const its = this.st.its[n]!;
    if (this.r.chance(0.5) && its.devices.size) {
      const device = this.r.pick([...its.devices.keys()]);
      this.its([{ cmd: 'MAPD', device, size: 0, itt: '0x0', valid: false }], n);
      for (const ev of its.devices.get(device)!.events.values()) this.st.lpis.delete(ev.intid);
      its.devices.delete(device);
    } else if (its.collections.size) {
      const collection = this.r.pick([...its.collections.keys()]);
      this.its([{ cmd: 'MAPC', collection, target: 0, valid: false }], n);
      its.collections.delete(collection);
    } else return false;
    return true;
  }

  private memRead(): boolean {
    if (this.config.its && this.r.chance(0.7)) {
      // the pending table of a vCPU: one bit per INTID (gic-arch.md 1.4); LPIs start at byte 1024
      const c = this.cpu();
      this.ops.push({ op: 'mem.read', addr: toHex(bootPendBase(c) + LPI_BASE / 8), len: LPI_SPAN / 8 });
    } else {
      this.ops.push({ op: 'mem.read', addr: toHex(BOOT_PROPBASE), len: this.r.pick([4, 16, 64]) });
    }
    return true;
  }

  /**
   * Switches and direct LPI maintenance: GICR_CTLR.EnableLPIs off/on (U18, U43), GITS_CTLR
   * disable/enable (commands queued while disabled, U35), GICR_INVLPIR / INVALLR / SYNCR
   * (gic-arch.md 1.6), the ITS's read-only identification and Quiescent bit.
   */
  private lpiCtl(): boolean {
    if (!this.config.its) return false;
    const cpu = this.cpu();
    const n = this.r.int(this.config.its);
    switch (this.r.int(6)) {
      case 0: {
        const rd = this.cpu();
        this.mmioW(cpu, 'gicr', rd, GICR.CTLR, 32, 0);
        if (this.r.chance(0.5)) this.itsMove() || this.itsInt();
        this.mmioW(cpu, 'gicr', rd, GICR.CTLR, 32, 1);
        return true;
      }
      case 1: {
        // disable the ITS, queue commands, enable it again
        this.mmioW(cpu, 'gits', n, GITS.CTLR, 32, 0);
        this.mmioR(cpu, 'gits', n, GITS.CTLR, 32);
        if (this.r.chance(0.7)) this.itsInt() || this.itsMap();
        if (this.host && this.r.chance(0.5)) this.msi();
        this.mmioW(cpu, 'gits', n, GITS.CTLR, 32, 1);
        return true;
      }
      case 2:
        this.mmioW(cpu, 'gicr', this.cpu(), GICR.INVLPIR, 64, this.lpiId());
        return true;
      case 3:
        this.mmioW(cpu, 'gicr', this.cpu(), GICR.INVALLR, 64, 0);
        this.mmioR(cpu, 'gicr', this.cpu(), GICR.SYNCR, 32);
        return true;
      case 4:
        this.mmioR(cpu, 'gits', n, this.r.pick([GITS.IIDR, GITS.PIDR2, GITS.TYPER, GITS.CREADR]), 32);
        if (this.r.chance(0.3)) {
          // a CPU writing GITS_TRANSLATER itself (KVM ignores it, kvm-vgic.md 1.15), or the direct
          // LPI registers GICR_SETLPIR / CLRLPIR (U25)
          const ref = this.pickEvent();
          if (ref && this.r.chance(0.5)) this.mmioW(cpu, 'gits', ref.its, GITS.TRANSLATER, 32, ref.event);
          else this.mmioW(cpu, 'gicr', this.cpu(), this.r.chance(0.5) ? GICR.SETLPIR : GICR.CLRLPIR, 64, this.lpiId());
        }
        return true;
      default:
        this.mmioR(cpu, 'gicd', undefined, this.r.pick([GICD.PIDR2, GICD.TYPER, GICD.CTLR]), 32);
        this.mmioR(cpu, 'gicr', this.cpu(), this.r.pick([GICR.TYPER, GICR.TYPER + 4]), 32);
        return true;
    }
  }

  // ---- KVM userspace ABI: routing, irqfd, forwarding (kvm-vgic.md 1.8, 1.14) ----------------

  private gsi(): number {
    const known = [...this.st.routes.keys()];
    return known.length && this.r.chance(0.8) ? this.r.pick(known) : this.r.small(31);
  }

  private routing(): boolean {
    if (!this.host) return false;
    const entries: Extract<Op, { op: 'kvm.set_gsi_routing' }>['entries'] = [];
    this.st.routes.clear();
    const n = this.r.range(1, 4);
    for (let k = 0; k < n; k++) {
      const gsi = this.r.small(31);
      if (this.st.routes.has(gsi)) continue;
      const ref = this.config.its ? this.pickEvent() : undefined;
      if (ref && this.r.chance(0.6)) {
        entries.push({ gsi, type: 'msi', address: toHex(itsTranslater(ref.its)), data: ref.event, devid: ref.device });
        this.st.routes.set(gsi, { kind: 'msi', lpi: ref });
      } else {
        const pin = this.r.small(this.config.spis - 1);
        entries.push({ gsi, type: 'irqchip', irqchip: 0, pin });
        this.st.routes.set(gsi, { kind: 'irqchip', spi: 32 + pin });
      }
    }
    this.ops.push({ op: 'kvm.set_gsi_routing', entries });
    return true;
  }

  private irqfd(): boolean {
    if (!this.host) return false;
    const gsi = this.gsi();
    if (this.st.irqfds.has(gsi) && this.r.chance(0.4)) {
      this.ops.push({ op: 'kvm.irqfd', gsi, resample: this.st.irqfds.get(gsi)!.resample, deassign: true });
      this.st.irqfds.delete(gsi);
    } else {
      const resample = this.r.chance(0.35);
      this.ops.push({ op: 'kvm.irqfd', gsi, resample, deassign: false });
      if (!this.st.irqfds.has(gsi)) this.st.irqfds.set(gsi, { resample });
    }
    return true;
  }

  private irqfdSignal(): boolean {
    if (!this.host || !this.st.irqfds.size) return false;
    const gsi = this.r.pick([...this.st.irqfds.keys()]);
    this.ops.push({ op: 'irqfd.signal', gsi });
    const route = this.st.routes.get(gsi);
    if (route?.kind === 'irqchip') this.st.noteRecent(0, route.spi);
    else if (route?.kind === 'msi') {
      const t = this.lpiTargetCpu(route.lpi);
      const ev = this.st.eventOf(route.lpi);
      if (t !== undefined && ev) this.st.noteRecent(t, ev.intid);
      this.inFlight(t);
    }
    return true;
  }

  private resampled(): boolean {
    if (!this.host || !this.st.irqfds.size) return false;
    this.ops.push({ op: 'irqfd.resampled', gsi: this.r.pick([...this.st.irqfds.keys()]) });
    return true;
  }

  private vfio(): boolean {
    if (!this.host) return false;
    if (this.st.forwarded.size && this.r.chance(0.35)) {
      const hostIrq = this.r.pick([...this.st.forwarded.keys()]);
      this.ops.push({ op: 'vfio.unforward', gsi: this.st.forwarded.get(hostIrq)!, hostIrq });
      this.st.forwarded.delete(hostIrq);
      return true;
    }
    if (!this.st.irqfds.size) return false;
    const gsi = this.r.pick([...this.st.irqfds.keys()]);
    const hostIrq = 100 + this.r.small(15);
    if (this.st.forwarded.has(hostIrq)) return false;
    this.ops.push({ op: 'vfio.forward', gsi, hostIrq });
    this.st.forwarded.set(hostIrq, gsi);
    return true;
  }

  private deviceFire(): boolean {
    if (!this.host || !this.st.forwarded.size) return false;
    const hostIrq = this.r.pick([...this.st.forwarded.keys()]);
    this.ops.push({ op: 'device.fire', hostIrq });
    const route = this.st.routes.get(this.st.forwarded.get(hostIrq)!);
    if (route?.kind === 'msi') {
      const t = this.lpiTargetCpu(route.lpi);
      const ev = this.st.eventOf(route.lpi);
      if (t !== undefined && ev) this.st.noteRecent(t, ev.intid);
      this.inFlight(t);
    } else if (route?.kind === 'irqchip') this.st.noteRecent(0, route.spi);
    return true;
  }

  // ---- scheduling, WFI, migration, device attributes ----------------------------------------

  private sched(): boolean {
    if (!this.host) return false;
    const cpu = this.cpu();
    if (this.st.running[cpu]! < 0 || this.r.chance(0.3)) {
      const pcpu = this.r.int(this.config.impl.pcpus);
      this.ops.push({ op: 'vcpu.run', cpu, pcpu });
      this.st.running[cpu] = pcpu;
    } else if (this.r.chance(0.5)) {
      this.ops.push({ op: 'vcpu.put', cpu });
      this.st.running[cpu] = -1;
    } else {
      this.ops.push({ op: 'vcpu.exit', cpu });
    }
    return true;
  }

  private wfi(): boolean {
    this.ops.push({ op: 'wfi', cpu: this.cpu() });
    return true;
  }

  private migrate(): boolean {
    if (!this.host) return false;
    this.ops.push({ op: 'migrate' });
    return true;
  }

  private deviceAttr(): boolean {
    if (!this.host) return false;
    if (this.r.chance(0.3)) {
      // the other vgic groups: CPU interface registers, line levels, addresses (kvm-vgic.md 1.8)
      const vcpu = this.cpu();
      switch (this.r.int(3)) {
        case 0:
          this.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'CPU_SYSREGS', attr: { sysreg: this.r.pick(['ICC_PMR_EL1', 'ICC_BPR1_EL1', 'ICC_CTLR_EL1', 'ICC_IGRPEN1_EL1', 'ICC_AP1R0_EL1']), vcpu }, access: 'get' });
          break;
        case 1:
          this.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'LEVEL_INFO', attr: { intid: 32 * this.r.int(this.config.spis / 32 + 1), vcpu }, access: 'get' });
          break;
        default:
          this.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'ADDR', attr: this.r.pick(['DIST', 'REDIST'] as const), access: 'get' });
      }
      return true;
    }
    const k = this.r.int(this.config.its ? 4 : 2);
    if (k === 0) {
      const id = this.spi();
      const offset = this.r.pick([GICD.CTLR, GICD.ISENABLER + 4 * (id >> 5), GICD.IPRIORITYR + (id & ~3), GICD.ISPENDR + 4 * (id >> 5)]);
      this.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'DIST_REGS', attr: { offset }, access: 'get' });
    } else if (k === 1) {
      const vcpu = this.cpu();
      this.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: 'REDIST_REGS', attr: { offset: this.r.pick([GICR.CTLR, GICR.PROPBASER, GICR.PENDBASER]), vcpu }, access: 'get' });
    } else if (k === 2) {
      const index = this.r.int(this.config.its);
      this.ops.push({ op: 'kvm.device_attr', device: 'its', index, group: 'ITS_REGS', attr: { offset: this.r.pick([GITS.CTLR, GITS.CBASER, GITS.CWRITER, GITS.CREADR, GITS.BASER]) }, access: 'get' });
    } else {
      const index = this.r.int(this.config.its);
      const attr = this.r.pick(['ITS_SAVE_TABLES', 'ITS_SAVE_TABLES', 'SAVE_PENDING_TABLES', 'SAVE_PENDING_TABLES', 'ITS_RESET'] as const);
      if (attr === 'ITS_RESET' && this.r.chance(0.5)) {
        // the table ABI revision in GITS_IIDR (kvm-vgic.md 1.9)
        this.ops.push({ op: 'kvm.device_attr', device: 'its', index, group: 'ITS_REGS', attr: { offset: GITS.IIDR }, access: this.r.pick(['get', 'set'] as const), value: toHex(this.r.pick([0, 0x43b, 0x1043b])) });
      } else {
        this.ops.push({ op: 'kvm.device_attr', device: 'its', index, group: 'CTRL', attr, access: 'set' });
        if (attr === 'ITS_RESET') {
          // every device and collection of that ITS is gone (kvm-vgic.md 1.13)
          this.st.its[index] = { devices: new Map(), collections: new Map() };
          for (const [intid, ref] of this.st.lpis) if (ref.its === index) this.st.lpis.delete(intid);
        }
      }
    }
    return true;
  }

  // ---- malformed input (DESIGN.md 6) ----------------------------------------------------------

  private malformed(): void {
    // kinds 0..4: guest registers; 5..6: bad ioctls (host only); 7..9: the ITS (with an ITS)
    const kinds = [0, 1, 2, 3, 4];
    if (this.host) kinds.push(5, 6);
    if (this.config.its) kinds.push(7, 8, 9);
    const k = this.r.pick(kinds);
    const cpu = this.cpu();
    switch (k) {
      case 0: { // write to read-only registers
        const w = this.r.pick([['gicd', GICD.TYPER], ['gicd', GICD.IIDR], ['gicd', GICD.PIDR2], ['gicr', GICR.TYPER], ['gicr', GICR.SYNCR]] as const);
        this.mmioW(cpu, w[0], w[0] === 'gicd' ? undefined : this.cpu(), w[1], 32, this.r.u32());
        return;
      }
      case 1: // reserved offsets, odd widths
        this.mmioW(cpu, 'gicd', undefined, this.r.pick([0x20, 0x60, 0xf80, 0x5ff8, 0x8000 + 4 * this.r.int(64)]), 32, this.r.u32());
        this.mmioR(cpu, 'gicd', undefined, this.r.pick([0x24, 0xf40, 0x3000]), 32);
        return;
      case 2: // out-of-range INTIDs on the CPU interface
        this.ops.push({ op: 'sysreg.write', cpu, reg: this.r.pick(['ICC_EOIR1_EL1', 'ICC_DIR_EL1'] as const), value: toHex(this.r.pick([1020, 1021, 1022, 0xffffff, 0x10000 + this.r.int(100)])) });
        return;
      case 3: // SGI to affinities that do not exist
        this.ops.push({ op: 'sysreg.write', cpu, reg: 'ICC_SGI1R_EL1', value: toHex((BigInt(this.r.range(1, 255)) << 32n) | (BigInt(this.r.range(1, 255)) << 16n) | 0xffffn) });
        return;
      case 4: // GICR_PROPBASER / PENDBASER rewritten while LPIs are enabled (U: ignored or not), PTZ set (bit 62)
        this.mmioW(cpu, 'gicr', this.cpu(), this.r.chance(0.5) ? GICR.PROPBASER : GICR.PENDBASER, 64, BigInt(RAM_BASE + 0x300000) | 7n | (this.r.chance(0.3) ? 1n << 62n : 0n));
        return;
      case 5: // bad ioctl arguments (host)
      case 6:
        this.badIoctl();
        return;
      default: // ITS: reserved opcodes, out-of-range IDs, CWRITER past the queue, corrupt tables then restore
        this.badIts();
    }
  }

  private badIoctl(): void {
    switch (this.r.int(6)) {
      case 0:
        this.ops.push({ op: 'kvm.irq_line', raw: this.r.u32(), level: this.r.int(2) });
        if (this.r.chance(0.3)) this.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: this.spi(), level: this.r.pick([2, 255]) });
        return;
      case 1:
        if (this.r.chance(0.5)) this.ops.push({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: this.r.pick([0, 31, 32 + this.config.spis, 1020, 5000]), level: 1 });
        else if (this.r.chance(0.5)) this.ops.push({ op: 'kvm.irq_line', type: 'ppi', vcpu: this.r.chance(0.5) ? this.config.vcpus : 0, intid: this.r.pick([0, 15, 32, 100]), level: 1 });
        else this.ops.push({ op: 'kvm.irq_line', type: 'cpu', vcpu: 0, intid: this.r.int(2), level: 1 }); // in-kernel GIC: -ENXIO (kvm-vgic.md 1.8)
        return;
      case 2:
        this.ops.push({ op: 'kvm.signal_msi', address: toHex(this.r.pick([0, itsBase(0) - 4, RAM_BASE])), data: this.r.small(255), devid: this.r.small(63), flags: this.r.pick([0, 1, 2]) });
        return;
      case 3:
        this.ops.push({ op: 'kvm.set_gsi_routing', entries: [{ gsi: this.r.small(31), type: this.r.pick([3, 99]) }] });
        this.st.routes.clear();
        return;
      case 4:
        this.ops.push({ op: 'kvm.irqfd', gsi: this.r.pick([500, 4095, this.r.small(31)]), resample: this.r.chance(0.5), deassign: true });
        return;
      default:
        this.ops.push({ op: 'kvm.device_attr', device: 'vgic', group: this.r.pick(['NR_IRQS', 'CTRL', 'DIST_REGS'] as const), attr: this.r.pick([0, 7, { offset: 0xfff0 }]), access: this.r.pick(['get', 'set'] as const), value: '0x40' });
    }
  }

  private badIts(): void {
    const n = this.r.int(this.config.its);
    const cpu = this.cpu();
    switch (this.r.int(6)) {
      case 0: { // reserved opcode (gic-arch.md 5.3: opcodes not in the table)
        const opcode = this.r.pick([0x00, 0x02, 0x06, 0x07, 0x10, 0x11, 0x1f, 0x30, 0xff]);
        const dw0 = (BigInt(this.r.small(63)) << 32n) | BigInt(opcode);
        this.its([{ cmd: 'raw', words: [toHex(dw0), toHex(this.r.small(255)), toHex(this.r.u32()), '0x0'] }], n);
        return;
      }
      case 1: // a command with one bad field (gic-arch.md 5.5: each command's error cases)
        if (this.r.chance(0.6)) {
          this.its([this.erroneousCommand(n)], n);
          return;
        }
        this.its([this.r.pick<ItsCommand>([
          { cmd: 'MAPTI', device: this.r.small(63), event: this.r.small(7), intid: this.r.pick([0, 1023, 8191, 0x10000, 0xffffffff]), collection: 0 },
          { cmd: 'MAPD', device: 2 ** ITS_DEVID_BITS + this.r.small(7), size: 3, itt: toHex(this.st.alloc(256)), valid: true },
          { cmd: 'MAPD', device: this.r.small(63), size: 31, itt: toHex(FREE_RAM), valid: true }, // Size beyond GITS_TYPER.ID_bits
          { cmd: 'MAPC', collection: this.r.pick([0x10000 - 1, 0xffff]), target: this.config.vcpus + this.r.int(4), valid: true },
          { cmd: 'MAPTI', device: this.r.small(63), event: 0x10000, intid: LPI_BASE, collection: 0 },
          { cmd: 'INT', device: this.r.small(63) + 1000, event: 0 },
          { cmd: 'MOVI', device: 0, event: 0, collection: 0xfff },
        ])], n);
        return;
      case 2: // GITS_CWRITER beyond the queue or misaligned (gic-arch.md 5.2)
        this.mmioW(cpu, 'gits', n, GITS.CWRITER, 64, this.r.pick([0x10000, 0x20000, 0x8, 0xffe0, 0x10020]));
        return;
      case 3: // writes to read-only / reserved ITS registers, BASER rewritten while enabled
        this.mmioW(cpu, 'gits', n, this.r.pick([GITS.TYPER, GITS.CREADR, GITS.IIDR, 0x200, GITS.BASER + 0x10]), 64, this.r.u32());
        return;
      case 4: { // corrupt a table (device, collection, an ITT), then restore (host) or migrate
        // Without host ops nothing restores from the tables: a write there would only exercise
        // U33 (memory the ITS owns, UNPREDICTABLE; gic-arch.md 7 advises not to scribble on it)
        if (!this.host) {
          this.mmioW(cpu, 'gits', n, GITS.CWRITER, 64, this.r.pick([0x10000, 0x20000, 0x8, 0xffe0, 0x10020]));
          return;
        }
        const devs = [...this.st.its[n]!.devices.values()];
        const table = this.r.pick([bootDeviceTable(n), bootCollectionTable(n), devs.length ? this.r.pick(devs).itt : bootDeviceTable(n)]);
        this.ops.push({ op: 'mem.write', addr: toHex(table + 8 * this.r.small(63)), bytes: [0, 1, 2, 3, 4, 5, 6, 7].map(() => this.r.int(256).toString(16).padStart(2, '0')).join('') });
        if (this.host && this.r.chance(0.7)) {
          this.ops.push({ op: 'kvm.device_attr', device: 'its', index: n, group: 'CTRL', attr: 'ITS_RESTORE_TABLES', access: 'set' });
        } else if (this.host) {
          this.ops.push({ op: 'migrate' });
        }
        return;
      }
      default: { // a burst of SYNCs; a near-full one (the queue holds 2048) makes the harness wrap it
        const length = this.r.chance(0.3) ? this.r.range(1900, 2047) : this.r.range(64, 300);
        this.its(Array.from({ length }, () => ({ cmd: 'SYNC' as const, target: this.cpu() })) as [ItsCommand, ...ItsCommand[]], n);
      }
    }
  }

  /**
   * One command with exactly one thing wrong: a DeviceID, EventID or ICID beyond what GITS_TYPER
   * allows, an unmapped device, event or collection, a target that is no PE (gic-arch.md 5.5).
   */
  private erroneousCommand(n: number): ItsCommand {
    const its = this.st.its[n]!;
    const devs = [...its.devices.keys()];
    const cols = [...its.collections.keys()];
    const mappedDev = devs.length ? this.r.pick(devs) : 0;
    const evs = devs.length ? [...its.devices.get(mappedDev)!.events.keys()] : [];
    const goodEvent = evs.length ? this.r.pick(evs) : 0;
    const goodCol = cols.length ? this.r.pick(cols) : 0;
    const badWhat = this.r.pick(['device-oor', 'device-unmapped', 'event-oor', 'event-unmapped', 'collection-oor', 'collection-unmapped'] as const);
    let device = mappedDev;
    let event = goodEvent;
    let collection = goodCol;
    if (badWhat === 'device-oor') device = 2 ** ITS_DEVID_BITS + this.r.small(15);
    if (badWhat === 'device-unmapped') device = 200 + this.r.small(50);
    if (badWhat === 'event-oor') event = 2 ** ((its.devices.get(mappedDev)?.size ?? 15) + 1) + this.r.small(3);
    if (badWhat === 'event-unmapped') event = 0x300 + this.r.small(15);
    if (badWhat === 'collection-oor') collection = 0x10000 - 1 - this.r.small(3);
    if (badWhat === 'collection-unmapped') collection = 100 + this.r.small(20);
    const kind = this.r.pick(['MAPTI', 'MAPI', 'MOVI', 'INT', 'CLEAR', 'DISCARD', 'INV', 'INVALL', 'MOVALL', 'MAPC', 'MAPD'] as const);
    switch (kind) {
      case 'MAPTI': return { cmd: 'MAPTI', device, event, intid: this.r.chance(0.3) ? this.r.pick([0, 8191, 0x10000]) : LPI_BASE + this.r.small(LPI_SPAN - 1), collection };
      case 'MAPI': return { cmd: 'MAPI', device, event: event < LPI_BASE ? LPI_BASE + event : event, collection };
      case 'MOVI': return { cmd: 'MOVI', device, event, collection };
      case 'INVALL': return { cmd: 'INVALL', collection };
      case 'MOVALL': return { cmd: 'MOVALL', from: this.r.chance(0.5) ? this.config.vcpus + this.r.int(4) : 0, to: this.config.vcpus + this.r.int(4) };
      case 'MAPC': return { cmd: 'MAPC', collection, target: this.r.chance(0.5) ? this.config.vcpus + this.r.int(4) : this.cpu(), valid: this.r.chance(0.7) };
      case 'MAPD': return { cmd: 'MAPD', device, size: this.r.chance(0.5) ? this.r.range(16, 31) : 3, itt: toHex(this.st.alloc(256)), valid: this.r.chance(0.5) };
      default: return { cmd: kind, device, event };
    }
  }
}
