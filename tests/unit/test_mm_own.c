/* SPDX-License-Identifier: MIT */
/*
 * Ownership transitions, table-driven: every transition from every
 * reachable state of a (host page, guest page) pair, on each stage-2
 * format, with the return code and the states of both sides afterwards,
 * the invariant checker after each, and "nothing changed" on errors.
 */
#include "mm_test_env.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define P (ENV_HOST_RAM + 0x00200000ull) /* the host page under test */
#define G 0x10000000ull                  /* the guest address under test */

static const struct pt_format *const s2_formats[] = {
	&pt_format_ept, &pt_format_x86_npt, &pt_format_arm64_s2,
};

enum start {
	S_HOST,        /* fresh: the host's, never faulted in */
	S_HOST_MAPPED, /* the host's, mapped by a fault */
	S_SHARED,      /* host lent it to the guest */
	S_DONATED,     /* host gave it to the guest */
	S_GSHARED,     /* given, then lent back to the host */
	S_OTHER,       /* given to another guest */
	S_HYP,         /* given to fief */
	D_HOST,        /* the same, guest dying */
	D_SHARED,
	D_DONATED,
	D_GSHARED,
};

enum op { H_SHARE, H_UNSHARE, H_DONATE, G_SHARE, G_UNSHARE, RECLAIM };

enum hs { HS_UNMAPPED, HS_OWNED, HS_SHARED_OWNED, HS_SHARED_BORROWED, HS_GUEST, HS_OTHER, HS_HYP };
enum gs { GS_NONE, GS_OWNED, GS_SHARED_OWNED, GS_SHARED_BORROWED };

struct row {
	enum start start;
	enum op op;
	int rc;
	enum hs hs;
	enum gs gs;
	bool scrubbed;
};

