// The ops encoding: known answers computed by hand from the architecture, and a round trip
// (encode -> decode gives back every op's fields) over generated guest ops.
import fc from 'fast-check';
import type { ExpandedScenario, PrimitiveOp, ItsCommand } from '../../spec/scenario.js';
import { DEFAULT_CONFIG } from '../../spec/scenario.js';
import { parseHex, toHex } from '../../spec/hex.js';
import { encodeOps, decodeOps, mmioAddress, mpidrOf } from '../../targets/qemu/encoding.js';
import { sysregEncoding, sysregInstruction } from '../../targets/qemu/registers.js';
import {
  OP_MMIO_READ, OP_MMIO_WRITE, OP_SYSREG_READ, OP_SYSREG_WRITE, OP_WFI, OP_ITS_CMD, OP_MEM_WRITE, OP_MEM_READ, REC_FLAG_SILENT,
  OP_HOST, OP_GROUP, REC_HEADER_BYTES, REC_FLAG_QUIET,
} from '../../targets/qemu/protocol.js';

function scenario(ops: PrimitiveOp[], vcpus = 4): ExpandedScenario {
  return { name: 't', config: { ...DEFAULT_CONFIG, vcpus }, ops, origin: ops.map((_, i) => i) };
}

describe('known answers', () => {
  test('MRS x0, ICC_IAR1_EL1 and MSR ICC_PMR_EL1, x0', () => {
    // ICC_IAR1_EL1 = S3_0_C12_C12_0 (IHI 0069 chapter 4 and the ICC_* registers / Arm ARM). MRS: 0xd5300000 | (op0-2)<<19 |
    // op1<<16 | CRn<<12 | CRm<<8 | op2<<5 | Rt = 0xd5300000 | 0x80000 | 0xc000 | 0xc00 = 0xd538cc00
    expect(sysregInstruction(sysregEncoding('ICC_IAR1_EL1')!, false)).toBe(0xd538cc00);
    // ICC_PMR_EL1 = S3_0_C4_C6_0. MSR: 0xd5100000 | 0x80000 | 4<<12 | 6<<8 = 0xd5184600
    expect(sysregInstruction(sysregEncoding('ICC_PMR_EL1')!, true)).toBe(0xd5184600);
    // ICC_AP1R2_EL1 = S3_0_C12_C9_2: 0xd5300000 | 0x80000 | 0xc000 | 0x900 | 2<<5 = 0xd538c940
    expect(sysregInstruction(sysregEncoding('ICC_AP1R2_EL1')!, false)).toBe(0xd538c940);
    // ISR_EL1 = S3_0_C12_C1_0: 0xd5300000 | 0x80000 | 0xc000 | 0x100 = 0xd538c100
    expect(sysregInstruction(sysregEncoding('ISR_EL1')!, false)).toBe(0xd538c100);
  });

  test('MMIO addresses follow the docs/scenario-format.md map', () => {
    expect(mmioAddress({ frame: 'gicd', offset: 0x6100 })).toBe(0x0800_6100);
    // redistributor 1: 0x080a0000 + 1 * 0x20000, SGI frame + 0x10000, IPRIORITYR0 at 0x400
    expect(mmioAddress({ frame: 'gicr-sgi', index: 1, offset: 0x400 })).toBe(0x080d_0400);
    expect(mmioAddress({ frame: 'gicr', index: 2, offset: 0x14 })).toBe(0x080e_0014);
    // ITS 0 at 0x08080000, GITS_TRANSLATER at +0x10040
    expect(mmioAddress({ frame: 'gits', index: 0, offset: 0x10040 })).toBe(0x0809_0040);
  });

  test('MPIDR of vCPU 17 is Aff1 = 1, Aff0 = 1 (docs/scenario-format.md)', () => {
    expect(mpidrOf(17)).toBe(0x101n);
  });

  test('header and one MAPC record, byte for byte', () => {
    const buf = encodeOps(scenario([{ op: 'its.cmd', its: 0, cmds: [{ cmd: 'MAPC', collection: 0, target: 1, valid: true }] }], 1));
    const v = new DataView(buf.buffer);
    expect(v.getUint32(0, true)).toBe(0x504f4447);
    expect(v.getUint32(8, true)).toBe(1); // ops
    expect(v.getUint32(12, true)).toBe(1); // vcpus
    expect(Number(v.getBigUint64(16, true))).toBe(buf.length);
    // GITS_CBASER / CWRITER / CREADR offsets (IHI 0069 GITS_* registers)
    expect([v.getUint32(40, true), v.getUint32(44, true), v.getUint32(48, true)]).toEqual([0x80, 0x88, 0x90]);
    // no memory console or doorbell outside our own VMM
    expect([v.getBigUint64(64, true), v.getBigUint64(72, true)]).toEqual([0n, 0n]);
    const rec = 128 + 8; // after the 128-byte header (version 2) and one MPIDR
    expect(v.getUint8(rec)).toBe(OP_ITS_CMD);
    expect(v.getUint32(rec + 4, true)).toBe(24 + 32);
    expect(Number(v.getBigUint64(rec + 8, true))).toBe(0x0808_0000);
    // MAPC collection 0 target 1 V=1: DW0 = opcode 0x09, DW2 = V [63] | RDbase 1 << 16 (IHI 0069 5.3 ITS command encodings)
    expect(v.getBigUint64(rec + 24, true)).toBe(0x09n);
    expect(v.getBigUint64(rec + 24 + 16, true)).toBe(0x8000_0000_0001_0000n);
  });
});

