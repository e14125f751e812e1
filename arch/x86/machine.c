/* SPDX-License-Identifier: MIT */
/* x86 console, machine exit and panic. */
#include "arch/x86/cpu.h"
#include "arch/x86/serial.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "lib/print.h"

/* QEMU's isa-debug-exit (iobase 0xf4): writing v ends QEMU with (v << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
/* Bochs: the string "Shutdown" written to this port ends the simulation. */
#define BOCHS_SHUTDOWN_PORT 0x8900
/* COM1's line status: transmitter empty (FIFO and shift register). */
#define COM1_LSR 0x3fd
#define COM1_LSR_TEMT 0x40

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

/*
 * Let COM1 send what it holds before the emulator is stopped: Bochs ends
 * the simulation on the shutdown port at once, dropping the bytes still in
 * the UART's FIFO (the last line, "fief: exit status N", would be cut).
 * Bounded, like every wait on the UART.
 */
static void serial_drain(void)
{
	for (unsigned i = 0; i < 1000000 && !(inb(COM1_LSR) & COM1_LSR_TEMT); i++)
		__asm__ volatile("pause");
}

_Noreturn void arch_machine_exit(enum arch_exit_how how, int status)
{
	if (how == ARCH_EXIT_DEBUG) {
		serial_drain();
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
