// Runs one expanded scenario on QEMU with the guest agent and turns the agent's output into a
// trace. Under TCG a scenario normally runs on a reused QEMU (pool.ts: reset between scenarios);
// otherwise, or when asked, on a QEMU booted for it alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExpandedScenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';
import { encodeOps } from './encoding.js';
import { qemuArgs, type QemuAccel } from './command.js';
import { AgentOutputParser, type AgentOutcome } from './output.js';
import { acquireInstance, releaseInstance, MAX_IDLE } from './pool.js';

export interface QemuRunOptions {
  targetName: string;
  accel: QemuAccel;
  qemu: string;
  agentElf: string;
  timeoutMs: number;
  /** the agent's KVM state syncs around each op (default: on under KVM only; encoding.ts) */
  kvmSync?: boolean;
  /** TCG: enter the agent at EL2 (command.ts); always a fresh boot */
  enterAtEl2?: boolean;
  /** put QEMU's GIC in the VM-creation state first, for this many SPIs (encoding.ts creationPreamble) */
  creationSpis?: number;
  /** run on a reused QEMU (pool.ts); default: under TCG */
  reuse?: boolean;
}

/** What one run produced, however it was run. */
interface RawRun {
  outcome: AgentOutcome;
  timedOut: boolean;
  /** set when QEMU went away before the agent finished */
  ended?: string;
  ms: number;
}

/**
 * Reusable QEMUs that could not be started in a row: each failure runs its scenario on a fresh
 * boot instead; after a few in a row this process stops trying (e.g. a QEMU without
 * memory-backend-file support).
 */
let poolFailures = 0;
const MAX_POOL_FAILURES = 3;

function trace(s: ExpandedScenario, target: string, partial: Omit<Trace, 'format' | 'scenario' | 'target'>): Trace {
  return { format: 'gicdiff/trace@1', scenario: s.name, target, ...partial };
}

export async function runOnQemu(s: ExpandedScenario, o: QemuRunOptions): Promise<Trace> {
  let ops: Uint8Array;
  try {
    ops = encodeOps(s, {
      kvmSync: o.kvmSync ?? o.accel === 'kvm',
      ...(o.creationSpis !== undefined ? { creationState: { spis: o.creationSpis } } : {}),
    });
  } catch (e) {
    return trace(s, o.targetName, { results: [], status: 'target-error', error: { opIndex: 0, message: (e as Error).message } });
  }
  const reuse = (o.reuse ?? (o.accel === 'tcg' && MAX_IDLE > 0)) && !o.enterAtEl2 && poolFailures < MAX_POOL_FAILURES;
  const raw = reuse ? await runPooled(s, ops, o) : await runFresh(s, ops, o);
  const out = raw.outcome;
  const counters = { qemuMs: raw.ms };
  if (out.error) {
    return trace(s, o.targetName, { results: out.results.slice(0, out.error.opIndex), status: 'target-error', error: out.error, counters });
  }
  if (raw.timedOut) {
    return trace(s, o.targetName, {
      results: out.results, status: 'step-budget', counters,
      error: { opIndex: out.results.length, message: `QEMU gave no result for op ${out.results.length} within ${o.timeoutMs} ms (killed)` },
    });
  }
  if (!out.done) {
    return trace(s, o.targetName, {
      results: out.results, status: 'target-error', counters,
      error: { opIndex: out.results.length, message: raw.ended ?? 'the guest agent stopped before its last op' },
    });
  }
  return trace(s, o.targetName, { results: out.results, status: 'complete', counters });
}

async function runPooled(s: ExpandedScenario, ops: Uint8Array, o: QemuRunOptions): Promise<RawRun> {
  const started = Date.now();
  let inst;
  try {
    inst = await acquireInstance({ accel: o.accel, vcpus: s.config.vcpus, its: s.config.its, qemu: o.qemu, agentElf: o.agentElf });
  } catch {
    poolFailures++;
    return runFresh(s, ops, o);
  }
  poolFailures = 0;
  const r = await inst.run(ops, s.ops.length, o.timeoutMs);
  releaseInstance(inst);
  return { outcome: r.outcome, timedOut: r.timedOut, ...(r.died ? { ended: `QEMU went away before the agent finished: ${r.died}` } : {}), ms: Date.now() - started };
}

async function runFresh(s: ExpandedScenario, ops: Uint8Array, o: QemuRunOptions): Promise<RawRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-qemu-'));
  try {
    const opsFile = path.join(dir, 'ops.bin');
    writeFileSync(opsFile, ops);
    const args = qemuArgs({ accel: o.accel, config: s.config, qemu: o.qemu, agentElf: o.agentElf, opsFile, enterAtEl2: o.enterAtEl2 ?? false });
    const parser = new AgentOutputParser(s.ops.length);
    const started = Date.now();
    const { code, signal, timedOut, stderr, spawnError } = await new Promise<{
      code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stderr: string; spawnError?: Error;
    }>((resolve) => {
      const child = spawn(o.qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let timedOut = false;
      let spawnError: Error | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, o.timeoutMs);
      child.stdout.setEncoding('latin1');
      child.stdout.on('data', (d: string) => parser.push(d));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        if (stderr.length < 8192) stderr += d;
      });
      child.on('error', (e) => { spawnError = e; });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, timedOut, stderr, spawnError });
      });
    });
    const outcome = parser.finish();
    const ms = Date.now() - started;
    if (outcome.done || outcome.error || timedOut) return { outcome, timedOut: timedOut && !outcome.done && !outcome.error, ms };
    const why = spawnError ? `could not start ${o.qemu}: ${spawnError.message}` : `QEMU exited (${signal ?? `status ${code}`}) before the agent finished`;
    const tail = stderr.trim().split('\n').slice(-5).join(' | ');
    return { outcome, timedOut: false, ended: tail ? `${why}: ${tail}` : why, ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
