/* One scenario's VM: created as the scenario's config says (api.rst: KVM_CREATE_VM, memory slot,
 * KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT; arm-vgic-v3.rst and arm-vgic-its.rst: the vGIC and ITS
 * devices, their addresses, NR_IRQS, CTRL_INIT), the agent and its ops loaded into guest RAM, and
 * its vCPUs run one at a time, in the agent's turns, until it powers the VM off (PSCI SYSTEM_OFF).
 *
 * One thread runs them all: the agent runs one op at a time anyway, so a thread per vCPU bought
 * nothing but a thread hand-off (a futex wake-up and two context switches of the nested kernel,
 * the dearest thing under nested TCG) at every change of vCPU. A vCPU that is not running is out
 * of KVM_RUN, stopped at the MMIO exit it made last (DOORBELL_WAIT, DOORBELL_NEXT or a host op's
 * doorbell), and that access completes when it next runs. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "vmm.h"

extern const char *agent_path;

/* ---- errors and the console ---- */

void vm_fail(struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	if (!vm->error[0]) {
		va_start(ap, fmt);
		vsnprintf(vm->error, sizeof(vm->error), fmt, ap);
		va_end(ap);
	}
	if (!vm->done) {
		vm->done = 1;
		vm->status = RUN_VMM_ERROR;
	}
}

/* the run ends with this status (the first ending counts) */
void vm_fail_status(struct vm *vm, int status)
{
	if (!vm->done) {
		vm->done = 1;
		vm->status = status;
	}
}

struct console_mem {
	u64 pos, capacity;
	u8 parked[AGENT_MAX_CPUS];
	u64 asleep_mask;
};

static struct console_mem *console_of(struct vm *vm)
{
	return (struct console_mem *)(vm->mem + (CONSOLE_BASE - RAM_BASE));
}

/* Appends to the agent's memory console: only while the vCPU that owns it is stopped here. */
void console_printf(struct vm *vm, const char *fmt, ...)
{
	struct console_mem *c = console_of(vm);
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	char *text = (char *)c + CONSOLE_TEXT_OFFSET;
	/* host members of a group print from threads of their own */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u64 pos = c->pos;
	for (int i = 0; i < n && pos < c->capacity; i++)
		text[pos++] = line[i];
	c->pos = pos;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&lock);
}

/* ---- creation ---- */

int device_attr(int fd, int set, u32 group, u64 attr, u64 *value)
{
	struct kvm_device_attr a = { .flags = 0, .group = group, .attr = attr, .addr = (u64)(uintptr_t)value };
	int r = ioctl(fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, &a);
	return r < 0 ? -errno : 0;
}

