/* SPDX-License-Identifier: MIT */
/* Per-VM arch state: the VM's virtual interrupt controller (docs/events.md). */
#ifndef FIEF_ARCH_VM_H
#define FIEF_ARCH_VM_H

#include <stdint.h>

struct arch_vm {
	uint64_t line_level; /* atomic: each interrupt input's level as last set */
};

#endif
