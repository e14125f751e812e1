/* SPDX-License-Identifier: MIT */
/*
 * fief's devices (core/devices.h) from synthetic ACPI tables: every table
 * and entry kind, page widening, duplicates, malformed entries skipped,
 * the list full; and the host stopped with the device's name when it
 * touches one (core/run.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "core/acpi.h"
#include "core/devices.h"
#include "core/run.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "mm/own.h"
#include "tests/unit/vm_test_env.h"

static _Alignas(8) uint8_t tables[8][512];
static struct acpi_info info;

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
	memcpy(p, &v, bytes);
}

/* Table @i of @len bytes with @sig, listed in @info (no checksum needed:
 * acpi_scan() checked them already when fief runs). */
static uint8_t *table(unsigned i, const char sig[4], uint32_t len)
{
	struct acpi_header *h = (struct acpi_header *)tables[i];

	assert_true(len <= sizeof(tables[i]));
	memset(tables[i], 0, sizeof(tables[i]));
	memcpy(h->signature, sig, 4);
	h->length = len;
	info.tables[info.table_count++] = h;
	return tables[i];
}

static int reset(void **state)
{
	(void)state;
	memset(&info, 0, sizeof(info));
	return 0;
}

static const struct device_range *find(const struct device_list *l, enum device_kind k,
				       uint64_t base)
{
	for (uint32_t i = 0; i < l->count; i++)
		if (l->dev[i].kind == k && l->dev[i].base == base)
			return &l->dev[i];
	return NULL;
}

static void expect(const struct device_list *l, enum device_kind k, uint64_t base,
		   uint64_t size)
{
	for (uint32_t i = 0; i < l->count; i++)
		if (l->dev[i].kind == k && l->dev[i].base == base && l->dev[i].size == size)
			return;
	fail_msg("no %s at 0x%llx, %llu bytes", devices_kind_name(k), (unsigned long long)base,
		 (unsigned long long)size);
}

/* An x86 machine: MADT (local APIC, override, two I/O APICs), HPET, DMAR,
 * IVRS. */
static void test_x86_tables(void **state)
{
	static struct device_list l;
	uint8_t *m = table(0, "APIC", 44 + 12 + 12 + 12 + 8);
	uint8_t *h = table(1, "HPET", 56);
	uint8_t *d = table(2, "DMAR", 48 + 16 + 16 + 8);
	uint8_t *v = table(3, "IVRS", 48 + 24 + 40 + 8);

	(void)state;
	put(m + 36, 0xfee00000, 4);
	m[44] = 1, m[45] = 12, put(m + 48, 0xfec00000, 4);        /* I/O APIC */
	m[56] = 1, m[57] = 12, put(m + 60, 0xfec01000, 4);        /* a second one */
	m[68] = 5, m[69] = 12, put(m + 72, 0xfee10000ull, 8);     /* override */
	m[80] = 0, m[81] = 8;                                     /* a local APIC: no range */
	h[40] = 0, put(h + 44, 0xfed00000, 8);
	put(d + 48, 0, 2), put(d + 50, 16, 2), d[53] = 2, put(d + 56, 0xfed90000, 8); /* 4 pages */
	put(d + 64, 1, 2), put(d + 66, 16, 2), put(d + 72, 0x12340000, 8); /* RMRR: not a unit */
	put(d + 80, 0, 2), put(d + 82, 8, 2);                     /* a DRHD too short */
	v[48] = 0x10, put(v + 50, 24, 2), put(v + 56, 0xfeb80000, 8);
	v[72] = 0x11, put(v + 74, 40, 2), put(v + 80, 0xfed80000, 8);
	v[112] = 0x20, put(v + 114, 8, 2);                        /* IVMD: skipped */
	devices_from_acpi(&l, &info);
	expect(&l, DEVICE_LAPIC, 0xfee00000, 4096);
	expect(&l, DEVICE_LAPIC, 0xfee10000, 4096);
	expect(&l, DEVICE_IOAPIC, 0xfec00000, 4096);
	expect(&l, DEVICE_IOAPIC, 0xfec01000, 4096);
	expect(&l, DEVICE_HPET, 0xfed00000, 4096);
	expect(&l, DEVICE_VTD, 0xfed90000, 4 * 4096);
	expect(&l, DEVICE_AMD_IOMMU, 0xfeb80000, 16 * 1024);
	expect(&l, DEVICE_AMD_IOMMU, 0xfed80000, 512 * 1024);
	assert_null(find(&l, DEVICE_VTD, 0x12340000));
	assert_int_equal(l.count, 8);
	assert_int_equal(l.dropped, 0);
	assert_ptr_equal(devices_find(&l, 0xfee00fff), find(&l, DEVICE_LAPIC, 0xfee00000));
	assert_null(devices_find(&l, 0xfee01000));
	assert_string_equal(devices_kind_name(devices_find(&l, 0xfed80123)->kind), "AMD IOMMU");
}

