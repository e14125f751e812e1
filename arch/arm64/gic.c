/* SPDX-License-Identifier: MIT */
/*
 * GICv3 redistributor discovery and the EL2 CPU interface.
 *
 * Under UEFI the redistributors are found from the MADT (ACPI 6.x 5.2.12):
 * a GICC entry may give its CPU's redistributor directly (offset 60), or
 * GICR entries (type 0xE) give discovery ranges whose frames each carry
 * GICR_TYPER with the affinity of their CPU. Frames are 128 KiB (RD and
 * SGI pages), 256 KiB with virtual LPIs (GICv4).
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/gic.h"
#include "arch/arm64/machine.h"
#include "arch/arm64/sysreg.h"
#include "core/acpi.h"
#include "lib/print.h"
#include "lib/string.h"

#define MADT_ENTRIES 44
#define MADT_GICC 0x0b
#define MADT_GICR 0x0e
#define MADT_GICD 0x0c
#define GICD_BASE_OFF 8
#define GICD_CTLR 0x0000
#define GICD_CTLR_GRP1 (1u << 1) /* EnableGrp1 (DS=1) / EnableGrp1NS */
#define GICD_CTLR_ARE (1u << 4)  /* affinity routing (ARE / ARE_NS) */
#define GICD_CTLR_RWP (1u << 31)
#define GICC_GICR_BASE 60
#define GICC_MPIDR 68
#define GICC_MIN_LEN 76
#define GICR_RANGE_BASE 4
#define GICR_RANGE_LEN 12

#define GICR_WAKER 0x0014
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)
#define GICR_TYPER 0x0008
#define GICR_TYPER_VLPIS (1ull << 1)
#define GICR_TYPER_LAST (1ull << 4)
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_ICENABLER0 (GICR_SGI + 0x0180)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)
#define GICR_SPIN_MAX 1000000

#define ICC_SRE_SRE 1ull
#define ICC_SRE_ENABLE 8ull

static volatile uint8_t *rd_base[A64_CPUS_MAX];

static uint64_t rd_read64(const volatile uint8_t *rd, uint32_t off)
{
	return *(const volatile uint64_t *)(rd + off);
}

static volatile uint32_t *rd_reg(volatile uint8_t *rd, uint32_t off)
{
	return (volatile uint32_t *)(rd + off);
}

/* MPIDR affinity as GICR_TYPER[63:32] packs it: Aff3.Aff2.Aff1.Aff0. */
static uint32_t my_affinity(void)
{
	uint64_t m = read_sysreg(mpidr_el1);

	return (uint32_t)(((m >> 8) & 0xff000000ull) | (m & 0xffffffull));
}

static uint64_t rd_in_range(uint64_t base, uint64_t len, uint32_t aff)
{
	for (uint64_t off = 0; off + 2 * GICR_SGI <= len;) {
		const volatile uint8_t *rd = (const volatile uint8_t *)(uintptr_t)(base + off);
		uint64_t typer = rd_read64(rd, GICR_TYPER);

		if ((uint32_t)(typer >> 32) == aff)
			return base + off;
		if (typer & GICR_TYPER_LAST)
			break;
		off += (typer & GICR_TYPER_VLPIS) ? 4 * GICR_SGI : 2 * GICR_SGI;
	}
	return 0;
}

static uint64_t find_rd(void)
{
	const struct acpi_header *madt = acpi_find(a64_acpi(), "APIC", 0);
	uint64_t m = read_sysreg(mpidr_el1) & 0xff00ffffffull;
	uint32_t aff = my_affinity();
	uint64_t v, found = 0;

	if (!madt || madt->length < MADT_ENTRIES)
		return 0;
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES;
	const uint8_t *end = (const uint8_t *)madt + madt->length;

	for (; !found && end - p >= 2 && p[1] >= 2 && p[1] <= end - p; p += p[1]) {
		if (p[0] == MADT_GICC && p[1] >= GICC_MIN_LEN) {
			memcpy(&v, p + GICC_MPIDR, 8);
			if (v == m) {
				memcpy(&v, p + GICC_GICR_BASE, 8);
				found = v;
			}
		} else if (p[0] == MADT_GICR && p[1] >= 16) {
			uint32_t len;

			memcpy(&v, p + GICR_RANGE_BASE, 8);
			memcpy(&len, p + GICR_RANGE_LEN, 4);
			found = rd_in_range(v, len, aff);
		}
	}
	return found;
}

