/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_ARM64_CPU_H
#define FIEF_ARCH_ARM64_CPU_H

#include <stdint.h>

/** What the boot CPU offers, read once by arm64_cpu_probe(). */
struct arm64_cpu {
	uint64_t midr;
	unsigned current_el;
	uint64_t pfr0, mmfr0, mmfr1; /* ID_AA64PFR0/MMFR0/MMFR1_EL1 */
};

extern struct arm64_cpu arm64_cpu;

/** arm64_cpu_probe() - fill arm64_cpu from the ID registers and CurrentEL. */
void arm64_cpu_probe(void);

#endif
