/* SPDX-License-Identifier: MIT */
/* The rig's exception stubs: vectors 0-31 to rig_trap(struct rig_frame *). */
	.text
	.code64

.macro VEC n
	.align 16
rig_vec_\n:
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq	$0
	.endif
	pushq	$\n
	jmp	rig_trap_common
.endm

	.globl rig_vectors
	.align 16
rig_vectors:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	VEC \n
	.endr

rig_trap_common:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rbp
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rbx
	pushq	%rax
	mov	%rsp, %rdi
	mov	%rsp, %rbx
	and	$-16, %rsp
	call	rig_trap
	mov	%rbx, %rsp
	popq	%rax
	popq	%rbx
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	addq	$16, %rsp	/* vector, error code */
	iretq

	.section .note.GNU-stack, "", @progbits
