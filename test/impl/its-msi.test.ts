// MSI injection (vgic_its_inject_msi) and the LPI translation cache: KVM's return values and
// ordering quirks (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI), where the cache is filled and invalidated (vgic_its_invalidate_cache), the
// redistributor-side entry points (1.10 GICR side, 1.12), and a property test of the references.
import fc from 'fast-check';
import { VgicItsTranslationCache } from '../../impl/vgic/vgic-its-cache.js';
import type { VgicIrq } from '../../impl/vgic/types.js';
import { GICD_BASE, bootPendBase, itsBase, itsTranslater } from '../../spec/layout.js';
import { type Cmd, type TestVm, R, bootLpis, enc, itsCmd, makeVm, setProp } from './its-helpers.js';

const ITT = 0x4100_0000;
const msi = (vm: TestVm, dev: number, ev: number, flags = 1, addr = itsTranslater(0)): number => vm.its.injectMsi(addr, ev, dev, flags);
const lpi = (vm: TestVm, intid: number): VgicIrq => vm.dist.lpis.get(intid)!;
const cacheSize = (vm: TestVm, n = 0): number => vm.its.its(n).cache.size;

/** device 1, collection 0 -> vCPU 1, event 3 -> LPI 8192 (enabled, priority 0xa0) */
function mapped(opts: { vcpus?: number; its?: number } = {}): TestVm {
  const vm = makeVm(opts);
  bootLpis(vm);
  setProp(vm, 8192, 0xa1);
  setProp(vm, 8193, 0xa1);
  itsCmd(vm, 0, [enc.mapd(1, 7, ITT, true), enc.mapc(0, 1, true), enc.mapc(1, 2, true), enc.mapti(1, 3, 8192, 0), enc.mapti(1, 4, 8193, 1)]);
  return vm;
}

/** Every LPI reference has an owner: ITEs (all ITSes), translation-cache entries, ap_list entries. */
function checkRefs(vm: TestVm): void {
  const owners = new Map<VgicIrq, number>();
  const add = (irq: VgicIrq | null): void => {
    if (irq) owners.set(irq, (owners.get(irq) ?? 0) + 1);
  };
  for (const its of vm.its.vm.its) {
    for (const d of its.devices) for (const ite of d.itt.values()) add(ite.irq);
    for (const irq of its.cache.irqs()) add(irq);
  }
  for (const v of vm.dist.vcpus) for (const irq of v.apList) if (irq.intid >= 8192) add(irq);
  for (const [irq, n] of owners) expect([irq.intid, irq.refcount]).toEqual([irq.intid, n]);
  for (const irq of vm.dist.lpis.values()) expect(owners.has(irq)).toBe(true);
  for (const irq of owners.keys()) expect(vm.dist.lpis.get(irq.intid)).toBe(irq);
}

