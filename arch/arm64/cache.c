/* SPDX-License-Identifier: MIT */
/*
 * Data cache maintenance by address, to the Point of Coherency.
 *
 * fief writes guest memory through its cacheable identity map (the scrub,
 * the image, boot structures), while a guest that starts with its MMU off
 * reads it as Device memory, bypassing the caches: those lines must reach
 * memory first (clean). docs/arm64.md lists every maintenance point.
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"

/* CTR_EL0.DminLine: log2 of the smallest data cache line, in words. */
static uint64_t dcache_line(void)
{
	return 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

void a64_dcache_clean_inval(const void *va, uint64_t size)
{
	uint64_t line = dcache_line();
	uint64_t a = (uint64_t)(uintptr_t)va & ~(line - 1);
	uint64_t end = (uint64_t)(uintptr_t)va + size;

	for (; a < end; a += line)
		__asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

void a64_dcache_inval(const void *va, uint64_t size)
{
	uint64_t line = dcache_line();
	uint64_t a = (uint64_t)(uintptr_t)va & ~(line - 1);
	uint64_t end = (uint64_t)(uintptr_t)va + size;

	/* Whole lines only: a partial line at either end is cleaned too, so
	 * fief's own bytes sharing it are not lost. */
	for (; a < end; a += line) {
		if (a < (uint64_t)(uintptr_t)va || a + line > end)
			__asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
		else
			__asm__ volatile("dc ivac, %0" ::"r"(a) : "memory");
	}
	__asm__ volatile("dsb sy" ::: "memory");
}
