/* SPDX-License-Identifier: MIT */
/*
 * SVM world switch.
 *
 * void svm_run(uint64_t vmcb_pa, struct x86_gprs *g, uint64_t host_save_pa)
 *
 * VMRUN loads and saves only RAX and RSP of the guest: the other general
 * registers are swapped here. VMLOAD/VMSAVE move the state VMRUN leaves
 * alone (FS, GS, TR, LDTR, KernelGSBase, STAR family, SYSENTER); fief's own
 * copy of that state sits in the per-CPU host save page and is reloaded
 * after every exit. The host runs with interrupts off; STI under CLGI lets
 * a physical interrupt end the guest's run (V_INTR_MASKING) without
 * reaching fief until x86_handle_exit() opens a window for it.
 */
#include "arch/x86/gprs.h"

	.text
	.globl svm_run
	.type svm_run, @function
svm_run:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx                      /* host save area */
	pushq %rsi                      /* struct x86_gprs * */
	movq %rdi, %rax                 /* VMCB for VMLOAD/VMRUN/VMSAVE */

	GUEST_GPRS_LOAD %rsi
	movq X86_GPR_RDI(%rsi), %rdi
	movq X86_GPR_RSI(%rsi), %rsi

	clgi
	sti
	vmload %rax
	vmrun %rax
	vmsave %rax
	cli

	pushq %rsi                      /* guest RSI */
	movq 8(%rsp), %rsi              /* struct x86_gprs * */
	GUEST_GPRS_STORE %rsi
	movq %rdi, X86_GPR_RDI(%rsi)
	popq %rbx
	movq %rbx, X86_GPR_RSI(%rsi)
	addq $8, %rsp
	popq %rax                       /* host save area */
	vmload %rax
	stgi

	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
	.size svm_run, . - svm_run

	.section .note.GNU-stack, "", @progbits