describe('KVM_SIGNAL_MSI return values (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI)', () => {
  test('no vITS: -ENODEV', () => {
    expect(makeVm({ its: 0 }).its.injectMsi(itsTranslater(0), 0, 0, 1)).toBe(-19);
  });

  test('without KVM_MSI_VALID_DEVID: -EINVAL; address outside every ITS frame: -EINVAL', () => {
    const vm = mapped();
    expect(msi(vm, 1, 3, 0)).toBe(-22);
    expect(msi(vm, 1, 3, 1, GICD_BASE + 0x40)).toBe(-22);
    expect(msi(vm, 1, 3, 1, itsBase(0) + 0x20000)).toBe(-22);
  });

  test('any address inside the 128 KiB frame pair is the doorbell, not only GITS_TRANSLATER', () => {
    const vm = mapped();
    for (const off of [0, 0x40, 0xfffc, 0x1fffc]) {
      vm.its.invalidateAllCaches();
      expect(msi(vm, 1, 3, 1, itsBase(0) + off)).toBe(1);
    }
  });

  test('ITS disabled: -EBUSY; no ITE or collection unmapped: 0 (blocked); target LPIs disabled: -EBUSY; else 1', () => {
    const vm = mapped();
    expect(msi(vm, 1, 9)).toBe(0);
    expect(msi(vm, 7, 3)).toBe(0);
    itsCmd(vm, 0, [enc.mapti(1, 5, 8194, 9)]); // placeholder collection 9, never mapped
    expect(msi(vm, 1, 5)).toBe(0);
    vm.dist.vcpus[1]!.lpisEnabled = false;
    expect(msi(vm, 1, 3)).toBe(-16);
    vm.dist.vcpus[1]!.lpisEnabled = true;
    expect(msi(vm, 1, 3)).toBe(1);
    expect(lpi(vm, 8192).pendingLatch).toBe(true);
    expect(vm.dist.vcpus[1]!.apList).toContain(lpi(vm, 8192));
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    expect(msi(vm, 1, 3)).toBe(-16);
  });

  test('MSIs go to the ITS whose frame the address is in', () => {
    const vm = mapped({ its: 2 });
    bootLpis(vm);
    expect(msi(vm, 1, 3, 1, itsTranslater(1))).toBe(0);
    expect(msi(vm, 1, 3, 1, itsTranslater(0))).toBe(1);
  });
});

