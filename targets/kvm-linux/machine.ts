// The nested machine: Debian's arm64 kernel at EL2 under qemu-system-aarch64 TCG
// (virtualization=on, so the kernel's KVM is live), with our VMM as its init. It boots once and
// then runs many scenarios, each as one request frame over a virtio console port (a unix socket
// on this side) and one result frame back. Kernel trouble during a run (an oops, a WARN, an RCU
// stall...: kernel-log.ts) comes with the result, from the VMM's reads of the kernel's log, or from
// the serial console when the VMM died with the run; the machine is rebooted before the next run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KernelBuild } from './kernels.js';
import { findSplat, frameLines, parseKernelLogFrame, stripConsoleTimestamp, type KernelLogFrame, type KernelSplat } from './kernel-log.js';

export const FRAME_MAGIC = 0x4d56_4447; // "GDVM"
export const FRAME_HELLO = 1;
export const FRAME_RUN = 2;
export const FRAME_RESULT = 3;
export const FRAME_NOTE = 4;
export const FRAME_KLOG = 5;
export const RUN_OK = 0;
export const RUN_TIMEOUT = 1;
export const RUN_VMM_ERROR = 2;
/** vmm/vmm.h VMM_PROTOCOL: the frame layouts this side reads */
export const VMM_PROTOCOL = '5';
/** bytes of struct run_result before the console text */
const RESULT_HEADER_BYTES = 40;

export interface RunReply {
  status: number;
  /** the agent's console text (and the VMM's "E vmm:" lines) */
  text: string;
  exits: number;
  /** every exit of the vCPUs from the guest (KVM's per-vCPU statistic "exits"), in-kernel ones included */
  guestExits: number;
  vmmMs: number;
  /** the VMM's own clock (microseconds): VM creation with the agent's load, the run, and the
   *  teardown of the previous run's VM (done after that run's reply) */
  createUs: number;
  runUs: number;
  destroyUs: number;
  /** kernel trouble (an oops, a WARN, ...) logged during the run or the teardown before it */
  kernelSplat: KernelSplat | null;
  /** the run's counters (vmm/vmm.h struct run_result): KVM's vCPU statistics (`kvm.*`), the
   *  agent's exits by cause (`agent.*`), the exits to the VMM by kind (`vmm.*`) */
  stats: Record<string, number>;
}

/** The counters after the console text: one "name value" line each. */
export function parseRunStats(text: string): Record<string, number> {
  const stats: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_.]+) (\d+)$/.exec(line);
    if (m) stats[m[1]!] = Number(m[2]);
  }
  return stats;
}

/** A run that produced no result: the VMM died, QEMU exited or the machine hung. */
export interface LostRun {
  lost: string;
  /** kernel trouble the serial console showed meanwhile (why it was lost, often) */
  kernelSplat: KernelSplat | null;
}

/** The test hooks of vmm/vmm.h (struct run_request flags), applied after the run. */
export const RUN_TEST_KMSG = 1;
export const RUN_TEST_TAINT = 2;
export const RUN_TEST_SYSRQ = 4;

/**
 * The nested machine's own GIC: `v3` (QEMU's TCG GICv3), or `v4`: QEMU's TCG GICv4 (gic-version=4,
 * which QEMU 7.2 emulates as GICv4.0: no RVPEID, so no vSGIs) with `kvm-arm.vgic_v4_enable=1`, so
 * the kernel's KVM uses GICv4 for every VM with an ITS (a vPE per vCPU, vgic_v4_load/put at every
 * load and put, doorbells while a vCPU blocks). Direct vLPI injection still needs an assigned device.
 */
export type HostGic = 'v3' | 'v4';

/** What the kernel prints when KVM takes GICv4 (vgic-v3.c vgic_v3_probe). */
const GICV4_ENABLED = /^GICv4(\.1)? support enabled/;

