/* SPDX-License-Identifier: MIT */
/*
 * The table formats: x86-64 4-level paging (fief's own tables and AMD NPT),
 * Intel EPT, arm64 VMSAv8-64 stage 2 and EL2 stage 1 (4 KiB granule).
 *
 * All four share one geometry (4 levels of 9 bits over 48 input bits,
 * blocks of 1 GiB at level 1 and 2 MiB at level 2), pinned below. Each
 * keeps the page state in two bits the hardware ignores in a valid leaf,
 * and the owner id in bits 31:16 of an invalid entry (the hardware ignores
 * every bit of an invalid entry except those that make it valid).
 */
#include "mm/pgtable.h"

#include "lib/assert.h"

#define BIT(n) ((pte_t)1 << (n))
#define OWNER_SHIFT 16
#define OWNER_MASK ((pte_t)0xffff << OWNER_SHIFT)
#define BLOCKS_1G_2M ((1u << 1) | (1u << 2))
#define STATE_MASK(shift) ((pte_t)MM_STATE_MASK << (shift))

/* The one geometry of every format below. */
#define GEOM_LEVELS 4
#define GEOM_LEVEL_BITS 9
#define GEOM_IA_BITS 48
#define GEOM \
	.levels = GEOM_LEVELS, .level_bits = GEOM_LEVEL_BITS, .ia_bits = GEOM_IA_BITS, \
	.block_levels = BLOCKS_1G_2M

FIEF_STATIC_ASSERT(PAGE_SHIFT + GEOM_LEVELS * GEOM_LEVEL_BITS == GEOM_IA_BITS,
		   "4 levels of 9 bits cover 48 input bits");
FIEF_STATIC_ASSERT((1u << GEOM_LEVEL_BITS) * sizeof(pte_t) == PAGE_SIZE, "a table is one page");
FIEF_STATIC_ASSERT(GEOM_LEVELS <= PT_MAX_LEVELS, "the walker's depth");
FIEF_STATIC_ASSERT((BLOCKS_1G_2M & 1u) == 0 && (BLOCKS_1G_2M >> GEOM_LEVELS) == 0,
		   "no 512 GiB blocks (not with a 4 KiB granule, not in x86 PML4)");
FIEF_STATIC_ASSERT(PAGE_SHIFT + GEOM_LEVEL_BITS * 2 == 30, "level 1 blocks are 1 GiB");
FIEF_STATIC_ASSERT(PAGE_SHIFT + GEOM_LEVEL_BITS == 21, "level 2 blocks are 2 MiB");
FIEF_STATIC_ASSERT(MM_OWNER_BITS == 16 && OWNER_SHIFT + MM_OWNER_BITS <= PAGE_SHIFT + 20,
		   "owner ids fill bits 31:16");

/*
 * x86-64 paging (Intel SDM vol. 3 4.5; AMD APM vol. 2 5.3), also AMD NPT.
 *
 *  63  62..52   51........12 11 10 9 8 7  6 5 4   3   2  1  0
 * +--+--------+-------------+--+-----+-+--+-+-+---+---+--+--+-+
 * |NX| ignored|  address    |  |state|G|PS|D|A|PCD|PWT|US|RW|P|
 * +--+--------+-------------+--+-----+-+--+-+-+---+---+--+--+-+
 * PS at levels 1 and 2 makes a 1 GiB / 2 MiB block (bit 12 is then PAT).
 */
#define X86_P BIT(0)
#define X86_RW BIT(1)
#define X86_US BIT(2)
#define X86_PWT BIT(3)
#define X86_PCD BIT(4)
#define X86_A BIT(5)
#define X86_D BIT(6)
#define X86_PS BIT(7)
#define X86_NX BIT(63)
#define X86_ADDR ((pte_t)0x000ffffffffff000)
#define X86_SW_SHIFT 9

FIEF_STATIC_ASSERT((STATE_MASK(X86_SW_SHIFT) & (X86_ADDR | X86_PS | X86_D | BIT(8))) == 0,
		   "x86 state bits are the ignored bits 10:9");
FIEF_STATIC_ASSERT((OWNER_MASK & X86_P) == 0, "x86 owner id keeps P clear");

static pte_t x86_leaf(paddr_t pa, unsigned level, mm_attr_t attrs, pte_t user)
{
	pte_t e = (pa_addr(pa) & X86_ADDR) | X86_P | X86_A | X86_D | user;

	if (attrs & MM_ATTR_W)
		e |= X86_RW;
	if (!(attrs & MM_ATTR_X))
		e |= X86_NX;
	if (attrs & MM_ATTR_DEVICE)
		e |= X86_PCD | X86_PWT;
	if (level < 3)
		e |= X86_PS;
	return e;
}

static pte_t x86_hyp_leaf(paddr_t pa, unsigned level, mm_attr_t attrs)
{
	return x86_leaf(pa, level, attrs, 0);
}

/* NPT: every guest access counts as a user access, so US must be set. */
static pte_t x86_npt_leaf(paddr_t pa, unsigned level, mm_attr_t attrs)
{
	return x86_leaf(pa, level, attrs, X86_US);
}

