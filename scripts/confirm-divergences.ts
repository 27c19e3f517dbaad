// npx tsx scripts/confirm-divergences.ts [--target kvm-linux --target kvm-linux-6.1] [--md FILE] [--json FILE] [--doc FILE]
// Confirms or refutes each KVM divergence of spec/expectations/kvm.json on the real kernels: every
// scenario that demonstrates an entry on `kvm` (the directed suite, examples/, and the minimized
// findings of fuzz/findings/kvm-known/) runs on each kvm-linux target, classified with that
// target's quirks (which extend kvm's). An entry is confirmed on a kernel when one of its
// scenarios is explained there by the same quirk, not reproduced when they all pass, and otherwise
// says what the kernel did instead (another divergence, or ops the nested VMM cannot express).
// --doc FILE rewrites the part of FILE between the DOC_BEGIN and DOC_END lines (the counts and the
// table of targets/kvm-linux/CONFIRMED.md) with this run's, so that no count there is written by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, UsageError } from '../cli/args.js';
import { getTarget, type Target } from '../spec/target.js';
import { loadTargetExpectations } from '../spec/expectations.js';
import { DEFAULT_SUITE_DIRS, loadSuite, runConformance, type SuiteScenario } from '../triage/conformance.js';
import type { ScenarioResult } from '../spec/gen/report.js';
import { modelOracle, runScenario } from '../triage/runner.js';
import { classifyOutcome, targetQuirks } from '../triage/classify.js';
import '../fuzz/targets.js';

interface EntryVerdict {
  id: string;
  scenarios: string[];
  kernels: Record<string, { verdict: 'confirmed' | 'not reproduced' | 'other' | 'unsupported' | 'no scenario'; detail: string; kernel?: string }>;
}

/** The lines of the document --doc rewrites between (targets/kvm-linux/CONFIRMED.md). */
const DOC_BEGIN = '<!-- scripts/confirm-divergences.ts --doc: generated from here -->';
const DOC_END = '<!-- scripts/confirm-divergences.ts --doc: to here -->';
const VERDICTS = ['confirmed', 'not reproduced', 'other', 'unsupported', 'no scenario'] as const;

/** the quirks a known result needed (triage/classify.ts) */
const quirksOf = (r: ScenarioResult): readonly string[] => (r.outcome === 'known' ? r.quirks ?? [] : []);

