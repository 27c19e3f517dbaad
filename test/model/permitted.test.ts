// Behaviours the architecture permits that the oracle must accept (gic-arch.md section 7 and the
// cited sections); expected values come from gic-arch.md, not from the model.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import { createOracle, type Oracle } from '../../model/oracle.js';
import { ModelSession } from '../../model/target.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 2, spis: 64, its: 1 });
const boot = (cfg = CFG): PrimitiveOp[] => expandBoot({ op: 'boot' }, cfg);

/** An oracle fed `ops` with the model target's results. */
function oracleAfter(ops: PrimitiveOp[], cfg = CFG): Oracle {
  const s = new ModelSession(cfg);
  const o = createOracle(cfg);
  for (const op of ops) expect(o.observe(op, s.step(op))).toBeNull();
  return o;
}
function accepts(ops: PrimitiveOp[], probe: PrimitiveOp, result: OpResult): boolean {
  return oracleAfter(ops).observe(probe, result) === null;
}

describe('PIDR2.ArchRev [7:4] is 3 or 4 (gic-arch.md 4.1 GICD_PIDR2, 5.1 GITS_PIDR2)', () => {
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
