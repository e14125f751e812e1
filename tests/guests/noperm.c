/* SPDX-License-Identifier: MIT */
/*
 * noperm: a guest without FIEF_CAP_MANAGE tries every management call
 * (0x10 .. FIEF_HC_COUNT - 1) with arguments that would be valid for a
 * manager. Each must return FIEF_E_PERM (FIEF_E_NOSYS for the numbers the
 * ABI leaves unused); the calls any VM may make still work. Reports 0
 * (pass), or 1.
 */
#include "guest.h"

static uint8_t buf[4096] __attribute__((aligned(4096)));

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t b = (uint64_t)(uintptr_t)buf;
	int64_t caps = guest_caps();
	int refused = 0, unused = 0, fail = 0;

	(void)vcpu;
	if (caps < 0 || (caps & FIEF_CAP_MANAGE)) {
		guest_printf("noperm: FAIL caps 0x%lx: must not manage\n", (unsigned long)caps);
		return 1;
	}
	for (uint64_t nr = FIEF_HC_VM_CREATE; nr < FIEF_HC_COUNT; nr++) {
		/* vm 0 (the host), a buffer of ours, a page, full access. */
		int64_t r = guest_hypercall(nr, nr == FIEF_HC_VM_CREATE ? mem_size : 0, b, 0,
					    sizeof(buf), FIEF_SHARE_ALL, 0);

		if (r == FIEF_E_PERM) {
			refused++;
		} else if (r == FIEF_E_NOSYS) {
			unused++;
		} else {
			guest_printf("noperm: FAIL call 0x%lx returned %ld\n", (unsigned long)nr,
				     (long)r);
			fail = 1;
		}
	}
	if (guest_abi_version() < 0)
		fail = 1;
	guest_printf("noperm: %d management calls refused with FIEF_E_PERM, %d unused numbers "
		     "FIEF_E_NOSYS\n", refused, unused);
	return fail;
}
