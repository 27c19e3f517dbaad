/*
 * gicdiff VMM: a small virtual machine monitor written for gicdiff against the KVM API
 * (<linux/kvm.h>; Documentation/virt/kvm/api.rst, devices/arm-vgic-v3.rst, arm-vgic-its.rst).
 * It creates one VM per scenario with the in-kernel vGIC v3 and its ITSes, loads the guest agent
 * (targets/qemu/agent), runs one thread per vCPU, and carries out the scenario's host ops with the
 * real ioctls when the agent rings the doorbell. The host side is the TypeScript in targets/kvm-linux.
 */
#ifndef GICDIFF_VMM_H
#define GICDIFF_VMM_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <linux/kvm.h>

#include "../../qemu/agent/protocol.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* The VMM's guest map (the agent's own constants are in protocol.h; the GIC frames follow
 * spec/layout.ts). The doorbell is an address where no device is, so a write exits to us. */
#define RAM_BASE        0x40000000UL
#define GICD_BASE       0x08000000UL
#define GICR_BASE       0x080A0000UL
#define CONSOLE_BASE    0xBE800000UL
#define CONSOLE_BYTES   0x00400000UL
#define DOORBELL_ADDR   0x0A000000UL
#define MAX_ITS         4
#define MAX_GSI_FDS     64

static inline u64 its_base(int n) { return n == 0 ? 0x08080000UL : 0x0C000000UL + (u64)(n - 1) * 0x20000UL; }

/* ---- channel frames (channel.c; the host side is targets/kvm-linux/channel.ts) ---- */
#define FRAME_MAGIC   0x4d564447 /* "GDVM" */
/* bumped when a frame's layout or the agent protocol changes (3: op groups, 4: the result's
 * counters, 5: the kernel log frame): the host refuses a VMM built from other sources */
#define VMM_PROTOCOL  5
#define FRAME_HELLO   1 /* vmm -> host: text "kernel <release>\napi <n>\nprotocol <n>\n..." */
#define FRAME_RUN     2 /* host -> vmm: struct run_request, ops buffer, host-op table */
#define FRAME_RESULT  3 /* vmm -> host: struct run_result, then the console text */
#define FRAME_NOTE    4 /* vmm -> host: text (the VMM's own trouble) */
/* vmm -> host, before a FRAME_RESULT of the same seq when there is something to say: "taint <n>\n"
 * (the kernel's taint mask after the run), then "<B|D> <level> <message>\n" per kernel log record
 * at KERN_WARNING or worse logged Before the run (the previous run's VM teardown) or During it */
#define FRAME_KLOG    5

struct frame_header {
	u32 magic, type, length, seq;
};

struct run_request {
	u32 vcpus, nr_irqs, its, timeout_ms;
	u64 memory;
	u32 ops_len, host_len, flags, test_len;
};

/* flags: test hooks only the host's tests set (klog.c); test_len bytes of their text follow the
 * host-op table, applied after the run */
#define RUN_TEST_KMSG  1u /* write each line of the text to /dev/kmsg */
#define RUN_TEST_TAINT 2u /* write the text (a taint mask) to /proc/sys/kernel/tainted */
#define RUN_TEST_SYSRQ 4u /* write its first character to /proc/sysrq-trigger */

#define RUN_OK       0 /* the agent powered the VM off */
#define RUN_TIMEOUT  1 /* no power-off within timeout_ms */
#define RUN_VMM_ERROR 2 /* the VMM could not create or run the VM: the text says why */

/* exits: to us (userspace); guest_exits: every exit of the vCPUs from the guest, KVM's own count
 * (per-vCPU statistic "exits"; after a migrate, the new VM's only). Times in microseconds: VM
 * creation and agent load, the run, the teardown of the previous run's VM (done after that run's
 * reply). The console text (text_len bytes) is followed by stats_len bytes of counters, one
 * "name value" line each: KVM's vCPU statistics ("kvm."), the agent's exits by cause ("agent."),
 * the exits to us by kind ("vmm."). */
struct run_result {
	u32 status, text_len, exits, ms;
	u32 create_us, run_us, destroy_us, guest_exits;
	u32 stats_len, reserved;
};

int channel_read_frame(int fd, struct frame_header *h, u8 **payload);
int channel_write_frame(int fd, u32 type, u32 seq, const void *a, u32 alen, const void *b, u32 blen);

/* ---- host-op table (host side: targets/kvm-linux/hostops.ts): records u32 kind, u32 nwords,
 * then nwords u64 words ---- */
enum host_kind {
	HOST_IRQ_LINE = 1,       /* irq, level */
	HOST_SIGNAL_MSI = 2,     /* address, data, devid, flags */
	HOST_SET_GSI_ROUTING = 3,/* n, then per entry: gsi, type, flags, irqchip|address, pin|data, devid */
	HOST_IRQFD = 4,          /* gsi, resample, deassign */
	HOST_IRQFD_SIGNAL = 5,   /* gsi */
	HOST_IRQFD_RESAMPLED = 6,/* gsi */
	HOST_DEVICE_ATTR = 7,    /* device (0 vgic, 1 its), index, group, attr, set, value, bytes */
	HOST_MIGRATE = 8,
	HOST_VCPU_RUN = 9,       /* cpu, pcpu */
	HOST_VCPU_EXIT = 10,     /* cpu */
	HOST_VCPU_PUT = 11,      /* cpu */
	HOST_UNPARK = 12,        /* cpu */
};

