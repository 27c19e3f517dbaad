// ITS table save/restore, ABI revision 0. Known answers are computed by hand from the entry layouts
// of Documentation/virt/kvm/devices/arm-vgic-its.rst (DTE: [63] V, [62:49] next, [48:5] ITT_addr[51:8], [4:0] bits-1; CTE: [63] V,
// [47:16] vCPU id, [15:0] ICID; ITE: [63:48] next, [47:16] pINTID, [15:0] ICID) and its save order.
import fc from 'fast-check';
import { GuestMemory } from '../../impl/hw/guest-memory.js';
import { bootCollectionTable, bootDeviceTable, bootPendBase, itsTranslater, BOOT_PROPBASE, BOOT_LPI_ID_BITS } from '../../spec/layout.js';
import { type TestVm, R, bootLpis, enc, itsCmd, makeVm, setProp } from './its-helpers.js';

const DT = bootDeviceTable(0);
const CT = bootCollectionTable(0);
const ITT4 = 0x4100_0000;
const ITT2 = 0x4100_1000;
const V = 1n << 63n;

const ctrl = (vm: TestVm, attr: string): number => vm.its.deviceAttr(0, 'CTRL', attr, 'set', undefined).errno;
const msi = (vm: TestVm, dev: number, ev: number): number => vm.its.injectMsi(itsTranslater(0), ev, dev, 1);

/** Devices 4 (5 bits) and 2 (2 bits); collections 2 -> vCPU 0, 0 -> vCPU 1, 7 unmapped (placeholder). */
function populated(): TestVm {
  const vm = makeVm();
  bootLpis(vm);
  for (const i of [8197, 8198, 8199, 8200]) setProp(vm, i, 0xa1);
  itsCmd(vm, 0, [
    enc.mapd(4, 4, ITT4, true), enc.mapd(2, 1, ITT2, true),
    enc.mapc(2, 0, true), enc.mapc(0, 1, true),
    enc.mapti(4, 9, 8197, 2), enc.mapti(4, 1, 8198, 0), enc.mapti(4, 20, 8199, 7), enc.mapti(2, 3, 8200, 0),
  ]);
  return vm;
}

