// Unit tests per component; expected values come from Arm IHI 0069 / docs/kvm-abi.md (sections cited).
import type { OpResult, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot } from '../../spec/expand.js';
import { createOracle, type Oracle } from '../../model/oracle.js';
import { ModelSession } from '../../model/target.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 2, spis: 64, its: 1 });
const boot = (cfg = CFG): PrimitiveOp[] => expandBoot({ op: 'boot' }, cfg);

const rd = (cpu: number, reg: string): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg } as PrimitiveOp);
const wr = (cpu: number, reg: string, value: string): PrimitiveOp => ({ op: 'sysreg.write', cpu, reg, value } as PrimitiveOp);
const gicd = (offset: number, value: string, width: 8 | 32 | 64 = 32): PrimitiveOp => ({ op: 'mmio.write', cpu: 0, frame: 'gicd', offset, width, value });
const sgiFrame = (cpu: number, offset: number, value: string, width: 8 | 32 = 32): PrimitiveOp => ({ op: 'mmio.write', cpu, frame: 'gicr-sgi', index: cpu, offset, width, value });
const sgi = (from: number, intid: number, targets: number): PrimitiveOp => wr(from, 'ICC_SGI1R_EL1', '0x' + ((intid << 24) | targets).toString(16));

/** Run ops on the model target (5 priority bits) and return the results. */
function run(ops: PrimitiveOp[], cfg = CFG): OpResult[] {
  const s = new ModelSession(cfg);
  return ops.map((op) => s.step(op));
}
function last(ops: PrimitiveOp[], cfg = CFG): OpResult {
  return run(ops, cfg).at(-1)!;
}
/** Feed ops (with the model target's results) to an oracle, then ask what it allows for `probe`. */
function allowedAfter(ops: PrimitiveOp[], probe: PrimitiveOp, cfg = CFG): { oracle: Oracle; allowed: OpResult[] } {
  const s = new ModelSession(cfg);
  const o = createOracle(cfg);
  for (const op of ops) expect(o.observe(op, s.step(op))).toBeNull();
  return { oracle: o, allowed: o.allowed(probe) };
}
const sorted = (a: OpResult[]): string[] => a.map((x) => JSON.stringify(x)).sort();

// LPI 8193: event 2 of device 1 -> collection 0 -> RD 1; its property byte at PROPBASER + 1 (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER)
const map: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [
  { cmd: 'MAPD', device: 1, size: 4, itt: '0x41000000', valid: true }, { cmd: 'MAPC', collection: 0, target: 1, valid: true },
  { cmd: 'MAPTI', device: 1, event: 2, intid: 8193, collection: 0 }, { cmd: 'INV', device: 1, event: 2 }] };
const int: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 1, event: 2 }] };
const prop = (b: string): PrimitiveOp => ({ op: 'mem.write', addr: '0x40100001', bytes: b });

