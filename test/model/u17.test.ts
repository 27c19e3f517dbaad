// choice.u17.baser-write-lpis-on (the permitted-choice rules choice.u<N>.* of spec/rules.json): writing GICR_PROPBASER / GICR_PENDBASER while GICR_CTLR.EnableLPIs = 1 is
// UNPREDICTABLE; scope: all LPI state of that redistributor (and of all sharers, for PROPBASER).
// Expected values come from Arm IHI 0069 (choice.u17.baser-write-lpis-on; GICR_PROPBASER, GICR_PENDBASER table layouts; ICC_IAR1_EL1 for the WFI wake), not from the model.
// Campaign finding: qemu_wfi_wake-mismatch_cpuif.wfi.wake-b526b084 (QEMU, PENDBASER rewritten with
// LPIs on, no longer delivers the LPI that was pending).
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import type { Oracle } from '../../model/oracle.js';
import { oracleFedByModel } from './helpers.js';
import { toHex } from '../../spec/hex.js';
import { BOOT_PROPBASE, bootPendBase, BOOT_LPI_ID_BITS, FREE_RAM } from '../../spec/layout.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 2, spis: 32, its: 1 });
const oracleAfter = (ops: PrimitiveOp[]): Oracle => oracleFedByModel(ops, CFG);
const iar = (cpu: number): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
const gicr = (rd: number, offset: number, value: number | bigint): PrimitiveOp =>
  ({ op: 'mmio.write', cpu: rd, frame: 'gicr', index: rd, offset, width: 64, value: toHex(BigInt(value)) });
const accepts = (ops: PrimitiveOp[], probe: PrimitiveOp, r: OpResult): boolean => oracleAfter(ops).observe(probe, r) === null;

// IHI 0069 GICR_PROPBASER, GICR_PENDBASER: configuration byte at PROPBASER + (INTID - 8192): [7:2] priority, [0] enable;
// pending table: one bit per INTID, byte INTID / 8, bit INTID % 8. 0xa3 = priority 0xa0, enabled.
const NEW_PEND = FREE_RAM + 0x10_0000; // 64 KiB aligned (PENDBASER PA [51:16])
const NEW_PROP = FREE_RAM + 0x20_0000; // 4 KiB aligned (PROPBASER PA [51:12])
const PENDBASER_NEW = BigInt(NEW_PEND) | (7n << 7n); // same attributes as boot, no PTZ
const PROPBASER_NEW = BigInt(NEW_PROP) | (7n << 7n) | BigInt(BOOT_LPI_ID_BITS);

/** Booted, LPIs 8192 and 8193 enabled (0xa3), 8192 mapped to RD `rd` and made pending there by INT. */
function pending8192(rd: number): PrimitiveOp[] {
  return [
    ...expandBoot({ op: 'boot' }, CFG),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3a3' },
    { op: 'its.cmd', cpu: 0, its: 0, cmds: [
      { cmd: 'MAPD', device: 0, size: 7, itt: toHex(FREE_RAM), valid: true },
      { cmd: 'MAPC', collection: 0, target: rd, valid: true },
      { cmd: 'MAPTI', device: 0, event: 0, intid: 8192, collection: 0 },
      { cmd: 'INV', device: 0, event: 0 }, { cmd: 'SYNC', target: rd },
      { cmd: 'INT', device: 0, event: 0 }, { cmd: 'SYNC', target: rd },
    ] } as PrimitiveOp,
  ];
}

