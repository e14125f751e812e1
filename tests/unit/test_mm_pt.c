/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine on every format: build tables, then read the raw
 * entries back (levels, blocks, attribute bits, software bits), including
 * block splitting, table freeing and the prepare bounds.
 */
#include "mm_test_env.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define KiB (1ull << 10)

/* Expected raw entries, computed by hand from the architecture manuals. */
struct fmt_case {
	const struct pt_format *f;
	pte_t page_rw;  /* 4 KiB page of 0x40203000, R+W, normal */
	pte_t block_rx; /* 2 MiB block of 0x40200000, R+X, normal */
	pte_t dev_rw;   /* 4 KiB page of 0x40203000, R+W, device */
	pte_t table;    /* non-address bits of a table entry */
	unsigned sw_shift;
};

static const struct fmt_case cases[] = {
	{ &pt_format_x86_hyp, 0x8000000040203063ull, 0x00000000402000e1ull,
	  0x800000004020307bull, 0x23, 9 },
	{ &pt_format_x86_npt, 0x8000000040203067ull, 0x00000000402000e5ull,
	  0x800000004020307full, 0x27, 9 },
	{ &pt_format_ept, 0x0000000040203073ull, 0x00000000402000f5ull,
	  0x0000000040203043ull, 0x07, 52 },
	{ &pt_format_arm64_s2, 0x00400000402037ffull, 0x000000004020077dull,
	  0x00400000402034c7ull, 0x03, 55 },
	{ &pt_format_arm64_el2, 0x0040000040203743ull, 0x00000000402007c1ull,
	  0x0040000040203447ull, 0x03, 55 },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct pt pt;

static void setup_pt(const struct pt_format *f)
{
	env_alloc_only(16 * MiB);
	assert_int_equal(pt_init(&pt, f, 1), 0);
}

/* The raw entry of @va at @level, following tables from the root. */
static pte_t raw_entry(iaddr_t va, unsigned level)
{
	const struct pt_format *f = pt.fmt;
	paddr_t t = pt.root;
	unsigned l;

	for (l = 0;; l++) {
		unsigned idx = (unsigned)(ia_addr(va) >> pt_level_shift(f, l)) & 511;
		pte_t e = ((pte_t *)arch_mm_pa_to_va(t))[idx];

		if (l == level)
			return e;
		assert_true(pt_pte_table(f, e, l));
		t = pa_init(e & f->addr_mask);
	}
}

static void test_encodings(void **state)
{
	unsigned i, l;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct fmt_case *c = &cases[i];
		iaddr_t va = ia_init(0x7000003000ull), blk = ia_init(0x80000000ull);
		paddr_t pa = pa_init(0x40203000);
		struct pt_leaf leaf;

		setup_pt(c->f);
		assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, pa, MM_ATTR_RW), 0);
		for (l = 0; l < 3; l++)
			assert_int_equal(raw_entry(va, l) & ~c->f->addr_mask, c->table);
		assert_int_equal(raw_entry(va, 3), c->page_rw);
		pt_lookup(&pt, ia_add(va, 0x123), &leaf);
		assert_true(leaf.valid);
		assert_int_equal(leaf.level, 3);
		assert_int_equal(pa_addr(leaf.pa), 0x40203000);
		assert_int_equal(leaf.attrs, MM_ATTR_RW);
		assert_int_equal(leaf.state, MM_PAGE_OWNED);

		/* The page state lands in the format's two software bits. */
		assert_int_equal(pt_prepare(&pt, pt_need_map(&pt, va, PAGE_SIZE, pa)), 0);
		pt_map(&pt, va, PAGE_SIZE, pa, MM_ATTR_RW, MM_PAGE_SHARED_BORROWED);
		assert_int_equal(raw_entry(va, 3), c->page_rw | ((pte_t)2 << c->sw_shift));
		pt_set_state(&pt, va, PAGE_SIZE, MM_PAGE_SHARED_OWNED);
		assert_int_equal(raw_entry(va, 3), c->page_rw | ((pte_t)1 << c->sw_shift));
		pt_lookup(&pt, va, &leaf);
		assert_int_equal(leaf.state, MM_PAGE_SHARED_OWNED);

		assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, pa,
					      MM_ATTR_RW | MM_ATTR_DEVICE), 0);
		assert_int_equal(raw_entry(va, 3), c->dev_rw);
		pt_lookup(&pt, va, &leaf);
		assert_int_equal(leaf.attrs, MM_ATTR_RW | MM_ATTR_DEVICE);

		assert_int_equal(pt_map_range(&pt, blk, 2 * MiB, pa_init(0x40200000),
					      MM_ATTR_R | MM_ATTR_X), 0);
		assert_int_equal(raw_entry(blk, 2), c->block_rx);
		pt_lookup(&pt, ia_add(blk, 5 * PAGE_SIZE), &leaf);
		assert_int_equal(leaf.level, 2);
		assert_int_equal(leaf.size, 2 * MiB);
		assert_int_equal(leaf.attrs, MM_ATTR_R | MM_ATTR_X);
	}
}

