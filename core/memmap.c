/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "core/memmap.h"
#include "lib/addr.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"

const char *boot_mem_type_name(uint32_t type)
{
	static const char *const names[BOOT_MEM_TYPE_COUNT] = {
		[BOOT_MEM_USABLE] = "usable",
		[BOOT_MEM_RESERVED] = "reserved",
		[BOOT_MEM_ACPI_RECLAIM] = "acpi",
		[BOOT_MEM_ACPI_NVS] = "acpi-nvs",
		[BOOT_MEM_MMIO] = "mmio",
		[BOOT_MEM_FIEF] = "fief",
		[BOOT_MEM_MODULE] = "module",
		[BOOT_MEM_UNUSABLE] = "unusable",
	};

	if (type < BOOT_MEM_TYPE_COUNT && names[type])
		return names[type];
	return "unknown";
}

const struct boot_file *boot_find_file(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->file_count; i++)
		if (strcmp(bi->files[i].name, name) == 0)
			return &bi->files[i];
	return NULL;
}

/* How strongly a type keeps memory away from fief's allocator. */
static int type_rank(uint32_t type)
{
	return type == BOOT_MEM_USABLE ? 0 : (int)type;
}

static uint64_t region_end(const struct boot_mem_region *r)
{
	return r->base + r->size;
}

static void remove_at(struct boot_info *bi, uint32_t i)
{
	memmove(&bi->mem[i], &bi->mem[i + 1], (bi->mem_count - i - 1) * sizeof(bi->mem[0]));
	bi->mem_count--;
}

/* Merge neighbours of one type that touch. */
static void coalesce(struct boot_info *bi)
{
	for (uint32_t i = 0; i + 1 < bi->mem_count;) {
		struct boot_mem_region *a = &bi->mem[i], *b = &bi->mem[i + 1];

		if (a->type == b->type && region_end(a) == b->base) {
			a->size += b->size;
			remove_at(bi, i + 1);
		} else {
			i++;
		}
	}
}

/* The map being rebuilt; boot runs on one CPU, so one static copy will do. */
static struct {
	struct boot_mem_region mem[BOOT_MEM_REGIONS_MAX];
	uint32_t count;
	bool full;
} out;

static void emit(uint64_t base, uint64_t end, uint32_t type)
{
	if (base >= end)
		return;
	if (out.count == BOOT_MEM_REGIONS_MAX) {
		out.full = true;
		return;
	}
	out.mem[out.count++] = (struct boot_mem_region){ base, end - base, type, 0 };
}

/*
 * Rebuild the (sorted, disjoint) map so that [base, end) has @type; with
 * @weak, parts already of a type that ranks at least as high keep theirs.
 * The result is built aside, so running out of slots changes nothing.
 */
static int paint(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type, bool weak)
{
	uint64_t end = base + size;
	uint64_t cur = base; /* first point of [base, end) not yet emitted */

	if (!range_ok(base, size) || end < base)
		return FIEF_EINVAL;
	out.count = 0;
	out.full = false;
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_region *r = &bi->mem[i];
		uint64_t rend = region_end(r);

		if (rend <= base || r->base >= end) {
			if (r->base >= end) {
				emit(cur, end, type);
				cur = end;
			}
			emit(r->base, rend, r->type);
			continue;
		}
		emit(r->base, base, r->type);      /* r's part before the range */
		emit(cur, r->base, type);          /* gap before r inside the range */
		uint64_t lo = r->base > base ? r->base : base;
		uint64_t hi = rend < end ? rend : end;
		bool keep = weak && type_rank(r->type) >= type_rank(type);

		emit(lo, hi, keep ? r->type : type);
		cur = hi;
		emit(end, rend, r->type);          /* r's part after the range */
	}
	emit(cur, end, type);
	if (out.full)
		return FIEF_ENOSPC;
	memcpy(bi->mem, out.mem, out.count * sizeof(out.mem[0]));
	bi->mem_count = out.count;
	coalesce(bi);
	return FIEF_OK;
}

int memmap_add(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type)
{
	return paint(bi, base, size, type, true);
}

int memmap_carve(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type)
{
	return paint(bi, base, size, type, false);
}

uint64_t memmap_total(const struct boot_info *bi, uint32_t type)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == type)
			sum += bi->mem[i].size;
	return sum;
}

void memmap_print(const struct boot_info *bi)
{
	const struct boot_mem_region *big = NULL;

	console_printf("mem: %u regions, usable %llu KiB, fief %llu KiB, modules %llu KiB, "
		       "acpi %llu KiB, reserved %llu KiB\n",
		       bi->mem_count,
		       (unsigned long long)(memmap_total(bi, BOOT_MEM_USABLE) >> 10),
		       (unsigned long long)(memmap_total(bi, BOOT_MEM_FIEF) >> 10),
		       (unsigned long long)(memmap_total(bi, BOOT_MEM_MODULE) >> 10),
		       (unsigned long long)((memmap_total(bi, BOOT_MEM_ACPI_RECLAIM) +
					     memmap_total(bi, BOOT_MEM_ACPI_NVS)) >> 10),
		       (unsigned long long)(memmap_total(bi, BOOT_MEM_RESERVED) >> 10));
	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE && (!big || bi->mem[i].size > big->size))
			big = &bi->mem[i];
	if (big)
		console_printf("mem: largest usable range 0x%llx size 0x%llx\n",
			       (unsigned long long)big->base, (unsigned long long)big->size);
	console_printf("mem: fief image 0x%llx size 0x%llx\n",
		       (unsigned long long)bi->image_base, (unsigned long long)bi->image_size);
}
