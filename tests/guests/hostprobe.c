/* SPDX-License-Identifier: MIT */
/*
 * hostprobe: run as the host VM (role = host), which fief maps 1:1 and
 * fills lazily. It
 *   1. checks the boot information page (guest-abi/fief_boot.h),
 *   2. writes and reads back RAM it owns far from its image (fief maps it
 *      on the first touch),
 *   3. writes to memory that is not its own: a guest's memory if the boot
 *      information lists one, else fief's own memory.
 *
 * Expected: fief stops this VM at step 3 with FIEF_STOP_MEMORY
 * ("memory violation: write at 0x..., a page the host does not own"); any
 * other VM goes on. If the write completes, the guest reports status 1.
 */
#include "fief_boot.h"
#include "guest.h"

static const struct fief_boot_region *find(const struct fief_boot_info *bi, uint32_t type,
					   uint64_t min_size)
{
	for (uint32_t i = 0; i < bi->region_count && i < FIEF_BOOT_REGIONS_MAX; i++)
		if (bi->region[i].type == type && bi->region[i].size >= min_size)
			return &bi->region[i];
	return 0;
}

static int check_info(const struct fief_boot_info *bi)
{
	if (bi->magic != FIEF_BOOT_MAGIC || bi->version != FIEF_BOOT_VERSION ||
	    !(bi->flags & FIEF_BOOT_F_HOST)) {
		guest_printf("hostprobe: FAIL boot info magic 0x%lx flags 0x%x\n",
			     (unsigned long)bi->magic, bi->flags);
		return 1;
	}
	guest_printf("hostprobe: boot info ok, vm %u, %u regions\n", bi->vm_id, bi->region_count);
	for (uint32_t i = 0; i < bi->region_count && i < FIEF_BOOT_REGIONS_MAX; i++)
		if (bi->region[i].type == FIEF_MEM_HYP || bi->region[i].type == FIEF_MEM_GUEST)
			guest_printf("hostprobe: region 0x%lx size 0x%lx %s\n",
				     (unsigned long)bi->region[i].base,
				     (unsigned long)bi->region[i].size,
				     bi->region[i].type == FIEF_MEM_HYP ? "fief" : "guest");
	return 0;
}

/* Step 2: the largest RAM region above 16 MiB, one page in its middle. */
static int touch_ram(const struct fief_boot_info *bi)
{
	const struct fief_boot_region *best = 0;

	for (uint32_t i = 0; i < bi->region_count && i < FIEF_BOOT_REGIONS_MAX; i++) {
		const struct fief_boot_region *r = &bi->region[i];

		if (r->type == FIEF_MEM_RAM && r->base >= (16u << 20) && (!best || r->size > best->size))
			best = r;
	}
	if (!best)
		return 0;
	uint64_t pa = (best->base + best->size / 2) & ~0xfffull;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)pa;

	if (guest_map_gpa(pa) < 0)
		return 2;
	*p = 0x686f737470726f62ull;
	if (*p != 0x686f737470726f62ull)
		return 3;
	guest_printf("hostprobe: wrote and read back its RAM at 0x%lx\n", (unsigned long)pa);
	return 0;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	const struct fief_boot_info *bi = (const void *)(uintptr_t)guest_boot_info_gpa;
	const struct fief_boot_region *target;
	int err;

	(void)vcpu;
	(void)mem_size;
	if ((err = check_info(bi)) != 0 || (err = touch_ram(bi)) != 0)
		return err;
	target = find(bi, FIEF_MEM_GUEST, 4096);
	if (!target)
		target = find(bi, FIEF_MEM_HYP, 4096);
	if (!target) {
		guest_printf("hostprobe: FAIL no memory of others listed\n");
		return 4;
	}
	uint64_t pa = target->base + (target->size / 2 & ~0xfffull);

	if (guest_map_gpa(pa) < 0)
		return 5;
	guest_printf("hostprobe: writing to %s memory at 0x%lx\n",
		     target->type == FIEF_MEM_HYP ? "fief's" : "a guest's", (unsigned long)pa);
	*(volatile uint64_t *)(uintptr_t)pa = 0x6e6f742d6d696e65ull;
	guest_printf("hostprobe: FAIL the write to 0x%lx was not stopped\n", (unsigned long)pa);
	return 1;
}
