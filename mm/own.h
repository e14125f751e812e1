/* SPDX-License-Identifier: MIT */
/*
 * Memory ownership: the host's and the guests' stage-2 tables, and the
 * transitions that move pages between them.
 *
 * Every page of RAM has exactly one owner: fief (MM_OWNER_HYP), the host
 * (MM_OWNER_HOST) or a guest. The owner is recorded in the tables only
 * (mm/page_state.h): the host's stage-2 is an identity map, filled lazily
 * by mm_host_fault(); a page the host gave away is an invalid entry there
 * carrying the new owner's id. docs/ownership.md has the state table.
 *
 * Locking (docs/locking.md): the guest registry lock, then the host's
 * stage-2 lock, then guests' locks in increasing id, then the page
 * allocator. Each transition takes the locks it needs in that order,
 * checks every page of both sides, then changes both or neither.
 */
#ifndef FIEF_MM_OWN_H
#define FIEF_MM_OWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/spinlock.h"
#include "mm/pgtable.h"


/** A host-physical range. */
struct mm_region {
	paddr_t base;
	uint64_t size;
};

#define MM_RAM_MAX 64
#define MM_HYP_MAX 16
#define MM_DEV_MAX 64
#define MM_GUESTS_MAX 64

/** One VM's memory: its stage-2 table and the state of its transitions. */
struct mm_vm {
	struct spinlock lock;
	uint16_t id;      /* owner id (MM_OWNER_HOST or a guest's); const */
	bool dying;       /* lock: destroyed, only reclaim is allowed */
	struct pt pt;     /* lock */
};

/** Proof that the caller holds a VM's lock (STYLE rule 9). */
struct mm_vm_locked {
	struct mm_vm *vm;
};

/** mm_vm_lock() - take a VM's stage-2 lock (mind the lock order). */
struct mm_vm_locked mm_vm_lock(struct mm_vm *vm);

/** mm_vm_unlock() - release it; the token is cleared. */
void mm_vm_unlock(struct mm_vm_locked *locked);

/**
 * mm_own_init() - set up ownership over a set of RAM ranges.
 * @s2:        the stage-2 format of this machine (EPT, NPT, arm64 stage 2).
 * @ram:       RAM ranges, any order; overlapping or adjacent ones merge.
 * @ram_count: how many.
 * @hyp:       ranges fief keeps (its image and allocator pool): set owned
 *             by MM_OWNER_HYP in the host's table, never mappable by it.
 * @hyp_count: how many.
 *
 * The page allocator must already hold fief's pool.
 * Return: 0, FIEF_EINVAL (bad range, hyp range outside RAM), FIEF_ENOSPC
 * (too many ranges) or FIEF_ENOMEM.
 */
int mm_own_init(const struct pt_format *s2, const struct mm_region *ram, unsigned ram_count,
		const struct mm_region *hyp, unsigned hyp_count);

/**
 * mm_host_keep_device() - keep a device's registers for fief: annotate
 * [pa, pa + size) of the host's table as owned by fief (MM_OWNER_HYP), as
 * fief's own memory is, so that mm_host_fault() never maps it and
 * mm_check() verifies it stays fief's. Called at boot, before any VM runs;
 * a range kept twice is kept once.
 * Return: 0; FIEF_EINVAL (not page aligned, empty, wrapping, outside the
 * table's input space, or overlapping RAM: a device is never RAM);
 * FIEF_EPERM (the host maps a page of it already, or it belongs to a guest);
 * FIEF_ENOSPC (MM_DEV_MAX ranges kept already); FIEF_ENOMEM.
 */
int mm_host_keep_device(paddr_t pa, uint64_t size);

/** mm_host() - the host VM's memory. */
struct mm_vm *mm_host(void);

/** mm_ram_contains() - true if [pa, pa + size) is all RAM (one range). */
bool mm_ram_contains(paddr_t pa, uint64_t size);

/**
 * mm_guest_init() - an empty stage-2 for a guest.
 * @vm: the guest's memory, owned by the caller (e.g. embedded in its VM).
 * @id: its owner id, MM_OWNER_GUEST_FIRST .. MM_GUESTS_MAX - 1, unused.
 * Return: 0, FIEF_EINVAL (bad id), FIEF_EEXIST (id in use), FIEF_ENOMEM.
 */
