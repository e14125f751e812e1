/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header and 32-bit entry (x86_64).
 *
 * GRUB enters mb2_entry in 32-bit protected mode, paging off, interrupts
 * off, flat segments, EAX = 0x36d76289 and EBX = physical address of the
 * boot information. From there:
 *
 *   check EAX → clear .bss → stack → identity page tables for 0..4 GiB
 *   (2 MiB pages) → CR4.PAE → EFER.LME → CR0.PG (long mode, compatibility
 *   sub-mode) → lgdt → far jump to 64-bit code → data segments, ltr →
 *   mb2_main(info_pa) in C, which never returns.
 *
 * The image is linked at a fixed address below 4 GiB (linker.ld,
 * LD_MB2_X86_64), so 32-bit absolute addresses work here.
 */

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_HTAG_END 0
#define MB2_HTAG_MODULE_ALIGN 6

#define CR0_PE (1 << 0)
#define CR0_NE (1 << 5)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

#define TSS_SIZE 104
#define BOOT_STACK_SIZE (64 * 1024)

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Modules on page boundaries, so each owns whole pages. */
	.balign 8
	.word MB2_HTAG_MODULE_ALIGN, 0
	.long 8
	.balign 8
	.word MB2_HTAG_END, 0
	.long 8
mb2_header_end:

	.section .text.boot32, "ax"
	.code32
	.globl mb2_entry
mb2_entry:
	cli
	cld
	cmpl $MB2_BOOTLOADER_MAGIC, %eax
	jne halt32
	movl %ebx, %esi			/* keep the info address across what follows */

	/* .bss is not promised to be zero: clear it before anything lives there. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx			/* linker.ld aligns both ends to 16 */
	xorl %eax, %eax
	rep stosl

	movl $boot_stack_top, %esp

	/* PML4[0] → PDPT; PDPT[0..3] → four page directories; each PD entry a
	 * 2 MiB page, 2048 of them: identity map of 0..4 GiB. */
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4

	movl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl $boot_pdpt, %edi
	movl $4, %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 1b

	movl $boot_pd, %edi
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	xorl %edx, %edx			/* bits 32..63 of the page address */
	movl $2048, %ecx
2:	movl %eax, (%edi)
	movl %edx, 4(%edi)
	addl $0x200000, %eax
	adcl $0, %edx
	addl $8, %edi
	loop 2b

	/* The TSS descriptor's base is split over four fields: fill it here. */
	movl $boot_tss, %eax
	movl $(boot_gdt + SEL_TSS), %edi
	movw %ax, 2(%edi)		/* base 15:0 */
	shrl $16, %eax
	movb %al, 4(%edi)		/* base 23:16 */
	movb %ah, 7(%edi)		/* base 31:24 */

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_NE | CR0_PE), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $SEL_CODE64, $entry64

halt32:
	hlt
	jmp halt32

	.code64
entry64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movw $SEL_TSS, %ax
	ltr %ax				/* VMX wants a non-zero host TR */

	movl $boot_stack_top, %esp	/* zero-extends: the stack is below 4 GiB */
	xorl %ebp, %ebp
	movl %esi, %edi			/* mb2_main(info_pa) */
	call mb2_main
1:	cli
	hlt
	jmp 1b

	/* Writable: the TSS base is patched in and ltr sets the busy bit. */
	.section .data
	.balign 16
boot_gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
	/* 0x18: 64-bit TSS (16 bytes): limit, type 9 (available), present;
	 * base filled at run time. */
	.word TSS_SIZE - 1, 0
	.byte 0, 0x89, 0, 0
	.long 0, 0
boot_gdt_end:

	.balign 8
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.balign 16
boot_tss:
	.skip TSS_SIZE
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
