// The host's physical GICv4.x ITS (IHI 0069 chapter 5, LPIs and the ITS; chapter 6, vPEs and the GICv4 commands): physical devices and their events (the
// MSIs of assigned devices), collections, the vPE table, and the command queue the host driver
// fills. Commands are written into the queue with the table-driven encoder and read back with the
// decoder (spec/codec/its-command.ts), exactly as a real ITS reads its queue.
//
// The host ITS has GITS_TYPER.VMOVP = 1 (one ITS, no ITSList): a VMOVP goes to this ITS alone.
// A command the host driver should never issue (unmapped device, unknown vPE) throws: that is a
// bug of the host side, reported as a target error, never silently absorbed.
import { decodeItsCommand, encodeItsCommandInto, ITS_COMMAND_BYTES, type DecodedItsCommand } from '../../spec/codec/its-command.js';
import type { ItsCommand } from '../../spec/scenario.js';
import { type GicV4Redists, type VpeHw, NO_DOORBELL, VpeHw as VpeHwClass, VPT_BYTES } from './gicv4-redist.js';

/** One ITE of a host device: a physical LPI to a collection, or a vLPI of a vPE. */
export type PhysIte =
  | { virtual: false; pintid: number; icid: number }
  | { virtual: true; vpe: VpeHw; vintid: number; doorbell: number };

interface PhysDevice {
  eventBits: number;
  itt: Map<number, PhysIte>;
}

/** What became of an MSI the ITS translated. */
export const MSI_DROPPED = 0;
export const MSI_PHYSICAL = 1;
export const MSI_VIRTUAL = 2;

const QUEUE_BYTES = 0x1_0000;

export class GicV4Its {
  /** the command queue (GITS_CBASER) in host memory, with GITS_CWRITER / GITS_CREADR */
  private readonly queue = new Uint8Array(QUEUE_BYTES);
  cwriter = 0;
  creadr = 0;
  private readonly devices = new Map<number, PhysDevice>();
  /** ICID -> redistributor (physical CPU) */
  private readonly collections = new Map<number, number>();
  /** the vPE table */
  readonly vpes = new Map<number, VpeHw>();
  /** commands executed, by name */
  readonly executed: Record<string, number> = {};
  /** the redistributors (vLPI delivery, doorbells) and host LPIs this ITS raises interrupts at */
  private readonly hw: GicV4Redists;

  constructor(hw: GicV4Redists) {
    this.hw = hw;
  }

  get version(): '4.0' | '4.1' {
    return this.hw.version;
  }

  /** The host driver's its_send_*: write the command at CWRITER, advance CWRITER, the ITS consumes it. */
  send(cmd: ItsCommand): void {
    encodeItsCommandInto(cmd, this.queue, this.cwriter);
    this.cwriter = (this.cwriter + ITS_COMMAND_BYTES) % QUEUE_BYTES;
    this.process();
  }

  /** Consume every command between GITS_CREADR and GITS_CWRITER. */
  private process(): void {
    while (this.creadr !== this.cwriter) {
      const d = decodeItsCommand(this.queue, this.creadr);
      this.creadr = (this.creadr + ITS_COMMAND_BYTES) % QUEUE_BYTES;
      this.execute(d);
    }
  }

  private fail(d: DecodedItsCommand, why: string): never {
    throw new Error(`host GICv4 ITS: ${d.name ?? `opcode 0x${d.opcode.toString(16)}`} ${JSON.stringify(d.fields)}: ${why}`);
  }

  private ite(d: DecodedItsCommand): PhysIte {
    const dev = this.devices.get(d.fields.device!);
    if (dev === undefined) this.fail(d, 'unmapped device');
    const ite = dev.itt.get(d.fields.event!);
    if (ite === undefined) this.fail(d, 'unmapped event');
    return ite;
  }

  private vpe(d: DecodedItsCommand, mapped = true): VpeHw {
    const id = d.fields.vpe!;
    const vpe = this.vpes.get(id);
    if (vpe === undefined || (mapped && !vpe.mapped)) this.fail(d, `vPE ${id} is not mapped`);
    return vpe;
  }

  private setIte(d: DecodedItsCommand, ite: PhysIte): void {
    const dev = this.devices.get(d.fields.device!);
    if (dev === undefined) this.fail(d, 'unmapped device');
    const event = d.fields.event!;
    if (event >= 2 ** dev.eventBits) this.fail(d, `EventID beyond the device's ${dev.eventBits} bits`);
    dev.itt.set(event, ite);
  }

  /** Declare a vPE the hypervisor allocated (its vPE table slot); VMAPP maps it. */
  addVpe(id: number): VpeHw {
    let vpe = this.vpes.get(id);
    if (vpe === undefined) this.vpes.set(id, (vpe = new VpeHwClass(id)));
    return vpe;
  }