#define EP FIEF_EPERM
static const struct row rows[] = {
	{ S_HOST, H_SHARE, 0, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ S_HOST, H_UNSHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ S_HOST, H_DONATE, 0, HS_GUEST, GS_OWNED, false },
	{ S_HOST, G_SHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ S_HOST, G_UNSHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ S_HOST, RECLAIM, EP, HS_UNMAPPED, GS_NONE, false },

	{ S_HOST_MAPPED, H_SHARE, 0, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ S_HOST_MAPPED, H_UNSHARE, EP, HS_OWNED, GS_NONE, false },
	{ S_HOST_MAPPED, H_DONATE, 0, HS_GUEST, GS_OWNED, false },
	{ S_HOST_MAPPED, G_SHARE, EP, HS_OWNED, GS_NONE, false },
	{ S_HOST_MAPPED, G_UNSHARE, EP, HS_OWNED, GS_NONE, false },
	{ S_HOST_MAPPED, RECLAIM, EP, HS_OWNED, GS_NONE, false },

	{ S_SHARED, H_SHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ S_SHARED, H_UNSHARE, 0, HS_OWNED, GS_NONE, false },
	{ S_SHARED, H_DONATE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ S_SHARED, G_SHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ S_SHARED, G_UNSHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ S_SHARED, RECLAIM, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },

	{ S_DONATED, H_SHARE, EP, HS_GUEST, GS_OWNED, false },
	{ S_DONATED, H_UNSHARE, EP, HS_GUEST, GS_OWNED, false },
	{ S_DONATED, H_DONATE, EP, HS_GUEST, GS_OWNED, false },
	{ S_DONATED, G_SHARE, 0, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ S_DONATED, G_UNSHARE, EP, HS_GUEST, GS_OWNED, false },
	{ S_DONATED, RECLAIM, EP, HS_GUEST, GS_OWNED, false },

	{ S_GSHARED, H_SHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ S_GSHARED, H_UNSHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ S_GSHARED, H_DONATE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ S_GSHARED, G_SHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ S_GSHARED, G_UNSHARE, 0, HS_GUEST, GS_OWNED, false },
	{ S_GSHARED, RECLAIM, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },

	{ S_OTHER, H_SHARE, EP, HS_OTHER, GS_NONE, false },
	{ S_OTHER, H_UNSHARE, EP, HS_OTHER, GS_NONE, false },
	{ S_OTHER, H_DONATE, EP, HS_OTHER, GS_NONE, false },
	{ S_OTHER, G_SHARE, EP, HS_OTHER, GS_NONE, false },
	{ S_OTHER, G_UNSHARE, EP, HS_OTHER, GS_NONE, false },
	{ S_OTHER, RECLAIM, EP, HS_OTHER, GS_NONE, false },

	{ S_HYP, H_SHARE, EP, HS_HYP, GS_NONE, false },
	{ S_HYP, H_UNSHARE, EP, HS_HYP, GS_NONE, false },
	{ S_HYP, H_DONATE, EP, HS_HYP, GS_NONE, false },
	{ S_HYP, G_SHARE, EP, HS_HYP, GS_NONE, false },
	{ S_HYP, G_UNSHARE, EP, HS_HYP, GS_NONE, false },
	{ S_HYP, RECLAIM, EP, HS_HYP, GS_NONE, false },

	{ D_HOST, H_SHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ D_HOST, H_UNSHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ D_HOST, H_DONATE, EP, HS_UNMAPPED, GS_NONE, false },
	{ D_HOST, G_SHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ D_HOST, G_UNSHARE, EP, HS_UNMAPPED, GS_NONE, false },
	{ D_HOST, RECLAIM, 0, HS_UNMAPPED, GS_NONE, false },

	{ D_SHARED, H_SHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ D_SHARED, H_UNSHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ D_SHARED, H_DONATE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ D_SHARED, G_SHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ D_SHARED, G_UNSHARE, EP, HS_SHARED_OWNED, GS_SHARED_BORROWED, false },
	{ D_SHARED, RECLAIM, 0, HS_OWNED, GS_NONE, false },

	{ D_DONATED, H_SHARE, EP, HS_GUEST, GS_OWNED, false },
	{ D_DONATED, H_UNSHARE, EP, HS_GUEST, GS_OWNED, false },
	{ D_DONATED, H_DONATE, EP, HS_GUEST, GS_OWNED, false },
	{ D_DONATED, G_SHARE, EP, HS_GUEST, GS_OWNED, false },
	{ D_DONATED, G_UNSHARE, EP, HS_GUEST, GS_OWNED, false },
	{ D_DONATED, RECLAIM, 0, HS_UNMAPPED, GS_NONE, true },

	{ D_GSHARED, H_SHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ D_GSHARED, H_UNSHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ D_GSHARED, H_DONATE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ D_GSHARED, G_SHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ D_GSHARED, G_UNSHARE, EP, HS_SHARED_BORROWED, GS_SHARED_OWNED, false },
	{ D_GSHARED, RECLAIM, 0, HS_OWNED, GS_NONE, true },
};

static struct mm_vm *guest, *other;

static void boot(const struct pt_format *f)
{
	env_boot(f);
	guest = env_new_guest(0);
	other = env_new_guest(1);
}

static void reach(enum start s)
{
	bool dying = s >= D_HOST;

	switch (s) {
	case S_HOST:
	case D_HOST:
		break;
	case S_HOST_MAPPED:
		assert_int_equal(mm_host_fault(pa_init(P)), 0);
		break;
	case S_SHARED:
	case D_SHARED:
		assert_int_equal(mm_host_share_guest(guest, pa_init(P), gpa_init(G), PAGE_SIZE), 0);
		break;
	case S_GSHARED:
	case D_GSHARED:
	case S_DONATED:
	case D_DONATED:
		assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), PAGE_SIZE), 0);
		if (s == S_GSHARED || s == D_GSHARED)
			assert_int_equal(mm_guest_share_host(guest, gpa_init(G), PAGE_SIZE), 0);
		break;
	case S_OTHER:
		assert_int_equal(mm_host_donate_guest(other, pa_init(P), gpa_init(G + GiB), PAGE_SIZE), 0);
		break;
	case S_HYP:
		assert_int_equal(mm_host_donate_hyp(pa_init(P), PAGE_SIZE), 0);
		break;
	}
	if (dying)
		mm_guest_destroy(guest);
	assert_int_equal(env_check(), 0);
}

