/* SPDX-License-Identifier: MIT */
/*
 * Taking over EL2 from the firmware: fief's own stage-1 tables, vectors
 * and the EL2 controls every CPU runs with.
 *
 * AAVMF hands over at EL2 with its own identity map, in memory that is
 * usable RAM after ExitBootServices (fief may give it to a VM). fief builds
 * its own identity map of the first 512 GiB of physical addresses in the
 * EL2 stage-1 format of mm/ (pt_format_arm64_el2), in tables inside its
 * image: RAM (every range the memory map lists, except MMIO) as Normal
 * write-back memory, everything else as Device-nGnRE, 1 GiB blocks where a
 * gigabyte is all one kind, 2 MiB blocks where it is mixed.
 *
 * The switch runs with the MMU briefly off, so that no TLB ever holds the
 * firmware's and fief's entries for one address at once (a TLB conflict on
 * real hardware; break-before-make cannot be done on the map one executes
 * from). With E2H and TGE cleared in the same window, EL2 uses the
 * non-VHE EL2 regime from then on.
 */
#include "arch/arm64/cpu.h"
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"
#include "core/boot_info.h"
#include "lib/print.h"
#include "mm/pgtable.h"

#define L2_TABLES_MAX 8
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

/* SCTLR_EL2 (non-VHE): M, C, SA, I and the RES1 bits. */
#define SCTLR_EL2_M BIT64(0)
#define SCTLR_EL2_C BIT64(2)
#define SCTLR_EL2_SA BIT64(3)
#define SCTLR_EL2_I BIT64(12)
#define SCTLR_EL2_RES1 (BIT64(4) | BIT64(5) | BIT64(11) | BIT64(16) | BIT64(18) | \
			BIT64(22) | BIT64(23) | BIT64(28) | BIT64(29))
/* TCR_EL2 / VTCR_EL2 common fields: 48-bit input, 4 KiB granule, walks
 * inner shareable write-back (coherent with fief's cached table writes). */
#define TCR_T0SZ_48 16ull
#define TCR_WALK_WB ((1ull << 8) | (1ull << 10) | (3ull << 12))
#define TCR_PS_SHIFT 16
#define TCR_EL2_RES1 (BIT64(23) | BIT64(31))
#define VTCR_SL0_L0 (2ull << 6) /* 4 KiB granule: start at level 0 */
#define VTCR_VS BIT64(19)       /* 16-bit VMIDs */
#define VTCR_RES1 BIT64(31)
/* MAIR_EL2: attr0 Normal WB RA/WA, attr1 Device-nGnRE (the EL2 format). */
#define MAIR_EL2_VAL 0x04ffull
/* CPTR_EL2 (non-VHE): RES1 bits plus TZ (SVE traps); TFP clear (FP allowed). */
#define CPTR_EL2_VAL 0x33ffull
/* CNTHCTL_EL2 (non-VHE): EL1 may read the physical counter, not program
 * the physical timer (that traps, and the guest gets an undefined). */
#define CNTHCTL_EL1PCTEN BIT64(0)
/* MDCR_EL2: trap PMU and debug register accesses of guests. */
#define MDCR_TRAPS (BIT64(5) | BIT64(6) | BIT64(9) | BIT64(10) | BIT64(11))
#define MDCR_HPMN_MASK 0x1full

static pte_t l0[512] __attribute__((aligned(4096)));
static pte_t l1[512] __attribute__((aligned(4096)));
static pte_t l2[L2_TABLES_MAX][512] __attribute__((aligned(4096)));

static uint64_t vtcr_val, tcr_val;

static bool is_ram_type(uint32_t t)
{
	return t != BOOT_MEM_MMIO && t != BOOT_MEM_UNUSABLE && t > 0 && t < BOOT_MEM_TYPE_COUNT;
}

/* How much of [base, base + size) is RAM: 0 none, 1 some, 2 all. */
static int ram_cover(const struct boot_info *bi, uint64_t base, uint64_t size)
{
	uint64_t covered = 0;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_region *r = &bi->mem[i];
		uint64_t lo = r->base > base ? r->base : base;
		uint64_t hi = r->base + r->size < base + size ? r->base + r->size : base + size;

		if (is_ram_type(r->type) && hi > lo)
			covered += hi - lo;
	}
	return covered == 0 ? 0 : covered >= size ? 2 : 1;
}

static pte_t leaf(const struct boot_info *bi, uint64_t pa, unsigned level, uint64_t size)
{
	const struct pt_format *f = &pt_format_arm64_el2;

	/* A block with some RAM is Normal: the rest of it is a hole, never
	 * a device, on the machines fief knows. */
	if (ram_cover(bi, pa, size))
		return f->leaf_encode(pa_init(pa), level, MM_ATTR_RWX);
	return f->leaf_encode(pa_init(pa), level, MM_ATTR_RW | MM_ATTR_DEVICE);
}

