/* SPDX-License-Identifier: MIT */
/*
 * VMX world switch.
 *
 * int vmx_run(struct x86_gprs *g, uint64_t launched)
 *
 * Enters the guest of the current VMCS with VMLAUNCH (launched == 0) or
 * VMRESUME. The VMCS holds the guest's RSP, RIP and RFLAGS and loads
 * fief's CR0/CR3/CR4, segments, EFER and PAT on exit; the general registers
 * are swapped here. HOST_RSP is written at every entry: it points at the
 * saved struct x86_gprs pointer, under fief's callee-saved registers. A VM
 * exit resumes at vmx_exit_entry with RFLAGS = 2 (interrupts off): a
 * pending physical interrupt stays pending (no ack on exit) until
 * x86_handle_exit() opens a window for it.
 *
 * Return: 0 after a VM exit; 1 if the instruction failed with VMfailValid
 * (the VM-instruction error field says why), 2 with VMfailInvalid.
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
	pushq %rdi                      /* struct x86_gprs * */
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
1:	vmresume
2:	/* Still here: the entry failed. CF: VMfailInvalid, ZF: VMfailValid. */
	movl $1, %eax
	jnc 3f
	movl $2, %eax
3:	addq $8, %rsp
	jmp vmx_return

	.globl vmx_exit_entry
	.type vmx_exit_entry, @function
vmx_exit_entry:
	pushq %rdi                      /* guest RDI */
	movq 8(%rsp), %rdi              /* struct x86_gprs * */
	movq %rax, X86_GPR_RAX(%rdi)
	movq %rsi, X86_GPR_RSI(%rdi)
	GUEST_GPRS_STORE %rdi
	popq %rax
	movq %rax, X86_GPR_RDI(%rdi)
	addq $8, %rsp
	xorl %eax, %eax
vmx_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
	.size vmx_run, . - vmx_run

	.section .note.GNU-stack, "", @progbits