// ---- round trip ----

const hex64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => toHex(v));
const cpu = fc.integer({ min: 0, max: 3 });
const frame = fc.constantFrom('gicd', 'gicr', 'gicr-sgi', 'gits') as fc.Arbitrary<'gicd' | 'gicr' | 'gicr-sgi' | 'gits'>;
const width = fc.constantFrom(8, 16, 32, 64) as fc.Arbitrary<8 | 16 | 32 | 64>;
const readRegs = ['ICC_IAR1_EL1', 'ICC_HPPIR1_EL1', 'ICC_RPR_EL1', 'ICC_PMR_EL1', 'ICC_AP1R3_EL1', 'ISR_EL1'] as const;
const writeRegs = ['ICC_EOIR1_EL1', 'ICC_DIR_EL1', 'ICC_SGI1R_EL1', 'ICC_AP0R0_EL1', 'ICC_IGRPEN1_EL1'] as const;
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const command: fc.Arbitrary<ItsCommand> = fc.oneof(
  fc.record({ cmd: fc.constant('MAPD' as const), device: u32, size: fc.integer({ min: 0, max: 31 }), itt: fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((x) => toHex(x * 256)), valid: fc.boolean() }),
  fc.record({ cmd: fc.constant('MAPTI' as const), device: u32, event: u32, intid: u32, collection: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ cmd: fc.constant('INT' as const), device: u32, event: u32 }),
  fc.record({ cmd: fc.constant('SYNC' as const), target: fc.integer({ min: 0, max: 0xffff }) }),
);
const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex'));

const guestOp: fc.Arbitrary<PrimitiveOp> = fc.oneof(
  fc.record({ op: fc.constant('mmio.read' as const), cpu, frame, index: fc.integer({ min: 0, max: 3 }), offset: fc.integer({ min: 0, max: 0xfff8 }), width }),
  fc.record({ op: fc.constant('mmio.write' as const), cpu, frame, index: fc.integer({ min: 0, max: 3 }), offset: fc.integer({ min: 0, max: 0xfff8 }), width, value: hex64 }),
  fc.record({ op: fc.constant('sysreg.read' as const), cpu, reg: fc.constantFrom(...readRegs) }),
  fc.record({ op: fc.constant('sysreg.write' as const), cpu, reg: fc.constantFrom(...writeRegs), value: hex64 }),
  fc.record({ op: fc.constant('wfi' as const), cpu }),
  fc.record({ op: fc.constant('its.cmd' as const), cpu, its: fc.constant(0), cmds: fc.array(command, { minLength: 1, maxLength: 4 }) as fc.Arbitrary<[ItsCommand, ...ItsCommand[]]> }),
  fc.record({ op: fc.constant('mem.write' as const), addr: fc.integer({ min: 0x4100_0000, max: 0x43ff_0000 }).map(toHex), bytes }),
  fc.record({ op: fc.constant('mem.read' as const), addr: fc.integer({ min: 0x4000_0000, max: 0x43ff_0000 }).map(toHex), len: fc.integer({ min: 0, max: 4096 }) }),
) as fc.Arbitrary<PrimitiveOp>;

