/* SPDX-License-Identifier: MIT */
/*
 * The ownership invariant checker (see mm_check() in mm/own.h).
 *
 * Pass 1 walks every guest's table: each page a guest maps must be RAM,
 * mapped by nobody else (a bit per RAM page in the scratch bitmap), and in
 * the host's table in the matching state (donated: annotated with that
 * guest; lent either way: the other SHARED state).
 * Pass 2 walks the host's table over RAM: valid entries are identity maps of
 * normal memory in a possible state; every page the host says it lent or
 * gave to a guest must have been found in pass 1 (its bit is taken back,
 * so the bitmap ends all zero); annotations name fief or a live guest.
 * Pass 3: fief's own ranges and its devices are annotated as fief's.
 * Cost: the pages guests map plus the host's non-empty entries.
 */
#include "mm/own.h"

#include "lib/err.h"
#include "lib/print.h"
#include "mm/own_priv.h"

struct check {
	uint64_t *bm;           /* a bit per RAM page, see ram_index() */
	uint16_t guest;         /* pass 1: the guest being walked */
	struct pt_leaf host;    /* pass 1: last host entry looked up */
	paddr_t base;           /* pass 2: the RAM range being walked */
};

/* Index of a RAM page in the bitmap (RAM ranges laid end to end). */
static size_t ram_index(paddr_t pa)
{
	uint64_t a = pa_addr(pa);
	size_t idx = 0;
	unsigned i;

	for (i = 0; i < mm_state.ram_count; i++) {
		const struct mm_region *r = &mm_state.ram[i];
		uint64_t base = pa_addr(r->base);

		if (a >= base && a - base < r->size)
			return idx + (size_t)((a - base) >> PAGE_SHIFT);
		idx += (size_t)(r->size >> PAGE_SHIFT);
	}
	return SIZE_MAX;
}

size_t mm_check_bitmap_words(void)
{
	uint64_t pages = 0;
	unsigned i;

	for (i = 0; i < mm_state.ram_count; i++)
		pages += mm_state.ram[i].size >> PAGE_SHIFT;
	return (size_t)((pages + 63) / 64);
}

static int fail(const char *what, uint64_t addr, uint16_t who)
{
	console_printf("mm_check: %s at 0x%llx (vm %u)\n", what, (unsigned long long)addr,
		       (unsigned)who);
	return FIEF_EFORMAT;
}

/* Does the host's entry agree with a guest page in state @gs? */
static bool host_agrees(const struct pt_leaf *h, enum mm_page_state gs, uint16_t guest)
{
	switch (gs) {
	case MM_PAGE_OWNED:
		return !h->valid && h->owner == guest;
	case MM_PAGE_SHARED_OWNED:
		return h->valid && h->state == MM_PAGE_SHARED_BORROWED;
	case MM_PAGE_SHARED_BORROWED:
		return h->valid && h->state == MM_PAGE_SHARED_OWNED;
	default:
		return false;
	}
}

static int guest_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;
	struct check *c = ctx->arg;
	enum mm_page_state gs;
	uint64_t off;
	paddr_t pa;
	size_t idx;

	(void)what;
	if (!pt_pte_valid(f, ctx->old))
		return fail("guest entry carries an owner", ia_addr(ctx->addr), c->guest);
	gs = pte_state(ctx->old, f->sw_shift);
	pa = pt_pte_addr(f, ctx->old, ctx->level);
	if (!mm_ram_contains(pa, ctx->size))
		return fail("guest maps what is not RAM", ia_addr(ctx->addr), c->guest);
	if (f->leaf_attrs(ctx->old, ctx->level) & MM_ATTR_DEVICE)
		return fail("guest maps RAM as device memory", ia_addr(ctx->addr), c->guest);
	idx = ram_index(pa);
	for (off = 0; off < ctx->size; off += PAGE_SIZE, idx++) {
		uint64_t bit = (uint64_t)1 << (idx % 64);
		paddr_t page = pa_add(pa, off);

		if (c->bm[idx / 64] & bit)
			return fail("page mapped by two guests or twice", pa_addr(page), c->guest);
		c->bm[idx / 64] |= bit;
		if (ia_addr(host_ia(page)) - ia_addr(c->host.addr) >= c->host.size)
			pt_lookup(&mm_state.host.pt, host_ia(page), &c->host);
		if (!host_agrees(&c->host, gs, c->guest))
			return fail("guest page state disagrees with the host", pa_addr(page),
				    c->guest);
	}
	return 0;
}

static const struct pt_walker guest_walker = {
	.visit = guest_visit,
	.flags = PT_VISIT_LEAF | PT_VISIT_SKIP_EMPTY,
};

