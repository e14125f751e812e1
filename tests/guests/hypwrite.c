/* SPDX-License-Identifier: MIT */
/*
 * hypwrite: writes to a physical address where fief's own image is likely
 * to be, and that is far outside the guest's memory.
 *
 * HYPWRITE_GPA defaults to 0x1de00000: under QEMU with 512 MiB, OVMF loads
 * fief.efi near the top of RAM, around there. To a guest, that GPA is just
 * one it does not own: whatever host page sits at the same address (fief,
 * another VM, nothing), the guest's stage-2 tables must not map it. On x86
 * the guest maps the 2 MiB page itself (fief maps only its memory); on
 * arm64 (MMU off) it writes directly.
 *
 * Expected: fief stops this VM with FIEF_STOP_MEMORY at HYPWRITE_GPA
 * ("fief: vm NAME stopped: memory violation at GPA 0x1de00000"); fief and
 * the other VMs go on. Status 1 if the write completes, 2 if the target is
 * inside its own memory (a wrong configuration), 3 if it cannot be mapped.
 */
#include "guest.h"

#ifndef HYPWRITE_GPA
#define HYPWRITE_GPA 0x1de00000ull
#endif

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t target = HYPWRITE_GPA;

	(void)vcpu;
	if (target < mem_size) {
		guest_printf("hypwrite: FAIL target 0x%lx is inside my memory (0x%lx bytes)\n",
			     (unsigned long)target, (unsigned long)mem_size);
		return 2;
	}
	if (guest_map_gpa(target) < 0) {
		guest_printf("hypwrite: FAIL cannot map 0x%lx\n", (unsigned long)target);
		return 3;
	}
	guest_printf("hypwrite: writing to GPA 0x%lx\n", (unsigned long)target);
	*(volatile uint64_t *)(uintptr_t)target = 0x6865726521212121ull;
	guest_printf("hypwrite: FAIL the write to 0x%lx was not stopped\n",
		     (unsigned long)target);
	return 1;
}
