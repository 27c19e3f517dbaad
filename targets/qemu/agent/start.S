/*
 * gicdiff guest agent: entry points, EL1 set-up (identity-mapped MMU, vectors), PSCI calls.
 * Written for gicdiff from the Arm ARM's register descriptions (SCTLR_EL1, TCR_EL1, MAIR_EL1,
 * VMSAv8-64 block descriptors) and the PSCI specification (DEN0022: CPU_ON, SYSTEM_OFF).
 */
#include "protocol.h"

	.section .text.entry, "ax"
	.global _start
_start:
	/* the boot vCPU (QEMU enters the ELF entry point on vCPU 0 only) */
	mov	x19, #0
	b	common_entry

	.global secondary_entry
secondary_entry:
	/* PSCI CPU_ON passes our context id, the logical vCPU index, in x0 */
	mov	x19, x0

common_entry:
	msr	daifset, #0xf            /* interrupts stay masked at PSTATE for the whole run */
	mrs	x1, CurrentEL
	lsr	x1, x1, #2
	cmp	x1, #2
	b.eq	from_el2
	cmp	x1, #1
	b.ne	.                       /* EL3 entry is not supported: QEMU runs without secure=on */
	mov	x20, #0                 /* PSCI conduit: HVC (EL1 entry; EL2 is absent or KVM's) */
	b	el1_setup

from_el2:
	/* QEMU with virtualization=on: leave EL2 to EL1 with the GIC system registers usable */
	mov	x1, #(1 << 31)          /* HCR_EL2.RW: EL1 is AArch64; IMO/FMO = 0: IRQs stay physical */
	msr	hcr_el2, x1
	mrs	x1, S3_4_C12_C9_5       /* ICC_SRE_EL2 */
	orr	x1, x1, #0x1            /* SRE */
	orr	x1, x1, #0x8            /* Enable: lets EL1 use ICC_SRE_EL1 */
	msr	S3_4_C12_C9_5, x1
	mov	x1, #3                  /* CNTHCTL_EL2: EL1 may use the physical counter and timer */
	msr	cnthctl_el2, x1
	msr	cntvoff_el2, xzr
	mov	x1, #0x3c5              /* EL1h, DAIF masked */
	msr	spsr_el2, x1
	adr	x1, 1f
	msr	elr_el2, x1
	isb
	eret
1:	mov	x20, #1                 /* with EL2 present QEMU's PSCI conduit is SMC */

el1_setup:
	/* per-vCPU stack */
	ldr	x1, =agent_stacks
	add	x2, x19, #1
	mov	x3, #AGENT_STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1

	/* no FP/SIMD traps (the C code is general-regs-only, but be safe) */
	mov	x1, #(3 << 20)
	msr	cpacr_el1, x1

	ldr	x1, =agent_vectors
	msr	vbar_el1, x1

	/* the system-register GIC CPU interface: ICC_SRE_EL1.SRE = 1 (RAO/WI on QEMU and KVM) */
	mrs	x1, S3_0_C12_C12_5
	orr	x1, x1, #1
	msr	S3_0_C12_C12_5, x1
	isb

	/* identity map: 0-1 GiB Device-nGnRE (GIC, UART), 1-3 GiB Normal write-back (RAM) */
	ldr	x1, =0xff0400           /* MAIR: attr0 Device-nGnRnE, attr1 Device-nGnRE, attr2 Normal WB */
	msr	mair_el1, x1
	ldr	x1, =((32 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))
	msr	tcr_el1, x1             /* T0SZ=32, WB walks, inner shareable, 4K granule, no TTBR1 */
	ldr	x1, =agent_page_table
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	mrs	x1, sctlr_el1
	orr	x1, x1, #(1 << 0)       /* M */
	orr	x1, x1, #(1 << 2)       /* C */
	orr	x1, x1, #(1 << 12)      /* I */
	bic	x1, x1, #(1 << 1)       /* no alignment checks */
	bic	x1, x1, #(1 << 19)      /* WXN off: sysreg trampolines live in data */
	msr	sctlr_el1, x1
	isb

	mov	x0, x19
	mov	x1, x20
	bl	agent_main
	b	.

/* x0 = function id, x1..x3 = arguments; returns x0. Conduit chosen at entry (x20 of vCPU 0 is
 * passed to C, which calls the right one). */
	.text
	.global psci_hvc
psci_hvc:
	hvc	#0
	ret
	.global psci_smc
psci_smc:
	smc	#0
	ret

/* Exception vectors: every entry reports and powers the VM off (an unexpected exception is a
 * result the host sees, never a hang). */
	.macro	vector_entry idx
	.balign	0x80
	mov	x0, #\idx
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	b	agent_exception
	.endm

	.balign	0x800
	.global agent_vectors
agent_vectors:
	vector_entry 0
	vector_entry 1
	vector_entry 2
	vector_entry 3
	vector_entry 4
	vector_entry 5
	vector_entry 6
	vector_entry 7
	vector_entry 8
	vector_entry 9
	vector_entry 10
	vector_entry 11
	vector_entry 12
	vector_entry 13
	vector_entry 14
	vector_entry 15

/* Level 1 table, 1 GiB blocks (VMSAv8-64, 4K granule, T0SZ = 32 starts at level 1).
 * Device block: AF | AttrIndx 1 | PXN | UXN; Normal block: AF | SH inner | AttrIndx 2. */
	.data
	.balign	4096
	.global agent_page_table
agent_page_table:
	.quad	0x00000000 | (1 << 10) | (1 << 2) | 1 | (1 << 53) | (1 << 54)
	.quad	0x40000000 | (1 << 10) | (3 << 8) | (2 << 2) | 1
	.quad	0x80000000 | (1 << 10) | (3 << 8) | (2 << 2) | 1
	.quad	0

	.bss
	.balign	16
	.global agent_stacks
agent_stacks:
	.skip	AGENT_STACK_SIZE * AGENT_MAX_CPUS
