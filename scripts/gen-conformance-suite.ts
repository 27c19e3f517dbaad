// Writes the directed conformance suite: spec/conformance/<component>/<name>.json, one file per
// scenario defined in scripts/gen-conformance-{cpuif,dist,its,kvm}.ts. Run from the repository root:
//   npx tsx scripts/gen-conformance-suite.ts
// Every scenario is validated (spec/validate.ts) and every rule id it names must exist in
// spec/rules.json; JSON files of scenarios that no longer exist are removed from the component
// folders it writes (never from folders it does not generate, such as gicv4/).
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { buildSuite, CONFORMANCE_DIR } from './gen-conformance-build.js';

const { files, problems } = buildSuite('.');
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
for (const [file, text] of files) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
// Remove stale files only in the component folders this generator writes: other folders of
// spec/conformance (e.g. gicv4/) belong to other authors.
const ownDirs = new Set([...files.keys()].map((f) => path.dirname(f)));
for (const dir of ownDirs) {
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (f.endsWith('.json') && !files.has(p)) rmSync(p);
  }
}
console.log(`wrote ${files.size} scenarios to ${CONFORMANCE_DIR}`);
