// KVM's userspace ABI as documented (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI; Documentation/virt/kvm/api.rst KVM_IRQ_LINE,
// KVM_SET_GSI_ROUTING, KVM_IRQFD, KVM_SIGNAL_MSI): what the VMM and assigned devices do, and its
// guest-visible effect. Never KVM's internals: only what the ABI promises.
import type {
  DeviceFireOp, IrqfdOp, IrqfdResampledOp, IrqfdSignalOp, IrqLineOp, SetGsiRoutingOp, SignalMsiOp, TimerLineOp,
  VfioForwardOp, VfioUnforwardOp,
} from '../spec/scenario.js';
import { decodeIrqLine } from '../spec/codec/kvm-irq-line.js';
import { parseHexNumber } from '../spec/hex.js';
import { itsBase, GITS_SIZE, PTIMER_PPI, VTIMER_PPI } from '../spec/layout.js';
import { type Exec, type Expected } from './exec.js';
import { cacheTranslation, GITS_TRANSLATER, iteTarget, translateMsi } from './its.js';
import { retargetedToRdWithLpisOff, sharedLpiAtRdWithLpisOff } from './its/commands.js';
import { leaveGhosts } from './interrupts.js';
import { iteTargetsOf, LPI_BASE, setLpiPending } from './lpi.js';
import { branchChoice, type Choice, CHOICES, forEachChoice, holdChoice, offerQuirk, openOptions, quirkEnabled } from './choices.js';
import { QUIRKS } from './quirks.js';
import { isForwardedEvent, type Vlpi, vlpiOfGsi, vlpiOfHostIrq } from './vlpi.js';
import type { Route, State } from './state.js';
import * as errno from '../spec/errno.js';

const EINVAL = -errno.EINVAL;
const ENXIO = -errno.ENXIO;
const ENODEV = -19;
const EBUSY = -16;
const KVM_MAX_IRQ_ROUTES = 4096;
const KVM_IRQCHIP_NUM_PINS = 988;
const KVM_MSI_VALID_DEVID = 1;

/**
 * Drive an interrupt line (level 1 = asserted). Level-sensitive: pending follows the line; edge:
 * each assertion is an edge that latches pending (kvm.irq-line.level; IHI 0069 chapter 4, interrupt state transitions).
 */
function setLine(s: State, slot: number, level: number, x: Exec): void {
  if (!level && s.line[slot]) {
    // the line drops: a PE that could take the interrupt may still do so (choice.u6.state-change-race)
    const intid = slot < s.nPriv ? slot % 32 : slot - s.nPriv + 32;
    leaveGhosts(s, -1, intid, slot < s.nPriv ? Math.floor(slot / 32) : 0, x);
  }
  s.line[slot] = level ? 1 : 0;
  // KVM records the line level of a level-configured interrupt only (QUIRKS.levelInfoEdge)
  if (s.quirks.size > 0) {
    if (level && s.edge[slot]) s.lineUnrecorded.add(slot);
    else if (s.lineUnrecorded.size > 0) s.lineUnrecorded.delete(slot);
  }
  x.rule(s.edge[slot] ? 'dist.edge.latch' : 'dist.level.line');
  if (level && s.edge[slot]) s.latch[slot] = 1;
}

/**
 * KVM (QUIRKS.irqLineLpiIntid): an SPI-type KVM_IRQ_LINE whose number names an LPI an ITE maps is
 * injected into that LPI (0): level 1 makes it pending at its target (one branch per redistributor
 * an ITE names), level 0 does nothing (LPIs are edge-triggered).
 */
function irqLineLpi(s: State, intid: number, level: number, x: Exec): void {
  const targets = [...iteTargetsOf(s, intid)].filter((rd) => rd >= 0);
  if (targets.length === 0) return;
  for (const rd of level ? targets : [targets[0]!]) {
    const q = offerQuirk(s, QUIRKS.irqLineLpiIntid);
    if (q === null) return;
    if (level) setLpiPending(q, rd, intid, x);
    x.branch(q, 0, `${QUIRKS.irqLineLpiIntid.id}: injected into LPI ${intid}`);
  }
}

