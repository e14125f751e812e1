/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC's register model (arch/x86/vlapic.h): priorities,
 * IRR/ISR, LVTs, the timer's three modes, IPI decoding and destination
 * matching. The architecture's rules are the SDM's (vol. 3A ch. 11, "APIC")
 * and the APM's (vol. 2 ch. 16); nothing here moves a VMCB or VMCS field:
 * arch/x86/event.c connects it to vCPUs and backends.
 */
#include "arch/x86/vlapic.h"

#define RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define SET(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* Version 0x14 with 7 LVT entries (max LVT 6); no EOI-broadcast suppression. */
#define VLAPIC_VERSION_VALUE (0x14u | ((VLAPIC_LVT_COUNT - 1u) << 16))

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI };

/* Writable bits of each LVT (vector, delivery mode, polarity, trigger, mask, timer mode). */
static const uint32_t lvt_bits[VLAPIC_LVT_COUNT] = {
	[LVT_TIMER] = 0xffu | VLAPIC_LVT_MASKED | (3u << 17),
	[LVT_THERMAL] = 0xffu | (7u << 8) | VLAPIC_LVT_MASKED,
	[LVT_PERF] = 0xffu | (7u << 8) | VLAPIC_LVT_MASKED,
	[LVT_LINT0] = 0xffu | (7u << 8) | (1u << 13) | (1u << 15) | VLAPIC_LVT_MASKED,
	[LVT_LINT1] = 0xffu | (7u << 8) | (1u << 13) | (1u << 15) | VLAPIC_LVT_MASKED,
	[LVT_ERROR] = 0xffu | VLAPIC_LVT_MASKED,
	[LVT_CMCI] = 0xffu | (7u << 8) | VLAPIC_LVT_MASKED,
};

static int lvt_index(uint32_t offset)
{
	if (offset == VLAPIC_LVT_CMCI)
		return LVT_CMCI;
	if (offset >= VLAPIC_LVT_TIMER && offset <= VLAPIC_LVT_ERROR)
		return (int)((offset - VLAPIC_LVT_TIMER) >> 4);
	return -1;
}

static uint32_t timer_mode(const struct vlapic *l)
{
	return (l->lvt[LVT_TIMER] >> 17) & 3u;
}

/* Divide configuration bits 0, 1, 3 -> 2, 4, ..., 128, and 0b111 -> 1. */
static uint32_t timer_divisor(const struct vlapic *l)
{
	uint32_t n = (l->timer_div & 3u) | ((l->timer_div >> 1) & 4u);

	return n == 7 ? 1u : 2u << n;
}

static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xfu));
}

