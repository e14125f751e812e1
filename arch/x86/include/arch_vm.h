/* SPDX-License-Identifier: MIT */
/* Per-VM arch state: the VM's virtual interrupt controller (docs/events.md). */
#ifndef FIEF_ARCH_VM_H
#define FIEF_ARCH_VM_H

#include <stdint.h>

#include "arch/x86/vioapic.h"

struct arch_vm {
	struct vioapic ioapic;  /* its own leaf lock */
	uint64_t ioapic_msgs;   /* atomic: interrupt messages the I/O APIC sent */
};

#endif
