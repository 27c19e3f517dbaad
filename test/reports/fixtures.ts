// Hand-made report inputs: three targets, rules from several components, every outcome, three
// nightly campaigns. Built by hand (not by the code under test) so the tests can state what the
// views must show.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReportInput } from '../../reports/build.js';
import type { CampaignSummary, ScenarioResult } from '../../spec/gen/report.js';

export const RULES = [
  { id: 'cpuif.iar.ack', component: 'cpuif', statement: 'Reading ICC_IAR1_EL1 acknowledges the highest-priority pending Group 1 interrupt', source: 'IHI 0069 ICC_IAR1_EL1' },
  { id: 'cpuif.iar.spurious', component: 'cpuif', statement: 'ICC_IAR1_EL1 returns 1023 when nothing is pending above the PMR', source: 'IHI 0069 2.2 INTIDs, special INTID 1023' },
  { id: 'cpuif.rpr', component: 'cpuif', statement: 'ICC_RPR_EL1 is the priority of the highest active interrupt', source: 'IHI 0069 ICC_HPPIR1_EL1, ICC_RPR_EL1' },
  { id: 'its.int.translate', component: 'its', statement: 'INT makes the mapped LPI pending on its collection target', source: 'IHI 0069 5.3 ITS commands' },
  { id: 'its.movi.pending', component: 'its', statement: 'MOVI moves a pending LPI to the new collection', source: 'IHI 0069 5.3 ITS commands' },
  { id: 'its.save.order', component: 'save-restore', statement: 'ITS tables restore only after the collection and device tables', source: 'vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables' },
  { id: 'dist.ctlr.are', component: 'distributor', statement: 'GICD_CTLR.ARE is RAO/WI for a KVM guest', source: 'IHI 0069 GICD_CTLR.ARE and .DS' },
  { id: 'lpi.prop.cache', component: 'lpi', statement: 'A property table change may be seen before INV', source: 'IHI 0069 5.1 LPI configuration caching; GICR_INVLPIR, choice.u30.baser-write-enabled' },
  { id: 'redist.waker.sleep', component: 'redistributor', statement: 'GICR_WAKER.ChildrenAsleep follows ProcessorSleep', source: 'IHI 0069 GICR_* registers' },
];

const sc = (id: string, component: string, rules: string[]) => ({
  id: `spec/conformance/${component}/${id}.json`, name: id, file: `spec/conformance/${component}/${id}.json`, component, rules,
  description: `hand-made ${id}`,
});

export const SCENARIOS = [
  sc('iar-ack', 'cpuif', ['cpuif.iar.ack', 'cpuif.rpr']),
  sc('iar-spurious', 'cpuif', ['cpuif.iar.spurious']),
  sc('its-int', 'its', ['its.int.translate']),
  sc('its-movi', 'its', ['its.movi.pending']),
  sc('its-restore-order', 'save-restore', ['its.save.order']),
  sc('gicv4-only', 'gicv4', ['its.int.translate']),
];

const repro = (file: string, t: string) => `gicdiff repro ${file} --target ${t}`;
const res = (scenario: string, target: string, outcome: ScenarioResult['outcome'], extra: Partial<ScenarioResult> = {}): ScenarioResult => {
  const file = SCENARIOS.find((s) => s.name === scenario)!.file;
  return { scenario: file, target, outcome, rulesExercised: [], failures: [], repro: repro(file, target), durationMs: 3, ...extra };
};

/**
 * model: everything passes except gicv4-only (unsupported).
 * kvm: its-movi is a NEW divergence naming its.movi.pending; its-restore-order is KNOWN;
 *      iar-spurious hit a target error (new). iar-ack passes and also exercised dist.ctlr.are.
 * qemu: unavailable on this machine, every scenario unsupported.
 */
