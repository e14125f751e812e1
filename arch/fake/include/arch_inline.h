/* SPDX-License-Identifier: MIT */
/* Tiny per-arch inlines for the fake (host unit test) arch. */
#ifndef FIEF_ARCH_INLINE_H
#define FIEF_ARCH_INLINE_H

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("" ::: "memory");
}

/* ARCH_LOAD_RELAXED() - as on the targets, but an atomic load, so that
 * ThreadSanitizer sees it as one. */
#define ARCH_LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)

#endif