static int run(enum op op, uint64_t pa, uint64_t gpa, uint64_t size)
{
	switch (op) {
	case H_SHARE:
		return mm_host_share_guest(guest, pa_init(pa), gpa_init(gpa), size);
	case H_UNSHARE:
		return mm_host_unshare_guest(guest, pa_init(pa), gpa_init(gpa), size);
	case H_DONATE:
		return mm_host_donate_guest(guest, pa_init(pa), gpa_init(gpa), size);
	case G_SHARE:
		return mm_guest_share_host(guest, gpa_init(gpa), size);
	case G_UNSHARE:
		return mm_guest_unshare_host(guest, gpa_init(gpa), size);
	case RECLAIM:
		return mm_guest_reclaim(guest, gpa_init(gpa), size);
	}
	return 1;
}

static enum hs host_state(uint64_t pa)
{
	struct pt_leaf l;

	mm_host_page(pa_init(pa), &l);
	if (l.valid) {
		assert_int_equal(pa_addr(l.pa) + (pa - ia_addr(l.addr)), pa);
		assert_int_not_equal(l.state, MM_PAGE_STATE_INVALID);
		return l.state == MM_PAGE_OWNED ? HS_OWNED
		       : l.state == MM_PAGE_SHARED_OWNED ? HS_SHARED_OWNED : HS_SHARED_BORROWED;
	}
	if (l.owner == MM_OWNER_HOST)
		return HS_UNMAPPED;
	if (l.owner == MM_OWNER_HYP)
		return HS_HYP;
	return l.owner == guest->id ? HS_GUEST : HS_OTHER;
}

static enum gs guest_state(uint64_t gpa, uint64_t pa)
{
	struct pt_leaf l;

	mm_guest_page(guest, gpa_init(gpa), &l);
	if (!l.valid) {
		assert_int_equal(l.pte, 0);
		return GS_NONE;
	}
	assert_int_equal(pa_addr(l.pa) + (gpa - ia_addr(l.addr)), pa);
	return l.state == MM_PAGE_OWNED ? GS_OWNED
	       : l.state == MM_PAGE_SHARED_OWNED ? GS_SHARED_OWNED : GS_SHARED_BORROWED;
}

static void test_transition_table(void **state)
{
	unsigned fi, i;

	(void)state;
	for (fi = 0; fi < 3; fi++) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			const struct row *r = &rows[i];
			unsigned char *page;
			uint64_t before;
			int rc;

			boot(s2_formats[fi]);
			reach(r->start);
			page = arch_mm_pa_to_va(pa_init(P));
			memset(page, 0xab, PAGE_SIZE);
			before = env_hash_all();
			rc = run(r->op, P, G, PAGE_SIZE);
			if (rc != r->rc)
				fail_msg("%s row %u (start %d op %d): rc %d, want %d",
					 s2_formats[fi]->name, i, r->start, r->op, rc, r->rc);
			if (rc != 0)
				assert_int_equal(env_hash_all(), before);
			assert_int_equal(host_state(P), r->hs);
			assert_int_equal(guest_state(G, P), r->gs);
			assert_int_equal(page[0], r->scrubbed ? 0 : 0xab);
			assert_int_equal(page[PAGE_SIZE - 1], r->scrubbed ? 0 : 0xab);
			assert_int_equal(env_check(), 0);
		}
	}
}

