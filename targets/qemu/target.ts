// The `qemu` target (QEMU's own GICv3 + ITS emulation under TCG) and the `kvm-hw` target (the
// same guest agent under real KVM on an arm64 host: the in-kernel vGIC and vITS). Both are
// external: they run a whole expanded scenario in one QEMU boot and return its trace.
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExpandedScenario, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { DEFAULT_CONFIG } from '../../spec/scenario.js';
import type { Target, Trace, WholeRunOptions } from '../../spec/target.js';
import { qemuArgs, type QemuAccel } from './command.js';
import { encodeOps } from './encoding.js';
import { AgentOutputParser } from './output.js';
import { runOnQemu } from './runner.js';
import { opUnsupportedReason } from './support.js';
import { registerOffset } from './registers.js';

export const AGENT_ELF = fileURLToPath(new URL('./agent/build/agent.elf', import.meta.url));
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * SPIs of QEMU's virt board when it cannot be asked: QEMU 7.2 reports GICD_TYPER.ITLinesNumber
 * = 7 (INTIDs 0-255, so 224 SPIs), under TCG and KVM alike (virt sets the GIC's num-irq).
 */
export const QEMU_VIRT_SPIS_FALLBACK = 224;

/** The QEMU binary: $GICDIFF_QEMU, else qemu-system-aarch64 on PATH; null when there is none. */
export function findQemu(): string | null {
  const env = process.env['GICDIFF_QEMU'];
  if (env) return existsSync(env) ? env : null;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, 'qemu-system-aarch64');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* not here */ }
  }
  return null;
}

export function kvmHostProblem(): string | null {
  if (process.arch !== 'arm64') return `this host is ${process.arch}; kvm-hw needs an arm64 host with KVM (see targets/qemu/README.md)`;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/kvm is missing or not accessible (KVM not enabled, or the user is not in the kvm group)';
  }
  return null;
}

function unavailableReason(accel: QemuAccel): string | null {
  if (accel === 'kvm') {
    const k = kvmHostProblem();
    if (k) return k;
  }
  if (!findQemu()) return 'qemu-system-aarch64 not found: install the Debian package qemu-system-arm (targets/qemu/setup-system.sh) or set GICDIFF_QEMU';
  if (!existsSync(AGENT_ELF)) {
    return `the guest agent is not built (${AGENT_ELF}): run targets/qemu/build-agent.sh (needs the Debian package gcc-aarch64-linux-gnu)`;
  }
  return null;
}

/**
 * Ask the board how many SPIs it has: one boot that reads GICD_TYPER (ITLinesNumber [4:0]:
 * INTIDs up to 32 * (N + 1) - 1, IHI 0069 GICD_TYPER). Cached; falls back to the known value.
 */
function probeBoardSpis(accel: QemuAccel): number {
  const qemu = findQemu();
  if (!qemu || unavailableReason(accel)) return QEMU_VIRT_SPIS_FALLBACK;
  const config: ResolvedConfig = { ...DEFAULT_CONFIG, vcpus: 1, its: 0 };
  const probe: ExpandedScenario = {
    name: 'probe-gicd-typer', config, origin: [0],
    ops: [{ op: 'mmio.read', cpu: 0, frame: 'gicd', offset: registerOffset('gicd', 'GICD_TYPER'), width: 32 }],
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-qemu-probe-'));
  try {
    const opsFile = path.join(dir, 'ops.bin');
    writeFileSync(opsFile, encodeOps(probe));
    const r = spawnSync(qemu, qemuArgs({ accel, config, qemu, agentElf: AGENT_ELF, opsFile }), {
      encoding: 'latin1', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const parser = new AgentOutputParser(1);
    parser.push(r.stdout ?? '');
    const out = parser.finish();
    const typer = out.done ? out.results[0] : undefined;
    if (typeof typer !== 'string') return QEMU_VIRT_SPIS_FALLBACK;
    const itLines = Number(BigInt(typer) & 0x1fn);
    return 32 * (itLines + 1) - 32;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class QemuTarget implements Target {
  readonly kind = 'external' as const;
  private boardSpis: number | undefined;

  constructor(
    readonly name: string,
    readonly description: string,
    private readonly accel: QemuAccel,
  ) {}

  /** SPIs the board has (asked once per process). */
  spis(): number {
    this.boardSpis ??= probeBoardSpis(this.accel);
    return this.boardSpis;
  }

  unavailable(): string | null {
    return unavailableReason(this.accel);
  }

  unsupportedReason(op: PrimitiveOp, config: ResolvedConfig): string | null {
    return opUnsupportedReason(op, config, this.spis(), this.accel);
  }

  supports(op: PrimitiveOp, config: ResolvedConfig): boolean {
    return this.unsupportedReason(op, config) === null;
  }

  async runWhole(s: ExpandedScenario, options?: WholeRunOptions): Promise<Trace> {
    const base = { format: 'gicdiff/trace@1' as const, scenario: s.name, target: this.name, results: [] };
    const missing = this.unavailable();
    if (missing) return { ...base, status: 'target-error', error: { opIndex: 0, message: `${this.name} target unavailable: ${missing}` } };
    for (let k = 0; k < s.ops.length; k++) {
      const why = this.unsupportedReason(s.ops[k]!, s.config);
      if (why) return { ...base, status: 'unsupported', error: { opIndex: k, message: why } };
    }
    return runOnQemu(s, {
      targetName: this.name, accel: this.accel, qemu: findQemu()!, agentElf: AGENT_ELF,
      timeoutMs: options?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // QEMU's reset differs from the VM-creation state in IMPDEF places; KVM creates VMs in it
      ...(this.accel === 'tcg' ? { creationSpis: Math.min(s.config.spis, this.spis()) } : {}),
    });
  }
}

export const qemuTarget = new QemuTarget(
  'qemu',
  "QEMU's emulated GICv3 and ITS (TCG, -M virt,gic-version=3,its=on) driven by a bare-metal guest agent; guest ops only",
  'tcg',
);

export const kvmHwTarget = new QemuTarget(
  'kvm-hw',
  'Real KVM on an arm64 host (-accel kvm -cpu host: the in-kernel vGIC and vITS) driven by the same guest agent; guest ops only',
  'kvm',
);
