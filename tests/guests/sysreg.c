/* SPDX-License-Identifier: MIT */
/*
 * sysreg (arm64): trapped system registers and hidden features.
 *
 * With its own EL1 vectors installed, it reads ACTLR_EL1 (a register
 * fief traps and does not emulate) and runs an SVE and an SME instruction
 * (features whose state fief does not switch): each must arrive as an
 * undefined-instruction exception at EL1 (ESR_EL1.EC = 0), which the
 * handler records and skips. It also checks that the ID registers hide SVE
 * and SME.
 *
 * Expected: "sysreg: all ok" and a self-stop with status 0; otherwise a
 * bit mask of the failed checks.
 */
#include "guest.h"

static volatile uint64_t seen_esr, seen_elr;

/* Vectors: only "current EL with SP_ELx, synchronous" (offset 0x200) has a
 * handler; it records ESR/ELR and steps over the instruction. */
__asm__(".balign 2048\n"
	".globl sysreg_vectors\n"
	"sysreg_vectors:\n"
	".rept 4\n.balign 128\nb .\n.endr\n"
	".balign 128\nb sysreg_sync\n"
	".rept 11\n.balign 128\nb .\n.endr\n"
	"sysreg_sync:\n"
	"	mrs x0, esr_el1\n"
	"	adrp x1, seen_esr\n"
	"	str x0, [x1, :lo12:seen_esr]\n"
	"	mrs x0, elr_el1\n"
	"	adrp x1, seen_elr\n"
	"	str x0, [x1, :lo12:seen_elr]\n"
	"	add x0, x0, #4\n"
	"	msr elr_el1, x0\n"
	"	eret\n");
extern char sysreg_vectors[];

static int undefined(const char *what, int bit)
{
	uint32_t ec = (uint32_t)(seen_esr >> 26);
	int ok = seen_esr != 0 && ec == 0;

	guest_printf("sysreg: %s: ESR_EL1 0x%lx at 0x%lx%s\n", what, (unsigned long)seen_esr,
		     (unsigned long)seen_elr, ok ? "" : " (FAIL)");
	seen_esr = 0;
	return ok ? 0 : 1 << bit;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t v = 0, pfr0;
	int fail = 0;

	(void)vcpu;
	(void)mem_size;
	__asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(sysreg_vectors));
	__asm__ volatile("mrs %0, actlr_el1" : "=r"(v));
	fail |= undefined("ACTLR_EL1 read", 0);
	__asm__ volatile("mrs %0, id_aa64pfr0_el1" : "=r"(pfr0));
	/* ID_AA64PFR0_EL1.SVE, bits [35:32]: 0 = the CPU has no SVE. */
	guest_printf("sysreg: ID_AA64PFR0_EL1 0x%lx, SVE %s\n", (unsigned long)pfr0,
		     (pfr0 >> 32) & 0xf ? "shown (FAIL)" : "hidden");
	fail |= ((pfr0 >> 32) & 0xf) ? 1 << 1 : 0;
	/* Allow SVE at EL1 in CPACR_EL1 (ZEN), then RDVL x0, #1. */
	__asm__ volatile("mrs x1, cpacr_el1\n\torr x1, x1, #(3 << 16)\n\tmsr cpacr_el1, x1\n\tisb"
			 : : : "x1");
	__asm__ volatile(".inst 0x04bf5020" : : : "x0", "memory");
	fail |= undefined("SVE instruction", 2);
	/* ID_AA64PFR1_EL1.SME, bits [27:24]: 0 = the CPU has no SME. */
	__asm__ volatile("mrs %0, id_aa64pfr1_el1" : "=r"(v));
	guest_printf("sysreg: ID_AA64PFR1_EL1 0x%lx, SME %s\n", (unsigned long)v,
		     (v >> 24) & 0xf ? "shown (FAIL)" : "hidden");
	fail |= ((v >> 24) & 0xf) ? 1 << 3 : 0;
	/* Allow SME at EL1 in CPACR_EL1 (SMEN, bits [25:24]; otherwise the
	 * guest's own trap comes first), then SMSTART (MSR SVCRSMZA, #1):
	 * streaming mode and ZA would be state fief does not switch. */
	__asm__ volatile("mrs x1, cpacr_el1\n\torr x1, x1, #(3 << 24)\n\tmsr cpacr_el1, x1\n\tisb"
			 : : : "x1");
	__asm__ volatile(".inst 0xd503477f" : : : "memory");
	fail |= undefined("SME instruction", 4);
	if (!fail)
		guest_printf("sysreg: all ok\n");
	return fail;
}