int vm_create_kvm_vm(struct vm *vm)
{
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		vm_fail(vm, "KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	struct kvm_userspace_memory_region region = {
		.slot = 0, .flags = 0, .guest_phys_addr = RAM_BASE, .memory_size = vm->mem_size,
		.userspace_addr = (u64)(uintptr_t)vm->mem,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		vm_fail(vm, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int vm_create_vcpu(struct vm *vm, struct vcpu *v, int index)
{
	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, index);
	if (v->fd < 0) {
		vm_fail(vm, "KVM_CREATE_VCPU %d: %s", index, strerror(errno));
		return -1;
	}
	struct kvm_vcpu_init init;
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		vm_fail(vm, "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -1;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (index > 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF; /* secondaries wait for PSCI CPU_ON */
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		vm_fail(vm, "KVM_ARM_VCPU_INIT %d: %s", index, strerror(errno));
		return -1;
	}
	int size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		vm_fail(vm, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	v->run_size = (size_t)size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		vm_fail(vm, "mmap of vCPU %d's kvm_run: %s", index, strerror(errno));
		return -1;
	}
	return 0;
}

/* The vGIC v3 and the ITSes at the scenario's addresses (DESIGN of spec/layout.ts), CTRL_INIT. */
int vm_create_gic(struct vm *vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &dev) < 0) {
		vm_fail(vm, "KVM_CREATE_DEVICE vgic-v3: %s", strerror(errno));
		return -1;
	}
	vm->vgic = (int)dev.fd;
	u64 v = GICD_BASE;
	int e;
	if ((e = device_attr(vm->vgic, 1, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &v))) {
		vm_fail(vm, "vgic ADDR DIST: %s", strerror(-e));
		return -1;
	}
	v = GICR_BASE;
	if ((e = device_attr(vm->vgic, 1, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &v))) {
		vm_fail(vm, "vgic ADDR REDIST: %s", strerror(-e));
		return -1;
	}
	u32 nr = vm->cfg.nr_irqs;
	if ((e = device_attr(vm->vgic, 1, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, (u64 *)&nr))) {
		vm_fail(vm, "vgic NR_IRQS %u: %s", nr, strerror(-e));
		return -1;
	}
	if ((e = device_attr(vm->vgic, 1, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))) {
		vm_fail(vm, "vgic CTRL_INIT: %s", strerror(-e));
		return -1;
	}
	for (u32 i = 0; i < vm->cfg.its; i++) {
		struct kvm_create_device its = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
		if (ioctl(vm->fd, KVM_CREATE_DEVICE, &its) < 0) {
			vm_fail(vm, "KVM_CREATE_DEVICE vgic-its %u: %s", i, strerror(errno));
			return -1;
		}
		vm->its[i] = (int)its.fd;
		v = its_base((int)i);
		if ((e = device_attr(vm->its[i], 1, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &v))) {
			vm_fail(vm, "ITS %u ADDR: %s", i, strerror(-e));
			return -1;
		}
		if ((e = device_attr(vm->its[i], 1, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))) {
			vm_fail(vm, "ITS %u CTRL_INIT: %s", i, strerror(-e));
			return -1;
		}
	}
	return 0;
}

/* The agent's PT_LOAD segments at their physical addresses; returns the entry point or 0. */
static u64 load_agent(struct vm *vm)
{
	static u8 *image;
	static long image_size;
	if (!image) {
		FILE *f = fopen(agent_path, "rb");
		if (!f) {
			vm_fail(vm, "cannot open the guest agent %s: %s", agent_path, strerror(errno));
			return 0;
		}
		fseek(f, 0, SEEK_END);
		image_size = ftell(f);
		fseek(f, 0, SEEK_SET);
		image = malloc((size_t)image_size);
		if (!image || fread(image, 1, (size_t)image_size, f) != (size_t)image_size) {
			fclose(f);
			free(image);
			image = NULL;
			vm_fail(vm, "cannot read the guest agent %s", agent_path);
			return 0;
		}
		fclose(f);
	}
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
	if (image_size < (long)sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_AARCH64) {
		vm_fail(vm, "%s is not an aarch64 ELF", agent_path);
		return 0;
	}
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + eh->e_phoff + (u64)i * eh->e_phentsize);
		if (ph->p_type != PT_LOAD || ph->p_filesz == 0)
			continue;
		if (ph->p_paddr < RAM_BASE || ph->p_paddr + ph->p_memsz > RAM_BASE + vm->mem_size ||
		    ph->p_offset + ph->p_filesz > (u64)image_size) {
			vm_fail(vm, "agent segment at 0x%llx does not fit guest RAM", (unsigned long long)ph->p_paddr);
			return 0;
		}
		memcpy(vm->mem + (ph->p_paddr - RAM_BASE), image + ph->p_offset, ph->p_filesz);
	}
	return eh->e_entry;
}

