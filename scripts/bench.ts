// npm run bench [-- --compare OLD.json] [--out FILE] [--quick]
// Benchmarks (never timed tests): ops/s of the model alone, the kvm target alone and the two in
// lockstep on fixed workloads, with peak memory; campaign scenarios/s with 1 and 2 workers, and a
// fixed-size one-worker campaign per CPU second (the classification of divergent scenarios included); the
// time to minimize a 1,000-op finding. Each measurement runs in its own child process so its
// peak RSS is its own. Prints a table and writes JSON (default out/bench.json).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError } from '../cli/args.js';
import { WORKLOADS } from './bench/workloads.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODES = ['model', 'kvm', 'lockstep'] as const;

interface Measurement { opsPerSec: number; ops: number; runs: number; peakRssMiB: number; completed: boolean; note?: string }
interface BenchResult {
  format: 'gicdiff/bench@1';
  date: string;
  node: string;
  cpu: string;
  workloads: Record<string, Record<(typeof MODES)[number], Measurement> & { lockstepRatio: number }>;
  campaign: { workers1: number | null; workers2: number | null; scaling: number | null };
  /**
   * A fixed-size one-worker campaign on kvm (classification of every divergent scenario included),
   * per CPU second of the process: the figure a speed change of the oracle or the classification
   * moves, and one the machine's load hardly does (the time-boxed rates above vary with it).
   */
  campaignFixed?: { scenarios: number; cpuSeconds: number; perCpuSecond: number; perSecond: number; counts: { new: number; known: number; inconclusive: number } } | null;
  minimize: { ops: number; after: number; seconds: number } | null;
  /** the real kernel, nested (targets/kvm-linux): boot, then generated scenarios once booted */
  kvmLinux?: {
    kernel?: string; bootMs?: number; scenarios?: number; complete?: number; scenariosPerSec?: number; opsPerSec?: number; unavailable?: string;
    opsPerScenario?: number; guestExitsPerScenario?: number; vmmExitsPerScenario?: number; cpuMsPerScenario?: number | null; scenariosPerCpuSec?: number | null;
    /** the agent's exits by cause and the VMM's by kind, per scenario (`agent.*`, `vmm.*` counters) */
    exitsByCause?: Record<string, number>;
    /** VM creation and teardown, per scenario (ms, the nested machine's clock) */
    vmCreateMs?: number; vmDestroyMs?: number;
    /** the agent's start (its vCPUs brought online) and the migrate ops, per scenario (ms, same clock) */
    agentStartMs?: number; migrateMs?: number;
  } | null;
}