describe('ITS_SAVE_TABLES: exact bytes', () => {
  test('device table by DeviceID with next deltas, ITTs by EventID, collections back to back + terminator', () => {
    const vm = populated();
    vm.mem.writeU64(CT + 3 * 8, 0xffffn); // where the terminator goes
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(0);
    // DTE(2): V | next 2 << 49 | (0x41001000 >> 8) << 5 | 1
    expect(vm.mem.readU64(DT + 2 * 8)).toBe(0x8004_0000_0820_0201n);
    // DTE(4): V | next 0 | (0x41000000 >> 8) << 5 | 4
    expect(vm.mem.readU64(DT + 4 * 8)).toBe(0x8000_0000_0820_0004n);
    expect(vm.mem.readU64(DT + 3 * 8)).toBe(0n);
    // ITT(4): ev1 -> next 8, 8198 (0x2006), ICID 0; ev9 -> next 11, 8197, ICID 2; ev20 -> last, 8199, ICID 7
    expect(vm.mem.readU64(ITT4 + 1 * 8)).toBe(0x0008_0000_2006_0000n);
    expect(vm.mem.readU64(ITT4 + 9 * 8)).toBe(0x000b_0000_2005_0002n);
    expect(vm.mem.readU64(ITT4 + 20 * 8)).toBe(0x0000_0000_2007_0007n);
    // ITT(2): ev3 -> last, 8200 (0x2008), ICID 0
    expect(vm.mem.readU64(ITT2 + 3 * 8)).toBe(0x0000_0000_2008_0000n);
    // collections in creation order: 2 -> vCPU 0, 0 -> vCPU 1, 7 unmapped (0xFFFFFFFF), terminator
    expect(vm.mem.readU64(CT)).toBe(0x8000_0000_0000_0002n);
    expect(vm.mem.readU64(CT + 8)).toBe(0x8000_0000_0001_0000n);
    expect(vm.mem.readU64(CT + 16)).toBe(0x8000_ffff_ffff_0007n);
    expect(vm.mem.readU64(CT + 24)).toBe(0n);
  });

  test('an ITE detached by MAPC V=0 is saved as 0 and skipped by the next chain (impl/DIVERGENCES.md)', () => {
    const vm = makeVm();
    bootLpis(vm);
    itsCmd(vm, 0, [enc.mapd(4, 4, ITT4, true), enc.mapc(2, 0, true), enc.mapc(0, 1, true),
      enc.mapti(4, 1, 8192, 2), enc.mapti(4, 5, 8193, 0), enc.mapti(4, 9, 8194, 2), enc.mapc(0, 0, false)]);
    vm.mem.writeU64(ITT4 + 5 * 8, 0x1234n);
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(0);
    expect(vm.mem.readU64(ITT4 + 1 * 8)).toBe(0x0008_0000_2000_0002n); // next: 9 - 1
    expect(vm.mem.readU64(ITT4 + 5 * 8)).toBe(0n);
    expect(vm.mem.readU64(ITT4 + 9 * 8)).toBe(0x0000_0000_2002_0002n);
    expect(vm.mem.readU64(CT)).toBe(0x8000_0000_0000_0002n);
    expect(vm.mem.readU64(CT + 8)).toBe(0n);
  });

  test('DTE next is capped at 2^14 - 1', () => {
    const vm = makeVm();
    bootLpis(vm);
    itsCmd(vm, 0, [enc.mapd(1, 0, ITT4, true), enc.mapd(0x5000, 0, ITT2, true)]);
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(0);
    expect(vm.mem.readU64(DT + 8)).toBe(V | (0x3fffn << 49n) | (0x410000n << 5n));
    expect(vm.mem.readU64(DT + 0x5000 * 8)).toBe(V | (0x410010n << 5n));
  });

  test('a full collection table gets no terminator', () => {
    const vm = makeVm({ vcpus: 2 });
    bootLpis(vm, { enableIts: false });
    vm.its.mmioWrite(0, R.BASER1, 64, V | 0x41200000n); // one 64 KiB page = 8192 entries
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    const cmds = Array.from({ length: 8192 }, (_, i) => enc.mapc(i, i & 1, true));
    for (let i = 0; i < cmds.length; i += 2000) itsCmd(vm, 0, cmds.slice(i, i + 2000));
    vm.mem.writeU64(0x41210000, 0x77n);
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(0);
    expect(vm.mem.readU64(0x41200000 + 8191 * 8)).toBe(V | (1n << 16n) | 8191n);
    expect(vm.mem.readU64(0x41210000)).toBe(0x77n);
  });

  test('save errors: a vLPI without GICv4.1 (-EACCES); a device whose slot left the table (-EINVAL)', () => {
    const vm = populated();
    vm.dist.lpis.get(8200)!.hw = true;
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(-13);
    vm.dist.lpis.get(8200)!.hw = false;
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    // a new, smaller device table base: device 4's slot now lies outside RAM
    vm.its.mmioWrite(0, R.BASER0, 64, V | 0x7fff0000n);
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(-22);
  });

  test('tables whose BASER is not Valid are skipped', () => {
    const vm = populated();
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    const b1 = vm.its.mmioRead(0, R.BASER1, 64);
    vm.its.mmioWrite(0, R.BASER1, 64, b1 & ~V);
    expect(ctrl(vm, 'ITS_SAVE_TABLES')).toBe(0);
    expect(vm.mem.readU64(CT)).toBe(0n);
  });
});