/** QEMU's command line for the nested machine. */
export function nestedQemuArgs(k: KernelBuild, socketPath: string, cpus: number, gic: HostGic = 'v3'): string[] {
  return [
    // virtualization=on: the kernel boots at EL2 and KVM runs; its=on: the host ITS KVM needs for
    // its vITS MSI path is not required, but matches a server
    '-M', `virt,virtualization=on,gic-version=${gic === 'v4' ? 4 : 3},its=on`,
    // pauth-impdef: QEMU's cheap pointer-authentication algorithm (the architected one costs
    // TCG more than half the boot time)
    '-cpu', 'max,pauth-impdef=on',
    // one host core for the whole machine (the host is shared)
    '-accel', 'tcg,thread=single',
    '-smp', String(cpus), '-m', '2048',
    '-nographic', '-no-reboot',
    // no network: QEMU would look for a NIC boot ROM the Debian package does not ship
    '-net', 'none',
    '-kernel', k.image, '-initrd', k.initramfs,
    // rcupdate.rcu_expedited: RCU and SRCU grace periods expedited (kernel-parameters.txt), as
    // synchronize_srcu() follows it too: a VM's teardown (kvm_destroy_vm) and creation wait for
    // several, and the nested machine sat idle through them (a scenario's fixed cost in wall
    // time: 94 -> 68 ms); only when a grace period ends changes, not what KVM does
    '-append', `console=ttyAMA0 rdinit=/init quiet panic=-1 rcupdate.rcu_expedited=1${gic === 'v4' ? ' kvm-arm.vgic_v4_enable=1' : ''}`,
    '-device', 'virtio-serial-pci',
    '-chardev', `socket,id=gicdiff,path=${socketPath},server=on,wait=off`,
    '-device', 'virtserialport,chardev=gicdiff,name=gicdiff',
  ];
}

interface Pending {
  resolve: (r: RunReply | LostRun) => void;
  logMark: number;
  /** the VMM's kernel log frame for this run, when it sent one */
  klog?: KernelLogFrame;
}

export class NestedMachine {
  private child: ChildProcess | null = null;
  private sock: Socket | null = null;
  private inbuf: Buffer = Buffer.alloc(0);
  private log = '';
  private logLines: string[] = [];
  private pending: Pending | null = null;
  private helloWait: ((h: string) => void) | null = null;
  private seq = 0;
  dead: string | null = null;
  hello: Record<string, string> = {};
  /** the kernel's taint mask as the VMM last reported it */
  private taint = 0;
  bootMs = 0;

  private constructor(readonly kernel: KernelBuild, readonly gic: HostGic) {}

  /** Boot and wait for the VMM's hello (the kernel release, the KVM API). */
  static async boot(kernel: KernelBuild, qemu: string, bootTimeoutMs = 240_000, gic: HostGic = 'v3'): Promise<NestedMachine> {
    const m = new NestedMachine(kernel, gic);
    await m.start(qemu, bootTimeoutMs);
    return m;
  }

