/* SPDX-License-Identifier: MIT */
/*
 * UEFI entry (gnu-efi), x86_64 and arm64.
 *
 * Reads every regular file of the boot volume's root directory (fief.cfg and
 * the VM images it names) into memory, finds the ACPI RSDP (and a device
 * tree, if the firmware publishes one), takes the memory map, leaves boot
 * services, and hands a struct boot_info to fief_main() on fief's own stack.
 * Until ExitBootServices succeeds, errors go to the firmware console.
 *
 * Only gnu-efi's headers, crt0 and self-relocator are used: its libefi
 * defines memcpy/memset alongside InitializeLib, which would clash with
 * fief's own, and fief needs little of it.
 */
#include <stdbool.h>

#include <efi.h>

#include "core/boot_info.h"
#include "core/main.h"
#include "core/memmap.h"
#include "lib/string.h"

#define FILE_MAX_BYTES (64ull << 20)
#define BOOT_STACK_BYTES (64 * 1024)

static struct boot_info bi;
static EFI_SYSTEM_TABLE *ST;
static EFI_BOOT_SERVICES *BS;
static uint8_t boot_stack[BOOT_STACK_BYTES] __attribute__((aligned(16)));

extern char __fief_image_start[], __fief_image_end[];

static EFI_GUID acpi20_guid = { 0x8868e871, 0xe4f1, 0x11d3,
				{ 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } };
static EFI_GUID acpi10_guid = { 0xeb9d2d30, 0x2d88, 0x11d3,
				{ 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };
static EFI_GUID dtb_guid = { 0xb1b621d5, 0xf19c, 0x41a5,
			     { 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0 } };

static EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
static EFI_GUID simple_fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;

static bool guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* A message on the firmware console: ASCII text, then a status in hex. */
static void efi_say(const char *msg, const char *name, EFI_STATUS status)
{
	CHAR16 buf[160];
	size_t n = 0;
	const char *parts[] = { "fief: ", msg, name ? " " : "", name ? name : "", ": status 0x" };

	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++)
		for (const char *c = parts[p]; *c && n < 120; c++)
			buf[n++] = (CHAR16)*c;
	for (int shift = 60; shift >= 0; shift -= 4)
		buf[n++] = (CHAR16)"0123456789abcdef"[(status >> shift) & 0xf];
	buf[n++] = L'\r';
	buf[n++] = L'\n';
	buf[n] = 0;
	uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, buf);
}

/* UCS-2 to ASCII; anything outside printable ASCII becomes '?'. */
static void ucs2_to_ascii(char *dst, size_t size, const CHAR16 *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

static void find_config_tables(EFI_SYSTEM_TABLE *st)
{
	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &st->ConfigurationTable[i];
		uint64_t pa = (uint64_t)(uintptr_t)t->VendorTable;

		if (guid_eq(&t->VendorGuid, &acpi20_guid))
			bi.acpi_rsdp = pa;
		else if (guid_eq(&t->VendorGuid, &acpi10_guid) && !bi.acpi_rsdp)
			bi.acpi_rsdp = pa;
		else if (guid_eq(&t->VendorGuid, &dtb_guid))
			bi.dtb = pa;
	}
}

/* Read one file into fresh pages; record it in bi.files. */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, EFI_FILE_INFO *info)
{
	EFI_FILE_HANDLE fh;
	EFI_PHYSICAL_ADDRESS pa;
	UINTN size = info->FileSize;
	UINTN pages = EFI_SIZE_TO_PAGES(size ? size : 1);
	struct boot_file *f;
	EFI_STATUS st;

	f = &bi.files[bi.file_count];
	ucs2_to_ascii(f->name, sizeof(f->name), info->FileName);
	if (bi.file_count == BOOT_FILES_MAX || size > FILE_MAX_BYTES) {
		efi_say("skipping (too many files, or too large)", f->name, EFI_SUCCESS);
		return EFI_SUCCESS;
	}
	st = uefi_call_wrapper(root->Open, 5, root, &fh, info->FileName, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, pages, &pa);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(fh->Read, 3, fh, &size, (void *)(uintptr_t)pa);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(st) || size != info->FileSize)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	bi.file_count++;
	f->base = pa;
	f->size = size;
	return EFI_SUCCESS;
}

