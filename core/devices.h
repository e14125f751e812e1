/* SPDX-License-Identifier: MIT */
/*
 * fief's own devices: the register ranges fief keeps for itself and maps
 * into no VM (docs/threat-model.md, "Devices").
 *
 * At boot fief lists them from the firmware's ACPI tables and from what the
 * architecture knows (arch_devices(): the local APIC base MSR, the UART fief
 * logs on):
 *
 *   table  entry                          device            bytes kept
 *   -----  -----------------------------  ----------------  -----------
 *   MADT   header, type 5 override        local APIC        4 KiB
 *   MADT   type 1                         I/O APIC          4 KiB
 *   MADT   type 0xb GICC (non-zero only)  GICv2 CPU if.,    8 KiB, 4 KiB,
 *                                         GICH, GICV,       8 KiB,
 *                                         redistributor     128 KiB
 *   MADT   type 0xc                       GIC distributor   64 KiB
 *   MADT   type 0xd                       GIC MSI frame     4 KiB
 *   MADT   type 0xe                       redistributors    the range given
 *   MADT   type 0xf                       GIC ITS           128 KiB
 *   HPET   base address                   HPET              4 KiB
 *   DMAR   DRHD (type 0)                  VT-d unit         2^size pages
 *   IVRS   IVHD 0x10 / 0x11, 0x40         AMD IOMMU         16 / 512 KiB
 *   IORT   SMMUv1/v2 (3), SMMUv3 (4)      SMMU              span / 128 KiB
 *
 * mm marks every range owned by fief in the host's stage-2
 * (mm_host_keep_device()), exactly as it marks fief's memory: the host's lazy
 * identity map never maps them, an access stops the host with a reason that
 * names the device (devices_find()), and the ownership checker covers them.
 * Firmware tables are untrusted input: an entry that is short, runs past
 * its table or names an address of 0 is skipped.
 */
#ifndef FIEF_CORE_DEVICES_H
#define FIEF_CORE_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_info;

enum device_kind {
	DEVICE_LAPIC,
	DEVICE_IOAPIC,
	DEVICE_HPET,
	DEVICE_VTD,
	DEVICE_AMD_IOMMU,
	DEVICE_SMMU,
	DEVICE_GICD,
	DEVICE_GICR,
	DEVICE_GITS,
	DEVICE_GIC_MSI,
	DEVICE_GICC,
	DEVICE_GICH,
	DEVICE_GICV,
	DEVICE_UART,
	DEVICE_KIND_COUNT
};

/** One device range fief keeps: page-aligned [base, base + size). */
struct device_range {
	uint64_t base;
	uint64_t size;
	enum device_kind kind;
};

#define DEVICES_MAX 64

/** A list of device ranges; written at boot only. */
struct device_list {
	uint32_t count;
	uint32_t dropped; /* entries that did not fit, or were malformed */
	struct device_range dev[DEVICES_MAX];
};

/**
 * devices_add() - note [base, base + size) as a device of @kind, widened to
 * whole pages. The same range of the same kind is kept once.
 * Return: 0; FIEF_EINVAL (base 0, size 0, wrapping); FIEF_ENOSPC (full:
 * counted in @l->dropped).
 */
int devices_add(struct device_list *l, enum device_kind kind, uint64_t base, uint64_t size);

/**
 * devices_from_acpi() - add every device the tables of @acpi describe
 * (see the table above). Malformed entries are counted in @l->dropped.
 */
void devices_from_acpi(struct device_list *l, const struct acpi_info *acpi);

/** devices_find() - the device range of @l holding @pa, or NULL. */
const struct device_range *devices_find(const struct device_list *l, uint64_t pa);

/** devices_kind_name() - e.g. "local APIC", for messages. */
const char *devices_kind_name(enum device_kind kind);

/** devices_print() - one line per device: "fief: keeps NAME at BASE (SIZE)". */
void devices_print(const struct device_list *l);

/**
 * devices_fief() - the list fief built at boot (core/main.c); empty
 * before. Read-only once VMs run.
 */
struct device_list *devices_fief(void);

#endif
