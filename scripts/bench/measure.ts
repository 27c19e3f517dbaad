// One benchmark measurement in its own process (scripts/bench.ts starts it), so that the peak RSS
// it reports is this measurement's alone. Prints one JSON line.
//   measure.ts workload NAME model|kvm|lockstep SECONDS
//   measure.ts minimize
//   measure.ts kvm-linux SECONDS   (boot the nested machine, then generated scenarios for SECONDS)
//   measure.ts campaign ITERATIONS (a one-worker kvm campaign of that many scenarios, by CPU time)
//   measure.ts kvm-linux-fixed N [OUT.json] (kvm-linux on bench:0..N-1: every counter per scenario)
// (where a kvm-linux scenario's time goes, op kind by op kind: scripts/bench/kvm-linux-profile.ts)
import { performance } from 'node:perf_hooks';
import { expandScenario } from '../../spec/expand.js';
import { getTarget, type Target, type TargetSession } from '../../spec/target.js';
import type { PrimitiveOp, Scenario } from '../../spec/scenario.js';
import { runScenario } from '../../triage/runner.js';
import { minimizeOnTarget } from '../../fuzz/minimize.js';
import { problemOf } from '../../triage/signature.js';
import '../../fuzz/targets.js';
import { WORKLOADS, lpiStorm } from './workloads.js';
import { toHex } from '../../spec/hex.js';
import { itsTranslater } from '../../spec/layout.js';

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function workload(name: string, mode: string, seconds: number): Promise<void> {
  const make = WORKLOADS[name];
  if (!make) throw new Error(`no workload ${name}`);
  const expanded = expandScenario(make());
  const target = getTarget(mode === 'model' ? 'model' : 'kvm')!;
  let ops = 0, runs = 0, completed = true, note: string | undefined;
  const start = performance.now();
  do {
    const outcome = await runScenario(target, expanded, { oracle: mode === 'lockstep' });
    ops += outcome.trace.results.length;
    runs++;
    if (outcome.trace.status !== 'complete' || (outcome.verdict && !outcome.verdict.ok)) {
      completed = false;
      note = outcome.verdict && !outcome.verdict.ok ? `divergence at op ${outcome.verdict.divergence.opIndex}` : `${outcome.trace.status}: ${outcome.trace.error?.message ?? ''}`;
    }
  } while (performance.now() - start < seconds * 1000);
  const elapsed = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ opsPerSec: ops / elapsed, ops: ops / runs, runs, peakRssMiB: peakRssMiB(), completed, note }));
}

/**
 * A 1,000-op finding: the LPI storm on a kvm target with one planted fault (ICC_RPR_EL1 reads
 * while an interrupt is active return idle priority), found by a read placed late in the scenario.
 */