function child(args: string[]): unknown {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench/measure.ts'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`measurement ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function campaignRate(workers: number, seconds: number): number | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gicdiff-bench-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/gicdiff.ts'), 'fuzz', '--target', 'kvm', '--seed', 'bench',
      '--time', `${seconds}s`, '--workers', String(workers), '--out', dir, '--no-minimize', '--no-report'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { scenarios: number; elapsedMs: number };
    if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr.slice(-1000));
    return summary.scenarios / (summary.elapsedMs / 1000);
  } catch (e) {
    process.stderr.write(`campaign with ${workers} worker(s) failed: ${(e as Error).message}\n`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number | null | undefined, d = 0) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

function main(): void {
  const { options } = parseArgs(process.argv.slice(2), {
    compare: { type: 'string', value: 'OLD.json', description: 'print ratios against an earlier run' },
    out: { type: 'string', value: 'FILE', description: 'where to write the JSON (default out/bench.json)' },
    quick: { type: 'boolean', description: 'shorter measurements' },
    'kvm-linux': { type: 'boolean', description: 'also measure the kvm-linux target (boots the nested machine; one core); --no-kvm-linux skips it' },
  });
  const seconds = options.quick ? 0.5 : 2;
  const result: BenchResult = {
    format: 'gicdiff/bench@1', date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown',
    workloads: {}, campaign: { workers1: null, workers2: null, scaling: null }, minimize: null,
  };
  for (const name of Object.keys(WORKLOADS)) {
    const row = {} as BenchResult['workloads'][string];
    for (const mode of MODES) row[mode] = child(['workload', name, mode, String(seconds)]) as Measurement;
    row.lockstepRatio = row.lockstep.opsPerSec / row.kvm.opsPerSec;
    result.workloads[name] = row;
    process.stderr.write(`measured ${name}\n`);
  }
  // 60 s: over 20 s the two-worker rate varied from x1.04 to x1.30 of the one-worker rate between runs
  const campaignSeconds = options.quick ? 8 : 60;
  result.campaign.workers1 = campaignRate(1, campaignSeconds);
  result.campaign.workers2 = campaignRate(2, campaignSeconds);
  try {
    result.campaignFixed = child(['campaign', String(options.quick ? 60 : 300)]) as BenchResult['campaignFixed'];
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    result.campaignFixed = null;
  }
  if (result.campaign.workers1 && result.campaign.workers2) result.campaign.scaling = result.campaign.workers2 / result.campaign.workers1;
  try {
    result.minimize = child(['minimize']) as BenchResult['minimize'];
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
  }
  if (options['kvm-linux'] !== false) {
    try {
      result.kvmLinux = child(['kvm-linux', String(options.quick ? 15 : 60)]) as BenchResult['kvmLinux'];
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      result.kvmLinux = null;
    }
  }

  const lines: string[] = [];
  lines.push(`gicdiff bench — ${result.date} — ${result.cpu}, node ${result.node}`);
  lines.push('');
  lines.push('| workload | ops | model ops/s | kvm ops/s | lockstep ops/s | lockstep/kvm | peak RSS MiB (model/kvm/lockstep) |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [name, r] of Object.entries(result.workloads)) {
    const flag = (m: Measurement) => (m.completed ? '' : ` (stopped: ${m.note ?? 'incomplete'})`);
    lines.push(`| ${name} | ${fmt(r.kvm.ops)} | ${fmt(r.model.opsPerSec)}${flag(r.model)} | ${fmt(r.kvm.opsPerSec)}${flag(r.kvm)} | ${fmt(r.lockstep.opsPerSec)}${flag(r.lockstep)} | ${fmt(r.lockstepRatio, 2)} | ${fmt(r.model.peakRssMiB)}/${fmt(r.kvm.peakRssMiB)}/${fmt(r.lockstep.peakRssMiB)} |`);
  }
  lines.push('');
  lines.push(`campaign (kvm, lockstep): ${fmt(result.campaign.workers1, 1)} scenarios/s with 1 worker, ${fmt(result.campaign.workers2, 1)} with 2 (x${fmt(result.campaign.scaling, 2)})`);
  const cf = result.campaignFixed;
  lines.push(cf ? `campaign (kvm, 1 worker, seed bench, first ${cf.scenarios} scenarios, divergent ones classified with the quirks): ${fmt(cf.perCpuSecond, 2)} scenarios per CPU second (${fmt(cf.cpuSeconds, 1)} s CPU; ${fmt(cf.perSecond, 2)}/s by the clock); ${cf.counts.new} new, ${cf.counts.known} known, ${cf.counts.inconclusive} inconclusive`
    : 'campaign of fixed size: not measured');
  lines.push(result.minimize ? `minimize: ${result.minimize.ops}-op finding -> ${result.minimize.after} ops in ${fmt(result.minimize.seconds, 2)} s` : 'minimize: not measured');
  const kl = result.kvmLinux;
  lines.push(!kl ? 'kvm-linux: not measured' : kl.unavailable ? `kvm-linux: unavailable (${kl.unavailable})`
    : `kvm-linux (${kl.kernel}, nested TCG): boot ${fmt((kl.bootMs ?? 0) / 1000, 1)} s; once booted ${fmt(kl.scenariosPerSec, 2)} scenarios/s, ${fmt(kl.opsPerSec)} ops/s (${kl.complete}/${kl.scenarios} complete; trace only, no oracle)`
      + `; per scenario ${fmt(kl.opsPerScenario)} ops, ${fmt(kl.guestExitsPerScenario)} guest exits (${fmt(kl.vmmExitsPerScenario)} to the VMM)`
      + (kl.cpuMsPerScenario ? `, ${fmt(kl.cpuMsPerScenario)} ms of the machine's CPU = ${fmt(kl.scenariosPerCpuSec, 1)} scenarios per CPU-second` : '')
      + (kl.vmCreateMs !== undefined ? `; VM creation ${fmt(kl.vmCreateMs)} ms, teardown ${fmt(kl.vmDestroyMs)} ms` : '')
      + (kl.agentStartMs !== undefined ? `, agent start ${fmt(kl.agentStartMs)} ms, migrate ops ${fmt(kl.migrateMs)} ms` : ''));
  if (kl?.exitsByCause) lines.push(`kvm-linux exits per scenario by cause: ${Object.entries(kl.exitsByCause).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')}`);
  if (options.compare) {
    const old = JSON.parse(readFileSync(options.compare as string, 'utf8')) as BenchResult;
    lines.push('');
    lines.push(`compared with ${options.compare} (${old.date}): new/old`);
    for (const [name, r] of Object.entries(result.workloads)) {
      const o = old.workloads[name];
      if (!o) continue;
      lines.push(`  ${name.padEnd(10)} model x${fmt(r.model.opsPerSec / o.model.opsPerSec, 2)}  kvm x${fmt(r.kvm.opsPerSec / o.kvm.opsPerSec, 2)}  lockstep x${fmt(r.lockstep.opsPerSec / o.lockstep.opsPerSec, 2)}`);
    }
    if (old.campaign.workers1 && result.campaign.workers1) lines.push(`  campaign   1 worker x${fmt(result.campaign.workers1 / old.campaign.workers1, 2)}  2 workers x${fmt((result.campaign.workers2 ?? 0) / (old.campaign.workers2 ?? 1), 2)}`);
    if (old.campaignFixed && result.campaignFixed && old.campaignFixed.scenarios === result.campaignFixed.scenarios) lines.push(`  campaign   fixed size x${fmt(result.campaignFixed.perCpuSecond / old.campaignFixed.perCpuSecond, 2)} scenarios per CPU second`);
    if (old.minimize && result.minimize) lines.push(`  minimize   x${fmt(result.minimize.seconds / old.minimize.seconds, 2)} time`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  const out = (options.out as string | undefined) ?? path.join(ROOT, 'out/bench.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n`);
}

try {
  main();
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
