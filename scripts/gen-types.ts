// Regenerates spec/gen/*.d.ts from spec/schema/*.schema.json (json-schema-to-typescript).
// `npm run gen-types` writes them; `--check` only reports stale files (exit 1), which
// test/spec/gen-types.test.ts runs.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generateAll } from '../spec/gen-types.js';

const check = process.argv.includes('--check');
const outDir = path.join('spec', 'gen');
await mkdir(outDir, { recursive: true });
const stale: string[] = [];
for (const { file, text } of await generateAll('spec/schema')) {
  const out = path.join(outDir, file);
  if (check) {
    const current = await readFile(out, 'utf8').catch(() => '');
    if (current !== text) stale.push(out);
  } else {
    await writeFile(out, text);
    console.log('wrote', out);
  }
}
if (check && stale.length > 0) {
  console.error(`stale generated types (run npm run gen-types): ${stale.join(', ')}`);
  process.exit(1);
}
