/* SPDX-License-Identifier: MIT */
/* Typed hypercalls on top of the arch's guest_hypercall(). */
#include "guest.h"

void guest_self_stop(uint64_t status)
{
	guest_hypercall(FIEF_HC_SELF_STOP, status, 0, 0, 0, 0, 0);
	/* fief does not return from SELF_STOP; if it did, say so and park. */
	guest_printf("guest: SELF_STOP returned\n");
	guest_halt();
}

int64_t guest_abi_version(void)
{
	return guest_hypercall(FIEF_HC_VERSION, 0, 0, 0, 0, 0, 0);
}

int64_t guest_caps(void)
{
	return guest_hypercall(FIEF_HC_CAPS, 0, 0, 0, 0, 0, 0);
}
