// vITS command handlers: each check, error code and deliberate choice of KVM (vgic-its.c vgic_its_cmd_handle_*,
// the translation cache, impl/DIVERGENCES.md; IHI 0069 5.5 error codes; the choice.u<N>.* rules). Commands are encoded from IHI 0069 5.3 ITS command encodings.
import { vgicItsHandleCommand, itsCmdWordsFrom } from '../../impl/vgic/vgic-its-cmd.js';
import type { VgicIrq } from '../../impl/vgic/types.js';
import { bootPendBase, itsTranslater } from '../../spec/layout.js';
import { type Cmd, type TestVm, R, bootLpis, enc, itsCmd, makeVm, setProp } from './its-helpers.js';

const ITT = 0x4100_0000;
const run = (vm: TestVm, c: Cmd, n = 0): number => vgicItsHandleCommand(vm.its.its(n), itsCmdWordsFrom(c));
const msi = (vm: TestVm, dev: number, ev: number, n = 0): number => vm.its.injectMsi(itsTranslater(n), ev, dev, 1);
const lpi = (vm: TestVm, intid: number): VgicIrq | undefined => vm.dist.lpis.get(intid);

/** booted VM: device 1 (8 EventID bits) at ITT, collection 0 -> vCPU 1, event 3 -> LPI 8192 */
function mapped(opts: { vcpus?: number; its?: number } = {}): TestVm {
  const vm = makeVm(opts);
  bootLpis(vm);
  setProp(vm, 8192, 0xa1);
  itsCmd(vm, 0, [enc.mapd(1, 7, ITT, true), enc.mapc(0, 1, true), enc.mapti(1, 3, 8192, 0)]);
  return vm;
}

describe('MAPD', () => {
  test('DeviceID beyond the device table or above 16 bits: DEVICE_OOR', () => {
    const vm = makeVm();
    bootLpis(vm, { enableIts: false });
    // one 64 KiB page of 8-byte entries = 8192 devices
    vm.its.mmioWrite(0, R.BASER0, 64, (1n << 63n) | 0x40800000n);
    expect(run(vm, enc.mapd(8191, 3, ITT, true))).toBe(0);
    expect(run(vm, enc.mapd(8192, 3, ITT, true))).toBe(0x010801);
    expect(run(vm, enc.mapd(0x10000, 3, ITT, true))).toBe(0x010801);
  });

  test('device table entry outside guest RAM: DEVICE_OOR (choice.u33.table-memory-write)', () => {
    const vm = makeVm({ memory: 0x100_0000 });
    bootLpis(vm, { enableIts: false });
    vm.its.mmioWrite(0, R.BASER0, 64, (1n << 63n) | 0x40ff0000n | 1n); // 2 pages, the second past RAM
    expect(run(vm, enc.mapd(8191, 3, ITT, true))).toBe(0);
    expect(run(vm, enc.mapd(8192, 3, ITT, true))).toBe(0x010801);
  });

  test('two-level device table: an invalid level-1 entry means DEVICE_OOR', () => {
    const vm = makeVm();
    bootLpis(vm, { enableIts: false });
    vm.its.mmioWrite(0, R.BASER0, 64, (1n << 63n) | (1n << 62n) | 0x40800000n);
    vm.mem.writeU64(0x40800000 + 8, (1n << 63n) | 0x41100000n); // L1[1] valid: DeviceIDs 8192..16383
    expect(run(vm, enc.mapd(5, 3, ITT, true))).toBe(0x010801);
    expect(run(vm, enc.mapd(8192 + 5, 3, ITT, true))).toBe(0);
  });

  test('ITT size above 16 EventID bits: ITTSIZE_OOR only for V=1', () => {
    const vm = makeVm();
    bootLpis(vm);
    expect(run(vm, enc.mapd(1, 16, ITT, true))).toBe(0x010802);
    expect(run(vm, enc.mapd(1, 15, ITT, true))).toBe(0);
    expect(run(vm, enc.mapd(1, 31, ITT, false))).toBe(0);
  });

  test('V=0 on an unmapped device is not an error and zeroes the DTE in guest memory (choice.u36.mapd-unmap-unmapped)', () => {
    const vm = makeVm();
    bootLpis(vm);
    const dte = 0x40800000 + 7 * 8;
    vm.mem.writeU64(dte, 0xdeadbeefn);
    expect(run(vm, enc.mapd(7, 3, ITT, false))).toBe(0);
    expect(vm.mem.readU64(dte)).toBe(0n);
  });

  test('V=1 on a mapped device frees all its ITEs first (choice.u37.mapd-with-ites)', () => {
    const vm = mapped();
    expect(msi(vm, 1, 3)).toBe(1);
    expect(run(vm, enc.mapd(1, 7, ITT, true))).toBe(0);
    expect(msi(vm, 1, 3)).toBe(0);
    expect(lpi(vm, 8192)?.vcpu).toBe(vm.dist.vcpus[1]); // still queued (ap_list ref) from the first MSI
    expect(vm.its.its(0).deviceById.get(1)?.itt.size).toBe(0);
  });

  test('unmapping a device drops the LPIs nobody else references', () => {
    const vm = mapped();
    expect(lpi(vm, 8192)?.refcount).toBe(1);
    run(vm, enc.mapd(1, 7, ITT, false));
    expect(lpi(vm, 8192)).toBeUndefined();
  });
});

