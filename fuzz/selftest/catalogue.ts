// The fault catalogue of `gicdiff selftest`: small named patches to impl/ (the KVM vGIC path), each
// re-introducing one regression where a real one would live. A patch is a text edit of ONE place:
// `find` must occur exactly once in `file`, and is replaced by `replace`. Each entry says what it
// was modelled on: a kernel fix in arch/arm64/kvm/vgic/ (or virt/kvm/arm/vgic/ before 5.6), whose
// regression it re-creates in our code, or a systematic mutation operator applied to the KVM
// function named there.
//
// The catalogue measures gicdiff, so it is not tuned to what gicdiff already catches: entries stay
// whether or not a campaign finds them, and one that no configuration can reveal says why
// (`equivalent`), instead of being dropped.

export const AREAS = [
  'its-commands', 'translation-cache', 'save-restore', 'lr-eoi', 'level-resample', 'wfi', 'routing-irqfd', 'gicv4',
  'sgi', 'spi', 'redistributor',
] as const;
export type FaultArea = (typeof AREAS)[number];

export interface FaultOrigin {
  /** 'fix': the regression a kernel commit fixed; 'operator': a systematic mutation of a KVM function */
  kind: 'fix' | 'operator';
  /** the commit subject (and kernel version when known), or the operator and the KVM function */
  ref: string;
}

export interface Fault {
  /** unique, kebab-case */
  id: string;
  area: FaultArea;
  /** what goes wrong, as a guest or VMM would see it */
  description: string;
  modelledOn: FaultOrigin;
  /** repository-relative path of the one file the patch edits */
  file: string;
  /** text that occurs exactly once in `file` */
  find: string;
  replace: string;
  /** why no scenario can reveal this fault (an equivalent mutant in this rendition of KVM), when that is so */
  equivalent?: string;
}

const op = (ref: string): FaultOrigin => ({ kind: 'operator', ref });
const fix = (ref: string): FaultOrigin => ({ kind: 'fix', ref });

const CMD = 'impl/vgic/vgic-its-cmd.ts';
const STATE = 'impl/vgic/vgic-its-state.ts';
const ITS = 'impl/vgic/vgic-its.ts';
const ABI = 'impl/vgic/vgic-its-abi.ts';
const CACHE = 'impl/vgic/vgic-its-cache.ts';
const CORE = 'impl/vgic/vgic.ts';
const V3 = 'impl/vgic/vgic-v3.ts';
const MMIO = 'impl/vgic/vgic-mmio.ts';
const MMIO3 = 'impl/vgic/vgic-mmio-v3.ts';
const IRQFD = 'impl/vgic/vgic-irqfd.ts';
const EVENTFD = 'impl/kvm/eventfd.ts';
const ARM = 'impl/kvm/arm.ts';
const V4 = 'impl/vgic/vgic-v4.ts';