/* The distributor's base from the MADT GICD entry, 0 if none. */
static uint64_t find_gicd(void)
{
	const struct acpi_header *madt = acpi_find(a64_acpi(), "APIC", 0);
	uint64_t base = 0;

	if (!madt || madt->length < MADT_ENTRIES)
		return 0;
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES;
	const uint8_t *end = (const uint8_t *)madt + madt->length;

	for (; end - p >= 2 && p[1] >= 2 && p[1] <= end - p; p += p[1])
		if (p[0] == MADT_GICD && p[1] >= 16)
			memcpy(&base, p + GICD_BASE_OFF, 8);
	return base;
}

/*
 * AAVMF turns the GIC off at ExitBootServices: Group 1 forwarding is
 * switched back on (with affinity routing, which GICv3 PPIs in the
 * redistributor need). Done once, by the boot CPU.
 */
void gic_dist_init(void)
{
	uint64_t base = find_gicd();
	volatile uint32_t *ctlr = (volatile uint32_t *)(uintptr_t)(base + GICD_CTLR);

	if (!base)
		return;
	*ctlr |= GICD_CTLR_ARE | GICD_CTLR_GRP1;
	for (unsigned i = 0; i < GICR_SPIN_MAX && (*ctlr & GICD_CTLR_RWP); i++)
		__asm__ volatile("yield");
}

bool gic_cpu_init(void)
{
	uint32_t cpu = a64_cpu_index();
	uint64_t rd = find_rd();

	if (!rd)
		return false;
	rd_base[cpu] = (volatile uint8_t *)(uintptr_t)rd;
	*rd_reg(rd_base[cpu], GICR_WAKER) &= ~GICR_WAKER_SLEEP;
	for (unsigned i = 0; i < GICR_SPIN_MAX && (*rd_reg(rd_base[cpu], GICR_WAKER) & GICR_WAKER_ASLEEP); i++)
		__asm__ volatile("yield");
	write_sysreg(S3_4_C12_C9_5, read_sysreg(S3_4_C12_C9_5) | ICC_SRE_SRE | ICC_SRE_ENABLE); /* ICC_SRE_EL2 */
	isb();
	write_sysreg(S3_0_C4_C6_0, 0xff);  /* ICC_PMR_EL1: let every priority through */
	write_sysreg(S3_0_C12_C12_3, 0);   /* ICC_BPR1_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1);   /* ICC_IGRPEN1_EL1 */
	isb();
	return true;
}

void gic_ppi_enable(uint32_t intid, uint8_t prio)
{
	volatile uint8_t *rd = rd_base[a64_cpu_index()];

	if (!rd || intid >= 32)
		return;
	*(volatile uint8_t *)(rd + GICR_IPRIORITYR + intid) = prio;
	*rd_reg(rd, GICR_IGROUPR0) |= 1u << intid;
	*rd_reg(rd, GICR_ISENABLER0) = 1u << intid;
	__asm__ volatile("dsb sy" ::: "memory");
}

void gic_ppi_set(uint32_t intid, bool on)
{
	volatile uint8_t *rd = rd_base[a64_cpu_index()];

	if (!rd || intid >= 32)
		return;
	*rd_reg(rd, on ? GICR_ISENABLER0 : GICR_ICENABLER0) = 1u << intid;
	__asm__ volatile("dsb sy" ::: "memory");
}

uint32_t gic_ack(void)
{
	uint32_t intid = (uint32_t)read_sysreg(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */

	__asm__ volatile("dsb sy" ::: "memory");
	return intid;
}

void gic_eoi(uint32_t intid)
{
	write_sysreg(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
	isb();
}

void gic_send_sgi(uint64_t mpidr, uint32_t intid)
{
	uint64_t aff0 = mpidr & 0xff;
	uint64_t v = (1ull << (aff0 & 0xf)) |          /* TargetList */
		     (((mpidr >> 8) & 0xff) << 16) |    /* Aff1 */
		     ((uint64_t)(intid & 0xf) << 24) |  /* INTID */
		     (((mpidr >> 16) & 0xff) << 32) |   /* Aff2 */
		     ((aff0 >> 4) << 44) |              /* RS: which 16 of Aff0 */
		     (((mpidr >> 32) & 0xff) << 48);    /* Aff3 */

	__asm__ volatile("dsb ishst" ::: "memory");
	write_sysreg(S3_0_C12_C11_5, v); /* ICC_SGI1R_EL1 */
	isb();
}
