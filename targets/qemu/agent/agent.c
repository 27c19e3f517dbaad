/*
 * gicdiff guest agent: runs the guest ops of one scenario, each on the vCPU it names, in order,
 * and reports every result over the PL011 UART (protocol.h; the host side is
 * targets/qemu/runner.ts). Freestanding: no libc, MMU on with an identity map (start.S).
 *
 * Under our own VMM (targets/kvm-linux/vmm) the output goes to a memory console instead, and host
 * records ring the VMM's doorbell (protocol.h).
 *
 * Coordination: one shared sequence number. The vCPU named by record `seq` runs it, prints its
 * result, then publishes seq + 1 (store-release); every other vCPU waits (load-acquire + WFE).
 * Interrupts stay masked at PSTATE: a scenario acknowledges with an ICC_IAR1_EL1 read op.
 */
#include "protocol.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

struct ops_header {
	u32 magic, version, nops, vcpus;
	u64 total_bytes, ram_base, ram_size;
	u32 cbaser_off, cwriter_off, creadr_off, poll_limit;
	u64 sync_read_addr; /* nonzero: read it around every op (see sync_exit) */
	u64 console_addr;   /* nonzero: output goes to this memory console, not the UART */
	u64 doorbell_addr;  /* nonzero: host records write here (the VMM runs them) */
	u64 timeline_addr;  /* nonzero: CNTVCT_EL0 at each record's start (protocol.h TIMELINE_BASE) */
};

struct console {
	volatile u64 pos, capacity;
	volatile u8 parked[AGENT_MAX_CPUS];
	volatile u64 asleep_mask;
};

struct rec {
	u8 kind, cpu, width, flags;
	u32 size;
	u64 a, b;
	u8 payload[];
};

/* PSCI function ids (DEN0022): SMC64 CPU_ON, SYSTEM_OFF */
#define PSCI_CPU_ON    0xC4000003UL
#define PSCI_SYSTEM_OFF 0x84000008UL

extern u64 psci_hvc(u64 fn, u64 a1, u64 a2, u64 a3);
extern u64 psci_smc(u64 fn, u64 a1, u64 a2, u64 a3);
extern char secondary_entry[];

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

/* shared state: RAM is zero at VM creation, so .bss starts zeroed */
/* the record to run next: (index << 32) | byte offset in the ops buffer, published as one word so
 * that a waiting vCPU never pairs an index with another record's offset */
static volatile u64 cursor;
static volatile u64 reported;     /* results printed so far (silent records are not counted) */
static volatile u32 online;       /* secondaries that reached agent_main */
static volatile u32 conduit_smc;
static volatile u64 current_op = ~0UL;
/* Logical WFI state of each vCPU (docs/scenario-format.md, `wfi`), written only by that vCPU. A vCPU asleep
 * wakes for good as soon as it has an interrupt to signal after some op, even if a later op takes
 * the interrupt away again, as a real PE leaves WFI at once. So before op k runs, every asleep
 * vCPU looks at its own ISR_EL1 and records k in wake_checked; the vCPU running op k waits for
 * that. */
static volatile u8 asleep[AGENT_MAX_CPUS];
static volatile u64 wake_checked[AGENT_MAX_CPUS];
/* One sysreg trampoline per vCPU: the MRS/MSR instruction, then RET. They fill a page of their
 * own: under TCG a store to a page holding translated code invalidates that code, so no other
 * data may share it. */
static u32 trampoline[AGENT_MAX_CPUS][4096 / 4 / AGENT_MAX_CPUS] __attribute__((aligned(4096)));
/* Under our VMM: nothing this vCPU did since its last exit changed its CPU interface state
 * behind KVM's back. KVM folds the list registers back at every exit and refreshes them at every
 * entry, and no other vCPU or host op runs while this one is in the guest (op groups aside), so
 * such a vCPU already sees the kernel's state: a sync read (sync_exit) would repeat an exit that
 * changes nothing. Cleared by what the guest does without an exit: a system register access (an
 * acknowledge, an EOI, a PMR write... act on the list registers in hardware) and a WFI. */
static volatile u8 synced[AGENT_MAX_CPUS];

/* Op groups (GROUP records, our VMM only): the group running now (its result index + 1, 0: none),
 * and for each vCPU the group whose members it has run. While a vCPU runs its members its output
 * is held back in a buffer of its own (members on other vCPUs and the VMM's host threads print at
 * the same time); the group's owner copies every buffer to the console once the group is over. */
