/* SPDX-License-Identifier: MIT */
/*
 * Reading the Multiboot2 boot information block into struct boot_info.
 *
 * The block GRUB hands over (its physical address arrives in EBX) is:
 *
 *   u32 total_size | u32 reserved | tag | tag | ... | end tag (type 0, size 8)
 *
 * and every tag is  u32 type | u32 size | payload , starting on an 8-byte
 * boundary; `size` counts the 8-byte tag header and the payload but not the
 * padding up to the next tag.
 *
 * The parser is pure: it reads only the bytes it is given, checks every size
 * and offset against them, and writes only @bi. It is compiled for the host
 * too, so malformed blocks are unit tested (tests/unit/test_mb2.c).
 */
#ifndef FIEF_BOOT_MULTIBOOT2_PARSE_MB2_H
#define FIEF_BOOT_MULTIBOOT2_PARSE_MB2_H

#include <stddef.h>
#include <stdint.h>

#include "core/boot_info.h"

/* Tag types fief reads (Multiboot2 specification, section 3.6). */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

/* Memory map entry types of tag 6. */
enum mb2_mmap_type {
	MB2_MMAP_AVAILABLE = 1,
	MB2_MMAP_RESERVED = 2,
	MB2_MMAP_ACPI_RECLAIM = 3,
	MB2_MMAP_NVS = 4,
	MB2_MMAP_BADRAM = 5,
};

/* Fixed sizes of the layouts above, in bytes. */
#define MB2_INFO_HEADER_SIZE 8u
#define MB2_TAG_HEADER_SIZE 8u
#define MB2_TAG_ALIGN 8u
#define MB2_MMAP_HEADER_SIZE 16u  /* tag header + entry_size + entry_version */
#define MB2_MMAP_ENTRY_MIN 24u    /* u64 base, u64 length, u32 type, u32 reserved */
#define MB2_MODULE_HEADER_SIZE 16u /* tag header + mod_start + mod_end */
#define MB2_RSDP_V1_SIZE 20u
#define MB2_RSDP_V2_SIZE 36u
/* Refuse absurd blocks before reading them: GRUB's are a few KiB. */
#define MB2_INFO_MAX_SIZE (1u << 20)

/**
 * mb2_info_size() - the total_size field of an information block.
 * @info: the block's first bytes; at least @avail of them are readable.
 * Return: total_size, or 0 if fewer than 8 bytes are available.
 */
uint32_t mb2_info_size(const void *info, size_t avail);

/**
 * mb2_parse() - fill @bi from a Multiboot2 information block.
 * @info:    the block as bytes.
 * @len:     bytes readable at @info; total_size must not exceed it.
 * @info_pa: physical address of @info, so that the RSDP copy inside the
 *           ACPI tag can be handed on as a physical address.
 * @bi:      filled: firmware (the loader name), acpi_rsdp, files (one per
 *           module, named by the module's command line), and the memory map
 *           (tag 6), with fief's image (@bi->image_base/size, set by the
 *           caller), the modules and the block itself carved out.
 *
 * Every tag is checked before it is read: its header and size fit the block,
 * its payload has the fields its type needs, strings end within the tag.
 * On an error @bi may be partly filled and must not be used.
 *
 * Return: 0; FIEF_EFORMAT for a malformed block or tag (bad total_size,
 * misaligned or overrunning tag, no end tag, bad memory map entry size,
 * module end before start, unterminated string, module name that is empty
 * or does not fit struct boot_file, RSDP copy too short or without its
 * signature); FIEF_ENOENT if there is no memory map; FIEF_ENOSPC if there
 * are more modules or memory regions than struct boot_info holds.
 */
int mb2_parse(const void *info, size_t len, uint64_t info_pa, struct boot_info *bi);

#endif
