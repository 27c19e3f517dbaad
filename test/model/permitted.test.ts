// Behaviours the architecture permits that the oracle must accept (the permitted-choice rules choice.u<N>.* of spec/rules.json and the
// cited sections); expected values come from Arm IHI 0069, not from the model.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import { createOracle, type Oracle } from '../../model/oracle.js';
import { ModelSession } from '../../model/target.js';
import { oracleFedByModel } from './helpers.js';
import { toHex } from '../../spec/hex.js';
import { BOOT_PENDBASE, BOOT_PROPBASE, itsTranslater } from '../../spec/layout.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 2, spis: 64, its: 1 });
const boot = (cfg = CFG): PrimitiveOp[] => expandBoot({ op: 'boot' }, cfg);

const oracleAfter = (ops: PrimitiveOp[], cfg = CFG): Oracle => oracleFedByModel(ops, cfg);
function accepts(ops: PrimitiveOp[], probe: PrimitiveOp, result: OpResult): boolean {
  return oracleAfter(ops).observe(probe, result) === null;
}

describe('PIDR2.ArchRev [7:4] is 3 or 4 (IHI 0069 GICD_PIDR2, GITS_PIDR2)', () => {
  const frames: [string, PrimitiveOp][] = [
    ['GICD_PIDR2', { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0xffe8, width: 32 }],
    ['GITS_PIDR2', { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0xffe8, width: 32 }],
  ];
  test.each(frames)('%s: the model target returns a permitted value', (_name, read) => {
    const s = new ModelSession(CFG);
    for (const op of boot()) s.step(op);
    const v = Number(BigInt(s.step(read) as string));
    expect([3, 4]).toContain((v >> 4) & 0xf);
  });
  test.each(frames)('%s: ArchRev 3 and 4 are accepted, whatever the IMPDEF low bits; 0, 2, 5 are not', (_name, read) => {
    for (const ok of ['0x3b', '0x4b', '0x38', '0x4f']) expect(accepts(boot(), read, ok)).toBe(true);
    for (const bad of ['0x0', '0x2b', '0x5b']) expect(accepts(boot(), read, bad)).toBe(false);
  });
  test.each(frames)('%s: the value read first is held (one implementation, RO register)', (_name, read) => {
    const o = oracleAfter(boot());
    expect(o.observe(read, '0x4b')).toBeNull();
    expect(o.observe(read, '0x4b')).toBeNull();
    expect(o.observe(read, '0x3b')).not.toBeNull();
  });
});

describe('choice.u9.eoir-out-of-order: EOI out of order (choice.u9.eoir-out-of-order: scoped to the APRs and the active state of the INTIDs involved)', () => {
  const sgiFrame = (offset: number, value: string, width: 8 | 32 = 32): PrimitiveOp => ({ op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset, width, value });
  const sys = (reg: string, value?: string): PrimitiveOp => (value === undefined ? { op: 'sysreg.read', cpu: 0, reg } : { op: 'sysreg.write', cpu: 0, reg, value }) as PrimitiveOp;
  // SGI 1 at 0x80 taken, then SGI 2 at 0x40 preempts it; then EOI of SGI 1 (not the most recent)
  const ops: PrimitiveOp[] = [...boot(), sgiFrame(0x401, '0x80', 8), sgiFrame(0x402, '0x40', 8), sgiFrame(0x100, '0x6'),
    sys('ICC_SGI1R_EL1', '0x1000001'), sys('ICC_IAR1_EL1'), sys('ICC_SGI1R_EL1', '0x2000001'), sys('ICC_IAR1_EL1'), sys('ICC_EOIR1_EL1', '0x1')];
  const activeRead: PrimitiveOp = { op: 'mmio.read', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x300, width: 32 };
  function accepted(rpr: string, active: string): boolean {
    const o = oracleAfter(ops);
    return o.observe(sys('ICC_RPR_EL1'), rpr) === null && o.observe(activeRead, active) === null;
  }
  test('drop and deactivate, ignore, drop only (KVM): all accepted', () => {
    expect(accepted('0x80', '0x4')).toBe(true); // highest (0x40) dropped, SGI 1 deactivated
    expect(accepted('0x40', '0x6')).toBe(true); // ignored
    expect(accepted('0x80', '0x6')).toBe(true); // dropped, nothing deactivated (KVM)
  });
  test('outside the scope stays determined: SGI 3 never became active', () => {
    expect(accepted('0x80', '0xe')).toBe(false);
  });
});

