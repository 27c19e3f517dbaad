// Long-lived QEMUs that run one scenario after another: QEMU's start-up costs far more than a
// scenario (tens to hundreds of milliseconds against a few), so each instance is reset instead of
// restarted. Between scenarios the VM is stopped, the host zeroes all guest RAM through the file
// that backs it (truncate to 0 and back: docs/scenario-format.md wants RAM zero at VM creation, and QEMU's ITS
// may have written anywhere in it), writes the next ops buffer at OPS_BASE, and asks QMP for
// system_reset + cont. system_reset puts every CPU and device (GIC, ITS) back in its reset state
// and copies the agent's ELF and the device tree back into RAM, exactly as at start-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RAM_BASE } from '../../spec/layout.js';
import { AGENT_RAM_SIZE, OPS_BASE } from './protocol.js';
import { persistentQemuArgs, type QemuAccel } from './command.js';
import { AgentOutputParser, type AgentOutcome } from './output.js';

interface QmpMessage { event?: string; data?: { guest?: boolean }; return?: unknown; error?: { desc?: string } }

/** A minimal QMP client: commands answered in order, events to one listener. */
class Qmp {
  private buf = '';
  private readonly waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  onEvent: (m: QmpMessage) => void = () => {};
  onClose: () => void = () => {};

