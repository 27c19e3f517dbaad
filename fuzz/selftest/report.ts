// What `gicdiff selftest` prints and writes: a table per fault (detected by the campaign, how soon,
// the minimized size, detected by the directed suite), the totals per area, and the clean control,
// in front whenever it reported anything new (then every score below it is suspect).
import type { FaultResult, SelftestReport } from './run.js';

const secs = (ms: number): string => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000))) + ' s';

function cells(r: FaultResult): string[] {
  const f = r.first;
  const err = r.campaign.error !== undefined || r.directed?.error !== undefined;
  return [
    r.id,
    r.area,
    r.detectedByCampaign ? 'yes' : err ? 'error' : 'no',
    String(r.campaign.scenarios),
    f ? secs(f.afterMs) : '',
    f && f.scenarioIndex !== null ? String(f.scenarioIndex) : '',
    f && f.minimizedOps !== null ? `${f.minimizedOps}${f.minimizeCut ? ' (cut)' : ''}` : '',
    r.directed === null ? 'n/a' : r.detectedByDirected ? 'yes' : 'no',
    r.detectedByCampaign || r.detectedByDirected ? 'yes' : 'no',
    r.witness === null ? (r.fault?.equivalent ? 'equivalent' : '') : r.witness.error ? 'error' : r.witness.reveals ? 'reveals' : 'NOT revealed',
  ];
}

const HEAD = ['fault', 'area', 'campaign', 'scenarios run', 'first new after', 'scenario #', 'minimized ops', 'directed', 'either', 'witness'];

/** Detected counts per area: [area, faults, campaign, directed, either]. */
export function byArea(rep: SelftestReport): Array<[string, number, number, number, number]> {
  const m = new Map<string, [number, number, number, number]>();
  for (const r of rep.faults) {
    const a = m.get(r.area) ?? [0, 0, 0, 0];
    a[0]++;
    if (r.detectedByCampaign) a[1]++;
    if (r.detectedByDirected) a[2]++;
    if (r.detectedByCampaign || r.detectedByDirected) a[3]++;
    m.set(r.area, a);
  }
  return [...m].map(([k, v]) => [k, ...v]);
}

function controlLines(rep: SelftestReport): string[] {
  const c = rep.control;
  if (rep.controlClean) return [`clean control (no fault): 0 new (campaign ${c.campaign.scenarios} scenarios${c.directed ? ', directed suite 0 new' : ''})`];
  const lines = ['!!! THE CLEAN CONTROL (no fault) REPORTED SOMETHING NEW: the detections below exclude it, but gicdiff is not clean on the unpatched kvm target !!!'];
  // one line per signature (a report lists the first few scenarios of each)
  const seeds = new Map<string, string[]>();
  for (const f of c.campaign.newFindings) seeds.set(f.signature, [...(seeds.get(f.signature) ?? []), f.seed]);
  for (const [sig, ids] of seeds) lines.push(`!!!   campaign: ${sig} (in scenario${ids.length > 1 ? 's' : ''} ${ids.join(', ')})`);
  for (const s of c.directed?.newScenarios ?? []) lines.push(`!!!   directed: ${s}`);
  if (c.campaign.error) lines.push(`!!!   campaign error: ${c.campaign.error}`);
  if (c.directed?.error) lines.push(`!!!   directed error: ${c.directed.error}`);
  return lines;
}

function totalsLine(rep: SelftestReport): string {
  const t = rep.totals;
  const pct = (n: number): string => (t.faults ? `${Math.round((100 * n) / t.faults)}%` : '-');
  return `detected: campaign ${t.campaign}/${t.faults} (${pct(t.campaign)}), directed ${t.directed}/${t.faults} (${pct(t.directed)}), either ${t.either}/${t.faults} (${pct(t.either)})${t.errors ? `; ${t.errors} runs with errors` : ''}`;
}

/** How the first findings were minimized ("(cut)" in the table: the wall clock stopped one first). */
function minimizeNote(rep: SelftestReport): string {
  return rep.minimizeRuns !== undefined ? `, first findings minimized within ${rep.minimizeRuns} runs` : '';
}

/** The plain-text table for a terminal. */
export function formatText(rep: SelftestReport): string {
  const rows = [HEAD, ...rep.faults.map(cells)];
  const w = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  const out = [...controlLines(rep), '', line(HEAD), line(w.map((n) => '-'.repeat(n))), ...rep.faults.map((r) => line(cells(r))), '', totalsLine(rep)];
  for (const [area, n, c, d, e] of byArea(rep)) out.push(`  ${area.padEnd(18)} ${n} faults: campaign ${c}, directed ${d}, either ${e}`);
  out.push(`seed ${rep.seed}, ${Math.round(rep.timeMs / 1000)} s${rep.iterations ? ` or ${rep.iterations} scenarios` : ''} per campaign on one worker${minimizeNote(rep)}, ${rep.jobs} job(s) at a time, ${rep.host.cpus} CPUs (load average at the end ${rep.host.loadavg.join(' ')})`);
  for (const r of rep.faults) {
    if (r.campaign.error) out.push(`error in ${r.id} (campaign): ${r.campaign.error}`);
    if (r.directed?.error) out.push(`error in ${r.id} (directed): ${r.directed.error}`);
    if (r.witness?.error) out.push(`error in ${r.id} (witness): ${r.witness.error}`);
  }
  return out.join('\n');
}

/** The Markdown report (README table, CI step summary). */
export function formatMarkdown(rep: SelftestReport): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [
    `# gicdiff selftest${rep.complete ? '' : ' (partial: still running)'}`,
    '',
    ...controlLines(rep).map((l) => (rep.controlClean ? l : `**${l}**`)),
    '',
    `Seed \`${rep.seed}\`, ${Math.round(rep.timeMs / 1000)} s${rep.iterations ? ` or ${rep.iterations} scenarios` : ''} per campaign on one worker${minimizeNote(rep)}, ${rep.jobs} job(s) at a time on ${rep.host.cpus} CPUs; ${rep.startedAt} to ${rep.endedAt}.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map((_, i) => (i >= 2 && i < HEAD.length - 1 ? '---:' : '---')).join(' | ')} |`,
    ...rep.faults.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
    '',
    totalsLine(rep),
    '',
    '| area | faults | campaign | directed | either |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...byArea(rep).map(([a, n, c, d, e]) => `| ${a} | ${n} | ${c} | ${d} | ${e} |`),
    '',
  ];
  const missed = rep.faults.filter((r) => !r.detectedByCampaign && !r.detectedByDirected);
  if (missed.length) {
    out.push('Missed by both:', '');
    for (const r of missed) out.push(`- \`${r.id}\`: ${esc(r.fault?.description ?? '')}${r.fault?.equivalent ? ` (equivalent mutant: ${esc(r.fault.equivalent)})` : ''}`);
    out.push('');
  }
  return out.join('\n');
}
