// The host's GICv3/v4 irqchip driver as KVM uses it (Linux drivers/irqchip/irq-gic-v3-its.c and
// irq-gic-v4.c; vgic-v4.c, IHI 0069 chapter 6, vPEs and the GICv4 commands; chapter 6, vLPI delivery and doorbells): vPE allocation with doorbells and the
// VM's vLPI configuration table, the MSIs of assigned devices as host LPIs, and the calls KVM
// makes: its_map_vlpi / its_unmap_vlpi / its_prop_update_vlpi / its_invall_vpe, vPE affinity
// (VMOVP), its_make_vpe_resident / its_make_vpe_non_resident, and irq_set_irqchip_state on a
// forwarded MSI. Every ITS operation is a command through the physical ITS's queue.
//
// Host configuration: one ITS with GITS_TYPER.VMOVP = 1, so vPEs are mapped eagerly on the ITS
// when they are created (gic_requires_eager_mapping) and a VMOVP goes to that ITS alone.
import { toHex } from '../../spec/hex.js';
import { GicV4Its, MSI_DROPPED, MSI_VIRTUAL } from './gicv4-its.js';
import { type GicV4Version, GicV4Redists, LPI_BASE, NO_DOORBELL, type VpeHw, VLPI_ID_BITS, VPROP_BYTES, VPT_BYTES } from './gicv4-redist.js';

/** the host collection every physical MSI is routed to (host CPU 0) */
const HOST_COLLECTION = 0;
/** event bits of an assigned device (MSI-X vectors) */
const DEVICE_EVENT_BITS = 5;

/** struct its_vpe */
export class HostVpe {
  /** vpe->col_idx: the CPU whose redistributor the vPE table entry names */
  col = 0;
  resident = false;
  /** vpe->pending_last: PendingLast read back at deschedule, or set by the doorbell handler */
  pendingLast = false;
  /** vpe->vlpi_count */
  vlpiCount = 0;
  /** the doorbell's handler (request_irq on vpe->irq) */
  doorbellHandler: (() => void) | null = null;

  constructor(readonly id: number, readonly hw: VpeHw, readonly dbLpi: number, readonly vptPa: number) {}
}

/** struct its_vm: the vPEs of one VM and its vLPI configuration table (vm->vprop_page). */
export interface HostVm {
  readonly vpes: HostVpe[];
  readonly vpropPa: number;
  readonly vprop: Uint8Array;
}

/** A forwarded MSI's struct its_vlpi_map */
export interface VlpiMap {
  vm: HostVm;
  vpe: HostVpe;
  vintid: number;
  dbEnabled: boolean;
}

/** An assigned device's MSI: a host LPI translated by the physical ITS, maybe forwarded as a vLPI. */
interface HostMsi {
  readonly hostIrq: number;
  readonly devid: number;
  readonly event: number;
  readonly pintid: number;
  map: VlpiMap | null;
}

export class GicV4Host {
  readonly hw: GicV4Redists;
  readonly its: GicV4Its;
  private nextLpi = LPI_BASE;
  private nextDevid = 0;
  private nextVpeId = 0;
  private readonly msis = new Map<number, HostMsi>();
  /** host MSIs taken by the host (not forwarded): VFIO's handler signals the irqfd */
  hostMsiInterrupts = 0;

  constructor(readonly version: GicV4Version, nrPcpus: number) {
    this.hw = new GicV4Redists(version, nrPcpus);
    this.its = new GicV4Its(this.hw);
    // its_cpu_init_collections: one collection per CPU
    for (let cpu = 0; cpu < nrPcpus; cpu++) this.its.send({ cmd: 'MAPC', collection: cpu, target: cpu, valid: true });
  }

  private allocLpi(): number {
    return this.nextLpi++;
  }

  // ---- vPEs (its_alloc_vcpu_irqs, its_vpe_init, its_vpe_irq_domain_activate) -------------------

  /** its_alloc_vcpu_irqs: one vPE per vCPU, each with a doorbell LPI, VPT and the shared VCONF. */
  createVm(nrVcpus: number): HostVm {
    const vpropPa = this.hw.mem.alloc(VPROP_BYTES);
    const vprop = this.hw.mem.region(vpropPa);
    const vpes: HostVpe[] = [];
    for (let i = 0; i < nrVcpus; i++) {
      const vptPa = this.hw.mem.alloc(VPT_BYTES);
      const id = this.nextVpeId++;
      const vpe = new HostVpe(id, this.its.addVpe(id), this.allocLpi(), vptPa);
      vpes.push(vpe);
      // the doorbell is a host LPI targeting the vPE's redistributor
      this.hw.lpis.setHandler(vpe.dbLpi, () => vpe.doorbellHandler?.());
      this.vmapp(vpe, vpropPa, true, true);
    }
    return { vpes, vpropPa, vprop };
  }