describe('choice.u17.baser-write-lpis-on: GICR_PENDBASER written while EnableLPIs = 1', () => {
  test('the LPI pending at that RD may stay pending (KVM: write ignored) or be lost (QEMU: new, empty table)', () => {
    const ops = [...pending8192(1), gicr(1, 0x78, PENDBASER_NEW)];
    expect(accepts(ops, iar(1), '0x2000')).toBe(true);
    expect(accepts(ops, iar(1), '0x3ff')).toBe(true);
    expect(accepts(ops, { op: 'wfi', cpu: 1 }, 'asleep')).toBe(true);
    expect(accepts(ops, { op: 'wfi', cpu: 1 }, 'woken')).toBe(true);
  });

  test('an LPI whose bit is set in the newly named pending table may become pending there', () => {
    // bit for 8193 in the new table: byte 8193 / 8 = 1024, bit 1
    const ops = [...pending8192(1), { op: 'mem.write', addr: toHex(NEW_PEND + 1024), bytes: '02' } as PrimitiveOp, gicr(1, 0x78, PENDBASER_NEW)];
    expect(accepts(ops, iar(1), '0x2001')).toBe(true);
    // an LPI neither pending nor set in a table is not invented
    expect(accepts(ops, iar(1), '0x2002')).toBe(false);
  });

  test('scope is that RD: another RD\'s pending LPI stays pending', () => {
    const ops = [...pending8192(0), gicr(1, 0x78, PENDBASER_NEW)];
    expect(accepts(ops, iar(0), '0x2000')).toBe(true);
    expect(accepts(ops, iar(0), '0x3ff')).toBe(false);
  });

  test('defined again by a new delivery: after INT the LPI is pending, and once acknowledged it is not pending again', () => {
    const int: PrimitiveOp = { op: 'its.cmd', cpu: 0, its: 0, cmds: [{ cmd: 'INT', device: 0, event: 0 }, { cmd: 'SYNC', target: 1 }] } as PrimitiveOp;
    const after = (): Oracle => oracleAfter([...pending8192(1), gicr(1, 0x78, PENDBASER_NEW), int]);
    expect(after().observe(iar(1), '0x3ff')).not.toBeNull();
    const o = after();
    expect(o.observe(iar(1), '0x2000')).toBeNull();
    expect(o.observe({ op: 'sysreg.write', cpu: 1, reg: 'ICC_EOIR1_EL1', value: '0x2000' }, null)).toBeNull();
    expect(o.observe(iar(1), '0x2000')).not.toBeNull();
  });

  test('the campaign finding: PENDBASER of RD 1 rewritten with LPIs on, INVALL, then WFI on vCPU 1 may stay asleep', () => {
    const ops: PrimitiveOp[] = [
      ...pending8192(1),
      gicr(1, 0x78, 0x40300007n),
      { op: 'its.cmd', cpu: 0, its: 0, cmds: [{ cmd: 'INVALL', collection: 0 }] } as PrimitiveOp,
    ];
    expect(accepts(ops, { op: 'wfi', cpu: 1 }, 'asleep')).toBe(true);
  });
});

describe('choice.u17.baser-write-lpis-on: GICR_PROPBASER written while EnableLPIs = 1 (the configuration table is shared: CommonLPIAff = 0, IHI 0069 GICR_PROPBASER, GICR_PENDBASER)', () => {
  test('a sharer RD may use the new table: its pending LPI, disabled there, may not be signalled', () => {
    // new table: 8192 disabled (byte 0), written by RD 1 while RD 0 holds 8192 pending
    const ops = [...pending8192(0), gicr(1, 0x70, PROPBASER_NEW)];
    expect(accepts(ops, iar(0), '0x3ff')).toBe(true);
    expect(accepts(ops, iar(0), '0x2000')).toBe(true);
  });

  test('the configuration may come from the new table at the RD written: priority from the new byte', () => {
    // new table: 8192 enabled with priority 0x40 (0x43)
    const ops = [...pending8192(1), { op: 'mem.write', addr: toHex(NEW_PROP), bytes: '43' } as PrimitiveOp, gicr(1, 0x70, PROPBASER_NEW)];
    const hppi: PrimitiveOp = { op: 'sysreg.read', cpu: 1, reg: 'ICC_RPR_EL1' };
    const o = oracleAfter(ops);
    expect(o.observe(iar(1), '0x2000')).toBeNull();
    // running priority = the group priority of the acknowledged LPI: old byte 0xa0 or new 0x40 (IHI 0069 chapter 4, highest priority pending interrupt)
    expect(o.observe(hppi, '0x40')).toBeNull();
  });
});
