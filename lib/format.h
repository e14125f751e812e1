/* SPDX-License-Identifier: MIT */
/*
 * fief's own vsnprintf.
 *
 * Supported conversions: %% %c %s %d %i %u %x %X %p, with flags '-' '0',
 * a width (or '*'), a precision for %s (or '.*'), and length modifiers
 * hh h l ll z. Unknown conversions are printed literally. No dependencies:
 * the test guests' library compiles this file too.
 */
#ifndef FIEF_LIB_FORMAT_H
#define FIEF_LIB_FORMAT_H

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

#endif