static int set_pc(struct vm *vm, struct vcpu *v, u64 pc)
{
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc),
		.addr = (u64)(uintptr_t)&pc,
	};
	if (ioctl(v->fd, KVM_SET_ONE_REG, &reg) < 0) {
		vm_fail(vm, "KVM_SET_ONE_REG pc: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- parking ---- */

void park(struct vm *vm, struct vcpu *self, int cpu)
{
	if (&vm->vcpus[cpu] == self)
		return; /* it is out of KVM_RUN already: that exit is its put */
	vm->vcpus[cpu].parked = 1;
	console_of(vm)->parked[cpu] = 1;
}

void unpark(struct vm *vm, int cpu)
{
	vm->vcpus[cpu].parked = 0;
	console_of(vm)->parked[cpu] = 0;
}

/* ---- running one vCPU ---- */

/* SIGALRM ticks once the run's time is up: KVM_RUN returns EINTR (no SA_RESTART) */
static volatile sig_atomic_t time_up;
static void on_alarm(int sig)
{
	(void)sig;
	time_up = 1;
}

int vmm_time_up(void)
{
	return time_up;
}

static void pin_thread(struct vm *vm, struct vcpu *v)
{
	if (v->pin < 0 || v->pin == vm->thread_cpu)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(v->pin, &set);
	/* the thread moves at once; KVM_RUN then loads the vCPU on that CPU */
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		vm->thread_cpu = v->pin;
}

enum stop { STOP_WAIT, STOP_NEXT, STOP_OVER };

const char *const vmm_exit_names[VMM_EXIT_KINDS] = {
	[VMM_EXIT_HOST] = "vmm.host", [VMM_EXIT_WAIT] = "vmm.wait", [VMM_EXIT_NEXT] = "vmm.next",
	[VMM_EXIT_GROUP] = "vmm.group", [VMM_EXIT_SYSTEM_EVENT] = "vmm.system_event", [VMM_EXIT_INTR] = "vmm.intr",
	[VMM_EXIT_OTHER] = "vmm.other",
};

/* which of our doorbells (or what else) a KVM_RUN return was */
enum vmm_exit_kind vmm_exit_kind(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT)
		return VMM_EXIT_SYSTEM_EVENT;
	if (run->exit_reason == KVM_EXIT_INTR)
		return VMM_EXIT_INTR;
	if (run->exit_reason != KVM_EXIT_MMIO)
		return VMM_EXIT_OTHER;
	switch (run->mmio.phys_addr - DOORBELL_ADDR) {
	case 0: case DOORBELL_HOST_RUN: return VMM_EXIT_HOST;
	case DOORBELL_WAIT: return VMM_EXIT_WAIT;
	case DOORBELL_NEXT: return VMM_EXIT_NEXT;
	case DOORBELL_GROUP: case DOORBELL_GROUP_DONE: return VMM_EXIT_GROUP;
	default: return VMM_EXIT_OTHER;
	}
}

/* Runs vCPU v until it gives up its turn: a DOORBELL_WAIT read (STOP_WAIT), a DOORBELL_NEXT write
 * (STOP_NEXT: the scheduler decides who runs next), or the end of the run (STOP_OVER). Host ops
 * and stray MMIO are served on the way. */
static enum stop run_vcpu(struct vm *vm, struct vcpu *v)
{
	pin_thread(vm, v);
	v->started = 1;
	while (!vm->done) {
		if (time_up) {
			vm->done = 1;
			vm->status = RUN_TIMEOUT;
			break;
		}
		int r = ioctl(v->fd, KVM_RUN, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_fail(vm, "KVM_RUN on vCPU %d: %s", v->index, strerror(errno));
			break;
		}
		__atomic_fetch_add(&vm->exits, 1, __ATOMIC_RELAXED);
		struct kvm_run *run = v->run;
		__atomic_fetch_add(&vm->exits_by[vmm_exit_kind(run)], 1, __ATOMIC_RELAXED);
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO: {
			u64 addr = run->mmio.phys_addr;
			u64 val;
			memcpy(&val, run->mmio.data, 8);
			if (addr == DOORBELL_ADDR && run->mmio.is_write && run->mmio.len == 8) {
				host_op_run(vm, v, val >> 32, (u32)val);
				/* a vcpu.run of this very vCPU: it moves before it goes back in */
				pin_thread(vm, v);
			} else if (addr == DOORBELL_ADDR + DOORBELL_HOST_RUN && run->mmio.is_write && run->mmio.len == 8) {
				/* consecutive host records behind one doorbell, in order */
				u64 k = val >> 32;
				u32 n = (u32)(val >> 24) & 0xff, first = (u32)val & 0xffffff;
				for (u32 i = 0; i < n && !vm->done; i++)
					host_op_run(vm, v, k + i, first + i);
				pin_thread(vm, v);
			} else if (addr == DOORBELL_ADDR + DOORBELL_GROUP && run->mmio.is_write) {
				group_run(vm, v, val >> 32, (u32)val);
				pin_thread(vm, v);
			} else if (addr == DOORBELL_ADDR + DOORBELL_WAIT && !run->mmio.is_write) {
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
				return STOP_WAIT;
			} else if (addr == DOORBELL_ADDR + DOORBELL_NEXT && run->mmio.is_write) {
				/* the record is vCPU `val`'s (or the run is over): it gets a turn, and every
				 * asleep vCPU one to look for a wake-up, unless the op was quiet */
				vm->quiet = (val & DOORBELL_NEXT_QUIET) != 0;
				val &= 0xffffffffULL;
				u64 asleep = vm->quiet ? 0 : console_of(vm)->asleep_mask;
				for (u32 i = 0; i < vm->cfg.vcpus; i++) {
					struct vcpu *w = &vm->vcpus[i];
					if (val == DOORBELL_NEXT_ALL) {
						/* the run is over: vCPU 0 powers the VM off (back in if it
						 * was put); the others have nothing left to do */
						if (i == 0) {
							unpark(vm, 0);
							w->granted = 1;
						}
					} else if (val == i || (i < 64 && (asleep >> i) & 1)) {
						w->granted = 1;
					}
				}
				vm->owner = val == DOORBELL_NEXT_ALL ? -1 : (int)val;
				if (!vm->booted)
					clock_gettime(CLOCK_MONOTONIC, &vm->booted_at);
				vm->booted = 1;
				return STOP_NEXT;
			} else if (!run->mmio.is_write) {
				/* no device here: reads as zero, writes are ignored */
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
			}
			break;
		}
		case KVM_EXIT_SYSTEM_EVENT:
			if (!vm->done) {
				vm->done = 1;
				vm->status = RUN_OK;
			}
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			vm_fail(vm, "vCPU %d: unexpected KVM exit reason %u", v->index, run->exit_reason);
			break;
		}
	}
	return STOP_OVER;
}

