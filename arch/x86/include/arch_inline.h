/* SPDX-License-Identifier: MIT */
/* Tiny per-arch inlines that arch-neutral headers may use. x86_64. */
#ifndef FIEF_ARCH_INLINE_H
#define FIEF_ARCH_INLINE_H

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif
