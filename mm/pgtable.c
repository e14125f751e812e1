/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: the walker, the cache of table pages, and the
 * visitors behind map, set_invalid (unmap, set_owner), protect and
 * set_state. See mm/pgtable.h for the model.
 */
#include "mm/pgtable.h"

#include "lib/assert.h"
#include "lib/err.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"

/* Table pages a table may keep cached across operations. */
#define PT_CACHE_KEEP 8u
#define PT_ENTRIES_MAX 0xffffu

static pte_t *table_va(paddr_t pa)
{
	return arch_mm_pa_to_va(pa);
}

static void pte_store(pte_t *p, pte_t v)
{
	/* One store the hardware walker can never see half-done. */
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- the cache of table pages ------------------------------------- */

static void cache_push(struct pt *pt, paddr_t pa)
{
	struct page_meta *m = page_meta_of(pa);

	FIEF_ASSERT(m != NULL);
	m->type = PAGE_TYPE_CACHED;
	m->refs = 0;
	*(uint64_t *)arch_mm_pa_to_va(pa) = pa_addr(pt->cache.head);
	pt->cache.head = pa;
	pt->cache.count++;
}

static paddr_t cache_take(struct pt *pt)
{
	paddr_t pa = pt->cache.head;

	FIEF_ASSERT(pt->cache.count > 0);
	pt->cache.head = pa_init(*(uint64_t *)arch_mm_pa_to_va(pa));
	pt->cache.count--;
	return pa;
}

/* A zeroed table page from the cache: commit steps cannot fail. */
static paddr_t cache_take_table(struct pt *pt)
{
	paddr_t pa = cache_take(pt);
	struct page_meta *m = page_meta_of(pa);

	memset(table_va(pa), 0, PAGE_SIZE);
	m->type = PAGE_TYPE_TABLE;
	m->refs = 0;
	pt->stats.tables_alloced++;
	return pa;
}

int pt_prepare(struct pt *pt, unsigned count)
{
	unsigned keep = count > PT_CACHE_KEEP ? count : PT_CACHE_KEEP;
	paddr_t pa;
	int ret;

	/* Give back what earlier operations left; they have all ended, so
	 * no walker can still hold a freed table. */
	while (pt->cache.count > keep)
		page_free(cache_take(pt));
	while (pt->cache.count < count) {
		ret = page_alloc(&pa, PAGE_TYPE_CACHED);
		if (ret != 0)
			return ret;
		cache_push(pt, pa);
	}
	return 0;
}

void pt_cache_drain(struct pt *pt)
{
	while (pt->cache.count > 0)
		page_free(cache_take(pt));
}

/* ---- set-up and tear-down ------------------------------------------ */

int pt_init(struct pt *pt, const struct pt_format *fmt, uint32_t tag)
{
	paddr_t root;
	int ret;

	memset(pt, 0, sizeof(*pt));
	pt->fmt = fmt;
	pt->tag = tag;
	ret = page_alloc(&root, PAGE_TYPE_TABLE);
	if (ret != 0)
		return ret;
	memset(table_va(root), 0, PAGE_SIZE);
	pt->root = root;
	return 0;
}

/* Move a table and every table below it into the cache. */
static void free_subtree(struct pt *pt, paddr_t tpa, unsigned level)
{
	const struct pt_format *f = pt->fmt;
	pte_t *t = table_va(tpa);
	unsigned i;

	if (level + 1u < f->levels && page_meta_of(tpa)->refs != 0) {
		for (i = 0; i < pt_entries(f); i++)
			if (pt_pte_table(f, t[i], level))
				free_subtree(pt, pt_pte_addr(f, t[i], level), level + 1u);
	}
	cache_push(pt, tpa);
	pt->stats.tables_freed++;
}

void pt_destroy(struct pt *pt)
{
	arch_mm_tlb_inval(pt, 0, (uint64_t)1 << pt->fmt->ia_bits);
	free_subtree(pt, pt->root, 0);
	pt_cache_drain(pt);
	pt->root = pa_init(0);
}

/* ---- bounds for the prepare step ----------------------------------- */

bool pt_in_range(const struct pt *pt, iaddr_t addr, uint64_t size)
{
	uint64_t limit = (uint64_t)1 << pt->fmt->ia_bits, a = ia_addr(addr);

	return range_ok(a, size) && a < limit && size <= limit - a;
}

/*
 * Tables a commit may install under the entries of each level: every
 * touched entry when the range cannot end at that level (no block allowed,
 * or output misaligned), else the partially covered ones at both ends.
 */
static unsigned need_tables(const struct pt *pt, iaddr_t ia, uint64_t size,
			    bool map, paddr_t out)
{
	const struct pt_format *f = pt->fmt;
	uint64_t addr = ia_addr(ia), pa = pa_addr(out), end = addr + size, total = 0;
	unsigned level;

	for (level = 0; level + 1u < f->levels; level++) {
		unsigned shift = pt_level_shift(f, level);
		uint64_t mask = ((uint64_t)1 << shift) - 1;
		uint64_t first = addr >> shift, last = (end - 1) >> shift;
		bool leaves_ok = !map || (pt_block_allowed(f, level) && ((pa ^ addr) & mask) == 0);

		if (!leaves_ok) {
			total += last - first + 1;
		} else {
			bool head = (addr & mask) != 0, tail = (end & mask) != 0;

			total += (uint64_t)head + (uint64_t)tail - (uint64_t)(head && tail && first == last);
		}
	}
	return total > UINT32_MAX ? UINT32_MAX : (unsigned)total;
}

unsigned pt_need_map(const struct pt *pt, iaddr_t addr, uint64_t size, paddr_t pa)
{
	return need_tables(pt, addr, size, true, pa);
}

unsigned pt_need_update(const struct pt *pt, iaddr_t addr, uint64_t size)
{
	return need_tables(pt, addr, size, false, pa_init(0));
}

/* ---- the walker ------------------------------------------------------ */

struct walk_state {
	struct pt *pt;
	const struct pt_walker *w;
	void *arg;
	uint64_t start; /* the walk's range, unwrapped for the index arithmetic */
	uint64_t end;
};

static int walk_table(struct walk_state *ws, paddr_t tpa, unsigned level, uint64_t base);

static int walk_entry(struct walk_state *ws, struct pt_visit_ctx *ctx)
{
	const struct pt_format *f = ws->pt->fmt;
	unsigned flags = ws->w->flags;
	int ret;

	if (pt_pte_table(f, ctx->old, ctx->level)) {
		if (flags & PT_VISIT_TABLE_PRE) {
			ret = ws->w->visit(ctx, PT_VISIT_TABLE_PRE);
			if (ret != 0)
				return ret;
			ctx->old = *ctx->ptep;
		}
	} else {
		if (!(flags & PT_VISIT_LEAF))
			return 0;
		ret = ws->w->visit(ctx, PT_VISIT_LEAF);
		if (ret != 0)
			return ret;
		ctx->old = *ctx->ptep;
	}
	/* The visitor may have replaced a table by a leaf, or split a leaf. */
	if (!pt_pte_table(f, ctx->old, ctx->level))
		return 0;
	ret = walk_table(ws, pt_pte_addr(f, ctx->old, ctx->level), ctx->level + 1u,
			 ia_addr(ctx->addr));
	if (ret != 0 || !(flags & PT_VISIT_TABLE_POST))
		return ret;
	ctx->old = *ctx->ptep;
	return ws->w->visit(ctx, PT_VISIT_TABLE_POST);
}

static int walk_table(struct walk_state *ws, paddr_t tpa, unsigned level, uint64_t base)
{
	const struct pt_format *f = ws->pt->fmt;
	pte_t *t = table_va(tpa);
	unsigned shift = pt_level_shift(f, level);
	unsigned i = ws->start > base ? (unsigned)((ws->start - base) >> shift) : 0;
	/* The last entry the walk's range reaches in this table. */
	uint64_t last = (ws->end - 1 - base) >> shift;
	unsigned n = last < pt_entries(f) ? (unsigned)last + 1u : pt_entries(f);
	bool skip = (ws->w->flags & PT_VISIT_SKIP_EMPTY) != 0;
	/* Non-empty entries left to visit; the count is only kept for
	 * skipping walks, the others never read it. */
	unsigned left = skip && i == 0 ? page_meta_of(tpa)->refs : PT_ENTRIES_MAX;
	struct pt_visit_ctx ctx = {
		.pt = ws->pt, .arg = ws->arg, .size = (uint64_t)1 << shift,
		.start = ia_init(ws->start), .end = ia_init(ws->end), .level = level, .table = tpa,
	};
	int ret;

	for (; i < n; i++) {
		if (skip) {
			while (i < n && t[i] == 0)
				i++;
			if (i == n || left == 0)
				break;
			left--;
		}
		ctx.addr = ia_init(base + ((uint64_t)i << shift));
		ctx.ptep = &t[i];
		ctx.old = t[i];
		ret = walk_entry(ws, &ctx);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int pt_walk(struct pt *pt, iaddr_t addr, uint64_t size, const struct pt_walker *w, void *arg)
{
	struct walk_state ws = { pt, w, arg, ia_addr(addr), ia_addr(addr) + size };
	int ret;

	FIEF_ASSERT(pt_in_range(pt, addr, size));
	pt->inval_pending = false;
	ret = walk_table(&ws, pt->root, 0, 0);
	if (pt->inval_pending) {
		arch_mm_tlb_inval(pt, ia_addr(addr), size);
		pt->inval_pending = false;
	}
	return ret;
}

void pt_entry_set(struct pt_visit_ctx *ctx, pte_t new)
{
	struct pt *pt = ctx->pt;
	const struct pt_format *f = pt->fmt;
	pte_t old = *ctx->ptep;
	/* Only bits the hardware ignores change (a page state): no TLB work. */
	bool state_only = ((old ^ new) & ~((pte_t)MM_STATE_MASK << f->sw_shift)) == 0;

	if (old == new)
		return;
	if (pt_pte_valid(f, old) && !state_only) {
		if (pt_pte_valid(f, new)) {
			/* Break before make: no walker may see both. */
			pte_store(ctx->ptep, 0);
			arch_mm_tlb_inval(pt, ia_addr(ctx->addr), ctx->size);
		} else if (pt_pte_table(f, old, ctx->level)) {
			/* A table is about to be freed: flush walk caches now. */
			pte_store(ctx->ptep, new);
			arch_mm_tlb_inval(pt, ia_addr(ctx->addr), ctx->size);
		} else {
			pt->inval_pending = true;
		}
	}
	pte_store(ctx->ptep, new);
	if (old == 0)
		page_meta_of(ctx->table)->refs++;
	else if (new == 0)
		page_meta_of(ctx->table)->refs--;
	if (pt_pte_table(f, new, ctx->level))
		pt->stats.table_writes++;
	else
		pt->stats.leaf_writes++;
	ctx->old = new;
}

/* ---- shared visitor steps ------------------------------------------ */

static bool covers(const struct pt_visit_ctx *ctx)
{
	uint64_t a = ia_addr(ctx->addr);

	return a >= ia_addr(ctx->start) && a + ctx->size <= ia_addr(ctx->end);
}

/*
 * Turn the leaf a visitor is looking at into a table of the next level
 * that translates the same way (an invalid entry is copied, a block is cut
 * into smaller blocks or pages), so the walk can descend and change part.
 */
static void split(struct pt_visit_ctx *ctx)
{
	struct pt *pt = ctx->pt;
	const struct pt_format *f = pt->fmt;
	unsigned n = pt_entries(f), i, child = ctx->level + 1u;
	uint64_t csize = ctx->size >> f->level_bits;
	paddr_t tpa = cache_take_table(pt);
	pte_t *t = table_va(tpa);
	pte_t old = ctx->old;

	if (pt_pte_valid(f, old)) {
		paddr_t pa = pt_pte_addr(f, old, ctx->level);
		mm_attr_t attrs = f->leaf_attrs(old, ctx->level);
		enum mm_page_state s = pte_state(old, f->sw_shift);

		for (i = 0; i < n; i++)
			t[i] = pt_pte_leaf(f, pa_add(pa, i * csize), child, attrs, s);
	} else {
		for (i = 0; i < n; i++)
			t[i] = old;
	}
	if (old != 0) {
		page_meta_of(tpa)->refs = (uint16_t)n;
		pt->stats.leaf_writes += n;
	}
	pt_entry_set(ctx, f->table_bits | (pa_addr(tpa) & f->addr_mask));
}

/* Replace a table entry by @new and free the tables below it. */
static void replace_table(struct pt_visit_ctx *ctx, pte_t new)
{
	paddr_t tpa = pt_pte_addr(ctx->pt->fmt, ctx->old, ctx->level);

	pt_entry_set(ctx, new);
	free_subtree(ctx->pt, tpa, ctx->level + 1u);
}

/* ---- map ---------------------------------------------------------------- */

struct map_arg {
	paddr_t pa; /* output address of the walk's start */
	mm_attr_t attrs;
	enum mm_page_state state;
};

static int map_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;
	const struct map_arg *m = ctx->arg;
	paddr_t pa = pa_add(m->pa, ia_addr(ctx->addr) - ia_addr(ctx->start));

	if (covers(ctx) && pt_block_allowed(f, ctx->level) &&
	    (pa_addr(pa) & (ctx->size - 1)) == 0) {
		pte_t leaf = pt_pte_leaf(f, pa, ctx->level, m->attrs, m->state);

		if (what == PT_VISIT_TABLE_PRE)
			replace_table(ctx, leaf);
		else
			pt_entry_set(ctx, leaf);
	} else if (what == PT_VISIT_LEAF) {
		split(ctx);
	}
	return 0;
}

static const struct pt_walker map_walker = {
	.visit = map_visit,
	.flags = PT_VISIT_LEAF | PT_VISIT_TABLE_PRE,
};

void pt_map(struct pt *pt, iaddr_t addr, uint64_t size, paddr_t pa,
	    mm_attr_t attrs, enum mm_page_state s)
{
	struct map_arg m = { pa, attrs, s };

	FIEF_ASSERT(page_aligned(ia_addr(addr), size) && (pa_addr(pa) & PAGE_MASK) == 0 &&
		    (attrs & MM_ATTR_R));
	FIEF_ASSERT(pt_walk(pt, addr, size, &map_walker, &m) == 0);
}

/* ---- set_invalid (unmap, set_owner) ------------------------------------ */

static int inval_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;
	pte_t want = *(const pte_t *)ctx->arg;
	paddr_t tpa;

	switch (what) {
	case PT_VISIT_TABLE_PRE:
		if (covers(ctx))
			replace_table(ctx, want);
		break;
	case PT_VISIT_LEAF:
		if (ctx->old == want)
			break;
		if (covers(ctx))
			pt_entry_set(ctx, want);
		else
			split(ctx);
		break;
	case PT_VISIT_TABLE_POST:
		tpa = pt_pte_addr(f, ctx->old, ctx->level);
		if (page_meta_of(tpa)->refs == 0) {
			pt_entry_set(ctx, 0);
			cache_push(ctx->pt, tpa);
			ctx->pt->stats.tables_freed++;
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct pt_walker inval_walker = {
	.visit = inval_visit,
	.flags = PT_VISIT_LEAF | PT_VISIT_TABLE_PRE | PT_VISIT_TABLE_POST,
};

void pt_set_invalid(struct pt *pt, iaddr_t addr, uint64_t size, uint16_t owner)
{
	pte_t want = pt_pte_invalid(pt->fmt, owner);

	FIEF_ASSERT(page_aligned(ia_addr(addr), size));
	FIEF_ASSERT(pt_walk(pt, addr, size, &inval_walker, &want) == 0);
}

/* ---- protect, set_state ---------------------------------------------- */

struct update_arg {
	bool set_attrs;
	mm_attr_t attrs;
	bool set_state;
	enum mm_page_state state;
};

static int update_visit(struct pt_visit_ctx *ctx, enum pt_visit what)
{
	const struct pt_format *f = ctx->pt->fmt;
	const struct update_arg *u = ctx->arg;
	mm_attr_t attrs;
	enum mm_page_state s;
	pte_t new;

	(void)what;
	if (!pt_pte_valid(f, ctx->old))
		return 0;
	attrs = u->set_attrs ? u->attrs : f->leaf_attrs(ctx->old, ctx->level);
	s = u->set_state ? u->state : pte_state(ctx->old, f->sw_shift);
	new = pt_pte_leaf(f, pt_pte_addr(f, ctx->old, ctx->level), ctx->level, attrs, s);
	if (new == ctx->old)
		return 0;
	if (covers(ctx))
		pt_entry_set(ctx, new);
	else
		split(ctx);
	return 0;
}

static const struct pt_walker update_walker = {
	.visit = update_visit,
	.flags = PT_VISIT_LEAF,
};

void pt_protect(struct pt *pt, iaddr_t addr, uint64_t size, mm_attr_t attrs)
{
	struct update_arg u = { true, attrs, false, MM_PAGE_OWNED };

	FIEF_ASSERT(page_aligned(ia_addr(addr), size) && (attrs & MM_ATTR_R));
	FIEF_ASSERT(pt_walk(pt, addr, size, &update_walker, &u) == 0);
}

void pt_set_state(struct pt *pt, iaddr_t addr, uint64_t size, enum mm_page_state s)
{
	struct update_arg u = { false, 0, true, s };

	FIEF_ASSERT(page_aligned(ia_addr(addr), size));
	FIEF_ASSERT(pt_walk(pt, addr, size, &update_walker, &u) == 0);
}

/* ---- prepare-and-commit wrappers ---------------------------------------- */

static bool attrs_ok(mm_attr_t attrs)
{
	return (attrs & ~MM_ATTR_ALL) == 0 && (attrs & MM_ATTR_R) != 0;
}

int pt_map_range(struct pt *pt, iaddr_t addr, uint64_t size, paddr_t pa, mm_attr_t attrs)
{
	int ret;

	if (!pt_in_range(pt, addr, size) || !page_aligned(ia_addr(addr), size) ||
	    (pa_addr(pa) & PAGE_MASK) != 0 || !range_ok(pa_addr(pa), size) || !attrs_ok(attrs))
		return FIEF_EINVAL;
	ret = pt_prepare(pt, pt_need_map(pt, addr, size, pa));
	if (ret != 0)
		return ret;
	pt_map(pt, addr, size, pa, attrs, MM_PAGE_OWNED);
	return 0;
}

int pt_set_invalid_range(struct pt *pt, iaddr_t addr, uint64_t size, uint16_t owner)
{
	int ret;

	if (!pt_in_range(pt, addr, size) || !page_aligned(ia_addr(addr), size))
		return FIEF_EINVAL;
	ret = pt_prepare(pt, pt_need_update(pt, addr, size));
	if (ret != 0)
		return ret;
	pt_set_invalid(pt, addr, size, owner);
	return 0;
}

int pt_protect_range(struct pt *pt, iaddr_t addr, uint64_t size, mm_attr_t attrs)
{
	int ret;

	if (!pt_in_range(pt, addr, size) || !page_aligned(ia_addr(addr), size) || !attrs_ok(attrs))
		return FIEF_EINVAL;
	ret = pt_prepare(pt, pt_need_update(pt, addr, size));
	if (ret != 0)
		return ret;
	pt_protect(pt, addr, size, attrs);
	return 0;
}

/* ---- lookup --------------------------------------------------------------- */

void pt_decode(const struct pt_format *f, pte_t e, unsigned level, iaddr_t addr,
	       struct pt_leaf *out)
{
	out->size = pt_level_size(f, level);
	out->addr = ia_init(ia_addr(addr) & ~(out->size - 1));
	out->level = level;
	out->pte = e;
	out->valid = pt_pte_valid(f, e);
	out->pa = pa_init(0);
	out->attrs = 0;
	out->state = MM_PAGE_OWNED;
	out->owner = 0;
	if (out->valid) {
		out->pa = pt_pte_addr(f, e, level);
		out->attrs = f->leaf_attrs(e, level);
		out->state = pte_state(e, f->sw_shift);
	} else {
		out->owner = pt_pte_owner(f, e);
	}
}

void pt_lookup(const struct pt *pt, iaddr_t addr, struct pt_leaf *out)
{
	const struct pt_format *f = pt->fmt;
	paddr_t t = pt->root;
	unsigned level;

	for (level = 0;; level++) {
		unsigned idx = (unsigned)(ia_addr(addr) >> pt_level_shift(f, level)) &
			       (pt_entries(f) - 1u);
		pte_t e = table_va(t)[idx];

		if (!pt_pte_table(f, e, level)) {
			pt_decode(f, e, level, addr, out);
			return;
		}
		t = pt_pte_addr(f, e, level);
	}
}