describe('MAPC', () => {
  test('V=1 with an RDbase that names no vCPU: PROCNUM_OOR', () => {
    const vm = makeVm({ vcpus: 2 });
    bootLpis(vm);
    expect(run(vm, enc.mapc(0, 2, true))).toBe(0x010902);
    expect(run(vm, enc.mapc(0, 1, true))).toBe(0);
  });

  test('RDbase is DW2[47:16]: a bit at 48 does not change the vCPU id', () => {
    const vm = makeVm({ vcpus: 2 });
    bootLpis(vm);
    const c = enc.mapc(0, 1, true);
    c[2] |= 1n << 48n;
    expect(run(vm, c)).toBe(0);
    expect(vm.its.its(0).collections.get(0)?.targetAddr).toBe(1);
  });

  test('V=0 unmaps whatever RDbase says (current KVM; pre-6.8 kernels said PROCNUM_OOR, choice.u42.mapc-unmap-bad-rd)', () => {
    const vm = mapped();
    expect(run(vm, enc.mapc(0, 77, false))).toBe(0);
    expect(vm.its.its(0).collections.has(0)).toBe(false);
  });

  test('ICID beyond the collection table: COLLECTION_OOR', () => {
    const vm = makeVm();
    bootLpis(vm); // collection table: one 64 KiB page = 8192 entries
    expect(run(vm, enc.mapc(8191, 0, true))).toBe(0);
    expect(run(vm, enc.mapc(8192, 0, true))).toBe(0x010903);
  });

  test('retargeting a mapped collection moves every ITE\'s LPI and keeps the cache (choice.u40.mapc-retarget-pending, vgic-its.c vgic_its_check_cache, vgic_its_invalidate_cache)', () => {
    const vm = mapped();
    expect(lpi(vm, 8192)?.targetVcpu).toBe(vm.dist.vcpus[1]);
    expect(msi(vm, 1, 3)).toBe(1);
    expect(vm.its.its(0).cache.size).toBe(1);
    expect(run(vm, enc.mapc(0, 2, true))).toBe(0);
    expect(lpi(vm, 8192)?.targetVcpu).toBe(vm.dist.vcpus[2]);
    expect(vm.its.its(0).cache.size).toBe(1);
  });

  test('V=0 detaches ITEs for good: a new MAPC with the same ICID does not reattach them (choice.u41.mapc-unmap-in-use)', () => {
    const vm = mapped();
    expect(run(vm, enc.mapc(0, 1, false))).toBe(0);
    expect(run(vm, enc.mapc(0, 1, true))).toBe(0);
    expect(msi(vm, 1, 3)).toBe(0);
    expect(run(vm, enc.int(1, 3))).toBe(0x010307);
    expect(run(vm, enc.discard(1, 3))).toBe(0x010f07);
    expect(run(vm, enc.movi(1, 3, 0))).toBe(0x010109);
    // CLEAR and INV do not look at the collection (choice.u46.unmapped-collection-cmd)
    expect(run(vm, enc.clear(1, 3))).toBe(0);
    expect(run(vm, enc.inv(1, 3))).toBe(0);
  });
});