async function minimize(): Promise<void> {
  const kvm = getTarget('kvm')!;
  const faulty: Target = {
    ...kvm,
    name: 'kvm-bench-fault',
    open(config) {
      const s: TargetSession = kvm.open!(config);
      return {
        ...s,
        step(op: PrimitiveOp) {
          const r = s.step(op);
          return op.op === 'sysreg.read' && op.reg === 'ICC_RPR_EL1' ? '0xff' : r;
        },
      };
    },
  };
  const base: Scenario = lpiStorm(90);
  const ops = base.ops.slice(0, 1000);
  // acknowledge without EOI on vCPU 0 near the end, then read the running priority
  const at = 900;
  const scenario: Scenario = { ...base, ops: [...ops.slice(0, at), { op: 'kvm.signal_msi', address: toHex(itsTranslater(0)), data: 0, devid: 0, flags: 1 },
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' }, { op: 'sysreg.read', cpu: 0, reg: 'ICC_RPR_EL1' }, ...ops.slice(at, 997)] };
  const expanded = expandScenario(scenario);
  const outcome = await runScenario(faulty, expanded, {});
  const problem = problemOf(faulty.name, expanded, outcome);
  if (!problem) throw new Error('the planted fault was not detected');
  const start = performance.now();
  const result = await minimizeOnTarget(faulty, scenario, runScenario, { signature: problem.signature }, { timeMs: 120_000 });
  console.log(JSON.stringify({ ops: scenario.ops.length, after: result.after, seconds: (performance.now() - start) / 1000 }));
}

/**
 * kvm-linux once booted: generated scenarios (ops it can run) for `seconds`, each a whole run on the
 * real kernel (trace only, no oracle), after the boots (GICv3 and GICv4 machines; the first one's
 * time is reported). Also per scenario: the exits (KVM's count, and those to the VMM) and the
 * nested machine's own CPU time, which a loaded host does not inflate the way it does the clock.
 */
async function kvmLinux(seconds: number): Promise<void> {
  const { kvmLinuxTarget } = await import('../../targets/kvm-linux/target.js');
  const { generateScenario } = await import('../../fuzz/generate.js');
  const why = kvmLinuxTarget.unavailable();
  if (why) {
    console.log(JSON.stringify({ unavailable: why }));
    return;
  }
  const boot = await kvmLinuxTarget.warmUp();
  // GICv4.0 configs run on a machine of their own: boot it before the clock starts too
  await kvmLinuxTarget.warmUp('v4');
  const accept = (op: PrimitiveOp, config: Parameters<Target['supports']>[1]) => kvmLinuxTarget.supports(op, config);
  let scenarios = 0, ops = 0, complete = 0, guestExits = 0, vmmExits = 0, createMs = 0, destroyMs = 0, agentStartMs = 0, migrateMs = 0;
  const causes: Record<string, number> = {};
  const cpu0 = await kvmLinuxTarget.machinesCpuMs();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const s = expandScenario(generateScenario(`bench:${scenarios}`, { accept }));
    const t = await kvmLinuxTarget.runWhole(s, { timeoutMs: 30_000 });
    scenarios++;
    ops += t.results.length;
    guestExits += t.counters?.['guestExits'] ?? 0;
    vmmExits += t.counters?.['exitsToVmm'] ?? 0;
    createMs += t.counters?.['vmCreateMs'] ?? 0;
    destroyMs += t.counters?.['previousVmDestroyMs'] ?? 0;
    agentStartMs += (t.counters?.['time.agent_start_us'] ?? 0) / 1000;
    for (const [k, v] of Object.entries(t.counters ?? {})) {
      if (/^(agent|vmm)\./.test(k)) causes[k] = (causes[k] ?? 0) + v;
      if (/^time\.migrate_[a-z]+_us$/.test(k)) migrateMs += v / 1000;
    }
    if (t.status === 'complete') complete++;
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu1 = await kvmLinuxTarget.machinesCpuMs();
  kvmLinuxTarget.shutdown();
  // the machine's own CPU time per scenario: the rate a worker with a core to itself would get
  const cpuMsPerScenario = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / scenarios : null;
  console.log(JSON.stringify({
    kernel: boot.hello['kernel'], bootMs: boot.bootMs, scenarios, complete, scenariosPerSec: scenarios / elapsed, opsPerSec: ops / elapsed,
    opsPerScenario: ops / scenarios, guestExitsPerScenario: guestExits / scenarios, vmmExitsPerScenario: vmmExits / scenarios,
    cpuMsPerScenario, scenariosPerCpuSec: cpuMsPerScenario ? 1000 / cpuMsPerScenario : null,
    vmCreateMs: createMs / scenarios, vmDestroyMs: destroyMs / scenarios, agentStartMs: agentStartMs / scenarios, migrateMs: migrateMs / scenarios,
    exitsByCause: Object.fromEntries(Object.entries(causes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v / scenarios])),
  }));
}

/**
 * kvm-linux on a fixed set of generated scenarios, bench:0 to bench:N-1 (what `kvm-linux` runs
 * first): the mean per scenario of every counter the VMM reports (KVM's vCPU statistics `kvm.*`,
 * the agent's exits by cause `agent.*`, the exits to the VMM by kind `vmm.*`, the VM's create
 * and run times) and of the machine's CPU time. The counts do not depend on the machine's load,
 * so two versions compare on them. With a file name, every scenario's status, results and
 * counters go there too (to check that a speed change leaves every result as it was).
 */
async function kvmLinuxFixed(n: number, out?: string): Promise<void> {
  const { kvmLinuxTarget } = await import('../../targets/kvm-linux/target.js');
  const { generateScenario } = await import('../../fuzz/generate.js');
  const { writeFileSync } = await import('node:fs');
  const why = kvmLinuxTarget.unavailable();
  if (why) {
    console.log(JSON.stringify({ unavailable: why }));
    return;
  }
  await kvmLinuxTarget.warmUp();
  await kvmLinuxTarget.warmUp('v4');
  const accept = (op: PrimitiveOp, config: Parameters<Target['supports']>[1]) => kvmLinuxTarget.supports(op, config);
  const sums: Record<string, number> = {};
  const traces: unknown[] = [];
  let ops = 0, complete = 0;
  const cpu0 = await kvmLinuxTarget.machinesCpuMs();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const s = expandScenario(generateScenario(`bench:${i}`, { accept }));
    const t = await kvmLinuxTarget.runWhole(s, { timeoutMs: 30_000 });
    ops += t.results.length;
    if (t.status === 'complete') complete++;
    for (const [k, v] of Object.entries(t.counters ?? {})) sums[k] = (sums[k] ?? 0) + v;
    traces.push({ scenario: `bench:${i}`, status: t.status, error: t.error?.message, results: t.results, counters: t.counters });
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu1 = await kvmLinuxTarget.machinesCpuMs();
  kvmLinuxTarget.shutdown();
  if (out) writeFileSync(out, JSON.stringify(traces, null, 1));
  const perScenario = Object.fromEntries(Object.entries(sums).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, Math.round((v / n) * 10) / 10]));
  console.log(JSON.stringify({
    scenarios: n, complete, opsPerScenario: ops / n, scenariosPerSec: n / elapsed,
    cpuMsPerScenario: cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / n : null, perScenario,
  }));
}

