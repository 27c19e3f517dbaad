// The selftest's table: a first finding's minimized size, with "(cut)" when the wall-clock cap
// stopped its minimization before the run budget (the size then depends on the machine), and the
// run budget named in the header.
import { formatMarkdown, formatText } from '../../fuzz/selftest/report.js';
import type { FaultResult, NewFinding, SelftestReport } from '../../fuzz/selftest/run.js';

function result(id: string, first: NewFinding | null): FaultResult {
  return {
    id, area: 'lr-eoi', fault: null, directed: null, witness: null, directedNew: [], detectedByDirected: false, wallMs: 0,
    campaign: { exitCode: 0, stopReason: 'time', scenarios: 10, newFindings: first ? [first] : [] },
    campaignNew: first ? [first.signature] : [], first, detectedByCampaign: first !== null,
  };
}
const finding = (minimizedOps: number, cut: boolean): NewFinding => ({
  signature: 'kvm:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar1.ack', seed: 'mut:3', afterMs: 1200, scenarioIndex: 3, minimizedOps, ...(cut ? { minimizeCut: true } : {}),
});

test('minimized sizes, "(cut)" where the wall clock stopped the minimization, and the run budget in the header', () => {
  const rep: SelftestReport = {
    format: 'gicdiff/selftest@1', complete: true, startedAt: 'a', endedAt: 'b', seed: 'mut', timeMs: 60_000, iterations: null, jobs: 1,
    minimizeRuns: 1000, directed: false, host: { cpus: 2, loadavg: [1, 1, 1], node: 'v20' },
    control: result('control', null), controlClean: true,
    faults: [result('whole', finding(6, false)), result('stopped', finding(78, true))],
    totals: { faults: 2, campaign: 2, directed: 0, either: 2, errors: 0 },
  };
  const md = formatMarkdown(rep);
  expect(md).toContain('| whole | lr-eoi | yes | 10 | 1.2 s | 3 | 6 | n/a | yes |');
  expect(md).toContain('| stopped | lr-eoi | yes | 10 | 1.2 s | 3 | 78 (cut) | n/a | yes |');
  expect(md).toContain('first findings minimized within 1000 runs');
  expect(formatText(rep)).toMatch(/stopped\s+lr-eoi\s+yes\s+10\s+1\.2 s\s+3\s+78 \(cut\)/);
});