/* Every transition rejects a bad range with EINVAL and changes nothing. */
static void test_bad_ranges(void **state)
{
	/* host_only: the guest range is fine, guest-side transitions pass. */
	static const struct { uint64_t pa, gpa, size; bool host_only; } bad[] = {
		{ P + 1, G, PAGE_SIZE, true },                /* misaligned host address */
		{ P, G + 8, PAGE_SIZE, false },               /* misaligned guest address */
		{ P, G, 0, false },                           /* empty */
		{ P, G, PAGE_SIZE + 1, false },               /* size not a page multiple */
		{ P, ~0ull - PAGE_SIZE + 1, 2 * PAGE_SIZE, false }, /* guest range wraps */
		{ P, (1ull << 48) - PAGE_SIZE, 2 * PAGE_SIZE, false }, /* beyond the IPA space */
		{ ~0ull - PAGE_SIZE + 1, G, 2 * PAGE_SIZE, true }, /* host range wraps */
		{ 0x1000, G, PAGE_SIZE, true },               /* not RAM */
		{ ENV_RAM_BASE + ENV_RAM_SIZE - PAGE_SIZE, G, 2 * PAGE_SIZE, true }, /* RAM's end */
	};
	unsigned i, op;

	(void)state;
	boot(&pt_format_arm64_s2);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), PAGE_SIZE), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (op = H_SHARE; op <= RECLAIM; op++) {
			uint64_t before = env_hash_all();
			int rc = run((enum op)op, bad[i].pa, bad[i].gpa, bad[i].size);

			/* Guest-side transitions never see the host address. */
			if (op >= G_SHARE && bad[i].host_only)
				continue;
			if (rc != FIEF_EINVAL)
				fail_msg("bad range %u op %u: rc %d", i, op, rc);
			assert_int_equal(env_hash_all(), before);
		}
	}
	assert_int_equal(mm_host_donate_hyp(pa_init(P + 1), PAGE_SIZE), FIEF_EINVAL);
	assert_int_equal(mm_host_donate_hyp(pa_init(0x1000), PAGE_SIZE), FIEF_EINVAL);
	assert_int_equal(env_check(), 0);
}

/* One wrong page at the end of a range fails the whole range. */
static void test_every_page_checked(void **state)
{
	uint64_t before;

	(void)state;
	boot(&pt_format_ept);
	assert_int_equal(mm_host_donate_guest(other, pa_init(P + 3 * PAGE_SIZE),
					      gpa_init(G), PAGE_SIZE), 0);
	before = env_hash_all();
	assert_int_equal(mm_host_share_guest(guest, pa_init(P), gpa_init(G), 4 * PAGE_SIZE), EP);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), 4 * PAGE_SIZE), EP);
	assert_int_equal(env_hash_all(), before);
	/* Guest side: the last page is already mapped. */
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P + 8 * PAGE_SIZE),
					      gpa_init(G + 3 * PAGE_SIZE), PAGE_SIZE), 0);
	before = env_hash_all();
	assert_int_equal(mm_host_share_guest(guest, pa_init(P), gpa_init(G), 4 * PAGE_SIZE), EP);
	assert_int_equal(mm_guest_share_host(guest, gpa_init(G), 4 * PAGE_SIZE), EP);
	assert_int_equal(env_hash_all(), before);
	/* Unsharing at the right guest address but the wrong host page. */
	assert_int_equal(mm_host_share_guest(guest, pa_init(P), gpa_init(G), PAGE_SIZE), 0);
	before = env_hash_all();
	assert_int_equal(mm_host_unshare_guest(guest, pa_init(P + PAGE_SIZE), gpa_init(G),
					       PAGE_SIZE), EP);
	assert_int_equal(env_hash_all(), before);
	assert_int_equal(env_check(), 0);
}

/* Ranges that allow blocks get blocks on both sides. */
static void test_block_transitions(void **state)
{
	struct pt_leaf l;

	(void)state;
	boot(&pt_format_arm64_s2);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(ENV_HOST_RAM), gpa_init(GiB),
					      GiB), 0);
	mm_guest_page(guest, gpa_init(GiB + 0x1234000), &l);
	assert_int_equal(l.level, 1);
	assert_int_equal(l.state, MM_PAGE_OWNED);
	mm_host_page(pa_init(ENV_HOST_RAM + 0x1234000), &l);
	assert_int_equal(l.level, 1);
	assert_int_equal(l.owner, guest->id);
	assert_int_equal(env_check(), 0);
	/* Lending 2 MiB of it back splits both sides once. */
	assert_int_equal(mm_guest_share_host(guest, gpa_init(GiB + 2 * MiB), 2 * MiB), 0);
	mm_guest_page(guest, gpa_init(GiB + 2 * MiB), &l);
	assert_int_equal(l.level, 2);
	assert_int_equal(l.state, MM_PAGE_SHARED_OWNED);
	mm_host_page(pa_init(ENV_HOST_RAM + 3 * MiB), &l);
	assert_int_equal(l.level, 2);
	assert_true(l.valid);
	assert_int_equal(l.state, MM_PAGE_SHARED_BORROWED);
	assert_int_equal(env_check(), 0);
}