describe('MAPTI / MAPI', () => {
  test('unmapped device: UNMAPPED_DEVICE; EventID beyond the ITT size: ID_OOR', () => {
    const vm = mapped();
    expect(run(vm, enc.mapti(2, 0, 8193, 0))).toBe(0x010a04);
    expect(run(vm, enc.mapti(1, 256, 8193, 0))).toBe(0x010a05);
    expect(run(vm, enc.mapti(1, 255, 8193, 0))).toBe(0);
  });

  test('ITE slot outside guest RAM: ID_OOR (choice.u33.table-memory-write)', () => {
    const vm = makeVm({ memory: 0x200_0000 });
    bootLpis(vm);
    run(vm, enc.mapd(1, 15, 0x41ffff00, true)); // ITT runs past the end of RAM at 0x42000000
    run(vm, enc.mapc(0, 0, true));
    expect(run(vm, enc.mapti(1, 31, 8192, 0))).toBe(0);
    expect(run(vm, enc.mapti(1, 32, 8193, 0))).toBe(0x010a05);
  });

  test('pINTID below 8192 or beyond PROPBASER.IDbits (at most 16 bits): PHYSICALID_OOR', () => {
    const vm = mapped();
    expect(run(vm, enc.mapti(1, 10, 8191, 0))).toBe(0x010a06);
    expect(run(vm, enc.mapti(1, 10, 65536, 0))).toBe(0x010a06);
    expect(run(vm, enc.mapti(1, 10, 0xffffffff, 0))).toBe(0x010a06);
    expect(run(vm, enc.mapti(1, 10, 65535, 0))).toBe(0);
    vm.dist.propbaser = (vm.dist.propbaser & ~0x1fn) | 13n; // IDbits 13: INTIDs below 2^14
    expect(run(vm, enc.mapti(1, 11, 16384, 0))).toBe(0x010a06);
    expect(run(vm, enc.mapti(1, 11, 16383, 0))).toBe(0);
  });

  test('MAPI uses the EventID as pINTID', () => {
    const vm = mapped();
    run(vm, enc.mapd(2, 15, ITT + 0x10000, true));
    expect(run(vm, enc.mapi(2, 100, 0))).toBe(0x010a06);
    expect(run(vm, enc.mapi(2, 8200, 0))).toBe(0);
    expect(lpi(vm, 8200)).toBeDefined();
  });

  test('an EventID that is already mapped keeps its old mapping (choice.u38.mapti-remap-event)', () => {
    const vm = mapped();
    expect(run(vm, enc.mapti(1, 3, 8300, 0))).toBe(0);
    expect(vm.its.its(0).deviceById.get(1)?.itt.get(3)?.irq?.intid).toBe(8192);
    expect(lpi(vm, 8300)).toBeUndefined();
  });

  test('an unknown ICID gets an unmapped placeholder collection; a later MAPC maps it', () => {
    const vm = mapped();
    expect(run(vm, enc.mapti(1, 4, 8193, 5))).toBe(0);
    expect(vm.its.its(0).collections.get(5)?.targetAddr).toBe(0xffffffff);
    expect(lpi(vm, 8193)?.targetVcpu).toBeNull();
    expect(msi(vm, 1, 4)).toBe(0);
    run(vm, enc.mapc(5, 3, true));
    expect(lpi(vm, 8193)?.targetVcpu).toBe(vm.dist.vcpus[3]);
    expect(msi(vm, 1, 4)).toBe(1);
  });

  test('an unknown ICID beyond the collection table: MAPC_COLLECTION_OOR, nothing created', () => {
    const vm = mapped();
    expect(run(vm, enc.mapti(1, 4, 8193, 9000))).toBe(0x010903);
    expect(vm.its.its(0).deviceById.get(1)?.itt.has(4)).toBe(false);
  });

  test('the same pINTID from two ITEs (even on two ITSes) is one vgic_irq (choice.u39.intid-two-ites)', () => {
    const vm = mapped({ its: 2 });
    itsCmd(vm, 1, [enc.mapd(9, 3, ITT + 0x1000, true), enc.mapc(0, 2, true), enc.mapti(9, 0, 8192, 0)]);
    const irq = lpi(vm, 8192)!;
    expect(irq.refcount).toBe(2);
    expect(vm.its.its(1).deviceById.get(9)?.itt.get(0)?.irq).toBe(irq);
    // reused as is: its target was not re-read from the second ITS's collection
    expect(irq.targetVcpu).toBe(vm.dist.vcpus[1]);
  });

  test('a new LPI reads its property byte and consumes its pending bit (vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables)', () => {
    const vm = makeVm();
    bootLpis(vm);
    setProp(vm, 8195, 0xa3); // priority 0xa0, enabled
    const pend = bootPendBase(1) + (8195 >> 3);
    vm.mem.write(pend, new Uint8Array([1 << (8195 & 7)]));
    itsCmd(vm, 0, [enc.mapd(1, 7, ITT, true), enc.mapc(0, 1, true), enc.mapti(1, 0, 8195, 0)]);
    const irq = lpi(vm, 8195)!;
    expect([irq.priority, irq.enabled, irq.pendingLatch, irq.group, irq.config]).toEqual([0xa0, true, true, 1, 'edge']);
    expect(vm.dist.vcpus[1]!.apList).toContain(irq);
    expect(vm.mem.readU8(pend)).toBe(0);
  });

  test('property table outside guest RAM: the mapping fails and leaves nothing behind', () => {
    const vm = mapped();
    vm.dist.propbaser = (0x7ff0_0000n) | 15n; // not RAM
    expect(run(vm, enc.mapti(1, 5, 8194, 7))).toBe(-14);
    expect(vm.its.its(0).deviceById.get(1)?.itt.has(5)).toBe(false);
    expect(vm.its.its(0).collections.has(7)).toBe(false);
    expect(lpi(vm, 8194)).toBeUndefined();
  });
});

