/* SPDX-License-Identifier: MIT */
/*
 * The arch-neutral start of fief: banner, machine discovery, configuration,
 * then the run.
 */
#include "core/acpi.h"
#include "core/arch.h"
#include "core/config.h"
#include "core/main.h"
#include "core/memmap.h"
#include "core/print.h"
#include "core/version.h"

#define ACPI_TABLE_LIMIT (16u << 20)
#define CONFIG_FILE "fief.cfg"

/* Exit statuses reported to a test rig. */
enum {
	STATUS_PASS = 0,
	STATUS_BOOT_CHECK = 1, /* the machine cannot run VMs */
	STATUS_CONFIG = 2,     /* no usable configuration */
};

static struct acpi_info acpi;
static struct fief_config cfg;
static struct config_diag diag;
static uint32_t cpu_count;

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
	if (acpi_err || cpu_count == 0) {
		console_printf("fief: check: no valid ACPI tables with CPUs\n");
		ok = 0;
	}
	return ok;
}

/* Read, parse and check fief.cfg. Return: 0, or negative if fief must stop. */
static int load_config(const struct boot_info *bi)
{
	const struct boot_file *f = boot_find_file(bi, CONFIG_FILE);
	struct config_limits lim = {
		.memory = memmap_total(bi, BOOT_MEM_USABLE),
		.cpu_count = cpu_count,
		.files = bi->files,
		.file_count = bi->file_count,
	};
	int err;

	if (!f) {
		console_printf("config: no %s on the boot volume\n", CONFIG_FILE);
		return -1;
	}
	err = config_parse((const char *)(uintptr_t)f->base, f->size, CONFIG_FILE, &cfg, &diag);
	if (err == 0)
		err = config_check(&cfg, &lim, &diag);
	config_diag_print(&diag);
	for (uint32_t i = 0; err == 0 && i < cfg.vm_count; i++) {
		const struct config_vm *vm = &cfg.vm[i];

		if (vm->valid)
			console_printf("config: vm %s: %s, %llu KiB, %u vCPU(s), image %s\n",
				       vm->name, vm->role == CONFIG_ROLE_HOST ? "host" : "guest",
				       (unsigned long long)(vm->memory >> 10), vm->vcpu_count,
				       vm->image);
	}
	if (err == 0)
		console_printf("config: %u VM(s) accepted, %u refused\n", config_valid_count(&cfg),
			       cfg.vm_count - config_valid_count(&cfg));
	return err;
}

static void describe_machine(const struct boot_info *bi, int acpi_err)
{
	if (cfg.banner == CONFIG_BANNER_SHORT)
		return;
	console_printf("boot: firmware '%s'\n", bi->firmware);
	arch_describe();
	memmap_print(bi);
	if (acpi_err == 0)
		acpi_print(&acpi);
	else
		console_printf("acpi: none usable at 0x%llx\n", (unsigned long long)bi->acpi_rsdp);
	console_printf("cpus: %u in the MADT\n", cpu_count);
	print_files(bi);
}

static _Noreturn void stop(int status)
{
	enum arch_exit_how how = cfg.exit == CONFIG_EXIT_DEBUG ? ARCH_EXIT_DEBUG : ARCH_EXIT_HALT;

	console_printf("fief: exit status %d\n", status);
	arch_machine_exit(how, status);
}

_Noreturn void fief_main(struct boot_info *bi)
{
	int acpi_err;

	arch_early_init(bi);
	console_printf("\nfief %s: microhypervisor starting\n", FIEF_VERSION);
	acpi_err = acpi_scan(bi->acpi_rsdp, ACPI_TABLE_LIMIT, &acpi);
	if (acpi_err == 0)
		cpu_count = acpi_cpu_count(&acpi);
	if (load_config(bi) != 0) {
		console_printf("fief: configuration unusable, stopping before takeover\n");
		describe_machine(bi, acpi_err);
		stop(STATUS_CONFIG);
	}
	describe_machine(bi, acpi_err);
	if (!boot_check(bi, acpi_err)) {
		console_printf("fief: boot check FAILED\n");
		stop(STATUS_BOOT_CHECK);
	}
	console_printf("fief: boot check passed\n");
	console_printf("fief: nothing to run, stopping\n");
	stop(STATUS_PASS);
}
