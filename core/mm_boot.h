/* SPDX-License-Identifier: MIT */
/*
 * mm from the boot memory map: what core hands mm at boot. mm itself knows
 * no boot protocol (mm_own_init() takes plain ranges).
 */
#ifndef FIEF_CORE_MM_BOOT_H
#define FIEF_CORE_MM_BOOT_H

#include <stdint.h>

struct boot_info;
struct pt_format;

/**
 * mm_boot() - set up mm from the boot memory map: feed the page allocator
 * @pool_size bytes of usable RAM (taken from the top), and call
 * mm_own_init() with all RAM, fief's image and the pool.
 * Return: as mm_own_init(); FIEF_ENOMEM if there is not enough usable RAM.
 */
int mm_boot(const struct boot_info *bi, const struct pt_format *s2, uint64_t pool_size);

#endif
