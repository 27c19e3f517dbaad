// The physical ITS commands (IHI 0069 5.3, ITS commands), each a handler of one signature:
// (state, ITS, decoded fields, execution) -> the permitted outcomes, each with the error it raised.
// Error checks come in the architecture's order; the shared lookups are in tables.ts.
import { type DecodedItsCommand } from '../../spec/codec/its-command.js';
import { isForwardedEvent, vlpiOfGsi } from '../vlpi.js';
import { type Exec } from '../exec.js';
import { invalidateLpi, iteTargetsOf, LPI_BASE, lpiInRange, mappedMoreThanOnce, pendBase, propVersions, scopeSharedLpi, setLpiPending } from '../lpi.js';
import { GHOST_NOT_ITS, leaveLpiGhost } from '../interrupts.js';
import { CHOICES, forEachChoice, noteQuirk, offerQuirk, quirkEnabled } from '../choices.js';
import { QUIRKS } from '../quirks.js';
import { type ItsState, type State } from '../state.js';
import { addPhantom, cacheTranslation, canHoldLpi, invalidateTranslations, collectionInRange, deviceInRange, dropPhantom, ENTRY_BYTES, eventBits, iteTarget, rdExists, resolve, tableEntryAddr } from './tables.js';

export type CmdOutcome = { state: State; error: string | null };

function err(state: State, rule: string): CmdOutcome[] {
  return [{ state, error: rule }];
}

function ok(state: State): CmdOutcome[] {
  return [{ state, error: null }];
}

/** A command's handler: the permitted outcomes of running it on `s`, each with the error it raised. */
type CommandHandler = (s: State, n: number, f: DecodedItsCommand['fields'], x: Exec) => CmdOutcome[];

const HANDLERS: Record<string, CommandHandler> = {
  MAPD: (s, n, f, x) => mapd(s, n, f.device!, f.size!, f.itt!, f.valid!, x),
  MAPC: (s, n, f, x) => mapc(s, n, f.collection!, f.target!, f.valid!, x),
  MAPTI: (s, n, f, x) => mapti(s, n, 'mapti', f.device!, f.event!, f.intid!, f.collection!, x),
  MAPI: (s, n, f, x) => mapti(s, n, 'mapi', f.device!, f.event!, f.event!, f.collection!, x),
  MOVI: (s, n, f, x) => movi(s, n, f.device!, f.event!, f.collection!, x),
  INT: (s, n, f, x) => deviceEvent(s, n, 'INT', f.device!, f.event!, x),
  CLEAR: (s, n, f, x) => deviceEvent(s, n, 'CLEAR', f.device!, f.event!, x),
  INV: (s, n, f, x) => deviceEvent(s, n, 'INV', f.device!, f.event!, x),
  DISCARD: (s, n, f, x) => deviceEvent(s, n, 'DISCARD', f.device!, f.event!, x),
  INVALL: (s, n, f, x) => invall(s, n, f.collection!, x),
  SYNC: (s, _n, f, x) => sync(s, f.target!, x),
  MOVALL: (s, n, f, x) => movall(s, n, f.from!, f.to!, x),
};

/** Run one decoded command; an unknown opcode, or a GICv4 command on an ITS with GITS_TYPER.Virtual = 0, is an error (choice.u27.unknown-opcode). */
export function runCommand(s: State, n: number, c: DecodedItsCommand, x: Exec): CmdOutcome[] {
  const h = c.name === null ? undefined : HANDLERS[c.name];
  // KVM invalidates the ITS's translation cache at these (QUIRKS.msiCachedWithoutDevid)
  if (s.msiCached.size > 0 && (c.name === 'MAPD' || c.name === 'MOVI' || c.name === 'DISCARD' || c.name === 'MOVALL' || (c.name === 'MAPC' && !c.fields.valid))) invalidateTranslations(s, n);
  if (h !== undefined) {
    // KVM's GICv4 (quirks only, State.vlpiOrphaned): the vLPIs a MAPC V = 0 leaves mapped where they were
    const orphans = c.name === 'MAPC' && !c.fields.valid ? forwardedVlpis(s, n) : [];
    // (freeing an ITE unmaps its vLPI: its_free_ite)
    if (s.vlpiOrphaned.size > 0 && (c.name === 'DISCARD' || c.name === 'MAPD')) s.vlpiOrphaned.clear();
    // KVM (quirks only, State.lpiKeptTarget): the shared LPIs whose ITE this command removes
    const removed = (c.name === 'DISCARD' || c.name === 'MAPD') && s.quirks.size > 0 ? removedShared(s, n, c.fields) : [];
    if (s.lpiKeptTarget.size > 0 && c.name !== null && c.name !== 'INT' && c.name !== 'CLEAR' && c.name !== 'INV' && c.name !== 'INVALL' && c.name !== 'SYNC') s.lpiKeptTarget.clear();
    const out = h(s, n, c.fields, x);
    for (const o of removed.length > 0 ? [...out] : []) {
      const keep = removed.filter((r) => { const t = iteTargetsOf(o.state, r.intid); return t.size > 0 && !t.has(r.rd); });
      const q = keep.length > 0 ? offerQuirk(o.state, QUIRKS.sharedLpiIgnoresEnableLpis) : null;
      if (q === null) continue;
      for (const r of keep) q.lpiKeptTarget.set(r.intid, r.rd);
      out.push({ state: q, error: o.error });
    }
    if (s.vlpiPending.size > 0 && (c.name === 'MOVI' || c.name === 'MOVALL' || (c.name === 'MAPC' && c.fields.valid))) {
      for (const o of out) vlpisFollowRetarget(o.state, c.name === 'MOVALL' ? c.fields : null);
    }
    for (const o of orphans.length > 0 ? out : []) {
      const now = forwardedVlpis(o.state, n, true);
      for (const v of orphans) if (now.some((w) => w.intid === v.intid && w.rd < 0)) o.state.vlpiOrphaned.set(v.intid, v.rd);
    }
    return out;
  }
  x.rule('choice.u27.unknown-opcode');
  return err(s, 'its.cmd.unknown.opcode');
}

/**
 * KVM (QUIRKS.sharedLpiIgnoresEnableLpis): the INTIDs another ITE also names whose ITE a DISCARD or
 * MAPD (fields `f`) removes, with that ITE's redistributor: KVM's one vgic_irq for the INTID may
 * target it (it does when that ITE created it: vgic_add_lpi returns an existing vgic_irq unchanged).
 */
function removedShared(s: State, n: number, f: DecodedItsCommand['fields']): { intid: number; rd: number }[] {
  const its = s.its[n]!;
  const dev = its.devices.get(f.device!);
  if (dev === undefined) return [];
  const ites = f.event === undefined ? [...dev.ites.values()] : [dev.ites.get(f.event)].filter((t) => t !== undefined);
  const out: { intid: number; rd: number }[] = [];
  for (const t of ites) {
    const rd = iteTarget(its, t!);
    if (rd >= 0 && mappedMoreThanOnce(s, t!.intid)) out.push({ intid: t!.intid, rd });
  }
  return out;
}

