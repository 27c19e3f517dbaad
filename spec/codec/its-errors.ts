// ITS command error codes of spec/data/its-errors.json (IHI 0069 5.5 ITS command error encodings). Look errors up by name,
// by code, or by command + subcode. Never compute a code from an opcode: CLEAR's errors are
// 0x0105xx although its opcode is 0x04.
import table from '../data/its-errors.json' with { type: 'json' };
import { parseHexNumber } from '../hex.js';

export interface ItsError {
  /** e.g. "CLEAR_UNMAPPED_INTERRUPT" */
  readonly name: string;
  /** the 24-bit error number, e.g. 0x010507 */
  readonly code: number;
  readonly command: string;
  readonly subcode: string;
  readonly condition: string;
  readonly source: string;
  readonly confidence: 'V' | 'I';
  /** KVM's handler returns this code (and drops it: never guest-visible, vgic-its.c vgic_its_cmd_handle_*) */
  readonly kvm: boolean;
}

interface RawError { name: string; code: string; command: string; subcode: string; condition: string; source: string; confidence: string; kvm?: boolean }

export const ITS_ERRORS: readonly ItsError[] = (table.errors as RawError[]).map((e) => {
  if (e.confidence !== 'V' && e.confidence !== 'I') throw new Error(`its-errors.json ${e.name}: bad confidence ${e.confidence}`);
  return {
    name: e.name, code: parseHexNumber(e.code), command: e.command, subcode: e.subcode, condition: e.condition,
    source: e.source, confidence: e.confidence, kvm: e.kvm ?? false,
  };
});

const byName = new Map<string, ItsError>();
const byCode = new Map<number, ItsError>();
for (const e of ITS_ERRORS) {
  if (byName.has(e.name) || byCode.has(e.code)) throw new Error(`its-errors.json: duplicate ${e.name} / 0x${e.code.toString(16)}`);
  byName.set(e.name, e);
  byCode.set(e.code, e);
}

export function itsErrorByCode(code: number): ItsError | undefined {
  return byCode.get(code);
}
/** The error a command reports for a subcode ("MAPTI", "PHYSICALID_OOR"), if the table has one. */
export function itsError(command: string, subcode: string): ItsError | undefined {
  return byName.get(`${command}_${subcode}`);
}
/** The code of a named error; throws when the table has no such error. */
export function itsErrorCode(name: string): number {
  const e = byName.get(name);
  if (e === undefined) throw new Error(`no ITS command error named ${JSON.stringify(name)} in spec/data/its-errors.json`);
  return e.code;
}
/** Every error a command can report. */
export function itsErrorsOf(command: string): readonly ItsError[] {
  return ITS_ERRORS.filter((e) => e.command === command);
}
