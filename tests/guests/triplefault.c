/* SPDX-License-Identifier: MIT */
/*
 * triplefault: loads an IDT with limit 0 and executes UD2. #UD finds no
 * gate, nor does the #GP that follows, nor the #DF: the CPU shuts down.
 *
 * Expected: fief stops this VM with FIEF_STOP_SHUTDOWN ("fief: vm NAME
 * stopped: triple fault"); fief and the other VMs go on. If execution
 * continues past UD2, the guest reports status 1.
 */
#include "guest.h"
#include "x86.h"

int main(unsigned vcpu, uint64_t mem_size)
{
	(void)vcpu;
	(void)mem_size;
	guest_printf("triplefault: empty IDT, then ud2\n");
	x86_lidt(0, 0);
	__asm__ __volatile__("ud2" ::: "memory");
	guest_printf("triplefault: FAIL still running after ud2\n");
	return 1;
}