/** KVM_IRQ_LINE (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI). */
export function irqLine(s: State, op: IrqLineOp, x: Exec): Expected {
  let type: 'cpu' | 'spi' | 'ppi' | null;
  let vcpu: number;
  let intid: number;
  if (op.raw !== undefined) {
    x.rule('kvm.irq-line.raw');
    const d = decodeIrqLine(op.raw);
    type = d.type;
    vcpu = d.vcpu;
    intid = d.intid;
  } else {
    type = op.type ?? null;
    vcpu = op.vcpu ?? 0;
    intid = op.intid ?? 0;
  }
  if (type === 'cpu') {
    x.rule('kvm.irq-line.cpu-enxio');
    return ENXIO;
  }
  if (type === 'spi') {
    if (intid < 32 || intid >= 32 + s.cfg.spis) {
      x.rule('kvm.irq-line.spi-einval');
      if (intid >= LPI_BASE) irqLineLpi(s, intid, op.level, x);
      return EINVAL;
    }
    x.rule('kvm.irq-line.spi');
    x.rule('kvm.irq-line.level');
    setLine(s, s.nPriv + intid - 32, op.level, x);
    return 0;
  }
  if (type === 'ppi') {
    if (intid < 16 || intid > 31 || vcpu >= s.cfg.vcpus) {
      x.rule('kvm.irq-line.ppi-einval');
      return EINVAL;
    }
    x.rule('kvm.irq-line.ppi');
    x.rule('kvm.irq-line.level');
    if (intid === VTIMER_PPI || intid === PTIMER_PPI) {
      // The timer PPIs (virtual 27, EL1 physical 30) belong to the in-kernel timers from the vCPU's
      // first run (kvm_timer_enable: timer_irqs_are_valid takes ownership of both); vgic_validate_injection
      // then ignores userspace (owner NULL): docs/kvm-abi.md. Held per vCPU, for both PPIs at once:
      // applied (option 0) until the candidate sees it ignored (1).
      const slot = vcpu * 32 + intid;
      const pairs = forEachChoice(s, CHOICES.vtimerOwned, (st, o) => {
        if (o === 0) setLine(st, slot, op.level, x);
        else x.rule('kvm.irq-line.ppi-owned');
      }, vcpu);
      for (let i = 1; i < pairs.length; i++) x.branch(pairs[i]![0], 0, 'KVM_IRQ_LINE on a timer PPI ignored (in-kernel owner)');
      return 0;
    }
    setLine(s, vcpu * 32 + intid, op.level, x);
    return 0;
  }
  x.rule('kvm.irq-line.bad-type');
  return EINVAL;
}

/** The vCPU's virtual timer output: a level-sensitive PPI 27 line (scenario schema TimerLineOp). */
export function timerLine(s: State, op: TimerLineOp, x: Exec): Expected {
  x.rule('kvm.timer.line');
  // KVM: a vCPU that has not run yet does not forward its timer output to the vGIC; the first run
  // does (QUIRKS.timerUnseenBeforeRun; this candidate took it for this vCPU already, or takes it now)
  if (s.timerBeforeRun.size > 0 && s.timerBeforeRun.has(op.cpu)) {
    s.timerBeforeRun.set(op.cpu, op.level);
    return null;
  }
  const slot = op.cpu * 32 + VTIMER_PPI;
  // KVM: a loaded vCPU's falling timer output is not recorded until its next load or a re-sample
  // (QUIRKS.loadedTimerDropUnseen): the record may still read high
  if (s.quirks.size > 0) {
    if (op.level) s.timerDropUnseen.delete(op.cpu);
    else if (s.line[slot] && s.ran.has(op.cpu) && quirkEnabled(s, QUIRKS.loadedTimerDropUnseen)) s.timerDropUnseen.add(op.cpu);
  }
  const q = s.quirks.size > 0 && !s.ran.has(op.cpu) && s.line[slot] !== op.level ? offerQuirk(s, QUIRKS.timerUnseenBeforeRun) : null;
  if (q !== null) {
    q.timerBeforeRun.set(op.cpu, op.level);
    x.branch(q, null, `${QUIRKS.timerUnseenBeforeRun.id}: vCPU ${op.cpu} has not run: the vGIC keeps the line it had`);
  }
  setLine(s, slot, op.level, x);
  return null;
}

/**
 * KVM (quirks only, State.ran): the ops that run vCPU `cpu`; at its first run the vGIC takes the
 * timer output it had not seen (QUIRKS.timerUnseenBeforeRun).
 */
export function noteVcpuRuns(s: State, cpu: number, x: Exec): void {
  if (s.ran.has(cpu)) return;
  s.ran.add(cpu);
  const level = s.timerBeforeRun.get(cpu);
  if (level === undefined) return;
  s.timerBeforeRun.delete(cpu);
  setLine(s, cpu * 32 + VTIMER_PPI, level, x);
}

