// Runs one expanded scenario on QEMU with the guest agent and turns the agent's output into a
// trace. One QEMU boot per scenario.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExpandedScenario } from '../../spec/scenario.js';
import type { Trace } from '../../spec/target.js';
import { encodeOps } from './encoding.js';
import { qemuArgs, type QemuAccel } from './command.js';
import { AgentOutputParser } from './output.js';

export interface QemuRunOptions {
  targetName: string;
  accel: QemuAccel;
  qemu: string;
  agentElf: string;
  timeoutMs: number;
  /** the agent's KVM state syncs around each op (default: on under KVM only; encoding.ts) */
  kvmSync?: boolean;
  /** TCG: enter the agent at EL2 (command.ts) */
  enterAtEl2?: boolean;
  /** put QEMU's GIC in the VM-creation state first, for this many SPIs (encoding.ts creationPreamble) */
  creationSpis?: number;
}

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
    const out = parser.finish();
    const counters = { qemuMs: Date.now() - started };
    if (out.error) {
      return trace(s, o.targetName, { results: out.results.slice(0, out.error.opIndex), status: 'target-error', error: out.error, counters });
    }
    if (timedOut) {
      return trace(s, o.targetName, {
        results: out.results, status: 'step-budget', counters,
        error: { opIndex: out.results.length, message: `QEMU gave no result for op ${out.results.length} within ${o.timeoutMs} ms (killed)` },
      });
    }
    if (!out.done) {
      const why = spawnError ? `could not start ${o.qemu}: ${spawnError.message}` : `QEMU exited (${signal ?? `status ${code}`}) before the agent finished`;
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      return trace(s, o.targetName, {
        results: out.results, status: 'target-error', counters,
        error: { opIndex: out.results.length, message: tail ? `${why}: ${tail}` : why },
      });
    }
    return trace(s, o.targetName, { results: out.results, status: 'complete', counters });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