#define DEFER_BYTES 4096
static volatile u64 group_live;
static volatile u64 group_done[AGENT_MAX_CPUS];
static volatile u8 defer_on[AGENT_MAX_CPUS];
static volatile u64 member_no[AGENT_MAX_CPUS]; /* member index + 1 of the op running (0: none) */
static u32 defer_len[AGENT_MAX_CPUS];
static char defer_buf[AGENT_MAX_CPUS][DEFER_BYTES];

/* this vCPU's index (agent_main keeps it in TPIDR_EL1) */
static inline u32 this_cpu(void)
{
	u64 v;
	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (u32)v;
}

/* ---- UART ---- */

static const struct ops_header *hdr(void) { return (const struct ops_header *)OPS_BASE; }

static void uart_putc(char c)
{
	u64 con = hdr()->console_addr;
	if (con) {
		u32 me = this_cpu();
		if (me < AGENT_MAX_CPUS && defer_on[me]) {
			if (defer_len[me] < DEFER_BYTES)
				defer_buf[me][defer_len[me]++] = c;
			return;
		}
		/* only the vCPU running the current op writes, and the VMM only while it is stopped */
		struct console *k = (struct console *)con;
		u64 pos = k->pos;
		if (pos < k->capacity) {
			((volatile char *)(con + CONSOLE_TEXT_OFFSET))[pos] = c;
			k->pos = pos + 1;
		}
		return;
	}
	volatile u32 *uart = (volatile u32 *)UART_BASE;
	while (uart[0x18 / 4] & (1 << 5)) /* FR.TXFF */
		;
	uart[0] = (u32)c;
}