/* Take back the bits of [pa, pa + len): all must be set. */
static bool bits_take(struct check *c, paddr_t pa, uint64_t len)
{
	size_t idx = ram_index(pa), n = (size_t)(len >> PAGE_SHIFT);

	if (idx == SIZE_MAX)
		return false;
	while (n > 0) {
		unsigned sh = (unsigned)(idx % 64);
		size_t k = n < 64 - sh ? n : 64 - sh;
		uint64_t mask = (k == 64 ? ~(uint64_t)0 : (((uint64_t)1 << k) - 1)) << sh;

		if ((c->bm[idx / 64] & mask) != mask)
			return false;
		c->bm[idx / 64] &= ~mask;
		idx += k;
		n -= k;
	}
	return true;
}

static int host_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;
	struct check *c = ctx->arg;
	uint64_t addr = ia_addr(ctx->addr), start = ia_addr(ctx->start), end = ia_addr(ctx->end);
	uint64_t from = addr > start ? addr : start;
	uint64_t to = addr + ctx->size < end ? addr + ctx->size : end;
	/* The walk covers one RAM range from its start: @from's page. */
	paddr_t pa = pa_add(c->base, from - start);
	uint16_t owner;

	(void)what;
	if (pt_pte_valid(f, ctx->old)) {
		enum mm_page_state s = pte_state(ctx->old, f->sw_shift);

		if (ia_addr(host_ia(pt_pte_addr(f, ctx->old, ctx->level))) != addr)
			return fail("host map is not identity", addr, 0);
		if (f->leaf_attrs(ctx->old, ctx->level) & MM_ATTR_DEVICE)
			return fail("host maps RAM as device memory", addr, 0);
		if (s == MM_PAGE_STATE_INVALID)
			return fail("impossible page state", addr, 0);
		if (s != MM_PAGE_OWNED && !bits_take(c, pa, to - from))
			return fail("host page shared with no guest", pa_addr(pa), 0);
		return 0;
	}
	owner = pt_pte_owner(f, ctx->old);
	if (ctx->old != pt_pte_invalid(f, owner))
		return fail("invalid host entry with stray bits", addr, 0);
	if (owner == MM_OWNER_HYP)
		return 0;
	if (owner >= MM_GUESTS_MAX || mm_state.guests[owner] == NULL)
		return fail("page owned by no such guest", addr, owner);
	if (!bits_take(c, pa, to - from))
		return fail("page given to a guest that does not map it", pa_addr(pa), owner);
	return 0;
}

static const struct pt_walker host_walker = {
	.visit = host_visit,
	.flags = PT_VISIT_LEAF | PT_VISIT_SKIP_EMPTY,
};

static int hyp_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	(void)what;
	if (ctx->old != pt_pte_invalid(ctx->pt->fmt, MM_OWNER_HYP))
		return fail("fief's own page is not fief's", ia_addr(ctx->addr), MM_OWNER_HYP);
	return 0;
}

static const struct pt_walker hyp_walker = {
	.visit = hyp_visit,
	.flags = PT_VISIT_LEAF,
};

static int check_locked(struct check *c)
{
	struct pt *host = &mm_state.host.pt;
	unsigned i;
	int ret = 0;

	c->host.size = 0;
	for (i = MM_OWNER_GUEST_FIRST; i < MM_GUESTS_MAX && ret == 0; i++) {
		struct mm_vm *g = mm_state.guests[i];

		if (g == NULL)
			continue;
		c->guest = g->id;
		ret = pt_walk(&g->pt, ia_init(0), (uint64_t)1 << g->pt.fmt->ia_bits,
			      &guest_walker, c);
	}
	for (i = 0; i < mm_state.ram_count && ret == 0; i++) {
		const struct mm_region *r = &mm_state.ram[i];

		c->base = r->base;
		ret = pt_walk(host, host_ia(r->base), r->size, &host_walker, c);
	}
	for (i = 0; i < mm_state.hyp_count && ret == 0; i++)
		ret = pt_walk(host, host_ia(mm_state.hyp[i].base), mm_state.hyp[i].size,
			      &hyp_walker, c);
	for (i = 0; i < mm_state.dev_count && ret == 0; i++)
		ret = pt_walk(host, host_ia(mm_state.dev[i].base), mm_state.dev[i].size,
			      &hyp_walker, c);
	return ret;
}

int mm_check(uint64_t *bitmap, size_t words)
{
	struct check c = { .bm = bitmap };
	struct mm_vm_locked host, locked[MM_GUESTS_MAX];
	unsigned i;
	int ret;

	if (words < mm_check_bitmap_words())
		return FIEF_EINVAL;
	spin_lock(&mm_state.guests_lock);
	host = mm_vm_lock(&mm_state.host);
	for (i = MM_OWNER_GUEST_FIRST; i < MM_GUESTS_MAX; i++)
		if (mm_state.guests[i] != NULL)
			locked[i] = mm_vm_lock(mm_state.guests[i]);
	ret = check_locked(&c);
	for (i = MM_GUESTS_MAX; i-- > MM_OWNER_GUEST_FIRST;)
		if (mm_state.guests[i] != NULL)
			mm_vm_unlock(&locked[i]);
	mm_vm_unlock(&host);
	spin_unlock(&mm_state.guests_lock);
	return ret;
}
