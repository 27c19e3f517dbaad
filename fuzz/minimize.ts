// Minimization: delta debugging over ops (then windows and pairs of ops, and the commands of an
// its.cmd op), then simpler values: fewer vCPUs, ITSes, SPIs and list registers, smaller IDs renamed
// consistently through the whole scenario, boot options back to their defaults; all of it again
// until nothing changes. Every candidate is validated and must
// still show the same signature; ops the rest depend on (a MAPD before its MAPTI) stay because
// removing them changes the signature. Deterministic: no randomness, candidates in a fixed order;
// the run budget decides where it stops. The wall clock (the time budget, a candidate run's time
// limit) can only cut it short or turn a candidate down, and such a result says so (`cut`): what it
// gives depends on the machine.
import type { ItsCommand, Op, Scenario } from '../spec/scenario.js';
import type { Target } from '../spec/target.js';
import { expandScenario } from '../spec/expand.js';
import { validateScenarioJson } from '../spec/validate.js';
import { parseHex, parseHexNumber, toHex } from '../spec/hex.js';
import { BOOT_PROPBASE, FREE_RAM } from '../spec/layout.js';
import { groupOrder } from '../spec/group.js';
import { GICD, GICR } from '../triage/regs.js';
import type { OracleFactory, RunOptions, RunOutcome } from '../triage/lockstep.js';
import { problemOf } from '../triage/signature.js';
import { classifyOutcome } from '../triage/classify.js';

export interface MinimizeOptions {
  /** at most this many candidate runs (default 3000) */
  maxRuns?: number;
  /** stop improving after this many milliseconds (default 60 s) */
  timeMs?: number;
}

export interface MinimizeResult {
  scenario: Scenario;
  runs: number;
  /**
   * The wall clock had a say (the time budget passed, or a candidate run hit its time limit and
   * counted as not failing the same way): another machine may end elsewhere. A classification
   * must not follow a cut result.
   */
  cut: boolean;
  /** ops before and after */
  before: number;
  after: number;
}

type Check = (s: Scenario) => Promise<boolean>;

/**
 * The wall-clock cap of a minimization budgeted in runs (`runBudget`): a quarter of a second a run,
 * at least a minute. An idle core runs a candidate of a generated scenario in a few tens of
 * milliseconds, so the cap only stops a minimization on a machine many times slower (and then the
 * result says `cut`); below it the runs decide, and the result is the same on every machine.
 */
export const CAP_MS_PER_RUN = 250;
export const CAP_MIN_MS = 60_000;

/** What `gicdiff minimize` prints when the wall clock cut its minimization (`gicdiff selftest` looks for it). */
export const CUT_NOTE = 'stopped by the time limit (--time, or a run hit its own), another machine may get further';

/** A budget of `maxRuns` candidate runs with the wall-clock safety cap above (or `timeMs` when given). */
export function runBudget(maxRuns: number, timeMs?: number): Required<MinimizeOptions> {
  return { maxRuns, timeMs: timeMs ?? Math.max(CAP_MIN_MS, maxRuns * CAP_MS_PER_RUN) };
}

/** Thrown by a check whose run the time limit stopped: its answer would depend on the machine. */
export class CandidateTimedOut extends Error {
  override name = 'CandidateTimedOut';
}

class Budget {
  runs = 0;
  /** the wall clock had a say in the result (MinimizeResult.cut) */
  cut = false;
  private readonly deadline: number;
  private readonly cache = new Map<string, boolean>();
  constructor(private readonly check: Check, private readonly maxRuns: number, timeMs: number) {
    this.deadline = Date.now() + timeMs;
  }
  get exhausted(): boolean {
    if (this.runs >= this.maxRuns) return true;
    if (Date.now() <= this.deadline) return false;
    this.cut = true;
    return true;
  }
  /** Does this candidate still fail the same way? Invalid candidates do not. */
  async test(s: Scenario): Promise<boolean> {
    const key = JSON.stringify(s);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    if (this.exhausted) return false;
    let ok: boolean;
    try {
      validateScenarioJson(JSON.parse(key), 'candidate');
      this.runs++;
      ok = await this.check(s);
    } catch (e) {
      if (e instanceof CandidateTimedOut) {
        // no answer: taken as "not the same failure" (not remembered), and the result marked
        this.cut = true;
        return false;
      }
      ok = false; // not a valid scenario (e.g. an op on a vCPU that no longer exists)
    }
    this.cache.set(key, ok);
    return ok;
  }
}

