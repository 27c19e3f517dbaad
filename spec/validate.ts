// Validation of every file the tool reads (docs/scenario-format.md): JSON Schema first, then the
// checks a schema cannot express (vCPU and ITS indexes against the config, the two forms of
// KVM_IRQ_LINE). Errors name the file, the JSON path and what is wrong; the CLI exits 2 on them.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ItsCommand, Scenario } from './scenario.js';
import { encodeItsCommand } from './codec/its-command.js';
import { resolveConfig, type ResolvedConfig, type Op, type GroupMemberOp } from './scenario.js';
import { actorOf, GROUP_MAX_OPS, GROUP_MIN_OPS, NOT_IN_GROUP } from './group.js';

export class ValidationError extends Error {
  constructor(readonly file: string, readonly jsonPath: string, readonly problem: string) {
    super(`${file}: ${jsonPath || '(top level)'}: ${problem}`);
    this.name = 'ValidationError';
  }
}

/** Input files are data and bounded in size (docs/scenario-format.md). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const SCHEMA_DIR = fileURLToPath(new URL('./schema/', import.meta.url));
const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<string, ValidateFunction>();

let schemaKeys: Map<string, string> | null = null;

/** Register every schema of spec/schema with ajv once, so cross-file $refs resolve. */
function schemaKey(schemaName: string): string {
  if (!schemaKeys) {
    schemaKeys = new Map();
    for (const f of readdirSync(SCHEMA_DIR).filter((x) => x.endsWith('.schema.json')).sort()) {
      const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), 'utf8')) as { $id?: string };
      const key = schema.$id ?? f;
      ajv.addSchema(schema, key);
      schemaKeys.set(f.replace(/\.schema\.json$/, ''), key);
    }
  }
  const key = schemaKeys.get(schemaName);
  if (!key) throw new Error(`no schema spec/schema/${schemaName}.schema.json`);
  return key;
}

