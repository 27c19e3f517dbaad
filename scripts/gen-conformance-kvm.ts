// Directed scenarios for KVM's documented userspace ABI (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI; vgic-its.c its_registers[]; vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables; Documentation/virt/kvm/devices/arm-vgic-its.rst;
// Documentation/virt/kvm/api.rst, devices/arm-vgic-v3.rst, devices/arm-vgic-its.rst): KVM_IRQ_LINE,
// GSI routing, irqfd and resamplefd, KVM_SIGNAL_MSI, device attributes, the ITS table save/restore
// ABI revision 0 and its errors, SAVE_PENDING_TABLES and migration.
import type { Op } from '../spec/scenario.js';
import {
  type Def, boot, quiesce, privSetup, spiSetup, iar, eoi, rpr, srd, swr, rd, wr, prio, h, bit, irqLine, irqfd, irqfdSignal, msi, its, lpiProp,
  memRead, memWrite, le64, itt, attr, ok, errno, sendSgi,
  MAPD, MAPC, MAPTI, INV, INT, SYNC, DISCARD, INTID_SPURIOUS as SP, EINVAL, EBUSY, ENXIO, ENODEV, EEXIST, CMD_BYTES, off,
} from './gen-conformance-lib.js';
import { expandBoot } from '../spec/expand.js';
import { resolveConfig } from '../spec/scenario.js';
import { GICD_BASE, GICR_BASE, bootCollectionTable, bootDeviceTable, bootPendBase, itsBase, itsTranslater } from '../spec/layout.js';

const K1 = { vcpus: 2, spis: 64, its: 0 };
const L2 = { vcpus: 2, spis: 32, its: 1 };
const LPI0 = 8192;

// ---- ITS table ABI revision 0 entry layouts (Documentation/virt/kvm/devices/arm-vgic-its.rst), 8 bytes LE each
/** DTE: V [63], next DeviceID delta [62:49] (0 = last), ITT_addr[51:8] in [48:5], Size = EventID bits - 1 [4:0]. */
const dte = (next: number, ittAddr: number, size: number): bigint =>
  (1n << 63n) | (BigInt(next) << 49n) | ((BigInt(ittAddr) >> 8n) << 5n) | BigInt(size);
/** ITE: next EventID delta [63:48] (0 = last), pINTID [47:16] (0 = invalid), ICID [15:0]. */
const ite = (next: number, pintid: number, icid: number): bigint => (BigInt(next) << 48n) | (BigInt(pintid) << 16n) | BigInt(icid);
/** CTE: V [63], RDbase = target vCPU id [51:16], ICID [15:0]. */
const cte = (target: number, icid: number): bigint => (1n << 63n) | (BigInt(target) << 16n) | BigInt(icid);

/** The GITS_BASER0/1 and CBASER values the boot macro programmed (spec/expand.ts), which a VMM
 *  restoring the ITS writes back. */
function bootItsRegisters(): { baser0: string; baser1: string; cbaser: string } {
  const ops = expandBoot({ op: 'boot' }, resolveConfig(L2));
  const val = (name: string): string => {
    const o = ops.find((x) => x.op === 'mmio.write' && x.frame === 'gits' && x.offset === off(name));
    if (!o || o.op !== 'mmio.write') throw new Error(`boot macro does not write ${name}`);
    return o.value;
  };
  return { baser0: val('GITS_BASER0'), baser1: val('GITS_BASER1'), cbaser: val('GITS_CBASER') };
}
const ITS_REGS = (o: string) => ({ offset: off(o) });

/** Save set-up: device 1 (Size 7, ITT slot 0) events 0 -> 8192 and 3 -> 8195; device 4 (Size 4,
 *  ITT slot 1) event 9 -> 8197; all in collection 0 on vCPU 1. */
function saveSetup(): Op[] {
  return [boot(), lpiProp(8192, 0xa0), lpiProp(8195, 0xa0), lpiProp(8197, 0xa0),
    its([MAPD(1, 7, itt(0)), MAPD(4, 4, itt(1)), MAPC(0, 1), MAPTI(1, 0, 8192, 0), MAPTI(1, 3, 8195, 0), MAPTI(4, 9, 8197, 0),
      INV(1, 0), INV(1, 3), INV(4, 9), SYNC(1)])];
}
/** The documented restore order on the same VM after ITS_RESET (arm-vgic-its.rst): CBASER, other
 *  GITS_* registers (BASERs), RESTORE_TABLES, then GITS_CTLR. */
function restoreSequence(expectRestore: number): Op[] {
  const r = bootItsRegisters();
  const ops: Op[] = [
    attr('its', 'CTRL', 'ITS_RESET', 'set', ok, undefined, 0),
    attr('its', 'ITS_REGS', ITS_REGS('GITS_CBASER'), 'set', ok, BigInt(r.cbaser), 0),
    attr('its', 'ITS_REGS', ITS_REGS('GITS_BASER0'), 'set', ok, BigInt(r.baser0), 0),
    attr('its', 'ITS_REGS', ITS_REGS('GITS_BASER1'), 'set', ok, BigInt(r.baser1), 0),
    attr('its', 'CTRL', 'ITS_RESTORE_TABLES', 'set', expectRestore === 0 ? ok : errno(expectRestore), undefined, 0),
  ];
  if (expectRestore === 0) ops.push(attr('its', 'ITS_REGS', ITS_REGS('GITS_CTLR'), 'set', ok, 1n, 0));
  return ops;
}
/** KVM_SET_GSI_ROUTING GSI 3 -> irqchip pin 10 (SPI 42), then KVM_IRQFD on GSI 3 (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI). */
function spi42Irqfd(resample: boolean): Op[] {
  return [
    { op: 'kvm.set_gsi_routing', entries: [{ gsi: 3, type: 'irqchip', irqchip: 0, pin: 10 }], expect: 0 } as Op,
    irqfd(3, resample),
  ];
}

const SAVE = attr('its', 'CTRL', 'ITS_SAVE_TABLES', 'set', ok, undefined, 0);

