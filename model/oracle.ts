// The oracle (docs/oracle.md): the model as a nondeterministic machine. It keeps every candidate
// state the architecture permits; each observed result prunes those that could not have produced
// it. Choices are made lazily (model/README.md): most are decided by the result that reveals them,
// the rest live as alternative candidates or as deferred state inside one candidate.
import type { ExpandedScenario, GroupOp, OpResult, PrimitiveOp, ResolvedConfig } from '../spec/scenario.js';
import { permutations } from '../spec/group.js';
import type { Trace } from '../spec/target.js';
import type { Divergence, Verdict } from '../spec/verdict.js';
import { canonicalResult } from '../spec/expect-check.js';
import { describeOp, describeResult } from '../spec/describe-op.js';
import { type Alt, describeExpected, type Expected, expectedMatches, ModelInputError, representative } from './exec.js';
import { materialize, runOp } from './machine.js';
import { hppiInputsForOp, type HppiInputs, hppiResolve, hppiSameForAnyPriBits, signalOutcome } from './interrupts.js';
import { groupPriority } from './priority.js';
import { slotOf, State } from './state.js';
import { parseHex } from '../spec/hex.js';
import { alive, DEFAULT_WORK_LIMIT, IN_OP_CANDIDATE_FACTOR, spend, withBudget } from './budget.js';

export interface Oracle {
  /** Feed the next primitive op and the result the target returned. Returns null while some
   *  candidate state explains everything so far, else the Divergence (spec/verdict.ts). */
  observe(op: PrimitiveOp, result: OpResult): Divergence | null;
  /** the results the current candidates allow for this op, without committing (for repro) */
  allowed(op: PrimitiveOp): OpResult[];
  lastRules(): readonly string[];
  coverage(): ReadonlySet<string>;
  candidateCount(): number;
  maxCandidates(): number;
  /**
   * The quirks (model/choices.ts) the candidates explaining the trace so far had to take: the
   * fewest of any surviving candidate. Empty without quirks enabled.
   */
  quirksUsed(): readonly string[];
  /**
   * The unconfirmed readings the trace so far needs: empty while some candidate took none; else the
   * rule ids the candidates took (State.unconfirmed), each candidate's, merged.
   */
  unconfirmed(): string[];
}

export interface OracleOptions {
  /** candidate states kept between ops (default DEFAULT_MAX_CANDIDATES); IN_OP_CANDIDATE_FACTOR times that inside one op */
  maxCandidates?: number;
  /** ids of the quirks the oracle may take (a target's quirk set, triage/classify.ts); none: the strict architecture */
  quirks?: ReadonlySet<string>;
  /** candidate-steps one op may take (default model/budget.ts DEFAULT_WORK_LIMIT) */
  workLimit?: number;
  /** Date.now() after which an op gives up (OracleDeadlineError) */
  deadline?: number;
  /**
   * Past the bound between ops, keep the `maxCandidates` candidates that took the fewest quirks
   * instead of throwing CandidateBoundError (checkTrace only; see cutToBound). What the kept
   * candidates accept the whole set accepts, so an accepted trace is decided; a rejected one is
   * decided only if nothing was cut, else checkTrace throws the bound error after all.
   */
  cutToBound?: boolean;
}

export class CandidateBoundError extends Error {}

// Held policies double the set at most once each; 1024 proved marginal on generated scenarios (a
// 174-op campaign scenario peaks at 1536 candidates, 2.2 s), so the bound leaves room.
export const DEFAULT_MAX_CANDIDATES = 4096;
/**
 * checkTrace with cutToBound cuts to the bound divided by this first. Measured on the inconclusive
 * findings of a clean-kvm campaign: cuts to 256, 1,024 and 4,096 each decided some that the others
 * did not, and the narrow one costs least; the wide one runs only when the narrow one rejects.
 */
const NARROW_CUT_DIVISOR = 16;
const DEDUPE_EVERY = 8;

// ---------------------------------------------------------------- implementation parameters

/**
 * Whether a PE has anything that could be a candidate for signalling (pending, enabled, inactive
 * private or SPI interrupt, or a pending LPI). Without one, decisions do not depend on priorities.
 */
