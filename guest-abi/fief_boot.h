/* SPDX-License-Identifier: MIT */
/*
 * The boot information page fief writes into every VM before it starts.
 *
 * It sits FIEF_BOOT_INFO_GPA bytes into the VM's memory (GPA 0x8000, or for
 * the host VM on arm64 that far into its first RAM), inside the first 1 MiB
 * that the boot protocol keeps for fief's boot structures, and tells the VM what
 * its memory is. For the host VM (identity mapped) the regions describe the
 * whole physical address space as fief booted it: RAM the host owns, fief's
 * own memory, memory given to guests, and what is neither. A guest sees one
 * RAM region, [0, memory size).
 *
 * Its address is in RDX (x86) or X2 (arm64) at entry.
 * Plain header: fixed-width types only, usable by guests and tools.
 */
#ifndef FIEF_GUEST_ABI_BOOT_H
#define FIEF_GUEST_ABI_BOOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define FIEF_BOOT_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define FIEF_BOOT_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define FIEF_BOOT_INFO_GPA 0x8000u
#define FIEF_BOOT_MAGIC 0x544f4f4246454946ull /* "FIEFBOOT", little-endian */
#define FIEF_BOOT_VERSION 1u
#define FIEF_BOOT_REGIONS_MAX 96u

/* Region types */
#define FIEF_MEM_RAM 1u      /* RAM this VM owns */
#define FIEF_MEM_RESERVED 2u /* firmware, ACPI NVS, MMIO, holes: not RAM to use */
#define FIEF_MEM_HYP 3u      /* fief's own memory: any access stops the VM */
#define FIEF_MEM_GUEST 4u    /* RAM given to a guest: any access stops the VM */
#define FIEF_MEM_ACPI 5u     /* ACPI tables (RAM the host owns, read them first) */
#define FIEF_MEM_DEVICE 6u   /* a device fief keeps (interrupt controller, IOMMU,
			      * its UART): any access stops the VM */

/* Flags */
#define FIEF_BOOT_F_HOST (1u << 0) /* this VM is the host (identity mapped) */

struct fief_boot_region {
	uint64_t base;
	uint64_t size;
	uint32_t type;     /* FIEF_MEM_* */
	uint32_t reserved; /* 0 */
};

struct fief_boot_info {
	uint64_t magic;        /* FIEF_BOOT_MAGIC */
	uint32_t version;      /* FIEF_BOOT_VERSION */
	uint32_t size;         /* bytes of this struct fief wrote */
	uint32_t vm_id;        /* this VM's id (0: the host) */
	uint32_t flags;        /* FIEF_BOOT_F_* */
	uint64_t memory_size;  /* bytes of guest-physical memory fief set up */
	uint32_t vcpu_count;   /* vCPUs the VM has */
	uint32_t region_count; /* valid entries of region[], sorted by base */
	struct fief_boot_region region[FIEF_BOOT_REGIONS_MAX];
};

FIEF_BOOT_STATIC_ASSERT(sizeof(struct fief_boot_region) == 24, "fief_boot_region size");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_region, size) == 8, "region size");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, version) == 8, "version");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, size) == 12, "size");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, vm_id) == 16, "vm_id");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, flags) == 20, "flags");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, vcpu_count) == 32, "vcpu_count");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_region, type) == 16, "region type");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, memory_size) == 24, "memory_size");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, region_count) == 36, "region_count");
FIEF_BOOT_STATIC_ASSERT(offsetof(struct fief_boot_info, region) == 40, "region");
FIEF_BOOT_STATIC_ASSERT(sizeof(struct fief_boot_info) == 40 + 24 * FIEF_BOOT_REGIONS_MAX,
	       "fief_boot_info size");
FIEF_BOOT_STATIC_ASSERT(sizeof(struct fief_boot_info) <= 4096, "boot info fits one page");

#endif