/* A guest range of scattered 4 KiB leaves over contiguous host pages is
 * handled as one host range: bounded as one (no ENOMEM from a pool that
 * holds 2,048 pages) and mapped with blocks where it allows. */
static void test_guest_runs(void **state)
{
	struct pt_leaf l;
	uint64_t pa = ENV_HOST_RAM + 64 * MiB;

	(void)state;
	boot(&pt_format_ept);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(pa), gpa_init(G + PAGE_SIZE),
					      1000 * PAGE_SIZE), 0);
	mm_guest_page(guest, gpa_init(G + PAGE_SIZE), &l);
	assert_int_equal(l.level, 3);
	assert_int_equal(mm_guest_share_host(guest, gpa_init(G + PAGE_SIZE), 1000 * PAGE_SIZE), 0);
	mm_host_page(pa_init(pa + PAGE_SIZE), &l);
	assert_true(l.valid);
	assert_int_equal(l.level, 2);
	assert_int_equal(l.state, MM_PAGE_SHARED_BORROWED);
	assert_int_equal(env_check(), 0);
	assert_int_equal(mm_guest_unshare_host(guest, gpa_init(G + PAGE_SIZE), 1000 * PAGE_SIZE), 0);
	mm_host_page(pa_init(pa + PAGE_SIZE), &l);
	assert_false(l.valid);
	assert_int_equal(l.level, 2);
	assert_int_equal(l.owner, guest->id);
	assert_int_equal(env_check(), 0);
	mm_guest_destroy(guest);
	assert_int_equal(mm_guest_reclaim(guest, gpa_init(G), 1001 * PAGE_SIZE), 0);
	mm_host_page(pa_init(pa + PAGE_SIZE), &l);
	assert_int_equal(l.pte, 0);
	assert_int_equal(env_check(), 0);
}

static void test_host_fault(void **state)
{
	struct pt_leaf l;

	(void)state;
	boot(&pt_format_x86_npt);
	/* A GiB of RAM the host owns entirely: one 1 GiB block. */
	assert_int_equal(mm_host_fault(pa_init(ENV_HOST_RAM + 0x12345678)), 0);
	mm_host_page(pa_init(ENV_HOST_RAM), &l);
	assert_true(l.valid);
	assert_int_equal(l.level, 1);
	assert_int_equal(l.attrs, MM_ATTR_RWX);
	/* Next to fief's own memory: the largest block that avoids it. */
	assert_int_equal(mm_host_fault(pa_init(ENV_IMAGE - 1)), 0);
	mm_host_page(pa_init(ENV_IMAGE - PAGE_SIZE), &l);
	assert_true(l.valid);
	assert_int_equal(l.level, 2);
	/* fief's image and pool are never the host's. */
	assert_int_equal(mm_host_fault(pa_init(ENV_IMAGE)), EP);
	assert_int_equal(mm_host_fault(pa_init(ENV_RAM_BASE + ENV_RAM_SIZE - PAGE_SIZE)), EP);
	/* Below RAM: device memory, in the largest block that avoids RAM. */
	assert_int_equal(mm_host_fault(pa_init(0x1000)), 0);
	mm_host_page(pa_init(0x1000), &l);
	assert_true(l.valid);
	assert_int_equal(l.level, 1);
	assert_int_equal(l.attrs, MM_ATTR_RW | MM_ATTR_DEVICE);
	assert_int_equal(mm_host_fault(pa_init(0xfee00000)), 0);
	mm_host_page(pa_init(0xfee00000), &l);
	assert_int_equal(l.attrs, MM_ATTR_RW | MM_ATTR_DEVICE);
	/* Faulting twice is harmless; a donated page faults with EPERM. */
	assert_int_equal(mm_host_fault(pa_init(ENV_HOST_RAM)), 0);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(ENV_HOST_RAM + 4 * MiB),
					      gpa_init(0), PAGE_SIZE), 0);
	assert_int_equal(mm_host_fault(pa_init(ENV_HOST_RAM + 4 * MiB)), EP);
	assert_int_equal(mm_host_fault(pa_init(ENV_HOST_RAM + 4 * MiB + PAGE_SIZE)), 0);
	assert_int_equal(mm_host_fault(pa_init(1ull << 48)), FIEF_EINVAL);
	assert_int_equal(env_check(), 0);
}