describe('CPU interface (IHI 0069 chapter 4 and the ICC_* registers)', () => {
  test('3.1: unimplemented priority bits are RAZ (5 bits: 0xa4 reads 0xa0)', () => {
    expect(last([...boot(), gicd(0x420, '0xa4', 8), { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0x420, width: 8 }])).toBe('0xa0');
  });

  test('choice.u2.priority-bits: before anything fixes it, a priority read back may show 4..8 bits; the answer fixes PRIbits', () => {
    const ops = [...boot(), gicd(0x420, '0xa4', 8)];
    const read: PrimitiveOp = { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0x420, width: 8 };
    const { oracle, allowed } = allowedAfter(ops, read);
    expect(sorted(allowed)).toEqual(sorted(['0xa0', '0xa4']));
    expect(oracle.observe(read, '0xa0')).toBeNull();
    // 0xa4 & mask = 0xa0 for 4 or 5 bits: ICC_CTLR_EL1.PRIbits [10:8] = 3 or 4
    const ctlr = oracle.allowed(rd(0, 'ICC_CTLR_EL1')).map((r) => (Number(BigInt(r as string) >> 8n) & 7));
    expect([...new Set(ctlr)].sort()).toEqual([3, 4]);
  });

  test('3.1/choice.u13.bpr-below-min: BPR1 written 0 reads the minimum, 8 - PREbits (5 bits: 3)', () => {
    expect(last([...boot(), rd(0, 'ICC_BPR1_EL1')])).toBe('0x3');
  });

  test('3.2/choice.u4.equal-priority: equal priorities: IAR may return either', () => {
    const ops = [...boot(), sgiFrame(1, 0x401, '0x80', 8), sgiFrame(1, 0x402, '0x80', 8), sgiFrame(1, 0x100, '0x6'), sgi(0, 1, 2), sgi(0, 2, 2)];
    expect(sorted(allowedAfter(ops, rd(1, 'ICC_IAR1_EL1')).allowed)).toEqual(sorted(['0x1', '0x2']));
  });

  test('3.3: priority equal to PMR is masked: IAR returns 1023; HPPIR ignores PMR (3.6)', () => {
    const ops = [...boot(), sgiFrame(1, 0x401, '0xf0', 8), sgiFrame(1, 0x100, '0x2'), sgi(0, 1, 2)];
    const r = run([...ops, rd(1, 'ICC_IAR1_EL1'), rd(1, 'ICC_HPPIR1_EL1')]);
    expect(r.slice(-2)).toEqual(['0x3ff', '0x1']);
  });

  test('3.1/3.3: running priority and preemption: a lower priority interrupt waits for the EOI', () => {
    const ops = [...boot(), sgiFrame(1, 0x401, '0x80', 8), sgiFrame(1, 0x402, '0x40', 8), sgiFrame(1, 0x100, '0x6'), sgi(0, 2, 2),
      rd(1, 'ICC_IAR1_EL1'), sgi(0, 1, 2), rd(1, 'ICC_IAR1_EL1'), rd(1, 'ICC_RPR_EL1'), wr(1, 'ICC_EOIR1_EL1', '0x2'), rd(1, 'ICC_RPR_EL1'), rd(1, 'ICC_IAR1_EL1')];
    expect(run(ops).slice(-7)).toEqual(['0x2', null, '0x3ff', '0x40', null, '0xff', '0x1']);
  });

  test('3.4/3.5: EOImode 1: EOIR only drops priority, DIR deactivates', () => {
    const isactive: PrimitiveOp = { op: 'mmio.read', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x300, width: 32 };
    const ops = [...boot(), wr(1, 'ICC_CTLR_EL1', '0x2'), sgiFrame(1, 0x403, '0x80', 8), sgiFrame(1, 0x100, '0x8'), sgi(0, 3, 2),
      rd(1, 'ICC_IAR1_EL1'), wr(1, 'ICC_EOIR1_EL1', '0x3'), rd(1, 'ICC_RPR_EL1'), isactive, wr(1, 'ICC_DIR_EL1', '0x3'), isactive];
    expect(run(ops).slice(-6)).toEqual(['0x3', null, '0xff', '0x8', null, '0x0']);
  });

  test('3.9: SGI1R with IRM = 1 reaches every PE but the sender', () => {
    const cfg = resolveConfig({ vcpus: 3, spis: 32, its: 0 });
    const ops = [...boot(cfg), ...[0, 1, 2].map((c) => sgiFrame(c, 0x100, '0x10')), wr(0, 'ICC_SGI1R_EL1', '0x' + ((1n << 40n) | (4n << 24n)).toString(16)),
      rd(0, 'ICC_IAR1_EL1'), rd(1, 'ICC_IAR1_EL1'), rd(2, 'ICC_IAR1_EL1')];
    expect(run(ops, cfg).slice(-3)).toEqual(['0x3ff', '0x4', '0x4']);
  });

  test('2.3: ICPENDR on a level interrupt whose line is high leaves it pending', () => {
    const ispendr: PrimitiveOp = { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0x204, width: 32 };
    const ops = [...boot(), gicd(0xc08, '0x0'), { op: 'kvm.irq_line', type: 'spi', intid: 40, level: 1 } as PrimitiveOp, gicd(0x284, '0x100'), ispendr,
      { op: 'kvm.irq_line', type: 'spi', intid: 40, level: 0 } as PrimitiveOp, ispendr];
    expect(run(ops).slice(-4)).toEqual([null, '0x100', 0, '0x0']);
  });

  test('choice.u6.state-change-race: an SPI disabled by vCPU 0 may still be taken once by vCPU 1 (old properties), never by the writer', () => {
    // SPI 40 routed to vCPU 1 (IROUTER Aff0 = 1), enabled, pending; vCPU 0 disables it
    const ops = [...boot(), gicd(0x6140, '0x1', 64), gicd(0x428, '0x80', 8), gicd(0x104, '0x100'), gicd(0x204, '0x100'), gicd(0x184, '0x100')];
    const { oracle, allowed } = allowedAfter(ops, rd(1, 'ICC_IAR1_EL1'));
    expect(sorted(allowed)).toEqual(sorted(['0x28', '0x3ff']));
    expect(oracle.observe(rd(1, 'ICC_IAR1_EL1'), '0x3ff')).toBeNull();
    // the acknowledge synchronised vCPU 1: the window is closed
    expect(oracle.allowed(rd(1, 'ICC_IAR1_EL1'))).toEqual(['0x3ff']);
  });

  test('WFI: woken with a signalled interrupt, asleep otherwise; guest ops on a sleeping vCPU return "asleep"', () => {
    const ops = [...boot(), { op: 'wfi', cpu: 1 } as PrimitiveOp, rd(1, 'ICC_PMR_EL1'), sgiFrame(0, 0x100, '0x2'), sgi(0, 1, 1), { op: 'wfi', cpu: 0 } as PrimitiveOp];
    expect(run(ops).slice(-5)).toEqual(['asleep', 'asleep', null, null, 'woken']);
  });

  test('cpuif.wfi.rpr-masked-may-wake: an interrupt masked only by the running priority: woken or asleep', () => {
    const ops = [...boot(), sgiFrame(0, 0x401, '0x40', 8), sgiFrame(0, 0x402, '0x80', 8), sgiFrame(0, 0x100, '0x6'), sgi(0, 1, 1), rd(0, 'ICC_IAR1_EL1'), sgi(0, 2, 1)];
    expect(sorted(allowedAfter(ops, { op: 'wfi', cpu: 0 }).allowed)).toEqual(sorted(['woken', 'asleep']));
  });
});

