/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 information parser: well-formed blocks fill struct boot_info
 * (files, RSDP, loader name, memory map with the carve-outs); every kind of
 * malformed block is refused with an error. Blocks are parsed from a heap
 * copy of exactly their length, so any read past the end is an ASan report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/multiboot2/parse_mb2.h"
#include "core/memmap.h"
#include "lib/err.h"

#define INFO_PA 0x10000ull
#define IMAGE_BASE 0x200000ull
#define IMAGE_SIZE 0x2c000ull

/* An information block under construction. */
struct blk {
	uint8_t b[8192] __attribute__((aligned(8)));
	uint32_t len;
};

static struct blk blk;
static struct boot_info bi;

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void blk_init(void)
{
	memset(&blk, 0, sizeof(blk));
	blk.len = 8;
}

/* Append a tag of @size bytes (header included); return its start. */
static uint8_t *blk_tag(uint32_t type, uint32_t size)
{
	uint8_t *t;

	blk.len = (blk.len + 7) & ~7u;
	assert_true(blk.len + size <= sizeof(blk.b));
	t = blk.b + blk.len;
	put32(t, type);
	put32(t + 4, size);
	blk.len += size;
	return t;
}

/* The end tag, then total_size. */
static void blk_end(void)
{
	blk_tag(MB2_TAG_END, 8);
	put32(blk.b, blk.len);
}

static uint32_t tag_off(const uint8_t *tag)
{
	return (uint32_t)(tag - blk.b);
}

static void add_string(uint32_t type, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;

	memcpy(blk_tag(type, 8 + n) + 8, s, n);
}

static void add_module(uint32_t start, uint32_t end, const char *cmd)
{
	uint32_t n = (uint32_t)strlen(cmd) + 1;
	uint8_t *t = blk_tag(MB2_TAG_MODULE, 16 + n);

	put32(t + 8, start);
	put32(t + 12, end);
	memcpy(t + 16, cmd, n);
}

struct mm_entry {
	uint64_t base, length;
	uint32_t type;
};

static uint8_t *add_mmap(const struct mm_entry *e, uint32_t count)
{
	uint8_t *t = blk_tag(MB2_TAG_MMAP, 16 + 24 * count);

	put32(t + 8, 24);
	put32(t + 12, 0);
	for (uint32_t i = 0; i < count; i++) {
		put64(t + 16 + 24 * i, e[i].base);
		put64(t + 24 + 24 * i, e[i].length);
		put32(t + 32 + 24 * i, e[i].type);
		put32(t + 36 + 24 * i, 0);
	}
	return t;
}

static const struct mm_entry pc_map[] = {
	{ 0, 0x9fc00, MB2_MMAP_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MMAP_RESERVED },
	{ 0xe0000, 0x20000, MB2_MMAP_RESERVED },
	{ 0x100000, 0x1fef0000, MB2_MMAP_AVAILABLE },
	{ 0x1fff0000, 0x10000, MB2_MMAP_ACPI_RECLAIM },
	{ 0xfffc0000, 0x40000, MB2_MMAP_RESERVED },
};

static uint8_t *add_pc_map(void)
{
	return add_mmap(pc_map, sizeof(pc_map) / sizeof(pc_map[0]));
}

/* An RSDP copy: 20 bytes (ACPI 1.0) or 36 (2.0+). */
static uint8_t *add_rsdp(uint32_t type, uint32_t len, const char *sig)
{
	uint8_t *t = blk_tag(type, 8 + len);

	memcpy(t + 8, sig, 8);
	t[8 + 15] = type == MB2_TAG_ACPI_NEW ? 2 : 0;
	return t;
}

/* Parse the block from a heap copy of exactly @len bytes. */
static int parse_len(size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, blk.b, len);
	memset(&bi, 0, sizeof(bi));
	bi.image_base = IMAGE_BASE;
	bi.image_size = IMAGE_SIZE;
	err = mb2_parse(copy, len, INFO_PA, &bi);
	free(copy);
	return err;
}

static int parse(void)
{
	return parse_len(blk.len);
}

