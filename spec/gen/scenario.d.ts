/* Generated from spec/schema/scenario.schema.json by scripts/gen-types.ts. Do not edit. */

export type Op =
  | BootOp
  | MmioReadOp
  | MmioWriteOp
  | SysregReadOp
  | SysregWriteOp
  | WfiOp
  | ItsCmdOp
  | MemWriteOp
  | MemReadOp
  | IrqLineOp
  | SignalMsiOp
  | SetGsiRoutingOp
  | IrqfdOp
  | IrqfdSignalOp
  | IrqfdResampledOp
  | VfioForwardOp
  | VfioUnforwardOp
  | DeviceFireOp
  | TimerLineOp
  | DeviceAttrOp
  | MigrateOp
  | VcpuRunOp
  | VcpuExitOp
  | VcpuPutOp
  | GroupOp;
export type Cpu = number;
export type Frame = "gicd" | "gicr" | "gicr-sgi" | "gits";
export type Width = 8 | 16 | 32 | 64;
/**
 * What a target returns for one op: a hex value, null, an errno or ioctl return (integer), a byte string, a wake state, a bool, an object for device_attr and migrate, or for a group the array of its ops' results in the ops' listed order
 */
export type OpResult = null | string | number | boolean | AttrResult | MigrateResult | OpResult[];
/**
 * A register value or address, hex, at most 64 bits
 */
export type Hex = string;
export type SysregRead =
  | "ICC_IAR1_EL1"
  | "ICC_IAR0_EL1"
  | "ICC_HPPIR1_EL1"
  | "ICC_HPPIR0_EL1"
  | "ICC_RPR_EL1"
  | "ICC_PMR_EL1"
  | "ICC_BPR0_EL1"
  | "ICC_BPR1_EL1"
  | "ICC_CTLR_EL1"
  | "ICC_IGRPEN0_EL1"
  | "ICC_IGRPEN1_EL1"
  | "ICC_AP0R0_EL1"
  | "ICC_AP1R0_EL1"
  | "ICC_AP1R1_EL1"
  | "ICC_AP1R2_EL1"
  | "ICC_AP1R3_EL1"
  | "ICC_SRE_EL1"
  | "ISR_EL1";
export type SysregWrite =
  | "ICC_EOIR1_EL1"
  | "ICC_EOIR0_EL1"
  | "ICC_DIR_EL1"
  | "ICC_PMR_EL1"
  | "ICC_BPR0_EL1"
  | "ICC_BPR1_EL1"
  | "ICC_CTLR_EL1"
  | "ICC_IGRPEN0_EL1"
  | "ICC_IGRPEN1_EL1"
  | "ICC_AP0R0_EL1"
  | "ICC_AP1R0_EL1"
  | "ICC_AP1R1_EL1"
  | "ICC_AP1R2_EL1"
  | "ICC_AP1R3_EL1"
  | "ICC_SGI1R_EL1"
  | "ICC_ASGI1R_EL1"
  | "ICC_SGI0R_EL1";
export type ItsCommand =
  | MapdCmd
  | MapcCmd
  | MaptiCmd
  | MapiCmd
  | MoviCmd
  | DeviceEventCmd
  | InvallCmd
  | SyncCmd
  | MovallCmd
  | VmappCmd
  | VmaptiCmd
  | VmapiCmd
  | VmoviCmd
  | VmovpCmd
  | VpeCmd
  | VsgiCmd
  | RawCmd;
export type U32 = number;
/**
 * A byte string, plain hex, at most 64 KiB
 */
export type Bytes = string;
export type RoutingEntry = IrqchipRoute | MsiRoute | OtherRoute;
/**
 * An op a group may hold: any primitive op but migrate (it stops every vCPU) and group (no nesting); no macros
 */
export type GroupMemberOp =
  | MmioReadOp
  | MmioWriteOp
  | SysregReadOp
  | SysregWriteOp
  | WfiOp
  | ItsCmdOp
  | MemWriteOp
  | MemReadOp
  | IrqLineOp
  | SignalMsiOp
  | SetGsiRoutingOp
  | IrqfdOp
  | IrqfdSignalOp
  | IrqfdResampledOp
  | VfioForwardOp
  | VfioUnforwardOp
  | DeviceFireOp
  | TimerLineOp
  | DeviceAttrOp
  | VcpuRunOp
  | VcpuExitOp
  | VcpuPutOp;

/**
 * A gicdiff scenario: a VM configuration and the ops every target runs (docs/scenario-format.md).
 */
