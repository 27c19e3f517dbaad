// Building blocks of the directed conformance suite (spec/conformance/**). Each helper emits the
// primitive ops a guest or its VMM performs; expected values are written by the scenario authors
// from the architecture (Arm IHI 0069) and the documented KVM ABI (docs/kvm-abi.md), never computed by
// running a target. Addresses and register offsets come from spec/layout.ts and spec/data/registers.
import type { ItsCommand, Op, OpResult, Scenario, Config, BootOp } from '../spec/scenario.js';
export type { Op };
import { toHex, canonicalHex } from '../spec/hex.js';
import { offsetOf } from '../spec/codec/registers.js';
import { BOOT_PROPBASE, FREE_RAM, bootPendBase, itsTranslater, vcpuAffinity } from '../spec/layout.js';

export type Val = number | bigint;
export const h = (v: Val): string => toHex(v);

/** Byte offset of a register by name ("GICD_ISENABLER1", "GICR_CTLR", "GITS_BASER1"). */
export const off = offsetOf;

type Expect = { expect?: OpResult; expectOneOf?: OpResult[]; comment?: string };
function withExpect<T extends object>(op: T, e?: Expect): T {
  if (e?.expect !== undefined) (op as Record<string, unknown>).expect = e.expect;
  if (e?.expectOneOf !== undefined) (op as Record<string, unknown>).expectOneOf = e.expectOneOf;
  if (e?.comment !== undefined) (op as Record<string, unknown>).comment = e.comment;
  return op;
}
/** Shorthand: an exact expectation; a list means expectOneOf. */
export function ex(v: OpResult | OpResult[] | undefined): Expect | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? { expectOneOf: v } : { expect: v };
}

export const INTID_SPURIOUS = 1023;
/** Spurious INTID as a result (IHI 0069 2.2 INTIDs, special INTID 1023). */
export const SPURIOUS = h(INTID_SPURIOUS);

// ---------------------------------------------------------------- guest MMIO
type Frame = 'gicd' | 'gicr' | 'gicr-sgi' | 'gits';
function frameOf(name: string): Frame {
  if (name.startsWith('GICD_')) return 'gicd';
  if (name.startsWith('GITS_')) return 'gits';
  // GICR_* registers of the SGI_base frame (IHI 0069 GICR_* registers)
  if (/^GICR_(IGROUPR0|ISENABLER0|ICENABLER0|ISPENDR0|ICPENDR0|ISACTIVER0|ICACTIVER0|IPRIORITYR\d+|ICFGR0|ICFGR1|IGRPMODR0|NSACR)$/.test(name)) return 'gicr-sgi';
  return 'gicr';
}
const is64 = (name: string): boolean => /^(GICD_IROUTER\d+|GICR_TYPER|GICR_PROPBASER|GICR_PENDBASER|GICR_INVLPIR|GICR_INVALLR|GICR_SETLPIR|GICR_CLRLPIR|GITS_TYPER|GITS_CBASER|GITS_CWRITER|GITS_CREADR|GITS_BASER\d)$/.test(name);

export interface MmioOpts { cpu?: number; index?: number; width?: 8 | 16 | 32 | 64; at?: number }
function mmio(kind: 'mmio.read' | 'mmio.write', name: string, o: MmioOpts, value?: Val): Op {
  const frame = frameOf(name);
  const op: Record<string, unknown> = { op: kind, cpu: o.cpu ?? 0, frame };
  if (frame !== 'gicd') op.index = o.index ?? 0;
  op.offset = off(name) + (o.at ?? 0);
  op.width = o.width ?? (is64(name) ? 64 : 32);
  if (value !== undefined) op.value = h(value);
  return op as unknown as Op;
}
/** A register value as a result: numbers become canonical hex; strings must already be canonical hex. */
function hexResult(x: Val | OpResult): OpResult {
  if (typeof x === 'number' || typeof x === 'bigint') return h(x);
  if (typeof x === 'string' && canonicalHex(x) !== x) throw new Error(`expected value ${x} is not canonical hex`);
  return x;
}
/** Read a register; `e` is the expected value (list = any of them). */
export function rd(name: string, e?: Val | string | (Val | OpResult)[], o: MmioOpts = {}): Op {
  const exp = e === undefined ? undefined : Array.isArray(e) ? { expectOneOf: e.map(hexResult) } : { expect: hexResult(e) };
  return withExpect(mmio('mmio.read', name, o), exp);
}
export function wr(name: string, value: Val, o: MmioOpts = {}): Op {
  return mmio('mmio.write', name, o, value);
}
/** Byte access to a priority register: GICD_IPRIORITYR<intid> or the SGI-frame copy for intid < 32. */
export function prio(intid: number, p: number, cpu = 0): Op {
  return intid < 32
    ? { op: 'mmio.write', cpu, frame: 'gicr-sgi', index: cpu, offset: off('GICR_IPRIORITYR0') + intid, width: 8, value: h(p) }
    : { op: 'mmio.write', cpu, frame: 'gicd', offset: off('GICD_IPRIORITYR0') + intid, width: 8, value: h(p) };
}

