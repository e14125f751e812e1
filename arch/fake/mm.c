/* SPDX-License-Identifier: MIT */
/*
 * The fake arch's mm hooks: "physical RAM" is host memory mapped on demand
 * (untouched pages cost nothing), TLB invalidations are counted, and the
 * page allocator can be made to fail at a chosen call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm/arch_mm.h"
#include "tests/unit/mm_fake.h"

#define FAKE_RAM_MAX 8

struct fake_ram {
	uint64_t base;
	uint64_t size;
	unsigned char *mem;
};

static struct fake_ram rams[FAKE_RAM_MAX];
static unsigned ram_count;
static unsigned fail_at;
static unsigned alloc_calls;

uint64_t fake_mm_tlb_invals;
uint64_t fake_mm_tlb_last_addr;
uint64_t fake_mm_tlb_last_size;

void fake_mm_ram_add(uint64_t base, uint64_t size)
{
	void *mem;

	if (ram_count == FAKE_RAM_MAX) {
		fprintf(stderr, "fake_mm_ram_add: too many ranges\n");
		abort();
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("fake_mm_ram_add: mmap");
		abort();
	}
	rams[ram_count++] = (struct fake_ram){ base, size, mem };
}

void fake_mm_ram_reset(void)
{
	while (ram_count > 0) {
		ram_count--;
		munmap(rams[ram_count].mem, rams[ram_count].size);
	}
}

void *arch_mm_pa_to_va(paddr_t pa)
{
	uint64_t a = pa_addr(pa);
	unsigned i;

	for (i = 0; i < ram_count; i++)
		if (a - rams[i].base < rams[i].size)
			return rams[i].mem + (a - rams[i].base);
	fprintf(stderr, "arch_mm_pa_to_va: 0x%llx is not fake RAM\n", (unsigned long long)a);
	abort();
}

void arch_mm_tlb_inval(const struct pt *pt, uint64_t addr, uint64_t size)
{
	(void)pt;
	fake_mm_tlb_invals++;
	fake_mm_tlb_last_addr = addr;
	fake_mm_tlb_last_size = size;
}

void fake_mm_fail_alloc_at(unsigned n)
{
	fail_at = n;
	alloc_calls = 0;
}

unsigned fake_mm_alloc_calls(void)
{
	return alloc_calls;
}

bool arch_mm_alloc_fails(void)
{
	alloc_calls++;
	return fail_at != 0 && alloc_calls == fail_at;
}
