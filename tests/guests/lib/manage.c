/* SPDX-License-Identifier: MIT */
/* Helpers for managing test guests (lib/manage.h). */
#include "manage.h"

extern char __guest_end[]; /* the guest link script: the image's end */

int64_t guest_hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	return guest_hypercall(nr, a0, a1, a2, a3, a4, 0);
}

uint64_t guest_find_donor(uint64_t mem_size, uint64_t size, unsigned skip)
{
	const struct fief_boot_info *bi = (const void *)(uintptr_t)guest_boot_info_gpa;
	uint64_t base = guest_boot_info_gpa - FIEF_BOOT_INFO_GPA, end = base + mem_size;
	uint64_t floor = guest_gpa(__guest_end) > base + (16u << 20) ? guest_gpa(__guest_end)
								      : base + (16u << 20);

	for (uint32_t i = 0; i < bi->region_count && i < FIEF_BOOT_REGIONS_MAX; i++) {
		const struct fief_boot_region *r = &bi->region[i];
		uint64_t lo = (r->base + size - 1) & ~(size - 1);
		uint64_t hi = r->base + r->size < end ? r->base + r->size : end;

		if (lo < floor)
			lo = (floor + size - 1) & ~(size - 1);
		for (; r->type == FIEF_MEM_RAM && lo + size <= hi; lo += size)
			if (skip-- == 0)
				return lo;
	}
	return 0;
}

uint64_t guest_host_owned(void)
{
	static struct fief_vm_info info;

	if (guest_hc(FIEF_HC_VM_INFO, FIEF_VM_HOST, guest_gpa(&info), sizeof(info), 0, 0) != 0)
		return 0;
	return info.memory_owned;
}
