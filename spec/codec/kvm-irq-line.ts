// The u32 irq field of KVM_IRQ_LINE (Documentation/virt/kvm/api.rst KVM_IRQ_LINE, KVM_IRQFD, KVM_SIGNAL_MSI), driven by spec/data/kvm-irq-line.json:
// bits 31:28 vcpu2_index, 27:24 irq_type, 23:16 vcpu_index, 15:0 irq_id; types 0 cpu, 1 spi, 2 ppi;
// target vCPU = 256 * vcpu2_index + vcpu_index.
import table from '../data/kvm-irq-line.json' with { type: 'json' };
import { compileField, fieldValueError, orField, readField, type BitRange, type FieldAccessor } from './bitfield.js';

export type IrqLineType = 'cpu' | 'spi' | 'ppi';

export interface DecodedIrqLine {
  /** null for a type code the ABI does not define */
  type: IrqLineType | null;
  typeCode: number;
  /** 256 * vcpu2_index + vcpu_index */
  vcpu: number;
  vcpu2Index: number;
  vcpuIndex: number;
  /** irq_id: the INTID for spi/ppi, 0 = IRQ / 1 = FIQ for cpu */
  intid: number;
}

function acc(name: string): FieldAccessor {
  const f = table.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`kvm-irq-line.json: no field ${name}`);
  return compileField([f.bits[0]!, f.bits[1]!] as BitRange, 0, `kvm-irq-line.json ${name}`);
}
const VCPU2 = acc('vcpu2_index');
const TYPE = acc('irq_type');
const VCPU = acc('vcpu_index');
const ID = acc('irq_id');
const STRIDE: number = table.vcpuStride;
const CODE_OF = new Map<string, number>(table.types.map((t) => [t.name, t.code]));
const NAME_OF = new Map<number, IrqLineType>(table.types.map((t) => [t.code, t.name as IrqLineType]));

const w = new Uint32Array(2);

/** The irq field for a type, target vCPU (ignored by KVM for spi, still encoded) and irq_id. */
export function encodeIrqLine(type: IrqLineType, vcpu: number, intid: number): number {
  const code = CODE_OF.get(type);
  if (code === undefined) throw new Error(`KVM_IRQ_LINE: unknown irq type ${JSON.stringify(type)} (cpu, spi, ppi)`);
  if (!Number.isSafeInteger(vcpu) || vcpu < 0 || vcpu >= STRIDE * (VCPU2.max + 1)) {
    throw new Error(`KVM_IRQ_LINE: vcpu ${vcpu} cannot be encoded (0..${STRIDE * (VCPU2.max + 1) - 1})`);
  }
  const idErr = fieldValueError(ID, intid);
  if (idErr !== null) throw new Error(`KVM_IRQ_LINE: irq_id: ${idErr}`);
  w[0] = 0;
  orField(VCPU2, w, 0, Math.floor(vcpu / STRIDE));
  orField(TYPE, w, 0, code);
  orField(VCPU, w, 0, vcpu % STRIDE);
  orField(ID, w, 0, intid);
  return w[0]!;
}

export function decodeIrqLine(irq: number): DecodedIrqLine {
  if (!Number.isInteger(irq) || irq < 0 || irq > 0xFFFF_FFFF) throw new Error(`KVM_IRQ_LINE: irq ${irq} is not a u32`);
  const vcpu2Index = readField(VCPU2, irq, 0);
  const vcpuIndex = readField(VCPU, irq, 0);
  const typeCode = readField(TYPE, irq, 0);
  return { type: NAME_OF.get(typeCode) ?? null, typeCode, vcpu: vcpu2Index * STRIDE + vcpuIndex, vcpu2Index, vcpuIndex, intid: readField(ID, irq, 0) };
}
