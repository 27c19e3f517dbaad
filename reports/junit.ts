// JUnit XML for CI (the dialect Jenkins, GitLab and the GitHub test-report actions read):
// <testsuites> -> one <testsuite> per target and component -> one <testcase> per scenario.
// New divergences are <failure> (a target error is <error>), carrying the repro command;
// known divergences and scenarios the target cannot run are <skipped> with the reason, so CI
// fails only on what nobody has accepted yet.
import type { Failure, Report, ScenarioResult } from '../spec/gen/report.js';
import { describeFailure } from './text.js';

/** XML 1.0 allows only these characters; anything else (a NUL in a target's error) is dropped. */
const XML_INVALID = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

export function xmlEscape(s: string): string {
  return s.replace(XML_INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** In an attribute a raw newline would be read back as a space (XML attribute normalization). */
const attr = (name: string, value: string | number): string =>
  ` ${name}="${xmlEscape(String(value)).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')}"`;
const seconds = (ms: number): string => (ms / 1000).toFixed(3);

interface Suite {
  target: string;
  component: string;
  cases: ScenarioResult[];
}

export function renderJUnit(report: Report): string {
  const scenarios = new Map(report.scenarios.map((s) => [s.id, s]));
  const suites = new Map<string, Suite>();
  for (const r of report.results) {
    const component = scenarios.get(r.scenario)!.component;
    const key = `${r.target}\u0000${component}`;
    let s = suites.get(key);
    if (!s) suites.set(key, (s = { target: r.target, component, cases: [] }));
    s.cases.push(r);
  }
  const ordered = [...suites.values()].sort((a, b) => a.target.localeCompare(b.target) || a.component.localeCompare(b.component));
  const out: string[] = [];
  let tests = 0, failures = 0, errors = 0, skipped = 0, time = 0;
  const body: string[] = [];
  for (const s of ordered) {
    const c = count(s.cases);
    tests += s.cases.length; failures += c.failures; errors += c.errors; skipped += c.skipped; time += c.timeMs;
    body.push(`  <testsuite${attr('name', `${s.target}.${s.component}`)}${attr('tests', s.cases.length)}${attr('failures', c.failures)}` +
      `${attr('errors', c.errors)}${attr('skipped', c.skipped)}${attr('time', seconds(c.timeMs))}${attr('timestamp', report.generatedAt.replace(/Z$/, ''))}>`);
    body.push(`    <properties>${prop('target', s.target)}${prop('component', s.component)}</properties>`);
    for (const r of s.cases) body.push(testcase(r, scenarios.get(r.scenario)!.name, scenarios.get(r.scenario)!.file, `${s.target}.${s.component}`));
    body.push('  </testsuite>');
  }
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<testsuites${attr('name', 'gicdiff conformance')}${attr('tests', tests)}${attr('failures', failures)}${attr('errors', errors)}` +
    `${attr('skipped', skipped)}${attr('time', seconds(time))}>`);
  out.push(...body, '</testsuites>', '');
  return out.join('\n');
}

function prop(name: string, value: string): string {
  return `<property${attr('name', name)}${attr('value', value)}/>`;
}

function count(cases: ScenarioResult[]): { failures: number; errors: number; skipped: number; timeMs: number } {
  let failures = 0, errors = 0, skipped = 0, timeMs = 0;
  for (const r of cases) {
    timeMs += r.durationMs;
    if (r.outcome === 'new') {
      if (isError(r.failures)) errors++;
      else failures++;
    } else if (r.outcome === 'known' || r.outcome === 'unsupported' || r.outcome === 'lenient') skipped++;
  }
  return { failures, errors, skipped, timeMs };
}

/** A target that threw or ran out of budget, or an oracle that gave up, is not a wrong answer: JUnit calls that an error. */
function isError(f: Failure[]): boolean {
  return f.length > 0 && f.every((x) => x.kind === 'target-error' || x.kind === 'step-budget' || x.kind === 'oracle-error');
}

function testcase(r: ScenarioResult, name: string, file: string, classname: string): string {
  const open = `    <testcase${attr('name', name)}${attr('classname', classname)}${attr('file', file)}${attr('time', seconds(r.durationMs))}`;
  switch (r.outcome) {
    case 'pass':
      return `${open}/>`;
    case 'unsupported':
      return `${open}>\n      <skipped${attr('message', `unsupported on ${r.target}: ${r.unsupportedReason ?? 'the target cannot run this scenario'}`)}/>\n    </testcase>`;
    case 'lenient':
      return `${open}>\n      <skipped${attr('message', `accepted under an unconfirmed reading of ${(r.unconfirmed ?? []).join(', ')} (not a pass: the reading the architecture presumably takes was not confirmed)`)}/>\n    </testcase>`;
    case 'known':
      return `${open}>\n      <skipped${attr('message', `known divergence: ${r.knownReason ?? 'listed in spec/expectations/' + r.target + '.json'}`)}/>\n    </testcase>`;
    case 'new': {
      const tag = isError(r.failures) ? 'error' : 'failure';
      const first = r.failures[0];
      const message = `${first ? first.message : 'failed'} | repro: ${r.repro}`;
      const detail = r.failures.map(describeFailure).join('\n\n') + `\n\nreproduce with:\n  ${r.repro}`;
      return `${open}>\n      <${tag}${attr('message', message)}${attr('type', first?.kind ?? 'divergence')}>${xmlEscape(detail)}</${tag}>\n    </testcase>`;
    }
  }
}
