/* SPDX-License-Identifier: MIT */
/* The boot memory map builder: sorting, merging, precedence, carving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "core/memmap.h"
#include "lib/err.h"

static struct boot_info *new_bi(void)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	assert_non_null(bi);
	return bi;
}

#define REGION(bi, i, b, s, t)                                              \
	do {                                                                \
		assert_int_equal((bi)->mem[i].base, (b));                   \
		assert_int_equal((bi)->mem[i].size, (s));                   \
		assert_int_equal((bi)->mem[i].type, (t));                   \
	} while (0)

static void test_sorted_and_merged(void **state)
{
	struct boot_info *bi = new_bi();

	(void)state;
	assert_int_equal(memmap_add(bi, 0x3000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(bi, 0x1000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(bi, 0x2000, 0x1000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(bi, 0x8000, 0x1000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, 2);
	REGION(bi, 0, 0x1000, 0x3000, BOOT_MEM_USABLE);
	REGION(bi, 1, 0x8000, 0x1000, BOOT_MEM_RESERVED);
	free(bi);
}

static void test_reserved_wins_overlap(void **state)
{
	struct boot_info *bi = new_bi();

	(void)state;
	/* Firmware maps that overlap: usable never eats reserved, either order. */
	assert_int_equal(memmap_add(bi, 0x0, 0x10000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_add(bi, 0x4000, 0x2000, BOOT_MEM_RESERVED), 0);
	assert_int_equal(memmap_add(bi, 0x3000, 0x4000, BOOT_MEM_USABLE), 0);
	assert_int_equal(bi->mem_count, 3);
	REGION(bi, 0, 0x0, 0x4000, BOOT_MEM_USABLE);
	REGION(bi, 1, 0x4000, 0x2000, BOOT_MEM_RESERVED);
	REGION(bi, 2, 0x6000, 0xa000, BOOT_MEM_USABLE);
	assert_int_equal(memmap_total(bi, BOOT_MEM_USABLE), 0xe000);
	free(bi);
}

static void test_carve_splits(void **state)
{
	struct boot_info *bi = new_bi();

	(void)state;
	assert_int_equal(memmap_add(bi, 0x100000, 0x100000, BOOT_MEM_USABLE), 0);
	assert_int_equal(memmap_carve(bi, 0x140000, 0x3000, BOOT_MEM_FIEF), 0);
	assert_int_equal(bi->mem_count, 3);
	REGION(bi, 0, 0x100000, 0x40000, BOOT_MEM_USABLE);
	REGION(bi, 1, 0x140000, 0x3000, BOOT_MEM_FIEF);
	REGION(bi, 2, 0x143000, 0xbd000, BOOT_MEM_USABLE);
	/* Carving over a hole fills it. */
	assert_int_equal(memmap_carve(bi, 0x300000, 0x1000, BOOT_MEM_MODULE), 0);
	REGION(bi, 3, 0x300000, 0x1000, BOOT_MEM_MODULE);
	free(bi);
}

static void test_bad_ranges(void **state)
{
	struct boot_info *bi = new_bi();

	(void)state;
	assert_int_equal(memmap_add(bi, 0x1000, 0, BOOT_MEM_USABLE), FIEF_EINVAL);
	assert_int_equal(memmap_add(bi, UINT64_MAX - 0xfff, 0x2000, BOOT_MEM_USABLE), FIEF_EINVAL);
	assert_int_equal(memmap_carve(bi, UINT64_MAX, 2, BOOT_MEM_FIEF), FIEF_EINVAL);
	assert_int_equal(bi->mem_count, 0);
	free(bi);
}

static void test_full_table_unchanged(void **state)
{
	struct boot_info *bi = new_bi();

	(void)state;
	/* Alternate types so nothing merges, until the table is full. */
	for (uint64_t i = 0; i < BOOT_MEM_REGIONS_MAX; i++)
		assert_int_equal(memmap_add(bi, i * 0x2000, 0x1000,
					    i % 2 ? BOOT_MEM_USABLE : BOOT_MEM_RESERVED), 0);
	assert_int_equal(bi->mem_count, BOOT_MEM_REGIONS_MAX);
	struct boot_mem_region before = bi->mem[7];

	assert_int_equal(memmap_carve(bi, 0x7000 * 2 + 0x100, 0x100, BOOT_MEM_FIEF), FIEF_ENOSPC);
	assert_int_equal(bi->mem_count, BOOT_MEM_REGIONS_MAX);
	assert_memory_equal(&bi->mem[7], &before, sizeof(before));
	free(bi);
}

static void test_print_and_files(void **state)
{
	struct boot_info *bi = new_bi();

	(void)state;
	memmap_add(bi, 0, 0x400000, BOOT_MEM_USABLE);
	bi->file_count = 1;
	snprintf(bi->files[0].name, sizeof(bi->files[0].name), "fief.cfg");
	assert_non_null(boot_find_file(bi, "fief.cfg"));
	assert_null(boot_find_file(bi, "missing.elf"));
	fake_console_reset();
	memmap_print(bi);
	assert_non_null(strstr(fake_console, "usable 4096 KiB"));
	assert_string_equal(boot_mem_type_name(BOOT_MEM_ACPI_NVS), "acpi-nvs");
	assert_string_equal(boot_mem_type_name(999), "unknown");
	free(bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_and_merged),
		cmocka_unit_test(test_reserved_wins_overlap),
		cmocka_unit_test(test_carve_splits),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_full_table_unchanged),
		cmocka_unit_test(test_print_and_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
