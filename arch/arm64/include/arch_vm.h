/* SPDX-License-Identifier: MIT */
/* Per-VM arch state: the VM's virtual interrupt controller (docs/events.md). */
#ifndef FIEF_ARCH_VM_H
#define FIEF_ARCH_VM_H

#include <stdint.h>

#include "arch/arm64/vgic_state.h"
#include "lib/spinlock.h"

struct arch_vm {
	/* The vGIC lock: a short leaf lock, taken by any CPU to change what is
	 * pending and by a vCPU's own CPU around its list registers; never
	 * held while a guest runs (arch/arm64/vgic.c). */
	struct spinlock vgic_lock;
	struct vgic_state vgic; /* vgic_lock */
};

#endif
