/* SPDX-License-Identifier: MIT */
/*
 * arch/arm64/vgic_state.c on the build machine: the vGICv3's pending set,
 * list-register choice (priority, spill, refill) and its distributor and
 * redistributor registers, checked on the state they build.
 */
#include "arch/arm64/vgic_state.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static struct vgic_state st;

#define LR_STATE(l) ((l) >> 62)

static uint64_t dist(uint64_t off, unsigned size, bool write, uint64_t v)
{
	vgic_dist_access(&st, off, size, write, &v);
	return v;
}

static uint64_t redist(uint32_t vcpu, uint64_t off, unsigned size, bool write, uint64_t v)
{
	vgic_redist_access(&st, vcpu, off, size, write, &v);
	return v;
}

/* A VM of @vcpus vCPUs with 4 list registers, the distributor on. */
static void setup(uint32_t vcpus)
{
	memset(&st, 0x5a, sizeof(st));
	vgic_reset(&st, vcpus, 4);
	dist(0, 4, true, VGIC_CTLR_GRP1);
}

/* vgic_fill(), then whether anything is pending for the guest. */
static bool fill(uint32_t vcpu)
{
	vgic_fill(&st, vcpu);
	return vgic_pending(&st, vcpu);
}

/* The guest acknowledges list register @n (pending -> active). */
static void guest_ack(uint32_t vcpu, unsigned n)
{
	st.cpu[vcpu].lrs.lr[n] = (st.cpu[vcpu].lrs.lr[n] & ~VGIC_LR_PENDING) | VGIC_LR_ACTIVE;
}

static void test_reset(void **state)
{
	(void)state;
	setup(2);
	assert_int_equal(vgic_pending_mask(&st, 0), 0);
	assert_int_equal(st.cpu[1].priv.edge, 0xffff);
	assert_int_equal(st.cpu[0].priv.prio[27], VGIC_PRIO_RESET);
	assert_int_equal(st.target[5], 0);
	assert_int_equal(st.cpu[0].routed, 0xffffffffu);
	assert_int_equal(st.cpu[1].lrs.count, 4);
	assert_false(fill(0));
	assert_int_equal(st.cpu[0].lrs.used, 0);
}

static void test_sgi_decode(void **state)
{
	(void)state;
	setup(3);
	/* TargetList vCPUs 1 and 2, INTID 5; bit 3 names no vCPU. */
	assert_int_equal(vgic_sgi(&st, 0, 5ull << 24 | 0xe), 0x6);
	assert_int_equal(st.cpu[1].priv.latch, 1u << 5);
	assert_int_equal(st.cpu[2].priv.latch, 1u << 5);
	assert_int_equal(st.cpu[0].priv.latch, 0);
	/* IRM: everyone but the sender. */
	assert_int_equal(vgic_sgi(&st, 1, 1ull << 40 | 2ull << 24), 0x5);
	/* Aff1, Aff2, Aff3 or RS non-zero: nobody of this VM. */
	assert_int_equal(vgic_sgi(&st, 0, 1ull << 16 | 1), 0);
	assert_int_equal(vgic_sgi(&st, 0, 1ull << 32 | 1), 0);
	assert_int_equal(vgic_sgi(&st, 0, 1ull << 44 | 1), 0);
	assert_int_equal(vgic_sgi(&st, 0, 1ull << 48 | 1), 0);
	/* Disabled SGIs are not candidates until enabled. */
	assert_int_equal(vgic_pending_mask(&st, 1), 0);
	redist(1, 0x10100, 4, true, 0xffff);
	assert_int_equal(vgic_pending_mask(&st, 1), 1u << 5);
}

