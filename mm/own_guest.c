/* SPDX-License-Identifier: MIT */
/*
 * Ownership transitions a guest starts (share with the host, unshare) and
 * the reclaim of a dying guest's pages. A guest range may map scattered
 * host pages, so each walks the guest's leaves and handles the host's side
 * one run of contiguous pages at a time: a checking walk first (and the
 * table pages the host will need), then a committing walk.
 */
#include "mm/own.h"

#include "lib/assert.h"
#include "lib/err.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/own_priv.h"

enum g2h_kind {
	G2H_SHARE,   /* guest OWNED -> SHARED_OWNED; host gets SHARED_BORROWED */
	G2H_UNSHARE, /* guest SHARED_OWNED -> OWNED; host back to the annotation */
	G2H_RECLAIM, /* dying guest: every page back to the host */
};

/*
 * Guest leaves mapping contiguous host pages in one state are handled as
 * one run, so the host's side is bounded and changed as one range (a run
 * that covers a whole block becomes a block, not 512 pages).
 */
struct g2h {
	enum g2h_kind kind;
	bool commit;
	struct mm_vm_locked host;
	uint16_t id;
	uint64_t host_need; /* table pages the host's side may take */
	paddr_t run_pa;     /* the run being gathered: host pages ... */
	uint64_t run_len;   /* ... bytes (0: none) ... */
	enum mm_page_state run_state; /* ... and their state in the guest */
};

/* The host-side check for one guest page state. */
static bool host_expect(const struct g2h *t, enum mm_page_state gs, enum mm_page_state *hs,
			bool *annotated)
{
	switch (gs) {
	case MM_PAGE_OWNED:
		*annotated = true;
		return t->kind != G2H_UNSHARE;
	case MM_PAGE_SHARED_OWNED:
		*annotated = false;
		*hs = MM_PAGE_SHARED_BORROWED;
		return t->kind != G2H_SHARE;
	case MM_PAGE_SHARED_BORROWED:
		*annotated = false;
		*hs = MM_PAGE_SHARED_OWNED;
		return t->kind == G2H_RECLAIM;
	default:
		return false;
	}
}

static int host_state_ok(struct g2h *t, paddr_t pa, uint64_t len, enum mm_page_state gs)
{
	enum mm_page_state hs = MM_PAGE_OWNED;
	bool annotated = false;
	struct pt_leaf leaf;
	iaddr_t a, end = ia_add(host_ia(pa), len);

	if (!host_expect(t, gs, &hs, &annotated))
		return FIEF_EPERM;
	for (a = host_ia(pa); ia_addr(a) < ia_addr(end); a = ia_add(leaf.addr, leaf.size)) {
		pt_lookup(&t->host.vm->pt, a, &leaf);
		if (annotated ? leaf.valid || leaf.owner != t->id
			      : !leaf.valid || leaf.state != hs)
			return FIEF_EPERM;
	}
	return 0;
}

static void scrub(paddr_t pa, uint64_t len)
{
	uint64_t off;

	for (off = 0; off < len; off += PAGE_SIZE)
		memset(arch_mm_pa_to_va(pa_add(pa, off)), 0, PAGE_SIZE);
}

static void host_commit(struct g2h *t, paddr_t pa, uint64_t len, enum mm_page_state gs)
{
	struct pt *hpt = &t->host.vm->pt;

	switch (t->kind) {
	case G2H_SHARE:
		pt_map(hpt, host_ia(pa), len, pa, MM_ATTR_RAM, MM_PAGE_SHARED_BORROWED);
		break;
	case G2H_UNSHARE:
		pt_set_invalid(hpt, host_ia(pa), len, t->id);
		break;
	case G2H_RECLAIM:
		if (gs != MM_PAGE_SHARED_BORROWED)
			scrub(pa, len); /* the guest's own data never reaches the host */
		if (gs == MM_PAGE_OWNED)
			pt_set_invalid(hpt, host_ia(pa), len, MM_OWNER_HOST);
		else
			pt_set_state(hpt, host_ia(pa), len, MM_PAGE_OWNED);
		break;
	}
}

/* The host's side of a finished run: bound it, or change it. */
static void run_flush(struct g2h *t)
{
	struct pt *hpt = &t->host.vm->pt;

	if (t->run_len == 0)
		return;
	if (t->commit)
		host_commit(t, t->run_pa, t->run_len, t->run_state);
	else
		t->host_need += t->kind == G2H_SHARE
				? pt_need_map(hpt, host_ia(t->run_pa), t->run_len, t->run_pa)
				: pt_need_update(hpt, host_ia(t->run_pa), t->run_len);
	t->run_len = 0;
}

