// Smoke test of the kvm-linux target: boot the nested machine (Debian's arm64 6.12 kernel with
// KVM, our VMM as its init) and run four directed scenarios on the real kernel's vGIC: guest ops
// only, a host op (KVM_IRQ_LINE), the ITS with device attributes, and an op group (a MAPTI on one
// vCPU, an MSI from a host thread and an acknowledge on another vCPU at the same time). Each must run to the end,
// meet its `expect` fields and be accepted by the oracle. Skipped, saying why, only where the
// nested machine cannot be set up at all (not a Debian host, or an architecture QEMU's TCG and our
// setup do not cover); on a Debian x86-64 or arm64 machine a missing setup is a failure.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateScenarioJson } from '../../spec/validate.js';
import { expandScenario } from '../../spec/expand.js';
import { checkExpectations } from '../../spec/expect-check.js';
import { runScenario } from '../../triage/runner.js';
import { kvmLinuxTarget } from '../../targets/kvm-linux/target.js';

const conformance = path.resolve(__dirname, '../../spec/conformance');
const SCENARIOS = ['cpuif/iar1-priority-order.json', 'kvm-abi/irq-line-raw.json', 'kvm-abi/attr-its-regs.json', 'races/msi-mapti-iar.json'];

const possible = existsSync('/usr/bin/dpkg') && (process.arch === 'x64' || process.arch === 'arm64');
if (!possible) console.warn(`test/kvm-linux/smoke: skipped, the nested machine needs a Debian x86-64 or arm64 host (this is ${process.platform}/${process.arch}${existsSync('/usr/bin/dpkg') ? '' : ', no dpkg'})`);
const run = possible ? test : test.skip;

afterAll(() => kvmLinuxTarget.shutdown());

run('kvm-linux boots and runs four directed scenarios on the real kernel', async () => {
  expect(kvmLinuxTarget.unavailable()).toBeNull(); // bash scripts/setup.sh prepares it
  const boot = await kvmLinuxTarget.warmUp();
  expect(boot.hello['kernel']).toMatch(/^6\.12\./);
  expect(boot.hello['api']).toBe('12');
  for (const rel of SCENARIOS) {
    const file = path.join(conformance, rel);
    const s = expandScenario(validateScenarioJson(JSON.parse(readFileSync(file, 'utf8')), file));
    const out = await runScenario(kvmLinuxTarget, s, { timeoutMs: 30_000 });
    const t = out.trace;
    expect({ rel, status: t.status, error: t.error }).toEqual({ rel, status: 'complete', error: undefined });
    expect(t.environment?.['kernel']).toBe(boot.hello['kernel']);
    // KVM's own exit count (vCPU statistics) covers the exits to the VMM and those the kernel handled
    expect(t.counters?.['guestExits']).toBeGreaterThan(t.counters?.['exitsToVmm'] ?? Infinity);
    expect(checkExpectations(s.ops, t.results)).toEqual([]);
    expect({ rel, ok: out.verdict?.ok, oracleError: out.oracleError }).toEqual({ rel, ok: true, oracleError: undefined });
  }
}, 120_000);