/* Every regular file in the root directory of the volume fief came from. */
static EFI_STATUS read_root_files(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root;
	UINT8 buf[1024] __attribute__((aligned(8)));
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &loaded_image_guid, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle, &simple_fs_guid,
			       (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (EFI_ERROR(st))
		return st;
	for (;;) {
		UINTN size = sizeof(buf);
		EFI_FILE_INFO *info = (EFI_FILE_INFO *)buf;

		st = uefi_call_wrapper(root->Read, 3, root, &size, buf);
		if (EFI_ERROR(st) || size == 0)
			break;
		if (info->Attribute & EFI_FILE_DIRECTORY)
			continue;
		st = read_file(root, info);
		if (EFI_ERROR(st)) {
			efi_say("cannot read", bi.files[bi.file_count].name, st);
			break;
		}
	}
	uefi_call_wrapper(root->Close, 1, root);
	return st;
}

static uint32_t efi_mem_type(UINT32 t)
{
	switch (t) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return BOOT_MEM_USABLE; /* boot services are gone when fief runs */
	case EfiLoaderCode:
	case EfiLoaderData:
		return BOOT_MEM_FIEF;   /* fief's image and what it allocated */
	case EfiACPIReclaimMemory:
		return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return BOOT_MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return BOOT_MEM_MMIO;
	case EfiUnusableMemory:
		return BOOT_MEM_UNUSABLE;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/* Convert the firmware map; runs after ExitBootServices, so no Print. */
static void convert_memory_map(const UINT8 *map, UINTN map_size, UINTN desc_size)
{
	for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);

		memmap_add(&bi, d->PhysicalStart, d->NumberOfPages << EFI_PAGE_SHIFT,
			   efi_mem_type(d->Type));
	}
	memmap_carve(&bi, bi.image_base, bi.image_size, BOOT_MEM_FIEF);
	for (uint32_t i = 0; i < bi.file_count; i++) {
		uint64_t pages = EFI_SIZE_TO_PAGES(bi.files[i].size ? bi.files[i].size : 1);

		memmap_carve(&bi, bi.files[i].base, pages << EFI_PAGE_SHIFT, BOOT_MEM_MODULE);
	}
}

static EFI_STATUS exit_boot_services(EFI_HANDLE image)
{
	UINTN map_size = 0, key, desc_size;
	UINT32 desc_ver;
	UINT8 *map = NULL;
	EFI_STATUS st;

	for (int attempt = 0; attempt < 4; attempt++) {
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, (EFI_MEMORY_DESCRIPTOR *)map,
				       &key, &desc_size, &desc_ver);
		if (st == EFI_BUFFER_TOO_SMALL) {
			map_size += 8 * sizeof(EFI_MEMORY_DESCRIPTOR);
			if (map)
				uefi_call_wrapper(BS->FreePool, 1, map);
			st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, map_size,
					       (void **)&map);
			if (EFI_ERROR(st))
				return st;
			continue;
		}
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st)) {
			convert_memory_map(map, map_size, desc_size);
			return EFI_SUCCESS;
		}
		/* The map changed under us: fetch it again (UEFI spec 7.4). */
	}
	return st;
}

static _Noreturn void enter_core(void)
{
	fief_main(&bi);
}

/* Leave the firmware's stack (it is boot-services memory, now usable RAM). */
static _Noreturn void switch_stack_and_enter(void)
{
	void *top = boot_stack + BOOT_STACK_BYTES;

#if defined(__x86_64__)
	__asm__ volatile("mov %0, %%rsp\n\txor %%ebp, %%ebp\n\tcall *%1\n\tud2"
			 :: "r"(top), "r"(enter_core) : "memory");
#elif defined(__aarch64__)
	__asm__ volatile("mov sp, %0\n\tmov x29, xzr\n\tblr %1\n\tbrk #0"
			 :: "r"(top), "r"(enter_core) : "memory");
#else
#error "unsupported architecture"
#endif
	__builtin_unreachable();
}

/* Called by gnu-efi's crt0 with the SysV convention, after self-relocation. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_STATUS status;

	ST = st;
	BS = st->BootServices;
	ucs2_to_ascii(bi.firmware, sizeof(bi.firmware), st->FirmwareVendor);
	bi.image_base = (uint64_t)(uintptr_t)__fief_image_start;
	bi.image_size = (uint64_t)(__fief_image_end - __fief_image_start);
	find_config_tables(st);
	status = read_root_files(image);
	if (EFI_ERROR(status)) {
		efi_say("reading the boot volume failed", NULL, status);
		return status;
	}
	status = exit_boot_services(image);
	if (EFI_ERROR(status)) {
		efi_say("ExitBootServices failed", NULL, status);
		return status;
	}
	switch_stack_and_enter();
}
