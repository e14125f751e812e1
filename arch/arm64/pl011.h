/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_ARM64_PL011_H
#define FIEF_ARCH_ARM64_PL011_H

#include <stddef.h>
#include <stdint.h>

/**
 * pl011_attach() - use the PL011 (or SBSA generic UART) at physical address
 * @base as the console. The firmware has already programmed its baud rate and
 * line format; fief only writes data. @base 0 detaches it.
 */
void pl011_attach(uint64_t base);

/** pl011_base() - the UART in use, 0 if none. */
uint64_t pl011_base(void);

/** pl011_write() - polled output, "\n" as "\r\n"; nothing without a UART. */
void pl011_write(const char *s, size_t n);

/**
 * pl011_drain() - wait (bounded) until the UART has sent every byte it holds,
 * so that ending the machine right after does not cut the last line.
 */
void pl011_drain(void);

#endif