export const FAULTS: readonly Fault[] = [
  // ---------------------------------------------------------------- ITS commands
  {
    id: 'its-mapti-eventid-off-by-one', area: 'its-commands',
    description: 'MAPTI/MAPI accept EventID = 2^(Size+1), one past the device\'s ITT (no E_ITS_MAPTI_ID_OOR)',
    modelledOn: fix('KVM: arm64: vgic: Check that new ITEs could be saved in guest memory (6.3; vgic_its_check_event_id), as an off-by-one'),
    file: STATE, find: 'if (eventId >= 2 ** device.numEventidBits) return false;', replace: 'if (eventId > 2 ** device.numEventidBits) return false;',
  },
  {
    id: 'its-mapd-size-unchecked', area: 'its-commands',
    description: 'MAPD V=1 accepts a Size beyond GITS_TYPER.ID_bits (17 EventID bits) instead of E_ITS_MAPD_ITTSIZE_OOR',
    modelledOn: op('off-by-one range check in vgic_its_cmd_handle_mapd (num_eventid_bits > VITS_TYPER_IDBITS)'),
    file: CMD, find: 'if (valid && numEventidBits > VITS_TYPER_IDBITS) return E_ITS_MAPD_ITTSIZE_OOR;', replace: 'if (valid && numEventidBits > VITS_TYPER_IDBITS + 1) return E_ITS_MAPD_ITTSIZE_OOR;',
  },
  {
    id: 'its-movi-new-collection-unchecked', area: 'its-commands',
    description: 'MOVI into an unmapped (or never created) collection is not refused with E_ITS_MOVI_UNMAPPED_COLLECTION',
    modelledOn: op('dropped error check in vgic_its_cmd_handle_movi (its_is_collection_mapped on the new collection)'),
    file: CMD, find: '  if (!isCollectionMapped(collection)) return E_ITS_MOVI_UNMAPPED_COLLECTION;\n\n  ite.collection = collection;', replace: '\n  ite.collection = collection!;',
  },
  {
    id: 'its-inv-no-requeue', area: 'its-commands',
    description: 'INV (and INVALL, GICR_INVLPIR) re-reads an LPI\'s property byte but does not queue it: an LPI enabled by INV while pending is never delivered',
    modelledOn: op('skipped requeue in update_lpi_config (vgic_queue_irq_unlock after the property change)'),
    file: STATE, find: '    if (!irq.hw) {\n      vgicQueueIrqUnlock(dist, irq);\n      return 0;\n    }', replace: '    if (!irq.hw) return 0;',
  },
  {
    id: 'its-invall-filter-inverted', area: 'its-commands',
    description: 'INVALL / GICR_INVALLR re-read the configuration of the LPIs that do NOT target the collection\'s vCPU',
    modelledOn: op('inverted condition in update_lpi_config (filter_vcpu == irq->target_vcpu)'),
    file: STATE, find: 'if (filterVcpu === null || filterVcpu === irq.targetVcpu) {', replace: 'if (filterVcpu === null || filterVcpu !== irq.targetVcpu) {',
  },
  {
    id: 'its-movall-no-null-check', area: 'its-commands',
    description: 'MOVALL retargets an LPI whose last reference is being dropped (a NULL vgic_irq in KVM)',
    modelledOn: fix('KVM: arm64: vgic-its: Test for valid IRQ in MOVALL handler (6.8)'),
    file: CMD, find: '    if (irq === null) continue;\n    updateAffinity(its.vm, irq, vcpu1, vcpu2);', replace: '    updateAffinity(its.vm, irq!, vcpu1, vcpu2);',
    equivalent: 'MOVALL walks dist.lpis, and an LPI stays there only while it holds a reference (vgic_put_irq removes it at zero, and the deferred release of the prune path runs before any command can execute). KVM hit NULL through a concurrent unmap on another CPU; this single-threaded rendition has no such interleaving, so vgic_get_irq never returns NULL in that walk.',
  },
  {
    id: 'its-ctlr-enable-without-cbaser', area: 'its-commands',
    description: 'GITS_CTLR.Enabled can be set while GITS_CBASER is not Valid',
    modelledOn: fix('KVM: arm/arm64: vgic-its: Check CBASER/BASER validity before enabling the ITS (4.17)'),
    file: ITS, find: ' || (its.cbaser & CBASER_VALID) === 0n)) {', replace: ')) {',
  },
  {
    id: 'its-clear-ignored', area: 'its-commands',
    description: 'CLEAR of a pending (software) LPI does not clear its pending state',
    modelledOn: op('dropped effect in vgic_its_cmd_handle_clear (irq->pending_latch = false)'),
    file: CMD, find: '  ite.irq.pendingLatch = false;\n  if (ite.irq.hw', replace: '  if (ite.irq.hw',
  },
  // the three faults of test/fuzz/planted-plugin.ts, as patches at the place they would live
  {
    id: 'planted-drop-inv', area: 'its-commands',
    description: 'INV is a no-op (the LPI\'s cached configuration is never re-read): planted fault 1 of test/fuzz/planted-plugin.ts',
    modelledOn: op('dropped command in vgic_its_handle_command (the planted self-test fault kvm-drop-inv)'),
    file: CMD, find: 'case GITS_CMD_INV: return vgicItsCmdHandleInv(its, cmd);', replace: 'case GITS_CMD_INV: return 0;',
  },
  {
    id: 'planted-movi-forgets-pending', area: 'its-commands',
    description: 'MOVI loses the LPI\'s pending state: planted fault 2 of test/fuzz/planted-plugin.ts',
    modelledOn: op('lost state in vgic_its_cmd_handle_movi (the planted self-test fault kvm-movi-forget)'),
    file: CMD, find: '  ite.collection = collection;\n  const vcpu = collectionToVcpu(its.dist, collection);', replace: '  ite.collection = collection;\n  if (ite.irq !== null) ite.irq.pendingLatch = false;\n  const vcpu = collectionToVcpu(its.dist, collection);',
  },

  // ---------------------------------------------------------------- the translation cache
  {
    id: 'cache-discard-no-invalidate', area: 'translation-cache',
    description: 'DISCARD leaves the translation cached: an MSI to the discarded event still injects its old LPI',
    modelledOn: fix('KVM: arm64: vgic-its: Invalidate MSI-LPI translation cache on specific commands (5.4)'),
    file: CMD, find: '    its.cache.invalidate();\n    itsFreeIte(its, device, ite);', replace: '    itsFreeIte(its, device, ite);',
  },
  {
    id: 'cache-mapc-unmap-no-invalidate', area: 'translation-cache',
    description: 'MAPC V=0 unmaps the collection but cached translations of its events keep injecting',
    modelledOn: fix('KVM: arm64: vgic-its: Invalidate MSI-LPI translation cache on specific commands (5.4): the MAPC V=0 path'),
    file: CMD, find: '    freeCollection(its, collId);\n    its.cache.invalidate();\n    return 0;', replace: '    freeCollection(its, collId);\n    return 0;',
  },
  {
    id: 'cache-movi-no-invalidate', area: 'translation-cache',
    description: 'MOVI keeps the cached translation: an MSI hits the cache even when the new target has EnableLPIs = 0',
    modelledOn: fix('KVM: arm64: vgic-its: Invalidate MSI-LPI translation cache on specific commands (5.4): the MOVI path'),
    file: CMD, find: '  const vcpu = collectionToVcpu(its.dist, collection);\n  its.cache.invalidate();', replace: '  const vcpu = collectionToVcpu(its.dist, collection);',
  },
  {
    id: 'cache-its-disable-no-invalidate', area: 'translation-cache',
    description: 'disabling the ITS (GITS_CTLR.Enabled = 0) keeps the cache: cached MSIs are delivered through a disabled ITS',
    modelledOn: fix('KVM: arm64: vgic-its: Invalidate MSI-LPI translation cache on ITS disable (5.4)'),
    file: ITS, find: 'if (!its.enabled) its.cache.invalidate();', replace: 'if (!its.enabled) { /* cache kept */ }',
  },
  {
    id: 'cache-lpi-disable-no-invalidate', area: 'translation-cache',
    description: 'clearing GICR_CTLR.EnableLPIs keeps the translation cache: cached MSIs still inject',
    modelledOn: fix('KVM: arm64: vgic-its: Invalidate MSI-LPI translation cache on disabling LPIs (5.4)'),
    file: MMIO3, find: '    vgicFlushPendingLpis(c.dist, vcpu);\n    its.invalidateAllCaches();', replace: '    vgicFlushPendingLpis(c.dist, vcpu);',
  },
  {
    id: 'cache-key-narrow', area: 'translation-cache',
    description: 'entries are stored under DeviceID x 2^15 + EventID: (2, 0) is found again as (1, 0x8000), (4, 0) as (2, 0)...',
    modelledOn: op('wrong key arithmetic in vgic_its_cache_key (devid << VITS_TYPER_IDBITS | eventid)'),
    file: CACHE, find: 'return devid * (1 << VITS_TYPER_IDBITS) + eventid;', replace: 'return devid * (1 << (VITS_TYPER_IDBITS - 1)) + eventid;',
  },
  {
    id: 'cache-lookup-ignores-doorbell', area: 'translation-cache',
    description: 'the MSI fast path looks every MSI up in ITS 0\'s cache, whatever doorbell it was sent to',
    modelledOn: op('wrong object in vgic_its_inject_cached_translation (the per-ITS cache of the doorbell\'s ITS, 6.10 rework)'),
    file: ITS, find: '      const its = this.doorbellToIts(address);\n      if (its !== null) {', replace: '      const its = this.doorbellToIts(address) !== null ? this.vm.its[0]! : null;\n      if (its !== null) {',
  },
  // Observable on its own symptom: its witness takes a vLPI twice after a cache invalidation, which
  // quirk kvm.forwarded-translation-cached (narrowed to a translation cached at forwarding and not
  // invalidated since, State.msiCached) does not excuse: clean KVM never caches a vLPI again.
  {
    id: 'cache-caches-vlpi', area: 'translation-cache',
    description: 'a forwarded vLPI\'s translation is cached: a userspace MSI to it latches software pending state instead of the vLPI',
    modelledOn: op('dropped condition in vgic_its_cache_translation (a vLPI, irq->hw, is never cached)'),
    file: CACHE, find: '    if (irq.hw) return;\n    irq.refcount++;', replace: '    irq.refcount++;',
  },
  {
    id: 'cache-revives-released-lpi', area: 'translation-cache',
    description: 'a cache lookup takes a reference on an LPI whose last reference is gone',
    modelledOn: fix('KVM: arm64: vgic-its: Avoid potential UAF in LPI translation cache'),
    file: CACHE, find: 'if (irq === undefined || irq.refcount === 0) return null;', replace: 'if (irq === undefined) return null;',
    equivalent: 'every cache entry holds its own reference on its LPI (taken at insert, dropped at invalidate), so a cached LPI never has a refcount of 0 here; in KVM the refcount could reach 0 on another CPU between the xarray lookup and the reference, which a single-threaded run cannot interleave.',
  },
  {
    id: 'planted-cache-off-by-one', area: 'translation-cache',
    description: 'the cache stores an entry under (DeviceID, EventID + 1): planted fault 3 of test/fuzz/planted-plugin.ts',
    modelledOn: op('wrong key in vgic_its_cache_translation (the planted self-test fault kvm-cache-off-by-one)'),
    file: CACHE, find: '    const key = vgicItsCacheKey(devid, eventid);', replace: '    const key = vgicItsCacheKey(devid, eventid + 1);',
  },

  // ---------------------------------------------------------------- ITS save/restore
  {
    id: 'restore-device-table-returns-1', area: 'save-restore',
    description: 'ITS_RESTORE_TABLES returns 1 when the device table scan ends without a last entry (an empty table)',
    modelledOn: fix('KVM: arm/arm64: vgic-its: Fix return value for device table restore (4.13)'),
    file: ABI, find: '  if (ret > 0) ret = 0;\n  if (ret < 0) freeDeviceList(its);', replace: '  if (ret < 0) freeDeviceList(its);',
  },
  {
    id: 'restore-scan-exit-condition', area: 'save-restore',
    description: 'scan_its_table follows a next offset that points past the end of the table it scans (a two-level device table whose next device lives in another level-2 page): the scan goes on at a wrong address',
    modelledOn: fix('KVM: arm64: vgic: Fix exit condition in scan_its_table() (6.1)'),
    file: ABI, find: '    if (byteOffset >= len) break;\n', replace: '',
  },
  {
    id: 'restore-order-devices-first', area: 'save-restore',
    description: 'ITS_RESTORE_TABLES restores the device table (and its ITTs) before the collection table: every ITE names a collection that does not exist yet',
    modelledOn: op('swapped restore order in vgic_its_restore_tables_v0 (collections, then devices)'),
    file: ABI, find: '  let ret = vgicItsRestoreCollectionTable(its);\n  if (ret !== 0) return ret;\n  ret = vgicItsRestoreDeviceTables(its);\n  if (ret !== 0) freeCollectionList(its);',
    replace: '  let ret = vgicItsRestoreDeviceTables(its);\n  if (ret !== 0) return ret;\n  ret = vgicItsRestoreCollectionTable(its);\n  if (ret !== 0) freeCollectionList(its);',
  },
  {
    id: 'restore-ite-range-unchecked', area: 'save-restore',
    description: 'an ITE whose next offset points past the device\'s EventID range is accepted at restore',
    modelledOn: fix('KVM: arm64: vgic: Add more checks when restoring ITS tables (6.3)'),
    file: ABI, find: '  if (eventId + offset >= 2 ** device.numEventidBits) return -EINVAL;\n', replace: '',
  },
  {
    id: 'save-device-list-unsorted', area: 'save-restore',
    description: 'ITS_SAVE_TABLES computes next-DeviceID offsets over the device list in mapping order, not sorted: devices mapped in descending order break the chain',
    modelledOn: op('dropped sort in vgic_its_save_device_tables (list_sort by DeviceID)'),
    file: ABI, find: '  sortDeviceList(its);\n', replace: '',
  },
  {
    id: 'save-itt-unsorted', area: 'save-restore',
    description: 'ITS_SAVE_TABLES writes a device\'s ITEs in mapping order, so the next-EventID offsets of events mapped in descending order are wrong',
    modelledOn: op('dropped sort in vgic_its_save_itt (list_sort by EventID)'),
    file: ABI, find: '  sortItt(device);\n', replace: '',
  },

  // ---------------------------------------------------------------- list registers and EOI
  {
    id: 'lr-edge-pending-lost-on-fold', area: 'lr-eoi',
    description: 'an edge interrupt still pending in a list register at exit loses its pending state (the fold does not re-latch it)',
    modelledOn: op('lost state in vgic_v3_fold_lr (an edge LR still pending sets pending_latch)'),
    file: V3, find: "  if (irq.config === 'edge' && state & LR_PENDING) irq.pendingLatch = true;\n", replace: '',
  },
  {
    id: 'lr-sort-active-before-pending', area: 'lr-eoi',
    description: 'with more interrupts than list registers, active interrupts are put in the LRs before pending ones, so a pending one cannot be signalled',
    modelledOn: op('inverted comparison in vgic_irq_cmp (6.19 order: pending before active)'),
    file: CORE, find: 'ret = +pendb - +penda;', replace: 'ret = +penda - +pendb;',
  },
  {
    id: 'lr-sort-priority-inverted', area: 'lr-eoi',
    description: 'with more pending interrupts than list registers, the LOWEST priority ones get the LRs',
    modelledOn: op('inverted comparison in vgic_irq_cmp (priority order)'),
    file: CORE, find: 'ret = a.priority - b.priority;', replace: 'ret = b.priority - a.priority;',
  },
  {
    id: 'lr-stale-not-cleared', area: 'lr-eoi',
    description: 'list registers beyond the ones filled at entry keep their previous contents: an interrupt can sit in two LRs at once',
    modelledOn: fix('KVM: arm/arm64: vgic: Don\'t populate multiple LRs with the same vintid (5.0), via the unused-LR clearing of vgic_flush_lr_state'),
    file: CORE, find: '  for (let i = count; i < nrLr; i++) vcpu.cpuif.clearLr(i);\n', replace: '',
  },
  {
    id: 'lr-group-forced-1', area: 'lr-eoi',
    description: 'every list register is written as Group 1: Group 0 interrupts are acknowledged through ICC_IAR1_EL1',
    modelledOn: op('wrong field in vgic_v3_populate_lr (ICH_LR_GROUP from irq->group)'),
    file: V3, find: 'irq.intid, val & 3, irq.priority, irq.group,', replace: 'irq.intid, val & 3, irq.priority, 1,',
  },
  {
    id: 'lr-eoicount-from-list-head', area: 'lr-eoi',
    description: 'EOIcount deactivations are taken from the head of the ap_list, so an interrupt still active in a list register is deactivated instead of one past the LRs',
    modelledOn: fix('KVM: arm64: vgic: Pick EOIcount deactivations from AP-list tail (2026)'),
    file: V3, find: 'for (let i = start + 1; i < list.length && eoicount > 0; i++) {', replace: 'for (let i = 0; i < list.length && eoicount > 0; i++) {',
  },
  {
    id: 'lr-tdir-ignores-active-spis', area: 'lr-eoi',
    description: 'ICH_HCR_EL2.TDIR is not set for an SPI active on another vCPU: with EOImode = 1, ICC_DIR_EL1 from another vCPU does not deactivate it',
    modelledOn: op('dropped condition in vgic_v3_configure_hcr (trap DIR while an SPI may be active anywhere)'),
    file: V3, find: 'if (irqsActiveOutsideLrs(als, nrLr) || dist.activeSpis !== 0) hcr |= HCR_TDIR;', replace: 'if (irqsActiveOutsideLrs(als, nrLr)) hcr |= HCR_TDIR;',
  },

  // ---------------------------------------------------------------- level-sensitive lines and resampling
  {
    id: 'level-latch-kept-after-ack', area: 'level-resample',
    description: 'a level interrupt acknowledged and deactivated keeps its soft pending latch (ISPENDR), so it is taken again',
    modelledOn: op('dropped clear in vgic_v3_fold_lr (a level LR that comes back invalid loses pending_latch)'),
    file: V3, find: "  if (irq.config === 'level' && state === LR_INVALID) irq.pendingLatch = false;\n", replace: '',
  },
  {
    id: 'resample-wrong-pin', area: 'level-resample',
    description: 'the EOI of a level SPI notifies the resampler of pin = INTID instead of INTID - 32: the resamplefd of the right GSI is never signalled',
    modelledOn: op('wrong argument to kvm_notify_acked_irq in vgic_v3_fold_lr'),
    file: V3, find: 'notifyAckedIrq(intid - VGIC_NR_PRIVATE_IRQS);', replace: 'notifyAckedIrq(intid);',
  },
  {
    id: 'resample-no-deassert', area: 'level-resample',
    description: 'the resampler signals the resamplefd but does not de-assert the GSI: the SPI is taken again at once',
    modelledOn: op('dropped call in irqfd_resampler_ack (kvm_set_irq(..., 0))'),
    file: EVENTFD, find: '      this.resampleNotifications++;\n      this.kvmSetIrq(gsi, false);', replace: '      this.resampleNotifications++;',
  },
  {
    id: 'hw-resample-not-on-deactivate', area: 'level-resample',
    description: 'a HW-mapped level interrupt deactivated with its line recorded high is not re-sampled: its level stays stale',
    modelledOn: fix('KVM: arm64: vgic: Resample HW pending state on deactivation (5.12)'),
    file: CORE, find: 'if (lrPending || (lrDeactivated && irq.lineLevel)) {', replace: 'if (lrPending) {',
  },
  {
    id: 'ispendr-read-soft-state-of-hw', area: 'level-resample',
    description: 'a guest ISPENDR read of a HW-mapped level interrupt returns the software state, not the physical line',
    modelledOn: fix('KVM: arm64: vgic: Read HW interrupt pending state from the HW (5.17)'),
    file: MMIO, find: '    else if (!isUser && vgicIrqIsMappedLevel(irq)) p = vgicGetPhysLineLevel(c.dist, irq);\n    else if (isUser) p = irq.pendingLatch;', replace: '    else if (isUser) p = irq.pendingLatch;',
  },

  // ---------------------------------------------------------------- WFI (kvm_vgic_vcpu_pending_irq)
  {
    id: 'wfi-ignores-pmr', area: 'wfi',
    description: 'WFI wakes for a pending interrupt masked by ICC_PMR_EL1',
    modelledOn: op('dropped condition in kvm_vgic_vcpu_pending_irq (irq->priority < vmcr.pmr)'),
    file: CORE, find: 'irqIsPending(irq) && irq.enabled && !irq.active && irq.priority < pmr', replace: 'irqIsPending(irq) && irq.enabled && !irq.active',
  },
  {
    id: 'wfi-latch-only', area: 'wfi',
    description: 'WFI does not wake for a level interrupt pending through its line (only the soft latch is looked at)',
    modelledOn: op('wrong predicate in kvm_vgic_vcpu_pending_irq (irq_is_pending, not pending_latch)'),
    file: CORE, find: 'irqIsPending(irq) && irq.enabled && !irq.active && irq.priority < pmr', replace: 'irq.pendingLatch && irq.enabled && !irq.active && irq.priority < pmr',
  },
  {
    id: 'queue-no-kick-when-already-queued', area: 'wfi',
    description: 'queueing an interrupt that is already on an ap_list does not kick its vCPU: a re-asserted edge waits for an unrelated exit',
    modelledOn: fix('KVM: arm/arm64: vgic: Kick VCPUs when queueing already pending IRQs'),
    file: CORE, find: '  if (irq.vcpu || !vcpu) {\n    if (vcpu) vgicKick(dist, vcpu);\n    return false;', replace: '  if (irq.vcpu || !vcpu) {\n    return false;',
  },
  {
    id: 'queue-no-kick', area: 'wfi',
    description: 'a newly queued (non-broadcast) interrupt does not kick its target: a running vCPU sees it at its next exit, a blocked one not at all',
    modelledOn: op('missing kick in vgic_queue_irq_unlock'),
    file: CORE, find: '  if (!bcast) vgicKick(dist, vcpu);', replace: '  if (!bcast) { /* no kick */ }',
  },

  // ---------------------------------------------------------------- routing and irqfd
  {
    id: 'irqfd-no-deassert', area: 'routing-irqfd',
    description: 'a plain (non-resample) irqfd asserts its GSI and never lowers it: a level SPI behind it stays pending',
    modelledOn: op('dropped call in irqfd_inject (kvm_set_irq(..., 0) after the pulse)'),
    file: EVENTFD, find: '      this.kvmSetIrq(gsi, true);\n      this.kvmSetIrq(gsi, false);\n    } else {', replace: '      this.kvmSetIrq(gsi, true);\n    } else {',
    equivalent: 'irqfd_inject\'s pulse only runs when kvm_arch_set_irq_inatomic declines the irqfd (-EWOULDBLOCK). On arm64 it injects every single IRQCHIP route itself (and only ever asserts), and a GSI has at most one IRQCHIP route (KVM_NR_IRQCHIPS = 1), so the slow path sees only MSI routes, where the de-assert is a no-op (kvm_set_msi ignores level 0), and GSIs with no route. The lowered line is never observable.',
  },
  {
    id: 'irqfd-deassign-keeps-line', area: 'routing-irqfd',
    description: 'deassigning the last resample irqfd of a GSI leaves the line asserted',
    modelledOn: op('dropped call in irqfd_resampler_shutdown (kvm_set_irq(..., 0))'),
    file: EVENTFD, find: '        this.resamplers.delete(gsi);\n        this.kvmSetIrq(gsi, false);', replace: '        this.resamplers.delete(gsi);',
  },
  {
    id: 'routing-msi-drops-devid', area: 'routing-irqfd',
    description: 'an MSI routing entry loses its DeviceID: every MSI through KVM_SET_GSI_ROUTING comes from device 0',
    modelledOn: op('lost field in kvm_set_routing_entry (KVM_MSI_VALID_DEVID routes carry msi.devid)'),
    file: IRQFD, find: 'devid: (ue.devid ?? 0) >>> 0,', replace: 'devid: 0,',
  },

  // ---------------------------------------------------------------- GICv4
  {
    id: 'v4-doorbell-no-pending-last', area: 'gicv4',
    description: 'the doorbell handler kicks but does not set pending_last: a vCPU blocked in WFI does not wake for its vLPI',
    modelledOn: fix('KVM: arm64: vgic-v4: Make the doorbell request robust w.r.t preemption'),
    file: V4, find: '    vpe.pendingLast = true;\n    vgicKick(this.dist, vcpu);', replace: '    vgicKick(this.dist, vcpu);',
  },
  {
    id: 'v4-wfi-ignores-pending-last', area: 'gicv4',
    description: 'the WFI wake-up test does not look at the vPE\'s pending_last: a pending vLPI does not wake a vCPU',
    modelledOn: op('dropped condition in kvm_vgic_vcpu_pending_irq (vgic_v4 pending_last)'),
    file: CORE, find: '  if (dist.v4 && dist.v4.pendingLast(vcpu)) return true;\n', replace: '',
  },
  {
    id: 'v4-load-no-vmovp', area: 'gicv4',
    description: 'vcpu_load on another physical CPU makes the vPE resident there without moving it (no VMOVP): its vLPIs still go to the old redistributor',
    modelledOn: fix('KVM: arm64: vgic-v4: Move the GICv4 residency flow to be driven by vcpu_load/put (5.4)'),
    file: V4, find: '    this.host.vpeSetAffinity(vpe, pcpu);\n', replace: '',
  },
  {
    id: 'v4-forwarding-drops-pending', area: 'gicv4',
    description: 'forwarding an LPI that is pending in software loses the pending state (it is not moved into the vLPI)',
    modelledOn: fix('KVM: arm64: GICv4.1: Restore VLPI pending state to physical side (5.13)'),
    file: V4, find: '    if (irq.pendingLatch) {\n      this.host.setVlpiPending(hostIrq, true);\n      irq.pendingLatch = false;', replace: '    if (irq.pendingLatch) {\n      irq.pendingLatch = false;',
  },
  {
    id: 'v4-movi-keeps-vpe', area: 'gicv4',
    description: 'MOVI / MAPC of a forwarded LPI updates the software target but leaves the vLPI on the old vPE (no VMOVI)',
    modelledOn: op('dropped call in update_affinity for a vLPI (its_map_vlpi on the new vPE)'),
    file: V4, find: '    this.host.mapVlpi(irq.hostIrq, { ...map, vpe }, 0);\n', replace: '',
  },
  {
    id: 'v4-discard-keeps-vlpi', area: 'gicv4',
    description: 'DISCARD / MAPD of a forwarded LPI does not unmap the vLPI: the device\'s MSI keeps reaching the guest',
    modelledOn: op('dropped call in its_free_ite (its_unmap_vlpi)'),
    file: STATE, find: 'if (irq.hw && its.vm.v4 !== null) its.vm.v4.unmapVlpi(irq);', replace: 'if (irq.hw && its.vm.v4 !== null) { /* vLPI kept */ }',
  },
  {
    id: 'v4-save-pending-ignores-vpt', area: 'gicv4',
    description: 'GICv4.1: SAVE_PENDING_TABLES writes the software latch of a vLPI, not its VPT bit: a pending vLPI is lost by migration',
    modelledOn: fix('KVM: arm64: GICv4.1: Try to save VLPI state in save_pending_tables (5.13)'),
    file: V3, find: 'const isPending = irq.hw && dist.v4?.vlpiPending ? dist.v4.vlpiPending(irq) : irq.pendingLatch;', replace: 'const isPending = irq.pendingLatch;',
  },

  // ---------------------------------------------------------------- SGIs
  {
    id: 'sgi-irm-includes-sender', area: 'sgi',
    description: 'an SGI with IRM = 1 (all but self) is also delivered to the sending vCPU',
    modelledOn: op('dropped condition in vgic_v3_dispatch_sgi (broadcast skips the sender)'),
    file: MMIO3, find: 'for (const v of dist.vcpus) if (v !== vcpu) vgicV3QueueSgi(dist, v, sgi, allowGroup1);', replace: 'for (const v of dist.vcpus) vgicV3QueueSgi(dist, v, sgi, allowGroup1);',
  },
  {
    id: 'sgi-irm-wrong-bit', area: 'sgi',
    description: 'ICC_SGI1R_EL1.IRM is read from bit 41: broadcast SGIs go to the (usually empty) target list instead',
    modelledOn: op('wrong field position in vgic_v3_dispatch_sgi (ICC_SGI1R_IRQ_ROUTING_MODE_BIT = 40)'),
    file: MMIO3, find: 'if ((reg >> 40n) & 1n) {', replace: 'if ((reg >> 41n) & 1n) {',
  },

  // ---------------------------------------------------------------- SPIs (distributor)
  {
    id: 'irouter-no-retarget', area: 'spi',
    description: 'a GICD_IROUTER write stores the affinity (it reads back) but the SPI keeps its old target vCPU',
    modelledOn: op('dropped effect in vgic_mmio_write_irouter (irq->target_vcpu = kvm_mpidr_to_vcpu)'),
    file: MMIO3, find: '  irq.targetVcpu = kvmMpidrToVcpu(c.dist, irq.mpidr);\n', replace: '',
  },
  {
    id: 'isenabler-no-queue', area: 'spi',
    description: 'enabling an interrupt that is already pending (GICD_ISENABLER / GICR_ISENABLER0) does not queue it',
    modelledOn: op('skipped requeue in vgic_mmio_write_senable'),
    file: MMIO, find: '    irq.enabled = true;\n    vsgiUpdate(c, irq);\n    vgicQueueIrqUnlock(c.dist, irq);', replace: '    irq.enabled = true;\n    vsgiUpdate(c, irq);',
  },
  {
    id: 'isactiver-read-no-halt', area: 'spi',
    description: 'a GICD_ISACTIVER read does not halt the guest, so the active state held in another running vCPU\'s LR reads 0',
    modelledOn: fix('KVM: arm/arm64: vgic: Synchronize changes to active state'),
    file: MMIO, find: '  c.haltGuest();\n  const v = readActive(c, addr, len);\n  c.resumeGuest();', replace: '  const v = readActive(c, addr, len);',
  },

  // ---------------------------------------------------------------- redistributor
  {
    id: 'gicr-typer-last-never', area: 'redistributor',
    description: 'GICR_TYPER.Last is never set: a guest walking the redistributor frames runs off the end',
    modelledOn: op('off-by-one in vgic_mmio_read_v3r_typer\'s Last computation (fixed for several redistributor regions in 5.13)'),
    file: MMIO3, find: 'if (id === c.dist.nrVcpus - 1) value |= GICR_TYPER_LAST;', replace: 'if (id === c.dist.nrVcpus) value |= GICR_TYPER_LAST;',
  },
  {
    id: 'enable-lpis-ptz-inverted', area: 'redistributor',
    description: 'EnableLPIs reads the pending table only when PENDBASER.PTZ says it is zero (and skips it otherwise)',
    modelledOn: op('inverted condition in vgic_enable_lpis (GICR_PENDBASER_PTZ)'),
    file: MMIO3, find: 'if (!(vcpu.pendbaser & GICR_PENDBASER_PTZ)) its.syncLpiPendingTable(vcpu);', replace: 'if (vcpu.pendbaser & GICR_PENDBASER_PTZ) its.syncLpiPendingTable(vcpu);',
  },
  {
    id: 'invlpir-accepts-non-lpi', area: 'redistributor',
    description: 'GICR_INVLPIR with an INTID below 8192 re-reads a "property byte" for an SGI/PPI/SPI and overwrites its priority and enable',
    modelledOn: op('dropped range check in vgic_mmio_write_invlpi (intid < VGIC_MIN_LPI)'),
    file: MMIO3, find: '  if (intid < VGIC_MIN_LPI) return;\n', replace: '',
  },
];

