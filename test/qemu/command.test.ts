// The command lines of the qemu (TCG) and kvm-hw targets.
import { DEFAULT_CONFIG } from '../../spec/scenario.js';
import { qemuArgs } from '../../targets/qemu/command.js';
import { kvmHwTarget, qemuTarget } from '../../targets/qemu/target.js';

const base = { qemu: 'qemu-system-aarch64', agentElf: '/a/agent.elf', opsFile: '/t/ops.bin' };

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

test('TCG: virt with GICv3, ITS from the config, vCPUs, RAM for the agent', () => {
  const a = qemuArgs({ ...base, accel: 'tcg', config: { ...DEFAULT_CONFIG, vcpus: 3, its: 1 } });
  expect(opt(a, '-M')).toBe('virt,gic-version=3,its=on');
  expect(opt(a, '-accel')).toBe('tcg,thread=single');
  expect(opt(a, '-cpu')).toBe('max');
  expect(opt(a, '-smp')).toBe('3');
  expect(opt(a, '-m')).toBe('2048M');
  expect(opt(a, '-kernel')).toBe('/a/agent.elf');
  expect(opt(a, '-device')).toBe('loader,file=/t/ops.bin,addr=0xbf000000,force-raw=on');
  expect(a).not.toContain('virtualization=on');
  const el2 = qemuArgs({ ...base, accel: 'tcg', config: DEFAULT_CONFIG, enterAtEl2: true });
  expect(opt(el2, '-M')).toBe('virt,gic-version=3,its=on,virtualization=on');
});

test('kvm-hw: the same board under KVM with the host CPU; no ITS when the config has none', () => {
  const a = qemuArgs({ ...base, accel: 'kvm', config: { ...DEFAULT_CONFIG, vcpus: 8, its: 0 } });
  expect(opt(a, '-M')).toBe('virt,gic-version=3,its=off');
  expect(opt(a, '-accel')).toBe('kvm');
  expect(opt(a, '-cpu')).toBe('host');
  expect(opt(a, '-smp')).toBe('8');
});

test('targets are external and say why they cannot run', () => {
  expect(qemuTarget.kind).toBe('external');
  expect(kvmHwTarget.kind).toBe('external');
  if (process.arch !== 'arm64') expect(kvmHwTarget.unavailable()).toMatch(/arm64 host/);
});

test('kvm-hw on a machine without KVM returns a target-error trace, not a crash', async () => {
  if (kvmHwTarget.unavailable() === null) return; // a real arm64 KVM host: covered by qemu-run tests
  const t = await kvmHwTarget.runWhole({ name: 'x', config: DEFAULT_CONFIG, ops: [{ op: 'wfi', cpu: 0 }], origin: [0] });
  expect(t.status).toBe('target-error');
  expect(t.error?.message).toMatch(/kvm-hw target unavailable/);
});
