// The `kvm-linux` targets: every op of a scenario on the real Linux KVM vGIC and vITS, inside the
// nested machine (machine.ts): guest ops by the guest agent, host and scheduling ops by our VMM
// with the real ioctls. `kvm-linux` runs Debian's 6.12 kernel, `kvm-linux-6.1` Debian 12's own.
import { existsSync } from 'node:fs';
import type { ExpandedScenario, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import type { Target, Trace, WholeRunOptions } from '../../spec/target.js';
import { encodeOps } from '../qemu/encoding.js';
import { AgentOutputParser } from '../qemu/output.js';
import { AGENT_ELF, findQemu } from '../qemu/target.js';
import { configUnsupportedReason as qemuConfigReason } from '../qemu/support.js';
import { AGENT_MAX_CPUS, TIMELINE_BASE } from '../qemu/protocol.js';
import { HostOpTable } from './hostops.js';
import { findKernel, VMM_BINARY, type KernelBuild } from './kernels.js';
import { NestedMachine, RUN_OK, RUN_TIMEOUT, type HostGic, type LostRun, type RunReply } from './machine.js';
import { splatMessage } from './kernel-log.js';

/** The VMM's guest map (vmm/vmm.h): memory console and doorbell. */
export const CONSOLE_BASE = 0xBE80_0000;
export const DOORBELL_ADDR = 0x0A00_0000;
const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * No GITS_CREADR polling after an ITS command batch: KVM runs the queue inside the exit of the
 * GITS_CWRITER write (vgic-its.c vgic_mmio_write_its_cwriter calls vgic_its_process_commands;
 * enabling the ITS in GITS_CTLR likewise), so when that write returns the ITS has consumed all it
 * ever will, and a read would only be one more exit (it was 71 of 390 per generated scenario).
 */
export const KVM_CREADR_POLLS = 0;
/** what the host waits beyond the VMM's own timeout before it calls the machine hung */
const HANG_MARGIN_MS = 30_000;

/** Ops our VMM cannot express: no in-kernel path a VMM could drive without a real device. */
const INEXPRESSIBLE: Record<string, string> = {
  'timer.line': 'timer.line: the virtual timer line is driven by the kernel\'s own arch timer emulation; a VMM cannot set it',
  'vfio.forward': 'vfio.forward: needs an assigned device (a VFIO irq bypass producer); the nested machine has none',
  'vfio.unforward': 'vfio.unforward: needs an assigned device (a VFIO irq bypass producer); the nested machine has none',
  'device.fire': 'device.fire: needs an assigned device raising its MSI; the nested machine has none',
};

/** ICC_AP0R1..3_EL1, ICC_AP1R1..3_EL1: the active-priority registers past the first */
const APR_PAST_FIRST = /^ICC_AP[01]R[123]_EL1$/;

export function kvmLinuxUnsupportedReason(op: PrimitiveOp, config: ResolvedConfig): string | null {
  return configReason(config) ?? opReason(op);
}

/** Why the VMM cannot run this op whatever the config (a group: its first such member). */
function opReason(op: PrimitiveOp): string | null {
  return memberwise(op, (m) => INEXPRESSIBLE[m.op] ?? hostCpuifReason(m));
}

/** Ops no VMM could express on any host (INEXPRESSIBLE), a group's members included. */
function inexpressibleReason(op: PrimitiveOp): string | null {
  return memberwise(op, (m) => INEXPRESSIBLE[m.op] ?? null);
}

function memberwise(op: PrimitiveOp, reason: (op: PrimitiveOp) => string | null): string | null {
  if (op.op !== 'group') return reason(op);
  for (const [j, m] of op.ops.entries()) {
    const why = reason(m as PrimitiveOp);
    if (why) return `group member ${j}: ${why}`;
  }
  return null;
}

/** A property of the nested host's CPU interface, not of KVM's vGIC (spec/expectations/kvm-linux.json kvm-linux.host-5-priority-bits-apr-undef). */
function hostCpuifReason(op: PrimitiveOp): string | null {
  if ((op.op === 'sysreg.read' || op.op === 'sysreg.write') && APR_PAST_FIRST.test(op.reg)) {
    return `${op.op} ${op.reg}: the nested host's virtual CPU interface (QEMU TCG) implements 5 priority bits, so only ICC_AP0R0_EL1 and ICC_AP1R0_EL1 exist in the guest; an access to ${op.reg} is UNDEFINED (a guest exception, no result)`;
  }
  return null;
}

/**
 * Why a scenario cannot run: an op the VMM cannot express comes first (it would be unsupported
 * on any host GIC), then the config, then the other ops.
 */
export function kvmLinuxScenarioReason(s: ExpandedScenario): string | null {
  const inexpressible = s.ops.findIndex((op) => inexpressibleReason(op) !== null);
  if (inexpressible >= 0) return `op ${inexpressible}: ${inexpressibleReason(s.ops[inexpressible]!)}`;
  const c = configReason(s.config);
  if (c) return c;
  const other = s.ops.findIndex((op) => opReason(op) !== null);
  return other >= 0 ? `op ${other}: ${opReason(s.ops[other]!)}` : null;
}

function configReason(config: ResolvedConfig): string | null {
  if (config.vcpus > AGENT_MAX_CPUS) return `config.vcpus = ${config.vcpus}: the guest agent runs at most ${AGENT_MAX_CPUS} vCPUs`;
  const q = qemuConfigReason({ ...config, its: 0 }); // memory limit of the agent's map
  if (q) return q;
  if (config.its > 4) return `config.its = ${config.its}: at most 4 ITSes`;
  // GICv4.1 shows in the guest (GICD_TYPER2.nASSGIcap, vSGIs, vgic-mmio-v3.c vgic_mmio_read_v3_misc):
  // KVM offers it only on a GICv4.1 host, and the nested machine's GICv4 is QEMU's GICv4.0
  if (config.impl.gicv4 === '4.1') {
    return 'config.impl.gicv4 = "4.1": GICv4.1 (vSGIs, GICD_TYPER2.nASSGIcap) needs a GICv4.1 host GIC; the nested machine\'s is QEMU 7.2\'s TCG GIC, which with gic-version=4 emulates GICv4.0 only (its redistributors have no RVPEID; the kernel enables "GICv4", not GICv4.1)';
  }
  return null;
}

/** The nested machine a config runs on: GICv4 configs on one whose KVM uses GICv4 (machine.ts HostGic). */
export function hostGicFor(config: ResolvedConfig): HostGic {
  return config.impl.gicv4 === 'off' ? 'v3' : 'v4';
}

/**
 * A test hook of the VMM (vmm/vmm.h RUN_TEST_*, machine.ts): after the run it writes `text` to the
 * kernel's log (one record a line), ORs it into the taint mask, or presses that magic SysRq key.
 * Only tests set one, to prove that kernel trouble becomes a finding.
 */
export interface VmmTestHook {
  flags: number;
  text: string;
}

/** The run request (vmm/vmm.h struct run_request), then the ops buffer, the host-op table and a test hook's text. */
export function runRequest(s: ExpandedScenario, ops: Uint8Array, host: Uint8Array, timeoutMs: number, test?: VmmTestHook): Uint8Array {
  const testText = test ? Buffer.from(test.text, 'utf8') : new Uint8Array(0);
  const out = new Uint8Array(40 + ops.length + host.length + testText.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, s.config.vcpus, true);
  v.setUint32(4, s.config.spis + 32, true); // NR_IRQS counts the private interrupts
  v.setUint32(8, s.config.its, true);
  v.setUint32(12, timeoutMs, true);
  v.setBigUint64(16, BigInt(s.config.memory), true);
  v.setUint32(24, ops.length, true);
  v.setUint32(28, host.length, true);
  v.setUint32(32, test?.flags ?? 0, true);
  v.setUint32(36, testText.length, true);
  out.set(ops, 40);
  out.set(host, 40 + ops.length);
  out.set(testText, 40 + ops.length + host.length);
  return out;
}

export class KvmLinuxTarget implements Target {
  readonly kind = 'external' as const;
  /** one nested machine per host GIC, booted when a scenario first needs it */
  private machines = new Map<HostGic, Promise<NestedMachine>>();
  private queue: Promise<unknown> = Promise.resolve();
  /** boots so far in this process (a crash or hang makes one more) */
  boots = 0;
  lastBootMs = 0;
  /** tests only: the VMM test hook the next run applies (then cleared) */
  testHookNextRun: VmmTestHook | null = null;
  /**
   * Profiling (scripts/bench/kvm-linux-profile.ts): the agent stamps the start of every record and
   * the trace's counters carry the stamps (`timeline.<record>`, `timeline.end`, `timeline.hz`).
   */
  profileTimeline = false;

  constructor(readonly name: string, readonly description: string, readonly kernelName: string) {}

  unavailable(): string | null {
    if (process.arch !== 'x64' && process.arch !== 'arm64') return `kvm-linux runs on x86-64 or arm64 hosts, this is ${process.arch}`;
    if (!findQemu()) return 'qemu-system-aarch64 not found: install the Debian package qemu-system-arm (bash scripts/setup.sh)';
    const k = findKernel(this.kernelName);
    if (typeof k === 'string') return k;
    if (!existsSync(VMM_BINARY)) return `the VMM is not built (${VMM_BINARY}): run bash targets/kvm-linux/setup.sh`;
    if (!existsSync(AGENT_ELF)) return `the guest agent is not built (${AGENT_ELF}): run targets/qemu/build-agent.sh`;
    return null;
  }

  kernel(): KernelBuild | null {
    const k = findKernel(this.kernelName);
    return typeof k === 'string' ? null : k;
  }

  unsupportedReason(op: PrimitiveOp, config: ResolvedConfig): string | null {
    return kvmLinuxUnsupportedReason(op, config);
  }

  supports(op: PrimitiveOp, config: ResolvedConfig): boolean {
    return this.unsupportedReason(op, config) === null;
  }

  scenarioUnsupportedReason(s: ExpandedScenario): string | null {
    return kvmLinuxScenarioReason(s);
  }

  /** The machine with this host GIC, booted on first use and again after a crash or a hang. */
  private async getMachine(gic: HostGic): Promise<NestedMachine> {
    const booted = this.machines.get(gic);
    if (booted) {
      const m = await booted.catch(() => null);
      if (m && !m.dead) return m;
    }
    const k = findKernel(this.kernelName);
    if (typeof k === 'string') throw new Error(k);
    this.boots++;
    const booting = NestedMachine.boot(k, findQemu()!, undefined, gic);
    this.machines.set(gic, booting);
    const m = await booting;
    this.lastBootMs = m.bootMs;
    return m;
  }

  /** CPU time (ms) the booted machines have used so far, null where it cannot be read. */
  async machinesCpuMs(): Promise<number | null> {
    let total: number | null = null;
    for (const booting of this.machines.values()) {
      const ms = (await booting.catch(() => null))?.cpuMs() ?? null;
      if (ms !== null) total = (total ?? 0) + ms;
    }
    return total;
  }

  /** Boot now (for measurements and the smoke test); resolves with the machine's hello. */
  async warmUp(gic: HostGic = 'v3'): Promise<{ bootMs: number; hello: Record<string, string> }> {
    const m = await this.getMachine(gic);
    return { bootMs: m.bootMs, hello: m.hello };
  }

  /** Stop the machines (tests); the next run boots new ones. */
  shutdown(): void {
    for (const booting of this.machines.values()) void booting.then((m) => m.kill(), () => undefined);
    this.machines.clear();
  }

  runWhole(s: ExpandedScenario, options?: WholeRunOptions): Promise<Trace> {
    // one scenario at a time per machine
    const run = this.queue.then(() => this.runNow(s, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runNow(s: ExpandedScenario, options?: WholeRunOptions): Promise<Trace> {
    const base = { format: 'gicdiff/trace@1' as const, scenario: s.name, target: this.name };
    const missing = this.unavailable();
    if (missing) return { ...base, results: [], status: 'target-error', error: { opIndex: 0, message: `${this.name} target unavailable: ${missing}` } };
    const why = kvmLinuxScenarioReason(s);
    if (why) {
      const at = Math.max(0, s.ops.findIndex((op) => this.unsupportedReason(op, s.config) !== null));
      return { ...base, results: [], status: 'unsupported', error: { opIndex: at, message: why } };
    }
    const kernel = this.kernel()!;
    const environment = { kernel: kernel.release, kernelPackage: kernel.package };
    const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const table = new HostOpTable();
    let request: Uint8Array;
    try {
      const ops = encodeOps(s, {
        kvmSync: true, creadrPolls: KVM_CREADR_POLLS, timeline: this.profileTimeline ? TIMELINE_BASE : undefined,
        vmm: { console: CONSOLE_BASE, doorbell: DOORBELL_ADDR, hostIndex: (op) => table.add(op) },
      });
      request = runRequest(s, ops, table.bytes(), timeoutMs, this.testHookNextRun ?? undefined);
      this.testHookNextRun = null;
    } catch (e) {
      return { ...base, environment, results: [], status: 'target-error', error: { opIndex: 0, message: (e as Error).message } };
    }
    let machine: NestedMachine;
    try {
      machine = await this.getMachine(hostGicFor(s.config));
    } catch (e) {
      return { ...base, environment, results: [], status: 'target-error', error: { opIndex: 0, message: `the nested machine did not boot: ${(e as Error).message}` } };
    }
    const started = Date.now();
    const reply = await machine.run(request, timeoutMs + HANG_MARGIN_MS);
    const hostMs = Date.now() - started;
    const hostGic = machine.gic === 'v4' ? `QEMU TCG gic-version=4, KVM: ${machine.hello['gicv4'] ?? '?'}` : 'QEMU TCG gic-version=3';
    return traceOf(base, s, reply, { ...environment, vmmApi: machine.hello['api'] ?? '?', hostGic }, hostMs);
  }
}

export function traceOf(base: Pick<Trace, 'format' | 'scenario' | 'target'>, s: ExpandedScenario, reply: RunReply | LostRun,
  environment: Record<string, string>, hostMs: number): Trace {
  const lastOp = Math.max(0, s.ops.length - 1);
  if ('lost' in reply) {
    if (reply.kernelSplat) {
      // the kernel's trouble is why the run was lost, most likely: the finding is the splat
      return {
        ...base, environment, results: [], status: 'target-error', kernelSplat: reply.kernelSplat,
        error: { opIndex: 0, message: `${splatMessage(reply.kernelSplat)}; the run was lost: ${reply.lost.split('\n')[0]}` },
      };
    }
    const hung = /gave no result/.test(reply.lost);
    return { ...base, environment, results: [], status: hung ? 'step-budget' : 'target-error', error: { opIndex: 0, message: reply.lost } };
  }
  const parser = new AgentOutputParser(s.ops.length);
  parser.push(reply.text);
  const out = parser.finish();
  const counters = {
    hostMs, vmmMs: reply.vmmMs, exitsToVmm: reply.exits, guestExits: reply.guestExits,
    vmCreateMs: reply.createUs / 1000, vmRunMs: reply.runUs / 1000, previousVmDestroyMs: reply.destroyUs / 1000,
    ...reply.stats,
  };
  const at = out.error?.opIndex ?? out.results.length;
  if (reply.kernelSplat) {
    // every result the run gave is kept (the oracle still checks them); the splat is the finding
    return {
      ...base, environment, counters, results: out.results.slice(0, at), status: 'target-error', kernelSplat: reply.kernelSplat,
      error: { opIndex: Math.min(at, lastOp), message: splatMessage(reply.kernelSplat) },
    };
  }
  if (out.error) return { ...base, environment, counters, results: out.results.slice(0, out.error.opIndex), status: 'target-error', error: out.error };
  if (reply.status === RUN_TIMEOUT) {
    return { ...base, environment, counters, results: out.results, status: 'step-budget', error: { opIndex: out.results.length, message: `no result for op ${out.results.length} within the time budget (${reply.vmmMs} ms)` } };
  }
  if (reply.status !== RUN_OK || !out.done) {
    return { ...base, environment, counters, results: out.results, status: 'target-error', error: { opIndex: out.results.length, message: 'the guest agent stopped before its last op' } };
  }
  return { ...base, environment, counters, results: out.results, status: 'complete' };
}

export const kvmLinuxTarget = new KvmLinuxTarget(
  'kvm-linux',
  "The real Linux KVM vGIC and vITS (Debian's arm64 6.12 kernel, nested under QEMU TCG with virtualization=on): guest ops by the guest agent, host ops by our VMM's ioctls",
  '6.12',
);

export const kvmLinux61Target = new KvmLinuxTarget(
  'kvm-linux-6.1',
  "The same on Debian 12's arm64 6.1 kernel",
  '6.1',
);
