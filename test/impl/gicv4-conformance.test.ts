// GICv4 must not change what a guest sees (docs/oracle.md; impl/README.md; choice.u53.vlpi-vs-lpi): the examples
// and the GICv4 conformance scenarios (spec/conformance/gicv4) run on the kvm target with gicv4
// "4.0" and "4.1" under the reference model's oracle; every expectation (written from the
// architecture) holds, the oracle accepts the trace, and the results equal those of the software
// path (gicv4 "off") wherever the software path itself conforms. The exceptions are KVM's known
// GICv4 divergences, each pinned to the op and result where it shows.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../../spec/scenario.js';
import { expandScenario } from '../../spec/expand.js';
import { kvmTarget } from '../../impl/target.js';
import { runScenario, type RunOutcome } from '../../triage/runner.js';
import { EXAMPLES_DIR } from '../examples-dir.js';

const ROOT = path.resolve(__dirname, '../..');
const DIR = path.join(ROOT, 'spec/conformance/gicv4');
const EXAMPLES = EXAMPLES_DIR;

type Gicv4 = 'off' | '4.0' | '4.1';

/**
 * Known KVM divergences of the GICv4 path: the first op where the oracle finds no explanation
 * and what KVM returned there.
 */
const KNOWN: Record<string, { op: string; got: unknown; why: string }> = {
  'unforward-pending-4.0': { op: 'sysreg.read', got: '0x3ff', why: 'kvm_vgic_v4_unset_forwarding does not read the vLPI pending state back' },
  'unforward-pending-4.1': { op: 'sysreg.read', got: '0x3ff', why: 'kvm_vgic_v4_unset_forwarding does not read the vLPI pending state back' },
  'routing-change-4.0': { op: 'sysreg.read', got: '0x2001', why: 'a routing change unmaps the vLPI without reading its pending state back' },
  'dist-disable-4.0': { op: 'sysreg.read', got: '0x2000', why: 'GICv4.0 has no vGrp1En: vLPIs ignore GICD_CTLR.EnableGrp1' },
  'migrate-4.0': { op: 'migrate', got: undefined, why: 'ITS_SAVE_TABLES returns -EACCES with GICv4.0 vLPIs' },
  'migrate-its-disabled-4.0': { op: 'migrate', got: { errno: [-13, 0, -22] }, why: 'the vLPI stays mapped with the ITS disabled: the save stops at its ITE (-EACCES), the restore meets the partly written tables' },
  'save-shared-intid-4.0': { op: 'kvm.device_attr', got: { errno: -13 }, why: 'one vgic_irq per INTID: saving ITS 1 meets the vLPI that ITS 0\'s event forwarded (-EACCES)' },
  'signal-msi-forwarded-4.0': { op: 'sysreg.read', got: '0x2000', why: 'a translation cached before forwarding latches the vLPI in software: taken twice' },
  'signal-msi-forwarded-4.1': { op: 'sysreg.read', got: '0x2000', why: 'a translation cached before forwarding latches the vLPI in software: taken twice' },
  'wfi-masked-vlpi-4.0': { op: 'sysreg.read', got: '0xf0', why: 'the doorbell sets pending_last, and the wake-up test ignores the priority mask' },
  'wfi-masked-vlpi-4.1': { op: 'sysreg.read', got: '0xf0', why: 'the doorbell sets pending_last, and the wake-up test ignores the priority mask' },
  'wfi-masked-shared-vlpi-4.0': { op: 'wfi', got: 'woken', why: 'the put for the WFI reads PendingLast, and the wake-up test ignores the priority mask (the INTID has a second ITE)' },
  'wfi-pending-masked-vlpi-4.0': { op: 'wfi', got: 'woken', why: 'the put for the WFI reads PendingLast, and the wake-up test ignores the priority mask' },
  'wfi-pending-masked-vlpi-4.1': { op: 'wfi', got: 'woken', why: 'the put for the WFI reads PendingLast, and the wake-up test ignores the priority mask' },
  'enable-lpis-off-4.0': { op: 'sysreg.read', got: '0x2000', why: 'clearing EnableLPIs leaves vLPIs mapped and delivered (choice.u53.vlpi-vs-lpi)' },
  'enable-lpis-off-4.1': { op: 'sysreg.read', got: '0x2000', why: 'clearing EnableLPIs leaves vLPIs mapped and delivered (choice.u53.vlpi-vs-lpi)' },
  'enable-lpis-off-pending-4.0': { op: 'sysreg.read', got: '0x80', why: 'a vLPI pending when EnableLPIs is cleared stays pending in the hardware: ISR_EL1.I reads 1' },
  'forward-pending-wfi-masked-4.0': { op: 'sysreg.read', got: '0xff', why: 'forwarding a pending LPI moves its state into the vLPI, which rings the doorbell of the blocked vCPU' },
  'signal-msi-after-fire-4.0': { op: 'sysreg.read', got: '0x2000', why: 'a KVM_SIGNAL_MSI after the device MSI hits the cached translation: taken twice' },
  'forward-pending-dist-disable-4.0': { op: 'sysreg.read', got: '0x2000', why: 'forwarding moves the pending state into the vLPI, which a GICv4.0 vPE delivers with EnableGrp1 = 0' },
  'mapc-unmap-forwarded-4.1': { op: 'sysreg.read', got: '0x2000', why: 'MAPC V = 0 frees the collection only: the vLPI stays mapped to vCPU 0\'s vPE and the device\'s MSI reaches it' },
  'migrate-signal-msi-4.1': { op: 'sysreg.read', got: '0x3ff', why: 'the KVM_SIGNAL_MSI latched the forwarded LPI in software, and SAVE_PENDING_TABLES on GICv4.1 saves the vLPI\'s state only' },
  'mapc-retarget-twice-pending-4.1': { op: 'sysreg.read', got: '0x2000', why: 'pending twice (software latch and vLPI), one copy taken: the MAPC moves the vLPI with its pending state to vCPU 1' },
  'irqfd-signal-then-int-4.0': { op: 'sysreg.read', got: '0x2000', why: 'the eventfd signal latches the LPI in software through the cached translation, the INT sets the vLPI: taken twice' },
  'irqfd-signal-then-int-4.1': { op: 'sysreg.read', got: '0x2000', why: 'the eventfd signal latches the LPI in software through the cached translation, the INT sets the vLPI: taken twice' },
  'discard-forwarded-then-lpi-4.0': { op: 'sysreg.read', got: '0x2001', why: 'DISCARD leaves a software LPI pending (the vLPI is unmapped with its ITE)' },
  'enable-lpis-off-pending-4.1': { op: 'sysreg.read', got: '0x80', why: 'a vLPI pending when EnableLPIs is cleared stays pending in the hardware: ISR_EL1.I reads 1' },
  'forward-pending-wfi-masked-4.1': { op: 'sysreg.read', got: '0xff', why: 'forwarding a pending LPI moves its state into the vLPI, which rings the doorbell of the blocked vCPU' },
  'signal-msi-after-fire-4.1': { op: 'sysreg.read', got: '0x2000', why: 'a KVM_SIGNAL_MSI after the device MSI hits the cached translation: taken twice' },
  'discard-forwarded-then-lpi-4.1': { op: 'sysreg.read', got: '0x2001', why: 'DISCARD leaves a software LPI pending (the vLPI is unmapped with its ITE)' },
};

