// A trace the oracle accepts only under an unconfirmed reading (Verdict.unconfirmed) is its own
// outcome, "lenient", in every report: never counted or shown as a pass, never a CI failure.
import { buildReport, hasNewDivergence } from '../../reports/build.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { renderJUnit } from '../../reports/junit.js';
import { renderHtml } from '../../reports/html.js';
import { conformanceInput } from './fixtures.js';

const RULE = 'choice.u24.pending-across-toggle';
function report() {
  const input = conformanceInput();
  // kvm's its-int passes in the fixture: make it a trace explained only by the unconfirmed reading
  input.results = input.results.map((r) => (r.scenario.endsWith('its-int.json') && r.target === 'kvm' ? { ...r, outcome: 'lenient' as const, unconfirmed: [RULE] } : r));
  return buildReport(input);
}

test('totals count it apart from pass', () => {
  const kvm = report().totals.find((t) => t.target === 'kvm')!;
  expect(kvm).toMatchObject({ pass: 2, lenient: 1, known: 1, new: 2 });
});

test('the rule x target cell of the scenario\'s rules is lenient, not pass', () => {
  const r = report();
  const row = r.coverage.find((c) => c.rule === 'its.int.translate')!;
  expect(row.cells.find((c) => c.target === 'kvm')!.status).toBe('lenient');
});

test('Markdown lists it with the rule id; JUnit skips it with the reason; HTML colours it', () => {
  const r = report();
  const md = renderMarkdown(r);
  expect(md).toContain('## Accepted under an unconfirmed reading (1)');
  expect(md).toContain(`\`${RULE}\``);
  const xml = renderJUnit(r);
  expect(xml).toContain(`accepted under an unconfirmed reading of ${RULE}`);
  expect(renderHtml(r)).toContain('st-lenient');
});

test('it is not a new divergence', () => {
  const input = conformanceInput();
  input.results = input.results.filter((x) => x.outcome !== 'new').map((x) => (x.scenario.endsWith('its-int.json') && x.target === 'kvm' ? { ...x, outcome: 'lenient' as const, unconfirmed: [RULE] } : x));
  expect(hasNewDivergence(buildReport(input))).toBe(false);
});
