// Markdown job summary: order of sections, repro commands, collapsed known ones, the size limit.
import { buildReport } from '../../reports/build.js';
import { GITHUB_SUMMARY_LIMIT, renderMarkdown } from '../../reports/markdown.js';
import type { ScenarioResult } from '../../spec/gen/report.js';
import { CAMPAIGNS, conformanceInput } from './fixtures.js';

const count = (s: string, sub: string) => s.split(sub).length - 1;

describe('renderMarkdown', () => {
  const md = renderMarkdown(buildReport({ ...conformanceInput(), campaigns: CAMPAIGNS }));

  test('totals per target, with the unavailable target marked', () => {
    expect(md).toContain('| kvm | 6 | 3 | 0 | 1 | 2 | 0 | 8 | 5 |');
    expect(md).toContain('| model | 6 | 5 | 0 | 0 | 0 | 1 | 7 | 7 |');
    expect(md).toMatch(/\| qemu \(unavailable: qemu-system-aarch64 not found\) \| 6 \| 0 \| 0 \| 0 \| 0 \| 6 \|/);
    expect(md).toContain('❌ 4 new divergences'); // 2 conformance + 2 new findings in the campaigns
  });

  test('new divergences come before the known ones, each with its repro command', () => {
    const newAt = md.indexOf('## New divergences (2)');
    const knownAt = md.indexOf('## Known divergences (1)');
    expect(newAt).toBeGreaterThan(0);
    expect(knownAt).toBeGreaterThan(newAt);
    expect(md).toContain('Reproduce: `gicdiff repro spec/conformance/its/its-movi.json --target kvm`');
    expect(md).toContain('Reproduce: `gicdiff repro spec/conformance/cpuif/iar-spurious.json --target kvm`');
    expect(md.slice(knownAt)).toMatch(/<details><summary>1 known divergence/);
  });

  test('rule coverage per component and the uncovered rules', () => {
    expect(md).toContain('8 rules covered by the suite out of 9 in spec/rules.json');
    // its: its.int.translate + its.movi.pending; kvm passes 1 of 2, model 2 of 2, qemu none
    expect(md).toContain('| its | 2 | 2 / 2 | 1 / 2 | 0 / 0 |');
    expect(md).toContain('`redist.waker.sleep`');
  });

  test('campaigns and the trend', () => {
    expect(md).toContain('| nightly-3 | 2026-11-20T02:00:00.000Z | 4 | 12500 | 60 s | 208.3 | 140 | 2 (2) |');
    expect(md).toContain('disappeared: `kvm:migrate:errno-mismatch:its.save.order`');
    expect(md).toContain('6 of 9 catalogue rules never exercised by nightly-3');
  });

  test('details blocks are balanced', () => {
    expect(count(md, '<details>')).toBe(count(md, '</details>'));
  });

  test('stays under a small budget with a note, details still balanced', () => {
    const small = renderMarkdown(buildReport(conformanceInput()), { maxBytes: 4096 + 900 });
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(4096 + 900);
    expect(small).toMatch(/Summary truncated:\*\* \d+ more block/);
    expect(count(small, '<details>')).toBe(count(small, '</details>'));
  });

  test('a huge suite stays under GitHub\'s 1 MiB step summary limit', () => {
    const input = conformanceInput();
    const base = input.results.find((r) => r.outcome === 'new' && r.failures[0]?.kind === 'divergence')!;
    const many: ScenarioResult[] = [];
    for (let i = 0; i < 6000; i++) {
      const id = `spec/conformance/its/gen-${i}.json`;
      input.scenarios.push({ id, name: `gen-${i}`, file: id, component: 'its', rules: ['its.movi.pending'] });
      many.push({ ...base, scenario: id, outcome: i % 2 ? 'new' : 'known', knownReason: 'k', repro: `gicdiff repro ${id} --target kvm`,
        failures: [{ ...base.failures[0]!, message: 'x'.repeat(200) }] });
    }
    input.results.push(...many);
    const out = renderMarkdown(buildReport(input));
    expect(Buffer.byteLength(out)).toBeLessThan(GITHUB_SUMMARY_LIMIT);
    expect(out).toContain('Summary truncated');
    expect(out.indexOf('## New divergences')).toBeGreaterThan(0);
  });

  test('no new divergence says so', () => {
    const input = conformanceInput();
    input.results = input.results.filter((r) => r.outcome !== 'new');
    const out = renderMarkdown(buildReport(input));
    expect(out).toContain('✅ No new divergence.');
    expect(out).not.toContain('## New divergences');
  });
});