/** A fresh VM of the same shape with the source's RAM, restored in the documented order (1.13). */
function restoreInto(src: TestVm, opts: { tamper?: (mem: GuestMemory) => void } = {}): { vm: TestVm; errno: number } {
  const vm = makeVm();
  const mem = src.mem.clone();
  opts.tamper?.(mem);
  (vm.dist as { mem: GuestMemory }).mem = mem;
  vm.mem = mem;
  vm.dist.propbaser = BigInt(BOOT_PROPBASE) | BigInt(BOOT_LPI_ID_BITS);
  for (const v of vm.dist.vcpus) {
    v.pendbaser = BigInt(bootPendBase(v.vcpuId));
    v.lpisEnabled = true;
  }
  const get = (off: number): bigint => src.its.deviceAttr(0, 'ITS_REGS', { offset: off }, 'get', undefined).value!;
  const set = (off: number, v: bigint): number => vm.its.deviceAttr(0, 'ITS_REGS', { offset: off }, 'set', v).errno;
  expect(set(R.CBASER, get(R.CBASER))).toBe(0);
  for (const off of [R.CWRITER, R.CREADR, R.BASER0, R.BASER1, R.IIDR]) expect(set(off, get(off))).toBe(0);
  const errno = ctrl(vm, 'ITS_RESTORE_TABLES');
  set(R.CTLR, get(R.CTLR));
  return { vm, errno };
}

function summary(vm: TestVm): unknown {
  const its = vm.its.its(0);
  return {
    devices: its.devices.map((d) => ({ id: d.deviceId, itt: d.ittAddr, bits: d.numEventidBits,
      ites: [...d.itt.values()].map((i) => [i.eventId, i.irq?.intid, i.collection?.collectionId]) })),
    collections: [...its.collections.values()].map((c) => [c.collectionId, c.targetAddr]),
    lpis: [...vm.dist.lpis.values()].map((i) => [i.intid, i.targetVcpu?.vcpuId ?? null, i.priority, i.enabled]).sort(),
  };
}

