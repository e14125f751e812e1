/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: one walker for every table format fief uses.
 *
 * A format (struct pt_format) says how many levels a table has, how many
 * input bits each level translates, which levels may hold blocks, and how
 * entries are encoded. Every format fief knows has the same geometry, pinned
 * by static asserts in mm/pt_formats.c:
 *
 *   input address (48 bits)
 *   47      39 38      30 29      21 20      12 11         0
 *  +----------+----------+----------+----------+------------+
 *  | level 0  | level 1  | level 2  | level 3  | page offset|
 *  +----------+----------+----------+----------+------------+
 *    512 GiB     1 GiB      2 MiB      4 KiB      per entry
 *    table       table or   table or   page
 *    (invalid    block      block
 *    entries)
 *
 * An entry is one of:
 *   - a table:   valid, at levels 0..2, points to the next level's table;
 *   - a leaf:    valid, a block (levels allowed by the format) or a page
 *                (level 3); two software bits carry the page state;
 *   - invalid:   at any level; bits 31:16 carry an owner id (0 = none),
 *                so one entry can annotate 4 KiB up to 512 GiB.
 *
 * pt_walk() visits every entry that overlaps a range, calling a visitor:
 *
 *   for each entry E of the table overlapping [addr, addr + size):
 *     E is a table:  TABLE_PRE(E)  -> may replace E by a leaf (then stop)
 *                    walk E's table one level down
 *                    TABLE_POST(E) -> may free E's table if it became empty
 *     otherwise:     LEAF(E)       -> may turn E into a table (a split);
 *                                     the walk then descends into it
 *
 * Updates that need new table pages are split (STYLE rule 6): the caller
 * first computes an upper bound (pt_need_map(), pt_need_update()) and fills
 * the table's page cache with pt_prepare(), which may fail with
 * FIEF_ENOMEM and changes no entry; the commit functions (pt_map(),
 * pt_set_invalid(), ...) then take table pages only from that cache and
 * cannot fail. Tables a commit frees go back to the cache.
 *
 * Addresses are typed: a table's input is an iaddr_t (guest-physical for a
 * stage-2, fief's virtual for its own stage-1), its output a paddr_t, so
 * the two cannot be swapped in a call. Sizes are plain byte counts.
 *
 * Locking: a struct pt has no lock of its own. Its user (struct mm_vm, or
 * fief's own stage-1) serializes every call that touches one table.
 */
#ifndef FIEF_MM_PGTABLE_H
#define FIEF_MM_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "mm/page_state.h"

/* Generic leaf attributes, translated by each format's leaf_encode(). */
#define MM_ATTR_R ((mm_attr_t)1 << 0)
#define MM_ATTR_W ((mm_attr_t)1 << 1)
#define MM_ATTR_X ((mm_attr_t)1 << 2)
#define MM_ATTR_DEVICE ((mm_attr_t)1 << 3) /* uncached device memory */
#define MM_ATTR_RW (MM_ATTR_R | MM_ATTR_W)
#define MM_ATTR_RWX (MM_ATTR_R | MM_ATTR_W | MM_ATTR_X)
#define MM_ATTR_ALL (MM_ATTR_RWX | MM_ATTR_DEVICE)
typedef uint32_t mm_attr_t;

#define PT_MAX_LEVELS 4

/**
 * struct pt_format - how one kind of table is laid out and encoded.
 *
 * Everything the walker needs is data; only leaf attributes go through the
 * two encode/decode functions.
 */
struct pt_format {
	const char *name;
	uint8_t levels;       /* levels of tables, root is level 0 */
	uint8_t level_bits;   /* input bits translated per level */
	uint8_t ia_bits;      /* input address bits */
	uint8_t block_levels; /* bit L set: level L may hold a valid block */
	pte_t valid_mask;     /* an entry is valid iff any of these bits is set */
	pte_t table_mask;     /* above the last level, a valid entry is a table */
	pte_t table_val;      /*   iff (entry & table_mask) == table_val */
	pte_t table_bits;     /* what a table entry carries besides the address */
	pte_t addr_mask;      /* output address bits of tables and pages */
	uint8_t sw_shift;     /* two software bits of valid leaves (page state) */
	uint8_t owner_shift;  /* 16-bit owner id in invalid entries */
	/* leaf_encode() - a valid leaf at @level mapping @pa, with @attrs. */
	pte_t (*leaf_encode)(paddr_t pa, unsigned level, mm_attr_t attrs);
	/* leaf_attrs() - the generic attributes of a valid leaf. */
	mm_attr_t (*leaf_attrs)(pte_t e, unsigned level);
};

/* The formats (mm/pt_formats.c). */
extern const struct pt_format pt_format_x86_hyp;   /* x86-64 4-level, fief's own */
extern const struct pt_format pt_format_x86_npt;   /* AMD NPT (4-level, user) */
extern const struct pt_format pt_format_ept;       /* Intel EPT */
extern const struct pt_format pt_format_arm64_s2;  /* VMSAv8-64 stage 2, 4 KiB */
extern const struct pt_format pt_format_arm64_el2; /* VMSAv8-64 EL2 stage 1 */

/** A table's private stock of table pages, filled by pt_prepare(). */
struct pt_cache {
	paddr_t head; /* singly linked through the first word of each page */
	uint32_t count;
};

/** Counters of entry writes, for tests and benchmarks. */
struct pt_stats {
	uint64_t leaf_writes;  /* leaf or invalid entries written */
	uint64_t table_writes; /* table entries installed */
	uint64_t tables_alloced;
	uint64_t tables_freed;
};

/**
 * struct pt - one page table. All fields are guarded by the lock of the
 * object that embeds it (see the file comment).
 */
struct pt {
	const struct pt_format *fmt;
	paddr_t root;
	uint32_t tag;       /* TLB tag (VMID, ASID, EPTP index) for arch hooks */
	bool inval_pending; /* a valid entry was invalidated in this walk */
	struct pt_cache cache;
	struct pt_stats stats;
};

/** What a visitor is called for; also the walker's flags. */
enum pt_visit {
	PT_VISIT_LEAF = 1u << 0,
	PT_VISIT_TABLE_PRE = 1u << 1,
	PT_VISIT_TABLE_POST = 1u << 2,
	/* Walker flag: skip all-zero entries and stop a table at its last
	 * non-empty one. Only for walks whose visitors change no entry. */
	PT_VISIT_SKIP_EMPTY = 1u << 3,
};

/** The entry a visitor is looking at. */
struct pt_visit_ctx {
	struct pt *pt;
	void *arg;          /* the walker's argument */
	iaddr_t addr;       /* first input address the entry translates */
	uint64_t size;      /* bytes the entry translates */
	iaddr_t start;      /* the walk's range: [start, end) */
	iaddr_t end;
	unsigned level;
	pte_t *ptep;
	pte_t old;          /* *ptep when the visitor was called */
	paddr_t table;      /* the table page holding *ptep */
};

/**
 * struct pt_walker - a visitor and the visits it wants. Walkers are const
 * tables; per-walk data goes in the @arg of pt_walk().
 */
struct pt_walker {
	int (*visit)(struct pt_visit_ctx *ctx, enum pt_visit what);
	unsigned flags; /* enum pt_visit bits */
};

/** A decoded entry, as pt_lookup() finds it. */
struct pt_leaf {
	iaddr_t addr;   /* first input address of the entry */
	uint64_t size;  /* bytes it translates */
	unsigned level;
	pte_t pte;
	bool valid;
	paddr_t pa;     /* valid: output address of @addr */
	mm_attr_t attrs;
	enum mm_page_state state;
	uint16_t owner; /* invalid: the owner id annotated */
};

static inline unsigned pt_level_shift(const struct pt_format *f, unsigned level)
{
	return PAGE_SHIFT + (unsigned)f->level_bits * (f->levels - 1u - level);
}

static inline uint64_t pt_level_size(const struct pt_format *f, unsigned level)
{
	return (uint64_t)1 << pt_level_shift(f, level);
}

static inline unsigned pt_entries(const struct pt_format *f)
{
	return 1u << f->level_bits;
}

static inline bool pt_pte_valid(const struct pt_format *f, pte_t e)
{
	return (e & f->valid_mask) != 0;
}

static inline bool pt_pte_table(const struct pt_format *f, pte_t e, unsigned level)
{
	return level + 1u < f->levels && pt_pte_valid(f, e) &&
	       (e & f->table_mask) == f->table_val;
}

static inline bool pt_block_allowed(const struct pt_format *f, unsigned level)
{
	return level + 1u == f->levels || ((f->block_levels >> level) & 1u);
}

/** pt_pte_addr() - output address of a table entry or of a leaf. */
static inline paddr_t pt_pte_addr(const struct pt_format *f, pte_t e, unsigned level)
{
	if (pt_pte_table(f, e, level))
		return pa_init(e & f->addr_mask);
	return pa_init(e & f->addr_mask & ~(pt_level_size(f, level) - 1));
}

static inline uint16_t pt_pte_owner(const struct pt_format *f, pte_t e)
{
	return (uint16_t)(e >> f->owner_shift);
}

/** pt_pte_invalid() - the invalid entry annotated with @owner (0: empty). */
static inline pte_t pt_pte_invalid(const struct pt_format *f, uint16_t owner)
{
	return (pte_t)owner << f->owner_shift;
}

/** pt_pte_leaf() - a valid leaf with attributes and page state. */
static inline pte_t pt_pte_leaf(const struct pt_format *f, paddr_t pa, unsigned level,
				mm_attr_t attrs, enum mm_page_state s)
{
	return pte_with_state(f->leaf_encode(pa, level, attrs), f->sw_shift, s);
}

/**
 * pt_init() - an empty table (root page allocated from the page allocator).
 * @pt:  the table to set up.
 * @fmt: its format.
 * @tag: TLB tag passed to arch hooks.
 * Return: 0, or FIEF_ENOMEM.
 */
int pt_init(struct pt *pt, const struct pt_format *fmt, uint32_t tag);

/**
 * pt_destroy() - free every table page (after a TLB invalidation of all of
 * it) and the cache. @pt must not be used again without pt_init().
 */
void pt_destroy(struct pt *pt);

/** pt_in_range() - true if [addr, addr + size) is a valid input range. */
bool pt_in_range(const struct pt *pt, iaddr_t addr, uint64_t size);

/**
 * pt_need_map() - table pages pt_map() may take for this range at most.
 * Return: an upper bound; 0 for a range a single existing entry holds.
 */
unsigned pt_need_map(const struct pt *pt, iaddr_t addr, uint64_t size, paddr_t pa);

/**
 * pt_need_update() - table pages pt_set_invalid(), pt_protect() or
 * pt_set_state() may take for this range at most (splits at the ends).
 */
unsigned pt_need_update(const struct pt *pt, iaddr_t addr, uint64_t size);

/**
 * pt_prepare() - fill the table's cache to at least @count pages.
 * Return: 0, or FIEF_ENOMEM (pages already taken stay in the cache; no
 * entry changes either way).
 */
int pt_prepare(struct pt *pt, unsigned count);

/** pt_cache_drain() - return every cached page to the page allocator. */
void pt_cache_drain(struct pt *pt);

/**
 * pt_map() - map [addr, addr + size) to [pa, pa + size) with @attrs and
 * page state @s, using the largest blocks the alignment of both allows and
 * replacing what was there. Commit step: needs pt_prepare(pt_need_map()).
 */
void pt_map(struct pt *pt, iaddr_t addr, uint64_t size, paddr_t pa,
	    mm_attr_t attrs, enum mm_page_state s);

/**
 * pt_set_invalid() - make [addr, addr + size) invalid, annotated with
 * @owner (MM_OWNER_HOST, i.e. 0, to unmap). Tables that become empty are
 * freed. Commit step: needs pt_prepare(pt_need_update()).
 */
void pt_set_invalid(struct pt *pt, iaddr_t addr, uint64_t size, uint16_t owner);

/** pt_unmap() - pt_set_invalid() with no owner. */
static inline void pt_unmap(struct pt *pt, iaddr_t addr, uint64_t size)
{
	pt_set_invalid(pt, addr, size, 0);
}

/**
 * pt_protect() - give the valid leaves of a range new attributes (page
 * state and output address kept; invalid entries untouched). Commit step.
 */
void pt_protect(struct pt *pt, iaddr_t addr, uint64_t size, mm_attr_t attrs);

/** pt_set_state() - set the page state of the valid leaves of a range. */
void pt_set_state(struct pt *pt, iaddr_t addr, uint64_t size, enum mm_page_state s);

/**
 * pt_map_range(), pt_set_invalid_range(), pt_protect_range() - prepare and
 * commit in one call, for callers with nothing else to check.
 * Return: 0, FIEF_EINVAL (range not page aligned, empty, wrapping or out of
 * the input space; attributes W without R), or FIEF_ENOMEM with nothing
 * changed.
 */
int pt_map_range(struct pt *pt, iaddr_t addr, uint64_t size, paddr_t pa, mm_attr_t attrs);
int pt_set_invalid_range(struct pt *pt, iaddr_t addr, uint64_t size, uint16_t owner);
int pt_protect_range(struct pt *pt, iaddr_t addr, uint64_t size, mm_attr_t attrs);

/**
 * pt_lookup() - decode the entry that translates @addr (the deepest one:
 * a leaf, or an invalid entry at whatever level it sits).
 */
void pt_lookup(const struct pt *pt, iaddr_t addr, struct pt_leaf *out);

/**
 * pt_decode() - fill @out from an entry a visitor is looking at.
 * @addr: an input address the entry translates; @out->addr is the entry's
 *        first.
 */
void pt_decode(const struct pt_format *f, pte_t e, unsigned level, iaddr_t addr,
	       struct pt_leaf *out);

/**
 * pt_walk() - visit the entries overlapping [addr, addr + size).
 * Return: 0, or the first non-zero value a visitor returned (the walk stops).
 */
int pt_walk(struct pt *pt, iaddr_t addr, uint64_t size, const struct pt_walker *w, void *arg);

/**
 * pt_entry_set() - write an entry from a visitor, keeping the table page's
 * count of non-empty entries and invalidating the TLB as needed
 * (break-before-make when a valid entry is replaced by another valid one).
 */
void pt_entry_set(struct pt_visit_ctx *ctx, pte_t new);

#endif
