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
import type { PrimitiveOp } from '../../spec/scenario.js';

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

// The exits a scenario costs, by cause (what the speed of kvm-linux hangs on): no sync read while
// a vCPU is still in sync since its last exit, none before an op that traps by itself, no CREADR
// polling, a host or memory op run by the vCPU already running, consecutive host ops behind one
// doorbell while nobody is asleep, one exit to the VMM per change of vCPU.
run('kvm-linux: exits by cause of a small scenario', async () => {
  const ops: PrimitiveOp[] = [
    { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: 0, width: 32 },   // traps itself: no sync read
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' },                  // in sync since that exit: none
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' },                  // after a system register access: one
    { op: 'mem.write', addr: '0x41000000', bytes: '01' },               // on vCPU 0, still out of sync: one
    { op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 },  // vCPU 0 rings for it and
    { op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 0 },  // the next host op at once: nobody is asleep
    { op: 'sysreg.read', cpu: 1, reg: 'ICC_PMR_EL1' },                  // a change of vCPU; vCPU 1 left the guest at its last exit: no sync
    { op: 'its.cmd', cpu: 1, its: 0, cmds: [{ cmd: 'SYNC', target: 0 }] }, // CBASER + CWRITER reads, the CWRITER write, no CREADR read
  ];
  const s = expandScenario({ format: 'gicdiff/scenario@1', name: 'exits', config: { vcpus: 2, spis: 32, its: 1 }, ops });
  const t = (await runScenario(kvmLinuxTarget, s, { timeoutMs: 30_000 })).trace;
  expect({ status: t.status, error: t.error }).toEqual({ status: 'complete', error: undefined });
  expect(t.results.slice(4, 6)).toEqual([0, 0]); // each host op of the run has its own result
  const c = t.counters ?? {};
  const agent = (name: string) => c[`agent.${name}`] ?? 0;
  expect({ sync: agent('sync'), wakeSync: agent('wake_sync'), opMmio: agent('op_mmio'), itsRegs: agent('its_regs'), cwriter: agent('cwriter'), creadr: agent('creadr'), host: agent('host') })
    .toEqual({ sync: 2, wakeSync: 0, opMmio: 1, itsRegs: 2, cwriter: 1, creadr: 0, host: 1 });
  // DOORBELL_NEXT: the first turn, vCPU 0 -> 1, the end of the run (vCPU 1 hands over to vCPU 0, which powers off)
  expect(agent('next')).toBe(3);
  // the exits the agent counts towards the VMM are those the VMM saw, by kind
  for (const kind of ['next', 'wait', 'group']) expect({ kind, n: c[`vmm.${kind}`] ?? 0 }).toEqual({ kind, n: agent(kind) });
  expect(c['vmm.host'] ?? 0).toBe(agent('host') + agent('silent'));
}, 120_000);

// The profile's timeline (scripts/bench/kvm-linux-profile.ts): the agent stamps the start of every
// record with the guest's virtual counter, a register read that does not exit, so a run with it
// gives the same results and the same exits as one without, plus one stamp per record taken on its
// own (a host record behind another's doorbell has none), in order, and the end.
run('kvm-linux: the profile timeline stamps every record and changes nothing else', async () => {
  const ops: PrimitiveOp[] = [
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_PMR_EL1' },
    { op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 },
    { op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 0 }, // behind the first one's doorbell
    { op: 'mmio.read', cpu: 1, frame: 'gicd', offset: 0, width: 32 },
    { op: 'migrate' },
    { op: 'sysreg.read', cpu: 0, reg: 'ICC_IAR1_EL1' },
  ];
  const s = expandScenario({ format: 'gicdiff/scenario@1', name: 'timeline', config: { vcpus: 2, spis: 32, its: 1 }, ops });
  const plain = (await runScenario(kvmLinuxTarget, s, { timeoutMs: 30_000 })).trace;
  kvmLinuxTarget.profileTimeline = true;
  const profiled = await (async () => {
    try {
      return (await runScenario(kvmLinuxTarget, s, { timeoutMs: 30_000 })).trace;
    } finally {
      kvmLinuxTarget.profileTimeline = false;
    }
  })();
  expect({ status: profiled.status, error: profiled.error }).toEqual({ status: 'complete', error: undefined });
  expect(profiled.results).toEqual(plain.results);
  const c = profiled.counters ?? {};
  const exits = (t: typeof c) => Object.fromEntries(Object.entries(t).filter(([k]) => /^(agent|vmm)\./.test(k)));
  expect(exits(c)).toEqual(exits(plain.counters ?? {}));
  expect(Object.keys(plain.counters ?? {}).filter((k) => k.startsWith('timeline.'))).toEqual([]);
  const stamps = ops.map((_, k) => c[`timeline.${k}`]);
  expect(stamps.map((t) => t !== undefined)).toEqual([true, true, false, true, true, true]);
  const taken = stamps.filter((t): t is number => t !== undefined);
  expect(taken[0]).toBe(0);
  for (let i = 1; i < taken.length; i++) expect(taken[i]!).toBeGreaterThan(taken[i - 1]!);
  expect(c['timeline.end']).toBeGreaterThan(taken[taken.length - 1]!);
  expect(c['timeline.hz']).toBeGreaterThan(0);
  // the migrate's own phases, as the VMM counts them
  for (const phase of ['pause', 'save', 'create', 'vcpus', 'gic', 'its', 'close']) expect({ phase, set: c[`time.migrate_${phase}_us`] !== undefined }).toEqual({ phase, set: true });
}, 120_000);