  constructor(readonly socket: Socket) {
    const sock = socket;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.data(d));
    sock.on('close', () => {
      for (const w of this.waiting.splice(0)) w.reject(new Error('QMP connection closed'));
      this.onClose();
    });
    sock.on('error', () => { /* 'close' follows */ });
  }

  private data(d: string): void {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).trim();
      this.buf = this.buf.slice(i + 1);
      if (!line) continue;
      let m: QmpMessage & { QMP?: unknown };
      try {
        m = JSON.parse(line) as QmpMessage & { QMP?: unknown };
      } catch {
        continue;
      }
      if (m.QMP !== undefined) continue; // greeting
      if (m.event !== undefined) this.onEvent(m);
      else if ('return' in m || 'error' in m) {
        const w = this.waiting.shift();
        if (!w) continue;
        if (m.error) w.reject(new Error(`QMP: ${m.error.desc ?? 'error'}`));
        else w.resolve(m.return);
      }
    }
  }

  command(name: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(JSON.stringify({ execute: name }) + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface InstanceKey { accel: QemuAccel; vcpus: number; its: number; qemu: string; agentElf: string }

export interface PooledRun {
  outcome: AgentOutcome;
  timedOut: boolean;
  /** QEMU went away (crash, start-up failure): why */
  died?: string;
}

function keyString(k: InstanceKey): string {
  return `${k.qemu}|${k.agentElf}|${k.accel}|${k.vcpus}|${k.its > 0 ? 1 : 0}`;
}

/** Shared memory when there is some: the RAM file is written for every scenario. */
function ramDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

let serial = 0;
const live = new Set<QemuInstance>();

export class QemuInstance {
  private child!: ChildProcess;
  private qmp!: Qmp;
  private ramFd = -1;
  private parser: AgentOutputParser | null = null;
  private stderr = '';
  private wake: (() => void) | null = null;
  private shutdown = false;
  dead: string | null = null;

  private constructor(readonly key: string) {}

  static async start(k: InstanceKey): Promise<QemuInstance> {
    const inst = new QemuInstance(keyString(k));
    await inst.boot(k);
    return inst;
  }

  private async boot(k: InstanceKey): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-qemu-pool-'));
    const ramFile = path.join(ramDir(), `gicdiff-ram-${process.pid}-${++serial}-${Date.now()}`);
    const qmpSocket = path.join(dir, 'qmp.sock');
    const args = persistentQemuArgs({ accel: k.accel, config: { vcpus: k.vcpus, its: k.its }, agentElf: k.agentElf, ramFile, qmpSocket });
    // A shell between us and QEMU kills QEMU as soon as our end of its stdin closes, so that no
    // QEMU outlives this process however it ends (QEMU itself reads /dev/null).
    // (QEMU with -no-shutdown only pauses on SIGTERM, so the shell SIGKILLs it, also when it is
    // itself signalled.)
    const wrapper = 'exec 3<&0; "$@" </dev/null & q=$!; trap \'kill -9 $q 2>/dev/null; wait $q; exit 1\' TERM INT HUP; cat <&3 >/dev/null; kill -9 $q 2>/dev/null; wait $q';
    this.child = spawn('sh', ['-c', wrapper, 'sh', k.qemu, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this);
    this.child.stdout!.setEncoding('latin1');
    this.child.stdout!.on('data', (d: string) => {
      this.parser?.push(d);
      this.poke();
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      if (this.stderr.length < 8192) this.stderr += d;
    });
    this.child.on('exit', () => this.die('QEMU exited'));
    try {
      const deadline = Date.now() + 20_000;
      while (!existsSync(qmpSocket)) {
        if (this.dead) throw new Error(this.dead);
        if (Date.now() > deadline) throw new Error('QEMU did not open its QMP socket within 20 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      // the socket file can appear just before QEMU listens on it: retry refused connections
      let sock: Socket | undefined;
      while (!sock) {
        sock = await new Promise<Socket | undefined>((resolve, reject) => {
          const s = connect(qmpSocket, () => resolve(s));
          s.once('error', (e: NodeJS.ErrnoException) => {
            s.destroy();
            if ((e.code === 'ECONNREFUSED' || e.code === 'ENOENT') && Date.now() < deadline && !this.dead) resolve(undefined);
            else reject(e);
          });
        });
        if (!sock) await new Promise((r) => setTimeout(r, 5));
      }
      this.qmp = new Qmp(sock);
      this.qmp.onEvent = (m) => {
        if (m.event === 'SHUTDOWN' && m.data?.guest) {
          this.shutdown = true;
          this.poke();
        }
      };
      this.qmp.onClose = () => this.die('QMP connection closed');
      await this.qmp.command('qmp_capabilities');
      this.ramFd = openSync(ramFile, 'r+');
      this.setRef(false);
    } catch (e) {
      this.kill();
      throw new Error(`could not start a reusable QEMU: ${(e as Error).message}${this.stderrTail()}`);
    } finally {
      // both stay open where they are used; their names are no longer needed
      try { unlinkSync(ramFile); } catch { /* QEMU may not have created it */ }
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Idle instances must not keep the process alive; running ones must. */
  private setRef(on: boolean): void {
    // piped stdio streams are net.Sockets at run time (they have ref/unref)
    const pipes = [this.child?.stdin, this.child?.stdout, this.child?.stderr] as unknown as (Socket | null | undefined)[];
    const handles: ({ ref(): unknown; unref(): unknown } | null | undefined)[] = [this.child, ...pipes, this.qmp?.socket];
    for (const h of handles) if (h) on ? h.ref() : h.unref();
  }

  private stderrTail(): string {
    const t = this.stderr.trim().split('\n').slice(-3).join(' | ');
    return t ? `: ${t}` : '';
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private die(why: string): void {
    if (!this.dead) this.dead = why + this.stderrTail();
    this.poke();
  }

  /** Run one encoded ops buffer; the instance is left stopped, ready for the next one. */
  async run(ops: Uint8Array, nops: number, timeoutMs: number): Promise<PooledRun> {
    const parser = new AgentOutputParser(nops);
    if (this.dead) return { outcome: parser.finish(), timedOut: false, died: this.dead };
    // the VM is stopped (prelaunch or shutdown): zero RAM, place the ops, reset, run
    ftruncateSync(this.ramFd, 0);
    ftruncateSync(this.ramFd, AGENT_RAM_SIZE);
    writeSync(this.ramFd, ops, 0, ops.length, OPS_BASE - RAM_BASE);
    this.parser = parser;
    this.shutdown = false;
    this.setRef(true);
    const deadline = Date.now() + timeoutMs;
    let timedOut = false;
    try {
      await this.qmp.command('system_reset');
      await this.qmp.command('cont');
      // finished when the agent has printed its last line and powered the VM off
      let graceUntil = 0;
      for (;;) {
        const printedLast = parser.outcome.done || parser.outcome.error !== undefined;
        if (this.dead || (this.shutdown && printedLast)) break;
        const now = Date.now();
        if (this.shutdown) {
          // powered off, last line not here yet: stdout may lag the QMP event a little
          if (graceUntil === 0) graceUntil = now + 500;
          else if (now >= graceUntil) break;
        }
        const left = deadline - now;
        if (left <= 0) {
          timedOut = true;
          break;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.shutdown ? Math.min(left, 20) : left);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } catch (e) {
      this.die((e as Error).message);
    }
    this.parser = null;
    this.setRef(false);
    const outcome = parser.finish();
    if (timedOut) {
      this.kill();
      return { outcome, timedOut: true };
    }
    if (this.dead) return { outcome, timedOut: false, died: this.dead };
    return { outcome, timedOut: false };
  }

  kill(): void {
    if (!this.dead) this.dead = 'killed';
    live.delete(this);
    try { this.qmp?.close(); } catch { /* gone */ }
    if (this.ramFd >= 0) {
      try { closeSync(this.ramFd); } catch { /* closed */ }
      this.ramFd = -1;
    }
    // closing the wrapper's stdin makes it SIGKILL QEMU and exit
    this.child?.stdin?.destroy();
  }
}

// ---- the pool ----

/**
 * Idle instances kept per process (each holds a QEMU, ~55 MB resident, and the guest RAM it
 * touched). $GICDIFF_QEMU_POOL overrides it; 0 turns reuse off (runner.ts).
 */
export const MAX_IDLE = poolSizeFromEnv();

function poolSizeFromEnv(): number {
  const v = process.env['GICDIFF_QEMU_POOL'];
  if (v === undefined || v === '') return 6;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 64 ? n : 6;
}
const idle: QemuInstance[] = [];
let exitHook = false;

/** Take an idle instance for this configuration, or start one. */
export async function acquireInstance(k: InstanceKey): Promise<QemuInstance> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', closeQemuPool);
  }
  const key = keyString(k);
  for (let j = idle.length - 1; j >= 0; j--) if (idle[j]!.dead) idle.splice(j, 1)[0]!.kill();
  const i = idle.findIndex((x) => x.key === key);
  if (i >= 0) return idle.splice(i, 1)[0]!;
  return QemuInstance.start(k);
}

/** Give an instance back after a run; a dead one is dropped, the oldest idle one is stopped. */
export function releaseInstance(inst: QemuInstance): void {
  if (inst.dead) {
    inst.kill();
    return;
  }
  idle.push(inst);
  while (idle.length > MAX_IDLE) idle.shift()!.kill();
}

/** Stop every QEMU this process started through the pool. */
export function closeQemuPool(): void {
  idle.length = 0;
  for (const inst of [...live]) inst.kill();
}

/** How many pooled QEMUs are running (for tests). */
export function liveInstances(): number {
  return live.size;
}
