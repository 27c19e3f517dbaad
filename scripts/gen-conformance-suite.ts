// Writes the directed conformance suite: spec/conformance/<component>/<name>.json, one file per
// scenario defined in scripts/gen-conformance-{cpuif,dist,its,kvm}.ts. Run with
//   npx tsx scripts/gen-conformance-suite.ts
// Every scenario is validated (spec/validate.ts) and every rule id it names must exist in
// spec/rules.json; files of scenarios that no longer exist are removed.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { build, type Def } from './gen-conformance-lib.js';
import { cpuifScenarios } from './gen-conformance-cpuif.js';
import { distScenarios } from './gen-conformance-dist.js';
import { itsScenarios } from './gen-conformance-its.js';
import { kvmScenarios } from './gen-conformance-kvm.js';
import { validateScenarioJson } from '../spec/validate.js';
import type { Scenario } from '../spec/scenario.js';

const OUT = path.join('spec', 'conformance');
const RULES = new Set((JSON.parse(readFileSync(path.join('spec', 'rules.json'), 'utf8')) as { rules: { id: string }[] }).rules.map((r) => r.id));

/** One op per line, like the hand-written examples. */
export function formatScenario(s: Scenario): string {
  const { ops, ...head } = s;
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  lines.push(`  "ops": [\n${ops.map((o) => '    ' + JSON.stringify(o)).join(',\n')}\n  ]`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

const all: Def[] = [...cpuifScenarios, ...distScenarios, ...itsScenarios, ...kvmScenarios];
const written = new Set<string>();
const problems: string[] = [];
for (const d of all) {
  const file = path.join(OUT, d.component, `${d.name}.json`);
  if (written.has(file)) problems.push(`${file}: two scenarios with this name`);
  for (const r of d.rules) if (!RULES.has(r)) problems.push(`${file}: unknown rule ${r}`);
  const s = build({ ...d, name: `${d.component}/${d.name}` });
  try {
    validateScenarioJson(JSON.parse(JSON.stringify(s)), file);
  } catch (e) {
    problems.push((e as Error).message);
    continue;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, formatScenario(s));
  written.add(file);
}
if (existsSync(OUT)) {
  // only the components this generator writes (spec/conformance/gicv4 is maintained by hand)
  const generated = new Set(all.map((d) => d.component));
  for (const dir of readdirSync(OUT)) {
    if (!generated.has(dir)) continue;
    for (const f of readdirSync(path.join(OUT, dir))) {
      const p = path.join(OUT, dir, f);
      if (f.endsWith('.json') && !written.has(p)) rmSync(p);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`wrote ${written.size} scenarios to ${OUT}`);
