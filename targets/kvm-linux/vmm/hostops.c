/* Host ops: what a VMM, a device or the host scheduler does, each with the real ioctl, run when
 * the agent rings the doorbell (every vCPU is out of KVM_RUN meanwhile: vm.c runs one at a time),
 * or, for a host member of an op group, from a thread of its own while the group's vCPUs run. The result line goes
 * to the agent's memory console as "R<k> J <json>" (DESIGN of the scenario format: errno, the
 * ioctl's return, null, a bool, {"errno","value"}). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "vmm.h"

#define NO_RESULT 0xffffffffULL

/* the group member this thread runs (-1: not a group's) */
static __thread int member = -1;
/* the VMM's own records of the GSIs' eventfds: host members of a group make them at once */
static pthread_mutex_t fds_lock = PTHREAD_MUTEX_INITIALIZER;

static void result(struct vm *vm, u64 k, const char *json)
{
	if (k == NO_RESULT)
		return;
	if (member >= 0)
		console_printf(vm, "R%llx.%x J %s\n", (unsigned long long)k, member, json);
	else
		console_printf(vm, "R%llx J %s\n", (unsigned long long)k, json);
}

static void result_int(struct vm *vm, u64 k, long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%ld", v);
	result(vm, k, b);
}

static struct gsi_fds *fds_of(struct vm *vm, u32 gsi, int create)
{
	struct gsi_fds *f = NULL;
	pthread_mutex_lock(&fds_lock);
	for (int i = 0; i < vm->nfds && !f; i++)
		if (vm->fds[i].gsi == gsi)
			f = &vm->fds[i];
	if (!f && create && vm->nfds < MAX_GSI_FDS) {
		f = &vm->fds[vm->nfds];
		memset(f, 0, sizeof(*f));
		f->gsi = gsi;
		f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		f->rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		__atomic_store_n(&vm->nfds, vm->nfds + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&fds_lock);
	return f;
}

/* KVM_IRQFD: one eventfd per GSI with its resamplefd, handed to KVM again while the irqfd is
 * assigned (a second assign of the GSI gets the same eventfd: -EBUSY); a deassign closes them, so
 * that the next assign has fds of its own, as the model's irqfd has (model/kvm-abi.ts irqfd). */
static int irqfd(struct vm *vm, u32 gsi, int resample, int deassign)
{
	struct gsi_fds *f = fds_of(vm, gsi, 1);
	if (!f)
		return -ENOSPC;
	if (f->efd < 0) {
		f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		f->rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	struct kvm_irqfd a;
	memset(&a, 0, sizeof(a));
	a.fd = (u32)f->efd;
	a.gsi = gsi;
	if (deassign) {
		a.flags = KVM_IRQFD_FLAG_DEASSIGN;
	} else if (resample) {
		a.flags = KVM_IRQFD_FLAG_RESAMPLE;
		a.resamplefd = (u32)f->rfd;
	}
	int r = ioctl(vm->fd, KVM_IRQFD, &a);
	if (r < 0)
		return -errno;
	if (deassign) {
		f->assigned = 0;
		close(f->efd);
		close(f->rfd);
		f->efd = f->rfd = -1;
	} else {
		f->assigned = 1;
		f->resample = resample;
	}
	return 0;
}

/* irqfd.signal: write the eventfd of the GSI's irqfd. KVM injects from its wakeup callback or,
 * when that cannot be done atomically, from a work item: give that a moment (quiescence between
 * ops). With no irqfd assigned the signal reaches nothing: an eventfd written before its
 * KVM_IRQFD would count, and KVM would inject at the assignment (virt/kvm/eventfd.c
 * kvm_irqfd_assign injects an event pending on the eventfd), which is not what the op means. */
static void irqfd_signal(struct vm *vm, u32 gsi)
{
	struct gsi_fds *f = fds_of(vm, gsi, 0);
	if (!f || !f->assigned)
		return;
	u64 one = 1;
	if (write(f->efd, &one, 8) != 8)
		return;
	sched_yield();
	usleep(2000);
}

static int irqfd_resampled(struct vm *vm, u32 gsi)
{
	struct gsi_fds *f = fds_of(vm, gsi, 0);
	u64 v;
	if (!f || f->rfd < 0)
		return 0;
	return read(f->rfd, &v, 8) == 8 && v != 0;
}

static int set_gsi_routing(struct vm *vm, const struct host_op *op)
{
	u64 n = op->nwords ? op->w[0] : 0;
	if (op->nwords < 1 + n * 6)
		return -EINVAL;
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + n * sizeof(struct kvm_irq_routing_entry));
	r->nr = (u32)n;
	for (u64 i = 0; i < n; i++) {
		const u64 *e = op->w + 1 + i * 6;
		struct kvm_irq_routing_entry *x = &r->entries[i];
		x->gsi = (u32)e[0];
		x->type = (u32)e[1];
		x->flags = (u32)e[2];
		if (x->type == KVM_IRQ_ROUTING_IRQCHIP) {
			x->u.irqchip.irqchip = (u32)e[3];
			x->u.irqchip.pin = (u32)e[4];
		} else if (x->type == KVM_IRQ_ROUTING_MSI) {
			x->u.msi.address_lo = (u32)e[3];
			x->u.msi.address_hi = (u32)(e[3] >> 32);
			x->u.msi.data = (u32)e[4];
			x->u.msi.devid = (u32)e[5];
		}
	}
	int ret = ioctl(vm->fd, KVM_SET_GSI_ROUTING, r) < 0 ? -errno : 0;
	if (ret == 0) {
		free(vm->routing);
		vm->routing = r;
	} else {
		free(r);
	}
	return ret;
}

static void device_attr_op(struct vm *vm, u64 k, const struct host_op *op)
{
	if (op->nwords < 7) {
		result(vm, k, "{\"errno\":-22}");
		return;
	}
	u32 device = (u32)op->w[0], index = (u32)op->w[1], group = (u32)op->w[2];
	u64 attr = op->w[3];
	int set = (int)op->w[4];
	u32 bytes = (u32)op->w[6];
	int fd = device == 0 ? vm->vgic : (index < vm->cfg.its ? vm->its[index] : -1);
	if (fd < 0) {
		result(vm, k, "{\"errno\":-6}"); /* no such ITS device */
		return;
	}
	u64 value = set ? op->w[5] : 0;
	if (bytes == 4)
		value &= 0xffffffffULL; /* the kernel reads or writes a u32 there (little-endian) */
	/* a VMM stops its vCPUs before touching device state (KVM returns -EBUSY while one runs):
	 * here none is in KVM_RUN */
	int e = device_attr(fd, set, group, attr, group == KVM_DEV_ARM_VGIC_GRP_CTRL ? NULL : &value);
	/* in a group, vCPUs with members may be in KVM_RUN (KVM answers -EBUSY then): wait for
	 * them, as a VMM pauses its vCPUs before it touches device state (bounded: 2 s) */
	for (int tries = 0; e == -EBUSY && member >= 0 && tries < 2000; tries++) {
		usleep(1000);
		value = set ? op->w[5] : 0;
		if (bytes == 4)
			value &= 0xffffffffULL;
		e = device_attr(fd, set, group, attr, group == KVM_DEV_ARM_VGIC_GRP_CTRL ? NULL : &value);
	}
	if (bytes == 4)
		value &= 0xffffffffULL;
	char b[96];
	if (!set && e == 0 && group != KVM_DEV_ARM_VGIC_GRP_CTRL)
		snprintf(b, sizeof(b), "{\"errno\":0,\"value\":\"0x%llx\"}", (unsigned long long)value);
	else
		snprintf(b, sizeof(b), "{\"errno\":%d}", e);
	result(vm, k, b);
}

/* vcpu.run: the vCPU runs on L1 CPU pcpu (mod the CPUs there); vm.c moves the thread there before
 * its next KVM_RUN, and KVM puts and loads the vCPU on that move */
static void vcpu_run_op(struct vm *vm, u32 cpu, u32 pcpu)
{
	unpark(vm, (int)cpu);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	vm->vcpus[cpu].pin = (int)(pcpu % (u32)ncpu);
}

void host_op_run_member(struct vm *vm, u64 k, u32 m, u32 index)
{
	member = (int)m;
	host_op_run(vm, NULL, k, index);
	member = -1;
}

void host_op_run(struct vm *vm, struct vcpu *self, u64 k, u32 index)
{
	if (index >= vm->nhost) {
		vm_fail(vm, "the agent rang for host op %u, the table has %u", index, vm->nhost);
		return;
	}
	const struct host_op *op = &vm->host[index];
	const u64 *w = op->w;
	u32 cpu = op->nwords ? (u32)w[0] : 0;
	switch (op->kind) {
	case HOST_IRQ_LINE: {
		struct kvm_irq_level l = { .irq = (u32)w[0], .level = (u32)w[1] };
		result_int(vm, k, ioctl(vm->fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0);
		break;
	}
	case HOST_SIGNAL_MSI: {
		struct kvm_msi m;
		memset(&m, 0, sizeof(m));
		m.address_lo = (u32)w[0];
		m.address_hi = (u32)(w[0] >> 32);
		m.data = (u32)w[1];
		m.devid = (u32)w[2];
		m.flags = (u32)w[3];
		int r = ioctl(vm->fd, KVM_SIGNAL_MSI, &m);
		result_int(vm, k, r < 0 ? -errno : r);
		break;
	}
	case HOST_SET_GSI_ROUTING:
		result_int(vm, k, set_gsi_routing(vm, op));
		break;
	case HOST_IRQFD:
		result_int(vm, k, irqfd(vm, (u32)w[0], (int)w[1], (int)w[2]));
		break;
	case HOST_IRQFD_SIGNAL:
		irqfd_signal(vm, (u32)w[0]);
		result(vm, k, "null");
		break;
	case HOST_IRQFD_RESAMPLED:
		result(vm, k, irqfd_resampled(vm, (u32)w[0]) ? "true" : "false");
		break;
	case HOST_DEVICE_ATTR:
		device_attr_op(vm, k, op);
		break;
	case HOST_MIGRATE:
		migrate(vm, k);
		break;
	case HOST_VCPU_RUN:
		if (cpu < vm->cfg.vcpus)
			vcpu_run_op(vm, cpu, (u32)w[1]);
		result(vm, k, "null");
		break;
	case HOST_VCPU_EXIT:
		/* out of KVM_RUN and back in: every vCPU is out already (the doorbell's by its exit, the
		 * others since their last exit) and goes back in at its next turn */
		result(vm, k, "null");
		break;
	case HOST_VCPU_PUT:
		if (cpu < vm->cfg.vcpus)
			park(vm, self, (int)cpu);
		result(vm, k, "null");
		break;
	case HOST_UNPARK:
		if (cpu < vm->cfg.vcpus)
			unpark(vm, (int)cpu);
		break;
	default:
		vm_fail(vm, "host op %u has unknown kind %u", index, op->kind);
	}
}