function mayHaveCandidate(s: State, cpu: number): boolean {
  if (s.lpiPending[cpu]!.size > 0 || s.ghosts[cpu]!.size > 0 || s.lpiScoped.size > 0 || s.vlpiPending.size > 0 || s.lpiQueuedLpisOff.size > 0) return true;
  for (let i = cpu * 32, e = i + 32; i < e; i++) if (maySignal(s, i)) return true;
  for (let i = s.nPriv; i < s.nSlots; i++) if (maySignal(s, i)) return true;
  return false;
}
function maySignal(s: State, slot: number): boolean {
  return s.enabled[slot] === 1 && s.active[slot] === 0 && (s.latch[slot] === 1 || (s.edge[slot] === 0 && s.line[slot] === 1));
}

/** Ops whose outcome may depend on the number of implemented priority bits (choice.u2.priority-bits). */
function needsPriBits(s: State, op: PrimitiveOp): boolean {
  // a guest op on a vCPU that may have woken runs the op: decide as for an awake vCPU
  switch (op.op) {
    case 'sysreg.read':
      switch (op.reg) {
        case 'ICC_RPR_EL1': case 'ICC_IGRPEN0_EL1': case 'ICC_IGRPEN1_EL1': case 'ICC_SRE_EL1': return false;
        case 'ICC_IAR1_EL1': case 'ICC_IAR0_EL1': case 'ICC_HPPIR1_EL1': case 'ICC_HPPIR0_EL1': case 'ISR_EL1':
          return mayHaveCandidate(s, op.cpu);
        case 'ICC_PMR_EL1': return (s.pmr[op.cpu]! & 0x0f) !== 0;
        default: return true;
      }
    case 'sysreg.write':
      // with quirks, an EOI compares group priorities (QUIRKS.priorityChangeBlocksEoi)
      return op.reg.startsWith('ICC_AP') || (s.quirks.size > 0 && op.reg.startsWith('ICC_EOIR'));
    case 'wfi':
      return mayHaveCandidate(s, op.cpu);
    case 'kvm.device_attr':
      return true;
    case 'mmio.read':
      return (op.frame === 'gicd' && op.offset >= 0x400 && op.offset < 0x800) || (op.frame === 'gicr-sgi' && op.offset >= 0x400 && op.offset < 0x420);
    default:
      return false;
  }
}
/** Ops whose outcome depends on GICR_CTLR.CES (choice.u18.clear-enable-lpis): reading GICR_CTLR, clearing EnableLPIs. */
function needsCes(s: State, op: PrimitiveOp): boolean {
  if (op.op === 'kvm.device_attr') return op.group === 'REDIST_REGS';
  if (op.op === 'mmio.read') return op.frame === 'gicr' && op.offset === 0;
  if (op.op === 'mmio.write') {
    if (op.frame !== 'gicr' || op.offset !== 0) return false;
    const rd = op.index ?? 0;
    return rd < s.cfg.vcpus && s.enableLpis[rd] === 1 && (BigInt(op.value) & 1n) === 0n;
  }
  return false;
}

/**
 * Whether the op is a read-only decision about `cpu`'s HPPI (IAR's choice of interrupt and its
 * group priority, HPPIR, ISR, WFI): its outcome depends on choice.u2.priority-bits only through that decision.
 */
function hppiDecisionCpu(op: PrimitiveOp): number | null {
  if (op.op === 'wfi') return op.cpu;
  if (op.op !== 'sysreg.read') return null;
  switch (op.reg) {
    case 'ICC_IAR1_EL1': case 'ICC_IAR0_EL1': case 'ICC_HPPIR1_EL1': case 'ICC_HPPIR0_EL1': case 'ISR_EL1': return op.cpu;
    default: return null;
  }
}

/** How the HPPI decision comes out for the current priBits: equal for every value = no split needed. */
function hppiSignature(s: State, cpu: number, inputs: HppiInputs | null): string {
  if (inputs === null) return 'n,';
  let sig = '';
  for (const o of hppiResolve(s, inputs, null)) {
    sig += o === null ? 'n,' : `${o.intid}/${o.group}/${signalOutcome(s, cpu, o)}/${groupPriority(s, cpu, o.prio, o.group)},`;
  }
  return sig;
}

