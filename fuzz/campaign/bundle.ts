// Worker threads on Node 20 cannot load .ts through tsx, so campaign code for
// workers is bundled with esbuild once (~50 ms) into node_modules/.cache/gicdiff-fuzz/, named by
// content hash so parallel processes share it. Each file's `import.meta.url` is replaced by that
// file's own URL, so modules that find data files next to themselves (schemas, weights) still do.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = new Map<string, string>();

/** The project root: two folders up from this file (fuzz/campaign/). */
export function projectRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** Bundle `entry` (a .ts file) for a worker thread; returns the path of the .mjs bundle. */
export async function bundleForWorker(entry: string): Promise<string> {
  const abs = path.resolve(entry);
  const cached = built.get(abs);
  if (cached) return cached;
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const cacheDir = path.join(projectRoot(), 'node_modules', '.cache', 'gicdiff-fuzz');
  const out = await esbuild.build({
    entryPoints: [abs],
    bundle: true,
    packages: 'external', // node_modules are resolved at run time, from the project
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: path.join(cacheDir, 'bundle.mjs'),
    write: false,
    logLevel: 'silent',
    plugins: [{
      name: 'own-import-meta-url',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (args) => {
          const text = readFileSync(args.path, 'utf8');
          const url = JSON.stringify(pathToFileURL(args.path).href);
          return { contents: text.includes('import.meta.url') ? text.replaceAll('import.meta.url', url) : text, loader: 'ts' };
        });
      },
    }],
  });
  const text = out.outputFiles[0]!.text;
  const file = path.join(cacheDir, `${path.basename(abs, '.ts')}-${createHash('sha1').update(text).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  built.set(abs, file);
  return file;
}