/** KVM's GICv4 (quirks only): the forwarded vLPIs of ITS n with their redistributor (-1: collection unmapped, with `evenUnmapped`). */
function forwardedVlpis(s: State, n: number, evenUnmapped = false): { intid: number; rd: number }[] {
  if (s.quirks.size === 0 || s.forwards.size === 0) return [];
  const out: { intid: number; rd: number }[] = [];
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi, evenUnmapped);
    if (v !== null && v.its === n && (evenUnmapped || v.rd >= 0)) out.push({ intid: v.intid, rd: v.rd });
  }
  return out;
}

/**
 * KVM's GICv4 (quirks only, State.vlpiPending): a retarget maps a forwarded vLPI to the new vCPU's
 * vPE (vgic-its.c update_affinity: its_map_vlpi, a VMOVI), and the pending state in the hardware
 * goes with it. MOVALL moves every LPI of the old vCPU (`movall`), whatever its collection says.
 */
function vlpisFollowRetarget(s: State, movall: DecodedItsCommand['fields'] | null): void {
  if (s.vlpiPending.size === 0) return;
  if (movall !== null) {
    for (const [intid, rd] of [...s.vlpiPending]) if (rd === movall.from && movall.to! < s.cfg.vcpus) s.vlpiPending.set(intid, movall.to!);
    return;
  }
  for (const gsi of s.forwards.values()) {
    const v = vlpiOfGsi(s, gsi, true);
    if (v !== null && v.rd >= 0 && s.vlpiPending.has(v.intid) && s.vlpiPending.get(v.intid) !== v.rd) s.vlpiPending.set(v.intid, v.rd);
  }
}

/** SYNC completes everything earlier commands did at that RD: choice.u44.in-flight-until-sync windows there close. */
function sync(s: State, rd: number, x: Exec): CmdOutcome[] {
  x.rule('its.cmd.sync.complete');
  // KVM: a retargeted LPI still queued on the old vCPU is not moved by the SYNC (QUIRKS.lpiRetargetNoRequeue)
  let stuck: State | null = null;
  if (s.lpiInFlight.size > 0 && [...s.lpiInFlight.values()].includes(rd)) stuck = offerQuirk(s, QUIRKS.lpiRetargetNoRequeue);
  const g = s.ghosts[rd];
  if (g !== undefined) for (const [k, v] of [...g]) if (k >= LPI_BASE && !(v & GHOST_NOT_ITS)) g.delete(k);
  if (s.lpiInFlight.size > 0) for (const [k, from] of [...s.lpiInFlight]) if (from === rd) { s.lpiInFlight.delete(k); s.lpiRepended.delete(k); }
  return stuck === null ? ok(s) : [...ok(s), { state: stuck, error: null }];
}

/** MAPD (IHI 0069 5.3 ITS commands): map/unmap a device; choice.u36.mapd-unmap-unmapped, choice.u37.mapd-with-ites. */
function mapd(s: State, n: number, d: number, size: number, itt: number, valid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!deviceInRange(s, its, d)) return err(s, 'its.cmd.mapd.device-oor');
  if (valid && size + 1 > eventBits(s)) return err(s, 'its.cmd.mapd.ittsize-oor');
  const old = its.devices.get(d);
  if (!valid && old === undefined) {
    // choice.u36.mapd-unmap-unmapped: no effect (option 0), or a command error (option 1)
    x.rule('choice.u36.mapd-unmap-unmapped');
    return forEachChoice(s, CHOICES.u36MapdUnmapUnmapped, () => {}).map(([st, o]) => ({ state: st, error: o === 1 ? 'choice.u36.mapd-unmap-unmapped' : null }));
  }
  x.rule(valid ? (old ? 'its.cmd.mapd.remap' : 'its.cmd.mapd.map') : 'its.cmd.mapd.unmap');
  const apply = (st: State, keepItes: boolean): void => {
    const it = st.its[n]!;
    if (!valid) it.devices.delete(d);
    else {
      const prev = it.devices.get(d);
      it.devices.set(d, { size, itt, ites: keepItes && prev ? prev.ites : new Map() });
    }
    st.itesChanged();
  };
  const dte = valid ? null : tableEntryAddr(s, its.baser[0]!, d);
  if (old === undefined || old.ites.size === 0) {
    apply(s, false);
    return clearEntry(ok(s), dte, x);
  }
  // choice.u37.mapd-with-ites: the device's ITEs are lost; their pending LPIs stay pending (option 0) or are lost (1);
  // a remap with the same ITT finds no ITEs (0) or the old ones again (1)
  x.rule('choice.u37.mapd-with-ites');
  const sameItt = valid === 1 && old.itt === itt;
  const out: CmdOutcome[] = [];
  for (const [st, keep] of (sameItt ? forEachChoice(s, CHOICES.u37RemapSameItt, () => {}) : [[s, 0] as [State, number]])) {
    if (keep === 1) {
      apply(st, true);
      out.push({ state: st, error: null });
      continue;
    }
    for (const [st2, lose] of forEachChoice(st, CHOICES.u37PendingOfLostItes, () => {})) {
      if (lose === 1) for (const ite of old.ites.values()) for (const p of st2.lpiPending) p.delete(ite.intid);
      apply(st2, false);
      out.push({ state: st2, error: null });
    }
  }
  // KVM's GICv4: freeing the device unmaps its forwarded vLPIs with their ITEs (its_free_ite:
  // its_unmap_vlpi, the pending state not read back), so theirs goes where a software LPI's stays
  // (QUIRKS.unforwardDropsVlpiPending: one candidate's choice.u37 no longer holds for every LPI)
  if (quirkEnabled(s, QUIRKS.unforwardDropsVlpiPending) && s.forwards.size > 0) {
    const vlpis = [...old.ites].filter(([e]) => isForwardedEvent(s, n, d, e)).map(([, t]) => t.intid);
    for (const o of vlpis.length > 0 ? out : []) {
      const st = o.state;
      let dropped = false;
      for (const intid of vlpis) {
        // the hardware copy; a software one next to it (QUIRKS.forwardedTranslationCached) stays
        if (st.vlpiPending.delete(intid)) dropped = true;
        else for (const p of st.lpiPending) if (p.delete(intid)) dropped = true;
      }
      if (dropped) noteQuirk(st, QUIRKS.unforwardDropsVlpiPending.id);
    }
  }
  return clearEntry(out, dte, x);
}