static mm_attr_t x86_attrs(pte_t e, unsigned level)
{
	mm_attr_t a = MM_ATTR_R;

	(void)level;
	if (e & X86_RW)
		a |= MM_ATTR_W;
	if (!(e & X86_NX))
		a |= MM_ATTR_X;
	if (e & X86_PCD)
		a |= MM_ATTR_DEVICE;
	return a;
}

const struct pt_format pt_format_x86_hyp = {
	.name = "x86-64",
	GEOM,
	.valid_mask = X86_P, .table_mask = X86_PS, .table_val = 0,
	.table_bits = X86_P | X86_RW | X86_A, .addr_mask = X86_ADDR,
	.sw_shift = X86_SW_SHIFT, .owner_shift = OWNER_SHIFT,
	.leaf_encode = x86_hyp_leaf, .leaf_attrs = x86_attrs,
};

const struct pt_format pt_format_x86_npt = {
	.name = "npt",
	GEOM,
	.valid_mask = X86_P, .table_mask = X86_PS, .table_val = 0,
	.table_bits = X86_P | X86_RW | X86_US | X86_A, .addr_mask = X86_ADDR,
	.sw_shift = X86_SW_SHIFT, .owner_shift = OWNER_SHIFT,
	.leaf_encode = x86_npt_leaf, .leaf_attrs = x86_attrs,
};

/*
 * Intel EPT (SDM vol. 3 29.3.2).
 *
 *  63  62..54 53 52 51........12 11..8 7   6    5..3   2 1 0
 * +---+------+-----+-------------+-----+--+----+-------+-+-+-+
 * |SVE|ignord|state|  address    |A/D..|PS|IPAT|memtype|X|W|R|
 * +---+------+-----+-------------+-----+--+----+-------+-+-+-+
 * Not present iff R, W and X are all clear. Memory type 6 = WB, 0 = UC.
 */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_MT_SHIFT 3
#define EPT_MT_MASK ((pte_t)7 << EPT_MT_SHIFT)
#define EPT_MT_WB ((pte_t)6 << EPT_MT_SHIFT)
#define EPT_MT_UC ((pte_t)0 << EPT_MT_SHIFT)
#define EPT_IPAT BIT(6)
#define EPT_PS BIT(7)
#define EPT_ADDR ((pte_t)0x000ffffffffff000)
#define EPT_SW_SHIFT 52

FIEF_STATIC_ASSERT((STATE_MASK(EPT_SW_SHIFT) & (EPT_ADDR | BIT(63) | BIT(10) | BIT(9) | BIT(8))) == 0,
		   "EPT state bits are the ignored bits 53:52");
FIEF_STATIC_ASSERT((OWNER_MASK & (EPT_R | EPT_W | EPT_X | BIT(10))) == 0,
		   "EPT owner id keeps an entry not present");

static pte_t ept_leaf(paddr_t pa, unsigned level, mm_attr_t attrs)
{
	pte_t e = (pa_addr(pa) & EPT_ADDR) | EPT_IPAT;

	if (attrs & MM_ATTR_R)
		e |= EPT_R;
	if (attrs & MM_ATTR_W)
		e |= EPT_W;
	if (attrs & MM_ATTR_X)
		e |= EPT_X;
	e |= (attrs & MM_ATTR_DEVICE) ? EPT_MT_UC : EPT_MT_WB;
	if (level < 3)
		e |= EPT_PS;
	return e;
}

static mm_attr_t ept_attrs(pte_t e, unsigned level)
{
	mm_attr_t a = 0;

	(void)level;
	if (e & EPT_R)
		a |= MM_ATTR_R;
	if (e & EPT_W)
		a |= MM_ATTR_W;
	if (e & EPT_X)
		a |= MM_ATTR_X;
	if ((e & EPT_MT_MASK) == EPT_MT_UC)
		a |= MM_ATTR_DEVICE;
	return a;
}

const struct pt_format pt_format_ept = {
	.name = "ept",
	GEOM,
	.valid_mask = EPT_R | EPT_W | EPT_X, .table_mask = EPT_PS, .table_val = 0,
	.table_bits = EPT_R | EPT_W | EPT_X, .addr_mask = EPT_ADDR,
	.sw_shift = EPT_SW_SHIFT, .owner_shift = OWNER_SHIFT,
	.leaf_encode = ept_leaf, .leaf_attrs = ept_attrs,
};

/*
 * arm64 VMSAv8-64, 4 KiB granule (Arm ARM D8.3), stage 2 and EL2 stage 1.
 *
 *  63..59 58..57 56 55 54  53  52..48 47.........12 11 10 9..8 7..6 5..2   1    0
 * +------+------+-----+---+---+------+-------------+--+--+----+----+----+----+-----+
 * |ignord|ignord|state|XN |(1)|      |  address    |nG|AF| SH | AP | (2)|T/P |valid|
 * +------+------+-----+---+---+------+-------------+--+--+----+----+----+----+-----+
 * (1) stage 1 PXN, RES0 at EL2; stage 2 XN[0]. (2) stage 2 MemAttr[3:0];
 * stage 1 AttrIndx[2:0] in 4:2. Bits 1:0 = 11 is a table at levels 0-2 and
 * a page at level 3; 01 is a block (levels 1 and 2).
 */
