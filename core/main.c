/* SPDX-License-Identifier: MIT */
/*
 * The arch-neutral start of fief: banner, machine discovery, configuration,
 * then the run.
 */
#include "core/acpi.h"
#include "core/arch.h"
#include "core/config.h"
#include "core/devices.h"
#include "core/main.h"
#include "arch_inline.h"
#include "core/memmap.h"
#include "lib/err.h"
#include "lib/print.h"
#include "core/run.h"
#include "core/version.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "core/mm_boot.h"
#include "mm/own.h"

#define ACPI_TABLE_LIMIT (16u << 20)
#define CONFIG_FILE "fief.cfg"

/* Exit statuses reported to a test rig. */
enum {
	STATUS_PASS = 0,
	STATUS_BOOT_CHECK = 1, /* the machine cannot run VMs */
	STATUS_CONFIG = 2,     /* no usable configuration */
	STATUS_SETUP = 3,      /* memory or virtualization could not be set up */
	STATUS_VM_FAILED = 4,  /* a VM reported failure, or fief could not run it */
};

#define POOL_MIN (4ull << 20)
#define POOL_MAX (64ull << 20)

static struct acpi_info acpi;
static struct fief_config cfg;
static struct config_diag diag;
static uint32_t cpu_count;
static uint32_t cpus_online = 1;
/* Other CPUs wait for cpus_go, then run; each counts itself in cpus_done. */
static uint32_t cpus_go;
static uint32_t cpus_done;

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

/* IOMMUs are noted at boot; their drivers (drivers/iommu) come later. */
static void print_iommus(void)
{
	static const struct {
		char sig[5];
		const char *what;
	} kinds[] = { { "DMAR", "Intel VT-d" }, { "IVRS", "AMD-Vi" }, { "IORT", "Arm IORT" } };
	bool any = false;

	for (uint32_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (acpi_find(&acpi, kinds[i].sig, 0)) {
			console_printf("iommu: %s (%s table)\n", kinds[i].what, kinds[i].sig);
			any = true;
		}
	}
	if (!any)
		console_printf("iommu: none listed in ACPI\n");
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
	print_iommus();
	print_files(bi);
}

/* fief's page pool: a sixteenth of usable RAM, within [4 MiB, 64 MiB]. */
static uint64_t pool_size(const struct boot_info *bi)
{
	uint64_t size = memmap_total(bi, BOOT_MEM_USABLE) / 16;

	size = size < POOL_MIN ? POOL_MIN : size > POOL_MAX ? POOL_MAX : size;
	return size & ~(PAGE_SIZE - 1);
}

/* Create the configured VMs, the host first. Return: VMs created, or -1
 * if the host VM was configured and could not be created. */
static int create_vms(const struct boot_info *bi)
{
	int created = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < cfg.vm_count; i++) {
			const struct config_vm *cv = &cfg.vm[i];
			bool host = cv->role == CONFIG_ROLE_HOST;
			int err;

			if (!cv->valid || host != (pass == 0))
				continue;
			err = vm_create(cv, bi, cpus_online);
			if (err == 0) {
				created++;
				continue;
			}
			console_printf("fief: vm %s refused: %s\n", cv->name, err_name(err));
			if (host)
				return -1;
		}
	}
	return created;
}

/*
 * The final line per VM, and the run's status: a VM that reported a
 * non-zero status, or that fief could not continue, fails the run. Stops
 * for a guest's own misbehaviour (memory violation, triple fault) are the
 * expected outcome of those tests and are judged by their log lines.
 */
static int report_vms(void)
{
	int status = STATUS_PASS;

	for (uint32_t i = 0; i < VM_MAX; i++) {
		const struct vm *vm = vm_get(i);

		if (!vm)
			continue;
		if (vm_state(vm) == VM_STATE_STOPPED)
			console_printf("fief: vm %s: stopped: %s\n", vm->name, vm->stop_reason);
		else
			console_printf("fief: vm %s: idle, no vCPU runnable\n", vm->name);
		if ((vm->stop_code == FIEF_STOP_SELF && vm->stop_status != 0) ||
		    vm->stop_code == FIEF_STOP_INTERNAL)
			status = STATUS_VM_FAILED;
	}
	return status;
}

