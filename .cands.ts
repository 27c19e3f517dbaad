import { generateScenario } from './fuzz/generate.js';
import { targetQuirks } from './triage/classify.js';
import { expandScenario } from './spec/expand.js';
import './fuzz/targets.js';
import { getTarget } from './spec/target.js';
import { createOracle } from './model/oracle.js';
import { describeOp } from './spec/describe-op.js';
const id = process.argv[2]!; const from = Number(process.argv[3] ?? 0); const quirks = process.argv[4] === 'q';
const e = expandScenario(generateScenario(id, {}));
const sess = getTarget('kvm')!.open!(e.config);

const o = createOracle(e.config, quirks ? { quirks: targetQuirks('kvm'), maxCandidates: 100000 } : { maxCandidates: 100000 });
let prev = 1;
for (let i = 0; i < e.ops.length; i++) {
  const r = sess.step(e.ops[i]!);
  const t0 = Date.now();
  let d; try { d = o.observe(e.ops[i]!, r); } catch (err) { console.log(i, 'THROW', (err as Error).message); break; }
  const n = o.candidateCount();
  if (i >= from && (n !== prev || Date.now() - t0 > 50)) console.log(i, describeOp(e.ops[i]!), '->', JSON.stringify(r), 'cands', n, Date.now() - t0, 'ms');
  prev = n;
  if (d) { console.log('DIVERGE', i, d.message); break; }
}