describe('ITS_RESTORE_TABLES', () => {
  test('save -> restore round trip: devices, ITEs, collections (unmapped ones too) and LPIs come back', () => {
    const src = populated();
    src.its.mmioWrite(0, R.CTLR, 32, 0n);
    expect(ctrl(src, 'ITS_SAVE_TABLES')).toBe(0);
    src.its.mmioWrite(0, R.CTLR, 32, 1n);
    const { vm, errno } = restoreInto(src);
    expect(errno).toBe(0);
    expect(summary(vm)).toEqual(summary(src));
    expect(vm.its.its(0).collections.get(7)?.targetAddr).toBe(0xffffffff);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000001n);
    expect(msi(vm, 4, 9)).toBe(1);
    expect(vm.dist.vcpus[0]!.apList.map((i) => i.intid)).toEqual([8197]);
    expect(msi(vm, 4, 20)).toBe(0); // unmapped collection survives as unmapped
    expect(msi(vm, 4, 10)).toBe(0);
  });

  test('restored LPIs consume their pending bits (vgic_add_lpi)', () => {
    const src = populated();
    expect(ctrl(src, 'ITS_SAVE_TABLES')).toBe(0);
    const pend = bootPendBase(1) + (8198 >> 3);
    const { vm, errno } = restoreInto(src, { tamper: (m) => m.write(pend, new Uint8Array([1 << (8198 & 7)])) });
    expect(errno).toBe(0);
    expect(vm.dist.lpis.get(8198)?.pendingLatch).toBe(true);
    expect(vm.mem.readU8(pend)).toBe(0);
  });

  test('two-level device table', () => {
    const src = makeVm();
    bootLpis(src, { enableIts: false });
    src.its.mmioWrite(0, R.BASER0, 64, V | (1n << 62n) | BigInt(DT));
    src.mem.writeU64(DT + 8, V | 0x41100000n); // L1[1]: DeviceIDs 8192..16383
    src.its.mmioWrite(0, R.CTLR, 32, 1n);
    itsCmd(src, 0, [enc.mapd(8200, 2, ITT4, true), enc.mapd(9000, 2, ITT2, true), enc.mapc(0, 3, true),
      enc.mapti(8200, 1, 8192, 0), enc.mapti(9000, 2, 8193, 0)]);
    expect(ctrl(src, 'ITS_SAVE_TABLES')).toBe(0);
    expect(src.mem.readU64(0x41100000 + 8 * 8)).toBe(V | (800n << 49n) | (0x410000n << 5n) | 2n);
    const { vm, errno } = restoreInto(src);
    expect(errno).toBe(0);
    expect(summary(vm)).toEqual(summary(src));
  });

  const cases: [string, (m: GuestMemory) => void, number][] = [
    ['CTE naming no vCPU: -EINVAL', (m) => m.writeU64(CT + 8, V | (9n << 16n) | 3n), -22],
    ['duplicate ICID: -EEXIST', (m) => m.writeU64(CT + 8, V | 2n), -17],
    ['ICID beyond the collection table: -EINVAL', (m) => m.writeU64(CT + 8, V | 9000n), -22],
    ['DTE with more than 16 EventID bits: -EINVAL', (m) => m.writeU64(DT + 4 * 8, V | (0x410000n << 5n) | 16n), -22],
    ['ITE pINTID below 8192: -EINVAL', (m) => m.writeU64(ITT4 + 20 * 8, (100n << 16n) | 7n), -22],
    ['ITE next beyond the ITT: -EINVAL', (m) => m.writeU64(ITT4 + 20 * 8, (12n << 48n) | (8199n << 16n) | 7n), -22],
    ['ITE in an ICID that was not restored: -EINVAL', (m) => m.writeU64(ITT4 + 20 * 8, (8199n << 16n) | 5n), -22],
    ['ITT outside guest RAM: -EFAULT', (m) => m.writeU64(DT + 4 * 8, V | (0x7ff000n << 5n) | 4n), -14],
  ];
  test.each(cases)('%s, and nothing stays restored', (_name, tamper, expected) => {
    const src = populated();
    expect(ctrl(src, 'ITS_SAVE_TABLES')).toBe(0);
    const { vm, errno } = restoreInto(src, { tamper });
    expect(errno).toBe(expected);
    const its = vm.its.its(0);
    expect([its.devices.length, its.collections.size, vm.dist.lpis.size]).toEqual([0, 0, 0]);
  });

  test('an invalid entry ends the collection table; invalid DTEs are stepped over one by one', () => {
    const src = populated();
    expect(ctrl(src, 'ITS_SAVE_TABLES')).toBe(0);
    const { vm, errno } = restoreInto(src, {
      tamper: (m) => {
        m.writeU64(CT + 16, 0n); // drop collection 7 and everything after it
        m.writeU64(ITT4 + 20 * 8, 0n); // its only ITE goes too (ev9's chain points at an invalid ITE: stepped over)
        m.writeU64(DT + 2 * 8, 0n); // DTE(2) invalid: the scan steps to DTE(3), DTE(4)
      },
    });
    expect(errno).toBe(0);
    const its = vm.its.its(0);
    expect([...its.collections.keys()]).toEqual([2, 0]);
    expect(its.devices.map((d) => d.deviceId)).toEqual([4]);
    expect([...its.devices[0]!.itt.keys()]).toEqual([1, 9]);
  });
});

describe('ITS_RESET', () => {
  test('BASERn.Valid cleared (other fields kept), CBASER/CREADR/CWRITER 0, disabled, everything freed', () => {
    const vm = populated();
    const b0 = vm.its.mmioRead(0, R.BASER0, 64);
    expect(ctrl(vm, 'ITS_RESET')).toBe(0);
    expect(vm.its.mmioRead(0, R.BASER0, 64)).toBe(b0 & ~V);
    expect([vm.its.mmioRead(0, R.CBASER, 64), vm.its.mmioRead(0, R.CREADR, 64), vm.its.mmioRead(0, R.CWRITER, 64)]).toEqual([0n, 0n, 0n]);
    expect(vm.its.mmioRead(0, R.CTLR, 32)).toBe(0x80000000n);
    expect(vm.its.its(0).devices.length + vm.its.its(0).collections.size + vm.dist.lpis.size).toBe(0);
    expect(ctrl(vm, 'NOPE')).toBe(-6);
  });
});