/* Every vCPU stopped at an MMIO exit completes it (KVM_RUN with immediate_exit: api.rst), as a
 * VMM does before it saves vCPU state. An idle vCPU's DOORBELL_WAIT read completes as zero: the
 * agent looks at the cursor again and waits again. */
void complete_pending_mmio(struct vm *vm)
{
	for (u32 i = 0; i < vm->cfg.vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (!v->started)
			continue;
		v->run->immediate_exit = 1;
		ioctl(v->fd, KVM_RUN, 0);
		v->run->immediate_exit = 0;
	}
}

/* ---- the turn scheduler ---- */

/* Who runs next. After a DOORBELL_NEXT: first every other vCPU granted a turn to look for a
 * wake-up (in index order; the owner of the next record waits in the guest until they have), then
 * the publisher (its own wake-up check; it may own the next record too), then the owner. Before
 * the agent's first turn: vCPU 0 powers the secondaries on with PSCI and waits (DOORBELL_WAIT)
 * until they are online, so each secondary runs once, then vCPU 0 again. */
static struct vcpu *pick(struct vm *vm)
{
	for (u32 i = 0; i < vm->cfg.vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (v->granted && !v->parked && (int)i != vm->owner && (int)i != vm->preempted)
			return v;
	}
	if (vm->preempted >= 0) {
		struct vcpu *v = &vm->vcpus[vm->preempted];
		vm->preempted = -1;
		if (!v->parked)
			return v;
	}
	if (vm->owner >= 0 && vm->vcpus[vm->owner].granted && !vm->vcpus[vm->owner].parked)
		return &vm->vcpus[vm->owner];
	if (!vm->booted) {
		for (u32 i = 1; i < vm->cfg.vcpus; i++) {
			struct vcpu *v = &vm->vcpus[i];
			struct kvm_mp_state mp;
			if (!v->started && ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state == KVM_MP_STATE_RUNNABLE)
				return v;
		}
		return &vm->vcpus[0];
	}
	return NULL;
}

