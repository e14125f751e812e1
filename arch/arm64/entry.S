/* SPDX-License-Identifier: MIT */
/*
 * EL2 exception vectors and the world switch.
 *
 * uint64_t a64_vcpu_enter(struct arch_vcpu *a)
 *   Saves fief's callee-saved registers on its stack, keeps @a in
 *   TPIDR_EL2, loads the guest's X0..X30, ELR_EL2 and SPSR_EL2 from @a and
 *   ERETs. SP_EL2 stays where it is while the guest runs, so the vectors
 *   below find fief's stack in SP with the frame of a64_vcpu_enter on top.
 *   Returns, through the vectors, A64_EXIT_* (arch_vcpu.h): how the guest
 *   left, its X0..X30, ELR_EL2 and SPSR_EL2 stored in @a. ESR_EL2, FAR_EL2
 *   and HPFAR_EL2 are still those of the exit when C reads them: fief runs
 *   with every exception masked, so nothing at EL2 overwrites them.
 *
 * A synchronous exception from AArch64 first takes the short path
 * (lower_sync): only the registers C code may clobber (X0..X18, X30) are
 * stored, and a64_exit_fast() (exit.c) runs on fief's stack with the
 * guest's X19..X29, ELR_EL2 and SPSR_EL2 still live in the CPU (C keeps
 * callee-saved registers; nothing at EL2 takes an exception). If it
 * handled the exit and the vCPU may go on (A64_EXIT_RESUME), the stored
 * registers are reloaded and the guest resumes at once, without the run
 * loop. Otherwise the rest of the guest's state is stored and
 * a64_vcpu_enter returns as for any other exit.
 *
 * An exception taken from EL2 itself is a fief bug: it goes to
 * a64_el2_fault(), which reports and stops the CPU.
 */
#include "arch_vcpu.h"

/* The guest's registers between the CPU and arch_vcpu.x at \base: those a
 * C call may clobber (X2..X18, X30; X0/X1 are each path's own) and those
 * it preserves (X19..X29). \op is stp or ldp, \op1 str or ldr. */
.macro gprs_clobbered op, op1, base
	\op	x2, x3, [\base, #A64_VCPU_X + 16]
	\op	x4, x5, [\base, #A64_VCPU_X + 32]
	\op	x6, x7, [\base, #A64_VCPU_X + 48]
	\op	x8, x9, [\base, #A64_VCPU_X + 64]
	\op	x10, x11, [\base, #A64_VCPU_X + 80]
	\op	x12, x13, [\base, #A64_VCPU_X + 96]
	\op	x14, x15, [\base, #A64_VCPU_X + 112]
	\op	x16, x17, [\base, #A64_VCPU_X + 128]
	\op1	x18, [\base, #A64_VCPU_X + 144]
	\op1	x30, [\base, #A64_VCPU_X + 240]
.endm

.macro gprs_preserved op, op1, base
	\op	x19, x20, [\base, #A64_VCPU_X + 152]
	\op	x21, x22, [\base, #A64_VCPU_X + 168]
	\op	x23, x24, [\base, #A64_VCPU_X + 184]
	\op	x25, x26, [\base, #A64_VCPU_X + 200]
	\op	x27, x28, [\base, #A64_VCPU_X + 216]
	\op1	x29, [\base, #A64_VCPU_X + 232]
.endm

	.text

/* One 128-byte vector slot: an exception from the guest, stored whole. */
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
	.balign 128		/* lower EL, AArch64: sync, the short path */
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	b	lower_sync
	lower_slot A64_EXIT_IRQ
	lower_slot A64_EXIT_FIQ
	lower_slot A64_EXIT_SERROR
	lower_slot A64_EXIT_SYNC	/* lower EL, AArch32 (EL0 only) */
	lower_slot A64_EXIT_IRQ
	lower_slot A64_EXIT_FIQ
	lower_slot A64_EXIT_SERROR

/* x0 = arch_vcpu; the guest's x0, x1 are at [sp]. */
lower_sync:
	gprs_clobbered stp, str, x0
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #A64_VCPU_X]
	bl	a64_exit_fast
	cbnz	x0, lower_sync_out
	mrs	x0, tpidr_el2
	gprs_clobbered ldp, ldr, x0
	ldp	x0, x1, [x0, #A64_VCPU_X]
	eret

/* Back to the run loop: x0 = what a64_exit_fast() returned; store the rest. */
lower_sync_out:
	mrs	x1, tpidr_el2
	gprs_preserved stp, str, x1
	b	lower_return

/* x1 = exit kind; the guest's x0, x1 are at [sp]; TPIDR_EL2 = arch_vcpu. */
lower_exit:
	mrs	x0, tpidr_el2
	gprs_clobbered stp, str, x0
	gprs_preserved stp, str, x0
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #A64_VCPU_X]
	mov	x0, x1
	mrs	x1, tpidr_el2

/* x0 = exit kind, x1 = arch_vcpu, all GPRs stored; SP = fief's stack as
 * a64_vcpu_enter left it. */
lower_return:
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x1, #A64_VCPU_PC]
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
	msr	tpidr_el2, x0
	ldp	x1, x2, [x0, #A64_VCPU_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	gprs_clobbered ldp, ldr, x0
	gprs_preserved ldp, ldr, x0
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
