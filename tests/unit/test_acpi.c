/* SPDX-License-Identifier: MIT */
/*
 * ACPI discovery on synthetic tables: checksums, XSDT and RSDT roots, bad
 * tables skipped, the MADT's CPU count.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "core/acpi.h"
#include "lib/err.h"

/* Tables live below 4 GiB so that RSDT's 32-bit pointers can reach them. */
static uint8_t *arena;
static size_t arena_used;

static void *table_alloc(size_t n)
{
	void *p = arena + arena_used;

	arena_used += (n + 15) & ~(size_t)15;
	assert_true(arena_used <= 65536);
	return p;
}

static uint8_t sum(const void *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + ((const uint8_t *)p)[i]);
	return s;
}

static struct acpi_header *make_table(const char sig[4], size_t len)
{
	struct acpi_header *h = table_alloc(len);

	memset(h, 0, len);
	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)len;
	return h;
}

static void seal(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = (uint8_t)(0x100 - sum(h, h->length));
}

/* A MADT with two enabled local APICs, one disabled, and one x2APIC. */
static struct acpi_header *make_madt(void)
{
	struct acpi_header *m = make_table("APIC", 44 + 3 * 8 + 16);
	uint8_t *e = (uint8_t *)m + 44;
	const uint8_t lapic[3][8] = { { 0, 8, 0, 0, 1 }, { 0, 8, 1, 1, 1 }, { 0, 8, 2, 2, 0 } };

	for (int i = 0; i < 3; i++)
		memcpy(e + 8 * i, lapic[i], 8);
	e += 24;
	e[0] = 9;
	e[1] = 16;
	e[8] = 1; /* enabled */
	seal(m);
	return m;
}

static uint64_t make_rsdp(int revision, struct acpi_header **tables, int n)
{
	struct acpi_rsdp *r = table_alloc(sizeof(*r));
	struct acpi_header *xsdt = make_table("XSDT", sizeof(struct acpi_header) + 8 * (size_t)n);
	struct acpi_header *rsdt = make_table("RSDT", sizeof(struct acpi_header) + 4 * (size_t)n);

	for (int i = 0; i < n; i++) {
		uint64_t pa = (uint64_t)(uintptr_t)tables[i];
		uint32_t pa32 = (uint32_t)pa;

		memcpy((uint8_t *)(xsdt + 1) + 8 * i, &pa, 8);
		memcpy((uint8_t *)(rsdt + 1) + 4 * i, &pa32, 4);
	}
	seal(xsdt);
	seal(rsdt);
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "FIEFTS", 6);
	r->revision = (uint8_t)revision;
	r->rsdt_address = (uint32_t)(uintptr_t)rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = (uint64_t)(uintptr_t)xsdt;
	r->checksum = (uint8_t)(0x100 - sum(r, 20));
	r->ext_checksum = (uint8_t)(0x100 - sum(r, sizeof(*r)));
	return (uint64_t)(uintptr_t)r;
}

static int setup(void **state)
{
	(void)state;
	arena = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		     -1, 0);
	arena_used = 0;
	return arena == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(arena, 65536);
	return 0;
}

static void test_xsdt_scan(void **state)
{
	struct acpi_header *t[3] = { make_madt(), make_table("HPET", 56), make_table("FACP", 244) };
	struct acpi_info info;

	(void)state;
	seal(t[1]);
	seal(t[2]);
	assert_int_equal(acpi_scan(make_rsdp(2, t, 3), 1 << 20, &info), 0);
	assert_int_equal(info.table_count, 3);
	assert_int_equal(info.bad_count, 0);
	assert_ptr_equal(acpi_find(&info, "HPET", 0), t[1]);
	assert_null(acpi_find(&info, "HPET", 1));
	assert_null(acpi_find(&info, "DMAR", 0));
	assert_int_equal(acpi_cpu_count(&info), 3);
	fake_console_reset();
	acpi_print(&info);
	assert_string_equal(fake_console, "acpi: revision 2, oem 'FIEFTS', 3 tables: APIC HPET FACP\n");
}

static void test_rsdt_fallback_and_bad_tables(void **state)
{
	struct acpi_header *t[3] = { make_table("SSDT", 40), make_table("BAD1", 40),
				     make_table("BIG!", 64) };
	struct acpi_info info;

	(void)state;
	seal(t[0]);
	t[1]->checksum = 1; /* wrong checksum */
	seal(t[2]);
	assert_int_equal(acpi_scan(make_rsdp(0, t, 3), 48, &info), 0); /* BIG! over limit */
	assert_int_equal(info.revision, 0);
	assert_int_equal(info.table_count, 1);
	assert_int_equal(info.bad_count, 2);
	assert_int_equal(acpi_cpu_count(&info), 0);
}

static void test_bad_rsdp(void **state)
{
	struct acpi_header *t[1] = { make_table("SSDT", 40) };
	struct acpi_info info;
	uint64_t pa;

	(void)state;
	seal(t[0]);
	assert_int_equal(acpi_scan(0, 1 << 20, &info), FIEF_ENOENT);
	pa = make_rsdp(2, t, 1);
	((struct acpi_rsdp *)(uintptr_t)pa)->checksum ^= 0xff;
	assert_int_equal(acpi_scan(pa, 1 << 20, &info), FIEF_EFORMAT);
	pa = make_rsdp(2, t, 1);
	memcpy(((struct acpi_rsdp *)(uintptr_t)pa)->signature, "RSD PTX ", 8);
	assert_int_equal(acpi_scan(pa, 1 << 20, &info), FIEF_EFORMAT);
}

static void test_madt_truncated_entries(void **state)
{
	struct acpi_header *m = make_table("APIC", 44 + 8 + 2);
	uint8_t *e = (uint8_t *)m + 44;
	struct acpi_info info;

	(void)state;
	e[0] = 0, e[1] = 8, e[4] = 1;   /* one good local APIC */
	e[8] = 0, e[9] = 200;           /* an entry claiming to run past the end */
	seal(m);
	assert_int_equal(acpi_scan(make_rsdp(2, &m, 1), 1 << 20, &info), 0);
	assert_int_equal(acpi_cpu_count(&info), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xsdt_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdt_fallback_and_bad_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rsdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_truncated_entries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
