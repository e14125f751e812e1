/* SPDX-License-Identifier: MIT */
/*
 * Page states and owner ids, as stored in stage-2 software bits.
 *
 * A valid leaf carries the state of its pages in two software bits; an
 * invalid entry carries a 16-bit owner id (0 = host, so an all-zero entry
 * in the host's table means "host's, not faulted in yet").
 *
 *   state            in the owner's table        in the other side's table
 *   ---------------  --------------------------  -------------------------
 *   OWNED            valid, page is exclusively  host: invalid entry with
 *                    the table owner's           the owner's id (guest
 *                                                pages); nothing (host's)
 *   SHARED_OWNED     valid, owner lent it        the borrower maps it
 *                                                SHARED_BORROWED
 *   SHARED_BORROWED  valid, somebody else's      the owner maps it
 *                    page, lent to us            SHARED_OWNED
 *   (3)              impossible; the checker rejects it
 *
 * The state is read and written only through pte_state() and
 * pte_with_state() below; docs/ownership.md has the transitions.
 */
#ifndef FIEF_MM_PAGE_STATE_H
#define FIEF_MM_PAGE_STATE_H

#include <stdint.h>

typedef uint64_t pte_t;

/** The state of a page, as seen from the table that maps it. */
enum mm_page_state {
	MM_PAGE_OWNED = 0,
	MM_PAGE_SHARED_OWNED = 1,
	MM_PAGE_SHARED_BORROWED = 2,
	MM_PAGE_STATE_INVALID = 3, /* never written; found only by the checker */
};

/** Owner ids kept in invalid entries. Guests use MM_OWNER_GUEST_FIRST..MAX. */
enum mm_owner {
	MM_OWNER_HOST = 0,
	MM_OWNER_HYP = 1,
	MM_OWNER_GUEST_FIRST = 2,
	MM_OWNER_MAX = 0xffff,
};

#define MM_STATE_BITS 2u
#define MM_STATE_MASK ((1u << MM_STATE_BITS) - 1)
#define MM_OWNER_BITS 16u

/**
 * pte_state() - the page state kept in the software bits of a valid leaf.
 * @e:        the entry.
 * @sw_shift: where the format keeps its two software bits.
 */
static inline enum mm_page_state pte_state(pte_t e, unsigned sw_shift)
{
	return (enum mm_page_state)((e >> sw_shift) & MM_STATE_MASK);
}

/**
 * pte_with_state() - @e with its software bits set to @s.
 * @e:        a valid leaf entry.
 * @sw_shift: where the format keeps its two software bits.
 * @s:        the new state.
 */
static inline pte_t pte_with_state(pte_t e, unsigned sw_shift, enum mm_page_state s)
{
	e &= ~((pte_t)MM_STATE_MASK << sw_shift);
	return e | ((pte_t)((unsigned)s & MM_STATE_MASK) << sw_shift);
}

#endif