  private execute(d: DecodedItsCommand): void {
    if (d.name === null || d.raw !== undefined) this.fail(d, 'not a well-formed command');
    const f = d.fields;
    this.executed[d.name] = (this.executed[d.name] ?? 0) + 1;
    switch (d.name) {
      case 'MAPD':
        if (f.valid) this.devices.set(f.device!, { eventBits: f.size! + 1, itt: new Map() });
        else this.devices.delete(f.device!);
        return;
      case 'MAPC':
        if (f.valid) {
          this.hw.rd(f.target!);
          this.collections.set(f.collection!, f.target!);
        } else {
          this.collections.delete(f.collection!);
        }
        return;
      case 'MAPTI':
      case 'MAPI':
        if (!this.collections.has(f.collection!)) this.fail(d, 'unmapped collection');
        this.setIte(d, { virtual: false, pintid: d.name === 'MAPI' ? f.event! : f.intid!, icid: f.collection! });
        return;
      case 'DISCARD': {
        const ite = this.ite(d);
        // the pending state goes with the mapping (IHI 0069 5.3 ITS commands)
        if (ite.virtual) ite.vpe.setPending(ite.vintid, false);
        else this.hw.lpis.clearPending(ite.pintid);
        this.devices.get(f.device!)!.itt.delete(f.event!);
        return;
      }
      case 'INT':
        this.trigger(this.ite(d));
        return;
      case 'CLEAR': {
        const ite = this.ite(d);
        if (ite.virtual) ite.vpe.setPending(ite.vintid, false);
        else this.hw.lpis.clearPending(ite.pintid);
        return;
      }
      case 'MOVI': {
        const ite = this.ite(d);
        if (ite.virtual) this.fail(d, 'MOVI of a vLPI (VMOVI moves vLPIs)');
        if (!this.collections.has(f.collection!)) this.fail(d, 'unmapped collection');
        ite.icid = f.collection!;
        return;
      }
      case 'INV':
        // configuration is read from the tables at each use: nothing is cached to drop
        this.ite(d);
        return;
      case 'INVALL':
      case 'SYNC':
      case 'MOVALL':
        return;
      case 'VMAPP': {
        const vpe = this.vpe(d, false);
        if (!f.valid) {
          if (vpe.residentOn >= 0) this.fail(d, 'unmapping a resident vPE');
          vpe.mapped = false;
          return;
        }
        this.hw.rd(f.target!);
        vpe.mapped = true;
        vpe.rd = f.target!;
        vpe.vptPa = f.vpt!;
        vpe.vpt = this.hw.mem.region(f.vpt!);
        if (vpe.vpt.length < VPT_BYTES) this.fail(d, 'VPT too small');
        if (this.version === '4.1') {
          vpe.vprop = this.hw.mem.region(f.vconf!);
          vpe.defaultDoorbell = f.defaultDoorbell!;
        }
        return;
      }
      case 'VMAPTI':
      case 'VMAPI': {
        const vpe = this.vpe(d);
        this.setIte(d, { virtual: true, vpe, vintid: d.name === 'VMAPI' ? f.event! : f.vintid!, doorbell: f.doorbell! });
        return;
      }
      case 'VMOVI': {
        const ite = this.ite(d);
        if (!ite.virtual) this.fail(d, 'VMOVI of a physical LPI');
        const to = this.vpe(d);
        if (f.doorbellValid) ite.doorbell = f.doorbell!;
        if (to !== ite.vpe) {
          // the pending state moves with the vLPI (IHI 0069 chapter 6, vPEs and the GICv4 commands)
          const pending = ite.vpe.isPending(ite.vintid);
          ite.vpe.setPending(ite.vintid, false);
          ite.vpe = to;
          if (pending) this.hw.setVlpiPending(to, ite.vintid, ite.doorbell);
        }
        return;
      }
      case 'VMOVP': {
        const vpe = this.vpe(d);
        this.hw.rd(f.target!);
        vpe.rd = f.target!;
        if (this.version === '4.1' && f.db) vpe.defaultDoorbell = f.defaultDoorbell!;
        return;
      }
      case 'VSYNC':
      case 'VINVALL':
        this.vpe(d);
        return;
      case 'INVDB':
      case 'VSGI':
        if (this.version !== '4.1') this.fail(d, 'a GICv4.1 command on a GICv4.0 ITS');
        this.vpe(d);
        return;
      default:
        this.fail(d, 'not a command of this ITS');
    }
  }

  private trigger(ite: PhysIte): number {
    if (ite.virtual) {
      this.hw.setVlpiPending(ite.vpe, ite.vintid, ite.doorbell);
      return MSI_VIRTUAL;
    }
    const rd = this.collections.get(ite.icid);
    if (rd === undefined) return MSI_DROPPED;
    this.hw.lpis.raise(ite.pintid, rd);
    return MSI_PHYSICAL;
  }

  /** A device writes GITS_TRANSLATER: translate (DeviceID, EventID). */
  msi(devid: number, eventid: number): number {
    const ite = this.devices.get(devid)?.itt.get(eventid);
    if (ite === undefined) return MSI_DROPPED;
    return this.trigger(ite);
  }

  /** Debug / test view: the ITE of a host event. */
  iteOf(devid: number, eventid: number): PhysIte | undefined {
    return this.devices.get(devid)?.itt.get(eventid);
  }
}

export { NO_DOORBELL };
