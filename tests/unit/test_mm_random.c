/* SPDX-License-Identifier: MIT */
/*
 * Random transitions: MM_RANDOM_OPS (default 100,000) transitions on random
 * ranges of a 2 MiB host region, across three guests, on a random stage-2
 * format, with the invariant checker after every one and a check that a
 * failed transition changed no table. Reproduce a run with MM_SEED=<seed>
 * (the seed is printed first).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mm_test_env.h"

#define REGION (ENV_HOST_RAM + (64ull << 20)) /* 2 MiB aligned */
#define REGION_PAGES 512u
#define NGUESTS 3

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

enum rop { R_H_SHARE, R_H_UNSHARE, R_H_DONATE, R_G_SHARE, R_G_UNSHARE, R_FAULT,
	   R_RECYCLE, R_HYP, R_COUNT };

static const char *const rop_name[R_COUNT] = {
	"host_share", "host_unshare", "host_donate", "guest_share", "guest_unshare",
	"host_fault", "recycle", "donate_hyp",
};

static enum rop pick_op(void)
{
	unsigned r = below(1000);

	if (r == 0)
		return R_HYP;
	if (r < 4)
		return R_RECYCLE;
	return (enum rop)(r % R_RECYCLE);
}

/* A range in pages: mostly short, sometimes the whole aligned region. */
static void pick_range(unsigned *first, unsigned *count)
{
	if (below(64) == 0) {
		*first = 0;
		*count = REGION_PAGES;
		return;
	}
	*first = below(REGION_PAGES);
	*count = 1 + below(8);
	if (*first + *count > REGION_PAGES)
		*count = REGION_PAGES - *first;
}

static int recycle(struct mm_vm *g)
{
	uint16_t id = g->id;
	int ret;

	unsigned first, count;

	mm_guest_destroy(g);
	/* A random part first (splits blocks), with the checker after it. */
	pick_range(&first, &count);
	ret = mm_guest_reclaim(g, gpa_init((uint64_t)first * PAGE_SIZE),
			       (uint64_t)count * PAGE_SIZE);
	if (ret == 0)
		ret = env_check();
	if (ret == 0)
		ret = mm_guest_reclaim(g, gpa_init(0), REGION_PAGES * PAGE_SIZE);
	if (ret == 0)
		ret = mm_guest_free(g);
	if (ret == 0)
		ret = mm_guest_init(g, id);
	return ret;
}

static void aim_at_mapped(struct mm_vm *g, uint64_t *gpa, uint64_t *size)
{
	struct pt_leaf l;
	unsigned tries;

	for (tries = 0; tries < 16; tries++) {
		uint64_t a = (uint64_t)below(REGION_PAGES) * PAGE_SIZE;

		mm_guest_page(g, gpa_init(a), &l);
		if (l.valid) {
			*gpa = a;
			*size = PAGE_SIZE;
			return;
		}
	}
}

static int do_op(enum rop op, struct mm_vm *g)
{
	unsigned pf, gf, n;
	uint64_t pa, gpa, size;
	struct pt_leaf l;

	pick_range(&pf, &n);
	gf = n == REGION_PAGES ? 0 : below(REGION_PAGES - n + 1);
	pa = REGION + (uint64_t)pf * PAGE_SIZE;
	gpa = (uint64_t)gf * PAGE_SIZE;
	size = (uint64_t)n * PAGE_SIZE;
	/* Ops that need a mapped guest page: half the time, aim at one. */
	if ((op == R_H_UNSHARE || op == R_G_SHARE || op == R_G_UNSHARE) && below(2) == 0)
		aim_at_mapped(g, &gpa, &size);
	switch (op) {
	case R_H_SHARE:
		return mm_host_share_guest(g, pa_init(pa), gpa_init(gpa), size);
	case R_H_UNSHARE:
		/* Half the time, aim at what the guest really borrows. */
		mm_guest_page(g, gpa_init(gpa), &l);
		if (l.valid && below(2) == 0)
			pa = pa_addr(l.pa) + (gpa - ia_addr(l.addr));
		return mm_host_unshare_guest(g, pa_init(pa), gpa_init(gpa), size);
	case R_H_DONATE:
		return mm_host_donate_guest(g, pa_init(pa), gpa_init(gpa), size);
	case R_G_SHARE:
		return mm_guest_share_host(g, gpa_init(gpa), size);
	case R_G_UNSHARE:
		return mm_guest_unshare_host(g, gpa_init(gpa), size);
	case R_FAULT:
		return mm_host_fault(pa_init(pa));
	case R_RECYCLE:
		return recycle(g);
	case R_HYP:
		return mm_host_donate_hyp(pa_init(pa), PAGE_SIZE);
	default:
		return 1;
	}
}

static void test_random_transitions(void **state)
{
	static const struct pt_format *const fmts[] = {
		&pt_format_ept, &pt_format_x86_npt, &pt_format_arm64_s2,
	};
	const char *s = getenv("MM_SEED"), *o = getenv("MM_RANDOM_OPS");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	unsigned long ops = o ? strtoul(o, NULL, 0) : 100000ul, i;
	unsigned long ok[R_COUNT] = { 0 }, tried[R_COUNT] = { 0 };
	const struct pt_format *f;
	struct mm_vm *guests[NGUESTS];
	unsigned k;

	(void)state;
	printf("mm random: seed %llu (rerun with MM_SEED=%llu), %lu ops\n",
	       (unsigned long long)seed, (unsigned long long)seed, ops);
	rng_state = seed;
	f = fmts[below(3)];
	env_boot(f);
	for (k = 0; k < NGUESTS; k++)
		guests[k] = env_new_guest(k);
	for (i = 0; i < ops; i++) {
		enum rop op = pick_op();
		/* Hashing every table is as dear as the check: do it 1 in 4. */
		bool hash = below(4) == 0;
		uint64_t before = hash ? env_hash_all() : 0;
		int rc = do_op(op, guests[below(NGUESTS)]);

		tried[op]++;
		if (rc == 0)
			ok[op]++;
		else if (rc != FIEF_EPERM || (hash && env_hash_all() != before))
			fail_msg("op %lu (%s): rc %d, or a failed op changed a table (seed %llu)",
				 i, rop_name[op], rc, (unsigned long long)seed);
		if (env_check() != 0)
			fail_msg("op %lu (%s, rc %d) broke an invariant (seed %llu)", i,
				 rop_name[op], rc, (unsigned long long)seed);
	}
	printf("mm random: %s:", f->name);
	for (k = 0; k < R_COUNT; k++)
		printf(" %s %lu/%lu", rop_name[k], ok[k], tried[k]);
	printf("\n");
	for (k = 0; k < R_RECYCLE; k++)
		assert_true(ok[k] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_transitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
