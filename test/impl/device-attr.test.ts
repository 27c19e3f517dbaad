// KVM_DEV_TYPE_ARM_VGIC_V3 device attributes (arm-vgic-v3.rst; Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI; vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; Documentation/virt/kvm/devices/arm-vgic-its.rst),
// KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES and migrate.
import type { PrimitiveOp } from '../../spec/scenario.js';
import { booted, mr, mw, rd, wr } from './helpers.js';

const attr = (f: Record<string, unknown>): PrimitiveOp => ({ op: 'kvm.device_attr', device: 'vgic', ...f } as PrimitiveOp);
const ENOENT = -2, ENXIO = -6, EBUSY = -16, EEXIST = -17, EINVAL = -22;

describe('vgic device attributes', () => {
  const s = booted({ vcpus: 2, spis: 64 });
  test.each([
    ['NR_IRQS get', { group: 'NR_IRQS', attr: 0, access: 'get' }, { errno: 0, value: '0x60' }],
    ['NR_IRQS set after init', { group: 'NR_IRQS', attr: 0, access: 'set', value: '0x40' }, { errno: EBUSY }],
    ['NR_IRQS set, not a multiple of 32', { group: 'NR_IRQS', attr: 0, access: 'set', value: '0x41' }, { errno: EINVAL }],
    ['CTRL INIT again', { group: 'CTRL', attr: 'INIT', access: 'set' }, { errno: 0 }],
    ['CTRL get', { group: 'CTRL', attr: 'INIT', access: 'get' }, { errno: ENXIO }],
    ['CTRL unknown for the vgic', { group: 'CTRL', attr: 'ITS_SAVE_TABLES', access: 'set' }, { errno: ENXIO }],
    ['ADDR DIST get', { group: 'ADDR', attr: 'DIST', access: 'get' }, { errno: 0, value: '0x8000000' }],
    ['ADDR DIST set again', { group: 'ADDR', attr: 'DIST', access: 'set', value: '0x9000000' }, { errno: EEXIST }],
    ['ADDR REDIST_REGION 0 get', { group: 'ADDR', attr: 'REDIST_REGION', access: 'get', value: '0x0' }, { errno: 0, value: '0x200000080a0000' }],
    ['ADDR REDIST_REGION 1 get', { group: 'ADDR', attr: 'REDIST_REGION', access: 'get', value: '0x1' }, { errno: ENOENT }],
    ['DIST_REGS GICD_IIDR', { group: 'DIST_REGS', attr: { offset: 8 }, access: 'get' }, { errno: 0, value: '0x4b00343b' }],
    // vgic_uaccess_read: no register at the offset reads 0 and succeeds (seen on 6.12: attr 7)
    ['DIST_REGS unknown offset', { group: 'DIST_REGS', attr: { offset: 0x20 }, access: 'get' }, { errno: 0, value: '0x0' }],
    ['DIST_REGS misaligned', { group: 'DIST_REGS', attr: { offset: 0x102 }, access: 'get' }, { errno: 0, value: '0x0' }],
    ['DIST_REGS misaligned set: ignored', { group: 'DIST_REGS', attr: { offset: 0x102 }, access: 'set', value: '0xff' }, { errno: 0 }],
    ['DIST_REGS GICD_TYPER must not change', { group: 'DIST_REGS', attr: { offset: 4 }, access: 'set', value: '0x0' }, { errno: EINVAL }],
    ['GICD_IIDR revision 4', { group: 'DIST_REGS', attr: { offset: 8 }, access: 'set', value: '0x4b00443b' }, { errno: EINVAL }],
    ['REDIST_REGS of a vCPU that does not exist', { group: 'REDIST_REGS', attr: { offset: 8, vcpu: 2 }, access: 'get' }, { errno: EINVAL }],
    ['REDIST_REGS GICR_TYPER low word of vCPU 1', { group: 'REDIST_REGS', attr: { offset: 8, vcpu: 1 }, access: 'get' }, { errno: 0, value: '0x110' }],
    ['CPU_SYSREGS ICC_PMR_EL1 (boot wrote 0xf0)', { group: 'CPU_SYSREGS', attr: { sysreg: 'ICC_PMR_EL1', vcpu: 1 }, access: 'get' }, { errno: 0, value: '0xf0' }],
    ['CPU_SYSREGS ICC_SRE_EL1', { group: 'CPU_SYSREGS', attr: { sysreg: 'ICC_SRE_EL1', vcpu: 0 }, access: 'get' }, { errno: 0, value: '0x7' }],
    ['CPU_SYSREGS AP1R1 beyond 5 priority bits', { group: 'CPU_SYSREGS', attr: { sysreg: 'ICC_AP1R1_EL1', vcpu: 0 }, access: 'get' }, { errno: EINVAL }],
    ['CPU_SYSREGS unknown register', { group: 'CPU_SYSREGS', attr: { sysreg: 'ICC_FOO_EL1', vcpu: 0 }, access: 'get' }, { errno: ENXIO }],
    ['CPU_SYSREGS ICC_CTLR_EL1 with more priority bits than the host', { group: 'CPU_SYSREGS', attr: { sysreg: 'ICC_CTLR_EL1', vcpu: 0 }, access: 'set', value: '0x8600' }, { errno: EINVAL }],
    ['raw attr: DIST_REGS offset 8 (GICD_IIDR)', { group: 'DIST_REGS', attr: 8, access: 'get' }, { errno: 0, value: '0x4b00343b' }],
    ['raw attr: DIST_REGS offset 7 (misaligned)', { group: 'DIST_REGS', attr: 7, access: 'get' }, { errno: 0, value: '0x0' }],
    ['raw attr: CPU_SYSREGS ICC_PMR_EL1 = (3,0,4,6,0)', { group: 'CPU_SYSREGS', attr: 0xc230, access: 'get' }, { errno: 0, value: '0xf0' }],
    // a raw CTRL attr is the uapi constant (KVM_DEV_ARM_VGIC_CTRL_INIT = 0): 6.12 ran it as INIT
    ['raw attr: CTRL 0 is KVM_DEV_ARM_VGIC_CTRL_INIT', { group: 'CTRL', attr: 0, access: 'set' }, { errno: 0 }],
    ['raw attr: LEVEL_INFO with an unknown info type', { group: 'LEVEL_INFO', attr: 1 << 10, access: 'get' }, { errno: EINVAL }],
    ['an ITS device that does not exist', { device: 'its', index: 3, group: 'CTRL', attr: 'ITS_SAVE_TABLES', access: 'set' }, { errno: ENXIO }],
    ['LEVEL_INFO intid not a multiple of 32', { group: 'LEVEL_INFO', attr: { intid: 33, vcpu: 0 }, access: 'get' }, { errno: EINVAL }],
  ])('%s', (_n, f, want) => {
    expect(s.step(attr(f))).toEqual(want);
  });

  test('GICD_IIDR revision 2 hides GICR_CTLR.IR and CES', () => {
    const t = booted({ vcpus: 1, its: 1 });
    expect(t.step(attr({ group: 'DIST_REGS', attr: { offset: 8 }, access: 'set', value: '0x4b00243b' }))).toEqual({ errno: 0 });
    expect(t.step(mr(0, 'gicr', 0, 32, 0))).toBe('0x1');
  });

  test('userspace reads of ISPENDR show the latch only; LEVEL_INFO shows the line', () => {
    const t = booted({ vcpus: 1 });
    t.step(mw(0, 'gicd', 0xc08, 32, 0)); // SPIs 32..47 level
    t.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 });
    expect(t.step(attr({ group: 'DIST_REGS', attr: { offset: 0x204 }, access: 'get' }))).toEqual({ errno: 0, value: '0x0' });
    expect(t.step(attr({ group: 'LEVEL_INFO', attr: { intid: 32, vcpu: 0 }, access: 'get' }))).toEqual({ errno: 0, value: '0x100' });
    expect(t.step(mr(0, 'gicd', 0x204, 32))).toBe('0x100'); // a guest sees latch | line
  });
});

