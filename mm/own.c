/* SPDX-License-Identifier: MIT */
/*
 * Ownership: set-up, the host's lazy identity map, and the transitions.
 * See mm/own.h and docs/ownership.md.
 */
#include "mm/own.h"

#include "lib/assert.h"
#include "lib/err.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/own_priv.h"
#include "mm/page_alloc.h"

struct mm_state mm_state = { .guests_lock = SPINLOCK_INIT };

struct mm_vm_locked mm_vm_lock(struct mm_vm *vm)
{
	spin_lock(&vm->lock);
	return (struct mm_vm_locked){ vm };
}

void mm_vm_unlock(struct mm_vm_locked *locked)
{
	spin_unlock(&locked->vm->lock);
	locked->vm = NULL;
}

struct mm_vm *mm_host(void)
{
	return &mm_state.host;
}

/* ---- RAM ranges ------------------------------------------------------ */

/* The first byte past a range. */
static uint64_t region_end(const struct mm_region *r)
{
	return pa_addr(r->base) + r->size;
}

static int ram_add(paddr_t base, uint64_t size)
{
	struct mm_region *r = mm_state.ram;
	unsigned n = mm_state.ram_count, i, j;

	/* Insert sorted, then merge overlapping or touching neighbours. */
	for (i = 0; i < n && pa_addr(r[i].base) < pa_addr(base); i++)
		;
	if (n == MM_RAM_MAX)
		return FIEF_ENOSPC;
	memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
	r[i] = (struct mm_region){ base, size };
	n++;
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && pa_addr(r[i].base) <= region_end(&r[j - 1])) {
			if (region_end(&r[i]) > region_end(&r[j - 1]))
				r[j - 1].size = region_end(&r[i]) - pa_addr(r[j - 1].base);
		} else {
			r[j++] = r[i];
		}
	}
	mm_state.ram_count = j;
	return 0;
}

bool mm_ram_contains(paddr_t pa, uint64_t size)
{
	uint64_t a = pa_addr(pa);
	unsigned i;

	if (!range_ok(a, size))
		return false;
	for (i = 0; i < mm_state.ram_count; i++) {
		const struct mm_region *r = &mm_state.ram[i];
		uint64_t base = pa_addr(r->base);

		if (a >= base && a - base < r->size)
			return size <= r->size - (a - base);
	}
	return false;
}

/* Bounds of the largest RAM-only or RAM-free range around @pa (inclusive,
 * host-physical). */
static void region_around(paddr_t pa, uint64_t *lo, uint64_t *hi, bool *ram)
{
	uint64_t a = pa_addr(pa);
	unsigned i;

	*lo = 0;
	*hi = UINT64_MAX;
	*ram = false;
	for (i = 0; i < mm_state.ram_count; i++) {
		const struct mm_region *r = &mm_state.ram[i];
		uint64_t base = pa_addr(r->base);

		if (a >= base && a - base < r->size) {
			*lo = base;
			*hi = region_end(r) - 1;
			*ram = true;
			return;
		}
		if (base > a) {
			*hi = base - 1;
			return;
		}
		*lo = region_end(r);
	}
}

/* ---- set-up -------------------------------------------------------------- */

int mm_host_set_owner_locked(struct mm_vm_locked host, paddr_t pa, uint64_t size,
			     uint16_t owner)
{
	struct pt *pt = &host.vm->pt;
	int ret;

	FIEF_ASSERT(host.vm == &mm_state.host && spin_is_locked(&host.vm->lock));
	if (!mm_ram_contains(pa, size) || !page_aligned(pa_addr(pa), size))
		return FIEF_EINVAL;
	ret = pt_prepare(pt, pt_need_update(pt, host_ia(pa), size));
	if (ret == 0)
		pt_set_invalid(pt, host_ia(pa), size, owner);
	return ret;
}

