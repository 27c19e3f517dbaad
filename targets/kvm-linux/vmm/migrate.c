/* migrate as a VMM does it with KVM's documented interfaces: stop every vCPU, save the vGIC
 * through its device attributes (arm-vgic-v3.rst: DIST_REGS, REDIST_REGS, CPU_SYSREGS,
 * LEVEL_INFO), the ITS tables into guest RAM (arm-vgic-its.rst: KVM_DEV_ARM_ITS_SAVE_TABLES) and
 * the GITS_* registers, the LPI pending tables (KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES), every vCPU
 * register (api.rst: KVM_GET_REG_LIST, KVM_GET_ONE_REG, KVM_GET_MP_STATE); then a fresh VM on the
 * same guest RAM, restored in the documented order: vCPUs and their registers, distributor,
 * redistributors, CPU interfaces, line levels, then per ITS GITS_CBASER, the other GITS_*
 * registers but GITS_CTLR, KVM_DEV_ARM_ITS_RESTORE_TABLES, GITS_CTLR; finally the routing table
 * and the irqfds (the VMM's own state). The vCPUs then run on in the new VM.
 *
 * Result {"errno": [ITS_SAVE_TABLES of each ITS..., SAVE_PENDING_TABLES, ITS_RESTORE_TABLES of
 * each ITS...]}; a register step that fails ends the run with an error naming it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vmm.h"

struct saved_reg {
	u32 group, vcpu;
	u64 attr, value;
};

struct saved {
	struct saved_reg *r;
	size_t n, cap;
};

static void push(struct saved *s, u32 group, u32 vcpu, u64 attr, u64 value)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->r = realloc(s->r, s->cap * sizeof(*s->r));
	}
	s->r[s->n++] = (struct saved_reg){ group, vcpu, attr, value };
}

static u64 mpidr_attr(u32 i)
{
	/* KVM's vCPU MPIDR: Aff0 = i & 15, Aff1 = i >> 4 (the attr carries Aff3.Aff2.Aff1.Aff0 in 63:32) */
	return ((u64)(((i >> 4) & 0xff) << 8 | (i & 15))) << 32;
}

/* distributor registers, restore order: IIDR and CTLR first, enables last (so that pending state
 * lands in a configured distributor); the write-1-to-set ones are cleared with their -1-to-clear
 * twin first (a fresh VM is not all clear) */
static size_t dist_offsets(u32 nr_irqs, u32 *out)
{
	size_t n = 0;
	u32 words = nr_irqs / 32;
	out[n++] = 0x8;
	out[n++] = 0x0;
	for (u32 i = 1; i < words; i++) out[n++] = 0x80 + 4 * i;      /* IGROUPR */
	for (u32 i = 2; i < words * 2; i++) out[n++] = 0xc00 + 4 * i; /* ICFGR */
	for (u32 i = 8; i < nr_irqs / 4; i++) out[n++] = 0x400 + 4 * i; /* IPRIORITYR */
	for (u32 i = 32; i < nr_irqs; i++) out[n++] = 0x6000 + 8 * i; /* IROUTER (low word) */
	for (u32 i = 1; i < words; i++) out[n++] = 0x200 + 4 * i;     /* ISPENDR */
	for (u32 i = 1; i < words; i++) out[n++] = 0x300 + 4 * i;     /* ISACTIVER */
	for (u32 i = 1; i < words; i++) out[n++] = 0x100 + 4 * i;     /* ISENABLER */
	return n;
}

static const u32 redist_offsets[] = {
	0x70, 0x74, 0x78, 0x7c, /* PROPBASER, PENDBASER */
	0x10080, 0x10c00, 0x10c04, 0x10400, 0x10404, 0x10408, 0x1040c, 0x10410, 0x10414, 0x10418, 0x1041c,
	0x10200, 0x10300, 0x10100, /* ISPENDR0, ISACTIVER0, ISENABLER0 */
	0x0, /* GICR_CTLR last: EnableLPIs once the tables are known */
};

