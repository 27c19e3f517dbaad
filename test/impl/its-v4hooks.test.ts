// The GICv4 seam of the vITS: where vgic-its.c calls into vgic-v4.c / irq-gic-v4.c for an LPI that
// is a vLPI (irq->hw), the vITS calls the installed VgicItsV4Hooks (vgic-v4.c "Command
// propagation"; 1.11 "vLPIs are never put in the translation cache"; 1.13 -EACCES).
import type { VgicCpu, VgicIrq, VgicItsV4Hooks } from '../../impl/vgic/types.js';
import { itsTranslater } from '../../spec/layout.js';
import { type TestVm, bootLpis, enc, itsCmd, makeVm, setProp } from './its-helpers.js';

const ITT = 0x4100_0000;

class RecordingHooks implements VgicItsV4Hooks {
  calls: string[] = [];
  constructor(readonly hasGicv41: boolean) {}
  unmapVlpi(irq: VgicIrq): void { this.calls.push(`unmap ${irq.intid}`); }
  moveVlpi(irq: VgicIrq, vcpu: VgicCpu): number { this.calls.push(`move ${irq.intid} ${vcpu.vcpuId}`); return 0; }
  setVlpiPending(irq: VgicIrq, pending: boolean): number { this.calls.push(`pending ${irq.intid} ${pending}`); return 0; }
  propUpdateVlpi(irq: VgicIrq, prop: number, needsInv: boolean): number { this.calls.push(`prop ${irq.intid} ${prop.toString(16)} ${needsInv}`); return 0; }
  invallVpe(vcpu: VgicCpu): void { this.calls.push(`invall-vpe ${vcpu.vcpuId}`); }
}

/** LPI 8192 (device 1 event 3, collection 0 -> vCPU 1) made a vLPI as set_forwarding would. */
function forwarded(hasGicv41 = false): { vm: TestVm; hooks: RecordingHooks; irq: VgicIrq } {
  const vm = makeVm();
  bootLpis(vm);
  setProp(vm, 8192, 0xa1);
  itsCmd(vm, 0, [enc.mapd(1, 7, ITT, true), enc.mapc(0, 1, true), enc.mapc(1, 2, true), enc.mapti(1, 3, 8192, 0)]);
  const hooks = new RecordingHooks(hasGicv41);
  vm.its.setV4Hooks(hooks);
  const irq = vm.dist.lpis.get(8192)!;
  irq.hw = true;
  vm.dist.vcpus[1]!.vpe = {};
  return { vm, hooks, irq };
}

describe('vLPI propagation through VgicItsV4Hooks', () => {
  test('INT and MSIs set the vLPI pending in hardware; CLEAR clears it; nothing is cached or latched', () => {
    const { vm, hooks, irq } = forwarded();
    itsCmd(vm, 0, [enc.int(1, 3), enc.clear(1, 3)]);
    expect(vm.its.injectMsi(itsTranslater(0), 3, 1, 1)).toBe(1);
    expect(hooks.calls).toEqual(['pending 8192 true', 'pending 8192 false', 'pending 8192 true']);
    expect(vm.its.its(0).cache.size).toBe(0);
    expect(irq.pendingLatch).toBe(false);
  });

  test('INV pushes the property byte with needsInv; INVALL pushes it too and INVALLs the vPE', () => {
    const { vm, hooks, irq } = forwarded();
    setProp(vm, 8192, 0x45);
    itsCmd(vm, 0, [enc.inv(1, 3)]);
    itsCmd(vm, 0, [enc.invall(0)]);
    expect(hooks.calls).toEqual(['prop 8192 45 true', 'prop 8192 45 false', 'invall-vpe 1']);
    expect([irq.priority, irq.enabled]).toEqual([0x44, true]);
  });

  test('MOVI, MAPC retarget and MOVALL re-map the vLPI to the new vCPU', () => {
    const { vm, hooks } = forwarded();
    itsCmd(vm, 0, [enc.movi(1, 3, 1), enc.mapc(1, 3, true), enc.movall(3, 0)]);
    expect(hooks.calls).toEqual(['move 8192 2', 'move 8192 3', 'move 8192 0']);
  });

  test('DISCARD and MAPD unmap the vLPI and clear hw', () => {
    const a = forwarded();
    itsCmd(a.vm, 0, [enc.discard(1, 3)]);
    expect(a.hooks.calls).toEqual(['unmap 8192']);
    expect(a.irq.hw).toBe(false);
    const b = forwarded();
    itsCmd(b.vm, 0, [enc.mapd(1, 7, ITT, false)]);
    expect(b.hooks.calls).toEqual(['unmap 8192']);
  });

  test('saving the ITS tables with a vLPI: -EACCES on GICv4.0, fine on GICv4.1 (1.13)', () => {
    const v40 = forwarded(false);
    expect(v40.vm.its.deviceAttr(0, 'CTRL', 'ITS_SAVE_TABLES', 'set', undefined).errno).toBe(-13);
    const v41 = forwarded(true);
    expect(v41.vm.its.deviceAttr(0, 'CTRL', 'ITS_SAVE_TABLES', 'set', undefined).errno).toBe(0);
  });

  test('resolveMsi caches a software LPI before set_forwarding marks it hw (1.11 quirk)', () => {
    const vm = makeVm();
    bootLpis(vm);
    itsCmd(vm, 0, [enc.mapd(1, 7, ITT, true), enc.mapc(0, 1, true), enc.mapti(1, 3, 8192, 0)]);
    const irq = vm.its.resolveMsi(itsTranslater(0), 3, 1, 1) as VgicIrq;
    irq.hw = true; // set_forwarding after the resolve; KVM does not invalidate
    vm.its.setV4Hooks(new RecordingHooks(false));
    // the cached entry still latches it in software
    expect(vm.its.injectMsi(itsTranslater(0), 3, 1, 0)).toBe(1);
    expect(irq.pendingLatch).toBe(true);
  });
});
