/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC's model (arch/x86/vlapic.c): priorities and the
 * pending set, EOI, the register rules of xAPIC and x2APIC, the mode
 * switches of IA32_APIC_BASE, IPI decoding and destinations, the timer in
 * its three modes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86/vlapic.h"

#define PHYS_MASK 0x000fffffffffffffull

static struct vlapic l;
static bool level; /* what vlapic_eoi() says of the vector it ended */

static enum vlapic_result wr(uint32_t off, uint64_t val, uint64_t now, struct vlapic_ipi *ipi)
{
	struct vlapic_ipi dummy;

	return vlapic_write(&l, off, l.mode == VLAPIC_MODE_X2APIC, val, now, ipi ? ipi : &dummy);
}

static uint64_t rd(uint32_t off, uint64_t now)
{
	uint64_t v = 0;

	assert_int_equal(vlapic_read(&l, off, l.mode == VLAPIC_MODE_X2APIC, now, &v), VLAPIC_OK);
	return v;
}

/* Reset, x2APIC on, software-enabled with spurious vector 0xff. */
static void setup_x2(uint32_t id)
{
	vlapic_reset(&l, id, id == 0);
	assert_int_equal(vlapic_set_base(&l, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE |
						 VLAPIC_BASE_EXTD, PHYS_MASK),
			 VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_SVR, 0x1ff, 0, NULL), VLAPIC_OK);
	l.pending = 0;
}

static void test_reset(void **state)
{
	(void)state;
	vlapic_reset(&l, 3, false);
	assert_int_equal(l.mode, VLAPIC_MODE_XAPIC);
	assert_int_equal(rd(VLAPIC_ID, 0), 3u << 24);
	assert_int_equal(rd(VLAPIC_SVR, 0), 0xff);
	assert_int_equal(rd(VLAPIC_LVT_TIMER, 0) & VLAPIC_LVT_MASKED, VLAPIC_LVT_MASKED);
	assert_false(vlapic_sw_enabled(&l));
	/* Software-disabled: fixed interrupts are dropped. */
	assert_false(vlapic_accept(&l, 0x40));
	assert_int_equal(vlapic_highest_irr(&l), -1);
	assert_int_equal(l.base & VLAPIC_BASE_BSP, 0);
	vlapic_reset(&l, 0, true);
	assert_int_equal(l.base, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE | VLAPIC_BASE_BSP);
}

static void test_priority(void **state)
{
	(void)state;
	setup_x2(0);
	assert_true(vlapic_accept(&l, 0x41));
	assert_int_equal(l.pending, 1);
	assert_true(vlapic_accept(&l, 0x35));
	assert_int_equal(vlapic_highest_irr(&l), 0x41);
	assert_int_equal(vlapic_deliverable(&l), 0x41);
	/* TPR 0x40 masks class 4 (0x41) and below. */
	assert_int_equal(wr(VLAPIC_TPR, 0x40, 0, NULL), VLAPIC_OK);
	assert_int_equal(vlapic_deliverable(&l), -1);
	assert_int_equal(rd(VLAPIC_PPR, 0), 0x40);
	assert_int_equal(wr(VLAPIC_TPR, 0, 0, NULL), VLAPIC_OK);
	vlapic_ack(&l, 0x41);
	assert_int_equal(rd(VLAPIC_ISR + 0x20, 0), 1u << 1);
	assert_int_equal(rd(VLAPIC_IRR + 0x20, 0), 0);
	assert_int_equal(rd(VLAPIC_PPR, 0), 0x40);
	/* 0x35 is below the class in service; a higher class preempts. */
	assert_int_equal(vlapic_deliverable(&l), -1);
	assert_true(vlapic_accept(&l, 0x52));
	assert_int_equal(vlapic_deliverable(&l), 0x52);
	vlapic_ack(&l, 0x52);
	/* EOI ends the highest in service first. */
	l.pending = 0;
	assert_int_equal(vlapic_eoi(&l, &level), 0x52);
	assert_int_equal(vlapic_eoi(&l, &level), 0x41);
	assert_int_equal(l.pending, 1); /* 0x35 is deliverable again */
	assert_int_equal(vlapic_deliverable(&l), 0x35);
	vlapic_ack(&l, 0x35);
	assert_int_equal(wr(VLAPIC_EOI, 0, 0, NULL), VLAPIC_OK);
	assert_int_equal(vlapic_eoi(&l, &level), -1);
	assert_int_equal(rd(VLAPIC_PPR, 0), 0);
}

/* A level-triggered arrival sets TMR when taken, and its EOI asks for
 * the broadcast; an edge on the same vector later does not. */