async function main(): Promise<void> {
  const { options } = parseArgs(process.argv.slice(2), {
    target: { type: 'strings', value: 'NAME', description: 'real-kernel targets (default kvm-linux, kvm-linux-6.1)' },
    md: { type: 'string', value: 'FILE', description: 'write the table as Markdown' },
    json: { type: 'string', value: 'FILE', description: 'write the verdicts as JSON' },
    doc: { type: 'string', value: 'FILE', description: `replace the lines between "${DOC_BEGIN}" and "${DOC_END}" of FILE with the counts and the table` },
  });
  const doc = options.doc as string | undefined;
  const docText = doc === undefined ? '' : readFileSync(doc, 'utf8');
  if (doc !== undefined && !(docText.includes(DOC_BEGIN) && docText.includes(DOC_END))) throw new UsageError(`${doc}: no "${DOC_BEGIN}" ... "${DOC_END}" lines to replace`);
  const names = (options.target as string[] | undefined) ?? ['kvm-linux', 'kvm-linux-6.1'];
  const real = names.map((n) => {
    const t = getTarget(n);
    if (!t) throw new UsageError(`no target named ${n}`);
    const why = t.unavailable?.();
    if (why) throw new UsageError(`target ${n} is unavailable: ${why}`);
    return t;
  });
  const kvm = getTarget('kvm')!;
  const suite: SuiteScenario[] = [...loadSuite(DEFAULT_SUITE_DIRS), ...loadSuite(['fuzz/findings/kvm-known'])];
  const entries = (JSON.parse(readFileSync('spec/expectations/kvm.json', 'utf8')) as { entries: { id: string }[] }).entries.map((e) => e.id);
  const run = (targets: Target[], s: SuiteScenario[]) => runConformance(targets, s, {
    run: runScenario, classify: (n, s, o) => classifyOutcome(modelOracle, n, s, o, targetQuirks(n)), expectations: (n) => loadTargetExpectations(n), timeoutMs: 60_000,
  });

  // which scenarios show which entry on kvm (a kvm-known file shows the entry it is named after)
  const onKvm = await run([kvm], suite);
  const byEntry = new Map<string, SuiteScenario[]>();
  onKvm.forEach((r, i) => {
    for (const id of quirksOf(r)) byEntry.set(id, [...(byEntry.get(id) ?? []), suite[i]!]);
  });
  const demo = [...new Set([...byEntry.values()].flat())];
  const shownOnKvm = `${demo.length} scenarios demonstrate ${byEntry.size} of ${entries.length} entries on kvm`;
  process.stderr.write(`${shownOnKvm}; running them on ${names.join(', ')}\n`);
  const onReal = new Map<string, Map<string, ScenarioResult>>();
  const kernels = new Map<string, string>();
  for (const t of real) {
    const rs = await run([t], demo);
    const m = new Map<string, ScenarioResult>();
    rs.forEach((r, i) => m.set(demo[i]!.meta.id, r));
    onReal.set(t.name, m);
    const k = (t as unknown as { kernel?: () => { release: string } | null }).kernel?.();
    if (k) kernels.set(t.name, k.release);
  }

  const verdicts: EntryVerdict[] = entries.map((id) => {
    const scenarios = byEntry.get(id) ?? [];
    const v: EntryVerdict = { id, scenarios: scenarios.map((s) => s.meta.file), kernels: {} };
    for (const t of real) {
      const kernel = kernels.get(t.name);
      if (!scenarios.length) {
        v.kernels[t.name] = { verdict: 'no scenario', detail: 'no directed scenario or kept finding shows it on kvm', ...(kernel ? { kernel } : {}) };
        continue;
      }
      const rs = scenarios.map((s) => onReal.get(t.name)!.get(s.meta.id)!);
      const same = rs.find((r) => quirksOf(r).includes(id));
      const verdict = same ? 'confirmed'
        : rs.every((r) => r.outcome === 'unsupported') ? 'unsupported'
        : rs.every((r) => r.outcome === 'pass' || r.outcome === 'unsupported') ? 'not reproduced' : 'other';
      const shown = same ?? rs.find((r) => r.outcome !== 'unsupported') ?? rs[0]!;
      const detail = verdict === 'confirmed' ? `${shown.scenario}` : verdict === 'unsupported' ? (shown.unsupportedReason ?? '')
        : verdict === 'not reproduced' ? `${rs.filter((r) => r.outcome === 'pass').map((r) => r.scenario).join(', ')} pass`
        : `${shown.scenario}: ${shown.outcome}${quirksOf(shown).length ? ` as ${quirksOf(shown).join(', ')}` : ''}: ${shown.failures[0]?.message ?? ''}`;
      v.kernels[t.name] = { verdict, detail, ...(kernel ? { kernel } : {}) };
    }
    return v;
  });

  const lines = [
    '| entry | ' + names.map((n) => `${n} (${kernels.get(n) ?? '?'})`).join(' | ') + ' | scenarios |',
    '| --- | ' + names.map(() => '---').join(' | ') + ' | --- |',
  ];
  for (const v of verdicts) {
    lines.push(`| ${v.id} | ${names.map((n) => `**${v.kernels[n]!.verdict}**${v.kernels[n]!.verdict === 'other' ? `: ${v.kernels[n]!.detail.replace(/\|/g, '\\|').slice(0, 200)}` : ''}`).join(' | ')} | ${v.scenarios.join(', ')} |`);
  }
  const count = (n: string, what: string) => verdicts.filter((v) => v.kernels[n]!.verdict === what).length;
  const counts = names.map((n) => `${n} (${kernels.get(n)}): ${VERDICTS.map((w) => `${count(n, w)} ${w}`).join(', ')}`);
  for (const c of counts) process.stdout.write(c + '\n');
  if (doc !== undefined) {
    const block = [DOC_BEGIN, '', `${shownOnKvm}. Per kernel:`, '', ...counts.map((c) => `- ${c}`), '', ...lines, '', DOC_END];
    const start = docText.indexOf(DOC_BEGIN);
    const end = docText.indexOf(DOC_END, start) + DOC_END.length;
    writeFileSync(doc, docText.slice(0, start) + block.join('\n') + docText.slice(end));
  }
  if (options.md) writeFileSync(options.md as string, lines.join('\n') + '\n');
  if (options.json) writeFileSync(options.json as string, JSON.stringify({ kernels: Object.fromEntries(kernels), verdicts }, null, 1) + '\n');
  if (!options.md) process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`confirm-divergences: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