static void test_1g_block(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		struct pt_leaf leaf;

		setup_pt(cases[i].f);
		assert_int_equal(pt_need_map(&pt, ia_init(GiB), GiB, pa_init(GiB)), 1);
		assert_int_equal(pt_map_range(&pt, ia_init(GiB), GiB, pa_init(GiB), MM_ATTR_RWX),
				 0);
		assert_int_equal(pt.stats.leaf_writes, 1);
		assert_int_equal(pt.stats.tables_alloced, 1);
		pt_lookup(&pt, ia_init(GiB + 0x12345678), &leaf);
		assert_true(leaf.valid);
		assert_int_equal(leaf.level, 1);
		assert_int_equal(ia_addr(leaf.addr), GiB);
		assert_int_equal(pa_addr(leaf.pa), GiB);
		assert_int_equal(raw_entry(ia_init(GiB), 1),
				 pt_pte_leaf(cases[i].f, pa_init(GiB), 1, MM_ATTR_RWX,
					     MM_PAGE_OWNED));
		assert_false(pt_pte_table(cases[i].f, raw_entry(ia_init(GiB), 1), 1));
	}
}

static void test_split_and_free(void **state)
{
	unsigned i, k;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct pt_format *f = cases[i].f;
		/* GiB 1 is mapped to itself: input and output offsets agree. */
		uint64_t hole = GiB + 0x12345000ull;
		uint64_t free_before;
		struct pt_leaf leaf;

		setup_pt(f);
		free_before = page_alloc_free_count();
		assert_int_equal(pt_map_range(&pt, ia_init(GiB), GiB, pa_init(GiB), MM_ATTR_RW), 0);
		pt.stats = (struct pt_stats){ 0 };
		assert_int_equal(pt_set_invalid_range(&pt, ia_init(hole), PAGE_SIZE, 0), 0);
		/* 1 GiB -> 512 x 2 MiB -> 512 x 4 KiB, then the hole. */
		assert_int_equal(pt.stats.tables_alloced, 2);
		assert_int_equal(pt.stats.leaf_writes, 512 + 512 + 1);
		assert_true(pt_pte_table(f, raw_entry(ia_init(hole), 1), 1));
		assert_true(pt_pte_table(f, raw_entry(ia_init(hole), 2), 2));
		for (k = 0; k < 512; k++) {
			uint64_t a = GiB + k * 2 * MiB;

			if (a == (hole & ~(2 * MiB - 1)))
				continue;
			assert_int_equal(raw_entry(ia_init(a), 2),
					 pt_pte_leaf(f, pa_init(a), 2, MM_ATTR_RW, MM_PAGE_OWNED));
		}
		pt_lookup(&pt, ia_init(hole), &leaf);
		assert_false(leaf.valid);
		assert_int_equal(leaf.level, 3);
		assert_int_equal(raw_entry(ia_init(hole), 3), 0);
		pt_lookup(&pt, ia_init(hole + PAGE_SIZE), &leaf);
		assert_true(leaf.valid);
		assert_int_equal(leaf.level, 3);
		assert_int_equal(pa_addr(leaf.pa), hole + PAGE_SIZE);
		assert_int_equal(leaf.attrs, MM_ATTR_RW);
		assert_int_equal(raw_entry(ia_init(hole - PAGE_SIZE), 3),
				 pt_pte_leaf(f, pa_init(hole - PAGE_SIZE), 3, MM_ATTR_RW,
					     MM_PAGE_OWNED));

		/* Unmapping the rest empties and frees all three tables. */
		assert_int_equal(pt_set_invalid_range(&pt, ia_init(GiB), hole - GiB, 0), 0);
		assert_int_equal(pt_set_invalid_range(&pt, ia_init(hole + PAGE_SIZE),
						      2 * GiB - hole - PAGE_SIZE, 0), 0);
		assert_int_equal(pt.stats.tables_freed, 3);
		assert_int_equal(page_meta_of(pt.root)->refs, 0);
		assert_int_equal(raw_entry(ia_init(GiB), 0), 0);
		pt_cache_drain(&pt);
		assert_int_equal(page_alloc_free_count(), free_before);
	}
}

