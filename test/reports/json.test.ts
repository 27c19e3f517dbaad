// The machine-readable report validates against spec/schema/report.schema.json.
import { buildReport } from '../../reports/build.js';
import { validateJson, ValidationError } from '../../spec/validate.js';
import { CAMPAIGNS, conformanceInput } from './fixtures.js';

describe('report JSON', () => {
  test('a conformance report with campaigns validates against the schema', () => {
    const report = buildReport({ ...conformanceInput(), campaigns: CAMPAIGNS });
    expect(() => validateJson('report', JSON.parse(JSON.stringify(report)), 'report.json')).not.toThrow();
    expect(report.format).toBe('gicdiff/report@1');
    expect(report.trend?.runs).toHaveLength(3);
  });

  test('a campaign-only report validates', () => {
    const report = buildReport({ version: '0.1.0', targets: [], rules: [], scenarios: [], results: [], campaigns: CAMPAIGNS });
    expect(() => validateJson('report', JSON.parse(JSON.stringify(report)), 'r.json')).not.toThrow();
  });

  test('the schema rejects a result with an unknown outcome, naming the path', () => {
    const report = JSON.parse(JSON.stringify(buildReport(conformanceInput())));
    report.results[3].outcome = 'flaky';
    let err: unknown;
    try { validateJson('report', report, 'r.json'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).jsonPath).toBe('/results/3/outcome');
  });
});