int mm_own_init(const struct pt_format *s2, const struct mm_region *ram, unsigned ram_count,
		const struct mm_region *hyp, unsigned hyp_count)
{
	struct mm_vm_locked host;
	unsigned i;
	int ret;

	if (hyp_count > MM_HYP_MAX)
		return FIEF_ENOSPC;
	memset(&mm_state, 0, sizeof(mm_state));
	mm_state.s2 = s2;
	for (i = 0; i < ram_count; i++) {
		uint64_t base = pa_addr(ram[i].base);

		if (!range_ok(base, ram[i].size) || !page_aligned(base, ram[i].size))
			return FIEF_EINVAL;
		ret = ram_add(ram[i].base, ram[i].size);
		if (ret != 0)
			return ret;
	}
	for (i = 0; i < hyp_count; i++) {
		if (!mm_ram_contains(hyp[i].base, hyp[i].size) ||
		    !page_aligned(pa_addr(hyp[i].base), hyp[i].size))
			return FIEF_EINVAL;
		mm_state.hyp[i] = hyp[i];
	}
	mm_state.hyp_count = hyp_count;
	mm_state.host.id = MM_OWNER_HOST;
	ret = pt_init(&mm_state.host.pt, s2, MM_OWNER_HOST);
	if (ret != 0)
		return ret;
	host = mm_vm_lock(&mm_state.host);
	for (i = 0; i < hyp_count && ret == 0; i++)
		ret = mm_host_set_owner_locked(host, hyp[i].base, hyp[i].size, MM_OWNER_HYP);
	mm_vm_unlock(&host);
	return ret;
}

/* True if [pa, pa + size) overlaps any RAM range. */
static bool ram_overlaps(paddr_t pa, uint64_t size)
{
	for (unsigned i = 0; i < mm_state.ram_count; i++) {
		const struct mm_region *r = &mm_state.ram[i];

		if (pa_addr(pa) < region_end(r) && pa_addr(r->base) < pa_addr(pa) + size)
			return true;
	}
	return false;
}

/* A device range may only be unmapped (the host's, untouched) or fief's. */
static int keep_device_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;

	(void)what;
	if (ctx->old == 0 || ctx->old == pt_pte_invalid(f, MM_OWNER_HYP))
		return 0;
	return FIEF_EPERM;
}

static const struct pt_walker keep_device_walker = {
	.visit = keep_device_visit,
	.flags = PT_VISIT_LEAF,
};

int mm_host_keep_device(paddr_t pa, uint64_t size)
{
	struct mm_vm_locked host;
	struct pt *pt = &mm_state.host.pt;
	uint64_t a = pa_addr(pa);
	unsigned i;
	int ret;

	if (!range_ok(a, size) || !page_aligned(a, size) || !pt_in_range(pt, host_ia(pa), size) ||
	    ram_overlaps(pa, size))
		return FIEF_EINVAL;
	for (i = 0; i < mm_state.dev_count; i++)
		if (pa_addr(mm_state.dev[i].base) == a && mm_state.dev[i].size == size)
			return FIEF_OK;
	if (mm_state.dev_count == MM_DEV_MAX)
		return FIEF_ENOSPC;
	host = mm_vm_lock(&mm_state.host);
	ret = pt_walk(pt, host_ia(pa), size, &keep_device_walker, NULL);
	if (ret == 0)
		ret = pt_prepare(pt, pt_need_update(pt, host_ia(pa), size));
	if (ret == 0) {
		pt_set_invalid(pt, host_ia(pa), size, MM_OWNER_HYP);
		mm_state.dev[mm_state.dev_count++] = (struct mm_region){ pa, size };
	}
	mm_vm_unlock(&host);
	return ret;
}

/* ---- guests ----------------------------------------------------------- */

int mm_guest_init(struct mm_vm *vm, uint16_t id)
{
	int ret;

	if (id < MM_OWNER_GUEST_FIRST || id >= MM_GUESTS_MAX)
		return FIEF_EINVAL;
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	spin_lock(&mm_state.guests_lock);
	if (mm_state.guests[id] != NULL) {
		ret = FIEF_EEXIST;
	} else {
		ret = pt_init(&vm->pt, mm_state.s2, id);
		if (ret == 0)
			mm_state.guests[id] = vm;
	}
	spin_unlock(&mm_state.guests_lock);
	return ret;
}

void mm_guest_destroy(struct mm_vm *vm)
{
	struct mm_vm_locked g = mm_vm_lock(vm);

	vm->dying = true;
	mm_vm_unlock(&g);
}

int mm_guest_free(struct mm_vm *vm)
{
	struct mm_vm_locked g;
	int ret = 0;

	spin_lock(&mm_state.guests_lock);
	g = mm_vm_lock(vm);
	if (!vm->dying)
		ret = FIEF_EPERM;
	else if (page_meta_of(vm->pt.root)->refs != 0)
		ret = FIEF_EBUSY;
	if (ret == 0) {
		pt_destroy(&vm->pt);
		mm_state.guests[vm->id] = NULL;
	}
	mm_vm_unlock(&g);
	spin_unlock(&mm_state.guests_lock);
	return ret;
}

/* ---- queries ------------------------------------------------------------- */

void mm_host_page(paddr_t pa, struct pt_leaf *out)
{
	struct mm_vm_locked host = mm_vm_lock(&mm_state.host);

	pt_lookup(&host.vm->pt, host_ia(pa), out);
	mm_vm_unlock(&host);
}

