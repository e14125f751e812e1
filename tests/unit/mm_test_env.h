/* SPDX-License-Identifier: MIT */
/*
 * A small machine for mm tests: fake RAM, a boot memory map, mm_boot(),
 * guests, the invariant checker and a hash of every table entry.
 *
 *   0x0000_0000 .. 0x4000_0000   no RAM (the host sees device memory)
 *   0x4000_0000 .. 0xbe00_0000   usable RAM          (host)
 *   0xbe00_0000 .. 0xbf00_0000   fief's image        (fief)
 *   0xbf00_0000 .. 0xc000_0000   usable RAM; its top ENV_POOL bytes are
 *                                fief's page allocator pool
 */
#ifndef FIEF_TESTS_MM_TEST_ENV_H
#define FIEF_TESTS_MM_TEST_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/boot_info.h"
#include "lib/err.h"
#include "mm/arch_mm.h"
#include "core/mm_boot.h"
#include "mm/own.h"
#include "mm/own_priv.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm_fake.h"

#define ENV_RAM_BASE 0x40000000ull
#define ENV_RAM_SIZE 0x80000000ull
#define ENV_IMAGE 0xbe000000ull
#define ENV_IMAGE_SIZE 0x01000000ull
#define ENV_POOL (8ull << 20)
#define ENV_HOST_RAM 0x40000000ull /* an aligned GiB the host owns */
#define ENV_GUESTS 4

static struct boot_info env_bi;
static struct mm_vm env_guest[ENV_GUESTS];
static uint64_t *env_bitmap;
static size_t env_bitmap_words;

/* Fake RAM and a page allocator only (engine tests). */
static inline void env_alloc_only(uint64_t pool)
{
	fake_mm_fail_alloc_at(0);
	fake_mm_ram_reset();
	fake_mm_ram_add(ENV_RAM_BASE, ENV_RAM_SIZE);
	page_alloc_reset();
	assert_int_equal(page_alloc_add_range(pa_init(ENV_RAM_BASE + ENV_RAM_SIZE - pool), pool), 0);
}

/* The whole machine: mm_boot() over the map above, with stage-2 @s2. */
static inline void env_boot(const struct pt_format *s2)
{
	struct boot_info *bi = &env_bi;

	fake_mm_fail_alloc_at(0);
	fake_mm_ram_reset();
	fake_mm_ram_add(ENV_RAM_BASE, ENV_RAM_SIZE);
	memset(bi, 0, sizeof(*bi));
	bi->image_base = ENV_IMAGE;
	bi->image_size = ENV_IMAGE_SIZE;
	bi->mem[0] = (struct boot_mem_region){ ENV_RAM_BASE, ENV_IMAGE - ENV_RAM_BASE,
					       BOOT_MEM_USABLE, 0 };
	bi->mem[1] = (struct boot_mem_region){ ENV_IMAGE, ENV_IMAGE_SIZE, BOOT_MEM_FIEF, 0 };
	bi->mem[2] = (struct boot_mem_region){ ENV_IMAGE + ENV_IMAGE_SIZE,
					       ENV_RAM_BASE + ENV_RAM_SIZE - ENV_IMAGE - ENV_IMAGE_SIZE,
					       BOOT_MEM_USABLE, 0 };
	bi->mem[3] = (struct boot_mem_region){ 0xfee00000ull, 0x1000, BOOT_MEM_MMIO, 0 };
	bi->mem_count = 4;
	assert_int_equal(mm_boot(bi, s2, ENV_POOL), 0);
	free(env_bitmap);
	env_bitmap_words = mm_check_bitmap_words();
	env_bitmap = calloc(env_bitmap_words, sizeof(uint64_t));
	assert_non_null(env_bitmap);
}

static inline struct mm_vm *env_new_guest(unsigned i)
{
	assert_int_equal(mm_guest_init(&env_guest[i], (uint16_t)(MM_OWNER_GUEST_FIRST + i)), 0);
	return &env_guest[i];
}

/* Run the checker; on failure the bitmap is cleared for the next run. */
static inline int env_check(void)
{
	int ret = mm_check(env_bitmap, env_bitmap_words);

	if (ret != 0)
		memset(env_bitmap, 0, env_bitmap_words * sizeof(uint64_t));
	return ret;
}

/* ---- a hash of every entry of a table, to prove "nothing changed" ---- */

static inline uint64_t env_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ull;
	return h ^ (h >> 29);
}

static inline int env_hash_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	uint64_t *h = ctx->arg;

	(void)what;
	*h = env_mix(*h, ia_addr(ctx->addr));
	*h = env_mix(*h, ctx->level);
	*h = env_mix(*h, ctx->old);
	return 0;
}

static const struct pt_walker env_hash_walker = {
	.visit = env_hash_visit,
	.flags = PT_VISIT_LEAF | PT_VISIT_TABLE_PRE | PT_VISIT_SKIP_EMPTY,
};

/* Table entries only; table pages are compared by content, not address. */
static inline uint64_t env_hash_pt(struct pt *pt)
{
	uint64_t h = 0xcbf29ce484222325ull;

	assert_int_equal(pt_walk(pt, ia_init(0), (uint64_t)1 << pt->fmt->ia_bits, &env_hash_walker,
				 &h), 0);
	return h;
}

/* Every table of the machine: the host's and each live guest's. */
static inline uint64_t env_hash_all(void)
{
	uint64_t h = env_hash_pt(&mm_host()->pt);
	unsigned i;

	for (i = 0; i < ENV_GUESTS; i++)
		if (mm_state.guests[MM_OWNER_GUEST_FIRST + i] == &env_guest[i])
			h = env_mix(h, env_hash_pt(&env_guest[i].pt));
	return h;
}

#endif
