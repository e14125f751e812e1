/* SPDX-License-Identifier: MIT */
/*
 * The arch-neutral start of fief: banner, machine discovery, then the run.
 */
#include "core/acpi.h"
#include "core/arch.h"
#include "core/main.h"
#include "core/memmap.h"
#include "core/print.h"
#include "core/version.h"

#define ACPI_TABLE_LIMIT (16u << 20)

static struct acpi_info acpi;

static void print_files(const struct boot_info *bi)
{
	console_printf("boot: %u file(s) from the boot volume\n", bi->file_count);
	for (uint32_t i = 0; i < bi->file_count; i++)
		console_printf("boot: file %s at 0x%llx, %llu bytes\n", bi->files[i].name,
			       (unsigned long long)bi->files[i].base,
			       (unsigned long long)bi->files[i].size);
}

/* Whether the machine is fit to run VMs; printed as the boot check. */
static int boot_check(const struct boot_info *bi, int acpi_err)
{
	int ok = 1;

	if (!arch_virt_usable()) {
		console_printf("fief: check: no usable hardware virtualization\n");
		ok = 0;
	}
	if (memmap_total(bi, BOOT_MEM_USABLE) == 0) {
		console_printf("fief: check: no usable memory\n");
		ok = 0;
	}
	if (acpi_err) {
		console_printf("fief: check: no valid ACPI tables\n");
		ok = 0;
	}
	return ok;
}

_Noreturn void fief_main(struct boot_info *bi)
{
	int acpi_err;
	int ok;

	arch_early_init(bi);
	console_printf("\nfief %s: microhypervisor starting\n", FIEF_VERSION);
	console_printf("boot: firmware '%s'\n", bi->firmware);
	arch_describe();
	memmap_print(bi);
	acpi_err = acpi_scan(bi->acpi_rsdp, ACPI_TABLE_LIMIT, &acpi);
	if (acpi_err == 0)
		acpi_print(&acpi);
	else
		console_printf("acpi: none usable at 0x%llx\n", (unsigned long long)bi->acpi_rsdp);
	print_files(bi);
	ok = boot_check(bi, acpi_err);
	console_printf("fief: boot check %s\n", ok ? "passed" : "FAILED");
	console_printf("fief: nothing to run, stopping\n");
	arch_machine_exit(ARCH_EXIT_DEBUG, ok ? 0 : 1);
}
