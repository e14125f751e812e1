/* SPDX-License-Identifier: MIT */
/*
 * memviolation: writes to the first byte past its own memory.
 *
 * The target is GPA = memory size (the byte right after the last one fief
 * gave it). On x86 fief's identity map covers only guest memory, so the
 * guest first maps the 2 MiB page holding the target in its own page tables
 * (nothing is added if fief's map already reaches it, as when the size is
 * not a multiple of 2 MiB); on arm64 the MMU is off and nothing is needed.
 * The write then misses the stage-2 tables (NPT, EPT, arm64 stage 2).
 *
 * Expected: fief stops this VM with FIEF_STOP_MEMORY at that GPA
 * ("fief: vm NAME stopped: memory violation at GPA 0x..."); fief and the
 * other VMs go on. If the write completes, the guest reports status 1.
 */
#include "guest.h"

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t target = mem_size;
	int m;

	(void)vcpu;
	guest_printf("memviolation: memory ends at 0x%lx\n", (unsigned long)mem_size);
	m = guest_map_gpa(target);
	if (m < 0) {
		guest_printf("memviolation: FAIL cannot map 0x%lx\n", (unsigned long)target);
		return 2;
	}
	guest_printf("memviolation: writing to GPA 0x%lx\n", (unsigned long)target);
	*(volatile uint64_t *)(uintptr_t)target = 0x6261646261646261ull;
	guest_printf("memviolation: FAIL the write to 0x%lx was not stopped\n",
		     (unsigned long)target);
	return 1;
}
