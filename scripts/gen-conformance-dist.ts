// Directed scenarios for the Distributor and the Redistributors (IHI 0069 chapter 4, interrupt lifecycle; GICD_* and GICR_* registers). Every scenario
// first clears enables, pending and active state it reads back (quiesce), because the
// architecture leaves most per-INTID reset values UNKNOWN.
import {
  type Def, type Op, boot, quiesce, privSetup, spiSetup, sendSgi, iar, eoi, hppir, rpr, srd, swr, rd, wr, h, bit, irqLine,
  SPURIOUS, INTID_SPURIOUS as SP, prio, sgi1r, off, dir, wfi,
} from './gen-conformance-lib.js';
import { BOOT_PROPBASE, bootPendBase } from '../spec/layout.js';

const D2 = { vcpus: 2, spis: 64, its: 0 };
const PRIO_FF = [0xf0, 0xf8, 0xfc, 0xfe, 0xff].map(h);

/**
 * GICR_PROPBASER / GICR_PENDBASER values a guest may read after writing `pa | idbits` with the
 * boot macro's attributes: Physical_Address and IDbits as written (IDbits possibly clamped to the
 * Distributor's 14..16 bits, choice.u21.idbits-clamp), Shareability [11:10], InnerCache [9:7] and OuterCache [58:56]
 * any value (implementations may fix or sanitise them, IHI 0069 GICR_PROPBASER, GICR_PENDBASER), PTZ [62] reads 0.
 */
function baserReadbacks(pa: number, idbitsChoices: number[]): string[] {
  const out: string[] = [];
  for (const idb of idbitsChoices) {
    for (let sh = 0n; sh < 4n; sh++) {
      for (let inner = 0n; inner < 8n; inner++) {
        for (let outer = 0n; outer < 8n; outer++) out.push(h(BigInt(pa) | BigInt(idb) | (sh << 10n) | (inner << 7n) | (outer << 56n)));
      }
    }
  }
  return out;
}


/** PIDR2 values: ArchRev [7:4] 3 (GICv3) or 4 (GICv4), JEDEC [3] = 1, DES_1 [2:0] IMPDEF, [31:8] RES0. */
const PIDR2_VALUES = [3, 4].flatMap((rev) => Array.from({ length: 8 }, (_, d) => h((rev << 4) | 8 | d)));

/**
 * GICR_TYPER bits [31:0] a GICv3 guest may read for redistributor `i` with an ITS (IHI 0069 GICR_* registers):
 * PLPIS [0] = 1, VLPIS/Dirty/RVPEID/VSGI = 0 (no GICv4 in a GICv3 VM), Last [4] only on the last,
 * Processor_Number [23:8] = i; DirectLPI [3], DPGS [5], MPAM [6], CommonLPIAff [25:24] and
 * PPInum [31:27] (0..2) implementation choices.
 */
function gicrTyperLow(i: number, last: boolean): string[] {
  const out: string[] = [];
  for (let m = 0; m < 8; m++) {
    for (let aff = 0; aff < 4; aff++) {
      for (let ppinum = 0; ppinum < 3; ppinum++) {
        const v = 1 | ((m & 1) << 3) | (last ? 1 << 4 : 0) | (((m >> 1) & 1) << 5) | (((m >> 2) & 1) << 6) | (i << 8) | (aff << 24) | (ppinum * 2 ** 27);
        out.push(h(v));
      }
    }
  }
  return out;
}