/** Which ITS frame an MSI address falls in, and whether it is exactly GITS_TRANSLATER. */
function itsOfAddress(s: State, address: number): { its: number; exact: boolean } | null {
  for (let n = 0; n < s.cfg.its; n++) {
    const b = itsBase(n);
    if (address >= b && address < b + GITS_SIZE) return { its: n, exact: address === b + GITS_TRANSLATER };
  }
  return null;
}

/**
 * Inject one MSI (KVM_SIGNAL_MSI, an MSI route): 1 delivered, 0 blocked by the guest, or errno.
 * Several results are permitted where the documentation leaves it open: an address inside the ITS
 * frame other than GITS_TRANSLATER, and a disabled ITS / redistributor (0 "blocked" or -EBUSY).
 */
function injectMsi(s: State, address: number, data: number, devid: number, flags: number, x: Exec): Expected {
  if (flags & ~KVM_MSI_VALID_DEVID) {
    // KVM_MSI_VALID_DEVID is the only flag (api.rst KVM_SIGNAL_MSI): anything else is rejected
    x.rule('kvm.msi.bad-flags');
    return EINVAL;
  }
  if (s.cfg.its === 0) {
    x.rule('kvm.msi.no-its');
    return ENODEV;
  }
  if (!(flags & KVM_MSI_VALID_DEVID)) {
    x.rule('kvm.msi.no-devid');
    // KVM looks the translation cache up first, with whatever devid says (QUIRKS.msiCachedWithoutDevid)
    const its = itsOfAddress(s, address)?.its;
    if (its !== undefined && s.msiCached.has(`${its}:${devid}:${data >>> 0}`)) {
      const q = offerQuirk(s, QUIRKS.msiCachedWithoutDevid);
      if (q !== null && translateMsi(q, its, devid, data >>> 0, x) === 'delivered') x.branch(q, 1, `${QUIRKS.msiCachedWithoutDevid.id}: the cached translation delivers`);
    }
    return EINVAL;
  }
  const hit = itsOfAddress(s, address);
  if (hit === null) {
    x.rule('kvm.msi.bad-address');
    return EINVAL;
  }
  if (!hit.exact) {
    // the ITS is named by its doorbell, GITS_TRANSLATER: another offset in its frames is no
    // doorbell (-EINVAL); KVM takes any address of the ITS's 128 KiB as it (QUIRKS option of
    // choice msiFrameAddress, kvm.msi-anywhere-in-its-frame)
    x.rule('kvm.msi.frame-address');
    const pairs = forEachChoice(s, CHOICES.msiFrameAddress, () => {});
    let main: Expected = EINVAL;
    pairs.forEach(([st, o], i) => {
      if (o === 0) { if (i === 0) main = EINVAL; else x.branch(st, EINVAL, 'MSI address inside the ITS frame: -EINVAL'); return; }
      const r = msiResult(st, hit.its, devid, data, x);
      if (i === 0) main = r;
      else x.branch(st, r, 'MSI address inside the ITS frame taken as GITS_TRANSLATER');
    });
    return main;
  }
  return msiResult(s, hit.its, devid, data, x);
}

/**
 * The return value of a translated MSI. Where the ABI leaves it open (ITS disabled, target
 * redistributor with LPIs off: the guest "blocked" it, 0, or -EBUSY) the answer is held per case.
 */