describe('save -> restore round trip on random mappings (property)', () => {
  // Expected after restore: the source state without the ITEs MAPC V=0 detached (saved as invalid).
  function expectedAfterRestore(vm: TestVm): unknown {
    const its = vm.its.its(0);
    return {
      devices: its.devices.map((d) => ({ id: d.deviceId, itt: d.ittAddr, bits: d.numEventidBits,
        ites: [...d.itt.values()].filter((i) => i.collection !== null).sort((a, b) => a.eventId - b.eventId)
          .map((i) => [i.eventId, i.irq?.intid, i.collection?.collectionId, i.irq?.targetVcpu?.vcpuId ?? null]) })),
      collections: [...its.collections.values()].map((c) => [c.collectionId, c.targetAddr]),
    };
  }

  test('devices (IDs far apart, next capped), ITTs, collections, LPI targets', () => {
    const DEVS = [0, 1, 2, 100, 0x4000, 0x5001, 0xffff];
    const dev = fc.constantFrom(...DEVS);
    const ev = fc.constantFrom(0, 1, 2, 7, 200, 0xfffe);
    const icid = fc.integer({ min: 0, max: 3 });
    const step = fc.oneof(
      fc.tuple(fc.constant('mapd' as const), dev, fc.constantFrom(0, 2, 15), fc.boolean()),
      fc.tuple(fc.constant('mapc' as const), icid, fc.integer({ min: 0, max: 3 }), fc.boolean()),
      fc.tuple(fc.constant('mapti' as const), dev, ev, icid),
      fc.tuple(fc.constant('movi' as const), dev, ev, icid),
    );
    fc.assert(fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
      const src = makeVm();
      bootLpis(src);
      let nextIntid = 8192;
      // one ITT per device, room for 16 EventID bits (ITTs that overlap would mix on restore)
      const itt = (d: number): number => 0x4100_0000 + DEVS.indexOf(d) * 0x8_0000;
      for (const s of steps) {
        if (s[0] === 'mapd') itsCmd(src, 0, [enc.mapd(s[1], s[2], itt(s[1]), s[3])]);
        else if (s[0] === 'mapc') itsCmd(src, 0, [enc.mapc(s[1], s[2], s[3])]);
        else if (s[0] === 'mapti') itsCmd(src, 0, [enc.mapti(s[1], s[2], nextIntid++, s[3])]);
        else itsCmd(src, 0, [enc.movi(s[1], s[2], s[3])]);
      }
      src.its.mmioWrite(0, R.CTLR, 32, 0n);
      expect(ctrl(src, 'ITS_SAVE_TABLES')).toBe(0);
      src.its.mmioWrite(0, R.CTLR, 32, 1n);
      const want = expectedAfterRestore(src);
      const { vm, errno } = restoreInto(src);
      expect(errno).toBe(0);
      expect(expectedAfterRestore(vm)).toEqual(want);
    }), { numRuns: 20, seed: 99 });
  });
});

describe('GuestMemory.zeroRunEnd (lets the restore scan step over never-written memory)', () => {
  // RAM from RAM_BASE, sparse 64 KiB pages: only pages written read as anything but zero
  const mem = new GuestMemory(0x100_0000);
  const base = 0x4000_0000;
  mem.write(base + 0x3_0010, Uint8Array.of(1));
  test('stops at the first written page, at the limit, or at the end of RAM', () => {
    expect(mem.zeroRunEnd(base, base + 0x10_0000)).toBe(base + 0x3_0000);
    expect(mem.zeroRunEnd(base, base + 0x2_0000)).toBe(base + 0x2_0000);
    expect(mem.zeroRunEnd(base + 0x3_0008, base + 0x10_0000)).toBe(base + 0x3_0008);
    expect(mem.zeroRunEnd(base + 0xff_0000, base + 0x200_0000)).toBe(base + 0x100_0000);
  });
  test('outside RAM nothing is skipped (the read there fails as in KVM)', () => {
    expect(mem.zeroRunEnd(base - 0x1000, base + 0x1000)).toBe(base - 0x1000);
    expect(mem.zeroRunEnd(base + 0x100_0000, base + 0x200_0000)).toBe(base + 0x100_0000);
  });
});