static void test_page_then_free(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		iaddr_t va = ia_init(0x5000);
		paddr_t pa = pa_init(0x40000000);
		uint64_t free_before;

		setup_pt(cases[i].f);
		free_before = page_alloc_free_count();
		assert_int_equal(pt_need_map(&pt, va, PAGE_SIZE, pa), 3);
		assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, pa, MM_ATTR_R), 0);
		assert_int_equal(pt.stats.tables_alloced, 3);
		assert_int_equal(page_meta_of(pt.root)->refs, 1);
		assert_int_equal(pt_set_invalid_range(&pt, va, PAGE_SIZE, 0), 0);
		assert_int_equal(pt.stats.tables_freed, 3);
		assert_int_equal(page_meta_of(pt.root)->refs, 0);
		assert_int_equal(raw_entry(va, 0), 0);
		pt_cache_drain(&pt);
		assert_int_equal(page_alloc_free_count(), free_before);
		pt_destroy(&pt);
		assert_int_equal(page_alloc_free_count(), free_before + 1);
	}
}

static void test_protect_splits(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		struct pt_leaf leaf;
		iaddr_t va = ia_init(2 * MiB);

		setup_pt(cases[i].f);
		assert_int_equal(pt_map_range(&pt, va, 2 * MiB, pa_init(0x40200000), MM_ATTR_RW),
				 0);
		assert_int_equal(pt_protect_range(&pt, ia_add(va, 8 * KiB), PAGE_SIZE, MM_ATTR_R),
				 0);
		pt_lookup(&pt, ia_add(va, 8 * KiB), &leaf);
		assert_int_equal(leaf.level, 3);
		assert_int_equal(leaf.attrs, MM_ATTR_R);
		assert_int_equal(pa_addr(leaf.pa), 0x40202000);
		pt_lookup(&pt, ia_add(va, 12 * KiB), &leaf);
		assert_int_equal(leaf.attrs, MM_ATTR_RW);
		assert_int_equal(pa_addr(leaf.pa), 0x40203000);
		/* Protecting invalid entries changes nothing. */
		assert_int_equal(pt_protect_range(&pt, ia_init(8 * MiB), 2 * MiB, MM_ATTR_R), 0);
		pt_lookup(&pt, ia_init(8 * MiB), &leaf);
		assert_false(leaf.valid);
	}
}

