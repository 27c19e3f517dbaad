/* Op groups (docs/scenario-format.md, "Concurrent ops"): ops that run at the same time. The
 * agent's owner of a GROUP record rings DOORBELL_GROUP; from then on every vCPU with a member op
 * runs in a thread of its own (KVM_RUN from several threads at once, as a VMM with a thread per
 * vCPU does) and every host member is an ioctl from a thread of its own, all released together.
 * The vCPUs run their members and ring DOORBELL_GROUP_DONE; once every thread is done the single
 * scheduler thread (vm.c) goes on with the owner. Nothing orders the members: the kernel's locks
 * and the two L1 CPUs decide, which is the point (races in the ITS and LPI lifetime paths). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "vmm.h"

struct rec_header {
	u8 kind, cpu, width, flags;
	u32 size;
	u64 a, b;
};

struct member_thread {
	pthread_t th;
	struct vm *vm;
	struct vcpu *vcpu; /* a vCPU with members, or NULL for a host member */
	u32 host_index, member;
	u64 k;
	int started, finished;
};

/* the threads start together once all exist (go), and say when they are done */
static int go;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;

/* A vCPU thread runs on the L1 CPU its vcpu.run chose, else on any (threads inherit the
 * scheduler thread's pinning, which would put every member on one CPU). */
static void place_thread(struct vcpu *v)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (v && v->pin >= 0) {
		CPU_SET(v->pin, &set);
	} else {
		for (long i = 0; i < n && i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

/* Runs vCPU v until it rings DOORBELL_GROUP_DONE (or the run ends). */
void group_run_member_vcpu(struct vm *vm, struct vcpu *v)
{
	u32 idle_waits = 0;
	v->started = 1;
	while (!vm->done) {
		if (vmm_time_up()) {
			vm_fail_status(vm, RUN_TIMEOUT);
			return;
		}
		int r = ioctl(v->fd, KVM_RUN, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_fail(vm, "KVM_RUN on vCPU %d (group member): %s", v->index, strerror(errno));
			return;
		}
		__atomic_fetch_add(&vm->exits, 1, __ATOMIC_RELAXED);
		struct kvm_run *run = v->run;
		__atomic_fetch_add(&vm->exits_by[vmm_exit_kind(run)], 1, __ATOMIC_RELAXED);
		if (run->exit_reason == KVM_EXIT_MMIO) {
			u64 addr = run->mmio.phys_addr;
			if (addr == DOORBELL_ADDR + DOORBELL_GROUP_DONE && run->mmio.is_write)
				return;
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
			/* an idle wait: the agent looks at the group again (bounded: a vCPU that never
			 * finds its members is a broken run, not a hang) */
			if (addr == DOORBELL_ADDR + DOORBELL_WAIT && ++idle_waits > 100000) {
				vm_fail(vm, "vCPU %d never found its members of the group", v->index);
				return;
			}
			if (addr == DOORBELL_ADDR || addr == DOORBELL_ADDR + DOORBELL_NEXT || addr == DOORBELL_ADDR + DOORBELL_GROUP) {
				vm_fail(vm, "vCPU %d rang doorbell 0x%llx inside a group", v->index, (unsigned long long)(addr - DOORBELL_ADDR));
				return;
			}
		} else if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
			vm_fail_status(vm, RUN_OK);
			return;
		} else if (run->exit_reason != KVM_EXIT_INTR) {
			vm_fail(vm, "vCPU %d: unexpected KVM exit reason %u in a group", v->index, run->exit_reason);
			return;
		}
	}
}

static void *member_main(void *arg)
{
	struct member_thread *t = arg;
	place_thread(t->vcpu);
	pthread_mutex_lock(&done_lock);
	while (!go)
		pthread_cond_wait(&done_cond, &done_lock);
	pthread_mutex_unlock(&done_lock);
	if (t->vcpu)
		group_run_member_vcpu(t->vm, t->vcpu);
	else
		host_op_run_member(t->vm, t->k, t->member, t->host_index);
	pthread_mutex_lock(&done_lock);
	t->finished = 1;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
	return NULL;
}

/* The group whose record is at byte `off` of the ops buffer, result index k, started by `owner`. */
void group_run(struct vm *vm, struct vcpu *owner, u64 k, u32 off)
{
	const u8 *ops = vm->mem + (OPS_BASE - RAM_BASE);
	struct rec_header g;
	if ((u64)off + sizeof(g) > vm->cfg.ops_len) {
		vm_fail(vm, "group record at byte %u is outside the ops buffer", off);
		return;
	}
	memcpy(&g, ops + off, sizeof(g));
	if (g.kind != OP_GROUP || (u64)off + g.size > vm->cfg.ops_len || g.a > 64) {
		vm_fail(vm, "no group record at byte %u", off);
		return;
	}
	struct member_thread t[64 + AGENT_MAX_CPUS];
	u32 n = 0, owner_has_members = 0;
	u8 seen[AGENT_MAX_CPUS] = { 0 };
	u32 pos = off + REC_HEADER_BYTES;
	for (u32 m = 0; m < g.a; m++) {
		struct rec_header r;
		if ((u64)pos + sizeof(r) > (u64)off + g.size) {
			vm_fail(vm, "group at byte %u: member %u runs past the record", off, m);
			return;
		}
		memcpy(&r, ops + pos, sizeof(r));
		if (r.size < REC_HEADER_BYTES || (u64)pos + r.size > (u64)off + g.size) {
			vm_fail(vm, "group at byte %u: member %u has a bad size", off, m);
			return;
		}
		pos += r.size;
		memset(&t[n], 0, sizeof(t[n]));
		t[n].vm = vm;
		t[n].k = k;
		t[n].member = m;
		if (r.kind == OP_HOST) {
			t[n].host_index = (u32)r.a;
			n++;
		} else if (r.cpu >= vm->cfg.vcpus) {
			vm_fail(vm, "group at byte %u: member %u names vCPU %u", off, m, r.cpu);
			return;
		} else if (&vm->vcpus[r.cpu] == owner) {
			owner_has_members = 1;
		} else if (!seen[r.cpu]) {
			seen[r.cpu] = 1;
			t[n].vcpu = &vm->vcpus[r.cpu];
			n++;
		}
	}
	go = 0;
	for (u32 i = 0; i < n; i++) {
		if (pthread_create(&t[i].th, NULL, member_main, &t[i]) == 0)
			t[i].started = 1;
		else
			vm_fail(vm, "cannot start a thread for member %u of a group", t[i].member);
	}
	pthread_mutex_lock(&done_lock);
	go = 1;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
	/* the owner, if it has members, runs on this thread */
	if (owner_has_members && !vm->done) {
		place_thread(owner);
		vm->thread_cpu = -1;
		group_run_member_vcpu(vm, owner);
	}
	/* wait for every member; once the time is up (or the run ended), kick the vCPU threads out of
	 * KVM_RUN (SIGALRM: no SA_RESTART, so KVM_RUN returns EINTR) until they give up */
	pthread_mutex_lock(&done_lock);
	for (;;) {
		u32 left = 0;
		for (u32 i = 0; i < n; i++)
			left += t[i].started && !t[i].finished;
		if (!left)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 50 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&done_cond, &done_lock, &until);
		if (vmm_time_up() || vm->done)
			for (u32 i = 0; i < n; i++)
				if (t[i].started && !t[i].finished && t[i].vcpu)
					pthread_kill(t[i].th, SIGALRM);
	}
	pthread_mutex_unlock(&done_lock);
	for (u32 i = 0; i < n; i++)
		if (t[i].started)
			pthread_join(t[i].th, NULL);
}
