/* SPDX-License-Identifier: MIT */
/*
 * The vGICv3's pending set, list-register choice and register emulation
 * as plain data (vgic_state.h). Pure C: host-tested (tests/unit/test_vgic.c).
 * Every value here comes from a guest: each index is bounded before use.
 */
#include "arch/arm64/vgic_state.h"

#define BIT32(n) (1u << (n))

/* Register values the guest reads. */
#define GICD_TYPER_ITLINES ((VGIC_INTIDS / 32u) - 1u)
#define GICD_TYPER_IDBITS (9u << 19) /* 10 bits of INTID */
#define GIC_IIDR 0x0000043bu
#define GIC_PIDR2 0x3bu              /* ArchRev 3: GICv3 */
#define GICR_TYPER_LAST (1ull << 4)
#define GICR_WAKER_SLEEP BIT32(1)
#define GICR_WAKER_ASLEEP BIT32(2)
#define GICR_SGI_FRAME 0x10000u
#define GICR_FRAME 0x20000u
#define IROUTER_IRM (1ull << 31)
#define IROUTER_AFF_MASK 0xff00ffffffull

static uint32_t vcpu_mask(const struct vgic_state *s)
{
	return BIT32(s->vcpus) - 1u; /* vgic_reset() keeps vcpus <= VGIC_VCPUS_MAX */
}

static unsigned ctz64(uint64_t m)
{
	return (unsigned)__builtin_ctzll(m);
}

static inline struct vgic_bank *bank_of(struct vgic_state *s, uint32_t vcpu, uint32_t intid)
{
	if (intid >= VGIC_INTIDS)
		return 0;
	if (intid >= VGIC_SPI_BASE)
		return &s->spi;
	return vcpu < s->vcpus ? &s->cpu[vcpu].priv : 0;
}

static void set_target(struct vgic_state *s, uint32_t spi, uint8_t t)
{
	uint8_t old = s->target[spi];

	if (old < VGIC_VCPUS_MAX)
		s->cpu[old].routed &= ~BIT32(spi);
	s->target[spi] = t;
	if (t < VGIC_VCPUS_MAX)
		s->cpu[t].routed |= BIT32(spi);
}

static void bank_reset(struct vgic_bank *b, uint32_t edge)
{
	*b = (struct vgic_bank){ .edge = edge };
	for (unsigned i = 0; i < 32; i++)
		b->prio[i] = VGIC_PRIO_RESET;
}

void vgic_reset(struct vgic_state *s, uint32_t vcpus, uint32_t lr_count)
{
	if (vcpus > VGIC_VCPUS_MAX)
		vcpus = VGIC_VCPUS_MAX;
	if (lr_count > VGIC_LR_MAX)
		lr_count = VGIC_LR_MAX;
	s->ctlr = 0;
	s->vcpus = vcpus;
	for (uint32_t v = 0; v < VGIC_VCPUS_MAX; v++) {
		bank_reset(&s->cpu[v].priv, 0xffffu); /* SGIs edge, PPIs level */
		s->cpu[v].routed = 0;
		s->cpu[v].waker = GICR_WAKER_SLEEP;
		s->cpu[v].lrs = (struct vgic_lrs){ .count = (uint8_t)lr_count };
		for (uint32_t n = 0; n < VGIC_LR_MAX; n++)
			s->cpu[v].lrs.intid[n] = VGIC_NO_INTID;
	}
	bank_reset(&s->spi, 0);
	for (uint32_t i = 0; i < VGIC_SPIS; i++) {
		s->router[i] = 0;
		s->target[i] = VGIC_NOWHERE;
		set_target(s, i, 0);
	}
}

static inline uint32_t bank_candidates(const struct vgic_bank *b)
{
	return b->enabled & (b->latch | (b->level & ~b->edge)) & ~b->in_lr;
}

static inline uint64_t pending_mask(const struct vgic_state *s, uint32_t vcpu)
{
	uint32_t spis;

	if (!(s->ctlr & VGIC_CTLR_GRP1) || vcpu >= s->vcpus)
		return 0;
	spis = bank_candidates(&s->spi) & s->cpu[vcpu].routed;
	return bank_candidates(&s->cpu[vcpu].priv) | (uint64_t)spis << 32;
}

