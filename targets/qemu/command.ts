// The QEMU command lines of the `qemu` (TCG) and `kvm-hw` (real KVM on an arm64 host) targets.
import type { ResolvedConfig } from '../../spec/scenario.js';
import { AGENT_RAM_SIZE, OPS_BASE } from './protocol.js';

export type QemuAccel = 'tcg' | 'kvm';

export interface QemuCommandInput {
  accel: QemuAccel;
  config: ResolvedConfig;
  qemu: string;
  agentElf: string;
  opsFile: string;
  /**
   * TCG only: give the board EL2 (virtualization=on), so QEMU enters the agent at EL2 and PSCI
   * goes through SMC; the agent drops to EL1 itself (start.S). Tests that entry path.
   */
  enterAtEl2?: boolean;
}

export interface PersistentQemuInput {
  accel: QemuAccel;
  config: Pick<ResolvedConfig, 'vcpus' | 'its'>;
  agentElf: string;
  /** the file that backs guest RAM (shared mapping: the host writes ops and zeroes RAM through it) */
  ramFile: string;
  /** the QMP unix socket */
  qmpSocket: string;
}

/**
 * argv of a long-lived QEMU that runs one scenario after another (pool.ts): guest RAM backed by
 * a shared file, stopped at start (-S), stopped instead of exiting when the agent powers off
 * (-no-shutdown), driven through QMP (system_reset, cont). No ops loader: the host writes the
 * ops into the RAM file before each reset.
 */
export function persistentQemuArgs(i: PersistentQemuInput): string[] {
  const { config } = i;
  const accel = i.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=single', '-cpu', 'max'];
  return [
    '-M', `virt,gic-version=3,its=${config.its > 0 ? 'on' : 'off'},memory-backend=gicdiff-ram`,
    '-object', `memory-backend-file,id=gicdiff-ram,size=${AGENT_RAM_SIZE / 0x10_0000}M,mem-path=${i.ramFile},share=on`,
    ...accel,
    '-smp', String(config.vcpus),
    '-m', `${AGENT_RAM_SIZE / 0x10_0000}M`,
    '-nodefaults', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-no-shutdown', '-S',
    '-qmp', `unix:${i.qmpSocket},server=on,wait=off`,
    '-kernel', i.agentElf,
  ];
}

/**
 * argv for one boot. The agent is the -kernel ELF: QEMU enters it at EL1 on vCPU 0 (virt without
 * virtualization=on/secure=on has no EL2/EL3; under KVM the guest starts at EL1 too), PSCI is
 * HVC, and the secondaries start powered off until the agent's PSCI CPU_ON. The ops buffer is
 * loaded raw at OPS_BASE. -m covers the scenario's RAM and the agent above it.
 */
export function qemuArgs(i: QemuCommandInput): string[] {
  const { config } = i;
  const machine = `virt,gic-version=3,its=${config.its > 0 ? 'on' : 'off'}${i.enterAtEl2 && i.accel === 'tcg' ? ',virtualization=on' : ''}`;
  const accel = i.accel === 'kvm'
    ? ['-accel', 'kvm', '-cpu', 'host']
    // one TCG thread: the agent's waiting vCPUs only spin, and round-robin keeps them cheap
    : ['-accel', 'tcg,thread=single', '-cpu', 'max'];
  return [
    '-M', machine,
    ...accel,
    '-smp', String(config.vcpus),
    '-m', `${AGENT_RAM_SIZE / 0x10_0000}M`,
    '-nodefaults', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-no-reboot',
    '-kernel', i.agentElf,
    '-device', `loader,file=${i.opsFile},addr=0x${OPS_BASE.toString(16)},force-raw=on`,
  ];
}