describe('choice.u39.intid-two-ites: one pINTID in two ITEs (choice.u39.intid-two-ites: UNPREDICTABLE, scope = that INTID on all RDs)', () => {
  const mapBoth: PrimitiveOp[] = [
    ...boot(),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' }, // LPI 8192 enabled, priority 0xa0
    { op: 'its.cmd', its: 0, cmds: [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 0, valid: true }, { cmd: 'MAPC', collection: 1, target: 1, valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 }, { cmd: 'MAPTI', device: 1, event: 1, intid: 8192, collection: 1 },
      { cmd: 'INVALL', collection: 0 }, { cmd: 'INVALL', collection: 1 }, { cmd: 'SYNC', target: 0 }, { cmd: 'SYNC', target: 1 },
    ] } as PrimitiveOp,
  ];
  const msi = (event: number): PrimitiveOp => ({ op: 'kvm.signal_msi', address: toHex(itsTranslater(0)), data: event, devid: 1, flags: 1 });
  const iar = (cpu: number): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
  test('an MSI through the ITE of vCPU 1 may leave the LPI pending at vCPU 0 (KVM: one state per INTID)', () => {
    const o = oracleAfter(mapBoth);
    expect(o.observe(msi(1), 1)).toBeNull();
    expect(o.observe(iar(1), '0x3ff')).toBeNull();
    expect(o.observe(iar(0), '0x2000')).toBeNull();
  });
  test('the scope is that INTID only: another LPI is not invented', () => {
    const o = oracleAfter(mapBoth);
    expect(o.observe(msi(1), 1)).toBeNull();
    expect(o.observe(iar(0), '0x2001')).not.toBeNull();
  });
});

describe('choice.u44.in-flight-until-sync: a MOVI of a pending LPI before the SYNC to the old RD (choice.u44.in-flight-until-sync; docs/oracle.md)', () => {
  const pendingAt0: PrimitiveOp[] = [
    ...boot(),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' },
    { op: 'its.cmd', its: 0, cmds: [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 0, valid: true }, { cmd: 'MAPC', collection: 1, target: 1, valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 }, { cmd: 'INV', device: 1, event: 0 },
      { cmd: 'SYNC', target: 0 }, { cmd: 'INT', device: 1, event: 0 },
    ] } as PrimitiveOp,
  ];
  const movi = (sync: boolean): PrimitiveOp => ({ op: 'its.cmd', its: 0, cmds: [{ cmd: 'MOVI', device: 1, event: 0, collection: 1 }, ...(sync ? [{ cmd: 'SYNC', target: 0 }] : [])] } as PrimitiveOp);
  const iar = (cpu: number): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
  test('before the SYNC the new RD may not have it yet, and the old RD may still take it (KVM)', () => {
    const o = oracleAfter([...pendingAt0, movi(false)]);
    expect(o.observe(iar(1), '0x3ff')).toBeNull();
    expect(o.observe(iar(0), '0x2000')).toBeNull();
  });
  test('acknowledged at most once: taken at the old RD, the new RD does not also have it', () => {
    const o = oracleAfter([...pendingAt0, movi(false)]);
    expect(o.observe(iar(0), '0x2000')).toBeNull();
    expect(o.observe(iar(1), '0x2000')).not.toBeNull();
  });
  test('after the SYNC to the old RD only the new state: the new RD has it', () => {
    const o = oracleAfter([...pendingAt0, movi(true)]);
    expect(o.observe(iar(1), '0x3ff')).not.toBeNull();
  });
});

describe('pending tables (choice.u19.ptz-nonzero, choice.u20.pending-table-access; IHI 0069 GICR_PENDBASER layout: one bit per INTID)', () => {
  const its: PrimitiveOp[] = [
    ...boot(),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3a3' }, // LPIs 8192, 8193 enabled
    { op: 'its.cmd', its: 0, cmds: [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true }, { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 }, { cmd: 'INV', device: 1, event: 0 }, { cmd: 'SYNC', target: 0 },
    ] } as PrimitiveOp,
  ];
  const map8193: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPTI', device: 1, event: 1, intid: 8193, collection: 0 }, { cmd: 'INV', device: 1, event: 1 }, { cmd: 'SYNC', target: 0 }] } as PrimitiveOp;
  const iar: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' };
  // byte 8192/8 of RD 0's pending table holds INTIDs 8192..8199; 0x02 = 8193
  const write8193: PrimitiveOp = { op: 'mem.write', addr: toHex(BOOT_PENDBASE + 1024), bytes: '02' };
  test('choice.u20.pending-table-access: a pending bit written while LPIs are enabled may make that LPI pending (KVM reads it when mapped), or not', () => {
    for (const r of ['0x2001', '0x3ff']) {
      const o = oracleAfter([...its, write8193, map8193]);
      expect(o.observe(iar, r)).toBeNull();
    }
  });
  test('choice.u20.pending-table-access: scoped to the bits written: LPI 8192 (bit not written) is not invented', () => {
    const o = oracleAfter([...its, write8193, map8193]);
    expect(o.observe(iar, '0x2000')).not.toBeNull();
  });
});

