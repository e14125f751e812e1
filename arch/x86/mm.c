/* SPDX-License-Identifier: MIT */
/*
 * x86_64 mm hooks (mm/arch_mm.h).
 *
 * RAM is identity mapped in fief's own tables, so a physical address is
 * its virtual address. Stage-2 (EPT/NPT) invalidation needs the VMX or SVM
 * backend (INVEPT, or a TLB_CONTROL flush at the next VMRUN): until that
 * backend consumes it, it is recorded in x86_s2_flush_gen.
 */
#include "arch/x86/virt.h"
#include "mm/arch_mm.h"
#include "mm/pgtable.h"

uint64_t x86_s2_flush_gen;

/* Beyond this many pages a CR3 reload is cheaper than INVLPG. */
#define X86_INVLPG_MAX 32

void *arch_mm_pa_to_va(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

static void x86_flush_all(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}

void arch_mm_tlb_inval(const struct pt *pt, uint64_t addr, uint64_t size)
{
	uint64_t off;

	if (pt->fmt != &pt_format_x86_hyp) {
		__atomic_add_fetch(&x86_s2_flush_gen, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (size > X86_INVLPG_MAX * PAGE_SIZE) {
		x86_flush_all();
		return;
	}
	for (off = 0; off < size; off += PAGE_SIZE)
		__asm__ volatile("invlpg (%0)" ::"r"((uintptr_t)(addr + off)) : "memory");
}

bool arch_mm_alloc_fails(void)
{
	return false;
}
