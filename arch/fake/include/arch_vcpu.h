/* SPDX-License-Identifier: MIT */
/* The fake arch's vCPU state: a script of exits for host tests. */
#ifndef FIEF_ARCH_VCPU_H
#define FIEF_ARCH_VCPU_H

#include <stdint.h>

struct arch_vcpu {
	uint64_t entry;      /* where arch_vcpu_init() was told to start */
	int64_t last_result; /* what arch_vcpu_set_result() stored */
	uint32_t runs;       /* arch_vcpu_run() calls */
};

#endif
