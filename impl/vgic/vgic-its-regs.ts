// GITS_* register layout and the values KVM's vITS shows (vgic-its.c its_registers[]; IHI 0069 GITS_* registers for the
// field positions). Pure helpers: no ITS state here, so they can be unit-tested on their own.

// Register offsets in the ITS control frame (IHI 0069 GITS_* registers).
export const GITS_CTLR = 0x0000;
export const GITS_IIDR = 0x0004;
export const GITS_TYPER = 0x0008;
export const GITS_CBASER = 0x0080;
export const GITS_CWRITER = 0x0088;
export const GITS_CREADR = 0x0090;
export const GITS_BASER = 0x0100;
/** the ID register block: PIDR4..PIDR7, PIDR0..PIDR3, CIDR0..CIDR3 */
export const GITS_IDREGS_BASE = 0xffd0;
export const GITS_PIDR4 = 0xffd0;
export const GITS_PIDR0 = 0xffe0;
export const GITS_PIDR1 = 0xffe4;
export const GITS_PIDR2 = 0xffe8;
export const GITS_CIDR0 = 0xfff0;
export const GITS_CIDR1 = 0xfff4;
export const GITS_CIDR2 = 0xfff8;
export const GITS_CIDR3 = 0xfffc;

export const GITS_CTLR_ENABLE = 1;
export const GITS_CTLR_QUIESCENT = 0x8000_0000;

/** KVM's vITS geometry (vgic-its.c its_registers[]): 16 DeviceID bits, 16 EventID bits, 8-byte ITT entries. */
export const VITS_TYPER_IDBITS = 16;
export const VITS_TYPER_DEVBITS = 16;
export const VITS_MAX_EVENTID = (1 << VITS_TYPER_IDBITS) - 1;
export const VITS_MAX_DEVID = (1 << VITS_TYPER_DEVBITS) - 1;
/** ABI rev 0: every table entry (DTE, ITE, CTE) is 8 bytes (Documentation/virt/kvm/devices/arm-vgic-its.rst) */
export const ABI_0_ESZ = 8;
/** number of table ABIs KVM knows (GITS_IIDR.Revision must be below it) */
export const NR_ITS_ABIS = 1;

/** GITS_TYPER: Physical=1, ITT_entry_size=7 [7:4], ID_bits=15 [12:8], Devbits=15 [17:13]; PTA, HCC, CIL, Virtual, SEIS = 0 (vgic-its.c its_registers[]). */
export const VITS_TYPER_VALUE: bigint =
  1n | (BigInt(ABI_0_ESZ - 1) << 4n) | (BigInt(VITS_TYPER_IDBITS - 1) << 8n) | (BigInt(VITS_TYPER_DEVBITS - 1) << 13n);

/** GITS_IIDR: ProductID 'K' (0x4B) in [31:24], Revision = ABI rev in [15:12], Implementer 0x43B (Arm) (vgic-its.c its_registers[]). */
export function itsIidr(abiRev: number): number {
  return ((0x4b << 24) | ((abiRev & 0xf) << 12) | 0x43b) >>> 0;
}
export function iidrRevision(v: bigint): number {
  return Number((v >> 12n) & 0xfn);
}

/** The ID registers KVM returns (vgic_mmio_read_its_idregs; vgic-its.c its_registers[]); others in the block read 0. */
export function itsIdReg(offset: number): number {
  switch (offset & 0xffff) {
    case GITS_PIDR0: return 0x92;
    case GITS_PIDR1: return 0xb4;
    case GITS_PIDR2: return 0x3b; // ArchRev 3 in [7:4] | 0x0b
    case GITS_PIDR4: return 0x40; // one 64 KiB software-visible page
    case GITS_CIDR0: return 0x0d;
    case GITS_CIDR1: return 0xf0;
    case GITS_CIDR2: return 0x05;
    case GITS_CIDR3: return 0xb1;
    default: return 0;
  }
}

// GITS_BASER<n> / GITS_CBASER fields (IHI 0069 GITS_* registers).
export const BASER_VALID = 1n << 63n;
export const BASER_INDIRECT = 1n << 62n;
const BASER_TYPE_SHIFT = 56n;
const BASER_ENTRY_SIZE_SHIFT = 48n;
const BASER_ENTRY_SIZE_MASK = 0x1fn << BASER_ENTRY_SIZE_SHIFT;
const BASER_TYPE_MASK = 0x7n << BASER_TYPE_SHIFT;
const BASER_PAGE_SIZE_MASK = 0x3n << 8n;
const BASER_PAGE_SIZE_64K = 0x2n << 8n;
export const BASER_TYPE_DEVICE = 1;
export const BASER_TYPE_COLLECTION = 4;
const SHAREABILITY_SHIFT = 10n;
const OUTER_CACHE_SHIFT = 53n;
const INNER_CACHE_SHIFT = 59n;
// Cacheability / shareability encodings (GIC_BASER_CACHE_*, GIC_BASER_*Shareable)
const CACHE_nCnB = 0n;
const CACHE_nC = 1n;
const CACHE_RaWb = 3n;
const CACHE_SameAsInner = 0n;
const INNER_SHAREABLE = 1n;
const OUTER_SHAREABLE = 2n;

/** Reset value of BASER0/BASER1 (vgic_its_create: RaWb inner, same-as-inner outer, inner shareable, 64K pages, 8-byte entries). */
export function initialBaser(type: number): bigint {
  return (CACHE_RaWb << INNER_CACHE_SHIFT) | (CACHE_SameAsInner << OUTER_CACHE_SHIFT) | (INNER_SHAREABLE << SHAREABILITY_SHIFT) |
    BASER_PAGE_SIZE_64K | (BigInt(type) << BASER_TYPE_SHIFT) | (BigInt(ABI_0_ESZ - 1) << BASER_ENTRY_SIZE_SHIFT);
}
/** GICR_PROPBASER's value once a vITS is created (vgic_its_create's INITIAL_PROPBASER_VALUE). */
export const INITIAL_PROPBASER_VALUE = (CACHE_RaWb << 7n) | (INNER_SHAREABLE << 10n);

