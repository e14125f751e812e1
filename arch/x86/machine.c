/* SPDX-License-Identifier: MIT */
/* x86 console, machine exit and panic. */
#include "arch/x86/cpu.h"
#include "arch/x86/serial.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/print.h"

/* QEMU's isa-debug-exit (iobase 0xf4): writing v ends QEMU with (v << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
/* Bochs: the string "Shutdown" written to this port ends the simulation. */
#define BOCHS_SHUTDOWN_PORT 0x8900

void arch_early_init(const struct boot_info *bi)
{
	(void)bi;
	serial_init();
	x86_cpu_probe();
}

void arch_console_write(const char *s, size_t n)
{
	serial_write(s, n);
}

_Noreturn void arch_machine_exit(enum arch_exit_how how, int status)
{
	if (how == ARCH_EXIT_DEBUG) {
		outl(DEBUG_EXIT_PORT, (uint32_t)status);
		for (const char *p = "Shutdown"; *p; p++)
			outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
	}
	cpu_halt_forever();
}

_Noreturn void arch_panic(const char *file, int line, const char *msg)
{
	console_printf("fief: PANIC at %s:%d: %s\n", file, line, msg);
	cpu_halt_forever();
}