static void test_owner_entries(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct pt_format *f = cases[i].f;
		struct pt_leaf leaf;
		iaddr_t g3 = ia_init(3 * GiB);

		setup_pt(f);
		pt.stats = (struct pt_stats){ 0 };
		assert_int_equal(pt_set_invalid_range(&pt, g3, GiB, 7), 0);
		assert_int_equal(pt.stats.leaf_writes, 1);
		assert_int_equal(raw_entry(g3, 1), pt_pte_invalid(f, 7));
		assert_int_equal(raw_entry(g3, 1) & f->valid_mask, 0);
		assert_int_equal(raw_entry(g3, 1), (pte_t)7 << 16);
		pt_lookup(&pt, ia_add(g3, 0x1000), &leaf);
		assert_false(leaf.valid);
		assert_int_equal(leaf.owner, 7);
		assert_int_equal(leaf.level, 1);
		/* Part of it to another owner: the rest keeps owner 7. */
		assert_int_equal(pt_set_invalid_range(&pt, ia_add(g3, 4 * MiB + 4 * KiB),
						      PAGE_SIZE, 9), 0);
		pt_lookup(&pt, ia_add(g3, 4 * MiB + 4 * KiB), &leaf);
		assert_int_equal(leaf.owner, 9);
		assert_int_equal(leaf.level, 3);
		pt_lookup(&pt, ia_add(g3, 4 * MiB), &leaf);
		assert_int_equal(leaf.owner, 7);
		assert_int_equal(leaf.level, 3);
		pt_lookup(&pt, ia_add(g3, 10 * MiB), &leaf);
		assert_int_equal(leaf.owner, 7);
		assert_int_equal(leaf.level, 2);
		/* Mapping over an annotated block splits it likewise. */
		assert_int_equal(pt_map_range(&pt, ia_add(g3, 20 * MiB), PAGE_SIZE,
					      pa_init(0x40000000), MM_ATTR_RW), 0);
		pt_lookup(&pt, ia_add(g3, 20 * MiB + PAGE_SIZE), &leaf);
		assert_int_equal(leaf.owner, 7);
		assert_int_equal(leaf.level, 3);
		/* Re-annotating the whole GiB frees what was below. */
		assert_int_equal(pt_set_invalid_range(&pt, g3, GiB, 8), 0);
		assert_int_equal(pt.stats.tables_freed, pt.stats.tables_alloced - 1);
		assert_int_equal(raw_entry(g3, 1), pt_pte_invalid(f, 8));
	}
}

static void test_no_block_when_misaligned(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		struct pt_leaf leaf;

		setup_pt(cases[i].f);
		assert_int_equal(pt_need_map(&pt, ia_init(2 * MiB), 4 * MiB, pa_init(0x40001000)),
				 1 + 1 + 2);
		assert_int_equal(pt_map_range(&pt, ia_init(2 * MiB), 4 * MiB, pa_init(0x40001000),
					      MM_ATTR_RW), 0);
		assert_int_equal(pt.stats.leaf_writes, 1024);
		pt_lookup(&pt, ia_init(4 * MiB), &leaf);
		assert_int_equal(leaf.level, 3);
		assert_int_equal(pa_addr(leaf.pa), 0x40001000 + 2 * MiB);
	}
}

static void test_block_replaces_table(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		struct pt_leaf leaf;
		iaddr_t va = ia_init(2 * MiB);

		setup_pt(cases[i].f);
		assert_int_equal(pt_map_range(&pt, va, 16 * KiB, pa_init(0x40000000), MM_ATTR_RW),
				 0);
		assert_int_equal(pt.stats.tables_alloced, 3);
		assert_int_equal(pt_map_range(&pt, va, 2 * MiB, pa_init(0x40200000), MM_ATTR_RWX),
				 0);
		assert_int_equal(pt.stats.tables_freed, 1);
		pt_lookup(&pt, ia_add(va, 4 * KiB), &leaf);
		assert_int_equal(leaf.level, 2);
		assert_int_equal(pa_addr(leaf.pa), 0x40200000);
		assert_int_equal(leaf.attrs, MM_ATTR_RWX);
	}
}

static void test_bad_arguments(void **state)
{
	const iaddr_t va = ia_init(0x1000), top = ia_init(1ull << 48);
	const paddr_t zero = pa_init(0);
	uint64_t before;

	(void)state;
	setup_pt(&pt_format_ept);
	assert_int_equal(pt_map_range(&pt, ia_init(0x1001), PAGE_SIZE, zero, MM_ATTR_R),
			 FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, va, 0x800, zero, MM_ATTR_R), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, va, 0, zero, MM_ATTR_R), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, pa_init(0x10), MM_ATTR_R), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, top, PAGE_SIZE, zero, MM_ATTR_R), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, ia_init(ia_addr(top) - PAGE_SIZE), 2 * PAGE_SIZE, zero,
				      MM_ATTR_R), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, ia_init(~0ull - PAGE_SIZE + 1), PAGE_SIZE, zero,
				      MM_ATTR_R), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, zero, MM_ATTR_W), FIEF_EINVAL);
	assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, zero, 0), FIEF_EINVAL);
	assert_int_equal(pt_set_invalid_range(&pt, va, 0, 0), FIEF_EINVAL);
	assert_int_equal(pt_protect_range(&pt, va, PAGE_SIZE, MM_ATTR_W), FIEF_EINVAL);
	/* Out of memory: an error and not one entry changed. */
	before = env_hash_pt(&pt);
	fake_mm_fail_alloc_at(2);
	assert_int_equal(pt_map_range(&pt, va, PAGE_SIZE, pa_init(0x40000000), MM_ATTR_R),
			 FIEF_ENOMEM);
	assert_int_equal(env_hash_pt(&pt), before);
	fake_mm_fail_alloc_at(0);
}

