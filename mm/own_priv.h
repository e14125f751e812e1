/* SPDX-License-Identifier: MIT */
/* State shared by mm/own.c and mm/check.c; not for use outside mm/. */
#ifndef FIEF_MM_OWN_PRIV_H
#define FIEF_MM_OWN_PRIV_H

#include "mm/own.h"

/* Host and guest memory is normal, cached, readable, writable, executable;
 * the stage-1 tables inside each VM restrict it further. */
#define MM_ATTR_RAM MM_ATTR_RWX
#define MM_ATTR_MMIO (MM_ATTR_RW | MM_ATTR_DEVICE)

struct mm_state {
	const struct pt_format *s2;       /* set once by mm_own_init() */
	struct mm_region ram[MM_RAM_MAX]; /* sorted, merged; set once */
	unsigned ram_count;
	struct mm_region hyp[MM_HYP_MAX]; /* set once */
	unsigned hyp_count;
	struct mm_region dev[MM_DEV_MAX]; /* fief's devices; set at boot */
	unsigned dev_count;
	struct mm_vm host;
	struct spinlock guests_lock;      /* guards guests[] */
	struct mm_vm *guests[MM_GUESTS_MAX];
};

extern struct mm_state mm_state;

/*
 * host_ia() - the input address of host page @pa in the host's stage-2.
 * That table is an identity map; this is the one place mm/ says so.
 */
static inline iaddr_t host_ia(paddr_t pa)
{
	return ia_init(pa_addr(pa));
}

#endif
