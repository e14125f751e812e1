/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlock on compiler atomics; arch-neutral.
 * The global lock order is written in docs/locking.md.
 */
#ifndef FIEF_LIB_SPINLOCK_H
#define FIEF_LIB_SPINLOCK_H

#include <stdint.h>
#include <stdbool.h>

#include "arch_inline.h" /* per-arch include dir: arch_cpu_relax() */

struct spinlock {
	uint32_t next;
	uint32_t owner;
};

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/** spin_is_locked() - for assertions that a caller holds a lock. */
static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

#endif
