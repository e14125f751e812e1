/* SPDX-License-Identifier: MIT */
/*
 * exloop (arm64): takes an exception with no usable vector table.
 *
 * VBAR_EL1 = 0 and an undefined instruction: the exception enters at
 * VBAR_EL1 + 0x200, where there is no handler, so the vCPU loops taking
 * exceptions inside its vector table. arm64 has no triple fault: fief
 * recognizes the loop at its timer ticks.
 *
 * Expected: fief stops this VM with FIEF_STOP_SHUTDOWN ("exception loop at
 * VBAR_EL1+0x..."); the other VMs go on. Status 1 if it ever returns.
 */
#include "guest.h"

int main(unsigned vcpu, uint64_t mem_size)
{
	(void)vcpu;
	(void)mem_size;
	guest_printf("exloop: VBAR_EL1 = 0, then an undefined instruction\n");
	__asm__ volatile("msr vbar_el1, xzr\n\tisb\n\tudf #0" ::: "memory");
	guest_printf("exloop: FAIL still running\n");
	return 1;
}
