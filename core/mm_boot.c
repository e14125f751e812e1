/* SPDX-License-Identifier: MIT */
/* mm from the boot memory map (core/mm_boot.h). */
#include "core/mm_boot.h"

#include <stdbool.h>

#include "core/boot_info.h"
#include "lib/err.h"
#include "mm/own.h"
#include "mm/page_alloc.h"

static bool boot_is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_FIEF || type == BOOT_MEM_MODULE;
}

/* Take up to @want bytes from the top of usable region @r into the pool. */
static int pool_take(const struct boot_mem_region *r, uint64_t *want,
		     struct mm_region *hyp, unsigned *hyp_count)
{
	uint64_t lo = (r->base + PAGE_MASK) & ~PAGE_MASK;
	uint64_t hi = (r->base + r->size) & ~PAGE_MASK;
	uint64_t take;
	int ret;

	if (hi <= lo || *want == 0)
		return 0;
	take = hi - lo < *want ? hi - lo : *want;
	if (*hyp_count == MM_HYP_MAX)
		return FIEF_ENOSPC;
	ret = page_alloc_add_range(pa_init(hi - take), take);
	if (ret == FIEF_EINVAL)
		return 0; /* too small to hold its own metadata: skip it */
	if (ret != 0)
		return ret;
	hyp[(*hyp_count)++] = (struct mm_region){ pa_init(hi - take), take };
	*want -= take;
	return 0;
}

int mm_boot(const struct boot_info *bi, const struct pt_format *s2, uint64_t pool_size)
{
	struct mm_region ram[MM_RAM_MAX], hyp[MM_HYP_MAX];
	unsigned ram_count = 0, hyp_count = 0, i;
	uint64_t want = (pool_size + PAGE_MASK) & ~PAGE_MASK;
	int ret;

	page_alloc_reset();
	for (i = 0; i < bi->mem_count && ram_count < MM_RAM_MAX; i++) {
		const struct boot_mem_region *r = &bi->mem[i];
		uint64_t lo = (r->base + PAGE_MASK) & ~PAGE_MASK;
		uint64_t hi = (r->base + r->size) & ~PAGE_MASK;

		if (boot_is_ram(r->type) && hi > lo)
			ram[ram_count++] = (struct mm_region){ pa_init(lo), hi - lo };
	}
	if (bi->image_size != 0)
		hyp[hyp_count++] = (struct mm_region){ pa_init(bi->image_base & ~PAGE_MASK),
						       (bi->image_size + PAGE_MASK) & ~PAGE_MASK };
	for (i = bi->mem_count; i-- > 0 && want != 0;) {
		if (bi->mem[i].type != BOOT_MEM_USABLE)
			continue;
		ret = pool_take(&bi->mem[i], &want, hyp, &hyp_count);
		if (ret != 0)
			return ret;
	}
	if (want != 0)
		return FIEF_ENOMEM;
	return mm_own_init(s2, ram, ram_count, hyp, hyp_count);
}