static void build_tables(const struct boot_info *bi)
{
	const struct pt_format *f = &pt_format_arm64_el2;
	unsigned used = 0;

	l0[0] = (uint64_t)(uintptr_t)l1 | f->table_bits;
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t pa = i * GIB;

		if (ram_cover(bi, pa, GIB) != 1 || used == L2_TABLES_MAX) {
			l1[i] = leaf(bi, pa, 1, GIB);
			continue;
		}
		for (uint64_t j = 0; j < 512; j++)
			l2[used][j] = leaf(bi, pa + j * MIB2, 2, MIB2);
		l1[i] = (uint64_t)(uintptr_t)l2[used] | f->table_bits;
		used++;
	}
	console_printf("arm64: own EL2 tables: identity map of 512 GiB, %u GiB split in 2 MiB "
		       "blocks\n", used);
}

/* The output-address size fief uses: PARange, capped at 48 bits (the
 * tables' format has no 52-bit descriptors). */
static uint64_t ps_field(void)
{
	uint64_t pa = MMFR0_PARANGE(arm64_cpu.mmfr0);

	return pa > 5 ? 5 : pa;
}

/* Switch to fief's tables with the MMU off; no memory access in between. */
static void mmu_switch(uint64_t ttbr, uint64_t tcr, uint64_t hcr)
{
	uint64_t sctlr = SCTLR_EL2_RES1 | SCTLR_EL2_M | SCTLR_EL2_C | SCTLR_EL2_SA | SCTLR_EL2_I;
	uint64_t tmp;

	__asm__ volatile("dsb ish\n\t"
			 "mrs %0, sctlr_el2\n\t"
			 "bic %0, %0, #1\n\t"
			 "msr sctlr_el2, %0\n\t"
			 "isb\n\t"
			 "msr hcr_el2, %3\n\t"
			 "isb\n\t"
			 "tlbi alle2\n\t"
			 "dsb nsh\n\t"
			 "msr mair_el2, %4\n\t"
			 "msr tcr_el2, %2\n\t"
			 "msr ttbr0_el2, %1\n\t"
			 "isb\n\t"
			 "msr sctlr_el2, %5\n\t"
			 "isb\n\t"
			 "ic iallu\n\t"
			 "dsb nsh\n\t"
			 "isb"
			 : "=&r"(tmp)
			 : "r"(ttbr), "r"(tcr), "r"(hcr), "r"(MAIR_EL2_VAL), "r"(sctlr)
			 : "memory");
}

void a64_cpu_el2_setup(void)
{
	uint64_t mdcr = read_sysreg(mdcr_el2);

	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	mmu_switch((uint64_t)(uintptr_t)l0, tcr_val, HCR_RW);
	write_sysreg(vbar_el2, (uint64_t)(uintptr_t)a64_el2_vectors);
	write_sysreg(cptr_el2, CPTR_EL2_VAL);
	write_sysreg(cnthctl_el2, CNTHCTL_EL1PCTEN);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(mdcr_el2, (mdcr & MDCR_HPMN_MASK) | MDCR_TRAPS);
	write_sysreg(vtcr_el2, vtcr_val);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	write_sysreg(hcr_el2, HCR_GUEST);
	isb();
}

uint64_t a64_vtcr(void)
{
	return vtcr_val;
}

void arch_takeover(const struct boot_info *bi)
{
	uint64_t hcr = read_sysreg(hcr_el2);

	console_printf("arm64: hand-over HCR_EL2 0x%llx (E2H %u, TGE %u), SCTLR_EL2 0x%llx\n",
		       (unsigned long long)hcr, (unsigned)((hcr & HCR_E2H) != 0),
		       (unsigned)((hcr & HCR_TGE) != 0),
		       (unsigned long long)read_sysreg(sctlr_el2));
	tcr_val = TCR_T0SZ_48 | TCR_WALK_WB | (ps_field() << TCR_PS_SHIFT) | TCR_EL2_RES1;
	vtcr_val = TCR_T0SZ_48 | VTCR_SL0_L0 | TCR_WALK_WB | (ps_field() << TCR_PS_SHIFT) |
		   VTCR_RES1 | (MMFR1_VMIDBITS(arm64_cpu.mmfr1) == 2 ? VTCR_VS : 0);
	build_tables(bi);
	a64_cpu_el2_setup();
	console_printf("arm64: EL2 vectors at 0x%llx, HCR_EL2 0x%llx, VTCR_EL2 0x%llx\n",
		       (unsigned long long)read_sysreg(vbar_el2),
		       (unsigned long long)read_sysreg(hcr_el2),
		       (unsigned long long)read_sysreg(vtcr_el2));
}