static void schedule(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];
	vm->owner = vm->preempted = -1;
	u32 idle_boot_turns = 0;
	while (!vm->done) {
		v->granted = 0;
		enum stop why = run_vcpu(vm, v);
		if (why == STOP_OVER)
			break;
		/* The publisher of a record that is another vCPU's, not asleep itself, has nothing left
		 * to do before its next turn but read the cursor and wait: it stays stopped at its
		 * DOORBELL_NEXT write, which completes when it is granted a turn, as a DOORBELL_WAIT
		 * would (one exit to the VMM per change of vCPU instead of two). Otherwise it runs on
		 * after the others granted a turn have looked for their wake-up. */
		if (why == STOP_NEXT) {
			u64 asleep = console_of(vm)->asleep_mask;
			int self_asleep = v->index < 64 && ((asleep >> v->index) & 1);
			if (vm->owner == v->index || (self_asleep && !vm->quiet))
				vm->preempted = v->index;
		}
		v = pick(vm);
		if (!v) {
			vm_fail(vm, "no vCPU has a turn (the agent waits everywhere)");
			break;
		}
		/* vCPU 0 waiting for secondaries that never come online: the agent's own limit or the
		 * run's timeout ends it; this bounds a broken agent */
		if (!vm->booted && ++idle_boot_turns > 1000000) {
			vm_fail(vm, "the agent never granted a first turn");
			break;
		}
	}
}

/* The run's counters, summed over the vCPUs, reported as "name value" lines after the console
 * text (struct run_result stats_len). */
#define MAX_STATS 128
struct stats {
	u32 n;
	char name[MAX_STATS][48];
	u64 value[MAX_STATS];
};

static void stat_add(struct stats *st, const char *name, u64 value)
{
	for (u32 i = 0; i < st->n; i++)
		if (!strcmp(st->name[i], name)) {
			st->value[i] += value;
			return;
		}
	if (st->n == MAX_STATS)
		return;
	snprintf(st->name[st->n], sizeof(st->name[0]), "%s", name);
	st->value[st->n++] = value;
}

/* KVM's own per-vCPU statistics (api.rst KVM_GET_STATS_FD: "exits", "mmio_exit_kernel",
 * "hvc_exit_stat", ...; single-value counters only), under "kvm.": the exits handled inside the
 * kernel and those to us alike, by kind, whatever the load of the machine. */
static void vcpu_stats(struct vcpu *v, struct stats *st)
{
	int fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return;
	struct kvm_stats_header h;
	if (pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
		size_t dsize = sizeof(struct kvm_stats_desc) + h.name_size;
		u8 *descs = malloc(dsize * h.num_desc);
		if (descs && pread(fd, descs, dsize * h.num_desc, h.desc_offset) == (ssize_t)(dsize * h.num_desc)) {
			for (u32 i = 0; i < h.num_desc; i++) {
				struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * dsize);
				u64 value;
				char name[48];
				if (d->size != 1 || (d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE)
					continue;
				if (pread(fd, &value, sizeof(value), h.data_offset + d->offset) != (ssize_t)sizeof(value) || !value)
					continue;
				snprintf(name, sizeof(name), "kvm.%.*s", (int)(h.name_size < 40 ? h.name_size : 40), d->name);
				stat_add(st, name, value);
			}
		}
		free(descs);
	}
	close(fd);
}

/* The agent's exits by cause (protocol.h AGENT_COUNT_*), under "agent.". */
static const char *const agent_counter_names[AGENT_COUNTERS] = {
	[AGENT_COUNT_SYNC] = "sync", [AGENT_COUNT_WAKE_SYNC] = "wake_sync", [AGENT_COUNT_OP_MMIO] = "op_mmio",
	[AGENT_COUNT_ITS_REGS] = "its_regs", [AGENT_COUNT_CWRITER] = "cwriter", [AGENT_COUNT_CREADR] = "creadr",
	[AGENT_COUNT_HOST] = "host", [AGENT_COUNT_NEXT] = "next", [AGENT_COUNT_WAIT] = "wait",
	[AGENT_COUNT_GROUP] = "group", [AGENT_COUNT_SILENT] = "silent",
};