test('choice.u19.ptz-nonzero: EnableLPIs with PTZ = 1 over a non-zero pending table: the LPI whose bit is set may be pending, or not; others are not', () => {
  const cfg = resolveConfig({ vcpus: 1, spis: 32, its: 1 });
  const ops: PrimitiveOp[] = [
    ...boot(cfg).filter((op) => !(op.op === 'mmio.write' && op.frame === 'gicr' && op.offset === 0)), // LPIs left off
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE + 3), bytes: '83' }, // LPI 8195 enabled
    { op: 'mem.write', addr: toHex(BOOT_PENDBASE + 1024), bytes: '08' }, // its pending bit set
    { op: 'mmio.write', cpu: 0, frame: 'gicr', index: 0, offset: 0x78, width: 64, value: toHex(BigInt(BOOT_PENDBASE) | (1n << 62n)) }, // PTZ = 1
    { op: 'its.cmd', its: 0, cmds: [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true }, { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPTI', device: 1, event: 3, intid: 8195, collection: 0 }, { cmd: 'SYNC', target: 0 },
    ] } as PrimitiveOp,
    { op: 'mmio.write', cpu: 0, frame: 'gicr', index: 0, offset: 0, width: 32, value: '0x1' }, // EnableLPIs
    { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INV', device: 1, event: 3 }, { cmd: 'SYNC', target: 0 }] } as PrimitiveOp,
  ];
  const iar: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' };
  const after = (): Oracle => {
    const s = new ModelSession(cfg);
    const o = createOracle(cfg);
    for (const op of ops) expect(o.observe(op, s.step(op))).toBeNull();
    return o;
  };
  expect(after().observe(iar, '0x2003')).toBeNull();
  expect(after().observe(iar, '0x3ff')).toBeNull();
  expect(after().observe(iar, '0x2002')).not.toBeNull();
});

describe('choice.u47.movall-live-collections: MOVALL while collections still name the old RD, then MOVI (choice.u47.movall-live-collections)', () => {
  const ops: PrimitiveOp[] = [
    ...boot(),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' },
    { op: 'its.cmd', its: 0, cmds: [
      { cmd: 'MAPD', device: 1, size: 7, itt: '0x41000000', valid: true }, { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPC', collection: 1, target: 1, valid: true }, { cmd: 'MAPC', collection: 2, target: 0, valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 }, { cmd: 'INV', device: 1, event: 0 }, { cmd: 'SYNC', target: 0 },
      { cmd: 'INT', device: 1, event: 0 },
    ] } as PrimitiveOp,
    { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MOVALL', from: 0, to: 1 }, { cmd: 'SYNC', target: 1 }] } as PrimitiveOp,
    { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MOVI', device: 1, event: 0, collection: 2 }, { cmd: 'SYNC', target: 0 }, { cmd: 'SYNC', target: 1 }] } as PrimitiveOp,
  ];
  const iar = (cpu: number): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
  test('"they go to RD 2" as a retarget of the LPI itself: MOVI then moves its pending state back to RD 0 (KVM)', () => {
    const o = oracleAfter(ops);
    expect(o.observe(iar(1), '0x3ff')).toBeNull();
    expect(o.observe(iar(0), '0x2000')).toBeNull();
  });
  test('the CTE wins: the pending state stays at RD 1', () => {
    const o = oracleAfter(ops);
    expect(o.observe(iar(1), '0x2000')).toBeNull();
  });
  test('the LPI is taken at most once', () => {
    const o = oracleAfter(ops);
    expect(o.observe(iar(1), '0x2000')).toBeNull();
    expect(o.observe(iar(0), '0x2000')).not.toBeNull();
  });
});
