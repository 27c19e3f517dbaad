// Worker bundles (fuzz/campaign/bundle.ts): each bundled file keeps its own import.meta.url, so a
// module that reads a data file next to itself (schemas, weights, rules) still finds it.
import { Worker } from 'node:worker_threads';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleForWorker } from '../../fuzz/campaign/bundle.js';

test('a bundled module reads the data file next to its source, not next to the bundle', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-bundle-'));
  writeFileSync(path.join(dir, 'data.txt'), 'next to the source');
  writeFileSync(path.join(dir, 'reader.ts'), [
    "import { readFileSync } from 'node:fs';",
    "export const text: string = readFileSync(new URL('./data.txt', import.meta.url), 'utf8');",
  ].join('\n'));
  writeFileSync(path.join(dir, 'entry.ts'), [
    "import { parentPort } from 'node:worker_threads';",
    "import { text } from './reader.js';",
    'parentPort!.postMessage(text);',
  ].join('\n'));
  const bundle = await bundleForWorker(path.join(dir, 'entry.ts'));
  expect(path.dirname(bundle)).not.toBe(dir);
  expect(await bundleForWorker(path.join(dir, 'entry.ts'))).toBe(bundle); // built once
  const text = await new Promise<string>((resolve, reject) => {
    const w = new Worker(bundle, { execArgv: [] });
    w.once('message', (m: string) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  });
  expect(text).toBe('next to the source');
});