/* The type of the region holding @addr, 0 if none. */
static uint32_t type_at(uint64_t addr)
{
	for (uint32_t i = 0; i < bi.mem_count; i++)
		if (addr >= bi.mem[i].base && addr - bi.mem[i].base < bi.mem[i].size)
			return bi.mem[i].type;
	return 0;
}

static void assert_sorted_disjoint(void)
{
	for (uint32_t i = 0; i + 1 < bi.mem_count; i++)
		assert_true(bi.mem[i].base + bi.mem[i].size <= bi.mem[i + 1].base);
}

/* A block like GRUB's under Bochs: everything fief reads, in GRUB's order. */
static uint8_t *build_good(void)
{
	uint8_t *acpi;

	blk_init();
	add_string(MB2_TAG_CMDLINE, "");
	add_string(MB2_TAG_LOADER_NAME, "GRUB 2.06");
	add_module(0x300000, 0x300014, "fief.cfg");
	add_module(0x301000, 0x340000, "guest.elf console=ttyS0");
	add_pc_map();
	acpi = add_rsdp(MB2_TAG_ACPI_NEW, MB2_RSDP_V2_SIZE, "RSD PTR ");
	blk_end();
	return acpi;
}

static void test_good(void **state)
{
	uint8_t *acpi = build_good();

	assert_int_equal(parse(), 0);
	assert_string_equal(bi.firmware, "GRUB 2.06");
	assert_int_equal(bi.acpi_rsdp, INFO_PA + tag_off(acpi) + 8);
	assert_int_equal(bi.file_count, 2);
	assert_string_equal(bi.files[0].name, "fief.cfg");
	assert_int_equal(bi.files[0].base, 0x300000);
	assert_int_equal(bi.files[0].size, 0x14);
	assert_string_equal(bi.files[1].name, "guest.elf");
	assert_int_equal(bi.files[1].size, 0x3f000);
	assert_ptr_equal(boot_find_file(&bi, "fief.cfg"), &bi.files[0]);
	assert_sorted_disjoint();
}

static void test_good_memory_map(void **state)
{
	build_good();
	assert_int_equal(parse(), 0);
	assert_int_equal(type_at(0x1000), BOOT_MEM_USABLE);
	assert_int_equal(type_at(0x9fc00), BOOT_MEM_RESERVED);
	assert_int_equal(type_at(0xa0000), 0); /* a hole stays a hole */
	assert_int_equal(type_at(0x1fff0000), BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(type_at(0xfffc0000), BOOT_MEM_RESERVED);
	/* Carved: the image, the information block (page widened), modules. */
	assert_int_equal(type_at(IMAGE_BASE), BOOT_MEM_FIEF);
	assert_int_equal(type_at(IMAGE_BASE + IMAGE_SIZE - 1), BOOT_MEM_FIEF);
	assert_int_equal(type_at(IMAGE_BASE + IMAGE_SIZE), BOOT_MEM_USABLE);
	assert_int_equal(type_at(IMAGE_BASE - 1), BOOT_MEM_USABLE);
	assert_int_equal(type_at(INFO_PA), BOOT_MEM_FIEF);
	assert_int_equal(type_at(INFO_PA + 0xfff), BOOT_MEM_FIEF);
	assert_int_equal(type_at(INFO_PA + 0x1000), BOOT_MEM_USABLE);
	assert_int_equal(type_at(0x300000), BOOT_MEM_MODULE);
	assert_int_equal(type_at(0x300fff), BOOT_MEM_MODULE); /* whole page */
	assert_int_equal(type_at(0x33ffff), BOOT_MEM_MODULE);
	assert_int_equal(type_at(0x340000), BOOT_MEM_USABLE);
	assert_int_equal(memmap_total(&bi, BOOT_MEM_FIEF), IMAGE_SIZE + 0x1000);
	assert_int_equal(memmap_total(&bi, BOOT_MEM_MODULE), 0x40000);
	assert_sorted_disjoint();
}

/* The 2.0 RSDP wins whichever tag comes first; 1.0 alone is used. */
static void test_acpi_choice(void **state)
{
	uint8_t *v2;

	blk_init();
	add_pc_map();
	v2 = add_rsdp(MB2_TAG_ACPI_NEW, MB2_RSDP_V2_SIZE, "RSD PTR ");
	add_rsdp(MB2_TAG_ACPI_OLD, MB2_RSDP_V1_SIZE, "RSD PTR ");
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.acpi_rsdp, INFO_PA + tag_off(v2) + 8);

	blk_init();
	add_pc_map();
	add_rsdp(MB2_TAG_ACPI_OLD, MB2_RSDP_V1_SIZE, "RSD PTR ");
	v2 = add_rsdp(MB2_TAG_ACPI_NEW, MB2_RSDP_V2_SIZE, "RSD PTR ");
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.acpi_rsdp, INFO_PA + tag_off(v2) + 8);

	blk_init();
	add_pc_map();
	v2 = add_rsdp(MB2_TAG_ACPI_OLD, MB2_RSDP_V1_SIZE, "RSD PTR ");
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.acpi_rsdp, INFO_PA + tag_off(v2) + 8);

	/* No ACPI tag at all is not an error here: acpi_scan reports it. */
	blk_init();
	add_pc_map();
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.acpi_rsdp, 0);
	assert_int_equal(bi.file_count, 0);
}

