/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "core/acpi.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"

static const void *phys(uint64_t pa)
{
	return (const void *)(uintptr_t)pa;
}

static bool sum_ok(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

/* A table is usable if its length is sane and its checksum holds. */
static const struct acpi_header *table_at(uint64_t pa, uint32_t limit)
{
	const struct acpi_header *h = phys(pa);

	if (pa == 0 || h->length < sizeof(*h) || h->length > limit)
		return NULL;
	return sum_ok(h, h->length) ? h : NULL;
}

static int rsdp_root(const struct acpi_rsdp *r, uint64_t *root, uint32_t *entry_size)
{
	if (memcmp(r->signature, "RSD PTR ", 8) != 0 || !sum_ok(r, 20))
		return FIEF_EFORMAT;
	if (r->revision >= 2 && r->length >= sizeof(*r) && r->length <= 4096 &&
	    sum_ok(r, r->length) && r->xsdt_address) {
		*root = r->xsdt_address;
		*entry_size = 8;
	} else {
		*root = r->rsdt_address;
		*entry_size = 4;
	}
	return FIEF_OK;
}

int acpi_scan(uint64_t rsdp_pa, uint32_t limit, struct acpi_info *info)
{
	const struct acpi_rsdp *r = phys(rsdp_pa);
	const struct acpi_header *root;
	uint64_t root_pa;
	uint32_t esize;

	memset(info, 0, sizeof(*info));
	if (rsdp_pa == 0)
		return FIEF_ENOENT;
	if (rsdp_root(r, &root_pa, &esize) != FIEF_OK)
		return FIEF_EFORMAT;
	info->revision = r->revision;
	memcpy(info->oem_id, r->oem_id, 6);
	root = table_at(root_pa, limit);
	if (!root || memcmp(root->signature, esize == 8 ? "XSDT" : "RSDT", 4) != 0)
		return FIEF_EFORMAT;

	const uint8_t *entries = (const uint8_t *)(root + 1);
	uint32_t count = (root->length - (uint32_t)sizeof(*root)) / esize;

	for (uint32_t i = 0; i < count; i++) {
		uint64_t pa = 0;

		memcpy(&pa, entries + (size_t)i * esize, esize); /* little-endian */
		const struct acpi_header *t = table_at(pa, limit);

		if (!t || info->table_count == ACPI_MAX_TABLES) {
			info->bad_count++;
			continue;
		}
		info->tables[info->table_count++] = t;
	}
	return FIEF_OK;
}

const struct acpi_header *acpi_find(const struct acpi_info *info, const char sig[4], uint32_t n)
{
	for (uint32_t i = 0; i < info->table_count; i++)
		if (memcmp(info->tables[i]->signature, sig, 4) == 0 && n-- == 0)
			return info->tables[i];
	return NULL;
}

/* MADT: a 44-byte header (SDT + local interrupt controller address + flags),
 * then entries {type, length, ...}. */
#define MADT_ENTRIES 44
#define MADT_LAPIC 0x0   /* flags at offset 4 */
#define MADT_X2APIC 0x9  /* flags at offset 8 */
#define MADT_GICC 0xb    /* flags at offset 12 */
#define MADT_ENABLED 0x1

static uint32_t madt_flags_at(const uint8_t *e, uint32_t off)
{
	uint32_t v;

	memcpy(&v, e + off, 4);
	return v;
}

uint32_t acpi_cpu_count(const struct acpi_info *info)
{
	const struct acpi_header *madt = acpi_find(info, "APIC", 0);
	uint32_t count = 0;

	if (!madt || madt->length < MADT_ENTRIES)
		return 0;
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES;
	const uint8_t *end = (const uint8_t *)madt + madt->length;

	while (end - p >= 2 && p[1] >= 2 && p[1] <= end - p) {
		uint32_t type = p[0], len = p[1];

		if (type == MADT_LAPIC && len >= 8)
			count += (madt_flags_at(p, 4) & MADT_ENABLED) != 0;
		else if (type == MADT_X2APIC && len >= 12)
			count += (madt_flags_at(p, 8) & MADT_ENABLED) != 0;
		else if (type == MADT_GICC && len >= 16)
			count += (madt_flags_at(p, 12) & MADT_ENABLED) != 0;
		p += len;
	}
	return count;
}

void acpi_print(const struct acpi_info *info)
{
	char line[5 * ACPI_MAX_TABLES + 1];
	size_t len = 0;

	for (uint32_t i = 0; i < info->table_count; i++) {
		memcpy(line + len, info->tables[i]->signature, 4);
		line[len + 4] = ' ';
		len += 5;
	}
	line[len ? len - 1 : 0] = '\0';
	console_printf("acpi: revision %u, oem '%s', %u tables: %s\n", info->revision,
		       info->oem_id, info->table_count, line);
	if (info->bad_count)
		console_printf("acpi: %u table(s) skipped: bad length or checksum\n",
			       info->bad_count);
}
