// The simulated GICv4.x host (impl/hw/gicv4-*.ts) against the architecture's rules for residency,
// delivery and doorbells (IHI 0069 chapter 6, vPEs and the GICv4 commands; chapter 6, vLPI delivery and doorbells) and Linux's host driver protocol (vgic-v4.c):
// VPENDBASER Valid/PendingLast/DB, vLPIs offered to the resident PE only, GICv4.0 per-vLPI
// doorbells gated by the doorbell LPI's enable, GICv4.1 default doorbells armed by DB at
// deschedule, VMOVP moving the vPE's redistributor, VMOVI moving pending state, and the host's
// command queue going through the table-driven codec.
import { GicV4Host, type HostVm, type HostVpe } from '../../impl/hw/gicv4-host.js';
import { GicV4Its, MSI_PHYSICAL, MSI_VIRTUAL } from '../../impl/hw/gicv4-its.js';
import { GicV4Redists } from '../../impl/hw/gicv4-redist.js';

// LPI configuration byte (IHI 0069 5.1 LPI configuration table, GICR_PROPBASER): priority [7:2], bit 1 RES1, Enable [0]
const ENABLED_A0 = 0xa3;
const ENABLED_10 = 0x13;
const DISABLED_A0 = 0xa2;

interface Rig {
  host: GicV4Host;
  vm: HostVm;
  vpe: HostVpe[];
  doorbells: number[];
}

/** A host with a VM of n vPEs whose doorbell handlers count (as vgic_v4_doorbell_handler would). */
function rig(version: '4.0' | '4.1', n = 2, pcpus = 2): Rig {
  const host = new GicV4Host(version, pcpus);
  const vm = host.createVm(n);
  const doorbells = new Array<number>(n).fill(0);
  vm.vpes.forEach((vpe, i) => host.requestDoorbell(vpe, () => {
    doorbells[i]!++;
    if (version === '4.0') host.disableDoorbell(vpe);
  }));
  return { host, vm, vpe: vm.vpes, doorbells };
}

/** Forward host IRQ h as vINTID on vPE i with the given configuration byte. */
function forward(r: Rig, h: number, i: number, vintid: number, prop = ENABLED_A0): void {
  r.host.mapVlpi(h, { vm: r.vm, vpe: r.vpe[i]!, vintid, dbEnabled: true }, prop);
}

