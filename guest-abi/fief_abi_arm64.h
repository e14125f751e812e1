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

/*
 * The virtual GICv3 of every arm64 guest VM (docs/events.md, "arm64"), at
 * QEMU virt's addresses: the distributor (64 KiB) and one redistributor
 * per vCPU (RD and SGI frames, 128 KiB), vCPU i's at GICR_GPA + i *
 * GICR_STRIDE, the last one's GICR_TYPER.Last set. The CPU interface is
 * the ICC_* system registers (list registers behind them). INTIDs: SGIs
 * 0..15, PPIs 16..31 (27 the virtual timer, 30 the EL1 physical timer),
 * SPIs 32..63 (irqchip line n is SPI 32 + n). The host VM finds its
 * virtual GIC at the physical GIC's addresses (identity map).
 */
#define FIEF_ARM64_GICD_GPA 0x08000000ull
#define FIEF_ARM64_GICD_SIZE 0x10000ull
#define FIEF_ARM64_GICR_GPA 0x080a0000ull
#define FIEF_ARM64_GICR_STRIDE 0x20000ull
#define FIEF_ARM64_SPI_BASE 32u
#define FIEF_ARM64_PPI_VTIMER 27u
#define FIEF_ARM64_PPI_PTIMER 30u

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