/* An arm64 machine: MADT (GICC with and without frames, GICD, GICR range,
 * ITS, MSI frame), IORT (SMMUv3, SMMUv2, an ITS group). */
static void test_arm64_tables(void **state)
{
	static struct device_list l;
	uint8_t *m = table(0, "APIC", 44 + 80 + 80 + 24 + 16 + 20 + 24);
	uint8_t *t = table(1, "IORT", 48 + 40 + 40 + 24);
	uint8_t *e = m + 44;

	(void)state;
	e[0] = 0xb, e[1] = 80;                                    /* GICC, no frames */
	e += 80;
	e[0] = 0xb, e[1] = 80;
	put(e + 32, 0x08010000, 8), put(e + 48, 0x08030000, 8);  /* GICC, GICH */
	put(e + 40, 0x08040000, 8), put(e + 60, 0x080a0000, 8);  /* GICV, GICR */
	e += 80;
	e[0] = 0xc, e[1] = 24, put(e + 8, 0x08000000, 8);        /* GICD */
	e += 24;
	e[0] = 0xe, e[1] = 16, put(e + 4, 0x080a0000, 8), put(e + 12, 0xf60000, 4);
	e += 16;
	e[0] = 0xf, e[1] = 20, put(e + 8, 0x08080000, 8);        /* ITS */
	e += 20;
	e[0] = 0xd, e[1] = 24, put(e + 8, 0x08020000, 8);        /* GICv2m MSI frame */
	put(t + 36, 3, 4), put(t + 40, 48, 4);
	t[48] = 4, put(t + 49, 40, 2), put(t + 64, 0x09050000, 8);            /* SMMUv3 */
	t[88] = 3, put(t + 89, 40, 2), put(t + 104, 0x2b400000, 8);           /* SMMUv2 */
	put(t + 112, 0x10000, 8);
	t[128] = 0, put(t + 129, 24, 2);                                        /* ITS group */
	devices_from_acpi(&l, &info);
	expect(&l, DEVICE_GICC, 0x08010000, 8192);
	expect(&l, DEVICE_GICH, 0x08030000, 4096);
	expect(&l, DEVICE_GICV, 0x08040000, 8192);
	expect(&l, DEVICE_GICR, 0x080a0000, 128 * 1024);
	expect(&l, DEVICE_GICR, 0x080a0000, 0xf60000);
	expect(&l, DEVICE_GICD, 0x08000000, 65536);
	expect(&l, DEVICE_GITS, 0x08080000, 128 * 1024);
	expect(&l, DEVICE_GIC_MSI, 0x08020000, 4096);
	expect(&l, DEVICE_SMMU, 0x09050000, 128 * 1024);
	expect(&l, DEVICE_SMMU, 0x2b400000, 0x10000);
	assert_null(find(&l, DEVICE_LAPIC, 0)); /* local APIC address 0: none */
	assert_int_equal(l.count, 10);
	assert_int_equal(l.dropped, 0);
}

/* Firmware tables are untrusted: entries that lie are skipped. */
static void test_malformed(void **state)
{
	static struct device_list l;
	uint8_t *m = table(0, "APIC", 44 + 12 + 2);
	uint8_t *h = table(1, "HPET", 48);
	uint8_t *t = table(2, "IORT", 48 + 24);
	uint8_t *d = table(3, "DMAR", 40);

	(void)state;
	m[44] = 1, m[45] = 12, put(m + 48, 0, 4);    /* an I/O APIC at address 0 */
	m[56] = 1, m[57] = 200;                      /* runs past the table */
	put(t + 36, 5, 4), put(t + 40, 48, 4);       /* 5 nodes claimed, 1 there */
	t[48] = 4, put(t + 49, 24, 2), put(t + 64, 0x09050000, 8);
	(void)h;                                     /* too short for its GAS */
	(void)d;                                     /* shorter than its header */
	devices_from_acpi(&l, &info);
	assert_int_equal(l.count, 1);
	expect(&l, DEVICE_SMMU, 0x09050000, 128 * 1024);
	assert_int_equal(l.dropped, 2); /* the address 0 and the entry past the end */
}

