// Live migration of the interrupt state as a VMM does it with KVM's device attributes
// (Documentation/virt/kvm/devices/arm-vgic-its.rst "Required restore order"; vgic-v3.c vgic_v3_save_pending_tables): save every vGIC
// register through the attr paths, ITS tables (ITS_SAVE_TABLES) and LPI pending tables
// (SAVE_PENDING_TABLES) into guest RAM, then into a byte blob; create a fresh VM of the same
// config and restore in the documented order: guest RAM and vCPUs, distributor, redistributors,
// CPU interfaces and line levels, then per ITS GITS_CBASER, the other GITS_* but CTLR,
// ITS_RESTORE_TABLES, GITS_CTLR; finally the VMM's routing table, irqfds and assigned devices.
//
// The result lists the errno of the steps whose failures the ABI documents, in order (the
// contract the model shares, model/save-restore.ts):
//   [ITS_SAVE_TABLES of each ITS..., SAVE_PENDING_TABLES, ITS_RESTORE_TABLES of each ITS...]
// Register accesses of a consistent VM cannot fail; if one does, migrate throws (a target error,
// reported as a finding) naming the step.
// The distributor goes before the redistributors so that SGI/PPI pending state restored into an
// enabled distributor is queued (KVM does not re-queue on a later GICD_CTLR enable).
import { KvmVm } from './vm.js';
import { vgicV3Attr } from '../vgic/vgic-kvm-device.js';
import { VTIMER_PPI } from '../../spec/layout.js';
import { offsetOf } from '../../spec/codec/registers.js';

const REC_DIST = 1;
const REC_REDIST = 2;
const REC_SYSREG = 3;
const REC_LEVEL = 4;
const REC_ITS = 5;
const REC_TIMER = 6;
const RECORD_BYTES = 17;

const SYSREGS = [
  'ICC_SRE_EL1', 'ICC_CTLR_EL1', 'ICC_PMR_EL1', 'ICC_BPR0_EL1', 'ICC_BPR1_EL1', 'ICC_AP0R0_EL1', 'ICC_AP1R0_EL1',
  'ICC_IGRPEN0_EL1', 'ICC_IGRPEN1_EL1',
];
// GITS_* registers a VMM saves, in restore order (CBASER first: it resets CREADR; CTLR last).
// Offsets from spec/data/registers, resolved once here.
const GITS_CBASER = offsetOf('GITS_CBASER');
const GITS_RESTORE_ORDER = ['GITS_CREADR', 'GITS_CWRITER', ...Array.from({ length: 8 }, (_, n) => `GITS_BASER${n}`), 'GITS_IIDR'].map(offsetOf);
const GITS_CTLR = offsetOf('GITS_CTLR');
/** [set register, its clear register]: the clear bank follows the set bank (distributor and SGI frame alike). */
const SET_CLEAR: [number, number][] = [['ISENABLER', 'ICENABLER'], ['ISPENDR', 'ICPENDR'], ['ISACTIVER', 'ICACTIVER']]
  .map(([set, clear]) => [offsetOf(`GICD_${set}<n>`), offsetOf(`GICD_${clear}<n>`)]);

/** The saved state: fixed-size little-endian records (kind u8, a u32, b u32, value u64). */
class Blob {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  push(kind: number, a: number, b: number, value: bigint): void {
    if (this.length + RECORD_BYTES > this.buf.length) {
      const n = new Uint8Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
      this.view = new DataView(n.buffer);
    }
    const o = this.length;
    this.view.setUint8(o, kind);
    this.view.setUint32(o + 1, a, true);
    this.view.setUint32(o + 5, b, true);
    this.view.setBigUint64(o + 9, BigInt.asUintN(64, value), true);
    this.length += RECORD_BYTES;
  }

  *records(kind: number): Generator<{ a: number; b: number; value: bigint }> {
    for (let o = 0; o < this.length; o += RECORD_BYTES) {
      if (this.view.getUint8(o) !== kind) continue;
      yield { a: this.view.getUint32(o + 1, true), b: this.view.getUint32(o + 5, true), value: this.view.getBigUint64(o + 9, true) };
    }
  }
}

