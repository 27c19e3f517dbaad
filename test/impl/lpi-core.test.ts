// The vgic core's side of LPIs (vgic.c vgic_target_oracle, vgic_queue_irq_unlock, kvm_vgic_inject_irq; vgic-its.c vgic_its_cmd_handle_*; vgic-its.c update_lpi_config; vgic-v3.c vgic_v3_save_pending_tables): GICR_CTLR.EnableLPIs clear flushes
// pending LPIs (vgic_flush_pending_lpis) and is not undone by re-enabling (the pending table was
// never written); GICR_INVLPIR re-reads a property byte; LPIs are refused while LPIs are disabled.
import type { PrimitiveOp } from '../../spec/scenario.js';
import { booted, mr, mw, rd, wr } from './helpers.js';

const map: PrimitiveOp = {
  op: 'its.cmd', its: 0, cmds: [
    { cmd: 'MAPD', device: 1, size: 4, itt: '0x41000000', valid: true },
    { cmd: 'MAPC', collection: 0, target: 0, valid: true },
    { cmd: 'MAPTI', device: 1, event: 0, intid: 8192, collection: 0 },
  ],
};
const int: PrimitiveOp = { op: 'its.cmd', its: 0, cmds: [{ cmd: 'INT', device: 1, event: 0 }] };
const msi: PrimitiveOp = { op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 1, flags: 1 };

describe('LPIs and the redistributor', () => {
  test('clearing EnableLPIs drops a pending LPI; re-enabling does not bring it back', () => {
    const s = booted({ vcpus: 1, its: 1 });
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a3' });
    s.step(map);
    s.step(wr(0, 'ICC_PMR_EL1', 0x80)); // mask 0xa0: the LPI stays pending, not taken
    s.step(int);
    expect(s.step(rd(0, 'ICC_HPPIR1_EL1'))).toBe('0x2000');
    s.step(mw(0, 'gicr', 0x0, 32, 0, 0)); // EnableLPIs = 0 (CES = 1 at revision 3)
    expect(s.step(mr(0, 'gicr', 0x0, 32, 0))).toBe('0x6');
    s.step(mw(0, 'gicr', 0x0, 32, 1, 0));
    s.step(wr(0, 'ICC_PMR_EL1', 0xf0));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
  });

  test('an MSI to a redistributor with LPIs disabled is refused with -EBUSY', () => {
    const s = booted({ vcpus: 1, its: 1 });
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a3' });
    s.step(map);
    expect(s.step(msi)).toBe(1);
    s.step(mw(0, 'gicr', 0x0, 32, 0, 0));
    expect(s.step(msi)).toBe(-16);
  });

  test('GICR_INVLPIR makes a property-table change visible (disable, then enable)', () => {
    const s = booted({ vcpus: 1, its: 1 });
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a2' }); // disabled
    s.step(map);
    s.step(int);
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff');
    s.step({ op: 'mem.write', addr: '0x40100000', bytes: 'a3' });
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x3ff'); // cached until invalidated (1.12)
    s.step(mw(0, 'gicr', 0xa0, 64, 8192, 0));
    expect(s.step(rd(0, 'ICC_IAR1_EL1'))).toBe('0x2000');
  });
});