/** Classic ddmin over a list, testing complements (removing one chunk at a time). */
async function ddmin<T>(items: T[], test: (xs: T[]) => Promise<boolean>, budget: Budget): Promise<T[]> {
  let cur = items;
  let n = 2;
  while (cur.length >= 2 && !budget.exhausted) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let start = 0; start < cur.length; start += size) {
      const complement = cur.slice(0, start).concat(cur.slice(start + size));
      if (complement.length && (await test(complement))) {
        cur = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  if (cur.length === 1 && !budget.exhausted && (await test([]))) return [];
  return cur;
}

/** Minimize `scenario` keeping `check` true. `check(scenario)` must be true to begin with. */
export async function minimizeScenario(scenario: Scenario, check: Check, options: MinimizeOptions = {}): Promise<MinimizeResult> {
  const budget = new Budget(check, options.maxRuns ?? 3000, options.timeMs ?? 60_000);
  let best: Scenario = { ...scenario, name: scenario.name.endsWith('-min') ? scenario.name : `${scenario.name}-min` };
  delete best.description;
  if (!(await budget.test(best))) {
    best = scenario; // the name or description mattered?! keep it as it was
  }
  const withOps = (ops: Op[]): Scenario => ({ ...best, ops });

  // Every pass, round after round until a whole round changes nothing (a fixpoint) or the budget
  // is spent: a simpler value often lets more ops go, and fewer ops let a value be simpler.
  for (let round = 0; round < MAX_ROUNDS && !budget.exhausted; round++) {
    const start = JSON.stringify(best);
    // 1. ops: ddmin, then contiguous windows ddmin's aligned chunks miss, then pairs of ops
    best = withOps(await ddmin(best.ops, (xs) => budget.test(withOps(xs)), budget));
    best = await removeWindows(best, budget);
    best = await removePairs(best, budget);
    // 2. commands inside its.cmd ops, and neighbouring its.cmd ops made one
    best = await minimizeCommands(best, budget);
    best = await mergeItsCmds(best, budget);
    // 2b. groups: fewer ops at the same time, or none (a finding that survives it is no race)
    best = await simplifyGroups(best, budget);
    // 3. simpler values
    best = await compactCpus(best, budget);
    best = await simplifyConfig(best, budget);
    best = await simplifyIds(best, budget);
    best = await simplifyLpis(best, budget);
    best = await simplifyItts(best, budget);
    best = await simplifyBoot(best, budget);
    if (JSON.stringify(best) === start) break;
  }
  return { scenario: best, runs: budget.runs, cut: budget.cut, before: scenario.ops.length, after: best.ops.length };
}

/** Rounds of all passes at most (each round that changes nothing ends it sooner). */
const MAX_ROUNDS = 6;

/** The commands of each its.cmd op, delta-debugged (an op keeps at least one). */
async function minimizeCommands(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  for (let i = 0; i < best.ops.length && !budget.exhausted; i++) {
    const op = best.ops[i]!;
    if (op.op !== 'its.cmd' || op.cmds.length < 2) continue;
    const at = i;
    const withCmds = (cs: ItsCommand[]): Scenario => {
      const ops = best.ops.slice();
      ops[at] = { ...op, cmds: cs as [ItsCommand, ...ItsCommand[]] };
      return { ...best, ops };
    };
    const cmds = await ddmin(op.cmds as ItsCommand[], (cs) => (cs.length ? budget.test(withCmds(cs)) : Promise.resolve(false)), budget);
    best = withCmds(cmds);
  }
  return best;
}

/**
 * Runs of 2 and 3 neighbouring ops removed together, from the end backwards: ddmin only tries
 * chunks at multiples of its chunk size, so an op and the one that undoes or answers it (a send
 * and its acknowledge straddling a chunk boundary) are never removed together by it.
 */
async function removeWindows(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  for (const width of [2, 3]) {
    for (let i = best.ops.length - width; i >= 0 && !budget.exhausted; i--) {
      if (i + width > best.ops.length) continue;
      best = await tryVariant(best, { ...best, ops: [...best.ops.slice(0, i), ...best.ops.slice(i + width)] }, budget);
    }
  }
  return best;
}

/** Above this many ops, pairs are not tried (their number grows with the square). */
const PAIRS_MAX_OPS = 24;

/**
 * Two ops anywhere removed together: what a 1-minimal list (no single op removable) still
 * holds when two ops only matter to each other (a priority write and the acknowledge it orders).
 */
async function removePairs(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  if (best.ops.length > PAIRS_MAX_OPS) return best;
  for (let j = best.ops.length - 1; j > 0 && !budget.exhausted; j--) {
    for (let i = j - 1; i >= 0 && !budget.exhausted; i--) {
      if (j >= best.ops.length) break;
      const next = await tryVariant(best, { ...best, ops: best.ops.filter((_, k) => k !== i && k !== j) }, budget);
      if (next !== best) {
        best = next;
        break; // j now names another op: go on from the next lower j
      }
    }
  }
  return best;
}

/** Neighbouring its.cmd ops on the same ITS made one op (the first one's vCPU writes the queue). */
async function mergeItsCmds(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  for (let i = best.ops.length - 2; i >= 0 && !budget.exhausted; i--) {
    const a = best.ops[i]!;
    const b = best.ops[i + 1];
    if (a.op !== 'its.cmd' || b?.op !== 'its.cmd' || a.its !== b.its) continue;
    const merged: Op = { ...a, cmds: [...a.cmds, ...b.cmds] as [ItsCommand, ...ItsCommand[]] };
    best = await tryVariant(best, { ...best, ops: [...best.ops.slice(0, i), merged, ...best.ops.slice(i + 2)] }, budget);
  }
  return best;
}

/**
 * Each group (spec/group.ts) replaced by its ops one after another, in the order the in-process
 * targets ran it; else each of its ops left out of it in turn, while at least two remain.
 */
async function simplifyGroups(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  for (let i = 0; i < best.ops.length && !budget.exhausted; i++) {
    const op = best.ops[i]!;
    if (op.op !== 'group') continue;
    const serial = groupOrder(best.name, op).map((k) => op.ops[k]! as Op);
    const flat = await tryVariant(best, { ...best, ops: [...best.ops.slice(0, i), ...serial, ...best.ops.slice(i + 1)] }, budget);
    if (flat !== best) {
      best = flat;
      continue;
    }
    for (let k = op.ops.length - 1; k >= 0 && !budget.exhausted; k--) {
      const g = best.ops[i]!;
      if (g.op !== 'group' || g.ops.length <= 2) break;
      const fewer = { ...g, ops: g.ops.filter((_, j) => j !== k) as typeof g.ops };
      best = await tryVariant(best, { ...best, ops: best.ops.map((x, j) => (j === i ? fewer : x)) }, budget);
    }
  }
  return best;
}

async function tryVariant(best: Scenario, variant: Scenario, budget: Budget): Promise<Scenario> {
  return (await budget.test(variant)) ? variant : best;
}

/**
 * Fewer vCPUs, ITSes, SPIs, physical CPUs and list registers, GICv4 off. Fewer list registers
 * overflow sooner, so an LR-overflow failure then needs fewer interrupts (the next round removes them).
 */
async function simplifyConfig(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  const cfg = () => best.config ?? {};
  const vcpus = cfg().vcpus ?? 4;
  for (let v = 1; v < vcpus && !budget.exhausted; v++) {
    const next = await tryVariant(best, { ...best, config: { ...cfg(), vcpus: v } }, budget);
    if (next !== best) { best = next; break; }
  }
  const its = cfg().its ?? 1;
  for (let n = 0; n < its && !budget.exhausted; n++) {
    const next = await tryVariant(best, { ...best, config: { ...cfg(), its: n } }, budget);
    if (next !== best) { best = next; break; }
  }
  const spis = cfg().spis ?? 64;
  for (let n = 32; n < spis && !budget.exhausted; n += 32) {
    const next = await tryVariant(best, { ...best, config: { ...cfg(), spis: n } }, budget);
    if (next !== best) { best = next; break; }
  }
  const impl = cfg().impl ?? {};
  const pcpus = impl.pcpus ?? 4;
  for (let p = 1; p < pcpus && !budget.exhausted; p++) {
    const next = await tryVariant(best, { ...best, config: { ...cfg(), impl: { ...cfg().impl, pcpus: p } } }, budget);
    if (next !== best) { best = next; break; }
  }
  const lrs = cfg().impl?.lrs ?? 4;
  for (let n = 1; n < lrs && !budget.exhausted; n *= 2) {
    const next = await tryVariant(best, { ...best, config: { ...cfg(), impl: { ...cfg().impl, lrs: n } } }, budget);
    if (next !== best) { best = next; break; }
  }
  if ((cfg().impl?.gicv4 ?? 'off') !== 'off' && !budget.exhausted) {
    best = await tryVariant(best, { ...best, config: { ...cfg(), impl: { ...cfg().impl, gicv4: 'off' } } }, budget);
  }
  return best;
}

/** ID fields renamed consistently across all ops and commands (device 37 -> 0 everywhere...). */
const ID_FIELDS = ['device', 'event', 'collection', 'gsi', 'hostIrq', 'devid', 'data'] as const;

function renameField(s: Scenario, field: string, from: number, to: number): Scenario {
  const fix = (o: Record<string, unknown>): Record<string, unknown> => {
    let out = o;
    for (const k of Object.keys(o)) {
      const v = o[k];
      // MSI data is the EventID (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI): rename events and data together
      const match = k === field || (field === 'event' && k === 'data') || (field === 'device' && k === 'devid');
      if (match && v === from) out = out === o ? { ...o, [k]: to } : Object.assign(out, { [k]: to });
      else if (Array.isArray(v) && v.length && typeof v[0] === 'object') {
        const arr = v.map((x) => (typeof x === 'object' && x !== null ? fix(x as Record<string, unknown>) : x));
        out = out === o ? { ...o, [k]: arr } : Object.assign(out, { [k]: arr });
      }
    }
    return out;
  };
  return { ...s, ops: s.ops.map((op) => fix(op as unknown as Record<string, unknown>) as unknown as Op) };
}

function valuesOf(s: Scenario, field: string): number[] {
  const seen = new Set<number>();
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (typeof o === 'object' && o !== null) {
      for (const [k, v] of Object.entries(o)) {
        if (k === field && typeof v === 'number') seen.add(v);
        else if (typeof v === 'object') walk(v);
      }
    }
  };
  walk(s.ops);
  return [...seen].sort((a, b) => a - b);
}

