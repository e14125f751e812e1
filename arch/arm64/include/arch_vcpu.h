/* SPDX-License-Identifier: MIT */
/* arm64 state of a vCPU (struct vcpu's arch member). */
#ifndef FIEF_ARCH_VCPU_H
#define FIEF_ARCH_VCPU_H

#include <stdint.h>

struct arch_vcpu {
	uint64_t x[31];  /* general registers */
	uint64_t pc;
	uint64_t pstate;
};

#endif
