/* SPDX-License-Identifier: MIT */
/*
 * The machine's console: a 16550 UART at COM1 (0x3f8), 115200 8N1, polled.
 */
#include <stdbool.h>
#include <stddef.h>

#include "arch/x86/serial.h"
#include "arch/x86/x86.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LCR_DLAB 0x80

static bool uart_ready;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);          /* no interrupts */
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + 0, 1);                    /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);          /* 8N1 */
	outb(COM1 + UART_FCR, 0x07);          /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);          /* DTR, RTS */
	uart_ready = true;
}

static void serial_putc(char c)
{
	/* Bounded wait: a missing UART must not hang fief. */
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++)
		__asm__ volatile("pause");
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!uart_ready)
		serial_init();
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