/**
 * More faults, each as real as those above, left out of the default run to keep a full
 * 60-second-per-fault measurement within an hour on two cores (`gicdiff selftest --extra` adds them).
 */
export const EXTRA_FAULTS: readonly Fault[] = [
  {
    id: 'its-mapti-pintid-off-by-one', area: 'its-commands',
    description: 'MAPTI accepts pINTID = 2^(GICR_PROPBASER.IDbits+1), one past the property table',
    modelledOn: op('off-by-one range check in vgic_its_cmd_handle_mapi (lpi_nr >= max_lpis_propbaser)'),
    file: CMD, find: 'lpiNr >= maxLpisPropbaser(its.dist.propbaser)', replace: 'lpiNr > maxLpisPropbaser(its.dist.propbaser)',
  },
  {
    id: 'its-mapi-reads-pintid-field', area: 'its-commands',
    description: 'MAPI takes its LPI from the (absent) pINTID field instead of the EventID',
    modelledOn: op('wrong command field in vgic_its_cmd_handle_mapi (MAPI: lpi_nr = event_id)'),
    file: CMD, find: 'itsCmdGetCommand(cmd) === GITS_CMD_MAPTI ? itsCmdGetPhysicalId(cmd) : eventId', replace: 'itsCmdGetPhysicalId(cmd)',
  },
  {
    id: 'its-discard-ignores-collection', area: 'its-commands',
    description: 'DISCARD succeeds on an ITE whose collection was unmapped (KVM requires a mapped collection)',
    modelledOn: op('dropped condition in vgic_its_cmd_handle_discard (its_is_collection_mapped(ite->collection))'),
    file: CMD, find: 'if (ite !== null && isCollectionMapped(ite.collection)) {', replace: 'if (ite !== null) {',
  },
  {
    id: 'its-baser-invalid-keeps-devices', area: 'its-commands',
    description: 'clearing GITS_BASER0.Valid does not free the device list: mappings survive a device table that is gone',
    modelledOn: op('dropped teardown in vgic_mmio_write_its_baser (vgic_its_free_device_list when Valid is cleared)'),
    file: ITS, find: 'if (type === BASER_TYPE_DEVICE) freeDeviceList(its);', replace: 'if (type === BASER_TYPE_DEVICE) { /* device list kept */ }',
  },
  {
    id: 'cache-mapd-no-invalidate', area: 'translation-cache',
    description: 'MAPD (remap or V=0) frees the device\'s ITEs without invalidating the cache',
    modelledOn: fix('KVM: arm64: vgic-its: Invalidate MSI-LPI translation cache on specific commands (5.4): the MAPD path (vgic_its_free_device)'),
    file: STATE, find: '  for (const ite of [...device.itt.values()]) itsFreeIte(its, device, ite);\n  its.cache.invalidate();', replace: '  for (const ite of [...device.itt.values()]) itsFreeIte(its, device, ite);',
  },
  {
    id: 'restore-collection-table-returns-1', area: 'save-restore',
    description: 'ITS_RESTORE_TABLES returns 1 when every entry of the collection table is valid (a full table)',
    modelledOn: fix('KVM: arm/arm64: vgic-its: Fix vgic_its_restore_collection_table returned value (4.13)'),
    file: ABI, find: '  if (ret > 0) return 0;\n  if (ret < 0) freeCollectionList(its);', replace: '  if (ret > 0) return ret;\n  if (ret < 0) freeCollectionList(its);',
  },
  {
    id: 'restore-cte-vcpu-unchecked', area: 'save-restore',
    description: 'a CTE naming a vCPU that does not exist is restored as a mapped collection',
    modelledOn: op('dropped error check in vgic_its_restore_cte (kvm_get_vcpu_by_id of the RDbase)'),
    file: ABI, find: '  if (targetAddr !== COLLECTION_NOT_MAPPED && getVcpuById(its.dist, targetAddr) === null) return -EINVAL;\n', replace: '',
  },
  {
    id: 'save-pending-never-clears', area: 'save-restore',
    description: 'SAVE_PENDING_TABLES only ever sets bits: an LPI that is no longer pending keeps a stale pending bit in the table',
    modelledOn: op('lost clear in vgic_v3_save_pending_tables (val &= ~(1 << bit_nr))'),
    file: V3, find: 'val = isPending ? val | bit : val & ~bit;', replace: 'val = val | bit;',
  },
  {
    id: 'sync-pending-table-all-vcpus', area: 'save-restore',
    description: 'EnableLPIs on one redistributor loads ITS pending state from its pending table into LPIs that target other vCPUs too',
    modelledOn: op('dropped target filter in its_sync_lpi_pending_table (irq->target_vcpu != vcpu)'),
    file: STATE, find: 'if (irq.targetVcpu === vcpu) irq.pendingLatch = (pendmask & (1 << (intid & 7))) !== 0;', replace: 'irq.pendingLatch = (pendmask & (1 << (intid & 7))) !== 0;',
  },
  {
    id: 'lr-overflow-no-sort', area: 'lr-eoi',
    description: 'with more interrupts than list registers the ap_list is not sorted: the LRs get whatever was queued first',
    modelledOn: op('dropped call in vgic_flush_lr_state (vgic_sort_ap_list on overflow)'),
    file: CORE, find: '    vgicSortApList(dist, vcpu);\n    dist.counters.lrOverflows++;', replace: '    dist.counters.lrOverflows++;',
  },
  {
    id: 'lr-priority-4-bits', area: 'lr-eoi',
    description: 'list registers carry only the top 4 priority bits: priorities 0x00 and 0x08 look alike',
    modelledOn: op('wrong mask in vgic_v3_populate_lr (the priority field)'),
    file: V3, find: 'irq.intid, val & 3, irq.priority, irq.group,', replace: 'irq.intid, val & 3, irq.priority & 0xf0, irq.group,',
  },
  {
    id: 'lr-hw-active-pending', area: 'lr-eoi',
    description: 'a HW-mapped interrupt that is active is also put in its LR as pending (the vtimer is taken twice)',
    modelledOn: op('dropped condition in vgic_v3_compute_lr (never pending+active for a HW interrupt)'),
    file: V3, find: '    val |= LRV_HW;\n    // Never pending+active on a HW interrupt: the pending state lives in the physical GIC.\n    if (irq.active) allowPending = false;', replace: '    val |= LRV_HW;',
  },
  {
    id: 'wfi-wakes-with-dist-disabled', area: 'wfi',
    description: 'WFI wakes for a pending interrupt while GICD_CTLR.EnableGrp1 = 0',
    modelledOn: op('dropped condition in kvm_vgic_vcpu_pending_irq (!dist->enabled)'),
    file: CORE, find: '  if (!dist.enabled) return false;\n  if (dist.v4 && dist.v4.pendingLast(vcpu)) return true;', replace: '  if (dist.v4 && dist.v4.pendingLast(vcpu)) return true;',
  },
  {
    id: 'wfi-no-kick-on-dist-enable', area: 'wfi',
    description: 'enabling GICD_CTLR.EnableGrp1 does not kick: a vCPU blocked in WFI with an interrupt already queued stays asleep',
    modelledOn: op('dropped call in vgic_mmio_write_v3_misc (vgic_kick_vcpus when the distributor is enabled)'),
    file: MMIO3, find: '  if (!wasEnabled && dist.enabled) vgicKickVcpus(dist);\n', replace: '',
  },
  {
    id: 'routing-pin-off-by-one', area: 'routing-irqfd',
    description: 'kvm_set_routing_entry accepts pin = KVM_IRQCHIP_NUM_PINS (INTID 1020)',
    modelledOn: op('off-by-one range check in kvm_set_routing_entry (pin >= KVM_IRQCHIP_NUM_PINS)'),
    file: IRQFD, find: 'if (pin >= KVM_IRQCHIP_NUM_PINS || irqchip >= KVM_NR_IRQCHIPS) return -EINVAL;', replace: 'if (pin > KVM_IRQCHIP_NUM_PINS || irqchip >= KVM_NR_IRQCHIPS) return -EINVAL;',
  },
  {
    id: 'irq-line-ppi-range', area: 'routing-irqfd',
    description: 'KVM_IRQ_LINE of type PPI accepts INTID 32 (the first SPI) as a private interrupt of the vCPU',
    modelledOn: op('off-by-one range check in kvm_vm_ioctl_irq_line (PPI: irq_num >= VGIC_NR_PRIVATE_IRQS)'),
    file: ARM, find: 'if (irqNum < VGIC_NR_SGIS || irqNum >= VGIC_NR_PRIVATE_IRQS) return -EINVAL;', replace: 'if (irqNum < VGIC_NR_SGIS || irqNum > VGIC_NR_PRIVATE_IRQS) return -EINVAL;',
  },
  {
    id: 'v4-put-no-doorbell-in-wfi', area: 'gicv4',
    description: 'vgic_v4_put never asks for a doorbell, even when the vCPU blocks in WFI',
    modelledOn: op('dropped argument in vgic_v4_put (need_db when blocking)'),
    file: V4, find: 'this.host.makeVpeNonResident(vpe, inWfi);', replace: 'this.host.makeVpeNonResident(vpe, false);',
  },
  {
    id: 'v4-invall-no-vinvall', area: 'gicv4',
    description: 'INVALL does not invalidate the vPE\'s cached vLPI configuration (no its_invall_vpe): property changes of vLPIs are not seen',
    modelledOn: op('dropped call in vgic_its_invall (its_invall_vpe)'),
    file: STATE, find: '  if (vcpu.vpe !== null && vcpu.vpe !== undefined && vm.v4 !== null) vm.v4.invallVpe(vcpu);\n', replace: '',
  },
  {
    id: 'v4-dist-enable-no-reload', area: 'gicv4',
    description: 'GICv4.1: enabling or disabling the distributor does not reload the vPEs, so vLPIs keep the old group enable',
    modelledOn: fix('KVM: arm64: GICv4.1: Reload VLPI configuration on distributor enable/disable (5.7)'),
    file: V4, find: '    for (const vcpu of this.dist.vcpus) this.reload(vcpu);\n', replace: '',
  },
  {
    id: 'sgi-group0-via-sgi1r', area: 'sgi',
    description: 'ICC_SGI0R_EL1 / ICC_ASGI1R_EL1 also make Group 1 SGIs pending',
    modelledOn: op('dropped condition in vgic_v3_queue_sgi (a Group 0 access only reaches Group 0 SGIs)'),
    file: MMIO3, find: '  if (irq.group && !allowGroup1) return;\n', replace: '',
  },
  {
    id: 'icpendr-hw-keeps-phys', area: 'spi',
    description: 'a guest GICD_ICPENDR write to a HW-mapped interrupt only clears the software latch, not the physical pending and active state',
    modelledOn: op('wrong branch in vgic_mmio_write_cpending (vgic_hw_irq_cpending for a HW interrupt)'),
    file: MMIO, find: '    else if (irq.hw && c.requester) vgicHwIrqCpending(c, irq);\n    else irq.pendingLatch = false;', replace: '    else irq.pendingLatch = false;',
  },
  {
    id: 'disable-lpis-no-flush', area: 'redistributor',
    description: 'clearing EnableLPIs leaves queued LPIs on the vCPU\'s ap_list: they are still taken with LPIs off',
    modelledOn: op('dropped call in vgic_mmio_write_v3r_ctlr (vgic_flush_pending_lpis)'),
    file: MMIO3, find: '    vgicFlushPendingLpis(c.dist, vcpu);\n    its.invalidateAllCaches();', replace: '    its.invalidateAllCaches();',
  },
  {
    id: 'lr-eoicount-replays-all', area: 'lr-eoi',
    description: 'one EOIcount increment deactivates every active interrupt past the list registers, not one',
    modelledOn: op('dropped decrement in vgic_v3_fold_lr_state\'s EOIcount replay'),
    file: V3, find: '    d.counters.eoiCountDeactivations++;\n    eoicount--;', replace: '    d.counters.eoiCountDeactivations++;',
  },
];
