/* SPDX-License-Identifier: MIT */
/*
 * Out-of-memory injection: run each operation with the allocator failing
 * at its 1st, 2nd, ... allocation until it succeeds; every failure must
 * return FIEF_ENOMEM and leave every table exactly as it was.
 */
#include <stdio.h>

#include "mm_test_env.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define P (ENV_HOST_RAM + 2 * MiB - 2 * PAGE_SIZE) /* straddles a 2 MiB line */
#define G (GiB + 2 * MiB - PAGE_SIZE)

static struct mm_vm *guest;

static void drain_all(void)
{
	unsigned i;

	pt_cache_drain(&mm_host()->pt);
	for (i = 0; i < ENV_GUESTS; i++)
		if (mm_state.guests[MM_OWNER_GUEST_FIRST + i] == &env_guest[i])
			pt_cache_drain(&env_guest[i].pt);
}

/* Fail each allocation of @op in turn; return how many it needed. */
static unsigned inject(const char *name, int (*op)(void))
{
	unsigned k;

	for (k = 1;; k++) {
		uint64_t before;
		unsigned calls;
		int rc;

		drain_all();
		before = env_hash_all();
		fake_mm_fail_alloc_at(k);
		rc = op();
		calls = fake_mm_alloc_calls();
		fake_mm_fail_alloc_at(0);
		if (rc == 0) {
			assert_true(calls < k);
			assert_int_equal(env_check(), 0);
			printf("oom: %s: %u allocation(s), each failed in turn\n", name, k - 1);
			return k - 1;
		}
		if (rc != FIEF_ENOMEM)
			fail_msg("%s: allocation %u failed: rc %d", name, k, rc);
		assert_true(calls >= k);
		assert_int_equal(env_hash_all(), before);
		assert_int_equal(env_check(), 0);
	}
}

static void boot(const struct pt_format *f)
{
	env_boot(f);
	guest = env_new_guest(0);
}

static int op_share(void)
{
	return mm_host_share_guest(guest, pa_init(P), gpa_init(G), 4 * PAGE_SIZE);
}

static int op_donate(void)
{
	return mm_host_donate_guest(guest, pa_init(P), gpa_init(G), 4 * PAGE_SIZE);
}

static int op_unshare(void)
{
	return mm_host_unshare_guest(guest, pa_init(ENV_HOST_RAM + 4 * MiB + PAGE_SIZE),
				     gpa_init(GiB + 4 * MiB + PAGE_SIZE), PAGE_SIZE);
}

static int op_guest_share(void)
{
	return mm_guest_share_host(guest, gpa_init(GiB + 4 * MiB + 3 * PAGE_SIZE), 2 * PAGE_SIZE);
}

static int op_guest_unshare(void)
{
	return mm_guest_unshare_host(guest, gpa_init(GiB + 4 * MiB + 3 * PAGE_SIZE), PAGE_SIZE);
}

static int op_reclaim(void)
{
	return mm_guest_reclaim(guest, gpa_init(GiB + 4 * MiB + 5 * PAGE_SIZE), PAGE_SIZE);
}

static int op_donate_hyp(void)
{
	return mm_host_donate_hyp(pa_init(ENV_HOST_RAM + 8 * MiB + PAGE_SIZE), PAGE_SIZE);
}

static int op_fault(void)
{
	return mm_host_fault(pa_init(ENV_HOST_RAM + 4 * MiB + 5 * PAGE_SIZE));
}

