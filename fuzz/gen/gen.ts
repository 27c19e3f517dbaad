// The generator of one scenario: draws the config and boot, then actions from the table
// (fuzz/gen/table.ts) by weight, or malformed input at the weights' malformedRate. Actions get
// this object: the random stream, the config, the belief state and the helpers that emit ops.
import type { BootOp, GroupMemberOp, GroupOp, ItsCommand, Op, PrimitiveOp, ResolvedConfig, Scenario } from '../../spec/scenario.js';
import { actorOf, GROUP_MAX_OPS, GROUP_MIN_OPS, NOT_IN_GROUP } from '../../spec/group.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import { toHex } from '../../spec/hex.js';
import { Rng } from '../rng.js';
import { GICD, GICR, GITS } from '../../triage/regs.js';
import type { Weights } from '../weights.js';
import { ACTIONS, ACTION_BY_NAME, MALFORMED_ACTIONS } from './table.js';
import { GenState, LPI_BASE, LPI_SPAN, type LpiRef } from './state.js';

/** Bump when the same id would give a different scenario (recorded in findings). */
export const GENERATOR_VERSION = 'gen@16';

export type Profile = 'full' | 'guest-only';

/** The random stream a generator draws from (a scenario id's chained stream). */
export interface GenRng extends Rng {
  /** called at the start of action `i` (a mutation switches streams there) */
  atAction(i: number): void;
}

export type Frame = 'gicd' | 'gicr' | 'gicr-sgi' | 'gits';
export interface GenConfig { vcpus: number; spis: number; its: number; impl: { lrs: number; gicv4: 'off' | '4.0' | '4.1'; pcpus: number } }

export class Gen {
  readonly config: GenConfig;
  readonly actionCount: number;
  readonly st: GenState;
  readonly ops: Op[] = [];
  readonly resolved: ResolvedConfig;
  private readonly boot: BootOp;
  private readonly actionWeights: number[];
  private readonly totalWeight: number;

  constructor(
    readonly r: GenRng,
    private readonly w: Weights,
    readonly profile: Profile,
    private readonly accept?: (op: PrimitiveOp, config: ResolvedConfig) => boolean,
    /** when given, receives the name of each action the scenario is made of, in order */
    private readonly drawn?: string[],
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
    this.actionWeights = ACTIONS.map((a) => (profile === 'guest-only' && a.host ? 0 : w.actions[a.name] ?? 0));
    this.totalWeight = this.actionWeights.reduce((x, y) => x + y, 0);
  }

  /**
   * Config: small machines most of the time (more collisions, and cheap: a scenario's oracle cost
   * grows with the vCPUs, and a 17-vCPU one cost 7x a 4-vCPU one, scripts/scenario-cost.ts), big
   * ones (8 and 17 vCPUs: affinity level 1, GICR_TYPER.Last past 16) as a rarer draw.
   */
  private drawConfig(): GenConfig {
    const r = this.r;
    const vcpus = r.chance(0.03) ? 17 : r.pick([1, 2, 2, 2, 3, 3, 4, 4, 5, 8]);
    const spis = 32 * r.pick([1, 1, 2, 2, 3, 4]);
    const its = r.pick([0, 1, 1, 1, 1, 2]);
    const lrs = r.pick([1, 2, 4, 4, 4, 16]);
    const gicv4 = r.pick(['off', 'off', '4.0', '4.1', '4.1'] as const);
    const pcpus = r.range(1, 4);
    return { vcpus, spis, its, impl: { lrs, gicv4, pcpus } };
  }

  private bootAccepted(config: GenConfig): boolean {
    const c = resolveConfig(config);
    return expandBoot({ op: 'boot' }, c).every((op) => this.accept!(op, c));
  }

  build(id: string, name: string): Scenario {
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
      let name: string;
      if (this.r.chance(this.w.malformedRate)) {
        name = this.malformed();
      } else {
        // A few tries: an action may not apply to the current state (nothing to EOI...).
        let done = false;
        name = 'ack';
        for (let t = 0; t < 4 && !done; t++) {
          const a = ACTIONS[this.r.weighted(this.actionWeights, this.totalWeight)]!.name;
          done = this.runAction(a);
          if (done) name = a;
        }
        if (!done) this.run('ack');
      }
      if (this.accept && !this.acceptedFrom(mark)) this.ops.length = mark; // the target cannot run it: drop the action
      else this.drawn?.push(name);
    }
    return {
      format: 'gicdiff/scenario@1',
      name,
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

  /** Malformed input instead of an action: one of the malformed actions that apply, by weight. */
  private malformed(): string {
    const kinds = MALFORMED_ACTIONS.filter((a) => (!a.host || this.host) && (a.applies?.(this) ?? true)).flatMap((a) => Array<typeof a>(a.weight).fill(a));
    const a = this.r.pick(kinds);
    a.emit(this, this.cpu());
    return `malformed.${a.name}`;
  }

  private acceptedFrom(mark: number): boolean {
    for (let k = mark; k < this.ops.length; k++) {
      const op = this.ops[k]!;
      if (op.op !== 'boot' && !this.accept!(op, this.resolved)) return false;
    }
    return true;
  }

  private runAction(name: string): boolean {
    const a = ACTION_BY_NAME.get(name)!;
    if (a.host && !this.host) return false;
    if (a.applies && !a.applies(this)) return false;
    return a.emit(this);
  }

  // ---- what actions use --------------------------------------------------------------------

  /** Runs another action of the table (a story's step); false when it does not apply. */
  run(name: string): boolean {
    if (!ACTION_BY_NAME.has(name)) throw new Error(`generator: no action "${name}"`);
    return this.runAction(name);
  }

  /** Host ops allowed (the full profile). */
  get host(): boolean {
    return this.profile === 'full';
  }
  cpu(): number {
    return this.r.int(this.config.vcpus);
  }
  spi(): number {
    return 32 + this.r.small(this.config.spis - 1);
  }
  mmioW(cpu: number, frame: Frame, index: number | undefined, offset: number, width: 8 | 32 | 64, value: number | bigint): void {
    const op: Op = { op: 'mmio.write', cpu, frame, offset, width, value: toHex(value) };
    if (index !== undefined) op.index = index;
    this.ops.push(op);
  }
  mmioR(cpu: number, frame: Frame, index: number | undefined, offset: number, width: 8 | 32 | 64): void {
    const op: Op = { op: 'mmio.read', cpu, frame, offset, width };
    if (index !== undefined) op.index = index;
    this.ops.push(op);
  }
  /** Commands on ITS `its`, written by vCPU `from` (a random one when not given). */
  its(cmds: ItsCommand[], its: number, from?: number): void {
    this.ops.push({ op: 'its.cmd', cpu: from ?? this.cpu(), its, cmds: cmds as [ItsCommand, ...ItsCommand[]] });
  }
  /**
   * The ops `emit` pushes, made one group that runs them at the same time (spec/group.ts). Ops
   * that cannot form a group (too few or many, two on one vCPU, a migrate) are dropped: false.
   */
  group(emit: () => void): boolean {
    const mark = this.ops.length;
    emit();
    const members = this.ops.splice(mark) as GroupMemberOp[];
    const actors = members.map((m) => actorOf(m)).filter((a) => a !== null);
    if (members.length < GROUP_MIN_OPS || members.length > GROUP_MAX_OPS || new Set(actors).size !== actors.length) return false;
    if (members.some((m) => Object.prototype.hasOwnProperty.call(NOT_IN_GROUP, m.op))) return false;
    this.ops.push({ op: 'group', ops: members as GroupOp['ops'] });
    return true;
  }
  /** A WFI on `cpu` (it may stay asleep until something is sent to it). */
  wfi(cpu: number): void {
    this.ops.push({ op: 'wfi', cpu });
    this.st.maybeAsleep.add(cpu);
  }
  /** A vCPU not believed asleep in WFI (any vCPU when all may be). */
  awakeCpu(): number {
    const awake: number[] = [];
    for (let c = 0; c < this.config.vcpus; c++) if (!this.st.maybeAsleep.has(c)) awake.push(c);
    return awake.length ? this.r.pick(awake) : this.cpu();
  }
  lpiTargetCpu(ref: LpiRef): number | undefined {
    const ev = this.st.eventOf(ref);
    if (!ev) return undefined;
    return this.st.its[ref.its]!.collections.get(ev.collection);
  }
  syncTarget(ref: LpiRef): number {
    return this.lpiTargetCpu(ref) ?? 0;
  }
  /** An LPI INTID: mostly one already mapped (to hit its configuration). */
  lpiId(): number {
    if (this.st.lpis.size && this.r.chance(0.7)) return this.r.pick([...this.st.lpis.keys()]);
    return LPI_BASE + this.r.small(LPI_SPAN - 1);
  }
  pickEvent(): LpiRef | undefined {
    const evs = this.st.mappedEvents();
    return evs.length ? this.r.pick(evs) : undefined;
  }
  /** A GSI: mostly one with a route. */
  gsi(): number {
    const known = [...this.st.routes.keys()];
    return known.length && this.r.chance(0.8) ? this.r.pick(known) : this.r.small(31);
  }
  /** The LPI of `ref` may now be pending on its target: note it and maybe act on it in flight. */
  lpiSignalled(ref: LpiRef): void {
    const t = this.lpiTargetCpu(ref);
    const ev = this.st.eventOf(ref);
    if (t !== undefined && ev) this.st.noteRecent(t, ev.intid);
    this.inFlight(t);
  }
  /**
   * After something became pending on `cpu`: sometimes schedule it out/in, WFI or migrate right
   * then — more often when more may be pending there than it has list registers (an LR overflow).
   */
  inFlight(cpu: number | undefined): void {
    if (cpu === undefined || !this.host) return;
    const lrFull = this.st.recent[cpu]!.length >= this.config.impl.lrs;
    if (!this.r.chance(lrFull ? 0.5 : 0.25)) return;
    const c = cpu;
    if (this.r.chance(this.config.vcpus > 4 ? 0.01 : 0.03)) {
      this.ops.push({ op: 'migrate' }); // in the middle of activity (a big VM's round costs more)
      return;
    }
    switch (this.r.int(4)) {
      case 0: this.ops.push({ op: 'vcpu.put', cpu: c }); this.st.running[c] = -1; break;
      case 1: this.ops.push({ op: 'vcpu.exit', cpu: c }); break;
      case 2: this.wfi(c); break;
      default: {
        const p = this.r.int(this.config.impl.pcpus);
        this.ops.push({ op: 'vcpu.run', cpu: c, pcpu: p });
        this.st.running[c] = p;
      }
    }
  }
}
