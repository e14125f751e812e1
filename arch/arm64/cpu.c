/* SPDX-License-Identifier: MIT */
/*
 * arm64 CPU identification and what fief needs of EL2: running at EL2, a
 * 4 KiB stage-2 granule, the physical address and VMID widths.
 */
#include <stdbool.h>

#include "arch/arm64/cpu.h"
#include "arch/arm64/pl011.h"
#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "lib/print.h"

struct arm64_cpu arm64_cpu;

void arm64_cpu_probe(void)
{
	struct arm64_cpu *c = &arm64_cpu;

	c->midr = read_sysreg(midr_el1);
	c->current_el = current_el();
	c->pfr0 = read_sysreg(id_aa64pfr0_el1);
	c->mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	c->mmfr1 = read_sysreg(id_aa64mmfr1_el1);
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

/* ID_AA64MMFR0_EL1.PARange to bits; 0 for an encoding this code predates. */
static unsigned parange_bits(unsigned enc)
{
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return enc < sizeof(bits) ? bits[enc] : 0;
}

static unsigned vmid_bits(const struct arm64_cpu *c)
{
	return MMFR1_VMIDBITS(c->mmfr1) == 2 ? 16 : 8;
}

/*
 * A stage-2 granule field: 2 (or 3, with 52-bit addresses) means supported,
 * 1 not supported, 0 "as for stage 1", given by @s1_ok.
 */
static bool s2_granule(unsigned field, bool s1_ok)
{
	return field == 0 ? s1_ok : field >= 2;
}

static bool s2_4k(const struct arm64_cpu *c)
{
	return s2_granule(MMFR0_TGRAN4_2(c->mmfr0), MMFR0_TGRAN4(c->mmfr0) != 0xf);
}

int arch_virt_usable(void)
{
	const struct arm64_cpu *c = &arm64_cpu;

	return c->current_el == 2 && s2_4k(c);
}

static const char *gic_iface(unsigned field)
{
	switch (field) {
	case 0:
		return "none";
	case 1:
		return "GICv3/v4";
	case 3:
		return "GICv4.1";
	default:
		return "unknown";
	}
}

void arch_describe(void)
{
	const struct arm64_cpu *c = &arm64_cpu;
	uint64_t uart = pl011_base();

	console_printf("cpu: arm64 MIDR 0x%08llx (implementer 0x%02x part 0x%03x variant %u "
		       "revision %u)\n",
		       (unsigned long long)c->midr, MIDR_IMPLEMENTER(c->midr),
		       MIDR_PARTNUM(c->midr), MIDR_VARIANT(c->midr), MIDR_REVISION(c->midr));
	console_printf("virt: CurrentEL %u, PARange %u bits, VMID %u bits, VHE %s\n",
		       c->current_el, parange_bits(MMFR0_PARANGE(c->mmfr0)), vmid_bits(c),
		       yn(MMFR1_VH(c->mmfr1) != 0));
	console_printf("virt: EL2 %s, stage-2 granules 4K %s 16K %s 64K %s, GIC sysreg "
		       "interface %s\n",
		       yn(PFR0_EL2(c->pfr0) != 0), yn(s2_4k(c)),
		       yn(s2_granule(MMFR0_TGRAN16_2(c->mmfr0), MMFR0_TGRAN16(c->mmfr0) != 0)),
		       yn(s2_granule(MMFR0_TGRAN64_2(c->mmfr0), MMFR0_TGRAN64(c->mmfr0) != 0xf)),
		       gic_iface(PFR0_GIC(c->pfr0)));
	if (uart)
		console_printf("console: PL011 at 0x%llx (ACPI SPCR)\n", (unsigned long long)uart);
	console_printf("virt: backend %s\n", arch_virt_usable() ? "arm64-el2" : "none");
}
