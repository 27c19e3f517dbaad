// Kernel trouble in the nested kernel's log (targets/kvm-linux/kernel-log.ts): the splats of
// test/fixtures/kernel-log (a WARN as the VMM reads it from /dev/kmsg, an oops and an RCU stall as
// the serial console shows them, written in the format Linux 6.12 arm64 prints: kernel/panic.c
// __warn, arch/arm64/mm/fault.c, kernel/rcu/tree_stall.h) are found, named by kind and function,
// and signed the same whatever CPU, PID or address they carry; a trace that carries one is a
// kernel-splat finding that no quirk makes known, with the log in finding.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BEFORE_RUN, findSplat, frameLines, isTroubleLine, parseKernelLogFrame, splatMessage, stripConsoleTimestamp, taintLetters } from '../../targets/kvm-linux/kernel-log.js';
import { validateScenarioJson, validateJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { kvmTarget } from '../../impl/target.js';
import { buildFinding, validateFindingJson } from '../../fuzz/finding.js';
import type { RunOutcome } from '../../triage/lockstep.js';
import type { Trace } from '../../spec/target.js';

const fixtures = path.resolve(__dirname, '../fixtures/kernel-log');
const lines = (f: string): string[] => readFileSync(path.join(fixtures, f), 'utf8').split('\n').filter((l) => l.length);

/** A VMM kernel log frame (vmm/vmm.h FRAME_KLOG) holding these records at warning level. */
function frame(records: string[], phase: 'B' | 'D' = 'D', taint = 0): string {
  return `taint ${taint}\n${records.map((r) => `${phase} 4 ${r}`).join('\n')}\n`;
}

test('a WARN read from the kernel log is a warning in the function it names, its whole splat attached', () => {
  const warn = lines('warn-vgic-its-6.12.txt');
  const f = parseKernelLogFrame(frame(['kvm [63]: a benign line before', ...warn]));
  expect(f.lines).toHaveLength(warn.length + 1);
  const s = findSplat(frameLines(f), { before: 0, after: f.taint })!;
  expect(s.kind).toBe('warning');
  expect(s.where).toBe('vgic_its_free_device');
  expect(s.headline).toBe('WARNING: CPU: 1 PID: 63 at arch/arm64/kvm/vgic/vgic-its.c:1127 vgic_its_free_device+0x94/0xa8');
  expect(s.log).toContain('Call trace:');
  expect(s.log).toContain(' vgic_its_destroy+0x50/0xa8');
  expect(splatMessage(s)).toMatch(/^the nested kernel logged warning \(vgic_its_free_device\) during the run: WARNING: CPU: 1 .* \[\d+ log lines attached\]$/);
});

test('the same WARN on another CPU, PID and kernel build is the same kind and place', () => {
  const warn = lines('warn-vgic-its-6.12.txt').map((l) => l.replace('CPU: 1 PID: 63', 'CPU: 0 PID: 4711').replace('vgic-its.c:1127', 'vgic-its.c:1130').replace(/\+0x94\/0xa8/g, '+0x9c/0xb0'));
  const s = findSplat(warn)!;
  expect([s.kind, s.where]).toEqual(['warning', 'vgic_its_free_device']);
});

test('an oops on the serial console is an oops at the faulting function of its register dump', () => {
  const s = findSplat(lines('oops-null-6.12.console.txt').map(stripConsoleTimestamp))!;
  expect(s.kind).toBe('oops');
  expect(s.where).toBe('NULL pointer dereference vgic_its_cmd_handle_movall');
  expect(s.headline).toBe('Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008');
});

test('an RCU stall names its flavour', () => {
  const s = findSplat(lines('rcu-stall-6.12.console.txt').map(stripConsoleTimestamp))!;
  expect([s.kind, s.where]).toEqual(['rcu-stall', 'rcu_preempt']);
});

test('lockdep, soft lockups, BUG, panics and hung tasks are told apart', () => {
  const kinds: [string, string, string][] = [
    ['WARNING: possible circular locking dependency detected', 'lockdep', 'possible circular locking dependency detected'],
    ['watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [init:63]', 'soft-lockup', 'init'],
    ['kernel BUG at arch/arm64/kvm/vgic/vgic.c:129!', 'bug', 'arch/arm64/kvm/vgic/vgic.c'],
    ['BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585', 'bug', 'sleeping function called from invalid context at kernel/locking/mutex.c'],
    ['Kernel panic - not syncing: sysrq triggered crash', 'panic', 'sysrq triggered crash'],
    ['INFO: task init:63 blocked for more than 120 seconds.', 'hung-task', 'init'],
    ['UBSAN: array-index-out-of-bounds in arch/arm64/kvm/vgic/vgic-mmio.c:412:9', 'ubsan', 'array-index-out-of-bounds arch/arm64/kvm/vgic/vgic-mmio.c'],
  ];
  for (const [line, kind, where] of kinds) {
    expect({ line, trouble: isTroubleLine(line) }).toEqual({ line, trouble: true });
    const s = findSplat([line])!;
    expect({ line, kind: s.kind, where: s.where }).toEqual({ line, kind, where });
  }
});

test('warning-level lines that are no splat, and a quiet taint, are no trouble', () => {
  const benign = ['kvm [63]: Unsupported guest sys_reg access at: 40a1f8 [00000005]', 'virtio_console virtio0: Error allocating inbufs', 'gicdiff-vmm: ready'];
  for (const l of benign) expect(isTroubleLine(l)).toBe(false);
  expect(findSplat(benign, { before: 0, after: 0 })).toBeNull();
  expect(findSplat(benign, { before: 512, after: 512 })).toBeNull(); // tainted before the run
});

test('a taint bit set during the run is trouble even with nothing recognisable logged', () => {
  const s = findSplat(['kvm [63]: something odd'], { before: 0, after: 512 })!;
  expect([s.kind, s.where]).toEqual(['taint', 'W']);
  expect(s.headline).toContain('from - to W (0 -> 512)');
  expect(taintLetters((1 << 7) | (1 << 9))).toBe('DW');
});

test('what the previous run\'s VM teardown logged is said to come from before the run', () => {
  const f = parseKernelLogFrame(frame(lines('warn-vgic-its-6.12.txt'), 'B'));
  expect(frameLines(f)[1]).toBe(`${BEFORE_RUN}WARNING: CPU: 1 PID: 63 at arch/arm64/kvm/vgic/vgic-its.c:1127 vgic_its_free_device+0x94/0xa8`);
  const s = findSplat(frameLines(f))!;
  expect(s.headline).toMatch(/^WARNING: CPU: 1 /);
  expect(splatMessage(s)).toContain("before the run began (during the teardown of the previous scenario's VM)");
});

test('a trace with a kernel splat is a new kernel-splat finding, even where a quirk explains its results, with its log in finding.json', async () => {
  // distributor/level-ispendr-latch shows kvm.level-ispendr-latch-survives-ack (kvm.json, which
  // kvm-linux extends): its kvm trace is known; the same trace with a WARN in the kernel log must not be
  const file = path.resolve(__dirname, '../../spec/conformance/distributor/level-ispendr-latch.json');
  const scenario = validateScenarioJson(JSON.parse(readFileSync(file, 'utf8')), file);
  const expanded = expandScenario(scenario);
  const onKvm = await runScenario(kvmTarget, expanded);
  const quirks = targetQuirks('kvm-linux');
  const plain = classifyOutcome(modelOracle, 'kvm-linux', expanded, onKvm, quirks)!;
  expect(plain.classification).toBe('known');
  const at = plain.problem.opIndex;

  const splat = findSplat(frameLines(parseKernelLogFrame(frame(lines('warn-vgic-its-6.12.txt')))))!;
  const trace: Trace = { ...onKvm.trace, target: 'kvm-linux', status: 'target-error', kernelSplat: splat, error: { opIndex: at, message: splatMessage(splat) } };
  validateJson('trace', trace, 'test trace');
  const outcome: RunOutcome = { ...onKvm, trace };
  const c = classifyOutcome(modelOracle, 'kvm-linux', expanded, outcome, quirks)!;
  expect(c.classification).toBe('new');
  expect(c.problem.opIndex).toBe(at);
  expect(c.problem.signature).toBe('kvm-linux:kernel-log:kernel-splat:warning vgic_its_free_device');
  const f = buildFinding(scenario, expanded, outcome, c, { target: 'kvm-linux', seed: null });
  const again = validateFindingJson(JSON.parse(JSON.stringify(f)), 'finding.json');
  expect(again.kernelSplat?.log).toContain('Call trace:');
  expect(again.kernelSplat?.where).toBe('vgic_its_free_device');
  expect(again.message).toContain('the nested kernel logged warning (vgic_its_free_device)');
  expect(again.quirks).toBeUndefined();
});
