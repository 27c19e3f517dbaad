// Versions recorded in findings and campaigns (docs/oracle.md: a finding records the generator version).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION } from './generate.js';

let pkg: string | undefined;
export function gicdiffVersion(): string {
  if (pkg === undefined) {
    try {
      const p = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version?: string };
      pkg = p.version ?? 'unknown';
    } catch {
      pkg = 'unknown';
    }
  }
  return pkg;
}

export function versions(): { gicdiff: string; generator: string; node: string } {
  return { gicdiff: gicdiffVersion(), generator: GENERATOR_VERSION, node: process.version };
}
