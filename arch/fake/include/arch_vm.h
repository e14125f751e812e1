/* SPDX-License-Identifier: MIT */
/* The fake arch's per-VM interrupt controller: it counts what it is told. */
#ifndef FIEF_ARCH_VM_H
#define FIEF_ARCH_VM_H

#include <stdint.h>

struct arch_vm {
	uint64_t level;  /* atomic: each input's level as last set */
	uint64_t edges;  /* atomic: low -> high transitions seen */
	uint64_t resets; /* atomic: arch_vm_irq_reset() calls */
};

#endif
