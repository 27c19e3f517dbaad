// Regressions from the triage of fuzz campaign findings (each names the finding it comes from).
// Expected values come from gic-arch.md / kvm-vgic.md, not from the model.
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import { createOracle, type Oracle } from '../../model/oracle.js';
import { ModelSession } from '../../model/target.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 1, spis: 32, its: 1 });
const boot = (cfg = CFG): PrimitiveOp[] => expandBoot({ op: 'boot' }, cfg);

/** An oracle fed `ops` with the model target's results. */
function oracleAfter(ops: PrimitiveOp[], cfg = CFG): Oracle {
  const s = new ModelSession(cfg);
  const o = createOracle(cfg);
  for (const op of ops) expect(o.observe(op, s.step(op))).toBeNull();
  return o;
}
const gits = (offset: number, width: 32 | 64, value: string): PrimitiveOp => ({ op: 'mmio.write', cpu: 0, frame: 'gits', index: 0, offset, width, value });

describe('U28: CWRITER beyond the queue, then migrate, then GITS_CTLR 0 -> 1 (campaign finding "ITS queue processing lost the main state")', () => {
  // boot: CBASER Size = 15 -> a 64 KiB queue (gic-arch.md 5.2: (Size + 1) * 4 KiB); 0x10000 is one past its end
  test('the oracle does not throw and accepts KVM (write ignored: kvm-vgic.md 1.10 GITS_CWRITER)', () => {
    const o = oracleAfter(boot());
    const steps: [PrimitiveOp, OpResult][] = [
      [gits(0x88, 64, '0x10000'), null],
      [{ op: 'migrate' }, { errno: [0, 0, 0] }],
      [gits(0x0, 32, '0x0'), null],
      [gits(0x0, 32, '0x1'), null],
    ];
    for (const [op, r] of steps) expect(o.observe(op, r)).toBeNull();
  });
});