function msiResult(s: State, its: number, devid: number, data: number, x: Exec): Expected {
  // KVM: a translation cached before a failed restore still delivers (QUIRKS.failedRestoreKeepsCache)
  const t = s.quirks.size > 0 && s.its[its]!.enabled ? s.its[its]!.devices.get(devid)?.ites.get(data >>> 0) : undefined;
  if (t?.cachedRd !== undefined) {
    const q = offerQuirk(s, QUIRKS.failedRestoreKeepsCache);
    if (q !== null && q.enableLpis[t.cachedRd]) {
      q.lpiPending[t.cachedRd]!.add(t.intid);
      x.branch(q, 1, `${QUIRKS.failedRestoreKeepsCache.id}: the cached translation delivers`);
    }
  }
  // KVM's GICv4: forwarding filled the translation cache, so a KVM_SIGNAL_MSI for a forwarded event
  // latches the LPI in software even while the device's MSI holds the vLPI pending in the hardware:
  // taken twice (QUIRKS.forwardedTranslationCached)
  const twice = s.quirks.size > 0 && s.its[its]!.enabled && isForwardedEvent(s, its, devid, data >>> 0) ? forwardedPendingTwin(s, its, devid, data >>> 0) : null;
  if (twice !== null && translateMsi(twice, its, devid, data >>> 0, x) === 'delivered') {
    x.branch(twice, 1, `${QUIRKS.forwardedTranslationCached.id}: the cached translation latches the LPI in software`);
  }
  const retargetedIte = s.quirks.size > 0 && s.its[its]!.enabled ? s.its[its]!.devices.get(devid)?.ites.get(data >>> 0) : undefined;
  const moved = retargetedIte !== undefined ? retargetedToRdWithLpisOff(s, its, retargetedIte) : null;
  if (moved !== null) x.branch(moved, 1, `${QUIRKS.retargetQueuesLpiWhileLpisOff.id}: queued at the retargeted vCPU`);
  const shared = sharedLpiOfMsi(s, its, devid, data >>> 0);
  const o = translateMsi(s, its, devid, data >>> 0, x);
  if (shared !== null && o === 'delivered' && translateMsi(shared, its, devid, data >>> 0, x) === 'delivered') {
    x.branch(shared, 1, `${QUIRKS.sharedLpiIgnoresEnableLpis.id}: queued at the LPI's first vCPU`);
  }
  switch (o) {
    case 'delivered': x.rule('kvm.msi.delivered'); return 1;
    case 'blocked': x.rule('kvm.msi.blocked'); x.rule('its.msi.no-stall'); return 0;
    case 'its-disabled': x.rule('kvm.msi.its-disabled'); return heldReturn(s, x, CHOICES.msiItsDisabled);
    case 'lpis-disabled': x.rule('kvm.msi.lpis-disabled'); return heldReturn(s, x, CHOICES.msiLpisDisabled);
  }
}

/**
 * The candidate of QUIRKS.forwardedTranslationCached for an MSI to a forwarded LPI that is pending
 * already, or null. Two copies need one in software: the MSI is latched in software when the
 * translation cache holds the event (cached while forwarding, not invalidated since), and otherwise
 * set in the vLPI (vgic_its_trigger_msi), apart from a software latch already there.
 */
function forwardedPendingTwin(s: State, its: number, devid: number, event: number): State | null {
  const ite = s.its[its]!.devices.get(devid)?.ites.get(event);
  if (ite === undefined) return null;
  const rd = iteTarget(s.its[its]!, ite);
  if (rd < 0 || !s.lpiPending[rd]!.has(ite.intid) || s.vlpiPending.get(ite.intid) === rd) return null;
  if (!s.msiCached.has(`${its}:${devid}:${event}`) && !s.lpiSoftLatch.has(ite.intid)) return null;
  const q = offerQuirk(s, QUIRKS.forwardedTranslationCached);
  q?.vlpiPending.set(ite.intid, rd);
  return q;
}

/** The candidate of QUIRKS.sharedLpiIgnoresEnableLpis for an MSI whose LPI two ITEs name, or null. */
function sharedLpiOfMsi(s: State, its: number, devid: number, event: number): State | null {
  if (s.quirks.size === 0 || !s.its[its]!.enabled) return null;
  const ite = s.its[its]!.devices.get(devid)?.ites.get(event);
  if (ite === undefined) return null;
  const rd = iteTarget(s.its[its]!, ite);
  return rd < 0 ? null : sharedLpiAtRdWithLpisOff(s, rd, ite.intid);
}

function heldReturn(s: State, x: Exec, c: Choice): Expected {
  const values = [EBUSY, 0];
  const opts = openOptions(s, c);
  if (opts.length === 1) return values[opts[0]!]!;
  x.commit = (st, observed) => { if (observed === values[0]) holdChoice(st, c, 0); };
  x.branch(s, values[1]!, 'MSI return 0 ("blocked")', (st) => holdChoice(st, c, 1));
  return values[0]!;
}

export function signalMsi(s: State, op: SignalMsiOp, x: Exec): Expected {
  const address = parseHexNumber(op.address);
  // only KVM's GICv4 quirk looks at the cache here (without KVM_MSI_VALID_DEVID too: KVM looks the
  // cache up first, QUIRKS.msiCachedWithoutDevid); without quirks, injectMsi finds the ITS once
  const hit = s.quirks.size > 0 && (op.flags & ~KVM_MSI_VALID_DEVID) === 0 ? itsOfAddress(s, address) : null;
  const soft = hit?.exact === true ? cachedForwardedLpi(s, hit.its, op.devid, op.data >>> 0) : null;
  const before = x.branches.length;
  const r = injectMsi(s, address, op.data, op.devid, op.flags, x);
  if (soft !== null) markSoftLatch(s, x, before, soft);
  return r;
}