/* fief's devices: never the host's, never a guest's, checked. */
static void test_keep_devices(void **state)
{
	const uint64_t lapic = 0xfee00000, gicd = 0x08000000;
	struct pt_leaf l;
	unsigned n;

	(void)state;
	boot(&pt_format_x86_npt);
	assert_int_equal(mm_host_keep_device(pa_init(lapic), PAGE_SIZE), 0);
	assert_int_equal(mm_host_keep_device(pa_init(gicd), 16 * PAGE_SIZE), 0);
	assert_int_equal(mm_host_keep_device(pa_init(lapic), PAGE_SIZE), 0); /* once */
	assert_int_equal(mm_state.dev_count, 2);
	assert_int_equal(env_check(), 0);
	/* The host's lazy map takes the largest block that avoids them. */
	assert_int_equal(mm_host_fault(pa_init(lapic)), EP);
	assert_int_equal(mm_host_fault(pa_init(lapic + 0x300)), EP);
	assert_int_equal(mm_host_fault(pa_init(gicd + 15 * PAGE_SIZE)), EP);
	assert_int_equal(mm_host_fault(pa_init(lapic + PAGE_SIZE)), 0);
	mm_host_page(pa_init(lapic + PAGE_SIZE), &l);
	assert_true(l.valid);
	assert_int_equal(l.level, 3);
	assert_int_equal(l.attrs, MM_ATTR_RW | MM_ATTR_DEVICE);
	assert_int_equal(mm_host_fault(pa_init(gicd + 16 * PAGE_SIZE)), 0);
	mm_host_page(pa_init(gicd + 16 * PAGE_SIZE), &l);
	assert_true(l.valid && ia_addr(l.addr) >= gicd + 16 * PAGE_SIZE);
	mm_host_page(pa_init(lapic), &l);
	assert_false(l.valid);
	assert_int_equal(l.owner, MM_OWNER_HYP);
	assert_int_equal(env_check(), 0);
	/* Not RAM: no transition can hand one to a guest. */
	assert_int_equal(mm_host_donate_guest(guest, pa_init(lapic), gpa_init(0), PAGE_SIZE),
			 FIEF_EINVAL);
	assert_int_equal(mm_host_share_guest(guest, pa_init(lapic), gpa_init(0), PAGE_SIZE),
			 FIEF_EINVAL);
	/* Bad ranges, RAM, and ranges the host already maps are refused. */
	assert_int_equal(mm_host_keep_device(pa_init(lapic + 1), PAGE_SIZE), FIEF_EINVAL);
	assert_int_equal(mm_host_keep_device(pa_init(lapic), 0), FIEF_EINVAL);
	assert_int_equal(mm_host_keep_device(pa_init(1ull << 48), PAGE_SIZE), FIEF_EINVAL);
	assert_int_equal(mm_host_keep_device(pa_init(ENV_RAM_BASE - PAGE_SIZE), 2 * PAGE_SIZE),
			 FIEF_EINVAL);
	assert_int_equal(mm_host_keep_device(pa_init(ENV_IMAGE), PAGE_SIZE), FIEF_EINVAL);
	assert_int_equal(mm_host_keep_device(pa_init(lapic + PAGE_SIZE), PAGE_SIZE), EP);
	assert_int_equal(mm_state.dev_count, 2);
	/* The table is full at MM_DEV_MAX ranges. */
	for (n = mm_state.dev_count; n < MM_DEV_MAX; n++)
		assert_int_equal(mm_host_keep_device(pa_init(0x10000000 + n * PAGE_SIZE), PAGE_SIZE), 0);
	assert_int_equal(mm_host_keep_device(pa_init(0x20000000), PAGE_SIZE), FIEF_ENOSPC);
	assert_int_equal(env_check(), 0);
	/* A table failing mid-way changes nothing. */
	boot(&pt_format_ept);
	fake_mm_fail_alloc_at(1);
	assert_int_equal(mm_host_keep_device(pa_init(lapic), PAGE_SIZE), FIEF_ENOMEM);
	fake_mm_fail_alloc_at(0);
	assert_int_equal(mm_state.dev_count, 0);
	assert_int_equal(mm_host_fault(pa_init(lapic)), 0);
	/* The checker notices a device page the host maps. */
	boot(&pt_format_arm64_s2);
	assert_int_equal(mm_host_keep_device(pa_init(gicd), PAGE_SIZE), 0);
	assert_int_equal(pt_map_range(&mm_host()->pt, host_ia(pa_init(gicd)), PAGE_SIZE,
				      pa_init(gicd), MM_ATTR_RW | MM_ATTR_DEVICE), 0);
	assert_int_not_equal(env_check(), 0);
}