function sanitiseField(reg: bigint, shift: bigint, width: bigint, fn: (f: bigint) => bigint): bigint {
  const mask = ((1n << width) - 1n) << shift;
  return (reg & ~mask) | (fn((reg & mask) >> shift) << shift);
}
// vgic_sanitise_shareability / _inner_cacheability / _outer_cacheability (vgic-mmio-v3.c)
const sanitiseShareability = (f: bigint): bigint => (f === OUTER_SHAREABLE ? INNER_SHAREABLE : f);
const sanitiseInnerCache = (f: bigint): bigint => (f === CACHE_nCnB || f === CACHE_nC ? CACHE_RaWb : f);
const sanitiseOuterCache = (f: bigint): bigint => (f === CACHE_SameAsInner || f === CACHE_nC ? f : CACHE_SameAsInner);

function sanitiseAttrs(reg: bigint): bigint {
  reg = sanitiseField(reg, SHAREABILITY_SHIFT, 2n, sanitiseShareability);
  reg = sanitiseField(reg, INNER_CACHE_SHIFT, 3n, sanitiseInnerCache);
  return sanitiseField(reg, OUTER_CACHE_SHIFT, 3n, sanitiseOuterCache);
}

/** vgic_mmio_write_its_baser's value transform: RO Entry_Size/Type, Indirect cleared for collections, 64K pages. */
export function sanitiseBaserWrite(reg: bigint, type: number): bigint {
  reg &= ~(BASER_ENTRY_SIZE_MASK | BASER_TYPE_MASK);
  if (type === BASER_TYPE_COLLECTION) reg &= ~BASER_INDIRECT; // KVM: flat collection table only
  reg |= (BigInt(ABI_0_ESZ - 1) << BASER_ENTRY_SIZE_SHIFT) | (BigInt(type) << BASER_TYPE_SHIFT);
  reg = sanitiseAttrs(reg);
  return (reg & ~BASER_PAGE_SIZE_MASK) | BASER_PAGE_SIZE_64K;
}

/** vgic_sanitise_its_cbaser: attributes sanitised, address forced 64 KiB aligned (bits 15:12 cleared; choice.u29.cbaser-low-bits). */
export function sanitiseCbaser(reg: bigint): bigint {
  return sanitiseAttrs(reg) & ~0xf000n;
}

/** GITS_BASER_ADDR_48_to_52: bits [47:16], with 64K pages PA[51:48] in bits [15:12]. */
export function baserAddress(baser: bigint): number {
  return Number((baser & 0xffff_ffff_0000n) | (((baser >> 12n) & 0xfn) << 48n));
}
/** GITS_BASER_NR_PAGES (pages are always 64 KiB on KVM) */
export function baserNrPages(baser: bigint): number {
  return Number(baser & 0xffn) + 1;
}
export function baserEntrySize(baser: bigint): number {
  return Number((baser >> BASER_ENTRY_SIZE_SHIFT) & 0x1fn) + 1;
}
export function baserType(baser: bigint): number {
  return Number((baser >> BASER_TYPE_SHIFT) & 0x7n);
}

/** GITS_CBASER_ADDRESS: bits [51:12] */
export function cbaserAddress(cbaser: bigint): number {
  return Number(cbaser & 0xf_ffff_ffff_f000n);
}
/** ITS_CMD_BUFFER_SIZE: (Size + 1) 4 KiB pages */
export function cmdBufferSize(cbaser: bigint): number {
  return (Number(cbaser & 0xffn) + 1) << 12;
}
export const CBASER_VALID = 1n << 63n;
export const ITS_CMD_SIZE = 32;
/** ITS_CMD_OFFSET: CWRITER/CREADR offset bits [19:5] */
export function cmdOffset(v: bigint): number {
  return Number(v & 0xfffe0n);
}

/** GICR_PROPBASER_ADDRESS: bits [51:12] */
export function propbaserAddress(propbaser: bigint): number {
  return Number(propbaser & 0xf_ffff_ffff_f000n);
}
/** GICR_PENDBASER_ADDRESS: bits [51:16] */
export function pendbaserAddress(pendbaser: bigint): number {
  return Number(pendbaser & 0xf_ffff_ffff_0000n);
}
/** max_lpis_propbaser: 2^min(IDbits + 1, 16) (INTERRUPT_ID_BITS_ITS = 16) */
export function maxLpisPropbaser(propbaser: bigint): number {
  const nrIdBits = Number(propbaser & 0x1fn) + 1;
  return 2 ** Math.min(nrIdBits, 16);
}

/** update_64bit_reg: a 32-bit access replaces one half of a 64-bit register, a 64-bit access all of it. */
export function update64BitReg(reg: bigint, offsetInReg: number, len: number, val: bigint): bigint {
  if (len === 8) return BigInt.asUintN(64, val);
  const v = BigInt.asUintN(32, val);
  return offsetInReg === 4 ? (reg & 0xffff_ffffn) | (v << 32n) : (reg & 0xffff_ffff_0000_0000n) | v;
}
/** extract_bytes: the bytes of a 64-bit register a len-byte access at offsetInReg sees. */
export function extractBytes(reg: bigint, offsetInReg: number, len: number): bigint {
  return BigInt.asUintN(len * 8, reg >> BigInt(offsetInReg * 8));
}
