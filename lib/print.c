/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "lib/arch_lib.h"
#include "lib/print.h"
#include "lib/spinlock.h"

/* One line at a time so CPUs do not interleave within a line. */
static struct spinlock console_lock = SPINLOCK_INIT;

void console_vprintf(const char *fmt, va_list ap)
{
	char line[256];
	int n = fief_vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	spin_lock(&console_lock);
	arch_console_write(line, len);
	spin_unlock(&console_lock);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}