static void test_level_trigger(void **state)
{
	struct vlapic_ipi ipi = { 0 };

	(void)state;
	setup_x2(0);
	assert_true(vlapic_accept_trig(&l, 0x61, true));
	assert_int_equal(vlapic_deliverable(&l), 0x61);
	vlapic_ack(&l, 0x61);
	assert_int_equal(rd(VLAPIC_TMR + 0x30, 0), 1u << 1);
	assert_int_equal(wr(VLAPIC_EOI, 0, 0, &ipi), VLAPIC_EOI_LEVEL);
	assert_int_equal(ipi.vector, 0x61);
	assert_int_equal(rd(VLAPIC_TMR + 0x30, 0), 0);
	assert_true(vlapic_accept(&l, 0x61));
	vlapic_ack(&l, 0x61);
	assert_int_equal(rd(VLAPIC_TMR + 0x30, 0), 0);
	assert_int_equal(wr(VLAPIC_EOI, 0, 0, &ipi), VLAPIC_OK);
	/* No EOI in service: nothing to broadcast. */
	assert_int_equal(wr(VLAPIC_EOI, 0, 0, &ipi), VLAPIC_OK);
}

static void test_illegal_vectors(void **state)
{
	struct vlapic_ipi ipi;

	(void)state;
	setup_x2(0);
	assert_false(vlapic_accept(&l, 15));
	assert_int_equal(vlapic_highest_irr(&l), -1);
	assert_int_equal(wr(VLAPIC_ESR, 0, 0, NULL), VLAPIC_OK);
	assert_int_equal(rd(VLAPIC_ESR, 0), VLAPIC_ESR_RECV_ILLEGAL);
	/* Sending a fixed IPI with vector 3: ESR, no IPI. */
	assert_int_equal(wr(VLAPIC_ICR_LO, 3, 0, &ipi), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_SELF_IPI, 7, 0, &ipi), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_ESR, 0, 0, NULL), VLAPIC_OK);
	assert_int_equal(rd(VLAPIC_ESR, 0), VLAPIC_ESR_SEND_ILLEGAL);
	/* ESR writes must be 0 in x2APIC mode. */
	assert_int_equal(wr(VLAPIC_ESR, 1, 0, NULL), VLAPIC_GP);
}

