/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry: one stub per vector pushes a dummy error
 * code where the CPU pushes none, then the vector, then all general
 * registers (struct x86_trap_frame), and calls x86_trap().
 *
 * Only #DF (8) and #TS..#PF (10-14) get the CPU's error code. The other
 * vectors with one, #AC (17), #CP (21), #VC (29) and #SX (30), cannot be
 * raised in fief (alignment checks only apply at CPL 3; fief enables
 * neither CET, SEV-ES nor INIT redirection): those vectors reach fief only
 * as interrupts (an IPI or a device's MSI), which push no error code, and
 * are counted and dropped like any vector fief does not expect.
 */
	.text


	.macro stub v
	.p2align 4
vector_\v:
	.if !((\v == 8) || (\v >= 10 && \v <= 14))
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.p2align 4
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	/* Align the stack for C: the frame may leave it 8 mod 16. */
	movq %rsp, %rbx
	andq $-16, %rsp
	cld
	call x86_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector, error code */
	iretq

	.altmacro
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

	.macro stubaddr v
	.quad vector_\v
	.endm

	.section .data.rel.ro, "aw"
	.p2align 3
	.globl x86_vector_stubs
x86_vector_stubs:
	.set i, 0
	.rept 256
	stubaddr %i
	.set i, i + 1
	.endr

	.section .note.GNU-stack, "", @progbits
