/* SPDX-License-Identifier: MIT */
/*
 * The page allocator for fief's own memory.
 *
 * fief's memory is a few physical ranges carved from the boot memory map
 * (mm_boot()). Each range starts with an array of struct page_meta, one per
 * page of the range; the rest of the range is handed out one page at a time
 * from a free list threaded through the metadata, so freeing never writes
 * into the freed page.
 *
 * Locking: one spinlock, the innermost lock of mm (docs/locking.md).
 */
#ifndef FIEF_MM_PAGE_ALLOC_H
#define FIEF_MM_PAGE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

/** What an allocator page is used for. */
enum page_type {
	PAGE_TYPE_FREE = 0,
	PAGE_TYPE_META = 1,  /* holds the metadata array itself */
	PAGE_TYPE_TABLE = 2, /* a page-table page (refs: non-empty entries) */
	PAGE_TYPE_CACHED = 3,/* in a table's page cache */
	PAGE_TYPE_USED = 4,  /* any other allocation */
};

/** Per-page metadata. Guarded by the allocator lock while free; by the
 *  owner of the page (e.g. the table's lock) while allocated. */
struct page_meta {
	uint32_t next;  /* free list: index of the next free page in the range */
	uint16_t type;  /* enum page_type */
	uint16_t refs;  /* PAGE_TYPE_TABLE: entries that are not all-zero */
};

#define PAGE_ALLOC_RANGES_MAX 8

/** page_alloc_reset() - forget every range (boot, and tests between runs). */
void page_alloc_reset(void);

/**
 * page_alloc_add_range() - give the allocator a range of RAM.
 * @base: page-aligned host-physical base.
 * @size: bytes, page multiple; the first pages hold the metadata.
 * Return: 0; FIEF_EINVAL for a bad range or one too small to hold its own
 * metadata and a page; FIEF_ENOSPC if PAGE_ALLOC_RANGES_MAX ranges exist.
 */
int page_alloc_add_range(paddr_t base, uint64_t size);

/**
 * page_alloc() - one page, contents undefined.
 * @out:  where the page's address goes.
 * @type: what it will hold (enum page_type, not FREE).
 * Return: 0, or FIEF_ENOMEM.
 */
int page_alloc(paddr_t *out, enum page_type type);

/** page_free() - give back a page page_alloc() returned. */
void page_free(paddr_t pa);

/** page_meta_of() - metadata of an allocator page, NULL if not one. */
struct page_meta *page_meta_of(paddr_t pa);

/** page_alloc_free_count() - pages free right now. */
uint64_t page_alloc_free_count(void);

/** page_alloc_range() - the @i-th range (base and bytes); false past the end. */
bool page_alloc_range(unsigned i, paddr_t *base, uint64_t *size);

#endif
