/* SPDX-License-Identifier: MIT */
/* The virtual I/O APIC's register model (arch/x86/vioapic.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vioapic.h"

static struct vioapic io;
static struct vioapic_msg m[VIOAPIC_MSGS_MAX];

static int setup(void **state)
{
	(void)state;
	memset(&io, 0, sizeof(io));
	vioapic_reset(&io);
	return 0;
}

static uint32_t reg_read(uint32_t reg)
{
	vioapic_write(&io, 0x00, reg, m);
	return vioapic_read(&io, 0x10);
}

static uint32_t reg_write(uint32_t reg, uint32_t val)
{
	vioapic_write(&io, 0x00, reg, m);
	return vioapic_write(&io, 0x10, val, m);
}

/* Pin @pin: @lo (vector, modes, mask) and destination @dest. */
static uint32_t rte_set(uint32_t pin, uint32_t lo, uint8_t dest)
{
	reg_write(0x11 + 2 * pin, (uint32_t)dest << 24);
	return reg_write(0x10 + 2 * pin, lo);
}

static void test_registers(void **state)
{
	(void)state;
	assert_int_equal(reg_read(0x01), 0x00170011); /* 24 entries, version 0x11 */
	reg_write(0x00, 0x0f000000 | 0xffffff);
	assert_int_equal(reg_read(0x00), 0x0f000000); /* only the ID bits */
	reg_write(0x01, 0);
	assert_int_equal(reg_read(0x01), 0x00170011); /* read-only */
	for (uint32_t pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(reg_read(0x10 + 2 * pin), VIOAPIC_RTE_MASK); /* masked at reset */
	/* Read-only bits (delivery status, remote IRR) do not take writes. */
	rte_set(3, 0xffffffff, 0xff);
	assert_int_equal(reg_read(0x16), (uint32_t)(VIOAPIC_RTE_WRITABLE & 0xffffffff));
	assert_int_equal(reg_read(0x17), 0xff000000);
	/* Past the table and unknown offsets: read 0, writes ignored. */
	assert_int_equal(reg_read(0x10 + 2 * VIOAPIC_PINS), 0);
	assert_int_equal(reg_write(0x40, 0x1234), 0);
	assert_int_equal(reg_read(0xff), 0);
	assert_int_equal(vioapic_read(&io, 0x20), 0);
	assert_int_equal(vioapic_write(&io, 0x40, 0x33, m), 0);
	assert_int_equal(vioapic_set_pin(&io, VIOAPIC_PINS, true, m), 0);
}

static void test_edge(void **state)
{
	(void)state;
	/* Masked: the edge is lost. */
	assert_int_equal(vioapic_set_pin(&io, 4, true, m), 0);
	assert_int_equal(vioapic_set_pin(&io, 4, false, m), 0);
	assert_int_equal(rte_set(4, 0x31 | (1u << 11), 0x02), 0); /* logical, fixed */
	assert_int_equal(vioapic_set_pin(&io, 4, true, m), 1);
	assert_int_equal(m[0].vector, 0x31);
	assert_int_equal(m[0].dest, 0x02);
	assert_true(m[0].logical);
	assert_false(m[0].level);
	assert_int_equal(m[0].pin, 4);
	/* Held high: no second edge; low then high: one more. */
	assert_int_equal(vioapic_set_pin(&io, 4, true, m), 0);
	assert_int_equal(vioapic_set_pin(&io, 4, false, m), 0);
	assert_int_equal(vioapic_set_pin(&io, 4, true, m), 1);
	/* An EOI does nothing for an edge pin. */
	assert_int_equal(vioapic_eoi(&io, 0x31, m), 0);
}

static void test_level(void **state)
{
	(void)state;
	assert_int_equal(rte_set(9, 0x41 | (1u << 15), 0), 0);
	assert_int_equal(vioapic_set_pin(&io, 9, true, m), 1);
	assert_true(m[0].level);
	assert_true(reg_read(0x10 + 18) & VIOAPIC_RTE_REMOTE_IRR);
	/* In flight: asserting again sends nothing until the EOI. */
	assert_int_equal(vioapic_set_pin(&io, 9, true, m), 0);
	assert_int_equal(vioapic_eoi(&io, 0x42, m), 0); /* another vector */
	/* EOI while still asserted: sent again. */
	assert_int_equal(vioapic_eoi(&io, 0x41, m), 1);
	assert_int_equal(m[0].pin, 9);
	/* Deasserted, then EOI: remote IRR clear, nothing sent. */
	assert_int_equal(vioapic_set_pin(&io, 9, false, m), 0);
	assert_int_equal(vioapic_eoi(&io, 0x41, m), 0);
	assert_false(reg_read(0x10 + 18) & VIOAPIC_RTE_REMOTE_IRR);
	/* Masked while asserted: unmasking sends it. */
	assert_int_equal(rte_set(9, 0x41 | (1u << 15) | (1u << 16), 0), 0);
	assert_int_equal(vioapic_set_pin(&io, 9, true, m), 0);
	assert_int_equal(rte_set(9, 0x41 | (1u << 15), 0), 1);
	/* Two pins on one vector: one EOI answers both. */
	assert_int_equal(rte_set(10, 0x41 | (1u << 15), 1), 0);
	assert_int_equal(vioapic_set_pin(&io, 10, true, m), 1);
	assert_int_equal(vioapic_eoi(&io, 0x41, m), 2);
	/* Switching a pin to edge drops its remote IRR. */
	assert_int_equal(rte_set(10, 0x41, 1), 0);
	assert_false(reg_read(0x10 + 20) & VIOAPIC_RTE_REMOTE_IRR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_registers, setup),
		cmocka_unit_test_setup(test_edge, setup),
		cmocka_unit_test_setup(test_level, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