  private async start(qemu: string, timeoutMs: number): Promise<void> {
    const started = Date.now();
    const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-kvm-linux-'));
    const socketPath = path.join(dir, 'vmm.sock');
    // The shell SIGKILLs QEMU as soon as our end of its stdin closes: no QEMU outlives us.
    const wrapper = 'exec 3<&0; "$@" </dev/null & q=$!; trap \'kill -9 $q 2>/dev/null; wait $q; exit 1\' TERM INT HUP; cat <&3 >/dev/null; kill -9 $q 2>/dev/null; wait $q';
    const child = spawn('sh', ['-c', wrapper, 'sh', qemu, ...nestedQemuArgs(this.kernel, socketPath, 2, this.gic)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (d: string) => this.onLog(d));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => this.onLog(d));
    child.on('exit', () => this.die('QEMU exited'));
    try {
      while (!existsSync(socketPath)) {
        if (this.dead) throw new Error(this.dead);
        if (Date.now() - started > 20_000) throw new Error('QEMU did not create its virtio console socket within 20 s');
        await sleep(20);
      }
      // the socket file can appear just before QEMU listens on it: retry refused connections
      while (!this.sock) {
        this.sock = await new Promise<Socket | null>((resolve, reject) => {
          const s = connect(socketPath, () => resolve(s));
          s.once('error', (e: NodeJS.ErrnoException) => {
            s.destroy();
            if ((e.code === 'ECONNREFUSED' || e.code === 'ENOENT') && !this.dead && Date.now() - started < 20_000) resolve(null);
            else reject(e);
          });
        });
        if (!this.sock) await sleep(20);
      }
      this.sock.on('data', (d: Buffer) => this.onData(d));
      this.sock.on('close', () => this.die('the channel to the VMM closed'));
      const hello = await new Promise<string>((resolve, reject) => {
        this.helloWait = resolve;
        const t = setTimeout(() => reject(new Error(`the nested machine did not boot within ${timeoutMs / 1000} s${this.logTail()}`)), timeoutMs);
        const check = setInterval(() => {
          if (this.dead) {
            clearTimeout(t);
            clearInterval(check);
            reject(new Error(`${this.dead}${this.logTail()}`));
          }
        }, 100);
        this.helloWait = (h) => {
          clearTimeout(t);
          clearInterval(check);
          resolve(h);
        };
      });
      for (const line of hello.split('\n')) {
        const i = line.indexOf(' ');
        if (i > 0) this.hello[line.slice(0, i)] = line.slice(i + 1);
      }
      if (this.hello['protocol'] !== VMM_PROTOCOL) {
        throw new Error(`the nested machine's VMM speaks protocol ${this.hello['protocol'] ?? '1'}, this side ${VMM_PROTOCOL}: its initramfs is out of date (run bash targets/kvm-linux/setup.sh)`);
      }
      if (this.hello['kvm'] !== 'ok') throw new Error(`the nested kernel has no usable /dev/kvm: ${this.hello['kvm'] ?? 'no answer'}${this.logTail()}`);
      // the VMM read KVM's boot message about GICv4 from the kernel's log ("none": plain GICv3)
      const v4 = this.hello['gicv4'] ?? 'none';
      if (this.gic === 'v4' && !GICV4_ENABLED.test(v4)) {
        throw new Error(`the nested kernel booted with gic-version=4 and kvm-arm.vgic_v4_enable=1 but KVM did not enable GICv4 (${v4})${this.logTail()}`);
      }
      if (this.gic === 'v3' && v4 !== 'none') throw new Error(`the nested machine with a GICv3 reports KVM GICv4 support (${v4})`);
      this.taint = Number(this.hello['taint'] ?? 0) || 0;
      this.bootMs = Date.now() - started;
      this.setRef(false);
    } catch (e) {
      this.kill();
      throw e;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Idle machines must not keep the process alive; running ones must. */
  private setRef(on: boolean): void {
    const c = this.child as unknown as { ref(): void; unref(): void } | null;
    const handles = [c, this.sock, this.child?.stdin, this.child?.stdout, this.child?.stderr] as unknown as ({ ref(): void; unref(): void } | null | undefined)[];
    for (const h of handles) if (h) on ? h.ref() : h.unref();
  }

  private onLog(d: string): void {
    this.log += d;
    const parts = this.log.split('\n');
    this.log = parts.pop() ?? '';
    for (const l of parts) {
      this.logLines.push(l.replace(/\r$/, ''));
      if (this.logLines.length > 4000) {
        this.logLines.splice(0, 1000);
        this.droppedCount += 1000;
      }
    }
  }

  private logTail(n = 15): string {
    const tail = [...this.logLines, this.log].filter((l) => l.trim()).slice(-n);
    return tail.length ? `\n--- nested machine console (last ${tail.length} lines) ---\n${tail.join('\n')}` : '';
  }

  private onData(d: Buffer): void {
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, d]) : d;
    for (;;) {
      if (this.inbuf.length < 16) return;
      const magicAt = this.inbuf.indexOf(Buffer.from([0x47, 0x44, 0x56, 0x4d]));
      if (magicAt < 0) {
        this.inbuf = this.inbuf.subarray(this.inbuf.length - 3);
        return;
      }
      if (magicAt > 0) this.inbuf = this.inbuf.subarray(magicAt);
      if (this.inbuf.length < 16) return;
      const type = this.inbuf.readUInt32LE(4);
      const len = this.inbuf.readUInt32LE(8);
      if (this.inbuf.length < 16 + len) return;
      const payload = this.inbuf.subarray(16, 16 + len);
      this.inbuf = this.inbuf.subarray(16 + len);
      this.onFrame(type, Buffer.from(payload));
    }
  }

  private onFrame(type: number, p: Buffer): void {
    if (type === FRAME_HELLO) {
      this.helloWait?.(p.toString('utf8'));
      this.helloWait = null;
    } else if (type === FRAME_KLOG && this.pending) {
      this.pending.klog = parseKernelLogFrame(p.toString('utf8'));
    } else if (type === FRAME_RESULT && this.pending && p.length >= RESULT_HEADER_BYTES) {
      const textLen = p.readUInt32LE(4);
      const statsLen = p.readUInt32LE(32);
      const statsAt = RESULT_HEADER_BYTES + textLen;
      const splat = this.splatOf(this.pending);
      const reply: RunReply = {
        status: p.readUInt32LE(0),
        text: p.subarray(RESULT_HEADER_BYTES, RESULT_HEADER_BYTES + textLen).toString('latin1'),
        exits: p.readUInt32LE(8),
        vmmMs: p.readUInt32LE(12),
        createUs: p.readUInt32LE(16),
        runUs: p.readUInt32LE(20),
        destroyUs: p.readUInt32LE(24),
        guestExits: p.readUInt32LE(28),
        kernelSplat: splat,
        stats: parseRunStats(p.subarray(statsAt, statsAt + statsLen).toString('latin1')),
      };
      const w = this.pending;
      this.pending = null;
      // a kernel that logged an oops or a WARN is not trusted with the next scenario
      if (splat) this.kill(`the nested kernel logged ${splat.kind} (${splat.where}): rebooted before the next run`);
      w.resolve(reply);
    } else if (type === FRAME_NOTE) {
      // the VMM server died (its init restarts it): the run in progress is lost
      const note = p.toString('utf8');
      if (this.pending) {
        const w = this.pending;
        this.pending = null;
        const splat = this.consoleSplat(w.logMark);
        if (splat) this.kill(`the nested kernel logged ${splat.kind} (${splat.where}): rebooted before the next run`);
        w.resolve({ lost: note, kernelSplat: splat });
      }
    }
  }