describe('translation cache (vgic-its.c vgic_its_check_cache, vgic_its_invalidate_cache)', () => {
  test('filled by a successful MSI and by INT, not by failed translations', () => {
    const vm = mapped();
    expect(msi(vm, 1, 9)).toBe(0);
    expect(cacheSize(vm)).toBe(0);
    expect(msi(vm, 1, 3)).toBe(1);
    expect(cacheSize(vm)).toBe(1);
    itsCmd(vm, 0, [enc.int(1, 4)]);
    expect(cacheSize(vm)).toBe(2);
  });

  test('a cached translation injects even without KVM_MSI_VALID_DEVID (fast path first)', () => {
    const vm = mapped();
    expect(msi(vm, 1, 3, 0)).toBe(-22);
    expect(msi(vm, 1, 3, 1)).toBe(1);
    lpi(vm, 8192).pendingLatch = false;
    expect(msi(vm, 1, 3, 0)).toBe(1);
    expect(lpi(vm, 8192).pendingLatch).toBe(true);
    expect(msi(vm, 1, 3, 0, itsBase(0) + 0x100)).toBe(1);
  });

  test('IDs above 0xFFFF never hit (keys would alias)', () => {
    const puts: number[] = [];
    const cache = new VgicItsTranslationCache((irq) => puts.push(irq.intid));
    const irq = { intid: 8192, refcount: 1, hw: false } as VgicIrq;
    cache.insert(1, 0, irq); // key (1 << 16) | 0
    expect(cache.lookup(0, 0x10000)).toBeNull();
    expect(cache.lookup(0x10000, 0)).toBeNull();
    expect(cache.lookup(1, 0)).toBe(irq);
    expect(irq.refcount).toBe(3); // ITE + cache entry + our lookup
    cache.insert(1, 0, irq);
    expect(puts).toEqual([8192]); // the replaced entry's reference is dropped
    cache.invalidate();
    expect(puts).toEqual([8192, 8192]);
    expect(cache.size).toBe(0);
  });

  test('a vLPI is never cached', () => {
    const cache = new VgicItsTranslationCache(() => {});
    cache.insert(1, 1, { intid: 8192, refcount: 1, hw: true } as VgicIrq);
    expect(cache.size).toBe(0);
  });

  const invalidators: [string, (vm: TestVm) => void][] = [
    ['DISCARD', (vm) => itsCmd(vm, 0, [enc.discard(1, 4)])],
    ['MOVI', (vm) => itsCmd(vm, 0, [enc.movi(1, 4, 0)])],
    ['MAPD of another device', (vm) => itsCmd(vm, 0, [enc.mapd(2, 3, ITT + 0x1000, true), enc.mapd(2, 3, ITT + 0x1000, false)])],
    ['MAPC V=0', (vm) => itsCmd(vm, 0, [enc.mapc(5, 0, true), enc.mapc(5, 0, false)])],
    ['MOVALL', (vm) => itsCmd(vm, 0, [enc.movall(3, 0)])],
    ['GITS_CTLR.Enabled = 0', (vm) => vm.its.mmioWrite(0, R.CTLR, 32, 0n)],
    ['EnableLPIs cleared on a redistributor', (vm) => vm.its.invalidateAllCaches()],
    ['BASER0.Valid = 0', (vm) => {
      vm.its.mmioWrite(0, R.CTLR, 32, 0n);
      vm.its.mmioWrite(0, R.BASER0, 64, vm.its.mmioRead(0, R.BASER0, 64) & ~(1n << 63n));
    }],
  ];
  test.each(invalidators)('invalidated by %s, and the entries\' references are dropped', (_name, act) => {
    const vm = mapped();
    expect(msi(vm, 1, 3)).toBe(1);
    act(vm);
    expect(cacheSize(vm)).toBe(0);
    checkRefs(vm);
  });

  const keepers: [string, Cmd[]][] = [
    ['MAPC retarget', [enc.mapc(0, 3, true)]],
    ['INV, INVALL, CLEAR, SYNC', [enc.inv(1, 3), enc.invall(0), enc.clear(1, 3), enc.sync(1)]],
    ['MAPTI, MAPD of a new device', [enc.mapti(1, 7, 8199, 0), enc.mapd(3, 1, ITT + 0x2000, true)]],
  ];
  test.each(keepers)('kept by %s', (_name, cmds) => {
    const vm = mapped();
    expect(msi(vm, 1, 3)).toBe(1);
    itsCmd(vm, 0, cmds);
    expect(cacheSize(vm)).toBe(1);
  });

  test('after MAPC retarget, a cached MSI reaches the new target (the target lives in the vgic_irq)', () => {
    const vm = mapped();
    expect(msi(vm, 1, 3)).toBe(1);
    vm.dist.vcpus[1]!.apList.length = 0; // as if delivered and pruned
    const irq = lpi(vm, 8192);
    irq.vcpu = null;
    irq.refcount--;
    irq.pendingLatch = false;
    itsCmd(vm, 0, [enc.mapc(0, 3, true)]);
    expect(msi(vm, 1, 3, 0)).toBe(1); // flags 0: only the cache can deliver this
    expect(vm.dist.vcpus[3]!.apList).toContain(irq);
  });

  test('resolveMsi (GICv4 set_forwarding) caches like an MSI', () => {
    const vm = mapped();
    expect(vm.its.resolveMsi(itsTranslater(0), 3, 1, 1)).toBe(lpi(vm, 8192));
    expect(cacheSize(vm)).toBe(1);
    expect(vm.its.resolveMsi(itsTranslater(0), 3, 1, 0)).toBe(-22);
    expect(vm.its.resolveMsi(itsTranslater(0), 9, 1, 1)).toBe(0x010307);
  });
});

