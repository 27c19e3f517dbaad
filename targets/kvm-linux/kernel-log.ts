// Kernel trouble in the nested kernel's log: an oops, a WARN, a BUG, a panic, an RCU stall, a
// lockdep report, a soft lockup, a hung task, a UBSAN or KFENCE report, or a new taint bit during a
// run is a finding whatever the results say (triage/signature.ts: mismatch `kernel-splat`), signed
// by its kind and the kernel function it names, with the log attached. The lines come from the
// VMM's reads of /dev/kmsg (vmm/klog.c: every record at KERN_WARNING or worse, before and during a
// run) and, when the VMM died with the run, from the serial console.
import type { KernelSplat } from '../../spec/target.js';

export type { KernelSplat };

/** One record of the VMM's kernel log frame. */
export interface KernelLogLine {
  /** before: logged before the run began (the previous run's VM teardown); during: in the run */
  phase: 'before' | 'during';
  /** printk level: 0 emergency .. 4 warning */
  level: number;
  text: string;
}

export interface KernelLogFrame {
  /** /proc/sys/kernel/tainted after the run */
  taint: number;
  lines: KernelLogLine[];
}

/** vmm/vmm.h FRAME_KLOG: "taint <n>", then "<B|D> <level> <message>" per record. */
export function parseKernelLogFrame(payload: string): KernelLogFrame {
  const out: KernelLogFrame = { taint: 0, lines: [] };
  for (const raw of payload.split('\n')) {
    if (raw.startsWith('taint ')) {
      out.taint = Number(raw.slice(6)) || 0;
      continue;
    }
    const m = /^([BD]) (\d) (.*)$/.exec(raw);
    if (m) out.lines.push({ phase: m[1] === 'B' ? 'before' : 'during', level: Number(m[2]), text: m[3]! });
  }
  return out;
}

/** The serial console's "[   12.345678] " timestamp, when the kernel prints one. */
export function stripConsoleTimestamp(line: string): string {
  return line.replace(/^\[\s*\d+\.\d+\]\s?/, '');
}

/** A function as a splat names it, without its offset/size and module: "vgic_its_save+0x1c/0x40 [kvm]" -> "vgic_its_save". */
function functionName(s: string): string {
  return s.replace(/\s*\[[^\]]*\]\s*$/, '').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+$/i, '').replace(/\.(?:constprop|isra|part|cold)\.\d+$/, '');
}

/** Numbers out (CPU, PID, addresses, lines, seconds): stable across runs. */
function stable(s: string): string {
  return s.replace(/0x[0-9a-f]+/gi, '#').replace(/\b\d+\b/g, '#').replace(/\s+/g, ' ').trim().slice(0, 120);
}

interface Pattern {
  kind: string;
  re: RegExp;
  /** where it happened, from the match (else from the "pc :" line of the register dump, else the line) */
  where?: (m: RegExpExecArray) => string;
}

