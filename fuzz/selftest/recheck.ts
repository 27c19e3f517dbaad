// A fault's campaign reports as new whatever its scenarios show that no quirk explains, the clean
// target's own unexplained divergences included. Comparing with the control's signatures is not
// enough when the control ran fewer scenarios (a loaded machine) than the fault's campaign: a
// signature the control never reached would count as a detection. So every new finding of a fault
// is replayed, from its scenario id (one id regenerates one scenario), on the clean kvm target of
// this checkout: when the clean target shows the same signature, classified new, on that very
// scenario, the finding is the clean target's and not the fault's (the planted-fault self-test
// decides the same way).
import '../../impl/register.js';
import { getTarget } from '../../spec/target.js';
import { expandScenario } from '../../spec/expand.js';
import { generateScenario } from '../generate.js';
import { defaultWeights } from '../weights.js';
import { runLockstep } from '../../triage/lockstep.js';
import { modelOracle } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import type { FaultResult, NewFinding, SelftestReport } from './run.js';

/** The new signature the clean kvm target shows on scenario `id` (a campaign's generation), or null. */
export async function cleanSignature(id: string, timeoutMs: number): Promise<string | null> {
  const kvm = getTarget('kvm');
  if (!kvm) throw new Error('the kvm target is not registered');
  const scenario = generateScenario(id, { profile: 'full', weights: defaultWeights(), accept: (op, config) => kvm.supports(op, config) });
  const expanded = expandScenario(scenario);
  const outcome = await runLockstep(kvm, expanded, { stepBudget: 100_000, timeoutMs }, modelOracle);
  const c = classifyOutcome(modelOracle, 'kvm', expanded, outcome, targetQuirks('kvm'));
  return c !== null && c.classification === 'new' ? c.problem.signature : null;
}

const cache = new Map<string, string | null>();

/** cleanSignature, remembered per scenario id (the same id gives the same scenario). */
export async function cleanSignatureCached(id: string, timeoutMs: number): Promise<string | null> {
  let clean = cache.get(id);
  if (clean === undefined) {
    clean = await cleanSignature(id, timeoutMs);
    cache.set(id, clean);
  }
  return clean;
}

/**
 * Drop from each fault's detections the findings the clean target shows on the same scenario.
 * Returns how many were dropped. Mutates the results (campaignNew, first, detectedByCampaign).
 */

export async function recheckOnClean(faults: FaultResult[], timeoutMs: number, log?: (l: string) => void): Promise<number> {
  let dropped = 0;
  for (const r of faults) {
    const keep: NewFinding[] = [];
    const counted = new Set(r.campaignNew);
    for (const f of r.campaign.newFindings) {
      // the control's own (signature, scenario) is never the fault's; reports from before that
      // comparison counted whole signatures
      if (f.inControl === undefined ? !counted.has(f.signature) : f.inControl) continue;
      const clean = await cleanSignatureCached(f.seed, timeoutMs);
      if (clean === f.signature) {
        dropped++;
        log?.(`${r.id}: ${f.signature} (scenario ${f.seed}) shows on the clean target too: not a detection`);
        continue;
      }
      keep.push(f);
    }
    r.campaignNew = [...new Set(keep.map((f) => f.signature))];
    r.first = keep[0] ?? null;
    r.detectedByCampaign = keep.length > 0;
  }
  return dropped;
}

/** Totals again after a recheck. */
export function retotal(rep: SelftestReport): void {
  const f = rep.faults;
  rep.totals.campaign = f.filter((r) => r.detectedByCampaign).length;
  rep.totals.directed = f.filter((r) => r.detectedByDirected).length;
  rep.totals.either = f.filter((r) => r.detectedByCampaign || r.detectedByDirected).length;
}
