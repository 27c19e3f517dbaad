// npx tsx scripts/reclassify-findings.ts CAMPAIGN_DIR [--target NAME]
// Classifies every finding of a campaign again from its recorded results, with the model and
// spec/expectations/ as they are now, without running the target (a kvm-linux finding costs a
// nested boot to replay): after a new quirk or a model fix, which findings are now known, and
// which are still new. Prints one line per finding and the totals.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { expandScenario } from '../spec/expand.js';
import type { Scenario } from '../spec/scenario.js';
import type { Trace } from '../spec/target.js';
import { checkExpectations } from '../spec/expect-check.js';
import { modelOracle } from '../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../triage/classify.js';
import type { RunOutcome } from '../triage/lockstep.js';

const [dir, ...rest] = process.argv.slice(2);
if (!dir || !existsSync(path.join(dir, 'findings'))) {
  process.stderr.write('usage: npx tsx scripts/reclassify-findings.ts CAMPAIGN_DIR [--target NAME] (a directory with findings/)\n');
  process.exit(2);
}
const ti = rest.indexOf('--target');
const totals = new Map<string, number>();
for (const name of readdirSync(path.join(dir, 'findings')).sort()) {
  const file = path.join(dir, 'findings', name, 'finding.json');
  if (!existsSync(file)) continue;
  const f = JSON.parse(readFileSync(file, 'utf8')) as { target: string; scenario: Scenario; results: Trace['results']; classification: string };
  const target = ti >= 0 ? rest[ti + 1]! : f.target;
  // a finding records the results up to its divergence: the scenario is checked up to there
  const whole = expandScenario(f.scenario);
  const s = { ...whole, ops: whole.ops.slice(0, f.results.length) };
  const trace: Trace = { format: 'gicdiff/trace@1', scenario: s.name, target, results: f.results, status: 'complete' };
  let line: string;
  try {
    const verdict = modelOracle.checkTrace(s, trace);
    const outcome: RunOutcome = { trace, verdict, expectationFailures: checkExpectations(s.ops, f.results), coverage: [] };
    const c = classifyOutcome(modelOracle, target, s, outcome, targetQuirks(target));
    const now = c === null ? 'accepted' : c.classification;
    totals.set(now, (totals.get(now) ?? 0) + 1);
    line = `${f.classification.padEnd(12)} -> ${now.padEnd(12)} ${c?.quirks.length ? `[${c.quirks.join(', ')}] ` : ''}${name}${c && now === 'new' ? `  (${c.problem.signature})` : ''}`;
  } catch (e) {
    totals.set('error', (totals.get('error') ?? 0) + 1);
    line = `${f.classification.padEnd(12)} -> error        ${name}: ${(e as Error).message.slice(0, 200)}`;
    if (process.env.GICDIFF_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  }
  process.stdout.write(line + '\n');
}
process.stdout.write(`totals: ${[...totals].map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
