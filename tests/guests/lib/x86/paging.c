/* SPDX-License-Identifier: MIT */
/*
 * Adding an identity 2 MiB mapping to the page tables fief built.
 *
 * fief maps exactly the guest's memory. The fault guests need a virtual
 * address for a GPA outside it, so they can make the access that fief must
 * catch at stage 2. fief's tables live in the guest's low memory, which is
 * identity-mapped, so physical addresses read from them are usable pointers.
 */
#include "guest.h"
#include "x86.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define PAGE_2M (2ull << 20)
#define POOL_TABLES 4

static uint64_t pool[POOL_TABLES][512] __attribute__((aligned(4096)));
static unsigned pool_used;

/* The table an entry points to, creating it if the entry is empty. */
static uint64_t *next_table(uint64_t *entry)
{
	uint64_t *t;

	if (*entry & PTE_P)
		return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
	if (pool_used == POOL_TABLES)
		return NULL;
	t = pool[pool_used++];
	memset(t, 0, sizeof(pool[0]));
	*entry = (uint64_t)(uintptr_t)t | PTE_P | PTE_RW;
	return t;
}

int x86_map_2m(uint64_t gpa)
{
	uint64_t va = gpa & ~(PAGE_2M - 1);
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(x86_read_cr3() & PTE_ADDR);
	uint64_t *pdpt, *pd;

	pdpt = next_table(&pml4[(va >> 39) & 511]);
	if (!pdpt)
		return -1;
	if ((pdpt[(va >> 30) & 511] & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS))
		return 1; /* a 1 GiB page covers it already */
	pd = next_table(&pdpt[(va >> 30) & 511]);
	if (!pd)
		return -1;
	if (pd[(va >> 21) & 511] & PTE_P)
		return 1;
	pd[(va >> 21) & 511] = va | PTE_P | PTE_RW | PTE_PS;
	x86_invlpg(va);
	return 0;
}

int guest_map_gpa(uint64_t gpa)
{
	return x86_map_2m(gpa);
}