uint64_t vgic_pending_mask(const struct vgic_state *s, uint32_t vcpu)
{
	return pending_mask(s, vcpu);
}

static void lr_free(struct vgic_lrs *l, unsigned n)
{
	l->intid[n] = VGIC_NO_INTID;
	l->lr[n] = 0;
	l->used &= ~BIT32(n);
	l->dirty |= BIT32(n);
}

/* A list register the guest has not ended yet (pending and/or active):
 * merge what happened meanwhile. Out of line: the usual fold is an ended one. */
static __attribute__((noinline)) void fold_held(struct vgic_state *s, uint32_t vcpu, unsigned n,
						struct vgic_bank *b, uint32_t bit, bool level)
{
	struct vgic_lrs *l = &s->cpu[vcpu].lrs;
	uint64_t lr = l->lr[n];

	if (lr & VGIC_LR_PENDING && b->unpend & bit) {
		lr &= ~VGIC_LR_PENDING; /* ICPENDR while it sat here */
		l->dirty |= BIT32(n);
	}
	b->unpend &= ~bit;
	if (level && (lr & VGIC_LR_ACTIVE || !(lr & VGIC_LR_PENDING)))
		b->latch &= ~bit; /* acknowledged: a written pending is consumed */
	if (level && (lr & (VGIC_LR_PENDING | VGIC_LR_ACTIVE)) == VGIC_LR_PENDING &&
	    !((b->level | b->latch) & bit & b->enabled))
		lr = 0; /* not acknowledged and no longer pending: take it back */
	if (!(b->enabled & bit) && (lr & (VGIC_LR_PENDING | VGIC_LR_ACTIVE)) == VGIC_LR_PENDING) {
		if (!level)
			b->latch |= bit; /* disabled: it waits in its bank */
		lr = 0;
	}
	if (!(lr & (VGIC_LR_PENDING | VGIC_LR_ACTIVE))) {
		b->in_lr &= ~bit;
		b->active &= ~bit;
		lr_free(l, n);
		return;
	}
	if (lr & VGIC_LR_ACTIVE)
		b->active |= bit;
	else
		b->active &= ~bit;
	if (!level && b->latch & bit) {
		/* Another edge while it sat here: pending (and active) once. */
		lr |= VGIC_LR_PENDING;
		b->latch &= ~bit;
	}
	if (lr != l->lr[n]) {
		l->lr[n] = lr;
		l->dirty |= BIT32(n);
	}
}

/* The bank of @intid for a vCPU whose own bank is @own: inside fold and
 * fill the vCPU is already checked and a list register's INTID is one
 * fief put there (below VGIC_INTIDS), so no bound is needed. */
static inline struct vgic_bank *lr_bank(struct vgic_state *s, struct vgic_bank *own,
					uint32_t intid)
{
	return intid >= VGIC_SPI_BASE ? &s->spi : own;
}

/* A list register the CPU does not report empty: held (pending and/or
 * active) or invalid with its EOI bit. Returns the INTID's bit in the
 * resample set if the guest deactivated a level-sensitive interrupt. */
static uint64_t fold_one(struct vgic_state *s, uint32_t vcpu, struct vgic_bank *own, unsigned n)
{
	struct vgic_lrs *l = &s->cpu[vcpu].lrs;
	uint32_t intid = l->intid[n];
	struct vgic_bank *b = lr_bank(s, own, intid);
	uint32_t bit = BIT32(intid % 32);
	bool level = !(b->edge & bit);

	if (l->lr[n] & (VGIC_LR_PENDING | VGIC_LR_ACTIVE)) {
		fold_held(s, vcpu, n, b, bit, level);
		return 0;
	}
	/* Ended: as below, but the CPU's register still needs the write. */
	b->unpend &= ~bit;
	if (level)
		b->latch &= ~bit;
	b->in_lr &= ~bit;
	b->active &= ~bit;
	lr_free(l, n);
	return level ? 1ull << intid : 0;
}

