// The vITS inside the whole `kvm` target: the examples that exercise the ITS, and short
// scenarios whose expected results are KVM facts (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI; vgic-its.c vgic_its_cmd_handle_*; vgic-its.c vgic_its_check_cache, vgic_its_invalidate_cache), run op by op
// through the target's session as the fuzzer runs them.
import { kvmTarget } from '../../impl/target.js';
import { expandScenario } from '../../spec/expand.js';
import { resultsEqual } from '../../spec/expect-check.js';
import type { Op, OpResult, Scenario } from '../../spec/scenario.js';
import { loadScenarioFile } from '../../spec/validate.js';
import path from 'node:path';
import { EXAMPLES_DIR } from '../examples-dir.js';

/** Run a scenario; return the results of the original ops that carry expect/expectOneOf, with what was expected. */
function run(s: Scenario): { got: OpResult; want: OpResult[]; at: number }[] {
  const x = expandScenario(s);
  const session = kvmTarget.open!(x.config);
  const out: { got: OpResult; want: OpResult[]; at: number }[] = [];
  x.ops.forEach((op, i) => {
    const got = session.step(op);
    const e = op as { expect?: OpResult; expectOneOf?: OpResult[] };
    const want = e.expectOneOf ?? (e.expect !== undefined ? [e.expect] : null);
    if (want) out.push({ got, want, at: x.origin[i]! });
  });
  return out;
}

function expectAllHold(s: Scenario): void {
  const checks = run(s);
  expect(checks.length).toBeGreaterThan(0);
  for (const c of checks) expect({ at: c.at, ok: c.want.some((w) => resultsEqual(w, c.got)), got: c.got }).toEqual({ at: c.at, ok: true, got: c.got });
}

const scenario = (name: string, ops: Op[], config: Scenario['config'] = { vcpus: 2, spis: 64, its: 1 }): Scenario =>
  ({ format: 'gicdiff/scenario@1', name, config, ops });

const MAP: Op = {
  op: 'its.cmd', its: 0, cmds: [
    { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true },
    { cmd: 'MAPC', collection: 0, target: 0, valid: true },
    { cmd: 'MAPTI', device: 1, event: 3, intid: 8192, collection: 0 },
  ],
};

/** The examples that exercise the ITS (every target must pass them), read from examples/. */
const ITS_EXAMPLES = ['its-int-basic', 'its-migrate'];

describe('examples on the kvm target', () => {
  test.each(ITS_EXAMPLES)('%s: every expectation holds', (name) => {
    expectAllHold(loadScenarioFile(path.join(EXAMPLES_DIR, `${name}.json`)));
  });
});