/**
 * A command that removes a mapping (MAPD V = 0, DISCARD) leaves no entry behind that a save
 * through the KVM ITS ABI could turn back into a mapping: the saved tables describe exactly the
 * mappings (Documentation/virt/kvm/devices/arm-vgic-its.rst, ITS table save/restore ABI). The
 * table memory is the ITS's, in an IMPDEF format, and a guest read of it is UNKNOWN (Arm IHI 0069,
 * the ITS tables), so the model clears the entry now, which no guest can tell from clearing it at the save.
 */
function clearEntry(outcomes: CmdOutcome[], addr: number | null, x: Exec): CmdOutcome[] {
  if (addr === null) return outcomes;
  for (const o of outcomes) {
    const st = o.state;
    if (!st.mem.inRam(addr, ENTRY_BYTES) || st.mem.read(addr, ENTRY_BYTES).every((b) => b === 0)) continue;
    x.rule('choice.u33.unmap-clears-entry');
    st.mem.write(addr, new Uint8Array(ENTRY_BYTES));
  }
  return outcomes;
}

/** A MAPC (re)maps or unmaps the whole collection: MOVALL retargets (choice.u47.movall-live-collections option 2) of its ITEs end. */
function endMovallRetargets(its: ItsState, icid: number): void {
  for (const dev of its.devices.values()) for (const q of dev.ites.values()) if (q.icid === icid && q.rd !== undefined) delete q.rd;
}

/** MAPC (IHI 0069 5.3 ITS commands): map/unmap a collection; choice.u40.mapc-retarget-pending, choice.u41.mapc-unmap-in-use, choice.u42.mapc-unmap-bad-rd. */
function mapc(s: State, n: number, icid: number, rd: number, valid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!collectionInRange(s, its, icid)) return err(s, 'its.cmd.mapc.collection-oor');
  if (!valid) {
    x.rule('its.cmd.mapc.unmap');
    dropPhantom(s, n, icid);
    let states: [State, string | null][] = [[s, null]];
    if (!rdExists(s, rd)) {
      // choice.u42.mapc-unmap-bad-rd: unmap anyway (option 0), or MAPC_PROCNUM_OOR with the collection left mapped (1)
      x.rule('choice.u42.mapc-unmap-bad-rd');
      states = forEachChoice(s, CHOICES.u42MapcUnmapBadRd, () => {}).map(([st, o]) => [st, o === 1 ? 'its.cmd.mapc.procnum-oor' : null]);
    }
    const out: CmdOutcome[] = [];
    for (const [st, error] of states) {
      if (error !== null) { out.push({ state: st, error }); continue; }
      const it = st.its[n]!;
      endMovallRetargets(it, icid);
      // choice.u41.mapc-unmap-in-use is about the ITEs that name the ICID, mapped or not (KVM: a MAPTI into a never-mapped
      // ICID creates an unmapped collection, which MAPC V = 0 then frees, detaching those ITEs)
      const users = [...it.devices.values()].some((dev) => [...dev.ites.values()].some((q) => q.icid === icid && !q.detached));
      if (!users) {
        it.collections.delete(icid);
        out.push({ state: st, error: null });
        continue;
      }
      // choice.u41.mapc-unmap-in-use: ITEs keep the ICID and work again after MAPC V = 1 (option 0), or are detached for good (1)
      x.rule('choice.u41.mapc-unmap-in-use');
      for (const [st2, det] of forEachChoice(st, CHOICES.u41MapcUnmapInUse, () => {})) {
        const it2 = st2.its[n]!;
        if (det === 1) for (const dev of it2.devices.values()) for (const q of dev.ites.values()) if (q.icid === icid) q.detached = true;
        it2.collections.delete(icid);
        out.push({ state: st2, error: null });
      }
    }
    return out;
  }
  if (!rdExists(s, rd)) return err(s, 'its.cmd.mapc.procnum-oor');
  const old = its.collections.get(icid);
  x.rule('its.cmd.mapc.map');
  dropPhantom(s, n, icid);
  // an ITE of the collection that sends its LPI elsewhere than the collection's RD (retargeted by
  // MOVALL, choice.u47.movall-live-collections; or, with kvm's quirks, a remap that reused a
  // vgic_irq with its old target, QUIRKS.u45DiscardedPendingAbsorbsRemap) has its pending state
  // there: the mapping moves it from there (KVM: update_affinity_collection retargets every ITE's
  // vgic_irq), as it moves the others' from the old RD
  const overridden = new Map<number, number>();
  if (old !== undefined) {
    for (const dev of its.devices.values()) {
      for (const q of dev.ites.values()) {
        if (q.icid === icid && !q.detached && q.rd !== undefined && q.rd !== old && q.rd !== rd && s.lpiPending[q.rd]!.has(q.intid)) overridden.set(q.intid, q.rd);
      }
    }
  }
  endMovallRetargets(its, icid);
  if (old !== undefined && (old !== rd || overridden.size > 0)) {
    const moving: number[] = [];
    // possibly pending there (choice.u17.baser-write-lpis-on and the like): that possibility moves alike
    const maybe: number[] = [];
    if (old !== rd) {
      for (const dev of its.devices.values()) {
        for (const q of dev.ites.values()) {
          if (q.icid !== icid || q.detached || overridden.has(q.intid)) continue;
          if (s.lpiPending[old]!.has(q.intid)) moving.push(q.intid);
          else if (s.lpiScoped.get(q.intid)?.has(old) === true) maybe.push(q.intid);
        }
      }
    }
    const fromOf = (intid: number): number => overridden.get(intid) ?? old;
    for (const intid of overridden.keys()) moving.push(intid);
    if (moving.length > 0 || maybe.length > 0) {
      // choice.u40.mapc-retarget-pending: pending LPIs of the collection stay at the old RD (option 0) or move with it (1)
      x.rule('choice.u40.mapc-retarget-pending');
      const out: CmdOutcome[] = [];
      for (const [st, move] of forEachChoice(s, CHOICES.u40MapcRetargetPending, (st) => { st.its[n]!.collections.set(icid, rd); })) {
        if (move !== 1) { out.push({ state: st, error: null }); continue; }
        for (const intid of maybe) {
          const scoped = st.lpiScoped.get(intid)!;
          scoped.delete(old);
          scoped.add(rd);
        }
        const stuck = retargetedWhileQueued(st, old, [...moving.filter((i) => fromOf(i) === old), ...heldAwayFrom(st, old)], moving.filter((i) => fromOf(i) !== old).map((i) => [i, fromOf(i)]));
        for (const z of stuck === null ? [st] : [st, stuck.state]) {
          for (const intid of moving) { z.lpiPending[fromOf(intid)]!.delete(intid); setLpiPending(z, rd, intid, x); }
          out.push({ state: z, error: null });
        }
        stuck?.inFlight(rd);
      }
      return out;
    }
  }
  its.collections.set(icid, rd);
  const stuck = old !== undefined && old !== rd ? retargetedWhileQueued(s, old, heldAwayFrom(s, old)) : null;
  if (stuck === null) return ok(s);
  stuck.inFlight(rd);
  return [...ok(s), { state: stuck.state, error: null }];
}

