/* SPDX-License-Identifier: MIT */
/*
 * What a boot entry hands to the core.
 *
 * Both entries (UEFI, and Multiboot2 on x86) fill the same struct; nothing
 * after boot/ knows which one ran. All addresses are host-physical and, at
 * hand-over, identity mapped.
 */
#ifndef FIEF_CORE_BOOT_INFO_H
#define FIEF_CORE_BOOT_INFO_H

#include <stdint.h>

/** Kinds of physical memory, as fief sees them after boot. */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,       /* free RAM, fief may hand it out */
	BOOT_MEM_RESERVED = 2,     /* firmware or device; never touched */
	BOOT_MEM_ACPI_RECLAIM = 3, /* ACPI tables; RAM once parsed */
	BOOT_MEM_ACPI_NVS = 4,     /* firmware keeps it across sleep */
	BOOT_MEM_MMIO = 5,         /* device registers */
	BOOT_MEM_FIEF = 6,         /* fief's own image */
	BOOT_MEM_MODULE = 7,       /* a file loaded by the boot entry */
	BOOT_MEM_UNUSABLE = 8,     /* defective or unknown */
	BOOT_MEM_TYPE_COUNT
};

struct boot_mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum boot_mem_type */
	uint32_t pad;
};

/** A file the boot entry read from the boot volume (config, VM images). */
struct boot_file {
	char name[64];
	uint64_t base;
	uint64_t size;
};

#define BOOT_MEM_REGIONS_MAX 512
#define BOOT_FILES_MAX 32

struct boot_info {
	char firmware[64];   /* firmware vendor or loader name, for the banner */
	uint64_t acpi_rsdp;  /* physical address of the RSDP, 0 if none */
	uint64_t dtb;        /* physical address of a device tree, 0 if none */
	uint64_t image_base; /* fief's own image: first byte */
	uint64_t image_size; /* fief's own image: bytes, page multiple */
	uint32_t mem_count;
	uint32_t file_count;
	struct boot_mem_region mem[BOOT_MEM_REGIONS_MAX];
	struct boot_file files[BOOT_FILES_MAX];
};

/**
 * boot_find_file() - a file of the boot volume by name.
 * Return: the file, or NULL if the entry did not load one of that name.
 */
const struct boot_file *boot_find_file(const struct boot_info *bi, const char *name);

/** boot_mem_type_name() - short name of an enum boot_mem_type value. */
const char *boot_mem_type_name(uint32_t type);

#endif