async function simplifyIds(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  for (const field of ID_FIELDS) {
    if (field === 'devid' || field === 'data') continue; // renamed with device / event
    const values = valuesOf(best, field);
    const used = new Set(values);
    for (const v of values) {
      if (budget.exhausted) return best;
      // the smallest value not in use (or 0..v-1 in use: then leave it)
      let to = 0;
      while (to < v && used.has(to)) to++;
      if (to >= v) continue;
      const next = await tryVariant(best, renameField(best, field, v, to), budget);
      if (next !== best) {
        best = next;
        used.delete(v);
        used.add(to);
      }
    }
  }
  return best;
}

const LPI_BASE = 8192; // IHI 0069 2.2 INTIDs

/**
 * vCPUs a and b (both < 16: Aff1 = 0) exchanged everywhere: the ops' vCPUs, redistributor
 * indexes, MAPC/SYNC/MOVALL targets (processor numbers), SGI target lists (TargetList bit = Aff0,
 * IHI 0069 ICC_SGI1R_EL1), GICD_IROUTER affinities (4.1), KVM_IRQ_LINE and device-attribute vCPUs.
 */
function swapCpus(s: Scenario, a: number, b: number): Scenario {
  const sw = (x: number): number => (x === a ? b : x === b ? a : x);
  const swBits = (v: bigint): bigint => {
    const ba = (v >> BigInt(a)) & 1n;
    const bb = (v >> BigInt(b)) & 1n;
    return (v & ~((1n << BigInt(a)) | (1n << BigInt(b)))) | (ba << BigInt(b)) | (bb << BigInt(a));
  };
  const swapOp = (op: Op): Op => {
    const o = { ...op } as Record<string, unknown>;
    if (typeof o.cpu === 'number') o.cpu = sw(o.cpu);
    switch (op.op) {
      case 'group':
        o.ops = op.ops.map((m) => swapOp(m));
        break;
      case 'boot':
        if (op.cpus) o.cpus = op.cpus.map(sw);
        break;
      case 'mmio.read':
      case 'mmio.write':
        if ((op.frame === 'gicr' || op.frame === 'gicr-sgi') && op.index !== undefined) o.index = sw(op.index);
        if (op.op === 'mmio.write' && op.frame === 'gicd' && op.offset >= GICD.IROUTER && op.offset < GICD.IROUTER + 0x2000) {
          const v = parseHex(op.value);
          if ((v & ~0xffn) === 0n) o.value = toHex(BigInt(sw(Number(v))));
        }
        break;
      case 'sysreg.write':
        if (op.reg === 'ICC_SGI1R_EL1' || op.reg === 'ICC_ASGI1R_EL1' || op.reg === 'ICC_SGI0R_EL1') {
          const v = parseHex(op.value);
          const irm = (v >> 40n) & 1n;
          const aff1 = (v >> 16n) & 0xffn;
          if (!irm && aff1 === 0n) o.value = toHex(swBits(v));
        }
        break;
      case 'its.cmd':
        o.cmds = op.cmds.map((c) => {
          if (c.cmd === 'MAPC' || c.cmd === 'SYNC') return { ...c, target: sw(c.target) };
          if (c.cmd === 'MOVALL') return { ...c, from: sw(c.from), to: sw(c.to) };
          return c;
        });
        break;
      case 'kvm.irq_line':
        if (op.vcpu !== undefined && op.type === 'ppi') o.vcpu = sw(op.vcpu);
        break;
      case 'kvm.device_attr':
        if (typeof op.attr === 'object' && op.attr.vcpu !== undefined) o.attr = { ...op.attr, vcpu: sw(op.attr.vcpu) };
        break;
      default:
        break;
    }
    return o as unknown as Op;
  };
  return { ...s, ops: s.ops.map(swapOp) };
}