uint64_t vgic_fold(struct vgic_state *s, uint32_t vcpu, uint32_t empty)
{
	struct vgic_lrs *l;
	struct vgic_bank *own;
	uint64_t resample = 0;
	uint32_t ended;

	if (vcpu >= s->vcpus)
		return 0;
	l = &s->cpu[vcpu].lrs;
	own = &s->cpu[vcpu].priv;
	/* The usual case: the guest took it and ended it, and the CPU holds
	 * the register as empty already (no write). */
	ended = l->used & empty;
	for (uint32_t m = ended; m; m &= m - 1) {
		unsigned n = (unsigned)__builtin_ctz(m);
		uint32_t intid = l->intid[n];
		struct vgic_bank *b = lr_bank(s, own, intid);
		uint32_t bit = BIT32(intid % 32);

		b->unpend &= ~bit;
		if (!(b->edge & bit)) {
			b->latch &= ~bit; /* a written pending is consumed */
			resample |= 1ull << intid;
		}
		b->in_lr &= ~bit;
		b->active &= ~bit;
		l->intid[n] = VGIC_NO_INTID;
		l->lr[n] = 0;
	}
	l->used &= ~ended;
	l->dirty &= ~ended;
	for (uint32_t m = l->used & ~empty; m; m &= m - 1)
		resample |= fold_one(s, vcpu, own, (unsigned)__builtin_ctz(m));
	return resample;
}

static uint8_t prio_of(struct vgic_state *s, uint32_t vcpu, uint32_t intid)
{
	return bank_of(s, vcpu, intid)->prio[intid % 32];
}

/* The most urgent INTID of @cand (lowest priority value, then lowest INTID). */
static uint32_t best_of(struct vgic_state *s, uint32_t vcpu, uint64_t cand)
{
	uint32_t best = ctz64(cand);
	uint8_t bp;

	if (!(cand & (cand - 1)))
		return best; /* one candidate: the usual case */
	bp = prio_of(s, vcpu, best);
	for (cand &= cand - 1; cand; cand &= cand - 1) {
		uint32_t i = ctz64(cand);
		uint8_t p = prio_of(s, vcpu, i);

		if (p < bp) {
			best = i;
			bp = p;
		}
	}
	return best;
}

/* A list register for an interrupt of priority @prio: a free one, else the
 * least urgent one that is only pending and less urgent than @prio (its
 * interrupt spilled back to its bank). -1 if none. */
static __attribute__((noinline)) int lr_spill(struct vgic_state *s, uint32_t vcpu, uint8_t prio,
					       bool *spilled)
{
	struct vgic_lrs *l = &s->cpu[vcpu].lrs;
	int victim = -1;
	unsigned vprio = prio;

	for (unsigned n = 0; n < l->count; n++) {
		unsigned p = (unsigned)(l->lr[n] >> VGIC_LR_PRIO_SHIFT) & 0xff;

		if ((l->lr[n] & (VGIC_LR_PENDING | VGIC_LR_ACTIVE)) == VGIC_LR_PENDING && p > vprio) {
			victim = (int)n;
			vprio = p;
		}
	}
	if (victim >= 0) {
		uint32_t intid = l->intid[victim];
		struct vgic_bank *b = bank_of(s, vcpu, intid);
		uint32_t bit = BIT32(intid % 32);

		if (b->edge & bit)
			b->latch |= bit; /* still pending, now in its bank */
		b->in_lr &= ~bit;
		lr_free(l, (unsigned)victim);
		*spilled = true;
	}
	return victim;
}

static inline int lr_for(struct vgic_state *s, uint32_t vcpu, uint8_t prio, bool *spilled)
{
	const struct vgic_lrs *l = &s->cpu[vcpu].lrs;
	uint32_t free = ~(uint32_t)l->used & (BIT32(l->count) - 1u);

	if (free)
		return __builtin_ctz(free);
	return lr_spill(s, vcpu, prio, spilled);
}

/* Put @intid (of bank @b) in list register @n of @l. */
static inline void lr_put(struct vgic_lrs *l, unsigned n, struct vgic_bank *b, uint32_t intid)
{
	uint32_t bit = BIT32(intid % 32);
	uint8_t prio = b->prio[intid % 32];

	l->lr[n] = VGIC_LR_PENDING | VGIC_LR_GROUP1 | (uint64_t)prio << VGIC_LR_PRIO_SHIFT | intid;
	if (b->edge & bit)
		b->latch &= ~bit; /* the list register holds it now */
	else
		l->lr[n] |= VGIC_LR_EOI; /* resample the level when it ends */
	l->intid[n] = (uint16_t)intid;
	l->used |= BIT32(n);
	l->dirty |= BIT32(n);
	b->in_lr |= bit;
}

