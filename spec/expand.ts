// Macro expansion (docs/scenario-format.md): `boot` becomes the primitive MMIO and system-register
// writes a guest's GIC driver makes, in the documented order. Targets and the oracle only ever
// see primitive ops; the trace shows the expansion.
import type { BootOp, Op, PrimitiveOp, ResolvedConfig, Scenario, ExpandedScenario } from './scenario.js';
import { resolveConfig } from './scenario.js';
import { toHex } from './hex.js';
import { fieldMaskOf, offsetOf } from './codec/registers.js';
import {
  BOOT_COLLECTION_TABLE_SIZE, BOOT_COMMAND_QUEUE_SIZE, BOOT_DEVICE_TABLE_SIZE, BOOT_LPI_ID_BITS, BOOT_PROPBASE,
  bootCollectionTable, bootCommandQueue, bootDeviceTable, bootPendBase,
} from './layout.js';

// Register offsets and bits used by the boot sequence, from spec/data/registers (resolved once).
const GICD_CTLR = offsetOf('GICD_CTLR');
const GICD_CTLR_ENABLE_GRP1 = Number(fieldMaskOf('GICD_CTLR', 'EnableGrp1'));
const GICD_CTLR_ARE = Number(fieldMaskOf('GICD_CTLR', 'ARE'));
const GICD_IGROUPR = offsetOf('GICD_IGROUPR<n>');
const GICR_CTLR = offsetOf('GICR_CTLR');
const GICR_CTLR_ENABLE_LPIS = Number(fieldMaskOf('GICR_CTLR', 'EnableLPIs'));
const GICR_WAKER = offsetOf('GICR_WAKER');
const GICR_PROPBASER = offsetOf('GICR_PROPBASER');
const GICR_PENDBASER = offsetOf('GICR_PENDBASER');
const GICR_IGROUPR0 = offsetOf('GICR_IGROUPR0'); // SGI frame
const GITS_CTLR = offsetOf('GITS_CTLR');
const GITS_CBASER = offsetOf('GITS_CBASER');
const GITS_CWRITER = offsetOf('GITS_CWRITER');
const GITS_BASER0 = offsetOf('GITS_BASER0');

// Cacheability and shareability a Linux guest programs (Linux irq-gic-v3-its.c): inner-shareable,
// read/write-allocate write-back.
const TABLE_INNER_RAWAWB = 7n << 59n; // GITS_BASER / GITS_CBASER InnerCache [61:59]
const TABLE_INNER_SHAREABLE = 1n << 10n; // Shareability [11:10]
const REDIST_INNER_RAWAWB = 7n << 7n; // GICR_PROPBASER / PENDBASER InnerCache [9:7]
const VALID = 1n << 63n;
const PAGE_64K = 2n << 8n; // GITS_BASER Page_Size [9:8]

function baser(type: bigint, entryBytes: number, base: number, tableBytes: number): bigint {
  const pages = BigInt(tableBytes / 0x1_0000 - 1);
  return VALID | TABLE_INNER_RAWAWB | (type << 56n) | (BigInt(entryBytes - 1) << 48n) | BigInt(base) | TABLE_INNER_SHAREABLE | PAGE_64K | pages;
}

