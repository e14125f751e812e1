/* SPDX-License-Identifier: MIT */
/*
 * arm64 mm hooks (mm/arch_mm.h).
 *
 * RAM is identity mapped at EL2, so a physical address is its virtual
 * address. Invalidation is broadcast (inner shareable) and coarse for now:
 * all stage-1&2 EL1 entries for a stage-2 change, all EL2 entries for a
 * change of fief's own table; per-IPA TLBI under the table's VMID is the
 * planned refinement.
 */
#include "mm/arch_mm.h"
#include "mm/pgtable.h"

void *arch_mm_pa_to_va(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

void arch_mm_tlb_inval(const struct pt *pt, uint64_t addr, uint64_t size)
{
	(void)addr;
	(void)size;
	/* Make the table writes visible to walkers before dropping entries. */
	__asm__ volatile("dsb ishst" ::: "memory");
	if (pt->fmt == &pt_format_arm64_el2)
		__asm__ volatile("tlbi alle2is" ::: "memory");
	else
		__asm__ volatile("tlbi alle1is" ::: "memory");
	__asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

bool arch_mm_alloc_fails(void)
{
	return false;
}
