/* SPDX-License-Identifier: MIT */
/*
 * The guest rig: a stand-in for fief that runs one test guest directly on
 * QEMU (no virtualization), to check the guests themselves. Multiboot v1
 * entry in 32-bit protected mode: identity-map the first 1 GiB with 2 MiB
 * pages, enter long mode with the selectors of fief's boot protocol
 * (CS 0x08, data 0x10), then rig_main() in C.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl rig_entry32
rig_entry32:
	cli
	mov	%ebx, rig_mb_info
	mov	$rig_stack_top, %esp
	/* pd[i] = i * 2 MiB | PS | RW | P, i < 512 */
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax
	mov	%eax, rig_pd(, %ecx, 8)
	movl	$0, rig_pd + 4(, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jne	1b
	mov	$rig_pd, %eax
	or	$3, %eax
	mov	%eax, rig_pdpt
	mov	$rig_pdpt, %eax
	or	$3, %eax
	mov	%eax, rig_pml4
	mov	$rig_pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx
	rdmsr
	or	$0x100, %eax		/* EFER.LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax	/* PG | PE */
	mov	%eax, %cr0
	lgdt	rig_gdtr
	ljmp	$0x08, $2f
	.code64
2:	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$rig_stack_top, %rsp
	mov	rig_mb_info(%rip), %edi
	call	rig_main
3:	cli
	hlt
	jmp	3b

/* rig_enter(entry, vcpu, mem_size, rsp): the guest's first instruction. */
	.globl rig_enter
rig_enter:
	mov	%rcx, %rsp
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	pushq	$2
	popfq
	jmp	*%rax

	.section .rodata
	.align 8
rig_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data */
rig_gdtr:
	.word rig_gdtr - rig_gdt - 1
	.long rig_gdt

	.section .bss
	.align 4096
rig_pml4: .skip 4096
rig_pdpt: .skip 4096
rig_pd: .skip 4096
	.align 16
	.skip 16384
rig_stack_top:
	.globl rig_mb_info
rig_mb_info: .skip 8

	.section .note.GNU-stack, "", @progbits
