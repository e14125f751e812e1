/* SPDX-License-Identifier: MIT */
/*
 * The machine the VM and management tests boot on the fake arch: fake RAM
 * in two ranges, a boot memory map, mm_boot() with the NPT format, a guest
 * image "guest.elf" on the boot volume, vm_init().
 *
 *   [0, 64 MiB)               RAM: the host's low memory
 *   [1 GiB, 1 GiB + 256 MiB)  RAM: guests and fief's pool
 *
 * Each test program includes it once and calls vm_env_boot() from its
 * cmocka setup and vm_env_free() from its teardown.
 */
#ifndef FIEF_TESTS_VM_TEST_ENV_H
#define FIEF_TESTS_VM_TEST_ENV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/fake/fake.h"
#include "core/boot_info.h"
#include "core/mm_boot.h"
#include "core/memmap.h"
#include "core/vm.h"
#include "mm/page_alloc.h"
#include "tests/unit/elf_build.h"
#include "tests/unit/mm_fake.h"

#define RAM_LOW_SIZE (64ull << 20)
#define RAM_HIGH 0x40000000ull
#define RAM_HIGH_SIZE (256ull << 20)
#define IMAGE_GPA 0x200000ull
#define IMAGE_ENTRY (IMAGE_GPA + 0x40)

static struct boot_info *bi;
static _Alignas(8) uint8_t elf[4096];

/* A file on the boot volume, as the boot loader hands them over. */
static void add_file(const char *name, const void *data, size_t size)
{
	struct boot_file *f = &bi->files[bi->file_count++];

	strcpy(f->name, name);
	f->base = (uint64_t)(uintptr_t)data;
	f->size = size;
}

/* The guest image: 256 bytes of text, 4 KiB of bss. */
static void build_elf(void)
{
	elf_build(elf, sizeof(elf), IMAGE_GPA, IMAGE_ENTRY, 256, 256 + 4096);
}

static int vm_env_boot(void)
{
	bi = calloc(1, sizeof(*bi));
	if (!bi)
		return -1;
	fake_mm_ram_reset();
	fake_mm_ram_add(0, RAM_LOW_SIZE);
	fake_mm_ram_add(RAM_HIGH, RAM_HIGH_SIZE);
	memmap_add(bi, 0, RAM_LOW_SIZE, BOOT_MEM_USABLE);
	memmap_add(bi, RAM_HIGH, RAM_HIGH_SIZE, BOOT_MEM_USABLE);
	build_elf();
	add_file("guest.elf", elf, sizeof(elf));
	if (mm_boot(bi, &pt_format_x86_npt, 8ull << 20) != 0)
		return -1;
	vm_init();
	fake_console_reset();
	return 0;
}

static void vm_env_free(void)
{
	free(bi);
	bi = NULL;
}

/*
 * vm_env_boot_host() - vm_env_boot(), then the host VM from fief.cfg's
 * form: all of the low RAM, one vCPU, the manage capability, on a machine
 * of two CPUs. Return: the host, or NULL.
 */
static inline struct vm *vm_env_boot_host(void)
{
	struct config_vm cv = { .valid = true, .role = CONFIG_ROLE_HOST, .memory = RAM_LOW_SIZE,
				.vcpu_count = 1, .manage = true };

	strcpy(cv.name, "host");
	strcpy(cv.image, "guest.elf");
	if (vm_env_boot() != 0 || vm_create(&cv, bi, 2) != 0)
		return NULL;
	return vm_get(0);
}

#endif
