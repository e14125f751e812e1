/* SPDX-License-Identifier: MIT */
/*
 * Test guest entry, arm64. fief's boot protocol (docs/arm64.md): EL1h, MMU
 * and caches off, DAIF masked, SP = the top of this vCPU's 64 KiB stack
 * (16-byte aligned), X0 = vCPU index, X1 = memory size, X2 = the boot
 * information page. Nothing else is set up: the stack is all C needs.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, %function
_start:
	mov	x29, xzr
	mov	x19, x0			/* callee-saved across the C calls */
	mov	x20, x1
	adrp	x3, guest_boot_info_gpa
	str	x2, [x3, :lo12:guest_boot_info_gpa]
	bl	guest_arch_init
	mov	x0, x19
	mov	x1, x20
	bl	guest_entry		/* does not return */
1:	wfi
	b	1b
	.size _start, . - _start

	.section .note.GNU-stack, "", %progbits