// ---------------------------------------------------------------- system registers
export type SysRd = 'ICC_IAR1_EL1' | 'ICC_IAR0_EL1' | 'ICC_HPPIR1_EL1' | 'ICC_RPR_EL1' | 'ICC_PMR_EL1' | 'ICC_BPR0_EL1' | 'ICC_BPR1_EL1' | 'ICC_CTLR_EL1' | 'ICC_IGRPEN0_EL1' | 'ICC_IGRPEN1_EL1' | 'ICC_AP1R0_EL1' | 'ICC_AP1R1_EL1' | 'ICC_SRE_EL1' | 'ISR_EL1';
export type SysWr = 'ICC_EOIR1_EL1' | 'ICC_EOIR0_EL1' | 'ICC_DIR_EL1' | 'ICC_PMR_EL1' | 'ICC_BPR0_EL1' | 'ICC_BPR1_EL1' | 'ICC_CTLR_EL1' | 'ICC_IGRPEN0_EL1' | 'ICC_IGRPEN1_EL1' | 'ICC_AP1R0_EL1' | 'ICC_SGI1R_EL1' | 'ICC_ASGI1R_EL1' | 'ICC_SGI0R_EL1';
export function srd(cpu: number, reg: SysRd, e?: Val | string | (Val | OpResult)[]): Op {
  const exp = e === undefined ? undefined : Array.isArray(e) ? { expectOneOf: e.map(hexResult) } : { expect: hexResult(e) };
  return withExpect({ op: 'sysreg.read', cpu, reg } as Op, exp);
}
export function swr(cpu: number, reg: SysWr, value: Val): Op {
  return { op: 'sysreg.write', cpu, reg, value: h(value) } as Op;
}
/** ICC_IAR1_EL1 read expecting INTID `intid` (1023 = spurious), or any of a list. */
export function iar(cpu: number, intid: number | number[]): Op {
  return srd(cpu, 'ICC_IAR1_EL1', Array.isArray(intid) ? intid.map(h) : intid);
}
export function eoi(cpu: number, intid: number): Op { return swr(cpu, 'ICC_EOIR1_EL1', intid); }
export function dir(cpu: number, intid: number): Op { return swr(cpu, 'ICC_DIR_EL1', intid); }
export function hppir(cpu: number, intid: number | number[]): Op {
  return srd(cpu, 'ICC_HPPIR1_EL1', Array.isArray(intid) ? intid.map(h) : intid);
}
export function rpr(cpu: number, p: number | number[]): Op { return srd(cpu, 'ICC_RPR_EL1', Array.isArray(p) ? p.map(h) : p); }
/** ICC_SGI1R_EL1 value (IHI 0069 ICC_SGI1R_EL1): INTID [27:24], Aff1 [23:16], TargetList [15:0], IRM [40], RS [47:44]. */
export function sgi1r(intid: number, targets: number[], o: { aff1?: number; irm?: boolean; rs?: number } = {}): bigint {
  let list = 0;
  for (const t of targets) list |= 1 << t;
  return (BigInt(intid) << 24n) | (BigInt(o.aff1 ?? 0) << 16n) | BigInt(list) | (o.irm ? 1n << 40n : 0n) | (BigInt(o.rs ?? 0) << 44n);
}
/** vCPU `from` sends SGI `intid` to vCPUs `to` (all with Aff1 = 0, i.e. ids < 16). */
export function sendSgi(from: number, intid: number, to: number[]): Op {
  return swr(from, 'ICC_SGI1R_EL1', sgi1r(intid, to.map((c) => vcpuAffinity(c).aff0)));
}
export function wfi(cpu: number, e: 'woken' | 'asleep'): Op { return { op: 'wfi', cpu, expect: e } as Op; }

// ---------------------------------------------------------------- interrupt set-up
/** Make every SGI/PPI of the vCPUs and every SPI disabled, inactive and not pending, so that
 *  register reads have exact expected values whatever the reset state was (IHI 0069 GICD_* registers: most
 *  per-INTID reset values are UNKNOWN). */
