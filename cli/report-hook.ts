// At the end of a campaign: build its report with `gicdiff report` (reports/) when that command is
// there, and say where it is; otherwise say where the summary is.
import path from 'node:path';

export async function finishWithReport(out: string): Promise<void> {
  const files = { html: path.join(out, 'report.html'), md: path.join(out, 'report.md'), json: path.join(out, 'report.json') };
  let report: { main(argv: string[]): Promise<number> };
  try {
    report = (await import('./commands/report.js')) as typeof report;
  } catch {
    process.stdout.write(`report: not available in this build; summary at ${path.join(out, 'summary.json')}\n`);
    return;
  }
  try {
    await report.main([out, '--html', files.html, '--md', files.md, '--json', files.json]);
    process.stdout.write(`report: ${files.html} (also ${files.md}, ${files.json})\n`);
  } catch (e) {
    process.stdout.write(`report: could not be built (${(e as Error).message}); summary at ${path.join(out, 'summary.json')}\n`);
  }
}
