// The layout is the architecture (README, Layout): which top-level folder may import which.
// - model/ (written from the architecture) and impl/ (written from KVM's behaviour) never import
//   each other: a differential test means something only if the two sides are independent;
// - reports/ only renders: it reads what triage/ and spec/ define and never reaches into fuzz/,
//   cli/, model/ or impl/;
// - triage/ (run and classify) sits under both fuzz/ and reports/ and imports neither, nor cli/.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The top-level folders a folder's files import (relative imports only), with one example each. */
function importedFolders(folder: string): Map<string, string> {
  const seen = new Map<string, string>();
  for (const file of sources(path.join(ROOT, folder))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) continue;
      const top = path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep)[0]!;
      if (top !== folder && !seen.has(top)) seen.set(top, `${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
  return seen;
}

const FORBIDDEN: Record<string, string[]> = {
  model: ['impl', 'fuzz', 'cli', 'reports', 'targets', 'triage'],
  impl: ['model', 'fuzz', 'cli', 'reports', 'targets', 'triage'],
  reports: ['fuzz', 'cli', 'model', 'impl', 'targets'],
  triage: ['fuzz', 'cli', 'reports'],
  spec: ['model', 'impl', 'fuzz', 'cli', 'reports', 'triage', 'targets'],
};

describe('import graph', () => {
  for (const [folder, forbidden] of Object.entries(FORBIDDEN)) {
    test(`${folder}/ imports nothing from ${forbidden.join(', ')}`, () => {
      const imported = importedFolders(folder);
      const bad = forbidden.filter((f) => imported.has(f)).map((f) => imported.get(f));
      expect(bad).toEqual([]);
    });
  }

  test('the scan sees imports (a folder that imports spec/ is found doing so)', () => {
    expect(importedFolders('model').has('spec')).toBe(true);
    expect(importedFolders('fuzz').has('triage')).toBe(true);
  });
});