/** Move the highest vCPUs in use down into unused numbers, so that fewer vCPUs suffice. */
async function compactCpus(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  const vcpus = best.config?.vcpus ?? 4;
  if (vcpus > 16) return best;
  for (let hi = vcpus - 1; hi > 0 && !budget.exhausted; hi--) {
    const used = usedCpus(best);
    if (!used.has(hi)) continue;
    let lo = 0;
    while (lo < hi && used.has(lo)) lo++;
    if (lo >= hi) break;
    best = await tryVariant(best, swapCpus(best, hi, lo), budget);
  }
  return best;
}

function usedCpus(s: Scenario): Set<number> {
  const used = new Set<number>();
  // the ops of a group name vCPUs too
  for (const op of s.ops.flatMap((x): Op[] => (x.op === 'group' ? x.ops : [x]))) {
    const o = op as { cpu?: number; index?: number; frame?: string };
    if (typeof o.cpu === 'number') used.add(o.cpu);
    if ((o.frame === 'gicr' || o.frame === 'gicr-sgi') && o.index !== undefined) used.add(o.index);
    if (op.op === 'its.cmd') for (const c of op.cmds) {
      if (c.cmd === 'MAPC' || c.cmd === 'SYNC') used.add(c.target);
      if (c.cmd === 'MOVALL') { used.add(c.from); used.add(c.to); }
    }
    if (op.op === 'kvm.irq_line' && op.type === 'ppi' && op.vcpu !== undefined) used.add(op.vcpu);
    if (op.op === 'kvm.device_attr' && typeof op.attr === 'object' && op.attr.vcpu !== undefined) used.add(op.attr.vcpu);
    if (op.op === 'sysreg.write' && op.reg.includes('SGI')) {
      const v = parseHex(op.value);
      if (((v >> 16n) & 0xffn) === 0n && !((v >> 40n) & 1n)) for (let k = 0; k < 16; k++) if ((v >> BigInt(k)) & 1n) used.add(k);
    }
  }
  return used;
}