describe('redistributor-side entry points', () => {
  test('syncLpiPendingTable reads the pending bits of LPIs targeting the vCPU and leaves memory alone (1.12)', () => {
    const vm = mapped();
    vm.dist.enabled = false; // keep everything off the ap_lists
    const bit = (v: number, i: number): void => {
      const a = bootPendBase(v) + (i >> 3);
      vm.mem.write(a, new Uint8Array([vm.mem.readU8(a) | (1 << (i & 7))]));
    };
    bit(1, 8192); // LPI 8192 targets vCPU 1
    bit(1, 8193); // LPI 8193 targets vCPU 2: not read from vCPU 1's table
    lpi(vm, 8193).pendingLatch = true;
    vm.its.syncLpiPendingTable(vm.dist.vcpus[1]!);
    expect(lpi(vm, 8192).pendingLatch).toBe(true);
    expect(lpi(vm, 8193).pendingLatch).toBe(true);
    expect(vm.mem.readU8(bootPendBase(1) + (8192 >> 3))).not.toBe(0);
    vm.its.syncLpiPendingTable(vm.dist.vcpus[2]!); // 8193's bit is clear in vCPU 2's table
    expect(lpi(vm, 8193).pendingLatch).toBe(false);
  });

  test('GICR_INVLPIR re-reads one LPI; GICR_INVALLR every LPI targeting the vCPU', () => {
    const vm = mapped();
    setProp(vm, 8192, 0x21);
    setProp(vm, 8193, 0x21);
    vm.its.invLpi(lpi(vm, 8192));
    expect([lpi(vm, 8192).priority, lpi(vm, 8193).priority]).toEqual([0x20, 0xa0]);
    vm.its.invAll(vm.dist.vcpus[1]!);
    expect(lpi(vm, 8193).priority).toBe(0xa0);
    vm.its.invAll(vm.dist.vcpus[2]!);
    expect(lpi(vm, 8193).priority).toBe(0x20);
  });
});

describe('reference counting under random command streams (property)', () => {
  // few IDs, so that mappings collide, get reused and get hit by MSIs often
  const id = fc.integer({ min: 0, max: 1 });
  const cmdArb: fc.Arbitrary<Cmd | 'msi' | 'flush'> = fc.oneof(
    { arbitrary: fc.tuple(id, id, fc.boolean()).map(([d, s, v]) => enc.mapd(d, s, ITT + d * 0x100, v)), weight: 2 },
    { arbitrary: fc.tuple(id, id, fc.boolean()).map(([c, t, v]) => enc.mapc(c, t, v)), weight: 2 },
    { arbitrary: fc.tuple(id, id, fc.integer({ min: 0, max: 2 }), id).map(([d, e, i, c]) => enc.mapti(d, e, 8192 + i, c)), weight: 3 },
    { arbitrary: fc.tuple(id, id, id).map(([d, e, c]) => enc.movi(d, e, c)), weight: 1 },
    { arbitrary: fc.tuple(id, id).map(([d, e]) => enc.discard(d, e)), weight: 1 },
    { arbitrary: fc.tuple(id, id).map(([d, e]) => enc.int(d, e)), weight: 2 },
    { arbitrary: fc.tuple(id, id).map(([d, e]) => enc.clear(d, e)), weight: 1 },
    { arbitrary: fc.tuple(id, id).map(([a, b]) => enc.movall(a, b)), weight: 1 },
    { arbitrary: fc.constant<'msi'>('msi'), weight: 4 },
    { arbitrary: fc.constant<'flush'>('flush'), weight: 1 },
  );

  test('refcount = ITEs + cache entries + ap_list entries; no orphan LPIs', () => {
    fc.assert(fc.property(fc.array(fc.tuple(cmdArb, id, id), { minLength: 20, maxLength: 60 }), (steps) => {
      const vm = makeVm();
      bootLpis(vm);
      for (let i = 0; i < 4; i++) setProp(vm, 8192 + i, 0x81);
      for (const [c, d, e] of steps) {
        if (c === 'msi') msi(vm, d, e);
        else if (c === 'flush') {
          // a vCPU takes everything (as delivery + prune would): the ap_list drops its references
          for (const v of vm.dist.vcpus) {
            for (const irq of v.apList) {
              irq.vcpu = null;
              irq.pendingLatch = false;
              if (--irq.refcount === 0) vm.dist.lpis.delete(irq.intid);
            }
            v.apList.length = 0;
          }
        } else itsCmd(vm, 0, [c]);
      }
      checkRefs(vm);
    }), { numRuns: 200, seed: 4242 });
  });
});