describe('LPIs and the ITS (IHI 0069 5.1 LPIs; chapter 5, LPIs and the ITS)', () => {

  test('5.7 INT + 1.3 property byte (priority byte & 0xfc, enable bit 0): the LPI is acknowledged', () => {
    expect(run([...boot(), prop('a3'), map, int, rd(1, 'ICC_IAR1_EL1'), rd(1, 'ICC_RPR_EL1')]).slice(-2)).toEqual(['0x2001', '0xa0']);
  });

  test('choice.u16.config-cache: a property change without INV may or may not be seen; after INV only the new byte', () => {
    const base = [...boot(), prop('a3'), map, int, prop('a2')];
    expect(sorted(allowedAfter(base, rd(1, 'ICC_IAR1_EL1')).allowed)).toEqual(sorted(['0x2001', '0x3ff']));
    const inv: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INV', device: 1, event: 2 }] };
    expect(allowedAfter([...base, inv], rd(1, 'ICC_IAR1_EL1')).allowed).toEqual(['0x3ff']);
  });

  test('2.4: an LPI has no active state: it can be pending again right after the acknowledge', () => {
    const r = run([...boot(), prop('a3'), map, int, rd(1, 'ICC_IAR1_EL1'), int, rd(1, 'ICC_HPPIR1_EL1')]);
    expect(r.slice(-3)).toEqual(['0x2001', null, '0x2001']);
  });

  test('choice.u26.command-error-response: an erroneous command is ignored or stalls the queue (CREADR.Stalled)', () => {
    const bad: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 9, event: 0 }] };
    const creadr: PrimitiveOp = { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x90, width: 64 };
    // the boot queue is empty (CREADR = 0); after one 32-byte command: 0x20, or stalled at 0 (Stalled = bit 0)
    expect(sorted(allowedAfter([...boot(), bad], creadr).allowed)).toEqual(sorted(['0x20', '0x1']));
  });

  test('choice.u26.command-error-response is held: once the ITS ignored an erroneous command, it ignores the next one too', () => {
    const bad: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 9, event: 0 }] };
    const creadr: PrimitiveOp = { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x90, width: 64 };
    const { oracle } = allowedAfter([...boot(), bad], creadr);
    expect(oracle.observe(creadr, '0x20')).toBeNull();
    expect(oracle.observe(bad, null)).toBeNull();
    expect(oracle.allowed(creadr)).toEqual(['0x40']);
  });

  test('choice.u45.discard-pending: DISCARD of a pending LPI: removed, or delivered once', () => {
    const discard: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'DISCARD', device: 1, event: 2 }] };
    expect(sorted(allowedAfter([...boot(), prop('a3'), map, int, discard], rd(1, 'ICC_IAR1_EL1')).allowed)).toEqual(sorted(['0x3ff', '0x2001']));
  });

  test('5.7 MOVI moves the pending state to the new redistributor (after SYNC to the old one)', () => {
    const movi: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 1, target: 0, valid: true }, { cmd: 'MOVI', device: 1, event: 2, collection: 1 }, { cmd: 'SYNC', target: 1 }] };
    expect(run([...boot(), prop('a3'), map, int, movi, rd(1, 'ICC_IAR1_EL1'), rd(0, 'ICC_IAR1_EL1')]).slice(-2)).toEqual(['0x3ff', '0x2001']);
  });

  test('choice.u44.in-flight-until-sync: before the SYNC a MOVI\'d pending LPI may be taken at the old or the new RD, but only once', () => {
    const movi: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 1, target: 0, valid: true }, { cmd: 'MOVI', device: 1, event: 2, collection: 1 }] };
    const base = [...boot(), prop('a3'), map, int, movi];
    const { oracle, allowed } = allowedAfter(base, rd(1, 'ICC_IAR1_EL1'));
    expect(sorted(allowed)).toEqual(sorted(['0x2001', '0x3ff']));
    expect(oracle.observe(rd(1, 'ICC_IAR1_EL1'), '0x2001')).toBeNull();
    expect(oracle.allowed(rd(0, 'ICC_IAR1_EL1'))).toEqual(['0x3ff']);
  });

  test('Documentation/virt/kvm/devices/arm-vgic-its.rst: ITS_SAVE_TABLES writes the ABI rev 0 DTE, ITE and CTE', () => {
    const s = new ModelSession(CFG);
    for (const op of [...boot(), prop('a3'), map]) s.step(op);
    expect(s.step({ op: 'kvm.device_attr', device: 'its', index: 0, group: 'CTRL', attr: 'ITS_SAVE_TABLES', access: 'set' })).toEqual({ errno: 0 });
    const u64 = (hex: string): bigint => { let v = 0n; for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(parseInt(hex.substr(i * 2, 2), 16)); return v; };
    // DTE for device 1 at device table 0x40800000 + 1*8: V [63], next 0, ITT_addr[51:8] in [48:5], Size 4 in [4:0]
    const dte = u64(s.step({ op: 'mem.read', addr: '0x40800008', len: 8 }) as string);
    expect(dte).toBe((1n << 63n) | ((0x41000000n >> 8n) << 5n) | 4n);
    // ITE for event 2 at ITT + 2*8: next 0, pINTID 8193 in [47:16], ICID 0
    expect(u64(s.step({ op: 'mem.read', addr: '0x41000010', len: 8 }) as string)).toBe(8193n << 16n);
    // CTE 0 at the collection table 0x40880000: V, RDbase = vCPU 1 in [51:16], ICID 0
    expect(u64(s.step({ op: 'mem.read', addr: '0x40880000', len: 8 }) as string)).toBe((1n << 63n) | (1n << 16n));
  });

  test('migrate keeps mappings and pending LPIs (errno list: save, save pending, restore)', () => {
    const r = run([...boot(), prop('a3'), map, int, { op: 'migrate' }, rd(1, 'ICC_IAR1_EL1'), wr(1, 'ICC_EOIR1_EL1', '0x2001'), int, rd(1, 'ICC_IAR1_EL1')]);
    expect(r.slice(-5)).toEqual([{ errno: [0, 0, 0] }, '0x2001', null, null, '0x2001']);
  });
});