/**
 * An LPI renamed everywhere it shows: MAPTI's pINTID, its property byte in the boot property
 * table (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER), EOI/DIR values and GICR_INVLPIR writes naming it.
 */
function renameLpi(s: Scenario, from: number, to: number): Scenario {
  const fromProp = BOOT_PROPBASE + (from - LPI_BASE);
  const ops = s.ops.map((op): Op => {
    switch (op.op) {
      case 'its.cmd':
        if (!op.cmds.some((c) => c.cmd === 'MAPTI' && c.intid === from)) return op;
        return { ...op, cmds: op.cmds.map((c) => (c.cmd === 'MAPTI' && c.intid === from ? { ...c, intid: to } : c)) as typeof op.cmds };
      case 'mem.write':
        return parseHexNumber(op.addr) === fromProp && op.bytes.length === 2 ? { ...op, addr: toHex(BOOT_PROPBASE + (to - LPI_BASE)) } : op;
      case 'sysreg.write':
        return (op.reg === 'ICC_EOIR1_EL1' || op.reg === 'ICC_DIR_EL1') && parseHexNumber(op.value) === from ? { ...op, value: toHex(to) } : op;
      case 'mmio.write':
        return op.frame === 'gicr' && op.offset === GICR.INVLPIR && parseHexNumber(op.value) === from ? { ...op, value: toHex(to) } : op;
      default:
        return op;
    }
  });
  return { ...s, ops };
}