export const distScenarios: Def[] = [
  {
    component: 'distributor', name: 'spi-enable-pending',
    description: 'GICD_ISENABLER/ICENABLER set and clear an SPI enable and read it back; a disabled SPI made pending stays pending, is not delivered, and is delivered once enabled.',
    rules: ['dist.isenabler.set', 'dist.icenabler.clear', 'dist.ispendr.set', 'dist.pending-while-disabled', 'dist.irouter.affinity', 'dist.enable.read', 'dist.pending.read'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(40, { prio: 0x80, edge: true, target: 0, enable: false }),
      rd('GICD_ISENABLER1', 0), wr('GICD_ISENABLER1', bit(40)), rd('GICD_ISENABLER1', bit(40)), rd('GICD_ICENABLER1', bit(40)),
      wr('GICD_ISPENDR1', bit(40)), rd('GICD_ISPENDR1', bit(40)), iar(1, SP), iar(0, 40), eoi(0, 40),
      wr('GICD_ICENABLER1', bit(40)), rd('GICD_ISENABLER1', 0), rd('GICD_ICENABLER1', 0),
      wr('GICD_ISPENDR1', bit(40)), iar(0, SP), rd('GICD_ISPENDR1', bit(40)),
      wr('GICD_ISENABLER1', bit(40)), iar(0, 40), eoi(0, 40), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'icpendr-edge',
    description: 'GICD_ICPENDR clears the pending state of an edge-triggered SPI: it is not delivered.',
    rules: ['dist.icpendr.clear', 'dist.ispendr.set'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(41, { prio: 0x80, edge: true }), wr('GICD_ISPENDR1', bit(41)),
      rd('GICD_ICPENDR1', bit(41)), wr('GICD_ICPENDR1', bit(41)), rd('GICD_ISPENDR1', 0), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'level-line-icpendr',
    description: 'A level-sensitive SPI with its line asserted stays pending after GICD_ICPENDR, becomes active and pending when acknowledged, is signalled again after EOI while the line is high, and goes quiet once the line drops.',
    rules: ['dist.icpendr.level-line-high', 'dist.level.line', 'dist.level.active-and-pending', 'kvm.irq-line.spi', 'kvm.irq-line.level', 'dist.isactiver.set'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: false }),
      irqLine('spi', 42, 1, 0), rd('GICD_ISPENDR1', bit(42)), wr('GICD_ICPENDR1', bit(42)), rd('GICD_ISPENDR1', bit(42)),
      iar(0, 42), rd('GICD_ISACTIVER1', bit(42)), rd('GICD_ISPENDR1', bit(42)),
      eoi(0, 42), iar(0, 42), irqLine('spi', 42, 0, 0), rd('GICD_ISPENDR1', 0), eoi(0, 42), iar(0, SP), rd('GICD_ISACTIVER1', 0)],
  },
  {
    component: 'distributor', name: 'level-ispendr-latch',
    description: 'GICD_ISPENDR makes a level-sensitive SPI pending with its line low; acknowledging it clears the latch, so after EOI it is not pending.',
    rules: ['dist.ispendr.set', 'dist.level.line'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(43, { prio: 0x80, edge: false }), wr('GICD_ISPENDR1', bit(43)),
      rd('GICD_ISPENDR1', bit(43)), iar(0, 43), rd('GICD_ISPENDR1', 0), eoi(0, 43), iar(0, SP),
      wr('GICD_ISPENDR1', bit(43)), wr('GICD_ICPENDR1', bit(43)), rd('GICD_ISPENDR1', 0), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'level-ispendr-latch-icactiver',
    description: 'A level-sensitive SPI made pending by GICD_ISPENDR with its line low, acknowledged, then deactivated by GICD_ICACTIVER: the acknowledge consumed the latch, so it is neither pending nor taken again (Arm IHI 0069 4.1, interrupt state transitions; GICD_ISPENDR, GICD_ICACTIVER). KVM keeps the latch until the list register comes back invalid, and the ICACTIVER write leaves it set: the SPI is taken again (quirk kvm.level-ispendr-latch-survives-ack).',
    rules: ['dist.ispendr.set', 'dist.icactiver.clear', 'cpuif.iar1.spurious'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(44, { prio: 0x80, edge: false }), wr('GICD_ISPENDR1', bit(44)),
      iar(0, 44), wr('GICD_ICACTIVER1', bit(44)), rd('GICD_ISACTIVER1', 0), eoi(0, 44), iar(0, SP), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'distributor', name: 'level-ispendr-latch-dir-elsewhere',
    description: 'A level-sensitive SPI routed to vCPU 1, made pending by GICD_ISPENDR with its line low, acknowledged by vCPU 1 (EOImode 1), its priority dropped there, then deactivated by a DIR on vCPU 0: the acknowledge consumed the latch, so nothing is taken again (Arm IHI 0069 4.1, interrupt state transitions; ICC_DIR_EL1). KVM traps that DIR and, finding the SPI in vCPU 1\'s list register, emulates a GICD_ICACTIVER write (vgic-v3.c vgic_v3_deactivate), which leaves the latch the acknowledge kept: the SPI is taken again (quirk kvm.level-ispendr-latch-survives-ack). The clean-kvm selftest control found it (mut:118 under the generator gen@15).',
    rules: ['cpuif.dir.deactivate', 'dist.ispendr.set', 'cpuif.iar1.spurious'],
    config: { vcpus: 2, spis: 32, its: 0, impl: { lrs: 1, pcpus: 2 } },
    ops: [{"op": "boot"} as Op,
      {"op": "sysreg.write", "cpu": 1, "reg": "ICC_CTLR_EL1", "value": "0x2"} as Op,
      {"op": "sysreg.write", "cpu": 0, "reg": "ICC_CTLR_EL1", "value": "0x2"} as Op,
      {"op": "mmio.write", "cpu": 1, "frame": "gicd", "offset": 3080, "width": 32, "value": "0x0"} as Op,
      {"op": "mmio.write", "cpu": 1, "frame": "gicd", "offset": 24848, "width": 64, "value": "0x1"} as Op,
      {"op": "mmio.write", "cpu": 1, "frame": "gicd", "offset": 260, "width": 32, "value": "0x4"} as Op,
      {"op": "mmio.write", "cpu": 0, "frame": "gicd", "offset": 516, "width": 32, "value": "0x4"} as Op,
      iar(1, 34),
      {"op": "sysreg.write", "cpu": 1, "reg": "ICC_EOIR1_EL1", "value": "0x22"} as Op,
      {"op": "sysreg.write", "cpu": 0, "reg": "ICC_DIR_EL1", "value": "0x22"} as Op,
      iar(1, SP)],
  },
  {
    component: 'distributor', name: 'level-ispendr-while-active',
    description: 'A level-sensitive SPI with its line low, made pending by GICD_ISPENDR while it is active: active and pending, it is taken again after the EOI (Arm IHI 0069 4.1, interrupt state transitions; GICD_ISPENDR). KVM keeps an active level interrupt in its list register as active only and clears the latch when the EOI leaves that register invalid: the SPI is not taken again (quirk kvm.level-ispendr-latch-survives-ack).',
    rules: ['dist.ispendr.set', 'dist.level.active-and-pending', 'cpuif.iar1.ack'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(45, { prio: 0x80, edge: false }), wr('GICD_ISPENDR1', bit(45)),
      iar(0, 45), wr('GICD_ISPENDR1', bit(45)), rd('GICD_ISPENDR1', bit(45)), eoi(0, 45), iar(0, 45), eoi(0, 45), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'edge-coalesce',
    description: 'Two edges on an edge-triggered SPI before it is acknowledged coalesce into one acknowledge; a new edge after EOI makes it pending again.',
    rules: ['dist.edge.latch', 'kvm.irq-line.level', 'kvm.irq-line.spi'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(44, { prio: 0x80, edge: true }),
      irqLine('spi', 44, 1, 0), irqLine('spi', 44, 0, 0), irqLine('spi', 44, 1, 0), irqLine('spi', 44, 0, 0),
      iar(0, 44), eoi(0, 44), iar(0, SP),
      irqLine('spi', 44, 1, 0), irqLine('spi', 44, 0, 0), iar(0, 44), eoi(0, 44), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'isactiver-icactiver',
    description: 'GICD_ISACTIVER makes an SPI active without touching the active priorities (RPR stays idle); while active it is not signalled although pending; GICD_ICACTIVER deactivates it and it is delivered.',
    rules: ['dist.isactiver.set', 'dist.icactiver.clear', 'dist.active.not-resignalled', 'cpuif.rpr.idle', 'dist.active.read'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(45, { prio: 0x80, edge: true }), wr('GICD_ISACTIVER1', bit(45)),
      rd('GICD_ISACTIVER1', bit(45)), rd('GICD_ICACTIVER1', bit(45)), rpr(0, 0xff),
      wr('GICD_ISPENDR1', bit(45)), iar(0, SP), hppir(0, SP),
      wr('GICD_ICACTIVER1', bit(45)), rd('GICD_ISACTIVER1', 0), iar(0, 45), eoi(0, 45), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'ipriorityr-access',
    description: 'GICD_IPRIORITYR is byte- and word-accessible; priorities that are multiples of 0x10 read back exactly, 0xff reads back truncated to the implemented bits.',
    rules: ['dist.ipriorityr.byte', 'choice.u2.priority-bits'],
    config: D2,
    ops: [boot(), wr('GICD_IPRIORITYR44', 0x4030_2010),
      rd('GICD_IPRIORITYR44', 0x10, { width: 8 }), rd('GICD_IPRIORITYR45', 0x20, { width: 8 }),
      rd('GICD_IPRIORITYR46', 0x30, { width: 8 }), rd('GICD_IPRIORITYR47', 0x40, { width: 8 }),
      { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: off('GICD_IPRIORITYR46'), width: 8, value: '0x80' },
      rd('GICD_IPRIORITYR44', 0x4080_2010),
      { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: off('GICD_IPRIORITYR47'), width: 8, value: '0xff' },
      rd('GICD_IPRIORITYR47', PRIO_FF, { width: 8 })],
  },
  {
    component: 'distributor', name: 'icfgr-readback',
    description: 'GICD_ICFGR Int_config bits (odd bits) of SPIs read back as written.',
    rules: ['dist.icfgr.config'],
    config: D2,
    ops: [boot(), quiesce([0], 64), wr('GICD_ICFGR2', 0xaaaa_0000), rd('GICD_ICFGR2', 0xaaaa_0000),
      wr('GICD_ICFGR3', 0x0000_0008), rd('GICD_ICFGR3', 0x8), wr('GICD_ICFGR2', 0), rd('GICD_ICFGR2', 0)],
  },
  {
    component: 'distributor', name: 'irouter-affinity',
    description: 'An SPI is delivered only to the vCPU whose affinity GICD_IROUTER names (Aff0 = 2); with 20 vCPUs Aff1 = 1, Aff0 = 1 names vCPU 17. (Each SPI sits in its own GICD_ICFGR word so that configuring one never rewrites the other\'s configuration while enabled, choice.u1.icfgr-change.)',
    rules: ['dist.irouter.affinity'],
    config: { vcpus: 20, spis: 64, its: 0 },
    ops: [boot(), quiesce([0, 1, 2, 17], 64), spiSetup(48, { prio: 0x80, edge: true, target: 2 }), rd('GICD_IROUTER48', 0x2),
      wr('GICD_ISPENDR1', bit(48)), iar(0, SP), iar(1, SP), iar(2, 48), eoi(2, 48),
      spiSetup(33, { prio: 0x80, edge: true, route: 0x101n }), rd('GICD_IROUTER33', 0x101),
      wr('GICD_ISPENDR1', bit(33)), iar(1, SP), iar(17, 33), eoi(17, 33)],
  },
  {
    component: 'distributor', name: 'irouter-reroute-pending',
    description: 'Rerouting a pending SPI: the old target may still acknowledge it while the change propagates (choice.u6.state-change-race); it is acknowledged exactly once, by the old or the new target.',
    rules: ['choice.u6.state-change-race', 'dist.irouter.affinity'],
    config: { vcpus: 4, spis: 64, its: 0 },
    ops: [boot(), quiesce([1, 3], 64), spiSetup(49, { prio: 0x80, edge: true, target: 1 }), { op: 'vcpu.run', cpu: 1, pcpu: 1 },
      wr('GICD_ISPENDR1', bit(49)), wr('GICD_IROUTER49', 3), iar(1, [49, SP]), iar(3, [49, SP])],
  },
  {
    component: 'distributor', name: 'irouter-after-eoi-on-old-vcpu',
    description: 'vCPU 0 acknowledges and EOIs edge SPI 50; vCPU 1 then routes it to itself and makes it pending again: vCPU 1 acknowledges it (Arm IHI 0069 GICD_IROUTER<n>, ICC_IAR1_EL1). KVM prunes an ap_list only when its vCPU exits: the SPI is still on vCPU 0\'s, the new pending state is not queued to vCPU 1, which reads 1023 until vCPU 0 exits (quirk kvm.irouter-does-not-requeue).',
    rules: ['dist.irouter.affinity', 'cpuif.iar1.ack'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(50, { prio: 0x80, edge: true, target: 0 }), wr('GICD_ISPENDR1', bit(50), { cpu: 1 }),
      iar(0, 50), eoi(0, 50), wr('GICD_IROUTER50', 1, { cpu: 1 }), wr('GICD_ISPENDR1', bit(50), { cpu: 1 }), iar(1, 50), eoi(1, 50)],
  },
  {
    component: 'distributor', name: 'irouter-while-active-pending-again',
    description: 'vCPU 0 acknowledges edge SPI 52, vCPU 1 routes it to itself, vCPU 0 makes it pending again and EOIs it: pending and inactive, it is vCPU 1\'s to take, and vCPU 0 reads 1023 (Arm IHI 0069 GICD_IROUTER<n>, ICC_IAR1_EL1). In KVM the active SPI stays on vCPU 0\'s ap_list (vCPU 0 exited for its GICD_ISPENDR write, and its fold saw the SPI active), its new pending state goes into vCPU 0\'s list register with it, and the EOI there leaves it pending in that register: vCPU 0 takes it (quirk kvm.irouter-does-not-requeue).',
    rules: ['dist.irouter.affinity', 'cpuif.iar1.spurious'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(52, { prio: 0x80, edge: true, target: 0 }), wr('GICD_ISPENDR1', bit(52), { cpu: 1 }),
      iar(0, 52), wr('GICD_IROUTER52', 1, { cpu: 1 }), wr('GICD_ISPENDR1', bit(52), { cpu: 0 }), eoi(0, 52), iar(0, SP), iar(1, 52), eoi(1, 52)],
  },
  {
    component: 'distributor', name: 'disabled-pending-while-active',
    description: 'vCPU 0 acknowledges edge SPI 40, disables it (GICD_ICENABLER) and vCPU 1 makes it pending again before the EOI: a disabled interrupt is not forwarded, so after the EOI vCPU 0 has nothing to acknowledge (Arm IHI 0069 GICD_ISENABLER<n>, chapter 4 interrupt state transitions). KVM keeps the active SPI queued and puts its new pending state in the list register with it: after the EOI vCPU 0 takes it (quirk kvm.disabled-pending-in-lr-taken).',
    rules: ['dist.icenabler.clear', 'cpuif.iar1.spurious'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(40, { prio: 0x80, edge: true, target: 0 }), wr('GICD_ISPENDR1', bit(40), { cpu: 1 }),
      iar(0, 40), wr('GICD_ICENABLER1', bit(40)), wr('GICD_ISPENDR1', bit(40), { cpu: 1 }), eoi(0, 40), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'dir-elsewhere-wakes-wfi',
    description: 'EOImode 1: vCPU 0 acknowledges edge SPI 41, drops its priority and waits in WFI; vCPU 1 makes the SPI pending again and deactivates it (ICC_DIR_EL1): the SPI is pending and inactive, so vCPU 0 wakes and acknowledges it (Arm IHI 0069 ICC_DIR_EL1; WFI wake-up). KVM\'s trapped DIR deactivates it on vCPU 0\'s ap_list without kicking vCPU 0, which stays in WFI (quirk kvm.dir-elsewhere-does-not-wake).',
    rules: ['cpuif.dir.deactivate', 'cpuif.wfi.wake'],
    config: D2,
    ops: [boot({ eoiMode: 1 }), quiesce([0, 1], 64), spiSetup(41, { prio: 0x80, edge: true, target: 0 }), wr('GICD_ISPENDR1', bit(41), { cpu: 1 }),
      iar(0, 41), eoi(0, 41), wfi(0, 'asleep'), wr('GICD_ISPENDR1', bit(41), { cpu: 1 }), dir(1, 41), iar(0, 41), eoi(0, 41), dir(0, 41)],
  },
  {
    component: 'distributor', name: 'icactiver-elsewhere-wakes-wfi',
    description: 'EOImode 1: vCPU 0 acknowledges edge SPI 53, drops its priority and waits in WFI; vCPU 1 makes the SPI pending again and clears its active state (GICD_ICACTIVER): pending and inactive, it wakes vCPU 0, which acknowledges it (Arm IHI 0069 GICD_ICACTIVER<n>; WFI wake-up). In KVM the write halts and resumes the guest (vgic_access_active_prepare, kvm_arm_resume_guest), and the resume wakes the blocked vCPU to check again whether it can run.',
    rules: ['dist.icactiver.clear', 'cpuif.wfi.wake'],
    config: D2,
    ops: [boot({ eoiMode: 1 }), quiesce([0, 1], 64), spiSetup(53, { prio: 0x80, edge: true, target: 0 }), wr('GICD_ISPENDR1', bit(53), { cpu: 1 }),
      iar(0, 53), eoi(0, 53), wfi(0, 'asleep'), wr('GICD_ISPENDR1', bit(53), { cpu: 1 }), wr('GICD_ICACTIVER1', bit(53), { cpu: 1 }), iar(0, 53), eoi(0, 53), dir(0, 53)],
  },
  {
    component: 'distributor', name: 'irouter-no-pe',
    description: 'An SPI routed to an affinity with no vCPU is not delivered; after rerouting to vCPU 1 it is (choice.u5.irouter-no-pe).',
    rules: ['choice.u5.irouter-no-pe'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(51, { prio: 0x80, edge: true, route: 9n }), wr('GICD_ISPENDR1', bit(51)),
      iar(0, SP), iar(1, SP), wr('GICD_IROUTER51', 1), iar(1, 51), eoi(1, 51)],
  },
  {
    component: 'distributor', name: 'irouter-irm',
    description: 'GICD_IROUTER.IRM = 1 selects 1-of-N routing: the SPI goes to exactly one vCPU (IRM may be RAZ/WI when 1-of-N is not supported).',
    rules: ['dist.irouter.irm'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 64), spiSetup(52, { prio: 0x80, edge: true, route: 0x8000_0000n }),
      rd('GICD_IROUTER52', [0x8000_0000, 0]), wr('GICD_ISPENDR1', bit(52)), iar(0, [52, SP]), iar(1, [52, SP])],
  },
  {
    component: 'distributor', name: 'ctlr-enable-grp1',
    description: 'GICD_CTLR reads ARE and DS as 1 whatever is written; clearing EnableGrp1 stops delivery of a pending SPI, setting it again delivers it.',
    rules: ['dist.ctlr.enable-grp1', 'dist.ctlr.are-ds-rao', 'dist.ctlr.rwp'],
    config: D2,
    ops: [boot(), quiesce([0], 64), rd('GICD_CTLR', 0x52), spiSetup(53, { prio: 0x80, edge: true }), wr('GICD_ISPENDR1', bit(53)),
      wr('GICD_CTLR', 0x0), rd('GICD_CTLR', 0x50), iar(0, SP), srd(0, 'ISR_EL1', 0), rd('GICD_ISPENDR1', bit(53)),
      wr('GICD_CTLR', 0x12), rd('GICD_CTLR', 0x52), iar(0, 53), eoi(0, 53)],
  },
  {
    component: 'distributor', name: 'banked-raz-wi',
    description: 'With ARE = 1 the Distributor copies of SGI/PPI enables and priorities are RAZ/WI: writing them neither reads back nor enables the SGI.',
    rules: ['dist.banked-raz-wi'],
    config: D2,
    ops: [boot(), quiesce([0], 64), wr('GICD_ISENABLER0', 0xffff_ffff), rd('GICD_ISENABLER0', 0), rd('GICR_ISENABLER0', 0),
      { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: off('GICD_IPRIORITYR0') + 5, width: 8, value: '0x80' },
      { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: off('GICD_IPRIORITYR0') + 5, width: 8, expect: '0x0' },
      wr('GICD_ISPENDR0', 0x20), rd('GICR_ISPENDR0', 0)],
  },
  {
    component: 'distributor', name: 'spi-out-of-range',
    description: 'With 32 SPIs (INTIDs 32-63) the registers for INTIDs 64 and up are RAZ/WI, and KVM_IRQ_LINE for SPI 64 is rejected.',
    rules: ['dist.spi.oor-raz-wi', 'kvm.irq-line.spi-einval'],
    config: { vcpus: 1, spis: 32, its: 0 },
    ops: [boot(), wr('GICD_ISENABLER2', 0xffff_ffff), rd('GICD_ISENABLER2', 0),
      { op: 'mmio.write', cpu: 0, frame: 'gicd', offset: off('GICD_IPRIORITYR0') + 64, width: 8, value: '0x80' },
      { op: 'mmio.read', cpu: 0, frame: 'gicd', offset: off('GICD_IPRIORITYR0') + 64, width: 8, expect: '0x0' },
      irqLine('spi', 64, 1, -22), irqLine('spi', 63, 1, 0)],
  },
  {
    component: 'distributor', name: 'igroupr-readback',
    description: 'GICD_IGROUPR group bits of SPIs read back as written.',
    rules: ['dist.igroupr.rw'],
    config: D2,
    ops: [boot(), rd('GICD_IGROUPR1', 0xffff_ffff), wr('GICD_IGROUPR1', 0xffff_0000), rd('GICD_IGROUPR1', 0xffff_0000),
      wr('GICD_IGROUPR1', 0xffff_ffff), rd('GICD_IGROUPR1', 0xffff_ffff)],
  },
  {
    component: 'distributor', name: 'icfgr-change-pending',
    description: 'Changing the Int_config of a pending (disabled) SPI leaves its pending state UNKNOWN (choice.u1.icfgr-change).',
    rules: ['choice.u1.icfgr-change'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(46, { prio: 0x80, edge: true, enable: false }), wr('GICD_ISPENDR1', bit(46)),
      wr('GICD_ICFGR2', 0), rd('GICD_ISPENDR1', [bit(46), 0])],
  },
  {
    component: 'distributor', name: 'enable-grp0-ds1',
    description: 'With one Security state GICD_CTLR.EnableGrp0 either gates Group 0 (architecture) or is RAZ/WI with Group 0 gated by EnableGrp1 (KVM) (choice.u7.enable-grp0).',
    rules: ['choice.u7.enable-grp0', 'cpuif.iar0.ack'],
    config: D2,
    ops: [boot(), quiesce([0], 64), wr('GICR_IGROUPR0', 0xffff_fff7), swr(0, 'ICC_IGRPEN0_EL1', 1), privSetup(0, 3, 0x40),
      swr(0, 'ICC_SGI0R_EL1', sgi1r(3, [0])), srd(0, 'ICC_IAR0_EL1', [h(3), SPURIOUS]),
      wr('GICD_CTLR', 0x13), rd('GICD_CTLR', [0x53, 0x52])],
  },
  {
    component: 'distributor', name: 'nassgireq-while-enabled',
    description: 'Writing GICD_CTLR.nASSGIreq while the Distributor is enabled is ignored or takes effect (choice.u8.nassgireq-enabled).',
    rules: ['choice.u8.nassgireq-enabled'],
    config: D2,
    ops: [boot(), wr('GICD_CTLR', 0x112), rd('GICD_CTLR', [0x52, 0x152])],
  },
  {
    component: 'distributor', name: 'nassgireq-sgi-no-active',
    description: 'GICD_CTLR.nASSGIreq written while the Distributor is disabled: RAZ/WI without GICD_TYPER2.nASSGIcap, else set (GICv4.1). Set, an acknowledged SGI is not active (GICR_ISACTIVER0 reads 0) and, with EOImode = 1, is taken again after the priority drop without a deactivation; otherwise it is active until the EOI (or DIR).',
    rules: ['dist.ctlr.nassgireq', 'dist.typer2.nassgicap', 'cpuif.dir.deactivate'],
    config: D2,
    ops: [boot(), quiesce([0], 64), wr('GICD_CTLR', 0x10), wr('GICD_CTLR', 0x110), rd('GICD_CTLR', [0x50, 0x150]), wr('GICD_CTLR', 0x112),
      rd('GICD_TYPER2', [0x0, 0x100].flatMap((cap) => [0, 0x80].flatMap((vil) => Array.from({ length: 32 }, (_, vid) => h(cap | vil | vid))))),
      privSetup(0, 1, 0x80), sendSgi(0, 1, [0]), iar(0, 1), rd('GICR_ISACTIVER0', [0x0, 0x2], { index: 0 }), eoi(0, 1), rd('GICR_ISACTIVER0', 0, { index: 0 }),
      swr(0, 'ICC_CTLR_EL1', 2), sendSgi(0, 1, [0]), iar(0, 1), eoi(0, 1), sendSgi(0, 1, [0]), iar(0, [1, SP]), dir(0, 1), iar(0, [1, SP]), eoi(0, 1), dir(0, 1),
      rd('GICR_ISACTIVER0', 0, { index: 0 })],
  },
  {
    component: 'distributor', name: 'level-pending-while-disabled',
    description: 'A disabled level-sensitive SPI whose line is asserted reads pending and is not delivered; once enabled it is delivered, and after the line drops and EOI it is quiet.',
    rules: ['dist.pending-while-disabled', 'dist.level.line', 'kvm.irq-line.spi'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(42, { prio: 0x80, edge: false, enable: false }), irqLine('spi', 42, 1, 0),
      rd('GICD_ISPENDR1', bit(42)), iar(0, SP), wr('GICD_ISENABLER1', bit(42)), iar(0, 42), irqLine('spi', 42, 0, 0), eoi(0, 42), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'active-and-pending-icpendr',
    description: 'An edge SPI made pending again while active reads active and pending; GICD_ICPENDR removes only the pending state, so after EOI nothing is left.',
    rules: ['dist.icpendr.clear', 'dist.isactiver.set', 'dist.active.not-resignalled'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(44, { prio: 0x80, edge: true }), wr('GICD_ISPENDR1', bit(44)), iar(0, 44),
      wr('GICD_ISPENDR1', bit(44)), rd('GICD_ISPENDR1', bit(44)), rd('GICD_ISACTIVER1', bit(44)), iar(0, SP),
      wr('GICD_ICPENDR1', bit(44)), rd('GICD_ISPENDR1', 0), rd('GICD_ISACTIVER1', bit(44)), eoi(0, 44), rd('GICD_ISACTIVER1', 0), iar(0, SP)],
  },
  {
    component: 'distributor', name: 'eoimode1-level-spi',
    description: 'EOImode = 1 with a level SPI whose line stays high: EOI drops priority but the SPI stays active (active and pending), so it is not taken again until DIR deactivates it.',
    rules: ['cpuif.eoir1.eoimode1', 'cpuif.dir.deactivate', 'dist.level.active-and-pending'],
    config: D2,
    ops: [boot({ eoiMode: 1 }), quiesce([0], 64), spiSetup(45, { prio: 0x80, edge: false }), irqLine('spi', 45, 1, 0),
      iar(0, 45), eoi(0, 45), rpr(0, 0xff), rd('GICD_ISACTIVER1', bit(45)), rd('GICD_ISPENDR1', bit(45)), iar(0, SP),
      dir(0, 45), rd('GICD_ISACTIVER1', 0), iar(0, 45), irqLine('spi', 45, 0, 0), eoi(0, 45), dir(0, 45), iar(0, SP), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'distributor', name: 'sgi-broadcast-64-vcpus',
    description: 'With 64 vCPUs (Aff1 0..3): an IRM = 1 SGI from vCPU 0 is pending on every other vCPU; an SGI to Aff1 = 3 with TargetList 0xffff reaches vCPUs 48..63 only.',
    rules: ['cpuif.sgi1r.irm', 'cpuif.sgi1r.targetlist'],
    config: { vcpus: 64, spis: 32, its: 0 },
    ops: [boot(), quiesce([0, 1, 16, 47, 48, 63], 32),
      swr(0, 'ICC_SGI1R_EL1', sgi1r(9, [], { irm: true })),
      ...[0, 1, 16, 47, 48, 63].map((c) => rd('GICR_ISPENDR0', c === 0 ? 0 : 0x200, { index: c })),
      wr('GICR_ICPENDR0', 0x200, { cpu: 47, index: 47 }), wr('GICR_ICPENDR0', 0x200, { cpu: 48, index: 48 }),
      swr(0, 'ICC_SGI1R_EL1', sgi1r(10, Array.from({ length: 16 }, (_, k) => k), { aff1: 3 })),
      rd('GICR_ISPENDR0', 0, { index: 47 }), rd('GICR_ISPENDR0', 0x400, { index: 48 }), rd('GICR_ISPENDR0', 0x600, { index: 63 }),
      privSetup(63, 10, 0x80), iar(63, 10), eoi(63, 10)],
  },
  {
    component: 'distributor', name: 'security-registers-raz-wi',
    description: 'With one Security state (DS = 1) GICD_IGRPMODR, GICD_NSACR and GICR_IGRPMODR0 are RAZ/WI.',
    rules: ['mmio.reserved-raz-wi'],
    config: D2,
    ops: [boot(), wr('GICD_IGRPMODR1', 0xffff_ffff), rd('GICD_IGRPMODR1', 0), wr('GICD_NSACR2', 0xffff_ffff), rd('GICD_NSACR2', 0),
      wr('GICR_IGRPMODR0', 0xffff_ffff), rd('GICR_IGRPMODR0', 0)],
  },
  {
    component: 'distributor', name: 'setspi-nsr',
    description: 'A write of INTID 40 to GICD_SETSPI_NSR makes SPI 40 pending when message-based SPIs are implemented (GICD_TYPER.MBIS) and has no effect otherwise; GICD_CLRSPI_NSR then clears it.',
    rules: ['dist.mbis.setspi'],
    config: D2,
    ops: [boot(), quiesce([0], 64), spiSetup(40, { prio: 0x80, edge: true, enable: false }), wr('GICD_SETSPI_NSR', 40),
      rd('GICD_ISPENDR1', [bit(40), 0]), wr('GICD_CLRSPI_NSR', 40), rd('GICD_ISPENDR1', 0)],
  },
  {
    component: 'distributor', name: 'pidr2',
    description: 'GICD_PIDR2.ArchRev reads 3 or 4 (JEDEC bit set, DES_1 IMPDEF) and the register is read-only.',
    rules: ['dist.pidr2.archrev', 'dist.typer.ro'],
    config: D2,
    ops: [boot(), rd('GICD_PIDR2', PIDR2_VALUES), wr('GICD_PIDR2', 0), rd('GICD_PIDR2', PIDR2_VALUES)],
  },
  // ------------------------------------------------------------ Redistributor
  {
    component: 'redistributor', name: 'typer-low-word',
    description: 'GICR_TYPER[31:0]: PLPIS = 1 with an ITS, Processor_Number = vCPU index, Last set only on the last redistributor; the remaining fields are implementation choices.',
    rules: ['redist.typer.plpis', 'redist.typer.processor-number', 'redist.typer.last'],
    config: { vcpus: 3, spis: 32, its: 1 },
    ops: [boot(), rd('GICR_TYPER', gicrTyperLow(0, false), { width: 32 }), rd('GICR_TYPER', gicrTyperLow(1, false), { index: 1, width: 32 }),
      rd('GICR_TYPER', gicrTyperLow(2, true), { index: 2, width: 32 })],
  },
  {
    component: 'redistributor', name: 'typer-affinity',
    description: 'GICR_TYPER.Affinity_Value (upper word) of redistributor i is vCPU i\'s affinity: Aff0 = i & 15, Aff1 = i >> 4.',
    rules: ['redist.typer.affinity'],
    config: { vcpus: 20, spis: 32, its: 0 },
    ops: [boot(), ...[0, 5, 15, 16, 17, 19].map((i) => rd('GICR_TYPER', ((i >> 4) << 8) | (i & 15), { index: i, at: 4, width: 32 }))],
  },
  {
    component: 'redistributor', name: 'waker-awake',
    description: 'After the boot sequence cleared GICR_WAKER.ProcessorSleep, ChildrenAsleep reads 0.',
    rules: ['redist.waker.awake'],
    config: D2,
    ops: [boot(), rd('GICR_WAKER', [0x0, 0x1, 0x8000_0000, 0x8000_0001]), rd('GICR_WAKER', [0x0, 0x1, 0x8000_0000, 0x8000_0001], { index: 1 })],
  },
  {
    component: 'redistributor', name: 'sgi-enable-banked',
    description: 'GICR_ISENABLER0 of one redistributor enables the SGI on that vCPU only; the SGI sent to both vCPUs is pending on both but delivered only where enabled.',
    rules: ['redist.isenabler0.banked', 'redist.ispendr0.banked'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 32), privSetup(0, 3, 0x80), prio(3, 0x80, 1), rd('GICR_ISENABLER0', 0x8, { index: 0 }),
      rd('GICR_ISENABLER0', 0, { index: 1 }), sendSgi(0, 3, [0, 1]), rd('GICR_ISPENDR0', 0x8, { index: 1 }),
      iar(1, SP), iar(0, 3), eoi(0, 3), wr('GICR_ISENABLER0', 0x8, { cpu: 1, index: 1 }), iar(1, 3), eoi(1, 3)],
  },
  {
    component: 'redistributor', name: 'icfgr0-sgi-edge',
    description: 'SGIs are always edge-triggered: GICR_ICFGR0 reads 0xaaaaaaaa and ignores writes.',
    rules: ['redist.icfgr0.sgi-edge'],
    config: D2,
    ops: [boot(), rd('GICR_ICFGR0', 0xaaaa_aaaa), wr('GICR_ICFGR0', 0), rd('GICR_ICFGR0', 0xaaaa_aaaa)],
  },
  {
    component: 'redistributor', name: 'ppi-config',
    description: 'PPI Int_config may or may not be programmable (choice.u3.ppi-config): a PPI configured edge and pulsed with KVM_IRQ_LINE stays pending only if the configuration took.',
    rules: ['choice.u3.ppi-config', 'kvm.irq-line.ppi'],
    config: D2,
    ops: [boot(), quiesce([0], 32), wr('GICR_ICFGR1', 2 << 8), privSetup(0, 20, 0x80),
      irqLine('ppi', 20, 1, 0, 0), irqLine('ppi', 20, 0, 0, 0), rd('GICR_ISPENDR0', [bit(20), 0])],
  },
  {
    component: 'redistributor', name: 'ppi-irq-line',
    description: 'KVM_IRQ_LINE on PPI 23 of vCPU 1 reaches only vCPU 1; once the line drops and the PPI is acknowledged it is not pending (whether it is edge or level, choice.u3.ppi-config).',
    rules: ['kvm.irq-line.ppi', 'redist.ipriorityr.banked'],
    config: D2,
    ops: [boot(), quiesce([0, 1], 32), privSetup(1, 23, 0x80), privSetup(0, 23, 0x80),
      irqLine('ppi', 23, 1, 0, 1), iar(0, SP), iar(1, 23), irqLine('ppi', 23, 0, 0, 1), eoi(1, 23), iar(1, SP)],
  },
  {
    component: 'redistributor', name: 'baser-readback',
    description: 'With LPIs not yet enabled, GICR_PROPBASER and GICR_PENDBASER read back their address and IDbits; PENDBASER.PTZ is write-only and reads 0.',
    rules: ['redist.propbaser.rw', 'redist.pendbaser.ptz-raz', 'choice.u21.idbits-clamp'],
    config: { vcpus: 2, spis: 32, its: 1 },
    ops: [boot({ lpis: false }),
      wr('GICR_PROPBASER', BigInt(BOOT_PROPBASE) | 15n), rd('GICR_PROPBASER', baserReadbacks(BOOT_PROPBASE, [13, 14, 15])),
      wr('GICR_PENDBASER', BigInt(bootPendBase(0)) | (1n << 62n)), rd('GICR_PENDBASER', baserReadbacks(bootPendBase(0), [0]))],
  },
  {
    component: 'redistributor', name: 'ctlr-enable-lpis',
    description: 'After boot GICR_CTLR.EnableLPIs reads 1; CES and IR are read-only and RWP reads 0 at quiescence.',
    rules: ['redist.ctlr.enable-lpis', 'redist.ctlr.ro-bits'],
    config: { vcpus: 2, spis: 32, its: 1 },
    ops: [boot(), rd('GICR_CTLR', [0x1, 0x3, 0x5, 0x7]), rd('GICR_CTLR', [0x1, 0x3, 0x5, 0x7], { index: 1 }),
      wr('GICR_CTLR', 0x7, { cpu: 1, index: 1 }), rd('GICR_CTLR', [0x1, 0x3, 0x5, 0x7], { index: 1 })],
  },
];
export { SPURIOUS, eoi, swr };
