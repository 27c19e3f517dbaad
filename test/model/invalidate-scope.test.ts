// Where an invalidation reaches (IHI 0069 5.3 ITS commands INV: "make the RD re-read the LPI's configuration
// byte", the RD of the ITE's collection; choice.u16.config-cache: until an invalidation at that RD completes, each
// forwarding decision may use the old or the new byte; choice.u40.mapc-retarget-pending: after MAPC moves a collection, its pending
// LPIs may stay at the old RD). Expected values from those sections, not from the model.
// Campaign finding qemu-night-3 cpuif.iar1.ack (QEMU: the old RD keeps delivering an LPI disabled and
// INV'd after its collection moved).
import type { PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import { oracleFedByModel } from './helpers.js';
import { toHex } from '../../spec/hex.js';
import { BOOT_PROPBASE, FREE_RAM } from '../../spec/layout.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 3, spis: 32, its: 1 });
const iar = (cpu: number): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
const accepts = (ops: PrimitiveOp[], probe: PrimitiveOp, r: string): boolean => oracleFedByModel(ops, CFG).observe(probe, r) === null;

// LPI 8192 enabled (0xa3: priority 0xa0, enable bit 0 = 1, IHI 0069 5.1 LPI configuration table, GICR_PROPBASER), pending at RD 1, then
// disabled in memory (0xa2)
const setup: PrimitiveOp[] = [
  ...expandBoot({ op: 'boot' }, CFG),
  { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' },
  { op: 'its.cmd', its: 0, cmds: [
    { cmd: 'MAPD', device: 1, size: 4, itt: toHex(FREE_RAM), valid: true },
    { cmd: 'MAPC', collection: 0, target: 1, valid: true },
    { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 },
    { cmd: 'INV', device: 1, event: 0 }, { cmd: 'INT', device: 1, event: 0 }, { cmd: 'SYNC', target: 1 },
  ] } as PrimitiveOp,
  { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a2' },
];

test('INV after the collection moved reaches the new RD only: the old RD, where the LPI may still be pending, may use the old byte', () => {
  const ops: PrimitiveOp[] = [...setup, { op: 'its.cmd', its: 0, cmds: [
    { cmd: 'MAPC', collection: 0, target: 2, valid: true }, { cmd: 'INV', device: 1, event: 0 }, { cmd: 'SYNC', target: 2 }, { cmd: 'SYNC', target: 1 },
  ] } as PrimitiveOp];
  expect(accepts(ops, iar(1), '0x2000')).toBe(true); // old byte still cached at RD 1 (QEMU)
  expect(accepts(ops, iar(1), '0x3ff')).toBe(true); // new byte, or the pending state moved (choice.u40.mapc-retarget-pending)
});

test('INV at the RD where the LPI is pending: the disabled byte is guaranteed (no delivery)', () => {
  const ops: PrimitiveOp[] = [...setup, { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INV', device: 1, event: 0 }, { cmd: 'SYNC', target: 1 }] } as PrimitiveOp];
  expect(accepts(ops, iar(1), '0x3ff')).toBe(true);
  expect(accepts(ops, iar(1), '0x2000')).toBe(false);
});