void mm_guest_page(struct mm_vm *guest, gpaddr_t gpa, struct pt_leaf *out)
{
	struct mm_vm_locked g = mm_vm_lock(guest);

	pt_lookup(&g.vm->pt, ia_of_gpa(gpa), out);
	mm_vm_unlock(&g);
}

/* ---- the host's lazy identity map ---------------------------------------- */

int mm_host_fault(paddr_t pa)
{
	struct mm_vm_locked host;
	struct pt *pt = &mm_state.host.pt;
	const struct pt_format *f = mm_state.s2;
	paddr_t page = pa_init(pa_addr(pa) & ~PAGE_MASK), base = page;
	uint64_t lo, hi, bsize = PAGE_SIZE;
	struct pt_leaf leaf;
	unsigned level;
	bool ram;
	int ret = 0;

	if (!pt_in_range(pt, host_ia(page), PAGE_SIZE))
		return FIEF_EINVAL;
	region_around(page, &lo, &hi, &ram);
	host = mm_vm_lock(&mm_state.host);
	pt_lookup(pt, host_ia(page), &leaf);
	if (leaf.valid)
		goto out; /* another CPU mapped it first */
	if (leaf.owner != MM_OWNER_HOST) {
		ret = FIEF_EPERM;
		goto out;
	}
	/* Any block below the invalid entry found is all the host's. */
	for (level = leaf.level; level < f->levels; level++) {
		bsize = pt_level_size(f, level);
		base = pa_init(pa_addr(page) & ~(bsize - 1));
		if (pt_block_allowed(f, level) && pa_addr(base) >= lo &&
		    pa_addr(base) + bsize - 1 <= hi)
			break;
	}
	ret = pt_prepare(pt, pt_need_map(pt, host_ia(base), bsize, base));
	if (ret == 0)
		pt_map(pt, host_ia(base), bsize, base, ram ? MM_ATTR_RAM : MM_ATTR_MMIO,
		       MM_PAGE_OWNED);
out:
	mm_vm_unlock(&host);
	return ret;
}

/* ---- checking one side of a transition ---------------------------------- */

/* What every entry of a range must be. */
enum expect_kind {
	EXPECT_HOST_OWNED,   /* valid OWNED, or invalid with no owner */
	EXPECT_UNMAPPED,     /* invalid with no owner */
	EXPECT_VALID,        /* valid in @state; output @pa + offset if @check_pa */
	EXPECT_OWNER,        /* invalid annotated with @owner */
	EXPECT_ANY,          /* anything (reclaim: holes are fine) */
};

struct expect {
	enum expect_kind kind;
	enum mm_page_state state;
	uint16_t owner;
	bool check_pa;
	paddr_t pa;          /* output address of the walk's start */
};

static bool entry_as_expected(const struct pt_visit_ctx *ctx, const struct expect *e)
{
	const struct pt_format *f = ctx->pt->fmt;
	bool valid = pt_pte_valid(f, ctx->old);
	uint64_t addr = ia_addr(ctx->addr), start = ia_addr(ctx->start), from;

	switch (e->kind) {
	case EXPECT_HOST_OWNED:
		return valid ? pte_state(ctx->old, f->sw_shift) == MM_PAGE_OWNED : ctx->old == 0;
	case EXPECT_UNMAPPED:
		return ctx->old == 0;
	case EXPECT_OWNER:
		return !valid && pt_pte_owner(f, ctx->old) == e->owner;
	case EXPECT_VALID:
		if (!valid || pte_state(ctx->old, f->sw_shift) != e->state)
			return false;
		if (!e->check_pa)
			return true;
		from = addr > start ? addr : start;
		return pa_addr(pt_pte_addr(f, ctx->old, ctx->level)) + (from - addr) ==
		       pa_addr(e->pa) + (from - start);
	case EXPECT_ANY:
		return true;
	}
	return false;
}

static int expect_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	(void)what;
	return entry_as_expected(ctx, ctx->arg) ? 0 : FIEF_EPERM;
}

static const struct pt_walker expect_walker = {
	.visit = expect_visit,
	.flags = PT_VISIT_LEAF,
};

static int expect_range(struct mm_vm_locked vm, iaddr_t addr, uint64_t size,
			const struct expect *e)
{
	return pt_walk(&vm.vm->pt, addr, size, &expect_walker, (void *)e);
}

static bool host_range_ok(paddr_t pa, uint64_t size)
{
	return page_aligned(pa_addr(pa), size) && mm_ram_contains(pa, size);
}

