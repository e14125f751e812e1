/* SPDX-License-Identifier: MIT */
/*
 * fief's own page tables at takeover: an identity map of the physical
 * address space, so fief no longer depends on tables that sit in memory
 * the firmware has given up. 1 GiB pages cover 512 GiB where the CPU has
 * them; otherwise 2 MiB pages cover 64 GiB. The tables live in fief's image.
 *
 * Memory types come from the MTRRs the firmware programmed (PAT entry 0,
 * write-back, in every entry): MMIO ranges stay uncached through them.
 */
#include <stdbool.h>

#include "arch/x86/paging.h"
#include "arch/x86/x86.h"
#include "lib/print.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define CPUID81_EDX_1G (1u << 26)

#define PD_COUNT 64 /* 2 MiB pages: 64 GiB */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[PD_COUNT][512] __attribute__((aligned(4096)));

static uint64_t pa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p; /* fief runs identity mapped */
}

void x86_paging_takeover(void)
{
	bool gb = (cpuid(0x80000001, 0).edx & CPUID81_EDX_1G) != 0;

	pml4[0] = pa_of(pdpt) | PTE_P | PTE_W;
	for (uint64_t i = 0; i < 512; i++) {
		if (gb) {
			pdpt[i] = (i << 30) | PTE_P | PTE_W | PTE_PS;
		} else if (i < PD_COUNT) {
			for (uint64_t j = 0; j < 512; j++)
				pd[i][j] = (i << 30) | (j << 21) | PTE_P | PTE_W | PTE_PS;
			pdpt[i] = pa_of(pd[i]) | PTE_P | PTE_W;
		}
	}
	__asm__ volatile("mov %0, %%cr3" ::"r"(pa_of(pml4)) : "memory");
	console_printf("x86: own page tables: identity map of %u GiB with %s pages\n",
		       gb ? 512u : (unsigned)PD_COUNT, gb ? "1 GiB" : "2 MiB");
}
