// spec/expectations/qemu.json conforms to the expectations schema and its entries are usable.
import path from 'node:path';
import { loadExpectationsFile, matchExpectation } from '../../spec/expectations.js';

const file = path.join(__dirname, '../../spec/expectations/qemu.json');

test('qemu expectations validate, have unique ids, a reason and a source each', () => {
  const d = loadExpectationsFile(file);
  expect(d.target).toBe('qemu');
  const ids = d.entries.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const e of d.entries) {
    expect(e.reason.length).toBeGreaterThan(40);
    expect(e.source.length).toBeGreaterThan(5);
  }
});

test('a narrow GITS access abort is known; the same abort on a GICD register is not', () => {
  const d = loadExpectationsFile(file);
  const parts = { target: 'qemu', op: 'mmio.read', detail: 'GITS_TYPER', mismatch: 'target-error', rule: '', rules: [] };
  expect(matchExpectation(d, parts)?.id).toBe('qemu.gits-narrow-access');
  expect(matchExpectation(d, { ...parts, detail: 'GICD_TYPER' })).toBeNull();
});

describe('triage of the qemu-night-1 campaign (each entry matches its finding and not its neighbours)', () => {
  const d = loadExpectationsFile(file);
  const parts = (op: string, detail: string, mismatch: string, rule: string, rules: string[] = [rule]) => ({ target: 'qemu', op, detail, mismatch, rule, rules });

  test('PENDBASER PTZ read back (IHI 0069 GICR_PROPBASER, GICR_PENDBASER: PTZ reads as 0); other PENDBASER/PROPBASER mismatches stay new', () => {
    expect(matchExpectation(d, parts('mmio.read', 'GICR_PENDBASER', 'value-mismatch', 'redist.pendbaser.ptz-raz'))?.id).toBe('qemu.pendbaser-ptz-reads-back');
    expect(matchExpectation(d, parts('mmio.read', 'GICR_PROPBASER', 'value-mismatch', 'redist.propbaser.rw'))).toBeNull();
  });

  test('a BPR read below the minimum is known only after a BPR write (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1, choice.u13.bpr-below-min)', () => {
    const p = parts('sysreg.read', 'ICC_BPR0_EL1', 'value-mismatch', 'cpuif.bpr1.min');
    expect(matchExpectation(d, p, { history: ['sysreg.write ICC_BPR0_EL1'] })?.id).toBe('qemu.bpr-min-not-applied-with-high-bits');
    expect(matchExpectation(d, p, { history: ['sysreg.write ICC_PMR_EL1'] })).toBeNull();
    expect(matchExpectation(d, parts('sysreg.read', 'ICC_PMR_EL1', 'value-mismatch', 'cpuif.pmr.rw'), { history: ['sysreg.write ICC_BPR0_EL1'] })).toBeNull();
  });

  test('GITS_CREADR written by the guest (IHI 0069 GITS_CREADR: RO): the read and later ITS effects are known; without the write they are new', () => {
    const read = parts('mmio.read', 'GITS_CREADR', 'value-mismatch', 'its.reg.creadr.ro');
    const later = parts('guest-op', '', 'wake-mismatch', 'cpuif.rpr.running');
    const h = ['its.cmd MAPC+MAPD+MAPTI+MAPTI+MAPTI+SYNC', 'its.cmd INT', 'mmio.write GITS_CREADR', 'mmio.write GICR_CTLR'];
    expect(matchExpectation(d, read, { history: ['mmio.write GITS_CREADR'] })?.id).toBe('qemu.creadr-guest-writable');
    expect(matchExpectation(d, later, { history: h })?.id).toBe('qemu.creadr-guest-writable');
    expect(matchExpectation(d, read, { history: ['mmio.write GITS_CWRITER'] })).toBeNull();
    expect(matchExpectation(d, later, { history: h.filter((x) => !x.includes('CREADR')) })).toBeNull();
  });
});

test('a BPR change after an acknowledge, then a preemption mismatch, is known; the mismatch without the BPR change is not', () => {
  const d = loadExpectationsFile(file);
  const iar = { target: 'qemu', op: 'sysreg.read', detail: 'ICC_IAR1_EL1', mismatch: 'value-mismatch', rule: 'cpuif.iar1.ack', rules: ['cpuif.iar1.ack'] };
  const id = 'qemu.bpr-change-masks-running-priority';
  expect(matchExpectation(d, iar, { history: ['its.cmd INT', 'sysreg.read ICC_IAR1_EL1', 'sysreg.write ICC_SGI1R_EL1', 'sysreg.write ICC_BPR1_EL1'] })?.id).toBe(id);
  expect(matchExpectation(d, iar, { history: ['sysreg.write ICC_BPR1_EL1', 'sysreg.read ICC_IAR1_EL1'] })?.id).not.toBe(id);
  expect(matchExpectation(d, iar, { history: ['sysreg.read ICC_IAR1_EL1', 'sysreg.write ICC_SGI1R_EL1'] })).toBeNull();
});

test('qemu-night-4: a priority-bits mismatch after a BPR write and read is known; without that history it is new', () => {
  const d = loadExpectationsFile(file);
  const ctlr = { target: 'qemu', op: 'sysreg.read', detail: 'ICC_CTLR_EL1', mismatch: 'value-mismatch', rule: 'cpuif.ctlr.fields', rules: ['cpuif.ctlr.fields'] };
  expect(matchExpectation(d, ctlr, { history: ['sysreg.write ICC_BPR0_EL1', 'sysreg.read ICC_BPR0_EL1'] })?.id).toBe('qemu.bpr-min-not-applied-with-high-bits.priority-bits');
  expect(matchExpectation(d, ctlr, { history: ['sysreg.read ICC_BPR0_EL1'] })).toBeNull();
});