export const kvmScenarios: Def[] = [
  {
    component: 'kvm-abi', name: 'its-regs-enable-without-tables',
    description: 'KVM_DEV_ARM_VGIC_GRP_ITS_REGS writes GITS_CTLR.Enabled = 1 with only GITS_CBASER valid (no GITS_BASER): setting Enabled without the tables is UNPREDICTABLE (choice.u31.enable-without-tables, Arm IHI 0069 GITS_CTLR): the enable is refused, and a command written then stays queued (GITS_CREADR 0), or the ITS is enabled and consumes it (Documentation/virt/kvm/devices/arm-vgic-its.rst: the userspace GITS_CTLR write is the register write).',
    rules: ['kvm.attr.its-regs', 'choice.u31.enable-without-tables', 'its.reg.creadr.progress'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [
      {"op": "kvm.device_attr", "device": "its", "index": 0, "group": "ITS_REGS", "attr": {"offset": 128}, "access": "set", "value": "0xb80000004090040f", "expect": {"errno": 0}} as Op,
      {"op": "kvm.device_attr", "device": "its", "index": 0, "group": "ITS_REGS", "attr": {"offset": 0}, "access": "set", "value": "0x1", "expect": {"errno": 0}} as Op,
      {"op": "its.cmd", "cpu": 0, "its": 0, "cmds": [{"cmd": "SYNC", "target": 0}]} as Op,
      {"op": "mmio.read", "cpu": 0, "frame": "gits", "index": 0, "offset": 144, "width": 64, "expectOneOf": ["0x0", "0x20"]} as Op],
  },
  {
    component: 'kvm-abi', name: 'irq-line-errors',
    description: 'KVM_IRQ_LINE rejects: type CPU with an in-kernel GIC (-ENXIO); SPI below 32 or beyond the VM\'s SPIs (-EINVAL); PPI outside 16..31 or on a missing vCPU (-EINVAL). Valid lines return 0.',
    rules: ['kvm.irq-line.cpu-enxio', 'kvm.irq-line.spi-einval', 'kvm.irq-line.ppi-einval', 'kvm.irq-line.spi', 'kvm.irq-line.ppi'],
    config: K1,
    ops: [boot(), irqLine('cpu', 0, 1, ENXIO), irqLine('spi', 31, 1, EINVAL), irqLine('spi', 96, 1, EINVAL), irqLine('spi', 95, 1, 0),
      irqLine('spi', 95, 0, 0), irqLine('ppi', 15, 1, EINVAL), irqLine('ppi', 32, 1, EINVAL), irqLine('ppi', 20, 1, EINVAL, 5),
      irqLine('ppi', 20, 1, 0, 1), irqLine('ppi', 20, 0, 0, 1)],
  },
  {
    component: 'kvm-abi', name: 'irq-line-raw',
    description: 'The KVM_IRQ_LINE irq field: type [27:24], vcpu_index [23:16], irq_id [15:0]. Type 1 irq_id 40 raises SPI 40; type 2 vcpu 1 irq_id 20 raises PPI 20 of vCPU 1; type 0 is -ENXIO; vcpu2_index [31:28] naming vCPU 256 is -EINVAL.',
    rules: ['kvm.irq-line.raw', 'kvm.irq-line.spi', 'kvm.irq-line.ppi', 'kvm.irq-line.cpu-enxio', 'kvm.irq-line.ppi-einval'],
    config: K1,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(40, { prio: 0x80, edge: true }), privSetup(1, 20, 0x80),
      { op: 'kvm.irq_line', raw: (1 << 24) | 40, level: 1, expect: 0 } as Op, { op: 'kvm.irq_line', raw: (1 << 24) | 40, level: 0, expect: 0 } as Op,
      iar(0, 40), eoi(0, 40),
      { op: 'kvm.irq_line', raw: (2 << 24) | (1 << 16) | 20, level: 1, expect: 0 } as Op, iar(0, SP), iar(1, 20),
      { op: 'kvm.irq_line', raw: (2 << 24) | (1 << 16) | 20, level: 0, expect: 0 } as Op, eoi(1, 20), iar(1, SP),
      { op: 'kvm.irq_line', raw: 0, level: 1, expect: ENXIO } as Op,
      { op: 'kvm.irq_line', raw: 0x1000_0000 + ((2 << 24) | 20), level: 1, expect: EINVAL } as Op],
  },
  {
    component: 'kvm-abi', name: 'msi-frame-address',
    description: 'An MSI names its ITS by the doorbell, GITS_TRANSLATER (Arm IHI 0069 5.2): KVM_SIGNAL_MSI to the first word of the translation frame (GITS_TRANSLATER - 0x40) or to the control frame (GITS_CTLR) names no doorbell and returns -EINVAL, and the mapped LPI stays idle; the same event through GITS_TRANSLATER is delivered (1). KVM takes any address of the ITS\'s 128 KiB as its doorbell (quirk kvm.msi-anywhere-in-its-frame).',
    rules: ['kvm.msi.frame-address', 'kvm.msi.delivered', 'its.msi.translate'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(1)]),
      msi(1, 0, EINVAL, { address: itsTranslater(0) - 0x40 }), msi(1, 0, EINVAL, { address: itsTranslater(0) - 0x10040 }), iar(1, SP),
      msi(1, 0, 1), iar(1, LPI0), eoi(1, LPI0), iar(1, SP)],
  },
  {
    component: 'kvm-abi', name: 'msi-no-devid-after-translation',
    description: 'KVM_SIGNAL_MSI without KVM_MSI_VALID_DEVID on a VM with an ITS is -EINVAL (Documentation/virt/kvm/api.rst KVM_SIGNAL_MSI: the ITS needs the DeviceID), also right after the same DeviceID and EventID were delivered with the flag: the LPI stays idle. KVM looks its translation cache up before checking the flag and injects the cached translation (quirk kvm.signal-msi-cached-without-devid).',
    rules: ['kvm.msi.no-devid', 'kvm.msi.delivered', 'its.msi.translate'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(1)]),
      msi(1, 0, 1), iar(1, LPI0), eoi(1, LPI0), msi(1, 0, EINVAL, { flags: 0 }), iar(1, SP)],
  },
  {
    component: 'kvm-abi', name: 'irq-line-lpi-number',
    description: 'KVM_IRQ_LINE of type SPI takes SPI numbers (Documentation/virt/kvm/api.rst KVM_IRQ_LINE): irq_id 8192, which a MAPTI maps to an enabled LPI, is no SPI of the VM, so the call returns -EINVAL and the LPI stays idle. KVM finds the LPI through vgic_get_irq, injects it and returns 0 (quirk kvm.irq-line-lpi-intid).',
    rules: ['kvm.irq-line.spi-einval', 'its.cmd.mapti.map'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(1)]),
      { op: 'kvm.irq_line', type: 'spi', intid: LPI0, level: 1, expect: EINVAL } as Op, iar(1, SP)],
  },
  {
    component: 'kvm-abi', name: 'routing-default',
    description: 'Without KVM_SET_GSI_ROUTING, GSI 8 maps to irqchip pin 8 = SPI 40: an irqfd on GSI 8 raises it (an edge: asserted then deasserted).',
    rules: ['kvm.routing.default', 'kvm.irqfd.edge'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(40, { prio: 0x80, edge: true }), irqfd(8, false),
      irqfdSignal(8), iar(0, 40), eoi(0, 40), iar(0, SP)],
  },
  {
    component: 'kvm-abi', name: 'routing-irqchip-irqfd',
    description: 'An irqchip route GSI 3 -> pin 10 makes an irqfd on GSI 3 raise SPI 42; two signals before the acknowledge coalesce (edge).',
    rules: ['kvm.routing.irqchip', 'kvm.irqfd.edge', 'dist.edge.latch'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: true }),
      ...spi42Irqfd(false),
      irqfdSignal(3), irqfdSignal(3), iar(0, 42), eoi(0, 42), iar(0, SP)],
  },
  {
    component: 'kvm-abi', name: 'routing-einval',
    description: 'KVM_SET_GSI_ROUTING rejects an irqchip pin >= 988 and an unknown entry type with -EINVAL; pin 987 is accepted.',
    rules: ['kvm.routing.einval', 'kvm.routing.irqchip'],
    config: K1,
    ops: [boot(),
      { op: 'kvm.set_gsi_routing', entries: [{ gsi: 1, type: 'irqchip', irqchip: 0, pin: 988 }], expect: EINVAL } as Op,
      { op: 'kvm.set_gsi_routing', entries: [{ gsi: 1, type: 99 }], expect: EINVAL } as Op,
      { op: 'kvm.set_gsi_routing', entries: [{ gsi: 1, type: 'irqchip', irqchip: 0, pin: 987 }], expect: 0 } as Op],
  },
  {
    component: 'kvm-abi', name: 'irqfd-resample',
    description: 'A resample irqfd asserts level-sensitive SPI 42 and keeps it asserted; when the guest deactivates it (EOI), KVM deasserts the line and signals the resamplefd once.',
    rules: ['kvm.irqfd.resample', 'kvm.routing.irqchip', 'dist.level.line'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: false }),
      ...spi42Irqfd(true),
      irqfdSignal(3), rd('GICD_ISPENDR1', bit(42)), iar(0, 42),
      { op: 'irqfd.resampled', gsi: 3, expect: false } as Op, eoi(0, 42),
      { op: 'irqfd.resampled', gsi: 3, expect: true } as Op, { op: 'irqfd.resampled', gsi: 3, expect: false } as Op,
      iar(0, SP), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'kvm-abi', name: 'irqfd-signal-unassigned',
    description: 'irqfd.signal on a GSI with no irqfd assigned (before its KVM_IRQFD, and after a deassign) reaches no interrupt: the resample irqfd assigned afterwards finds SPI 42 not pending, and only its own signal asserts it. (Our VMM gives each assignment an eventfd of its own: an eventfd written before its KVM_IRQFD would count, and KVM would inject at the assignment, virt/kvm/eventfd.c kvm_irqfd_assign.)',
    rules: ['kvm.irqfd.resample', 'kvm.irqfd.deassign', 'kvm.routing.irqchip'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: false }),
      { op: 'kvm.set_gsi_routing', entries: [{ gsi: 3, type: 'irqchip', irqchip: 0, pin: 10 }], expect: 0 } as Op,
      irqfdSignal(3), irqfd(3, true), rd('GICD_ISPENDR1', 0), iar(0, SP),
      irqfd(3, true, true), irqfdSignal(3), irqfd(3, true), rd('GICD_ISPENDR1', 0),
      irqfdSignal(3), rd('GICD_ISPENDR1', bit(42)), iar(0, 42), eoi(0, 42)],
  },
  {
    component: 'kvm-abi', name: 'irqfd-resample-edge-config',
    description: 'A resample irqfd asserts SPI 42, which the guest configured edge-triggered; vCPU 0 acknowledges it, exits (a GICD read) and EOIs it: the interrupt was resampled, so KVM signals the resamplefd (Documentation/virt/kvm/api.rst KVM_IRQFD). KVM reports an EOI to the resampler only from a list register with the EOI maintenance bit, which it sets for level-configured interrupts only: the resamplefd stays silent (quirk kvm.irqfd-resample-needs-exit-while-active, edge case).',
    rules: ['kvm.irqfd.resample', 'kvm.routing.irqchip', 'dist.icfgr.config'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: true }),
      ...spi42Irqfd(true),
      irqfdSignal(3), iar(0, 42), rd('GICD_ISACTIVER1', bit(42)), eoi(0, 42),
      { op: 'irqfd.resampled', gsi: 3, expect: true } as Op],
  },
  {
    component: 'kvm-abi', name: 'irqfd-level-pulse',
    description: 'An irqfd without resamplefd on a level-sensitive SPI asserts and deasserts the line: the pulse may or may not leave the SPI pending.',
    rules: ['kvm.irqfd.level-pulse'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: false, enable: false }),
      ...spi42Irqfd(false), irqfdSignal(3),
      rd('GICD_ISPENDR1', [bit(42), 0])],
  },
  {
    component: 'kvm-abi', name: 'timer-line',
    description: 'The virtual timer output drives PPI 27 as a level-sensitive line: pending while high, acknowledged, quiet after it drops and the EOI.',
    rules: ['kvm.timer.line', 'dist.level.line'],
    config: K1,
    ops: [boot(), quiesce([0, 1], 64), privSetup(0, 27, 0x80), privSetup(1, 27, 0x80), { op: 'timer.line', cpu: 0, level: 1 } as Op,
      iar(1, SP), iar(0, 27), { op: 'timer.line', cpu: 0, level: 0 } as Op, eoi(0, 27), iar(0, SP)],
  },
  {
    component: 'kvm-abi', name: 'irqfd-deassign',
    description: 'After KVM_IRQFD with the deassign flag, signalling the eventfd injects nothing.',
    rules: ['kvm.irqfd.deassign'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: true }),
      ...spi42Irqfd(false),
      irqfd(3, false, true),
      irqfdSignal(3), iar(0, SP), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'kvm-abi', name: 'irqfd-msi',
    description: 'An MSI route (GITS_TRANSLATER of ITS 0, data = EventID 0, devid 1) behind an irqfd injects the LPI through the ITS.',
    rules: ['kvm.routing.msi', 'kvm.irqfd.msi', 'its.msi.translate'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(1)]),
      { op: 'kvm.set_gsi_routing', entries: [{ gsi: 5, type: 'msi', address: h(itsTranslater(0)), data: 0, devid: 1 }], expect: 0 } as Op,
      irqfd(5, false),
      irqfdSignal(5), iar(0, SP), iar(1, LPI0), eoi(1, LPI0)],
  },
  {
    component: 'kvm-abi', name: 'signal-msi-errors',
    description: 'KVM_SIGNAL_MSI without KVM_MSI_VALID_DEVID, or to an address outside every ITS frame, returns -EINVAL; a valid MSI returns 1.',
    rules: ['kvm.msi.no-devid', 'kvm.msi.bad-address', 'kvm.msi.delivered'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(0)]),
      msi(1, 0, EINVAL, { flags: 0 }), msi(1, 0, EINVAL, { address: GICD_BASE }), iar(0, SP), msi(1, 0, 1), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'kvm-abi', name: 'signal-msi-no-its',
    description: 'KVM_SIGNAL_MSI on a VM without an ITS returns -ENODEV.',
    rules: ['kvm.msi.no-its'],
    config: K1,
    ops: [boot(), msi(1, 0, ENODEV, { address: itsTranslater(0) })],
  },
  {
    component: 'kvm-abi', name: 'attr-addr',
    description: 'KVM_DEV_ARM_VGIC_GRP_ADDR reads the frame bases the VM was created with (docs/scenario-format.md map); setting one again after initialisation is -EEXIST.',
    rules: ['kvm.attr.addr'],
    config: L2,
    ops: [boot(), attr('vgic', 'ADDR', 'DIST', 'get', { errno: 0, value: h(GICD_BASE) }), attr('vgic', 'ADDR', 'REDIST', 'get', { errno: 0, value: h(GICR_BASE) }),
      attr('its', 'ADDR', 'ITS', 'get', { errno: 0, value: h(itsBase(0)) }, undefined, 0), attr('vgic', 'ADDR', 'DIST', 'set', errno(EEXIST), GICD_BASE)],
  },
  {
    component: 'kvm-abi', name: 'irq-line-bad-type',
    description: 'KVM_IRQ_LINE with irq_type 3 (none of CPU, SPI, PPI) returns -EINVAL.',
    rules: ['kvm.irq-line.bad-type', 'kvm.irq-line.raw'],
    config: K1,
    ops: [boot(), { op: 'kvm.irq_line', raw: (3 << 24) | 40, level: 1, expect: EINVAL } as Op],
  },
  {
    component: 'kvm-abi', name: 'attr-nr-irqs',
    description: 'KVM_DEV_ARM_VGIC_GRP_NR_IRQS reads the number of interrupts: SPIs + 32.',
    rules: ['kvm.attr.nr-irqs'],
    config: K1,
    ops: [boot(), attr('vgic', 'NR_IRQS', 0, 'get', { errno: 0, value: h(96) })],
  },
  {
    component: 'kvm-abi', name: 'attr-dist-regs',
    description: 'KVM_DEV_ARM_VGIC_GRP_DIST_REGS reads the enable the guest set, and a userspace write of GICD_ISPENDR makes the SPI pending for the guest.',
    rules: ['kvm.attr.dist-regs'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(40, { prio: 0x80, edge: true }),
      attr('vgic', 'DIST_REGS', { offset: off('GICD_ISENABLER1') }, 'get', { errno: 0, value: h(bit(40)) }),
      attr('vgic', 'DIST_REGS', { offset: off('GICD_ISPENDR1') }, 'set', ok, bit(40)),
      iar(0, 40), eoi(0, 40), iar(0, SP)],
  },
  {
    component: 'kvm-abi', name: 'attr-dist-regs-misaligned',
    description: 'KVM_DEV_ARM_VGIC_GRP_DIST_REGS at an offset no register starts at (GICD_ISENABLER1 + 2) cannot be accessed: get and set return -ENXIO (Documentation/virt/kvm/devices/arm-vgic-v3.rst, errors). KVM finds no region for it, reads 0, ignores the write and returns 0 (quirk kvm.attr-regs-misaligned-ignored).',
    rules: ['kvm.attr.reserved-offset'],
    config: K1,
    ops: [boot(), attr('vgic', 'DIST_REGS', { offset: off('GICD_ISENABLER1') + 2 }, 'get', errno(ENXIO)),
      attr('vgic', 'DIST_REGS', { offset: off('GICD_ISENABLER1') + 2 }, 'set', errno(ENXIO), 0xffff_ffff)],
  },
  {
    component: 'kvm-abi', name: 'attr-redist-regs',
    description: 'KVM_DEV_ARM_VGIC_GRP_REDIST_REGS addresses the redistributor of the vCPU named in the attribute; SGI-frame registers are at +64 KiB.',
    rules: ['kvm.attr.redist-regs'],
    config: K1,
    ops: [boot(), quiesce([0, 1], 64), privSetup(1, 3, 0x80),
      attr('vgic', 'REDIST_REGS', { offset: 0x1_0000 + off('GICR_ISENABLER0'), vcpu: 1 }, 'get', { errno: 0, value: h(0x8) }),
      attr('vgic', 'REDIST_REGS', { offset: 0x1_0000 + off('GICR_ISENABLER0'), vcpu: 0 }, 'get', { errno: 0, value: h(0) }),
      attr('vgic', 'REDIST_REGS', { offset: 0x1_0000 + off('GICR_ISPENDR0'), vcpu: 1 }, 'set', ok, 0x8),
      iar(0, SP), iar(1, 3), eoi(1, 3)],
  },
  {
    component: 'kvm-abi', name: 'attr-cpu-sysregs',
    description: 'KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS reads vCPU 1\'s PMR as the guest set it (0xf0 at boot) and a userspace write of PMR = 0x80 is what the guest then reads and what masks its interrupts.',
    rules: ['kvm.attr.cpu-sysregs', 'cpuif.iar1.pmr'],
    config: K1,
    ops: [boot(), quiesce([1], 64), attr('vgic', 'CPU_SYSREGS', { sysreg: 'ICC_PMR_EL1', vcpu: 1 }, 'get', { errno: 0, value: h(0xf0) }),
      attr('vgic', 'CPU_SYSREGS', { sysreg: 'ICC_PMR_EL1', vcpu: 1 }, 'set', ok, 0x80), srd(1, 'ICC_PMR_EL1', 0x80),
      privSetup(1, 4, 0x90), sendSgi(0, 4, [1]), iar(1, SP), swr(1, 'ICC_PMR_EL1', 0xf0), iar(1, 4), eoi(1, 4)],
  },
  {
    component: 'kvm-abi', name: 'attr-level-info',
    description: 'KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads the line level of level-sensitive SPI 42 (bit 10 of the word for INTIDs 32..63) while KVM_IRQ_LINE holds it high; setting the level to 0 lowers the line, so the SPI is no longer pending.',
    rules: ['kvm.attr.level-info', 'dist.level.line'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: false, enable: false }), irqLine('spi', 42, 1, 0),
      attr('vgic', 'LEVEL_INFO', { intid: 32, vcpu: 0 }, 'get', { errno: 0, value: h(bit(42)) }), rd('GICD_ISPENDR1', bit(42)),
      attr('vgic', 'LEVEL_INFO', { intid: 32, vcpu: 0 }, 'set', ok, 0), rd('GICD_ISPENDR1', 0),
      attr('vgic', 'LEVEL_INFO', { intid: 32, vcpu: 0 }, 'get', { errno: 0, value: h(0) }), wr('GICD_ISENABLER1', bit(42)), iar(0, SP)],
  },
  {
    component: 'kvm-abi', name: 'attr-level-info-config-change',
    description: 'KVM_IRQ_LINE raises the line of SPI 42 while it is edge-configured (its latch then cleared by GICD_ICPENDR); configured level-sensitive afterwards with the line still high, it is pending and KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads the line high (Arm IHI 0069 GICD_ICFGR; Documentation/virt/kvm/devices/arm-vgic-v3.rst LEVEL_INFO). KVM records a line level only for level-configured interrupts: the line reads low and the SPI is not pending (quirk kvm.level-info-edge-no-line-level).',
    rules: ['kvm.attr.level-info', 'dist.icfgr.config', 'dist.level.line'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: true, enable: false }), irqLine('spi', 42, 1, 0), wr('GICD_ICPENDR1', bit(42)),
      wr('GICD_ICFGR2', 0), rd('GICD_ISPENDR1', bit(42)),
      attr('vgic', 'LEVEL_INFO', { intid: 32, vcpu: 0 }, 'get', { errno: 0, value: h(bit(42)) })],
  },
  {
    component: 'kvm-abi', name: 'irqfd-resample-deassign-lowers-line',
    description: 'A resample irqfd on GSI 8 (default route: SPI 40, level-sensitive, disabled) asserts the line when signalled; deassigning that irqfd ends its assertion, so the line reads low through KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO and the SPI is not pending (Documentation/virt/kvm/api.rst KVM_IRQFD; virt/kvm/eventfd.c irqfd_resampler_shutdown de-asserts the GSI).',
    rules: ['kvm.irqfd.resample', 'kvm.irqfd.deassign', 'kvm.attr.level-info'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(40, { prio: 0x80, edge: false, enable: false }),
      irqfd(8, true), irqfdSignal(8),
      attr('vgic', 'LEVEL_INFO', { intid: 32, vcpu: 0 }, 'get', { errno: 0, value: h(bit(40)) }), rd('GICD_ISPENDR1', bit(40)),
      irqfd(8, true, true),
      attr('vgic', 'LEVEL_INFO', { intid: 32, vcpu: 0 }, 'get', { errno: 0, value: h(0) }), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'kvm-abi', name: 'attr-level-info-range',
    description: 'KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO fails with -EINVAL only for a vINTID that is not a multiple of 32 (or another info type); the word of INTIDs 96..127 of a VM with 64 SPIs names no interrupt and reads 0 (Documentation/virt/kvm/devices/arm-vgic-v3.rst LEVEL_INFO).',
    rules: ['kvm.attr.level-info'],
    config: K1,
    ops: [boot(), attr('vgic', 'LEVEL_INFO', { intid: 96, vcpu: 0 }, 'get', { errno: 0, value: h(0) }),
      attr('vgic', 'LEVEL_INFO', { intid: 40, vcpu: 0 }, 'get', { errno: EINVAL })],
  },
  {
    component: 'kvm-abi', name: 'attr-level-info-timer',
    description: 'The virtual timer asserts PPI 27 of vCPU 0 (enabled) and the guest acknowledges it; the timer still holds the line, so KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads bit 27 high (Documentation/virt/kvm/devices/arm-vgic-v3.rst LEVEL_INFO: the input line level). KVM lowered the recorded level of the HW-mapped PPI when it put it in a list register: it reads low (quirk kvm.mapped-level-line-lowered).',
    rules: ['kvm.attr.level-info', 'kvm.timer.line'],
    config: { vcpus: 1, spis: 32, its: 0 },
    ops: [boot(), privSetup(0, 27, 0x80), { op: 'timer.line', cpu: 0, level: 1 } as Op, iar(0, 27),
      attr('vgic', 'LEVEL_INFO', { intid: 0, vcpu: 0 }, 'get', { errno: 0, value: h(1 << 27) })],
  },
  {
    component: 'kvm-abi', name: 'attr-level-info-timer-after-migrate',
    description: 'The virtual timer asserts PPI 27 of vCPU 0 (disabled): KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads bit 27 high; after migrate the timer lowers it: the line reads low, before and after vCPU 0 runs again (Documentation/virt/kvm/devices/arm-vgic-v3.rst LEVEL_INFO: the input line level). In KVM the timer output of a vCPU that has not run since the restore does not reach the vGIC (the timer owns PPI 27 from the first run): the level the restore wrote still reads high until vCPU 0 runs (quirk kvm.timer-line-unseen-before-first-run).',
    rules: ['kvm.attr.level-info', 'kvm.timer.line', 'kvm.migrate.dist-state'],
    config: { vcpus: 1, spis: 32, its: 0 },
    ops: [boot(), wr('GICR_ICENABLER0', 1 << 27, { cpu: 0, index: 0 }), { op: 'timer.line', cpu: 0, level: 1 } as Op,
      attr('vgic', 'LEVEL_INFO', { intid: 0, vcpu: 0 }, 'get', { errno: 0, value: h(1 << 27) }), { op: 'migrate' } as Op,
      { op: 'timer.line', cpu: 0, level: 0 } as Op, attr('vgic', 'LEVEL_INFO', { intid: 0, vcpu: 0 }, 'get', { errno: 0, value: h(0) }),
      iar(0, SP), attr('vgic', 'LEVEL_INFO', { intid: 0, vcpu: 0 }, 'get', { errno: 0, value: h(0) })],
  },
  {
    component: 'kvm-abi', name: 'timer-ppi-pending-after-migrate-acked',
    description: 'The virtual timer asserts PPI 27 of vCPU 1 (enabled) and vCPU 1 acknowledges it; after migrate the timer still asserts the line, so vCPU 0 reads the level PPI pending (and active) in vCPU 1\'s GICR_ISPENDR0, before and after vCPU 1 runs again (Arm IHI 0069 GICR_ISPENDR0: a level interrupt is pending while its line is asserted). In KVM the acknowledged HW-mapped PPI was saved with its line low (quirk kvm.mapped-level-line-lowered) and the destination\'s vGIC does not see the timer output until vCPU 1 first runs (quirk kvm.timer-line-unseen-before-first-run): the first read is 0.',
    rules: ['dist.pending.read', 'kvm.timer.line', 'kvm.migrate.dist-state'],
    config: { vcpus: 2, spis: 32, its: 0 },
    ops: [boot(), ...privSetup(1, 27, 0x80), { op: 'timer.line', cpu: 1, level: 1 } as Op, iar(1, 27), { op: 'migrate' } as Op,
      rd('GICR_ISPENDR0', 1 << 27, { cpu: 0, index: 1 }), { op: 'vcpu.run', cpu: 1, pcpu: 0 } as Op, rd('GICR_ISPENDR0', 1 << 27, { cpu: 0, index: 1 })],
  },
  {
    component: 'kvm-abi', name: 'attr-level-info-timer-dropped-while-loaded',
    description: 'The virtual timer of the running vCPU 0 asserts PPI 27 (disabled) and drops it again: KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads bit 27 low (Documentation/virt/kvm/devices/arm-vgic-v3.rst LEVEL_INFO: the input line level). In KVM the loaded timer\'s fall reaches no one: the recorded level stays high until the vCPU is loaded again (quirk kvm.loaded-timer-drop-unseen); after vCPU 0 is put and run again it reads low.',
    rules: ['kvm.attr.level-info', 'kvm.timer.line'],
    config: { vcpus: 1, spis: 32, its: 0 },
    ops: [boot(), { op: 'vcpu.run', cpu: 0, pcpu: 0 } as Op, { op: 'timer.line', cpu: 0, level: 1 } as Op, { op: 'timer.line', cpu: 0, level: 0 } as Op,
      attr('vgic', 'LEVEL_INFO', { intid: 0, vcpu: 0 }, 'get', { errno: 0, value: h(0) }),
      { op: 'vcpu.put', cpu: 0 } as Op, { op: 'vcpu.run', cpu: 0, pcpu: 0 } as Op, attr('vgic', 'LEVEL_INFO', { intid: 0, vcpu: 0 }, 'get', { errno: 0, value: h(0) })],
  },
  {
    component: 'kvm-abi', name: 'timer-ppi-pending-after-migrate-dropped',
    description: 'The virtual timer of the running vCPU 1 asserts PPI 27 (disabled) and drops it again; after migrate vCPU 0 reads the level PPI not pending in vCPU 1\'s GICR_ISPENDR0, before and after vCPU 1 runs (Arm IHI 0069 GICR_ISPENDR0: a level interrupt is pending while its line is asserted). In KVM the source saved the level it recorded before the loaded timer fell unseen, high (quirk kvm.loaded-timer-drop-unseen), and the destination holds it until vCPU 1 first runs (quirk kvm.timer-line-unseen-before-first-run): the first read is 0x8000000.',
    rules: ['dist.pending.read', 'kvm.timer.line', 'kvm.migrate.dist-state'],
    config: { vcpus: 2, spis: 32, its: 0 },
    ops: [boot(), { op: 'vcpu.run', cpu: 1, pcpu: 1 } as Op, { op: 'timer.line', cpu: 1, level: 1 } as Op, { op: 'timer.line', cpu: 1, level: 0 } as Op, { op: 'migrate' } as Op,
      rd('GICR_ISPENDR0', 0, { cpu: 0, index: 1 }), { op: 'vcpu.run', cpu: 1, pcpu: 1 } as Op, rd('GICR_ISPENDR0', 0, { cpu: 0, index: 1 })],
  },
  {
    component: 'kvm-abi', name: 'irqfd-plain-level-spi',
    description: 'A plain irqfd on GSI 8 (default route: SPI 40, level-sensitive, disabled) is a pulse: it leaves SPI 40 pending or not (kvm.irqfd.level-pulse), and once GICD_ICPENDR clears the latch the line is low, so it is not pending (Documentation/virt/kvm/api.rst KVM_IRQFD; Arm IHI 0069 GICD_ICPENDR). KVM injects the SPI with level 1 only and the line stays asserted (quirk kvm.irqfd-level-spi-stays-asserted).',
    rules: ['kvm.irqfd.level-pulse', 'dist.icpendr.level-line-high', 'dist.pending.read'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(40, { prio: 0x80, edge: false, enable: false }),
      irqfd(8, false), irqfdSignal(8),
      wr('GICD_ICPENDR1', bit(40)), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'kvm-abi', name: 'irqfd-resample-deassign-other-source',
    description: 'KVM_IRQ_LINE raises level-sensitive SPI 40 (GSI 8 by default); a resample irqfd on GSI 8 is assigned and deassigned without ever being signalled: the line KVM_IRQ_LINE holds is still high, so SPI 40 stays pending (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD; Arm IHI 0069 GICD_ISPENDR). KVM lowers the GSI when its last resampler goes, whatever raised it: SPI 40 is no longer pending (quirk kvm.resample-irqfd-deassign-lowers-line).',
    rules: ['kvm.irqfd.deassign', 'kvm.irqfd.resample', 'dist.pending.read'],
    config: K1,
    ops: [boot(), quiesce([0], 64), spiSetup(40, { prio: 0x80, edge: false, enable: false }),
      irqLine('spi', 40, 1, 0), irqfd(8, true), irqfd(8, true, true), rd('GICD_ISPENDR1', bit(40))],
  },
  {
    component: 'kvm-abi', name: 'timer-ppi-ispendr',
    description: 'GICR_ISPENDR0 makes the virtual timer\'s PPI 27 of vCPU 1 (disabled) pending; it reads back pending (Arm IHI 0069 GICR_ISPENDR0). KVM reads a HW-mapped level interrupt\'s pending bit from the physical timer line, which is low: it reads 0 (quirk kvm.mapped-level-line-lowered).',
    rules: ['dist.ispendr.set', 'dist.pending.read', 'kvm.timer.line'],
    config: { vcpus: 2, spis: 32, its: 0 },
    ops: [boot(), wr('GICR_ICENABLER0', 1 << 27, { cpu: 1, index: 1 }), wr('GICR_ISPENDR0', 1 << 27, { cpu: 0, index: 1 }),
      rd('GICR_ISPENDR0', 1 << 27, { cpu: 0, index: 1 })],
  },
  {
    component: 'kvm-abi', name: 'timer-ppi-ispendr-with-acked-level-ppi',
    description: 'GICR_ISPENDR0 makes PPI 20 (level, line low, enabled) and the virtual timer\'s PPI 27 (disabled) of vCPU 1 pending; vCPU 1 acknowledges PPI 20, which consumes its latch: the register reads PPI 27 pending only (Arm IHI 0069 4.1, interrupt state transitions; GICR_ISPENDR0). In KVM each bit is read on its own: PPI 20 keeps its latch until it is deactivated (quirk kvm.level-ispendr-latch-survives-ack) and PPI 27 reads the physical timer line, low (quirk kvm.mapped-level-line-lowered): both quirks explain one read.',
    rules: ['dist.ispendr.set', 'dist.pending.read', 'cpuif.iar1.ack'],
    config: { vcpus: 2, spis: 32, its: 0 },
    ops: [boot(), prio(20, 0x80, 1), wr('GICR_ICENABLER0', 1 << 27, { cpu: 1, index: 1 }), wr('GICR_ISENABLER0', 1 << 20, { cpu: 1, index: 1 }),
      wr('GICR_ISPENDR0', 1 << 20, { cpu: 0, index: 1 }), wr('GICR_ISPENDR0', 1 << 27, { cpu: 0, index: 1 }), iar(1, 20),
      rd('GICR_ISPENDR0', 1 << 27, { cpu: 0, index: 1 })],
  },
  {
    component: 'kvm-abi', name: 'attr-its-regs',
    description: 'KVM_DEV_ARM_VGIC_GRP_ITS_REGS reads GITS_CWRITER; GITS_CREADR can be set only while the ITS is disabled (-EBUSY) and only in range (-EINVAL).',
    rules: ['kvm.attr.its-regs'],
    config: L2,
    ops: [boot(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), SYNC(0)]),
      attr('its', 'ITS_REGS', ITS_REGS('GITS_CWRITER'), 'get', { errno: 0, value: h(3 * CMD_BYTES) }, undefined, 0),
      attr('its', 'ITS_REGS', ITS_REGS('GITS_CREADR'), 'set', errno(EBUSY), 3n * BigInt(CMD_BYTES), 0),
      wr('GITS_CTLR', 0),
      attr('its', 'ITS_REGS', ITS_REGS('GITS_CREADR'), 'set', errno(EINVAL), 0x1_0000n, 0),
      attr('its', 'ITS_REGS', ITS_REGS('GITS_CREADR'), 'set', ok, 3n * BigInt(CMD_BYTES), 0),
      rd('GITS_CREADR', h(3 * CMD_BYTES))],
  },
  {
    component: 'kvm-abi', name: 'attr-its-iidr-revision',
    description: 'Userspace may select the ITS table ABI through GITS_IIDR.Revision [15:12]: revision 0 is accepted, revision 1 (no such ABI) is -EINVAL.',
    rules: ['kvm.attr.its-iidr', 'kvm.its-abi.save'],
    config: L2,
    ops: [boot(), attr('its', 'ITS_REGS', ITS_REGS('GITS_IIDR'), 'set', errno(EINVAL), 1n << 12n, 0),
      attr('its', 'ITS_REGS', ITS_REGS('GITS_IIDR'), 'set', ok, 0n, 0), SAVE],
  },
  {
    component: 'kvm-abi', name: 'attr-its-reset',
    description: 'KVM_DEV_ARM_ITS_CTRL_RESET disables the ITS, zeroes CBASER, CREADR and CWRITER and forgets every mapping: MSIs then get -EBUSY.',
    rules: ['kvm.attr.its-reset', 'kvm.msi.its-disabled'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(0)]),
      attr('its', 'CTRL', 'ITS_RESET', 'set', ok, undefined, 0),
      rd('GITS_CTLR', [0x8000_0000, 0]), rd('GITS_CBASER', 0), rd('GITS_CREADR', 0), rd('GITS_CWRITER', 0), msi(1, 0, EBUSY), iar(0, SP)],
  },
  {
    component: 'save-restore', name: 'its-save-layout',
    description: 'KVM_DEV_ARM_ITS_SAVE_TABLES writes ABI revision 0 entries: DTEs at device table + 8 * DeviceID chained by DeviceID deltas, ITEs at ITT + 8 * EventID chained by EventID deltas, and the collection table back to back with an invalid terminator.',
    rules: ['kvm.its-abi.save', 'kvm.its-abi.dte', 'kvm.its-abi.ite', 'kvm.its-abi.cte', 'mem.read'],
    config: L2,
    ops: [saveSetup(), SAVE,
      // device 1: next valid device is 4 (delta 3); device 4 is the last (delta 0)
      memRead(bootDeviceTable(0) + 1 * 8, 8, le64(dte(3, itt(0), 7))),
      memRead(bootDeviceTable(0) + 4 * 8, 8, le64(dte(0, itt(1), 4))),
      // device 1: event 0 -> next event 3; event 3 last. device 4: event 9 last.
      memRead(itt(0) + 0 * 8, 8, le64(ite(3, 8192, 0))),
      memRead(itt(0) + 3 * 8, 8, le64(ite(0, 8195, 0))),
      memRead(itt(1) + 9 * 8, 8, le64(ite(0, 8197, 0))),
      // one collection (ICID 0 on vCPU 1), then an invalid (zero) terminator
      memRead(bootCollectionTable(0), 16, le64(cte(1, 0)) + le64(0n))],
  },
  {
    component: 'save-restore', name: 'its-save-restore',
    description: 'Save the ITS tables, reset the ITS, restore in the documented order (CBASER, BASERs, RESTORE_TABLES, GITS_CTLR): every device, event and collection works again and the guest can queue new commands.',
    rules: ['kvm.its-abi.restore', 'kvm.its-abi.save', 'kvm.attr.its-reset', 'kvm.attr.its-regs'],
    config: L2,
    ops: [saveSetup(), SAVE, restoreSequence(0),
      msi(1, 0, 1), iar(1, 8192), eoi(1, 8192), msi(1, 3, 1), iar(1, 8195), eoi(1, 8195), msi(4, 9, 1), iar(1, 8197), eoi(1, 8197),
      msi(1, 1, 0), its([MAPTI(1, 1, 8193, 0), INV(1, 1), SYNC(1)]), lpiProp(8193, 0x80), its([INV(1, 1), SYNC(1)]), msi(1, 1, 1), iar(1, 8193), eoi(1, 8193)],
  },
  {
    component: 'save-restore', name: 'its-unmap-then-save',
    description: 'MAPD V = 0 after a save: the saved tables describe exactly the mappings (Documentation/virt/kvm/devices/arm-vgic-its.rst), so a second save and a restore bring back the other device and not the unmapped one.',
    rules: ['choice.u33.unmap-clears-entry', 'kvm.its-abi.save', 'kvm.its-abi.restore'],
    config: L2,
    ops: [saveSetup(), SAVE, its([MAPD(1, 7, itt(0), false), SYNC(1)]), SAVE, restoreSequence(0),
      msi(1, 0, 0), msi(4, 9, 1), iar(1, 8197), eoi(1, 8197), iar(1, SP)],
  },
  {
    component: 'save-restore', name: 'its-reset-then-save',
    description: 'An ITS reset (KVM_DEV_ARM_ITS_CTRL_RESET) after a save frees every mapping; with the tables made valid again and the ITS enabled, a second save describes the ITS as it is, without devices (Documentation/virt/kvm/devices/arm-vgic-its.rst), so the restore that follows succeeds and brings back no device: an MSI to a device of the first save is dropped. KVM frees the mappings without clearing what the first save wrote, and its second save writes only an empty collection table: the restore reads the old DTEs, whose ITEs name a collection it did not restore, and fails with -EINVAL (quirk kvm.freed-mappings-leave-saved-entries).',
    rules: ['kvm.attr.its-reset', 'kvm.its-abi.save', 'kvm.its-abi.restore', 'kvm.migrate.mappings'],
    config: L2,
    ops: [saveSetup(), SAVE, ...restoreSequence(0).slice(0, 4), attr('its', 'ITS_REGS', ITS_REGS('GITS_CTLR'), 'set', ok, 1n, 0), SAVE,
      restoreSequence(0), msi(1, 0, 0)],
  },
  {
    component: 'save-restore', name: 'its-restore-unmapped-collection-live',
    description: 'A MAPTI into ICID 5, which no MAPC mapped (Arm IHI 0069 5.3 MAPTI: the collection is not checked), is saved, with ICID 5 as an unmapped collection (Documentation/virt/kvm/devices/arm-vgic-its.rst: CTE RDBase 0xFFFFFFFF); MAPD V = 0 then removes the device. The ITS holds no mapping, so ITS_RESTORE_TABLES restores the saved tables and returns 0. KVM keeps ICID 5 as an unmapped collection object after the unmap, and the restore fails with -EEXIST on its CTE (quirk kvm.phantom-collection-restore-eexist).',
    rules: ['kvm.its-abi.save', 'kvm.its-abi.restore', 'kvm.its-abi.cte', 'its.cmd.mapti.unmapped-collection-ok'],
    config: L2,
    ops: [boot(), its([MAPD(1, 7, itt(0)), MAPTI(1, 0, 8192, 5), SYNC(1)]), SAVE, its([MAPD(1, 7, itt(0), false), SYNC(1)]),
      attr('its', 'CTRL', 'ITS_RESTORE_TABLES', 'set', ok, undefined, 0), msi(1, 0, 0)],
  },
  {
    component: 'save-restore', name: 'its-restore-live-cached-translation',
    description: 'ITS_RESTORE_TABLES into the live ITS it was saved from (outside the documented order, rule kvm.its-abi.restore-live): the tables replace the mappings, or are added to them and the duplicate collection fails the call, which then frees what it restored or everything. Whichever it was, two events of device 1 that both worked before answer alike: both deliver (1) or both are dropped (0). KVM fails with -EEXIST and frees every collection without invalidating its translation cache: event 0, translated before the restore, still delivers, event 3 does not (quirk kvm.failed-restore-keeps-cached-translation).',
    rules: ['kvm.its-abi.restore-live', 'kvm.its-abi.restore', 'its.msi.translate'],
    config: L2,
    ops: [saveSetup(), msi(1, 0, 1), iar(1, 8192), eoi(1, 8192), SAVE,
      attr('its', 'CTRL', 'ITS_RESTORE_TABLES', 'set', [ok, errno(EEXIST)], undefined, 0),
      msi(1, 0, [1, 0]), msi(1, 3, [1, 0])],
  },
  {
    component: 'save-restore', name: 'its-restore-live-twice',
    description: 'Two ITS_RESTORE_TABLES into the live ITS the tables were saved from (outside the documented order, rule kvm.its-abi.restore-live). Each either replaces the mappings with the saved ones, which are the same, or adds to them, where the duplicate collection fails the call (-EEXIST) and the failure frees what it restored or everything; a restore that succeeds leaves device 1 mapped as saved, so an MSI to it after a second restore that returned 0 is delivered. KVM: the first restore fails and frees every collection (quirk kvm.failed-restore-keeps-cached-translation); the second succeeds, but its device 1 sits behind the live one, whose ITE lost its collection, so the MSI is dropped (quirk kvm.restore-live-device-shadows-restored).',
    rules: ['kvm.its-abi.restore-live', 'kvm.its-abi.restore', 'its.msi.translate'],
    config: L2,
    ops: [saveSetup(), SAVE,
      attr('its', 'CTRL', 'ITS_RESTORE_TABLES', 'set', [ok, errno(EEXIST)], undefined, 0),
      attr('its', 'CTRL', 'ITS_RESTORE_TABLES', 'set', [ok, errno(EEXIST)], undefined, 0),
      msi(1, 3, [1, 0])],
  },
  {
    component: 'save-restore', name: 'its-restore-bad-dte',
    description: 'RESTORE_TABLES fails with -EINVAL when a DTE\'s Size field exceeds the supported EventID bits (16).',
    rules: ['kvm.its-abi.restore-bad-dte'],
    config: L2,
    ops: [saveSetup(), SAVE, memWrite(bootDeviceTable(0) + 1 * 8, le64(dte(3, itt(0), 20))), restoreSequence(EINVAL)],
  },
  {
    component: 'save-restore', name: 'its-restore-bad-ite-intid',
    description: 'RESTORE_TABLES fails with -EINVAL for an ITE whose pINTID is nonzero but below 8192.',
    rules: ['kvm.its-abi.restore-bad-ite'],
    config: L2,
    ops: [saveSetup(), SAVE, memWrite(itt(0) + 3 * 8, le64(ite(0, 100, 0))), restoreSequence(EINVAL)],
  },
  {
    component: 'save-restore', name: 'its-restore-bad-ite-icid',
    description: 'RESTORE_TABLES fails with -EINVAL for an ITE naming a collection that the collection table does not restore.',
    rules: ['kvm.its-abi.restore-bad-ite'],
    config: L2,
    ops: [saveSetup(), SAVE, memWrite(itt(1) + 9 * 8, le64(ite(0, 8197, 7))), restoreSequence(EINVAL)],
  },
  {
    component: 'save-restore', name: 'its-restore-bad-cte-target',
    description: 'RESTORE_TABLES fails with -EINVAL for a CTE whose target is not an existing vCPU.',
    rules: ['kvm.its-abi.restore-bad-cte'],
    config: L2,
    ops: [saveSetup(), SAVE, memWrite(bootCollectionTable(0), le64(cte(9, 0))), restoreSequence(EINVAL)],
  },
  {
    component: 'save-restore', name: 'its-restore-duplicate-cte',
    description: 'RESTORE_TABLES fails with -EEXIST when two CTEs carry the same ICID.',
    rules: ['kvm.its-abi.restore-bad-cte'],
    config: L2,
    ops: [saveSetup(), SAVE, memWrite(bootCollectionTable(0), le64(cte(1, 0)) + le64(cte(0, 0))), restoreSequence(EEXIST)],
  },
  {
    component: 'save-restore', name: 'save-pending-tables',
    description: 'KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES writes the pending state of LPI 8192 (pending, disabled, on vCPU 1) into vCPU 1\'s pending table: byte 0x400, bit 0; LPI 8195 is not pending (bit 3 clear).',
    rules: ['kvm.its-abi.save-pending', 'lpi.pending.layout'],
    config: L2,
    ops: [saveSetup(), lpiProp(8192, 0xa0, false), its([INV(1, 0), INT(1, 0), SYNC(1)]), iar(1, SP),
      attr('vgic', 'CTRL', 'SAVE_PENDING_TABLES', 'set', ok), memRead(bootPendBase(1) + (8192 >> 3), 1, '01')],
  },
  {
    component: 'kvm-abi', name: 'icfgr-level-again-line-high',
    description: "KVM_IRQ_LINE raises SPI 35's line while it is level-sensitive; the guest makes it edge-triggered, enables it, and makes it level-sensitive again. Its line is still high, so it is pending and vCPU 0 takes it (Arm IHI 0069 4.1; GICD_ICFGR). KVM's GICD_ICFGR write changes the configuration only and queues nothing: the SPI is pending but not delivered (quirk kvm.icfgr-change-does-not-queue; clean-kvm campaign kqfinal7, 6 ops).",
    rules: ['dist.icfgr.config', 'cpuif.iar1.ack', 'kvm.irq-line.spi'],
    config: { ...L2, its: 0, impl: { pcpus: 1 } },
    ops: [boot(), { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: off('GICD_ICFGR2'), width: 32, value: '0x0' } as Op, irqLine('spi', 35, 1),
      { op: 'mmio.write', cpu: 1, frame: 'gicd', offset: off('GICD_ICFGR2'), width: 32, value: '0x80' } as Op,
      { op: 'mmio.write', cpu: 1, frame: 'gicd', offset: off('GICD_ISENABLER1'), width: 32, value: '0x8' } as Op,
      { op: 'mmio.write', cpu: 1, frame: 'gicd', offset: off('GICD_ICFGR2'), width: 32, value: '0x2' } as Op, iar(0, 35)],
  },
  {
    component: 'kvm-abi', name: 'forwarded-twice-stale-config',
    description: "An event forwarded as a vLPI (GICv4.0): the device's MSI, then a KVM_SIGNAL_MSI to it, coalesce, so vCPU 0 takes LPI 8192 once; the guest then raises the LPI's priority to 0x08 in the configuration table without an INV, which may not be seen yet (choice.u16.config-cache), and before and after the EOI nothing is pending (Arm IHI 0069 5.1 LPI Configuration tables; lpi.edge-coalesce). KVM latches the userspace MSI in software next to the vLPI pending in the hardware, so the LPI is taken a second time after the EOI (quirk kvm.forwarded-translation-cached); the vLPI's configuration is what KVM last pushed to the GICv4 hardware at an INV (vgic-its.c update_lpi_config, its_prop_update_vlpi), so the copy keeps priority 0xe8: it does not preempt the active LPI, and is taken after the EOI. A clean-kvm campaign found this trace new while the model read the hardware copy's byte from memory (14 ops).",
    rules: ['its.msi.coalesce', 'choice.u16.config-cache', 'cpuif.iar1.ack', 'kvm.vfio.device-fire'],
    config: { ...L2, impl: { lrs: 1, gicv4: '4.0', pcpus: 1 } },
    ops: [boot(), its([MAPC(0, 0), MAPD(0, 7, itt(0)), MAPTI(0, 0, LPI0, 0)]), lpiProp(LPI0, 0xe8), its([INV(0, 0)], { cpu: 1 }),
      { op: 'kvm.set_gsi_routing', entries: [{ gsi: 0, type: 'msi', address: h(itsTranslater(0)), data: 0, devid: 0 }], expect: 0 } as Op,
      irqfd(0, false), { op: 'vfio.forward', gsi: 0, hostIrq: 0 } as Op, { op: 'device.fire', hostIrq: 0 } as Op,
      msi(0, 0, 1), iar(0, LPI0), lpiProp(LPI0, 0x08), iar(0, SP), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'kvm-abi', name: 'its-regs-cbaser-then-enable',
    description: "A SYNC queued on the ITS before it is set up leaves GITS_CWRITER one command in; userspace then sets the BASERs and GITS_CBASER through KVM_DEV_ARM_VGIC_GRP_ITS_REGS and enables the ITS. Setting CBASER is the guest's register write (Documentation/virt/kvm/devices/arm-vgic-its.rst, ITS_REGS): CREADR becomes 0 and CWRITER 0 or unchanged (choice.u30.baser-write-enabled), so the ITS has nothing to do or runs the SYNC. KVM resets CWRITER to CREADR (vgic_mmio_write_its_cbaser). A clean-kvm campaign (kqfinal7, minimized to 6 ops) found the model leaving CWRITER alone on this path.",
    rules: ['kvm.attr.its-regs', 'choice.u30.baser-write-enabled', 'its.reg.creadr.ro'],
    config: L2,
    ops: (() => {
      const r = bootItsRegisters();
      return [its([SYNC(1)]), attr('its', 'ITS_REGS', ITS_REGS('GITS_BASER0'), 'set', ok, BigInt(r.baser0), 0),
        attr('its', 'ITS_REGS', ITS_REGS('GITS_BASER1'), 'set', ok, BigInt(r.baser1), 0),
        attr('its', 'ITS_REGS', ITS_REGS('GITS_CBASER'), 'set', ok, BigInt(r.cbaser), 0),
        attr('its', 'ITS_REGS', ITS_REGS('GITS_CTLR'), 'set', ok, 1n, 0), rd('GITS_CREADR', [0, CMD_BYTES], { cpu: 1 })];
    })(),
  },
  {
    component: 'save-restore', name: 'save-pending-tables-then-remap',
    description: "KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES writes LPI 8192's pending bit into vCPU 1's table; the guest then takes and EOIs the LPI, DISCARDs its event and maps it again with MAPTI, both from vCPU 1 (whose exits let KVM drop the taken LPI from its list, so nothing holds the old one). Taking an LPI makes it not pending and MAPTI does not change the pending state of an INTID, so nothing is pending (Arm IHI 0069 ICC_IAR1_EL1, 5.3 MAPTI). KVM creates the LPI afresh at MAPTI and reads the stale table bit the save left set (quirk kvm.pending-table-consumed-at-mapti): the LPI is taken a second time.",
    rules: ['kvm.its-abi.save-pending', 'its.cmd.mapti.map', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [saveSetup(), its([INT(1, 0), SYNC(1)]), attr('vgic', 'CTRL', 'SAVE_PENDING_TABLES', 'set', ok), iar(1, 8192), eoi(1, 8192),
      its([DISCARD(1, 0), SYNC(1)], { cpu: 1 }), its([MAPTI(1, 0, 8192, 0), SYNC(1)], { cpu: 1 }), iar(1, SP)],
  },
  {
    component: 'save-restore', name: 'migrate-lpi-pending',
    description: 'A pending (disabled) LPI survives migrate; enabled and invalidated afterwards it is delivered; the mappings survive too.',
    rules: ['kvm.migrate.lpi-pending', 'kvm.migrate.mappings'],
    config: L2,
    ops: [saveSetup(), lpiProp(8192, 0xa0, false), its([INV(1, 0), INT(1, 0), SYNC(1)]), { op: 'migrate' } as Op,
      lpiProp(8192, 0xa0), its([INV(1, 0), SYNC(1)]), iar(1, 8192), eoi(1, 8192), msi(4, 9, 1), iar(1, 8197), eoi(1, 8197), iar(1, SP)],
  },
  {
    component: 'save-restore', name: 'lpis-off-pending-across-migrate',
    description: "An LPI pending at a redistributor whose GICR_CTLR.EnableLPIs is then cleared (the read shows it cleared, so GICR_CTLR.CES = 1) is not forwarded by it: after a migration (the redistributor restored with EnableLPIs 0, then the ITS tables) the vCPU still acknowledges nothing (Arm IHI 0069 GICR_CTLR.EnableLPIs; Documentation/virt/kvm/devices/arm-vgic-its.rst restore order). KVM's restore queues it anyway (quirk kvm.restore-queues-lpi-while-lpis-off).",
    rules: ["redist.ctlr.enable-lpis", "kvm.migrate.lpi-pending", "cpuif.iar1.spurious"],
    config: {"vcpus": 2, "spis": 32, "its": 1},
    ops: [
      {"op": "boot"} as Op,
      {"op": "mem.write", "addr": "0x40100000", "bytes": "a3"} as Op,
      {"op": "its.cmd", "its": 0, "cmds": [{"cmd": "MAPD", "device": 1, "size": 7, "itt": "0x41000000", "valid": true}, {"cmd": "MAPC", "collection": 0, "target": 1, "valid": true}, {"cmd": "MAPTI", "device": 1, "event": 0, "intid": 8192, "collection": 0}, {"cmd": "INV", "device": 1, "event": 0}, {"cmd": "SYNC", "target": 1}, {"cmd": "INT", "device": 1, "event": 0}, {"cmd": "SYNC", "target": 1}]} as Op,
      {"op": "mmio.write", "cpu": 1, "frame": "gicr", "index": 1, "offset": 0, "width": 32, "value": "0x0"} as Op,
      {"op": "mmio.read", "cpu": 1, "frame": "gicr", "index": 1, "offset": 0, "width": 32, "expectOneOf": ["0x2", "0x6"]} as Op,
      {"op": "migrate"} as Op,
      {"op": "sysreg.read", "cpu": 1, "reg": "ICC_IAR1_EL1", "expect": "0x3ff"} as Op],
  },
  {
    component: 'save-restore', name: 'save-pending-possibly-pending-lpi',
    description: "Two ITEs name LPI 8192 (choice.u39.intid-two-ites: its pending state at RD1 is only possibly pending after an MSI through the second). KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES writes the LPI's actual pending state, so the saved bit may be 1 or 0; with EnableLPIs then cleared the table keeps it (Documentation/virt/kvm/devices/arm-vgic-v3.rst KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES; Arm IHI 0069 GICR_CTLR.EnableLPIs, 5.1 LPI Pending tables).",
    rules: ["kvm.its-abi.save-pending", "choice.u39.intid-two-ites", "mem.read"],
    config: {"vcpus": 2, "spis": 32, "its": 1, "impl": {"lrs": 1, "gicv4": "4.0", "pcpus": 1}},
    ops: [
      {"op": "boot"} as Op,
      {"op": "its.cmd", "cpu": 1, "its": 0, "cmds": [{"cmd": "MAPD", "device": 1, "size": 3, "itt": "0x41000000", "valid": true}, {"cmd": "MAPTI", "device": 1, "event": 1, "intid": 8192, "collection": 0}]} as Op,
      {"op": "its.cmd", "cpu": 0, "its": 0, "cmds": [{"cmd": "MAPC", "collection": 0, "target": 1, "valid": true}, {"cmd": "MAPD", "device": 0, "size": 4, "itt": "0x41000100", "valid": true}, {"cmd": "MAPTI", "device": 0, "event": 0, "intid": 8192, "collection": 0}]} as Op,
      {"op": "kvm.signal_msi", "address": "0x8090040", "data": 0, "devid": 0, "flags": 1} as Op,
      {"op": "kvm.device_attr", "device": "vgic", "group": "CTRL", "attr": "SAVE_PENDING_TABLES", "access": "set"} as Op,
      {"op": "mmio.write", "cpu": 1, "frame": "gicr", "index": 1, "offset": 0, "width": 32, "value": "0x0"} as Op,
      {"op": "mmio.read", "cpu": 0, "frame": "gicr", "index": 1, "offset": 0, "width": 32, "expectOneOf": ["0x2", "0x6"]} as Op,
      {"op": "mem.read", "addr": "0x40210400", "len": 1, "expectOneOf": ["00", "01"]} as Op],
  },
  {
    component: 'save-restore', name: 'migrate-dist-state',
    description: 'Distributor and redistributor state survives migrate: SPI enable, priority, routing and pending state (masked by PMR before), an SGI\'s pending state, PMR.',
    rules: ['kvm.migrate.dist-state', 'kvm.migrate.cpuif-state'],
    config: K1,
    ops: [boot({ pmr: '0x30' }), quiesce([0, 1], 64), spiSetup(40, { prio: 0x40, edge: true, target: 1 }), wr('GICD_ISPENDR1', bit(40)),
      privSetup(0, 5, 0x20), sendSgi(1, 5, [0]), iar(1, SP), { op: 'migrate' } as Op,
      rd('GICD_ISENABLER1', bit(40)), rd('GICD_IPRIORITYR40', 0x40, { width: 8 }), rd('GICD_IROUTER40', 1), rd('GICD_ISPENDR1', bit(40)),
      srd(1, 'ICC_PMR_EL1', 0x30), swr(1, 'ICC_PMR_EL1', 0xf0), iar(1, 40), eoi(1, 40), iar(0, 5), eoi(0, 5)],
  },
  {
    component: 'save-restore', name: 'migrate-cpuif-active',
    description: 'An acknowledged (active) SGI, the running priority, BPR1 and EOImode survive migrate; EOI afterwards drops the priority and deactivates it.',
    rules: ['kvm.migrate.cpuif-state', 'kvm.migrate.dist-state'],
    config: K1,
    ops: [boot(), quiesce([0], 64), swr(0, 'ICC_BPR1_EL1', 5), privSetup(0, 1, 0x40), sendSgi(0, 1, [0]), iar(0, 1), rpr(0, 0x40),
      { op: 'migrate' } as Op, rpr(0, 0x40), srd(0, 'ICC_BPR1_EL1', 5), rd('GICR_ISACTIVER0', 0x2),
      eoi(0, 1), rpr(0, 0xff), rd('GICR_ISACTIVER0', 0), iar(0, SP)],
  },
];
