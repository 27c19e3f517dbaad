// Where a kvm-linux scenario's time goes, by phase and by op kind, on the fixed bench scenarios
// (bench:0 .. bench:N-1, the ones `measure.ts kvm-linux-fixed` runs).
//
//   npx tsx scripts/bench/kvm-linux-profile.ts [N] [--json FILE]
//
// Each run has the agent stamp the start of every record of its ops buffer with the nested
// guest's virtual counter (agent/protocol.h TIMELINE_BASE: a register read, no exit), so the time
// between two stamps is what that record cost, its exits and whatever KVM and the VMM did for it
// included. The phases come from the VMM's counters: VM creation, the agent's start (vCPUs
// brought online), the ops, the previous VM's teardown, and the host's side (the channel, the
// request, the trace). All times are the nested machine's clock, which follows the host's: on a
// loaded host they stretch, but the shares hold. Also the QEMU CPU time per scenario, which a
// loaded host does not inflate the way it does the clock.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { expandScenario } from '../../spec/expand.js';
import type { ExpandedScenario, PrimitiveOp, ResolvedConfig } from '../../spec/scenario.js';
import '../../fuzz/targets.js';
import { decodeOps, encodeOps } from '../../targets/qemu/encoding.js';
import { REC_FLAG_SILENT } from '../../targets/qemu/protocol.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'string' } } });
const n = Number(positionals[0] ?? 40);
if (!Number.isInteger(n) || n < 1) {
  console.error(`kvm-linux-profile: N must be a positive whole number, not ${positionals[0]}`);
  process.exit(2);
}

const { kvmLinuxTarget, CONSOLE_BASE, DOORBELL_ADDR, KVM_CREADR_POLLS } = await import('../../targets/kvm-linux/target.js');
const { HostOpTable } = await import('../../targets/kvm-linux/hostops.js');
const { generateScenario } = await import('../../fuzz/generate.js');
const why = kvmLinuxTarget.unavailable();
if (why) {
  console.log(`kvm-linux unavailable: ${why}`);
  process.exit(0);
}

/** The op each record of the ops buffer runs (null: a silent record the VMM needs for itself). */
function recordOps(s: ExpandedScenario): (PrimitiveOp | null)[] {
  const table = new HostOpTable();
  const buf = encodeOps(s, { kvmSync: true, creadrPolls: KVM_CREADR_POLLS, vmm: { console: CONSOLE_BASE, doorbell: DOORBELL_ADDR, hostIndex: (op) => table.add(op) } });
  let next = 0;
  return decodeOps(buf).records.map((r) => (r.flags & REC_FLAG_SILENT ? null : s.ops[next++] ?? null));
}

/** What an op counts as: its kind, and for an MMIO access the frame it touches. */
function opKind(op: PrimitiveOp | null): string {
  if (!op) return '(silent record)';
  if (op.op === 'mmio.read' || op.op === 'mmio.write') return `${op.op} ${op.frame}`;
  return op.op;
}

