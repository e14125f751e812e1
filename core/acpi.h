/* SPDX-License-Identifier: MIT */
/*
 * ACPI table discovery: RSDP → XSDT (or RSDT) → tables, every structure's
 * length and checksum verified before it is used. Firmware tables are
 * untrusted input like any other: a bad table is skipped with a message.
 *
 * Tables are read through their physical address, which must be mapped 1:1
 * when these functions run (at boot, and on the host in tests).
 */
#ifndef FIEF_CORE_ACPI_H
#define FIEF_CORE_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;  /* 0: ACPI 1.0 (RSDT only), 2: has XSDT */
	uint32_t rsdt_address;
	uint32_t length;   /* revision >= 2 */
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "SDT header size");

#define ACPI_MAX_TABLES 64

struct acpi_info {
	uint8_t revision;
	char oem_id[7];
	uint32_t table_count;
	const struct acpi_header *tables[ACPI_MAX_TABLES];
	uint32_t bad_count; /* tables skipped for a bad length or checksum */
};

/**
 * acpi_scan() - find and verify every table under the RSDP at @rsdp_pa.
 * @limit: bytes any one table may span (guards against absurd lengths).
 * Return: 0, FIEF_ENOENT if @rsdp_pa is 0, FIEF_EFORMAT if the RSDP or the
 * root table is invalid.
 */
int acpi_scan(uint64_t rsdp_pa, uint32_t limit, struct acpi_info *info);

/** acpi_find() - the @n-th (from 0) table with @sig, or NULL. */
const struct acpi_header *acpi_find(const struct acpi_info *info, const char sig[4], uint32_t n);

/**
 * acpi_cpu_count() - enabled CPUs listed in the MADT (local APIC, x2APIC
 * and GIC CPU interface entries). Return: the count, 0 without a MADT.
 */
uint32_t acpi_cpu_count(const struct acpi_info *info);

/** acpi_print() - one line naming the revision, the OEM and every table. */
void acpi_print(const struct acpi_info *info);

#endif