/** MAPTI / MAPI (IHI 0069 5.3 ITS commands); choice.u38.mapti-remap-event. */
function mapti(s: State, n: number, name: 'mapti' | 'mapi', d: number, e: number, intid: number, icid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!deviceInRange(s, its, d)) return err(s, `its.cmd.${name}.device-oor`);
  const dev = its.devices.get(d);
  if (dev === undefined) return err(s, `its.cmd.${name}.unmapped-device`);
  if (e >= 2 ** (dev.size + 1)) return err(s, `its.cmd.${name}.id-oor`);
  const rangeError = name === 'mapi' ? 'its.cmd.mapi.id-oor' : 'its.cmd.mapti.physicalid-oor';
  const range = lpiRangeCheck(s, intid);
  if (range === 'out') return err(s, rangeError);
  if (!collectionInRange(s, its, icid)) return err(s, `its.cmd.${name}.collection-oor`);
  if (range === 'both') {
    // choice.u17.baser-write-lpis-on/choice.u22.propbaser-mismatch: with the redistributors' ID ranges disagreeing, the ITS checks against the wider
    // (option 0) or the narrower one (1); held, as an implementation takes its range from one place
    x.rule('choice.u22.propbaser-mismatch');
    return forEachChoice(s, CHOICES.u22MaptiRange, () => {}).flatMap(([st, o]) => (o === 0 ? maptiInRange(st, n, d, e, intid, icid, name, x) : err(st, rangeError)));
  }
  // KVM checks the INTID against the one GICR_PROPBASER it keeps for the VM: never written, it
  // admits no LPI (QUIRKS.maptiNeedsPropbaser)
  const rejected = s.propbaser.every((p) => p === 0n) ? offerQuirk(s, QUIRKS.maptiNeedsPropbaser) : null;
  const out = maptiInRange(s, n, d, e, intid, icid, name, x);
  return rejected === null ? out : [...out, ...err(rejected, rangeError)];
}

/** MAPTI/MAPI once every check passed: the ITE (choice.u38.mapti-remap-event when the EventID already has one). */
function maptiInRange(s: State, n: number, d: number, e: number, intid: number, icid: number, name: 'mapti' | 'mapi', x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  const dev = its.devices.get(d)!;
  x.rule(`its.cmd.${name}.map`);
  if (!its.collections.has(icid)) x.rule('its.cmd.mapti.unmapped-collection-ok');
  if (dev.ites.has(e)) {
    // choice.u38.mapti-remap-event: the old mapping is kept (option 0) or replaced (1)
    x.rule('choice.u38.mapti-remap-event');
    return forEachChoice(s, CHOICES.u38MaptiRemapEvent, (st, replace) => {
      if (replace === 1) {
        st.its[n]!.devices.get(d)!.ites.set(e, { intid, icid, detached: false });
        st.itesChanged();
        if (mappedToSeveralRds(st, intid)) scopeSharedLpi(st, intid, x);
      }
    }).map(([st]) => ({ state: st, error: null }));
  }
  const reused = orphanReusedByMap(s, n, intid, icid);
  const absorbed = reused?.state ?? null;
  // KVM allocates an unmapped collection object for a new ITE's unknown ICID (QUIRKS.phantomCollectionRestoreEexist)
  if (!its.collections.has(icid)) { addPhantom(s, n, icid); if (absorbed !== null) addPhantom(absorbed, n, icid); }
  dev.ites.set(e, { intid, icid, detached: false });
  s.itesChanged();
  if (mappedToSeveralRds(s, intid)) scopeSharedLpi(s, intid, x);
  const consumed = pendingBitConsumedAtMap(s, n, intid, icid, x);
  const out = consumed === null ? ok(s) : [...ok(s), { state: consumed, error: null }];
  if (absorbed !== null) {
    // the reused vgic_irq's target stays where it was (an ITE retargeted like MOVALL's, choice.u47)
    absorbed.its[n]!.devices.get(d)!.ites.set(e, { intid, icid, detached: false, rd: reused!.from });
    absorbed.itesChanged();
    out.push({ state: absorbed, error: null });
  }
  return out;
}

/**
 * KVM (QUIRKS.u45DiscardedPendingAbsorbsRemap): an LPI whose ITE went (DISCARD, MAPD V = 0) while
 * its vgic_irq stayed alive on a vCPU's ap_list (still pending, choice.u45.discard-pending's quirk
 * or choice.u37.mapd-with-ites, or taken there since that vCPU last exited, State.apListHeld) is
 * reused as it is by a MAPTI/MAPI of that INTID (vgic_add_lpi): it keeps its old target vCPU, so
 * the new ITE's redistributor does not get it (an INT meanwhile adds nothing) until a MOVI or a
 * MAPC of the collection retargets it. The quirk's candidate (a clone of `s` before the mapping)
 * and the old target, for the caller to give the new ITE; or null.
 */
function orphanReusedByMap(s: State, n: number, intid: number, icid: number): { state: State; from: number } | null {
  if (s.quirks.size === 0) return null;
  const rd = s.its[n]!.collections.get(icid);
  if (rd === undefined || !s.enableLpis[rd] || s.lpiPending[rd]!.has(intid)) return null;
  let from = -1;
  for (let r = 0; r < s.cfg.vcpus && from < 0; r++) if (r !== rd && s.lpiPending[r]!.has(intid)) from = r;
  if (from < 0 && s.apListHeld.size > 0) {
    const held = s.apListHeld.get(intid);
    if (held !== undefined && held !== rd) from = held;
  }
  if (from < 0 || iteTargetsOf(s, intid).has(from)) return null;
  const q = offerQuirk(s, QUIRKS.u45DiscardedPendingAbsorbsRemap);
  return q === null ? null : { state: q, from };
}

/**
 * choice.u39.intid-two-ites matters only when the ITEs naming an INTID disagree on its RD (or one has no RD), or the LPI
 * is pending elsewhere: two events sending the same LPI to the RD where it is pending leave its
 * pending state well defined.
 */
function mappedToSeveralRds(s: State, intid: number): boolean {
  if (!mappedMoreThanOnce(s, intid)) return false;
  const targets = iteTargetsOf(s, intid);
  if (targets.size > 1 || targets.has(-1)) return true;
  const rd = targets.size === 1 ? targets.values().next().value! : null;
  // one RD for every ITE: still in scope when the LPI is (or may be) pending at another RD
  for (let r = 0; r < s.cfg.vcpus; r++) if (r !== rd && s.lpiPending[r]!.has(intid)) return true;
  const scoped = s.lpiScoped.get(intid);
  if (scoped !== undefined) for (const r of scoped) if (r !== rd) return true;
  return false;
}