const kinds = new Map<string, { count: number; ms: number; each: number[] }>();
const phases: Record<string, number> = {};
const add = (k: string, v: number) => { phases[k] = (phases[k] ?? 0) + v; };
const dearest: { scenario: string; index: number; op: string; ms: number }[] = [];
const accept = (op: PrimitiveOp, config: ResolvedConfig) => kvmLinuxTarget.supports(op, config);
kvmLinuxTarget.profileTimeline = true;
await kvmLinuxTarget.warmUp();
await kvmLinuxTarget.warmUp('v4');
const cpu0 = await kvmLinuxTarget.machinesCpuMs();
let complete = 0;
for (let i = 0; i < n; i++) {
  const s = expandScenario(generateScenario(`bench:${i}`, { accept }));
  const t = await kvmLinuxTarget.runWhole(s, { timeoutMs: 30_000 });
  if (t.status === 'complete') complete++;
  const c = t.counters ?? {};
  const hz = c['timeline.hz'] ?? 0;
  const records = recordOps(s);
  // the records' stamps in order; a host record run behind another's doorbell has none
  const stamps: [number, number][] = [];
  for (let k = 0; k < records.length; k++) if (c[`timeline.${k}`] !== undefined) stamps.push([k, c[`timeline.${k}`]!]);
  const end = c['timeline.end'];
  // A migrate restores the vCPUs' virtual counter (KVM_REG_ARM_TIMER_CNT), so the guest's clock
  // does not see the time between its save and its restore: a migrate's time is the VMM's
  // count of its phases instead.
  const migrateMs = Object.entries(c).filter(([k]) => /^time\.migrate_[a-z]+_us$/.test(k)).reduce((a, [, v]) => a + v / 1000, 0);
  let migrateSeen = 0;
  let opsMs = hz && end !== undefined ? (end / hz) * 1000 : 0;
  const spans: { k: number; ms: number }[] = [];
  for (let j = 0; hz && end !== undefined && j < stamps.length; j++) {
    const [k, at] = stamps[j]!;
    const until = j + 1 < stamps.length ? stamps[j + 1]![1] : end;
    // a record's span covers the unstamped host records behind its doorbell too
    spans.push({ k, ms: ((until - at) / hz) * 1000 });
  }
  const migrates = spans.filter(({ k }) => records[k]?.op === 'migrate');
  for (const m of migrates) migrateSeen += m.ms;
  opsMs += migrateMs - migrateSeen;
  for (const { k, ms: seen } of spans) {
    const kind = opKind(records[k]!);
    // the scenario's migrates share the VMM's count by what the guest saw of each
    const ms = kind === 'migrate' ? (migrateSeen > 0 ? (seen / migrateSeen) * migrateMs : migrateMs / migrates.length) : seen;
    const e = kinds.get(kind) ?? { count: 0, ms: 0, each: [] };
    e.count++;
    e.ms += ms;
    e.each.push(ms);
    kinds.set(kind, e);
    dearest.push({ scenario: `bench:${i}`, index: k, op: JSON.stringify(records[k]).slice(0, 160), ms });
  }
  const agentStartMs = (c['time.agent_start_us'] ?? 0) / 1000;
  add('host side (channel, request, trace)', (c['hostMs'] ?? 0) - (c['vmmMs'] ?? 0));
  add('VM creation and agent load', c['vmCreateMs'] ?? 0);
  add('agent start (vCPUs online)', agentStartMs);
  add('ops (the timeline)', opsMs);
  add('after the ops (power-off, counters)', (c['vmRunMs'] ?? 0) - agentStartMs - opsMs);
  add('previous VM teardown (overlaps the host side)', c['previousVmDestroyMs'] ?? 0);
  for (const [k, v] of Object.entries(c)) if (/^time\.migrate_[a-z]+_us$/.test(k)) add(`  of the ops: migrate ${k.slice(13, -3)}`, v / 1000);
}
const cpu1 = await kvmLinuxTarget.machinesCpuMs();
kvmLinuxTarget.shutdown();

const opsTotal = [...kinds.values()].reduce((a, e) => a + e.ms, 0);
const fmt = (x: number, d = 1) => x.toFixed(d).padStart(8);
const lines: string[] = [];
lines.push(`kvm-linux profile: bench:0..${n - 1} (${complete}/${n} complete), per scenario, nested machine's clock (ms)`);
if (cpu0 !== null && cpu1 !== null) lines.push(`QEMU CPU per scenario: ${fmt((cpu1 - cpu0) / n)} ms`);
for (const [k, v] of Object.entries(phases)) lines.push(`${fmt(v / n)}  ${k}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
lines.push('ops by kind: ms per scenario, share of the ops time, count per scenario, ms each (mean, median)');
for (const [k, e] of [...kinds.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  lines.push(`${fmt(e.ms / n)}  ${fmt((100 * e.ms) / opsTotal)}%  ${fmt(e.count / n)}  ${fmt(e.ms / e.count, 2)}  ${fmt(median(e.each), 2)}  ${k}`);
}
lines.push('dearest records:');
for (const d of dearest.sort((a, b) => b.ms - a.ms).slice(0, 12)) lines.push(`${fmt(d.ms)}  ${d.scenario} record ${d.index}: ${d.op}`);
console.log(lines.join('\n'));
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ n, complete, qemuCpuMsPerScenario: cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / n : null,
    phasesMsPerScenario: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, v / n])),
    kinds: Object.fromEntries([...kinds.entries()].map(([k, e]) => [k, { perScenarioMs: e.ms / n, count: e.count / n, medianMs: median(e.each) }])) }, null, 1));
}
