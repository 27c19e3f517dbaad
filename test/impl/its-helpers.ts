// Test helpers for the vITS: a hand-built VgicDist, the boot sequence of docs/scenario-format.md done through
// the vITS's own MMIO, and ITS command encoders written from the architecture's encodings
// (IHI 0069 5.3 ITS command encodings), independently of the getters in impl/vgic/vgic-its-cmd.ts.
import { GuestMemory } from '../../impl/hw/guest-memory.js';
import type { VgicDist } from '../../impl/vgic/types.js';
import { VgicDistState } from '../../impl/vgic/vgic.js';
import { PhysGic } from '../../impl/hw/phys-gic.js';
import { createVgicIts, type VgicItsSet } from '../../impl/vgic/vgic-its.js';
import {
  BOOT_COLLECTION_TABLE_SIZE, BOOT_COMMAND_QUEUE_SIZE, BOOT_DEVICE_TABLE_SIZE, BOOT_LPI_ID_BITS, BOOT_PROPBASE,
  bootCollectionTable, bootCommandQueue, bootDeviceTable, bootPendBase,
} from '../../spec/layout.js';

export interface TestVm {
  dist: VgicDist;
  its: VgicItsSet;
  mem: GuestMemory;
}

/** A VM as the config says: vGIC v3 with `its` vITSes, GICD_CTLR.EnableGrp1 set (as boot does). */
export function makeVm(opts: { vcpus?: number; its?: number; memory?: number } = {}): TestVm {
  const mem = new GuestMemory(opts.memory ?? 0x400_0000);
  const dist = new VgicDistState(64, opts.vcpus ?? 4, 4, mem, new PhysGic(4));
  dist.initialized = true;
  dist.enabled = true;
  const its = createVgicIts(dist, opts.its ?? 1);
  return { dist, its, mem };
}

// GITS register offsets, from IHI 0069 GITS_* registers (not imported from the code under test)
export const R = { CTLR: 0x0, IIDR: 0x4, TYPER: 0x8, CBASER: 0x80, CWRITER: 0x88, CREADR: 0x90, BASER0: 0x100, BASER1: 0x108 };

/** The boot macro's ITS and LPI part (docs/scenario-format.md): tables, queue, PROPBASER, PENDBASER, EnableLPIs, Enabled. */
export function bootLpis(vm: TestVm, opts: { enableIts?: boolean } = {}): void {
  const { dist, its } = vm;
  dist.propbaser = BigInt(BOOT_PROPBASE) | BigInt(BOOT_LPI_ID_BITS);
  for (const v of dist.vcpus) {
    v.pendbaser = BigInt(bootPendBase(v.vcpuId));
    v.lpisEnabled = true;
  }
  for (let n = 0; n < its.vm.its.length; n++) bootIts(vm, n, opts.enableIts ?? true);
}

export function bootIts(vm: TestVm, n: number, enable = true): void {
  const w = (off: number, v: bigint): void => vm.its.mmioWrite(n, off, 64, v);
  // Valid | Type (RO) | Size = pages - 1, 64 KiB pages (IHI 0069 GITS_* registers GITS_BASER)
  w(R.BASER0, (1n << 63n) | BigInt(bootDeviceTable(n)) | BigInt(BOOT_DEVICE_TABLE_SIZE / 0x10000 - 1));
  w(R.BASER1, (1n << 63n) | BigInt(bootCollectionTable(n)) | BigInt(BOOT_COLLECTION_TABLE_SIZE / 0x10000 - 1));
  w(R.CBASER, (1n << 63n) | BigInt(bootCommandQueue(n)) | BigInt(BOOT_COMMAND_QUEUE_SIZE / 0x1000 - 1));
  w(R.CWRITER, 0n);
  if (enable) vm.its.mmioWrite(n, R.CTLR, 32, 1n);
}

// ------------------------------------------------------------------ command encoders (IHI 0069 5.3 ITS command encodings)

export type Cmd = [bigint, bigint, bigint, bigint];
const b = BigInt;
export const enc = {
  movi: (dev: number, ev: number, icid: number): Cmd => [0x01n | (b(dev) << 32n), b(ev), b(icid), 0n],
  int: (dev: number, ev: number): Cmd => [0x03n | (b(dev) << 32n), b(ev), 0n, 0n],
  clear: (dev: number, ev: number): Cmd => [0x04n | (b(dev) << 32n), b(ev), 0n, 0n],
  sync: (rd: number): Cmd => [0x05n, 0n, b(rd) << 16n, 0n],
  /** size = EventID bits - 1 */
  mapd: (dev: number, size: number, itt: number, v: boolean): Cmd =>
    [0x08n | (b(dev) << 32n), b(size), (b(itt) & 0xf_ffff_ffff_ff00n) | (v ? 1n << 63n : 0n), 0n],
  mapc: (icid: number, rd: number, v: boolean): Cmd => [0x09n, 0n, b(icid) | (b(rd) << 16n) | (v ? 1n << 63n : 0n), 0n],
  mapti: (dev: number, ev: number, intid: number, icid: number): Cmd => [0x0an | (b(dev) << 32n), b(ev) | (b(intid) << 32n), b(icid), 0n],
  mapi: (dev: number, ev: number, icid: number): Cmd => [0x0bn | (b(dev) << 32n), b(ev), b(icid), 0n],
  inv: (dev: number, ev: number): Cmd => [0x0cn | (b(dev) << 32n), b(ev), 0n, 0n],
  invall: (icid: number): Cmd => [0x0dn, 0n, b(icid), 0n],
  movall: (rd1: number, rd2: number): Cmd => [0x0en, 0n, b(rd1) << 16n, b(rd2) << 16n],
  discard: (dev: number, ev: number): Cmd => [0x0fn | (b(dev) << 32n), b(ev), 0n, 0n],
};

/** What the its.cmd op does: write the commands at CBASER + CWRITER (wrapping), then one CWRITER write. */
export function itsCmd(vm: TestVm, n: number, cmds: Cmd[]): void {
  const base = Number(vm.its.mmioRead(n, R.CBASER, 64) & 0xf_ffff_ffff_f000n);
  const size = (Number(vm.its.mmioRead(n, R.CBASER, 64) & 0xffn) + 1) * 0x1000;
  let off = Number(vm.its.mmioRead(n, R.CWRITER, 64));
  for (const c of cmds) {
    for (let i = 0; i < 4; i++) vm.mem.writeU64(base + off + i * 8, c[i]!);
    off = (off + 32) % size;
  }
  vm.its.mmioWrite(n, R.CWRITER, 64, BigInt(off));
}

/** Set an LPI's property byte (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER: priority [7:2], enable [0]). */
export function setProp(vm: TestVm, intid: number, byte: number): void {
  vm.mem.write(BOOT_PROPBASE + intid - 8192, new Uint8Array([byte]));
}