static void test_guest_lifecycle(void **state)
{
	(void)state;
	boot(&pt_format_ept);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), 16 * PAGE_SIZE), 0);
	assert_int_equal(mm_guest_free(guest), EP);
	mm_guest_destroy(guest);
	assert_int_equal(mm_guest_free(guest), FIEF_EBUSY);
	assert_int_equal(mm_guest_reclaim(guest, gpa_init(0), 1ull << 40), 0);
	assert_int_equal(env_check(), 0);
	assert_int_equal(mm_guest_free(guest), 0);
	assert_int_equal(env_check(), 0);
	assert_int_equal(mm_guest_init(&env_guest[0], other->id), FIEF_EEXIST);
	assert_int_equal(mm_guest_init(&env_guest[0], 1), FIEF_EINVAL);
	guest = env_new_guest(0);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), 16 * PAGE_SIZE), 0);
	assert_int_equal(env_check(), 0);
}

/* The checker notices each kind of broken invariant. */
static void test_checker_catches(void **state)
{
	struct mm_vm_locked h;

	(void)state;
	/* A guest maps a page the host still owns. */
	boot(&pt_format_ept);
	assert_int_equal(pt_map_range(&guest->pt, ia_of_gpa(gpa_init(G)), PAGE_SIZE, pa_init(P),
				      MM_ATTR_RW), 0);
	assert_int_not_equal(env_check(), 0);
	/* Two guests map one donated page. */
	boot(&pt_format_ept);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), PAGE_SIZE), 0);
	assert_int_equal(pt_map_range(&other->pt, ia_of_gpa(gpa_init(G)), PAGE_SIZE, pa_init(P),
				      MM_ATTR_RW), 0);
	assert_int_not_equal(env_check(), 0);
	/* Same guest, twice. */
	boot(&pt_format_ept);
	assert_int_equal(mm_host_donate_guest(guest, pa_init(P), gpa_init(G), PAGE_SIZE), 0);
	assert_int_equal(pt_map_range(&guest->pt, ia_of_gpa(gpa_init(G + PAGE_SIZE)), PAGE_SIZE,
				      pa_init(P), MM_ATTR_RW), 0);
	assert_int_not_equal(env_check(), 0);
	/* The host gave a page to a guest that does not map it. */
	boot(&pt_format_arm64_s2);
	h = mm_vm_lock(mm_host());
	assert_int_equal(mm_host_set_owner_locked(h, pa_init(P), PAGE_SIZE, guest->id), 0);
	mm_vm_unlock(&h);
	assert_int_not_equal(env_check(), 0);
	/* ... or to a guest that does not exist. */
	boot(&pt_format_arm64_s2);
	h = mm_vm_lock(mm_host());
	assert_int_equal(mm_host_set_owner_locked(h, pa_init(P), PAGE_SIZE, 40), 0);
	mm_vm_unlock(&h);
	assert_int_not_equal(env_check(), 0);
	/* The host maps fief's own memory. */
	boot(&pt_format_x86_npt);
	assert_int_equal(pt_map_range(&mm_host()->pt, host_ia(pa_init(ENV_IMAGE)), PAGE_SIZE,
				      pa_init(ENV_IMAGE), MM_ATTR_RW), 0);
	assert_int_not_equal(env_check(), 0);
	/* An impossible state in a host leaf. */
	boot(&pt_format_x86_npt);
	assert_int_equal(mm_host_fault(pa_init(P)), 0);
	pt_set_state(&mm_host()->pt, host_ia(pa_init(P)), PAGE_SIZE, MM_PAGE_STATE_INVALID);
	assert_int_not_equal(env_check(), 0);
	/* A host map that is not identity. */
	boot(&pt_format_x86_npt);
	assert_int_equal(pt_map_range(&mm_host()->pt, host_ia(pa_init(P)), PAGE_SIZE,
				      pa_init(P + PAGE_SIZE), MM_ATTR_RW), 0);
	assert_int_not_equal(env_check(), 0);
	/* A lent page no guest borrows. */
	boot(&pt_format_arm64_s2);
	assert_int_equal(pt_prepare(&mm_host()->pt, 3), 0);
	pt_map(&mm_host()->pt, host_ia(pa_init(P)), PAGE_SIZE, pa_init(P), MM_ATTR_RWX,
	       MM_PAGE_SHARED_OWNED);
	assert_int_not_equal(env_check(), 0);
}