/*
 * fief's devices (core/devices.h): found in the ACPI tables and by the
 * arch, each kept out of the host's reach in its stage-2. A range mm
 * refuses (it overlaps RAM: a broken table) is left out and said so.
 */
static void keep_devices(int acpi_err)
{
	struct device_list *devs = devices_fief();

	if (acpi_err == 0)
		devices_from_acpi(devs, &acpi);
	arch_devices(devs);
	for (uint32_t i = 0; i < devs->count;) {
		const struct device_range *d = &devs->dev[i];
		int err = mm_host_keep_device(pa_init(d->base), d->size);

		if (err == 0) {
			i++;
			continue;
		}
		console_printf("fief: cannot keep %s at 0x%llx (%llu KiB): %s\n",
			       devices_kind_name(d->kind), (unsigned long long)d->base,
			       (unsigned long long)(d->size >> 10), err_name(err));
		devs->dev[i] = devs->dev[--devs->count];
		devs->dropped++;
	}
	devices_print(devs);
}

/* Own the machine, build the VMs, run them until none can run. */
static int take_over_and_run(const struct boot_info *bi, int acpi_err)
{
	int err;
	int created;

	arch_takeover(bi);
	err = mm_boot(bi, arch_stage2_format(), pool_size(bi));
	if (err) {
		console_printf("mm: setup failed: %s\n", err_name(err));
		return STATUS_SETUP;
	}
	console_printf("mm: %llu KiB page pool, ownership tables built\n",
		       (unsigned long long)(pool_size(bi) >> 10));
	keep_devices(acpi_err);
	if (config_valid_count(&cfg) == 0) {
		console_printf("fief: nothing to run, stopping\n");
		return STATUS_PASS;
	}
	err = arch_cpu_virt_enable();
	if (err) {
		console_printf("fief: virtualization unavailable: %s\n", err_name(err));
		return STATUS_SETUP;
	}
	cpus_online = arch_cpus_start(&acpi, cpu_count);
	console_printf("smp: %u of %u CPU(s) online\n", cpus_online, cpu_count);
	vm_init();
	created = create_vms(bi);
	for (uint32_t i = 0; i < VM_MAX; i++)
		if (vm_get(i) && vm_publish_boot_info(vm_get(i), bi) != 0)
			vm_stop(vm_get(i), NULL, FIEF_STOP_INTERNAL, 0, "no room for its boot information");
	__atomic_store_n(&cpus_go, 1, __ATOMIC_RELEASE);
	if (created < 0)
		return STATUS_CONFIG;
	console_printf("fief: %d VM(s) running\n", created);
	run_cpu(0);
	/* Let the other CPUs finish their last exit before the report. */
	for (unsigned t = 0; t < 100000000 &&
	     __atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) + 1 < cpus_online; t++)
		arch_cpu_relax();
	console_printf("fief: no runnable vCPU left\n");
	arch_report();
	return report_vms();
}

static _Noreturn void stop(int status)
{
	enum arch_exit_how how = cfg.exit == CONFIG_EXIT_DEBUG ? ARCH_EXIT_DEBUG : ARCH_EXIT_HALT;

	console_printf("fief: exit status %d\n", status);
	arch_machine_exit(how, status);
}

_Noreturn void fief_secondary_main(uint32_t cpu)
{
	while (!__atomic_load_n(&cpus_go, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	if (arch_cpu_virt_enable() == 0)
		run_cpu(cpu);
	else
		console_printf("fief: CPU %u cannot enable virtualization\n", cpu);
	__atomic_add_fetch(&cpus_done, 1, __ATOMIC_RELEASE);
	for (;;)
		arch_cpu_idle(0);
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
	stop(take_over_and_run(bi, acpi_err));
}
