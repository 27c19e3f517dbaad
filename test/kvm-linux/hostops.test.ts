// The host-op table our VMM reads (targets/kvm-linux/hostops.ts, vmm/vmm.h): the KVM API's
// encodings, checked against values worked out by hand from api.rst and arm-vgic-v3.rst.
import { HostOpTable, deviceAttrValue, irqLineField, HOST_DEVICE_ATTR, HOST_IRQ_LINE, HOST_UNPARK } from '../../targets/kvm-linux/hostops.js';
import { encodeOps, decodeOps } from '../../targets/qemu/encoding.js';
import { OP_HOST, REC_FLAG_SILENT, REC_FLAG_QUIET } from '../../targets/qemu/protocol.js';
import { resolveConfig, type ExpandedScenario, type PrimitiveOp } from '../../spec/scenario.js';
import { kvmLinuxUnsupportedReason } from '../../targets/kvm-linux/target.js';

describe('KVM_IRQ_LINE irq field (api.rst: vcpu2_index 31:28, irq_type 27:24, vcpu_index 23:16, irq_id 15:0)', () => {
  test('an SPI: type 1, INTID in irq_id', () => {
    expect(irqLineField('spi', 0, 40)).toBe(0x0100_0028);
  });
  test('a PPI of vCPU 3: type 2, vcpu_index 3', () => {
    expect(irqLineField('ppi', 3, 23)).toBe(0x0203_0017);
  });
  test('vCPU 300 uses vcpu2_index for bits 11:8 of the index', () => {
    expect(irqLineField('cpu', 300, 0)).toBe(0x1000_0000 | (300 & 0xff) << 16);
  });
});

describe('device attributes (arm-vgic-v3.rst)', () => {
  const attr = (group: string, a: unknown): bigint | string =>
    deviceAttrValue({ op: 'kvm.device_attr', device: 'vgic', group, attr: a, access: 'get' } as never);
  test('REDIST_REGS carries the MPIDR affinity in bits 63:32 (vCPU 17: Aff1 1, Aff0 1)', () => {
    expect(attr('REDIST_REGS', { offset: 0x10100, vcpu: 17 })).toBe((0x101n << 32n) | 0x10100n);
  });
  test('CPU_SYSREGS: ICC_PMR_EL1 is op0 3, op1 0, CRn 4, CRm 6, op2 0', () => {
    expect(attr('CPU_SYSREGS', { sysreg: 'ICC_PMR_EL1', vcpu: 0 })).toBe(BigInt((3 << 14) | (4 << 7) | (6 << 3)));
  });
  test('LEVEL_INFO: info 0, vINTID in bits 9:0', () => {
    expect(attr('LEVEL_INFO', { intid: 64, vcpu: 1 })).toBe((1n << 32n) | 64n);
  });
  test('CTRL names and DIST_REGS ignore no vCPU', () => {
    expect(attr('CTRL', 'SAVE_PENDING_TABLES')).toBe(3n);
    expect(attr('DIST_REGS', { offset: 0x100, vcpu: 5 })).toBe(0x100n);
    expect(typeof attr('CPU_SYSREGS', { sysreg: 'NOT_A_REG' })).toBe('string');
    // generated scenarios give CTRL an {offset} now and then: the kernel gets that number
    expect(attr('CTRL', { offset: 65520 })).toBe(65520n);
  });
  test('the table record: kind, seven words, a 4-byte value for DIST_REGS', () => {
    const t = new HostOpTable();
    t.add({ op: 'kvm.device_attr', device: 'vgic', group: 'DIST_REGS', attr: { offset: 4 }, access: 'set', value: '0x12' } as PrimitiveOp);
    const v = new DataView(t.bytes().buffer);
    expect([v.getUint32(0, true), v.getUint32(4, true)]).toEqual([HOST_DEVICE_ATTR, 7]);
    const words = [...Array(7).keys()].map((i) => v.getBigUint64(8 + 8 * i, true));
    expect(words).toEqual([0n, 0n, 1n, 4n, 1n, 0x12n, 4n]);
  });
});

function scenario(ops: PrimitiveOp[], vcpus = 2): ExpandedScenario {
  return { name: 't', config: { ...resolveConfig({ vcpus }) }, ops, origin: ops.map((_, i) => i) };
}

describe('host records in the ops buffer', () => {
  test('a host op becomes a doorbell record; a guest op on a put vCPU is preceded by a silent unpark run elsewhere', () => {
    const t = new HostOpTable();
    const s = scenario([
      { op: 'kvm.irq_line', type: 'spi', intid: 40, level: 1 },
      { op: 'vcpu.put', cpu: 1 },
      { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' },
    ]);
    const d = decodeOps(encodeOps(s, { vmm: { console: 0xbe80_0000, doorbell: 0x0a00_0000, hostIndex: (op) => t.add(op) } }));
    expect(d.consoleAddr).toBe(0xbe80_0000n);
    expect(d.nops).toBe(4); // three ops and one silent record
    expect(d.records.map((r) => [r.kind, r.cpu, r.flags])).toEqual([
      [OP_HOST, 0, 0], // irq_line, run by vCPU 0
      [OP_HOST, 0, REC_FLAG_QUIET], // vcpu.put 1, run by vCPU 0 (quiet: no wake-up checks after it)
      [OP_HOST, 0, REC_FLAG_SILENT], // unpark 1, by vCPU 0
      [3, 1, 0], // the MRS on vCPU 1
    ]);
    expect(d.records.slice(0, 3).map((r) => Number(r.a))).toEqual([0, 1, 2]);
    const v = new DataView(t.bytes().buffer);
    expect(v.getUint32(0, true)).toBe(HOST_IRQ_LINE);
    expect(v.getBigUint64(8, true)).toBe(0x0100_0028n);
    // third record: after irq_line (8 + 16 bytes) and put (8 + 8)
    expect(v.getUint32(40, true)).toBe(HOST_UNPARK);
  });

  test('a vCPU put while it is the only one running is not parked (it is the one at the doorbell)', () => {
    const t = new HostOpTable();
    const d = decodeOps(encodeOps(scenario([{ op: 'vcpu.put', cpu: 0 }, { op: 'wfi', cpu: 0 }], 1),
      { vmm: { console: 1, doorbell: 2, hostIndex: (op) => t.add(op) } }));
    expect(d.nops).toBe(2);
  });

  test('what the VMM cannot express is unsupported, naming the op', () => {
    const c = resolveConfig({});
    expect(kvmLinuxUnsupportedReason({ op: 'timer.line', cpu: 0, level: 1 }, c)).toMatch(/^timer\.line/);
    expect(kvmLinuxUnsupportedReason({ op: 'device.fire', hostIrq: 1 }, c)).toMatch(/^device\.fire/);
    expect(kvmLinuxUnsupportedReason({ op: 'kvm.irq_line', type: 'spi', intid: 40, level: 1 }, c)).toBeNull();
    expect(kvmLinuxUnsupportedReason({ op: 'wfi', cpu: 0 }, resolveConfig({ impl: { gicv4: '4.1' } }))).toMatch(/gicv4 = "4.1"/);
  });
});