describe('GICR_INVLPIR / GICR_INVALLR (IHI 0069 GICR_INVLPIR, choice.u16.config-cache)', () => {
  // LPI 8193 pending at RD 1; its property byte then changes from enabled (0xa3) to disabled (0xa2)
  // without an invalidation, so RD 1 may still use the cached 0xa3 (choice.u16.config-cache).
  const stale = [...boot(), prop('a3'), map, int, prop('a2')];
  const ctlr: PrimitiveOp = { op: 'mmio.read', cpu: 1, frame: 'gicr', index: 1, offset: 0, width: 32 };
  const invlpir = (at: number): PrimitiveOp => ({ op: 'mmio.write', cpu: at, frame: 'gicr', index: at, offset: 0xa0, width: 64, value: '0x2001' });
  const invallr = (at: number): PrimitiveOp => ({ op: 'mmio.write', cpu: at, frame: 'gicr', index: at, offset: 0xb0, width: 64, value: '0x0' });

  /** GICR_CTLR read back as `ctlrValue` (EnableLPIs = 1; IR = bit 2), then `writes`: what may RD 1 acknowledge? */
  function iarAfter(ctlrValue: string, writes: PrimitiveOp[]): string[] {
    const { oracle } = allowedAfter(stale, ctlr);
    expect(oracle.observe(ctlr, ctlrValue)).toBeNull();
    for (const op of writes) expect(oracle.observe(op, null)).toBeNull();
    return sorted(oracle.allowed(rd(1, 'ICC_IAR1_EL1')));
  }

  test('IR = 1: GICR_INVLPIR at the LPI\'s redistributor makes it use the new (disabled) byte', () => {
    expect(iarAfter('0x5', [invlpir(1)])).toEqual(sorted(['0x3ff']));
  });

  test('IR = 0: GICR_INVLPIR may not be implemented (DirectLPI not known), so the cached byte may still be used', () => {
    expect(iarAfter('0x1', [invlpir(1)])).toEqual(sorted(['0x2001', '0x3ff']));
  });

  test('GICR_INVALLR re-reads the LPIs of its own redistributor only', () => {
    expect(iarAfter('0x5', [invallr(0)])).toEqual(sorted(['0x2001', '0x3ff']));
    expect(iarAfter('0x5', [invallr(1)])).toEqual(sorted(['0x3ff']));
  });
});