/* mm_boot() takes fief's pool from the top of usable RAM, over several
 * ranges if it must, and the host can never reach it. */
static void test_boot_pool(void **state)
{
	struct boot_info *bi = &env_bi;
	struct pt_leaf l;
	paddr_t base;
	uint64_t size;

	(void)state;
	fake_mm_ram_reset();
	fake_mm_ram_add(ENV_RAM_BASE, ENV_RAM_SIZE);
	memset(bi, 0, sizeof(*bi));
	bi->mem[0] = (struct boot_mem_region){ GiB, 4 * MiB, BOOT_MEM_USABLE, 0 };
	bi->mem[1] = (struct boot_mem_region){ GiB + 4 * MiB, 4 * MiB, BOOT_MEM_RESERVED, 0 };
	bi->mem[2] = (struct boot_mem_region){ GiB + 8 * MiB, 4 * MiB + 123, BOOT_MEM_USABLE, 0 };
	bi->mem_count = 3;
	assert_int_equal(mm_boot(bi, &pt_format_arm64_s2, 64 * MiB), FIEF_ENOMEM);
	assert_int_equal(mm_boot(bi, &pt_format_arm64_s2, 6 * MiB), 0);
	assert_true(page_alloc_range(0, &base, &size));
	assert_int_equal(pa_addr(base), GiB + 8 * MiB);
	assert_int_equal(size, 4 * MiB);
	assert_true(page_alloc_range(1, &base, &size));
	assert_int_equal(pa_addr(base), GiB + 2 * MiB);
	assert_int_equal(size, 2 * MiB);
	assert_false(page_alloc_range(2, &base, &size));
	mm_host_page(pa_init(GiB + 2 * MiB), &l);
	assert_int_equal(l.owner, MM_OWNER_HYP);
	assert_int_equal(l.level, 2);
	assert_int_equal(mm_host_fault(pa_init(GiB + 3 * MiB)), EP);
	assert_int_equal(mm_host_fault(pa_init(GiB + MiB)), 0);
	mm_host_page(pa_init(GiB + MiB), &l);
	assert_true(l.valid);
	assert_int_equal(l.level, 2);
	/* The reserved hole between the two RAM ranges is not RAM. */
	assert_false(mm_ram_contains(pa_init(GiB + 4 * MiB), PAGE_SIZE));
	assert_false(mm_ram_contains(pa_init(GiB + 3 * MiB), 2 * MiB));
	assert_true(mm_ram_contains(pa_init(GiB + 8 * MiB), 4 * MiB));
	assert_false(mm_ram_contains(pa_init(GiB + 8 * MiB), 4 * MiB + PAGE_SIZE));
	free(env_bitmap);
	env_bitmap_words = mm_check_bitmap_words();
	env_bitmap = calloc(env_bitmap_words, sizeof(uint64_t));
	assert_int_equal(env_check(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_every_page_checked),
		cmocka_unit_test(test_block_transitions),
		cmocka_unit_test(test_guest_runs),
		cmocka_unit_test(test_host_fault),
		cmocka_unit_test(test_keep_devices),
		cmocka_unit_test(test_guest_lifecycle),
		cmocka_unit_test(test_checker_catches),
		cmocka_unit_test(test_boot_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
