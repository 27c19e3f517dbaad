// The quirks of the model's choice registry (model/choices.ts): behaviours of an implementation
// that the architecture does not allow, each written from the implementation's documented
// behaviour (the kernel function it lives in) and declared, with its reason, under the same id in
// spec/expectations/<target>.json. The oracle takes one only when run with that target's quirks
// enabled (triage/classify.ts); each is applied where the handler of the op it concerns says so.
import type { Quirk } from './choices.js';

/** A quirk of `target`: what that implementation does where the architecture says otherwise. */
function quirkOf(target: Quirk['target'], id: string, rule: string, source: string, scope: Quirk['scope'] = 'event'): Quirk {
  return { kind: 'quirk', id, target, rule, source, scope };
}
const kvm = (id: string, rule: string, source: string, scope: Quirk['scope'] = 'event'): Quirk => quirkOf('kvm', id, rule, source, scope);
const kvmLinux = (id: string, rule: string, source: string): Quirk => quirkOf('kvm-linux', id, rule, source);
const qemu = (id: string, rule: string, source: string): Quirk => quirkOf('qemu', id, rule, source);

export const QUIRKS = {
  /**
   * KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads the line level only of level-configured interrupts: an
   * edge-configured one whose line userspace holds high reads 0. The level is recorded only when the
   * line is driven: one raised while edge-configured stays low after the interrupt is made level.
   */
  levelInfoEdge: kvm('kvm.level-info-edge-no-line-level', 'kvm.attr.level-info',
    'arch/arm64/kvm/vgic/vgic-mmio.c vgic_read_irq_line_level_info (Linux 6.x): only VGIC_CONFIG_LEVEL interrupts report line_level; vgic.c kvm_vgic_inject_irq, vgic_validate_injection (Linux 6.19): line_level set only for level-configured interrupts'),
  /**
   * The virtual timer's PPI is mapped to the physical timer interrupt: putting it in a list register
   * lowers its recorded line level (only rising edges are observed), so KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO
   * reads it low while the timer still asserts it; a guest pending read of it reports the physical
   * timer line, not a latch a GICR_ISPENDR0 write set.
   */
  mappedLevelLineLowered: kvm('kvm.mapped-level-line-lowered', 'kvm.attr.level-info',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_populate_lr (vgic_irq_is_mapped_level: line_level cleared); vgic-mmio.c vgic_read_irq_line_level_info, __read_pending; vgic.c vgic_get_phys_line_level (Linux 6.19)'),
  /**
   * Until a vCPU first runs (kvm_timer_enable at its first KVM_RUN makes the timer the owner of PPI
   * 27), its timer output does not reach the vGIC: the injection is refused for the wrong owner, so
   * the line KVM records (KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, the pending state) stays what it was, a
   * level a restore wrote included; the first load (kvm_timer_vcpu_load_gic) brings it up to date.
   */
  timerUnseenBeforeRun: kvm('kvm.timer-line-unseen-before-first-run', 'kvm.timer.line',
    'arch/arm64/kvm/arch_timer.c kvm_timer_update_irq, kvm_timer_enable (kvm_vgic_set_owner), kvm_timer_vcpu_load_gic; vgic/vgic.c kvm_vgic_inject_irq, vgic_validate_injection (owner check) (Linux 6.12)'),
  /**
   * A loaded vCPU's timer is the hardware timer: when its output falls (the guest masks or
   * reprograms it, no trap) nothing tells the vGIC, whose recorded level of PPI 27 stays high until
   * the vCPU's next load (kvm_timer_vcpu_load_gic injects the output) or a re-sample of the line
   * (vgic_irq_handle_resampling). KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads that record, and a migration
   * saves it: the destination holds it until the vCPU first runs.
   */
  loadedTimerDropUnseen: kvm('kvm.loaded-timer-drop-unseen', 'kvm.attr.level-info',
    'arch/arm64/kvm/arch_timer.c kvm_timer_update_irq (called from the host timer interrupt and kvm_timer_vcpu_load_gic only), kvm_timer_vcpu_load_gic; vgic/vgic.c vgic_irq_handle_resampling; vgic-mmio.c vgic_read_irq_line_level_info (Linux 6.12)'),
  /**
   * A GICD/GICR_ISPENDR or ICPENDR read from one vCPU reads an edge interrupt that sits pending
   * in another running vCPU's list register as not pending: populating the LR cleared its latch,
   * and the read does not make the other vCPUs exit. An active SPI stays in the list register of
   * the vCPU that holds it after a GICD_IROUTER write, so its pending state may be there too.
   */
  pendingInLrInvisible: kvm('kvm.pending-in-running-lr-invisible', 'dist.pending.read',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_populate_lr (edge: pending_latch cleared), vgic-mmio.c vgic_mmio_read_pending (Linux 6.19)'),
  /**
   * MOVI, MOVALL and a MAPC that retargets a collection change only the LPI's target vCPU:
   * nothing requeues a pending LPI already on the old vCPU's ap_list, so after the SYNC the new
   * redistributor may still not have it (until the old vCPU's next exit prunes its ap_list). One
   * taken there since that vCPU last exited is on that ap_list too (State.apListHeld): made pending
   * after the retarget, it waits there alike. Made pending again while the old vCPU's list register
   * still holds it, it is pending twice (State.lpiRepended): taken there, and later at the new one.
   */
  lpiRetargetNoRequeue: kvm('kvm.lpi-retarget-no-requeue', 'its.cmd.sync.complete',
    'arch/arm64/kvm/vgic/vgic-its.c update_affinity, update_affinity_collection; vgic.c vgic_prune_ap_list (Linux 6.19)'),
  /**
   * Setting GICD_CTLR.EnableGrp1 again only kicks the vCPUs: interrupts that became pending, or
   * were pruned from an ap_list, while the distributor was disabled are not queued again and may
   * stay undelivered until something queues them (a new edge, an enable, an acknowledge elsewhere).
   */
  distEnableNoRequeue: kvm('kvm.dist-enable-does-not-requeue', 'dist.ctlr.enable-grp1',
    'arch/arm64/kvm/vgic/vgic-mmio-v3.c vgic_mmio_write_v3_misc (GICD_CTLR: vgic_kick_vcpus only); vgic.c vgic_target_oracle (Linux 6.19)'),
  /**
   * A GICD_ICFGR / GICR_ICFGR1 write only changes irq->config: a level interrupt whose line is high
   * and that was not pending while edge-configured becomes pending by the change, but nothing
   * queues it, so it may stay undelivered until something queues it (an enable, an ISPENDR write, a
   * new line change).
   */
  icfgrChangeNoQueue: kvm('kvm.icfgr-change-does-not-queue', 'dist.icfgr.config',
    'arch/arm64/kvm/vgic/vgic-mmio.c vgic_mmio_write_config (sets irq->config only, no vgic_queue_irq_unlock); vgic.c vgic_queue_irq_unlock (Linux 6.12)'),
  /**
   * A guest DIR (EOImode 1) of an SPI that another vCPU acknowledged is trapped and deactivates the
   * SPI where it is queued, on that vCPU's ap_list, then only requests a prune there, with no kick:
   * that vCPU, blocked in WFI, is not woken by the SPI's pending state until something kicks it.
   */
  dirElsewhereDoesNotWake: kvm('kvm.dir-elsewhere-does-not-wake', 'cpuif.wfi.wake',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_deactivate (KVM_REQ_VGIC_PROCESS_UPDATE for the owner, no kvm_vcpu_kick) (Linux 6.19)'),
  /**
   * The WFI wake-up test looks at pending, enabled, inactive interrupts of the ap_list with a
   * priority above the PMR, ignoring the CPU interface's group enables (ICC_IGRPEN0/1_EL1).
   */
  wfiIgnoresGroupEnable: kvm('kvm.wfi-wakes-for-disabled-group', 'cpuif.wfi.wake',
    'arch/arm64/kvm/vgic/vgic.c kvm_vgic_vcpu_pending_irq (Linux 6.19): no VMCR VENG0/VENG1 check'),
  /**
   * A GICD_IROUTER write only changes the SPI's target: a pending SPI (never queued while routed to
   * no vCPU, or queued on the old vCPU) is not queued to the new target until something requeues
   * it; an active one (enabled or not) stays on the old vCPU's ap_list, pending again it waits
   * there for that vCPU's next exit (vgic_prune_ap_list), and so does one acknowledged and
   * deactivated there since that vCPU last exited (State.apListHeld). Made pending again while
   * active after that vCPU exited (its fold saw it active), it sits in that vCPU's list register
   * pending and active: the EOI there leaves it pending, and that vCPU may take it.
   */
  irouterNoRequeue: kvm('kvm.irouter-does-not-requeue', 'dist.irouter.affinity',
    'arch/arm64/kvm/vgic/vgic-mmio-v3.c vgic_mmio_write_irouter (Linux 6.19): stores the target, neither queues nor kicks; vgic.c vgic_target_oracle (an active interrupt stays on its vCPU), vgic-v3.c vgic_v3_populate_lr, vgic_v3_fold_lr_state (Linux 6.12)'),
  /**
   * KVM keeps one distributor enable (dist->enabled, GICD_CTLR.EnableGrp1): EnableGrp0 is RAZ/WI and
   * Group 0 interrupts are forwarded whenever EnableGrp1 is set.
   */
  enableGrp0RazWi: kvm('kvm.u7-enable-grp0-raz-wi', 'choice.u7.enable-grp0',
    'arch/arm64/kvm/vgic/vgic-mmio-v3.c vgic_mmio_write_v3_misc, vgic_mmio_read_v3_misc (Linux 6.19): only EnableGrp1 is kept', 'implementation'),
  /**
   * After the priority of an acknowledged, not yet EOId interrupt changes, KVM writes it back into
   * a list register with the new priority; the EOI then drops the old priority from the active
   * priorities but leaves the interrupt active (the virtual CPU interface deactivates a list
   * register only when its priority is the one dropped).
   */
  priorityChangeBlocksEoi: kvm('kvm.priority-change-while-active-blocks-eoi', 'cpuif.eoir1.deactivate',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_populate_lr (priority from the vgic_irq), vgic_v3_fold_lr (Linux 6.19)'),
  /**
   * An active edge interrupt made pending again sits in its vCPU's list register pending and active
   * (vgic_target_oracle keeps an active interrupt queued, vgic_v3_populate_lr sets the pending bit
   * without looking at the enables): deactivated there by the guest's EOI or DIR, the pending state
   * is signalled and taken although the interrupt, or its group at the distributor, is disabled.
   */
  disabledPendingInLrTaken: kvm('kvm.disabled-pending-in-lr-taken', 'cpuif.iar1.ack',
    'arch/arm64/kvm/vgic/vgic.c vgic_target_oracle (active: stays queued), vgic_flush_lr_state; vgic-v3.c vgic_v3_populate_lr (pending bit from irq_is_pending) (Linux 6.12)'),
  /**
   * A level interrupt made pending through ISPENDR keeps its pending latch when acknowledged:
   * KVM clears a level interrupt's latch only when its list register comes back invalid (after the
   * deactivation), so until then GICD_ISPENDR (and the userspace read) shows it pending, and an
   * ISPENDR write while it is active is cleared with it (an active level interrupt sits in its list
   * register as active only, so the deactivation loses any latch it has). Deactivated by an ICACTIVER write instead
   * (the list register was still active when folded) it keeps the latch and is pending again.
   */
  levelLatchSurvivesAck: kvm('kvm.level-ispendr-latch-survives-ack', 'dist.pending.read',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_populate_lr (no pending+active for a level interrupt), vgic_v3_fold_lr (level: latch cleared only with the LR invalid); vgic-mmio.c __read_pending, vgic_mmio_write_cactive; vgic-v3.c vgic_v3_deactivate (a trapped DIR of an interrupt in another vCPU\'s list register is an ICACTIVER write) (Linux 6.19)'),
  /**
   * MAPTI/MAPI create the LPI by reading its bit from the target redistributor's pending table and
   * clearing it in memory, even while that redistributor's EnableLPIs is 0: the pending state the
   * guest put in the table is gone when LPIs are enabled. Meanwhile the LPI is queued to that vCPU
   * (vgic_queue_irq_unlock), which may take it with its LPIs off.
   */
  pendingTableConsumedAtMap: kvm('kvm.pending-table-consumed-at-mapti', 'lpi.pending.load-on-enable',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_add_lpi; vgic-v3.c vgic_v3_lpi_sync_pending_status (Linux 6.19)'),
  /**
   * KVM_DEV_ARM_ITS_RESTORE_TABLES re-creates each LPI of a restored ITE with vgic_add_lpi, which
   * takes its bit from the target redistributor's pending table (clearing it in memory) and queues
   * the LPI to that vCPU without looking at the redistributor's EnableLPIs. An LPI left pending in
   * the table of a redistributor with LPIs off (clearing EnableLPIs unlinks queued LPIs but keeps
   * their pending state, which SAVE_PENDING_TABLES writes out) is then taken by that vCPU.
   */
  restoreQueuesLpiWhileLpisOff: kvm('kvm.restore-queues-lpi-while-lpis-off', 'redist.ctlr.enable-lpis',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_restore_ite, vgic_add_lpi; vgic-v3.c vgic_v3_lpi_sync_pending_status (queues without a vgic_lpis_enabled check); vgic.c vgic_flush_pending_lpis (keeps pending_latch) (Linux 6.19)'),
  /**
   * INV and INVALL re-read an LPI's configuration and queue it when it is pending and enabled,
   * without asking whether its redistributor has LPIs enabled: an LPI pending when EnableLPIs was
   * cleared (vgic_flush_pending_lpis keeps its latch) is queued and taken there.
   */
  invQueuesLpiWhileLpisOff: kvm('kvm.inv-queues-lpi-while-lpis-off', 'redist.ctlr.enable-lpis',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_inv, vgic_its_inv_lpi, vgic_its_cmd_handle_invall, update_lpi_config; vgic.c vgic_flush_pending_lpis (keeps pending_latch) (Linux 6.19)'),
  /**
   * INVALL re-reads the configuration of the LPIs whose vgic_irq targets the collection's vCPU, not
   * of the LPIs whose ITE names the collection: an LPI of the collection that a MOVALL moved to
   * another vCPU while the collection still names the old one (choice.u47.movall-live-collections,
   * KVM's option) keeps the configuration it had cached, its priority and enable.
   */
  invallByTargetVcpu: kvm('kvm.invall-by-target-vcpu', 'its.cmd.invall.reload',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_invall, vgic_its_invall, update_lpi_config (filter_vcpu compared with irq->target_vcpu), vgic_its_cmd_handle_movall (Linux 6.12)'),
  /**
   * Setting one redistributor's EnableLPIs re-reads the pending table of that vCPU
   * (its_sync_lpi_pending_table) but hands every LPI of the VM to vgic_queue_irq_unlock, those of
   * other vCPUs included: an LPI whose redistributor has EnableLPIs 0 and that kept its pending
   * latch when it was cleared (vgic_flush_pending_lpis) is queued to that vCPU, wakes it and is taken.
   */
  enableLpisQueuesEveryLpi: kvm('kvm.enable-lpis-queues-every-lpi', 'redist.ctlr.enable-lpis',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_enable_lpis, its_sync_lpi_pending_table (vgic_queue_irq_unlock for every LPI, the latch set only for this vCPU\'s); vgic.c vgic_flush_pending_lpis (keeps pending_latch), vgic_target_oracle (Linux 6.12)'),
  /**
   * MAPTI/MAPI check the INTID against the IDbits of the single PROPBASER KVM keeps for the VM
   * (dist->propbaser, written by any redistributor's GICR_PROPBASER): before the guest writes one,
   * the limit is 2 INTIDs and every LPI is refused (E_ITS_MAPTI_PHYSICALID_OOR, ignored), where the
   * ITS range is GITS_TYPER.IDbits.
   */
  maptiNeedsPropbaser: kvm('kvm.mapti-needs-propbaser', 'its.cmd.mapti.map',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_mapi, max_lpis_propbaser; vgic-mmio-v3.c vgic_mmio_write_propbase (Linux 6.12)'),
  /**
   * MOVI to a collection whose redistributor has EnableLPIs = 0 only changes the LPI's target vCPU:
   * a pending LPI moves there at the old vCPU's next exit and is taken there, LPIs off or not.
   */
  retargetQueuesLpiWhileLpisOff: kvm('kvm.retarget-queues-lpi-while-lpis-off', 'choice.u43.movi-lpis-off',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_movi, update_affinity; vgic.c vgic_prune_ap_list, vgic_target_oracle (no vgic_lpis_enabled check) (Linux 6.12, 6.19)'),
  /**
   * CLEAR clears only the LPI's pending latch: one already in a vCPU's list register stays pending
   * there, is taken or wakes a WFI, and is latched again when the list register is folded.
   */
  clearLeavesLrPending: kvm('kvm.clear-leaves-lr-pending', 'its.cmd.clear.unpend',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_clear; vgic-v3.c vgic_v3_populate_lr (edge latch cleared), vgic_v3_fold_lr (Linux 6.19)'),
  /**
   * INV and INVALL update the priority and enable of an LPI's vgic_irq; one already pending in a
   * running vCPU's list register keeps the old ones there (nothing kicks that vCPU), and may be
   * taken with them, also after a SYNC.
   */
  invLeavesLrPriority: kvm('kvm.inv-leaves-lr-priority', 'lpi.prop.inv-sync',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_inv, vgic_its_cmd_handle_invall, update_lpi_config; vgic.c vgic_queue_irq_unlock, vgic_target_oracle; vgic-v3.c vgic_v3_populate_lr (Linux 6.19)'),
  /**
   * Clearing a redistributor's EnableLPIs unlinks its vCPU's LPIs from the ap_list but does not
   * make that vCPU exit: written by another vCPU, an LPI already pending in the running target's
   * list registers stays there, and that vCPU can still see and take it (until its next exit),
   * also once no ITE names it any more (freeing an ITE leaves the list registers alone).
   */
  lpiInLrSurvivesEnableLpisClear: kvm('kvm.lpi-in-lr-survives-enablelpis-clear', 'redist.ctlr.enable-lpis',
    'arch/arm64/kvm/vgic/vgic-mmio-v3.c vgic_mmio_write_v3r_ctlr; vgic.c vgic_flush_pending_lpis (ap_list only, no kick of the target vCPU); vgic-its.c its_free_ite; vgic-v3.c vgic_v3_fold_lr_state (an INTID without vgic_irq is skipped) (Linux 6.19)'),
  /**
   * One INTID named by two ITEs is one vgic_irq in KVM, targeted at the vCPU of the ITE that
   * created it; an INT through the other ITE checks that ITE's redistributor only and queues the
   * LPI at the first vCPU, even while that vCPU's EnableLPIs is 0. The vgic_irq keeps that target
   * after the first ITE goes (DISCARD, MAPD V = 0): an INT through the remaining ITE makes it pending
   * at the first vCPU (State.lpiKeptTarget), until a retarget.
   */
  sharedLpiIgnoresEnableLpis: kvm('kvm.u39-shared-lpi-ignores-enablelpis', 'choice.u39.intid-two-ites',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_mapi, vgic_add_lpi (an existing INTID keeps its target), vgic_its_resolve_lpi, vgic_its_trigger_msi; vgic.c vgic_queue_irq_unlock (Linux 6.19)'),
  /**
   * An LPI still pending after its ITE went (DISCARD, MAPD V = 0), or taken on a vCPU that has not
   * exited since, keeps its vgic_irq on that vCPU's ap_list; a MAPTI of that INTID reuses it as it
   * is, old target vCPU included: the new ITE's redistributor does not get it (an INT adds nothing)
   * until a MOVI or MAPC retargets it, and the old vCPU takes it. An ITS_RESTORE_TABLES re-creating
   * its ITE (after an ITS reset) reuses it alike.
   */
  u45DiscardedPendingAbsorbsRemap: kvm('kvm.u45-discarded-pending-absorbs-remap', 'choice.u45.discard-pending',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_discard, vgic_its_free_device, vgic_its_cmd_handle_mapi, vgic_its_restore_ite, vgic_add_lpi (an existing INTID is returned unchanged); vgic.c vgic_prune_ap_list (Linux 6.12, 6.19)'),
  /**
   * A plain (non-resample) irqfd routed to an SPI is injected from the eventfd wake-up in atomic
   * context with level 1 only: a level-sensitive SPI's line stays asserted (pending) after the signal.
   */
  irqfdLevelStaysAsserted: kvm('kvm.irqfd-level-spi-stays-asserted', 'kvm.irqfd.level-pulse',
    'arch/arm64/kvm/vgic/vgic-irqfd.c kvm_arch_set_irq_inatomic (IRQCHIP routes: vgic_irqfd_set_irq with level 1); virt/kvm/eventfd.c irqfd_wakeup (Linux 6.19)'),
  /**
   * Deassigning the last resample irqfd of a GSI lowers the GSI's line (irqfd_resampler_shutdown
   * injects level 0 for the resampler's IRQ source), and KVM/arm64 keeps one line level per
   * interrupt, whatever the source: a level a KVM_IRQ_LINE (or another route) holds high is lowered
   * with it, even when the irqfd never asserted it.
   */
  resampleDeassignLowersLine: kvm('kvm.resample-irqfd-deassign-lowers-line', 'kvm.irqfd.deassign',
    'virt/kvm/eventfd.c irqfd_resampler_shutdown (kvm_set_irq level 0 for KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID); arch/arm64/kvm/vgic/vgic-irqfd.c vgic_irqfd_set_irq (irq_source_id unused); vgic.c kvm_vgic_inject_irq (Linux 6.12)'),
  /**
   * The irqfd resampler is notified only when the fold at an exit finds a level SPI it saw active
   * now inactive: one acknowledged and deactivated between two exits gets no notification, and its
   * line stays asserted. Offered only there: once the vCPU that acknowledged it has certainly exited
   * (State.spiAckedOn), its own EOI or DIR must notify, unless the guest configured the SPI
   * edge-triggered (no EOI maintenance bit in its list register: never notified).
   */
  resampleNeedsExitWhileActive: kvm('kvm.irqfd-resample-needs-exit-while-active', 'kvm.irqfd.resample',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_fold_lr (Linux 6.19: deactivated && lr_signals_eoi_mi)'),
  /**
   * With GICv4, a forwarded MSI makes its vLPI pending in the vPE's pending table: clearing
   * EnableLPIs flushes only software LPIs, so the vLPI still reaches the vCPU.
   */
  vlpiSurvivesEnableLpisClear: kvm('kvm.vlpi-survives-enablelpis-clear', 'cpuif.iar1.ack',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_flush_pending_lpis (software LPIs only); vgic-v4.c (vLPI stays mapped) (Linux 6.19)'),
  /**
   * MAPC V = 0 frees KVM's collection only: a forwarded event's vLPI stays mapped to the vPE of its
   * last target (State.vlpiOrphaned), so the device's MSI still makes it pending there, wakes that
   * vCPU and is taken, where the architecture drops it.
   */
  vlpiSurvivesCollectionUnmap: kvm('kvm.vlpi-survives-collection-unmap', 'its.cmd.mapc.unmap',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_mapc, vgic_its_free_collection (no its_unmap_vlpi: only its_free_ite and vgic-v4.c kvm_vgic_v4_unset_forwarding unmap a vLPI) (Linux 6.12)'),
  /**
   * GICv4.0 residency has no group enable: a vLPI is delivered while GICD_CTLR.EnableGrp1 is 0, one a
   * device's MSI made pending or one whose pending state forwarding moved into it.
   */
  gicv40VlpiIgnoresDistEnable: kvm('kvm.gicv40-vlpi-ignores-dist-enable', 'dist.ctlr.enable-grp1',
    'arch/arm64/kvm/vgic/vgic-v4.c vgic_v4_load (its_make_vpe_resident ignores g1en on GICv4.0) (Linux 6.19); kvm_vgic_v4_set_forwarding (pending state moved into the vLPI) (Linux 6.12)'),
  /**
   * Forwarding resolves the event like an MSI, which fills the translation cache, and does not
   * invalidate it: while that entry stays (State.msiCached; a vLPI is never cached again), a
   * KVM_SIGNAL_MSI for the forwarded event latches the LPI in software while the device's MSI makes
   * the vLPI pending in hardware, so the LPI is taken twice. Two copies need one in software. The hardware copy
   * follows a retarget (MOVI, MAPC, MOVALL map the vLPI to the new vPE); the software latch is a
   * software LPI's (State.lpiSoftLatch), which SAVE_PENDING_TABLES on GICv4.1 does not save (it
   * reads a forwarded LPI's pending state from the vLPI).
   */
  forwardedTranslationCached: kvm('kvm.forwarded-translation-cached', 'cpuif.iar1.ack',
    'arch/arm64/kvm/vgic/vgic-v4.c kvm_vgic_v4_set_forwarding; vgic-its.c vgic_its_resolve_lpi (cache fill), vgic_its_inject_cached_translation, update_affinity (its_map_vlpi) (Linux 6.19); vgic-v3.c vgic_v3_save_pending_tables (vgic_v4_get_vlpi_state for irq->hw) (Linux 6.12)'),
  /**
   * Unforwarding (producer removed, or the route changed) unmaps the vLPI without reading its
   * pending state back: an MSI the device raised meanwhile is lost.
   */
  unforwardDropsVlpiPending: kvm('kvm.unforward-drops-vlpi-pending', 'cpuif.iar1.ack',
    'arch/arm64/kvm/vgic/vgic-v4.c kvm_vgic_v4_unset_forwarding (Linux 6.19)'),
  /**
   * A vLPI for a vCPU blocked in WFI fires its doorbell; the wake-up test accepts the doorbell's
   * pending_last without comparing the vLPI's priority with the priority mask. A masked vLPI
   * already pending at the WFI does the same: the put for the WFI reads PendingLast.
   */
  doorbellWakesMasked: kvm('kvm.doorbell-wakes-masked', 'cpuif.wfi.wake',
    'arch/arm64/kvm/vgic/vgic.c kvm_vgic_vcpu_pending_irq (pending_last); vgic-v4.c vgic_v4_doorbell_handler, vgic_v4_put (Linux 6.19)'),
  /**
   * On a GICv4.0 host a vLPI's pending state cannot be read: saving the ITS tables stops with
   * -EACCES at the vLPI's ITE, leaving what it wrote before; a migration restores from that. KVM
   * has one vgic_irq per INTID, so an ITE of another device or ITS that names the vLPI's INTID
   * stops the save of its own ITS the same way. SAVE_PENDING_TABLES writes the vLPI's software
   * pending_latch, so a pending vLPI is saved as not pending.
   */
  gicv40VlpiNotMigratable: kvm('kvm.gicv40-vlpi-not-migratable', 'kvm.its-abi.save',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_save_itt (-EACCES for a vLPI without GICv4.1), vgic_its_save_device_tables, vgic_add_lpi (one vgic_irq per INTID); vgic-v3.c vgic_v3_save_pending_tables (VPT read only on GICv4.1) (Linux 6.19)'),
  /**
   * EOImode 0 with the ap_list longer than the list registers: an EOI whose INTID is in no list
   * register only increments ICH_HCR_EL2.EOIcount, and the fold deactivates, per EOI, the first
   * active interrupt of the ap_list past the last one in a list register (the active part sorted by
   * priority), whatever INTID the EOI named: one of higher or equal priority than the named one.
   */
  eoicountDeactivatesUnrelated: kvm('kvm.eoicount-replay-deactivates-unrelated', 'choice.u9.eoir-out-of-order',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_fold_lr_state (EOIcount replay past last_lr_irq); vgic.c vgic_sort_ap_list, vgic_irq_cmp (Linux 6.19)'),
  /**
   * KVM_IRQ_LINE of type SPI refuses only numbers below 32 and those vgic_get_irq does not find:
   * a number that names an existing LPI (8192 and up, created by a MAPTI/MAPI) is injected into it
   * and returns 0, where the documented ABI takes SPIs only (-EINVAL).
   */
  irqLineLpiIntid: kvm('kvm.irq-line-lpi-intid', 'kvm.irq-line.spi-einval',
    'arch/arm64/kvm/arm.c kvm_vm_ioctl_irq_line (SPI: irq_num < 32 refused); vgic.c kvm_vgic_inject_irq, vgic_get_irq (LPI lookup for INTIDs from 8192) (Linux 6.19)'),
  /**
   * KVM_SIGNAL_MSI tries the translation cache before it checks KVM_MSI_VALID_DEVID: without the
   * flag, an MSI whose (DeviceID, EventID) an MSI or INT translated before on that ITS, and that
   * nothing invalidated since, is injected and returns 1 instead of -EINVAL.
   */
  msiCachedWithoutDevid: kvm('kvm.signal-msi-cached-without-devid', 'kvm.msi.no-devid',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_inject_msi (vgic_its_inject_cached_translation before vgic_msi_to_its), vgic_its_check_cache, vgic_its_invalidate_cache (Linux 6.19)'),
  /**
   * ITS_RESTORE_TABLES into an ITS that still has a device of a saved DTE's DeviceID allocates a
   * second device object behind it: commands and MSIs find the live one first, so the restored
   * mappings of that device are never reached (an LPI that exists already keeps its state).
   */
  liveDeviceShadowsRestored: kvm('kvm.restore-live-device-shadows-restored', 'kvm.its-abi.restore-live',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_restore_dte, vgic_its_alloc_device (no check for an existing DeviceID), find_its_device, vgic_add_lpi (Linux 6.19)'),
  /**
   * A MAPTI/MAPI naming an ICID no MAPC mapped makes KVM allocate an unmapped collection object,
   * which stays until a MAPC of that ICID, an ITS reset or a collection table made invalid (a saved
   * unmapped CTE re-creates it at a restore). An ITS_RESTORE_TABLES meeting a CTE of such an ICID
   * fails with -EEXIST and frees every collection, where the architecture has no collection there.
   */
  phantomCollectionRestoreEexist: kvm('kvm.phantom-collection-restore-eexist', 'kvm.its-abi.restore',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_cmd_handle_mapi (vgic_its_alloc_collection), vgic_its_restore_cte (-EEXIST), vgic_its_restore_collection_table, vgic_its_free_collection_list (Linux 6.19)'),
  /**
   * KVM clears a saved table entry in guest memory only when MAPD V = 0 unmaps a device (its DTE)
   * or DISCARD frees an ITE; an ITS reset, a GITS_BASER Valid 1 -> 0 write or a failed restore frees
   * every mapping and leaves the entries an earlier ITS_SAVE_TABLES wrote. The next save writes the current mappings
   * only, so those entries stay, and a restore reads them back (or fails on them).
   */
  freedMappingsLeaveSavedEntries: kvm('kvm.freed-mappings-leave-saved-entries', 'kvm.migrate.mappings',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_reset, vgic_mmio_write_its_baser, vgic_its_restore_tables_v0 (vgic_its_free_device_list, vgic_its_free_collection_list: memory untouched), vgic_its_save_device_tables, vgic_its_restore_device_tables (Linux 6.19)'),
  /**
   * A failed ITS_RESTORE_TABLES frees every collection of the ITS, those the guest mapped before
   * the restore included (their ITEs lose their collection), and does not invalidate the
   * translation cache: an event translated before is still delivered, an uncached one is not.
   */
  failedRestoreKeepsCache: kvm('kvm.failed-restore-keeps-cached-translation', 'kvm.its-abi.restore',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_restore_tables_v0, vgic_its_free_collection_list (no cache invalidation on the error path) (Linux 6.19)'),
  /**
   * Linux up to 6.18 (seen on 6.12 and 6.1, not in impl/, which follows later kernels): the virtual
   * CPU interface marks an acknowledged vLPI active in its list register, and the fold at the next
   * exit keeps that active state for LPIs as for any interrupt. Made pending again, the LPI goes
   * back into a list register pending and active, which the virtual CPU interface never signals:
   * ICC_IAR1_EL1, ICC_HPPIR1_EL1 and ISR_EL1 do not show it until an EOI (EOImode 0) deactivates it.
   */
  lpiActiveUntilEoi: kvmLinux('kvm-linux.lpi-active-until-eoi', 'cpuif.lpi.no-active',
    'arch/arm64/kvm/vgic/vgic-v3.c vgic_v3_fold_lr_state (Linux 6.12 and 6.1: the list register\'s active bit is kept for LPIs too; dropped for LPIs from Linux 6.19), vgic_v3_populate_lr; vgic.c vgic_flush_pending_lpis (an LPI unlinked while active stays active: State.lpiActive, LPI_ACTIVE_ORPHANED)'),
  /**
   * Linux 6.12 and 6.1: vgic_its_ctrl switches over the attrs it knows and has no default case, so
   * KVM_SET_DEVICE_ATTR of any other CTRL attr on an ITS device (SAVE_PENDING_TABLES, a number
   * past the uapi's) takes every vCPU's lock, does nothing and returns 0.
   */
  itsCtrlUnknownAttrSucceeds: kvmLinux('kvm-linux.its-ctrl-unknown-attr-succeeds', 'kvm.attr.its-ctrl-unknown',
    'arch/arm64/kvm/vgic/vgic-its.c vgic_its_ctrl (Linux 6.12 and 6.1: no default case), vgic_its_set_attr'),
  /**
   * Linux 6.12 and 6.1 on a host with 4 list registers (the nested machine's QEMU TCG GICv3):
   * vgic_flush_lr_state fills the list registers in ap_list order, active interrupts first, so with
   * as many interrupts active on a vCPU as the host has list registers no pending one reaches the
   * guest: ICC_IAR1_EL1 and ICC_HPPIR1_EL1 read 1023 and ISR_EL1 0 until one is deactivated, and
   * a WFI, which kvm-linux sees woken through ISR_EL1, stays asleep, through every later wake-up
   * check that finds the list registers still full (model/machine.ts afterOp, ASLEEP_LRS_FULL).
   * (Linux 6.19 gives a pending interrupt that can preempt a list register first and deactivates
   * the active ones left out through EOIcount, which impl/ follows.)
   */
  activeFillLrs: kvmLinux('kvm-linux.active-interrupts-fill-lrs', 'cpuif.iar1.ack',
    'arch/arm64/kvm/vgic/vgic.c vgic_flush_lr_state, vgic_sort_ap_list, vgic_irq_cmp (Linux 6.12 and 6.1: active interrupts sort first); vgic-v3.c vgic_v3_fold_lr_state (no EOIcount handling)'),
  /**
   * Linux 6.12 and 6.1: a guest ICC_DIR_EL1 is handled by the virtual CPU interface of the vCPU that
   * writes it (ICH_HCR_EL2.TDIR is set only on a host whose locally generated SEIs are broken; the trap handler,
   * __vgic_v3_write_dir, looks at this vCPU's list registers too), so a DIR of an SPI that another
   * vCPU acknowledged, and holds in its list registers or ap_list, finds nothing to deactivate and
   * is lost: the SPI stays active until that vCPU deactivates it. (Linux 6.19 traps DIR while any
   * SPI is active and deactivates it wherever it is, which impl/ follows.)
   */
  /**
   * Linux 6.12 and 6.1 on a VHE host (the nested machine's): the EL1 physical timer is a direct
   * timer, its PPI 30 mapped to the host's physical timer interrupt from the vCPU's first run, so
   * a guest GICR_ISPENDR0 read of bit 30 reports that host interrupt's pending state, low here
   * (no op programs the timer), not a latch a GICR_ISPENDR0 write set; as kvm.mapped-level-line-lowered
   * says for the virtual timer's PPI 27, which impl/ maps (it does not map the physical timer).
   */
  ptimerPendingReadsHostLine: kvmLinux('kvm-linux.ptimer-pending-reads-host-line', 'dist.pending.read',
    'arch/arm64/kvm/arch_timer.c get_timer_map (has_vhe: direct_ptimer), kvm_timer_enable (kvm_vgic_map_phys_irq); vgic-mmio.c __read_pending (irq->hw: irq_get_irqchip_state) (Linux 6.12.118, 6.1.192)'),
  dirOfSpiActiveElsewhereIgnored: kvmLinux('kvm-linux.dir-of-spi-active-elsewhere-ignored', 'cpuif.dir.deactivate',
    'arch/arm64/kvm/vgic/vgic-v3.c vcpu_set_ich_hcr, vgic_v3_probe (Linux 6.12 and 6.1: TDIR only with dir_trap, set for broken SEIs), arch/arm64/kvm/hyp/vgic-v3-sr.c __vgic_v3_write_dir (this vCPU\'s list registers only)'),
  /**
   * DIST_REGS/REDIST_REGS at an offset no register starts at (misaligned): vgic_uaccess finds no
   * region, reads 0 and ignores a write, and the attribute call returns 0, where the documented
   * answer for a register that cannot be accessed is -ENXIO.
   */
  attrRegsMisalignedIgnored: kvm('kvm.attr-regs-misaligned-ignored', 'kvm.attr.reserved-offset',
    'arch/arm64/kvm/vgic/vgic-mmio.c vgic_uaccess_read, vgic_uaccess_write, vgic_get_mmio_region (check_region: IS_ALIGNED) (Linux 6.1, 6.12 and later)'),
  /**
   * QEMU lets the guest write GITS_CREADR while GICD_CTLR.DS = 1 (always on -M virt without the
   * Security Extensions): the offset reads back as written, and the next CWRITER write processes
   * the commands from there (skipping some, or running some again).
   */
  qemuCreadrGuestWritable: qemu('qemu.creadr-guest-writable', 'its.reg.creadr.ro',
    'QEMU 7.2 hw/intc/arm_gicv3_its.c its_writel/its_writell GITS_CREADR (written when gicd_ctlr has GICD_CTLR_DS), process_cmdq'),
  /** QEMU stores every bit written to GICR_PENDBASER: PTZ (bit 62) reads back as written. */
  qemuPendbaserPtzReadsBack: qemu('qemu.pendbaser-ptz-reads-back', 'redist.pendbaser.ptz-raz',
    'QEMU 7.2 hw/intc/arm_gicv3_redist.c gicr_writel/gicr_writell GICR_PENDBASER (the value is stored whole)'),
  /**
   * QEMU applies the BPR minimum to the whole written value and then keeps BinaryPoint [2:0]: a
   * value with RES0 bits set is never below the minimum, so [2:0] is kept as written, below it,
   * and read back and used for the group priority as is.
   */
  qemuBprMinNotAppliedWithHighBits: qemu('qemu.bpr-min-not-applied-with-high-bits', 'cpuif.bpr1.min',
    'QEMU 7.2 hw/intc/arm_gicv3_cpuif.c icc_bpr_write (value < minval compared before value & 7)'),
} as const satisfies Record<string, Quirk>;

/** Every quirk, by id. */
export const QUIRK_BY_ID: ReadonlyMap<string, Quirk> = new Map(Object.values(QUIRKS).map((q) => [q.id, q]));
