// The report structure every view renders: totals, the rule x target matrix, the trend.
// Expected values are worked out by hand from the fixture (see the comment on RESULTS).
import { buildReport, buildTrend, hasNewDivergence } from '../../reports/build.js';
import { CAMPAIGNS, conformanceInput } from './fixtures.js';

describe('buildReport', () => {
  const report = buildReport(conformanceInput());
  const cell = (rule: string, target: string) => report.coverage.find((r) => r.rule === rule)!.cells.find((c) => c.target === target)!;

  test('totals per target', () => {
    expect(report.totals).toEqual([
      { target: 'model', scenarios: 6, pass: 5, lenient: 0, known: 0, new: 0, unsupported: 1, rulesCovered: 7, rulesPassing: 7 },
      { target: 'kvm', scenarios: 6, pass: 3, lenient: 0, known: 1, new: 2, unsupported: 0, rulesCovered: 8, rulesPassing: 5 },
      { target: 'qemu', scenarios: 6, pass: 0, lenient: 0, known: 0, new: 0, unsupported: 6, rulesCovered: 0, rulesPassing: 0 },
    ]);
  });

  test('one matrix row per covered rule; uncatalogued-but-uncovered rules listed apart', () => {
    expect(report.coverage.map((r) => r.rule).sort()).toEqual([
      'cpuif.iar.ack', 'cpuif.iar.spurious', 'cpuif.rpr', 'dist.ctlr.are', 'its.int.translate', 'its.movi.pending', 'its.save.order', 'lpi.prop.cache',
    ]);
    expect(report.uncoveredRules).toEqual(['redist.waker.sleep']);
  });

  test('a cell shows the worst outcome among the scenarios that decide it', () => {
    expect(cell('its.movi.pending', 'kvm')).toEqual({ target: 'kvm', status: 'new', scenarios: ['spec/conformance/its/its-movi.json'] });
    expect(cell('its.save.order', 'kvm').status).toBe('known');
    expect(cell('cpuif.iar.spurious', 'kvm').status).toBe('new'); // the target error fails the rule the scenario is written for
    expect(cell('its.int.translate', 'kvm')).toEqual({ target: 'kvm', status: 'pass', scenarios: ['spec/conformance/gicv4/gicv4-only.json', 'spec/conformance/its/its-int.json'] });
    // unsupported scenarios cover nothing
    expect(cell('its.int.translate', 'qemu').status).toBe('not-covered');
    // a rule only exercised on the way (not named, not in the failure) counts as a pass
    expect(cell('lpi.prop.cache', 'kvm').status).toBe('pass');
    expect(cell('lpi.prop.cache', 'model').status).toBe('not-covered');
  });

  test('rows are grouped by component and take the catalogue component', () => {
    const comps = report.coverage.map((r) => r.component);
    expect([...comps].sort()).toEqual(comps);
    expect(report.coverage.find((r) => r.rule === 'dist.ctlr.are')!.component).toBe('distributor');
  });

  test('new divergence makes CI fail; known and unsupported do not', () => {
    expect(hasNewDivergence(report)).toBe(true);
    const onlyKnown = conformanceInput();
    onlyKnown.results = onlyKnown.results.filter((r) => r.outcome !== 'new');
    expect(hasNewDivergence(buildReport(onlyKnown))).toBe(false);
  });

  test('a result naming an unknown scenario is rejected', () => {
    const bad = conformanceInput();
    bad.results = [...bad.results, { ...bad.results[0]!, scenario: 'nope.json' }];
    expect(() => buildReport(bad)).toThrow(/unknown scenario nope\.json/);
  });
});

describe('buildTrend', () => {
  test('findings appearing and disappearing between nightly runs', () => {
    const t = buildTrend(CAMPAIGNS);
    expect(t.runs.map((r) => [r.label, r.findings, r.newFindings, r.appeared, r.disappeared])).toEqual([
      ['nightly-1', 2, 1, ['kvm:its.cmd MOVI:value-mismatch:its.movi.pending', 'kvm:migrate:errno-mismatch:its.save.order'], []],
      ['nightly-2', 2, 1, [], []],
      ['nightly-3', 2, 2, ['kvm:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar.ack'], ['kvm:migrate:errno-mismatch:its.save.order']],
    ]);
  });
});
