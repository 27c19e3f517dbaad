// What the kvm-linux target can run, and on which nested machine (no machine is booted here).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario, PrimitiveOp } from '../../spec/scenario.js';
import { DEFAULT_CONFIG } from '../../spec/scenario.js';
import { hostGicFor, kvmLinuxScenarioReason } from '../../targets/kvm-linux/target.js';
import { nestedQemuArgs } from '../../targets/kvm-linux/machine.js';

const conformance = path.resolve(__dirname, '../../spec/conformance');
const load = (rel: string): ExpandedScenario => {
  const file = path.join(conformance, rel);
  return expandScenario(validateScenarioJson(JSON.parse(readFileSync(file, 'utf8')), file));
};
const scenario = (ops: PrimitiveOp[], gicv4: 'off' | '4.0' | '4.1' = 'off'): ExpandedScenario =>
  ({ name: 't', config: { ...DEFAULT_CONFIG, vcpus: 2, impl: { ...DEFAULT_CONFIG.impl, gicv4 } }, ops, origin: ops.map((_, i) => i) });

test('an op no VMM can express is named before the config: a GICv4.1 scenario with vfio.forward is unsupported for vfio.forward', () => {
  const s = load('gicv4/clear-int-4.1.json');
  expect(kvmLinuxScenarioReason(s)).toMatch(/^op 29: vfio\.forward: needs an assigned device/);
});

test('GICv4.1 without inexpressible ops: unsupported for the host GIC, which QEMU emulates as GICv4.0', () => {
  expect(kvmLinuxScenarioReason(load('gicv4/vsgi-4.1.json'))).toMatch(/^config\.impl\.gicv4 = "4\.1": .*GICv4\.0 only/);
});

test('op groups run; a group is unsupported only for an inexpressible member, which is named', () => {
  expect(kvmLinuxScenarioReason(load('races/msi-vs-discard.json'))).toBeNull();
  const s = scenario([{ op: 'wfi', cpu: 0 }, { op: 'group', ops: [{ op: 'wfi', cpu: 0 }, { op: 'timer.line', cpu: 1, level: 1 }] }]);
  expect(kvmLinuxScenarioReason(s)).toMatch(/^op 1: group member 1: timer\.line: /);
});

test('GICv4.0 configs run on the nested machine with a GICv4 (gic-version=4, kvm-arm.vgic_v4_enable=1), the others on the GICv3 one', () => {
  expect(hostGicFor(scenario([], '4.0').config)).toBe('v4');
  expect(hostGicFor(scenario([], 'off').config)).toBe('v3');
  const k = { name: '6.12', image: 'Image', initramfs: 'i.cpio', release: 'r', package: 'p' };
  const v4 = nestedQemuArgs(k, '/s', 2, 'v4').join(' ');
  expect(v4).toMatch(/-M virt,virtualization=on,gic-version=4,its=on/);
  expect(v4).toMatch(/-append \S.* kvm-arm\.vgic_v4_enable=1/);
  const v3 = nestedQemuArgs(k, '/s', 2, 'v3').join(' ');
  expect(v3).toMatch(/gic-version=3/);
  expect(v3).not.toMatch(/vgic_v4_enable/);
});
