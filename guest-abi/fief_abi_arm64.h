/* SPDX-License-Identifier: MIT */
/*
 * fief guest ABI, arm64: hypercall wrapper (GCC/Clang inline asm).
 *
 * HVC #0 with the SMC Calling Convention: W0 = FIEF_SMCCC_FN(number) (fast
 * call, SMC64, vendor-specific hypervisor service), arguments X1..X6,
 * result X0. fief preserves X1..X30 and SP.
 */
#ifndef FIEF_ABI_ARM64_H
#define FIEF_ABI_ARM64_H

#include <stdint.h>

#include "fief_abi.h"

/**
 * fief_arm64_hypercall() - make call @nr with six arguments.
 * Return: X0 after the call (negative: a FIEF_E_* code).
 */
static inline int64_t fief_arm64_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
					   uint64_t a2, uint64_t a3, uint64_t a4,
					   uint64_t a5)
{
	register uint64_t x0 __asm__("x0") = FIEF_SMCCC_FN(nr);
	register uint64_t x1 __asm__("x1") = a0;
	register uint64_t x2 __asm__("x2") = a1;
	register uint64_t x3 __asm__("x3") = a2;
	register uint64_t x4 __asm__("x4") = a3;
	register uint64_t x5 __asm__("x5") = a4;
	register uint64_t x6 __asm__("x6") = a5;

	__asm__ __volatile__("hvc #0"
			     : "+r"(x0)
			     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x6)
			     : "memory");
	return (int64_t)x0;
}

#endif
