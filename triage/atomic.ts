// Atomic file writes (docs/scenario-format.md): a temporary file in the same folder, then rename, so a reader
// or a campaign killed at any moment never leaves half a file behind.
import { mkdirSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';

let counter = 0;

export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++counter}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    // e.g. `file` is a directory: leave no stray temporary behind, and name the file asked for
    rmSync(tmp, { force: true });
    if (e && typeof e === 'object' && 'path' in e) (e as NodeJS.ErrnoException).path = file;
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Append one complete line (one write call, so a kill leaves whole lines). */
export function appendLine(file: string, line: string): void {
  appendFileSync(file, line + '\n');
}