  private vmapp(vpe: HostVpe, vpropPa: number, valid: boolean, first = false): void {
    if (this.version === '4.1') {
      this.its.send({
        cmd: 'VMAPP', vpe: vpe.id, target: vpe.col, valid, vpt: toHex(vpe.vptPa), vptSize: VLPI_ID_BITS - 1,
        vconf: toHex(vpropPa), defaultDoorbell: vpe.dbLpi, alloc: true, ptz: first,
      });
    } else {
      this.its.send({ cmd: 'VMAPP', vpe: vpe.id, target: vpe.col, valid, vpt: toHex(vpe.vptPa), vptSize: VLPI_ID_BITS - 1 });
    }
    this.its.send({ cmd: 'VSYNC', vpe: vpe.id });
  }

  /**
   * request_irq on the vPE's doorbell. GICv4.0 doorbells start disabled (IRQ_NOAUTOEN) and are only
   * enabled while the vCPU blocks; GICv4.1 doorbells stay enabled (the redistributor gates them).
   */
  requestDoorbell(vpe: HostVpe, handler: () => void): void {
    vpe.doorbellHandler = handler;
    this.hw.lpis.setEnabled(vpe.dbLpi, this.version === '4.1');
  }

  /** disable_irq_nosync on a GICv4.0 doorbell (what its handler does) */
  disableDoorbell(vpe: HostVpe): void {
    this.hw.lpis.setEnabled(vpe.dbLpi, false);
  }

  /** irq_set_affinity(vpe->irq): its_vpe_set_affinity moves the vPE with VMOVP. */
  vpeSetAffinity(vpe: HostVpe, cpu: number): void {
    if (vpe.col === cpu) return;
    vpe.col = cpu;
    if (this.version === '4.1') this.its.send({ cmd: 'VMOVP', vpe: vpe.id, target: cpu, db: true, defaultDoorbell: vpe.dbLpi });
    else this.its.send({ cmd: 'VMOVP', vpe: vpe.id, target: cpu });
    this.its.send({ cmd: 'VSYNC', vpe: vpe.id });
  }

  /** its_make_vpe_resident (SCHEDULE_VPE on this CPU's redistributor). */
  makeVpeResident(vm: HostVm, vpe: HostVpe, cpu: number, g0en: boolean, g1en: boolean): void {
    const rd = this.hw.rd(cpu);
    // GICv4.0: the doorbell is disabled while the vPE is resident (and the configuration table
    // is named through GICR_VPROPBASER at each schedule)
    if (this.version === '4.0') {
      this.disableDoorbell(vpe);
      rd.vpropbaser = vm.vpropPa;
    }
    rd.schedule(vpe.hw, g0en, g1en);
    vpe.resident = true;
  }

  /**
   * its_make_vpe_non_resident (DESCHEDULE_VPE). GICv4.0: the doorbell is enabled first when it is
   * wanted; pending_last = PendingLast. GICv4.1: DB = req_db; without it pending_last is set
   * ("we'll be back").
   */
  makeVpeNonResident(vpe: HostVpe, reqDb: boolean): void {
    const cpu = vpe.hw.residentOn;
    if (cpu < 0) throw new Error(`host GICv4: vPE ${vpe.id} made non-resident while not resident`);
    const rd = this.hw.rd(cpu);
    if (this.version === '4.0') {
      if (reqDb) this.hw.lpis.setEnabled(vpe.dbLpi, true);
      vpe.pendingLast = rd.deschedule(false);
    } else {
      const pl = rd.deschedule(reqDb);
      vpe.pendingLast = reqDb ? pl : true;
    }
    vpe.resident = false;
  }

  /** irq_set_irqchip_state(vpe->irq, PENDING, false): drop a stale doorbell (GICv4.0). */
  clearDoorbellPending(vpe: HostVpe): void {
    this.hw.lpis.clearPending(vpe.dbLpi);
  }

  // ---- assigned devices' MSIs ------------------------------------------------------------------

  /** The host LPI behind an assigned device's MSI (set up by the MSI domain on first use: MAPD + MAPTI). */
  private msi(hostIrq: number): HostMsi {
    let m = this.msis.get(hostIrq);
    if (m !== undefined) return m;
    const devid = this.nextDevid++;
    m = { hostIrq, devid, event: 0, pintid: this.allocLpi(), map: null };
    this.its.send({ cmd: 'MAPD', device: devid, size: DEVICE_EVENT_BITS - 1, itt: toHex(0x1_0000_0000 + devid * 0x1000), valid: true });
    this.its.send({ cmd: 'MAPTI', device: devid, event: m.event, intid: m.pintid, collection: HOST_COLLECTION });
    this.hw.lpis.setHandler(m.pintid, () => this.hostMsiInterrupts++);
    this.hw.lpis.setEnabled(m.pintid, true);
    this.msis.set(hostIrq, m);
    return m;
  }

  /** The device writes its MSI: true when the ITS delivered it as a vLPI. */
  deviceFire(hostIrq: number): boolean {
    const m = this.msi(hostIrq);
    const r = this.its.msi(m.devid, m.event);
    if (r === MSI_DROPPED) throw new Error(`host GICv4: the MSI of host IRQ ${hostIrq} has no translation`);
    return r === MSI_VIRTUAL;
  }

