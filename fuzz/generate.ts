// Scenario generation from one seed id. The generator (fuzz/gen/gen.ts) is stateful: it tracks
// what the guest and host have set up and biases each next action (fuzz/gen/table.ts) toward live
// state. It is open loop (it never sees results), so one id gives the same scenario on every
// machine. Scenario ids: "S:k" fresh; "S:k<P" a mutation of scenario P (P's config and first ops
// kept, a fresh tail) — see fuzz/CAMPAIGN-FORMAT.md.
import type { PrimitiveOp, ResolvedConfig, Scenario } from '../spec/scenario.js';
import { Rng } from './rng.js';
import { defaultWeights, type Weights } from './weights.js';
import { Gen, type Profile } from './gen/gen.js';

export { GENERATOR_VERSION, type Profile } from './gen/gen.js';
export const PROFILES: readonly Profile[] = ['full', 'guest-only'];

export interface GenerateOptions {
  profile?: Profile;
  weights?: Weights;
  /**
   * What the target can run (Target.supports): configs it cannot run are drawn again, and an
   * action that emits an op it cannot run is dropped, so no scenario is wasted as unsupported.
   * Deterministic for a given target; for targets that run everything, nothing changes.
   */
  accept?: (op: PrimitiveOp, config: ResolvedConfig) => boolean;
  /** filled with the name of each action the scenario is made of (malformed ones as "malformed.<name>"); changes nothing drawn */
  drawn?: string[];
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
    const parentActions = new Gen(new ChainedRng(chain.slice(0, i), cuts.slice(0, i - 1)), weights, profile, options.accept).actionCount;
    cuts.push(new Rng(chain[i]! + '#cut').range(Math.floor(parentActions / 4), parentActions));
  }
  const g = new Gen(new ChainedRng(chain, cuts), weights, profile, options.accept, options.drawn);
  return g.build(id, scenarioName(id));
}
