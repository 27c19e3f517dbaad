// The minimized campaign findings in fuzz/findings/kvm-known/ (README there) stay what they were
// triaged as: each still diverges from the architecture on kvm, the quirk its file is named after
// (<entry>[--<variant>].json) explains it, and it passes on the model target. A finding whose
// entry is not executable yet (kvm-not-yet-quirks.json) is classified new, and the test says so.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { modelOracle, runScenario } from '../../triage/runner.js';
import { problemOf } from '../../triage/signature.js';
import { classifyOutcome, targetQuirks } from '../../triage/classify.js';
import { loadFindingOrScenario } from '../../fuzz/finding.js';
import { expandScenario } from '../../spec/expand.js';

const DIR = path.join(__dirname, '../../fuzz/findings/kvm-known');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const notYet = JSON.parse(readFileSync(path.join(__dirname, 'kvm-not-yet-quirks.json'), 'utf8')) as string[];

test('the folder holds findings', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

test.each(files)('%s: diverges on kvm, explained by its quirk, passes on model', async (file) => {
  const entry = path.basename(file, '.json').split('--')[0]!;
  const { scenario } = loadFindingOrScenario(path.join(DIR, file));
  const expanded = expandScenario(scenario);
  const onKvm = await runScenario(getTarget('kvm')!, expanded);
  const c = classifyOutcome(modelOracle, 'kvm', expanded, onKvm, targetQuirks('kvm'));
  expect(c).not.toBeNull();
  if (notYet.includes(entry)) expect(c!.classification).toBe('new');
  else expect(c).toMatchObject({ classification: 'known', quirks: expect.arrayContaining([entry]) });
  const onModel = await runScenario(getTarget('model')!, expanded);
  expect(problemOf('model', expanded, onModel)).toBeNull();
});