static bool guest_range_ok(const struct mm_vm *g, gpaddr_t gpa, uint64_t size)
{
	return page_aligned(gpa_addr(gpa), size) && pt_in_range(&g->pt, ia_of_gpa(gpa), size);
}

/* ---- host -> guest ---------------------------------------------------- */

/* What a host->guest transition needs and does, as data. */
struct h2g {
	struct expect host_before;
	struct expect guest_before;
	bool host_map;       /* host: map identity with host_state, else ... */
	bool host_set_owner; /* ... annotate with the guest's id, else set state */
	enum mm_page_state host_state;
	bool guest_map;      /* guest: map with guest_state, else unmap */
	enum mm_page_state guest_state;
};

static int host_to_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size,
			 struct h2g *t)
{
	iaddr_t h = host_ia(pa), g = ia_of_gpa(gpa);
	struct mm_vm_locked host, gl;
	struct pt *hpt, *gpt;
	int ret;

	FIEF_ASSERT(guest->id < MM_GUESTS_MAX && mm_state.guests[guest->id] == guest);
	if (!host_range_ok(pa, size) || !guest_range_ok(guest, gpa, size))
		return FIEF_EINVAL;
	host = mm_vm_lock(&mm_state.host);
	gl = mm_vm_lock(guest);
	hpt = &host.vm->pt;
	gpt = &gl.vm->pt;
	ret = guest->dying ? FIEF_EPERM : 0;
	t->host_before.owner = guest->id;
	t->guest_before.pa = pa;
	if (ret == 0)
		ret = expect_range(host, h, size, &t->host_before);
	if (ret == 0)
		ret = expect_range(gl, g, size, &t->guest_before);
	if (ret == 0)
		ret = pt_prepare(hpt, t->host_map ? pt_need_map(hpt, h, size, pa)
						  : pt_need_update(hpt, h, size));
	if (ret == 0)
		ret = pt_prepare(gpt, t->guest_map ? pt_need_map(gpt, g, size, pa)
						   : pt_need_update(gpt, g, size));
	if (ret != 0)
		goto out;
	/* Commit: nothing below can fail. */
	if (t->host_map)
		pt_map(hpt, h, size, pa, MM_ATTR_RAM, t->host_state);
	else if (t->host_set_owner)
		pt_set_invalid(hpt, h, size, guest->id);
	else
		pt_set_state(hpt, h, size, t->host_state);
	if (t->guest_map)
		pt_map(gpt, g, size, pa, MM_ATTR_RAM, t->guest_state);
	else
		pt_unmap(gpt, g, size);
out:
	mm_vm_unlock(&gl);
	mm_vm_unlock(&host);
	return ret;
}

int mm_host_share_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size)
{
	struct h2g t = {
		.host_before = { .kind = EXPECT_HOST_OWNED },
		.guest_before = { .kind = EXPECT_UNMAPPED },
		.host_map = true, .host_state = MM_PAGE_SHARED_OWNED,
		.guest_map = true, .guest_state = MM_PAGE_SHARED_BORROWED,
	};

	return host_to_guest(guest, pa, gpa, size, &t);
}

int mm_host_unshare_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size)
{
	struct h2g t = {
		.host_before = { .kind = EXPECT_VALID, .state = MM_PAGE_SHARED_OWNED },
		.guest_before = { .kind = EXPECT_VALID, .state = MM_PAGE_SHARED_BORROWED,
				  .check_pa = true },
		.host_state = MM_PAGE_OWNED,
		.guest_map = false,
	};

	return host_to_guest(guest, pa, gpa, size, &t);
}

int mm_host_donate_guest(struct mm_vm *guest, paddr_t pa, gpaddr_t gpa, uint64_t size)
{
	struct h2g t = {
		.host_before = { .kind = EXPECT_HOST_OWNED },
		.guest_before = { .kind = EXPECT_UNMAPPED },
		.host_set_owner = true,
		.guest_map = true, .guest_state = MM_PAGE_OWNED,
	};

	return host_to_guest(guest, pa, gpa, size, &t);
}

int mm_host_donate_hyp(paddr_t pa, uint64_t size)
{
	static const struct expect owned = { .kind = EXPECT_HOST_OWNED };
	struct mm_vm_locked host;
	int ret;

	if (!host_range_ok(pa, size))
		return FIEF_EINVAL;
	host = mm_vm_lock(&mm_state.host);
	ret = expect_range(host, host_ia(pa), size, &owned);
	if (ret == 0)
		ret = mm_host_set_owner_locked(host, pa, size, MM_OWNER_HYP);
	mm_vm_unlock(&host);
	return ret;
}
