/* SPDX-License-Identifier: MIT */
/* arm64 system registers and barriers fief uses, as inline code. */
#ifndef FIEF_ARCH_ARM64_SYSREG_H
#define FIEF_ARCH_ARM64_SYSREG_H

#include <stdint.h>

/* read_sysreg(name) - MRS of a system register named as the assembler knows it. */
#define read_sysreg(name)                                              \
	({                                                             \
		uint64_t v_;                                           \
		__asm__ volatile("mrs %0, " #name : "=r"(v_));         \
		v_;                                                    \
	})

/* write_sysreg(name, v) - MSR of a system register. */
#define write_sysreg(name, v)                                          \
	do {                                                           \
		uint64_t w_ = (uint64_t)(v);                           \
		__asm__ volatile("msr " #name ", %0" ::"r"(w_) : "memory"); \
	} while (0)

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

/* A field of an ID register: @width bits from bit @lsb. */
static inline unsigned sysreg_field(uint64_t reg, unsigned lsb, unsigned width)
{
	return (unsigned)((reg >> lsb) & ((1ull << width) - 1));
}

/* MIDR_EL1 */
#define MIDR_IMPLEMENTER(m) sysreg_field((m), 24, 8)
#define MIDR_VARIANT(m) sysreg_field((m), 20, 4)
#define MIDR_PARTNUM(m) sysreg_field((m), 4, 12)
#define MIDR_REVISION(m) sysreg_field((m), 0, 4)

/* ID_AA64MMFR0_EL1 */
#define MMFR0_PARANGE(r) sysreg_field((r), 0, 4)
#define MMFR0_TGRAN4(r) sysreg_field((r), 28, 4)    /* 0 or 1: yes, 0xf: no */
#define MMFR0_TGRAN64(r) sysreg_field((r), 24, 4)   /* 0: yes, 0xf: no */
#define MMFR0_TGRAN16(r) sysreg_field((r), 20, 4)   /* 0: no, 1 or 2: yes */
#define MMFR0_TGRAN4_2(r) sysreg_field((r), 40, 4)  /* stage 2; 0: as TGRAN4 */
#define MMFR0_TGRAN16_2(r) sysreg_field((r), 32, 4)
#define MMFR0_TGRAN64_2(r) sysreg_field((r), 36, 4)

/* ID_AA64MMFR1_EL1 */
#define MMFR1_VMIDBITS(r) sysreg_field((r), 4, 4)   /* 0: 8 bits, 2: 16 bits */
#define MMFR1_VH(r) sysreg_field((r), 8, 4)         /* nonzero: VHE */

/* ID_AA64PFR0_EL1 */
#define PFR0_EL2(r) sysreg_field((r), 8, 4)         /* 0: no EL2 */
#define PFR0_GIC(r) sysreg_field((r), 24, 4)        /* 1: GICv3/4, 3: GICv4.1 */

/* CurrentEL: the exception level in bits [3:2]. */
static inline unsigned current_el(void)
{
	return sysreg_field(read_sysreg(CurrentEL), 2, 2);
}

static inline _Noreturn void cpu_halt_forever(void)
{
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;)
		__asm__ volatile("wfi" ::: "memory");
}

#endif
