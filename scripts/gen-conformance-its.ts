// Directed scenarios for LPIs, the ITS registers, the command queue, every ITS command and each
// of its errors, and MSI translation (IHI 0069 5.1 LPIs; chapter 5, LPIs and the ITS, choice.u16.* to choice.u49.*).
//
// How errors are checked without seeing error codes: an erroneous command has no effect (5.6) and
// the ITS either ignores it or stalls (choice.u26.command-error-response). So each error scenario puts the erroneous command
// first in its batch, reads GITS_CREADR with every permitted value (creadrAfterError), and then
// observes "no effect" through MSIs (KVM_SIGNAL_MSI), which the ITS translates whether or not its
// command queue is stalled (5.4: translation errors never stall; a stall only stops commands).
// Commands after the erroneous one in the same batch are chosen so that every check holds whether
// they ran (ignore) or not (stall).
import type { ItsCommand } from '../spec/scenario.js';
import {
  type Def, type Op, boot, iar, eoi, hppir, srd, swr, rd, wr, h, msi, its, lpiProp, memWrite, itt, attr, ok,
  MAPD, MAPC, MAPTI, MAPI, MOVI, INT, CLEAR, INV, DISCARD, INVALL, SYNC, MOVALL, RAW,
  SPURIOUS, INTID_SPURIOUS as SP, creadrAfterError, DEVICE_OOR, ICID_OOR, CMD_BYTES, EBUSY,
} from './gen-conformance-lib.js';
import { BOOT_PROPBASE, bootPendBase, bootDeviceTable, bootCollectionTable, bootCommandQueue } from '../spec/layout.js';

const L2 = { vcpus: 2, spis: 32, its: 1 };
const LPI0 = 8192;

/**
 * The common set-up: device 1 with 8 EventID bits (Size 7), its ITT at FREE_RAM; collection 0 on
 * vCPU 0 and collection 1 on vCPU 1 (RDbase = processor number, PTA = 0); event 0 -> LPI 8192 in
 * collection 0 with priority 0xa0, enabled; INV + SYNC so the configuration is guaranteed to be
 * used (5.8). PROLOGUE_CMDS commands.
 */
function prologue(extra: ItsCommand[] = [], props: Op[] = []): Op[] {
  return [boot(), lpiProp(LPI0, 0xa0), ...props,
    its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPC(1, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(0), ...extra])];
}
const PROLOGUE_CMDS = 6;
/** The mapping made by the prologue still translates and delivers LPI 8192 on vCPU 0. */
const prologueMappingWorks = (): Op[] => [msi(1, 0, 1), iar(0, LPI0), eoi(0, LPI0), iar(0, SP)];

interface ErrCase {
  rule: string;
  name: string;
  what: string;
  /** commands queued before the erroneous batch, after the prologue */
  setup?: ItsCommand[];
  props?: Op[];
  /** the erroneous command first, then follow-ups */
  cmds: ItsCommand[];
  checks: Op[];
  extraRules?: string[];
}
function errorScenario(c: ErrCase): Def {
  const before = PROLOGUE_CMDS + (c.setup?.length ?? 0);
  return {
    component: 'its', name: c.name,
    description: `${c.what} The command has no effect; the ITS ignores it or stalls (choice.u26.command-error-response), so GITS_CREADR reads CWRITER or the stalled position, and the checks hold either way.`,
    rules: [c.rule, 'its.cmd.error.no-effect', 'choice.u26.command-error-response', 'its.msi.no-stall', ...(c.extraRules ?? [])],
    config: L2,
    ops: [prologue(c.setup ?? [], c.props ?? []), its(c.cmds),
      rd('GITS_CREADR', creadrAfterError(before, before + c.cmds.length)), ...c.checks],
  };
}

const prop1 = [lpiProp(LPI0 + 1, 0x80)];
/** LPI 8192 made pending on vCPU 0 (not yet acknowledged) by an INT at the end of the prologue. */
const pendingSetup = [INT(1, 0)];

const errorCases: ErrCase[] = [
  // MAPD
  { rule: 'its.cmd.mapd.device-oor', name: 'mapd-device-oor', what: 'MAPD of a DeviceID beyond the device table.',
    cmds: [MAPD(DEVICE_OOR, 7, itt(5)), MAPTI(DEVICE_OOR, 0, LPI0 + 1, 0), INV(DEVICE_OOR, 0), SYNC(0)], props: prop1,
    checks: [msi(DEVICE_OOR, 0, 0), iar(0, SP), ...prologueMappingWorks()], extraRules: ['its.msi.unmapped-device-drop', 'kvm.msi.blocked'] },
  // MAPC
  { rule: 'its.cmd.mapc.procnum-oor', name: 'mapc-procnum-oor', what: 'MAPC of collection 2 (mapped to vCPU 1) to RDbase 7, which names no redistributor (2 vCPUs).',
    setup: [MAPC(2, 1), MAPTI(1, 1, LPI0 + 1, 2), INV(1, 1), SYNC(1)], props: prop1,
    cmds: [MAPC(2, 7)], checks: [msi(1, 1, 1), iar(1, LPI0 + 1), eoi(1, LPI0 + 1), iar(0, SP)] },
  { rule: 'its.cmd.mapc.collection-oor', name: 'mapc-collection-oor', what: 'MAPC of ICID 0xffff, beyond the 64 KiB collection table.',
    cmds: [MAPC(ICID_OOR, 0)], checks: prologueMappingWorks() },
  // MAPTI
  { rule: 'its.cmd.mapti.unmapped-device', name: 'mapti-unmapped-device', what: 'MAPTI for device 3, never mapped.', props: prop1,
    cmds: [MAPTI(3, 0, LPI0 + 1, 0), INV(3, 0), SYNC(0)], checks: [msi(3, 0, 0), iar(0, SP), ...prologueMappingWorks()], extraRules: ['its.msi.unmapped-device-drop'] },
  { rule: 'its.cmd.mapti.device-oor', name: 'mapti-device-oor', what: 'MAPTI for a DeviceID beyond the device table.', props: prop1,
    cmds: [MAPTI(DEVICE_OOR, 0, LPI0 + 1, 0)], checks: [msi(DEVICE_OOR, 0, 0), iar(0, SP), ...prologueMappingWorks()] },
  { rule: 'its.cmd.mapti.id-oor', name: 'mapti-id-oor', what: 'MAPTI of EventID 256 on a device with 8 EventID bits.', props: prop1,
    cmds: [MAPTI(1, 256, LPI0 + 1, 0), INV(1, 256), SYNC(0)], checks: [msi(1, 256, 0), iar(0, SP), ...prologueMappingWorks()], extraRules: ['its.msi.id-oor-drop'] },
  { rule: 'its.cmd.mapti.physicalid-oor', name: 'mapti-physicalid-oor', what: 'MAPTI to pINTID 100 (below 8192) and to 65536 (beyond 16 INTID bits).',
    cmds: [MAPTI(1, 3, 100, 0), MAPTI(1, 4, 65536, 0)], checks: [msi(1, 3, 0), msi(1, 4, 0), iar(0, SP), ...prologueMappingWorks()], extraRules: ['lpi.range'] },
  { rule: 'its.cmd.mapti.collection-oor', name: 'mapti-collection-oor', what: 'MAPTI into ICID 0xffff, beyond the collection table.', props: prop1,
    cmds: [MAPTI(1, 5, LPI0 + 1, ICID_OOR)], checks: [msi(1, 5, 0), iar(0, SP), iar(1, SP), ...prologueMappingWorks()] },
  // MAPI
  { rule: 'its.cmd.mapi.unmapped-device', name: 'mapi-unmapped-device', what: 'MAPI for device 3, never mapped.', props: [lpiProp(8195, 0x80)],
    cmds: [MAPI(3, 8195, 0)], checks: [msi(3, 8195, 0), iar(0, SP), ...prologueMappingWorks()] },
  { rule: 'its.cmd.mapi.device-oor', name: 'mapi-device-oor', what: 'MAPI for a DeviceID beyond the device table.', props: [lpiProp(8195, 0x80)],
    cmds: [MAPI(DEVICE_OOR, 8195, 0)], checks: [msi(DEVICE_OOR, 8195, 0), iar(0, SP), ...prologueMappingWorks()] },
  { rule: 'its.cmd.mapi.id-oor', name: 'mapi-id-oor', what: 'MAPI of EventID 8195 on a device with 8 EventID bits, and of EventID 5, which is not an LPI INTID.', props: [lpiProp(8195, 0x80)],
    cmds: [MAPI(1, 8195, 0), MAPI(1, 5, 0)], checks: [msi(1, 8195, 0), msi(1, 5, 0), iar(0, SP), ...prologueMappingWorks()] },
  { rule: 'its.cmd.mapi.collection-oor', name: 'mapi-collection-oor', what: 'MAPI into ICID 0xffff on device 4 (16 EventID bits).',
    setup: [MAPD(4, 15, itt(1))], props: [lpiProp(8196, 0x80)],
    cmds: [MAPI(4, 8196, ICID_OOR)], checks: [msi(4, 8196, 0), iar(0, SP), ...prologueMappingWorks()] },
  // MOVI: an erroneous MOVI leaves event 0 in collection 0 (vCPU 0)
  ...([
    ['movi-unmapped-interrupt', 'its.cmd.movi.unmapped-interrupt', 'MOVI of event 9, which has no ITE.', MOVI(1, 9, 1)],
    ['movi-unmapped-collection', 'its.cmd.movi.unmapped-collection', 'MOVI of event 0 to collection 5, never mapped.', MOVI(1, 0, 5)],
    ['movi-unmapped-device', 'its.cmd.movi.unmapped-device', 'MOVI on device 3, never mapped.', MOVI(3, 0, 1)],
    ['movi-id-oor', 'its.cmd.movi.id-oor', 'MOVI of EventID 256 on a device with 8 EventID bits.', MOVI(1, 256, 1)],
    ['movi-device-oor', 'its.cmd.movi.device-oor', 'MOVI on a DeviceID beyond the device table.', MOVI(DEVICE_OOR, 0, 1)],
    ['movi-collection-oor', 'its.cmd.movi.collection-oor', 'MOVI of event 0 to ICID 0xffff.', MOVI(1, 0, ICID_OOR)],
  ] as const).map(([name, rule, what, cmd]): ErrCase => ({ name, rule, what, cmds: [cmd, SYNC(0)], checks: [...prologueMappingWorks(), iar(1, SP)] })),
  // INT: nothing becomes pending
  ...([
    ['int-unmapped-interrupt', 'its.cmd.int.unmapped-interrupt', 'INT of event 9, which has no ITE.', INT(1, 9)],
    ['int-unmapped-device', 'its.cmd.int.unmapped-device', 'INT on device 3, never mapped.', INT(3, 0)],
    ['int-id-oor', 'its.cmd.int.id-oor', 'INT of EventID 256 on a device with 8 EventID bits.', INT(1, 256)],
    ['int-device-oor', 'its.cmd.int.device-oor', 'INT on a DeviceID beyond the device table.', INT(DEVICE_OOR, 0)],
  ] as const).map(([name, rule, what, cmd]): ErrCase => ({ name, rule, what, cmds: [cmd, SYNC(0)], checks: [iar(0, SP), iar(1, SP), ...prologueMappingWorks()] })),
  // CLEAR: the pending LPI 8192 stays pending
  ...([
    ['clear-unmapped-interrupt', 'its.cmd.clear.unmapped-interrupt', 'CLEAR of event 9, which has no ITE, while LPI 8192 is pending.', CLEAR(1, 9)],
    ['clear-unmapped-device', 'its.cmd.clear.unmapped-device', 'CLEAR on device 3, never mapped, while LPI 8192 is pending.', CLEAR(3, 0)],
    ['clear-id-oor', 'its.cmd.clear.id-oor', 'CLEAR of EventID 256 on a device with 8 EventID bits, while LPI 8192 is pending.', CLEAR(1, 256)],
    ['clear-device-oor', 'its.cmd.clear.device-oor', 'CLEAR on a DeviceID beyond the device table, while LPI 8192 is pending.', CLEAR(DEVICE_OOR, 0)],
  ] as const).map(([name, rule, what, cmd]): ErrCase => ({ name, rule, what, setup: pendingSetup, cmds: [cmd, SYNC(0)], checks: [iar(0, LPI0), eoi(0, LPI0), iar(0, SP)] })),
  // DISCARD: the mapping of event 0 survives
  ...([
    ['discard-unmapped-interrupt', 'its.cmd.discard.unmapped-interrupt', 'DISCARD of event 9, which has no ITE.', DISCARD(1, 9)],
    ['discard-unmapped-device', 'its.cmd.discard.unmapped-device', 'DISCARD on device 3, never mapped.', DISCARD(3, 0)],
    ['discard-id-oor', 'its.cmd.discard.id-oor', 'DISCARD of EventID 256 on a device with 8 EventID bits.', DISCARD(1, 256)],
    ['discard-device-oor', 'its.cmd.discard.device-oor', 'DISCARD on a DeviceID beyond the device table.', DISCARD(DEVICE_OOR, 0)],
  ] as const).map(([name, rule, what, cmd]): ErrCase => ({ name, rule, what, cmds: [cmd, SYNC(0)], checks: prologueMappingWorks() })),
  // INV
  ...([
    ['inv-unmapped-interrupt', 'its.cmd.inv.unmapped-interrupt', 'INV of event 9, which has no ITE.', INV(1, 9)],
    ['inv-unmapped-device', 'its.cmd.inv.unmapped-device', 'INV on device 3, never mapped.', INV(3, 0)],
    ['inv-id-oor', 'its.cmd.inv.id-oor', 'INV of EventID 256 on a device with 8 EventID bits.', INV(1, 256)],
    ['inv-device-oor', 'its.cmd.inv.device-oor', 'INV on a DeviceID beyond the device table.', INV(DEVICE_OOR, 0)],
  ] as const).map(([name, rule, what, cmd]): ErrCase => ({ name, rule, what, cmds: [cmd, SYNC(0)], checks: prologueMappingWorks() })),
  // INVALL
  { rule: 'its.cmd.invall.unmapped-collection', name: 'invall-unmapped-collection', what: 'INVALL of collection 7, never mapped.',
    cmds: [INVALL(7), SYNC(0)], checks: prologueMappingWorks() },
  { rule: 'its.cmd.invall.collection-oor', name: 'invall-collection-oor', what: 'INVALL of ICID 0xffff.',
    cmds: [INVALL(ICID_OOR), SYNC(0)], checks: prologueMappingWorks() },
  // MOVALL
  { rule: 'its.cmd.movall.procnum-oor', name: 'movall-procnum-oor', what: 'MOVALL from RDbase 0 to RDbase 7, which names no redistributor, while LPI 8192 is pending on vCPU 0.',
    setup: pendingSetup, cmds: [MOVALL(0, 7), SYNC(0)], checks: [iar(1, SP), iar(0, LPI0), eoi(0, LPI0), iar(0, SP)] },
  // unknown opcodes
  { rule: 'its.cmd.unknown.opcode', name: 'unknown-opcode', what: 'Commands with the unallocated opcodes 0x07 and 0xff.',
    cmds: [RAW([0x07n, 0n, 0n, 0n]), RAW([0xffn, 0n, 0n, 0n]), SYNC(0)], checks: prologueMappingWorks(), extraRules: ['choice.u27.unknown-opcode'] },
  // two error conditions at once: which code is reported is IMPDEF and invisible without SEIS
  { rule: 'choice.u49.error-code-choice', name: 'mapti-two-errors', what: 'MAPTI for device 3 (not mapped) with EventID 300 and pINTID 5: several error conditions hold at once.',
    cmds: [MAPTI(3, 300, 5, ICID_OOR)], checks: [msi(3, 300, 0), ...prologueMappingWorks()], extraRules: ['its.cmd.mapti.unmapped-device'] },
];

