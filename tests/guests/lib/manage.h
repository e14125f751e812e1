/* SPDX-License-Identifier: MIT */
/*
 * Helpers for test guests that run as the host VM and manage others
 * (manager, mgrkill, bufrace): the calls with fewer arguments, the host's
 * RAM to give away, the memory the host owns.
 */
#ifndef FIEF_GUEST_MANAGE_H
#define FIEF_GUEST_MANAGE_H

#include <stdint.h>

#include "fief_boot.h"
#include "guest.h"

/** guest_hc() - a call with five arguments (the sixth is 0). */
int64_t guest_hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

/** guest_gpa() - the guest-physical address of @p (guests are identity mapped). */
static inline uint64_t guest_gpa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/**
 * guest_find_donor() - a @size-aligned piece of @size bytes of the host's
 * RAM in its span [base, base + @mem_size), 16 MiB or more into it and past
 * this image (a Bochs link puts it at 16 MiB), @skip pieces after the first
 * that fits. The span's base is where the boot information page is, less
 * its offset (fief_boot.h): 0 on x86, the first RAM on arm64.
 * Return: its address, or 0.
 */
uint64_t guest_find_donor(uint64_t mem_size, uint64_t size, unsigned skip);

/** guest_host_owned() - bytes of memory the host owns (VM_INFO of VM 0), 0 on error. */
uint64_t guest_host_owned(void);

#endif