describe('KVM ABI (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI)', () => {
  test('KVM_IRQ_LINE errnos: CPU type -ENXIO, SPI < 32 -EINVAL, PPI outside 16..31 -EINVAL, beyond the SPIs -EINVAL', () => {
    const ops: PrimitiveOp[] = [
      { op: 'kvm.irq_line', type: 'cpu', vcpu: 0, intid: 0, level: 1 }, { op: 'kvm.irq_line', type: 'spi', intid: 31, level: 1 },
      { op: 'kvm.irq_line', type: 'ppi', vcpu: 0, intid: 15, level: 1 }, { op: 'kvm.irq_line', type: 'spi', intid: 96, level: 1 },
      { op: 'kvm.irq_line', type: 'ppi', vcpu: 2, intid: 20, level: 1 }, { op: 'kvm.irq_line', type: 'spi', intid: 95, level: 1 },
    ];
    expect(run([...boot(), ...ops]).slice(-6)).toEqual([-6, -22, -22, -22, -22, 0]);
  });

  test('KVM_SIGNAL_MSI: without KVM_MSI_VALID_DEVID -EINVAL; unmapped device 0; no ITS -ENODEV', () => {
    const msi = (flags: number): PrimitiveOp => ({ op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 7, flags });
    expect(run([...boot(), msi(0), msi(1)]).slice(-2)).toEqual([-22, 0]);
    const noIts = resolveConfig({ vcpus: 1, spis: 32, its: 0 });
    expect(last([...boot(noIts), msi(1)], noIts)).toBe(-19);
  });

  test('irqfd with resamplefd: asserted until the guest deactivates, then the resamplefd fires', () => {
    const ops: PrimitiveOp[] = [...boot(), gicd(0xc08, '0x0'), gicd(0x6140, '0x0', 64), gicd(0x104, '0x100'),
      { op: 'kvm.irqfd', gsi: 8, resample: true }, { op: 'irqfd.signal', gsi: 8 }, { op: 'irqfd.resampled', gsi: 8 },
      rd(0, 'ICC_IAR1_EL1'), wr(0, 'ICC_EOIR1_EL1', '0x28'), { op: 'irqfd.resampled', gsi: 8 }, rd(0, 'ICC_IAR1_EL1')];
    expect(run(ops).slice(-6)).toEqual([null, false, '0x28', null, true, '0x3ff']);
  });
});
