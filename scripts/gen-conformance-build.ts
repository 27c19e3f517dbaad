// Builds the directed conformance suite in memory: file path (relative to the repository root) ->
// file text, for every scenario of scripts/gen-conformance-{cpuif,dist,its,kvm}.ts, plus the
// problems found (invalid scenario, unknown rule id, duplicate name). Used by the writer
// (scripts/gen-conformance-suite.ts) and by the test that checks the committed files are current.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Def } from './gen-conformance-lib.js';
import { cpuifScenarios } from './gen-conformance-cpuif.js';
import { distScenarios } from './gen-conformance-dist.js';
import { itsScenarios } from './gen-conformance-its.js';
import { kvmScenarios } from './gen-conformance-kvm.js';
import { validateScenarioJson } from '../spec/validate.js';
import type { Scenario } from '../spec/scenario.js';

export const CONFORMANCE_DIR = path.join('spec', 'conformance');

/** One op per line, like the hand-written examples. */
export function formatScenario(s: Scenario): string {
  const { ops, ...head } = s;
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  lines.push(`  "ops": [\n${ops.map((o) => '    ' + JSON.stringify(o)).join(',\n')}\n  ]`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

export function buildSuite(root: string): { files: Map<string, string>; problems: string[] } {
  const rulesFile = path.join(root, 'spec', 'rules.json');
  const rules = new Set((JSON.parse(readFileSync(rulesFile, 'utf8')) as { rules: { id: string }[] }).rules.map((r) => r.id));
  const all: Def[] = [...cpuifScenarios, ...distScenarios, ...itsScenarios, ...kvmScenarios];
  const files = new Map<string, string>();
  const problems: string[] = [];
  for (const d of all) {
    const file = path.join(CONFORMANCE_DIR, d.component, `${d.name}.json`);
    if (files.has(file)) problems.push(`${file}: two scenarios with this name`);
    for (const r of d.rules) if (!rules.has(r)) problems.push(`${file}: unknown rule ${r}`);
    const s = build({ ...d, name: `${d.component}/${d.name}` });
    try {
      validateScenarioJson(JSON.parse(JSON.stringify(s)), file);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    files.set(file, formatScenario(s));
  }
  return { files, problems };
}
