/* SPDX-License-Identifier: MIT */
/*
 * Building and reading the boot memory map (struct boot_info's regions).
 *
 * Boot entries add firmware regions in any order, then carve out what they
 * know better (fief's image, loaded files). Regions stay sorted and never
 * overlap; adjacent regions of one type are merged.
 */
#ifndef FIEF_CORE_MEMMAP_H
#define FIEF_CORE_MEMMAP_H

#include <stdint.h>

#include "core/boot_info.h"

/**
 * memmap_add() - record [base, base+size) as @type.
 * Overlaps with earlier regions are resolved in favour of the type that
 * forbids more (reserved beats usable), so a firmware map that overlaps
 * itself can never turn reserved memory into usable memory.
 * Return: 0, FIEF_EINVAL for an empty or wrapping range, FIEF_ENOSPC when
 * the table is full.
 */
int memmap_add(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type);

/**
 * memmap_carve() - force [base, base+size) to @type, splitting regions.
 * Return: 0, FIEF_EINVAL, or FIEF_ENOSPC (then the map is unchanged).
 */
int memmap_carve(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type);

/** memmap_total() - bytes of @type in the map. */
uint64_t memmap_total(const struct boot_info *bi, uint32_t type);

/** memmap_print() - one summary line per type and the largest usable range. */
void memmap_print(const struct boot_info *bi);

#endif