export const itsScenarios: Def[] = [
  ...errorCases.map(errorScenario),
  {
    component: 'its', name: 'mapd-ittsize-oor',
    description: 'MAPD with Size = 31 (32 EventID bits): an error unless GITS_TYPER.ID_bits is 31. Either it has no effect (error, ignored or stalled) or it maps a 32-bit device; an event above 16 bits then translates only in the latter case.',
    rules: ['its.cmd.mapd.ittsize-oor', 'choice.u26.command-error-response'],
    config: L2,
    ops: [prologue([], prop1), its([MAPD(2, 31, itt(6)), MAPTI(2, 0x1_0000, LPI0 + 1, 1), INV(2, 0x1_0000), SYNC(1)]),
      rd('GITS_CREADR', [...creadrAfterError(PROLOGUE_CMDS, PROLOGUE_CMDS + 4)]), msi(2, 0x1_0000, [0, 1]), ...prologueMappingWorks()],
  },
  {
    component: 'its', name: 'mapd-map-unmap',
    description: 'MAPD V = 1 maps a device; after DISCARD of its only event and MAPD V = 0 its MSIs are dropped; mapping it again with the same ITT does not bring the discarded event back.',
    rules: ['its.cmd.mapd.map', 'its.cmd.mapd.unmap', 'its.cmd.discard.unmap', 'its.msi.unmapped-device-drop', 'its.msi.unmapped-event-drop', 'kvm.msi.blocked', 'kvm.msi.delivered'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), its([DISCARD(1, 0), MAPD(1, 7, itt(0), false), SYNC(0)]), msi(1, 0, 0),
      its([MAPD(1, 7, itt(0)), SYNC(0)]), msi(1, 0, 0), rd('GITS_CREADR', h(11 * CMD_BYTES)), iar(0, SP)],
  },
  {
    component: 'its', name: 'mapd-remap-size',
    description: 'MAPD V = 1 on a mapped device without ITEs replaces its DTE: after growing Size from 4 to 8 EventID bits, event 200 can be mapped and translates.',
    rules: ['its.cmd.mapd.remap', 'its.cmd.mapti.map'],
    config: L2,
    ops: [prologue([], prop1), its([MAPD(2, 3, itt(2)), SYNC(0)]), its([MAPD(2, 7, itt(3)), MAPTI(2, 200, LPI0 + 1, 1), INV(2, 200), SYNC(1)]),
      msi(2, 200, 1), iar(0, SP), iar(1, LPI0 + 1), eoi(1, LPI0 + 1)],
  },
  {
    component: 'its', name: 'mapd-unmap-unmapped',
    description: 'MAPD V = 0 of a device that was never mapped: no effect or a command error (choice.u36.mapd-unmap-unmapped); existing mappings are unaffected.',
    rules: ['choice.u36.mapd-unmap-unmapped'],
    config: L2,
    ops: [prologue(), its([MAPD(5, 7, itt(4), false)]), rd('GITS_CREADR', [...creadrAfterError(PROLOGUE_CMDS, PROLOGUE_CMDS + 1)]), ...prologueMappingWorks()],
  },
  {
    component: 'its', name: 'mapd-unmap-with-ites',
    description: 'MAPD V = 0 and then V = 1 with the same ITT while the device still has an ITE: UNPREDICTABLE for that ITE (choice.u37.mapd-with-ites); the event may or may not translate afterwards.',
    rules: ['choice.u37.mapd-with-ites'],
    config: L2,
    ops: [prologue(), its([MAPD(1, 7, itt(0), false), SYNC(0)]), msi(1, 0, 0), its([MAPD(1, 7, itt(0)), SYNC(0)]), msi(1, 0, [0, 1])],
  },
  {
    component: 'its', name: 'mapti-collection-mapped-later',
    description: 'MAPTI into a collection that is not mapped yet is accepted; MSIs are dropped until MAPC maps the collection, then (after INVALL + SYNC) they are delivered to its vCPU.',
    rules: ['its.cmd.mapti.unmapped-collection-ok', 'its.msi.unmapped-collection-drop', 'its.cmd.invall.reload', 'its.cmd.mapc.map'],
    config: L2,
    ops: [prologue([MAPTI(1, 1, LPI0 + 1, 3)], prop1), msi(1, 1, 0), iar(1, SP),
      its([MAPC(3, 1), INVALL(3), SYNC(1)]), msi(1, 1, 1), iar(0, SP), iar(1, LPI0 + 1), eoi(1, LPI0 + 1)],
  },
  {
    component: 'its', name: 'mapi',
    description: 'MAPI maps an event to the LPI whose INTID is the EventID.',
    rules: ['its.cmd.mapi.map'],
    config: L2,
    ops: [prologue([MAPD(4, 15, itt(1)), MAPI(4, 8196, 1), INV(4, 8196), SYNC(1)], [lpiProp(8196, 0x60)]), msi(4, 8196, 1), iar(1, 8196), eoi(1, 8196)],
  },
  {
    component: 'its', name: 'mapti-remap-event',
    description: 'MAPTI of an EventID that already has an ITE is UNPREDICTABLE for that event (choice.u38.mapti-remap-event): the old mapping, the new one, or neither.',
    rules: ['choice.u38.mapti-remap-event'],
    config: L2,
    ops: [prologue([], [lpiProp(8200, 0x80)]), its([MAPTI(1, 0, 8200, 0), INVALL(0), SYNC(0)]), msi(1, 0, [0, 1]), iar(0, [LPI0, 8200, SP])],
  },
  {
    component: 'its', name: 'intid-two-ites',
    description: 'One pINTID mapped by two ITEs in collections on different vCPUs (choice.u39.intid-two-ites): where it becomes pending is not fixed; at most one acknowledge per MSI and vCPU.',
    rules: ['choice.u39.intid-two-ites'],
    config: L2,
    ops: [prologue([MAPTI(1, 1, LPI0, 1), INVALL(1), SYNC(1)]), msi(1, 1, [0, 1]), iar(1, [LPI0, SP]), iar(0, [LPI0, SP])],
  },
  {
    component: 'its', name: 'mapc-remap-pending',
    description: 'MAPC V = 1 moving a collection with a pending LPI to another vCPU: the pending state may stay at the old redistributor or move (choice.u40.mapc-retarget-pending); new MSIs go to the new target.',
    rules: ['choice.u40.mapc-retarget-pending', 'its.cmd.mapc.map'],
    config: L2,
    ops: [prologue([MAPTI(1, 1, LPI0 + 1, 0), INV(1, 1), INT(1, 0)], [lpiProp(LPI0 + 1, 0x40)]), its([MAPC(0, 1), SYNC(1)]),
      iar(1, [LPI0, SP]), iar(0, [LPI0, SP]), msi(1, 1, 1), iar(1, LPI0 + 1), eoi(1, LPI0 + 1), iar(0, SP)],
  },
  {
    component: 'its', name: 'mapc-unmap-in-use',
    description: 'MAPC V = 0 of a collection that an ITE uses: MSIs for the event are dropped; after MAPC V = 1 of the same ICID the ITE works again or stays unusable (choice.u41.mapc-unmap-in-use).',
    rules: ['choice.u41.mapc-unmap-in-use', 'its.cmd.mapc.unmap', 'its.msi.unmapped-collection-drop', 'kvm.msi.blocked'],
    config: L2,
    ops: [prologue(), its([MAPC(0, 0, false), SYNC(0)]), msi(1, 0, 0), iar(0, SP), its([MAPC(0, 0), INVALL(0), SYNC(0)]), msi(1, 0, [0, 1])],
  },
  {
    component: 'its', name: 'mapc-unmap-bad-rdbase',
    description: 'MAPC V = 0 with an RDbase that names no redistributor: the collection is unmapped, or the command fails with PROCNUM_OOR and it stays mapped (choice.u42.mapc-unmap-bad-rd).',
    rules: ['choice.u42.mapc-unmap-bad-rd'],
    config: L2,
    ops: [prologue(), its([MAPC(0, 7, false), SYNC(0)]), msi(1, 0, [0, 1])],
  },
  {
    component: 'its', name: 'movi-retarget',
    description: 'MOVI of event 0 from collection 0 (vCPU 0) to collection 1 (vCPU 1), then SYNC: later MSIs go to vCPU 1.',
    rules: ['its.cmd.movi.retarget', 'its.cmd.sync.complete'],
    config: L2,
    ops: [prologue(), its([MOVI(1, 0, 1), SYNC(0)]), msi(1, 0, 1), iar(0, SP), iar(1, LPI0), eoi(1, LPI0)],
  },
  {
    component: 'its', name: 'movi-pending',
    description: 'MOVI of a pending LPI then SYNC to the old redistributor: the pending state has moved, the LPI is acknowledged on vCPU 1 and not on vCPU 0.',
    rules: ['its.cmd.movi.moves-pending', 'choice.u44.in-flight-until-sync'],
    config: L2,
    ops: [prologue(pendingSetup), its([MOVI(1, 0, 1), SYNC(0)]), iar(1, LPI0), iar(0, SP), eoi(1, LPI0), iar(1, SP)],
  },
  {
    component: 'its', name: 'movi-before-sync',
    description: 'Before the SYNC that completes a MOVI of a pending LPI, either redistributor may hold it (choice.u44.in-flight-until-sync); it is acknowledged at most once.',
    rules: ['choice.u44.in-flight-until-sync'],
    config: L2,
    ops: [prologue(pendingSetup), its([MOVI(1, 0, 1)]), iar(1, [LPI0, SP]), iar(0, [LPI0, SP])],
  },
  {
    component: 'its', name: 'movi-lpis-disabled-target',
    description: 'MOVI of a pending LPI to a redistributor whose EnableLPIs = 0: the pending state is dropped, kept at the old redistributor, or moved (choice.u43.movi-lpis-off).',
    rules: ['choice.u43.movi-lpis-off'],
    config: L2,
    ops: [boot({ cpus: [0] }), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPC(1, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), INT(1, 0), MOVI(1, 0, 1), SYNC(0)]),
      iar(0, [LPI0, SP])],
  },
  {
    component: 'its', name: 'movi-lpis-disabled-target-taken',
    description: 'vCPU 1 clears the EnableLPIs of its redistributor; a pending LPI is then moved there by MOVI (completed by SYNC). Whether the pending state was dropped, kept at redistributor 0 or moved (choice.u43.movi-lpis-off), redistributor 1 presents no LPI while its EnableLPIs is 0, so vCPU 1 has nothing to acknowledge, also after vCPU 0 exits (an MMIO read). KVM only retargets the LPI (update_affinity); vCPU 0\'s exit moves it to vCPU 1, which takes it (quirk kvm.retarget-queues-lpi-while-lpis-off).',
    rules: ['choice.u43.movi-lpis-off', 'redist.ctlr.enable-lpis', 'lpi.enable-required'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPC(1, 1), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(0)]),
      wr('GICR_CTLR', 0, { cpu: 1, index: 1 }), rd('GICR_CTLR', [0x2, 0x6], { cpu: 1, index: 1 }),
      its([INT(1, 0), MOVI(1, 0, 1), SYNC(0)]), rd('GICD_CTLR', undefined, { cpu: 0 }), iar(1, SP)],
  },
  {
    component: 'its', name: 'int-clear',
    description: 'INT makes the LPI pending exactly as an MSI would; CLEAR then SYNC removes the pending state before it is acknowledged.',
    rules: ['its.cmd.int.pend', 'its.cmd.clear.unpend', 'its.cmd.sync.complete'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)]), hppir(0, LPI0), its([CLEAR(1, 0), SYNC(0)]), hppir(0, SP), iar(0, SP),
      its([INT(1, 0), SYNC(0)]), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'its', name: 'discard',
    description: 'DISCARD removes the ITE: later MSIs for the event are dropped and INT of it is an error.',
    rules: ['its.cmd.discard.unmap', 'its.msi.unmapped-event-drop'],
    config: L2,
    ops: [prologue(), its([DISCARD(1, 0), SYNC(0)]), msi(1, 0, 0), its([INT(1, 0), SYNC(0)]), iar(0, SP)],
  },
  {
    component: 'its', name: 'discard-pending',
    description: 'DISCARD of an event whose LPI is pending removes its pending state (choice.u45.discard-pending): after the SYNC that completes the DISCARD the LPI is not acknowledged.',
    rules: ['choice.u45.discard-pending', 'its.cmd.discard.unmap', 'its.cmd.sync.complete'],
    config: L2,
    ops: [prologue(pendingSetup), its([DISCARD(1, 0), SYNC(0)]), iar(0, SP), hppir(0, SP)],
  },
  {
    component: 'its', name: 'unmapped-collection-commands',
    description: 'CLEAR and INV on an ITE whose collection was never mapped are command errors (choice.u46.unmapped-collection-cmd), so the ITS ignores them or stalls at the CLEAR (choice.u26.command-error-response); nothing is delivered either way.',
    rules: ['choice.u46.unmapped-collection-cmd', 'choice.u26.command-error-response'],
    config: L2,
    ops: [prologue([MAPTI(1, 5, LPI0 + 5, 9)], [lpiProp(LPI0 + 5, 0x80)]), its([CLEAR(1, 5), INV(1, 5), SYNC(0)]),
      rd('GITS_CREADR', creadrAfterError(PROLOGUE_CMDS + 1, PROLOGUE_CMDS + 4)),
      msi(1, 5, 0), iar(0, SP), iar(1, SP)],
  },
  {
    component: 'its', name: 'clear-unmapped-collection-pending',
    description: 'CLEAR of an LPI pending at vCPU 0 after its collection was unmapped (MAPC V = 0) is a command error (choice.u46.unmapped-collection-cmd): it has no effect, so the LPI is still pending there and is acknowledged.',
    rules: ['choice.u46.unmapped-collection-cmd', 'choice.u41.mapc-unmap-in-use', 'its.cmd.error.no-effect', 'choice.u26.command-error-response'],
    config: L2,
    ops: [prologue(pendingSetup), its([SYNC(0), MAPC(0, 0, false), CLEAR(1, 0), SYNC(0)]),
      rd('GITS_CREADR', creadrAfterError(PROLOGUE_CMDS + 3, PROLOGUE_CMDS + 5)),
      iar(0, LPI0), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'its', name: 'movall',
    description: 'After MAPC moves collection 0 to vCPU 1, MOVALL from RD 0 to RD 1 and SYNC: the pending LPI is acknowledged on vCPU 1 only.',
    rules: ['its.cmd.movall.moves-pending', 'choice.u40.mapc-retarget-pending'],
    config: L2,
    ops: [prologue(pendingSetup), its([MAPC(0, 1), MOVALL(0, 1), SYNC(1)]), iar(0, SP), iar(1, LPI0), eoi(1, LPI0), iar(1, SP)],
  },
  {
    component: 'its', name: 'movall-same-rd',
    description: 'MOVALL with RDbase1 = RDbase2 has no effect: the pending LPI stays on vCPU 0.',
    rules: ['its.cmd.movall.same-rd'],
    config: L2,
    ops: [prologue(pendingSetup), its([MOVALL(0, 0), SYNC(0)]), iar(1, SP), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'its', name: 'movall-live-collection',
    description: 'MOVALL from RD 0 to RD 1 while collection 0 still maps to RD 0: the pending LPI moves; later LPIs of the collection go to RD 0 (the CTE wins) or to RD 1 (choice.u47.movall-live-collections).',
    rules: ['choice.u47.movall-live-collections', 'its.cmd.movall.moves-pending'],
    config: L2,
    ops: [prologue(pendingSetup), its([MOVALL(0, 1), SYNC(1)]), iar(1, LPI0), eoi(1, LPI0), msi(1, 0, 1), iar(1, [LPI0, SP]), iar(0, [LPI0, SP])],
  },
  {
    component: 'its', name: 'movall-then-movi',
    description: 'MOVALL from RD 0 to RD 1 while collections 0 and 2 still map to RD 0, then MOVI of the pending LPI to collection 2 (RD 0): the LPI is taken once, at RD 1 (collection 0 still names RD 0, so MOVI moves nothing; or the collections were remapped to RD 1) or at RD 0 (MOVALL retargeted the LPI itself, so MOVI moves its pending state back: KVM) (choice.u47.movall-live-collections).',
    rules: ['choice.u47.movall-live-collections', 'its.cmd.movall.moves-pending', 'its.cmd.movi.retarget'],
    config: L2,
    ops: [prologue(pendingSetup), its([MAPC(2, 0), MOVALL(0, 1), SYNC(1)]), its([MOVI(1, 0, 2), SYNC(0), SYNC(1)]), iar(1, [LPI0, SP]), iar(0, [LPI0, SP])],
  },
  {
    component: 'its', name: 'invall-after-movall-live-collection',
    description: 'LPI 8192 of collection 0 (RD 0) is disabled in the property table; MOVALL from RD 0 to RD 1 while collection 0 still maps RD 0, then INVALL of collection 0 and an INT: INVALL makes the configuration of every LPI of the collection consistent with the table, so the disabled LPI is acknowledged nowhere, wherever MOVALL sent it (Arm IHI 0069 5.3 INVALL, MOVALL; choice.u47.movall-live-collections). KVM\'s MOVALL retargets the LPI to vCPU 1 and vgic_its_invall re-reads only the LPIs that target the collection\'s vCPU 0: 8192 keeps its cached enable and vCPU 1 takes it (quirk kvm.invall-by-target-vcpu).',
    rules: ['its.cmd.invall.reload', 'choice.u47.movall-live-collections', 'lpi.prop.inv-sync', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue(), lpiProp(LPI0, 0xa0, false), its([MOVALL(0, 1), INVALL(0), SYNC(0)]), its([INT(1, 0), SYNC(0), SYNC(1)]), iar(1, SP), iar(0, SP)],
  },
  {
    component: 'its', name: 'clear-intid-of-two-ites',
    description: 'Two ITEs name LPI 8192 (UNPREDICTABLE, choice.u39.intid-two-ites: scoped to that LPI); an INT through the first makes it pending at RD 2, whose vCPU runs on a physical CPU of its own. A CLEAR through the same ITE and a SYNC leave nothing to acknowledge (5.3 CLEAR, SYNC). KVM clears the latch only, and the LPI already in vCPU 2\'s list register is still taken (quirk kvm.clear-leaves-lr-pending); the clean-kvm selftest control found it (mut:51 under the generator gen@15).',
    rules: ['its.cmd.clear.unpend', 'choice.u39.intid-two-ites', 'cpuif.iar1.spurious'],
    config: { vcpus: 3, spis: 32, its: 1, impl: { lrs: 1, pcpus: 3 } },
    ops: [boot(), lpiProp(LPI0, 0xa0),
      its([MAPC(0, 2), MAPD(0, 7, itt(0)), MAPTI(0, 0, LPI0, 0), MAPTI(0, 1, LPI0, 0), INV(0, 0), INT(0, 0)], { cpu: 1 }),
      its([CLEAR(0, 0), SYNC(2)]), iar(2, SP)],
  },
  {
    component: 'its', name: 'movall-after-propbaser-write-lpis-on',
    description: 'An LPI pending at RD 0 has its state left open by a GICR_PROPBASER write while EnableLPIs = 1 (UNPREDICTABLE; the scope is the LPI state of every redistributor sharing the table, choice.u17.baser-write-lpis-on). MOVALL from RD 0 to RD 1 moves whatever pending state RD 0 holds, so vCPU 1 may then signal the LPI (ISR_EL1.I) or not. One vCPU per physical CPU is not assumed (pcpus 1): KVM then puts vCPU 0 whenever vCPU 1 runs. A clean-kvm campaign (seed bench) found the model moving only certain pending state.',
    rules: ['choice.u17.baser-write-lpis-on', 'its.cmd.movall.moves-pending'],
    config: { ...L2, impl: { pcpus: 1 } },
    ops: [boot(), its([MAPD(0, 1, itt(0))]), its([MAPTI(0, 0, LPI0, 0)], { cpu: 1 }), lpiProp(LPI0, 0x88), its([MAPC(0, 0)]),
      { op: 'migrate' } as Op, its([INT(0, 0)]), wr('GICR_PROPBASER', 0x40300007, { cpu: 1, index: 0 }), its([MOVALL(0, 1)]),
      srd(1, 'ISR_EL1', [0, 0x80])],
  },
  // ------------------------------------------------------------ LPIs and their tables
  {
    component: 'lpi', name: 'property-priority',
    description: 'LPI priority comes from the configuration byte (priority = byte & 0xfc): LPI 8193 at 0x40 is acknowledged before LPI 8192 at 0xa0.',
    rules: ['lpi.prop.byte', 'cpuif.priority.highest-first', 'its.cmd.int.pend', 'lpi.group1'],
    config: L2,
    ops: [prologue([MAPTI(1, 1, LPI0 + 1, 0), INV(1, 1), INT(1, 0), INT(1, 1), SYNC(0)], [lpiProp(LPI0 + 1, 0x40)]),
      srd(0, 'ICC_RPR_EL1', 0xff), iar(0, LPI0 + 1), srd(0, 'ICC_RPR_EL1', 0x40), eoi(0, LPI0 + 1), iar(0, LPI0), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'priority-truncation',
    description: 'LPI priorities 0xa4 (8192) and 0xa0 (8193) differ only in bit 2: with 6 or more implemented priority bits 8193 is taken first; with 4 or 5 they are equal and either may be (choice.u2.priority-bits, choice.u4.equal-priority).',
    rules: ['choice.u2.priority-bits', 'choice.u4.equal-priority', 'lpi.prop.byte'],
    config: L2,
    ops: [prologue([MAPTI(1, 1, LPI0 + 1, 0), INV(1, 1), INT(1, 0), INT(1, 1), SYNC(0)], [lpiProp(LPI0, 0xa4), lpiProp(LPI0 + 1, 0xa0)]),
      srd(0, 'ICC_CTLR_EL1'), iar(0, [LPI0 + 1, LPI0])],
  },
  {
    component: 'lpi', name: 'two-devices-same-event',
    description: 'The same EventID on two devices translates through each device\'s own ITT: device 1 event 0 -> 8192 on vCPU 0, device 2 event 0 -> 8193 on vCPU 1.',
    rules: ['its.msi.translate', 'its.cmd.mapti.map', 'kvm.msi.delivered'],
    config: L2,
    ops: [prologue([MAPD(2, 3, itt(1)), MAPTI(2, 0, LPI0 + 1, 1), INV(2, 0), SYNC(1)], prop1),
      msi(2, 0, 1), iar(0, SP), iar(1, LPI0 + 1), eoi(1, LPI0 + 1), ...prologueMappingWorks(), iar(1, SP)],
  },
  {
    component: 'lpi', name: 'two-its',
    description: 'Two ITSes translate independently, each with its own device and collection tables and command queue: device 1 event 0 is LPI 8192 on vCPU 0 through ITS 0 and LPI 8193 on vCPU 1 through ITS 1.',
    rules: ['its.msi.translate', 'its.reg.creadr.progress', 'kvm.msi.delivered'],
    config: { vcpus: 2, spis: 32, its: 2 },
    ops: [prologue([], prop1), its([MAPD(1, 7, itt(3)), MAPC(0, 1), MAPTI(1, 0, LPI0 + 1, 0), INV(1, 0), SYNC(1)], { its: 1 }),
      rd('GITS_CREADR', h(5 * CMD_BYTES), { index: 1 }), rd('GITS_CREADR', h(PROLOGUE_CMDS * CMD_BYTES), { index: 0 }),
      msi(1, 0, 1, { its: 1 }), iar(0, SP), iar(1, LPI0 + 1), eoi(1, LPI0 + 1), msi(1, 0, 1, { its: 0 }), iar(1, SP), iar(0, LPI0), eoi(0, LPI0)],
  },
  // A translation used once (which a KVM-like implementation caches) must not outlive the command
  // that changes it (IHI 0069 5.1 LPI configuration caching; GICR_INVLPIR: mapping commands keep the ITS's caches coherent themselves).
  {
    component: 'its', name: 'used-translation-then-discard',
    description: 'After an MSI has been translated, DISCARD + SYNC of its event: the next MSI is dropped.',
    rules: ['its.cmd.discard.unmap', 'its.msi.unmapped-event-drop'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), its([DISCARD(1, 0), SYNC(0)]), msi(1, 0, 0), iar(0, SP)],
  },
  {
    component: 'its', name: 'used-translation-then-movi',
    description: 'After an MSI has been translated, MOVI of its event to collection 1 + SYNC: the next MSI goes to vCPU 1.',
    rules: ['its.cmd.movi.retarget'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), its([MOVI(1, 0, 1), SYNC(0)]), msi(1, 0, 1), iar(0, SP), iar(1, LPI0), eoi(1, LPI0)],
  },
  {
    component: 'its', name: 'used-translation-then-mapc-unmap',
    description: 'After an MSI has been translated, MAPC V = 0 of its collection: the next MSI is dropped.',
    rules: ['its.cmd.mapc.unmap', 'its.msi.unmapped-collection-drop'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), its([MAPC(0, 0, false), SYNC(0)]), msi(1, 0, 0), iar(0, SP)],
  },
  {
    component: 'its', name: 'used-translation-then-mapd-unmap',
    description: 'After an MSI has been translated, MAPD V = 0 of its device: the next MSI is dropped whatever became of the device\'s ITEs (choice.u37.mapd-with-ites only concerns the ITEs).',
    rules: ['its.cmd.mapd.unmap', 'its.msi.unmapped-device-drop', 'choice.u37.mapd-with-ites'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), its([MAPD(1, 7, itt(0), false), SYNC(0)]), msi(1, 0, 0), iar(0, SP)],
  },
  {
    component: 'its', name: 'used-translation-then-mapc-remap',
    description: 'After an MSI has been translated, MAPC moves the collection to vCPU 1 (no LPI pending): the next MSI goes to vCPU 1.',
    rules: ['its.cmd.mapc.map'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), its([MAPC(0, 1), SYNC(1)]), msi(1, 0, 1), iar(0, SP), iar(1, LPI0), eoi(1, LPI0)],
  },
  {
    component: 'its', name: 'disable-enable-keeps-mappings',
    description: 'Disabling the ITS (until Quiescent) and enabling it again with the tables untouched keeps every mapping: MSIs translate as before.',
    rules: ['its.reg.ctlr.enabled', 'its.reg.ctlr.quiescent'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), wr('GITS_CTLR', 0), rd('GITS_CTLR', [0x8000_0000, 0x8000_0002]), wr('GITS_CTLR', 1), ...prologueMappingWorks()],
  },
  {
    component: 'its', name: 'movi-same-collection',
    description: 'MOVI of an event to the collection it already is in changes nothing: MSIs still reach vCPU 0.',
    rules: ['its.cmd.movi.retarget'],
    config: L2,
    ops: [prologue(), its([MOVI(1, 0, 0), SYNC(0)]), ...prologueMappingWorks(), iar(1, SP)],
  },
  {
    component: 'lpi', name: 'disabled-then-inv',
    description: 'An LPI whose configuration Enable bit is 0 stays pending without being delivered; after the byte is set and INV + SYNC it is delivered.',
    rules: ['lpi.prop.disabled', 'its.cmd.inv.reload', 'lpi.prop.inv-sync', 'mem.write'],
    config: L2,
    ops: [prologue([], [lpiProp(LPI0, 0xa0, false)]), its([INT(1, 0), SYNC(0)]), iar(0, SP), srd(0, 'ISR_EL1', 0),
      lpiProp(LPI0, 0xa0), its([INV(1, 0), SYNC(0)]), iar(0, LPI0), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'disabled-then-invall',
    description: 'As disabled-then-inv, with INVALL of the collection instead of INV.',
    rules: ['lpi.prop.disabled', 'its.cmd.invall.reload', 'lpi.prop.inv-sync'],
    config: L2,
    ops: [prologue([], [lpiProp(LPI0, 0xa0, false)]), its([INT(1, 0), SYNC(0)]), iar(0, SP),
      lpiProp(LPI0, 0xa0), its([INVALL(0), SYNC(0)]), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'lpi', name: 'config-cache',
    description: 'A configuration byte changed without INV may or may not be seen (choice.u16.config-cache); after INV + SYNC only the new (disabled) configuration is used.',
    rules: ['choice.u16.config-cache', 'lpi.prop.inv-sync'],
    config: L2,
    ops: [prologue(), ...prologueMappingWorks(), lpiProp(LPI0, 0xa0, false), msi(1, 0, 1), iar(0, [LPI0, SP]),
      its([INV(1, 0), SYNC(0)]), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'invlpir',
    description: 'GICR_INVLPIR (present when GICR_CTLR.IR = 1) makes the redistributor re-read an LPI\'s configuration; without it the change may or may not be seen (choice.u16.config-cache). GICR_SYNCR then reads not busy.',
    rules: ['redist.invlpir', 'redist.syncr', 'choice.u16.config-cache'],
    config: L2,
    ops: [prologue([], [lpiProp(LPI0, 0xa0, false)]), its([INT(1, 0), SYNC(0)]), iar(0, SP), lpiProp(LPI0, 0xa0),
      rd('GICR_CTLR', [0x1, 0x3, 0x5, 0x7]), wr('GICR_INVLPIR', LPI0), rd('GICR_SYNCR', 0), iar(0, [LPI0, SP])],
  },
  {
    component: 'lpi', name: 'invallr',
    description: 'GICR_INVALLR (present when GICR_CTLR.IR = 1) makes the redistributor re-read every LPI configuration; without it the change may or may not be seen (choice.u16.config-cache).',
    rules: ['redist.invallr', 'redist.syncr', 'choice.u16.config-cache'],
    config: L2,
    ops: [prologue([], [lpiProp(LPI0, 0xa0, false)]), its([INT(1, 0), SYNC(0)]), iar(0, SP), lpiProp(LPI0, 0xa0),
      wr('GICR_INVALLR', 0), rd('GICR_SYNCR', 0), iar(0, [LPI0, SP])],
  },
  {
    component: 'lpi', name: 'no-active-state',
    description: 'An acknowledged LPI is not active: it can be made pending again at once; it cannot preempt its own priority, so it is taken again only after EOI.',
    rules: ['cpuif.lpi.no-active', 'lpi.edge-coalesce', 'its.msi.coalesce'],
    config: L2,
    ops: [prologue(), msi(1, 0, 1), iar(0, LPI0), msi(1, 0, 1), msi(1, 0, 1), iar(0, SP), hppir(0, LPI0), eoi(0, LPI0),
      iar(0, LPI0), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'edge-coalesce',
    description: 'Two MSIs to a pending LPI before it is acknowledged coalesce into one acknowledge.',
    rules: ['lpi.edge-coalesce', 'its.msi.coalesce', 'its.msi.translate', 'kvm.msi.delivered'],
    config: L2,
    ops: [prologue(), swr(0, 'ICC_PMR_EL1', 0), msi(1, 0, 1), msi(1, 0, 1), swr(0, 'ICC_PMR_EL1', 0xf0), iar(0, LPI0), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'group1-only',
    description: 'LPIs are Group 1: with both groups enabled, ICC_IAR0_EL1 does not return a pending LPI, ICC_IAR1_EL1 does.',
    rules: ['lpi.group1'],
    config: L2,
    ops: [prologue(), swr(0, 'ICC_IGRPEN0_EL1', 1), msi(1, 0, 1), srd(0, 'ICC_IAR0_EL1', SP), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'lpi', name: 'dist-grp1-gate',
    description: 'While GICD_CTLR.EnableGrp1 = 0 a pending LPI is not delivered; it is once Group 1 is enabled again.',
    rules: ['lpi.dist-grp1-gate'],
    config: L2,
    ops: [prologue(), wr('GICD_CTLR', 0x10), msi(1, 0, 1), iar(0, SP), wr('GICD_CTLR', 0x12), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'lpi', name: 'dist-grp1-disable-race',
    description: 'vCPU 1 disables both groups at the Distributor (GICD_CTLR = ARE) while an LPI is pending for vCPU 0: until the disable has reached vCPU 0 it may still acknowledge the LPI once, or already not (choice.u6.state-change-race, as for SGIs, PPIs and SPIs: EnableGrp1 gates LPIs too, lpi.dist-grp1-gate); after that acknowledge there is nothing more.',
    rules: ['choice.u6.state-change-race', 'lpi.dist-grp1-gate'],
    config: L2,
    ops: [prologue(), msi(1, 0, 1), wr('GICD_CTLR', 0x10, { cpu: 1 }), iar(0, [LPI0, SP]), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'enable-lpis-required',
    description: 'An MSI translated to a redistributor with EnableLPIs = 0 is dropped (KVM_SIGNAL_MSI returns -EBUSY, INT does nothing); enabling LPIs there later does not bring it back.',
    rules: ['lpi.enable-required', 'choice.u23.lpis-off-drop', 'kvm.msi.lpis-disabled', 'redist.ctlr.enable-lpis'],
    config: L2,
    ops: [boot({ cpus: [0] }), lpiProp(LPI0 + 1, 0x80),
      // vCPU 1 is set up like vCPU 0 except that its redistributor keeps EnableLPIs = 0
      wr('GICR_WAKER', 0, { cpu: 1, index: 1 }), swr(1, 'ICC_PMR_EL1', 0xf0), swr(1, 'ICC_IGRPEN1_EL1', 1),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n, { cpu: 1, index: 1 }), wr('GICR_PENDBASER', bootPendBase(1), { cpu: 1, index: 1 }),
      its([MAPD(1, 7, itt(0)), MAPC(1, 1), MAPTI(1, 1, LPI0 + 1, 1), INV(1, 1), INT(1, 1), SYNC(1)]), msi(1, 1, EBUSY), iar(1, SP),
      wr('GICR_CTLR', 1, { cpu: 1, index: 1 }), its([INV(1, 1), SYNC(1)]), iar(1, SP), msi(1, 1, 1), iar(1, LPI0 + 1), eoi(1, LPI0 + 1)],
  },
  {
    component: 'lpi', name: 'pending-table-load',
    description: 'A pending bit written in vCPU 0\'s pending table (INTID 8195: byte 0x400, bit 3) before LPIs are enabled is loaded when EnableLPIs goes 0 to 1 without PTZ; once the LPI is mapped and its configuration invalidated it is delivered.',
    rules: ['lpi.pending.load-on-enable', 'lpi.pending.layout', 'redist.ctlr.enable-lpis'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot({ lpis: false }), lpiProp(8195, 0x80), memWrite(bootPendBase(0) + (8195 >> 3), '08'),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), wr('GICR_PENDBASER', bootPendBase(0)), wr('GICR_CTLR', 1),
      ...itsInit(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 3, 8195, 0), INV(1, 3), SYNC(0)]),
      iar(0, 8195), eoi(0, 8195), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'pending-table-load-after-map',
    description: 'As pending-table-load, but the LPI is mapped by the ITS before EnableLPIs: the ITS does not touch pending tables, so the bit is still loaded at enable and the LPI delivered.',
    rules: ['lpi.pending.load-on-enable', 'lpi.pending.layout', 'its.cmd.mapti.map'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot({ lpis: false }), lpiProp(8195, 0x80), memWrite(bootPendBase(0) + (8195 >> 3), '08'),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), wr('GICR_PENDBASER', bootPendBase(0)),
      ...itsInit(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 3, 8195, 0), SYNC(0)]),
      wr('GICR_CTLR', 1), its([INV(1, 3), SYNC(0)]), iar(0, 8195), eoi(0, 8195), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'ptz-nonzero-table',
    description: 'EnableLPIs with PENDBASER.PTZ = 1 over a pending table that is not zero is UNPREDICTABLE for that redistributor\'s pending state (choice.u19.ptz-nonzero).',
    rules: ['choice.u19.ptz-nonzero'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot({ lpis: false }), lpiProp(8195, 0x80), memWrite(bootPendBase(0) + (8195 >> 3), '08'),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), wr('GICR_PENDBASER', BigInt(bootPendBase(0)) | (1n << 62n)),
      ...itsInit(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 3, 8195, 0), SYNC(0)]),
      wr('GICR_CTLR', 1), its([INV(1, 3), SYNC(0)]), iar(0, [8195, SP])],
  },
  {
    component: 'lpi', name: 'pending-table-write-in-use',
    description: 'Writing a pending bit into a pending table while LPIs are enabled is UNPREDICTABLE (choice.u20.pending-table-access): an LPI mapped afterwards may or may not be pending.',
    rules: ['choice.u20.pending-table-access'],
    config: L2,
    ops: [prologue([], [lpiProp(LPI0 + 1, 0x80)]), memWrite(bootPendBase(0) + 0x400, '02'),
      its([MAPTI(1, 1, LPI0 + 1, 0), INV(1, 1), SYNC(0)]), iar(0, [LPI0 + 1, SP])],
  },
  {
    component: 'lpi', name: 'idbits-too-small',
    description: 'With GICR_PROPBASER.IDbits = 12 (< 13) there are no LPIs: the mapping to LPI 8192 fails or its LPI is dropped, and nothing is delivered.',
    rules: ['lpi.idbits-min', 'its.cmd.mapti.physicalid-oor'],
    config: L2,
    ops: [boot({ idBits: 12 }), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(0)]),
      msi(1, 0, [0, 1, EBUSY]), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'idbits-wide',
    description: 'GICR_PROPBASER.IDbits = 20, wider than the distributor\'s: the effective width is the smaller one (choice.u21.idbits-clamp) and LPIs work as usual.',
    rules: ['choice.u21.idbits-clamp', 'lpi.range'],
    config: L2,
    ops: [boot({ idBits: 20 }), lpiProp(LPI0, 0xa0), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), INV(1, 0), SYNC(0)]),
      ...prologueMappingWorks()],
  },
  {
    component: 'lpi', name: 'propbaser-mismatch',
    description: 'Redistributor 1 gets a different GICR_PROPBASER than redistributor 0 although they share the configuration table (choice.u22.propbaser-mismatch): an LPI on vCPU 1 is configured from either table.',
    rules: ['choice.u22.propbaser-mismatch'],
    config: L2,
    ops: [boot({ cpus: [0] }), lpiProp(LPI0 + 1, 0x80),
      wr('GICR_WAKER', 0, { cpu: 1, index: 1 }), swr(1, 'ICC_PMR_EL1', 0xf0), swr(1, 'ICC_IGRPEN1_EL1', 1),
      wr('GICR_PROPBASER', 0x4040_0000n | 15n, { cpu: 1, index: 1 }), wr('GICR_PENDBASER', bootPendBase(1), { cpu: 1, index: 1 }),
      wr('GICR_CTLR', 1, { cpu: 1, index: 1 }),
      its([MAPD(1, 7, itt(0)), MAPC(1, 1), MAPTI(1, 1, LPI0 + 1, 1), INV(1, 1), INT(1, 1), SYNC(1)]), iar(1, [LPI0 + 1, SP])],
  },
  {
    component: 'lpi', name: 'propbaser-write-lpis-on',
    description: 'Writing GICR_PROPBASER while EnableLPIs = 1 is UNPREDICTABLE for that redistributor\'s LPIs (choice.u17.baser-write-lpis-on); it may be ignored or take effect.',
    rules: ['choice.u17.baser-write-lpis-on'],
    config: L2,
    ops: [prologue(), wr('GICR_PROPBASER', 0x4040_0000n | 15n), its([INV(1, 0), SYNC(0)]), msi(1, 0, [1, 0, EBUSY]), iar(0, [LPI0, SP])],
  },
  {
    component: 'lpi', name: 'setlpir-lpis-off',
    description: 'GICR_SETLPIR on a redistributor with EnableLPIs = 0 has no effect (choice.u25.setlpir-no-effect; with DirectLPI = 0 the register is not implemented at all): the LPI is not pending once LPIs are enabled there.',
    rules: ['choice.u25.setlpir-no-effect'],
    config: L2,
    ops: [boot({ cpus: [0] }), lpiProp(LPI0 + 1, 0x80), wr('GICR_SETLPIR', LPI0 + 1, { cpu: 1, index: 1 }),
      wr('GICR_WAKER', 0, { cpu: 1, index: 1 }), swr(1, 'ICC_PMR_EL1', 0xf0), swr(1, 'ICC_IGRPEN1_EL1', 1),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n, { cpu: 1, index: 1 }), wr('GICR_PENDBASER', bootPendBase(1), { cpu: 1, index: 1 }),
      wr('GICR_CTLR', 1, { cpu: 1, index: 1 }), its([MAPD(1, 7, itt(0)), MAPC(1, 1), MAPTI(1, 1, LPI0 + 1, 1), INV(1, 1), SYNC(1)]),
      iar(1, SP)],
  },
  {
    component: 'redistributor', name: 'clear-enable-lpis',
    description: 'Clearing GICR_CTLR.EnableLPIs may not be supported (choice.u18.clear-enable-lpis, CES): it reads back cleared (CES = 1) or still set (CES = 0). An MSI to it is then dropped (-EBUSY) or delivered.',
    rules: ['choice.u18.clear-enable-lpis', 'kvm.msi.lpis-disabled'],
    config: L2,
    ops: [prologue(), wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6, 0x1, 0x5]), msi(1, 0, [EBUSY, 1])],
  },
  {
    component: 'redistributor', name: 'enable-lpis-cleared-by-other-vcpu',
    description: 'vCPU 1 clears GICR_CTLR.EnableLPIs of redistributor 0 (the read shows it cleared, so CES = 1) while LPI 8192 is pending there: a redistributor with EnableLPIs 0 forwards no LPI, so vCPU 0 sees nothing in ICC_HPPIR1_EL1 and acknowledges nothing (Arm IHI 0069 GICR_CTLR.EnableLPIs). KVM does not make vCPU 0 exit: the LPI stays in its list register and is taken (quirk kvm.lpi-in-lr-survives-enablelpis-clear).',
    rules: ['redist.ctlr.enable-lpis', 'cpuif.hppir1', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)]), wr('GICR_CTLR', 0, { cpu: 1, index: 0 }), rd('GICR_CTLR', [0x2, 0x6], { cpu: 1, index: 0 }),
      hppir(0, SP), iar(0, SP)],
  },
  {
    component: 'redistributor', name: 'enable-lpis-cleared-after-discard',
    description: 'LPI 8192 is made pending at redistributor 0 and its ITE DISCARDed (completed by a SYNC), which removes the pending state (Arm IHI 0069 5.3 DISCARD); vCPU 1 then clears redistributor 0\'s EnableLPIs (CES = 1): vCPU 0 sees nothing in ICC_HPPIR1_EL1 and acknowledges nothing. KVM leaves the LPI queued after the DISCARD (quirk kvm.u45-discard-keeps-queued-pending), and the EnableLPIs clear, written by another vCPU, leaves it in vCPU 0\'s list register although its vgic_irq is gone with the ITE (quirk kvm.lpi-in-lr-survives-enablelpis-clear): vCPU 0 takes it. A clean-kvm campaign (kqfinal7) found the model dropping an LPI left in a list register once no ITE named it.',
    rules: ['redist.ctlr.enable-lpis', 'its.cmd.discard.unmap', 'cpuif.hppir1', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), DISCARD(1, 0), SYNC(0)], { cpu: 1 }), wr('GICR_CTLR', 0, { cpu: 1, index: 0 }),
      rd('GICR_CTLR', [0x2, 0x6], { cpu: 1, index: 0 }), hppir(0, SP), iar(0, SP)],
  },
  {
    component: 'redistributor', name: 'enable-lpis-cleared-after-its-reset',
    description: 'LPI 8192 is pending at redistributor 0 when the VMM resets the ITS (KVM_DEV_ARM_ITS_CTRL_RESET frees every mapping, Documentation/virt/kvm/devices/arm-vgic-its.rst; the pending state belongs to the redistributor and stays); vCPU 0 runs again (a PMR read), and vCPU 1 then clears redistributor 0\'s EnableLPIs (CES = 1): a redistributor with EnableLPIs 0 forwards no LPI, so vCPU 0 signals nothing (ISR_EL1.I = 0) and acknowledges nothing (Arm IHI 0069 GICR_CTLR.EnableLPIs). KVM does not make vCPU 0 exit: the LPI stays in its list register, its ITE gone or not, and is taken (quirk kvm.lpi-in-lr-survives-enablelpis-clear). A clean-kvm campaign (kqfinal7) found the model dropping it.',
    rules: ['redist.ctlr.enable-lpis', 'kvm.attr.its-reset', 'cpuif.isr.irq', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), attr('its', 'CTRL', 'ITS_RESET', 'set', ok, undefined, 0),
      srd(0, 'ICC_PMR_EL1', h(0xf0)), wr('GICR_CTLR', 0, { cpu: 1, index: 0 }), rd('GICR_CTLR', [0x2, 0x6], { cpu: 1, index: 0 }), srd(0, 'ISR_EL1', 0), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'two-ites-lpis-off-rd',
    description: 'LPI 8192 is mapped through collection 1 to redistributor 0, whose EnableLPIs vCPU 0 then clears (the read shows it cleared, CES = 1) before it waits in WFI; a second ITE names the same INTID through collection 0 (redistributor 1), and an INT through it: its pending state is UNPREDICTABLE (choice.u39.intid-two-ites), but redistributor 0 forwards no LPI, so vCPU 0 stays asleep (Arm IHI 0069 GICR_CTLR.EnableLPIs). KVM keeps one vgic_irq for the INTID, targeted at vCPU 0 by the first ITE, and queues it there: vCPU 0 wakes (quirk kvm.u39-shared-lpi-ignores-enablelpis).',
    rules: ['choice.u39.intid-two-ites', 'redist.ctlr.enable-lpis', 'cpuif.wfi.wake'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0xe0),
      its([MAPC(1, 0), MAPD(0, 7, itt(0)), MAPTI(0, 1, LPI0, 1), INV(0, 1), SYNC(0)]),
      wr('GICR_CTLR', 0, { cpu: 0, index: 0 }), rd('GICR_CTLR', [0x2, 0x6], { cpu: 1, index: 0 }), { op: 'wfi', cpu: 0, expect: 'asleep' } as Op,
      its([MAPC(0, 1), MAPD(1, 4, itt(1)), MAPTI(1, 0, LPI0, 0), INT(1, 0), SYNC(1)], { cpu: 1 }),
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1', expect: 'asleep' } as Op],
  },
  {
    component: 'lpi', name: 'two-ites-first-unmapped',
    description: 'LPI 8192 is mapped by device 1 through collection 0 (redistributor 1) and by device 0 through collection 1 (redistributor 0); an INT through device 1 makes it pending and vCPU 1 takes it. MAPD V = 0 then unmaps device 1: only device 0\'s ITE names the INTID, and an INT through it makes it pending at redistributor 0, where vCPU 0 takes it (Arm IHI 0069 5.3 MAPD, INT). KVM keeps one vgic_irq for the INTID, targeted at vCPU 1 by the ITE that created it, and still there after that ITE is gone: the INT queues it at vCPU 1, vCPU 0 reads 1023 (quirk kvm.u39-shared-lpi-ignores-enablelpis).',
    rules: ['choice.u39.intid-two-ites', 'its.cmd.mapd.unmap', 'its.cmd.int.pend', 'cpuif.iar1.ack'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0x40),
      its([MAPC(1, 0), MAPD(1, 4, itt(1)), MAPC(0, 1), MAPTI(1, 1, LPI0, 0), INV(1, 1), MAPD(0, 1, itt(0)), MAPTI(0, 0, LPI0, 1), SYNC(0), SYNC(1)], { cpu: 1 }),
      its([INT(1, 1), SYNC(1)], { cpu: 1 }), iar(1, LPI0), eoi(1, LPI0),
      its([MAPD(1, 0, 0, false), SYNC(1)], { cpu: 0 }), its([INT(0, 0), SYNC(0)], { cpu: 0 }), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'lpi', name: 'inv-lpis-off-pending',
    description: 'LPI 8192 is pending at redistributor 0 when vCPU 0 clears its EnableLPIs (the read shows it cleared, CES = 1) and waits in WFI; an INV of the LPI only re-reads its configuration, and a redistributor with EnableLPIs 0 forwards no LPI, so vCPU 0 stays asleep (Arm IHI 0069 GICR_CTLR.EnableLPIs; 5.3 INV). KVM kept the LPI\'s pending latch when LPIs were disabled, and the INV queues it: vCPU 0 wakes (quirk kvm.inv-queues-lpi-while-lpis-off).',
    rules: ['redist.ctlr.enable-lpis', 'its.cmd.inv.reload', 'cpuif.wfi.wake'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), wr('GICR_CTLR', 0, { cpu: 0, index: 0 }), rd('GICR_CTLR', [0x2, 0x6], { cpu: 1, index: 0 }),
      { op: 'wfi', cpu: 0, expect: 'asleep' } as Op, its([INV(1, 0), SYNC(0)], { cpu: 1 }),
      { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1', expect: 'asleep' } as Op],
  },
  {
    component: 'its', name: 'unmap-pending-then-remap-intid',
    description: 'LPI 8192 is pending at redistributor 1 when its device is unmapped (MAPD V = 0: its pending state is kept or lost, choice.u37.mapd-with-ites); the INTID is then mapped again for another device through a collection of redistributor 0, and an INT through the new ITE makes it pending there: vCPU 0 acknowledges it (Arm IHI 0069 5.3 MAPD, MAPTI, INT). KVM reuses the vgic_irq still queued on vCPU 1 as it is, target included, so the INT adds nothing and vCPU 0 sees nothing (quirk kvm.u45-discarded-pending-absorbs-remap).',
    rules: ['choice.u37.mapd-with-ites', 'its.cmd.mapti.map', 'its.cmd.int.pend', 'cpuif.iar1.ack'],
    config: L2,
    ops: [boot(), lpiProp(LPI0, 0x20),
      its([MAPC(0, 1), MAPD(1, 7, itt(0)), MAPTI(1, 1, LPI0, 0), INV(1, 1), SYNC(1)]), its([INT(1, 1), SYNC(1)]),
      its([MAPD(1, 0, 0, false), SYNC(1)], { cpu: 1 }),
      its([MAPC(1, 0), MAPD(0, 4, itt(1)), MAPTI(0, 0, LPI0, 1), SYNC(0)], { cpu: 1 }),
      its([INT(0, 0), SYNC(0)]), iar(0, LPI0)],
  },
  {
    component: 'its', name: 'remap-absorbed-then-mapc-retarget',
    description: 'LPI 8192 is pending at redistributor 1 when its device is unmapped (MAPD V = 0: its pending state is kept there or lost, choice.u37.mapd-with-ites); the INTID is mapped again through collection 2 on redistributor 0, and MAPC then moves collection 2 to redistributor 2 (completed by a SYNC). Redistributor 0 had nothing pending to move (choice.u40.mapc-retarget-pending), so after a migration vCPU 2 signals nothing (ISR_EL1.I = 0) and acknowledges nothing (Arm IHI 0069 5.3 MAPD, MAPTI, MAPC). KVM reuses the vgic_irq still queued on vCPU 1, its target vCPU 1 included (quirk kvm.u45-discarded-pending-absorbs-remap); the MAPC retargets every vgic_irq of the collection to vCPU 2 (update_affinity_collection), so the pending LPI follows to vCPU 2 once vCPU 1 exits, and the migration saves and restores it there: vCPU 2 takes it. A clean-kvm campaign (kqlpix) found the model moving only what was pending at the collection\'s old redistributor.',
    rules: ['choice.u37.mapd-with-ites', 'choice.u40.mapc-retarget-pending', 'its.cmd.mapc.map', 'cpuif.isr.irq', 'cpuif.iar1.spurious'],
    config: { vcpus: 3, spis: 32, its: 1 },
    ops: [boot(), lpiProp(LPI0, 0x20),
      its([MAPC(1, 1), MAPD(1, 7, itt(0)), MAPTI(1, 0, LPI0, 1), INV(1, 0), SYNC(1)]), its([INT(1, 0), SYNC(1)]),
      its([MAPD(1, 0, 0, false), SYNC(1)], { cpu: 2 }),
      its([MAPC(2, 0), MAPD(2, 4, itt(1)), MAPTI(2, 0, LPI0, 2), SYNC(0)], { cpu: 2 }),
      its([MAPC(2, 2), SYNC(2)], { cpu: 2 }), { op: 'migrate' } as Op, srd(2, 'ISR_EL1', 0), iar(2, SP)],
  },
  {
    component: 'its', name: 'movi-pending-again-while-active',
    description: 'vCPU 0 acknowledges LPI 8192, which an INT then makes pending again before its EOI; MOVI (completed by a SYNC to redistributor 0) moves the pending state to redistributor 1, so after the EOI vCPU 0 has nothing to acknowledge (Arm IHI 0069 5.3 MOVI, SYNC). KVM only retargets the LPI, which stays in vCPU 0\'s list register until vCPU 0 exits: after the EOI vCPU 0 takes it (quirk kvm.lpi-retarget-no-requeue).',
    rules: ['its.cmd.movi.moves-pending', 'its.cmd.sync.complete', 'cpuif.lpi.no-active', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), iar(0, LPI0), its([INT(1, 0), SYNC(0)], { cpu: 1 }), its([MOVI(1, 0, 1), SYNC(0)], { cpu: 1 }),
      iar(0, SP), eoi(0, LPI0), iar(0, SP)],
  },
  {
    component: 'its', name: 'movi-after-eoi-on-old-vcpu',
    description: 'vCPU 0 acknowledges and EOIs LPI 8192; MOVI (completed by a SYNC) retargets it to redistributor 1 and an INT makes it pending again: vCPU 1 acknowledges it (Arm IHI 0069 5.3 MOVI, INT, SYNC). KVM prunes an ap_list only when its vCPU exits: the LPI is still on vCPU 0\'s, the INT does not queue it to vCPU 1, which reads 1023 until vCPU 0 exits (quirk kvm.lpi-retarget-no-requeue).',
    rules: ['its.cmd.movi.retarget', 'its.cmd.sync.complete', 'cpuif.lpi.no-active'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), iar(0, LPI0), eoi(0, LPI0), its([MOVI(1, 0, 1), SYNC(0)], { cpu: 1 }),
      its([INT(1, 0), SYNC(1)], { cpu: 1 }), iar(1, LPI0), eoi(1, LPI0)],
  },
  {
    component: 'lpi', name: 'inv-priority-of-pending-lpi',
    description: 'LPI 8192 (priority 0xa0) is pending at redistributor 0 when its configuration byte is changed to priority 0xc0 and vCPU 1 issues INV + SYNC: the redistributor uses the new configuration, so vCPU 0 acknowledges it at running priority 0xc0 (Arm IHI 0069 5.3 INV, SYNC; ICC_RPR_EL1). KVM updates the vgic_irq but not the list register vCPU 0 runs with: the running priority is 0xa0 (quirk kvm.inv-leaves-lr-priority).',
    rules: ['its.cmd.inv.reload', 'lpi.prop.inv-sync', 'cpuif.rpr.running'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), lpiProp(LPI0, 0xc0), its([INV(1, 0), SYNC(0)], { cpu: 1 }),
      iar(0, LPI0), srd(0, 'ICC_RPR_EL1', 0xc0), eoi(0, LPI0)],
  },
  {
    component: 'its', name: 'clear-pending-lpi-queued',
    description: 'LPI 8192 is pending at redistributor 0 (INT, then SYNC); vCPU 1 issues CLEAR and SYNC: the pending state is removed, so vCPU 0 has nothing to acknowledge (Arm IHI 0069 5.3 CLEAR, SYNC). KVM clears only the latch; the LPI already sits in vCPU 0\'s list register and is taken (quirk kvm.clear-leaves-lr-pending).',
    rules: ['its.cmd.clear.unpend', 'its.cmd.sync.complete', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), its([CLEAR(1, 0), SYNC(0)], { cpu: 1 }), iar(0, SP)],
  },
  {
    component: 'redistributor', name: 'pending-across-enable-toggle',
    description: 'A pending (disabled) LPI across EnableLPIs 1 -> 0 -> 1 is preserved through the pending table (choice.u24.pending-across-toggle, the presumed architecture); a target that loses it is accepted only under an unconfirmed reading.',
    rules: ['choice.u24.pending-across-toggle'],
    config: L2,
    ops: [prologue([], [lpiProp(LPI0, 0xa0, false)]), its([INT(1, 0), SYNC(0)]), wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6, 0x1, 0x5]),
      wr('GICR_CTLR', 1), lpiProp(LPI0, 0xa0), its([INV(1, 0), SYNC(0)]), iar(0, [LPI0, SP])],
  },
  {
    component: 'redistributor', name: 'enable-lpis-elsewhere-leaves-lpis-off',
    description: 'LPI 8192 is pending at redistributor 0 when vCPU 0 clears its EnableLPIs; vCPU 1 then clears and sets its own EnableLPIs again. Redistributor 0 still has LPIs disabled, so vCPU 0 has nothing to acknowledge (Arm IHI 0069 GICR_CTLR.EnableLPIs). KVM\'s its_sync_lpi_pending_table queues every LPI of the VM when any redistributor enables LPIs, and the latch redistributor 0 kept is taken by vCPU 0 (quirk kvm.enable-lpis-queues-every-lpi).',
    rules: ['redist.ctlr.enable-lpis', 'choice.u18.clear-enable-lpis'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6, 0x1, 0x5]),
      wr('GICR_CTLR', 0, { cpu: 1, index: 1 }), wr('GICR_CTLR', 1, { cpu: 1, index: 1 }), iar(0, SP)],
  },
  {
    component: 'redistributor', name: 'enable-lpis-elsewhere-queues-unqueued-lpi',
    description: 'LPI 8192 is made pending at redistributor 0 while the distributor\'s Group 1 is disabled, then vCPU 0 clears its EnableLPIs and enables the distributor again; vCPU 1 clears and sets its own EnableLPIs. Redistributor 0 still has LPIs disabled, so vCPU 0 has nothing to acknowledge (Arm IHI 0069 GICR_CTLR.EnableLPIs). KVM\'s its_sync_lpi_pending_table queues every LPI of the VM when any redistributor enables LPIs (quirk kvm.enable-lpis-queues-every-lpi; 6.12 walks every LPI there, 6.1 only the enabling vCPU\'s). The disabled distributor kept the LPI off vCPU 0\'s ap_list (vgic_target_oracle), so the latch survives the EnableLPIs clear also on 6.12, whose vgic_flush_pending_lpis clears the latch of the LPIs it unlinks (redistributor/enable-lpis-elsewhere-leaves-lpis-off passes there).',
    rules: ['redist.ctlr.enable-lpis', 'choice.u18.clear-enable-lpis'],
    config: L2,
    ops: [prologue(), wr('GICD_CTLR', 0x10), its([INT(1, 0), SYNC(0)], { cpu: 1 }), wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6]),
      wr('GICD_CTLR', 0x12), wr('GICR_CTLR', 0, { cpu: 1, index: 1 }), wr('GICR_CTLR', 1, { cpu: 1, index: 1 }), iar(0, SP)],
  },
  {
    component: 'lpi', name: 'active-lpi-across-enable-lpis-clear',
    description: 'vCPU 0 acknowledges LPI 8192, clears its EnableLPIs (CES = 1) and writes its EOI, sets EnableLPIs again, and 8192 is made pending again (INT): LPIs have no active state, so vCPU 0 acknowledges it (Arm IHI 0069 5.1 LPIs, GICR_CTLR.EnableLPIs). Linux 6.12 and 6.1 keep an acknowledged LPI active until its EOI (kvm-linux.lpi-active-until-eoi), and the EnableLPIs clear took it off the ap_list while active (vgic_flush_pending_lpis), so the EOI found no list register: it stays active, and pending again it sits pending and active in a list register, never signalled.',
    rules: ['cpuif.lpi.no-active', 'redist.ctlr.enable-lpis', 'cpuif.iar1.ack'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), iar(0, LPI0), wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6]), eoi(0, LPI0),
      wr('GICR_CTLR', 1), its([INT(1, 0), SYNC(0)], { cpu: 1 }), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'lpi', name: 'active-lpi-moved-pending-elsewhere',
    description: 'vCPU 0 acknowledges LPI 8192; MOVI moves it to redistributor 1 and an INT makes it pending there: LPIs have no active state, so vCPU 1 acknowledges it, and after vCPU 0\'s EOI nothing is left (Arm IHI 0069 5.1 LPIs, 5.3 MOVI). Linux 6.12 and 6.1 keep the acknowledged LPI active on vCPU 0 (kvm-linux.lpi-active-until-eoi), and vgic_target_oracle keeps an active interrupt on the vCPU that holds it: pending again, it sits pending and active in vCPU 0\'s list register, which signals neither; vCPU 0\'s EOI deactivates it there and vCPU 1 then takes it.',
    rules: ['cpuif.lpi.no-active', 'its.cmd.movi.moves-pending', 'cpuif.iar1.ack'],
    config: L2,
    ops: [prologue(), its([INT(1, 0), SYNC(0)], { cpu: 1 }), iar(0, LPI0), its([MOVI(1, 0, 1), SYNC(0)], { cpu: 1 }),
      its([INT(1, 0), SYNC(1)], { cpu: 1 }), iar(1, LPI0), eoi(0, LPI0), iar(1, SP), eoi(1, LPI0)],
  },
  {
    component: 'lpi', name: 'invall-other-collection-lpis-off',
    description: 'Collections 0 and 2 both map redistributor 0; LPI 8193 (collection 2, disabled) is made pending, vCPU 0 clears its EnableLPIs (CES = 1), 8193 is enabled in the property table and INVALL names collection 0: a redistributor with EnableLPIs 0 forwards no LPI, so vCPU 0 has nothing to acknowledge (Arm IHI 0069 GICR_CTLR.EnableLPIs, 5.3 INVALL). KVM\'s vgic_its_invall reloads the configuration of every LPI that targets the collection\'s vCPU, whatever its collection (update_lpi_config), and queues 8193, whose latch the EnableLPIs clear kept (it was off the ap_list, disabled): vCPU 0 takes it (quirk kvm.inv-queues-lpi-while-lpis-off).',
    rules: ['its.cmd.invall.reload', 'redist.ctlr.enable-lpis', 'cpuif.iar1.spurious'],
    config: L2,
    ops: [prologue([MAPC(2, 0), MAPTI(1, 1, LPI0 + 1, 2), SYNC(0)], [lpiProp(LPI0 + 1, 0x80, false)]), its([INT(1, 1), SYNC(0)], { cpu: 1 }),
      wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6]), lpiProp(LPI0 + 1, 0x80), its([INVALL(0), SYNC(0)], { cpu: 1 }), iar(0, SP)],
  },
  {
    component: 'redistributor', name: 'lpis-off-table-keeps-saved-bit',
    description: 'LPIs 8192 and 8193 (disabled) are pending at redistributor 0; KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES runs between their INTs, so it writes the bit of 8192 only; then EnableLPIs is cleared (CES = 1). A redistributor that writes its pending state back sets both bits (choice.u24.pending-across-toggle, preserved). KVM loses the pending state and writes no memory there (vgic_mmio_write_v3r_ctlr, vgic_flush_pending_lpis), so the table keeps what the save wrote, the bit of 8192 alone: the lost reading may not take the bits of pending LPIs as clear, since KVM clears a bit only when it creates the LPI from it (vgic_v3_lpi_sync_pending_status). Arm IHI 0069 GICR_CTLR.EnableLPIs, 5.1 (LPI Pending tables); Documentation/virt/kvm/devices/arm-vgic-v3.rst (KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES).',
    rules: ['choice.u24.pending-across-toggle', 'kvm.its-abi.save-pending', 'mem.read'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot(), its([MAPD(1, 3, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), MAPTI(1, 1, LPI0 + 1, 0), INT(1, 0), SYNC(0)]),
      attr('vgic', 'CTRL', 'SAVE_PENDING_TABLES', 'set', ok), its([INT(1, 1), SYNC(0)]), wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6]),
      { op: 'mem.read', addr: h(bootPendBase(0) + (LPI0 >> 3)), len: 1, expectOneOf: ['01', '03'] } as Op],
  },
  {
    component: 'its', name: 'mapti-before-propbaser',
    description: 'MAPTI of LPI 8192 before any GICR_PROPBASER is written: the pINTID is checked against the ITS\'s range (GITS_TYPER.IDbits), so the ITE exists; once the redistributor\'s tables are set and LPIs enabled, an MSI to it is delivered (Arm IHI 0069 5.3 MAPTI, GICR_PROPBASER). KVM checks it against the PROPBASER it keeps for the VM, whose IDbits were still 0: the MAPTI failed and the MSI finds no ITE (quirk kvm.mapti-needs-propbaser).',
    rules: ['its.cmd.mapti.map', 'kvm.msi.delivered'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot({ lpis: false }), ...itsInit(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), SYNC(0)]),
      lpiProp(LPI0, 0xa0), wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), wr('GICR_PENDBASER', bootPendBase(0)), wr('GICR_CTLR', 1),
      its([INV(1, 0), SYNC(0)]), msi(1, 0, 1), iar(0, LPI0), eoi(0, LPI0)],
  },
  {
    component: 'redistributor', name: 'mapti-pending-bit-lpis-off',
    description: 'Redistributor 0 has its tables set but EnableLPIs 0, and the guest sets the pending-table bit of LPI 8192; MAPTI maps it: with LPIs disabled nothing is forwarded, so vCPU 0 has nothing to acknowledge (Arm IHI 0069 GICR_CTLR.EnableLPIs, 5.1 LPI pending tables). KVM creates the LPI from the table bit, clears the bit and queues it to vCPU 0, which takes it (quirk kvm.pending-table-consumed-at-mapti).',
    rules: ['redist.ctlr.enable-lpis', 'its.cmd.mapti.map', 'cpuif.iar1.spurious'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot({ lpis: false }), lpiProp(LPI0, 0xa0),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), wr('GICR_PENDBASER', bootPendBase(0)),
      memWrite(bootPendBase(0) + (LPI0 >> 3), '01'), ...itsInit(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 0, LPI0, 0), SYNC(0)]),
      iar(0, SP)],
  },
  {
    component: 'redistributor', name: 'taken-lpi-across-enable-toggle',
    description: 'An LPI loaded from the pending table at EnableLPIs and then acknowledged is not pending any more: across EnableLPIs 1 -> 0 -> 1 it is not required to fire again (choice.u24.pending-across-toggle: the redistributor writes its pending state back; a target that re-reads a stale bit is accepted only under an unconfirmed reading).',
    rules: ['choice.u24.pending-across-toggle', 'lpi.pending.load-on-enable'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot({ lpis: false }), lpiProp(8195, 0x80),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), wr('GICR_PENDBASER', bootPendBase(0)),
      ...itsInit(), its([MAPD(1, 7, itt(0)), MAPC(0, 0), MAPTI(1, 3, 8195, 0)]),
      memWrite(bootPendBase(0) + (8195 >> 3), '08'), wr('GICR_CTLR', 1), its([INV(1, 3), SYNC(0)]),
      iar(0, 8195), eoi(0, 8195), iar(0, SP),
      wr('GICR_CTLR', 0), rd('GICR_CTLR', [0x2, 0x6, 0x1, 0x5]), wr('GICR_CTLR', 1), its([INV(1, 3), SYNC(0)]), iar(0, [SP, 8195])],
  },
  // ------------------------------------------------------------ ITS registers and queue
  {
    component: 'its', name: 'queue-wrap',
    description: 'The command queue is circular: with a 4 KiB queue (128 slots) 127 SYNCs fill it to offset 0xfe0; the next commands wrap to offset 0 and run. Writing CBASER reset CREADR to 0.',
    rules: ['its.queue.circular', 'its.queue.in-order', 'its.reg.cbaser.creadr-reset', 'its.reg.creadr.progress', 'its.reg.cwriter.rw', 'its.reg.ctlr.enabled'],
    config: L2,
    ops: [prologue([], prop1), wr('GITS_CTLR', 0), wr('GITS_CBASER', (1n << 63n) | 0x41f0_0000n), rd('GITS_CREADR', 0),
      wr('GITS_CWRITER', 0), wr('GITS_CTLR', 1), rd('GITS_CTLR', [0x1, 0x8000_0001]),
      its(Array.from({ length: 127 }, () => SYNC(0))), rd('GITS_CREADR', 0xfe0),
      its([MAPTI(1, 1, LPI0 + 1, 1), INV(1, 1), SYNC(1)]), rd('GITS_CWRITER', 0x40), rd('GITS_CREADR', 0x40),
      msi(1, 1, 1), iar(1, LPI0 + 1), eoi(1, LPI0 + 1)],
  },
  {
    component: 'its', name: 'disabled-queue-and-msi',
    description: 'While GITS_CTLR.Enabled = 0 the ITS reads Quiescent, processes no command and drops MSIs (KVM_SIGNAL_MSI: -EBUSY); the queued commands run once it is enabled (choice.u35.disabled-commands).',
    rules: ['its.queue.disabled', 'choice.u35.disabled-commands', 'its.msi.disabled-drop', 'kvm.msi.its-disabled', 'its.reg.ctlr.enabled', 'its.reg.ctlr.quiescent'],
    config: L2,
    ops: [prologue([], prop1), wr('GITS_CTLR', 0), rd('GITS_CTLR', [0x8000_0000, 0x8000_0002]), msi(1, 0, EBUSY),
      its([MAPTI(1, 1, LPI0 + 1, 1), INV(1, 1), SYNC(1)]), rd('GITS_CREADR', h(PROLOGUE_CMDS * CMD_BYTES)), msi(1, 1, EBUSY),
      wr('GITS_CTLR', 1), rd('GITS_CREADR', h((PROLOGUE_CMDS + 3) * CMD_BYTES)), msi(1, 1, 1), iar(1, LPI0 + 1), eoi(1, LPI0 + 1), iar(0, SP)],
  },
  {
    component: 'its', name: 'quiescent-while-enabled',
    description: 'GITS_CTLR.Quiescent is UNKNOWN while the ITS is enabled (choice.u34.quiescent-enabled).',
    rules: ['choice.u34.quiescent-enabled', 'its.reg.ctlr.enabled'],
    config: L2,
    ops: [prologue(), rd('GITS_CTLR', [0x1, 0x8000_0001, 0x3, 0x8000_0003])],
  },
  {
    component: 'its', name: 'creadr-write-ignored',
    description: 'GITS_CREADR is read-only in every configuration, GICD_CTLR.DS = 1 included (Arm IHI 0069 GITS_CREADR): a guest write of 0x20 leaves it where the ITS stopped, and the next command moves it on by one command. QEMU stores the write while GICD_CTLR.DS = 1 and processes the queue again from there (quirk qemu.creadr-guest-writable).',
    rules: ['its.reg.creadr.ro', 'its.reg.creadr.progress', 'its.cmd.sync.complete'],
    config: { vcpus: 1, spis: 32, its: 1 },
    ops: [boot(), its([MAPC(0, 0), SYNC(0)]), rd('GITS_CREADR', h(2 * CMD_BYTES)), wr('GITS_CREADR', 0x20), rd('GITS_CREADR', h(2 * CMD_BYTES)),
      its([SYNC(0)]), rd('GITS_CREADR', h(3 * CMD_BYTES))],
  },
  {
    component: 'its', name: 'creadr-read-only',
    description: 'GITS_CREADR is read-only: a guest write does not move it.',
    rules: ['its.reg.creadr.ro', 'its.reg.creadr.progress'],
    config: L2,
    ops: [prologue(), rd('GITS_CREADR', h(PROLOGUE_CMDS * CMD_BYTES)), wr('GITS_CREADR', 0x20), rd('GITS_CREADR', h(PROLOGUE_CMDS * CMD_BYTES)),
      rd('GITS_CWRITER', h(PROLOGUE_CMDS * CMD_BYTES)), ...prologueMappingWorks()],
  },
  {
    component: 'its', name: 'cwriter-out-of-range',
    description: 'GITS_CWRITER.Offset at the queue size (64 KiB) is CONSTRAINED UNPREDICTABLE (choice.u28.cwriter-oor): the write is ignored or taken; MSIs still translate.',
    rules: ['choice.u28.cwriter-oor'],
    config: L2,
    ops: [prologue(), wr('GITS_CWRITER', 0x1_0000), rd('GITS_CWRITER', [h(PROLOGUE_CMDS * CMD_BYTES), h(0x1_0000)]), ...prologueMappingWorks()],
  },
  {
    component: 'its', name: 'cbaser-rewrite',
    description: 'Writing GITS_CBASER while the ITS is disabled sets CREADR to 0; CWRITER is left alone or reset to 0 (choice.u30.baser-write-enabled). Address bits [15:12] are used or read as 0 (choice.u29.cbaser-low-bits).',
    rules: ['its.reg.cbaser.creadr-reset', 'its.reg.cbaser.rw', 'choice.u30.baser-write-enabled', 'choice.u29.cbaser-low-bits'],
    config: L2,
    ops: [prologue(), wr('GITS_CTLR', 0), wr('GITS_CBASER', (1n << 63n) | 0x41f0_1000n | 1n), rd('GITS_CREADR', 0),
      rd('GITS_CWRITER', [h(PROLOGUE_CMDS * CMD_BYTES), h(0)]), rd('GITS_CBASER', cbaserReadbacks([0x41f0_1000, 0x41f0_0000], 1))],
  },
  {
    component: 'its', name: 'cbaser-write-enabled',
    description: 'Writing GITS_CBASER while the ITS is enabled is UNPREDICTABLE (choice.u30.baser-write-enabled); KVM ignores it. MSIs keep translating.',
    rules: ['choice.u30.baser-write-enabled'],
    config: L2,
    ops: [prologue(), wr('GITS_CBASER', (1n << 63n) | 0x41f0_0000n), ...prologueMappingWorks()],
  },
  {
    component: 'its', name: 'enable-without-collection-table',
    description: 'Enabling the ITS with GITS_BASER1 (collection table) not Valid is UNPREDICTABLE (choice.u31.enable-without-tables): the enable is refused or the ITS runs without usable tables. Toggling BASER Valid back keeps or loses the mappings (choice.u32.baser-valid-toggle).',
    rules: ['choice.u31.enable-without-tables', 'choice.u32.baser-valid-toggle'],
    config: L2,
    ops: [prologue(), wr('GITS_CTLR', 0), wr('GITS_BASER1', 0x4088_0200n), wr('GITS_CTLR', 1),
      rd('GITS_CTLR', [0x0, 0x8000_0000, 0x1, 0x8000_0001]), wr('GITS_CTLR', 0),
      wr('GITS_BASER1', (1n << 63n) | 0x4088_0200n), wr('GITS_CTLR', 1), msi(1, 0, [0, 1]), iar(0, [LPI0, SP])],
  },
  {
    component: 'its', name: 'device-table-scribble',
    description: 'Overwriting the device table entry of device 1 while the ITS may use it is UNPREDICTABLE for that entry (choice.u33.table-memory-write); device 2\'s mapping is outside the scope and keeps working.',
    rules: ['choice.u33.table-memory-write'],
    config: L2,
    ops: [prologue([MAPD(2, 7, itt(2)), MAPTI(2, 0, LPI0 + 1, 1), INV(2, 0), SYNC(1)], prop1), memWrite(bootDeviceTable(0) + 8, 'ffffffffffffffff'),
      msi(2, 0, 1), iar(1, LPI0 + 1), eoi(1, LPI0 + 1), msi(1, 0, [0, 1])],
  },
  {
    component: 'its', name: 'invall-scope',
    description: 'INVALL of collection 0 may also re-read configuration of LPIs in other collections (choice.u48.invall-scope) and a change not invalidated may be seen anyway (choice.u16.config-cache).',
    rules: ['choice.u48.invall-scope', 'choice.u16.config-cache'],
    config: L2,
    ops: [prologue([MAPTI(1, 1, LPI0 + 1, 1), INV(1, 1), SYNC(1)], [lpiProp(LPI0 + 1, 0x80, false)]), lpiProp(LPI0 + 1, 0x80),
      its([INVALL(0), INT(1, 1), SYNC(0), SYNC(1)]), iar(1, [LPI0 + 1, SP])],
  },
  {
    component: 'its', name: 'baser-readback',
    description: 'GITS_BASER0/1 read as two 32-bit halves: Valid, the table address and Size read back as the boot macro wrote them; Type is 1 (Devices) for BASER0 and 4 (Collections) for BASER1 (the suite\'s assumption, docs/scenario-format.md); Entry_Size, Page_Size, Shareability and cacheability are implementation choices.',
    rules: ['its.reg.baser.type', 'its.reg.baser.rw'],
    config: L2,
    ops: [boot(),
      rd('GITS_BASER0', baserLow(bootDeviceTable(0), 7), { width: 32 }), rd('GITS_BASER0', baserHigh(1), { width: 32, at: 4 }),
      rd('GITS_BASER1', baserLow(bootCollectionTable(0), 0), { width: 32 }), rd('GITS_BASER1', baserHigh(4), { width: 32, at: 4 })],
  },
  {
    component: 'its', name: 'baser-ro-fields',
    description: 'GITS_BASER0 written with Type 0 and Entry_Size 0 (1-byte entries) over one 64 KiB page: Type and Entry_Size are read-only, so BASER0 still reads Type 1 (Devices) and the table keeps the implementation\'s entry size (8 bytes in the KVM ITS ABI: 8192 DeviceIDs). MAPD of DeviceID 9000, in range only for 1-byte entries, is a DEVICE_OOR error: the event is never mapped and INT of it delivers nothing.',
    rules: ['its.reg.baser.type', 'its.reg.baser.rw', 'its.cmd.mapd.device-oor', 'choice.u26.command-error-response'],
    config: L2,
    ops: [boot(), lpiProp(LPI0 + 9, 0xa0), wr('GITS_CTLR', 0), wr('GITS_BASER0', (1n << 63n) | (2n << 8n) | BigInt(bootDeviceTable(0))), wr('GITS_CTLR', 1),
      rd('GITS_BASER0', baserHigh(1), { width: 32, at: 4 }),
      its([MAPD(9000, 7, itt(1)), MAPC(0, 0), MAPTI(9000, 0, LPI0 + 9, 0), INV(9000, 0), INT(9000, 0), SYNC(0)]),
      rd('GITS_CREADR', creadrAfterError(0, 6)), iar(0, SP)],
  },
  {
    component: 'its', name: 'pidr2',
    description: 'GITS_PIDR2.ArchRev reads 3 or 4 (JEDEC bit set, DES_1 IMPDEF).',
    rules: ['its.reg.pidr2'],
    config: L2,
    ops: [boot(), rd('GITS_PIDR2', [3, 4].flatMap((rev) => Array.from({ length: 8 }, (_, d) => h((rev << 4) | 8 | d))))],
  },
  {
    component: 'its', name: 'msi-drops',
    description: 'MSIs for an unmapped device, an EventID beyond the device\'s size and an event without ITE are dropped (KVM_SIGNAL_MSI returns 0); a mapped one is translated (1).',
    rules: ['its.msi.unmapped-device-drop', 'its.msi.id-oor-drop', 'its.msi.unmapped-event-drop', 'its.msi.translate', 'kvm.msi.blocked', 'kvm.msi.delivered'],
    config: L2,
    ops: [prologue(), msi(99, 0, 0), msi(1, 256, 0), msi(1, 5, 0), iar(0, SP), ...prologueMappingWorks()],
  },
];

