/* SPDX-License-Identifier: MIT */
/* The page allocator; see mm/page_alloc.h. */
#include "mm/page_alloc.h"

#include "lib/assert.h"
#include "lib/err.h"
#include "lib/spinlock.h"
#include "mm/arch_mm.h"

#define FREE_END UINT32_MAX

struct page_range {
	uint64_t base;   /* first page */
	uint64_t count;  /* pages, metadata pages included */
	struct page_meta *meta;
	uint32_t free_head;
	uint32_t free_count;
};

/* All guarded by alloc_lock. */
static struct spinlock alloc_lock = SPINLOCK_INIT;
static struct page_range ranges[PAGE_ALLOC_RANGES_MAX];
static unsigned range_count;

void page_alloc_reset(void)
{
	spin_lock(&alloc_lock);
	range_count = 0;
	spin_unlock(&alloc_lock);
}

int page_alloc_add_range(paddr_t base, uint64_t size)
{
	uint64_t pages = size >> PAGE_SHIFT;
	uint64_t meta_pages, i;
	struct page_range *r;

	if (!range_ok(pa_addr(base), size) || !page_aligned(pa_addr(base), size) ||
	    pages >= FREE_END)
		return FIEF_EINVAL;
	meta_pages = (pages * sizeof(struct page_meta) + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (meta_pages >= pages)
		return FIEF_EINVAL;
	spin_lock(&alloc_lock);
	if (range_count == PAGE_ALLOC_RANGES_MAX) {
		spin_unlock(&alloc_lock);
		return FIEF_ENOSPC;
	}
	r = &ranges[range_count];
	r->base = pa_addr(base);
	r->count = pages;
	r->meta = arch_mm_pa_to_va(base);
	for (i = 0; i < meta_pages; i++)
		r->meta[i] = (struct page_meta){ FREE_END, PAGE_TYPE_META, 0 };
	/* Free list in address order, so allocations are predictable. */
	for (i = meta_pages; i < pages; i++)
		r->meta[i] = (struct page_meta){ i + 1 < pages ? (uint32_t)(i + 1) : FREE_END,
						 PAGE_TYPE_FREE, 0 };
	r->free_head = (uint32_t)meta_pages;
	r->free_count = (uint32_t)(pages - meta_pages);
	range_count++;
	spin_unlock(&alloc_lock);
	return 0;
}

int page_alloc(paddr_t *out, enum page_type type)
{
	unsigned i;

	FIEF_ASSERT(type != PAGE_TYPE_FREE && type != PAGE_TYPE_META);
	if (arch_mm_alloc_fails())
		return FIEF_ENOMEM;
	spin_lock(&alloc_lock);
	for (i = 0; i < range_count; i++) {
		struct page_range *r = &ranges[i];
		uint32_t idx = r->free_head;

		if (idx == FREE_END)
			continue;
		r->free_head = r->meta[idx].next;
		r->free_count--;
		r->meta[idx] = (struct page_meta){ FREE_END, (uint16_t)type, 0 };
		spin_unlock(&alloc_lock);
		*out = pa_init(r->base + ((uint64_t)idx << PAGE_SHIFT));
		return 0;
	}
	spin_unlock(&alloc_lock);
	return FIEF_ENOMEM;
}

static struct page_range *range_of(uint64_t pa)
{
	unsigned i;

	for (i = 0; i < range_count; i++)
		if (pa - ranges[i].base < (ranges[i].count << PAGE_SHIFT))
			return &ranges[i];
	return NULL;
}

void page_free(paddr_t pa)
{
	struct page_range *r;
	uint32_t idx;

	spin_lock(&alloc_lock);
	r = range_of(pa_addr(pa));
	FIEF_ASSERT(r != NULL && (pa_addr(pa) & PAGE_MASK) == 0);
	idx = (uint32_t)((pa_addr(pa) - r->base) >> PAGE_SHIFT);
	FIEF_ASSERT(r->meta[idx].type != PAGE_TYPE_FREE && r->meta[idx].type != PAGE_TYPE_META);
	r->meta[idx] = (struct page_meta){ r->free_head, PAGE_TYPE_FREE, 0 };
	r->free_head = idx;
	r->free_count++;
	spin_unlock(&alloc_lock);
}

struct page_meta *page_meta_of(paddr_t pa)
{
	/* Ranges are only added at boot, so reading them needs no lock. */
	struct page_range *r = range_of(pa_addr(pa));

	if (r == NULL)
		return NULL;
	return &r->meta[(pa_addr(pa) - r->base) >> PAGE_SHIFT];
}

uint64_t page_alloc_free_count(void)
{
	uint64_t n = 0;
	unsigned i;

	spin_lock(&alloc_lock);
	for (i = 0; i < range_count; i++)
		n += ranges[i].free_count;
	spin_unlock(&alloc_lock);
	return n;
}

bool page_alloc_range(unsigned i, paddr_t *base, uint64_t *size)
{
	if (i >= range_count)
		return false;
	*base = pa_init(ranges[i].base);
	*size = ranges[i].count << PAGE_SHIFT;
	return true;
}