export function expandBoot(b: BootOp, config: ResolvedConfig): PrimitiveOp[] {
  const ops: PrimitiveOp[] = [];
  const cpus = b.cpus ?? Array.from({ length: config.vcpus }, (_, i) => i);
  const boss = cpus[0] ?? 0;
  const lpis = b.lpis ?? config.its > 0;
  const w = (frame: 'gicd' | 'gicr' | 'gicr-sgi' | 'gits', index: number | undefined, offset: number, width: 32 | 64, value: bigint | number, cpu = boss): void => {
    const op: PrimitiveOp = { op: 'mmio.write', cpu, frame, offset, width, value: toHex(value) };
    if (index !== undefined) op.index = index;
    ops.push(op);
  };
  const sys = (cpu: number, reg: 'ICC_PMR_EL1' | 'ICC_BPR1_EL1' | 'ICC_CTLR_EL1' | 'ICC_IGRPEN1_EL1', value: number | bigint): void => {
    ops.push({ op: 'sysreg.write', cpu, reg, value: toHex(value) });
  };

  // Distributor: affinity routing and Group 1 on, every SPI in Group 1.
  w('gicd', undefined, GICD_CTLR, 32, GICD_CTLR_ARE | ((b.distEnable ?? true) ? GICD_CTLR_ENABLE_GRP1 : 0));
  if (b.spiGroup1 ?? true) {
    for (let n = 1; n <= config.spis / 32; n++) w('gicd', undefined, GICD_IGROUPR + 4 * n, 32, 0xffff_ffff);
  }
  // Every vCPU: wake its redistributor, SGIs/PPIs in Group 1, then its CPU interface.
  for (const i of cpus) {
    w('gicr', i, GICR_WAKER, 32, 0, i);
    if (b.ppiGroup1 ?? true) w('gicr-sgi', i, GICR_IGROUPR0, 32, 0xffff_ffff, i);
    sys(i, 'ICC_PMR_EL1', b.pmr !== undefined ? BigInt(b.pmr) : 0xf0);
    sys(i, 'ICC_BPR1_EL1', b.bpr1 ?? 0);
    sys(i, 'ICC_CTLR_EL1', (b.eoiMode ?? 0) << 1);
    sys(i, 'ICC_IGRPEN1_EL1', (b.grp1Enable ?? true) ? 1 : 0);
  }
  if (lpis) {
    // The property table and the pending tables are zero: guest RAM is zero at VM creation.
    const idBits = BigInt(b.idBits ?? BOOT_LPI_ID_BITS);
    for (const i of cpus) {
      w('gicr', i, GICR_PROPBASER, 64, BigInt(BOOT_PROPBASE) | TABLE_INNER_SHAREABLE | REDIST_INNER_RAWAWB | idBits, i);
      w('gicr', i, GICR_PENDBASER, 64, BigInt(bootPendBase(i)) | TABLE_INNER_SHAREABLE | REDIST_INNER_RAWAWB, i);
    }
    for (const i of cpus) w('gicr', i, GICR_CTLR, 32, GICR_CTLR_ENABLE_LPIS, i);
    for (let n = 0; n < config.its; n++) {
      w('gits', n, GITS_BASER0, 64, baser(1n, 8, bootDeviceTable(n), BOOT_DEVICE_TABLE_SIZE));
      w('gits', n, GITS_BASER0 + 8, 64, baser(4n, 8, bootCollectionTable(n), BOOT_COLLECTION_TABLE_SIZE));
      const queuePages = BigInt(BOOT_COMMAND_QUEUE_SIZE / 0x1000 - 1);
      w('gits', n, GITS_CBASER, 64, VALID | TABLE_INNER_RAWAWB | BigInt(bootCommandQueue(n)) | TABLE_INNER_SHAREABLE | queuePages);
      w('gits', n, GITS_CWRITER, 64, 0);
      if (b.itsEnable ?? true) w('gits', n, GITS_CTLR, 32, 1);
    }
  }
  return ops;
}

/** Expand every macro; `origin[k]` is the index in `scenario.ops` that expanded op k came from. */
export function expandScenario(scenario: Scenario): ExpandedScenario {
  const config = resolveConfig(scenario.config);
  const ops: PrimitiveOp[] = [];
  const origin: number[] = [];
  const fromMacro: boolean[] = [];
  scenario.ops.forEach((op: Op, i) => {
    if (op.op === 'boot') {
      for (const p of expandBoot(op, config)) {
        ops.push(p);
        origin.push(i);
        fromMacro.push(true);
      }
    } else {
      ops.push(op);
      origin.push(i);
      fromMacro.push(false);
    }
  });
  return { name: scenario.name, config, ops, origin, fromMacro };
}