/* vgic_fill() when more than one candidate waits or no register is free. */
static __attribute__((noinline)) void fill_many(struct vgic_state *s, uint32_t vcpu, uint64_t cand)
{
	struct vgic_lrs *l = &s->cpu[vcpu].lrs;
	bool spilled = false;

	while (cand) {
		uint32_t intid = best_of(s, vcpu, cand);
		struct vgic_bank *b = lr_bank(s, &s->cpu[vcpu].priv, intid);
		int n = lr_for(s, vcpu, b->prio[intid % 32], &spilled);

		if (n < 0)
			break;
		lr_put(l, (unsigned)n, b, intid);
		cand &= ~(1ull << intid);
	}
	/* Left over, or spilled: ask for the underflow to refill. */
	l->uie = l->count >= 2 && (cand || spilled);
}

void vgic_fill(struct vgic_state *s, uint32_t vcpu)
{
	struct vgic_lrs *l;
	uint64_t cand = pending_mask(s, vcpu);
	uint32_t free;

	if (vcpu >= s->vcpus)
		return;
	l = &s->cpu[vcpu].lrs;
	free = ~(uint32_t)l->used & (BIT32(l->count) - 1u);
	/* The usual case, fill_many()'s first and last round: one candidate
	 * (it is the best), a free register (no spill), nothing left over. */
	if (cand && !(cand & (cand - 1)) && free) {
		uint32_t intid = ctz64(cand);

		lr_put(l, (unsigned)__builtin_ctz(free), lr_bank(s, &s->cpu[vcpu].priv, intid), intid);
		l->uie = false;
		return;
	}
	fill_many(s, vcpu, cand);
}

bool vgic_pending(const struct vgic_state *s, uint32_t vcpu)
{
	const struct vgic_lrs *l;
	bool pending = false;

	if (vcpu >= s->vcpus)
		return false;
	l = &s->cpu[vcpu].lrs;
	for (uint32_t m = l->used; m; m &= m - 1)
		pending |= (l->lr[__builtin_ctz(m)] & VGIC_LR_PENDING) != 0;
	return pending || vgic_pending_mask(s, vcpu) != 0;
}

static int target_of(const struct vgic_state *s, uint32_t vcpu, uint32_t intid)
{
	if (intid >= VGIC_SPI_BASE) {
		uint8_t t = s->target[intid - VGIC_SPI_BASE];

		return t < s->vcpus ? t : -1;
	}
	return (int)vcpu;
}

int vgic_set_pending(struct vgic_state *s, uint32_t vcpu, uint32_t intid)
{
	struct vgic_bank *b = bank_of(s, vcpu, intid);

	if (!b)
		return -1;
	b->latch |= BIT32(intid % 32);
	return target_of(s, vcpu, intid);
}

int vgic_set_level(struct vgic_state *s, uint32_t vcpu, uint32_t intid, bool level)
{
	struct vgic_bank *b = bank_of(s, vcpu, intid);
	uint32_t bit = BIT32(intid % 32);

	if (!b || intid < 16)
		return -1;
	if (level) {
		if (b->edge & bit && !(b->level & bit))
			b->latch |= bit; /* a rising edge */
		b->level |= bit;
	} else {
		b->level &= ~bit;
	}
	return target_of(s, vcpu, intid);
}

uint32_t vgic_sgi(struct vgic_state *s, uint32_t from, uint64_t sgi1r)
{
	uint32_t intid = (uint32_t)(sgi1r >> 24) & 0xf;
	uint32_t targets;

	if (sgi1r & (1ull << 40)) {
		targets = vcpu_mask(s) & ~BIT32(from);
	} else {
		/* Aff1 [23:16], Aff2 [39:32], RS [47:44], Aff3 [55:48]: every vCPU
		 * has them zero (MPIDR Aff0 = its index, < 16). */
		if (sgi1r & 0x00fff0ff00ff0000ull)
			return 0;
		targets = (uint32_t)(sgi1r & 0xffff) & vcpu_mask(s);
	}
	for (uint32_t m = targets; m; m &= m - 1)
		s->cpu[__builtin_ctz(m)].priv.latch |= BIT32(intid);
	return targets;
}

