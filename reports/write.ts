// Writes the views of one report to the files the CLI was given, atomically, and says how big
// each came out. Shared by `gicdiff conformance` and `gicdiff report`.
import { writeFileAtomic } from '../triage/atomic.js';
import type { Report } from '../spec/gen/report.js';
import { validateJson } from '../spec/validate.js';
import { renderHtml } from './html.js';
import { renderJUnit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { formatBytes } from './text.js';

export interface OutputFiles {
  junit?: string;
  md?: string;
  html?: string;
  json?: string;
}

export interface Written {
  kind: keyof OutputFiles;
  file: string;
  bytes: number;
}

/** The --junit/--md/--html/--json options of a command, as the files to write. */
export function outputFilesFrom(options: Record<string, unknown>): OutputFiles {
  const files: OutputFiles = {};
  for (const kind of ['junit', 'md', 'html', 'json'] as const) {
    const v = options[kind];
    if (typeof v === 'string') files[kind] = v;
  }
  return files;
}

export function writeOutputs(report: Report, files: OutputFiles): Written[] {
  const out: Written[] = [];
  const put = (kind: keyof OutputFiles, text: string): void => {
    const file = files[kind]!;
    writeFileAtomic(file, text);
    out.push({ kind, file, bytes: Buffer.byteLength(text, 'utf8') });
  };
  if (files.json) {
    // the JSON is for machines: never write one that does not match its own schema
    validateJson('report', report, files.json);
    put('json', JSON.stringify(report, null, 2) + '\n');
  }
  if (files.junit) put('junit', renderJUnit(report));
  if (files.md) put('md', renderMarkdown(report));
  if (files.html) put('html', renderHtml(report));
  return out;
}

export function describeWritten(w: readonly Written[]): string {
  return w.map((x) => `wrote ${x.file} (${x.kind}, ${formatBytes(x.bytes)})`).join('\n');
}
