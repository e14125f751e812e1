/* SPDX-License-Identifier: MIT */
/*
 * mm benchmarks, run by tests/bench/mm.py.
 *
 *   mm_bench list         one line per instruction-count figure: "name ops"
 *   mm_bench run NAME     set up, then run figure NAME's operations inside
 *                         bench_measured(), the one function callgrind
 *                         collects (--toggle-collect=bench_measured)
 *   mm_bench counts       entry-count figures, measured directly: one
 *                         "name value" line each
 *
 * Built -O2 without sanitizers against the real mm/ code on the fake arch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/boot_info.h"
#include "core/mm_boot.h"
#include "lib/err.h"
#include "mm/own.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "tests/unit/mm_fake.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RAM_BASE GiB
#define RAM_SIZE (2 * GiB)
#define IMAGE (3 * GiB - 32 * MiB)
#define POOL (16 * MiB)
#define SHARE_PAGES 1000u
#define MAP_PAGES 511u

static struct boot_info bi;
static struct mm_vm guest;
static struct pt pt;
static uint64_t *bitmap;
static size_t bitmap_words;

static void die(const char *what, int rc)
{
	fprintf(stderr, "mm_bench: %s: %s\n", what, err_name(rc));
	exit(1);
}

static void check(const char *what, int rc)
{
	if (rc != 0)
		die(what, rc);
}

/* The machine of the unit tests: RAM at 1-3 GiB, fief's image near the top. */
static void boot(const struct pt_format *s2)
{
	fake_mm_ram_reset();
	fake_mm_ram_add(RAM_BASE, RAM_SIZE);
	memset(&bi, 0, sizeof(bi));
	bi.image_base = IMAGE;
	bi.image_size = 16 * MiB;
	bi.mem[0] = (struct boot_mem_region){ RAM_BASE, IMAGE - RAM_BASE, BOOT_MEM_USABLE, 0 };
	bi.mem[1] = (struct boot_mem_region){ IMAGE, 16 * MiB, BOOT_MEM_FIEF, 0 };
	bi.mem[2] = (struct boot_mem_region){ IMAGE + 16 * MiB, 16 * MiB, BOOT_MEM_USABLE, 0 };
	bi.mem_count = 3;
	check("mm_boot", mm_boot(&bi, s2, POOL));
	check("guest", mm_guest_init(&guest, MM_OWNER_GUEST_FIRST));
	bitmap_words = mm_check_bitmap_words();
	bitmap = calloc(bitmap_words, sizeof(uint64_t));
	if (bitmap == NULL)
		die("calloc", FIEF_ENOMEM);
}

/* A bare table and an allocator, for the engine figures. */
static void bare(const struct pt_format *f)
{
	fake_mm_ram_reset();
	fake_mm_ram_add(RAM_BASE, RAM_SIZE);
	page_alloc_reset();
	check("pool", page_alloc_add_range(pa_init(RAM_BASE + RAM_SIZE - POOL), POOL));
	check("pt_init", pt_init(&pt, f, 1));
}

/* ---- the measured operations ------------------------------------------ */

static void op_map_4k(void)
{
	unsigned i;

	for (i = 1; i <= MAP_PAGES; i++)
		check("map", pt_map_range(&pt, ia_init(2 * MiB + i * PAGE_SIZE), PAGE_SIZE,
					  pa_init(RAM_BASE + i * PAGE_SIZE), MM_ATTR_RW));
}

static void op_unmap_4k(void)
{
	unsigned i;

	for (i = 1; i <= MAP_PAGES; i++)
		check("unmap", pt_set_invalid_range(&pt, ia_init(2 * MiB + i * PAGE_SIZE),
						    PAGE_SIZE, 0));
}

static void op_share(void)
{
	check("share", mm_host_share_guest(&guest, pa_init(RAM_BASE + 64 * MiB), gpa_init(GiB),
					   SHARE_PAGES * PAGE_SIZE));
}

static void op_donate(void)
{
	check("donate", mm_host_donate_guest(&guest, pa_init(RAM_BASE + 64 * MiB), gpa_init(GiB),
					     SHARE_PAGES * PAGE_SIZE));
}

static void op_check(void)
{
	check("mm_check", mm_check(bitmap, bitmap_words));
}

/* The one function callgrind counts. noinline: it must exist by name. */
__attribute__((noinline)) void bench_measured(void (*volatile fn)(void));
__attribute__((noinline)) void bench_measured(void (*volatile fn)(void))
{
	fn();
}