static void test_x2apic_rules(void **state)
{
	uint64_t v;

	(void)state;
	setup_x2(0x23);
	assert_int_equal(rd(VLAPIC_ID, 0), 0x23);
	assert_int_equal(rd(VLAPIC_LDR, 0), (2u << 16) | (1u << 3));
	/* Read-only registers, write-only ones, missing ones, reserved bits. */
	assert_int_equal(wr(VLAPIC_ID, 5, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_LDR, 5, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_PPR, 0, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_IRR, 0, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_TIMER_CUR, 0, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_DFR, 0, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_ICR_HI, 0, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_EOI, 1, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_TPR, 0x100, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_TPR, 1ull << 32, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_SVR, 0x11ff, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_LVT_TIMER, 1u << 19, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_TIMER_DIV, 4, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_ICR_LO, 0x40 | (1u << 12), 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(VLAPIC_SELF_IPI, 0x100, 0, NULL), VLAPIC_GP);
	assert_int_equal(wr(0x3a0, 0, 0, NULL), VLAPIC_GP);
	assert_int_equal(vlapic_read(&l, VLAPIC_EOI, true, 0, &v), VLAPIC_GP);
	assert_int_equal(vlapic_read(&l, VLAPIC_SELF_IPI, true, 0, &v), VLAPIC_GP);
	assert_int_equal(vlapic_read(&l, VLAPIC_DFR, true, 0, &v), VLAPIC_GP);
	assert_int_equal(vlapic_read(&l, 0x3a0, true, 0, &v), VLAPIC_GP);
	assert_int_equal(rd(VLAPIC_VERSION, 0) & 0xff, 0x14);
}

static void test_base_modes(void **state)
{
	const uint64_t en = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE;

	(void)state;
	vlapic_reset(&l, 1, false);
	/* EXTD without EN; reserved bits; above MAXPHYADDR. */
	assert_int_equal(vlapic_set_base(&l, VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EXTD, PHYS_MASK),
			 VLAPIC_GP);
	assert_int_equal(vlapic_set_base(&l, en | 1, PHYS_MASK), VLAPIC_GP);
	assert_int_equal(vlapic_set_base(&l, en | (1ull << 52), PHYS_MASK), VLAPIC_GP);
	/* xAPIC -> x2APIC is allowed; back to xAPIC is not. */
	assert_int_equal(vlapic_set_base(&l, en | VLAPIC_BASE_EXTD, PHYS_MASK), VLAPIC_OK);
	assert_int_equal(l.mode, VLAPIC_MODE_X2APIC);
	assert_int_equal(vlapic_set_base(&l, en, PHYS_MASK), VLAPIC_GP);
	/* x2APIC -> disabled -> x2APIC is not allowed either; -> xAPIC is. */
	l.svr = 0x1ff;
	assert_true(vlapic_accept(&l, 0x50));
	assert_int_equal(vlapic_set_base(&l, VLAPIC_BASE_DEFAULT, PHYS_MASK), VLAPIC_TIMER);
	assert_int_equal(l.mode, VLAPIC_MODE_DISABLED);
	assert_int_equal(vlapic_highest_irr(&l), -1); /* dropped */
	assert_false(vlapic_match(&l, 1, false));
	assert_int_equal(vlapic_set_base(&l, en | VLAPIC_BASE_EXTD, PHYS_MASK), VLAPIC_GP);
	assert_int_equal(vlapic_set_base(&l, en, PHYS_MASK), VLAPIC_OK);
	assert_int_equal(l.mode, VLAPIC_MODE_XAPIC);
	assert_int_equal(rd(VLAPIC_ID, 0), 1u << 24);
	/* The BSP flag cannot be set by the guest. */
	assert_int_equal(vlapic_set_base(&l, en | VLAPIC_BASE_BSP, PHYS_MASK), VLAPIC_OK);
	assert_int_equal(l.base & VLAPIC_BASE_BSP, 0);
}

static void test_ipi_decode(void **state)
{
	struct vlapic_ipi ipi;

	(void)state;
	setup_x2(0);
	assert_int_equal(wr(VLAPIC_ICR_LO, (7ull << 32) | 0x4031, 0, &ipi), VLAPIC_IPI);
	assert_int_equal(ipi.dest, 7);
	assert_int_equal(ipi.vector, 0x31);
	assert_int_equal(ipi.delivery, VLAPIC_DM_FIXED);
	assert_int_equal(ipi.shorthand, VLAPIC_SH_NONE);
	assert_false(ipi.logical);
	assert_int_equal(rd(VLAPIC_ICR_LO, 0), (7ull << 32) | 0x4031);
	assert_int_equal(wr(VLAPIC_ICR_LO, (3u << 18) | (4u << 8) | VLAPIC_ICR_LOGICAL, 0, &ipi),
			 VLAPIC_IPI);
	assert_int_equal(ipi.delivery, VLAPIC_DM_NMI);
	assert_int_equal(ipi.shorthand, VLAPIC_SH_OTHERS);
	assert_true(ipi.logical);
	/* INIT level de-assert is recognised. */
	assert_int_equal(wr(VLAPIC_ICR_LO, (5u << 8) | VLAPIC_ICR_TRIGGER_LEVEL, 0, &ipi),
			 VLAPIC_IPI);
	assert_true(ipi.level_deassert);
	assert_int_equal(wr(VLAPIC_SELF_IPI, 0x66, 0, &ipi), VLAPIC_IPI);
	assert_int_equal(ipi.shorthand, VLAPIC_SH_SELF);
	assert_int_equal(ipi.vector, 0x66);
	/* xAPIC: the destination is ICR_HI's top byte; a write of ICR_LO sends. */
	vlapic_reset(&l, 0, true);
	assert_int_equal(wr(VLAPIC_ICR_HI, 0x02000000, 0, NULL), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_ICR_LO, 0x41, 0, &ipi), VLAPIC_IPI);
	assert_int_equal(ipi.dest, 2);
}

static void test_destinations(void **state)
{
	(void)state;
	/* x2APIC physical and cluster. */
	setup_x2(0x12);
	assert_true(vlapic_match(&l, 0x12, false));
	assert_false(vlapic_match(&l, 0x13, false));
	assert_true(vlapic_match(&l, 0xffffffffu, false));
	assert_true(vlapic_match(&l, (1u << 16) | (1u << 2), true));
	assert_false(vlapic_match(&l, (1u << 16) | (1u << 3), true));
	assert_false(vlapic_match(&l, (0u << 16) | (1u << 2), true));
	/* xAPIC flat and cluster. */
	vlapic_reset(&l, 2, false);
	assert_true(vlapic_match(&l, 2, false));
	assert_true(vlapic_match(&l, 0xff, false));
	assert_int_equal(wr(VLAPIC_LDR, 0x04000000, 0, NULL), VLAPIC_OK);
	assert_true(vlapic_match(&l, 0x04, true));
	assert_true(vlapic_match(&l, 0x0c, true));
	assert_false(vlapic_match(&l, 0x03, true));
	assert_int_equal(wr(VLAPIC_DFR, 0x0fffffff, 0, NULL), VLAPIC_OK); /* cluster */
	assert_int_equal(wr(VLAPIC_LDR, 0x21000000, 0, NULL), VLAPIC_OK);
	assert_true(vlapic_match(&l, 0x21, true));
	assert_true(vlapic_match(&l, 0x23, true));
	assert_false(vlapic_match(&l, 0x11, true));
}