function schemaValidator(schemaName: string, definition?: string): ValidateFunction {
  const cacheKey = definition ? `${schemaName}#${definition}` : schemaName;
  let v = compiled.get(cacheKey);
  if (!v) {
    const key = schemaKey(schemaName);
    v = ajv.getSchema(definition ? `${key}#/definitions/${definition}` : key);
    if (!v) throw new Error(`schema ${schemaName} has no definition ${definition}`);
    compiled.set(cacheKey, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required':
      return `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'pattern':
      return `${e.message} (${/Hex|0x/.test((e.params as { pattern: string }).pattern) ? 'a "0x..." hex value' : 'see the scenario format'})`;
    default:
      return e.message ?? e.keyword;
  }
}

function firstError(v: ValidateFunction, base: string): { path: string; problem: string } {
  const e = v.errors?.[0];
  if (!e) return { path: base, problem: 'invalid' };
  return { path: base + e.instancePath, problem: describe(e) };
}

/** Validate a parsed value against spec/schema/<schemaName>.schema.json. */
export function validateJson(schemaName: string, value: unknown, file: string): void {
  const v = schemaValidator(schemaName);
  if (!v(value)) {
    const { path: p, problem } = firstError(v, '');
    throw new ValidationError(file, p, problem);
  }
}

const OP_DEFINITION: Record<string, string> = {
  boot: 'BootOp', 'mmio.read': 'MmioReadOp', 'mmio.write': 'MmioWriteOp', 'sysreg.read': 'SysregReadOp',
  'sysreg.write': 'SysregWriteOp', wfi: 'WfiOp', 'its.cmd': 'ItsCmdOp', 'mem.write': 'MemWriteOp',
  'mem.read': 'MemReadOp', 'kvm.irq_line': 'IrqLineOp', 'kvm.signal_msi': 'SignalMsiOp',
  'kvm.set_gsi_routing': 'SetGsiRoutingOp', 'kvm.irqfd': 'IrqfdOp', 'irqfd.signal': 'IrqfdSignalOp',
  'irqfd.resampled': 'IrqfdResampledOp', 'vfio.forward': 'VfioForwardOp', 'vfio.unforward': 'VfioUnforwardOp',
  'device.fire': 'DeviceFireOp', 'timer.line': 'TimerLineOp', 'kvm.device_attr': 'DeviceAttrOp',
  migrate: 'MigrateOp', 'vcpu.run': 'VcpuRunOp', 'vcpu.exit': 'VcpuExitOp', 'vcpu.put': 'VcpuPutOp',
  group: 'GroupOp',
};

const ITS_COMMAND_DEFINITION: Record<string, number> = {
  MAPD: 0, MAPC: 1, MAPTI: 2, MAPI: 3, MOVI: 4, DISCARD: 5, INT: 5, CLEAR: 5, INV: 5, INVALL: 6, SYNC: 7,
  MOVALL: 8, VMAPP: 9, VMAPTI: 10, VMAPI: 11, VMOVI: 12, VMOVP: 13, VSYNC: 14, VINVALL: 14, INVDB: 14,
  VSGI: 15, raw: 16,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check one op: dispatch on its `op` field so the message is about that op's own fields. */
function validateOp(op: unknown, at: string, file: string): void {
  if (!isObject(op)) throw new ValidationError(file, at, 'an op must be an object');
  const kind = op.op;
  if (typeof kind !== 'string' || !hasOwnKey(OP_DEFINITION, kind)) {
    throw new ValidationError(file, `${at}/op`, `unknown op ${JSON.stringify(kind)}; known ops: ${Object.keys(OP_DEFINITION).join(', ')}`);
  }
  if (kind === 'group') validateGroupMembers(op, at, file);
  if (kind === 'its.cmd' && Array.isArray(op.cmds)) {
    op.cmds.forEach((c, i) => validateItsCommand(c, `${at}/cmds/${i}`, file));
  }
  const v = schemaValidator('scenario', OP_DEFINITION[kind]!);
  if (!v(op)) {
    const { path: p, problem } = firstError(v, at);
    throw new ValidationError(file, p, problem);
  }
}

/** A group's ops, each checked as an op of its own, with the group's constraints named (spec/group.ts). */
function validateGroupMembers(op: Record<string, unknown>, at: string, file: string): void {
  const members = op.ops;
  if (!Array.isArray(members)) throw new ValidationError(file, `${at}/ops`, 'a group needs "ops": an array of the ops that run at the same time');
  if (members.length < GROUP_MIN_OPS || members.length > GROUP_MAX_OPS) {
    throw new ValidationError(file, `${at}/ops`, `a group holds ${GROUP_MIN_OPS} to ${GROUP_MAX_OPS} ops (got ${members.length})`);
  }
  members.forEach((m, j) => {
    const kind = isObject(m) ? m.op : undefined;
    if (typeof kind === 'string' && hasOwnKey(NOT_IN_GROUP, kind)) throw new ValidationError(file, `${at}/ops/${j}/op`, `${kind} in a group: ${NOT_IN_GROUP[kind]}`);
    validateOp(m, `${at}/ops/${j}`, file);
  });
}

function validateItsCommand(cmd: unknown, at: string, file: string): void {
  if (!isObject(cmd)) throw new ValidationError(file, at, 'an ITS command must be an object');
  const name = cmd.cmd;
  if (typeof name !== 'string' || !hasOwnKey(ITS_COMMAND_DEFINITION, name)) {
    throw new ValidationError(file, `${at}/cmd`, `unknown ITS command ${JSON.stringify(name)}; known: ${Object.keys(ITS_COMMAND_DEFINITION).join(', ')} (use "raw" for any 32 bytes)`);
  }
  const schema = schemaValidator('scenario', 'ItsCommand');
  const branch = (schema.schema as { oneOf: object[] }).oneOf[ITS_COMMAND_DEFINITION[name]!]!;
  const key = `its-command-${ITS_COMMAND_DEFINITION[name]}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile({ ...branch, definitions: (schemaValidator('scenario').schema as { definitions: object }).definitions });
    compiled.set(key, v);
  }
  if (!v(cmd)) {
    const { path: p, problem } = firstError(v, at);
    throw new ValidationError(file, p, problem);
  }
  // Values the schema admits but the command cannot carry (a misaligned ITT address, a VSGI
  // priority with low bits set) are rejected here rather than making a target throw.
  try {
    encodeItsCommand(cmd as unknown as ItsCommand);
  } catch (e) {
    throw new ValidationError(file, at, (e as Error).message);
  }
}

/** Checks that need the config: indexes of vCPUs, redistributors and ITSes; op-form rules. */
function validateAgainstConfig(s: Scenario, file: string): void {
  const config = resolveConfig(s.config);
  if (config.memory < 0x100_0000 || config.memory > 0x4000_0000) {
    throw new ValidationError(file, '/config/memory', 'guest RAM must be between 16 MiB (0x1000000) and 1 GiB (0x40000000)');
  }
  s.ops.forEach((op, i) => checkOpAgainstConfig(op, `/ops/${i}`, config, file));
}

/** One op's indexes against the config; a group's ops each, and their actors distinct. */
function checkOpAgainstConfig(op: Op | GroupMemberOp, at: string, config: ResolvedConfig, file: string): void {
  const cpuOf = (op as { cpu?: number }).cpu;
  if (cpuOf !== undefined && cpuOf >= config.vcpus) {
    throw new ValidationError(file, `${at}/cpu`, `vCPU ${cpuOf} does not exist (config has ${config.vcpus} vCPUs)`);
  }
  switch (op.op) {
    case 'mmio.read':
    case 'mmio.write': {
      if (op.frame === 'gicd') {
        if (op.index !== undefined) throw new ValidationError(file, `${at}/index`, 'the gicd frame takes no index');
        if (op.offset + op.width / 8 > 0x1_0000) throw new ValidationError(file, `${at}/offset`, 'access runs past the 64 KiB GICD frame');
      } else {
        if (op.index === undefined) throw new ValidationError(file, at, `missing required field "index" (the ${op.frame === 'gits' ? 'ITS' : 'redistributor'} number)`);
        if (op.frame === 'gits') {
          if (op.index >= config.its) throw new ValidationError(file, `${at}/index`, `ITS ${op.index} does not exist (config has ${config.its})`);
          if (op.offset + op.width / 8 > 0x2_0000) throw new ValidationError(file, `${at}/offset`, 'access runs past the 128 KiB ITS frames');
        } else {
          if (op.index >= config.vcpus) throw new ValidationError(file, `${at}/index`, `redistributor ${op.index} does not exist (config has ${config.vcpus} vCPUs)`);
          if (op.offset + op.width / 8 > 0x1_0000) throw new ValidationError(file, `${at}/offset`, `access runs past the 64 KiB ${op.frame === 'gicr' ? 'RD' : 'SGI'} frame`);
        }
      }
      break;
    }
    case 'its.cmd':
      if (op.its >= config.its) throw new ValidationError(file, `${at}/its`, `ITS ${op.its} does not exist (config has ${config.its})`);
      break;
    case 'kvm.irq_line': {
      const structured = op.type !== undefined || op.intid !== undefined || op.vcpu !== undefined;
      if (op.raw !== undefined && structured) throw new ValidationError(file, at, 'give either "raw" or "type"/"vcpu"/"intid", not both');
      if (op.raw === undefined && (op.type === undefined || op.intid === undefined)) {
        throw new ValidationError(file, at, 'kvm.irq_line needs "type" and "intid" (and "vcpu" for ppi), or "raw"');
      }
      break;
    }
    case 'kvm.device_attr':
      if (op.device === 'its' && (op.index ?? 0) >= config.its) {
        throw new ValidationError(file, `${at}/index`, `ITS ${op.index ?? 0} does not exist (config has ${config.its})`);
      }
      break;
    case 'vcpu.run':
      if (op.pcpu >= config.impl.pcpus) throw new ValidationError(file, `${at}/pcpu`, `physical CPU ${op.pcpu} does not exist (config.impl.pcpus is ${config.impl.pcpus})`);
      break;
    case 'boot':
      for (const [j, c] of (op.cpus ?? []).entries()) {
        if (c >= config.vcpus) throw new ValidationError(file, `${at}/cpus/${j}`, `vCPU ${c} does not exist (config has ${config.vcpus} vCPUs)`);
      }
      break;
    case 'group': {
      const seen = new Map<string, number>();
      op.ops.forEach((m, j) => {
        checkOpAgainstConfig(m, `${at}/ops/${j}`, config, file);
        const actor = actorOf(m);
        if (actor === null) return;
        const first = seen.get(actor);
        if (first !== undefined) {
          throw new ValidationError(file, `${at}/ops/${j}`, `ops ${first} and ${j} of the group both run on ${actor}: each op of a group runs on its own actor (a vCPU runs one op at a time; host ops each get a host thread)`);
        }
        seen.set(actor, j);
      });
      break;
    }
    default:
      break;
  }
}

/** Validate a parsed scenario; returns it typed. */
export function validateScenarioJson(value: unknown, file: string): Scenario {
  if (!isObject(value)) throw new ValidationError(file, '', 'a scenario must be a JSON object');
  if (value.format !== 'gicdiff/scenario@1') {
    throw new ValidationError(file, '/format', `must be "gicdiff/scenario@1" (got ${JSON.stringify(value.format)})`);
  }
  if (Array.isArray(value.ops)) value.ops.forEach((op, i) => validateOp(op, `/ops/${i}`, file));
  validateJson('scenario', value, file);
  const s = value as unknown as Scenario;
  validateAgainstConfig(s, file);
  return s;
}

/** Deepest JSON nesting accepted: scenario files need about 8, findings about 12 (a checker that recurses must not overflow its stack). */
export const MAX_JSON_DEPTH = 256;

/** What a failed open/read says, for a person: the file is named by the caller. */
function fsProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'cannot read the file: no such file';
    case 'EACCES': case 'EPERM': return 'cannot read the file: permission denied';
    case 'EISDIR': return 'is a directory, not a file';
    case 'ENOTDIR': return 'a component of the path is not a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'the path is too long';
    default: return `cannot read the file (${code ?? (e as Error)?.message ?? String(e)})`;
  }
}