test('encode -> decode gives back every op', () => {
  fc.assert(fc.property(fc.array(guestOp, { maxLength: 30 }), (ops) => {
    const d = decodeOps(encodeOps(scenario(ops)));
    expect(d.nops).toBe(ops.length);
    expect(d.mpidr).toEqual([0n, 1n, 2n, 3n]);
    ops.forEach((op, k) => {
      const r = d.records[k]!;
      switch (op.op) {
        case 'mmio.read':
        case 'mmio.write':
          expect([r.kind, r.cpu, r.width * 8, Number(r.a)]).toEqual([op.op === 'mmio.read' ? OP_MMIO_READ : OP_MMIO_WRITE, op.cpu, op.width, mmioAddress(op)]);
          if (op.op === 'mmio.write') expect(r.b).toBe(parseHex(op.value));
          break;
        case 'sysreg.read':
          expect([r.kind, r.cpu, Number(r.a)]).toEqual([OP_SYSREG_READ, op.cpu, sysregInstruction(sysregEncoding(op.reg)!, false)]);
          break;
        case 'sysreg.write':
          expect([r.kind, r.cpu, Number(r.a), r.b]).toEqual([OP_SYSREG_WRITE, op.cpu, sysregInstruction(sysregEncoding(op.reg)!, true), parseHex(op.value)]);
          break;
        case 'wfi':
          expect([r.kind, r.cpu]).toEqual([OP_WFI, op.cpu]);
          break;
        case 'its.cmd':
          expect([r.kind, r.cpu, Number(r.a)]).toEqual([OP_ITS_CMD, op.cpu ?? 0, 0x0808_0000]);
          expect(r.cmds).toEqual(op.cmds);
          break;
        case 'mem.write':
          expect([r.kind, r.cpu, r.a, r.bytes]).toEqual([OP_MEM_WRITE, 0, parseHex(op.addr), op.bytes]);
          break;
        case 'mem.read':
          expect([r.kind, r.cpu, r.a, Number(r.b)]).toEqual([OP_MEM_READ, 0, parseHex(op.addr), op.len]);
          break;
        default:
          throw new Error('unexpected op');
      }
    });
  }), { numRuns: 200 });
});

test('kvm-hw asks the agent to read GICD_CTLR (0x08000000, docs/scenario-format.md map) around each op; qemu does not', () => {
  const ops: PrimitiveOp[] = [{ op: 'wfi', cpu: 0 }];
  expect(decodeOps(encodeOps(scenario(ops), { kvmSync: true })).syncReadAddr).toBe(0x0800_0000n);
  expect(decodeOps(encodeOps(scenario(ops))).syncReadAddr).toBe(0n);
});

test('the VM-creation preamble: silent MMIO writes before the first op (docs/scenario-format.md map, IHI 0069 GICD_* registers)', () => {
  const d = decodeOps(encodeOps(scenario([{ op: 'wfi', cpu: 1 }], 2), { creationState: { spis: 64 } }));
  const silent = d.records.filter((r) => r.flags & REC_FLAG_SILENT);
  // 64 SPIs: IGROUPR1-2 (32 INTIDs each), ICFGR2-5 (16 each); per vCPU GICR_IGROUPR0 and ISENABLER0
  expect(silent.map((r) => [r.kind, r.cpu, r.width, Number(r.a), r.b])).toEqual([
    [OP_MMIO_WRITE, 0, 4, 0x0800_0084, 0xffff_ffffn], [OP_MMIO_WRITE, 0, 4, 0x0800_0088, 0xffff_ffffn],
    [OP_MMIO_WRITE, 0, 4, 0x0800_0c08, 0xaaaa_aaaan], [OP_MMIO_WRITE, 0, 4, 0x0800_0c0c, 0xaaaa_aaaan],
    [OP_MMIO_WRITE, 0, 4, 0x0800_0c10, 0xaaaa_aaaan], [OP_MMIO_WRITE, 0, 4, 0x0800_0c14, 0xaaaa_aaaan],
    [OP_MMIO_WRITE, 0, 4, 0x080b_0080, 0xffff_ffffn], [OP_MMIO_WRITE, 0, 4, 0x080b_0100, 0xffffn],
    [OP_MMIO_WRITE, 1, 4, 0x080d_0080, 0xffff_ffffn], [OP_MMIO_WRITE, 1, 4, 0x080d_0100, 0xffffn],
  ]);
  expect(d.nops).toBe(11);
  expect(d.records[10]).toMatchObject({ kind: OP_WFI, cpu: 1, flags: 0 });
});

