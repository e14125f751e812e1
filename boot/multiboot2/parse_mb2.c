/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information → struct boot_info. Pure: see parse_mb2.h.
 *
 * Every read goes through rd32()/rd64() at an offset that was checked
 * against the tag's size, and every tag's size against the block's
 * total_size, which was checked against the bytes the caller can read.
 */
#include <stdbool.h>

#include "boot/multiboot2/parse_mb2.h"
#include "core/memmap.h"
#include "lib/err.h"
#include "lib/string.h"

#define PAGE_SIZE 4096ull

/* What the tags said, beyond what goes straight into boot_info. */
struct mb2_state {
	bool have_mmap;
	bool have_acpi_new;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

uint32_t mb2_info_size(const void *info, size_t avail)
{
	return avail < MB2_INFO_HEADER_SIZE ? 0 : rd32(info);
}

/* Length of the NUL-terminated string at @s, or -1 if it does not end
 * within @max bytes. */
static long str_in(const uint8_t *s, size_t max)
{
	size_t n = strnlen((const char *)s, max);

	return n < max ? (long)n : -1;
}

static uint32_t mem_type(uint32_t mb2_type)
{
	switch (mb2_type) {
	case MB2_MMAP_AVAILABLE:
		return BOOT_MEM_USABLE;
	case MB2_MMAP_ACPI_RECLAIM:
		return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MMAP_NVS:
		return BOOT_MEM_ACPI_NVS;
	case MB2_MMAP_BADRAM:
		return BOOT_MEM_UNUSABLE;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* Tag 6: u32 entry_size, u32 entry_version, then entries of entry_size. */
static int parse_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	uint32_t esize;

	if (size < MB2_MMAP_HEADER_SIZE)
		return FIEF_EFORMAT;
	esize = rd32(tag + 8);
	/* The specification makes entry_size a multiple of 8; entries may
	 * grow in later versions, so only the minimum is fixed. */
	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8 != 0 ||
	    (size - MB2_MMAP_HEADER_SIZE) % esize != 0)
		return FIEF_EFORMAT;
	for (uint32_t off = MB2_MMAP_HEADER_SIZE; off < size; off += esize) {
		uint64_t base = rd64(tag + off), length = rd64(tag + off + 8);
		int err;

		if (length == 0)
			continue;
		if (base + length < base)
			return FIEF_EFORMAT;
		err = memmap_add(bi, base, length, mem_type(rd32(tag + off + 16)));
		if (err)
			return err;
	}
	return 0;
}

/* Tag 3: u32 mod_start, u32 mod_end, command line. The first word of the
 * command line is the file's name (`module2 /boot/fief.cfg fief.cfg`). */
static int parse_module(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	const uint8_t *cmd = tag + MB2_MODULE_HEADER_SIZE;
	uint32_t start, end;
	struct boot_file *f;
	long len;
	size_t name_len = 0;

	if (size < MB2_MODULE_HEADER_SIZE)
		return FIEF_EFORMAT;
	start = rd32(tag + 8);
	end = rd32(tag + 12);
	len = str_in(cmd, size - MB2_MODULE_HEADER_SIZE);
	if (end < start || len < 0)
		return FIEF_EFORMAT;
	while ((long)name_len < len && cmd[name_len] != ' ')
		name_len++;
	if (name_len == 0 || name_len >= sizeof(f->name))
		return FIEF_EFORMAT;
	if (bi->file_count == BOOT_FILES_MAX)
		return FIEF_ENOSPC;
	f = &bi->files[bi->file_count++];
	memcpy(f->name, cmd, name_len);
	f->name[name_len] = '\0';
	f->base = start;
	f->size = end - start;
	return 0;
}

/* Tags 14/15: a copy of the RSDP (ACPI 1.0 / 2.0+) is the payload. */
static int parse_acpi(const uint8_t *tag, uint32_t size, uint64_t tag_pa, uint32_t need,
		      struct boot_info *bi)
{
	if (size < MB2_TAG_HEADER_SIZE + need ||
	    memcmp(tag + MB2_TAG_HEADER_SIZE, "RSD PTR ", 8) != 0)
		return FIEF_EFORMAT;
	bi->acpi_rsdp = tag_pa + MB2_TAG_HEADER_SIZE;
	return 0;
}

/* Tag 2: the loader's name, shown as the firmware in the banner. */
static int parse_loader_name(const uint8_t *tag, uint32_t size, struct boot_info *bi)
{
	long len = str_in(tag + MB2_TAG_HEADER_SIZE, size - MB2_TAG_HEADER_SIZE);
	size_t n;

	if (len < 0)
		return FIEF_EFORMAT;
	n = (size_t)len < sizeof(bi->firmware) - 1 ? (size_t)len : sizeof(bi->firmware) - 1;
	memcpy(bi->firmware, tag + MB2_TAG_HEADER_SIZE, n);
	bi->firmware[n] = '\0';
	return 0;
}

static int parse_tag(struct mb2_state *st, const uint8_t *tag, uint32_t size, uint64_t tag_pa,
		     struct boot_info *bi)
{
	switch (rd32(tag)) {
	case MB2_TAG_LOADER_NAME:
		return parse_loader_name(tag, size, bi);
	case MB2_TAG_MODULE:
		return parse_module(tag, size, bi);
	case MB2_TAG_MMAP:
		st->have_mmap = true;
		return parse_mmap(tag, size, bi);
	case MB2_TAG_ACPI_NEW:
		st->have_acpi_new = true;
		return parse_acpi(tag, size, tag_pa, MB2_RSDP_V2_SIZE, bi);
	case MB2_TAG_ACPI_OLD:
		/* The 2.0 copy (with the XSDT) wins whatever the tag order. */
		if (st->have_acpi_new)
			return 0;
		return parse_acpi(tag, size, tag_pa, MB2_RSDP_V1_SIZE, bi);
	default:
		return 0; /* tags fief does not need */
	}
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* Mark [base, base+size) as @type, widened to whole pages. */
static int carve_pages(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type)
{
	uint64_t lo = page_down(base), hi = page_up(base + (size ? size : 1));

	return memmap_carve(bi, lo, hi - lo, type);
}

/* What the loader put in memory is not free RAM: fief's image, the
 * information block (the RSDP copy lives in it), the modules. */
static int carve_loaded(struct boot_info *bi, uint64_t info_pa, uint32_t total)
{
	int err = carve_pages(bi, bi->image_base, bi->image_size, BOOT_MEM_FIEF);

	if (!err)
		err = carve_pages(bi, info_pa, total, BOOT_MEM_FIEF);
	for (uint32_t i = 0; !err && i < bi->file_count; i++)
		err = carve_pages(bi, bi->files[i].base, bi->files[i].size, BOOT_MEM_MODULE);
	return err;
}

int mb2_parse(const void *info, size_t len, uint64_t info_pa, struct boot_info *bi)
{
	const uint8_t *b = info;
	uint32_t total = mb2_info_size(info, len);
	struct mb2_state st = { 0 };
	uint32_t off = MB2_INFO_HEADER_SIZE;

	if (total < MB2_INFO_HEADER_SIZE + MB2_TAG_HEADER_SIZE || total > len ||
	    total > MB2_INFO_MAX_SIZE || info_pa + total < info_pa)
		return FIEF_EFORMAT;
	for (;;) {
		uint32_t type, size, next;
		int err;

		/* off <= total holds here; the tag header must fit. */
		if (total - off < MB2_TAG_HEADER_SIZE)
			return FIEF_EFORMAT; /* ran out before the end tag */
		type = rd32(b + off);
		size = rd32(b + off + 4);
		if (size < MB2_TAG_HEADER_SIZE || size > total - off)
			return FIEF_EFORMAT;
		if (type == MB2_TAG_END)
			break;
		err = parse_tag(&st, b + off, size, info_pa + off, bi);
		if (err)
			return err;
		next = off + ((size + MB2_TAG_ALIGN - 1) & ~(MB2_TAG_ALIGN - 1));
		if (next > total)
			return FIEF_EFORMAT;
		off = next;
	}
	if (!st.have_mmap)
		return FIEF_ENOENT;
	return carve_loaded(bi, info_pa, total);
}
