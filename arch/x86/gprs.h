/* SPDX-License-Identifier: MIT */
/*
 * Assembler macros shared by the SVM and VMX world switches: move the
 * guest's general registers between the CPU and struct x86_gprs at \base.
 * They cover the twelve registers both switches treat alike (RBX, RCX, RDX,
 * RBP, R8-R15); each switch handles RAX, RSI and RDI itself, because one of
 * them holds \base and the hardware keeps RAX in the VMCB on SVM.
 */
#ifndef FIEF_ARCH_X86_GPRS_H
#define FIEF_ARCH_X86_GPRS_H

#ifdef __ASSEMBLY__
#include "arch_vcpu.h"

/* The registers a C call may change (RAX, RSI, RDI: by each switch). */
.macro GUEST_GPRS_LOAD_CLOBBERED base
	movq X86_GPR_RCX(\base), %rcx
	movq X86_GPR_RDX(\base), %rdx
	movq X86_GPR_R8+0(\base), %r8
	movq X86_GPR_R8+8(\base), %r9
	movq X86_GPR_R8+16(\base), %r10
	movq X86_GPR_R8+24(\base), %r11
.endm

/* The registers a C call preserves. */
.macro GUEST_GPRS_LOAD_PRESERVED base
	movq X86_GPR_RBX(\base), %rbx
	movq X86_GPR_RBP(\base), %rbp
	movq X86_GPR_R8+32(\base), %r12
	movq X86_GPR_R8+40(\base), %r13
	movq X86_GPR_R8+48(\base), %r14
	movq X86_GPR_R8+56(\base), %r15
.endm

.macro GUEST_GPRS_LOAD base
	GUEST_GPRS_LOAD_PRESERVED \base
	GUEST_GPRS_LOAD_CLOBBERED \base
.endm

.macro GUEST_GPRS_STORE base
	movq %rbx, X86_GPR_RBX(\base)
	movq %rcx, X86_GPR_RCX(\base)
	movq %rdx, X86_GPR_RDX(\base)
	movq %rbp, X86_GPR_RBP(\base)
	movq %r8, X86_GPR_R8+0(\base)
	movq %r9, X86_GPR_R8+8(\base)
	movq %r10, X86_GPR_R8+16(\base)
	movq %r11, X86_GPR_R8+24(\base)
	movq %r12, X86_GPR_R8+32(\base)
	movq %r13, X86_GPR_R8+40(\base)
	movq %r14, X86_GPR_R8+48(\base)
	movq %r15, X86_GPR_R8+56(\base)
.endm
#endif

#endif
