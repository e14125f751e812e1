/* SPDX-License-Identifier: MIT */
/*
 * The boot information page (guest-abi/fief_boot.h) of every VM.
 *
 * The host's map starts from the firmware's and then marks what is not the
 * host's any more: fief's image and page pool, fief's devices, and each
 * guest's memory.
 */
#include "core/devices.h"
#include "core/memmap.h"
#include "core/vm.h"
#include "guest-abi/fief_boot.h"
#include "lib/err.h"
#include "lib/string.h"
#include "mm/page_alloc.h"

static struct boot_info scratch; /* boot runs on one CPU */

static uint32_t abi_type(uint32_t boot_type)
{
	switch (boot_type) {
	case BOOT_MEM_USABLE:
	case BOOT_MEM_MODULE:
	case BOOT_MEM_FIEF: /* loader memory beyond fief's image is the host's */
		return FIEF_MEM_RAM;
	case BOOT_MEM_ACPI_RECLAIM:
		return FIEF_MEM_ACPI;
	default:
		return FIEF_MEM_RESERVED;
	}
}

static void host_map(const struct boot_info *bi)
{
	paddr_t base;
	uint64_t size;

	scratch.mem_count = bi->mem_count;
	memcpy(scratch.mem, bi->mem, bi->mem_count * sizeof(bi->mem[0]));
	for (uint32_t i = 0; i < scratch.mem_count; i++)
		scratch.mem[i].type = abi_type(scratch.mem[i].type);
	/* Carving can only fail when the table is full: the entry then keeps
	 * its firmware type, which the VM may not rely on for isolation anyway
	 * (fief's stage-2 is what enforces it). */
	memmap_carve(&scratch, bi->image_base, bi->image_size, FIEF_MEM_HYP);
	for (unsigned i = 0; page_alloc_range(i, &base, &size); i++)
		memmap_carve(&scratch, pa_addr(base), size, FIEF_MEM_HYP);
	/* fief's devices: any access stops the host (core/devices.h). */
	for (uint32_t i = 0; i < devices_fief()->count; i++)
		memmap_carve(&scratch, devices_fief()->dev[i].base, devices_fief()->dev[i].size,
			     FIEF_MEM_DEVICE);
	for (uint32_t i = 0; i < VM_MAX; i++) {
		const struct vm *g = vm_get(i);

		if (g && !g->host)
			memmap_carve(&scratch, pa_addr(g->mem_base), g->mem_size, FIEF_MEM_GUEST);
	}
}

int vm_publish_boot_info(struct vm *vm, const struct boot_info *bi)
{
	struct fief_boot_info *info =
		vm_gpa_ptr(vm, gpa_add(vm->gpa_base, FIEF_BOOT_INFO_GPA), sizeof(*info));

	if (!info)
		return FIEF_ERANGE;
	memset(info, 0, sizeof(*info));
	info->magic = FIEF_BOOT_MAGIC;
	info->version = FIEF_BOOT_VERSION;
	info->size = sizeof(*info);
	info->vm_id = vm->id;
	info->flags = vm->host ? FIEF_BOOT_F_HOST : 0;
	info->memory_size = vm->mem_size;
	info->vcpu_count = vm->vcpu_count;
	if (!vm->host) {
		info->region_count = 1;
		info->region[0] = (struct fief_boot_region){ gpa_addr(vm->gpa_base), vm->mem_size,
							     FIEF_MEM_RAM, 0 };
		return FIEF_OK;
	}
	host_map(bi);
	for (uint32_t i = 0; i < scratch.mem_count && i < FIEF_BOOT_REGIONS_MAX; i++) {
		info->region[i] = (struct fief_boot_region){ scratch.mem[i].base, scratch.mem[i].size,
							     scratch.mem[i].type, 0 };
		info->region_count++;
	}
	return FIEF_OK;
}