describe.each(['4.0', '4.1'] as const)('GICv%s host', (version) => {
  test('vPEs are mapped on the ITS at creation (VMAPP + VSYNC each)', () => {
    const r = rig(version, 3);
    expect(r.host.its.executed.VMAPP).toBe(3);
    expect(r.host.its.executed.VSYNC).toBe(3);
    for (const v of r.vpe) expect(r.host.its.vpes.get(v.id)!.mapped).toBe(true);
  });

  test('VPENDBASER: Valid while resident; PendingLast after deschedule says whether an enabled vLPI is pending (6.2)', () => {
    const r = rig(version);
    const rd = r.host.hw.rd(1);
    r.host.vpeSetAffinity(r.vpe[0]!, 1);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 1, false, true);
    expect(rd.vpendbaser() >> 63n).toBe(1n);
    r.host.makeVpeNonResident(r.vpe[0]!, true);
    expect(rd.vpendbaser() >> 63n).toBe(0n);
    expect(rd.pendingLast).toBe(false);
    expect(r.vpe[0]!.pendingLast).toBe(false);
    // an enabled pending vLPI -> PendingLast = 1 at the next deschedule
    forward(r, 100, 0, 8192);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 1, false, true);
    r.host.setVlpiPending(100, true);
    r.host.makeVpeNonResident(r.vpe[0]!, true);
    expect(rd.pendingLast).toBe(true);
    expect(r.vpe[0]!.pendingLast).toBe(true);
  });

  test('a disabled pending vLPI does not set PendingLast', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192, DISABLED_A0);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    r.host.setVlpiPending(100, true);
    r.host.makeVpeNonResident(r.vpe[0]!, true);
    expect(r.host.hw.rd(0).pendingLast).toBe(false);
  });

  test('a resident vPE\'s vLPIs are candidates in priority order; acknowledge clears pending (6.3)', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192, ENABLED_A0);
    forward(r, 101, 0, 8193, ENABLED_10);
    forward(r, 102, 0, 8194, DISABLED_A0);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    const rd = r.host.hw.rd(0);
    expect(rd.highest()).toBe(-1);
    for (const h of [100, 101, 102]) expect(r.host.deviceFire(h)).toBe(true);
    expect(rd.highest()).toBe(8193);
    expect(rd.hpPriority).toBe(0x10);
    rd.acknowledge(8193);
    expect(rd.highest()).toBe(8192);
    expect(rd.hpPriority).toBe(0xa0);
    rd.acknowledge(8192);
    // the disabled one stays pending but is not a candidate
    expect(rd.highest()).toBe(-1);
    expect(r.vpe[0]!.hw.isPending(8194)).toBe(true);
    expect(rd.delivered).toBe(2);
    // another PE's redistributor does not see this vPE's vLPIs
    expect(r.host.hw.rd(1).highest()).toBe(-1);
  });

  test('no doorbell while the vPE is resident; one when it blocked (req_db) and a vLPI arrives', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    r.host.deviceFire(100);
    expect(r.doorbells[0]).toBe(0);
    r.host.hw.rd(0).acknowledge(8192);
    r.host.makeVpeNonResident(r.vpe[0]!, true);
    r.host.deviceFire(100);
    expect(r.doorbells).toEqual([1, 0]);
    // a second vLPI before the vCPU runs again rings no second doorbell
    // (4.0: the handler disabled the doorbell; 4.1: the default doorbell fires once per DB)
    r.host.deviceFire(100);
    expect(r.doorbells).toEqual([1, 0]);
  });

  test('no doorbell after a put without req_db (scheduled out, not blocked)', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    r.host.makeVpeNonResident(r.vpe[0]!, false);
    r.host.deviceFire(100);
    expect(r.doorbells[0]).toBe(0);
    expect(r.vpe[0]!.hw.isPending(8192)).toBe(true);
  });

  test('VMOVP moves the vPE\'s redistributor only when the CPU changes', () => {
    const r = rig(version);
    r.host.vpeSetAffinity(r.vpe[1]!, 0);
    expect(r.host.its.executed.VMOVP ?? 0).toBe(0);
    r.host.vpeSetAffinity(r.vpe[1]!, 1);
    expect(r.host.its.executed.VMOVP).toBe(1);
    expect(r.vpe[1]!.hw.rd).toBe(1);
    r.host.makeVpeResident(r.vm, r.vpe[1]!, 1, false, true);
    expect(r.host.hw.rd(1).resident).toBe(r.vpe[1]!.hw);
  });

  test('a vPE resident on a redistributor its vPE table entry does not name misses vLPIs until it is scheduled again', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192);
    forward(r, 101, 0, 8193);
    r.host.vpeSetAffinity(r.vpe[0]!, 0);
    // resident on CPU 1 without a VMOVP: the ITS still sends the vPE's vLPIs to redistributor 0
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 1, false, true);
    r.host.deviceFire(100);
    expect(r.vpe[0]!.hw.isPending(8192)).toBe(true);
    expect(r.host.hw.rd(1).highest()).toBe(-1);
    // scheduled again, the VPT is read afresh
    r.host.makeVpeNonResident(r.vpe[0]!, false);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 1, false, true);
    expect(r.host.hw.rd(1).highest()).toBe(8192);
    // moved with VMOVP first, the vPE sees the next vLPI at once
    r.host.makeVpeNonResident(r.vpe[0]!, false);
    r.host.vpeSetAffinity(r.vpe[0]!, 1);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 1, false, true);
    r.host.hw.rd(1).acknowledge(8192);
    r.host.deviceFire(101);
    expect(r.host.hw.rd(1).highest()).toBe(8193);
  });

  test('VMOVI (update_affinity) moves a pending vLPI to the new vPE', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192);
    r.host.deviceFire(100);
    expect(r.vpe[0]!.hw.isPending(8192)).toBe(true);
    r.host.mapVlpi(100, { vm: r.vm, vpe: r.vpe[1]!, vintid: 8192, dbEnabled: true }, 0);
    expect(r.host.its.executed.VMOVI).toBeGreaterThanOrEqual(1);
    expect(r.vpe[0]!.hw.isPending(8192)).toBe(false);
    expect(r.vpe[1]!.hw.isPending(8192)).toBe(true);
  });

  test('unmapVlpi restores the physical MSI (DISCARD + MAPTI): the pending vLPI is discarded', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192);
    r.host.deviceFire(100);
    r.host.unmapVlpi(100);
    expect(r.vpe[0]!.hw.isPending(8192)).toBe(false);
    expect(r.host.isForwarded(100)).toBe(false);
    expect(r.host.deviceFire(100)).toBe(false);
    expect(r.host.hostMsiInterrupts).toBe(1);
  });

  test('INT / CLEAR on a forwarded MSI set and clear the vLPI\'s pending bit in its VPT', () => {
    const r = rig(version);
    forward(r, 100, 1, 8200);
    r.host.setVlpiPending(100, true);
    expect(r.vpe[1]!.hw.isPending(8200)).toBe(true);
    expect(r.vpe[1]!.hw.vpt![8200 >> 3]! & (1 << (8200 & 7))).not.toBe(0);
    r.host.setVlpiPending(100, false);
    expect(r.vpe[1]!.hw.isPending(8200)).toBe(false);
    expect(r.host.its.executed.INT).toBe(1);
    expect(r.host.its.executed.CLEAR).toBe(1);
  });

  test('its_prop_update_vlpi writes the VM\'s configuration table and INVs when asked', () => {
    const r = rig(version);
    forward(r, 100, 0, 8192, ENABLED_A0);
    expect(r.vm.vprop[0]).toBe(ENABLED_A0);
    r.host.propUpdateVlpi(100, ENABLED_10, true);
    expect(r.vm.vprop[0]).toBe(ENABLED_10);
    expect(r.host.its.executed.INV).toBe(1);
  });
});