export function quiesce(cpus: number[], spis: number): Op[] {
  const ops: Op[] = [];
  for (const c of cpus) {
    for (const r of ['GICR_ICENABLER0', 'GICR_ICPENDR0', 'GICR_ICACTIVER0']) ops.push(wr(r, 0xffff_ffff, { cpu: c, index: c }));
  }
  for (let n = 1; n <= spis / 32; n++) {
    for (const r of ['GICD_ICENABLER', 'GICD_ICPENDR', 'GICD_ICACTIVER']) ops.push(wr(`${r}${n}`, 0xffff_ffff));
  }
  return ops;
}
/** SGI or PPI `intid` of vCPU `cpu`: priority and enable. */
export function privSetup(cpu: number, intid: number, p: number): Op[] {
  return [prio(intid, p, cpu), wr('GICR_ISENABLER0', 1 << intid, { cpu, index: cpu })];
}
/** ICFGR word for one SPI configured edge (1) or level (0), the rest of its 16 INTIDs level. */
export function spiSetup(intid: number, o: { prio: number; edge: boolean; target?: number; route?: bigint; enable?: boolean }): Op[] {
  const n = Math.floor(intid / 16);
  const k = intid % 16;
  const aff = vcpuAffinity(o.target ?? 0);
  const route = o.route ?? (BigInt(aff.aff1) << 8n) | BigInt(aff.aff0);
  const ops: Op[] = [
    wr(`GICD_ICFGR${n}`, o.edge ? 2 << (2 * k) : 0),
    wr(`GICD_IROUTER${intid}`, route),
    prio(intid, o.prio),
  ];
  if (o.enable ?? true) ops.push(wr(`GICD_ISENABLER${intid >> 5}`, 1 << (intid & 31)));
  return ops;
}
export const bit = (intid: number): number => 2 ** (intid & 31);

// ---------------------------------------------------------------- KVM host ops
export function irqLine(type: 'spi' | 'ppi' | 'cpu', intid: number, level: number, e?: number, vcpu = 0): Op {
  return withExpect({ op: 'kvm.irq_line', type, vcpu, intid, level } as Op, e === undefined ? undefined : { expect: e });
}
/** KVM_IRQFD assigning (or deassigning) an eventfd to `gsi`, with a resamplefd when `resample`; it succeeds. */
export function irqfd(gsi: number, resample: boolean, deassign = false): Op {
  return { op: 'kvm.irqfd', gsi, resample, deassign, expect: 0 } as Op;
}
/** The VMM writes the eventfd of the irqfd on `gsi`. */
export function irqfdSignal(gsi: number): Op {
  return { op: 'irqfd.signal', gsi } as Op;
}
/** KVM_SIGNAL_MSI to ITS `its`'s GITS_TRANSLATER with KVM_MSI_VALID_DEVID (flags bit 0). */
export function msi(devid: number, event: number, e?: number | number[], o: { its?: number; flags?: number; address?: number } = {}): Op {
  return withExpect({ op: 'kvm.signal_msi', address: h(o.address ?? itsTranslater(o.its ?? 0)), data: event, devid, flags: o.flags ?? 1 } as Op, ex(e));
}
export function attr(device: 'vgic' | 'its', group: string, a: unknown, access: 'get' | 'set', e: OpResult | OpResult[] | undefined, value?: Val, index?: number): Op {
  const op: Record<string, unknown> = { op: 'kvm.device_attr', device };
  if (index !== undefined) op.index = index;
  Object.assign(op, { group, attr: a, access });
  if (value !== undefined) op.value = h(value);
  return withExpect(op as unknown as Op, ex(e));
}
export const ok = { errno: 0 };
export const errno = (e: number) => ({ errno: e });
export const EINVAL = -22, EBUSY = -16, ENXIO = -6, ENODEV = -19, EEXIST = -17;

