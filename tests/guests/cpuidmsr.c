/* SPDX-License-Identifier: MIT */
/*
 * cpuidmsr: what fief shows of the CPU through CPUID and MSRs.
 *
 * Each check prints "cpuidmsr: <check> ok" or "cpuidmsr: <check> FAIL ..."
 * and the guest reports 0 if all pass, else a bit mask of the failed checks
 * (bit i = check i below):
 *   0 signature   CPUID 0x40000000: EBX ECX EDX = "fiefFIEFfief", EAX >= 0x40000000
 *   1 hypervisor  CPUID 1: ECX bit 31 (hypervisor present) set
 *   2 vmx-hidden  CPUID 1: ECX bit 5 (VMX) clear
 *   3 svm-hidden  CPUID 0x80000001: ECX bit 2 (SVM) clear
 *   4 efer        RDMSR EFER: SVME (bit 12) clear, LME and LMA (bits 8, 10) set
 *   5 unknown-msr RDMSR 0x12345678 raises #GP (caught, instruction skipped)
 *   6 efer-lme    WRMSR EFER without LME while paging is on raises #GP and
 *                 leaves EFER as it was (the architectural rule; a VMM that
 *                 let it through would leave the vCPU in a state VM entry
 *                 refuses)
 */
#include "guest.h"
#include "x86.h"

#define MSR_EFER 0xc0000080u
#define MSR_UNKNOWN 0x12345678u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_SVME (1ull << 12)

static uint32_t failed;

static void report(unsigned bit, const char *name, int ok, const char *why, uint64_t v)
{
	if (ok) {
		guest_printf("cpuidmsr: %s ok\n", name);
		return;
	}
	failed |= 1u << bit;
	guest_printf("cpuidmsr: %s FAIL %s 0x%lx\n", name, why, (unsigned long)v);
}

static void check_cpuid(void)
{
	struct x86_cpuid r = x86_cpuid(FIEF_CPUID_LEAF_BASE, 0);

	report(0, "signature",
	       r.ebx == FIEF_CPUID_SIG_EBX && r.ecx == FIEF_CPUID_SIG_ECX &&
		       r.edx == FIEF_CPUID_SIG_EDX && r.eax >= FIEF_CPUID_LEAF_BASE,
	       "ebx:ecx:edx:eax", ((uint64_t)r.ebx << 32) | r.ecx);
	r = x86_cpuid(1, 0);
	report(1, "hypervisor", (r.ecx >> 31) & 1, "cpuid.1:ecx", r.ecx);
	report(2, "vmx-hidden", !((r.ecx >> 5) & 1), "cpuid.1:ecx", r.ecx);
	r = x86_cpuid(0x80000001u, 0);
	report(3, "svm-hidden", !((r.ecx >> 2) & 1), "cpuid.80000001:ecx", r.ecx);
}

static void check_msr(void)
{
	int gp, gp2;
	uint64_t efer = x86_rdmsr_probe(MSR_EFER, &gp), after;

	report(4, "efer",
	       !gp && !(efer & EFER_SVME) && (efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	       gp ? "#GP reading efer" : "efer", efer);
	(void)x86_rdmsr_probe(MSR_UNKNOWN, &gp);
	report(5, "unknown-msr", gp, "no #GP, gp count", x86_gp_count);
	x86_wrmsr_probe(MSR_EFER, efer & ~EFER_LME, &gp);
	after = x86_rdmsr_probe(MSR_EFER, &gp2);
	report(6, "efer-lme", gp && !gp2 && after == efer,
	       gp ? "efer changed to" : "no #GP, efer now", after);
}

int main(unsigned vcpu, uint64_t mem_size)
{
	(void)vcpu;
	(void)mem_size;
	x86_idt_catch_gp();
	check_cpuid();
	check_msr();
	guest_printf("cpuidmsr: %s, failed mask 0x%x\n", failed ? "FAIL" : "all ok", failed);
	return (int)failed;
}