/**
 * Whether `intid` is in the LPI range MAPTI/MAPI check (PHYSICALID_OOR; IHI 0069 5.5 ITS command error encodings: IDbits from
 * PROPBASER). `both` when the redistributors' PROPBASER.IDbits disagree (a PROPBASER write with
 * LPIs on, choice.u17.baser-write-lpis-on, or different values, choice.u22.propbaser-mismatch): which range the ITS uses is then open.
 */
function lpiRangeCheck(s: State, intid: number): 'in' | 'out' | 'both' {
  if (intid < LPI_BASE) return 'out';
  let inRange = false;
  let outOfRange = false;
  let programmed = false;
  for (let rd = 0; rd < s.cfg.vcpus; rd++) {
    if (s.propbaser[rd] === 0n) continue;
    programmed = true;
    if (lpiInRange(s, rd, intid)) inRange = true;
    else outOfRange = true;
  }
  if (!programmed) return intid < 2 ** 16 ? 'in' : 'out';
  return inRange && outOfRange ? 'both' : inRange ? 'in' : 'out';
}

/**
 * KVM (QUIRKS.pendingTableConsumedAtMap): creating the LPI reads its pending bit from the target
 * redistributor's pending table and clears it in memory, whether that redistributor has LPIs on or
 * off (vgic_v3_lpi_sync_pending_status does not look at EnableLPIs). With LPIs off the later
 * EnableLPIs then finds it clear; with LPIs on a bit left set in the table (by
 * SAVE_PENDING_TABLES, for an LPI since taken) makes the new LPI pending again. The quirk's
 * candidate (a clone of `s`), or null.
 */
function pendingBitConsumedAtMap(s: State, n: number, intid: number, icid: number, x: Exec): State | null {
  const rd = s.its[n]!.collections.get(icid);
  if (rd === undefined || s.quirks.size === 0) return null;
  const addr = pendBase(s, rd) + (intid >> 3);
  if (!s.mem.inRam(addr, 1)) return null;
  const byte = s.mem.read(addr, 1)[0]!;
  if (!(byte & (1 << (intid & 7)))) return null;
  const q = offerQuirk(s, QUIRKS.pendingTableConsumedAtMap);
  if (q === null) return null;
  q.mem.write(addr, Uint8Array.of(byte & ~(1 << (intid & 7))));
  if (q.enableLpis[rd]) {
    if (canHoldLpi(q, rd, intid)) setLpiPending(q, rd, intid, x);
    return q;
  }
  // the latch it took is queued to that vCPU at once (vgic_queue_irq_unlock), LPIs off or not:
  // the vCPU may take it while its EnableLPIs is 0
  if (propVersions(q, rd, intid).some((b) => (b & 1) !== 0)) q.lpiQueuedLpisOff.set(intid, rd);
  return q;
}

/**
 * KVM (QUIRKS.sharedLpiIgnoresEnableLpis): one INTID named by several ITEs is one vgic_irq, whose
 * target stays the vCPU of the ITE that created it; a delivery (INT, or an MSI) through another ITE
 * checks only that ITE's redistributor, so the LPI may be queued at a redistributor whose EnableLPIs is 0.
 * The quirk's candidate (a clone of `s`, with the LPI takeable there), or null.
 */
export function sharedLpiAtRdWithLpisOff(s: State, rd: number, intid: number): State | null {
  if (s.quirks.size === 0 || !s.enableLpis[rd] || !mappedMoreThanOnce(s, intid)) return null;
  const off = [...iteTargetsOf(s, intid)].filter((r) => r >= 0 && r !== rd && !s.enableLpis[r]);
  if (off.length === 0) return null;
  const q = offerQuirk(s, QUIRKS.sharedLpiIgnoresEnableLpis);
  if (q === null) return null;
  for (const r of off) q.lpiQueuedLpisOff.set(intid, r);
  return q;
}

/** MOVI (IHI 0069 5.3 ITS commands): retarget an ITE, moving a pending LPI; choice.u43.movi-lpis-off, choice.u46.unmapped-collection-cmd. */
function movi(s: State, n: number, d: number, e: number, icid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  const r = resolve(s, n, 'movi', d, e);
  if (typeof r === 'string') return err(s, r);
  if (!collectionInRange(s, its, icid)) return err(s, 'its.cmd.movi.collection-oor');
  const to = its.collections.get(icid);
  if (to === undefined) return err(s, 'its.cmd.movi.unmapped-collection');
  const from = iteTarget(its, r.ite);
  if (from < 0) {
    x.rule('choice.u46.unmapped-collection-cmd');
    return err(s, 'its.cmd.movi.unmapped-collection');
  }
  x.rule('its.cmd.movi.retarget');
  const intid = r.ite.intid;
  const setIte = (st: State): void => {
    const t = st.its[n]!.devices.get(d)!.ites.get(e)!;
    t.icid = icid;
    t.detached = false;
    delete t.rd;
  };
  if (from === to || !s.lpiPending[from]!.has(intid)) {
    // KVM: an LPI acknowledged at the old RD and not yet EOId is still in that vCPU's list register,
    // so its vgic_irq stays on that ap_list: made pending again, it reaches the new RD only when
    // that vCPU next exits (QUIRKS.lpiRetargetNoRequeue)
    // (and so is one taken there since that vCPU last exited, State.apListHeld)
    const onOldList = s.ackStack[from]!.some((a) => (a & 0xffffff) === intid) || (s.apListHeld.size > 0 && s.apListHeld.get(intid) === from);
    const held = from !== to && onOldList ? offerQuirk(s, QUIRKS.lpiRetargetNoRequeue) : null;
    // an LPI only possibly pending at the old RD (choice.u17.baser-write-lpis-on and the like) is possibly pending at the new one,
    // and, as a pending one, may still be taken at the old one until a SYNC (choice.u44.in-flight-until-sync)
    const moveScope = (st: State): void => {
      const scoped = from === to ? undefined : st.lpiScoped.get(intid);
      if (!scoped?.delete(from)) return;
      scoped.add(to);
      const b = propVersions(st, from, intid)[0]!;
      if (b & 1) {
        st.ghosts[from]!.set(intid, (b & 0xfc) | (1 << 8));
        x.rule('choice.u44.in-flight-until-sync');
      }
    };
    setIte(s);
    moveScope(s);
    if (held === null) return ok(s);
    setIte(held);
    moveScope(held);
    held.lpiInFlight.set(intid, from);
    return [...ok(s), ...ok(held)];
  }
  x.rule('its.cmd.movi.moves-pending');
  if (!canHoldLpi(s, to, intid)) {
    // choice.u43.movi-lpis-off: the target RD cannot take it (LPIs off, or outside its ID range): the pending state is
    // dropped (option 0), kept at the old RD (1), or moved (2)
    x.rule('choice.u43.movi-lpis-off');
    // KVM only retargets the vgic_irq (update_affinity); the old vCPU's next exit moves it to the
    // new one, which takes it although its EnableLPIs is 0 (QUIRKS.retargetQueuesLpiWhileLpisOff)
    const q = !s.enableLpis[to] ? offerQuirk(s, QUIRKS.retargetQueuesLpiWhileLpisOff) : null;
    const out = forEachChoice(s, CHOICES.u43MoveToRdThatCannotHold, (st, o) => {
      setIte(st);
      if (o === 1) return;
      st.lpiPending[from]!.delete(intid);
      if (o === 2) st.lpiPending[to]!.add(intid);
    }).map(([st]) => ({ state: st, error: null }));
    if (q !== null) {
      setIte(q);
      leaveLpiGhost(q, from, intid, x);
      q.lpiPending[from]!.delete(intid);
      q.lpiQueuedLpisOff.set(intid, to);
      out.push({ state: q, error: null });
    }
    return out;
  }
  setIte(s);
  leaveLpiGhost(s, from, intid, x);
  s.lpiPending[from]!.delete(intid);
  s.lpiPending[to]!.add(intid);
  // choice.u44.in-flight-until-sync: until a SYNC to the old RD the new RD may not have it yet (KVM: it stays queued to the old vCPU)
  s.lpiInFlight.set(intid, from);
  return ok(s);
}

