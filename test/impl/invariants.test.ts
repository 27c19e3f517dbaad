// Property test: random mixes of guest accesses, injections, scheduling and WFI never make the
// kvm target throw, and the vgic's structural invariants hold after every op (include/kvm/arm_vgic.h struct vgic_irq; vgic-init.c kvm_vgic_vcpu_init,
// 1.3): an interrupt is on exactly the ap_list its `vcpu` names, never twice; on_lr only while
// its vCPU is in the guest; used LRs never exceed the LR count; LPI refcounts stay positive.
import fc from 'fast-check';
import type { PrimitiveOp } from '../../spec/scenario.js';
import type { KvmSession } from '../../impl/target.js';
import { booted } from './helpers.js';

const VCPUS = 3;
const cpu = fc.integer({ min: 0, max: VCPUS - 1 });
const hex = (n: number | bigint): string => '0x' + n.toString(16);

const opArb: fc.Arbitrary<PrimitiveOp> = fc.oneof(
  fc.record({ cpu, sgi: fc.integer({ min: 0, max: 15 }), targets: fc.integer({ min: 0, max: 7 }), irm: fc.boolean() })
    .map(({ cpu, sgi, targets, irm }) => ({ op: 'sysreg.write', cpu, reg: 'ICC_SGI1R_EL1', value: hex((BigInt(sgi) << 24n) | BigInt(targets) | (irm ? 1n << 40n : 0n)) } as PrimitiveOp)),
  cpu.map((c) => ({ op: 'sysreg.read', cpu: c, reg: 'ICC_IAR1_EL1' } as PrimitiveOp)),
  fc.record({ cpu, intid: fc.integer({ min: 0, max: 95 }) }).map(({ cpu, intid }) => ({ op: 'sysreg.write', cpu, reg: 'ICC_EOIR1_EL1', value: hex(intid) } as PrimitiveOp)),
  fc.record({ cpu, intid: fc.integer({ min: 0, max: 95 }) }).map(({ cpu, intid }) => ({ op: 'sysreg.write', cpu, reg: 'ICC_DIR_EL1', value: hex(intid) } as PrimitiveOp)),
  fc.record({ cpu, v: fc.integer({ min: 0, max: 3 }) }).map(({ cpu, v }) => ({ op: 'sysreg.write', cpu, reg: 'ICC_CTLR_EL1', value: hex(v) } as PrimitiveOp)),
  fc.record({ intid: fc.integer({ min: 32, max: 95 }), level: fc.integer({ min: 0, max: 1 }) }).map(({ intid, level }) => ({ op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid, level } as PrimitiveOp)),
  fc.record({ cpu, level: fc.constantFrom(0 as const, 1 as const) }).map(({ cpu, level }) => ({ op: 'timer.line', cpu, level } as PrimitiveOp)),
  fc.record({ cpu, reg: fc.constantFrom(0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0xc00, 0xc04), v: fc.integer({ min: 0, max: 0xffffffff }), frame: fc.constantFrom('gicd', 'gicr-sgi'), index: cpu })
    .map(({ cpu, reg, v, frame, index }) => ({ op: 'mmio.write', cpu, frame, index, offset: frame === 'gicd' ? reg + 4 : reg, width: 32, value: hex(v) } as PrimitiveOp)),
  fc.record({ cpu, off: fc.integer({ min: 0, max: 95 }), p: fc.integer({ min: 0, max: 255 }) }).map(({ cpu, off, p }) => ({ op: 'mmio.write', cpu, frame: 'gicd', offset: 0x400 + off, width: 8, value: hex(p) } as PrimitiveOp)),
  fc.record({ cpu, intid: fc.integer({ min: 32, max: 95 }), target: fc.integer({ min: 0, max: 4 }) }).map(({ cpu, intid, target }) => ({ op: 'mmio.write', cpu, frame: 'gicd', offset: 0x6000 + 8 * intid, width: 64, value: hex(target) } as PrimitiveOp)),
  fc.record({ cpu, v: fc.integer({ min: 0, max: 0x13 }) }).map(({ cpu, v }) => ({ op: 'mmio.write', cpu, frame: 'gicd', offset: 0, width: 32, value: hex(v) } as PrimitiveOp)),
  cpu.map((c) => ({ op: 'wfi', cpu: c } as PrimitiveOp)),
  fc.record({ cpu, pcpu: fc.integer({ min: 0, max: 1 }) }).map(({ cpu, pcpu }) => ({ op: 'vcpu.run', cpu, pcpu } as PrimitiveOp)),
  cpu.map((c) => ({ op: 'vcpu.exit', cpu: c } as PrimitiveOp)),
  cpu.map((c) => ({ op: 'vcpu.put', cpu: c } as PrimitiveOp)),
  fc.constant({ op: 'migrate' } as PrimitiveOp),
);

function checkInvariants(s: KvmSession): void {
  const d = s.vm.dist;
  const seen = new Set<unknown>();
  for (const v of d.vcpus) {
    for (const irq of v.apList) {
      if (irq.vcpu !== v) throw new Error(`INTID ${irq.intid} on vCPU ${v.vcpuId}'s ap_list but irq.vcpu is ${irq.vcpu?.vcpuId}`);
      if (seen.has(irq)) throw new Error(`INTID ${irq.intid} queued twice`);
      seen.add(irq);
      if (irq.intid >= 8192 && irq.refcount <= 0) throw new Error(`LPI ${irq.intid} queued without a reference`);
    }
    if (v.usedLrs > v.cpuif.nrLr) throw new Error('more used LRs than LRs');
  }
  for (const k of s.vm.vcpus) {
    const inGuest = k.inGuest;
    for (const irq of [...k.vgic.privateIrqs, ...d.spis]) {
      if (irq.vcpu && !seen.has(irq)) throw new Error(`INTID ${irq.intid} claims a vCPU but is on no ap_list`);
      if (!inGuest && irq.onLr && irq.vcpu === k.vgic) throw new Error(`INTID ${irq.intid} on an LR of a vCPU outside the guest`);
    }
  }
}

test('random op mixes keep the vgic consistent and never throw', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (ops, lrs) => {
      const s = booted({ vcpus: VCPUS, spis: 64, impl: { lrs, pcpus: 2 } });
      for (const op of ops) {
        s.step(op);
        checkInvariants(s);
      }
    }),
    { numRuns: 150, seed: 4242 },
  );
});
