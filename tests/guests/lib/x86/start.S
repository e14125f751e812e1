/* SPDX-License-Identifier: MIT */
/*
 * Test guest entry, x86_64. fief's boot protocol (docs/guests.md): long
 * mode, CPL 0, identity-mapped memory, interrupts off, RSP = the top of this
 * vCPU's 64 KiB stack (16-byte aligned), RDI = vCPU index, RSI = memory size.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	xor	%ebp, %ebp
	mov	%rdi, %r12		/* callee-saved across the C calls */
	mov	%rsi, %r13
	mov	%rdx, guest_boot_info_gpa(%rip)	/* the boot information page */
	call	guest_arch_init
	mov	%r12, %rdi
	mov	%r13, %rsi
	call	guest_entry		/* does not return */
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