/** INT, CLEAR, INV, DISCARD (IHI 0069 5.3 ITS commands); choice.u45.discard-pending, choice.u46.unmapped-collection-cmd. */
function deviceEvent(s: State, n: number, name: 'INT' | 'CLEAR' | 'INV' | 'DISCARD', d: number, e: number, x: Exec): CmdOutcome[] {
  const cmd = name.toLowerCase();
  const its = s.its[n]!;
  const r = resolve(s, n, cmd, d, e);
  if (typeof r === 'string') return err(s, r);
  const intid = r.ite.intid;
  const rd = iteTarget(its, r.ite);
  if (rd < 0) {
    // choice.u46.unmapped-collection-cmd: a command error with an IMPDEF code. CLEAR and INV succeeding anyway is KVM's behaviour
    // (vgic_its_cmd_handle_clear / _inv do not check the collection), not a permitted option.
    x.rule('choice.u46.unmapped-collection-cmd');
    const code = `its.cmd.${cmd}.unmapped-interrupt`;
    if (name === 'CLEAR' || name === 'INV') {
      // the quirk option (KVM) is open only with that quirk enabled
      return forEachChoice(s, CHOICES.u46UnmappedCollection, (st, succeed) => {
        if (succeed !== 1) return;
        if (name === 'CLEAR') for (const p of st.lpiPending) p.delete(intid);
        else invalidateLpi(st, intid);
      }, cmd).map(([st, o]) => ({ state: st, error: o === 1 ? null : code }));
    }
    return err(s, code);
  }
  switch (name) {
    case 'INT': {
      x.rule('its.cmd.int.pend');
      // KVM's INT resolves like an MSI, which fills the translation cache (QUIRKS.msiCachedWithoutDevid),
      // except for a vLPI (vgic_its_cache_translation)
      const forwarded = s.quirks.size > 0 && isForwardedEvent(s, n, d, e);
      if (s.enableLpis[rd] && !forwarded) cacheTranslation(s, n, d, e);
      // KVM's GICv4: an INT of a forwarded event sets the vLPI pending in the hardware
      // (vgic_its_trigger_msi), next to a software latch a cached MSI translation set before
      // (State.lpiSoftLatch): the LPI is taken twice (QUIRKS.forwardedTranslationCached)
      const twice = forwarded && s.lpiPending[rd]!.has(intid) && s.lpiSoftLatch.has(intid) && s.vlpiPending.get(intid) !== rd
        ? offerQuirk(s, QUIRKS.forwardedTranslationCached) : null;
      twice?.vlpiPending.set(intid, rd);
      const moved = retargetedToRdWithLpisOff(s, n, r.ite);
      const q = sharedLpiAtRdWithLpisOff(s, rd, intid);
      setLpiPending(s, rd, intid, x);
      const extra = [...(moved === null ? [] : ok(moved)), ...(twice === null ? [] : ok(twice))];
      if (q === null) return [...ok(s), ...extra];
      setLpiPending(q, rd, intid, x);
      return [...ok(s), ...ok(q), ...extra];
    }
    case 'CLEAR': {
      x.rule('its.cmd.clear.unpend');
      // KVM: CLEAR clears the latch only; an LPI already in a vCPU's list register stays pending
      // there (QUIRKS.clearLeavesLrPending); so does one only possibly pending (an INTID that two
      // ITEs name, choice.u39.intid-two-ites), which KVM holds as one vgic_irq, pending for certain
      const pendingHere = s.lpiPending[rd]!.has(intid) || s.lpiScoped.get(intid)?.has(rd) === true;
      const q = pendingHere ? offerQuirk(s, QUIRKS.clearLeavesLrPending) : null;
      leaveLpiGhost(s, rd, intid, x);
      s.lpiPending[rd]!.delete(intid);
      s.lpiScoped.get(intid)?.delete(rd);
      return q === null ? ok(s) : [...ok(s), ...ok(q)];
    }
    case 'INV': {
      x.rule('its.cmd.inv.reload');
      if (s.lpiStale.has(intid)) x.rule('lpi.prop.inv-sync');
      const lr = invLeavesLrPriority(s, [intid]);
      invalidateLpi(s, intid);
      const q = invQueuesKeptLpis(s, [intid]);
      return [...ok(s), ...(q === null ? [] : ok(q)), ...(lr === null ? [] : ok(lr))];
    }
    case 'DISCARD': {
      x.rule('its.cmd.discard.unmap');
      // choice.u45.discard-pending: the pending state is removed (after the SYNC that completes the
      // DISCARD the LPI is not taken; before it, choice.u44.in-flight-until-sync). KVM leaving it
      // queued is a quirk option, open only with that quirk enabled.
      const discard = (st: State, keepPending: boolean): void => {
        if (!keepPending) {
          leaveLpiGhost(st, rd, intid, x);
          st.lpiPending[rd]!.delete(intid);
        }
        st.its[n]!.devices.get(d)!.ites.delete(e);
        st.itesChanged();
      };
      const iteAddr = s.its[n]!.devices.get(d)!.itt + e * ENTRY_BYTES;
      // KVM's GICv4 (quirks only): a forwarded vLPI's pending state lives in the hardware, and
      // freeing the ITE unmaps the vLPI with it (its_free_ite: its_unmap_vlpi): removed, as the
      // architecture says, whatever KVM does with a software LPI's (the choice stays open). A
      // software latch a cached injection set (State.lpiSoftLatch) is a software LPI's.
      const forwarded = s.quirks.size > 0 && isForwardedEvent(s, n, d, e);
      if (!s.lpiPending[rd]!.has(intid) || (forwarded && !s.lpiSoftLatch.has(intid))) {
        discard(s, false);
        if (s.vlpiPending.get(intid) === rd) s.vlpiPending.delete(intid);
        return clearEntry(ok(s), iteAddr, x);
      }
      x.rule('choice.u45.discard-pending');
      return clearEntry(forEachChoice(s, CHOICES.u45DiscardPending, (st, keep) => {
        discard(st, keep === 1);
        if (!forwarded) return;
        if (st.vlpiPending.get(intid) === rd) st.vlpiPending.delete(intid);
        if (keep !== 1) st.lpiSoftLatch.delete(intid);
      }).map(([st]) => ({ state: st, error: null })), iteAddr, x);
    }
  }
}

