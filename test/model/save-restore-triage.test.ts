// Findings of clean-kvm campaigns triaged into the model (a save of a possibly pending LPI) and into
// a kvm quirk (the ITS restore queues an LPI at a redistributor with LPIs off). Each directed
// scenario runs on model and on kvm; the comments name the kernel function kvm follows.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import '../../fuzz/targets.js';
import { getTarget } from '../../spec/target.js';
import { runScenario } from '../../triage/runner.js';
import { expandScenario } from '../../spec/expand.js';
import type { Scenario } from '../../spec/scenario.js';
import type { RunOutcome } from '../../triage/lockstep.js';

const SUITE = path.join(__dirname, '../../spec/conformance');
const load = (name: string) => expandScenario(JSON.parse(readFileSync(path.join(SUITE, `${name}.json`), 'utf8')) as Scenario);
const run = (target: string, name: string): Promise<RunOutcome> => runScenario(getTarget(target)!, load(name));
const last = (o: RunOutcome): unknown => o.trace.results[o.trace.results.length - 1];

describe('SAVE_PENDING_TABLES with an LPI only possibly pending (choice.u39.intid-two-ites)', () => {
  test('kvm (vgic_v3_save_pending_tables writes the latch: 1) is allowed: the save may find it pending', async () => {
    const o = await run('kvm', 'save-restore/save-pending-possibly-pending-lpi');
    expect(last(o)).toBe('01');
    expect(o.verdict).toMatchObject({ ok: true });
    expect(o.expectationFailures).toEqual([]);
  });
  test('model: passes with its own reading', async () => {
    const o = await run('model', 'save-restore/save-pending-possibly-pending-lpi');
    expect(o.verdict).toMatchObject({ ok: true });
    expect(o.expectationFailures).toEqual([]);
  });
});

describe('kvm.restore-queues-lpi-while-lpis-off', () => {
  test('model: after the migration the redistributor with LPIs off forwards nothing', async () => {
    const o = await run('model', 'save-restore/lpis-off-pending-across-migrate');
    expect(o.verdict).toMatchObject({ ok: true });
    expect(last(o)).toBe('0x3ff');
  });
  test('kvm (vgic_flush_pending_lpis keeps the latch, vgic_v3_lpi_sync_pending_status queues at restore): LPI 8192 is acknowledged, a divergence', async () => {
    const o = await run('kvm', 'save-restore/lpis-off-pending-across-migrate');
    expect(o.verdict?.ok).toBe(false);
    if (o.verdict && !o.verdict.ok) expect(o.verdict.divergence.got).toBe('0x2000');
  });
});