/**
 * KVM's GICv4 (quirks only): the forwarded LPI an injection of (DeviceID, EventID) to ITS `its`
 * latches in software, when the translation cache holds the event (kvm_vgic_v4_set_forwarding and
 * every translation fill it): vgic_its_inject_cached_translation sets pending_latch, never the vLPI.
 */
function cachedForwardedLpi(s: State, its: number, devid: number, event: number): { intid: number; rd: number } | null {
  if (s.quirks.size === 0 || !s.msiCached.has(`${its}:${devid}:${event}`) || !isForwardedEvent(s, its, devid, event)) return null;
  const ite = s.its[its]!.devices.get(devid)?.ites.get(event);
  if (ite === undefined) return null;
  const rd = iteTarget(s.its[its]!, ite);
  return rd < 0 ? null : { intid: ite.intid, rd };
}

/** Every candidate of the injection (`s` and the op's branches from `before`) with the LPI pending holds it as a software latch. */
function markSoftLatch(s: State, x: Exec, before: number, lpi: { intid: number; rd: number }): void {
  for (const st of [s, ...x.branches.slice(before).map((b) => b.state)]) {
    if (st.lpiPending[lpi.rd]!.has(lpi.intid)) st.lpiSoftLatch.add(lpi.intid);
  }
}

/** KVM_SET_GSI_ROUTING (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI): validate every entry, then replace the table. */
export function setGsiRouting(s: State, op: SetGsiRoutingOp, x: Exec): Expected {
  const table = new Map<number, Route[]>();
  const nonIrqchip = new Set<number>();
  for (const e of op.entries) {
    if (e.gsi >= KVM_MAX_IRQ_ROUTES) {
      x.rule('kvm.routing.einval');
      return EINVAL;
    }
    let r: Route;
    if (e.type === 'irqchip' && 'pin' in e) {
      if (e.irqchip !== 0 || e.pin >= KVM_IRQCHIP_NUM_PINS) {
        x.rule('kvm.routing.einval');
        return EINVAL;
      }
      r = { kind: 'irqchip', pin: e.pin };
      const list = table.get(e.gsi) ?? [];
      // one GSI maps to the same irqchip once, and to a non-irqchip route only alone
      if (list.some((q) => q.kind === 'irqchip') || nonIrqchip.has(e.gsi)) {
        x.rule('kvm.routing.einval');
        return EINVAL;
      }
      list.push(r);
      table.set(e.gsi, list);
      x.rule('kvm.routing.irqchip');
    } else if (e.type === 'msi' && 'address' in e) {
      const flags = e.flags ?? KVM_MSI_VALID_DEVID;
      if (table.has(e.gsi) || (s.cfg.its > 0 && !(flags & KVM_MSI_VALID_DEVID))) {
        x.rule('kvm.routing.einval');
        return EINVAL;
      }
      r = { kind: 'msi', address: parseHexNumber(e.address), data: e.data, devid: e.devid, flags };
      table.set(e.gsi, [r]);
      nonIrqchip.add(e.gsi);
      x.rule('kvm.routing.msi');
    } else {
      x.rule('kvm.routing.einval');
      return EINVAL;
    }
  }
  // KVM: a routing change of a forwarded irqfd unmaps its vLPI without reading the pending state
  // back (QUIRKS.unforwardDropsVlpiPending)
  const dropped = s.quirks.size > 0 ? [...s.forwards.values()].map((gsi) => vlpiOfGsi(s, gsi) ?? strandedVlpiOfGsi(s, gsi)) : [];
  s.routes = table;
  for (const v of dropped) if (v !== null) dropVlpiPending(s, v, x);
  return 0;
}

/**
 * A forwarded vLPI whose collection was unmapped since (MAPC V = 0) stays mapped to the vPE it was
 * on (vgic_its_free_collection leaves the vLPI alone): the redistributor where it is pending.
 */
function strandedVlpiOfGsi(s: State, gsi: number): Vlpi | null {
  const v = vlpiOfGsi(s, gsi, true);
  if (v === null || v.rd >= 0) return null;
  const vr = s.vlpiPending.get(v.intid);
  const rd = vr !== undefined ? vr : s.lpiPending.findIndex((p) => p.has(v.intid));
  return rd < 0 ? null : { ...v, rd };
}

function dropVlpiPending(s: State, v: Vlpi, x: Exec): void {
  dropVlpiPendingAs(s, v, x, 0);
}

