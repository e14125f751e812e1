/* SPDX-License-Identifier: MIT */
/* Tiny per-arch inlines for the fake (host unit test) arch. */
#ifndef FIEF_ARCH_INLINE_H
#define FIEF_ARCH_INLINE_H

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("" ::: "memory");
}

#endif