int mm_guest_init(struct mm_vm *vm, uint16_t id);

/** mm_guest_destroy() - mark a guest dying: from now on only reclaim. */
void mm_guest_destroy(struct mm_vm *vm);

/**
 * mm_guest_free() - free a dying guest's tables and its id.
 * Return: 0; FIEF_EPERM if not dying; FIEF_EBUSY while it still maps pages
 * (reclaim them first).
 */
int mm_guest_free(struct mm_vm *vm);

/**
 * mm_host_fault() - the host touched @pa and its stage-2 had no mapping:
 * map the largest block around @pa that the host owns and that lies in
 * one RAM range (normal memory) or outside RAM (device memory).
 * Return: 0 (mapped, or already was); FIEF_EPERM if the page is not the
 * host's; FIEF_EINVAL outside the input space; FIEF_ENOMEM.
 */
int mm_host_fault(paddr_t pa);

/*
 * The transitions. Each returns 0; FIEF_EINVAL for a bad range (not page
 * aligned, empty, wrapping, outside RAM or the guest's input space);
 * FIEF_EPERM if any page of either side is in the wrong state (or the
 * guest is dying); FIEF_ENOMEM if table pages ran out. On any error
 * nothing changed.
 */

/** mm_host_share_guest() - host lends its pages to a guest at @gpa. */
int mm_host_share_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size);

/** mm_host_unshare_guest() - host takes back pages lent at @gpa. */
int mm_host_unshare_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size);

/** mm_host_donate_guest() - host gives its pages to a guest at @gpa. */
int mm_host_donate_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size);

/** mm_guest_share_host() - a guest lends its pages at @gpa to the host. */
int mm_guest_share_host(struct mm_vm *guest, gpaddr_t gpa, uint64_t size);

/** mm_guest_unshare_host() - a guest takes back pages it lent the host. */
int mm_guest_unshare_host(struct mm_vm *guest, gpaddr_t gpa, uint64_t size);

/**
 * mm_guest_reclaim() - give the host back every page a dying guest maps in
 * [gpa, gpa + size): its own pages (donated, or lent to the host) are
 * scrubbed first; pages the host lent it just return. Holes are skipped.
 * Return: as the transitions; FIEF_EPERM if the guest is not dying.
 */
int mm_guest_reclaim(struct mm_vm *guest, gpaddr_t gpa, uint64_t size);

/**
 * mm_host_donate_hyp() - host gives pages to fief (set_owner(HYP) over the
 * range, one entry per aligned block). Return: as the transitions.
 */
int mm_host_donate_hyp(paddr_t pa, uint64_t size);

/**
 * mm_host_set_owner_locked() - annotate [pa, pa + size) of the host's
 * table with @owner, using the largest entries the range allows (an
 * aligned 1 GiB range is one entry). No state check: the building block
 * of transitions that have checked. Return: 0, FIEF_EINVAL, FIEF_ENOMEM.
 */
int mm_host_set_owner_locked(struct mm_vm_locked host, paddr_t pa, uint64_t size,
			     uint16_t owner);

/** mm_host_page() - the host's entry for @pa (locks the host). */
void mm_host_page(paddr_t pa, struct pt_leaf *out);

/** mm_guest_page() - a guest's entry for @gpa (locks the guest). */
void mm_guest_page(struct mm_vm *guest, gpaddr_t gpa, struct pt_leaf *out);

/** mm_check_bitmap_words() - size of mm_check()'s scratch, in words. */
size_t mm_check_bitmap_words(void);

/**
 * mm_check() - walk every table and verify the ownership invariants: each
 * RAM page has exactly one owner; every guest mapping agrees with the
 * host's table (a donated page is annotated with that guest, a lent page is
 * SHARED_OWNED on one side and SHARED_BORROWED on the other, mapped by one
 * guest only); the host's map is an identity map of normal memory over
 * RAM; fief's ranges are owned by fief; no state is impossible.
 * @bitmap: scratch of mm_check_bitmap_words() words, all zero; left zero
 *          when the check passes.
 * @words:  its size.
 * Takes every VM's lock. Return: 0, or FIEF_EFORMAT after printing the
 * first violation found.
 */
int mm_check(uint64_t *bitmap, size_t words);

#endif
