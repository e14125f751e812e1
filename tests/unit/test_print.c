/* SPDX-License-Identifier: MIT */
/* fief_vsnprintf and the console, against what C's printf would produce. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "lib/print.h"

#define CHECK(...)                                                          \
	do {                                                                \
		char a[128], b[128];                                        \
		int na = fief_snprintf(a, sizeof(a), __VA_ARGS__);          \
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);               \
		assert_string_equal(a, b);                                  \
		assert_int_equal(na, nb);                                   \
	} while (0)

static void test_conversions(void **state)
{
	(void)state;
	CHECK("plain");
	CHECK("%d %i %u", -42, 17, 4000000000u);
	CHECK("%x %X %08x %-6x|", 0xbeefu, 0xbeefu, 0x12u, 0xau);
	CHECK("%lx %llu %zu", 0xffffffffffffffffUL, 18446744073709551615ULL, (size_t)123);
	CHECK("%hhu %hd", (unsigned char)255, (short)-3);
	CHECK("%s|%10s|%-10s|%.3s|", "abc", "right", "left", "truncate");
	CHECK("%c%c %%", 'o', 'k');
	CHECK("%5d|%-5d|%05d|%d", 42, 42, -42, 0);
	CHECK("%*d|%.*s", 6, 7, 2, "xyz");
	CHECK("%lld", (long long)INT64_MIN);
}

static void test_truncation(void **state)
{
	char small[5];

	(void)state;
	assert_int_equal(fief_snprintf(small, sizeof(small), "%s", "0123456789"), 10);
	assert_string_equal(small, "0123");
	assert_int_equal(fief_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_console(void **state)
{
	(void)state;
	fake_console_reset();
	console_printf("fief: %s %d\n", "up", 2);
	assert_string_equal(fake_console, "fief: up 2\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_console),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