function load(file: string): Scenario {
  return JSON.parse(readFileSync(file, 'utf8')) as Scenario;
}

function withGicv4(s: Scenario, g: Gicv4): Scenario {
  const c = structuredClone(s);
  c.config = { ...c.config, impl: { ...c.config?.impl, gicv4: g } };
  return c;
}

interface Outcome {
  /** the full trace (oracle off) and its expectation failures */
  whole: RunOutcome;
  /** the lockstep run with the oracle */
  checked: RunOutcome;
  opNames: string[];
  /** expanded op k is a permitted choice (its scenario op says expectOneOf) */
  choice: boolean[];
}

async function outcome(s: Scenario): Promise<Outcome> {
  const x = expandScenario(s);
  return {
    whole: await runScenario(kvmTarget, x, { oracle: false }),
    checked: await runScenario(kvmTarget, x),
    opNames: x.ops.map((o) => o.op),
    choice: x.origin.map((i) => 'expectOneOf' in (s.ops[i] as object)),
  };
}

function divergenceKey(o: RunOutcome): string {
  if (o.oracleError) return `oracle-error ${o.oracleError.message}`;
  const v = o.verdict;
  if (!v || v.ok) return 'ok';
  return `${v.divergence.opIndex} ${JSON.stringify(v.divergence.got)}`;
}

