/* SPDX-License-Identifier: MIT */
/*
 * VMX world switch, with the exit loop inside it.
 *
 * int vmx_run(struct x86_gprs *g, uint64_t launched, struct x86_run *r)
 *
 * Enters the guest of the current VMCS with VMLAUNCH (launched == 0) or
 * VMRESUME. The VMCS holds the guest's RSP, RIP and RFLAGS and loads
 * fief's CR0/CR3/CR4, segments, EFER and PAT on exit; the general registers
 * are swapped here. HOST_RSP is written once: it points at the saved
 * struct x86_gprs pointer, under fief's callee-saved registers. A VM exit
 * resumes at vmx_exit_entry with RFLAGS = 2 (interrupts off): a pending
 * physical interrupt stays pending (no ack on exit) until arch_vcpu_run()
 * opens a window for it.
 *
 * After each exit vmx_exit(r) (vmx_exit.c) handles it; while it returns
 * X86_ENTER or X86_ENTER_RAX (arch/x86/virt.h) the guest is entered again
 * at once with VMRESUME, after X86_ENTER_RAX without loading the registers
 * the C call preserved (they still hold the guest's).
 *
 * Return: 0 once vmx_exit() returned X86_LEAVE; 1 if an entry failed with
 * VMfailValid (the VM-instruction error field says why), 2 with
 * VMfailInvalid.
 */
#include "arch/x86/gprs.h"

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_run
	.type vmx_run, @function
vmx_run:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp                   /* keeps the call below 16-aligned */
	pushq %rdx                      /* 8(%rsp): struct x86_run * */
	pushq %rdi                      /* 0(%rsp): struct x86_gprs * */
	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	testq %rsi, %rsi                /* ZF: not launched yet */
	movq X86_GPR_RAX(%rdi), %rax    /* MOVs leave the flags alone */
	movq X86_GPR_RSI(%rdi), %rsi
	GUEST_GPRS_LOAD %rdi
	movq X86_GPR_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f

	/* The loop: enter again after an exit vmx_exit() completed. */
3:	movq (%rsp), %rdi               /* X86_ENTER: every register */
	GUEST_GPRS_LOAD_PRESERVED %rdi
	jmp 5f
4:	movq (%rsp), %rdi               /* X86_ENTER_RAX: RBX, RBP, R12-R15 kept */
5:	movq X86_GPR_RAX(%rdi), %rax
	movq X86_GPR_RSI(%rdi), %rsi
	GUEST_GPRS_LOAD_CLOBBERED %rdi
	movq X86_GPR_RDI(%rdi), %rdi
1:	vmresume
2:	/* Still here: the entry failed. CF: VMfailInvalid, ZF: VMfailValid. */
	movl $1, %eax
	jnc vmx_return
	movl $2, %eax
	jmp vmx_return

	.globl vmx_exit_entry
	.type vmx_exit_entry, @function
vmx_exit_entry:
	pushq %rdi                      /* guest RDI */
	movq 8(%rsp), %rdi              /* struct x86_gprs * */
	movq %rax, X86_GPR_RAX(%rdi)
	movq %rsi, X86_GPR_RSI(%rdi)
	GUEST_GPRS_STORE %rdi
	popq X86_GPR_RDI(%rdi)
	movq 8(%rsp), %rdi
	call vmx_exit                   /* enum x86_next */
	cmpl $1, %eax                   /* X86_ENTER_RAX */
	je 4b
	testl %eax, %eax
	jnz 3b
	xorl %eax, %eax
vmx_return:
	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
	.size vmx_run, . - vmx_run

	.section .note.GNU-stack, "", @progbits