/**
 * Read an input file as UTF-8 text, whatever the path names: only a regular file is read (a
 * directory, FIFO or device such as /dev/zero is refused before any read, so nothing blocks or
 * grows), and never more than `maxBytes` even if the file grows while it is read.
 */
export function readInputText(file: string, maxBytes = MAX_INPUT_BYTES): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not block (it is refused just below)
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ValidationError(file, '', fsProblem(e));
  }
  const chunks: Buffer[] = [];
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ValidationError(file, '', 'is a directory, not a file');
    if (!st.isFile()) throw new ValidationError(file, '', 'is not a regular file (a FIFO, socket or device); give a file');
    if (st.size > maxBytes) throw new ValidationError(file, '', `file is ${st.size} bytes; the limit is ${maxBytes}`);
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw new ValidationError(file, '', fsProblem(e));
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new ValidationError(file, '', `file is more than ${maxBytes} bytes (the limit)`);
    }
  } finally {
    closeSync(fd);
  }
  const bytes = Buffer.concat(chunks);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new ValidationError(file, '', 'starts with a UTF-8 byte order mark (bytes EF BB BF); save it without one');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(file, '', 'is not UTF-8 text');
  }
}

/** Throw when `text` nests arrays/objects deeper than `max` (checked before parsing). */
function checkJsonDepth(text: string, file: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new ValidationError(file, '', `JSON nested more than ${max} levels deep`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Read and parse a JSON input file with the size and depth bounds; errors as ValidationError. */
export function readJsonFile(file: string, maxBytes = MAX_INPUT_BYTES): unknown {
  const text = readInputText(file, maxBytes);
  checkJsonDepth(text, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ValidationError(file, '', `not valid JSON: ${(e as Error).message}`);
  }
}

/** `key` names an own property of `table` (never an inherited one such as "constructor"). */
export function hasOwnKey(table: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

export function loadScenarioFile(file: string): Scenario {
  return validateScenarioJson(readJsonFile(file), file);
}
