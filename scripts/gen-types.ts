// Regenerates spec/gen/*.d.ts from spec/schema/*.schema.json (json-schema-to-typescript).
// `npm run gen-types`; test/spec/gen-types.test.ts fails when the committed files are stale.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generateAll } from '../spec/gen-types.js';

const outDir = path.join('spec', 'gen');
await mkdir(outDir, { recursive: true });
for (const { file, text } of await generateAll('spec/schema')) {
  const out = path.join(outDir, file);
  await writeFile(out, text);
  console.log('wrote', out);
}
