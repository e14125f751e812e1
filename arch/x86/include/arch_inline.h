/* SPDX-License-Identifier: MIT */
/* Tiny per-arch inlines that arch-neutral headers may use. x86_64. */
#ifndef FIEF_ARCH_INLINE_H
#define FIEF_ARCH_INLINE_H

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * ARCH_LOAD_RELAXED() - one load of an aligned field another CPU may write,
 * without ordering: a volatile load, single-copy atomic here for naturally
 * aligned sizes up to 8 bytes. GCC folds the field's offset into a volatile
 * load but not into an atomic one on arm64, and the exit path reads such
 * fields (core/vm.h: vcpu_state(), vm_runs_now()).
 */
#define ARCH_LOAD_RELAXED(p) (*(const volatile __typeof__(*(p)) *)(p))

#endif