/** When choice.u2.priority-bits is open but the op does not depend on it: the number of bits to run it with, else null. */
function priBitsIrrelevant(s: State, op: PrimitiveOp): number | null {
  const cpu = hppiDecisionCpu(op);
  if (cpu === null) return null;
  // the competing interrupts do not depend on choice.u2.priority-bits: collect them once, resolve per value (and the
  // op's own decision takes them over: hppiInputsForOp)
  const inputs = hppiInputsForOp(s, cpu);
  const all = s.priBits;
  // the common case, without resolving once per value
  if (hppiSameForAnyPriBits(s, cpu, inputs)) return all & -all;
  let first: string | null = null;
  let pick = 0;
  try {
    for (let b = 4; b <= 8; b++) {
      if (!(all & (1 << b))) continue;
      s.priBits = 1 << b;
      const g = hppiSignature(s, cpu, inputs);
      if (first === null) { first = g; pick = 1 << b; } else if (g !== first) return null;
    }
  } finally {
    s.priBits = all;
  }
  return pick;
}

function single(mask: number): boolean {
  return (mask & (mask - 1)) === 0;
}

/**
 * Split a candidate into one per value of each unresolved parameter the op depends on. A candidate
 * whose op does not depend on choice.u2.priority-bits after all runs once with one value and gets the full set back
 * (`restore`).
 */
function resolveParams(s: State, op: PrimitiveOp, out: State[], restore: Map<State, number>): void {
  let list = [s];
  if (!single(s.priBits) && needsPriBits(s, op)) {
    const pick = priBitsIrrelevant(s, op);
    if (pick !== null) {
      restore.set(s, s.priBits);
      s.priBits = pick;
    } else {
      const next: State[] = [];
      for (const st of list) {
        let first = true;
        const possible = st.priBits;
        for (let b = 4; b <= 8; b++) {
          if (!(possible & (1 << b))) continue;
          const c = first ? st : st.clone();
          c.priBits = 1 << b;
          first = false;
          next.push(c);
        }
      }
      list = next;
    }
  }
  if (!single(s.ces) && needsCes(s, op)) {
    const next: State[] = [];
    for (const st of list) {
      const c = st.clone();
      st.ces = 0b01;
      c.ces = 0b10;
      next.push(st, c);
    }
    list = next;
  }
  out.push(...list);
}

/**
 * Whether an op cannot observe the active state left open by out-of-order EOIs (State.activeOpen):
 * scheduling ops, and a further EOI, unless a vCPU is asleep that an open SGI/PPI belongs to, or
 * an open SPI could wake (the wake-up check after a guest write), or, with quirks, the EOI names an
 * open one (the quirks of an in-order EOI read its active state). Any other op decides first.
 */
function activeBlind(s: State, op: PrimitiveOp): boolean {
  switch (op.op) {
    case 'vcpu.run': case 'vcpu.exit': case 'vcpu.put':
      return true;
    case 'sysreg.write': {
      if (op.reg !== 'ICC_EOIR1_EL1' && op.reg !== 'ICC_EOIR0_EL1') return false;
      for (let c = 0; c < s.cfg.vcpus; c++) {
        if (s.asleep[c] === 0) continue;
        for (const slot of s.activeOpen) if (slot >= s.nPriv || (slot >= c * 32 && slot < c * 32 + 32)) return false;
      }
      if (s.quirks.size === 0) return true;
      const intid = Number(parseHex(op.value) & 0xff_ffffn);
      return intid >= 32 + s.cfg.spis || !s.activeOpen.has(slotOf(s, op.cpu, intid));
    }
    default:
      return false;
  }
}

/** One candidate per way the open active states (State.activeOpen) can be: `s` itself is the first (all still active). */
function decideActive(s: State, out: State[]): void {
  const open = [...s.activeOpen];
  s.activeOpen = new Set();
  let list = [s];
  for (const slot of open) {
    const next: State[] = [];
    for (const st of list) {
      const c = st.clone();
      c.active[slot] = 0;
      next.push(st, c);
    }
    alive(next.length);
    list = next;
  }
  for (const st of list) out.push(st);
}

/**
 * The first slot a 32-bit read of an active-state register shows (GICD_ISACTIVER<n>/ICACTIVER<n>
 * for SPIs, a redistributor's GICR_ISACTIVER0/ICACTIVER0; IHI 0069 12.9, 12.11), and how many;
 * null for any other op. The read shows the active bits and nothing else.
 */