  /** Prepare a device's MSI (VFIO enabling MSI) so that it can be forwarded. */
  setupMsi(hostIrq: number): void {
    this.msi(hostIrq);
  }

  isForwarded(hostIrq: number): boolean {
    return this.msis.get(hostIrq)?.map != null;
  }

  /** the physical doorbell a vLPI's ITE names (GICv4.0 per-vLPI doorbells; 1023 on GICv4.1) */
  private vlpiDoorbell(map: VlpiMap, enabled: boolean): number {
    return this.version === '4.0' && map.dbEnabled && enabled ? map.vpe.dbLpi : NO_DOORBELL;
  }

  /**
   * its_map_vlpi (its_vlpi_map): the first time, write the properties into the VM's configuration
   * table, DISCARD the physical mapping and VMAPTI the vLPI; when already forwarded, VMOVI it to
   * the new vPE.
   */
  mapVlpi(hostIrq: number, map: VlpiMap, properties: number): void {
    const m = this.msi(hostIrq);
    if (m.map !== null) {
      m.map = map;
      this.its.send({ cmd: 'VMOVI', device: m.devid, event: m.event, vpe: map.vpe.id, doorbellValid: this.version === '4.0', doorbell: this.vlpiDoorbell(map, (map.vm.vprop[map.vintid - LPI_BASE]! & 1) !== 0) });
      return;
    }
    m.map = map;
    map.vm.vprop[map.vintid - LPI_BASE] = properties;
    this.its.send({ cmd: 'DISCARD', device: m.devid, event: m.event });
    this.its.send({ cmd: 'VMAPTI', device: m.devid, event: m.event, vpe: map.vpe.id, vintid: map.vintid, doorbell: this.vlpiDoorbell(map, (properties & 1) !== 0) });
  }

  /** its_unmap_vlpi (its_vlpi_unmap): DISCARD the vLPI, restore the physical mapping. */
  unmapVlpi(hostIrq: number): void {
    const m = this.msis.get(hostIrq);
    if (m === undefined || m.map === null) throw new Error(`host GICv4: its_unmap_vlpi on host IRQ ${hostIrq}, which is not forwarded`);
    this.its.send({ cmd: 'DISCARD', device: m.devid, event: m.event });
    m.map = null;
    this.its.send({ cmd: 'MAPTI', device: m.devid, event: m.event, intid: m.pintid, collection: HOST_COLLECTION });
  }

  /** its_get_vlpi */
  getVlpi(hostIrq: number): VlpiMap | null {
    return this.msis.get(hostIrq)?.map ?? null;
  }

  /**
   * its_prop_update_vlpi: write the configuration byte into the VM's table; GICv4.0 also points the
   * vLPI's doorbell at the vPE only while the vLPI is enabled (its_vlpi_set_doorbell, a VMOVI to
   * the same vPE); INV when asked.
   */
  propUpdateVlpi(hostIrq: number, config: number, inv: boolean): void {
    const m = this.msis.get(hostIrq);
    if (m === undefined || m.map === null) throw new Error(`host GICv4: its_prop_update_vlpi on host IRQ ${hostIrq}, which is not forwarded`);
    const map = m.map;
    map.vm.vprop[map.vintid - LPI_BASE] = config;
    if (this.version === '4.0') {
      this.its.send({ cmd: 'VMOVI', device: m.devid, event: m.event, vpe: map.vpe.id, doorbellValid: true, doorbell: this.vlpiDoorbell(map, (config & 1) !== 0) });
    }
    if (inv) this.its.send({ cmd: 'INV', device: m.devid, event: m.event });
  }

  /** irq_set_irqchip_state(host_irq, PENDING, p) on a forwarded MSI: INT or CLEAR on its event. */
  setVlpiPending(hostIrq: number, pending: boolean): void {
    const m = this.msis.get(hostIrq);
    if (m === undefined) throw new Error(`host GICv4: irq_set_irqchip_state on unknown host IRQ ${hostIrq}`);
    this.its.send({ cmd: pending ? 'INT' : 'CLEAR', device: m.devid, event: m.event });
  }

  /** irq_get_irqchip_state(host_irq, PENDING) on a vLPI: GICv4.1 reads the VPT of an unmapped vPE. */
  vlpiPending(hostIrq: number): boolean {
    const map = this.getVlpi(hostIrq);
    if (map === null) return false;
    if (this.version !== '4.1') throw new Error('host GICv4.0: a vLPI\'s pending state cannot be read');
    return map.vpe.hw.isPending(map.vintid);
  }

  /** its_invall_vpe */
  invallVpe(vpe: HostVpe): void {
    this.its.send({ cmd: 'VINVALL', vpe: vpe.id });
  }

  /** unmap_all_vpes / map_all_vpes around reading VPTs (GICv4.1 pending-table save) */
  unmapAllVpes(vm: HostVm): void {
    for (const vpe of vm.vpes) this.vmapp(vpe, vm.vpropPa, false);
  }
  mapAllVpes(vm: HostVm): void {
    for (const vpe of vm.vpes) this.vmapp(vpe, vm.vpropPa, true);
  }
}
