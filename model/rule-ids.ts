// Every rule id the model can record (docs/oracle.md: coverage). Ids come from spec/rules.json; the
// ones it does not (yet) have are defined in model/missing-rules.json. test/model/rules.test.ts
// checks both files and that every id the sources name is listed here.

const DEVICE_EVENT_CMDS = ['movi', 'int', 'clear', 'inv', 'discard'];
const TEMPLATED: string[] = [
  ...['mapti', 'mapi'].flatMap((c) => ['device-oor', 'unmapped-device', 'id-oor', 'collection-oor', 'map'].map((k) => `its.cmd.${c}.${k}`)),
  ...DEVICE_EVENT_CMDS.flatMap((c) => ['device-oor', 'unmapped-device', 'id-oor', 'unmapped-interrupt'].map((k) => `its.cmd.${c}.${k}`)),
];

const LITERAL: string[] = [
  // distributor
  'dist.ctlr.are-ds-rao', 'dist.ctlr.enable-grp1', 'dist.ctlr.nassgireq', 'dist.typer2.nassgicap', 'dist.typer.itlines', 'dist.banked-raz-wi', 'dist.igroupr.rw',
  'dist.isenabler.set', 'dist.icenabler.clear', 'dist.ispendr.set', 'dist.icpendr.clear', 'dist.icpendr.level-line-high',
  'dist.isactiver.set', 'dist.icactiver.clear', 'dist.ipriorityr.byte', 'dist.icfgr.config', 'dist.irouter.affinity',
  'dist.irouter.irm', 'dist.irouter.impdef-irm-aff3', 'dist.pidr2.archrev', 'its.reg.pidr2', 'dist.mbis.setspi', 'dist.enable.read', 'dist.pending.read', 'dist.active.read',
  // redistributor
  'redist.ctlr.ro-bits', 'redist.ctlr.enable-lpis', 'redist.typer.affinity', 'redist.waker.awake', 'redist.propbaser.rw',
  'redist.pendbaser.ptz-raz', 'redist.pendbaser.ptz', 'redist.invlpir', 'redist.invallr', 'redist.invalidation-regs-absent', 'redist.syncr', 'redist.icfgr0.sgi-edge',
  'redist.setlpir', 'redist.clrlpir', 'lpi.pending.load-on-enable', 'lpi.edge-coalesce', 'lpi.range',
  // CPU interface
  'cpuif.iar1.ack', 'cpuif.iar0.ack', 'cpuif.iar1.spurious', 'cpuif.hppir1', 'cpuif.rpr.running', 'cpuif.pmr.rw', 'cpuif.bpr1.min',
  'cpuif.ctlr.fields', 'cpuif.ctlr.cbpr', 'cpuif.igrpen1.rw', 'cpuif.apr.bit', 'cpuif.apr.unimplemented', 'cpuif.sre.sre',
  'cpuif.isr.irq', 'cpuif.eoir1.special-ignored', 'cpuif.eoir1.priority-drop', 'cpuif.eoir1.deactivate', 'cpuif.dir.deactivate',
  'cpuif.dir.eoimode0-ignored', 'cpuif.sgi1r.targetlist', 'cpuif.sgi1r.irm', 'cpuif.sgi1r.missing-target',
  'cpuif.wfi.wake', 'cpuif.wfi.asleep-ops', 'cpuif.wfi.rpr-masked-may-wake',
  // ITS
  'its.reg.ctlr.enabled', 'its.reg.typer.physical', 'its.reg.cbaser.rw', 'its.reg.cbaser.creadr-reset', 'its.reg.cwriter.rw',
  'its.reg.creadr.ro', 'its.reg.baser.type', 'its.reg.baser.rw', 'its.queue.retry', 'its.queue.read-fault', 'its.translater.cpu-write',
  'its.cmd.mapd.device-oor', 'its.cmd.mapd.ittsize-oor', 'its.cmd.mapd.map', 'its.cmd.mapd.remap', 'its.cmd.mapd.unmap',
  'its.cmd.mapc.collection-oor', 'its.cmd.mapc.procnum-oor', 'its.cmd.mapc.map', 'its.cmd.mapc.unmap', 'its.cmd.mapti.physicalid-oor',
  'its.cmd.mapti.unmapped-collection-ok', 'its.cmd.movi.collection-oor', 'its.cmd.movi.unmapped-collection', 'its.cmd.movi.retarget',
  'its.cmd.movi.moves-pending', 'its.cmd.int.pend', 'its.cmd.clear.unpend', 'its.cmd.inv.reload', 'its.cmd.discard.unmap',
  'its.cmd.invall.collection-oor', 'its.cmd.invall.unmapped-collection', 'its.cmd.invall.reload', 'its.cmd.sync.complete',
  'its.cmd.movall.procnum-oor', 'its.cmd.movall.same-rd', 'its.cmd.movall.moves-pending', 'its.cmd.unknown.opcode',
  'its.msi.disabled-drop', 'its.msi.unmapped-device-drop', 'its.msi.id-oor-drop', 'its.msi.unmapped-event-drop',
  'its.msi.unmapped-collection-drop', 'its.msi.translate',
  // KVM ABI
  'kvm.irq-line.raw', 'kvm.irq-line.cpu-enxio', 'kvm.irq-line.spi-einval', 'kvm.irq-line.spi', 'kvm.irq-line.ppi-einval',
  'kvm.irq-line.ppi', 'kvm.irq-line.ppi-owned', 'kvm.irq-line.bad-type', 'kvm.timer.line', 'kvm.msi.no-its', 'kvm.msi.no-devid', 'kvm.msi.bad-address',
  'kvm.msi.frame-address', 'kvm.msi.delivered', 'kvm.msi.blocked', 'kvm.msi.its-disabled', 'kvm.msi.lpis-disabled',
  'kvm.routing.einval', 'kvm.routing.irqchip', 'kvm.routing.msi', 'kvm.irqfd.deassign', 'kvm.irqfd.busy', 'kvm.irqfd.resample',
  'kvm.irqfd.edge', 'kvm.irqfd.msi', 'kvm.irqfd.level-pulse', 'kvm.vfio.forward', 'kvm.vfio.device-fire',
  'kvm.its-abi.save', 'kvm.its-abi.ite', 'kvm.its-abi.dte', 'kvm.its-abi.cte', 'kvm.its-abi.restore', 'kvm.its-abi.restore-bad-cte',
  'kvm.its-abi.restore-bad-dte', 'kvm.its-abi.restore-bad-ite', 'kvm.its-abi.save-pending', 'kvm.attr.its-reset', 'kvm.attr.its-ctrl-unknown',
  'kvm.migrate.mappings', 'kvm.migrate.lpi-pending', 'kvm.migrate.dist-state', 'kvm.migrate.cpuif-state', 'kvm.attr.addr',
  'kvm.attr.nr-irqs', 'kvm.attr.dist-regs', 'kvm.attr.redist-regs', 'kvm.attr.cpu-sysregs', 'kvm.attr.level-info',
  'kvm.attr.its-regs', 'kvm.attr.its-iidr', 'kvm.msi.bad-flags', 'kvm.its-abi.restore-live', 'kvm.attr.reserved-offset',
  // generic
  'mmio.bad-width', 'mmio.reserved-raz-wi', 'mmio.unmapped', 'mem.write', 'mem.read', 'mem.outside-ram', 'sched.no-effect', 'sched.group-some-order', 'impdef.held',
  // permitted choices (the permitted-choice rules choice.u<N>.* of spec/rules.json)
  'choice.u1.icfgr-change', 'choice.u3.ppi-config', 'choice.u4.equal-priority', 'choice.u8.nassgireq-enabled', 'choice.u9.eoir-out-of-order',
  'choice.u11.dir-not-active', 'choice.u12.sgi-rs-no-rss', 'choice.u14.sgi1r-group0-target', 'choice.u15.apr-arbitrary-write',
  'choice.u16.config-cache', 'choice.u17.baser-write-lpis-on', 'choice.u18.clear-enable-lpis', 'choice.u19.ptz-nonzero', 'choice.u20.pending-table-access',
  'choice.u23.lpis-off-drop', 'choice.u24.pending-across-toggle', 'choice.u25.setlpir-no-effect', 'choice.u26.command-error-response',
  'choice.u27.unknown-opcode', 'choice.u28.cwriter-oor', 'choice.u30.baser-write-enabled', 'choice.u31.enable-without-tables',
  'choice.u32.baser-valid-toggle', 'choice.u33.table-memory-write', 'choice.u33.unmap-clears-entry', 'choice.u34.quiescent-enabled', 'choice.u36.mapd-unmap-unmapped',
  'choice.u37.mapd-with-ites', 'choice.u38.mapti-remap-event', 'choice.u40.mapc-retarget-pending', 'choice.u41.mapc-unmap-in-use',
  'choice.u42.mapc-unmap-bad-rd', 'choice.u43.movi-lpis-off', 'choice.u45.discard-pending', 'choice.u46.unmapped-collection-cmd',
  'choice.u47.movall-live-collections', 'choice.u39.intid-two-ites', 'choice.u22.propbaser-mismatch', 'redist.sgi-enable.impdef', 'choice.u6.state-change-race', 'choice.u44.in-flight-until-sync',
  // applied by the handlers and recorded where they decide an outcome
  'redist.typer.last', 'redist.typer.processor-number', 'redist.typer.plpis', 'redist.igroupr0.rw', 'redist.isenabler0.banked',
  'redist.ispendr0.banked', 'redist.isactiver0.banked', 'redist.ipriorityr.banked', 'dist.spi.oor-raz-wi', 'dist.pending-while-disabled',
  'dist.ctlr.rwp', 'dist.typer.ro', 'choice.u7.enable-grp0', 'cpuif.rpr.idle', 'choice.u2.priority-bits', 'cpuif.bpr0.min',
  'choice.u13.bpr-below-min', 'cpuif.igrpen0.rw', 'cpuif.iar1.group-disabled', 'cpuif.iar1.group0-hppi', 'cpuif.iar1.pmr',
  'cpuif.iar1.preemption', 'cpuif.bpr1.group-priority', 'cpuif.lpi.no-active', 'cpuif.preemption.nested', 'cpuif.apr.restore',
  'choice.u10.eoir-unimplemented', 'cpuif.eoir1.eoimode1', 'cpuif.sgi0r.group0', 'cpuif.sgi.per-target', 'dist.active.not-resignalled',
  'dist.level.active-and-pending', 'cpuif.priority.highest-first', 'dist.edge.latch', 'dist.level.line', 'kvm.irq-line.level',
  'its.msi.no-stall', 'its.msi.coalesce', 'lpi.enable-required', 'lpi.idbits-min', 'choice.u21.idbits-clamp', 'lpi.dist-grp1-gate',
  'lpi.prop.byte', 'lpi.group1', 'lpi.prop.disabled', 'lpi.prop.inv-sync', 'lpi.pending.layout', 'its.reg.ctlr.quiescent',
  'its.reg.creadr.progress', 'choice.u29.cbaser-low-bits', 'its.queue.disabled', 'choice.u35.disabled-commands', 'its.queue.in-order',
  'its.cmd.error.no-effect', 'its.queue.circular', 'choice.u48.invall-scope', 'choice.u53.vlpi-vs-lpi', 'choice.u5.irouter-no-pe',
];

export const MODEL_RULE_IDS: ReadonlySet<string> = new Set([...LITERAL, ...TEMPLATED]);