/** The quirk's candidate that lost the pending state of vLPI `v` (QUIRKS.unforwardDropsVlpiPending), with the op's result. */
function dropVlpiPendingAs(s: State, v: Vlpi, x: Exec, result: 0 | null): void {
  if (!s.lpiPending[v.rd]!.has(v.intid) && s.vlpiPending.get(v.intid) !== v.rd) return;
  const q = offerQuirk(s, QUIRKS.unforwardDropsVlpiPending);
  if (q === null) return;
  q.lpiPending[v.rd]!.delete(v.intid);
  q.vlpiPending.delete(v.intid);
  x.branch(q, result, `${QUIRKS.unforwardDropsVlpiPending.id}: the vLPI's pending state is lost`);
}

/** KVM_IRQFD assign / deassign (api.rst KVM_IRQFD). */
export function irqfd(s: State, op: IrqfdOp, x: Exec): Expected {
  if (op.deassign) {
    x.rule('kvm.irqfd.deassign');
    // KVM: the last resample irqfd of the GSI going lowers the GSI's line whoever raised it
    // (QUIRKS.resampleDeassignLowersLine); the architecture's line stays as its source left it
    const lowers = s.irqfds.get(op.gsi)?.resample === true && !s.resampleAsserted.has(op.gsi) ? raisedLinesOf(s, op.gsi) : [];
    const q = lowers.length > 0 ? offerQuirk(s, QUIRKS.resampleDeassignLowersLine) : null;
    if (q !== null) {
      for (const slot of lowers) {
        q.line[slot] = 0;
        if (q.lineUnrecorded.size > 0) q.lineUnrecorded.delete(slot);
      }
      q.irqfds.delete(op.gsi);
      q.resampled.delete(op.gsi);
      x.branch(q, 0, `${QUIRKS.resampleDeassignLowersLine.id}: the SPI's line is lowered`);
    }
    s.irqfds.delete(op.gsi);
    // its resamplefd goes with it: a later irqfd on the GSI has its own (irqfd.resampled answers
    // for the irqfd the GSI has, docs/scenario-format.md)
    s.resampled.delete(op.gsi);
    // the line a resample irqfd holds asserted is its assertion: detached, it asserts nothing
    // (rules kvm.irqfd.resample, kvm.irqfd.deassign; KVM de-asserts the GSI when its last
    // resampler goes, virt/kvm/eventfd.c irqfd_resampler_shutdown)
    if (s.resampleAsserted.delete(op.gsi)) {
      for (const r of s.routes.get(op.gsi) ?? []) {
        if (r.kind !== 'irqchip' || r.pin >= s.cfg.spis) continue;
        s.line[s.nPriv + r.pin] = 0;
        if (s.lineUnrecorded.size > 0) s.lineUnrecorded.delete(s.nPriv + r.pin);
      }
    }
    return 0;
  }
  if (s.irqfds.has(op.gsi)) {
    x.rule('kvm.irqfd.busy');
    return EBUSY;
  }
  x.rule(op.resample ? 'kvm.irqfd.resample' : 'kvm.irqfd.edge');
  s.irqfds.set(op.gsi, { resample: op.resample ?? false });
  // a device already bound to the GSI's eventfd is forwarded now (the irq bypass connects the new consumer)
  if (s.quirks.size > 0 && [...s.forwards.values()].includes(op.gsi)) cacheAtForwarding(s, op.gsi);
  return 0;
}

/**
 * KVM (quirks only): kvm_vgic_v4_set_forwarding resolves the event like an MSI, which fills the
 * translation cache (vgic-its.c vgic_its_resolve_lpi) when the event translates to a redistributor
 * with LPIs on, before the LPI becomes a vLPI (QUIRKS.forwardedTranslationCached).
 */
function cacheAtForwarding(s: State, gsi: number): void {
  const f = s.quirks.size > 0 ? vlpiOfGsi(s, gsi) : null;
  const route = f !== null ? (s.routes.get(gsi) ?? []).find((r) => r.kind === 'msi') : undefined;
  if (f !== null && route?.kind === 'msi' && s.enableLpis[f.rd]) cacheTranslation(s, f.its, route.devid, route.data >>> 0);
}

/** The SPIs (by slot) the irqchip routes of `gsi` reach whose line is high. */
function raisedLinesOf(s: State, gsi: number): number[] {
  const out: number[] = [];
  for (const r of s.routes.get(gsi) ?? []) if (r.kind === 'irqchip' && r.pin < s.cfg.spis && s.line[s.nPriv + r.pin]) out.push(s.nPriv + r.pin);
  return out;
}

/**
 * An eventfd signal on an irqfd: its GSI's routes fire. Irqchip route without resample: the SPI
 * is asserted and deasserted (an edge; a level-configured SPI may or may not see the pulse);
 * with resample: asserted until the guest's ack. MSI route: the MSI is injected.
 */