/**
 * KVM (QUIRKS.retargetQueuesLpiWhileLpisOff): an ITE that a MOVALL retargeted (choice.u47.movall-live-collections option 2:
 * KVM's update_affinity of every LPI of RD1) while its collection still names a redistributor with
 * LPIs on: an INT or MSI passes KVM's check, made on the collection's redistributor
 * (vgic_its_resolve_lpi), and queues the LPI at its target vCPU, whose EnableLPIs is 0. The quirk's
 * candidate with the LPI delivered there, or null.
 */
export function retargetedToRdWithLpisOff(s: State, n: number, ite: { intid: number; icid: number; rd?: number }): State | null {
  if (s.quirks.size === 0 || ite.rd === undefined || s.enableLpis[ite.rd]) return null;
  const coll = s.its[n]!.collections.get(ite.icid);
  if (coll === undefined || !s.enableLpis[coll]) return null;
  const q = offerQuirk(s, QUIRKS.retargetQueuesLpiWhileLpisOff);
  q?.lpiQueuedLpisOff.set(ite.intid, ite.rd);
  return q;
}

/** INVALL (IHI 0069 5.3 ITS commands): re-read the configuration of the collection's LPIs (choice.u48.invall-scope: may do more). */
function invall(s: State, n: number, icid: number, x: Exec): CmdOutcome[] {
  const its = s.its[n]!;
  if (!collectionInRange(s, its, icid)) return err(s, 'its.cmd.invall.collection-oor');
  if (!its.collections.has(icid)) return err(s, 'its.cmd.invall.unmapped-collection');
  x.rule('its.cmd.invall.reload');
  if (s.lpiStale.size > 0) { x.rule('lpi.prop.inv-sync'); x.rule('choice.u48.invall-scope'); }
  const intids: number[] = [];
  // the collection's LPIs a MOVALL retargeted away from its redistributor (choice.u47 option 2)
  const movedAway: number[] = [];
  for (const dev of its.devices.values()) for (const t of dev.ites.values()) {
    if (t.icid !== icid || t.detached) continue;
    intids.push(t.intid);
    if (t.rd !== undefined && t.rd !== its.collections.get(icid)) movedAway.push(t.intid);
  }
  const lr = invLeavesLrPriority(s, intids);
  const byTarget = invallSkipsMovedAway(s, movedAway);
  if (byTarget !== null) {
    const skipped = new Set(movedAway);
    for (const intid of intids) if (!skipped.has(intid)) invalidateLpi(byTarget, intid);
  }
  for (const intid of intids) invalidateLpi(s, intid);
  // KVM's vgic_its_invall reloads every LPI that targets the collection's vCPU, whatever its
  // collection or ITS (update_lpi_config with that vCPU as filter): the quirk's reach
  const rd = its.collections.get(icid)!;
  const others: number[] = [];
  if (s.lpiKeptLpisOff.size > 0) {
    for (const it of s.its) for (const dev of it.devices.values()) for (const t of dev.ites.values()) {
      if (!t.detached && iteTarget(it, t) === rd && !intids.includes(t.intid) && !others.includes(t.intid)) others.push(t.intid);
    }
  }
  const q = invQueuesKeptLpis(s, [...intids, ...others]);
  if (q !== null) for (const intid of others) invalidateLpi(q, intid);
  return [...ok(s), ...(q === null ? [] : ok(q)), ...(lr === null ? [] : ok(lr)), ...(byTarget === null ? [] : ok(byTarget))];
}

/**
 * KVM (QUIRKS.invallByTargetVcpu): vgic_its_invall reloads the LPIs that target the collection's
 * vCPU; one of the collection that a MOVALL retargeted to another vCPU keeps its cached
 * configuration. The quirk's candidate (a clone of `s` before the invalidation), or null when no
 * such LPI has a configuration a cache could still hold.
 */
function invallSkipsMovedAway(s: State, movedAway: readonly number[]): State | null {
  if (s.quirks.size === 0 || s.lpiStale.size === 0 || !movedAway.some((intid) => s.lpiStale.has(intid))) return null;
  return offerQuirk(s, QUIRKS.invallByTargetVcpu);
}

/**
 * KVM (QUIRKS.invLeavesLrPriority): INV/INVALL update the vgic_irq of an LPI pending in a running
 * vCPU's list register but not the list register, and nothing makes that vCPU exit: it may still
 * take the LPI with the configuration it had. The quirk's candidate (a clone of `s` before the
 * invalidation, which it skips), or null.
 */
function invLeavesLrPriority(s: State, intids: readonly number[]): State | null {
  if (s.quirks.size === 0 || s.lpiStale.size === 0) return null;
  const pendingStale = intids.some((intid) => s.lpiStale.has(intid) && s.lpiPending.some((p) => p.has(intid)));
  return pendingStale ? offerQuirk(s, QUIRKS.invLeavesLrPriority) : null;
}

/**
 * KVM (QUIRKS.invQueuesLpiWhileLpisOff): INV and INVALL re-read the configuration of each LPI
 * (update_lpi_config) and queue it when it is pending and enabled; an LPI that was pending when its
 * redistributor's EnableLPIs was cleared kept its latch (vgic_flush_pending_lpis), so it is queued
 * at that vCPU although its LPIs are off. The quirk's candidate (a clone of `s`), or null.
 */
function invQueuesKeptLpis(s: State, intids: readonly number[]): State | null {
  if (s.lpiKeptLpisOff.size === 0) return null;
  const hits: [number, number][] = [];
  for (const intid of intids) {
    const rd = s.lpiKeptLpisOff.get(intid);
    if (rd === undefined || s.enableLpis[rd] || s.lpiQueuedLpisOff.get(intid) === rd || !iteTargetsOf(s, intid).has(rd)) continue;
    if (propVersions(s, rd, intid).some((b) => (b & 1) !== 0)) hits.push([intid, rd]);
  }
  if (hits.length === 0) return null;
  const q = offerQuirk(s, QUIRKS.invQueuesLpiWhileLpisOff);
  if (q === null) return null;
  for (const [intid, rd] of hits) q.lpiQueuedLpisOff.set(intid, rd);
  return q;
}