static void run_add(struct g2h *t, paddr_t pa, uint64_t len, enum mm_page_state gs)
{
	if (t->run_len != 0 && pa_addr(pa) == pa_addr(t->run_pa) + t->run_len &&
	    gs == t->run_state) {
		t->run_len += len;
		return;
	}
	run_flush(t);
	t->run_pa = pa;
	t->run_len = len;
	t->run_state = gs;
}

static int g2h_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;
	struct g2h *t = ctx->arg;
	uint64_t addr = ia_addr(ctx->addr), start = ia_addr(ctx->start), end = ia_addr(ctx->end);
	uint64_t from = addr > start ? addr : start;
	uint64_t to = addr + ctx->size < end ? addr + ctx->size : end;
	enum mm_page_state gs;
	paddr_t pa;
	int ret;

	(void)what;
	if (!pt_pte_valid(f, ctx->old))
		return t->kind == G2H_RECLAIM && ctx->old == 0 ? 0 : FIEF_EPERM;
	gs = pte_state(ctx->old, f->sw_shift);
	pa = pa_add(pt_pte_addr(f, ctx->old, ctx->level), from - addr);
	ret = t->commit ? 0 : host_state_ok(t, pa, to - from, gs);
	if (ret == 0)
		run_add(t, pa, to - from, gs);
	return ret;
}

static const struct pt_walker g2h_walker = {
	.visit = g2h_visit,
	.flags = PT_VISIT_LEAF,
};

/* Walk the guest's leaves of a range (checking or committing), then
 * finish the last run. */
static int g2h_walk(struct pt *gpt, iaddr_t gia, uint64_t size, struct g2h *t)
{
	int ret = pt_walk(gpt, gia, size, &g2h_walker, t);

	if (ret == 0)
		run_flush(t);
	return ret;
}


static int guest_to_host(struct mm_vm *guest, gpaddr_t gpa, uint64_t size, enum g2h_kind kind)
{
	iaddr_t g = ia_of_gpa(gpa);
	struct g2h t = { .kind = kind, .id = guest->id };
	struct mm_vm_locked gl;
	struct pt *gpt;
	int ret;

	/* fief's callers pass only guests that mm_guest_init() set up. */
	FIEF_ASSERT(guest->id < MM_GUESTS_MAX && mm_state.guests[guest->id] == guest);
	if (!page_aligned(gpa_addr(gpa), size) || !pt_in_range(&guest->pt, g, size))
		return FIEF_EINVAL;
	t.host = mm_vm_lock(&mm_state.host);
	gl = mm_vm_lock(guest);
	gpt = &gl.vm->pt;
	ret = guest->dying != (kind == G2H_RECLAIM) ? FIEF_EPERM : 0;
	if (ret == 0)
		ret = g2h_walk(gpt, g, size, &t);
	if (ret == 0)
		ret = pt_prepare(&t.host.vm->pt, t.host_need > UINT32_MAX ? UINT32_MAX
									   : (unsigned)t.host_need);
	if (ret == 0)
		ret = pt_prepare(gpt, pt_need_update(gpt, g, size));
	if (ret != 0)
		goto out;
	/* Commit: nothing below can fail. */
	t.commit = true;
	FIEF_ASSERT(g2h_walk(gpt, g, size, &t) == 0);
	if (kind == G2H_SHARE)
		pt_set_state(gpt, g, size, MM_PAGE_SHARED_OWNED);
	else if (kind == G2H_UNSHARE)
		pt_set_state(gpt, g, size, MM_PAGE_OWNED);
	else
		pt_unmap(gpt, g, size);
out:
	mm_vm_unlock(&gl);
	mm_vm_unlock(&t.host);
	return ret;
}

int mm_guest_share_host(struct mm_vm *guest, gpaddr_t gpa, uint64_t size)
{
	return guest_to_host(guest, gpa, size, G2H_SHARE);
}

int mm_guest_unshare_host(struct mm_vm *guest, gpaddr_t gpa, uint64_t size)
{
	return guest_to_host(guest, gpa, size, G2H_UNSHARE);
}

int mm_guest_reclaim(struct mm_vm *guest, gpaddr_t gpa, uint64_t size)
{
	return guest_to_host(guest, gpa, size, G2H_RECLAIM);
}