static void test_timer_modes(void **state)
{
	(void)state;
	setup_x2(0);
	/* One-shot, divide by 4: 100 * 4 cycles. */
	assert_int_equal(wr(VLAPIC_TIMER_DIV, 1, 0, NULL), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_LVT_TIMER, 0x40, 0, NULL), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_TIMER_INIT, 100, 1000, NULL), VLAPIC_TIMER);
	assert_int_equal(l.timer_deadline, 1400);
	assert_int_equal(rd(VLAPIC_TIMER_CUR, 1200), 50);
	assert_false(vlapic_timer_fire(&l, 1399));
	assert_true(vlapic_timer_fire(&l, 1400));
	assert_int_equal(vlapic_highest_irr(&l), 0x40);
	assert_int_equal(l.timer_deadline, 0);
	assert_int_equal(rd(VLAPIC_TIMER_CUR, 1500), 0);
	/* Periodic, divide by 1: re-armed; missed periods dropped. */
	vlapic_ack(&l, 0x40);
	vlapic_eoi(&l, &level);
	assert_int_equal(wr(VLAPIC_TIMER_DIV, 0xb, 0, NULL), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_LVT_TIMER, 0x41 | (1u << 17), 0, NULL), VLAPIC_TIMER);
	assert_int_equal(wr(VLAPIC_TIMER_INIT, 50, 2000, NULL), VLAPIC_TIMER);
	assert_true(vlapic_timer_fire(&l, 2050));
	assert_int_equal(l.timer_deadline, 2100);
	assert_true(vlapic_timer_fire(&l, 2500));
	assert_int_equal(l.timer_deadline, 2550);
	assert_int_equal(vlapic_highest_irr(&l), 0x41);
	/* Masked: expires without an interrupt. */
	vlapic_ack(&l, 0x41);
	vlapic_eoi(&l, &level);
	assert_int_equal(wr(VLAPIC_LVT_TIMER, 0x41 | (1u << 17) | VLAPIC_LVT_MASKED, 0, NULL),
			 VLAPIC_OK);
	assert_true(vlapic_timer_fire(&l, 2550));
	assert_int_equal(vlapic_highest_irr(&l), -1);
	/* TSC-deadline: the mode switch stops the timer; the count is ignored. */
	assert_int_equal(wr(VLAPIC_LVT_TIMER, 0x42 | (2u << 17), 0, NULL), VLAPIC_TIMER);
	assert_int_equal(l.timer_deadline, 0);
	assert_int_equal(wr(VLAPIC_TIMER_INIT, 10, 3000, NULL), VLAPIC_OK);
	assert_int_equal(l.timer_deadline, 0);
	assert_int_equal(vlapic_tsc_deadline_write(&l, 5000, 3000), VLAPIC_TIMER);
	assert_int_equal(vlapic_tsc_deadline_read(&l), 5000);
	assert_true(vlapic_timer_fire(&l, 5001));
	assert_int_equal(vlapic_highest_irr(&l), 0x42);
	assert_int_equal(vlapic_tsc_deadline_read(&l), 0);
	assert_int_equal(l.timer_deadline, 0);
	/* Not in TSC-deadline mode: the MSR write is ignored and reads 0. */
	assert_int_equal(wr(VLAPIC_LVT_TIMER, 0x42, 0, NULL), VLAPIC_TIMER);
	assert_int_equal(vlapic_tsc_deadline_write(&l, 9000, 3000), VLAPIC_OK);
	assert_int_equal(vlapic_tsc_deadline_read(&l), 0);
}

static void test_sw_disable(void **state)
{
	(void)state;
	setup_x2(0);
	assert_int_equal(wr(VLAPIC_LVT_LINT0, 0x700, 0, NULL), VLAPIC_OK);
	assert_int_equal(wr(VLAPIC_SVR, 0xff, 0, NULL), VLAPIC_OK);
	assert_int_equal(rd(VLAPIC_LVT_LINT0, 0), 0x700 | VLAPIC_LVT_MASKED);
	/* LVTs stay masked while software-disabled. */
	assert_int_equal(wr(VLAPIC_LVT_LINT0, 0x700, 0, NULL), VLAPIC_OK);
	assert_int_equal(rd(VLAPIC_LVT_LINT0, 0), 0x700 | VLAPIC_LVT_MASKED);
	vlapic_accept_nmi(&l);
	assert_int_equal(l.nmi, 1);
	vlapic_accept_sipi(&l, 0x9a);
	assert_int_equal(l.sipi, 0x19a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_level_trigger),
		cmocka_unit_test(test_illegal_vectors),
		cmocka_unit_test(test_x2apic_rules),
		cmocka_unit_test(test_base_modes),
		cmocka_unit_test(test_ipi_decode),
		cmocka_unit_test(test_destinations),
		cmocka_unit_test(test_timer_modes),
		cmocka_unit_test(test_sw_disable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
