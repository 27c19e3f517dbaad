// Which ops the QEMU targets accept. Offsets from IHI 0069 GICD_* registers (GICD_TYPER 0x4, IPRIORITYR
// 0x400 + n one byte per INTID, IROUTER 0x6000 + 8n, ICFGR 0xc00 + 4n with 16 INTIDs each).
import type { PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { DEFAULT_CONFIG } from '../../spec/scenario.js';
import { opUnsupportedReason, configUnsupportedReason } from '../../targets/qemu/support.js';
import { gicdIntidsTouched } from '../../targets/qemu/registers.js';

const cfg = (c: Partial<ResolvedConfig>): ResolvedConfig => ({ ...DEFAULT_CONFIG, ...c });
const BOARD = 224; // what the board is said to have in these tests
const gicdRead = (offset: number, width: 8 | 32 | 64 = 32): PrimitiveOp => ({ op: 'mmio.read', cpu: 0, frame: 'gicd', offset, width });

test('INTIDs a Distributor access touches', () => {
  expect(gicdIntidsTouched(0x400 + 100, 1)).toEqual({ lo: 100, hi: 100 });
  expect(gicdIntidsTouched(0x400 + 100, 4)).toEqual({ lo: 100, hi: 103 });
  expect(gicdIntidsTouched(0x100 + 4, 4)).toEqual({ lo: 32, hi: 63 }); // ISENABLER1
  expect(gicdIntidsTouched(0xc00 + 8, 4)).toEqual({ lo: 32, hi: 47 }); // ICFGR2
  expect(gicdIntidsTouched(0x6000 + 8 * 40, 8)).toEqual({ lo: 40, hi: 40 }); // IROUTER40
  expect(gicdIntidsTouched(0x0, 4)).toBeNull(); // GICD_CTLR
});

test('host and scheduling ops are unsupported, guest ops are supported', () => {
  const c = cfg({ spis: BOARD });
  const host: PrimitiveOp[] = [
    { op: 'kvm.irq_line', type: 'spi', intid: 40, level: 1 }, { op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 0, flags: 1 },
    { op: 'irqfd.signal', gsi: 1 }, { op: 'vfio.forward', gsi: 1, hostIrq: 1 }, { op: 'device.fire', hostIrq: 1 },
    { op: 'timer.line', cpu: 0, level: 1 }, { op: 'migrate' }, { op: 'vcpu.run', cpu: 0, pcpu: 0 }, { op: 'vcpu.put', cpu: 0 },
  ];
  for (const op of host) expect(opUnsupportedReason(op, c, BOARD)).toMatch(/host op/);
  const guest: PrimitiveOp[] = [
    gicdRead(0), { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' }, { op: 'wfi', cpu: 0 },
    { op: 'its.cmd', its: 0, cmds: [{ cmd: 'SYNC', target: 0 }] }, { op: 'mem.read', addr: '0x41000000', len: 4 },
  ];
  for (const op of guest) expect(opUnsupportedReason(op, c, BOARD)).toBeNull();
});

test('configs QEMU virt cannot express', () => {
  expect(configUnsupportedReason(cfg({ its: 2 }))).toMatch(/one ITS/);
  expect(configUnsupportedReason(cfg({ memory: 0x8000_0000 }))).toMatch(/scenario RAM is limited/);
  expect(configUnsupportedReason(cfg({}))).toBeNull();
});

test('a different SPI count hides exactly the Distributor state that differs', () => {
  const c = cfg({ spis: 64 }); // scenario SPIs 32..95, board SPIs 32..255
  expect(opUnsupportedReason(gicdRead(0x4), c, BOARD)).toMatch(/GICD_TYPER/);
  expect(opUnsupportedReason(gicdRead(0x0, 64), c, BOARD)).toMatch(/GICD_TYPER/); // 64-bit read covering 0x4
  expect(opUnsupportedReason(gicdRead(0x400 + 95, 8), c, BOARD)).toBeNull();
  expect(opUnsupportedReason(gicdRead(0x400 + 96, 8), c, BOARD)).toMatch(/INTIDs 96-96/);
  expect(opUnsupportedReason(gicdRead(0x6000 + 8 * 200, 64), c, BOARD)).toMatch(/INTIDs 200-200/);
  expect(opUnsupportedReason(gicdRead(0x100 + 4 * 2), c, BOARD)).toBeNull(); // ISENABLER2: 64..95
  expect(opUnsupportedReason(gicdRead(0x100 + 4 * 3), c, BOARD)).toMatch(/INTIDs 96-127/);
  // more SPIs than the board: the ones above 255 exist only in the scenario
  const big = cfg({ spis: 960 });
  expect(opUnsupportedReason(gicdRead(0x400 + 255, 8), big, BOARD)).toBeNull();
  expect(opUnsupportedReason(gicdRead(0x400 + 256, 8), big, BOARD)).toMatch(/INTIDs 256-256/);
  // same count: everything runs
  expect(opUnsupportedReason(gicdRead(0x4), cfg({ spis: BOARD }), BOARD)).toBeNull();
});

test('with its: 0 the registers that reveal LPI support are unsupported (QEMU always has LPIs)', () => {
  const c = cfg({ spis: BOARD, its: 0 });
  const gicr = (offset: number, width: 32 | 64): PrimitiveOp => ({ op: 'mmio.read', cpu: 0, frame: 'gicr', index: 0, offset, width });
  expect(opUnsupportedReason(gicr(0x8, 64), c, BOARD)).toMatch(/no LPIs/); // GICR_TYPER
  expect(opUnsupportedReason(gicr(0xc, 32), c, BOARD)).toMatch(/no LPIs/); // upper half of GICR_TYPER
  expect(opUnsupportedReason(gicr(0x0, 32), c, BOARD)).toMatch(/no LPIs/); // GICR_CTLR
  expect(opUnsupportedReason(gicr(0x70, 64), c, BOARD)).toMatch(/no LPIs/); // GICR_PROPBASER
  expect(opUnsupportedReason(gicr(0x14, 32), c, BOARD)).toBeNull(); // GICR_WAKER
  expect(opUnsupportedReason(gicr(0xc0, 32), c, BOARD)).toBeNull(); // GICR_SYNCR: 0 either way
  expect(opUnsupportedReason(gicdRead(0x4), c, BOARD)).toMatch(/no LPIs/);
  // with an ITS they all run
  const withIts = cfg({ spis: BOARD, its: 1 });
  expect(opUnsupportedReason(gicr(0x8, 64), withIts, BOARD)).toBeNull();
  expect(opUnsupportedReason(gicdRead(0x4), withIts, BOARD)).toBeNull();
});

test('under TCG, the accesses on which QEMU\'s emulated GIC makes the guest take an exception are unsupported; with KVM they run', () => {
  const c = cfg({ spis: BOARD, vcpus: 2, its: 1 });
  const gits = (offset: number, width: 8 | 16 | 32 | 64, write = false): PrimitiveOp => (write
    ? { op: 'mmio.write', cpu: 0, frame: 'gits', offset, width, value: '0x0' }
    : { op: 'mmio.read', cpu: 0, frame: 'gits', offset, width });
  const aborts: [PrimitiveOp, RegExp][] = [
    [gits(0x8, 8), /8-bit access to the ITS control frame/],
    [gits(0x4, 16, true), /16-bit access to the ITS control frame/],
    [gits(0x10040, 32), /read of the ITS translation frame/],
    [gits(0x10040, 64, true), /64-bit write to the ITS translation frame/],
    [{ op: 'mmio.read', cpu: 0, frame: 'gicr', index: 2, offset: 0x14, width: 32 }, /redistributor 2/],
    [{ op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 3, offset: 0x100, width: 32, value: '0x1' }, /redistributor 3/],
    [{ op: 'sysreg.read', cpu: 0, reg: 'ICC_AP1R1_EL1' }, /5 preemption bits/],
    [{ op: 'sysreg.write', cpu: 1, reg: 'ICC_AP1R3_EL1', value: '0x0' }, /5 preemption bits/],
  ];
  for (const [op, why] of aborts) {
    expect(opUnsupportedReason(op, c, BOARD)).toMatch(why);
    expect(opUnsupportedReason(op, c, BOARD, 'kvm')).toBeNull();
  }
  const noIts = cfg({ spis: BOARD, its: 0 });
  expect(opUnsupportedReason({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'SYNC', target: 0 }] }, noIts, BOARD)).toMatch(/without an ITS/);
  expect(opUnsupportedReason(gits(0x0, 32), noIts, BOARD)).toMatch(/without an ITS/);
  // what QEMU takes
  for (const op of [gits(0x8, 64), gits(0x0, 32, true), gits(0x10040, 32, true), gits(0x10040, 16, true), { op: 'sysreg.read', cpu: 0, reg: 'ICC_AP1R0_EL1' } as PrimitiveOp,
    { op: 'mmio.read', cpu: 1, frame: 'gicr', index: 1, offset: 0x14, width: 32 } as PrimitiveOp]) expect(opUnsupportedReason(op, c, BOARD)).toBeNull();
});