function activeReadSlots(s: State, op: PrimitiveOp): { first: number; count: number } | null {
  if (op.op !== 'mmio.read' || op.width !== 32 || (op.offset & 3) !== 0) return null;
  if (op.frame === 'gicr-sgi') {
    const rd = op.index ?? 0;
    return (op.offset === 0x300 || op.offset === 0x380) && rd < s.cfg.vcpus ? { first: rd * 32, count: 32 } : null;
  }
  if (op.frame !== 'gicd' || op.offset < 0x304 || op.offset >= 0x400 || op.offset === 0x380) return null;
  const firstIntid = ((op.offset & 0x7f) >> 2) * 32;
  const count = Math.min(32, 32 + s.cfg.spis - firstIntid);
  return count > 0 ? { first: s.nPriv + firstIntid - 32, count } : null;
}

/**
 * A read of an active-state register decides the open slots it shows by the value observed: any
 * other value for them makes a result that does not match. True when the read sees no other open
 * slot (then it is blind to the rest).
 */
function decideByRead(s: State, op: PrimitiveOp, observed: OpResult | undefined): boolean {
  if (typeof observed !== 'string' || !observed.startsWith('0x')) return false;
  const shown = activeReadSlots(s, op);
  if (shown === null) return false;
  const v = Number(BigInt(observed) & 0xffff_ffffn);
  for (const slot of [...s.activeOpen]) {
    const k = slot - shown.first;
    if (k < 0 || k >= shown.count) continue;
    s.active[slot] = (v >>> k) & 1;
    s.activeOpen.delete(slot);
  }
  return true;
}

/** `cands` with their open active states decided where `op` may observe them (by `observed` where it shows them). */
function decidedFor(cands: readonly State[], op: PrimitiveOp, observed?: OpResult): State[] {
  let out: State[] | null = null;
  for (let i = 0; i < cands.length; i++) {
    const s = cands[i]!;
    if (s.activeOpen.size === 0 || activeBlind(s, op) || decideByRead(s, op, observed)) {
      out?.push(s);
      continue;
    }
    out ??= cands.slice(0, i);
    decideActive(s, out);
  }
  return out ?? (cands as State[]);
}

// ---------------------------------------------------------------- the oracle

const NO_OPTIONS: string[] = [];
/** the rule of a group (spec/group.ts) */
const GROUP_RULE = 'sched.group-some-order';
/** result arrays a divergence at a group lists at most (every order, every allowed result of each op) */
const GROUP_ALLOWED_LIMIT = 32;

/**
 * "rule=option" for each permitted option an op's observed result kept, at an op with several
 * permitted outcomes: the op's primary rule, and the option's label (its choice rule and what it
 * chose; "main" for the outcome without a label) with standalone numbers folded, so that the pair names the
 * kind of behaviour, not the INTID or value it was seen with.
 */
function optionPairs(rule: string, choices: readonly (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const c of choices) out.add(`${rule}=${c === undefined ? 'main' : c.replace(/\b(?:0x[0-9a-f]+|\d+)\b/gi, '#')}`);
  return [...out];
}

class ModelOracle implements Oracle {
  private cands: State[];
  private readonly bound: number;
  private readonly limits: { work: number; deadline: number; candidates: number };
  private max = 1;
  /** ops since the candidates were last deduplicated (see observe) */
  private sinceDedupe = 0;
  private rules: string[] = [];
  private readonly cover = new Set<string>();
  private opIndex = 0;
  /** the last op's (rule, permitted option) pairs, when it had several permitted outcomes */
  private options: string[] = NO_OPTIONS;
  /**
   * The choices the last op's kept outcomes took, when it had several: turned into `options` only
   * if asked (campaigns ask; a quirk re-check of a whole trace never does, and it is most of the CPU).
   */
  private keptChoices: (string | undefined)[] | null = null;
  private keptRule = '-';
  /** the first op after which candidates were cut (OracleOptions.cutToBound), else null */
  cutAt: number | null = null;
  /** how many candidates a cut keeps (checkTrace tries a narrow cut first, then the bound) */
  cutWidth: number;
  /**
   * Taken at the first cut when cutWidth is below the bound: a copy holding the candidates a cut to
   * the bound keeps, to go on from there with the wider cut when the narrow one rejects the trace.
   */
  private wider: ModelOracle | null = null;
  /** whether the first narrow cut takes `wider` (checkTrace's oracle; not the copies a group's orders run on) */
  mayWiden = false;