/** MOVALL (IHI 0069 5.3 ITS commands): move every pending LPI of RD1 to RD2; choice.u47.movall-live-collections. */
function movall(s: State, n: number, from: number, to: number, x: Exec): CmdOutcome[] {
  if (!rdExists(s, from) || !rdExists(s, to)) return err(s, 'its.cmd.movall.procnum-oor');
  if (from === to) {
    x.rule('its.cmd.movall.same-rd');
    return ok(s);
  }
  x.rule('its.cmd.movall.moves-pending');
  let states = [s];
  // the collections of every ITS: MOVALL is the redistributors' operation, whichever ITS carries it
  const live = s.its.some((it) => [...it.collections.values()].includes(from));
  if (live) {
    // choice.u47.movall-live-collections: collections still naming RD1 keep sending there (option 0), or now go to RD2: the
    // collections are remapped (1), or every LPI that targets RD1 is retargeted to RD2 with the
    // collections unchanged (2, KVM: a later MOVI moves the pending state from RD2)
    x.rule('choice.u47.movall-live-collections');
    states = forEachChoice(s, CHOICES.u47MovallLiveCollections, (st, o) => {
      if (o === 1) for (const it of st.its) for (const [c, rd] of it.collections) if (rd === from) it.collections.set(c, to);
      if (o === 2) for (const it of st.its) for (const dev of it.devices.values()) for (const t of dev.ites.values()) if (iteTarget(it, t) === from) t.rd = to;
    }).map(([st]) => st);
  }
  let stranded = false;
  for (const intid of s.lpiPending[from]!) if (!canHoldLpi(s, to, intid)) stranded = true;
  for (const intid of possiblyPendingAt(s, from)) if (!canHoldLpi(s, to, intid)) stranded = true;
  const out: CmdOutcome[] = [];
  for (const st of states) {
    if (!stranded) {
      const stuck = retargetedWhileQueued(st, from, [...st.lpiPending[from]!, ...heldAwayFrom(st, from)]);
      movePending(st, from, to, 0, x);
      out.push({ state: st, error: null });
      if (stuck !== null) {
        movePending(stuck.state, from, to, 0, x);
        stuck.inFlight(to);
        out.push({ state: stuck.state, error: null });
      }
      continue;
    }
    // choice.u43.movi-lpis-off, as for MOVI: what RD2 cannot take is dropped (0), stays at RD1 (1), or moves anyway (2)
    x.rule('choice.u43.movi-lpis-off');
    for (const [z] of forEachChoice(st, CHOICES.u43MoveToRdThatCannotHold, (z, o) => movePending(z, from, to, o, x))) out.push({ state: z, error: null });
  }
  return out;
}

/**
 * KVM (QUIRKS.lpiRetargetNoRequeue): MOVALL and a MAPC retarget change only the LPIs' target vCPU;
 * one already queued on the old vCPU stays there until that vCPU's next exit, so it may still be
 * taken there and may not have reached the new redistributor yet, even after a SYNC. The quirk's
 * candidate (a clone of `s`, before the move) with the old RD's ghosts of `intids`; after the move,
 * `inFlight(to)` marks those now pending at `to`, and those still on the old vCPU's ap_list
 * (State.apListHeld: made pending later, they wait there too), as not arrived yet. `elsewhere`:
 * LPIs queued on another vCPU than `from`'s, each with its RD. Null without the quirk.
 */
function retargetedWhileQueued(s: State, from: number, intids: readonly number[], elsewhere: readonly [number, number][] = []): { state: State; inFlight(to: number): void } | null {
  if ((intids.length === 0 && elsewhere.length === 0) || !quirkEnabled(s, QUIRKS.lpiRetargetNoRequeue)) return null;
  const st = offerQuirk(s, QUIRKS.lpiRetargetNoRequeue)!;
  const all: [number, number][] = [...intids.map((i): [number, number] => [i, from]), ...elsewhere];
  for (const [intid, rd] of all) leaveLpiGhost(st, rd, intid, null);
  return {
    state: st,
    inFlight(to: number): void {
      for (const [intid, rd] of all) if (st.lpiPending[to]!.has(intid) || st.apListHeld.get(intid) === rd) st.lpiInFlight.set(intid, rd);
    },
  };
}

/**
 * KVM (State.apListHeld): the LPIs taken on `from`'s vCPU, still on its ap_list, that no ITE routes
 * to `from` any more (a retarget just moved them away).
 */
function heldAwayFrom(s: State, from: number): number[] {
  const out: number[] = [];
  if (s.apListHeld.size === 0) return out;
  for (const [intid, cpu] of s.apListHeld) if (cpu === from && intid >= LPI_BASE && !iteTargetsOf(s, intid).has(from)) out.push(intid);
  return out;
}

/**
 * MOVALL's move of RD1's pending LPIs to RD2; `u43` for those RD2 cannot take (see movall). An LPI
 * only possibly pending at RD1 (choice.u17.baser-write-lpis-on and the like) is possibly pending at
 * RD2 afterwards: MOVALL moves whatever pending state RD1 holds (IHI 0069 5.3 MOVALL), so the
 * possibility moves with it, as MOVI's does.
 */
function movePending(s: State, from: number, to: number, u43: number, x: Exec): void {
  const stay: number[] = [];
  for (const intid of s.lpiPending[from]!) {
    if (canHoldLpi(s, to, intid)) setLpiPending(s, to, intid, x);
    else if (u43 === 1) stay.push(intid);
    else if (u43 === 2) s.lpiPending[to]!.add(intid);
  }
  s.lpiPending[from]!.clear();
  for (const intid of stay) s.lpiPending[from]!.add(intid);
  for (const intid of possiblyPendingAt(s, from)) {
    if (u43 === 1 && !canHoldLpi(s, to, intid)) continue;
    const scoped = s.lpiScoped.get(intid)!;
    scoped.delete(from);
    if (u43 !== 0 || canHoldLpi(s, to, intid)) scoped.add(to);
    if (scoped.size === 0) s.lpiScoped.delete(intid);
  }
}

/** The LPIs possibly pending at `rd` (State.lpiScoped). */
function possiblyPendingAt(s: State, rd: number): number[] {
  const out: number[] = [];
  if (s.lpiScoped.size === 0) return out;
  for (const [intid, rds] of s.lpiScoped) if (rds.has(rd)) out.push(intid);
  return out;
}
