// gicdiff selftest : the mutation score gicdiff measures on itself (fuzz/selftest/).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { durationOption, formatOptions, parseArgs, UsageError, type OptionsSpec } from '../args.js';
import { EXTRA_FAULTS, FAULTS, type Fault } from '../../fuzz/selftest/catalogue.js';
import { FaultPatchError } from '../../fuzz/selftest/workspace.js';
import { runSelftest, SELFTEST_MINIMIZE_RUNS, type SelftestReport } from '../../fuzz/selftest/run.js';
import { formatMarkdown, formatText } from '../../fuzz/selftest/report.js';
import { recheckOnClean, retotal } from '../../fuzz/selftest/recheck.js';

const OPTIONS: OptionsSpec = {
  time: { type: 'string', value: 'DURATION', description: 'campaign length per fault (default 60s)' },
  iterations: { type: 'number', alias: 'n', value: 'N', description: 'also stop each campaign after N scenarios (a budget that does not depend on the machine\'s load)' },
  'minimize-runs': { type: 'number', value: 'N', min: 1, integer: true, description: `candidate runs of the minimization of each fault's first finding, the same op count on every machine (default ${SELFTEST_MINIMIZE_RUNS}; a far wall-clock cap marks a result it stops "(cut)")` },
  seed: { type: 'string', alias: 's', value: 'S', description: 'campaign seed, the same for every fault and the control (default mut)' },
  jobs: { type: 'number', alias: 'j', value: 'N', description: 'faults run at a time, each campaign on one worker (default 1)' },
  only: { type: 'string', value: 'ID,...', description: 'run only these faults (comma-separated catalogue ids)' },
  extra: { type: 'boolean', description: 'add the extra faults of the catalogue to the default set' },
  directed: { type: 'boolean', description: 'also run the directed suite (gicdiff conformance --target kvm) per fault (default on; --no-directed to skip)' },
  out: { type: 'string', alias: 'o', value: 'DIR', description: 'where selftest.json and selftest.md go (default out/selftest)' },
  keep: { type: 'boolean', description: 'keep the patched copies of the repository (in the temporary folder) for debugging' },
  list: { type: 'boolean', description: 'print the catalogue (id, area, what it was modelled on) and exit' },
  recheck: { type: 'string', value: 'FILE', description: 'replay the new findings of an earlier selftest.json on the clean target of this checkout, drop those it shows too, and write the report again to --out' },
};

export const summary = 'measure which catalogued faults of impl/ a campaign and the directed suite detect';
export const help = `usage: gicdiff selftest [--time 60s] [--seed S] [--jobs N] [--only ID,...] [--extra] [--out DIR]

For each fault of the catalogue (fuzz/selftest/catalogue.ts: small patches to impl/, each modelled
on a real KVM vGIC fix or a systematic mutation), copies the repository's tracked files to a
temporary folder, applies the patch (failing at once if its text no longer occurs exactly once),
and runs a campaign on the kvm target (one worker, a fixed seed, --time) and the directed suite
(gicdiff conformance --target kvm) with that copy's CLI. A clean control (no fault) runs first:
what it reports as new is not counted for any fault, and is printed prominently (the control
must report 0 new for the scores to mean anything). Prints a table (detected by the campaign, the
time and scenario index of the first new finding, its minimized op count, detected by the directed
suite) and writes DIR/selftest.json and DIR/selftest.md.

Exit 0 when every run worked and the control was clean, 1 when the control reported something
new or a run failed, 2 on bad options or a catalogue entry that no longer applies.

options:
${formatOptions(OPTIONS)}`;

function selectFaults(only: string | undefined, extra: boolean): Fault[] {
  const all = [...FAULTS, ...EXTRA_FAULTS];
  if (only === undefined) return extra ? all : [...FAULTS];
  const ids = only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!ids.length) throw new UsageError('--only takes a comma-separated list of fault ids');
  return ids.map((id) => {
    const f = all.find((x) => x.id === id);
    if (!f) throw new UsageError(`--only: no fault ${JSON.stringify(id)} in the catalogue (gicdiff selftest --list shows them)`);
    return f;
  });
}

export async function main(argv: string[]): Promise<number> {
  const { options: o, positional } = parseArgs(argv, OPTIONS);
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  if (o.list === true) {
    for (const [set, list] of [['default', FAULTS], ['extra', EXTRA_FAULTS]] as const) {
      for (const f of list) process.stdout.write(`${f.id.padEnd(40)} ${f.area.padEnd(18)} ${set.padEnd(8)} ${f.modelledOn.kind}: ${f.modelledOn.ref}\n`);
    }
    return 0;
  }
  if (o.recheck !== undefined) {
    const file = String(o.recheck);
    let old: SelftestReport;
    try {
      old = JSON.parse(readFileSync(file, 'utf8')) as SelftestReport;
    } catch (e) {
      throw new UsageError(`--recheck: cannot read ${file}: ${(e as Error).message}`);
    }
    if (old.format !== 'gicdiff/selftest@1') throw new UsageError(`--recheck: ${file} is not a gicdiff selftest report`);
    const dropped = await recheckOnClean(old.faults, Math.max(10_000, old.timeMs), (l) => process.stderr.write(`selftest: ${l}\n`));
    retotal(old);
    const dir = path.resolve((o.out as string | undefined) ?? path.join('out', 'selftest'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'selftest.json'), JSON.stringify(old, null, 2) + '\n');
    writeFileSync(path.join(dir, 'selftest.md'), formatMarkdown(old));
    process.stdout.write(formatText(old) + `\n${dropped} findings dropped (the clean target shows them too); wrote ${path.join(dir, 'selftest.json')} and selftest.md\n`);
    return 0;
  }
  const timeMs = durationOption('time', o.time ?? '60s', 1000)!;
  const seed = (o.seed as string | undefined) ?? 'mut';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(seed)) throw new UsageError('--seed takes 1 to 100 characters from [A-Za-z0-9._-]');
  const jobs = (o.jobs as number | undefined) ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError('--jobs takes 1 to 64');
  const iterations = o.iterations as number | undefined;
  if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < 1)) throw new UsageError('--iterations takes a positive integer');
  const minimizeRuns = o['minimize-runs'] as number | undefined;
  if (minimizeRuns !== undefined && (!Number.isInteger(minimizeRuns) || minimizeRuns < 1)) throw new UsageError('--minimize-runs takes a positive integer');
  const faults = selectFaults(o.only as string | undefined, o.extra === true);
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const out = path.resolve((o.out as string | undefined) ?? path.join('out', 'selftest'));

  const write = (r: SelftestReport): void => {
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'selftest.json'), JSON.stringify(r, null, 2) + '\n');
    writeFileSync(path.join(out, 'selftest.md'), formatMarkdown(r));
  };
  let rep;
  try {
    rep = await runSelftest({
      repoRoot, faults, timeMs, ...(iterations !== undefined ? { iterations } : {}), seed, jobs, ...(minimizeRuns !== undefined ? { minimizeRuns } : {}), directed: o.directed !== false, keep: o.keep === true,
      log: (l) => process.stderr.write(`selftest: ${l}\n`),
      onProgress: write,
    });
  } catch (e) {
    if (e instanceof FaultPatchError) {
      process.stderr.write(`gicdiff selftest: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  write(rep);
  process.stdout.write(formatText(rep) + `\nwrote ${path.join(out, 'selftest.json')} and selftest.md\n`);
  const errors = rep.totals.errors + (rep.control.campaign.error || rep.control.directed?.error ? 1 : 0);
  return rep.controlClean && errors === 0 ? 0 : 1;
}