describe('SAVE_PENDING_TABLES (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables)', () => {
  test('a pending LPI is written to its target pending table; the first KB is untouched', () => {
    const s = booted({ vcpus: 1, its: 1 });
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a3' });
    s.step({
      op: 'its.cmd', its: 0, cmds: [
        { cmd: 'MAPD', device: 1, size: 4, itt: '0x41000000', valid: true },
        { cmd: 'MAPC', collection: 0, target: 0, valid: true },
        { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 },
        { cmd: 'INT', device: 1, event: 0 },
      ],
    } as PrimitiveOp);
    expect(s.step(attr({ group: 'CTRL', attr: 'SAVE_PENDING_TABLES', access: 'set' }))).toEqual({ errno: 0 });
    // INTID 8192 -> byte 1024, bit 0 of vCPU 0's pending table at 0x40200000 (IHI 0069 5.1 LPI pending table, GICR_PENDBASER)
    expect(s.step({ op: 'mem.read', addr: '0x40200400', len: 1 })).toBe('01');
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x2000');
    s.step(wr(0, 'ICC_EOIR1_EL1', 0x2000));
    s.step(attr({ group: 'CTRL', attr: 'SAVE_PENDING_TABLES', access: 'set' }));
    expect(s.step({ op: 'mem.read', addr: '0x40200400', len: 1 })).toBe('00');
  });
});

describe('migrate (Documentation/virt/kvm/devices/arm-vgic-its.rst)', () => {
  test('pending, active, enabled, priority and CPU interface state survive', () => {
    const s = booted({ vcpus: 2, spis: 64, its: 1 });
    s.step(mw(0, 'gicd', 0x428, 32, 0x8040)); // SPI 40 priority 0x40, SPI 41 0x80
    s.step(mw(0, 'gicd', 0x104, 32, 0x300)); // enable SPIs 40, 41
    s.step(mw(1, 'gicr-sgi', 0x100, 32, 0x2, 1)); // enable SGI 1 on vCPU 1
    s.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 });
    s.step({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 41, level: 1 });
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x28'); // 40 active, 41 pending
    s.step(wr(0, 'ICC_SGI1R_EL1', (1n << 24n) | 2n)); // SGI 1 pending on vCPU 1
    const r = s.step({ op: 'migrate' }) as { errno: number[] };
    // [ITS_SAVE_TABLES, SAVE_PENDING_TABLES, ITS_RESTORE_TABLES] for one ITS
    expect(r.errno).toEqual([0, 0, 0]);
    expect(s.step(mr(0, 'gicd', 0x304, 32))).toBe('0x100'); // SPI 40 still active
    expect(s.step(rd(0, 'ICC_RPR_EL1'))).toBe('0x40'); // APRs carried over
    expect(s.step(rd(0, 'ICC_PMR_EL1'))).toBe('0xf0');
    s.step(wr(0, 'ICC_EOIR1_EL1', 40));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x29');
    expect(s.step(rd(1, 'ICC_IAR1_EL1'))).toBe('0x1');
  });
});
