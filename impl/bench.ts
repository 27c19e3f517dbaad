// Throughput of the kvm target alone (not a test: never timed in jest). Run: npx tsx impl/bench.ts
// Prints ops/s for each shared example (a fresh VM per run, creation included) and for a steady
// SGI send / acknowledge / EOI loop on one booted VM.
import { readFileSync, readdirSync } from 'node:fs';
import { expandScenario } from '../spec/expand.js';
import type { PrimitiveOp, Scenario } from '../spec/scenario.js';
import { KvmSession } from './target.js';

const EXAMPLES = process.env.GICDIFF_EXAMPLES ?? '/work/shared/examples';
const SECONDS = 1.5;

function rate(runOnce: () => number): number {
  for (let i = 0; i < 50; i++) runOnce(); // warm up the JIT
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) ops += runOnce();
  return ops / ((performance.now() - t0) / 1000);
}

for (const f of readdirSync(EXAMPLES).filter((n) => n.endsWith('.json')).sort()) {
  const x = expandScenario(JSON.parse(readFileSync(`${EXAMPLES}/${f}`, 'utf8')) as Scenario);
  const r = rate(() => {
    const s = new KvmSession(x.config);
    for (const op of x.ops) s.step(op);
    return x.ops.length;
  });
  console.log(`${f.padEnd(24)} ${String(x.ops.length).padStart(3)} ops/run ${r.toFixed(0).padStart(9)} ops/s`);
}

const boot = expandScenario({ format: 'gicdiff/scenario@1', name: 'bench', config: { vcpus: 2, spis: 32, its: 0 }, ops: [{ op: 'boot' }] });
const s = new KvmSession(boot.config);
for (const op of boot.ops) s.step(op);
s.step({ op: 'mmio.write', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x100, width: 32, value: '0xffff' });
const loop: PrimitiveOp[] = [
  { op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x1000002' },
  { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' },
  { op: 'sysreg.write', cpu: 1, reg: 'ICC_EOIR1_EL1', value: '0x1' },
];
const r = rate(() => {
  for (const op of loop) s.step(op);
  return loop.length;
});
console.log(`${'SGI send/ack/EOI loop'.padEnd(24)}         ${r.toFixed(0).padStart(9)} ops/s`);
