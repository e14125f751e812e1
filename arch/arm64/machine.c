/* SPDX-License-Identifier: MIT */
/*
 * arm64 console discovery, machine exit and panic.
 *
 * Under UEFI the firmware publishes ACPI, not a device tree: the console is
 * the UART named by the SPCR table. Without one, fief runs silent.
 */
#include <stdbool.h>

#include "arch/arm64/cpu.h"
#include "arch/arm64/machine.h"
#include "arch/arm64/pl011.h"
#include "arch/arm64/sysreg.h"
#include "core/acpi.h"
#include "core/arch.h"
#include "core/boot_info.h"
#include "core/devices.h"
#include "lib/print.h"
#include "lib/string.h"

#define ACPI_TABLE_LIMIT (16u << 20)

/* SPCR (Serial Port Console Redirection) fields used here. */
#define SPCR_INTERFACE_TYPE 36 /* u8 */
#define SPCR_BASE_GAS 40       /* Generic Address Structure, 12 bytes */
#define SPCR_MIN_LENGTH (SPCR_BASE_GAS + 12)
#define SPCR_PL011 0x03
#define SPCR_SBSA_GENERIC_32 0x0d /* SBSA generic UART, 32-bit subset */
#define SPCR_SBSA_GENERIC 0x0e
#define GAS_SPACE_MEMORY 0

/* Arm semihosting (hlt #0xf000 at AArch64): SYS_EXIT_EXTENDED with a status. */
#define SEMI_SYS_EXIT_EXTENDED 0x20
#define SEMI_ADP_STOPPED_APPLICATION_EXIT 0x20026

static struct acpi_info acpi;

const struct acpi_info *a64_acpi(void)
{
	return &acpi;
}

static bool spcr_is_pl011(uint8_t type)
{
	return type == SPCR_PL011 || type == SPCR_SBSA_GENERIC_32 || type == SPCR_SBSA_GENERIC;
}

/* The console UART's base from the SPCR table, 0 if none fief can drive. */
static uint64_t spcr_uart_base(const struct boot_info *bi)
{
	const struct acpi_header *spcr;
	const uint8_t *t;
	uint64_t base;

	if (acpi_scan(bi->acpi_rsdp, ACPI_TABLE_LIMIT, &acpi) != 0)
		return 0;
	spcr = acpi_find(&acpi, "SPCR", 0);
	if (!spcr || spcr->length < SPCR_MIN_LENGTH)
		return 0;
	t = (const uint8_t *)spcr;
	if (!spcr_is_pl011(t[SPCR_INTERFACE_TYPE]) || t[SPCR_BASE_GAS] != GAS_SPACE_MEMORY)
		return 0;
	memcpy(&base, t + SPCR_BASE_GAS + 4, sizeof(base)); /* unaligned in the table */
	return base;
}

void arch_early_init(const struct boot_info *bi)
{
	pl011_attach(spcr_uart_base(bi));
	arm64_cpu_probe();
}

/* The UART fief logs on is fief's: the host reaches only its virtual one. */
void arch_devices(struct device_list *l)
{
	if (pl011_base())
		devices_add(l, DEVICE_UART, pl011_base(), 0x1000);
}

void arch_console_write(const char *s, size_t n)
{
	pl011_write(s, n);
}

/*
 * Semihosting exit: QEMU started with -semihosting ends with @status. Without
 * semihosting the HLT is undefined and traps to fief's (firmware's) vector;
 * test rigs are the only users.
 */
static void semihosting_exit(int status)
{
	static uint64_t block[2];
	register uint64_t x0 __asm__("x0") = SEMI_SYS_EXIT_EXTENDED;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;

	block[0] = SEMI_ADP_STOPPED_APPLICATION_EXIT;
	block[1] = (uint64_t)(int64_t)status;
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
}

_Noreturn void arch_machine_exit(enum arch_exit_how how, int status)
{
	if (how == ARCH_EXIT_DEBUG) {
		pl011_drain();
		semihosting_exit(status);
	}
	cpu_halt_forever();
}

_Noreturn void arch_panic(const char *file, int line, const char *msg)
{
	console_printf("fief: PANIC at %s:%d: %s\n", file, line, msg);
	cpu_halt_forever();
}