// ---------------------------------------------------------------- memory, LPIs and the ITS
export function memWrite(addr: Val, bytes: string): Op { return { op: 'mem.write', addr: h(addr), bytes } as Op; }
export function memRead(addr: Val, len: number, e?: string): Op {
  return withExpect({ op: 'mem.read', addr: h(addr), len } as Op, e === undefined ? undefined : { expect: e });
}
/** Configuration byte of an LPI (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER): priority [7:2], bit 1 RES1 (written 1), Enable [0]. */
export function lpiProp(intid: number, priority: number, enabled = true): Op {
  const byte = (priority & 0xfc) | 0x2 | (enabled ? 1 : 0);
  return memWrite(BOOT_PROPBASE + intid - 8192, byte.toString(16).padStart(2, '0'));
}
/** 8-byte little-endian encoding of a 64-bit value as a byte string. */
export function le64(v: bigint): string {
  let s = '';
  for (let i = 0n; i < 8n; i++) s += ((v >> (8n * i)) & 0xffn).toString(16).padStart(2, '0');
  return s;
}
export { bootPendBase, BOOT_PROPBASE, FREE_RAM };
/** ITT of device slot k: 1 MiB apart from FREE_RAM, room for 16 EventID bits of 16-byte entries
 *  (GITS_TYPER.ITT_entry_size is at most 16 bytes; ITTs are 256-byte aligned, IHI 0069 GITS_* registers; 5.3 ITS command encodings). */
export const itt = (k: number): number => FREE_RAM + k * 0x10_0000;

export function its(cmds: ItsCommand[], o: { its?: number; cpu?: number } = {}): Op {
  const op: Record<string, unknown> = { op: 'its.cmd' };
  if (o.cpu !== undefined) op.cpu = o.cpu;
  op.its = o.its ?? 0;
  op.cmds = cmds;
  return op as unknown as Op;
}
export const MAPD = (device: number, size: number, ittAddr: number, valid = true): ItsCommand => ({ cmd: 'MAPD', device, size, itt: h(ittAddr), valid });
export const MAPC = (collection: number, target: number, valid = true): ItsCommand => ({ cmd: 'MAPC', collection, target, valid });
export const MAPTI = (device: number, event: number, intid: number, collection: number): ItsCommand => ({ cmd: 'MAPTI', device, event, intid, collection });
export const MAPI = (device: number, event: number, collection: number): ItsCommand => ({ cmd: 'MAPI', device, event, collection });
export const MOVI = (device: number, event: number, collection: number): ItsCommand => ({ cmd: 'MOVI', device, event, collection });
export const DE = (cmd: 'DISCARD' | 'INT' | 'CLEAR' | 'INV', device: number, event: number): ItsCommand => ({ cmd, device, event });
export const INT = (d: number, e: number) => DE('INT', d, e);
export const CLEAR = (d: number, e: number) => DE('CLEAR', d, e);
export const INV = (d: number, e: number) => DE('INV', d, e);
export const DISCARD = (d: number, e: number) => DE('DISCARD', d, e);
export const INVALL = (collection: number): ItsCommand => ({ cmd: 'INVALL', collection });
export const SYNC = (target: number): ItsCommand => ({ cmd: 'SYNC', target });
export const MOVALL = (from: number, to: number): ItsCommand => ({ cmd: 'MOVALL', from, to });
export const RAW = (words: bigint[]): ItsCommand => ({ cmd: 'raw', words: words.map(h) } as ItsCommand);

/** A command is 32 bytes (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR); GITS_CWRITER/CREADR hold byte offsets. */
export const CMD_BYTES = 32;
/**
 * GITS_CREADR after a batch whose command number `failing` (counted from queue offset 0) is
 * erroneous and `total` commands were queued: ignore-and-continue reaches CWRITER; a stall sets
 * Stalled (bit 0) with Offset at, or just after, the failing command (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR; 5.3 command errors; GITS_CREADR.Stalled, choice.u26.command-error-response).
 */
export function creadrAfterError(failing: number, total: number): string[] {
  return [h(total * CMD_BYTES), h(failing * CMD_BYTES + 1), h((failing + 1) * CMD_BYTES + 1)];
}
/** A DeviceID beyond any flat 512 KiB device table (>= 2^19 entries of >= 1 byte) and so out of range. */
export const DEVICE_OOR = 0x10_0000;
/** An ICID beyond a 64 KiB collection table of entries >= 2 bytes (HCC <= 255): out of range. */
export const ICID_OOR = 0xffff;

// ---------------------------------------------------------------- scenarios
export interface Def {
  component: string;
  name: string;
  description: string;
  rules: string[];
  config?: Config;
  ops: (Op | Op[])[];
}
export function boot(o: Omit<BootOp, 'op'> = {}): Op { return { op: 'boot', ...o } as Op; }
export function build(d: Def): Scenario {
  const s: Scenario = { format: 'gicdiff/scenario@1', name: d.name, description: d.description, component: d.component, rules: d.rules } as Scenario;
  if (d.config) s.config = d.config;
  s.ops = d.ops.flat();
  return s;
}
