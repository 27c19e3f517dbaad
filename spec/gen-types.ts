// Type generation shared by the npm script and the staleness test.
import { compile } from 'json-schema-to-typescript';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export async function generateAll(schemaDir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const f of (await readdir(schemaDir)).sort()) {
    if (!f.endsWith('.schema.json')) continue;
    const schema = JSON.parse(await readFile(path.join(schemaDir, f), 'utf8'));
    const text = await compile(schema, schema.title ?? f, {
      cwd: schemaDir,
      bannerComment: `/* Generated from spec/schema/${f} by scripts/gen-types.ts. Do not edit. */`,
      additionalProperties: false,
      format: true,
    });
    out.push({ file: f.replace(/\.schema\.json$/, '.d.ts'), text });
  }
  return out;
}