static void test_transitions_oom(void **state)
{
	static const struct pt_format *const fmts[] = {
		&pt_format_ept, &pt_format_x86_npt, &pt_format_arm64_s2,
	};
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		boot(fmts[i]);
		assert_true(inject("host_share_guest", op_share) >= 4);
		boot(fmts[i]);
		assert_true(inject("host_donate_guest", op_donate) >= 4);

		/* A 2 MiB block lent to the guest: unsharing a page splits both. */
		boot(fmts[i]);
		assert_int_equal(mm_host_share_guest(guest, pa_init(ENV_HOST_RAM + 4 * MiB),
						     gpa_init(GiB + 4 * MiB), 2 * MiB), 0);
		assert_true(inject("host_unshare_guest", op_unshare) >= 2);

		/* A 2 MiB block given to the guest: the guest lends part back. */
		boot(fmts[i]);
		assert_int_equal(mm_host_donate_guest(guest, pa_init(ENV_HOST_RAM + 4 * MiB),
						      gpa_init(GiB + 4 * MiB), 2 * MiB), 0);
		assert_true(inject("guest_share_host", op_guest_share) >= 2);
		inject("guest_unshare_host", op_guest_unshare);
		mm_guest_destroy(guest);
		inject("guest_reclaim", op_reclaim);
		/* The host faults the reclaimed page back in: a 4 KiB page. */
		inject("host_fault", op_fault);

		/* fief takes one page out of a 1 GiB block the host has mapped. */
		boot(fmts[i]);
		assert_int_equal(mm_host_fault(pa_init(ENV_HOST_RAM)), 0);
		assert_true(inject("host_donate_hyp", op_donate_hyp) >= 2);
	}
}

/* The engine's own prepare/commit wrappers, on a bare table per format. */
static struct pt pt;
static uint64_t engine_hash(void)
{
	return env_hash_pt(&pt);
}

static void test_engine_oom(void **state)
{
	static const struct pt_format *const fmts[] = {
		&pt_format_x86_hyp, &pt_format_x86_npt, &pt_format_ept,
		&pt_format_arm64_s2, &pt_format_arm64_el2,
	};
	unsigned i, step, k;

	(void)state;
	for (i = 0; i < 5; i++) {
		env_alloc_only(16 * MiB);
		assert_int_equal(pt_init(&pt, fmts[i], 1), 0);
		assert_int_equal(pt_map_range(&pt, ia_init(GiB), GiB, pa_init(GiB), MM_ATTR_RW), 0);
		for (step = 0; step < 3; step++) {
			for (k = 1;; k++) {
				uint64_t before;
				int rc;

				pt_cache_drain(&pt);
				before = engine_hash();
				fake_mm_fail_alloc_at(k);
				if (step == 0)
					rc = pt_map_range(&pt, ia_init(2 * GiB - PAGE_SIZE),
							  2 * PAGE_SIZE, pa_init(0x40000000),
							  MM_ATTR_R);
				else if (step == 1)
					rc = pt_set_invalid_range(&pt, ia_init(GiB + 3 * PAGE_SIZE),
								  PAGE_SIZE, 5);
				else
					rc = pt_protect_range(&pt, ia_init(GiB + 600 * MiB),
							      PAGE_SIZE, MM_ATTR_R);
				fake_mm_fail_alloc_at(0);
				if (rc == 0)
					break;
				assert_int_equal(rc, FIEF_ENOMEM);
				assert_int_equal(engine_hash(), before);
			}
			assert_true(k > 2); /* each step needed two or more tables */
		}
	}
}

/* Creating a guest allocates its root table: on failure no id is taken. */
static void test_guest_init_oom(void **state)
{
	(void)state;
	env_boot(&pt_format_arm64_s2);
	fake_mm_fail_alloc_at(1);
	assert_int_equal(mm_guest_init(&env_guest[0], MM_OWNER_GUEST_FIRST), FIEF_ENOMEM);
	fake_mm_fail_alloc_at(0);
	assert_null(mm_state.guests[MM_OWNER_GUEST_FIRST]);
	assert_int_equal(env_check(), 0);
	assert_int_equal(mm_guest_init(&env_guest[0], MM_OWNER_GUEST_FIRST), 0);
	assert_int_equal(env_check(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions_oom),
		cmocka_unit_test(test_engine_oom),
		cmocka_unit_test(test_guest_init_oom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