  constructor(private readonly config: ResolvedConfig, private readonly oracleOptions: OracleOptions) {
    const s = new State(config);
    if (oracleOptions.quirks !== undefined && oracleOptions.quirks.size > 0) s.quirks = oracleOptions.quirks;
    this.cands = [s];
    this.bound = oracleOptions.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
    this.limits = { work: oracleOptions.workLimit ?? DEFAULT_WORK_LIMIT, deadline: oracleOptions.deadline ?? Infinity, candidates: this.bound * IN_OP_CANDIDATE_FACTOR };
    this.cutWidth = this.bound;
  }

  observe(op: PrimitiveOp, result: OpResult): Divergence | null {
    if (op.op === 'group') return this.observeGroup(op, result);
    const index = this.opIndex++;
    const { alts, rules, pruned } = withBudget(this.limits, () => `op ${index} (${describeOp(op)})`, () => this.expand(op, result));
    const matched: Alt[] = [];
    const resultKey = alts.length > 1 ? canonicalResult(result) : undefined;
    for (const a of alts) if (expectedMatches(a.result, result, resultKey)) matched.push(a);
    if (matched.length === 0) {
      this.settle(alts, rules);
      this.noteRules(rules);
      // outcomes skipped because the observed result rules them out still belong to the answer
      const allowed = uniqueResults([...alts.map((a) => a.result), ...pruned]);
      // keep going with every outcome, so a caller that continues still gets sensible answers
      this.cands = dedupe([...new Set(alts.map((a) => a.state))]);
      return {
        opIndex: index,
        got: result,
        allowed: allowed.map(representative),
        rules: [...this.rules],
        message: `${describeOp(op)} returned ${describeResult(result)}; the architecture allows ${allowed.map(describeExpected).join(' or ')}`,
        explanation: explain(alts),
      };
    }
    this.settle(matched, rules);
    this.noteRules(rules);
    this.options = NO_OPTIONS;
    if (alts.length > 1) {
      this.keptRule = this.rules[0] ?? '-';
      this.keptChoices = matched.map((a) => a.choice);
    } else this.keptChoices = null;
    let survivors: State[];
    if (matched.length === 1) {
      const a = matched[0]!;
      a.commit?.(a.state, result);
      survivors = [a.state];
    } else {
      survivors = [];
      const seen = new Set<State>();
      for (const a of matched) {
        if (seen.has(a.state)) continue;
        seen.add(a.state);
        a.commit?.(a.state, result);
        survivors.push(a.state);
      }
    }
    // Duplicates only cost time (merging widens parameters, which keeping both does as well), and
    // finding them costs a comparison of every pair: do it when the set grew (a branch), and every
    // few ops for candidates that converged without one.
    if (survivors.length > 1 && (survivors.length > this.cands.length || ++this.sinceDedupe >= DEDUPE_EVERY)) {
      survivors = dedupe(survivors);
      this.sinceDedupe = 0;
    }
    this.cands = survivors;
    this.checkBound(index, op);
    return null;
  }

  /** Between ops: past the bound, throw CandidateBoundError, or cut the set to it (OracleOptions.cutToBound). */
  private checkBound(index: number, op: PrimitiveOp | GroupOp): void {
    if (this.cands.length > this.max) this.max = this.cands.length;
    if (this.cands.length <= this.bound) return;
    if (this.oracleOptions.cutToBound !== true) {
      throw new CandidateBoundError(`op ${index} (${describeOp(op)}): ${this.cands.length} candidate states exceed the bound of ${this.bound}`);
    }
    if (this.cutAt === null && this.cutWidth < this.bound && this.mayWiden) {
      const w = this.fork(cutToBound(this.cands, this.bound));
      w.cutAt = index;
      w.cutWidth = this.bound;
      w.max = this.max;
      for (const r of this.cover) w.cover.add(r);
      this.wider = w;
    }
    this.cands = cutToBound(this.cands, this.cutWidth);
    this.cutAt ??= index;
  }

  /** the index of the next op observe() expects */
  opIndexNext(): number { return this.opIndex; }

  /** The copy taken at the first narrow cut (see `wider`), to go on with cuts to the bound; null when there is none. */
  takeWider(): ModelOracle | null {
    const w = this.wider;
    this.wider = null;
    return w;
  }