/** Distributor registers a VMM saves, 32 bits each, in restore order (CTLR early, enables last). */
function distOffsets(nrIrqs: number): number[] {
  const out = [0x8 /* IIDR */, 0x0 /* CTLR */];
  const words = nrIrqs / 32;
  for (let n = 1; n < words; n++) out.push(0x80 + 4 * n); // IGROUPR
  for (let n = 2; n < words * 2; n++) out.push(0xc00 + 4 * n); // ICFGR
  for (let n = 8; n < nrIrqs / 4; n++) out.push(0x400 + 4 * n); // IPRIORITYR
  for (let i = 32; i < nrIrqs; i++) out.push(0x6000 + 8 * i); // IROUTER (low word; the upper is RAZ)
  for (let n = 1; n < words; n++) out.push(0x200 + 4 * n); // ISPENDR (latches)
  for (let n = 1; n < words; n++) out.push(0x300 + 4 * n); // ISACTIVER
  for (let n = 1; n < words; n++) out.push(0x100 + 4 * n); // ISENABLER
  return out;
}

/**
 * The write-1-to-clear register of a write-1-to-set one (ISENABLER/ISPENDR/ISACTIVER, distributor
 * or SGI frame), or null. The set registers only set, and a fresh VM is not all clear (KVM creates
 * SGIs enabled): a VMM clears every bit first, then sets the saved ones (QEMU's
 * kvm_arm_gicv3_put writes all ones to the I*C* register before the I*S* one).
 */
function clearCounterpart(offset: number): number | null {
  const o = offset & 0xffff;
  const set = SET_CLEAR.find(([s, c]) => o >= s && o < c);
  return set ? offset + (set[1] - set[0]) : null;
}

/** Redistributor registers, RD frame then SGI frame (+64 KiB); GICR_CTLR last. */
const REDIST_OFFSETS = [
  0x70, 0x74, 0x78, 0x7c, // PROPBASER, PENDBASER (both words)
  0x10080, 0x10c00, 0x10c04, 0x10400, 0x10404, 0x10408, 0x1040c, 0x10410, 0x10414, 0x10418, 0x1041c,
  0x10200, 0x10300, 0x10100, // ISPENDR0, ISACTIVER0, ISENABLER0
  0x0, // GICR_CTLR (EnableLPIs after the tables are known)
];

/** The documented steps' errnos, and the register steps that must not fail. */
class Steps {
  readonly errno: number[] = [];
  private step = '';
  private cur = 0;
  begin(name: string): void {
    this.step = name;
    this.cur = 0;
  }
  note(e: number): void {
    if (this.cur === 0 && e !== 0) this.cur = e;
  }
  errnoOfCurrent(): number {
    return this.cur;
  }
  /** a documented step: its errno goes to the result */
  end(): void {
    this.errno.push(this.cur);
  }
  /** a register step: it cannot fail on a consistent VM */
  check(): void {
    if (this.cur !== 0) throw new Error(`migrate: ${this.step} failed with errno ${this.cur}`);
  }
}