// Most specific first: a soft lockup's line also says "BUG:", a lockdep report also "WARNING:".
// Formats as Linux prints them (kernel/panic.c __warn, arch/arm64/kernel/traps.c die,
// arch/arm64/mm/fault.c die_kernel_fault, kernel/rcu/tree_stall.h, kernel/locking/lockdep.c,
// kernel/watchdog.c, kernel/hung_task.c, lib/ubsan.c, mm/kfence/report.c, lib/bug.c).
const PATTERNS: Pattern[] = [
  { kind: 'panic', re: /Kernel panic - not syncing: (.*)/, where: (m) => stable(m[1]!) },
  { kind: 'soft-lockup', re: /BUG: soft lockup - CPU#\d+ stuck for \d+s! \[([^:\]]+)/, where: (m) => m[1]! },
  { kind: 'hard-lockup', re: /Watchdog detected hard LOCKUP on cpu \d+/ },
  { kind: 'workqueue-lockup', re: /BUG: workqueue lockup/ },
  { kind: 'rcu-stall', re: /rcu: INFO: (\w+) (?:self-)?detected stalls?/, where: (m) => m[1]! },
  { kind: 'rcu-stall', re: /INFO: (rcu_\w+) (?:self-)?detected stalls?/, where: (m) => m[1]! },
  { kind: 'hung-task', re: /INFO: task ([^:]+):\d+ blocked for more than/, where: (m) => m[1]! },
  { kind: 'lockdep', re: /WARNING: (possible (?:circular|recursive|irq lock inversion) .*|inconsistent lock state|suspicious RCU usage|bad unlock balance detected!|held lock freed!|lock held when returning to user space!|.*lock.*detected.*)/, where: (m) => stable(m[1]!) },
  { kind: 'kasan', re: /BUG: KASAN: ([\w-]+) in (\S+)/, where: (m) => `${m[1]} ${functionName(m[2]!)}` },
  { kind: 'kfence', re: /BUG: KFENCE: ([\w-]+(?: \w+)?) in (\S+)/, where: (m) => `${m[1]} ${functionName(m[2]!)}` },
  { kind: 'ubsan', re: /UBSAN: ([\w-]+) in (\S+?)(?::\d+)*$/, where: (m) => `${m[1]} ${m[2]}` },
  { kind: 'bug', re: /kernel BUG at ([^:]+):\d+!/, where: (m) => m[1]! },
  { kind: 'oops', re: /Unable to handle kernel (.*?) at virtual address/, where: (m) => stable(m[1]!) },
  { kind: 'oops', re: /Internal error: (.*?): [0-9a-f]+ \[#\d+\]/, where: (m) => stable(m[1]!) },
  { kind: 'warning', re: /WARNING: CPU: \d+ PID: \d+ at (\S+) (\S+)/, where: (m) => functionName(m[2]!) },
  { kind: 'warning', re: /WARNING: CPU: \d+ PID: \d+ at (\S+)/, where: (m) => m[1]!.replace(/:\d+$/, '') },
  // "BUG: scheduling while atomic: init/63/0x00000002", "BUG: sleeping function called from invalid context at f.c:585"
  { kind: 'bug', re: /BUG: (.+)/, where: (m) => stable(m[1]!.split(': ')[0]!.replace(/:\d+$/, '').replace(/ in process .*/, '')) },
  { kind: 'oops', re: /\bOops\b/ },
];

/** "pc : vgic_its_save+0x1c/0x40 [kvm]" of an arm64 register dump (arch/arm64/kernel/process.c __show_regs) */
const PC_LINE = /^pc : (\S+)/;

/** Whether a line starts a kernel splat (what the serial console watch and the tests look for). */
export function isTroubleLine(line: string): boolean {
  return PATTERNS.some((p) => p.re.test(line));
}

/** The taint flags of Documentation/admin-guide/tainted-kernels.rst, by bit. */
const TAINT_LETTERS = 'PFSRMBUDAWCIOELKXTN';

export function taintLetters(mask: number): string {
  let s = '';
  for (let bit = 0; bit < TAINT_LETTERS.length; bit++) if (mask & (1 << bit)) s += TAINT_LETTERS[bit];
  return s || '-';
}

/** The most lines a finding carries (the rest is counted). */
const MAX_LOG_LINES = 200;

/**
 * The splat in these log lines (the first one, by position), or a taint bit set during the run
 * with nothing recognisable logged; null when the log shows no trouble. `lines` are the run's log
 * lines in order, each already prefixed by its phase where that matters.
 */
export function findSplat(lines: readonly string[], taint?: { before: number; after: number }): KernelSplat | null {
  const log = lines.length > MAX_LOG_LINES ? [...lines.slice(0, MAX_LOG_LINES), `... ${lines.length - MAX_LOG_LINES} more lines`] : [...lines];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    for (const p of PATTERNS) {
      const m = p.re.exec(line);
      if (!m) continue;
      let where = p.where ? p.where(m) : '';
      if (!where || p.kind === 'oops' || p.kind === 'panic') {
        // the faulting function, from the register dump that follows
        for (let j = i + 1; j < lines.length && j < i + 60; j++) {
          const pc = PC_LINE.exec(stripPhase(lines[j]!));
          if (pc) {
            where = where ? `${where} ${functionName(pc[1]!)}` : functionName(pc[1]!);
            break;
          }
        }
      }
      return { kind: p.kind, where: where || stable(line), headline: stripPhase(line), log };
    }
  }
  if (taint && (taint.after & ~taint.before) !== 0) {
    const added = taint.after & ~taint.before;
    return { kind: 'taint', where: taintLetters(added), headline: `the kernel's taint went from ${taintLetters(taint.before)} to ${taintLetters(taint.after)} (${taint.before} -> ${taint.after}) during the run`, log };
  }
  return null;
}

/** The line prefix that says a record was logged before the run began. */
export const BEFORE_RUN = '[before the run] ';

function stripPhase(line: string): string {
  return line.startsWith(BEFORE_RUN) ? line.slice(BEFORE_RUN.length) : line;
}

/** The lines of a VMM kernel log frame, those logged before the run marked as such. */
export function frameLines(frame: KernelLogFrame): string[] {
  return frame.lines.map((l) => (l.phase === 'before' ? BEFORE_RUN : '') + l.text);
}

/** The one-line message of a trace with a splat. */
export function splatMessage(s: KernelSplat): string {
  const before = s.headline && s.log.some((l) => l.startsWith(BEFORE_RUN) && stripPhase(l) === s.headline)
    ? " before the run began (during the teardown of the previous scenario's VM)" : ' during the run';
  return `the nested kernel logged ${s.kind} (${s.where})${before}: ${s.headline} [${s.log.length} log lines attached]`;
}