  /** A copy whose candidates evolve apart from this oracle's (the group's orders are tried on copies). */
  private fork(cands: readonly State[] = this.cands): ModelOracle {
    const f = new ModelOracle(this.config, this.oracleOptions);
    f.cands = cands.map((c) => c.clone());
    f.opIndex = this.opIndex;
    f.cutWidth = this.cutWidth;
    return f;
  }

  /**
   * Ops that ran at the same time (spec/group.ts): the results are explained when some serial
   * order of the ops explains them (sched.group-some-order). Each order runs on its own
   * copy of the candidates with the single-op machinery; the candidates of every order that
   * explains them survive. No order: the divergence is at the group, with each order's first
   * failing op.
   */
  private observeGroup(op: GroupOp, result: OpResult): Divergence | null {
    const index = this.opIndex;
    const n = op.ops.length;
    if (!Array.isArray(result) || result.length !== n) {
      this.opIndex++;
      this.rules = [GROUP_RULE];
      this.cover.add(GROUP_RULE);
      return {
        opIndex: index, got: result, allowed: [], rules: [GROUP_RULE],
        message: `${describeOp(op)} returned ${describeResult(result)}; a group's result is the array of its ${n} ops' results`,
      };
    }
    const survivors: State[] = [];
    const rules = new Set<string>([GROUP_RULE]);
    const options = new Set<string>();
    const failures: string[] = [];
    for (const order of permutations(n)) {
      const f = this.fork();
      let failed: string | null = null;
      for (const k of order) {
        const d = f.observe(op.ops[k]!, result[k]!);
        for (const r of f.lastRules()) rules.add(r);
        if (d !== null) {
          failed = `order ${order.join(',')}: op ${k} ${d.message}`;
          break;
        }
        for (const o of f.lastOptions()) options.add(o);
      }
      for (const r of f.coverage()) this.cover.add(r);
      if (f.max > this.max) this.max = f.max;
      if (f.cutAt !== null) this.cutAt ??= index;
      if (failed === null) survivors.push(...f.cands);
      else failures.push(failed);
    }
    this.opIndex = index + 1;
    this.rules = [...rules];
    this.cover.add(GROUP_RULE);
    if (survivors.length === 0) {
      return {
        opIndex: index, got: result, allowed: this.allowedGroup(op), rules: [...rules],
        message: `${describeOp(op)} returned ${describeResult(result)}; no serial order of its ops explains it (sched.group-some-order)`,
        explanation: failures.join('; '),
      };
    }
    this.keptChoices = null;
    this.options = [...options];
    this.cands = dedupe(survivors);
    this.sinceDedupe = 0;
    this.checkBound(index, op);
    return null;
  }

  /**
   * The result arrays some order of a group's ops allows (each op's allowed results, followed
   * through the candidates each leaves), at most GROUP_ALLOWED_LIMIT of them.
   */
  private allowedGroup(op: GroupOp): OpResult[] {
    const out = new Map<string, OpResult>();
    const walk = (o: ModelOracle, order: readonly number[], at: number, got: OpResult[]): void => {
      if (out.size >= GROUP_ALLOWED_LIMIT) return;
      if (at === order.length) {
        const r = [...got];
        out.set(canonicalResult(r), r);
        return;
      }
      const k = order[at]!;
      const member = op.ops[k]!;
      for (const r of o.allowed(member)) {
        const next = o.fork();
        if (next.observe(member, r) !== null) continue;
        got[k] = r;
        walk(next, order, at + 1, got);
      }
    };
    for (const order of permutations(op.ops.length)) walk(this, order, 0, new Array<OpResult>(op.ops.length).fill(null));
    return [...out.values()];
  }

  allowed(op: PrimitiveOp): OpResult[] {
    if (op.op === 'group') return this.allowedGroup(op);
    const alts: Alt[] = [];
    for (const s of decidedFor(this.cands.map((c) => c.clone()), op)) {
      const states: State[] = [];
      resolveParams(s, op, states, new Map());
      for (const st of states) alts.push(...runOp(st, op).alts);
    }
    return uniqueResults(alts.map((a) => a.result)).map(representative);
  }

  /** deferred outcomes whose choice.u2.priority-bits set is restored once materialized (see priBitsIrrelevant) */
  private readonly restoreAfter = new Map<Alt, number>();