/* ---- figures ------------------------------------------------------------- */

struct figure {
	const char *name;
	unsigned ops;         /* operations one run performs */
	void (*setup)(void);
	void (*op)(void);
};

static void setup_map(void)
{
	bare(&pt_format_ept);
	/* The 2 MiB area's tables exist (page 0 stays mapped): steady state. */
	check("map", pt_map_range(&pt, ia_init(2 * MiB), PAGE_SIZE, pa_init(RAM_BASE), MM_ATTR_RW));
}

static void setup_map_arm64(void)
{
	bare(&pt_format_arm64_s2);
	check("map", pt_map_range(&pt, ia_init(2 * MiB), PAGE_SIZE, pa_init(RAM_BASE), MM_ATTR_RW));
}

static void setup_unmap(void)
{
	setup_map();
	op_map_4k();
}

static void setup_unmap_arm64(void)
{
	setup_map_arm64();
	op_map_4k();
}

static void setup_share(void)
{
	boot(&pt_format_ept);
}

static void setup_check(void)
{
	boot(&pt_format_ept);
	/* Guest address off by a page: every guest leaf is a 4 KiB page. */
	check("donate", mm_host_donate_guest(&guest, pa_init(RAM_BASE + 64 * MiB),
					     gpa_init(GiB + PAGE_SIZE), SHARE_PAGES * PAGE_SIZE));
	check("share", mm_host_share_guest(&guest, pa_init(RAM_BASE + 128 * MiB),
					   gpa_init(2 * GiB + PAGE_SIZE), SHARE_PAGES * PAGE_SIZE));
}

static const struct figure figures[] = {
	{ "mm.map_4k", MAP_PAGES, setup_map, op_map_4k },
	{ "mm.unmap_4k", MAP_PAGES, setup_unmap, op_unmap_4k },
	{ "mm.map_4k.arm64_s2", MAP_PAGES, setup_map_arm64, op_map_4k },
	{ "mm.unmap_4k.arm64_s2", MAP_PAGES, setup_unmap_arm64, op_unmap_4k },
	{ "mm.share_page", SHARE_PAGES, setup_share, op_share },
	{ "mm.donate_page", SHARE_PAGES, setup_share, op_donate },
	{ "mm.check_per_page", 2 * SHARE_PAGES, setup_check, op_check },
};

#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

/* ---- entry-count figures -------------------------------------------------- */

static void counts(void)
{
	static const struct pt_format *const fmts[] = {
		&pt_format_x86_hyp, &pt_format_x86_npt, &pt_format_ept,
		&pt_format_arm64_s2, &pt_format_arm64_el2,
	};
	uint64_t worst = 0, n;
	struct mm_vm_locked host;
	unsigned i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		bare(fmts[i]);
		check("map 1G", pt_map_range(&pt, ia_init(GiB), GiB, pa_init(GiB), MM_ATTR_RWX));
		n = pt.stats.leaf_writes;
		printf("mm.map_1g_leaves.%s %llu\n", fmts[i]->name, (unsigned long long)n);
		worst = n > worst ? n : worst;
	}
	printf("mm.map_1g_leaves %llu\n", (unsigned long long)worst);

	/* The host gives fief an aligned GiB it had mapped as one block. */
	boot(&pt_format_ept);
	check("fault", mm_host_fault(pa_init(GiB)));
	host = mm_vm_lock(mm_host());
	n = host.vm->pt.stats.leaf_writes;
	check("set_owner", mm_host_set_owner_locked(host, pa_init(GiB), GiB, MM_OWNER_HYP));
	n = host.vm->pt.stats.leaf_writes - n;
	mm_vm_unlock(&host);
	printf("mm.set_owner_1g_leaves %llu\n", (unsigned long long)n);
}

int main(int argc, char **argv)
{
	unsigned i;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (i = 0; i < NFIGURES; i++)
			printf("%s %u\n", figures[i].name, figures[i].ops);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "counts") == 0) {
		counts();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "run") == 0) {
		for (i = 0; i < NFIGURES; i++) {
			if (strcmp(argv[2], figures[i].name) != 0)
				continue;
			figures[i].setup();
			bench_measured(figures[i].op);
			return 0;
		}
	}
	fprintf(stderr, "usage: mm_bench list | counts | run NAME\n");
	return 2;
}