export const RESULTS: ScenarioResult[] = [
  res('iar-ack', 'model', 'pass', { rulesExercised: ['cpuif.iar.ack', 'cpuif.rpr', 'dist.ctlr.are'] }),
  res('iar-spurious', 'model', 'pass', { rulesExercised: ['cpuif.iar.spurious'] }),
  res('its-int', 'model', 'pass', { rulesExercised: ['its.int.translate'] }),
  res('its-movi', 'model', 'pass', { rulesExercised: ['its.movi.pending'] }),
  res('its-restore-order', 'model', 'pass', { rulesExercised: ['its.save.order'] }),
  res('gicv4-only', 'model', 'unsupported', { unsupportedReason: 'model has no GICv4 knobs' }),
  res('iar-ack', 'kvm', 'pass', { rulesExercised: ['cpuif.iar.ack', 'cpuif.rpr', 'dist.ctlr.are'] }),
  res('iar-spurious', 'kvm', 'new', {
    failures: [{ kind: 'target-error', opIndex: 7, message: 'target threw: TypeError: cannot read <lr> & "state"\u0000' }],
  }),
  res('its-int', 'kvm', 'pass', { rulesExercised: ['its.int.translate'] }),
  res('its-movi', 'kvm', 'new', {
    rulesExercised: ['its.movi.pending', 'lpi.prop.cache'],
    failures: [{
      kind: 'divergence', opIndex: 12, message: 'ICC_IAR1_EL1 on cpu 1 returned 0x3ff; the architecture allows 0x2000',
      got: '0x3ff', allowed: ['0x2000'], rules: ['its.movi.pending'],
    }],
  }),
  res('its-restore-order', 'kvm', 'known', {
    knownReason: 'KVM restores the ITS tables in its own order (impl/DIVERGENCES.md)',
    failures: [{ kind: 'divergence', opIndex: 30, message: 'restore returned -22; allowed 0', got: { errno: [0, -22] }, allowed: [{ errno: [0, 0] }], rules: ['its.save.order'] }],
  }),
  res('gicv4-only', 'kvm', 'pass', { rulesExercised: ['its.int.translate'] }),
  ...SCENARIOS.map((s) => res(s.name, 'qemu', 'unsupported', { unsupportedReason: 'qemu-system-aarch64 not found' })),
];

export const TARGETS = [
  { name: 'model', description: 'reference model' },
  { name: 'kvm', description: 'KVM vGIC implementation' },
  { name: 'qemu', description: 'QEMU', unavailable: 'qemu-system-aarch64 not found' },
];

const series = (n: number, rate: number, rules: number, findings: number) =>
  Array.from({ length: n }, (_, i) => ({ elapsedS: i * 2, scenarios: Math.round(rate * i * 2), rate: rate + (i % 3), rulesCovered: Math.min(rules, 20 + i * 8), findings: Math.min(findings, i) }));

/** Three nightly runs: finding A in all, B fixed after night 2, C new in night 3. */
export const CAMPAIGNS: CampaignSummary[] = [
  { dir: 'out/n1', label: 'nightly-1', startedAt: '2026-11-18T02:00:00.000Z', targets: ['kvm'], shards: 4, scenarios: 10000, durationS: 60, rate: 166.7, rulesCovered: 120,
    findings: [
      { signature: 'kvm:its.cmd MOVI:value-mismatch:its.movi.pending', status: 'new', target: 'kvm', message: 'MOVI lost the pending state', count: 17, seed: '42:1033', file: 'out/n1/findings/a/minimized.json' },
      { signature: 'kvm:migrate:errno-mismatch:its.save.order', status: 'known', target: 'kvm', message: 'restore order', knownReason: 'expectation kvm-restore-order', count: 3 },
    ], series: series(31, 160, 120, 2) },
  { dir: 'out/n2', label: 'nightly-2', startedAt: '2026-11-19T02:00:00.000Z', targets: ['kvm'], shards: 4, scenarios: 11000, durationS: 60, rate: 183.3, rulesCovered: 131,
    findings: [
      { signature: 'kvm:its.cmd MOVI:value-mismatch:its.movi.pending', status: 'new', target: 'kvm', message: 'MOVI lost the pending state', count: 9 },
      { signature: 'kvm:migrate:errno-mismatch:its.save.order', status: 'known', target: 'kvm', message: 'restore order', count: 4 },
    ], series: series(31, 180, 131, 2) },
  { dir: 'out/n3', label: 'nightly-3', startedAt: '2026-11-20T02:00:00.000Z', targets: ['kvm'], shards: 4, scenarios: 12500, durationS: 60, rate: 208.3, rulesCovered: 140,
    ruleHits: { 'cpuif.iar.ack': 5012, 'its.movi.pending': 3, 'redist.waker.sleep': 40 },
    findings: [
      { signature: 'kvm:its.cmd MOVI:value-mismatch:its.movi.pending', status: 'new', target: 'kvm', message: 'MOVI lost the pending state', count: 5 },
      { signature: 'kvm:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar.ack', status: 'new', target: 'kvm', message: 'IAR returned 1023 with SGI 2 pending', count: 1, seed: '42:99' },
    ], series: series(31, 200, 140, 2) },
];

