// Runs real QEMU (a boot takes about 0.1 s): the guest-only examples and hand-written
// scenarios must give the results their `expect` fields (taken from the architecture documents,
// cited in each scenario's description) say.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { checkExpectations } from '../../spec/expect-check.js';
import type { ExpandedScenario } from '../../spec/scenario.js';
import { qemuTarget, findQemu, AGENT_ELF } from '../../targets/qemu/target.js';
import { runOnQemu } from '../../targets/qemu/runner.js';
import { closeQemuPool, liveInstances } from '../../targets/qemu/pool.js';
import { EXAMPLES_DIR } from '../examples-dir.js';
import { bootCommandQueue } from '../../spec/layout.js';
import { toHex } from '../../spec/hex.js';

// jest does not run exit hooks: stop the reused QEMUs explicitly
afterAll(() => closeQemuPool());

const EXAMPLES = EXAMPLES_DIR;
const unavailable = qemuTarget.unavailable();
const run = unavailable ? test.skip : test;
if (unavailable) console.warn(`test/qemu/qemu-run: skipped, ${unavailable}`);

function load(file: string): ExpandedScenario {
  return expandScenario(validateScenarioJson(JSON.parse(readFileSync(file, 'utf8')), file));
}

async function runAndCheck(file: string) {
  const s = load(file);
  const t = await qemuTarget.runWhole(s, { timeoutMs: 20_000 });
  expect({ status: t.status, error: t.error }).toEqual({ status: 'complete', error: undefined });
  expect(t.results).toHaveLength(s.ops.length);
  expect(checkExpectations(s.ops, t.results)).toEqual([]);
  return { s, t };
}

run('example sgi-priority passes', async () => {
  await runAndCheck(path.join(EXAMPLES, 'sgi-priority.json'));
});

run('example its-int-basic passes', async () => {
  await runAndCheck(path.join(EXAMPLES, 'its-int-basic.json'));
});

run('examples with host ops are unsupported, naming the first host op', async () => {
  for (const name of ['irq-line-level', 'its-migrate', 'gicv4-forwarded']) {
    const s = load(path.join(EXAMPLES, `${name}.json`));
    const t = await qemuTarget.runWhole(s);
    expect(t.status).toBe('unsupported');
    const k = t.error!.opIndex;
    expect(t.error!.message).toContain(s.ops[k]!.op);
    expect(s.ops.slice(0, k).every((op) => qemuTarget.supports(op, s.config))).toBe(true);
  }
});

run('ITS: MAPD/MAPC/MAPTI/INT, acknowledge, EOI, WFI wake-up', async () => {
  await runAndCheck(path.join(__dirname, 'scenarios/its-int-ack.json'));
});

run('SGIs: broadcast and by target list, pending/active state, WFI wake-up', async () => {
  await runAndCheck(path.join(__dirname, 'scenarios/sgi-broadcast.json'));
});

run('a vCPU in WFI wakes for good when an interrupt is signalled, even if it is withdrawn again', async () => {
  await runAndCheck(path.join(__dirname, 'scenarios/wfi-wake-latched.json'));
});

run('QEMU starts in the VM-creation state (silent preamble), and its writes are not reported', async () => {
  const { t } = await runAndCheck(path.join(__dirname, 'scenarios/creation-state.json'));
  expect(t.results).toHaveLength(13);
});

run('GICD_TYPER, GICR_TYPER and guest memory', async () => {
  const { t } = await runAndCheck(path.join(__dirname, 'scenarios/typer.json'));
  const gicdTyper = BigInt(t.results[0] as string);
  expect(gicdTyper & 0x1fn).toBe(7n); // ITLinesNumber = (224 + 32) / 32 - 1 (IHI 0069 GICD_TYPER)
  expect((gicdTyper >> 17n) & 1n).toBe(1n); // LPIS: the config has an ITS
  expect((gicdTyper >> 19n) & 0x1fn).toBeGreaterThanOrEqual(13n); // IDbits >= 13 with LPIs
  for (const i of [0, 1]) {
    const r = BigInt(t.results[1 + i] as string);
    expect((r >> 8n) & 0xffffn).toBe(BigInt(i)); // Processor_Number = i (docs/scenario-format.md)
    expect(r >> 32n).toBe(BigInt(i)); // Affinity_Value: Aff0 = i
    expect((r >> 4n) & 1n).toBe(i === 1 ? 1n : 0n); // Last: only the last redistributor
  }
});