/* ICC_* as KVM_REG_ARM64_SYSREG encodings (op0 15:14, op1 13:11, CRn 10:7, CRm 6:3, op2 2:0) */
#define SYSREG(op0, op1, crn, crm, op2) (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
static const u32 icc_regs[] = {
	SYSREG(3, 0, 12, 12, 5), /* SRE */
	SYSREG(3, 0, 12, 12, 4), /* CTLR */
	SYSREG(3, 0, 4, 6, 0),   /* PMR */
	SYSREG(3, 0, 12, 8, 3),  /* BPR0 */
	SYSREG(3, 0, 12, 12, 3), /* BPR1 */
	SYSREG(3, 0, 12, 8, 4), SYSREG(3, 0, 12, 8, 5), SYSREG(3, 0, 12, 8, 6), SYSREG(3, 0, 12, 8, 7), /* AP0R<n> */
	SYSREG(3, 0, 12, 9, 0), SYSREG(3, 0, 12, 9, 1), SYSREG(3, 0, 12, 9, 2), SYSREG(3, 0, 12, 9, 3), /* AP1R<n> */
	SYSREG(3, 0, 12, 12, 6), /* IGRPEN0 */
	SYSREG(3, 0, 12, 12, 7), /* IGRPEN1 */
};

static const u32 its_restore_order[] = {
	0x90 /* CREADR */, 0x88 /* CWRITER */, 0x100, 0x108, 0x110, 0x118, 0x120, 0x128, 0x130, 0x138 /* BASER<n> */,
	0x4 /* IIDR */,
};

const char *const migrate_phase_names[MIGRATE_PHASES] = {
	[MIGRATE_PAUSE] = "pause", [MIGRATE_SAVE] = "save", [MIGRATE_CREATE] = "create", [MIGRATE_VCPUS] = "vcpus", [MIGRATE_GIC] = "gic", [MIGRATE_ITS] = "its", [MIGRATE_CLOSE] = "close",
};

/* the phase that ends now: its wall and CPU time added to the run's counters */
struct phase_clock {
	struct timespec wall, cpu;
};

static void phase_start(struct phase_clock *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->wall);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c->cpu);
}

static void phase_end(struct vm *vm, struct phase_clock *c, enum migrate_phase p)
{
	struct timespec w, t;
	clock_gettime(CLOCK_MONOTONIC, &w);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	vm->migrate_us[p] += (u64)((w.tv_sec - c->wall.tv_sec) * 1000000L + (w.tv_nsec - c->wall.tv_nsec) / 1000);
	vm->migrate_cpu_us[p] += (u64)((t.tv_sec - c->cpu.tv_sec) * 1000000L + (t.tv_nsec - c->cpu.tv_nsec) / 1000);
	*c = (struct phase_clock){ w, t };
}

static int is_set_register(u32 off)
{
	u32 o = off & 0xffff;
	return (o >= 0x100 && o < 0x180) || (o >= 0x200 && o < 0x280) || (o >= 0x300 && o < 0x380);
}

struct vcpu_regs {
	u64 *ids;
	u8 *values; /* 256 bytes a register: the largest KVM_REG_SIZE we meet */
	u64 n;
	struct kvm_mp_state mp;
};

