// Regressions from the triage of fuzz campaign findings (each names the finding it comes from).
// Expected values come from Arm IHI 0069 / docs/kvm-abi.md, not from the model.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ItsCommand, OpResult, PrimitiveOp, ResolvedConfig, Scenario } from '../../spec/scenario.js';
import { resolveConfig } from '../../spec/scenario.js';
import { expandBoot, expandScenario } from '../../spec/expand.js';
import { createOracle, type Oracle } from '../../model/oracle.js';
import { targetQuirks } from '../../triage/classify.js';
import { oracleFedByModel } from './helpers.js';
import { toHex } from '../../spec/hex.js';
import { BOOT_PROPBASE, bootDeviceTable } from '../../spec/layout.js';

const CFG: ResolvedConfig = resolveConfig({ vcpus: 1, spis: 32, its: 1 });
const boot = (cfg = CFG): PrimitiveOp[] => expandBoot({ op: 'boot' }, cfg);

const oracleAfter = (ops: PrimitiveOp[], cfg = CFG): Oracle => oracleFedByModel(ops, cfg);
const gits = (offset: number, width: 32 | 64, value: string): PrimitiveOp => ({ op: 'mmio.write', cpu: 0, frame: 'gits', index: 0, offset, width, value });

describe('choice.u28.cwriter-oor: CWRITER beyond the queue, then migrate, then GITS_CTLR 0 -> 1 (campaign finding "ITS queue processing lost the main state")', () => {
  // boot: CBASER Size = 15 -> a 64 KiB queue (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR: (Size + 1) * 4 KiB); 0x10000 is one past its end
  test('the oracle does not throw and accepts KVM (write ignored: vgic-its.c vgic_its_cmd_handle_* GITS_CWRITER)', () => {
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

describe('choice.u39.intid-two-ites: a MAPTI that maps an already pending INTID a second time (campaign finding kvm.attr.its-regs GITS_CREADR)', () => {
  // choice.u39.intid-two-ites: one pINTID in two ITEs is UNPREDICTABLE with scope = that INTID on all RDs;
  // KVM keeps one state per INTID and the newest ITE retargets it (vgic-its.c vgic_its_cmd_handle_* vgic_add_lpi, update_affinity_ite)
  const cfg = resolveConfig({ vcpus: 2, spis: 32, its: 2 });
  const ops: PrimitiveOp[] = [
    ...boot(cfg),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' }, // LPI 8192: priority 0xa0, enabled (IHI 0069 GICR_PROPBASER, GICR_PENDBASER)
    { op: 'its.cmd', cpu: 0, its: 1, cmds: [
      { cmd: 'MAPC', collection: 1, target: 0, valid: true },
      { cmd: 'MAPD', device: 0, size: 4, itt: '0x41000000', valid: true },
      { cmd: 'MAPTI', device: 0, event: 0, intid: 8192, collection: 1 },
      { cmd: 'INT', device: 0, event: 0 },
    ] },
    { op: 'its.cmd', cpu: 0, its: 0, cmds: [
      { cmd: 'MAPC', collection: 0, target: 1, valid: true },
      { cmd: 'MAPD', device: 1, size: 4, itt: '0x41000200', valid: true },
      { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 },
    ] },
  ];
  const iar = (cpu: number): PrimitiveOp => ({ op: 'sysreg.read', cpu, reg: 'ICC_IAR1_EL1' });
  test('the pending LPI may have moved to the new ITE\'s RD (KVM): RD 0 has nothing, RD 1 takes it', () => {
    const o = oracleAfter(ops, cfg);
    expect(o.observe(iar(0), '0x3ff')).toBeNull();
    expect(o.observe(iar(1), '0x2000')).toBeNull();
  });
  test('or stayed at RD 0', () => {
    expect(oracleAfter(ops, cfg).observe(iar(0), '0x2000')).toBeNull();
  });
  test('the scope is that INTID: no other LPI appears', () => {
    expect(oracleAfter(ops, cfg).observe(iar(1), '0x2001')).not.toBeNull();
  });
  test('out of scope when both ITEs send it to the RD where it is pending: it stays pending there', () => {
    // INV + SYNC: the configuration byte is read (choice.u16.config-cache) and the INT has landed at RD 0 (IHI 0069 5.3 ITS commands)
    const same: PrimitiveOp[] = [...ops.slice(0, -1), { op: 'its.cmd', cpu: 0, its: 1, cmds: [{ cmd: 'MAPTI', device: 0, event: 1, intid: 8192, collection: 1 }, { cmd: 'INV', device: 0, event: 0 }, { cmd: 'SYNC', target: 0 }] }];
    expect(oracleAfter(same, cfg).observe(iar(0), '0x3ff')).not.toBeNull();
  });
});

describe('migrate: a failed ITS_RESTORE_TABLES does not re-create an LPI, so its pending bit is not reloaded (campaign finding kvm.attr.its-regs GITS_CWRITER)', () => {
  // vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; arm-vgic-its.rst: the restore reads an LPI's pending bit when it re-creates the LPI from its
  // ITE; a DTE whose ITT is outside guest RAM makes it fail with -EFAULT before later devices
  const cfg = resolveConfig({ vcpus: 1, spis: 32, its: 1 });
  // DTE (Documentation/virt/kvm/devices/arm-vgic-its.rst): V [63], next [62:49] = 0, ITT_addr[51:8] in [48:5], Size [4:0] = 9
  const badDte = (1n << 63n) | ((0x10_0000_0000n >> 8n) << 5n) | 9n;
  const le = (v: bigint): string => Array.from({ length: 8 }, (_, i) => ((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0')).join('');
  const ops = (garbage: boolean): PrimitiveOp[] => [
    ...boot(cfg),
    { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' }, // LPI 8192 enabled, priority 0xa0
    { op: 'its.cmd', cpu: 0, its: 0, cmds: [
      { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPD', device: 44, size: 7, itt: '0x41000000', valid: true },
      { cmd: 'MAPTI', device: 44, event: 0, intid: 8192, collection: 0 },
      { cmd: 'INT', device: 44, event: 0 },
    ] },
    ...(garbage ? [{ op: 'mem.write', addr: toHex(bootDeviceTable(0) + 21 * 8), bytes: le(badDte) } as PrimitiveOp] : []),
  ];
  const isr: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ISR_EL1' };
  test('restore fails with -EFAULT (choice.u33.table-memory-write: the guest-written DTE left in memory) and the LPI may be gone (KVM)', () => {
    const o = oracleAfter(ops(true), cfg);
    expect(o.observe({ op: 'migrate' }, { errno: [0, 0, -14] })).toBeNull();
    expect(o.observe(isr, '0x0')).toBeNull();
  });
  test('a successful restore re-creates the LPI with its pending state: ISR.I = 1 (bit 7)', () => {
    const o = oracleAfter(ops(false), cfg);
    expect(o.observe({ op: 'migrate' }, { errno: [0, 0, 0] })).toBeNull();
    expect(o.observe(isr, '0x0')).not.toBeNull();
  });
});

describe('choice.u1.icfgr-change: Int_config changed while pending leaves the pending state of that INTID UNKNOWN (campaign finding cpuif.iar1.ack)', () => {
  // choice.u1.icfgr-change (IHI 0069 GICD_ICFGR): scope = that INTID's pending state. SPIs 34 and 35 pending
  // (GICD_ISPENDR1, IHI 0069 GICD_* registers); GICD_ICFGR2 = 0x20 keeps SPI 34 edge (bit 2k+1, k = 2) and makes SPI 35 level
  const gicd = (offset: number, value: string): PrimitiveOp => ({ op: 'mmio.write', cpu: 0, frame: 'gicd', offset, width: 32, value });
  const ops: PrimitiveOp[] = [...boot(), gicd(0x104, '0xc'), gicd(0x204, '0xc'), gicd(0xc08, '0x20')];
  const iar: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' };
  const eoi: PrimitiveOp = { op: 'sysreg.write', cpu: 0, reg: 'ICC_EOIR1_EL1', value: '0x22' }; // EOImode 0: drop and deactivate SPI 34
  test('SPI 35 may have lost its pending state (KVM: the edge LR folds back as level) ...', () => {
    const o = oracleAfter(ops);
    expect(o.observe(iar, '0x22')).toBeNull();
    expect(o.observe(eoi, null)).toBeNull();
    expect(o.observe(iar, '0x3ff')).toBeNull();
  });
  test('... or kept it', () => {
    const o = oracleAfter(ops);
    expect(o.observe(iar, '0x22')).toBeNull();
    expect(o.observe(eoi, null)).toBeNull();
    expect(o.observe(iar, '0x23')).toBeNull();
  });
  test('SPI 34, whose configuration did not change, stays pending', () => {
    expect(oracleAfter(ops).observe(iar, '0x3ff')).not.toBeNull();
  });
});

describe('KVM_IRQ_LINE on the vtimer PPI is ignored once the in-kernel timer owns it (campaign finding cpuif.isr.irq)', () => {
  // vgic.c vgic_target_oracle, vgic_queue_irq_unlock, kvm_vgic_inject_irq: vgic_validate_injection refuses an injection whose owner (userspace: none)
  // is not the line's; the timer owns PPI 27 from the vCPU's first run (the boot runs every vCPU)
  const cfg = resolveConfig({ vcpus: 1, spis: 32, its: 0 });
  const inject = (intid: number): PrimitiveOp[] => [
    ...boot(cfg),
    { op: 'kvm.irq_line', type: 'ppi', vcpu: 0, intid, level: 1 },
    { op: 'mmio.write', cpu: 0, frame: 'gicr-sgi', index: 0, offset: 0x100, width: 32, value: toHex(1n << BigInt(intid)) }, // GICR_ISENABLER0
  ];
  const isr: PrimitiveOp = { op: 'sysreg.read', cpu: 0, reg: 'ISR_EL1' };
  test('PPI 27: the line may be left alone (KVM) or driven', () => {
    expect(oracleAfter(inject(27), cfg).observe(isr, '0x0')).toBeNull();
    expect(oracleAfter(inject(27), cfg).observe(isr, '0x80')).toBeNull();
  });
  test('another PPI is driven: ISR.I = 1', () => {
    expect(oracleAfter(inject(26), cfg).observe(isr, '0x0')).not.toBeNull();
  });
});

describe('choice.u26.command-error-response stall, then migrate (campaign finding kvm:mmio.read GITS_CREADR after a failed restore)', () => {
  // Documentation/virt/kvm/devices/arm-vgic-its.rst: GITS_CTLR is restored last, and (vgic-its.c its_registers[]) any GITS_CTLR write makes an enabled ITS
  // process the commands between CREADR and CWRITER; the ABI has no Stalled bit, so a queue that
  // stalled on the source resumes on the destination, meets the same erroneous command and (choice.u26.command-error-response
  // held) stalls on it again. Before: the destination sat at CREADR = 0 with Stalled = 0, a state no
  // implementation can be in.
  test('CREADR after migrate: past both commands (errors ignored), or stalled again on the first', () => {
    const bad: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 9, event: 0 }] };
    const good: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 0, target: 0, valid: true }] };
    const creadr: PrimitiveOp = { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x90, width: 64 };
    const o = oracleAfter([...boot(), bad, good, { op: 'migrate' }]);
    expect([...o.allowed(creadr)].sort()).toEqual(['0x1', '0x40']);
  });
});

describe('choice.u43.movi-lpis-off beyond MOVI into an RD with LPIs off (QEMU campaign findings qemu-night-1/-5)', () => {
  // choice.u43.movi-lpis-off: moving a pending LPI into a redistributor that cannot take it is CONSTRAINED
  // UNPREDICTABLE: dropped, kept at the old RD, or moved (QEMU: kept). The same holds for MOVALL and
  // for an RD whose PROPBASER.IDbits (1.5) leave the INTID out of its range.
  const cfg = resolveConfig({ vcpus: 2, spis: 32, its: 1 });
  const prop: PrimitiveOp = { op: 'mem.write', addr: toHex(BOOT_PROPBASE), bytes: 'a3' }; // LPI 8192: prio 0xa0, enabled
  const map: PrimitiveOp = { op: 'its.cmd', cpu: 0, its: 0, cmds: [
    { cmd: 'MAPC', collection: 1, target: 1, valid: true }, { cmd: 'MAPC', collection: 0, target: 0, valid: true },
    { cmd: 'MAPD', device: 0, size: 4, itt: '0x41000000', valid: true },
    { cmd: 'MAPTI', device: 0, event: 0, intid: 8192, collection: 1 }, { cmd: 'INV', device: 0, event: 0 },
    { cmd: 'INT', device: 0, event: 0 }, { cmd: 'SYNC', target: 1 }] };
  const gicrCtlr0Off: PrimitiveOp = { op: 'mmio.write', cpu: 0, frame: 'gicr', index: 0, offset: 0, width: 32, value: '0x0' };
  const iar1: PrimitiveOp = { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1' };

  test('MOVALL RD 1 -> RD 0 with RD 0\'s LPIs off: the LPI may stay at RD 1', () => {
    const o = oracleAfter([...boot(cfg), prop, map], cfg);
    // EnableLPIs 1 -> 0 needs CES = 1 (choice.u18.clear-enable-lpis): observed as cleared
    expect(o.observe(gicrCtlr0Off, null)).toBeNull();
    expect(o.observe({ op: 'mmio.read', cpu: 0, frame: 'gicr', index: 0, offset: 0, width: 32 }, '0x2')).toBeNull();
    expect(o.observe({ op: 'its.cmd', cpu: 0, its: 0, cmds: [{ cmd: 'MOVALL', from: 1, to: 0 }, { cmd: 'SYNC', target: 0 }] }, null)).toBeNull();
    expect([...o.allowed(iar1)].sort()).toEqual(['0x2000', '0x3ff']);
  });

  test('MAPTI while the redistributors\' PROPBASER.IDbits disagree (choice.u17.baser-write-lpis-on, choice.u22.propbaser-mismatch): the pINTID check may go either way', () => {
    // RD 0's PROPBASER rewritten with LPIs on to IDbits = 7 (no LPI fits) and read back as taken
    const propbaser0 = '0x40100787';
    const write: PrimitiveOp = { op: 'mmio.write', cpu: 0, frame: 'gicr', index: 0, offset: 0x70, width: 64, value: propbaser0 };
    const o = oracleAfter([...boot(cfg), prop], cfg);
    expect(o.observe(write, null)).toBeNull();
    expect(o.observe({ op: 'mmio.read', cpu: 0, frame: 'gicr', index: 0, offset: 0x70, width: 64 }, propbaser0)).toBeNull();
    expect(o.observe(map, null)).toBeNull();
    // mapped (RD 1's range holds 8192: delivered) or rejected as PHYSICALID_OOR (RD 0's: nothing)
    expect([...o.allowed(iar1)].sort()).toEqual(['0x2000', '0x3ff']);
    // one implementation checks against one range: more MAPTIs do not double the candidates again
    const before = o.candidateCount();
    const more: PrimitiveOp = { op: 'its.cmd', cpu: 0, its: 0, cmds: [1, 2, 3, 4, 5, 6].map((e) => ({ cmd: 'MAPTI' as const, device: 0, event: e, intid: 8192 + e, collection: 1 })) as [ItsCommand, ...ItsCommand[]] };
    expect(o.observe(more, null)).toBeNull();
    expect(o.candidateCount()).toBeLessThanOrEqual(before);
  });
});

/** Replay a trace the kvm target produced (test/model/fixtures): the oracle must accept every op. */
function acceptsKvmTrace(fixture: string, quirks?: ReadonlySet<string>): readonly string[] {
  const fx = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', fixture), 'utf8')) as { scenario: Scenario; kvmResults: OpResult[] };
  const ex = expandScenario(fx.scenario);
  expect(fx.kvmResults).toHaveLength(ex.ops.length);
  const o = createOracle(ex.config, quirks === undefined ? {} : { quirks });
  ex.ops.forEach((op, i) => expect([i, o.observe(op, fx.kvmResults[i]!)]).toEqual([i, null]));
  return o.quirksUsed();
}

describe('choice.u24.pending-across-toggle "lost" loses the pending-table bits too (campaign finding kvm:kvm.signal_msi:return-mismatch:its.msi.unmapped-event-drop, nightly-7)', () => {
  // choice.u24.pending-across-toggle: pending LPIs across EnableLPIs 1 -> 0 -> 1 are preserved through the pending
  // table, or (KVM) lost. KVM clears a table bit when it takes the LPI from the table (docs/kvm-abi.md
  // 1.12), so after a migrate (which restored LPI 8192 pending from the table) and a toggle, nothing
  // brings 8192 back. Before: the model's "lost" option reloaded it from the stale bit at the
  // re-enable, so only the (rejected) narrow-range MAPTI choice could explain the acknowledge of 1023.
  test('the kvm target\'s trace is one the architecture allows', () => {
    acceptsKvmTrace('u24-lost-clears-table.kvm-trace.json');
  });
});

describe('The ITS may clear a table entry it unmaps (campaign finding kvm:kvm.signal_msi:return-mismatch:kvm.msi.frame-address, nightly-6)', () => {
  // IHI 0069 GITS_* registers (table memory format IMPDEF) and choice.u33.table-memory-write: the ITS owns its tables and may write them.
  // KVM zeroes the DTE on MAPD V = 0 (vgic-its.c vgic_its_cmd_handle_*). The trace: guest garbage in DeviceID 0's
  // DTE slot, a migrate whose restore fails on it (-EINVAL), device 0 mapped and unmapped again, a
  // second migrate that restores (its scan no longer meets the garbage), an MSI to device 1 that
  // is delivered. Before: the model held "stale entries stay" from the first migrate and could not
  // explain the second restore succeeding with device 1.
  // Its MSIs name an address of the ITS frame other than GITS_TRANSLATER, which KVM takes as the
  // doorbell (quirk kvm.msi-anywhere-in-its-frame; rule kvm.msi.frame-address answers -EINVAL).
  test('the kvm target\'s trace is one the architecture with kvm\'s quirks allows, naming the frame-address quirk only', () => {
    const used = acceptsKvmTrace('unmap-clears-entry.kvm-trace.json', targetQuirks('kvm')); // the trace ends: the MSI to device 1 was delivered
    expect(used).toEqual(['kvm.msi-anywhere-in-its-frame']);
  });
});

describe('choice.u9.eoir-out-of-order per EOI (campaign finding kvm:mmio.read GICR_ISACTIVER0:value-mismatch:dist.active.read, nightly-8)', () => {
  // choice.u9.eoir-out-of-order: an out-of-order EOIR may change the APRs and the active state of the written
  // INTID and of the interrupt whose priority was expected to drop; nothing makes two such EOIs
  // behave alike. KVM: the first one (SGI 15 outside the list registers) deactivated SGI 15 through
  // the EOIcount replay, the second (vtimer PPI 27 in a list register) left PPI 27 active.
  test('the kvm target\'s trace is one the architecture allows', () => {
    acceptsKvmTrace('u9-per-eoi.kvm-trace.json'); // the trace ends: PPI 27 active, SGI 15 not
  });
});

describe('choice.u41.mapc-unmap-in-use for an ICID that was never mapped (campaign finding kvm:kvm.signal_msi:return-mismatch:its.msi.unmapped-collection-drop, nightly-9)', () => {
  // choice.u41.mapc-unmap-in-use: MAPC V = 0 on an ICID that ITEs still use: they keep it, or become unusable
  // for good; nothing limits it to ICIDs that were mapped. KVM: MAPTI into the never-mapped ICID 0
  // made an unmapped collection, MAPC 0 V = 0 freed it and detached the ITE, which the next save
  // wrote as empty; after migrate a MAPTI of the same event is a fresh mapping and its MSI delivers.
  test('the kvm target\'s trace is one the architecture allows', () => {
    acceptsKvmTrace('u41-unmapped-icid.kvm-trace.json');
  });
});

describe('choice.u15.apr-arbitrary-write reaches the EOI of an interrupt acknowledged before the APR write (campaign finding kvm:mmio.read GICR_ISACTIVER0, nightly-9)', () => {
  // choice.u15.apr-arbitrary-write: writing ICC_AP1R<n> with a value not read from it is UNPREDICTABLE for the
  // APRs and everything derived. vCPU 1 acknowledges SGI 4, writes AP1R0 = 0x80000000, EOIs SGI 4:
  // the priority dropped is not SGI 4's, and the virtual CPU interface (Arm VirtualWriteEOIR)
  // deactivates only a list register of the dropped priority, so SGI 4 stays active.
  test('the kvm target\'s trace is one the architecture allows', () => {
    acceptsKvmTrace('u15-apr-write-eoi.kvm-trace.json'); // the trace ends: SGI 4 still active
  });
});

describe('A restored LPI\'s pending-table bit is taken over by its redistributor (campaign finding kvm:mem.read:memory-mismatch:mem.read, cov1)', () => {
  // choice.u20.pending-table-access: a table in use (EnableLPIs = 1) is the redistributor's. KVM's restore
  // re-creates each LPI from its ITE and clears the bit it loads (vgic_v3_lpi_sync_pending_status),
  // so after migrate, a CLEAR and EnableLPIs 1 -> 0 losing the pending state (choice.u24.pending-across-toggle)
  // the table holds neither LPI. Before: the model kept the saved bits in memory and required one.
  test('the kvm target\'s trace is one the architecture allows', () => {
    acceptsKvmTrace('restore-takes-pending-bit.kvm-trace.json');
  });
});

describe('choice.u39.intid-two-ites leaves that INTID\'s pending-table bits UNKNOWN (campaign finding kvm:mem.read:memory-mismatch:mem.read, t1)', () => {
  // One INTID named by ITEs of two ITSes targeting two redistributors: its pending state is
  // UNPREDICTABLE at every redistributor. KVM keeps one vgic_irq and takes the bit only at the
  // redistributor of the ITE restored first, so redistributor 1's table still has it after EnableLPIs is cleared.
  test('the kvm target\'s trace is one the architecture allows', () => {
    acceptsKvmTrace('u39-pending-table-bit.kvm-trace.json');
  });
});
