// Kernel trouble on the real nested kernel becomes a finding, and the machine is rebooted: through
// the VMM's test hooks (vmm/klog.c), after a directed scenario ran, (1) a WARN splat goes into the
// kernel's log through /dev/kmsg at KERN_WARNING, which the "quiet" serial console never shows,
// (2) the kernel's taint mask gets the W bit, (3) the magic SysRq key 'c' makes the kernel panic
// for real, which loses the run. Each run's trace must carry the splat, classify as a new
// kernel-splat finding with the log attached (its results, where the run gave them, all kept and
// accepted by the oracle), and the next scenario must run on a freshly booted machine. Skipped
// like the smoke test where the nested machine cannot be set up at all.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { runScenario } from '../../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { modelOracle } from '../../triage/runner.js';
import { buildFinding, validateFindingJson } from '../../fuzz/finding.js';
import { kvmLinuxTarget } from '../../targets/kvm-linux/target.js';
import { RUN_TEST_KMSG, RUN_TEST_SYSRQ, RUN_TEST_TAINT } from '../../targets/kvm-linux/machine.js';

const possible = existsSync('/usr/bin/dpkg') && (process.arch === 'x64' || process.arch === 'arm64');
const run = possible ? test : test.skip;
afterAll(() => kvmLinuxTarget.shutdown());

const file = path.resolve(__dirname, '../../spec/conformance/cpuif/iar1-priority-order.json');
const scenario = validateScenarioJson(JSON.parse(readFileSync(file, 'utf8')), file);
const expanded = expandScenario(scenario);
const warn = readFileSync(path.resolve(__dirname, '../fixtures/kernel-log/warn-vgic-its-6.12.txt'), 'utf8').split('\n').filter((l) => l);

async function runWith(hook: { flags: number; text: string } | null) {
  kvmLinuxTarget.testHookNextRun = hook;
  const outcome = await runScenario(kvmLinuxTarget, expanded, { timeoutMs: 30_000 });
  const c = classifyOutcome(modelOracle, 'kvm-linux', expanded, outcome, targetQuirks('kvm-linux'));
  return { outcome, c };
}

run('a WARN in the kernel log, a new taint bit and a real kernel panic during a run are kernel-splat findings; the machine reboots after each', async () => {
  expect(kvmLinuxTarget.unavailable()).toBeNull();
  const clean = await runWith(null);
  expect(clean.outcome.trace.status).toBe('complete');
  expect(clean.c).toBeNull();
  const boots = kvmLinuxTarget.boots;

  // (1) a WARN at KERN_WARNING in the kernel's log
  const w = await runWith({ flags: RUN_TEST_KMSG, text: warn.map((l) => `<4>${l}`).join('\n') });
  const t = w.outcome.trace;
  expect(t.kernelSplat).toMatchObject({ kind: 'warning', where: 'vgic_its_free_device' });
  expect(t.kernelSplat!.log).toEqual(warn); // the whole splat, nothing else at warning level or worse
  expect(t.results).toEqual(clean.outcome.trace.results); // nothing of the run is lost
  expect(w.outcome.verdict?.ok).toBe(true);
  expect(w.c?.classification).toBe('new');
  expect(w.c?.problem.signature).toBe('kvm-linux:kernel-log:kernel-splat:warning vgic_its_free_device');
  const f = validateFindingJson(JSON.parse(JSON.stringify(buildFinding(scenario, expanded, w.outcome, w.c!, { target: 'kvm-linux', seed: null }))), 'finding.json');
  expect(f.kernelSplat?.log).toContain('Call trace:');

  // (2) the taint mask gets TAINT_WARN (bit 9) with nothing logged: the machine was rebooted, so
  // the bit is new to this kernel
  const tn = await runWith({ flags: RUN_TEST_TAINT, text: '512' });
  expect(kvmLinuxTarget.boots).toBe(boots + 1);
  expect(tn.outcome.trace.kernelSplat).toMatchObject({ kind: 'taint', where: 'W' });
  expect(tn.outcome.trace.results).toEqual(clean.outcome.trace.results);
  expect(tn.c?.problem.signature).toBe('kvm-linux:kernel-log:kernel-splat:taint W');

  // (3) a real panic (drivers/tty/sysrq.c sysrq_handle_crash): the run is lost, the serial console has it
  const p = await runWith({ flags: RUN_TEST_SYSRQ, text: 'c' });
  expect(kvmLinuxTarget.boots).toBe(boots + 2);
  expect(p.outcome.trace.status).toBe('target-error');
  expect(p.outcome.trace.kernelSplat).toMatchObject({ kind: 'panic', where: 'sysrq triggered crash' });
  expect(p.outcome.trace.kernelSplat!.log.some((l) => /Call trace:/.test(l))).toBe(true);
  expect(p.c?.classification).toBe('new');
  expect(p.c?.problem.signature).toBe('kvm-linux:kernel-log:kernel-splat:panic sysrq triggered crash');

  // and the next scenario runs on a new machine as if nothing happened
  const after = await runWith(null);
  expect(kvmLinuxTarget.boots).toBe(boots + 3);
  expect(after.outcome.trace.status).toBe('complete');
  expect(after.outcome.trace.results).toEqual(clean.outcome.trace.results);
  expect(after.c).toBeNull();
}, 300_000);
