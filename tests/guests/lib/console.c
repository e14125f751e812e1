/* SPDX-License-Identifier: MIT */
/*
 * Console output for test guests: putc, puts and printf. The formatting is
 * fief's own (lib/format.c, compiled into this library as well).
 */
#include "arch.h"
#include "guest.h"
#include "lib/format.h"

#define GUEST_LINE_MAX 256

static struct guest_lock console_lock;

void guest_putc(char c)
{
	guest_arch_putc(c);
}

void guest_puts(const char *s)
{
	while (*s)
		guest_arch_putc(*s++);
}

int guest_printf(const char *fmt, ...)
{
	char buf[GUEST_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	guest_lock(&console_lock);
	guest_puts(buf);
	guest_unlock(&console_lock);
	return n;
}

int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fief_vsnprintf(buf, size, fmt, ap);
}