static void agent_stats(struct vm *vm, struct stats *st)
{
	const volatile u64 *c = (const volatile u64 *)((u8 *)console_of(vm) + CONSOLE_COUNTERS_OFFSET);
	for (u32 i = 0; i < AGENT_COUNTERS; i++) {
		char name[48];
		if (!c[i])
			continue;
		snprintf(name, sizeof(name), "agent.%s", agent_counter_names[i] ? agent_counter_names[i] : "other");
		stat_add(st, name, c[i]);
	}
}

/* The agent's timeline, when the ops header asks for one (protocol.h TIMELINE_BASE), as more
 * counter lines: each record's start as "timeline.<k> <ticks since record 0>" (none for a host
 * record run behind another's doorbell), the end as timeline.end, the counter's frequency as
 * timeline.hz. Returns a malloc'ed text, or NULL. */
static char *timeline_text(struct vm *vm, size_t *len)
{
	const u8 *ops = vm->mem + (OPS_BASE - RAM_BASE);
	u32 nops;
	u64 at;
	memcpy(&nops, ops + 8, 4);
	memcpy(&at, ops + 80, 8);
	*len = 0;
	if (at != TIMELINE_BASE || nops + 1 > TIMELINE_MAX_RECORDS)
		return NULL;
	const volatile u64 *t = (const volatile u64 *)(vm->mem + (TIMELINE_BASE - RAM_BASE));
	u64 t0 = t[0];
	if (!t0)
		return NULL;
	char *out = malloc((size_t)(nops + 2) * 48);
	char *p = out;
	for (u32 k = 0; k <= nops; k++) {
		if (!t[k])
			continue;
		if (k == nops)
			p += sprintf(p, "timeline.end %llu\n", (unsigned long long)(t[k] - t0));
		else
			p += sprintf(p, "timeline.%u %llu\n", k, (unsigned long long)(t[k] - t0));
	}
	p += sprintf(p, "timeline.hz %llu\n", (unsigned long long)t[nops + 1]);
	*len = (size_t)(p - out);
	return out;
}

static void vm_destroy(struct vm *vm)
{
	for (u32 i = 0; vm->vcpus && i < vm->cfg.vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->vcpus[i].run_size);
		if (vm->vcpus[i].fd > 0)
			close(vm->vcpus[i].fd);
	}
	for (int i = 0; i < vm->nfds; i++) {
		if (vm->fds[i].efd >= 0)
			close(vm->fds[i].efd);
		if (vm->fds[i].rfd >= 0)
			close(vm->fds[i].rfd);
	}
	for (u32 i = 0; i < vm->cfg.its && i < MAX_ITS; i++)
		if (vm->its[i] > 0)
			close(vm->its[i]);
	if (vm->vgic > 0)
		close(vm->vgic);
	if (vm->fd > 0)
		close(vm->fd);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	free(vm->vcpus);
	free(vm->host);
	free(vm->routing);
}

static int parse_host_table(struct vm *vm, const u8 *host, u32 len)
{
	u32 cap = 16, n = 0, pos = 0;
	vm->host = calloc(cap, sizeof(*vm->host));
	while (pos + 8 <= len) {
		u32 kind, nwords;
		memcpy(&kind, host + pos, 4);
		memcpy(&nwords, host + pos + 4, 4);
		if (pos + 8 + (u64)nwords * 8 > len) {
			vm_fail(vm, "host-op table: record %u at byte %u runs past the end", n, pos);
			return -1;
		}
		if (n == cap) {
			cap *= 2;
			vm->host = realloc(vm->host, cap * sizeof(*vm->host));
		}
		vm->host[n].kind = kind;
		vm->host[n].nwords = nwords;
		vm->host[n].w = (const u64 *)(host + pos + 8);
		n++;
		pos += 8 + nwords * 8;
	}
	vm->nhost = n;
	return 0;
}

static long us_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

/* the VM of the last run, torn down by vm_reap, and how long the teardown before took */
static struct vm *finished;
static u32 last_destroy_us, last_destroy_cpu_us;

