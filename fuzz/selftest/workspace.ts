// A throw-away copy of the repository with one catalogue fault patched into impl/: the tracked
// files copied (git ls-files), node_modules symlinked, then the fault's text edit applied. The
// fault lives in the source exactly where a real regression would, and the copy runs the same
// CLI, campaign workers and directed suite as the repository itself.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Fault } from './catalogue.js';

/** A fault whose patch does not apply to the current source (its `find` text is gone or ambiguous). */
export class FaultPatchError extends Error {}

/** How often `find` occurs in `text` (non-overlapping). */
export function occurrences(text: string, find: string): number {
  if (find === '') return Infinity;
  let n = 0;
  for (let i = text.indexOf(find); i >= 0; i = text.indexOf(find, i + find.length)) n++;
  return n;
}

/** The patched text of the fault's file, or a FaultPatchError naming the fault, the file and the count. */
export function patchedText(fault: Fault, text: string): string {
  const n = occurrences(text, fault.find);
  if (n !== 1) {
    throw new FaultPatchError(`fault ${fault.id}: its find text occurs ${n === 0 ? 'nowhere' : `${n} times`} in ${fault.file} (it must occur exactly once; the source changed: update the catalogue entry)`);
  }
  const i = text.indexOf(fault.find);
  return text.slice(0, i) + fault.replace + text.slice(i + fault.find.length);
}

/** Check a fault against a checkout without copying anything (the catalogue test). */
export function checkFaultApplies(repoRoot: string, fault: Fault): void {
  const file = path.join(repoRoot, fault.file);
  if (!existsSync(file)) throw new FaultPatchError(`fault ${fault.id}: ${fault.file} does not exist`);
  patchedText(fault, readFileSync(file, 'utf8'));
}

/** The files git tracks in the checkout (relative paths). */
export function trackedFiles(repoRoot: string): string[] {
  let out: string;
  try {
    out = execFileSync('git', ['-C', repoRoot, 'ls-files', '-z'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    throw new FaultPatchError(`cannot list the tracked files of ${repoRoot} (git ls-files failed: ${(e as Error).message.split('\n')[0]}); gicdiff selftest runs in a git checkout`);
  }
  return out.split('\0').filter((f) => f !== '');
}

/**
 * Copy the tracked files of `repoRoot` into a new folder under `parent`, symlink node_modules,
 * apply `fault` (null: the clean control). Returns the folder; remove it with removeWorkspace.
 * The patch is checked before anything is copied, so a stale entry fails at once.
 */
export function makeWorkspace(repoRoot: string, fault: Fault | null, parent: string, files = trackedFiles(repoRoot)): string {
  const patched = fault ? patchedText(fault, readFileSync(path.join(repoRoot, fault.file), 'utf8')) : null;
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, `${fault?.id ?? 'control'}-`));
  const made = new Set<string>();
  for (const f of files) {
    const src = path.join(repoRoot, f);
    if (!existsSync(src)) continue; // deleted in the working tree but not yet in the index
    const dst = path.join(dir, f);
    const d = path.dirname(dst);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    copyFileSync(src, dst);
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (fault && patched !== null) writeFileSync(path.join(dir, fault.file), patched);
  return dir;
}

export function removeWorkspace(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