/**
 * A fixed number of scenarios of a one-worker campaign on kvm (seed bench, no minimization, the
 * classification of every divergent scenario included), timed by the process's CPU time (the
 * worker thread's included) as well as the clock: the CPU figure hardly moves with the machine's load.
 */
async function campaign(iterations: number): Promise<void> {
  const { runCampaign } = await import('../../fuzz/campaign/coordinator.js');
  const { loadTargetExpectations } = await import('../../spec/expectations.js');
  const { defaultWeights } = await import('../../fuzz/weights.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const out = mkdtempSync(join(tmpdir(), 'gicdiff-bench-'));
  try {
    const c0 = process.cpuUsage();
    const start = performance.now();
    const s = await runCampaign({
      target: 'kvm', seed: 'bench', out, profile: 'full', workers: 1, shard: { index: 0, count: 1 }, resume: false,
      weights: defaultWeights(), expectations: loadTargetExpectations('kvm'), iterations, minimizeFindings: false,
      status: { write: () => undefined }, handleSignals: false,
    });
    const cpu = process.cpuUsage(c0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const seconds = (performance.now() - start) / 1000;
    console.log(JSON.stringify({ scenarios: s.scenarios, cpuSeconds, seconds, perCpuSecond: s.scenarios / cpuSeconds, perSecond: s.scenarios / seconds, counts: s.counts }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const [what, ...args] = process.argv.slice(2);
if (what === 'workload') await workload(args[0]!, args[1]!, Number(args[2] ?? 2));
else if (what === 'minimize') await minimize();
else if (what === 'kvm-linux') await kvmLinux(Number(args[0] ?? 60));
else if (what === 'campaign') await campaign(Number(args[0] ?? 300));
else if (what === 'kvm-linux-fixed') await kvmLinuxFixed(Number(args[0] ?? 40), args[1]);
else throw new Error(`usage: measure.ts workload NAME MODE SECONDS | minimize | kvm-linux SECONDS | kvm-linux-fixed N [OUT.json] | campaign ITERATIONS`);