/* ---- Register emulation: a table of handlers per frame ---- */

struct vgic_access {
	struct vgic_state *s;
	uint32_t vcpu;        /* the redistributor's vCPU; distributor: none */
	bool dist;
	uint32_t rel;         /* offset from the start of the register block */
	unsigned size;
	bool write;
	uint64_t *val;
};

struct vgic_reg {
	uint32_t off;   /* first byte */
	uint32_t len;   /* bytes of the block */
	uint8_t sizes;  /* access sizes allowed: bit 1, 2, 4, 8 */
	uint32_t (*fn)(struct vgic_access *a);
};

/* The bank behind 32-bit word @word of a bit-per-interrupt block. With
 * affinity routing the distributor's word 0 (SGIs and PPIs) is RAZ/WI:
 * those live in the redistributors. */
static struct vgic_bank *word_bank(struct vgic_access *a, uint32_t word)
{
	if (a->dist)
		return word == 1 ? &a->s->spi : 0;
	return word == 0 ? &a->s->cpu[a->vcpu].priv : 0;
}

/* vCPUs that must look at their pending set after @b changed. */
static uint32_t bank_wake(struct vgic_access *a, struct vgic_bank *b)
{
	return b == &a->s->spi ? vcpu_mask(a->s) : BIT32(a->vcpu);
}

enum bitreg { BR_ISENABLE, BR_ICENABLE, BR_ISPEND, BR_ICPEND, BR_ISACTIVE, BR_ICACTIVE };

static uint32_t bitreg(struct vgic_access *a, enum bitreg kind)
{
	struct vgic_bank *b = word_bank(a, a->rel / 4);
	uint32_t v = (uint32_t)*a->val;

	if (!b) {
		if (!a->write)
			*a->val = 0;
		return 0;
	}
	if (!a->write) {
		switch (kind) {
		case BR_ISENABLE:
		case BR_ICENABLE:
			*a->val = b->enabled;
			break;
		case BR_ISPEND:
		case BR_ICPEND:
			*a->val = b->latch | (b->level & ~b->edge) | (b->in_lr & ~b->active);
			break;
		default:
			*a->val = b->active;
			break;
		}
		return 0;
	}
	switch (kind) {
	case BR_ISENABLE:
		b->enabled |= v;
		break;
	case BR_ICENABLE:
		b->enabled &= ~v;
		break;
	case BR_ISPEND:
		b->latch |= v;
		break;
	case BR_ICPEND:
		b->latch &= ~v;
		b->unpend |= v & b->in_lr;
		break;
	default:
		return 0; /* active state is the list registers': writes ignored */
	}
	return bank_wake(a, b);
}

static uint32_t r_isenabler(struct vgic_access *a) { return bitreg(a, BR_ISENABLE); }
static uint32_t r_icenabler(struct vgic_access *a) { return bitreg(a, BR_ICENABLE); }
static uint32_t r_ispendr(struct vgic_access *a) { return bitreg(a, BR_ISPEND); }
static uint32_t r_icpendr(struct vgic_access *a) { return bitreg(a, BR_ICPEND); }
static uint32_t r_isactiver(struct vgic_access *a) { return bitreg(a, BR_ISACTIVE); }
static uint32_t r_icactiver(struct vgic_access *a) { return bitreg(a, BR_ICACTIVE); }

static uint32_t r_raz_wi(struct vgic_access *a)
{
	if (!a->write)
		*a->val = 0;
	return 0;
}

/* IGROUPR: every interrupt is Group 1 (RAO/WI) where it exists. */
static uint32_t r_igroupr(struct vgic_access *a)
{
	if (!a->write)
		*a->val = word_bank(a, a->rel / 4) ? 0xffffffffu : 0;
	return 0;
}

