/* SPDX-License-Identifier: MIT */
/*
 * fief's own devices from the ACPI tables (core/devices.h). Layouts: ACPI
 * 6.5 5.2.12 (MADT), the IA-PC HPET specification (HPET), Intel VT-d 4.1
 * 8.1-8.3 (DMAR), AMD IOMMU 3.08 5.2 (IVRS), Arm DEN0049E (IORT).
 */
#include "core/acpi.h"
#include "core/devices.h"
#include "lib/addr.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"

#define KIB 1024ull

static struct device_list boot_devices;

struct device_list *devices_fief(void)
{
	return &boot_devices;
}

const char *devices_kind_name(enum device_kind kind)
{
	static const char *const names[DEVICE_KIND_COUNT] = {
		[DEVICE_LAPIC] = "local APIC",
		[DEVICE_IOAPIC] = "I/O APIC",
		[DEVICE_HPET] = "HPET",
		[DEVICE_VTD] = "VT-d IOMMU",
		[DEVICE_AMD_IOMMU] = "AMD IOMMU",
		[DEVICE_SMMU] = "SMMU",
		[DEVICE_GICD] = "GIC distributor",
		[DEVICE_GICR] = "GIC redistributors",
		[DEVICE_GITS] = "GIC ITS",
		[DEVICE_GIC_MSI] = "GIC MSI frame",
		[DEVICE_GICC] = "GIC CPU interface",
		[DEVICE_GICH] = "GIC virtual interface control",
		[DEVICE_GICV] = "GIC virtual CPU interface",
		[DEVICE_UART] = "console UART",
	};

	return (unsigned)kind < DEVICE_KIND_COUNT ? names[kind] : "device";
}

int devices_add(struct device_list *l, enum device_kind kind, uint64_t base, uint64_t size)
{
	uint64_t lo = base & ~0xfffull, hi;

	if (base == 0 || !range_ok(base, size) || base + size - 1 > UINT64_MAX - 0xfff)
		return FIEF_EINVAL;
	hi = (base + size + 0xfff) & ~0xfffull;
	for (uint32_t i = 0; i < l->count; i++)
		if (l->dev[i].base == lo && l->dev[i].size == hi - lo && l->dev[i].kind == kind)
			return FIEF_OK;
	if (l->count == DEVICES_MAX) {
		l->dropped++;
		return FIEF_ENOSPC;
	}
	l->dev[l->count++] = (struct device_range){ lo, hi - lo, kind };
	return FIEF_OK;
}

const struct device_range *devices_find(const struct device_list *l, uint64_t pa)
{
	for (uint32_t i = 0; i < l->count; i++)
		if (pa - l->dev[i].base < l->dev[i].size)
			return &l->dev[i];
	return NULL;
}

/* ---- reading tables --------------------------------------------------- */

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	memcpy(&v, p, bytes); /* little-endian, possibly unaligned */
	return v;
}

/* Add, counting a malformed entry (address 0 where one is required). */
static void add(struct device_list *l, enum device_kind kind, uint64_t base, uint64_t size)
{
	if (devices_add(l, kind, base, size) == FIEF_EINVAL)
		l->dropped++;
}


/* ---- MADT ---- */

enum {
	MADT_IOAPIC = 0x1,
	MADT_LAPIC_OVERRIDE = 0x5,
	MADT_GICC = 0xb,
	MADT_GICD = 0xc,
	MADT_GIC_MSI = 0xd,
	MADT_GICR = 0xe,
	MADT_ITS = 0xf,
};