int vm_run_scenario(int kvm, const struct run_request *req, const u8 *ops, const u8 *host,
		    char **text, u32 *text_len, struct run_result *res)
{
	static int signals_set;
	if (!signals_set) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN returns EINTR */
		sigaction(SIGALRM, &sa, NULL);
		signals_set = 1;
	}
	vm_reap();
	struct timespec t_start, t_ran, t_end, t_vm, t_vcpus, t_gic, c_start, c_ran, c_end;
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c_start);
	c_ran = c_start;
	t_ran = t_vm = t_vcpus = t_gic = t_start;
	int created = 0;
	struct vm *vm = calloc(1, sizeof(*vm));
	vm->kvm = kvm;
	vm->cfg = *req;
	vm->fd = vm->vgic = -1;
	vm->thread_cpu = -1;
	for (int i = 0; i < MAX_ITS; i++)
		vm->its[i] = -1;
	vm->mem_size = AGENT_RAM_SIZE;
	*text = NULL;
	*text_len = 0;
	int status = RUN_VMM_ERROR;

	if (req->vcpus == 0 || req->vcpus > AGENT_MAX_CPUS || req->its > MAX_ITS || req->ops_len > OPS_MAX_BYTES) {
		vm_fail(vm, "bad request: %u vCPUs, %u ITSes, %u ops bytes", req->vcpus, req->its, req->ops_len);
		goto out;
	}
	/* guest RAM starts zeroed (fresh anonymous memory); only touched pages are allocated */
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		vm_fail(vm, "cannot map %llu bytes of guest RAM: %s", (unsigned long long)vm->mem_size, strerror(errno));
		goto out;
	}
	/* 4 KiB pages, not transparent huge pages: a run touches a few dozen pages scattered over
	 * the 2 GiB (the agent, its ops and console, the scenario's tables), and the first touch of a
	 * huge page zeroes 2 MiB, which under the nested machine's TCG took most of the VM's
	 * creation (the agent's load) and of its teardown */
	madvise(vm->mem, vm->mem_size, MADV_NOHUGEPAGE);
	if (parse_host_table(vm, host, req->host_len))
		goto out;
	if (vm_create_kvm_vm(vm))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t_vm);
	vm->vcpus = calloc(req->vcpus, sizeof(*vm->vcpus));
	for (u32 i = 0; i < req->vcpus; i++) {
		vm->vcpus[i].pin = -1;
		if (vm_create_vcpu(vm, &vm->vcpus[i], (int)i))
			goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_vcpus);
	if (vm_create_gic(vm))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t_gic);
	u64 entry = load_agent(vm);
	if (!entry || set_pc(vm, &vm->vcpus[0], entry))
		goto out;
	memcpy(vm->mem + (OPS_BASE - RAM_BASE), ops, req->ops_len);
	struct console_mem *c = console_of(vm);
	c->capacity = CONSOLE_BYTES - CONSOLE_TEXT_OFFSET;

	/* the time limit: SIGALRM at the deadline, then every 50 ms (one that lands just before a
	 * KVM_RUN is not lost for good) */
	time_up = 0;
	struct itimerval limit = {
		.it_interval = { 0, 50000 },
		.it_value = { req->timeout_ms / 1000, (req->timeout_ms % 1000) * 1000 + 1 },
	};
	setitimer(ITIMER_REAL, &limit, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t_ran);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c_ran);
	created = 1;
	schedule(vm);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	status = vm->status;