/* IPRIORITYR: one byte per interrupt, byte or word accesses. */
static uint32_t r_ipriorityr(struct vgic_access *a)
{
	struct vgic_bank *b = word_bank(a, a->rel / 32);
	uint32_t first = a->rel % 32;
	uint64_t v = 0;

	if (!b)
		return r_raz_wi(a);
	for (unsigned i = 0; i < a->size; i++) {
		if (a->write)
			b->prio[first + i] = (uint8_t)(*a->val >> (8 * i));
		else
			v |= (uint64_t)b->prio[first + i] << (8 * i);
	}
	if (!a->write)
		*a->val = v;
	return a->write ? bank_wake(a, b) : 0;
}

/* ICFGR: two bits per interrupt, bit 1 of each = edge. SGIs are edge
 * (read-only); PPIs and SPIs are configurable. */
static uint32_t r_icfgr(struct vgic_access *a)
{
	uint32_t word = a->rel / 4;
	struct vgic_bank *b = word_bank(a, word / 2);
	uint32_t half = (word % 2) * 16, v = 0;

	if (!b)
		return r_raz_wi(a);
	if (!a->write) {
		for (unsigned i = 0; i < 16; i++)
			if (b->edge & BIT32(half + i))
				v |= BIT32(2 * i + 1);
		*a->val = v;
		return 0;
	}
	if (!a->dist && word == 0)
		return 0; /* SGIs: always edge */
	for (unsigned i = 0; i < 16; i++) {
		if (*a->val & BIT32(2 * i + 1))
			b->edge |= BIT32(half + i);
		else
			b->edge &= ~BIT32(half + i);
	}
	return bank_wake(a, b);
}

static uint32_t r_gicd_ctlr(struct vgic_access *a)
{
	if (!a->write) {
		*a->val = a->s->ctlr | VGIC_CTLR_ARE | VGIC_CTLR_DS;
		return 0;
	}
	a->s->ctlr = (uint32_t)*a->val & (VGIC_CTLR_GRP0 | VGIC_CTLR_GRP1);
	return vcpu_mask(a->s);
}

static uint32_t r_gicd_typer(struct vgic_access *a)
{
	if (!a->write)
		*a->val = GICD_TYPER_ITLINES | ((a->s->vcpus - 1u) & 7u) << 5 | GICD_TYPER_IDBITS;
	return 0;
}

static uint32_t r_iidr(struct vgic_access *a)
{
	if (!a->write)
		*a->val = GIC_IIDR;
	return 0;
}

static uint32_t r_pidr2(struct vgic_access *a)
{
	if (!a->write)
		*a->val = GIC_PIDR2;
	return 0;
}

/* IROUTER<n>: 64 bits (or two 32-bit halves) per SPI, from INTID 32. */
static uint32_t r_irouter(struct vgic_access *a)
{
	uint32_t spi = a->rel / 8;
	unsigned shift = (a->rel % 8) * 8;
	uint64_t mask = (a->size == 8 ? ~0ull : 0xffffffffull) << shift;
	uint64_t r;

	if (spi < VGIC_SPI_BASE || spi >= VGIC_INTIDS)
		return r_raz_wi(a);
	spi -= VGIC_SPI_BASE;
	if (!a->write) {
		*a->val = (a->s->router[spi] & mask) >> shift;
		return 0;
	}
	r = (a->s->router[spi] & ~mask) | ((*a->val << shift) & mask);
	r &= IROUTER_AFF_MASK | IROUTER_IRM;
	a->s->router[spi] = r;
	if (r & IROUTER_IRM)
		set_target(a->s, spi, 0); /* "any": fief picks vCPU 0 */
	else
		set_target(a->s, spi, (r & IROUTER_AFF_MASK) < a->s->vcpus ? (uint8_t)r : VGIC_NOWHERE);
	return vcpu_mask(a->s);
}

static const struct vgic_reg dist_regs[] = {
	{ 0x0000, 4, 4, r_gicd_ctlr },
	{ 0x0004, 4, 4, r_gicd_typer },
	{ 0x0008, 4, 4, r_iidr },
	{ 0x0080, 0x80, 4, r_igroupr },
	{ 0x0100, 0x80, 4, r_isenabler },
	{ 0x0180, 0x80, 4, r_icenabler },
	{ 0x0200, 0x80, 4, r_ispendr },
	{ 0x0280, 0x80, 4, r_icpendr },
	{ 0x0300, 0x80, 4, r_isactiver },
	{ 0x0380, 0x80, 4, r_icactiver },
	{ 0x0400, 0x400, 1 | 4, r_ipriorityr },
	{ 0x0c00, 0x100, 4, r_icfgr },
	{ 0x6000, 0x2000, 4 | 8, r_irouter },
	{ 0xffe8, 4, 4, r_pidr2 },
};