static void gicc_entry(struct device_list *l, const uint8_t *e, uint32_t len)
{
	/* Each is optional: 0 means the CPU interface has no such frame. */
	static const struct {
		uint32_t off;
		enum device_kind kind;
		uint64_t size;
	} frames[] = {
		{ 32, DEVICE_GICC, 8 * KIB },
		{ 40, DEVICE_GICV, 8 * KIB },
		{ 48, DEVICE_GICH, 4 * KIB },
		{ 60, DEVICE_GICR, 128 * KIB },
	};

	for (unsigned i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		if (len >= frames[i].off + 8 && rd(e + frames[i].off, 8) != 0)
			add(l, frames[i].kind, rd(e + frames[i].off, 8), frames[i].size);
}

static void madt_entry(struct device_list *l, const uint8_t *e, uint32_t len)
{
	switch (e[0]) {
	case MADT_IOAPIC:
		if (len >= 12)
			add(l, DEVICE_IOAPIC, rd(e + 4, 4), 4 * KIB);
		break;
	case MADT_LAPIC_OVERRIDE:
		if (len >= 12)
			add(l, DEVICE_LAPIC, rd(e + 4, 8), 4 * KIB);
		break;
	case MADT_GICC:
		gicc_entry(l, e, len);
		break;
	case MADT_GICD:
		if (len >= 16)
			add(l, DEVICE_GICD, rd(e + 8, 8), 64 * KIB);
		break;
	case MADT_GIC_MSI:
		if (len >= 16)
			add(l, DEVICE_GIC_MSI, rd(e + 8, 8), 4 * KIB);
		break;
	case MADT_GICR:
		if (len >= 16)
			add(l, DEVICE_GICR, rd(e + 4, 8), rd(e + 12, 4));
		break;
	case MADT_ITS:
		if (len >= 16)
			add(l, DEVICE_GITS, rd(e + 8, 8), 128 * KIB);
		break;
	}
}

static void madt(struct device_list *l, const struct acpi_header *t)
{
	uint64_t lapic;

	if (t->length < 44)
		return;
	/* The 32-bit local APIC address; 0 on machines without one (arm64). */
	lapic = rd((const uint8_t *)t + 36, 4);
	if (lapic)
		add(l, DEVICE_LAPIC, lapic, 4 * KIB);
}

/* ---- HPET: the event timer block's Generic Address Structure at 40 ---- */

static void hpet(struct device_list *l, const struct acpi_header *t)
{
	const uint8_t *p = (const uint8_t *)t;

	if (t->length < 52 || p[40] != 0) /* address space 0: memory */
		return;
	add(l, DEVICE_HPET, rd(p + 44, 8), 4 * KIB);
}

/* ---- DMAR: remapping structures from 48, {u16 type, u16 length} ---- */

static void dmar_entry(struct device_list *l, const uint8_t *e, uint32_t len)
{
	/* DRHD: size (bits 3:0 of byte 5) = log2 of its 4 KiB pages. */
	if (rd(e, 2) == 0 && len >= 16)
		add(l, DEVICE_VTD, rd(e + 8, 8), (4 * KIB) << (e[5] & 0xf));
}

/* ---- IVRS: blocks from 48, {u8 type, u8 flags, u16 length} ---- */

static void ivrs_entry(struct device_list *l, const uint8_t *e, uint32_t len)
{
	/* IVHD: the MMIO block is 16 KiB; with the extended feature register
	 * (types 0x11, 0x40) it reaches the counters, 512 KiB. */
	if ((e[0] == 0x10 || e[0] == 0x11 || e[0] == 0x40) && len >= 24)
		add(l, DEVICE_AMD_IOMMU, rd(e + 8, 8), e[0] == 0x10 ? 16 * KIB : 512 * KIB);
}

/* ---- IORT: node count at 36, node array offset at 40 ---- */

static void iort(struct device_list *l, const struct acpi_header *t)
{
	const uint8_t *p = (const uint8_t *)t;
	uint64_t off, count;

	if (t->length < 48)
		return;
	count = rd(p + 36, 4);
	off = rd(p + 40, 4);
	for (uint64_t n = 0; n < count; n++) {
		uint64_t len;

		if (off + 24 > t->length) {
			l->dropped += off < t->length;
			return;
		}
		len = rd(p + off + 1, 2);
		if (len < 24 || off + len > t->length) {
			l->dropped++;
			return;
		}
		if (p[off] == 3 && len >= 32) /* SMMUv1/v2: base, span */
			add(l, DEVICE_SMMU, rd(p + off + 16, 8), rd(p + off + 24, 8));
		else if (p[off] == 4) /* SMMUv3: two 64 KiB register pages */
			add(l, DEVICE_SMMU, rd(p + off + 16, 8), 128 * KIB);
		off += len;
	}
}

/* Tables made of variable-length entries, and where each keeps its
 * entries: the first at @start, the length field at @len_off, @len_bytes
 * wide. */
enum table {
	TABLE_MADT,
	TABLE_DMAR,
	TABLE_IVRS,
};

static const struct {
	uint32_t start;
	uint8_t len_off, len_bytes;
} table_layout[] = {
	[TABLE_MADT] = { 44, 1, 1 },
	[TABLE_DMAR] = { 48, 2, 2 },
	[TABLE_IVRS] = { 48, 2, 2 },
};

/*
 * Every entry of @t that fits the table, to its table's entry function. An
 * entry whose length is shorter than its header or runs past the table
 * ends the walk (counted as dropped).
 */
static void walk(struct device_list *l, const struct acpi_header *t, enum table which)
{
	const uint8_t *p = (const uint8_t *)t, *end = (const uint8_t *)t + t->length;
	unsigned off = table_layout[which].len_off, bytes = table_layout[which].len_bytes;

	if (t->length < table_layout[which].start)
		return;
	p += table_layout[which].start;
	while ((uint64_t)(end - p) >= off + bytes) {
		uint32_t len = (uint32_t)rd(p + off, bytes);

		if (len < off + bytes || len > (uint64_t)(end - p)) {
			l->dropped++;
			return;
		}
		if (which == TABLE_MADT)
			madt_entry(l, p, len);
		else if (which == TABLE_DMAR)
			dmar_entry(l, p, len);
		else
			ivrs_entry(l, p, len);
		p += len;
	}
}

void devices_from_acpi(struct device_list *l, const struct acpi_info *acpi)
{
	const struct acpi_header *t;

	for (uint32_t n = 0; (t = acpi_find(acpi, "APIC", n)) != NULL; n++) {
		madt(l, t);
		walk(l, t, TABLE_MADT);
	}
	for (uint32_t n = 0; (t = acpi_find(acpi, "HPET", n)) != NULL; n++)
		hpet(l, t);
	for (uint32_t n = 0; (t = acpi_find(acpi, "DMAR", n)) != NULL; n++)
		walk(l, t, TABLE_DMAR);
	for (uint32_t n = 0; (t = acpi_find(acpi, "IVRS", n)) != NULL; n++)
		walk(l, t, TABLE_IVRS);
	for (uint32_t n = 0; (t = acpi_find(acpi, "IORT", n)) != NULL; n++)
		iort(l, t);
}

void devices_print(const struct device_list *l)
{
	for (uint32_t i = 0; i < l->count; i++)
		console_printf("fief: keeps %s at 0x%llx (%llu KiB)\n",
			       devices_kind_name(l->dev[i].kind), (unsigned long long)l->dev[i].base,
			       (unsigned long long)(l->dev[i].size >> 10));
	if (l->dropped)
		console_printf("fief: %u device table entries skipped (malformed or too many)\n",
			       l->dropped);
}
