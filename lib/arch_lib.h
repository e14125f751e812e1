/* SPDX-License-Identifier: MIT */
/*
 * What lib/ needs from an architecture: a console to print on and a way to
 * stop on a broken invariant. (The spinlock's pause hint, arch_cpu_relax(),
 * comes from the per-arch include directory's arch_inline.h.)
 *
 * Implemented once per arch: arch/x86, arch/arm64, and arch/fake for host
 * unit tests. The Makefile picks one at link time.
 */
#ifndef FIEF_LIB_ARCH_LIB_H
#define FIEF_LIB_ARCH_LIB_H

#include <stddef.h>

/** arch_console_write() - write raw bytes to the machine's console. */
void arch_console_write(const char *s, size_t n);

/** arch_panic() - a broken fief invariant: report and stop this CPU. */
_Noreturn void arch_panic(const char *file, int line, const char *msg);

#endif