describe('DISCARD', () => {
  test('frees the ITE, zeroes it in the ITT and invalidates the cache', () => {
    const vm = mapped();
    vm.mem.writeU64(ITT + 3 * 8, 0x1234n);
    expect(msi(vm, 1, 3)).toBe(1);
    expect(run(vm, enc.discard(1, 3))).toBe(0);
    expect(vm.mem.readU64(ITT + 3 * 8)).toBe(0n);
    expect(vm.its.its(0).cache.size).toBe(0);
    expect(msi(vm, 1, 3)).toBe(0);
    expect(run(vm, enc.discard(1, 3))).toBe(0x010f07);
  });

  test('pending state already queued to a vCPU stays (choice.u45.discard-pending)', () => {
    const vm = mapped();
    expect(msi(vm, 1, 3)).toBe(1);
    const irq = lpi(vm, 8192)!;
    run(vm, enc.discard(1, 3));
    expect(irq.pendingLatch).toBe(true);
    expect(vm.dist.vcpus[1]!.apList).toContain(irq);
  });

  test('an ITE in a never-mapped ICID cannot be discarded', () => {
    const vm = mapped();
    run(vm, enc.mapti(1, 4, 8193, 6));
    expect(run(vm, enc.discard(1, 4))).toBe(0x010f07);
  });
});

describe('MOVI', () => {
  test('errors: no ITE, current collection unmapped, new collection unknown or unmapped', () => {
    const vm = mapped();
    expect(run(vm, enc.movi(1, 9, 0))).toBe(0x010107);
    expect(run(vm, enc.movi(1, 3, 4))).toBe(0x010109);
    run(vm, enc.mapti(1, 4, 8193, 6)); // placeholder collection 6
    expect(run(vm, enc.movi(1, 3, 6))).toBe(0x010109);
    expect(run(vm, enc.movi(1, 4, 0))).toBe(0x010109);
  });

  test('moves the ITE to the new collection, retargets the LPI and invalidates the cache', () => {
    const vm = mapped();
    run(vm, enc.mapc(1, 3, true));
    expect(msi(vm, 1, 3)).toBe(1);
    expect(run(vm, enc.movi(1, 3, 1))).toBe(0);
    expect(lpi(vm, 8192)?.targetVcpu).toBe(vm.dist.vcpus[3]);
    expect(vm.its.its(0).cache.size).toBe(0);
    run(vm, enc.mapc(1, 2, true));
    expect(lpi(vm, 8192)?.targetVcpu).toBe(vm.dist.vcpus[2]);
  });
});

describe('CLEAR, INT, INV, INVALL', () => {
  test('CLEAR clears the latch; no ITE: CLEAR_UNMAPPED_INTERRUPT (0x010507)', () => {
    const vm = mapped();
    vm.dist.enabled = false; // keep it off the ap_list
    run(vm, enc.int(1, 3));
    expect(lpi(vm, 8192)?.pendingLatch).toBe(true);
    expect(run(vm, enc.clear(1, 3))).toBe(0);
    expect(lpi(vm, 8192)?.pendingLatch).toBe(false);
    expect(run(vm, enc.clear(1, 4))).toBe(0x010507);
  });

  test('INT makes the LPI pending, fills the cache; errors as MSIs', () => {
    const vm = mapped();
    expect(run(vm, enc.int(1, 3))).toBe(0);
    expect(lpi(vm, 8192)?.pendingLatch).toBe(true);
    expect(vm.dist.vcpus[1]!.apList.map((i) => i.intid)).toEqual([8192]);
    expect(vm.its.its(0).cache.size).toBe(1);
    expect(run(vm, enc.int(1, 4))).toBe(0x010307);
    vm.dist.vcpus[1]!.lpisEnabled = false;
    expect(run(vm, enc.int(1, 3))).toBe(-16);
  });

  test('INV re-reads the property byte; later writes are invisible until then (choice.u16.config-cache)', () => {
    const vm = mapped();
    const irq = lpi(vm, 8192)!;
    expect([irq.priority, irq.enabled]).toEqual([0xa0, true]);
    setProp(vm, 8192, 0x40);
    expect([irq.priority, irq.enabled]).toEqual([0xa0, true]);
    expect(run(vm, enc.inv(1, 3))).toBe(0);
    expect([irq.priority, irq.enabled]).toEqual([0x40, false]);
    expect(run(vm, enc.inv(1, 5))).toBe(0x010c07);
  });

  test('INVALL re-reads every LPI of the VM targeting the collection\'s vCPU, on every ITS (choice.u48.invall-scope)', () => {
    const vm = mapped({ its: 2 });
    setProp(vm, 8300, 0x10);
    setProp(vm, 8400, 0x10);
    itsCmd(vm, 1, [enc.mapd(2, 3, ITT + 0x1000, true), enc.mapc(4, 1, true), enc.mapc(5, 2, true),
      enc.mapti(2, 0, 8300, 4), enc.mapti(2, 1, 8400, 5)]);
    for (const i of [8192, 8300, 8400]) setProp(vm, i, 0x81);
    expect(run(vm, enc.invall(0))).toBe(0);
    expect(lpi(vm, 8192)?.priority).toBe(0x80);
    expect(lpi(vm, 8300)?.priority).toBe(0x80); // another ITS, same vCPU
    expect(lpi(vm, 8400)?.priority).toBe(0x10); // another vCPU
    expect(run(vm, enc.invall(9))).toBe(0x010d09);
  });
});

