// Output is safe to paste and to render: repro commands are quoted for the shell wherever they
// are printed, and the Markdown report turns HTML in any field into text (it is also put inside
// <details><summary>, raw HTML where Markdown's backslash escapes do not hold).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildReport } from '../../reports/build.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { renderJUnit } from '../../reports/junit.js';
import { renderHtml } from '../../reports/html.js';
import { reproCommand, shellQuote } from '../../triage/shell.js';
import type { CampaignSummary } from '../../spec/gen/report.js';
import { CAMPAIGNS, conformanceInput } from './fixtures.js';

const EVIL = ['x$(touch PWNED).json', "it's `here`.json", 'a b;rm -rf c.json', '-n', '', 'ünï\ncode.json', '$HOME', '*'];

test('a quoted word reaches the shell as exactly itself, nothing run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gicdiff-quote-'));
  for (const word of EVIL) {
    const echoed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(word)}`], { cwd: dir, encoding: 'utf8' });
    expect(echoed).toBe(word);
  }
  expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
  expect(reproCommand('spec/conformance/its/its-movi.json', 'kvm')).toBe('gicdiff repro spec/conformance/its/its-movi.json --target kvm');
  expect(reproCommand('x$(touch PWNED).json', 'kvm')).toBe("gicdiff repro 'x$(touch PWNED).json' --target kvm");
});

test('reports print the quoted repro command; Markdown escapes HTML in every field', () => {
  const input = conformanceInput();
  const evilFile = 'spec/x$(touch PWNED).json';
  input.results = input.results.map((r, i) => (i === 0 ? { ...r, repro: reproCommand(evilFile, r.target) } : r));
  const hostile: CampaignSummary = {
    ...CAMPAIGNS[2]!, label: '<img src=x onerror=alert(1)>night', dir: 'out/<b>n4</b>',
    findings: [{ signature: 'kvm:<script>alert(1)</script>', status: 'known', target: 'kvm', message: '<iframe src=//evil>', count: 1, file: 'out/$(reboot)/minimized.json' }],
  };
  const report = buildReport({ ...input, campaigns: [...CAMPAIGNS, hostile] });
  const md = renderMarkdown(report);
  // code spans show their text literally (CommonMark); everything else must carry no markup
  const prose = md.replace(/`[^`\n]*`/g, '');
  for (const tag of ['<img', '<script', '<iframe', '<b>']) expect(prose).not.toContain(tag);
  expect(md).toContain('`kvm:<script>alert(1)</script>`');
  expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;night');
  const html = renderHtml(report);
  for (const tag of ['<img src=x', '<script>alert', '<iframe src']) expect(html).not.toContain(tag);
  expect(html).toContain(h("gicdiff repro 'out/$(reboot)/minimized.json' --target kvm"));
  expect(renderJUnit(report)).not.toContain('repro spec/x$(touch');
});

function h(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