struct host_op {
	u32 kind, nwords;
	const u64 *w;
};

/* ---- the VM (vm.c) ---- */
struct vm;

enum vmm_exit_kind {
	VMM_EXIT_HOST, VMM_EXIT_WAIT, VMM_EXIT_NEXT, VMM_EXIT_GROUP, VMM_EXIT_SYSTEM_EVENT, VMM_EXIT_INTR, VMM_EXIT_OTHER,
	VMM_EXIT_KINDS
};
extern const char *const vmm_exit_names[VMM_EXIT_KINDS];
enum vmm_exit_kind vmm_exit_kind(const struct kvm_run *run);

/* One thread runs every vCPU, one at a time (the agent's ops are sequential anyway): a vCPU that
 * is not running is out of KVM_RUN, stopped at its last MMIO exit, which completes when it next
 * runs. Only an op group (group.c) runs several at once, each from a thread of its own. */
struct vcpu {
	struct vm *vm;
	int index, fd;
	struct kvm_run *run;
	size_t run_size;
	int parked;   /* vcpu.put: not run until its next op lets it back in */
	int granted;  /* DOORBELL_NEXT gave it a turn it has not taken yet */
	int started;  /* has been run once */
	int pin;      /* L1 CPU it runs on (vcpu.run's pcpu), -1: wherever the thread is */
};

struct gsi_fds {
	u32 gsi;
	int efd, rfd; /* eventfd, resamplefd (-1 when none) */
	int assigned, resample;
};

struct vm {
	int kvm, fd, vgic, its[MAX_ITS];
	struct run_request cfg;
	u8 *mem;     /* guest RAM from RAM_BASE */
	u64 mem_size;
	struct vcpu *vcpus;
	struct host_op *host;
	u32 nhost;
	/* saved routing (a migrate re-applies it) */
	struct kvm_irq_routing *routing;
	struct gsi_fds fds[MAX_GSI_FDS];
	int nfds;

	/* the turn scheduler (vm.c) */
	int owner;      /* vCPU of the record published last (-1: none, or the run is over) */
	int preempted;  /* the vCPU that published it, stopped at its DOORBELL_NEXT write (-1: none) */
	int booted;     /* the agent granted its first turn (the secondaries are online) */
	struct timespec booted_at;
	int thread_cpu; /* the L1 CPU the thread is pinned to (-1: not pinned) */
	int quiet;      /* the last DOORBELL_NEXT said nobody can have woken (no wake-up checks) */

	int done;        /* the run ended */
	int status;
	u32 exits;
	u32 exits_by[VMM_EXIT_KINDS]; /* exits to us by kind (vmm_exit_kind) */
	/* where migrate's time went (migrate.c), summed over the run's migrates: wall and thread
	 * CPU microseconds of each phase (enum migrate_phase) */
	u64 migrate_us[7], migrate_cpu_us[7];
	char error[512];
};

/* vm.c */
int vmm_time_up(void);
void vm_fail_status(struct vm *vm, int status);
int vm_run_scenario(int kvm, const struct run_request *req, const u8 *ops, const u8 *host,
		    char **text, u32 *text_len, struct run_result *res);
void vm_reap(void);
void vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void console_printf(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vm_create_kvm_vm(struct vm *vm);
int vm_create_vcpu(struct vm *vm, struct vcpu *v, int index);
int vm_create_gic(struct vm *vm);
void park(struct vm *vm, struct vcpu *self, int cpu);
void unpark(struct vm *vm, int cpu);
void complete_pending_mmio(struct vm *vm);

/* hostops.c */
void host_op_run(struct vm *vm, struct vcpu *self, u64 result_index, u32 op_index);
/* a host member of a group (its own thread): result line "R<k>.<member> J ..." */
void host_op_run_member(struct vm *vm, u64 result_index, u32 member, u32 op_index);
int device_attr(int fd, int set, u32 group, u64 attr, u64 *value);

/* group.c */
void group_run(struct vm *vm, struct vcpu *owner, u64 result_index, u32 record_offset);
void group_run_member_vcpu(struct vm *vm, struct vcpu *v);

/* klog.c */
void klog_open(void);
int klog_available(void);
unsigned long klog_taint(void);
void klog_collect(char tag, char **out, u32 *len);
void klog_test_hooks(u32 flags, const u8 *text, u32 len);

/* migrate.c */
enum migrate_phase { MIGRATE_PAUSE, MIGRATE_SAVE, MIGRATE_CREATE, MIGRATE_VCPUS, MIGRATE_GIC, MIGRATE_ITS, MIGRATE_CLOSE, MIGRATE_PHASES };
extern const char *const migrate_phase_names[MIGRATE_PHASES];
void migrate(struct vm *vm, u64 result_index);

#endif
