// The generated types in spec/gen/ must match their schemas (run `npm run gen-types` after
// changing a schema). Runs the generator in a child process: prettier, which it uses, needs
// native ESM dynamic import that jest's CommonJS mode does not offer.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

test('spec/gen/*.d.ts are up to date with spec/schema/*.schema.json', () => {
  const root = path.resolve(__dirname, '../..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-types.ts', '--check'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 60000);
