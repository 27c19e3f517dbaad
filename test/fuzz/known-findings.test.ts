// The minimized campaign findings in fuzz/findings/kvm-known/ (README there) stay what they were
// triaged as: each still diverges on kvm, is classified as the expectation its file is named after,
// and passes on the model target (the model's own behaviour is inside what it allows).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { runScenario } from '../../fuzz/runner.js';
import { problemOf } from '../../fuzz/signature.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { expandScenario } from '../../spec/expand.js';
import { loadTargetExpectations, matchExpectation } from '../../spec/expectations.js';

const DIR = path.join(__dirname, '../../fuzz/findings/kvm-known');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const expectations = loadTargetExpectations('kvm');

test('the folder holds findings', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

test.each(files)('%s: diverges on kvm, known as its entry, passes on model', async (file) => {
  const { scenario } = loadFindingOrScenario(path.join(DIR, file));
  const expanded = expandScenario(scenario);
  const onKvm = await runScenario(getTarget('kvm')!, expanded);
  const problem = problemOf('kvm', expanded, onKvm);
  expect(problem).not.toBeNull();
  expect(matchExpectation(expectations, problem!.parts, problem!.context)?.id).toBe(path.basename(file, '.json'));
  const onModel = await runScenario(getTarget('model')!, expanded);
  expect(problemOf('model', expanded, onModel)).toBeNull();
});
