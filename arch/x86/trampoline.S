/* SPDX-License-Identifier: MIT */
/*
 * Application-processor start-up code, copied below 1 MiB by smp.c.
 *
 * A started AP runs it in real mode at CS = page >> 4, IP = 0. It loads a
 * tiny GDT, turns on PAE, long mode and paging with fief's own page tables,
 * jumps into the 64-bit code segment, takes its stack and CPU index from
 * the parameter block, and calls the C entry. smp.c fills in the absolute
 * addresses (marked "patched") before each start.
 */
	.section .rodata, "a"
	.code16
	.globl x86_tramp_start, x86_tramp_end
	.globl x86_tramp_gdtr, x86_tramp_gdt, x86_tramp_jump, x86_tramp_long
	.globl x86_tramp_cr3, x86_tramp_stack, x86_tramp_cpu, x86_tramp_entry
x86_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (x86_tramp_gdtr - x86_tramp_start)
	movl %cr4, %eax
	orl $0x20, %eax                 /* CR4.PAE */
	movl %eax, %cr4
	movl (x86_tramp_cr3 - x86_tramp_start), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx          /* EFER */
	rdmsr
	orl $0x900, %eax                /* LME | NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80000021, %eax           /* PG | NE | PE */
	movl %eax, %cr0
	ljmpl *(x86_tramp_jump - x86_tramp_start)

	.code64
x86_tramp_long:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq x86_tramp_stack(%rip), %rsp
	movl x86_tramp_cpu(%rip), %edi
	xorl %ebp, %ebp
	jmpq *x86_tramp_entry(%rip)

	.p2align 3
x86_tramp_gdtr:
	.word 23
	.long 0                         /* patched: base of x86_tramp_gdt */
	.word 0
x86_tramp_gdt:
	.quad 0
	.quad 0x00209a0000000000        /* 64-bit code, selector 0x08 */
	.quad 0x00cf92000000ffff        /* data, selector 0x10 */
x86_tramp_jump:
	.long 0                         /* patched: address of x86_tramp_long */
	.word 0x08
	.word 0
x86_tramp_cr3:
	.long 0                         /* patched: fief's PML4 (below 4 GiB) */
	.long 0
x86_tramp_stack:
	.quad 0                         /* patched per AP */
x86_tramp_cpu:
	.quad 0                         /* patched per AP */
x86_tramp_entry:
	.quad 0                         /* patched: x86_ap_entry */
x86_tramp_end:

	.section .note.GNU-stack, "", @progbits
