/* SPDX-License-Identifier: MIT */
/*
 * The fake arch: what core/ and mm/ need from an architecture, for host unit
 * tests. Console output is captured in a buffer tests can inspect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/fake/fake.h"
#include "core/arch.h"

char fake_console[FAKE_CONSOLE_SIZE];
size_t fake_console_len;
int fake_exit_status = -1;

void fake_console_reset(void)
{
	fake_console_len = 0;
	fake_console[0] = '\0';
}

void arch_early_init(const struct boot_info *bi)
{
	(void)bi;
	fake_console_reset();
}

void arch_console_write(const char *s, size_t n)
{
	size_t room = FAKE_CONSOLE_SIZE - 1 - fake_console_len;

	if (n > room)
		n = room;
	memcpy(fake_console + fake_console_len, s, n);
	fake_console_len += n;
	fake_console[fake_console_len] = '\0';
}

void arch_describe(void)
{
	arch_console_write("cpu: fake\n", 10);
}

int arch_virt_usable(void)
{
	return 1;
}

_Noreturn void arch_machine_exit(enum arch_exit_how how, int status)
{
	(void)how;
	fake_exit_status = status;
	exit(status);
}

_Noreturn void arch_panic(const char *file, int line, const char *msg)
{
	fprintf(stderr, "fief panic: %s:%d: %s\n", file, line, msg);
	abort();
}
