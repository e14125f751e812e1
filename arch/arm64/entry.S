/* SPDX-License-Identifier: MIT */
/*
 * EL2 exception vectors and the world switch.
 *
 * uint64_t a64_vcpu_enter(struct arch_vcpu *a)
 *   Saves fief's callee-saved registers on its stack, keeps the stack
 *   pointer in a->host_sp and a itself in TPIDR_EL2, loads the guest's
 *   X0..X30, ELR_EL2 and SPSR_EL2 from @a and ERETs. Any exception from the
 *   guest (lower EL) comes back through the vectors below, which store the
 *   guest's X0..X30, ELR_EL2 and SPSR_EL2 into @a, switch back to fief's
 *   stack and return A64_EXIT_* (sync, IRQ, FIQ, SError). ESR_EL2, FAR_EL2
 *   and HPFAR_EL2 are still those of the exit when C reads them: fief runs
 *   with every exception masked, so nothing at EL2 overwrites them.
 *
 * An exception taken from EL2 itself is a fief bug: it goes to
 * a64_el2_fault(), which reports and stops the CPU.
 */
#include "arch_vcpu.h"

#define A64_EXIT_SYNC 1
#define A64_EXIT_IRQ 2
#define A64_EXIT_FIQ 3
#define A64_EXIT_SERROR 4

	.text

/* One 128-byte vector slot: an exception from the guest. */
.macro lower_slot kind
	.balign 128
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\kind
	b	lower_exit
.endm

/* One 128-byte vector slot: an exception fief took itself. */
.macro self_slot kind
	.balign 128
	mrs	x0, esr_el2
	mrs	x1, elr_el2
	mrs	x2, far_el2
	mov	x3, #\kind
	bl	a64_el2_fault
	b	.
.endm

	.balign 2048
	.globl a64_el2_vectors
a64_el2_vectors:
	self_slot 1		/* current EL, SP0: sync */
	self_slot 2		/* IRQ */
	self_slot 3		/* FIQ */
	self_slot 4		/* SError */
	self_slot 1		/* current EL, SPx */
	self_slot 2
	self_slot 3
	self_slot 4
	lower_slot A64_EXIT_SYNC	/* lower EL, AArch64 */
	lower_slot A64_EXIT_IRQ
	lower_slot A64_EXIT_FIQ
	lower_slot A64_EXIT_SERROR
	lower_slot A64_EXIT_SYNC	/* lower EL, AArch32 (EL0 only) */
	lower_slot A64_EXIT_IRQ
	lower_slot A64_EXIT_FIQ
	lower_slot A64_EXIT_SERROR

/* x1 = exit kind; the guest's x0, x1 are at [sp]; TPIDR_EL2 = arch_vcpu. */
lower_exit:
	mrs	x0, tpidr_el2
	stp	x2, x3, [x0, #A64_VCPU_X + 16]
	stp	x4, x5, [x0, #A64_VCPU_X + 32]
	stp	x6, x7, [x0, #A64_VCPU_X + 48]
	stp	x8, x9, [x0, #A64_VCPU_X + 64]
	stp	x10, x11, [x0, #A64_VCPU_X + 80]
	stp	x12, x13, [x0, #A64_VCPU_X + 96]
	stp	x14, x15, [x0, #A64_VCPU_X + 112]
	stp	x16, x17, [x0, #A64_VCPU_X + 128]
	stp	x18, x19, [x0, #A64_VCPU_X + 144]
	stp	x20, x21, [x0, #A64_VCPU_X + 160]
	stp	x22, x23, [x0, #A64_VCPU_X + 176]
	stp	x24, x25, [x0, #A64_VCPU_X + 192]
	stp	x26, x27, [x0, #A64_VCPU_X + 208]
	stp	x28, x29, [x0, #A64_VCPU_X + 224]
	str	x30, [x0, #A64_VCPU_X + 240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #A64_VCPU_X]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #A64_VCPU_PC]
	ldr	x2, [x0, #A64_VCPU_HOST_SP]
	mov	sp, x2
	mov	x0, x1
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret

	.globl a64_vcpu_enter
	.type a64_vcpu_enter, %function
a64_vcpu_enter:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mov	x1, sp
	str	x1, [x0, #A64_VCPU_HOST_SP]
	msr	tpidr_el2, x0
	ldp	x1, x2, [x0, #A64_VCPU_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #A64_VCPU_X + 16]
	ldp	x4, x5, [x0, #A64_VCPU_X + 32]
	ldp	x6, x7, [x0, #A64_VCPU_X + 48]
	ldp	x8, x9, [x0, #A64_VCPU_X + 64]
	ldp	x10, x11, [x0, #A64_VCPU_X + 80]
	ldp	x12, x13, [x0, #A64_VCPU_X + 96]
	ldp	x14, x15, [x0, #A64_VCPU_X + 112]
	ldp	x16, x17, [x0, #A64_VCPU_X + 128]
	ldp	x18, x19, [x0, #A64_VCPU_X + 144]
	ldp	x20, x21, [x0, #A64_VCPU_X + 160]
	ldp	x22, x23, [x0, #A64_VCPU_X + 176]
	ldp	x24, x25, [x0, #A64_VCPU_X + 192]
	ldp	x26, x27, [x0, #A64_VCPU_X + 208]
	ldp	x28, x29, [x0, #A64_VCPU_X + 224]
	ldr	x30, [x0, #A64_VCPU_X + 240]
	ldp	x0, x1, [x0, #A64_VCPU_X]
	eret
	.size a64_vcpu_enter, . - a64_vcpu_enter

/* void a64_fp_save(uint64_t fp[66]): V0..V31, FPSR, FPCR. */
	.globl a64_fp_save
	.type a64_fp_save, %function
a64_fp_save:
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x3, x0, #512
	stp	x1, x2, [x3]
	ret
	.size a64_fp_save, . - a64_fp_save

/* void a64_fp_load(const uint64_t fp[66]) */
	.globl a64_fp_load
	.type a64_fp_load, %function
a64_fp_load:
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	add	x3, x0, #512
	ldp	x1, x2, [x3]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
	.size a64_fp_load, . - a64_fp_load

	.section .note.GNU-stack, "", %progbits