async function check(name: string, s: Scenario, g: '4.0' | '4.1'): Promise<void> {
  const v4 = await outcome(withGicv4(s, g));
  const sw = await outcome(withGicv4(s, 'off'));
  expect(v4.whole.trace.status).toBe('complete');
  const known = KNOWN[name];
  if (known) {
    const v = v4.checked.verdict;
    expect(v?.ok).toBe(false);
    if (v && !v.ok) {
      expect(v4.opNames[v.divergence.opIndex]).toBe(known.op);
      if (known.got !== undefined) expect(v.divergence.got).toEqual(known.got);
      // the software path does not have this divergence at this op
      expect(divergenceKey(sw.checked)).not.toBe(divergenceKey(v4.checked));
    }
    return;
  }
  // the architecture's expectations hold on the GICv4 path
  expect({ name, g, failures: v4.whole.expectationFailures }).toEqual({ name, g, failures: [] });
  // the oracle accepts, or stops exactly where it stops on the software path (not GICv4's doing)
  const d = divergenceKey(v4.checked);
  if (d !== 'ok') expect({ name, g, divergence: d }).toEqual({ name, g, divergence: divergenceKey(sw.checked) });
  // where the software path conforms, the guest saw exactly the same thing, except where the
  // architecture leaves a choice (expectOneOf: choice.u16.config-cache caching, choice.u45.discard-pending DISCARD of a pending LPI...)
  if (sw.whole.expectationFailures.length === 0 && divergenceKey(sw.checked) === 'ok') {
    const mask = (r: unknown[]): unknown[] => r.map((x, k) => (v4.choice[k] ? '(choice)' : x));
    expect(mask(v4.whole.trace.results)).toEqual(mask(sw.whole.trace.results));
  }
}

const scenarioFiles = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const exampleFiles = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();

describe('GICv4 conformance scenarios on the kvm target', () => {
  test('the suite covers every scheduling state and command family', () => {
    const names = scenarioFiles.map((f) => f.replace(/\.json$/, ''));
    for (const part of ['resident', 'scheduled-out', 'wfi-doorbell', 'pcpu-migration', 'routing-change', 'discard', 'movi', 'movall', 'inv-property', 'clear-int', 'unforward-pending', 'migrate']) {
      expect({ part, present: names.some((n) => n.includes(part)) }).toEqual({ part, present: true });
    }
    for (const f of scenarioFiles) {
      const s = load(path.join(DIR, f));
      expect(s.component).toBe('gicv4');
      expect(['4.0', '4.1']).toContain(s.config?.impl?.gicv4);
    }
  });

  test.each(scenarioFiles)('%s', async (f) => {
    const s = load(path.join(DIR, f));
    await check(f.replace(/\.json$/, ''), s, s.config!.impl!.gicv4 as '4.0' | '4.1');
  });
});

describe('examples with GICv4', () => {
  test.each(exampleFiles.flatMap((f) => [[f, '4.0'], [f, '4.1']] as const))('%s on GICv%s', async (f, g) => {
    await check(f.replace(/\.json$/, ''), load(path.join(EXAMPLES, f)), g);
  });
});