#define A64_VALID BIT(0)
#define A64_TABLE BIT(1)
#define A64_AF BIT(10)
#define A64_SH_IS ((pte_t)3 << 8)
#define A64_XN BIT(54)
#define A64_ADDR ((pte_t)0x0000fffffffff000)
#define A64_SW_SHIFT 55
#define A64_S2_MEMATTR_MASK ((pte_t)0xf << 2)
#define A64_S2_MEMATTR_WB ((pte_t)0xf << 2)     /* Normal, inner+outer WB */
#define A64_S2_MEMATTR_DEV ((pte_t)0x1 << 2)    /* Device-nGnRE */
#define A64_S2AP_R BIT(6)
#define A64_S2AP_W BIT(7)
#define A64_S1_ATTRIDX_MASK ((pte_t)7 << 2)
#define A64_S1_ATTRIDX_DEV ((pte_t)1 << 2)      /* MAIR_EL2 attr1: Device-nGnRE */
#define A64_S1_AP_RES1 BIT(6)                   /* AP[1]: RES1 at EL2 */
#define A64_S1_AP_RO BIT(7)                     /* AP[2]: read-only */

FIEF_STATIC_ASSERT((STATE_MASK(A64_SW_SHIFT) & (A64_ADDR | A64_XN | BIT(53))) == 0,
		   "arm64 state bits are the software bits 56:55");
FIEF_STATIC_ASSERT((OWNER_MASK & A64_VALID) == 0, "arm64 owner id keeps an entry invalid");

static pte_t a64_base(paddr_t pa, unsigned level)
{
	return (pa_addr(pa) & A64_ADDR) | A64_VALID | A64_AF | (level == 3 ? A64_TABLE : 0);
}

static pte_t a64_s2_leaf(paddr_t pa, unsigned level, mm_attr_t attrs)
{
	pte_t e = a64_base(pa, level);

	if (attrs & MM_ATTR_R)
		e |= A64_S2AP_R;
	if (attrs & MM_ATTR_W)
		e |= A64_S2AP_W;
	if (!(attrs & MM_ATTR_X))
		e |= A64_XN;
	if (attrs & MM_ATTR_DEVICE)
		e |= A64_S2_MEMATTR_DEV;
	else
		e |= A64_S2_MEMATTR_WB | A64_SH_IS;
	return e;
}

static mm_attr_t a64_s2_attrs(pte_t e, unsigned level)
{
	mm_attr_t a = 0;

	(void)level;
	if (e & A64_S2AP_R)
		a |= MM_ATTR_R;
	if (e & A64_S2AP_W)
		a |= MM_ATTR_W;
	if (!(e & A64_XN))
		a |= MM_ATTR_X;
	if ((e & A64_S2_MEMATTR_MASK) == A64_S2_MEMATTR_DEV)
		a |= MM_ATTR_DEVICE;
	return a;
}

static pte_t a64_el2_leaf(paddr_t pa, unsigned level, mm_attr_t attrs)
{
	pte_t e = a64_base(pa, level) | A64_S1_AP_RES1;

	if (!(attrs & MM_ATTR_W))
		e |= A64_S1_AP_RO;
	/* Device memory is never executable. */
	if (!(attrs & MM_ATTR_X) || (attrs & MM_ATTR_DEVICE))
		e |= A64_XN;
	if (attrs & MM_ATTR_DEVICE)
		e |= A64_S1_ATTRIDX_DEV;
	else
		e |= A64_SH_IS;
	return e;
}

static mm_attr_t a64_el2_attrs(pte_t e, unsigned level)
{
	mm_attr_t a = MM_ATTR_R;

	(void)level;
	if (!(e & A64_S1_AP_RO))
		a |= MM_ATTR_W;
	if (!(e & A64_XN))
		a |= MM_ATTR_X;
	if ((e & A64_S1_ATTRIDX_MASK) == A64_S1_ATTRIDX_DEV)
		a |= MM_ATTR_DEVICE;
	return a;
}

const struct pt_format pt_format_arm64_s2 = {
	.name = "arm64-s2",
	GEOM,
	.valid_mask = A64_VALID, .table_mask = A64_TABLE, .table_val = A64_TABLE,
	.table_bits = A64_VALID | A64_TABLE, .addr_mask = A64_ADDR,
	.sw_shift = A64_SW_SHIFT, .owner_shift = OWNER_SHIFT,
	.leaf_encode = a64_s2_leaf, .leaf_attrs = a64_s2_attrs,
};

const struct pt_format pt_format_arm64_el2 = {
	.name = "arm64-el2",
	GEOM,
	.valid_mask = A64_VALID, .table_mask = A64_TABLE, .table_val = A64_TABLE,
	.table_bits = A64_VALID | A64_TABLE, .addr_mask = A64_ADDR,
	.sw_shift = A64_SW_SHIFT, .owner_shift = OWNER_SHIFT,
	.leaf_encode = a64_el2_leaf, .leaf_attrs = a64_el2_attrs,
};