describe('GICv4.0 specifics', () => {
  test('doorbells start disabled; a vLPI for a never-run vPE leaves the doorbell pending, dropped at load', () => {
    const r = rig('4.0');
    forward(r, 100, 0, 8192);
    r.host.deviceFire(100);
    expect(r.doorbells[0]).toBe(0);
    expect(r.host.hw.lpis.isPending(r.vpe[0]!.dbLpi)).toBe(true);
    // vgic_v4_load: resident (doorbell disabled), then the stale doorbell is cleared
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    r.host.clearDoorbellPending(r.vpe[0]!);
    r.host.makeVpeNonResident(r.vpe[0]!, true);
    expect(r.doorbells[0]).toBe(0);
  });

  test('a doorbell pending from before is taken when the put enables the doorbell', () => {
    const r = rig('4.0');
    forward(r, 100, 0, 8192);
    r.host.deviceFire(100);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    r.host.makeVpeNonResident(r.vpe[0]!, true);
    expect(r.doorbells[0]).toBe(1);
  });

  test('a disabled vLPI\'s ITE names no doorbell (its_vlpi_set_doorbell)', () => {
    const r = rig('4.0');
    forward(r, 100, 0, 8192, DISABLED_A0);
    const ite = r.host.its.iteOf(0, 0);
    expect(ite?.virtual && ite.doorbell).toBe(1023);
    r.host.propUpdateVlpi(100, ENABLED_A0, true);
    const ite2 = r.host.its.iteOf(0, 0);
    expect(ite2?.virtual && ite2.doorbell).toBe(r.vpe[0]!.dbLpi);
  });

  test('GICv4.1-only commands are refused by a GICv4.0 ITS', () => {
    const r = rig('4.0');
    expect(() => r.host.its.send({ cmd: 'INVDB', vpe: r.vpe[0]!.id })).toThrow(/GICv4.1 command/);
  });
});