  /** materialize() the kept outcomes, then give deferred ones their full choice.u2.priority-bits set back */
  private settle(kept: Alt[], rules: string[]): void {
    materialize(kept, rules);
    if (this.restoreAfter.size === 0) return;
    for (const a of kept) {
      const full = this.restoreAfter.get(a);
      if (full !== undefined) a.state.priBits = full;
    }
    // a shared state no outcome kept still holds the chosen value: it is dropped with the alts
    this.restoreAfter.clear();
  }

  private expand(op: PrimitiveOp, observed?: OpResult): { alts: Alt[]; rules: string[]; pruned: Expected[] } {
    // the common case: one candidate whose parameters the op does not split, run as is
    if (this.cands.length === 1) {
      const s = this.cands[0]!;
      if ((single(s.priBits) || !needsPriBits(s, op)) && (single(s.ces) || !needsCes(s, op)) && (s.activeOpen.size === 0 || activeBlind(s, op) || decideByRead(s, op, observed))) return runOp(s, op, observed);
    }
    const alts: Alt[] = [];
    const rules: string[] = [];
    const pruned: Expected[] = [];
    const states: State[] = [];
    const restore = new Map<State, number>();
    for (const s of decidedFor(this.cands, op, observed)) resolveParams(s, op, states, restore);
    alive(states.length);
    for (const st of states) {
      spend(1);
      const r = runOp(st, op, observed);
      for (const p of r.pruned) pruned.push(p);
      const full = restore.get(st);
      if (full !== undefined) {
        // deferred outcomes run with the chosen value too: restored after materialize()
        for (const a of r.alts) {
          if (a.apply === undefined) a.state.priBits = full;
          else this.restoreAfter.set(a, full);
        }
      }
      for (const a of r.alts) alts.push(a);
      alive(alts.length);
      for (const id of r.rules) rules.push(id);
    }
    return { alts, rules, pruned };
  }

  private noteRules(rules: string[]): void {
    this.rules = rules.length < 2 ? rules : rules.length <= 16 ? uniqueSmall(rules) : [...new Set(rules)];
    for (const r of this.rules) this.cover.add(r);
  }

  lastRules(): readonly string[] { return this.rules; }
  lastOptions(): readonly string[] {
    if (this.keptChoices !== null) {
      this.options = optionPairs(this.keptRule, this.keptChoices);
      this.keptChoices = null;
    }
    return this.options;
  }
  coverage(): ReadonlySet<string> { return this.cover; }
  candidateCount(): number { return this.cands.length; }
  unconfirmed(): string[] {
    const ids = new Set<string>();
    for (const s of this.cands) {
      if (s.unconfirmed.length === 0) return [];
      for (const id of s.unconfirmed) ids.add(id);
    }
    return [...ids].sort();
  }
  maxCandidates(): number { return this.max; }
  quirksUsed(): readonly string[] {
    let best: readonly string[] | null = null;
    for (const s of this.cands) if (best === null || s.quirksUsed.length < best.length) best = s.quirksUsed;
    return best ?? [];
  }
}

/** Distinct strings of a short list, first occurrences in order (no Set for the common 2-5 rules). */
function uniqueSmall(xs: string[]): string[] {
  const out: string[] = [];
  for (const v of xs) if (!out.includes(v)) out.push(v);
  return out;
}

function uniqueResults(rs: Expected[]): Expected[] {
  const out: Expected[] = [];
  const keys = new Set<string>();
  for (const r of rs) {
    const k = typeof r === 'object' && r !== null && 'describe' in r ? 'P:' + (r as { describe(): string }).describe() : canonicalResult(r as OpResult);
    if (keys.has(k)) continue;
    keys.add(k);
    out.push(r);
  }
  return out;
}

/**
 * The `bound` candidates that took the fewest quirks, in their order otherwise (deterministic). An
 * explanation of a divergent trace usually needs one to three quirks; the candidates past the bound
 * are mostly combinations of quirks that may have applied and that nothing has ruled out yet.
 */
function cutToBound(cands: State[], bound: number): State[] {
  const order = cands.map((s, i) => i);
  order.sort((a, b) => cands[a]!.quirksUsed.length - cands[b]!.quirksUsed.length || a - b);
  return order.slice(0, bound).sort((a, b) => a - b).map((i) => cands[i]!);
}

