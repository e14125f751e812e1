/* SPDX-License-Identifier: MIT */
/*
 * Trapped system registers a guest may read: the ID registers (HCR_EL2.TID3)
 * with the features fief does not give guests hidden, and the debug
 * registers (MDCR_EL2.TDA/TDOSA/TDRA) as read-as-zero, writes ignored.
 *
 * Hidden, because fief does not switch their state between VMs (their use
 * traps to an undefined) or does not offer them: SVE, SME, pointer
 * authentication, MTE, GCS, AMU, MPAM, SPE, trace, BRBE, the PMU, EL2
 * and EL3 (and Secure EL2), nested virtualization, RME, FEAT_NMI. PARange is capped at the 48-bit IPA space of
 * the stage-2 tables.
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"

/* Clear the 4-bit field at @lsb. */
#define F(lsb) ((uint64_t)0xf << (lsb))

/* Reads the ID register op0=3 op1=0 CRn=0 CRm=@crm op2=@op2 of the CPU. */
#define ID_CASE(crm, op2) \
	case (crm) * 8 + (op2): return read_sysreg(S3_0_C0_C##crm##_##op2)

static uint64_t id_raw(unsigned crm, unsigned op2)
{
	switch (crm * 8 + op2) {
	ID_CASE(1, 0); ID_CASE(1, 1); ID_CASE(1, 2); ID_CASE(1, 3);
	ID_CASE(1, 4); ID_CASE(1, 5); ID_CASE(1, 6); ID_CASE(1, 7);
	ID_CASE(2, 0); ID_CASE(2, 1); ID_CASE(2, 2); ID_CASE(2, 3);
	ID_CASE(2, 4); ID_CASE(2, 5); ID_CASE(2, 6); ID_CASE(2, 7);
	ID_CASE(3, 0); ID_CASE(3, 1); ID_CASE(3, 2); ID_CASE(3, 4);
	ID_CASE(3, 5); ID_CASE(3, 6);
	ID_CASE(4, 0); ID_CASE(4, 1); ID_CASE(4, 2);
	ID_CASE(5, 0); ID_CASE(5, 1); ID_CASE(5, 4); ID_CASE(5, 5);
	ID_CASE(6, 0); ID_CASE(6, 1); ID_CASE(6, 2);
	ID_CASE(7, 0); ID_CASE(7, 1); ID_CASE(7, 2); ID_CASE(7, 3); ID_CASE(7, 4);
	default:
		return 0; /* reserved encodings read as zero; so do ZFR0, SMFR0 */
	}
}

static uint64_t id_value(unsigned crm, unsigned op2)
{
	uint64_t v = id_raw(crm, op2);
	uint64_t pa;

	switch (crm * 8 + op2) {
	case 4 * 8 + 0: /* ID_AA64PFR0: EL2, EL3, SVE, SEL2, MPAM, AMU, RME */
		return v & ~(F(8) | F(12) | F(32) | F(36) | F(40) | F(44) | F(52));
	case 4 * 8 + 1: /* ID_AA64PFR1: MTE, MPAM_frac, SME, NMI, MTE_frac, GCS */
		return v & ~(F(8) | F(16) | F(24) | F(36) | F(40) | F(44));
	case 5 * 8 + 0: /* ID_AA64DFR0: TraceVer, PMUVer, PMSVer, TraceFilt,
			 * TraceBuffer, BRBE */
		return v & ~(F(4) | F(8) | F(32) | F(40) | F(44) | F(52));
	case 6 * 8 + 1: /* ID_AA64ISAR1: APA, API, GPA, GPI */
		return v & ~(F(4) | F(8) | F(24) | F(28));
	case 6 * 8 + 2: /* ID_AA64ISAR2: GPA3, APA3 */
		return v & ~(F(8) | F(12));
	case 7 * 8 + 0: /* ID_AA64MMFR0: PARange at most 48 bits */
		pa = v & 0xf;
		return (v & ~F(0)) | (pa > 5 ? 5 : pa);
	case 7 * 8 + 1: /* ID_AA64MMFR1: VH, HCX */
		return v & ~(F(8) | F(40));
	case 7 * 8 + 2: /* ID_AA64MMFR2: NV */
		return v & ~F(24);
	case 1 * 8 + 2: /* ID_DFR0 (AArch32 view): PerfMon */
		return v & ~F(24);
	default:
		return v;
	}
}

bool a64_sysreg_read(uint32_t iss, uint64_t *val)
{
	unsigned op0 = (iss >> 20) & 3, op2 = (iss >> 17) & 7, op1 = (iss >> 14) & 7;
	unsigned crn = (iss >> 10) & 0xf, crm = (iss >> 1) & 0xf;

	if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7) {
		*val = id_value(crm, op2);
		return true;
	}
	if (op0 == 2) { /* debug registers */
		*val = 0;
		return true;
	}
	return false;
}

bool a64_sysreg_write_ignored(uint32_t iss)
{
	return ((iss >> 20) & 3) == 2; /* debug registers: writes ignored */
}