test('a host op cannot be encoded, with a message naming the op', () => {
  expect(() => encodeOps(scenario([{ op: 'wfi', cpu: 0 }, { op: 'kvm.irq_line', type: 'spi', intid: 40, level: 1 }])))
    .toThrow(/op 1 \(kvm.irq_line\): not a guest op/);
});

test('an op for a vCPU the config does not have is refused (the agent would wait for it forever)', () => {
  expect(() => encodeOps(scenario([{ op: 'wfi', cpu: 2 }], 2))).toThrow('op 0 (wfi): cpu 2, but the config has 2 vCPUs');
});

test('a truncated buffer is rejected with the byte offset', () => {
  const buf = encodeOps(scenario([{ op: 'wfi', cpu: 0 }, { op: 'wfi', cpu: 1 }]));
  const cut = buf.slice(0, buf.length - 8);
  new DataView(cut.buffer).setBigUint64(16, BigInt(cut.length), true);
  expect(() => decodeOps(cut)).toThrow(/record 1 at byte \d+/);
});

test('under our VMM an op group is one record holding its members: guest ops on their vCPU, memory ops on the owner, host ops as table entries; a parked member vCPU is let back in first', () => {
  const host: unknown[] = [];
  const vmm = { console: 0xbe80_0000, doorbell: 0x0a00_0000, hostIndex: (op: unknown) => host.push(op) - 1 };
  const ops: PrimitiveOp[] = [
    { op: 'vcpu.put', cpu: 1 },
    { op: 'group', ops: [
      { op: 'its.cmd', cpu: 1, its: 0, cmds: [{ cmd: 'SYNC', target: 0 }] },
      { op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 1, flags: 1 },
      { op: 'mem.read', addr: '0x40100000', len: 1 },
      { op: 'vcpu.put', cpu: 0 },
    ] },
  ];
  const d = decodeOps(encodeOps(scenario(ops, 2), { vmm }));
  // the put of vCPU 1, the silent unpark of vCPU 1 (a member runs there), the group
  expect(d.nops).toBe(3);
  expect(d.records.map((r) => [r.kind, r.cpu, r.flags])).toEqual([[OP_HOST, 0, REC_FLAG_QUIET], [OP_HOST, 0, REC_FLAG_SILENT], [OP_GROUP, 1, 0]]);
  const g = d.records[2]!;
  // owned by vCPU 1: vCPU 0 is put by a member, so it cannot own the group
  expect(g.a).toBe(4n);
  expect(g.members!.map((r) => [r.kind, r.cpu])).toEqual([[OP_ITS_CMD, 1], [OP_HOST, 1], [OP_MEM_READ, 1], [OP_HOST, 1]]);
  expect(g.members![1]!.a).toBe(2n); // table: put, unpark, then the MSI
  expect(host[2]).toEqual({ op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 1, flags: 1 });
});

test('a group record whose members overrun it is rejected, naming the member', () => {
  const vmm = { console: 0xbe80_0000, doorbell: 0x0a00_0000, hostIndex: () => 0 };
  const buf = encodeOps(scenario([{ op: 'group', ops: [{ op: 'wfi', cpu: 0 }, { op: 'wfi', cpu: 1 }] }], 2), { vmm });
  const at = buf.length - 3 * REC_HEADER_BYTES; // the group record: header, two members
  new DataView(buf.buffer).setUint32(at + 4, 2 * REC_HEADER_BYTES, true);
  expect(() => decodeOps(buf)).toThrow(/record 0, member 1 at byte \d+ runs past the end/);
});

test('under our VMM host and memory ops run on the vCPU of the op before them when it is not put (a change of vCPU is an exit to the VMM), else on the first one running; a put is never run by the vCPU put', () => {
  const host: unknown[] = [];
  const vmm = { console: 0xbe80_0000, doorbell: 0x0a00_0000, hostIndex: (op: unknown) => host.push(op) - 1 };
  const ops: PrimitiveOp[] = [
    { op: 'sysreg.read', cpu: 2, reg: 'ICC_IAR1_EL1' },
    { op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 },
    { op: 'mem.write', addr: '0x41000000', bytes: '01' },
    { op: 'vcpu.put', cpu: 2 },
    { op: 'mem.read', addr: '0x41000000', len: 1 },
    { op: 'its.cmd', its: 0, cmds: [{ cmd: 'SYNC', target: 0 }] },
    { op: 'kvm.signal_msi', address: '0x8090040', data: 0, devid: 1, flags: 1 },
  ];
  const d = decodeOps(encodeOps(scenario(ops, 4), { vmm }));
  // vCPU 2 rings for the line and writes memory; the put of vCPU 2 goes to vCPU 0, which then
  // reads memory; the ITS batch runs on vCPU 0 (its default), and so does the MSI after it
  expect(d.records.map((r) => [r.kind, r.cpu])).toEqual([
    [OP_SYSREG_READ, 2], [OP_HOST, 2], [OP_MEM_WRITE, 2], [OP_HOST, 0], [OP_MEM_READ, 0], [OP_ITS_CMD, 0], [OP_HOST, 0],
  ]);
});