/** migrate: save this VM, restore into a fresh one; returns the new VM and one errno per step. */
export function kvmMigrate(src: KvmVm): { vm: KvmVm; errno: number[] } {
  const s = new Steps();
  const blob = new Blob();
  const cfg = src.config;
  const nrIrqs = src.dist.nrSpis + 32;
  src.pauseAll();
  const get = (group: string, attr: unknown): { errno: number; value: bigint } => {
    const r = vgicV3Attr(src, group, attr, false, 0n);
    return { errno: r.errno, value: r.value ?? 0n };
  };

  // ---- save ----
  s.begin('saving the distributor registers');
  for (const off of distOffsets(nrIrqs)) {
    const r = get('DIST_REGS', { offset: off });
    s.note(r.errno);
    blob.push(REC_DIST, 0, off, r.value);
  }
  s.check();
  s.begin('saving the redistributor registers');
  for (let v = 0; v < cfg.vcpus; v++) {
    for (const off of REDIST_OFFSETS) {
      const r = get('REDIST_REGS', { offset: off, vcpu: v });
      s.note(r.errno);
      blob.push(REC_REDIST, v, off, r.value);
    }
  }
  s.check();
  s.begin('saving the CPU interface registers');
  for (let v = 0; v < cfg.vcpus; v++) {
    SYSREGS.forEach((name, i) => {
      const r = get('CPU_SYSREGS', { sysreg: name, vcpu: v });
      s.note(r.errno);
      blob.push(REC_SYSREG, v, i, r.value);
    });
  }
  s.check();
  s.begin('saving the line levels');
  for (let v = 0; v < cfg.vcpus; v++) {
    for (let intid = 0; intid < nrIrqs; intid += 32) {
      // Private lines per vCPU; SPI lines once (through vCPU 0).
      if (intid >= 32 && v > 0) break;
      const r = get('LEVEL_INFO', { intid, vcpu: v });
      s.note(r.errno);
      blob.push(REC_LEVEL, v, intid, r.value);
    }
    blob.push(REC_TIMER, v, VTIMER_PPI, src.timer.levelOf(src.dist.vcpus[v]!) ? 1n : 0n);
  }
  s.check();
  const its = src.dist.its;
  for (let n = 0; its && n < cfg.its; n++) {
    s.begin(`ITS_SAVE_TABLES of ITS ${n}`);
    s.note(its.deviceAttr(n, 'CTRL', 'ITS_SAVE_TABLES', 'set', undefined).errno);
    s.end();
  }
  s.begin('saving the GITS_* registers');
  for (let n = 0; its && n < cfg.its; n++) {
    for (const off of [GITS_CBASER, ...GITS_RESTORE_ORDER, GITS_CTLR]) {
      const r = its.deviceAttr(n, 'ITS_REGS', { offset: off }, 'get', undefined);
      s.note(r.errno);
      blob.push(REC_ITS, n, off, r.value ?? 0n);
    }
  }
  s.check();
  s.begin('SAVE_PENDING_TABLES');
  s.note(vgicV3Attr(src, 'CTRL', 'SAVE_PENDING_TABLES', true, 0n).errno);
  s.end();

  // ---- restore: guest memory and vCPUs first ----
  const dst = new KvmVm(cfg, src.mem.clone());
  const set = (group: string, attr: unknown, value: bigint): number => vgicV3Attr(dst, group, attr, true, value).errno;
  s.begin('restoring the distributor registers');
  for (const r of blob.records(REC_DIST)) {
    const clear = clearCounterpart(r.b);
    if (clear !== null) s.note(set('DIST_REGS', { offset: clear }, 0xffff_ffffn));
    s.note(set('DIST_REGS', { offset: r.b }, r.value));
  }
  s.check();
  s.begin('restoring the redistributor registers');
  for (const r of blob.records(REC_REDIST)) {
    const clear = clearCounterpart(r.b);
    if (clear !== null) s.note(set('REDIST_REGS', { offset: clear, vcpu: r.a }, 0xffff_ffffn));
    s.note(set('REDIST_REGS', { offset: r.b, vcpu: r.a }, r.value));
  }
  s.check();
  s.begin('restoring the CPU interface registers');
  for (const r of blob.records(REC_SYSREG)) s.note(set('CPU_SYSREGS', { sysreg: SYSREGS[r.b], vcpu: r.a }, r.value));
  s.check();
  s.begin('restoring the line levels');
  for (const r of blob.records(REC_LEVEL)) s.note(set('LEVEL_INFO', { intid: r.b, vcpu: r.a }, r.value));
  for (const r of blob.records(REC_TIMER)) if (r.value) dst.timerLine(r.a, true);
  s.check();
  const dits = dst.dist.its;
  const itsRecs = [...blob.records(REC_ITS)];
  for (let n = 0; dits && n < cfg.its; n++) {
    const mine = itsRecs.filter((r) => r.a === n);
    s.begin(`restoring GITS_CBASER and the other GITS_* registers of ITS ${n}`);
    for (const off of [GITS_CBASER, ...GITS_RESTORE_ORDER]) {
      for (const r of mine) if (r.b === off) s.note(dits.deviceAttr(n, 'ITS_REGS', { offset: off }, 'set', r.value).errno);
    }
    s.check();
    s.begin(`ITS_RESTORE_TABLES of ITS ${n}`);
    s.note(dits.deviceAttr(n, 'CTRL', 'ITS_RESTORE_TABLES', 'set', undefined).errno);
    const restored = s.errnoOfCurrent() === 0;
    s.end();
    s.begin(`restoring GITS_CTLR of ITS ${n}`);
    for (const r of mine) if (r.b === GITS_CTLR) s.note(dits.deviceAttr(n, 'ITS_REGS', { offset: GITS_CTLR }, 'set', r.value).errno);
    // After a failed restore a VMM would give up; the enable may then fail too.
    if (restored) s.check();
  }
  // The VMM re-creates its routing table, irqfds and assigned devices on the destination.
  s.begin('re-creating the routing table and irqfds');
  if (src.routing.userEntries) s.note(dst.routing.setGsiRouting(src.routing.userEntries));
  for (const irqfd of src.routing.irqfds.values()) s.note(dst.routing.irqfd(irqfd.gsi, irqfd.resampler !== null, false));
  for (const [hostIrq, gsi] of src.producers) dst.vfioForward(gsi, hostIrq);
  s.check();
  return { vm: dst, errno: s.errno };
}