static void test_add(void **state)
{
	static struct device_list l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(devices_add(&l, DEVICE_UART, 0x09000010, 8), 0);
	expect(&l, DEVICE_UART, 0x09000000, 4096); /* whole pages */
	assert_int_equal(devices_add(&l, DEVICE_UART, 0x09000000, 4096), 0);
	assert_int_equal(l.count, 1);              /* kept once */
	assert_int_equal(devices_add(&l, DEVICE_HPET, 0x1fff, 2), 0);
	expect(&l, DEVICE_HPET, 0x1000, 8192);     /* straddles a page boundary */
	assert_int_equal(devices_add(&l, DEVICE_HPET, 0, 4096), FIEF_EINVAL);
	assert_int_equal(devices_add(&l, DEVICE_HPET, 0x1000, 0), FIEF_EINVAL);
	assert_int_equal(devices_add(&l, DEVICE_HPET, ~0ull - 10, 100), FIEF_EINVAL);
	assert_int_equal(devices_add(&l, DEVICE_HPET, ~0ull - 0xfff, 0x800), FIEF_EINVAL);
	while (l.count < DEVICES_MAX)
		assert_int_equal(devices_add(&l, DEVICE_GICR, 0x100000000ull * (l.count + 1), 4096),
				 0);
	assert_int_equal(devices_add(&l, DEVICE_GICR, 0x7000, 4096), FIEF_ENOSPC);
	assert_int_equal(l.dropped, 1);
	fake_console_reset();
	devices_print(&l);
	assert_non_null(strstr(fake_console, "fief: keeps console UART at 0x9000000 (4 KiB)\n"));
	assert_non_null(strstr(fake_console, "1 device table entries skipped"));
}

/* The host touching a device fief keeps is stopped, the device named. */
static void test_host_stopped_naming_device(void **state)
{
	struct device_list *devs = devices_fief();
	struct config_vm cv = {
		.valid = true, .role = CONFIG_ROLE_HOST, .memory = 32ull << 20, .vcpu_count = 1,
		.image = "guest.elf", .name = "host",
	};
	struct vcpu_exit e = { .reason = VCPU_EXIT_MEM_FAULT, .gpa = { 0xfee00300 }, .write = 1 };
	struct vm *vm;

	(void)state;
	assert_int_equal(vm_env_boot(), 0);
	memset(devs, 0, sizeof(*devs));
	assert_int_equal(devices_add(devs, DEVICE_LAPIC, 0xfee00000, 4096), 0);
	assert_int_equal(mm_host_keep_device(pa_init(0xfee00000), 4096), 0);
	assert_int_equal(vm_create(&cv, bi, 1), 0);
	vm = vm_get(0);
	assert_non_null(vm);
	/* Device memory next to it is the host's, mapped on demand. */
	e.gpa = gpa_init(0xfee01000);
	run_handle_exit(&vm->vcpu[0], &e);
	assert_int_equal(vm->state, VM_STATE_RUNNING);
	e.gpa = gpa_init(0xfee00300);
	run_handle_exit(&vm->vcpu[0], &e);
	assert_int_equal(vm->state, VM_STATE_STOPPED);
	assert_int_equal(vm->stop_code, FIEF_STOP_MEMORY);
	assert_int_equal(vm->stop_status, 0xfee00300);
	assert_string_equal(vm->stop_reason,
			    "memory violation: write at 0xfee00300, fief's local APIC");
	memset(devs, 0, sizeof(*devs));
	vm_env_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_x86_tables, reset),
		cmocka_unit_test_setup(test_arm64_tables, reset),
		cmocka_unit_test_setup(test_malformed, reset),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_host_stopped_naming_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