/* Unknown tags are skipped; tag sizes not a multiple of 8 are padded. */
static void test_unknown_and_padding(void **state)
{
	blk_init();
	memset(blk_tag(21, 12) + 8, 0xff, 4); /* image load base: ignored */
	add_string(MB2_TAG_LOADER_NAME, "abc"); /* size 12, padded to 16 */
	blk_tag(0x7777, 8);
	add_pc_map();
	blk_end();
	assert_int_equal(parse(), 0);
	assert_string_equal(bi.firmware, "abc");
}

static void test_long_loader_name_truncated(void **state)
{
	char name[200];

	memset(name, 'g', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	blk_init();
	add_string(MB2_TAG_LOADER_NAME, name);
	add_pc_map();
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(strlen(bi.firmware), sizeof(bi.firmware) - 1);
}

static void test_block_bounds(void **state)
{
	build_good();
	/* Fewer bytes than the header, or than total_size says. */
	assert_int_equal(parse_len(0), FIEF_EFORMAT);
	assert_int_equal(parse_len(7), FIEF_EFORMAT);
	assert_int_equal(parse_len(blk.len - 1), FIEF_EFORMAT);
	/* total_size too small for one tag, or absurdly large. */
	put32(blk.b, 8);
	assert_int_equal(parse(), FIEF_EFORMAT);
	put32(blk.b, 0xfffffff8u);
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* total_size cuts the block before its end tag. */
	build_good();
	put32(blk.b, blk.len - 8);
	assert_int_equal(parse_len(blk.len - 8), FIEF_EFORMAT);
	/* The information block itself must not wrap the address space. */
	build_good();
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(mb2_parse(blk.b, blk.len, UINT64_MAX - 16, &bi), FIEF_EFORMAT);
}

static void test_tag_bounds(void **state)
{
	uint8_t *t;

	/* A tag smaller than its own header. */
	blk_init();
	add_pc_map();
	t = blk_tag(0x55, 8);
	blk_end();
	put32(t + 4, 4);
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* A tag running past total_size. */
	put32(t + 4, 0x1000);
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* A tag whose padding would pass the end (no room for the end tag). */
	blk_init();
	add_pc_map();
	t = blk_tag(0x55, 12);
	put32(blk.b, blk.len);
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* No end tag: the tags simply stop. */
	blk_init();
	add_pc_map();
	blk.len = (blk.len + 7) & ~7u;
	put32(blk.b, blk.len);
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* An end tag of the wrong size is still bounded. */
	blk_init();
	add_pc_map();
	t = blk_tag(MB2_TAG_END, 8);
	put32(blk.b, blk.len);
	put32(t + 4, 16);
	assert_int_equal(parse(), FIEF_EFORMAT);
}

static void test_mmap_errors(void **state)
{
	uint8_t *t;

	/* No memory map at all. */
	blk_init();
	add_string(MB2_TAG_LOADER_NAME, "GRUB");
	blk_end();
	assert_int_equal(parse(), FIEF_ENOENT);
	/* Tag shorter than its own fixed fields. */
	blk_init();
	blk_tag(MB2_TAG_MMAP, 12);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* entry_size below 24, not a multiple of 8, or not dividing the rest. */
	const uint32_t bad_sizes[] = { 0, 8, 16, 20, 28, 40 };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		blk_init();
		t = add_pc_map();
		blk_end();
		put32(t + 8, bad_sizes[i]);
		assert_int_equal(parse(), FIEF_EFORMAT);
	}
	/* A larger entry size (a later spec version) is fine. */
	blk_init();
	t = blk_tag(MB2_TAG_MMAP, 16 + 32);
	put32(t + 8, 32);
	put64(t + 16, 0x100000);
	put64(t + 24, 0x100000);
	put32(t + 32, MB2_MMAP_AVAILABLE);
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(memmap_total(&bi, BOOT_MEM_USABLE), 0x100000);
	/* An entry wrapping past 2^64. */
	const struct mm_entry wrap = { 0xfffffffffffff000ull, 0x2000, MB2_MMAP_AVAILABLE };
	blk_init();
	add_mmap(&wrap, 1);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* Zero-length entries are skipped, unknown types become reserved. */
	const struct mm_entry odd[] = { { 0x1000, 0, MB2_MMAP_AVAILABLE },
					{ 0x100000, 0x1000, 99 },
					{ 0x200000, 0x1000, MB2_MMAP_BADRAM } };
	blk_init();
	add_mmap(odd, 3);
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(type_at(0x1000), 0);
	assert_int_equal(type_at(0x100000), BOOT_MEM_RESERVED);
}