export function conformanceInput(): ReportInput {
  return {
    version: '0.1.0',
    targets: TARGETS,
    rules: RULES,
    scenarios: SCENARIOS,
    results: RESULTS,
    now: new Date('2026-11-21T18:00:00.000Z'),
  };
}

/** Writes a campaign folder in the format of fuzz/CAMPAIGN-FORMAT.md. */
export function writeCampaignFolder(dir: string, opts: {
  startedAt: string; scenarios: number; elapsedMs: number; rate: number; ruleCount: number;
  findings: { signature: string; classification: 'new' | 'known' | 'inconclusive'; rule: string; count: number; minimized?: boolean; mismatch?: string }[];
  statsLines?: number; shards?: number; ruleHits?: Record<string, number>;
}): void {
  mkdirSync(path.join(dir, 'findings'), { recursive: true });
  const findings = opts.findings.map((f, i) => {
    const sub = `findings/f${i}`;
    mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, sub, 'finding.json'), '{}');
    if (f.minimized) writeFileSync(path.join(dir, sub, 'minimized.json'), '{}');
    return {
      signature: f.signature, parts: { target: 'kvm', op: 'its.cmd', detail: 'MOVI', mismatch: f.mismatch ?? 'value-mismatch', rule: f.rule },
      classification: f.classification, knownId: f.classification === 'known' ? 'kvm-known-1' : null, count: f.count,
      firstSeed: `7:${i}`, firstFoundAt: opts.startedAt, dir: sub, message: `finding ${i}`, minimizedOps: f.minimized ? 5 : null,
    };
  });
  const count = (c: string) => findings.filter((f) => f.classification === c).length;
  const shards = Array.from({ length: opts.shards ?? 1 }, (_, i) => ({ index: i, count: opts.shards ?? 1 }));
  writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({
    format: 'gicdiff/campaign-summary@1', final: true, stopReason: 'time', target: 'kvm', seed: '7', profile: 'full',
    shard: { index: 0, count: 1 }, shards, workers: 2, generatorVersion: 'gen@3', gicdiffVersion: '0.1.0',
    startedAt: opts.startedAt, endedAt: opts.startedAt, elapsedMs: opts.elapsedMs, scenarios: opts.scenarios, ops: opts.scenarios * 40,
    scenariosPerSec: opts.rate, opsPerSec: opts.rate * 40,
    statuses: { ok: opts.scenarios, divergent: 0, 'target-error': 0, 'step-budget': 0, unsupported: 0 },
    coverage: { rules: Object.keys(opts.ruleHits ?? {}).sort(), ruleCount: opts.ruleCount, rulePairs: 10, ruleHits: opts.ruleHits ?? {} },
    findings, counts: { new: count('new'), known: count('known'), inconclusive: count('inconclusive') }, corpus: 3,
  }, null, 2));
  const n = opts.statsLines ?? 5;
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({
    t: opts.startedAt, elapsedMs: Math.round((opts.elapsedMs * i) / Math.max(1, n - 1)), scenarios: Math.round((opts.scenarios * i) / Math.max(1, n - 1)), ops: 0,
    scenariosPerSec: opts.rate, opsPerSec: 0, rules: Math.round((opts.ruleCount * (i + 1)) / n), rulePairs: 0,
    findingsNew: i === n - 1 ? count('new') : 0, findingsKnown: 0, findingsInconclusive: i === n - 1 ? count('inconclusive') : 0, hits: 0, targetErrors: 0, stepBudget: 0, unsupported: 0, corpus: 0, workers: 2,
  }));
  writeFileSync(path.join(dir, 'stats.jsonl'), lines.join('\n') + '\n');
}
