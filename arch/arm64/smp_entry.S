/* SPDX-License-Identifier: MIT */
/*
 * Where PSCI CPU_ON starts another CPU: at EL2, MMU and caches off,
 * X0 = its struct a64_boot_block (cleaned to memory by the boot CPU).
 * With the MMU off every data access is Device memory, so only the block
 * is read (aligned) until fief's tables are on; then C runs on the CPU's
 * own stack.
 *
 * Block: stack top, cpu index, TTBR0_EL2, TCR_EL2, MAIR_EL2, SCTLR_EL2,
 * HCR_EL2 (8 bytes each, in that order).
 */
	.text
	.globl a64_secondary_entry
	.type a64_secondary_entry, %function
a64_secondary_entry:
	msr	daifset, #0xf
	ldp	x1, x2, [x0, #16]	/* TTBR0_EL2, TCR_EL2 */
	ldp	x3, x4, [x0, #32]	/* MAIR_EL2, SCTLR_EL2 */
	ldr	x5, [x0, #48]		/* HCR_EL2 */
	msr	hcr_el2, x5
	isb
	tlbi	alle2
	ic	iallu
	dsb	nsh
	isb
	msr	mair_el2, x3
	msr	tcr_el2, x2
	msr	ttbr0_el2, x1
	isb
	msr	sctlr_el2, x4
	isb
	ldp	x1, x2, [x0]		/* stack top, cpu index */
	mov	sp, x1
	mov	x29, xzr
	mov	x0, x2
	bl	a64_secondary_main
1:	wfi
	b	1b
	.size a64_secondary_entry, . - a64_secondary_entry

	.section .note.GNU-stack, "", %progbits