export interface Scenario {
  format: "gicdiff/scenario@1";
  name: string;
  description?: string;
  /**
   * Grouping for reports (distributor, redistributor, cpuif, lpi, its, kvm-abi, save-restore, gicv4, ...)
   */
  component?: string;
  /**
   * Ids from spec/rules.json this scenario is written to cover
   *
   * @maxItems 200
   */
  rules?: string[];
  config?: Config;
  /**
   * @maxItems 200000
   */
  ops: Op[];
}
export interface Config {
  vcpus?: number;
  spis?: number;
  its?: number;
  /**
   * A register value or address, hex, at most 64 bits
   */
  memory?: string;
  impl?: ImplConfig;
}
export interface ImplConfig {
  lrs?: number;
  gicv4?: "off" | "4.0" | "4.1";
  pcpus?: number;
}
/**
 * Macro: what a guest's GIC driver does at boot (docs/scenario-format.md); every field changes one default
 */
export interface BootOp {
  op: "boot";
  /**
   * set up LPIs and the ITSes (default: true when the config has an ITS)
   */
  lpis?: boolean;
  /**
   * GICD_CTLR.EnableGrp1 (default true)
   */
  distEnable?: boolean;
  /**
   * every SPI in Group 1 (default true)
   */
  spiGroup1?: boolean;
  /**
   * GICR_IGROUPR0 all ones (default true)
   */
  ppiGroup1?: boolean;
  /**
   * ICC_PMR_EL1 (default 0xf0)
   */
  pmr?: string;
  /**
   * ICC_BPR1_EL1 (default 0)
   */
  bpr1?: number;
  /**
   * ICC_CTLR_EL1.EOImode (default 0)
   */
  eoiMode?: 0 | 1;
  /**
   * ICC_IGRPEN1_EL1 (default true)
   */
  grp1Enable?: boolean;
  /**
   * GICR_PROPBASER.IDbits (default 15)
   */
  idBits?: number;
  /**
   * GITS_CTLR.Enabled (default true)
   */
  itsEnable?: boolean;
  /**
   * vCPUs whose redistributor and CPU interface are set up (default: all)
   */
  cpus?: Cpu[];
  expect?: null;
  comment?: string;
}
export interface MmioReadOp {
  op: "mmio.read";
  cpu: Cpu;
  frame: Frame;
  index?: number;
  offset: number;
  width: Width;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface AttrResult {
  errno: number;
  value?: Hex;
}
export interface MigrateResult {
  errno: number[];
}
export interface MmioWriteOp {
  op: "mmio.write";
  cpu: Cpu;
  frame: Frame;
  index?: number;
  offset: number;
  width: Width;
  value: Hex;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface SysregReadOp {
  op: "sysreg.read";
  cpu: Cpu;
  reg: SysregRead;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface SysregWriteOp {
  op: "sysreg.write";
  cpu: Cpu;
  reg: SysregWrite;
  value: Hex;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface WfiOp {
  op: "wfi";
  cpu: Cpu;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface ItsCmdOp {
  op: "its.cmd";
  cpu?: Cpu;
  its: number;
  /**
   * @minItems 1
   * @maxItems 2047
   */
  cmds: [ItsCommand, ...ItsCommand[]];
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface MapdCmd {
  cmd: "MAPD";
  device: U32;
  /**
   * EventID bits - 1
   */
  size: number;
  itt: Hex;
  valid: boolean;
}
export interface MapcCmd {
  cmd: "MAPC";
  collection: number;
  /**
   * RDbase: processor number (PTA = 0)
   */
  target: number;
  valid: boolean;
}
export interface MaptiCmd {
  cmd: "MAPTI";
  device: U32;
  event: U32;
  intid: U32;
  collection: number;
}
export interface MapiCmd {
  cmd: "MAPI";
  device: U32;
  event: U32;
  collection: number;
}
export interface MoviCmd {
  cmd: "MOVI";
  device: U32;
  event: U32;
  collection: number;
}
export interface DeviceEventCmd {
  cmd: "DISCARD" | "INT" | "CLEAR" | "INV";
  device: U32;
  event: U32;
}
export interface InvallCmd {
  cmd: "INVALL";
  collection: number;
}
export interface SyncCmd {
  cmd: "SYNC";
  target: number;
}
export interface MovallCmd {
  cmd: "MOVALL";
  from: number;
  to: number;
}
export interface VmappCmd {
  cmd: "VMAPP";
  vpe: number;
  target: number;
  valid: boolean;
  vpt?: Hex;
  vptSize?: number;
  vconf?: Hex;
  defaultDoorbell?: U32;
  alloc?: boolean;
  ptz?: boolean;
}
export interface VmaptiCmd {
  cmd: "VMAPTI";
  device: U32;
  event: U32;
  vpe: number;
  vintid: U32;
  doorbell?: U32;
}
export interface VmapiCmd {
  cmd: "VMAPI";
  device: U32;
  event: U32;
  vpe: number;
  doorbell?: U32;
}
export interface VmoviCmd {
  cmd: "VMOVI";
  device: U32;
  event: U32;
  vpe: number;
  doorbellValid?: boolean;
  doorbell?: U32;
}
export interface VmovpCmd {
  cmd: "VMOVP";
  vpe: number;
  target: number;
  sequence?: number;
  itsList?: number;
  db?: boolean;
  defaultDoorbell?: U32;
}
export interface VpeCmd {
  cmd: "VSYNC" | "VINVALL" | "INVDB";
  vpe: number;
}
export interface VsgiCmd {
  cmd: "VSGI";
  vpe: number;
  vintid: number;
  priority?: number;
  group?: 0 | 1;
  clear?: boolean;
  enable?: boolean;
}
export interface RawCmd {
  cmd: "raw";
  /**
   * the four little-endian doublewords DW0..DW3
   *
   * @minItems 4
   * @maxItems 4
   */
  words: [Hex, Hex, Hex, Hex];
}
export interface MemWriteOp {
  op: "mem.write";
  addr: Hex;
  bytes: Bytes;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface MemReadOp {
  op: "mem.read";
  addr: Hex;
  len: number;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
/**
 * KVM_IRQ_LINE: either type (+ vcpu) + intid, or raw (the u32 irq field as the ioctl takes it); the validator checks that exactly one form is used
 */
export interface IrqLineOp {
  op: "kvm.irq_line";
  type?: "cpu" | "spi" | "ppi";
  vcpu?: number;
  intid?: number;
  raw?: U32;
  level: number;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface SignalMsiOp {
  op: "kvm.signal_msi";
  address: Hex;
  data: U32;
  devid: U32;
  flags: U32;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface SetGsiRoutingOp {
  op: "kvm.set_gsi_routing";
  /**
   * @maxItems 4096
   */
  entries: RoutingEntry[];
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface IrqchipRoute {
  gsi: U32;
  type: "irqchip";
  irqchip: U32;
  pin: U32;
}
export interface MsiRoute {
  gsi: U32;
  type: "msi";
  address: Hex;
  data: U32;
  devid: U32;
  /**
   * default 1 (KVM_MSI_VALID_DEVID)
   */
  flags?: number;
}
export interface OtherRoute {
  gsi: U32;
  /**
   * a raw KVM_IRQ_ROUTING_* type number, for malformed-input tests
   */
  type: number;
}
export interface IrqfdOp {
  op: "kvm.irqfd";
  gsi: U32;
  resample?: boolean;
  deassign?: boolean;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface IrqfdSignalOp {
  op: "irqfd.signal";
  gsi: U32;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface IrqfdResampledOp {
  op: "irqfd.resampled";
  gsi: U32;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface VfioForwardOp {
  op: "vfio.forward";
  gsi: U32;
  hostIrq: U32;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface VfioUnforwardOp {
  op: "vfio.unforward";
  gsi: U32;
  hostIrq: U32;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface DeviceFireOp {
  op: "device.fire";
  hostIrq: U32;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
/**
 * The vCPU's virtual timer output (PPI 27, level-sensitive) goes high or low: in KVM a HW-mapped interrupt (vgic.c kvm_vgic_map_phys_irq, vgic_irq_handle_resampling; vgic-mmio.c)
 */
export interface TimerLineOp {
  op: "timer.line";
  cpu: Cpu;
  level: 0 | 1;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface DeviceAttrOp {
  op: "kvm.device_attr";
  device: "vgic" | "its";
  index?: number;
  group: "ADDR" | "DIST_REGS" | "REDIST_REGS" | "CPU_SYSREGS" | "NR_IRQS" | "CTRL" | "LEVEL_INFO" | "ITS_REGS";
  attr:
    | (
        | "INIT"
        | "ITS_SAVE_TABLES"
        | "ITS_RESTORE_TABLES"
        | "SAVE_PENDING_TABLES"
        | "ITS_RESET"
        | "DIST"
        | "REDIST"
        | "REDIST_REGION"
        | "ITS"
      )
    | U32
    | RegAttr;
  access: "get" | "set";
  value?: Hex;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface RegAttr {
  offset?: number;
  vcpu?: number;
  sysreg?: string;
  intid?: number;
}
export interface MigrateOp {
  op: "migrate";
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface VcpuRunOp {
  op: "vcpu.run";
  cpu: Cpu;
  pcpu: number;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface VcpuExitOp {
  op: "vcpu.exit";
  cpu: Cpu;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
export interface VcpuPutOp {
  op: "vcpu.put";
  cpu: Cpu;
  expect?: OpResult;
  /**
   * @minItems 1
   */
  expectOneOf?: [OpResult, ...OpResult[]];
  comment?: string;
}
/**
 * Ops that run at the same time, each on its own actor: guest and scheduling ops on distinct vCPUs, each host op on a host thread of its own (docs/scenario-format.md). A target's result is the array of the ops' results in their listed order; the oracle accepts it if some serial order of the ops explains it (rule sched.group-some-order).
 */
export interface GroupOp {
  op: "group";
  /**
   * @minItems 2
   * @maxItems 4
   */
  ops:
    | [GroupMemberOp, GroupMemberOp]
    | [GroupMemberOp, GroupMemberOp, GroupMemberOp]
    | [GroupMemberOp, GroupMemberOp, GroupMemberOp, GroupMemberOp];
  comment?: string;
}