function fireGsi(s: State, gsi: number, x: Exec): void {
  const fd = s.irqfds.get(gsi);
  if (fd === undefined) return;
  for (const r of s.routes.get(gsi) ?? []) {
    if (r.kind === 'msi') {
      x.rule('kvm.irqfd.msi');
      if (s.cfg.impl.gicv4 !== 'off') x.rule('choice.u53.vlpi-vs-lpi'); // a vLPI behaves as the LPI an MSI makes pending
      const before = x.branches.length;
      injectMsi(s, r.address, r.data, r.devid, r.flags, x);
      // the injection's return value is not visible here: alternatives that differ only in the
      // value collapse, the others (a different state) now produce null like the main line
      for (let i = x.branches.length - 1; i >= before; i--) {
        const b = x.branches[i]!;
        if (b.state === s) x.branches.splice(i, 1);
        else b.result = null;
      }
      for (let i = x.branches.length - 1; i > before; i--) if (x.branches.slice(before, i).some((q) => q.state === x.branches[i]!.state)) x.branches.splice(i, 1);
      continue;
    }
    if (r.pin >= s.cfg.spis) continue;
    const slot = s.nPriv + r.pin;
    if (fd.resample) {
      x.rule('kvm.irqfd.resample');
      s.line[slot] = 1;
      if (s.edge[slot]) s.latch[slot] = 1;
      if (s.edge[slot] && s.quirks.size > 0) s.lineUnrecorded.add(slot); // QUIRKS.levelInfoEdge
      s.resampleAsserted.add(gsi);
    } else if (s.edge[slot]) {
      x.rule('kvm.irqfd.edge');
      s.latch[slot] = 1;
    } else {
      // a pulse on a level-sensitive SPI: no lasting effect (option 0), or pending latched (1)
      x.rule('kvm.irqfd.level-pulse');
      // KVM injects the SPI from the eventfd wake-up with level 1 and never lowers it
      // (QUIRKS.irqfdLevelStaysAsserted)
      const q = offerQuirk(s, QUIRKS.irqfdLevelStaysAsserted);
      if (q !== null) { q.line[slot] = 1; x.branch(q, null, `${QUIRKS.irqfdLevelStaysAsserted.id}: the line stays asserted`); }
      branchChoice(s, x, CHOICES.irqfdLevelPulse, (st, o) => { if (o === 1) st.latch[slot] = 1; });
    }
  }
}

export function irqfdSignal(s: State, op: IrqfdSignalOp, x: Exec): Expected {
  // an eventfd signal goes through the translation cache first (vgic-irqfd.c kvm_arch_set_irq_inatomic)
  const soft: { intid: number; rd: number }[] = [];
  if (s.quirks.size > 0 && s.irqfds.has(op.gsi)) {
    for (const r of s.routes.get(op.gsi) ?? []) {
      const hit = r.kind === 'msi' && r.flags & KVM_MSI_VALID_DEVID ? itsOfAddress(s, r.address) : null;
      const l = hit?.exact === true && r.kind === 'msi' ? cachedForwardedLpi(s, hit.its, r.devid, r.data >>> 0) : null;
      if (l !== null) soft.push(l);
    }
  }
  const before = x.branches.length;
  fireGsi(s, op.gsi, x);
  for (const l of soft) markSoftLatch(s, x, before, l);
  return null;
}

export function irqfdResampled(s: State, op: IrqfdResampledOp, x: Exec): Expected {
  x.rule('kvm.irqfd.resample');
  const r = s.resampled.has(op.gsi);
  s.resampled.delete(op.gsi);
  return r;
}

