/* SPDX-License-Identifier: MIT */
/*
 * The console on arm64: an Arm PL011 UART, or the SBSA generic UART (its
 * 32-bit subset), polled. Only the data and flag registers are touched, with
 * 32-bit accesses as the SBSA subset requires.
 */
#include "arch/arm64/pl011.h"
#include "arch_inline.h"

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_BUSY (1u << 3) /* transmitting, or the FIFO is not empty */
#define PL011_FR_TXFF (1u << 5) /* transmit FIFO full */

/* A stuck or absent UART must not hang fief: give up on a byte after this. */
#define PL011_SPIN_MAX 100000
/* ... and on draining the whole FIFO (32 bytes deep) after this. */
#define PL011_DRAIN_MAX 10000000

static volatile uint32_t *uart;

void pl011_attach(uint64_t base)
{
	uart = (volatile uint32_t *)(uintptr_t)base;
}

uint64_t pl011_base(void)
{
	return (uint64_t)(uintptr_t)uart;
}

static void pl011_putc(char c)
{
	for (unsigned i = 0; i < PL011_SPIN_MAX && (uart[PL011_FR / 4] & PL011_FR_TXFF); i++)
		arch_cpu_relax();
	uart[PL011_DR / 4] = (uint8_t)c;
}

void pl011_write(const char *s, size_t n)
{
	if (!uart)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			pl011_putc('\r');
		pl011_putc(s[i]);
	}
}

void pl011_drain(void)
{
	if (!uart)
		return;
	for (unsigned i = 0; i < PL011_DRAIN_MAX && (uart[PL011_FR / 4] & PL011_FR_BUSY); i++)
		arch_cpu_relax();
}