/** Merge candidates no observation can tell apart; parameters that differ become a set (choice.u2.priority-bits, choice.u18.clear-enable-lpis). */
function dedupe(states: State[]): State[] {
  if (states.length < 2) return states;
  if (states.length <= 12) {
    const out: State[] = [];
    for (const s of states) {
      const same = out.find((o) => o.sameAs(s));
      if (same === undefined) out.push(s);
      else mergeInto(same, s);
    }
    return out;
  }
  // bucket by hash (cheap, no strings), confirm with sameAs inside a bucket
  const out: State[] = [];
  const buckets = new Map<number, State[]>();
  for (const s of states) {
    const k = s.hash();
    const bucket = buckets.get(k);
    if (bucket === undefined) {
      buckets.set(k, [s]);
      out.push(s);
      continue;
    }
    let same: State | undefined;
    for (const o of bucket) if (o.sameAs(s)) { same = o; break; }
    if (same === undefined) {
      bucket.push(s);
      out.push(s);
    } else mergeInto(same, s);
  }
  return out;
}

/** `s` is indistinguishable from `into` but for parameters: widen them (reopen differing policies). */
function mergeInto(into: State, s: State): void {
  into.priBits |= s.priBits;
  into.ces |= s.ces;
  // either explains what was seen: keep the explanation that needs fewer quirks
  if (s.quirksUsed.length < into.quirksUsed.length) into.quirksUsed = s.quirksUsed;
  // an unconfirmed reading stays needed only if both candidates took it
  if (into.unconfirmed.length > 0) into.unconfirmed = into.unconfirmed.filter((id) => s.unconfirmed.includes(id));
  for (const [k, v] of into.fixed) if (k.startsWith('policy.') && s.fixed.get(k) !== v) into.fixed.delete(k);
}

function explain(alts: Alt[]): string {
  return alts.map((a) => `${describeExpected(a.result)}${a.choice ? ` (${a.choice})` : ''}`).join('; ');
}

export function createOracle(config: ResolvedConfig, options: OracleOptions = {}): Oracle {
  return new ModelOracle(config, options);
}

/**
 * Check a whole trace (external targets, and a divergent trace checked again with a target's
 * quirks): the first op after which no candidate is left. With quirks, an accepted verdict names
 * the quirks the accepting candidate took.
 */
export function checkTrace(scenario: ExpandedScenario, trace: Trace, options?: OracleOptions): Verdict {
  let oracle = new ModelOracle(scenario.config, options ?? {});
  if (options?.cutToBound === true) {
    // a narrow cut first (cheap, and the fewest-quirk candidates usually explain a divergence);
    // when what it kept cannot explain the trace, the same point again with a cut to the bound
    oracle.cutWidth = Math.max(1, Math.floor(oracle.cutWidth / NARROW_CUT_DIVISOR));
    oracle.mayWiden = true;
  }
  const n = Math.min(scenario.ops.length, trace.results.length);
  for (let i = 0; i < n; i++) {
    let d: Divergence | null;
    try {
      d = oracle.observe(scenario.ops[i]!, trace.results[i]!);
    } catch (e) {
      if (e instanceof ModelInputError) {
        d = { opIndex: i, got: trace.results[i]!, allowed: [], rules: [], message: `op ${i}: ${e.message}` };
      } else throw e;
    }
    if (d !== null) {
      const wider = oracle.takeWider();
      if (wider !== null) {
        oracle = wider;
        i = wider.opIndexNext() - 1;
        continue;
      }
      // candidates were cut: one of those dropped might have explained the trace
      if (oracle.cutAt !== null) throw new CandidateBoundError(`op ${i} (${describeOp(scenario.ops[i]!)}): no candidate explains it, and candidates past the bound of ${options?.maxCandidates ?? DEFAULT_MAX_CANDIDATES} were dropped from op ${oracle.cutAt} on`);
      return { ok: false, divergence: { ...d, opIndex: i }, rules: [...oracle.coverage()], maxCandidates: oracle.maxCandidates() };
    }
  }
  const quirks = oracle.quirksUsed();
  const unconfirmed = oracle.unconfirmed();
  return {
    ok: true, rules: [...oracle.coverage()], maxCandidates: oracle.maxCandidates(),
    ...(quirks.length > 0 ? { quirks: [...quirks] } : {}), ...(unconfirmed.length > 0 ? { unconfirmed } : {}),
  };
}

export { ModelInputError };
