/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_X86_SERIAL_H
#define FIEF_ARCH_X86_SERIAL_H

#include <stddef.h>

/** serial_init() - program COM1 for 115200 8N1 without interrupts. */
void serial_init(void);

/** serial_write() - write bytes to COM1, "\n" as "\r\n". */
void serial_write(const char *s, size_t n);

#endif
