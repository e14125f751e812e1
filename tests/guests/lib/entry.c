/* SPDX-License-Identifier: MIT */
/* From _start to main() or secondary_main(), and the self-stop report. */
#include "arch.h"
#include "guest.h"

/* Set by _start from the register the boot protocol names (RDX, X2). */
uint64_t guest_boot_info_gpa;

void guest_entry(uint64_t vcpu, uint64_t mem_size)
{
	int ret;

	if (vcpu == 0)
		guest_self_stop((uint64_t)(int64_t)main(0, mem_size));
	if (secondary_main) {
		ret = secondary_main((unsigned)vcpu, mem_size);
		if (ret != 0)
			guest_self_stop((uint64_t)(int64_t)ret);
	}
	guest_halt();
}

void guest_lock(struct guest_lock *l)
{
	while (__atomic_exchange_n(&l->held, 1u, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED) != 0)
			guest_relax();
}

void guest_unlock(struct guest_lock *l)
{
	__atomic_store_n(&l->held, 0u, __ATOMIC_RELEASE);
}

void *memset(void *dst, int c, size_t n)
{
	volatile uint8_t *d = dst; /* volatile: keep gcc from calling memset here */

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

bool guest_same(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}