async function simplifyLpis(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  const used = new Set<number>();
  for (const op of best.ops) if (op.op === 'its.cmd') for (const c of op.cmds) if (c.cmd === 'MAPTI' && c.intid >= LPI_BASE) used.add(c.intid);
  for (const v of [...used].sort((a, b) => a - b)) {
    if (budget.exhausted) break;
    let to = LPI_BASE;
    while (to < v && used.has(to)) to++;
    if (to >= v) continue;
    const next = await tryVariant(best, renameLpi(best, v, to), budget);
    if (next !== best) {
      best = next;
      used.delete(v);
      used.add(to);
    }
  }
  return best;
}

/** ITT addresses packed down to the start of free RAM, in order of first use. */
async function simplifyItts(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  const itts: string[] = [];
  for (const op of best.ops) if (op.op === 'its.cmd') for (const c of op.cmds) if (c.cmd === 'MAPD' && c.valid && !itts.includes(c.itt)) itts.push(c.itt);
  let next = FREE_RAM;
  for (const itt of itts) {
    if (budget.exhausted) break;
    const want = toHex(next);
    next += 0x1_0000;
    if (parseHexNumber(itt) <= parseHexNumber(want)) continue;
    const ops = best.ops.map((op): Op => (op.op === 'its.cmd' && op.cmds.some((c) => c.cmd === 'MAPD' && c.itt === itt)
      ? { ...op, cmds: op.cmds.map((c) => (c.cmd === 'MAPD' && c.itt === itt ? { ...c, itt: want } : c)) as typeof op.cmds }
      : op));
    best = await tryVariant(best, { ...best, ops }, budget);
  }
  return best;
}

/** Boot options back to defaults, one at a time. */
async function simplifyBoot(s: Scenario, budget: Budget): Promise<Scenario> {
  let best = s;
  const i = best.ops.findIndex((o) => o.op === 'boot');
  if (i < 0) return best;
  const boot = best.ops[i] as unknown as Record<string, unknown>;
  for (const k of Object.keys(boot)) {
    if (k === 'op' || budget.exhausted) continue;
    const b = { ...(best.ops[i] as unknown as Record<string, unknown>) };
    if (!(k in b)) continue;
    delete b[k];
    const ops = best.ops.slice();
    ops[i] = b as unknown as Op;
    best = await tryVariant(best, { ...best, ops }, budget);
  }
  return best;
}

/**
 * What a minimized scenario must keep: its signature and, for a new finding, its new-ness (a
 * smaller scenario whose divergence the target's quirks explain is not the same problem).
 */
export interface Keep {
  signature: string;
  /** keep the classification 'new' (triage/classify.ts with this oracle and quirk set) */
  newWith?: { oracles: OracleFactory; quirks: ReadonlySet<string> };
}

/** Minimize a scenario on a target, keeping the given signature (and new-ness, when asked). */
export async function minimizeOnTarget(
  target: Target,
  scenario: Scenario,
  run: (t: Target, s: ReturnType<typeof expandScenario>, o: RunOptions) => Promise<RunOutcome>,
  keep: Keep,
  options: MinimizeOptions & { run?: RunOptions } = {},
): Promise<MinimizeResult> {
  const check: Check = async (s) => {
    const expanded = expandScenario(s);
    const outcome = await run(target, expanded, options.run ?? {});
    if (outcome.timedOut) throw new CandidateTimedOut(`${s.name}: the candidate run hit its time limit`);
    if (keep.newWith === undefined) {
      const p = problemOf(target.name, expanded, outcome);
      return p !== null && p.signature === keep.signature;
    }
    const c = classifyOutcome(keep.newWith.oracles, target.name, expanded, outcome, keep.newWith.quirks);
    return c !== null && c.classification === 'new' && c.problem.signature === keep.signature;
  };
  return minimizeScenario(scenario, check, options);
}