static void test_mmap_full(void **state)
{
	static struct mm_entry many[BOOT_MEM_REGIONS_MAX + 1];

	/* Gaps between the entries, so that nothing merges. */
	for (uint32_t i = 0; i < BOOT_MEM_REGIONS_MAX + 1; i++) {
		many[i].base = 0x100000ull + 0x2000ull * i;
		many[i].length = 0x1000;
		many[i].type = MB2_MMAP_AVAILABLE;
	}
	/* The block buffer is too small for 513 entries: build it on the heap. */
	size_t len = 8 + 16 + 24 * (BOOT_MEM_REGIONS_MAX + 1) + 8;
	uint8_t *b = calloc(1, len);
	assert_non_null(b);
	put32(b, (uint32_t)len);
	put32(b + 8, MB2_TAG_MMAP);
	put32(b + 12, 16 + 24 * (BOOT_MEM_REGIONS_MAX + 1));
	put32(b + 16, 24);
	for (uint32_t i = 0; i < BOOT_MEM_REGIONS_MAX + 1; i++) {
		put64(b + 24 + 24 * i, many[i].base);
		put64(b + 32 + 24 * i, many[i].length);
		put32(b + 40 + 24 * i, many[i].type);
	}
	put32(b + len - 8, MB2_TAG_END);
	put32(b + len - 4, 8);
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(mb2_parse(b, len, INFO_PA, &bi), FIEF_ENOSPC);
	free(b);
}

