// The ITS command queue (IHI 0069 5.2, the ITS command queue): commands from CREADR to CWRITER,
// each run by its handler (commands.ts); a command error is ignored or stalls the queue
// (choice.u26.command-error-response).
import { decodeItsCommand } from '../../spec/codec/its-command.js';
import { type Exec } from '../exec.js';
import { CHOICES, holdChoice, openOptions } from '../choices.js';
import { alive, spend } from '../budget.js';
import { type ItsState, type State } from '../state.js';
import { PA_52, VALID } from './tables.js';
import { type CmdOutcome, runCommand } from './commands.js';

export function queueSize(its: ItsState): number {
  return (Number(its.cbaser & 0xffn) + 1) * 4096;
}

export function queueBase(its: ItsState): number {
  return Number(its.cbaser & PA_52 & ~0xfffn);
}

/**
 * Process commands from CREADR to CWRITER (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR) on `s`; further permitted outcomes
 * become branches. A command error: ignore and continue, or stall (choice.u26.command-error-response).
 */
export function processQueue(s: State, n: number, x: Exec): void {
  for (const st of processQueueOutcomes(s, n, x)) x.branch(st, null, 'ITS command outcome');
}

/** processQueue on `s`, returning the other permitted outcomes instead of branching them (for ops whose result is not null). */
export function processQueueOutcomes(s: State, n: number, x: Exec): State[] {
  let live: State[] = [s];
  const finished: State[] = [];
  for (let guard = 0; guard < 1 << 16 && live.length > 0; guard++) {
    // a long queue times many candidates: the oracle's bounds on one op (model/budget.ts)
    spend(live.length);
    if (guard === 1) x.rule('its.queue.in-order'); // a second command sees the first one's effects
    alive(live.length + finished.length);
    const next: State[] = [];
    for (const st of live) {
      const its = st.its[n]!;
      // CWRITER beyond the queue (choice.u28.cwriter-oor option 1, or a value restored through KVM_DEV_ARM_VGIC_GRP_ITS_REGS
      // or migrate) leaves the queue unusable: CREADR would wrap without ever meeting it.
      if (!its.enabled || !(its.cbaser & VALID) || its.stalled || its.cwriterBad || its.creadr === its.cwriter || its.cwriter >= queueSize(its)) {
        if (!its.enabled && its.creadr !== its.cwriter) { x.rule('its.queue.disabled'); x.rule('choice.u35.disabled-commands'); }
        finished.push(st);
        continue;
      }
      if (its.creadr >= queueSize(its)) its.creadr = 0;
      const addr = queueBase(its) + its.creadr;
      let outcomes: CmdOutcome[];
      if (!st.mem.inRam(addr, 32)) {
        outcomes = [{ state: st, error: 'its.queue.read-fault' }];
      } else {
        const cmd = decodeItsCommand(st.mem.read(addr, 32), 0);
        outcomes = runCommand(st, n, cmd, x);
      }
      for (const o of outcomes) {
        const it = o.state.its[n]!;
        if (o.error !== null) {
          x.rule(o.error);
          x.rule('choice.u26.command-error-response');
          x.rule('its.cmd.error.no-effect');
          // choice.u26.command-error-response, taken as a property of the implementation (held once chosen): on an error it either
          // ignores the command and continues, or stalls with CREADR on it. Memory faults and
          // parameter errors may be handled differently (QEMU stalls only on the former).
          const c = o.error === 'its.queue.read-fault' ? CHOICES.u26MemoryFault : CHOICES.u26ParamError;
          const opts = openOptions(o.state, c);
          if (opts.length > 1) {
            const stalled = o.state.clone();
            holdChoice(stalled, c, 1);
            stalled.its[n]!.stalled = true;
            finished.push(stalled);
            holdChoice(o.state, c, 0);
          } else if (opts[0] === 1) {
            it.stalled = true;
            finished.push(o.state);
            continue;
          }
        }
        if (it.creadr + 32 >= queueSize(it)) x.rule('its.queue.circular');
        it.creadr = (it.creadr + 32) % queueSize(it);
        next.push(o.state);
      }
    }
    live = next;
  }
  const others: State[] = [];
  let mainSeen = false;
  for (const st of finished) {
    if (st === s) mainSeen = true;
    else others.push(st);
  }
  if (!mainSeen) throw new Error('internal: ITS queue processing lost the main state');
  return others;
}