out:
	if (vm->mem) {
		struct console_mem *cm = console_of(vm);
		u64 n = cm->pos < cm->capacity ? cm->pos : cm->capacity;
		size_t extra = vm->error[0] ? strlen(vm->error) + 16 : 0;
		*text = malloc(n + extra + 1);
		memcpy(*text, (char *)cm + CONSOLE_TEXT_OFFSET, n);
		*text_len = (u32)n;
	}
	if (vm->error[0]) {
		size_t extra = strlen(vm->error) + 16;
		if (!*text)
			*text = malloc(extra + 1);
		*text_len += (u32)snprintf(*text + *text_len, extra, "\nE vmm: %s\n", vm->error);
	}
	res->exits = vm->exits;
	struct stats *st = calloc(1, sizeof(*st));
	struct timespec t_stats0, t_stats1;
	clock_gettime(CLOCK_MONOTONIC, &t_stats0);
	for (u32 i = 0; vm->vcpus && i < vm->cfg.vcpus; i++)
		if (vm->vcpus[i].fd > 0)
			vcpu_stats(&vm->vcpus[i], st);
	clock_gettime(CLOCK_MONOTONIC, &t_stats1);
	if (vm->mem)
		agent_stats(vm, st);
	for (u32 i = 0; i < VMM_EXIT_KINDS; i++)
		if (vm->exits_by[i])
			stat_add(st, vmm_exit_names[i], vm->exits_by[i]);
	/* where the VM's creation went (microseconds): the VM and its memory slot, the vCPUs, the
	 * vGIC and ITSes, the agent and ops loaded; and the agent's start in the guest (the
	 * secondaries brought online) until its first turn */
	if (created) {
		stat_add(st, "time.create_vm_us", (u64)us_between(&t_start, &t_vm));
		stat_add(st, "time.create_vcpus_us", (u64)us_between(&t_vm, &t_vcpus));
		stat_add(st, "time.create_gic_us", (u64)us_between(&t_vcpus, &t_gic));
		stat_add(st, "time.load_us", (u64)us_between(&t_gic, &t_ran));
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c_end);
		/* the VMM thread's own CPU time (the guest's time in KVM_RUN included) against the clock:
		 * what is waiting rather than work */
		stat_add(st, "time.create_cpu_us", (u64)us_between(&c_start, &c_ran));
		stat_add(st, "time.run_cpu_us", (u64)us_between(&c_ran, &c_end));
		stat_add(st, "time.previous_destroy_cpu_us", last_destroy_cpu_us);
		/* reading KVM's statistics of every vCPU (vcpu_stats) */
		stat_add(st, "time.kvm_stats_us", (u64)us_between(&t_stats0, &t_stats1));
		if (vm->booted_at.tv_sec | vm->booted_at.tv_nsec)
			stat_add(st, "time.agent_start_us", (u64)us_between(&t_ran, &vm->booted_at));
	}
	for (u32 p = 0; p < MIGRATE_PHASES; p++) {
		char name[48];
		if (!vm->migrate_us[p])
			continue;
		snprintf(name, sizeof(name), "time.migrate_%s_us", migrate_phase_names[p]);
		stat_add(st, name, vm->migrate_us[p]);
		snprintf(name, sizeof(name), "time.migrate_%s_cpu_us", migrate_phase_names[p]);
		stat_add(st, name, vm->migrate_cpu_us[p]);
	}
	for (u32 i = 0; i < st->n; i++)
		if (!strcmp(st->name[i], "kvm.exits"))
			res->guest_exits = (u32)st->value[i];
	/* the stats lines follow the console text in the same buffer, then the timeline's */
	size_t tl_len = 0;
	char *tl = vm->mem ? timeline_text(vm, &tl_len) : NULL;
	size_t room = (size_t)st->n * 72 + tl_len + 1;
	*text = realloc(*text, *text_len + room);
	char *at = *text + *text_len;
	for (u32 i = 0; i < st->n; i++)
		at += snprintf(at, 72, "%s %llu\n", st->name[i], (unsigned long long)st->value[i]);
	if (tl)
		memcpy(at, tl, tl_len), at += tl_len;
	free(tl);
	res->stats_len = (u32)(at - (*text + *text_len));
	free(st);
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	res->create_us = (u32)us_between(&t_start, &t_ran);
	res->run_us = (u32)us_between(&t_ran, &t_end);
	res->destroy_us = last_destroy_us;
	/* torn down after the reply (vm_reap): the host checks the trace meanwhile */
	finished = vm;
	return status;
}

/* Tears down the VM of the last run, if any, after its result went out (the host checks the trace
 * meanwhile), and before the next request is read: what the kernel logs meanwhile is the
 * teardown's (main.c reads it as logged before the next run). A teardown in a thread of its own
 * while the next VM runs hid its waits for grace periods (inline: 41 ms by the clock, 16 ms of
 * CPU) but mixed its kernel log records with the next run's. */
void vm_reap(void)
{
	if (!finished)
		return;
	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	vm_destroy(finished);
	free(finished);
	finished = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	last_destroy_us = (u32)us_between(&t0, &t1);
	last_destroy_cpu_us = (u32)us_between(&c0, &c1);
}