static void test_priority_spill_refill(void **state)
{
	(void)state;
	setup(1);
	redist(0, 0x10100, 4, true, 0xffff); /* SGIs on */
	for (unsigned i = 0; i < 6; i++)
		redist(0, 0x10400 + i, 1, true, 0x80 - 0x10 * i); /* SGI 5 most urgent */
	for (unsigned i = 0; i < 4; i++)
		vgic_set_pending(&st, 0, i);
	assert_true(fill(0));
	assert_int_equal(st.cpu[0].lrs.used, 0xf);
	assert_false(st.cpu[0].lrs.uie);
	/* Two more, more urgent: they take the places of SGIs 0 and 1. */
	vgic_set_pending(&st, 0, 4);
	vgic_set_pending(&st, 0, 5);
	assert_int_equal(vgic_fold(&st, 0, 0), 0);
	assert_true(fill(0));
	assert_int_equal(st.cpu[0].priv.in_lr, 0x3c);
	assert_int_equal(st.cpu[0].priv.latch, 0x3); /* spilled, still pending */
	assert_true(st.cpu[0].lrs.uie);
	for (unsigned n = 0; n < 4; n++) {
		assert_int_equal(LR_STATE(st.cpu[0].lrs.lr[n]), 1);
		assert_int_not_equal(st.cpu[0].lrs.lr[n] & VGIC_LR_GROUP1, 0);
		assert_int_equal((st.cpu[0].lrs.lr[n] >> 48) & 0xff,
				 0x80 - 0x10 * (st.cpu[0].lrs.lr[n] & 0xffff));
	}
	/* The guest takes and ends two: the CPU reports them empty; refill. */
	st.cpu[0].lrs.dirty = 0;
	assert_int_equal(vgic_fold(&st, 0, 0x3), 0);
	assert_true(fill(0));
	assert_int_equal(st.cpu[0].priv.latch, 0);
	assert_int_equal(st.cpu[0].lrs.used, 0xf);
	assert_int_equal(st.cpu[0].lrs.dirty, 0x3);
	assert_false(st.cpu[0].lrs.uie);
}

static void test_active_never_spilled(void **state)
{
	(void)state;
	setup(1);
	redist(0, 0x10100, 4, true, 0xffff);
	for (unsigned i = 0; i < 4; i++)
		vgic_set_pending(&st, 0, i);
	fill(0);
	for (unsigned n = 0; n < 4; n++)
		guest_ack(0, n);
	redist(0, 0x10400 + 8, 1, true, 0); /* SGI 8: most urgent */
	vgic_set_pending(&st, 0, 8);
	vgic_fold(&st, 0, 0);
	assert_false(fill(0) && st.cpu[0].priv.in_lr & (1u << 8));
	assert_int_equal(st.cpu[0].priv.active, 0xf);
	assert_int_equal(st.cpu[0].priv.in_lr, 0xf);
	assert_true(st.cpu[0].lrs.uie);
	/* An edge again while active: pending and active in its register. */
	vgic_set_pending(&st, 0, 2);
	vgic_fold(&st, 0, 0);
	assert_int_equal(LR_STATE(st.cpu[0].lrs.lr[2]), 3);
	assert_int_equal(st.cpu[0].priv.latch & 4, 0);
}

static void test_level_resample(void **state)
{
	(void)state;
	setup(2);
	dist(0x6100 + 8 * 3, 8, true, 1);      /* SPI 35 -> vCPU 1 */
	dist(0x104, 4, true, 1u << 3);         /* enable SPI 35 */
	assert_int_equal(vgic_set_level(&st, 0, 35, true), 1);
	assert_int_equal(vgic_pending_mask(&st, 0), 0);
	assert_int_equal(vgic_pending_mask(&st, 1), 1ull << 35);
	assert_true(fill(1));
	assert_int_not_equal(st.cpu[1].lrs.lr[0] & VGIC_LR_EOI, 0);
	/* Deactivated with the line still high: resampled and pending again. */
	assert_int_equal(vgic_fold(&st, 1, 1), 1ull << 35);
	assert_true(fill(1));
	/* Lowered before the guest took it: taken back. */
	vgic_set_level(&st, 0, 35, false);
	vgic_fold(&st, 1, 0);
	assert_int_equal(st.cpu[1].lrs.used, 0);
	assert_false(fill(1));
}

static void test_edge_line(void **state)
{
	(void)state;
	setup(1);
	dist(0xc08, 4, true, 2u << 2);         /* SPI 33 edge */
	dist(0x104, 4, true, 1u << 1);
	vgic_set_level(&st, 0, 33, true);
	vgic_set_level(&st, 0, 33, true);      /* no new edge */
	assert_true(fill(0));
	assert_int_equal(st.cpu[0].lrs.lr[0] & VGIC_LR_EOI, 0);
	vgic_fold(&st, 0, 1);
	assert_false(fill(0));
	vgic_set_level(&st, 0, 33, false);
	vgic_set_level(&st, 0, 33, true);      /* a second edge */
	assert_true(fill(0));
}

