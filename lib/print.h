/* SPDX-License-Identifier: MIT */
/*
 * The console: formatted lines (lib/format.h) to the machine's console,
 * one whole line at a time.
 */
#ifndef FIEF_LIB_PRINT_H
#define FIEF_LIB_PRINT_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/format.h"

/** console_printf() - format a line (or part of one) onto the console. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** console_vprintf() - va_list form of console_printf(). */
void console_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