/** What the boot macro programs for ITS 0, done by hand after boot({ lpis: false }). */
function itsInit(): Op[] {
  const VALID = 1n << 63n;
  const PAGE_64K = 2n << 8n;
  return [
    wr('GITS_BASER0', VALID | PAGE_64K | 7n | BigInt(bootDeviceTable(0))), // 8 x 64 KiB pages
    wr('GITS_BASER1', VALID | PAGE_64K | BigInt(bootCollectionTable(0))), // 1 x 64 KiB page
    wr('GITS_CBASER', VALID | 15n | BigInt(bootCommandQueue(0))), // 16 x 4 KiB pages
    wr('GITS_CWRITER', 0),
    wr('GITS_CTLR', 1),
  ];
}

/** GITS_BASER<n>[31:0] (IHI 0069 GITS_* registers): PA[31:12] and Size as written; Shareability [11:10]
 *  and Page_Size [9:8] (4/16/64 KiB) implementation choices. */
function baserLow(pa: number, size: number): string[] {
  const out: string[] = [];
  for (let sh = 0; sh < 4; sh++) for (let ps = 0; ps < 3; ps++) out.push(h(pa + (sh << 10) + (ps << 8) + size));
  return out;
}
/** GITS_BASER<n>[63:32]: Valid [63] = 1, Indirect [62] = 0 (written 0), InnerCache [61:59] and
 *  OuterCache [55:53] any, Type [58:56] as given, Entry_Size [52:48] any, PA[47:32] = 0 (tables
 *  below 4 GiB). */
function baserHigh(type: number): string[] {
  const out: string[] = [];
  for (let ic = 0; ic < 8; ic++) {
    for (let oc = 0; oc < 8; oc++) {
      for (let es = 0; es < 32; es++) out.push(h(2 ** 31 + ic * 2 ** 27 + type * 2 ** 24 + oc * 2 ** 21 + es * 2 ** 16));
    }
  }
  return out;
}
/** GITS_CBASER read-backs: Valid, one of the addresses, Size as written; Shareability [11:10],
 *  OuterCache [55:53], InnerCache [61:59] any value (implementations may fix them, 5.1). */
function cbaserReadbacks(addrs: number[], size: number): string[] {
  const out: string[] = [];
  for (const a of addrs) {
    for (let sh = 0n; sh < 4n; sh++) {
      for (let ic = 0n; ic < 8n; ic++) {
        for (let oc = 0n; oc < 8n; oc++) out.push(h((1n << 63n) | BigInt(a) | BigInt(size) | (sh << 10n) | (oc << 53n) | (ic << 59n)));
      }
    }
  }
  return out;
}
export { SPURIOUS, attr, bootCollectionTable };
