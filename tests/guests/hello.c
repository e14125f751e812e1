/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest useful guest. Prints a greeting and what fief's calls
 * for every VM answer, then reports 0 (pass) with FIEF_HC_SELF_STOP.
 *
 * Fails (status 1) if FIEF_HC_VERSION is not this ABI's major version, if
 * an unknown call number does not return FIEF_E_NOSYS, or if a VM without
 * FIEF_CAP_MANAGE gets anything but FIEF_E_PERM from a management call.
 */
#include "guest.h"

int main(unsigned vcpu, uint64_t mem_size)
{
	int64_t version, caps, bad_small, bad_huge, mgmt;
	int fail = 0;

	guest_printf("hello from vcpu %u, memory %lu KiB\n", vcpu,
		     (unsigned long)(mem_size >> 10));
	version = guest_abi_version();
	caps = guest_caps();
	guest_printf("hello: fief ABI %u.%u (header %u.%u), caps 0x%lx\n",
		     FIEF_ABI_VERSION_MAJOR_OF(version), FIEF_ABI_VERSION_MINOR_OF(version),
		     FIEF_ABI_VERSION_MAJOR, FIEF_ABI_VERSION_MINOR, (unsigned long)caps);
	if (version < 0 || FIEF_ABI_VERSION_MAJOR_OF(version) != FIEF_ABI_VERSION_MAJOR) {
		guest_printf("hello: FAIL version %ld\n", (long)version);
		fail = 1;
	}
	if (caps < 0) {
		guest_printf("hello: FAIL caps %ld\n", (long)caps);
		fail = 1;
	}
	bad_small = guest_hypercall(0x0fff, 0, 0, 0, 0, 0, 0);
	bad_huge = guest_hypercall(~0ull, 0, 0, 0, 0, 0, 0);
	if (bad_small != FIEF_E_NOSYS || bad_huge != FIEF_E_NOSYS) {
		guest_printf("hello: FAIL unknown calls returned %ld and %ld\n",
			     (long)bad_small, (long)bad_huge);
		fail = 1;
	}
	guest_printf("hello: unknown calls return %ld\n", (long)bad_small);
	/* VM_LIST with capacity 0 writes nothing: harmless for any caller. */
	mgmt = guest_hypercall(FIEF_HC_VM_LIST, 0, 0, 0, 0, 0, 0);
	guest_printf("hello: management call %s MANAGE returns %ld\n",
		     caps >= 0 && (caps & FIEF_CAP_MANAGE) ? "with" : "without", (long)mgmt);
	if (caps >= 0 && !(caps & FIEF_CAP_MANAGE) && mgmt != FIEF_E_PERM) {
		guest_printf("hello: FAIL expected FIEF_E_PERM (%d)\n", FIEF_E_PERM);
		fail = 1;
	}
	guest_printf("hello: goodbye, status %d\n", fail);
	return fail;
}