static uint32_t r_gicr_typer(struct vgic_access *a)
{
	uint64_t v = (uint64_t)a->vcpu << 32 | (uint64_t)a->vcpu << 8;

	if (a->vcpu + 1 == a->s->vcpus)
		v |= GICR_TYPER_LAST;
	if (!a->write)
		*a->val = a->size == 8 ? v : (uint32_t)(v >> (8 * a->rel));
	return 0;
}

static uint32_t r_gicr_waker(struct vgic_access *a)
{
	uint32_t *w = &a->s->cpu[a->vcpu].waker;

	if (a->write)
		*w = (uint32_t)*a->val & GICR_WAKER_SLEEP;
	else
		*a->val = *w | ((*w & GICR_WAKER_SLEEP) ? GICR_WAKER_ASLEEP : 0);
	return 0;
}

static const struct vgic_reg redist_regs[] = {
	{ 0x0000, 4, 4, r_raz_wi },   /* GICR_CTLR: no LPIs */
	{ 0x0004, 4, 4, r_iidr },
	{ 0x0008, 8, 4 | 8, r_gicr_typer },
	{ 0x0014, 4, 4, r_gicr_waker },
	{ 0xffe8, 4, 4, r_pidr2 },
	{ GICR_SGI_FRAME + 0x0080, 4, 4, r_igroupr },
	{ GICR_SGI_FRAME + 0x0100, 4, 4, r_isenabler },
	{ GICR_SGI_FRAME + 0x0180, 4, 4, r_icenabler },
	{ GICR_SGI_FRAME + 0x0200, 4, 4, r_ispendr },
	{ GICR_SGI_FRAME + 0x0280, 4, 4, r_icpendr },
	{ GICR_SGI_FRAME + 0x0300, 4, 4, r_isactiver },
	{ GICR_SGI_FRAME + 0x0380, 4, 4, r_icactiver },
	{ GICR_SGI_FRAME + 0x0400, 0x20, 1 | 4, r_ipriorityr },
	{ GICR_SGI_FRAME + 0x0c00, 8, 4, r_icfgr },
};

/* Find @off's register in @regs and run its handler; anything else, an
 * unaligned access or a size the register does not take: RAZ/WI. */
static uint32_t dispatch(const struct vgic_reg *regs, unsigned count, struct vgic_access *a,
			 uint64_t off)
{
	if ((a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8) || off % a->size)
		return r_raz_wi(a);
	for (unsigned i = 0; i < count; i++) {
		const struct vgic_reg *r = &regs[i];

		if (off < r->off || off + a->size > (uint64_t)r->off + r->len)
			continue;
		if (!(r->sizes & a->size))
			break;
		a->rel = (uint32_t)(off - r->off);
		if (a->write && a->size < 8)
			*a->val &= (1ull << (8 * a->size)) - 1;
		return r->fn(a);
	}
	return r_raz_wi(a);
}

uint32_t vgic_dist_access(struct vgic_state *s, uint64_t off, unsigned size, bool write,
			  uint64_t *val)
{
	struct vgic_access a = { .s = s, .dist = true, .size = size, .write = write, .val = val };

	return dispatch(dist_regs, sizeof(dist_regs) / sizeof(dist_regs[0]), &a, off);
}

uint32_t vgic_redist_access(struct vgic_state *s, uint32_t vcpu, uint64_t off, unsigned size,
			    bool write, uint64_t *val)
{
	struct vgic_access a = { .s = s, .vcpu = vcpu, .size = size, .write = write, .val = val };

	if (vcpu >= s->vcpus || off >= GICR_FRAME)
		return r_raz_wi(&a);
	return dispatch(redist_regs, sizeof(redist_regs) / sizeof(redist_regs[0]), &a, off);
}