run('a guest fault is a target-error at its op; a hung run is cut at the budget', async () => {
  const config = { vcpus: 1, its: 0 };
  const fault = expandScenario({ format: 'gicdiff/scenario@1', name: 'fault', config, ops: [
    { op: 'mem.read', addr: '0x41000000', len: 1 },
    { op: 'mmio.read', cpu: 0, frame: 'gicr', index: 5, offset: 0x14, width: 32, comment: 'GICR_WAKER of redistributor 5: there is none with one vCPU' },
  ] });
  // the target does not run it (no scenario result expresses the abort: targets/qemu/support.ts)
  const refused = await qemuTarget.runWhole(fault);
  expect(refused.status).toBe('unsupported');
  expect(refused.error).toMatchObject({ opIndex: 1, message: expect.stringMatching(/redistributor 5/) });
  // the runner underneath still reports such a fault at its op
  const direct = { targetName: 'qemu', accel: 'tcg' as const, qemu: findQemu()!, agentElf: AGENT_ELF };
  const t = await runOnQemu(fault, { ...direct, timeoutMs: 20_000 });
  expect(t.status).toBe('target-error');
  expect(t.results).toEqual(['00']);
  expect(t.error!.opIndex).toBe(1);
  expect(t.error!.message).toMatch(/data abort/);
  // a QEMU that never answers (a stand-in that only sleeps) is killed at the budget: how fast the
  // machine is plays no part (a real QEMU may finish this short run before any short budget)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gicdiff-hung-qemu-'));
  try {
    const hungQemu = path.join(dir, 'qemu-that-hangs');
    writeFileSync(hungQemu, '#!/bin/sh\nexec sleep 60\n');
    chmodSync(hungQemu, 0o755);
    const hung = await runOnQemu(fault, { ...direct, qemu: hungQemu, reuse: false, timeoutMs: 200 });
    expect(hung.status).toBe('step-budget');
    expect(hung.error).toMatchObject({ opIndex: 0, message: expect.stringMatching(/within 200 ms \(killed\)/) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

run("kvm-hw's sync reads around each op leave results unchanged (checked under TCG)", async () => {
  const s = load(path.join(EXAMPLES, 'sgi-priority.json'));
  const t = await runOnQemu(s, { targetName: 'qemu', accel: 'tcg', qemu: findQemu()!, agentElf: AGENT_ELF, timeoutMs: 20_000, kvmSync: true });
  expect(t.status).toBe('complete');
  expect(checkExpectations(s.ops, t.results)).toEqual([]);
});

run('the agent also works when entered at EL2 (drops to EL1, PSCI over SMC)', async () => {
  const s = load(path.join(__dirname, 'scenarios/sgi-broadcast.json'));
  const t = await runOnQemu(s, { targetName: 'qemu', accel: 'tcg', qemu: findQemu()!, agentElf: AGENT_ELF, timeoutMs: 20_000, enterAtEl2: true });
  expect(t.status).toBe('complete');
  expect(checkExpectations(s.ops, t.results)).toEqual([]);
});

run('its.cmd wraps at the end of the 64 KiB command queue (docs/scenario-format.md)', async () => {
  // boot queue: 64 KiB = 2048 slots of 32 bytes. 1100 SYNCs, then 944 SYNCs + 6 mapping/INT
  // commands: 2050 commands in all, so the last two (INT and SYNC) land in slots 0 and 1 after
  // the wrap and CREADR ends at 2 * 32 = 0x40 (IHI 0069 5.2 the ITS command queue; GITS_CWRITER, GITS_CREADR).
  const sync = { cmd: 'SYNC' as const, target: 0 };
  const s = expandScenario({ format: 'gicdiff/scenario@1', name: 'wrap', config: { vcpus: 1, spis: 224, its: 1 }, ops: [
    { op: 'boot' },
    { op: 'mem.write', addr: '0x40100000', bytes: 'a3' },
    { op: 'its.cmd', its: 0, cmds: [sync, ...Array.from({ length: 1099 }, () => sync)] },
    { op: 'its.cmd', its: 0, cmds: [sync, ...Array.from({ length: 943 }, () => sync),
      { cmd: 'MAPD', device: 0, size: 4, itt: '0x41000000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 0, valid: true },
      { cmd: 'MAPTI', device: 0, event: 1, intid: 8192, collection: 0 },
      { cmd: 'SYNC', target: 0 },
      { cmd: 'INT', device: 0, event: 1 },
      { cmd: 'SYNC', target: 0 }] },
    { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x90, width: 64, expect: '0x40' },
    { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x88, width: 64, expect: '0x40' },
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1', expect: '0x2000' },
  ] });
  const t = await qemuTarget.runWhole(s, { timeoutMs: 20_000 });
  expect(t.status).toBe('complete');
  expect(checkExpectations(s.ops, t.results)).toEqual([]);
});

run('its.cmd after an out-of-range GITS_CWRITER writes at that offset modulo the queue size (spec/its-harness.ts)', async () => {
  // campaign finding qemu_guest-op_wake-mismatch_mem.write-c99c0bc6: QEMU keeps a CWRITER beyond
  // the queue (choice.u28.cwriter-oor); the harness takes the offset modulo the queue size (docs/scenario-format.md its.cmd,
  // "wrapping"), so the INT goes into slot 0 of the 64 KiB boot queue, not 128 KiB past its base.
  // INT encoding (IHI 0069 5.3 command errors; GITS_CREADR.Stalled): DW0 [7:0] opcode 0x03, [63:32] DeviceID; DW1 [31:0] EventID.
  const q = bootCommandQueue(0);
  const s = expandScenario({ format: 'gicdiff/scenario@1', name: 'cwriter-oor', config: { vcpus: 1, spis: 32, its: 1 }, ops: [
    { op: 'boot' },
    { op: 'mmio.write', cpu: 0, frame: 'gits', index: 0, offset: 0x88, width: 64, value: '0x20000' },
    { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 5, event: 7 }] },
    { op: 'mem.read', addr: toHex(q), len: 16, expect: '03000000050000000700000000000000' },
    { op: 'mem.read', addr: toHex(q + 0x20000), len: 16, expect: '00000000000000000000000000000000' },
  ] });
  const t = await qemuTarget.runWhole(s, { timeoutMs: 20_000 });
  expect(t.status).toBe('complete');
  expect(checkExpectations(s.ops, t.results)).toEqual([]);
});

run('a reused QEMU starts every scenario from VM creation: RAM zero, GIC and ITS reset', async () => {
  const config = { vcpus: 2, spis: 224, its: 1 };
  const dirty = expandScenario({ format: 'gicdiff/scenario@1', name: 'dirty', config, ops: [
    { op: 'boot' },
    { op: 'mem.write', addr: '0x41000000', bytes: 'ffffffff' },
    { op: 'mem.write', addr: '0x40100000', bytes: 'a3' },
    { op: 'its.cmd', its: 0, cmds: [
      { cmd: 'MAPD', device: 0, size: 4, itt: '0x41001000', valid: true },
      { cmd: 'MAPC', collection: 0, target: 1, valid: true },
      { cmd: 'MAPTI', device: 0, event: 0, intid: 8192, collection: 0 },
      { cmd: 'INT', device: 0, event: 0 }] },
    { op: 'sysreg.write', cpu: 0, reg: 'ICC_SGI1R_EL1', value: '0x3000002', comment: 'SGI 3 to vCPU 1, left pending' },
    { op: 'sysreg.write', cpu: 1, reg: 'ICC_PMR_EL1', value: '0x80' },
  ] });
  const clean = expandScenario({ format: 'gicdiff/scenario@1', name: 'clean', config, ops: [
    { op: 'mem.read', addr: '0x41000000', len: 4, expect: '00000000' },
    { op: 'mem.read', addr: '0x40800000', len: 16, expect: '00000000000000000000000000000000', comment: 'device table of the boot layout' },
    { op: 'mmio.read', cpu: 1, frame: 'gicr-sgi', index: 1, offset: 0x200, width: 32, expect: '0x0', comment: 'GICR_ISPENDR0: nothing pending' },
    { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x0, width: 32, expectOneOf: ['0x0', '0x80000000'], comment: 'GITS_CTLR: disabled again' },
    { op: 'mmio.read', cpu: 0, frame: 'gits', index: 0, offset: 0x80, width: 64, expect: '0x0', comment: 'GITS_CBASER at reset' },
    { op: 'sysreg.read', cpu: 1, reg: 'ICC_PMR_EL1', expect: '0x0' },
    { op: 'sysreg.read', cpu: 1, reg: 'ICC_IAR1_EL1', expect: '0x3ff' },
  ] });
  expect((await qemuTarget.runWhole(dirty)).status).toBe('complete');
  const before = liveInstances();
  const t = await qemuTarget.runWhole(clean);
  expect(liveInstances()).toBe(before); // the same QEMU ran both
  expect(t.status).toBe('complete');
  expect(checkExpectations(clean.ops, t.results)).toEqual([]);
});

run('a reused QEMU and a fresh boot give the same trace', async () => {
  const s = load(path.join(__dirname, 'scenarios/its-int-ack.json'));
  const base = { targetName: 'qemu', accel: 'tcg' as const, qemu: findQemu()!, agentElf: AGENT_ELF, timeoutMs: 20_000, creationSpis: 64 };
  const pooled = await runOnQemu(s, { ...base, reuse: true });
  const again = await runOnQemu(s, { ...base, reuse: true });
  const fresh = await runOnQemu(s, { ...base, reuse: false });
  expect(pooled.status).toBe('complete');
  expect(again.results).toEqual(pooled.results);
  expect(fresh.results).toEqual(pooled.results);
});
