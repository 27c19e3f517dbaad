// A raw KVM_DEV_ARM_VGIC_GRP_CTRL attr is the uapi constant (arm-vgic-v3.rst, arm-vgic-its.rst):
// 0 is CTRL_INIT, 3 SAVE_PENDING_TABLES (vgic), 1 ITS_SAVE_TABLES (ITS). The real 6.12 kernel ran a
// raw 0 as INIT (gicdiff compare, kvm-linux); the model and the kvm target agree with it.
import { expandScenario } from '../../spec/expand.js';
import { validateScenarioJson } from '../../spec/validate.js';
import { getTarget } from '../../spec/target.js';
import { runScenario } from '../../triage/runner.js';
import '../../fuzz/targets.js';

const scenario = expandScenario(validateScenarioJson({
  format: 'gicdiff/scenario@1', name: 'ctrl-raw-attr', config: { vcpus: 1, spis: 32, its: 1 },
  ops: [
    { op: 'boot' },
    { op: 'kvm.device_attr', device: 'vgic', group: 'CTRL', attr: 0, access: 'set', expect: { errno: 0 } },
    { op: 'kvm.device_attr', device: 'vgic', group: 'CTRL', attr: 3, access: 'set', expect: { errno: 0 } },
    { op: 'kvm.device_attr', device: 'its', index: 0, group: 'CTRL', attr: 1, access: 'set', expect: { errno: 0 } },
    { op: 'kvm.device_attr', device: 'vgic', group: 'CTRL', attr: 9, access: 'set', expect: { errno: -6 } },
  ],
}, 'inline'));

test.each(['model', 'kvm'])('%s: raw CTRL attrs are the uapi constants, and the oracle accepts the trace', async (name) => {
  const out = await runScenario(getTarget(name)!, scenario);
  expect(out.expectationFailures).toEqual([]);
  expect(out.verdict?.ok).toBe(true);
});