/** vfio.forward / unforward: bind an assigned device's MSI to (or from) the irqfd of a GSI. */
export function vfioForward(s: State, op: VfioForwardOp | VfioUnforwardOp, x: Exec): Expected {
  x.rule('kvm.vfio.forward');
  if (op.op === 'vfio.forward') {
    s.forwards.set(op.hostIrq, op.gsi);
    cacheAtForwarding(s, op.gsi);
    // KVM moves a pending LPI's state into the vLPI it forwards (kvm_vgic_v4_set_forwarding): for a
    // vCPU blocked in WFI that rings the doorbell, which wakes it whatever the priority
    // (QUIRKS.doorbellWakesMasked)
    const v = s.quirks.size > 0 ? vlpiOfGsi(s, op.gsi) : null;
    // the pending state moved into the vLPI is in the hardware: on GICv4.0 it reaches the vCPU past
    // a disabled distributor (QUIRKS.gicv40VlpiIgnoresDistEnable), as a device's MSI does
    if (v !== null && s.lpiPending[v.rd]!.has(v.intid) && s.cfg.impl.gicv4 === '4.0' && !(s.gicdCtlr & 2)) {
      const g = offerQuirk(s, QUIRKS.gicv40VlpiIgnoresDistEnable);
      if (g !== null) {
        g.lpiPending[v.rd]!.delete(v.intid);
        g.lpiSoftLatch.delete(v.intid);
        g.vlpiPending.set(v.intid, v.rd);
        x.branch(g, null, `${QUIRKS.gicv40VlpiIgnoresDistEnable.id}: the pending state moved into the vLPI`);
      }
    }
    if (v !== null && s.asleep[v.rd] !== 0 && s.lpiPending[v.rd]!.has(v.intid)) {
      const d = offerQuirk(s, QUIRKS.doorbellWakesMasked);
      if (d !== null) {
        d.asleep[v.rd] = 0;
        x.branch(d, null, `${QUIRKS.doorbellWakesMasked.id}: the pending state moved into the vLPI rings the doorbell`);
      }
    }
  } else if (s.forwards.get(op.hostIrq) === op.gsi) {
    const v = s.quirks.size > 0 ? vlpiOfHostIrq(s, op.hostIrq) : null;
    s.forwards.delete(op.hostIrq);
    if (v !== null) dropVlpiPendingAs(s, v, x, null);
  }
  return null;
}

/** device.fire: exactly the MSI of its route reaches the guest (a GICv4 vLPI is invisible as such). */
export function deviceFire(s: State, op: DeviceFireOp, x: Exec): Expected {
  x.rule('kvm.vfio.device-fire');
  const gsi = s.forwards.get(op.hostIrq);
  if (gsi === undefined) return null;
  const v = s.quirks.size > 0 ? vlpiOfGsi(s, gsi) : null;
  // KVM's GICv4 (quirks only): the vLPI is made pending in the hardware, where it reaches the vCPU
  // past a cleared EnableLPIs, past a disabled distributor on GICv4.0, and apart from a software
  // pending state a cached KVM_SIGNAL_MSI left (taken twice)
  const hw = v === null ? null
    : !s.enableLpis[v.rd] ? QUIRKS.vlpiSurvivesEnableLpisClear
    : s.cfg.impl.gicv4 === '4.0' && !(s.gicdCtlr & 2) ? QUIRKS.gicv40VlpiIgnoresDistEnable
    // the hardware copy is apart from a pending state only when that is a software latch (State.lpiSoftLatch)
    : (s.lpiPending[v.rd]!.has(v.intid) || s.lpiScoped.get(v.intid)?.has(v.rd) === true) && s.lpiSoftLatch.has(v.intid) ? QUIRKS.forwardedTranslationCached : null;
  const q = hw !== null ? offerQuirk(s, hw) : null;
  // KVM's GICv4 (quirks only): a vLPI whose collection a MAPC V = 0 unmapped stays mapped to the vPE
  // of its last target, where the device's MSI makes it pending (QUIRKS.vlpiSurvivesCollectionUnmap)
  const orphan = v === null && s.vlpiOrphaned.size > 0 ? vlpiOfGsi(s, gsi, true) : null;
  const orphanRd = orphan !== null && orphan.rd < 0 && s.its[orphan.its]!.enabled ? s.vlpiOrphaned.get(orphan.intid) : undefined;
  const o = orphanRd !== undefined ? offerQuirk(s, QUIRKS.vlpiSurvivesCollectionUnmap) : null;
  if (o !== null) {
    o.vlpiPending.set(orphan!.intid, orphanRd!);
    x.branch(o, null, `${QUIRKS.vlpiSurvivesCollectionUnmap.id}: the vLPI is pending at the vPE it stayed mapped to`);
  }
  fireGsi(s, gsi, x);
  if (q !== null) {
    q.vlpiPending.set(v!.intid, v!.rd);
    x.branch(q, null, `${hw!.id}: the vLPI is pending in the GICv4 hardware`);
  }
  // the doorbell of a vCPU blocked in WFI wakes it whatever the vLPI's priority (QUIRKS.doorbellWakesMasked)
  if (v !== null && s.asleep[v.rd] !== 0) {
    const d = offerQuirk(s, QUIRKS.doorbellWakesMasked);
    if (d !== null) {
      d.asleep[v.rd] = 0;
      x.branch(d, null, `${QUIRKS.doorbellWakesMasked.id}: the doorbell wakes the vCPU`);
    }
  }
  return null;
}
