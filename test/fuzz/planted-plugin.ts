// Detection self-test (brief: "faults planted through test-only wrappers around the kvm target,
// never in its product code"). Each target here is the real `kvm` target with one fault planted
// from outside; the oracle is the reference model's. Used by test/fuzz/selftest.test.ts and
// usable with `gicdiff fuzz --plugin test/fuzz/planted-plugin.ts --target kvm-drop-inv`.
import type { ItsCommand, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import type { Target, TargetSession } from '../../spec/target.js';
import { modelOracle } from '../../triage/runner.js';
import { kvm, planted } from './plant.js';

/** A kvm session whose ops pass through `rewrite` first (the oracle still sees the original op). */
function rewriting(name: string, description: string, rewrite: (op: PrimitiveOp) => PrimitiveOp): Target {
  return planted(name, description, (s, op) => s.step(rewrite(op)));
}

function mapCmds(op: PrimitiveOp, f: (c: ItsCommand) => ItsCommand[]): PrimitiveOp {
  if (op.op !== 'its.cmd') return op;
  const cmds = op.cmds.flatMap(f);
  // an its.cmd needs at least one command: a lone dropped INV becomes a SYNC (a no-op here)
  return { ...op, cmds: (cmds.length ? cmds : [{ cmd: 'SYNC', target: 0 }]) as [ItsCommand, ...ItsCommand[]] };
}

/** Fault 1: INV is dropped (the LPI's cached configuration is never re-read). */
export const dropInv = rewriting('kvm-drop-inv', 'kvm with INV commands dropped', (op) => mapCmds(op, (c) => (c.cmd === 'INV' ? [] : [c])));

/** Fault 2: MOVI forgets the interrupt's pending state. */
export const moviForgets = rewriting('kvm-movi-forget', 'kvm whose MOVI loses the pending state', (op) =>
  mapCmds(op, (c) => (c.cmd === 'MOVI' ? [c, { cmd: 'CLEAR', device: c.device, event: c.event }] : [c])));

interface CacheLike { insert(devid: number, eventid: number, irq: unknown): void }

/** Fault 3: the translation cache stores an entry under (DeviceID, EventID + 1). */
export const cacheOffByOne: Target = (() => {
  const base = kvm();
  const patched = new WeakSet<object>();
  const plant = (session: TargetSession): void => {
    // reach the per-ITS caches from outside (test-only): session.vm.dist.its.vm.its[n].cache
    const itsOps = (session as unknown as { vm?: { dist?: { its?: { vm?: { its?: { cache?: CacheLike }[] } } } } }).vm?.dist?.its;
    for (const its of itsOps?.vm?.its ?? []) {
      const cache = its.cache;
      if (!cache || patched.has(cache)) continue;
      const insert = cache.insert.bind(cache);
      cache.insert = (devid, eventid, irq) => insert(devid, eventid + 1, irq);
      patched.add(cache);
    }
  };
  return {
    ...base,
    name: 'kvm-cache-off-by-one',
    description: 'kvm whose LPI translation cache key is off by one',
    supports: (op, config) => base.supports(op, config),
    open(config: ResolvedConfig): TargetSession {
      const s = base.open!(config);
      if (config.its > 0) {
        plant(s);
        if (!(s as unknown as { vm?: { dist?: { its?: unknown } } }).vm?.dist?.its) throw new Error('cannot plant: no ITS found in the kvm session');
      }
      // migrate recreates the VM: plant again before every op (cheap: a WeakSet lookup per ITS)
      return { step: (op) => { if (config.its > 0) plant(s); return s.step(op); } };
    },
  };
})();

export const targets: Target[] = [kvm(), dropInv, moviForgets, cacheOffByOne];
export const oracle = modelOracle;
