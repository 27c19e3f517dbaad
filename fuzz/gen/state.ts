// What the generator believes the VM looks like. The generator is open loop (it never sees a
// result), so this is a belief built from the ops it emitted: mapped devices and events,
// collections, LPIs whose property byte changed, routes, irqfds, forwarded interrupts, which
// vCPU runs where, and per vCPU what may be pending, acknowledged or waiting for a DIR.
import { FREE_RAM } from '../../spec/layout.js';

/** The first LPI INTID (Arm IHI 0069, INTID ranges). */
export const LPI_BASE = 8192;
/** LPIs the generator uses mostly (8192..8447): small IDs collide more. */
export const LPI_SPAN = 256;
/** KVM's GITS_TYPER.Devbits (16 DeviceID bits); used for out-of-range IDs. */
export const ITS_DEVID_BITS = 16;
/** Generous: ITT_entry_size is IMPLEMENTATION DEFINED (KVM uses 8). */
export const ITT_ENTRY_BYTES = 16;
export const SPURIOUS = 1023;

export interface ItsEvent { intid: number; collection: number }
export interface ItsDevice { size: number; itt: number; events: Map<number, ItsEvent> }
export interface ItsState {
  devices: Map<number, ItsDevice>;
  collections: Map<number, number>; // ICID -> target vCPU
}
export interface LpiRef { its: number; device: number; event: number }
export type Route = { kind: 'irqchip'; spi: number } | { kind: 'msi'; lpi: LpiRef };

export class GenState {
  readonly its: ItsState[] = [];
  /** LPI INTID -> one mapping of it */
  readonly lpis = new Map<number, LpiRef>();
  /** LPIs whose property byte changed since the last INV/INVALL */
  readonly dirtyProps = new Set<number>();
  /** per vCPU: INTIDs that may be pending or active there, newest last (what to ack/EOI) */
  readonly recent: number[][] = [];
  /** per vCPU: INTIDs acknowledged (IAR) but not yet EOI'd, a stack (nesting) */
  readonly acked: number[][] = [];
  /** per vCPU: INTIDs EOI'd under EOImode 1 that still need a DIR */
  readonly needDir: number[][] = [];
  readonly eoiMode: number[] = [];
  /** per vCPU: the physical CPU it runs on, or -1 when scheduled out */
  readonly running: number[] = [];
  readonly enabledSpis = new Set<number>();
  /** SPIs the guest configured edge-triggered in GICD_ICFGR (the others are level, as written) */
  readonly edgeSpis = new Set<number>();
  readonly spiLevel = new Map<number, number>();
  readonly ppiLevel = new Map<string, number>();
  readonly timerLevel: number[] = [];
  /** GSI -> route kind ('msi' routes carry an LPI) */
  readonly routes = new Map<number, Route>();
  /** KVM_SET_GSI_ROUTING was issued (before it, GSI i is SPI i + 32: KVM's default routing) */
  routingSet = false;
  readonly irqfds = new Map<number, { resample: boolean }>();
  /** host IRQ -> GSI it is forwarded to */
  readonly forwarded = new Map<number, number>();
  /** vCPUs that executed a WFI and may still be asleep (nothing was sent to them since) */
  readonly maybeAsleep = new Set<number>();
  /** per ITS: the GITS_BASER0/1 and GITS_CBASER values the guest last programmed (undefined: boot's) */
  readonly tables: ({ baser0: bigint; baser1: bigint; cbaser: bigint } | undefined)[] = [];
  nextRam = FREE_RAM;

  constructor(readonly vcpus: number, readonly spis: number, nits: number) {
    for (let i = 0; i < nits; i++) this.its.push({ devices: new Map(), collections: new Map() });
    for (let c = 0; c < vcpus; c++) {
      this.recent.push([]);
      this.acked.push([]);
      this.needDir.push([]);
      this.eoiMode.push(0);
      this.running.push(-1);
      this.timerLevel.push(0);
    }
  }

  noteRecent(cpu: number, intid: number): void {
    this.maybeAsleep.delete(cpu);
    const r = this.recent[cpu]!;
    r.push(intid);
    if (r.length > 8) r.shift();
  }

  /** Allocate guest RAM for an ITT (MAPD wants it 256-byte aligned). */
  alloc(bytes: number): number {
    const a = this.nextRam;
    this.nextRam += Math.max(0x100, Math.ceil(bytes / 0x100) * 0x100);
    return a;
  }

  /** Allocate guest RAM aligned to `align` bytes (a table page). */
  allocAligned(bytes: number, align: number): number {
    this.nextRam = Math.ceil(this.nextRam / align) * align;
    return this.alloc(bytes);
  }

  mappedEvents(): LpiRef[] {
    const out: LpiRef[] = [];
    this.its.forEach((its, n) => {
      for (const [device, d] of its.devices) for (const event of d.events.keys()) out.push({ its: n, device, event });
    });
    return out;
  }

  eventOf(ref: LpiRef): ItsEvent | undefined {
    return this.its[ref.its]?.devices.get(ref.device)?.events.get(ref.event);
  }
}
