// Scenario throughput of the qemu target: a fixed example and generated guest-only scenarios, on a
// fresh QEMU per scenario and on reused QEMUs. `npx tsx targets/qemu/bench.ts [count]`
// (a benchmark, never a test: the numbers depend on the machine and its load).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import { generateScenario } from '../../fuzz/generate.js';
import { runOnQemu } from './runner.js';
import { closeQemuPool } from './pool.js';
import { AGENT_ELF, findQemu, qemuTarget } from './target.js';

const count = Number(process.argv[2] ?? 20);
const qemu = findQemu();
const missing = qemuTarget.unavailable();
if (!qemu || missing) {
  console.error(`qemu target unavailable: ${missing}`);
  process.exit(2);
}

const example = expandScenario(JSON.parse(readFileSync(fileURLToPath(new URL('../../test/qemu/scenarios/its-int-ack.json', import.meta.url)), 'utf8')));
const generated: ExpandedScenario[] = [];
for (let i = 0; generated.length < count; i++) {
  const e = expandScenario(generateScenario(`bench:${i}`, { profile: 'guest-only' }));
  if (e.ops.every((op) => qemuTarget.supports(op, e.config))) generated.push(e);
}

async function measure(name: string, list: ExpandedScenario[], reuse: boolean): Promise<void> {
  let ops = 0;
  const t0 = Date.now();
  for (const s of list) {
    const t = await runOnQemu(s, {
      targetName: 'qemu', accel: 'tcg', qemu: qemu!, agentElf: AGENT_ELF, timeoutMs: 30_000, reuse,
      creationSpis: Math.min(s.config.spis, qemuTarget.spis()),
    });
    if (t.status === 'complete') ops += s.ops.length;
  }
  const ms = Date.now() - t0;
  console.log(`${name.padEnd(44)} ${(ms / list.length).toFixed(1).padStart(7)} ms/scenario ${(list.length * 1000 / ms).toFixed(1).padStart(6)} scenarios/s ${(ops * 1000 / ms).toFixed(0).padStart(6)} ops/s`);
}

const repeat = Array.from({ length: count }, () => example);
await measure(`its-int-ack x${count}, fresh QEMU`, repeat, false);
await measure(`its-int-ack x${count}, reused QEMU`, repeat, true);
await measure(`${count} generated guest-only, fresh QEMU`, generated, false);
await measure(`${count} generated guest-only, reused QEMU`, generated, true);
closeQemuPool();