describe('MOVALL, SYNC, unknown opcodes', () => {
  test('MOVALL retargets every LPI of the VM from RD1 to RD2, collections unchanged (choice.u47.movall-live-collections)', () => {
    const vm = mapped({ its: 2 });
    itsCmd(vm, 1, [enc.mapd(2, 3, ITT + 0x1000, true), enc.mapc(4, 1, true), enc.mapti(2, 0, 8300, 4)]);
    msi(vm, 1, 3);
    expect(run(vm, enc.movall(1, 2))).toBe(0);
    expect(lpi(vm, 8192)?.targetVcpu).toBe(vm.dist.vcpus[2]);
    expect(lpi(vm, 8300)?.targetVcpu).toBe(vm.dist.vcpus[2]);
    expect(vm.its.its(0).collections.get(0)?.targetAddr).toBe(1);
    expect(vm.its.its(0).cache.size).toBe(0);
    expect(run(vm, enc.movall(1, 4))).toBe(0x010e01);
    expect(run(vm, enc.movall(2, 2))).toBe(0);
  });

  test('MOVALL halts the guest around its walk (kvm_arm_halt_guest), only when it moves anything', () => {
    const vm = mapped();
    const calls: string[] = [];
    vm.its.setGuestControl({
      halt: () => calls.push(`halt target=${lpi(vm, 8192)?.targetVcpu?.vcpuId}`),
      resume: () => calls.push(`resume target=${lpi(vm, 8192)?.targetVcpu?.vcpuId}`),
    });
    run(vm, enc.movall(1, 1));
    run(vm, enc.movall(1, 9));
    expect(calls).toEqual([]);
    run(vm, enc.movall(1, 2));
    expect(calls).toEqual(['halt target=1', 'resume target=2']);
  });

  test('SYNC is a no-op, unknown and GICv4 opcodes return -ENODEV; processing goes on after errors', () => {
    const vm = mapped();
    expect(run(vm, enc.sync(77))).toBe(0);
    for (const op of [0x00n, 0x02n, 0x21n, 0x29n, 0x2an, 0xffn]) expect(run(vm, [op, 0n, 0n, 0n])).toBe(-19);
    itsCmd(vm, 0, [enc.mapti(9, 0, 8193, 0), [0x2an, 0n, 0n, 0n], enc.mapti(1, 4, 8193, 0)]);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(vm.its.mmioRead(0, R.CWRITER, 64));
    expect(lpi(vm, 8193)).toBeDefined();
  });

  test('a command that cannot be read from guest memory is skipped', () => {
    const vm = makeVm({ memory: 0x100_0000 });
    bootLpis(vm, { enableIts: false });
    vm.its.mmioWrite(0, R.CBASER, 64, (1n << 63n) | 0x40ff0000n | 31n); // 128 KiB, second half not RAM
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    vm.its.mmioWrite(0, R.CWRITER, 64, 0x10020n);
    expect(vm.its.mmioRead(0, R.CREADR, 64)).toBe(0x10020n);
    expect(vm.its.its(0).lastCommandResult).toBe(-14);
  });
});

describe('BASER Valid 1->0 (choice.u32.baser-valid-toggle)', () => {
  test('clearing BASER0.Valid frees every device; clearing BASER1.Valid frees every collection', () => {
    const vm = mapped();
    vm.its.mmioWrite(0, R.CTLR, 32, 0n);
    const b0 = vm.its.mmioRead(0, R.BASER0, 64);
    const b1 = vm.its.mmioRead(0, R.BASER1, 64);
    vm.its.mmioWrite(0, R.BASER1, 64, b1 & ~(1n << 63n));
    expect(vm.its.its(0).collections.size).toBe(0);
    expect(vm.its.its(0).deviceById.get(1)?.itt.get(3)?.collection).toBeNull();
    vm.its.mmioWrite(0, R.BASER0, 64, b0 & ~(1n << 63n));
    expect(vm.its.its(0).deviceById.size).toBe(0);
    expect(lpi(vm, 8192)).toBeUndefined();
    vm.its.mmioWrite(0, R.BASER0, 64, b0);
    vm.its.mmioWrite(0, R.BASER1, 64, b1);
    vm.its.mmioWrite(0, R.CTLR, 32, 1n);
    expect(run(vm, enc.mapti(1, 3, 8192, 0))).toBe(0x010a04);
  });
});
