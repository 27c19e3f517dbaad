// Priority arithmetic of the CPU interface (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1): implemented bits, group priority,
// binary points, active priorities and the running priority.
import type { State } from './state.js';

/** The number of implemented priority bits of a state whose choice.u2.priority-bits parameter is resolved. */
export function priBitsOf(s: State): number {
  const m = s.priBits;
  if ((m & (m - 1)) !== 0) throw new Error('internal: priority bits used before the choice.u2.priority-bits parameter was resolved');
  return 31 - Math.clz32(m);
}
export function priMask(s: State): number {
  return (0xff << (8 - priBitsOf(s))) & 0xff;
}
/** Preemption bits: PREbits <= PRIbits and at most 7 (four 32-bit APRs) — we take PREbits = min(PRIbits, 7). */
export function preBitsOf(s: State): number {
  return Math.min(priBitsOf(s), 7);
}
/** Minimum BPR0 = 7 - PREbits; minimum BPR1 = minimum BPR0 + 1 (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1, choice.u13.bpr-below-min). */
export function bpr0Eff(s: State, cpu: number): number {
  if (s.bprBelowMin.size > 0 && s.bprBelowMin.has(cpu * 2)) return s.bpr0[cpu]!; // QUIRKS.qemuBprMinNotAppliedWithHighBits
  return Math.max(s.bpr0[cpu]!, 7 - preBitsOf(s));
}
export function bpr1Eff(s: State, cpu: number): number {
  if (s.cbpr[cpu]) return Math.min(bpr0Eff(s, cpu) + 1, 7);
  if (s.bprBelowMin.size > 0 && s.bprBelowMin.has(cpu * 2 + 1)) return s.bpr1[cpu]!;
  return Math.max(s.bpr1[cpu]!, 8 - preBitsOf(s));
}
/** Group priority of a (masked) priority: Group 0 bits [7:BPR0+1], Group 1 bits [7:BPR1] (CBPR: as Group 0). */
export function groupPriority(s: State, cpu: number, p: number, group: number): number {
  if (group === 0 || s.cbpr[cpu]) return p & (0xff << (bpr0Eff(s, cpu) + 1)) & 0xff;
  return p & (0xff << bpr1Eff(s, cpu)) & 0xff;
}

// Active priorities: per cpu and group a 256-bit set of group priorities (8 x u32).
function aprBase(cpu: number, group: number): number {
  return cpu * 16 + group * 8;
}
export function aprSet(s: State, cpu: number, group: number, gp: number): void {
  const b = aprBase(cpu, group) + (gp >> 5);
  s.apr[b] = (s.apr[b]! | (1 << (gp & 31))) >>> 0;
}
export function aprClear(s: State, cpu: number, group: number, gp: number): void {
  const b = aprBase(cpu, group) + (gp >> 5);
  s.apr[b] = (s.apr[b]! & ~(1 << (gp & 31))) >>> 0;
}
/** Lowest set group priority of one group, or 256 when none. */
export function aprLowest(s: State, cpu: number, group: number): number {
  const base = aprBase(cpu, group);
  for (let w = 0; w < 8; w++) {
    const v = s.apr[base + w]!;
    if (v !== 0) return w * 32 + (31 - Math.clz32(v & -v));
  }
  return 256;
}
/** ICC_RPR_EL1: the highest active priority over both groups, 0xFF when idle (IHI 0069 chapter 4, priority and binary point; ICC_BPR1_EL1, ICC_RPR_EL1). */
export function runningPriority(s: State, cpu: number): number {
  const p = Math.min(aprLowest(s, cpu, 0), aprLowest(s, cpu, 1));
  return p === 256 ? 0xff : p;
}
/** ICC_AP<g>R<n>_EL1 as the architecture lays it out: bit index gp >> (8 - PREbits). */
export function aprRegister(s: State, cpu: number, group: number, n: number): number {
  const shift = 8 - preBitsOf(s);
  const base = aprBase(cpu, group);
  let v = 0;
  for (let gp = 0; gp < 256; gp++) {
    if (s.apr[base + (gp >> 5)]! & (1 << (gp & 31))) {
      const idx = gp >> shift;
      if (idx >> 5 === n) v |= 1 << (idx & 31);
    }
  }
  return v >>> 0;
}
/** Write ICC_AP<g>R<n>_EL1; returns whether the active priorities changed. */
export function writeAprRegister(s: State, cpu: number, group: number, n: number, value: number): boolean {
  const shift = 8 - preBitsOf(s);
  const base = aprBase(cpu, group);
  const before = s.apr.slice(base, base + 8);
  // clear the group priorities this register covers, then set the written ones
  for (let gp = 0; gp < 256; gp++) if ((gp >> shift) >> 5 === n) s.apr[base + (gp >> 5)] = (s.apr[base + (gp >> 5)]! & ~(1 << (gp & 31))) >>> 0;
  for (let i = 0; i < 32; i++) if (value & (1 << i)) aprSet(s, cpu, group, ((n << 5) | i) << shift);
  for (let i = 0; i < 8; i++) if (s.apr[base + i] !== before[i]) return true;
  return false;
}
/** Number of implemented ICC_AP<g>R<n> registers: PREbits 5 -> 1, 6 -> 2, 7 -> 4. */
export function aprCount(s: State): number {
  const p = preBitsOf(s);
  return p <= 5 ? 1 : p === 6 ? 2 : 4;
}