describe('vITS behaviour through the whole target', () => {
  test('KVM_SIGNAL_MSI: 1, then 1 again without KVM_MSI_VALID_DEVID once cached; -EINVAL for an uncached event (1.8)', () => {
    expectAllHold(scenario('msi-cache', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1a1' },
      MAP,
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPTI', device: 1, event: 4, intid: 8193, collection: 0 }] },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 3, devid: 1, flags: 0, expect: -22 },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 3, devid: 1, flags: 1, expect: 1 },
      { op: 'kvm.signal_msi', address: '0x08080000', data: 3, devid: 1, flags: 0, expect: 1 },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 4, devid: 1, flags: 0, expect: -22 },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x2000' },
      { op: 'sysreg.write', cpu: 0, reg: 'ICC_EOIR1_EL1', value: '0x2000' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x3ff' },
    ]));
  });

  test('guest writes to GITS_TRANSLATER inject nothing (1.9)', () => {
    expectAllHold(scenario('translater', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1' },
      MAP,
      { op: 'mmio.write', cpu: 0, frame: 'gits', index: 0, offset: 0x10040, width: 32, value: '0x3' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x3ff' },
      { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x0, width: 32, expect: '0x80000001' },
    ]));
  });

  test('DISCARD does not take back an LPI already queued; it is acknowledged once (choice.u45.discard-pending)', () => {
    expectAllHold(scenario('discard-pending', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1' },
      MAP,
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 1, event: 3 }, { cmd: 'DISCARD', device: 1, event: 3 }, { cmd: 'SYNC', target: 0 }] },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x2000' },
      { op: 'sysreg.write', cpu: 0, reg: 'ICC_EOIR1_EL1', value: '0x2000' },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 3, devid: 1, flags: 1, expect: 0 },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x3ff' },
    ]));
  });

  test('CLEAR of an LPI whose pending state sits in a list register: re-latched on fold, still taken (1.10 CLEAR)', () => {
    expectAllHold(scenario('clear-in-lr', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1' },
      MAP,
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 1, event: 3 }] },
      { op: 'vcpu.run', cpu: 0, pcpu: 0 }, // the LPI goes into an LR, its latch is consumed
      { op: 'its.cmd', cpu: 1, its: 0, cmds: [{ cmd: 'CLEAR', device: 1, event: 3 }, { cmd: 'SYNC', target: 0 }] },
      { op: 'vcpu.exit', cpu: 0 }, // fold: the LR is still pending, the latch is set again
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x2000' },
    ]));
  });

  test('MAPC V=0 then V=1 leaves the ITE detached; MSIs to it are blocked (choice.u41.mapc-unmap-in-use)', () => {
    expectAllHold(scenario('mapc-detach', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1' },
      MAP,
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 0, target: 0, valid: false }, { cmd: 'MAPC', collection: 0, target: 1, valid: true }] },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 3, devid: 1, flags: 1, expect: 0 },
      { op: 'mem.write', addr: '0x40100001', bytes: 'a1' },
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPTI', device: 1, event: 5, intid: 8193, collection: 0 }] },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 5, devid: 1, flags: 1, expect: 1 },
      { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1', expect: '0x2001' },
    ]));
  });

  test('one INTID behind two ITEs is one vgic_irq: the second ITE\'s collection does not retarget it (choice.u39.intid-two-ites)', () => {
    expectAllHold(scenario('shared-intid', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1' },
      MAP, // event 3 -> 8192 in collection 0 -> vCPU 0
      { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 1, target: 1, valid: true }, { cmd: 'MAPTI', device: 1, event: 5, intid: 8192, collection: 1 }] },
      { op: 'kvm.signal_msi', address: '0x08090040', data: 5, devid: 1, flags: 1, expect: 1 },
      { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1', expect: '0x3ff' },
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x2000' },
    ]));
  });

  test('ITS attributes through kvm.device_attr: save, reset, restore (1.13)', () => {
    expectAllHold(scenario('attrs', [
      { op: 'boot' },
      { op: 'mem.write', addr: '0x40100000', bytes: 'a1' },
      MAP,
      { op: 'mmio.write', cpu: 0, frame: 'gits', index: 0, offset: 0, width: 32, value: '0x0' },
      { op: 'kvm.device_attr', device: 'its', index: 0, group: 'CTRL', attr: 'ITS_SAVE_TABLES', access: 'set', expect: { errno: 0 } },
      // DTE(1): V | (0x41000000 >> 8) << 5 | 7 (8 EventID bits), little-endian
      { op: 'mem.read', addr: '0x40800008', len: 8, expect: '0700200800000080' },
      // ITE(3): pINTID 8192 (0x2000) << 16, ICID 0; CTE: V | vCPU 0 << 16 | ICID 0, then the terminator
      { op: 'mem.read', addr: '0x41000018', len: 8, expect: '0000002000000000' },
      { op: 'mem.read', addr: '0x40880000', len: 16, expect: '00000000000000800000000000000000' },
      { op: 'kvm.device_attr', device: 'its', index: 0, group: 'ITS_REGS', attr: { offset: 0x90 }, access: 'set', value: '0x20', expect: { errno: 0 } },
      { op: 'kvm.device_attr', device: 'its', index: 0, group: 'ITS_REGS', attr: { offset: 0x90 }, access: 'get', expect: { errno: 0, value: '0x20' } },
      { op: 'kvm.device_attr', device: 'its', index: 0, group: 'CTRL', attr: 'ITS_RESET', access: 'set', expect: { errno: 0 } },
      { op: 'kvm.device_attr', device: 'its', index: 0, group: 'ITS_REGS', attr: { offset: 0x90 }, access: 'get', expect: { errno: 0, value: '0x0' } },
    ]));
  });
});