  /**
   * The kernel trouble of a finished run: from the VMM's kernel log frame (every record at warning
   * level or worse, and the taint), or, where the VMM cannot read the kernel's log, the console.
   */
  private splatOf(p: Pending): KernelSplat | null {
    if (this.hello['klog'] !== 'ok') return this.consoleSplat(p.logMark);
    if (!p.klog) return null; // the VMM sends the frame only when there is something to say
    const before = this.taint;
    this.taint = p.klog.taint;
    return findSplat(frameLines(p.klog), { before, after: p.klog.taint });
  }

  /** Kernel trouble on the serial console since `mark` (only what the "quiet" console level shows: emergencies to errors). */
  private consoleSplat(mark: number): KernelSplat | null {
    const lines = [...this.logLines.slice(Math.max(0, mark - this.dropped())), this.log].filter((l) => l.trim()).map(stripConsoleTimestamp);
    return findSplat(lines);
  }

  // logLines is trimmed from the front; marks count lines from the start of the boot
  private droppedCount = 0;
  private dropped(): number { return this.droppedCount; }

  private die(why: string): void {
    // QEMU may have exited by itself (a kernel panic, -no-reboot): close our end so that its
    // wrapper shell exits too instead of waiting on its stdin for the rest of the process
    this.kill(why);
    const w = this.pending;
    this.pending = null;
    w?.resolve({ lost: `${why}${this.logTail()}`, kernelSplat: this.consoleSplat(w.logMark) });
  }

  /** Run one request; resolves with the VMM's reply, or `lost` when the machine went away or hung. */
  async run(request: Uint8Array, hostTimeoutMs: number): Promise<RunReply | LostRun> {
    if (this.dead || !this.sock) return { lost: this.dead ?? 'not booted', kernelSplat: null };
    if (this.pending) throw new Error('NestedMachine.run: a run is already in progress');
    this.setRef(true);
    try {
      return await new Promise<RunReply | LostRun>((resolve) => {
        const t = setTimeout(() => {
          // a hang of the VMM or of the nested kernel: this machine is done for
          const mark = this.pending?.logMark ?? 0;
          this.pending = null;
          const why = `the nested machine gave no result within ${hostTimeoutMs} ms (hung; it will be rebooted)${this.logTail(25)}`;
          this.kill(why);
          resolve({ lost: why, kernelSplat: this.consoleSplat(mark) });
        }, hostTimeoutMs);
        this.pending = { logMark: this.droppedCount + this.logLines.length, resolve: (r) => { clearTimeout(t); resolve(r); } };
        const header = Buffer.alloc(16);
        header.writeUInt32LE(FRAME_MAGIC, 0);
        header.writeUInt32LE(FRAME_RUN, 4);
        header.writeUInt32LE(request.length, 8);
        header.writeUInt32LE(++this.seq >>> 0, 12);
        this.sock!.write(Buffer.concat([header, Buffer.from(request.buffer, request.byteOffset, request.byteLength)]));
      });
    } finally {
      if (!this.dead) this.setRef(false);
    }
  }

  /**
   * CPU time QEMU has used so far (ms, all its threads), or null where /proc cannot tell: what a
   * run costs the machine whatever else the host is doing (the wall clock on a loaded host is not).
   */
  cpuMs(): number | null {
    const sh = this.child?.pid;
    if (!sh) return null;
    try {
      // the wrapper shell's children: QEMU
      const kids = readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      let ticks = 0;
      for (const pid of kids) {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
      }
      return kids.length ? ticks * 10 : null; // USER_HZ 100
    } catch {
      return null;
    }
  }

  kill(why = 'stopped'): void {
    if (!this.dead) this.dead = why;
    try { this.sock?.destroy(); } catch { /* already closed */ }
    try { this.child?.stdin?.end(); } catch { /* already closed */ }
    this.sock = null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
