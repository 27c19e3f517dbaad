// A finding record lists the first scenarios classified new with its signature (FindingRecord.newHits):
// one signature may stand for several problems, and gicdiff selftest tells a fault's from the clean
// target's by the scenario. Known scenarios of the signature are not listed; the list is bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FindingsStore } from '../../fuzz/campaign/findings-store.js';
import { NEW_HITS_KEPT } from '../../fuzz/campaign/summary.js';
import type { Finding } from '../../spec/gen/finding.js';

const SIG = 'kvm:sysreg.read ICC_IAR1_EL1:value-mismatch:cpuif.iar1.ack';
function finding(seed: string, classification: Finding['classification']): Finding {
  return {
    signature: SIG, seed, classification, foundAt: new Date().toISOString(), message: 'm',
    parts: { target: 'kvm', op: 'sysreg.read', detail: 'ICC_IAR1_EL1', mismatch: 'value-mismatch', rule: 'cpuif.iar1.ack', rules: [] },
  } as unknown as Finding;
}

test('the first scenarios classified new with a signature are listed with it, known ones not, at most NEW_HITS_KEPT', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'gicdiff-newhits-'));
  try {
    const store = new FindingsStore(out);
    store.hit(SIG, finding('s:0', 'known'), 'known', 's:0');
    store.hit(SIG, finding('s:1', 'new'), 'new', 's:1');
    for (let k = 2; k < 20; k++) store.hit(SIG, undefined, k % 2 ? 'new' : 'known', `s:${k}`);
    const rec = store.records.get(SIG)!;
    expect(rec.classification).toBe('new');
    expect(rec.count).toBe(20);
    // 10 scenarios were new (s:1, s:3, ..., s:19): the bound must cut the list, so it is below 10
    expect(NEW_HITS_KEPT).toBe(8);
    expect(rec.newHits!.map((h) => h.seed)).toEqual(['s:1', 's:3', 's:5', 's:7', 's:9', 's:11', 's:13', 's:15']);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