static void puts_(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

static void puthex(u64 v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[17];
	int i = 16;
	buf[16] = 0;
	do {
		buf[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	puts_(&buf[i]);
}

static void putbyte(u8 b)
{
	static const char digits[] = "0123456789abcdef";
	uart_putc(digits[b >> 4]);
	uart_putc(digits[b & 15]);
}

/* ---- barriers and accesses ---- */

/* Under our VMM: one more exit of this cause (protocol.h AGENT_COUNT_*), for the VMM's report. */
static void count_exit(u32 which)
{
	u64 con = hdr()->console_addr;
	if (con)
		__atomic_fetch_add((volatile u64 *)(con + CONSOLE_COUNTERS_OFFSET) + which, 1, __ATOMIC_RELAXED);
}

static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }

static inline u64 load_acquire(volatile u64 *p)
{
	u64 v;
	__asm__ volatile("ldar %0, [%1]" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static inline void store_release(volatile u64 *p, u64 v)
{
	__asm__ volatile("stlr %0, [%1]" :: "r"(v), "r"(p) : "memory");
}

static inline u32 this_cpu(void);

/* every access of the agent to MMIO (a GIC frame, the VMM's doorbell) is an exit */
static void exited(void)
{
	u32 me = this_cpu();
	if (me < AGENT_MAX_CPUS)
		synced[me] = 1;
}

static void left_sync(u32 me)
{
	if (me < AGENT_MAX_CPUS)
		synced[me] = 0;
}

/* exactly one access of the requested width, as a guest driver would do */
static u64 mmio_read(u64 addr, u32 width)
{
	u64 v = 0;
	switch (width) {
	case 1: { u32 w; __asm__ volatile("ldrb %w0, [%1]" : "=r"(w) : "r"(addr) : "memory"); v = w; break; }
	case 2: { u32 w; __asm__ volatile("ldrh %w0, [%1]" : "=r"(w) : "r"(addr) : "memory"); v = w; break; }
	case 4: { u32 w; __asm__ volatile("ldr %w0, [%1]" : "=r"(w) : "r"(addr) : "memory"); v = w; break; }
	default: __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory"); break;
	}
	exited();
	return v;
}

static void mmio_write(u64 addr, u64 v, u32 width)
{
	switch (width) {
	case 1: __asm__ volatile("strb %w0, [%1]" :: "r"(v), "r"(addr) : "memory"); break;
	case 2: __asm__ volatile("strh %w0, [%1]" :: "r"(v), "r"(addr) : "memory"); break;
	case 4: __asm__ volatile("str %w0, [%1]" :: "r"(v), "r"(addr) : "memory"); break;
	default: __asm__ volatile("str %0, [%1]" :: "r"(v), "r"(addr) : "memory"); break;
	}
	dsb_sy();
	exited();
}

static u64 isr_el1(void)
{
	u64 v;
	__asm__ volatile("mrs %0, isr_el1" : "=r"(v));
	return v;
}

/* Run one MRS/MSR through this vCPU's trampoline (the host chose the register encoding). */
static u64 run_sysreg(u32 cpu, u32 insn, u64 value)
{
	u32 *t = trampoline[cpu];
	if (t[0] != insn || t[1] != 0xd65f03c0) {
		t[0] = insn;
		t[1] = 0xd65f03c0; /* RET */
		/* make the new instruction visible to instruction fetch (Arm ARM, self-modifying code) */
		__asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" :: "r"(t) : "memory");
	}
	u64 (*fn)(u64) = (u64 (*)(u64))(void *)t;
	left_sync(cpu);
	u64 r = fn(value);
	isb();
	return r;
}

/* ---- results ---- */

static void result_head(u64 k, char type)
{
	uart_putc('R');
	puthex(k);
	u32 me = this_cpu();
	if (me < AGENT_MAX_CPUS && member_no[me]) {
		uart_putc('.');
		puthex(member_no[me] - 1);
	}
	uart_putc(' ');
	uart_putc(type);
}

static void result_value(u64 k, u64 v)
{
	result_head(k, 'V');
	uart_putc(' ');
	puthex(v);
	uart_putc('\n');
}

static void result_plain(u64 k, char type)
{
	result_head(k, type);
	uart_putc('\n');
}

static void power_off(void)
{
	dsb_sy();
	if (conduit_smc)
		psci_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
	else
		psci_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		wfe();
}

static void fail(const char *msg)
{
	u32 me = this_cpu();
	if (me < AGENT_MAX_CPUS)
		defer_on[me] = 0;
	puts_("E ");
	puts_(msg);
	uart_putc('\n');
	power_off();
}

void agent_exception(u64 vec, u64 esr, u64 elr, u64 far)
{
	/* the op that faulted (or ~0 outside ops), the vector entry, ESR/ELR/FAR */
	u32 me = this_cpu();
	if (me < AGENT_MAX_CPUS)
		defer_on[me] = 0;
	puts_("F ");
	puthex(current_op);
	uart_putc(' ');
	puthex(vec);
	uart_putc(' ');
	puthex(esr);
	uart_putc(' ');
	puthex(elr);
	uart_putc(' ');
	puthex(far);
	uart_putc('\n');
	power_off();
}

/* ---- ops ---- */

/* our VMM holds this vCPU's thread out of KVM_RUN (vcpu.put): nobody waits for it */
static int parked(u32 cpu)
{
	u64 con = hdr()->console_addr;
	return con && ((struct console *)con)->parked[cpu];
}

/* Host record: the VMM runs host op `a` while this vCPU is stopped at the doorbell write and
 * appends the result line itself (silent: result index all ones, no line). */
static void host_op(u64 k, const struct rec *r)
{
	u64 bell = hdr()->doorbell_addr;
	if (!bell)
		fail("host record without a VMM doorbell");
	count_exit(k == 0xffffffffUL ? AGENT_COUNT_SILENT : AGENT_COUNT_HOST);
	mmio_write(bell, (k << 32) | (r->a & 0xffffffffUL), 8);
	sev(); /* a vCPU the VMM parked or let back in may be waiting on that */
}

/* Not this vCPU's turn: under our VMM leave the guest until granted one; else spin (WFE). */
static void wait_turn(void)
{
	u64 bell = hdr()->doorbell_addr;
	if (bell) {
		count_exit(AGENT_COUNT_WAIT);
		(void)mmio_read(bell + DOORBELL_WAIT, 8);
	}
	else
		wfe();
}

/* The record at cursor `c` is next: grant its vCPU a turn (under our VMM). Vcpu `me` published
 * it; when the record is its own too and no other vCPU is asleep (none has to look for a
 * wake-up), nobody else has anything to do and `me` just goes on: no exit. */
static void grant_next(u64 c, u32 me, int quiet)
{
	const struct ops_header *h = hdr();
	if (!h->doorbell_addr)
		return;
	u64 k = c >> 32;
	u64 cpu = k >= h->nops ? DOORBELL_NEXT_ALL : ((const struct rec *)(OPS_BASE + (c & 0xffffffffUL)))->cpu;
	/* the run is over and this vCPU powers the VM off: no other vCPU has anything left to do */
	if (cpu == DOORBELL_NEXT_ALL && me == 0)
		return;
	if (quiet && cpu != DOORBELL_NEXT_ALL) {
		/* nobody can have woken (this vCPU, asleep, looked during its op): the checks made
		 * before the last op stand for this one */
		for (u32 i = 0; i < h->vcpus; i++)
			if (asleep[i] && !parked(i))
				store_release(&wake_checked[i], k);
		if (cpu == me)
			return;
		count_exit(AGENT_COUNT_NEXT);
		mmio_write(h->doorbell_addr + DOORBELL_NEXT, cpu | DOORBELL_NEXT_QUIET, 8);
		return;
	}
	if (cpu == me) {
		int others_asleep = 0;
		for (u32 i = 0; i < h->vcpus; i++)
			others_asleep |= i != me && asleep[i] && !parked(i);
		if (!others_asleep)
			return;
	}
	count_exit(AGENT_COUNT_NEXT);
	mmio_write(h->doorbell_addr + DOORBELL_NEXT, cpu, 8);
}

/* An op that cannot change whether another vCPU has an interrupt to signal: a read (of a GIC
 * register, a system register, memory: none has side effects on another vCPU's interrupts; an
 * acknowledge only takes one from this vCPU), a WFI (this vCPU's own state), or what the host
 * marked REC_FLAG_QUIET (a write of this vCPU's own CPU interface configuration). Other writes
 * could (an EOI or DIR may deactivate an interrupt routed elsewhere since), and host ops can. */
static int quiet_for_others(const struct rec *r)
{
	if (r->flags & REC_FLAG_QUIET)
		return 1;
	return r->kind == OP_MMIO_READ || r->kind == OP_SYSREG_READ || r->kind == OP_MEM_READ || r->kind == OP_WFI;
}

static void set_asleep(u32 me, u8 v)
{
	asleep[me] = v;
	u64 con = hdr()->console_addr;
	if (con) {
		struct console *k = (struct console *)con;
		if (v)
			__atomic_fetch_or(&k->asleep_mask, 1UL << me, __ATOMIC_SEQ_CST);
		else
			__atomic_fetch_and(&k->asleep_mask, ~(1UL << me), __ATOMIC_SEQ_CST);
	}
}

static int in_ram(u64 addr, u64 len)
{
	const struct ops_header *h = hdr();
	return addr >= h->ram_base && len <= h->ram_size && addr - h->ram_base <= h->ram_size - len;
}

/* docs/scenario-format.md, its.cmd: write each command at CBASER + CWRITER (wrapping), then move CWRITER past
 * them with one write; then wait for the ITS to consume them the way a driver does (CREADR reaches
 * CWRITER or reports a stall; bounded, since a disabled ITS legitimately leaves them queued). */
/* Under our VMM the agent remembers each ITS's GITS_CBASER (as read) and GITS_CWRITER (as it last
 * wrote it, always inside the queue: KVM keeps such a value, vgic-its.c
 * vgic_mmio_write_its_cwriter), so that a command batch costs two exits to KVM, not four. Anything
 * else that could change them forgets them: an MMIO write to that ITS's frames, a host op (ITS
 * reset, register attributes, migrate), an op group (members run at once). */
#define ITS_CACHE 4
static struct its_cache {
	u64 base, cbaser, cwriter;
} its_cache[ITS_CACHE];

static void its_cache_forget_all(void)
{
	for (u32 i = 0; i < ITS_CACHE; i++)
		its_cache[i].base = 0;
}

/* an MMIO write at addr: forget the ITS whose control or translation frame (2 x 64 KiB) holds it */
static void its_cache_forget_at(u64 addr)
{
	for (u32 i = 0; i < ITS_CACHE; i++)
		if (its_cache[i].base && addr - its_cache[i].base < 0x20000)
			its_cache[i].base = 0;
}

static struct its_cache *its_cache_of(u64 base, int member)
{
	if (!hdr()->doorbell_addr || member)
		return 0;
	struct its_cache *free_slot = 0;
	for (u32 i = 0; i < ITS_CACHE; i++) {
		if (its_cache[i].base == base)
			return &its_cache[i];
		if (!its_cache[i].base && !free_slot)
			free_slot = &its_cache[i];
	}
	return free_slot ? free_slot : &its_cache[0];
}

static void its_cmd(const struct rec *r)
{
	const struct ops_header *h = hdr();
	u64 base = r->a;
	u32 me = this_cpu();
	struct its_cache *c = its_cache_of(base, me < AGENT_MAX_CPUS && member_no[me]);
	u64 cbaser, cwriter;
	if (c && c->base == base) {
		cbaser = c->cbaser;
		cwriter = c->cwriter;
	} else {
		count_exit(AGENT_COUNT_ITS_REGS);
		count_exit(AGENT_COUNT_ITS_REGS);
		cbaser = mmio_read(base + h->cbaser_off, 8);
		cwriter = mmio_read(base + h->cwriter_off, 8);
	}
	u64 qbase = cbaser & 0x000ffffffffff000UL; /* Physical_Address [51:12] */
	u64 qsize = ((cbaser & 0xff) + 1) * 4096;  /* Size: 4 KiB pages - 1 */
	/* Offset [19:5]; one at or beyond the queue end (an implementation that accepted such a value,
	 * choice.u28.cwriter-oor) is taken modulo the queue size, as spec/its-harness.ts does for every other target */
	u64 off = (cwriter & 0xfffe0UL) % qsize;
	for (u64 i = 0; i < r->b; i++) {
		/* a queue outside the scenario's RAM is not written (no memory there to a real guest) */
		if (in_ram(qbase + off, 32))
			memcpy((void *)(qbase + off), r->payload + i * 32, 32);
		off = (off + 32) % qsize;
	}
	dsb_sy();
	count_exit(AGENT_COUNT_CWRITER);
	mmio_write(base + h->cwriter_off, off, 8);
	if (c) {
		c->base = base;
		c->cbaser = cbaser;
		c->cwriter = off;
	}
	for (u32 n = 0; n < h->poll_limit; n++) {
		count_exit(AGENT_COUNT_CREADR);
		u64 creadr = mmio_read(base + h->creadr_off, 8);
		if ((creadr & 1) || (creadr & 0xfffe0UL) == off)
			break;
	}
}

static void run_op(u32 me, u64 k, const struct rec *r)
{
	current_op = k;
	if (r->kind == OP_HOST) {
		its_cache_forget_all();
		host_op(k, r);
		return;
	}
	if (r->kind == OP_MEM_WRITE) {
		if (in_ram(r->a, r->b))
			memcpy((void *)r->a, r->payload, r->b);
		dsb_sy();
		result_plain(k, 'N');
		return;
	}
	if (r->kind == OP_MEM_READ) {
		result_head(k, 'B');
		uart_putc(' ');
		for (u64 i = 0; i < r->b; i++)
			putbyte(in_ram(r->a + i, 1) ? ((volatile u8 *)r->a)[i] : 0);
		uart_putc('\n');
		return;
	}
	/* a vCPU asleep in WFI wakes when it has an interrupt to signal (ISR_EL1.I/F), else the op
	 * does nothing (docs/scenario-format.md) */
	if (asleep[me]) {
		if (!(isr_el1() & 0xc0)) {
			result_plain(k, 'A');
			return;
		}
		left_sync(me);
		__asm__ volatile("wfi");
		set_asleep(me, 0);
	}
	switch (r->kind) {
	case OP_MMIO_READ:
		count_exit(AGENT_COUNT_OP_MMIO);
		result_value(k, mmio_read(r->a, r->width));
		break;
	case OP_MMIO_WRITE:
		its_cache_forget_at(r->a);
		count_exit(AGENT_COUNT_OP_MMIO);
		mmio_write(r->a, r->b, r->width);
		result_plain(k, 'N');
		break;
	case OP_SYSREG_READ:
		if ((r->a & INSN_MRS_MASK) != INSN_MRS)
			fail("sysreg read record without an MRS x0 instruction");
		result_value(k, run_sysreg(me, (u32)r->a, 0));
		break;
	case OP_SYSREG_WRITE:
		if ((r->a & INSN_MRS_MASK) != INSN_MSR)
			fail("sysreg write record without an MSR x0 instruction");
		run_sysreg(me, (u32)r->a, r->b);
		result_plain(k, 'N');
		break;
	case OP_WFI:
		if (isr_el1() & 0xc0) {
			left_sync(me);
			__asm__ volatile("wfi"); /* returns at once: an interrupt is signalled */
			result_plain(k, 'W');
		} else {
			set_asleep(me, 1);
			result_plain(k, 'A');
		}
		break;
	case OP_ITS_CMD:
		its_cmd(r);
		result_plain(k, 'N');
		break;
	default:
		fail("unknown record kind");
	}
}

/* Under KVM a vCPU's list registers are only folded back into the vGIC's state when it exits,
 * and only refreshed from it when it enters. A side-effect-free read of a trapping register
 * (GICD_CTLR, emulated in the kernel) before and after each op makes the op start from and leave
 * behind the kernel's up-to-date state. The host asks for it on kvm-hw and under our VMM, where
 * it is left out while the vCPU is still in sync since its last exit (synced). */
static void sync_exit(u32 cause)
{
	const struct ops_header *h = hdr();
	u64 a = h->sync_read_addr;
	u32 me = this_cpu();
	if (a && h->doorbell_addr && me < AGENT_MAX_CPUS && synced[me])
		return;
	if (a) {
		count_exit(cause);
		(void)mmio_read(a, 4);
	}
}

/* Ops whose first access exits to KVM anyway (a GIC register, the VMM's doorbell), and on every
 * exit KVM folds the list registers back into its state before it handles the access: a sync read
 * before them would only repeat that exit (under our VMM, where no vCPU but this one is in the
 * guest). A vCPU asleep does not run the op: its wake-up check reads ISR_EL1 after a sync. */
static int traps_itself(const struct rec *r)
{
	u32 me = this_cpu();
	if (me < AGENT_MAX_CPUS && asleep[me])
		return 0;
	return r->kind == OP_MMIO_READ || r->kind == OP_MMIO_WRITE || r->kind == OP_ITS_CMD || r->kind == OP_HOST;
}

/* An asleep vCPU wakes if it now has an interrupt to signal (ISR_EL1.I/F). */
static void check_wake(u32 me)
{
	sync_exit(AGENT_COUNT_WAKE_SYNC);
	if (isr_el1() & 0xc0) {
		left_sync(me);
		__asm__ volatile("wfi"); /* returns at once: an interrupt is signalled */
		set_asleep(me, 0);
	}
}

/* ---- op groups ---- */

static const struct rec *first_member(const struct rec *g)
{
	return (const struct rec *)((const u8 *)g + REC_HEADER_BYTES);
}

static const struct rec *next_member(const struct rec *r)
{
	return (const struct rec *)((const u8 *)r + r->size);
}

static int has_members(const struct rec *g, u32 me)
{
	const struct rec *r = first_member(g);
	for (u64 m = 0; m < g->a; m++, r = next_member(r))
		if (r->kind != OP_HOST && r->cpu == me)
			return 1;
	return 0;
}

/* This vCPU's members of group g (result index k), one after another, their output held back;
 * then the VMM hears that it is done (it leaves the guest until its next turn). */
static void run_members(u32 me, u64 k, const struct rec *g)
{
	defer_len[me] = 0;
	defer_on[me] = 1;
	const struct rec *r = first_member(g);
	for (u64 m = 0; m < g->a; m++, r = next_member(r)) {
		if (r->kind == OP_HOST || r->cpu != me)
			continue;
		member_no[me] = m + 1;
		run_op(me, k, r);
	}
	member_no[me] = 0;
	defer_on[me] = 0;
	group_done[me] = k + 1;
	dsb_sy();
	count_exit(AGENT_COUNT_GROUP);
	mmio_write(hdr()->doorbell_addr + DOORBELL_GROUP_DONE, 0, 8);
	/* the other members ran at the same time: whatever they did, sync before the next op */
	left_sync(me);
}

/* The owner of a GROUP record starts it: the VMM runs every vCPU with members and every host
 * member at the same time, and this doorbell write completes once all of them are done (at once
 * when this vCPU has members of its own: it runs them, and its DOORBELL_GROUP_DONE write
 * completes at the end). Then the members' results, then "R<k> G <count>". */
static void run_group(u32 me, u64 k, u64 off, const struct rec *g)
{
	const struct ops_header *h = hdr();
	if (!h->doorbell_addr)
		fail("group record without a VMM doorbell");
	store_release(&group_live, k + 1);
	its_cache_forget_all();
	count_exit(AGENT_COUNT_GROUP);
	mmio_write(h->doorbell_addr + DOORBELL_GROUP, (k << 32) | off, 8);
	if (has_members(g, me))
		run_members(me, k, g);
	store_release(&group_live, 0);
	left_sync(me);
	for (u32 i = 0; i < h->vcpus; i++) {
		if (group_done[i] != k + 1)
			continue;
		for (u32 j = 0; j < defer_len[i]; j++)
			uart_putc(defer_buf[i][j]);
		if (defer_len[i] >= DEFER_BYTES)
			fail("a vCPU's group results overflowed their buffer");
	}
	result_head(k, 'G');
	uart_putc(' ');
	puthex(g->a);
	uart_putc('\n');
}

/* How many host records from r (record k) go behind one doorbell: this vCPU's, not silent, with
 * consecutive table indexes, while no vCPU is asleep (a host op may wake one, and it must look
 * before the next op: host ops run one doorbell each then). 0 or 1: no run. */
static u64 host_run_length(u32 me, u64 k, const struct rec *r)
{
	const struct ops_header *h = hdr();
	if (!h->doorbell_addr)
		return 0;
	for (u32 i = 0; i < h->vcpus; i++)
		if (asleep[i])
			return 0;
	u64 n = 0, first = r->a;
	for (; k + n < h->nops && n < HOST_RUN_MAX; n++) {
		if (r->kind != OP_HOST || r->cpu != me || (r->flags & REC_FLAG_SILENT) || r->a != first + n || r->a > 0xffffffUL)
			break;
		r = (const struct rec *)((const u8 *)r + r->size);
	}
	return n;
}

/* the timeline's stamp of record k (protocol.h TIMELINE_BASE) */
static void stamp(u64 k)
{
	const struct ops_header *h = hdr();
	if (!h->timeline_addr || k > TIMELINE_MAX_RECORDS)
		return;
	u64 t;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t) :: "memory");
	((volatile u64 *)h->timeline_addr)[k] = t;
}

static void run_loop(u32 me)
{
	const struct ops_header *h = hdr();
	for (;;) {
		u64 c = load_acquire(&cursor);
		u64 k = c >> 32, off = c & 0xffffffffUL;
		if (k >= h->nops)
			break;
		if (asleep[me] && wake_checked[me] != k) {
			check_wake(me);
			store_release(&wake_checked[me], k);
			sev();
		}
		const struct rec *r = (const struct rec *)(OPS_BASE + off);
		if (r->kind == OP_GROUP && r->cpu != me) {
			/* a group another vCPU started: run this vCPU's members once */
			u64 live = load_acquire(&group_live);
			if (live && live == reported + 1 && group_done[me] != live && has_members(r, me)) {
				run_members(me, live - 1, r);
				continue;
			}
		}
		if (r->cpu != me) {
			wait_turn();
			continue;
		}
		/* every other asleep vCPU has seen the state left by the previous op */
		for (u32 i = 0; i < h->vcpus; i++) {
			while (i != me && asleep[i] && !parked(i) && load_acquire(&wake_checked[i]) != k)
				wfe();
		}
		stamp(k);
		u64 run = host_run_length(me, k, r);
		if (run > 1) {
			/* host records behind one doorbell: the VMM appends each one's result line */
			current_op = reported;
			its_cache_forget_all();
			count_exit(AGENT_COUNT_HOST);
			mmio_write(h->doorbell_addr + DOORBELL_HOST_RUN, (reported << 32) | (run << 24) | (r->a & 0xffffffUL), 8);
			sev();
			reported = reported + run;
			dsb_sy();
			for (u64 i = 0; i < run; i++)
				off += r->size, r = (const struct rec *)(OPS_BASE + off);
			u64 next = ((k + run) << 32) | off;
			store_release(&cursor, next);
			sev();
			grant_next(next, me, 0);
			continue;
		}
		if (r->flags & REC_FLAG_SILENT) {
			/* VM-creation preamble (an MMIO write) or a VMM host record: no result */
			its_cache_forget_all();
			if (r->kind == OP_HOST)
				host_op(0xffffffffUL, r);
			else if (r->kind == OP_MMIO_WRITE) {
				count_exit(AGENT_COUNT_SILENT);
				mmio_write(r->a, r->b, r->width);
			}
			else
				fail("silent record that is neither an MMIO write nor a host record");
		} else if (r->kind == OP_GROUP) {
			sync_exit(AGENT_COUNT_SYNC);
			run_group(me, reported, off, r);
			reported = reported + 1;
			dsb_sy();
		} else {
			if (!h->doorbell_addr || !traps_itself(r))
				sync_exit(AGENT_COUNT_SYNC);
			run_op(me, reported, r);
			reported = reported + 1;
			dsb_sy();
			/* under our VMM every vCPU but this one is out of the guest, and the next op
			 * (its sync read), host op or change of vCPU is an exit anyway */
			if (!h->doorbell_addr)
				sync_exit(AGENT_COUNT_SYNC);
		}
		u64 next = ((k + 1) << 32) | (off + r->size);
		store_release(&cursor, next);
		sev();
		grant_next(next, me, h->doorbell_addr && !(r->flags & REC_FLAG_SILENT) && quiet_for_others(r));
	}
	current_op = ~0UL;
}

static void clear_dtb(void)
{
	/* QEMU puts the device tree at the start of RAM when it boots an ELF; a scenario's RAM
	 * must start zeroed (docs/scenario-format.md), so wipe it (magic 0xd00dfeed, big-endian totalsize). */
	volatile u8 *p = (volatile u8 *)hdr()->ram_base;
	if (p[0] == 0xd0 && p[1] == 0x0d && p[2] == 0xfe && p[3] == 0xed) {
		u64 size = ((u64)p[4] << 24) | ((u64)p[5] << 16) | ((u64)p[6] << 8) | p[7];
		if (size > 0x200000)
			size = 0x200000;
		memset((void *)p, 0, size);
		dsb_sy();
	}
}

void agent_main(u64 cpu, u64 smc)
{
	const struct ops_header *h = hdr();
	__asm__ volatile("msr tpidr_el1, %0" :: "r"(cpu));
	if (cpu != 0) {
		__atomic_fetch_add(&online, 1, __ATOMIC_SEQ_CST);
		sev();
		/* under our VMM: nothing before vCPU 0 grants the first turn, and out of the guest
		 * for good after the last op */
		if (h->doorbell_addr)
			wait_turn();
		run_loop((u32)cpu);
		for (;;)
			wait_turn();
	}
	conduit_smc = (u32)smc;
	puts_("GICDIFF-AGENT 1\n");
	if (h->magic != OPS_MAGIC || h->version != OPS_VERSION)
		fail("no ops buffer (bad magic or version)");
	if (h->vcpus == 0 || h->vcpus > AGENT_MAX_CPUS)
		fail("bad vcpu count");
	if (h->total_bytes > OPS_MAX_BYTES)
		fail("ops buffer too large");
	clear_dtb();
	/* the MPIDRs follow the header; records follow them */
	const u64 *mpidr = (const u64 *)(OPS_BASE + OPS_HEADER_BYTES);
	cursor = OPS_HEADER_BYTES + 8UL * h->vcpus; /* record 0 */
	for (u32 i = 1; i < h->vcpus; i++) {
		u64 ret = smc ? psci_smc(PSCI_CPU_ON, mpidr[i], (u64)secondary_entry, i)
			      : psci_hvc(PSCI_CPU_ON, mpidr[i], (u64)secondary_entry, i);
		if (ret != 0) {
			puts_("E PSCI CPU_ON failed for vCPU ");
			puthex(i);
			puts_(" ret ");
			puthex(ret);
			uart_putc('\n');
			power_off();
		}
	}
	for (u64 spins = 0; online != h->vcpus - 1; spins++) {
		if (spins > 100000000UL)
			fail("secondary vCPUs did not come online");
		/* our VMM runs one vCPU at a time: let the secondaries run */
		if (h->doorbell_addr)
			wait_turn();
	}
	puts_("AGENT-READY ");
	puthex(h->nops);
	uart_putc('\n');
	grant_next(load_acquire(&cursor), ~0U, 0); /* the first record may be another vCPU's */
	run_loop(0);
	stamp(h->nops);
	if (h->timeline_addr && h->nops + 1 <= TIMELINE_MAX_RECORDS) {
		u64 f;
		__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
		((volatile u64 *)h->timeline_addr)[h->nops + 1] = f;
	}
	puts_("DONE\n");
	power_off();
}

/* gcc may emit calls to these even when freestanding */
void *memset(void *d, int c, unsigned long n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}
