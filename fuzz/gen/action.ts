// One generator action: a named, weighted way to extend a scenario. The table of all actions
// (fuzz/gen/table.ts) is the only list of them: the weights file, the guest-only profile, the
// tuning tool and the coverage report read it.
import type { Gen } from './gen.js';

/** The file an action lives in (fuzz/gen/actions/<family>.ts). */
export type Family = 'cpuif' | 'distributor' | 'its' | 'host' | 'scheduling' | 'stories' | 'races' | 'malformed';

export interface Action {
  readonly name: string;
  readonly family: Family;
  /** Emits host ops (KVM ioctls, devices, the scheduler): never drawn in the guest-only profile. */
  readonly host: boolean;
  /** Default weight; a weights file may set another. */
  readonly weight: number;
  /** Whether it can do anything in the current state; checked before it draws any randomness. */
  readonly applies?: (g: Gen) => boolean;
  /** Emits the ops. False when it turned out not to apply after all: the generator draws again. */
  readonly emit: (g: Gen) => boolean;
}

/**
 * Malformed input (a bad register access, ioctl or ITS command), drawn at the weights file's
 * malformedRate instead of an action; `cpu` is the vCPU that issues it.
 */
export interface MalformedAction {
  readonly name: string;
  readonly host: boolean;
  /** relative weight among the malformed actions that apply (a whole number) */
  readonly weight: number;
  readonly applies?: (g: Gen) => boolean;
  readonly emit: (g: Gen, cpu: number) => void;
}