static void test_module_errors(void **state)
{
	uint8_t *t;
	char name[80];

	/* Tag too short for mod_start and mod_end. */
	blk_init();
	add_pc_map();
	blk_tag(MB2_TAG_MODULE, 12);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* End before start. */
	blk_init();
	add_pc_map();
	add_module(0x300000, 0x2ff000, "fief.cfg");
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* Command line not terminated within the tag. */
	blk_init();
	add_pc_map();
	t = blk_tag(MB2_TAG_MODULE, 16 + 8);
	put32(t + 8, 0x300000);
	put32(t + 12, 0x300010);
	memcpy(t + 16, "fief.cfg", 8);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* No command line at all (size 16), an empty one, one that starts
	 * with a blank: no name. */
	blk_init();
	add_pc_map();
	t = blk_tag(MB2_TAG_MODULE, 16);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	const char *nameless[] = { "", " fief.cfg" };
	for (size_t i = 0; i < 2; i++) {
		blk_init();
		add_pc_map();
		add_module(0x300000, 0x300010, nameless[i]);
		blk_end();
		assert_int_equal(parse(), FIEF_EFORMAT);
	}
	/* A name that does not fit struct boot_file (63 characters do). */
	memset(name, 'n', sizeof(name));
	name[64] = '\0';
	blk_init();
	add_pc_map();
	add_module(0x300000, 0x300010, name);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	name[63] = '\0';
	blk_init();
	add_pc_map();
	add_module(0x300000, 0x300010, name);
	blk_end();
	assert_int_equal(parse(), 0);
	assert_string_equal(bi.files[0].name, name);
	/* An empty module is a file of 0 bytes; its page is still kept. */
	blk_init();
	add_pc_map();
	add_module(0x300000, 0x300000, "empty");
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.files[0].size, 0);
	assert_int_equal(type_at(0x300000), BOOT_MEM_MODULE);
}

static void test_too_many_modules(void **state)
{
	char name[16];

	blk_init();
	add_pc_map();
	for (uint32_t i = 0; i < BOOT_FILES_MAX; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		add_module(0x400000 + 0x1000 * i, 0x400800 + 0x1000 * i, name);
	}
	blk_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.file_count, BOOT_FILES_MAX);

	blk.len -= 8; /* drop the end tag, add one module more */
	add_module(0x500000, 0x500010, "one-too-many");
	blk_end();
	assert_int_equal(parse(), FIEF_ENOSPC);
}

static void test_acpi_errors(void **state)
{
	/* Copies too short for their version, and a wrong signature. */
	blk_init();
	add_pc_map();
	add_rsdp(MB2_TAG_ACPI_NEW, MB2_RSDP_V1_SIZE, "RSD PTR ");
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);

	blk_init();
	add_pc_map();
	add_rsdp(MB2_TAG_ACPI_OLD, MB2_RSDP_V1_SIZE - 1, "RSD PTR ");
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);

	blk_init();
	add_pc_map();
	blk_tag(MB2_TAG_ACPI_OLD, 8);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);

	blk_init();
	add_pc_map();
	add_rsdp(MB2_TAG_ACPI_NEW, MB2_RSDP_V2_SIZE, "RSD PTX ");
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
}

static void test_loader_name_unterminated(void **state)
{
	uint8_t *t;

	blk_init();
	add_pc_map();
	t = blk_tag(MB2_TAG_LOADER_NAME, 8 + 4);
	memcpy(t + 8, "GRUB", 4);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
	/* An empty tag (no byte for the terminator) as well. */
	blk_init();
	add_pc_map();
	blk_tag(MB2_TAG_LOADER_NAME, 8);
	blk_end();
	assert_int_equal(parse(), FIEF_EFORMAT);
}

/*
 * Every byte of a good block, set to a few nasty values, and every
 * truncation: the parser returns (0 or an error) and, under ASan, never
 * reads outside the block.
 */
static void test_mutations(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x07, 0x08, 0x7f, 0x80, 0xff };
	uint8_t good[sizeof(blk.b)];
	uint32_t len;

	build_good();
	len = blk.len;
	memcpy(good, blk.b, len);
	for (uint32_t i = 0; i < len; i++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			memcpy(blk.b, good, len);
			blk.b[i] = values[v];
			(void)parse_len(len);
		}
	}
	for (uint32_t cut = 0; cut < len; cut++) {
		memcpy(blk.b, good, len);
		assert_int_not_equal(parse_len(cut), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_good_memory_map),
		cmocka_unit_test(test_acpi_choice),
		cmocka_unit_test(test_unknown_and_padding),
		cmocka_unit_test(test_long_loader_name_truncated),
		cmocka_unit_test(test_block_bounds),
		cmocka_unit_test(test_tag_bounds),
		cmocka_unit_test(test_mmap_errors),
		cmocka_unit_test(test_mmap_full),
		cmocka_unit_test(test_module_errors),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_acpi_errors),
		cmocka_unit_test(test_loader_name_unterminated),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