static int save_vcpu(struct vm *vm, struct vcpu *v, struct vcpu_regs *r)
{
	struct kvm_reg_list probe = { .n = 0 };
	ioctl(v->fd, KVM_GET_REG_LIST, &probe); /* E2BIG, with n set */
	struct kvm_reg_list *list = calloc(1, sizeof(*list) + probe.n * sizeof(u64));
	list->n = probe.n;
	if (ioctl(v->fd, KVM_GET_REG_LIST, list) < 0) {
		vm_fail(vm, "migrate: KVM_GET_REG_LIST of vCPU %d: %s", v->index, strerror(errno));
		free(list);
		return -1;
	}
	r->n = list->n;
	r->ids = malloc(r->n * sizeof(u64));
	r->values = calloc(r->n, 256);
	for (u64 i = 0; i < r->n; i++) {
		r->ids[i] = list->reg[i];
		struct kvm_one_reg one = { .id = list->reg[i], .addr = (u64)(uintptr_t)(r->values + i * 256) };
		u64 size = 1ULL << ((list->reg[i] & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
		if (size > 256 || ioctl(v->fd, KVM_GET_ONE_REG, &one) < 0) {
			vm_fail(vm, "migrate: KVM_GET_ONE_REG 0x%llx of vCPU %d: %s", (unsigned long long)list->reg[i], v->index,
				size > 256 ? "too large" : strerror(errno));
			free(list);
			return -1;
		}
	}
	free(list);
	if (ioctl(v->fd, KVM_GET_MP_STATE, &r->mp) < 0) {
		vm_fail(vm, "migrate: KVM_GET_MP_STATE of vCPU %d: %s", v->index, strerror(errno));
		return -1;
	}
	return 0;
}

static int restore_vcpu(struct vm *vm, int fd, int index, const struct vcpu_regs *r)
{
	for (u64 i = 0; i < r->n; i++) {
		struct kvm_one_reg one = { .id = r->ids[i], .addr = (u64)(uintptr_t)(r->values + i * 256) };
		if (ioctl(fd, KVM_SET_ONE_REG, &one) < 0) {
			vm_fail(vm, "migrate: KVM_SET_ONE_REG 0x%llx of vCPU %d: %s", (unsigned long long)r->ids[i], index, strerror(errno));
			return -1;
		}
	}
	if (ioctl(fd, KVM_SET_MP_STATE, &r->mp) < 0) {
		vm_fail(vm, "migrate: KVM_SET_MP_STATE of vCPU %d: %s", index, strerror(errno));
		return -1;
	}
	return 0;
}

void migrate(struct vm *vm, u64 k)
{
	int errs[2 * MAX_ITS + 1], nerr = 0;
	u32 nr = vm->cfg.nr_irqs, nv = vm->cfg.vcpus;
	struct saved s = { 0 };
	struct vcpu_regs *regs = calloc(nv, sizeof(*regs));
	u32 *offs = malloc(sizeof(u32) * (8 + 6 * nr));
	size_t noffs = dist_offsets(nr, offs);
	u64 val;
	int e;

	/* every vCPU is out of KVM_RUN; those stopped at an MMIO exit (the doorbell's write, the idle
	 * vCPUs' DOORBELL_WAIT reads) complete it first, so that the saved PCs are past it */
	struct phase_clock clk;
	phase_start(&clk);
	complete_pending_mmio(vm);
	phase_end(vm, &clk, MIGRATE_PAUSE);

	/* ---- save ---- */
	for (size_t i = 0; i < noffs; i++) {
		val = 0;
		if ((e = device_attr(vm->vgic, 0, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offs[i], &val))) {
			vm_fail(vm, "migrate: saving GICD offset 0x%x: %s", offs[i], strerror(-e));
			goto out;
		}
		push(&s, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0, offs[i], val & 0xffffffffULL);
	}
	for (u32 v = 0; v < nv; v++) {
		for (size_t i = 0; i < sizeof(redist_offsets) / sizeof(redist_offsets[0]); i++) {
			val = 0;
			u64 attr = mpidr_attr(v) | redist_offsets[i];
			if ((e = device_attr(vm->vgic, 0, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, attr, &val))) {
				vm_fail(vm, "migrate: saving GICR offset 0x%x of vCPU %u: %s", redist_offsets[i], v, strerror(-e));
				goto out;
			}
			push(&s, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, v, attr, val & 0xffffffffULL);
		}
		for (size_t i = 0; i < sizeof(icc_regs) / sizeof(icc_regs[0]); i++) {
			u64 attr = mpidr_attr(v) | icc_regs[i];
			/* APRs beyond the implemented priority bits do not exist: skipped */
			if (device_attr(vm->vgic, 0, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, attr, &val) == 0)
				push(&s, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, v, attr, val);
		}
		for (u32 intid = 0; intid < nr && (intid < 32 || v == 0); intid += 32) {
			u64 attr = mpidr_attr(v) | intid;
			val = 0;
			if ((e = device_attr(vm->vgic, 0, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, attr, &val))) {
				vm_fail(vm, "migrate: saving the line levels of INTIDs %u.. of vCPU %u: %s", intid, v, strerror(-e));
				goto out;
			}
			push(&s, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, v, attr, val & 0xffffffffULL);
		}
	}
	for (u32 i = 0; i < vm->cfg.its; i++)
		errs[nerr++] = device_attr(vm->its[i], 1, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_SAVE_TABLES, NULL);
	for (u32 i = 0; i < vm->cfg.its; i++) {
		u32 all[1 + 11 + 1] = { 0x80 };
		memcpy(all + 1, its_restore_order, sizeof(its_restore_order));
		all[12] = 0x0;
		for (int j = 0; j < 13; j++) {
			val = 0;
			if ((e = device_attr(vm->its[i], 0, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, all[j], &val))) {
				vm_fail(vm, "migrate: saving GITS offset 0x%x of ITS %u: %s", all[j], i, strerror(-e));
				goto out;
			}
			push(&s, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, i, all[j], val);
		}
	}
	errs[nerr++] = device_attr(vm->vgic, 1, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, NULL);
	for (u32 v = 0; v < nv; v++)
		if (save_vcpu(vm, &vm->vcpus[v], &regs[v]))
			goto out;

	phase_end(vm, &clk, MIGRATE_SAVE);

	/* ---- restore into a fresh VM on the same guest RAM ---- */
	struct vm fresh;
	memset(&fresh, 0, sizeof(fresh));
	fresh.kvm = vm->kvm;
	fresh.cfg = vm->cfg;
	fresh.mem = vm->mem;
	fresh.mem_size = vm->mem_size;
	fresh.fd = fresh.vgic = -1;
	for (int i = 0; i < MAX_ITS; i++)
		fresh.its[i] = -1;
	struct vcpu *nvc = calloc(nv, sizeof(*nvc));
	int ok = vm_create_kvm_vm(&fresh) == 0;
	for (u32 v = 0; ok && v < nv; v++)
		ok = vm_create_vcpu(&fresh, &nvc[v], (int)v) == 0;
	ok = ok && vm_create_gic(&fresh) == 0;
	phase_end(vm, &clk, MIGRATE_CREATE);
	for (u32 v = 0; ok && v < nv; v++)
		ok = restore_vcpu(vm, nvc[v].fd, (int)v, &regs[v]) == 0;
	if (!ok && fresh.error[0])
		vm_fail(vm, "migrate: creating the destination VM: %s", fresh.error);
	phase_end(vm, &clk, MIGRATE_VCPUS);
	for (size_t i = 0; ok && i < s.n; i++) {
		struct saved_reg *r = &s.r[i];
		if (r->group == KVM_DEV_ARM_VGIC_GRP_ITS_REGS)
			continue;
		if ((r->group == KVM_DEV_ARM_VGIC_GRP_DIST_REGS || r->group == KVM_DEV_ARM_VGIC_GRP_REDIST_REGS) &&
		    is_set_register((u32)r->attr)) {
			val = 0xffffffffULL;
			device_attr(fresh.vgic, 1, r->group, r->attr + 0x80, &val);
		}
		val = r->value;
		if ((e = device_attr(fresh.vgic, 1, r->group, r->attr, &val))) {
			vm_fail(vm, "migrate: restoring group %u attr 0x%llx: %s", r->group, (unsigned long long)r->attr, strerror(-e));
			ok = 0;
		}
	}
	phase_end(vm, &clk, MIGRATE_GIC);
	for (u32 i = 0; ok && i < vm->cfg.its; i++) {
		u64 ctlr = 0;
		for (size_t j = 0; ok && j < s.n; j++) {
			struct saved_reg *r = &s.r[j];
			if (r->group != KVM_DEV_ARM_VGIC_GRP_ITS_REGS || r->vcpu != i)
				continue;
			if (r->attr == 0x0) {
				ctlr = r->value;
				continue;
			}
			val = r->value;
			if ((e = device_attr(fresh.its[i], 1, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, r->attr, &val))) {
				vm_fail(vm, "migrate: restoring GITS offset 0x%llx of ITS %u: %s", (unsigned long long)r->attr, i, strerror(-e));
				ok = 0;
			}
		}
		if (!ok)
			break;
		errs[nerr++] = device_attr(fresh.its[i], 1, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_RESTORE_TABLES, NULL);
		if ((e = device_attr(fresh.its[i], 1, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x0, &ctlr))) {
			vm_fail(vm, "migrate: restoring GITS_CTLR of ITS %u: %s", i, strerror(-e));
			ok = 0;
		}
	}
	/* the VMM's own interrupt plumbing: the routing table it last set, then its irqfds */
	if (ok && vm->routing && ioctl(fresh.fd, KVM_SET_GSI_ROUTING, vm->routing) < 0) {
		vm_fail(vm, "migrate: KVM_SET_GSI_ROUTING on the destination: %s", strerror(errno));
		ok = 0;
	}
	for (int i = 0; ok && i < vm->nfds; i++) {
		struct gsi_fds *f = &vm->fds[i];
		if (!f->assigned)
			continue;
		struct kvm_irqfd a;
		memset(&a, 0, sizeof(a));
		a.fd = (u32)f->efd;
		a.gsi = f->gsi;
		if (f->resample) {
			a.flags = KVM_IRQFD_FLAG_RESAMPLE;
			a.resamplefd = (u32)f->rfd;
		}
		if (ioctl(fresh.fd, KVM_IRQFD, &a) < 0) {
			vm_fail(vm, "migrate: KVM_IRQFD of GSI %u on the destination: %s", f->gsi, strerror(errno));
			ok = 0;
		}
	}
	if (!ok) {
		for (u32 v = 0; v < nv; v++) {
			if (nvc[v].run)
				munmap(nvc[v].run, nvc[v].run_size);
			if (nvc[v].fd > 0)
				close(nvc[v].fd);
		}
		for (u32 i = 0; i < vm->cfg.its; i++)
			if (fresh.its[i] > 0)
				close(fresh.its[i]);
		if (fresh.vgic > 0)
			close(fresh.vgic);
		if (fresh.fd > 0)
			close(fresh.fd);
		free(nvc);
		goto out;
	}
	phase_end(vm, &clk, MIGRATE_ITS);
	/* the old VM goes; its vCPUs run on in the new one */
	for (u32 v = 0; v < nv; v++) {
		struct vcpu *old = &vm->vcpus[v];
		munmap(old->run, old->run_size);
		close(old->fd);
		old->fd = nvc[v].fd;
		old->run = nvc[v].run;
		old->run_size = nvc[v].run_size;
	}
	for (u32 i = 0; i < vm->cfg.its; i++) {
		close(vm->its[i]);
		vm->its[i] = fresh.its[i];
	}
	close(vm->vgic);
	vm->vgic = fresh.vgic;
	close(vm->fd);
	vm->fd = fresh.fd;
	free(nvc);
	phase_end(vm, &clk, MIGRATE_CLOSE);
	{
		char b[160];
		int n = snprintf(b, sizeof(b), "{\"errno\":[");
		for (int i = 0; i < nerr; i++)
			n += snprintf(b + n, sizeof(b) - (size_t)n, "%s%d", i ? "," : "", errs[i]);
		snprintf(b + n, sizeof(b) - (size_t)n, "]}");
		if (k != 0xffffffffULL)
			console_printf(vm, "R%llx J %s\n", (unsigned long long)k, b);
	}
out:
	for (u32 v = 0; v < nv; v++) {
		free(regs[v].ids);
		free(regs[v].values);
	}
	free(regs);
	free(offs);
	free(s.r);
}