describe('GICv4.1 specifics', () => {
  test('VPENDBASER carries vPEID, vGrp1En and DB (6.2)', () => {
    const r = rig('4.1');
    const rd = r.host.hw.rd(0);
    r.host.makeVpeResident(r.vm, r.vpe[1]!, 0, false, true);
    const v = rd.vpendbaser();
    expect(v & 0xffffn).toBe(BigInt(r.vpe[1]!.id));
    expect((v >> 58n) & 1n).toBe(1n);
    r.host.makeVpeNonResident(r.vpe[1]!, true);
    expect((rd.vpendbaser() >> 62n) & 1n).toBe(1n);
  });

  test('vGrp1En = 0 hides the resident vPE\'s vLPIs from the CPU interface', () => {
    const r = rig('4.1');
    forward(r, 100, 0, 8192);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, false);
    r.host.deviceFire(100);
    expect(r.host.hw.rd(0).highest()).toBe(-1);
  });

  test('without req_db the put reports pending_last (the vCPU will be back) and arms no doorbell', () => {
    const r = rig('4.1');
    forward(r, 100, 0, 8192);
    r.host.makeVpeResident(r.vm, r.vpe[0]!, 0, false, true);
    r.host.makeVpeNonResident(r.vpe[0]!, false);
    expect(r.vpe[0]!.pendingLast).toBe(true);
    r.host.deviceFire(100);
    expect(r.doorbells[0]).toBe(0);
  });

  test('VMAPP names the default doorbell and the VM\'s configuration table', () => {
    const r = rig('4.1');
    const hw = r.host.its.vpes.get(r.vpe[0]!.id)!;
    expect(hw.defaultDoorbell).toBe(r.vpe[0]!.dbLpi);
    expect(hw.vprop).toBe(r.vm.vprop);
  });
});

describe('physical ITS command queue', () => {
  test('commands go through the codec: a physical MSI is raised at its collection\'s redistributor', () => {
    const hw = new GicV4Redists('4.1', 2);
    const its = new GicV4Its(hw);
    let taken = 0;
    hw.lpis.setHandler(9000, () => taken++);
    hw.lpis.setEnabled(9000, true);
    its.send({ cmd: 'MAPC', collection: 3, target: 1, valid: true });
    its.send({ cmd: 'MAPD', device: 7, size: 1, itt: '0x10000000', valid: true });
    its.send({ cmd: 'MAPTI', device: 7, event: 2, intid: 9000, collection: 3 });
    expect(its.msi(7, 2)).toBe(MSI_PHYSICAL);
    expect(taken).toBe(1);
    expect(its.creadr).toBe(its.cwriter);
    expect(its.cwriter).toBe(3 * 32);
  });

  test('VMAPI maps the event to the vINTID equal to the EventID', () => {
    const r = rig('4.1');
    r.host.its.send({ cmd: 'MAPD', device: 50, size: 15, itt: '0x20000000', valid: true });
    r.host.its.send({ cmd: 'VMAPI', device: 50, event: 8300, vpe: r.vpe[0]!.id });
    expect(r.host.its.msi(50, 8300)).toBe(MSI_VIRTUAL);
    expect(r.vpe[0]!.hw.isPending(8300)).toBe(true);
  });

  test('a command the host should never issue is reported, naming the command', () => {
    const r = rig('4.1');
    expect(() => r.host.its.send({ cmd: 'VMAPTI', device: 99, event: 0, vpe: 0, vintid: 8192 })).toThrow(/VMAPTI .*unmapped device/);
    expect(() => r.host.its.send({ cmd: 'VMOVP', vpe: 77, target: 0 })).toThrow(/vPE 77 is not mapped/);
  });

  test('the queue wraps at 64 KiB', () => {
    const r = rig('4.1');
    for (let i = 0; i < 2100; i++) r.host.its.send({ cmd: 'SYNC', target: 0 });
    expect(r.host.its.cwriter).toBeLessThan(0x1_0000);
    expect(r.host.its.creadr).toBe(r.host.its.cwriter);
    expect(r.host.its.executed.SYNC).toBe(2100);
  });
});