void vlapic_reset(struct vlapic *l, uint32_t id, bool bsp)
{
	*l = (struct vlapic){ 0 };
	l->id = id << 24;
	l->base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE | (bsp ? VLAPIC_BASE_BSP : 0);
	l->mode = VLAPIC_MODE_XAPIC;
	l->dfr = 0xffffffffu;
	l->svr = 0xffu;
	for (int i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = VLAPIC_LVT_MASKED;
}

/* The APIC ID as a destination compares it: 8 bits in xAPIC, 32 in x2APIC. */
static uint32_t apic_id(const struct vlapic *l)
{
	uint32_t id = RELAXED(&l->id);

	return RELAXED(&l->mode) == VLAPIC_MODE_X2APIC ? id : id >> 24;
}

bool vlapic_sw_enabled(const struct vlapic *l)
{
	return RELAXED(&l->mode) != VLAPIC_MODE_DISABLED &&
	       (RELAXED(&l->svr) & VLAPIC_SVR_ENABLE);
}

/* Unrolled: a test and a branch per word, no loop counter (every
 * delivery, EOI and priority check scans IRR or ISR, mostly empty). */
static int highest(const uint32_t r[8], bool atomic)
{
#pragma GCC unroll 8
	for (int i = 7; i >= 0; i--) {
		uint32_t w = atomic ? RELAXED(&r[i]) : r[i];

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

int vlapic_highest_irr(const struct vlapic *l)
{
	return highest(l->irr, true);
}

uint32_t vlapic_ppr(const struct vlapic *l)
{
	int isr = highest(l->isr, false);
	uint32_t tpr = l->tpr, isrv = isr < 0 ? 0u : (uint32_t)isr;

	return (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xf0u);
}

int vlapic_deliverable(const struct vlapic *l)
{
	int v = vlapic_highest_irr(l);

	if (v < 0 || !vlapic_sw_enabled(l))
		return -1;
	return ((uint32_t)v & 0xf0u) > (vlapic_ppr(l) & 0xf0u) ? v : -1;
}

void vlapic_ack(struct vlapic *l, int vector)
{
	uint32_t bit = 1u << (vector & 31);

	__atomic_fetch_and(&l->irr[vector >> 5], ~bit, __ATOMIC_RELAXED);
	l->isr[vector >> 5] |= bit;
	/* Its TMR bit is clear: the vector's last EOI cleared it, and it
	 * cannot be taken again before that EOI. */
	if (__atomic_load_n(&l->tmr_in[vector >> 5], __ATOMIC_RELAXED) & bit)
		l->tmr[vector >> 5] |= bit;
}

static void set_pending(struct vlapic *l)
{
	__atomic_store_n(&l->pending, 1, __ATOMIC_SEQ_CST);
}

/* An error: latch it for the next ESR write; the error LVT is not delivered
 * (no guest here uses it). */
static void error(struct vlapic *l, uint32_t bit)
{
	__atomic_fetch_or(&l->esr_next, bit, __ATOMIC_RELAXED);
}

/* Both entry points in one body, each compiled with its own @level. */
static inline __attribute__((always_inline)) bool accept(struct vlapic *l, uint8_t vector,
							  bool level)
{
	uint32_t bit = 1u << (vector & 31);

	if (!vlapic_sw_enabled(l))
		return false;
	if (vector < 16) {
		error(l, VLAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	/* The trigger mode before the request, so the taker sees both. */
	if (level)
		__atomic_fetch_or(&l->tmr_in[vector >> 5], bit, __ATOMIC_SEQ_CST);
	else if (__atomic_load_n(&l->tmr_in[vector >> 5], __ATOMIC_RELAXED) & bit)
		__atomic_fetch_and(&l->tmr_in[vector >> 5], ~bit, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&l->irr[vector >> 5], bit, __ATOMIC_SEQ_CST);
	set_pending(l);
	return true;
}

bool vlapic_accept_trig(struct vlapic *l, uint8_t vector, bool level)
{
	return accept(l, vector, level);
}

bool vlapic_accept(struct vlapic *l, uint8_t vector)
{
	return accept(l, vector, false);
}

void vlapic_accept_nmi(struct vlapic *l)
{
	__atomic_store_n(&l->nmi, 1, __ATOMIC_SEQ_CST);
	set_pending(l);
}

void vlapic_accept_init(struct vlapic *l)
{
	__atomic_store_n(&l->init, 1, __ATOMIC_SEQ_CST);
	set_pending(l);
}

void vlapic_accept_sipi(struct vlapic *l, uint8_t vector)
{
	__atomic_store_n(&l->sipi, 0x100u | vector, __ATOMIC_SEQ_CST);
	set_pending(l);
}

bool vlapic_match(const struct vlapic *l, uint32_t dest, bool logical)
{
	uint32_t mode = RELAXED(&l->mode), ldr;

	if (mode == VLAPIC_MODE_DISABLED)
		return false;
	if (!logical) {
		uint32_t bcast = mode == VLAPIC_MODE_X2APIC ? 0xffffffffu : 0xffu;

		return dest == bcast || dest == apic_id(l);
	}
	ldr = RELAXED(&l->ldr);
	if (mode == VLAPIC_MODE_X2APIC) {
		/* Cluster: bits 31:16 the cluster, 15:0 a mask within it. */
		if (dest == 0xffffffffu)
			return true;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffffu) != 0;
	}
	dest &= 0xffu;
	if (dest == 0xffu)
		return true;
	ldr >>= 24;
	if ((RELAXED(&l->dfr) >> 28) == 0xfu)            /* flat: 8 bits of mask */
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xfu) != 0; /* cluster */
}

/* Current count: what is left of this period in input-clock ticks / divisor. */
static uint32_t timer_current(const struct vlapic *l, uint64_t now)
{
	if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE || l->timer_deadline == 0 ||
	    now >= l->timer_deadline)
		return 0;
	return (uint32_t)((l->timer_deadline - now) / timer_divisor(l));
}

static void timer_start(struct vlapic *l, uint64_t now)
{
	l->timer_period = (uint64_t)l->timer_init * timer_divisor(l);
	l->timer_deadline = l->timer_init ? now + l->timer_period : 0;
	if (l->timer_deadline == 0 && l->timer_init)
		l->timer_deadline = 1;
}

static void timer_stop(struct vlapic *l)
{
	l->timer_deadline = 0;
	l->timer_period = 0;
	l->tsc_deadline = 0;
}

enum vlapic_result vlapic_read(struct vlapic *l, uint32_t offset, bool x2apic, uint64_t now,
			       uint64_t *val)
{
	int lvt = lvt_index(offset);

	*val = 0;
	if (lvt >= 0) {
		*val = l->lvt[lvt];
		return VLAPIC_OK;
	}
	if (offset >= VLAPIC_ISR && offset < VLAPIC_ISR + 0x80) {
		*val = l->isr[(offset - VLAPIC_ISR) >> 4];
		return VLAPIC_OK;
	}
	if (offset >= VLAPIC_TMR && offset < VLAPIC_TMR + 0x80) {
		*val = l->tmr[(offset - VLAPIC_TMR) >> 4];
		return VLAPIC_OK;
	}
	if (offset >= VLAPIC_IRR && offset < VLAPIC_IRR + 0x80) {
		*val = RELAXED(&l->irr[(offset - VLAPIC_IRR) >> 4]);
		return VLAPIC_OK;
	}
	switch (offset) {
	case VLAPIC_ID: *val = l->id; return VLAPIC_OK;
	case VLAPIC_VERSION: *val = VLAPIC_VERSION_VALUE; return VLAPIC_OK;
	case VLAPIC_TPR: *val = l->tpr; return VLAPIC_OK;
	case VLAPIC_PPR: *val = vlapic_ppr(l); return VLAPIC_OK;
	case VLAPIC_LDR: *val = l->ldr; return VLAPIC_OK;
	case VLAPIC_SVR: *val = l->svr; return VLAPIC_OK;
	case VLAPIC_ESR: *val = l->esr; return VLAPIC_OK;
	case VLAPIC_ICR_LO:
		*val = l->icr_lo | (x2apic ? (uint64_t)l->icr_hi << 32 : 0);
		return VLAPIC_OK;
	case VLAPIC_TIMER_INIT: *val = l->timer_init; return VLAPIC_OK;
	case VLAPIC_TIMER_CUR: *val = timer_current(l, now); return VLAPIC_OK;
	case VLAPIC_TIMER_DIV: *val = l->timer_div; return VLAPIC_OK;
	}
	if (!x2apic) {
		/* xAPIC-only registers; a missing one reads 0. */
		if (offset == VLAPIC_APR)
			*val = 0;
		else if (offset == VLAPIC_DFR)
			*val = l->dfr;
		else if (offset == VLAPIC_ICR_HI)
			*val = l->icr_hi;
		return VLAPIC_OK;
	}
	return VLAPIC_GP; /* EOI, SELF_IPI (write-only), DFR, ICR_HI, APR, reserved */
}

int vlapic_eoi(struct vlapic *l, bool *level)
{
	int v = highest(l->isr, false);
	uint32_t bit, tmr;

	*level = false;
	if (v < 0)
		return -1;
	bit = 1u << (v & 31);
	l->isr[v >> 5] &= ~bit;
	tmr = l->tmr[v >> 5];
	if (tmr & bit) {
		l->tmr[v >> 5] = tmr & ~bit;
		*level = true;
	}
	if (vlapic_deliverable(l) >= 0)
		set_pending(l);
	return v;
}

/* SVR: the enable bit and the vector (bits 3:0 are writable too on every
 * APIC fief models); clearing the enable masks every LVT. */
static void write_svr(struct vlapic *l, uint32_t val)
{
	SET(&l->svr, val & (0xffu | VLAPIC_SVR_ENABLE));
	if (!(val & VLAPIC_SVR_ENABLE)) {
		for (int i = 0; i < VLAPIC_LVT_COUNT; i++)
			l->lvt[i] |= VLAPIC_LVT_MASKED;
	} else if (vlapic_deliverable(l) >= 0) {
		set_pending(l);
	}
}

static enum vlapic_result write_lvt(struct vlapic *l, int lvt, uint32_t val, uint64_t now)
{
	uint32_t old_mode = timer_mode(l);

	val &= lvt_bits[lvt];
	if (!vlapic_sw_enabled(l))
		val |= VLAPIC_LVT_MASKED;
	if (lvt == LVT_TIMER && ((val >> 17) & 3u) == 3u)
		val &= ~(3u << 17); /* mode 3 is reserved: one-shot */
	l->lvt[lvt] = val;
	if (lvt != LVT_TIMER || timer_mode(l) == old_mode)
		return VLAPIC_OK;
	(void)now;
	/* A mode change stops the timer (a TSC-deadline one forgets its value). */
	timer_stop(l);
	l->timer_init = 0;
	return VLAPIC_TIMER;
}

static enum vlapic_result write_icr(struct vlapic *l, uint64_t val, bool x2apic,
				    struct vlapic_ipi *ipi)
{
	uint32_t lo = (uint32_t)val;

	l->icr_lo = lo & ~(1u << 12); /* delivery status: always idle */
	if (x2apic)
		l->icr_hi = (uint32_t)(val >> 32);
	ipi->dest = x2apic ? l->icr_hi : l->icr_hi >> 24;
	ipi->vector = (uint8_t)lo;
	ipi->delivery = (uint8_t)((lo >> 8) & 7u);
	ipi->logical = (lo & VLAPIC_ICR_LOGICAL) != 0;
	ipi->shorthand = (uint8_t)((lo >> 18) & 3u);
	ipi->level_deassert = ipi->delivery == VLAPIC_DM_INIT &&
			      (lo & VLAPIC_ICR_TRIGGER_LEVEL) && !(lo & VLAPIC_ICR_LEVEL_ASSERT);
	if ((ipi->delivery == VLAPIC_DM_FIXED || ipi->delivery == VLAPIC_DM_LOWEST) &&
	    ipi->vector < 16) {
		error(l, VLAPIC_ESR_SEND_ILLEGAL);
		return VLAPIC_OK;
	}
	return VLAPIC_IPI;
}

/* Reserved bits of the x2APIC registers that have any (SDM 11.12.1.2). */
static bool x2apic_reserved(uint32_t offset, uint64_t val)
{
	/* ICR: vector, delivery and destination mode, level, trigger,
	 * shorthand and the 32-bit destination; the rest is reserved. */
	if (offset == VLAPIC_ICR_LO)
		return (val & ~(0xffffffff00000000ull | 0xfffull | (3ull << 14) | (3ull << 18))) != 0;
	if (val >> 32)
		return true;
	switch (offset) {
	case VLAPIC_TPR: return (val & ~0xffull) != 0;
	case VLAPIC_SVR: return (val & ~0x3ffull) != 0; /* no EOI-broadcast suppression */
	case VLAPIC_EOI:
	case VLAPIC_ESR: return val != 0;
	case VLAPIC_SELF_IPI: return (val & ~0xffull) != 0;
	case VLAPIC_TIMER_DIV: return (val & ~0xbull) != 0;
	}
	if (lvt_index(offset) >= 0)
		return (val & ~(uint64_t)lvt_bits[lvt_index(offset)]) != 0;
	return false;
}

static enum vlapic_result write_timer(struct vlapic *l, uint32_t offset, uint32_t val,
				      uint64_t now)
{
	if (offset == VLAPIC_TIMER_DIV) {
		l->timer_div = val & 0xbu;
		return VLAPIC_OK; /* a running count keeps its deadline */
	}
	if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE)
		return VLAPIC_OK; /* the initial count is ignored in that mode */
	l->timer_init = val;
	timer_start(l, now);
	return VLAPIC_TIMER;
}

enum vlapic_result vlapic_write(struct vlapic *l, uint32_t offset, bool x2apic, uint64_t val,
				uint64_t now, struct vlapic_ipi *ipi)
{
	int lvt = lvt_index(offset);
	uint32_t v32 = (uint32_t)val;

	if (x2apic && x2apic_reserved(offset, val))
		return VLAPIC_GP;
	if (lvt >= 0)
		return write_lvt(l, lvt, v32, now);
	switch (offset) {
	case VLAPIC_TPR:
		SET(&l->tpr, v32 & 0xffu);
		if (vlapic_deliverable(l) >= 0)
			set_pending(l);
		return VLAPIC_OK;
	case VLAPIC_EOI: {
		bool level;
		int v = vlapic_eoi(l, &level);

		if (!level)
			return VLAPIC_OK;
		if (ipi)
			ipi->vector = (uint8_t)v;
		return VLAPIC_EOI_LEVEL;
	}
	case VLAPIC_SVR:
		write_svr(l, v32);
		return VLAPIC_OK;
	case VLAPIC_ESR:
		l->esr = __atomic_exchange_n(&l->esr_next, 0, __ATOMIC_RELAXED);
		return VLAPIC_OK;
	case VLAPIC_ICR_LO:
		return write_icr(l, x2apic ? val : ((uint64_t)l->icr_hi << 32) | v32, x2apic, ipi);
	case VLAPIC_TIMER_INIT:
	case VLAPIC_TIMER_DIV:
		return write_timer(l, offset, v32, now);
	case VLAPIC_SELF_IPI:
		if (!x2apic)
			break;
		ipi->dest = 0;
		ipi->vector = (uint8_t)val;
		ipi->delivery = VLAPIC_DM_FIXED;
		ipi->shorthand = VLAPIC_SH_SELF;
		ipi->logical = false;
		ipi->level_deassert = false;
		if (ipi->vector < 16) {
			error(l, VLAPIC_ESR_SEND_ILLEGAL);
			return VLAPIC_OK;
		}
		return VLAPIC_IPI;
	}
	if (x2apic)
		return VLAPIC_GP; /* read-only (ID, VERSION, PPR, LDR, ISR/TMR/IRR, CCR) or reserved */
	switch (offset) {
	case VLAPIC_ID:
		SET(&l->id, v32 & 0xff000000u);
		return VLAPIC_OK;
	case VLAPIC_LDR:
		SET(&l->ldr, v32 & 0xff000000u);
		return VLAPIC_OK;
	case VLAPIC_DFR:
		SET(&l->dfr, v32 | 0x0fffffffu);
		return VLAPIC_OK;
	case VLAPIC_ICR_HI:
		l->icr_hi = v32 & 0xff000000u;
		return VLAPIC_OK;
	}
	return VLAPIC_OK; /* read-only in xAPIC mode: the write is ignored */
}

enum vlapic_result vlapic_set_base(struct vlapic *l, uint64_t val, uint64_t maxphyaddr_mask)
{
	uint64_t reserved = ~(maxphyaddr_mask & ~0xfffull) &
			    ~(VLAPIC_BASE_BSP | VLAPIC_BASE_EXTD | VLAPIC_BASE_ENABLE);
	uint32_t mode, old = l->mode;

	if (val & reserved)
		return VLAPIC_GP;
	if ((val & (VLAPIC_BASE_EXTD | VLAPIC_BASE_ENABLE)) == VLAPIC_BASE_EXTD)
		return VLAPIC_GP; /* EXTD without EN: invalid */
	mode = !(val & VLAPIC_BASE_ENABLE) ? VLAPIC_MODE_DISABLED :
	       (val & VLAPIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
	if ((old == VLAPIC_MODE_X2APIC && mode == VLAPIC_MODE_XAPIC) ||
	    (old == VLAPIC_MODE_DISABLED && mode == VLAPIC_MODE_X2APIC))
		return VLAPIC_GP; /* only through the disabled state, and xAPIC first */
	/* The BSP flag is the CPU's; the guest cannot change it. */
	l->base = (val & ~VLAPIC_BASE_BSP) | (l->base & VLAPIC_BASE_BSP);
	if (mode == old)
		return VLAPIC_OK;
	if (mode == VLAPIC_MODE_DISABLED) {
		/* As after a reset, keeping the ID; the APIC drops what is pending. */
		struct vlapic keep = *l;

		vlapic_reset(l, old == VLAPIC_MODE_X2APIC ? keep.id : keep.id >> 24, false);
		l->base = keep.base;
		l->mode = VLAPIC_MODE_DISABLED;
		return VLAPIC_TIMER;
	}
	if (mode == VLAPIC_MODE_X2APIC) {
		uint32_t id = l->id >> 24;

		SET(&l->id, id);
		SET(&l->ldr, x2apic_ldr(id));
	}
	SET(&l->mode, mode);
	return VLAPIC_OK;
}

enum vlapic_result vlapic_tsc_deadline_write(struct vlapic *l, uint64_t val, uint64_t now)
{
	(void)now;
	if (timer_mode(l) != VLAPIC_TIMER_TSC_DEADLINE)
		return VLAPIC_OK; /* ignored in the other modes */
	l->tsc_deadline = val;
	l->timer_deadline = val;
	return VLAPIC_TIMER;
}

uint64_t vlapic_tsc_deadline_read(const struct vlapic *l)
{
	return timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
}

bool vlapic_timer_fire(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	if (l->timer_deadline == 0 || now < l->timer_deadline)
		return false;
	if (!(lvt & VLAPIC_LVT_MASKED))
		vlapic_accept(l, (uint8_t)lvt);
	if (timer_mode(l) == VLAPIC_TIMER_PERIODIC && l->timer_period) {
		l->timer_deadline += l->timer_period;
		if (l->timer_deadline <= now) /* missed periods are dropped */
			l->timer_deadline = now + l->timer_period;
	} else {
		l->timer_deadline = 0;
		l->tsc_deadline = 0;
	}
	return true;
}
