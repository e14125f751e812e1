/* SPDX-License-Identifier: MIT */
/*
 * SVM world switch, with the exit loop inside it.
 *
 * void svm_run(uint64_t vmcb_pa, struct x86_gprs *g, uint64_t host_save_pa,
 *              struct x86_run *r)
 *
 * VMRUN loads and saves only RAX and RSP of the guest: the other general
 * registers are swapped here. VMLOAD/VMSAVE move the state VMRUN leaves
 * alone (FS, GS, TR, LDTR, KernelGSBase, STAR family, SYSENTER) between the
 * CPU and the VMCB around every VMRUN, so the VMCB is current at each exit.
 *
 * After each exit, svm_exit(r) (svm.c) handles it with interrupts and GIF
 * off; while it returns X86_ENTER or X86_ENTER_RAX (arch/x86/virt.h) the
 * guest is entered again at once, without restoring fief's own VMLOAD state
 * (fief uses none of it, and with GIF clear no interrupt or NMI can reach
 * an IDT or TSS meanwhile); after X86_ENTER_RAX the registers the C call
 * preserved still hold the guest's. On X86_LEAVE fief's state comes back
 * from the per-CPU host save page and GIF is set. STI under CLGI lets a physical interrupt end the guest's
 * run (V_INTR_MASKING) without reaching fief until arch_vcpu_run() opens a
 * window for it.
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
	subq $8, %rsp                   /* keeps the calls below 16-aligned */
	pushq %rdx                      /* 24(%rsp): host save area */
	pushq %rcx                      /* 16(%rsp): struct x86_run * */
	pushq %rdi                      /*  8(%rsp): VMCB */
	pushq %rsi                      /*  0(%rsp): struct x86_gprs * */
	clgi
	sti

1:	movq (%rsp), %rsi               /* X86_ENTER: every register */
	GUEST_GPRS_LOAD_PRESERVED %rsi
	jmp 3f
2:	movq (%rsp), %rsi               /* X86_ENTER_RAX: RBX, RBP, R12-R15 kept */
3:	GUEST_GPRS_LOAD_CLOBBERED %rsi
	movq X86_GPR_RDI(%rsi), %rdi
	movq X86_GPR_RSI(%rsi), %rsi
	movq 8(%rsp), %rax
	vmload %rax
	vmrun %rax
	vmsave %rax

	pushq %rsi                      /* guest RSI */
	movq 8(%rsp), %rsi              /* struct x86_gprs * */
	GUEST_GPRS_STORE %rsi
	movq %rdi, X86_GPR_RDI(%rsi)
	popq X86_GPR_RSI(%rsi)
	movq 16(%rsp), %rdi
	call svm_exit                   /* enum x86_next */
	cmpl $1, %eax                   /* X86_ENTER_RAX */
	je 2b
	testl %eax, %eax
	jnz 1b

	cli
	movq 24(%rsp), %rax             /* host save area */
	vmload %rax
	stgi
	addq $40, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
	.size svm_run, . - svm_run

	.section .note.GNU-stack, "", @progbits
