/* SPDX-License-Identifier: MIT */
/*
 * Formatted output: fief's own vsnprintf and the console on top of it.
 *
 * Supported conversions: %% %c %s %d %i %u %x %X %p, with flags '-' '0',
 * a width (or '*'), a precision for %s (or '.*'), and length modifiers
 * hh h l ll z. Unknown conversions are printed literally.
 */
#ifndef FIEF_CORE_PRINT_H
#define FIEF_CORE_PRINT_H

#include <stdarg.h>
#include <stddef.h>

/**
 * fief_vsnprintf() - format into @buf, at most @size bytes including the NUL.
 * Return: the length the full output would have had (as C99 vsnprintf).
 */
int fief_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

int fief_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** console_printf() - format a line (or part of one) onto the console. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** console_vprintf() - va_list form of console_printf(). */
void console_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