test('under our VMM a write of the writer\'s own CPU interface configuration is marked quiet (no wake-up checks of the asleep vCPUs after it); EOIs and DIR of an SPI, and SGIs, are not', () => {
  const vmm = { console: 0xbe80_0000, doorbell: 0x0a00_0000, hostIndex: () => 0 };
  const regs = ['ICC_PMR_EL1', 'ICC_BPR1_EL1', 'ICC_CTLR_EL1', 'ICC_IGRPEN1_EL1', 'ICC_AP1R0_EL1', 'ICC_EOIR1_EL1', 'ICC_DIR_EL1', 'ICC_SGI1R_EL1'];
  const ops: PrimitiveOp[] = regs.map((reg) => ({ op: 'sysreg.write', cpu: 1, reg, value: '0x28' }) as PrimitiveOp);
  const quiet = (buf: Uint8Array) => decodeOps(buf).records.map((r) => (r.flags & REC_FLAG_QUIET) !== 0);
  expect(quiet(encodeOps(scenario(ops, 2), { vmm }))).toEqual([true, true, true, true, true, false, false, false]);
  // an EOI or DIR of an SGI, a PPI or a special INTID ends only the writer's own interrupt; of an SPI or LPI it may not
  const ends: PrimitiveOp[] = [['ICC_EOIR1_EL1', '0x5'], ['ICC_DIR_EL1', '0x1b'], ['ICC_EOIR1_EL1', '0x3ff'], ['ICC_EOIR1_EL1', '0x20'], ['ICC_DIR_EL1', '0x2000'], ['ICC_EOIR0_EL1', '0x1000005']]
    .map(([reg, value]) => ({ op: 'sysreg.write', cpu: 0, reg, value }) as PrimitiveOp);
  expect(quiet(encodeOps(scenario(ends, 2), { vmm }))).toEqual([true, true, true, false, false, true]);
  // the flag means something to our VMM's scheduling only: other targets get the records as before
  expect(quiet(encodeOps(scenario(ops, 2)))).toEqual(regs.map(() => false));
});

test('under our VMM host ops that change nothing in KVM\'s vGIC state and memory writes (KVM reads guest memory only when an op asks it to) are quiet too; vcpu.run is not (the vCPU it lets back in has not looked since its put)', () => {
  const vmm = { console: 0xbe80_0000, doorbell: 0x0a00_0000, hostIndex: () => 0 };
  const ops: PrimitiveOp[] = [
    { op: 'vcpu.put', cpu: 1 },
    { op: 'vcpu.exit', cpu: 0 },
    { op: 'vcpu.run', cpu: 1, pcpu: 0 },
    { op: 'irqfd.resampled', gsi: 3 },
    { op: 'kvm.device_attr', device: 'vgic', group: 'DIST_REGS', attr: { offset: 0 }, access: 'get' },
    { op: 'kvm.device_attr', device: 'vgic', group: 'DIST_REGS', attr: { offset: 0 }, access: 'set', value: '0x0' },
    { op: 'kvm.irq_line', type: 'spi', vcpu: 0, intid: 40, level: 1 },
    { op: 'mem.write', addr: '0x41000000', bytes: '01' },
    { op: 'mem.read', addr: '0x41000000', len: 1 },
  ];
  const d = decodeOps(encodeOps(scenario(ops, 2), { vmm }));
  expect(d.records.map((r) => (r.flags & REC_FLAG_QUIET) !== 0)).toEqual([true, true, false, true, true, false, false, true, false]);
});

test('the CREADR poll count goes to the header (kvm-linux asks for none: KVM runs the queue inside the CWRITER write)', () => {
  const s = scenario([{ op: 'wfi', cpu: 0 }], 1);
  expect(decodeOps(encodeOps(s)).pollLimit).toBe(64);
  expect(decodeOps(encodeOps(s, { creadrPolls: 0 })).pollLimit).toBe(0);
});