static void test_dist_regs(void **state)
{
	(void)state;
	setup(2);
	assert_int_equal(dist(0, 4, false, 0), VGIC_CTLR_GRP1 | VGIC_CTLR_ARE | VGIC_CTLR_DS);
	assert_int_equal(dist(4, 4, false, 0) & 0x1f, 1);
	assert_int_equal(dist(0xffe8, 4, false, 0), 0x3b);
	assert_int_equal(dist(0x84, 4, false, 0), 0xffffffffu);
	assert_int_equal(dist(0x80, 4, false, 0), 0); /* private: in the redistributors */
	dist(0x100, 4, true, ~0u);                    /* WI */
	assert_int_equal(st.cpu[0].priv.enabled, 0);
	dist(0x104, 4, true, 0x11);
	assert_int_equal(dist(0x104, 4, false, 0), 0x11);
	dist(0x184, 4, true, 0x1);
	assert_int_equal(st.spi.enabled, 0x10);
	dist(0x421, 1, true, 0x40);
	assert_int_equal(st.spi.prio[1], 0x40);
	assert_int_equal(dist(0x420, 4, false, 0), 0xa0a040a0u);
	dist(0xc0c, 4, true, 0x2);
	assert_int_equal(st.spi.edge, 1u << 16);
	dist(0x6100 + 8 * 4 + 4, 4, true, 0);
	dist(0x6100 + 8 * 4, 4, true, 7);              /* no vCPU 7: nowhere */
	assert_int_equal(st.target[4], VGIC_NOWHERE);
	assert_int_equal(dist(0x6120, 8, false, 0), 7);
	dist(0x6120, 8, true, 1ull << 31);             /* IRM: vCPU 0 */
	assert_int_equal(st.target[4], 0);
	/* Unknown, reserved, misaligned or odd-sized: RAZ/WI. */
	assert_int_equal(dist(0x10, 4, false, 0x1234), 0);
	assert_int_equal(dist(0x102, 4, false, 0x1234), 0);
	assert_int_equal(dist(0x104, 8, false, 0x1234), 0);
	assert_int_equal(dist(0x104, 3, false, 0x1234), 0);
	assert_int_equal(dist(0xfffffff0ull, 4, false, 0x1234), 0);
	dist(0x0, 1, true, 0);
	assert_int_equal(st.ctlr, VGIC_CTLR_GRP1);
}

static void test_redist_regs(void **state)
{
	(void)state;
	setup(2);
	assert_int_equal(redist(0, 8, 8, false, 0), 0);
	assert_int_equal(redist(1, 8, 8, false, 0), 1ull << 32 | 1u << 8 | 1u << 4);
	assert_int_equal(redist(1, 0xc, 4, false, 0), 1);
	assert_int_equal(redist(0, 0x14, 4, false, 0), 6);
	redist(0, 0x14, 4, true, 0);
	assert_int_equal(redist(0, 0x14, 4, false, 0), 0);
	assert_int_equal(redist(0, 0x10c00, 4, false, 0), 0xaaaaaaaau);
	redist(0, 0x10c00, 4, true, 0);
	assert_int_equal(st.cpu[0].priv.edge & 0xffff, 0xffff);
	redist(0, 0x10c04, 4, true, 2u << 22);         /* PPI 27 edge */
	assert_int_equal(st.cpu[0].priv.edge >> 16, 1u << 11);
	redist(1, 0x10100, 4, true, 1u << 27);
	assert_int_equal(st.cpu[1].priv.enabled, 1u << 27);
	assert_int_equal(st.cpu[0].priv.enabled, 0);
	assert_int_equal(redist(2, 0x10100, 4, false, 0x55), 0); /* no vCPU 2 */
	assert_int_equal(redist(0, 0x30000, 4, false, 0x55), 0);
	redist(0, 0x10200, 4, true, 1u << 3);
	assert_int_equal(redist(0, 0x10200, 4, false, 0), 1u << 3);
	redist(0, 0x10280, 4, true, 1u << 3);
	assert_int_equal(st.cpu[0].priv.latch, 0);
}

static void test_unpend_in_lr(void **state)
{
	(void)state;
	setup(1);
	redist(0, 0x10100, 4, true, 0xffff);
	vgic_set_pending(&st, 0, 9);
	fill(0);
	redist(0, 0x10280, 4, true, 1u << 9);
	vgic_fold(&st, 0, 0);
	assert_int_equal(st.cpu[0].lrs.used, 0);
	assert_int_equal(st.cpu[0].priv.in_lr, 0);
	assert_false(fill(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_sgi_decode),
		cmocka_unit_test(test_priority_spill_refill),
		cmocka_unit_test(test_active_never_spilled),
		cmocka_unit_test(test_level_resample),
		cmocka_unit_test(test_edge_line),
		cmocka_unit_test(test_dist_regs),
		cmocka_unit_test(test_redist_regs),
		cmocka_unit_test(test_unpend_in_lr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