static void test_tlb_invalidation(void **state)
{
	uint64_t n;

	(void)state;
	setup_pt(&pt_format_arm64_s2);
	assert_int_equal(pt_map_range(&pt, ia_init(0x10000), 4 * PAGE_SIZE, pa_init(0x40000000),
				      MM_ATTR_RW), 0);
	n = fake_mm_tlb_invals;
	assert_int_equal(pt_set_invalid_range(&pt, ia_init(0x11000), PAGE_SIZE, 0), 0);
	assert_int_equal(fake_mm_tlb_invals, n + 1);
	assert_int_equal(fake_mm_tlb_last_addr, 0x11000);
	assert_int_equal(fake_mm_tlb_last_size, PAGE_SIZE);
	/* Replacing a valid entry breaks it first, then invalidates. */
	n = fake_mm_tlb_invals;
	assert_int_equal(pt_protect_range(&pt, ia_init(0x10000), PAGE_SIZE, MM_ATTR_R), 0);
	assert_int_equal(fake_mm_tlb_invals, n + 1);
	/* Changing a page state touches no bit the hardware reads. */
	n = fake_mm_tlb_invals;
	pt_set_state(&pt, ia_init(0x12000), PAGE_SIZE, MM_PAGE_SHARED_OWNED);
	assert_int_equal(fake_mm_tlb_invals, n);
	/* Mapping where nothing was needs no invalidation. */
	n = fake_mm_tlb_invals;
	assert_int_equal(pt_map_range(&pt, ia_init(0x20000), PAGE_SIZE, pa_init(0x40000000),
				      MM_ATTR_RW), 0);
	assert_int_equal(fake_mm_tlb_invals, n);
}

static void test_allocator(void **state)
{
	paddr_t a, b;
	uint64_t n;

	(void)state;
	env_alloc_only(64 * KiB);
	/* 16 pages, the first holds the metadata of all 16. */
	n = page_alloc_free_count();
	assert_int_equal(n, 15);
	assert_int_equal(page_meta_of(pa_init(ENV_RAM_BASE + ENV_RAM_SIZE - 64 * KiB))->type,
			 PAGE_TYPE_META);
	assert_int_equal(page_alloc(&a, PAGE_TYPE_USED), 0);
	assert_int_equal(pa_addr(a), ENV_RAM_BASE + ENV_RAM_SIZE - 60 * KiB);
	assert_int_equal(page_meta_of(a)->type, PAGE_TYPE_USED);
	assert_null(page_meta_of(pa_init(0x1000)));
	page_free(a);
	assert_int_equal(page_meta_of(a)->type, PAGE_TYPE_FREE);
	while (page_alloc(&b, PAGE_TYPE_USED) == 0)
		n--;
	assert_int_equal(n, 0);
	assert_int_equal(page_alloc_add_range(pa_init(0x40000000), 4096), FIEF_EINVAL);
	assert_int_equal(page_alloc_add_range(pa_init(0x40000800), 0x10000), FIEF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_1g_block),
		cmocka_unit_test(test_split_and_free),
		cmocka_unit_test(test_page_then_free),
		cmocka_unit_test(test_protect_splits),
		cmocka_unit_test(test_owner_entries),
		cmocka_unit_test(test_no_block_when_misaligned),
		cmocka_unit_test(test_block_replaces_table),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_tlb_invalidation),
		cmocka_unit_test(test_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
