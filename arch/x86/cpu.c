/* SPDX-License-Identifier: MIT */
/*
 * x86 CPU identification and the virtualization features fief can use:
 * AMD SVM (CPUID 0x8000000A) and Intel VMX (the IA32_VMX_* capability MSRs).
 */
#include <stdbool.h>

#include "arch/x86/cpu.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "lib/print.h"
#include "lib/string.h"

/* CPUID bits */
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID81_ECX_SVM (1u << 2)
/* CPUID 0x8000000A EDX */
#define SVM_NPT (1u << 0)
#define SVM_NRIPS (1u << 3)
#define SVM_VMCB_CLEAN (1u << 5)
#define SVM_FLUSH_BY_ASID (1u << 6)
#define SVM_DECODE_ASSISTS (1u << 7)
#define SVM_VGIF (1u << 16)
#define VM_CR_SVMDIS (1u << 4)
/* IA32_FEATURE_CONTROL */
#define FC_LOCKED (1u << 0)
#define FC_VMX_OUTSIDE_SMX (1u << 2)
/* Secondary processor-based controls (allowed-1 half) */
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_PML (1u << 17)
/* IA32_VMX_EPT_VPID_CAP */
#define EPT_WALK4 (1ull << 6)
#define EPT_WB (1ull << 14)
#define EPT_2M (1ull << 16)
#define EPT_1G (1ull << 17)
#define EPT_AD (1ull << 21)
#define VPID_INVVPID (1ull << 32)

struct x86_cpu x86_cpu;

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

static void probe_svm(struct x86_cpu *c)
{
	struct cpuid_regs r = cpuid(0x80000001, 0);

	if (!(r.ecx & CPUID81_ECX_SVM))
		return;
	c->svm = true;
	c->svm_disabled = (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) != 0;
	r = cpuid(0x8000000a, 0);
	c->svm_rev = r.eax & 0xff;
	c->svm_asids = r.ebx;
	c->svm_features = r.edx;
}

static void probe_vmx(struct x86_cpu *c)
{
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX))
		return;
	c->vmx = true;
	c->vmx_feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
	c->vmx_basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->vmx_proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	if ((c->vmx_proc >> 32) & PROC_SECONDARY)
		c->vmx_proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if ((c->vmx_proc2 >> 32) & (PROC2_EPT | PROC2_VPID))
		c->vmx_ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
}

void x86_cpu_probe(void)
{
	struct x86_cpu *c = &x86_cpu;
	struct cpuid_regs r = cpuid(0, 0);

	memset(c, 0, sizeof(*c));
	memcpy(c->vendor + 0, &r.ebx, 4);
	memcpy(c->vendor + 4, &r.edx, 4);
	memcpy(c->vendor + 8, &r.ecx, 4);
	r = cpuid(1, 0);
	c->family = (r.eax >> 8) & 0xf;
	c->model = (r.eax >> 4) & 0xf;
	c->stepping = r.eax & 0xf;
	if (c->family == 0xf)
		c->family += (r.eax >> 20) & 0xff;
	if (c->family >= 0x6)
		c->model |= ((r.eax >> 16) & 0xf) << 4;
	if (cpuid(0x80000000, 0).eax >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			memcpy(c->brand + 16 * i, &r, 16);
		}
	}
	probe_svm(c);
	probe_vmx(c);
}

static bool vmx_usable(const struct x86_cpu *c)
{
	uint32_t proc2 = (uint32_t)(c->vmx_proc2 >> 32);
	bool fc_ok = !(c->vmx_feature_control & FC_LOCKED) ||
		     (c->vmx_feature_control & FC_VMX_OUTSIDE_SMX);

	return c->vmx && fc_ok && (proc2 & PROC2_EPT) && (c->vmx_ept_vpid & EPT_WALK4);
}

static bool svm_usable(const struct x86_cpu *c)
{
	return c->svm && !c->svm_disabled && (c->svm_features & SVM_NPT);
}

int arch_virt_usable(void)
{
	return svm_usable(&x86_cpu) || vmx_usable(&x86_cpu);
}

static void describe_svm(const struct x86_cpu *c)
{
	uint32_t f = c->svm_features;

	console_printf("virt: SVM rev %u%s, NPT %s, ASIDs %u, NRIP-save %s, VMCB-clean %s, "
		       "flush-by-ASID %s, decode-assists %s, VGIF %s\n",
		       c->svm_rev, c->svm_disabled ? " (disabled by firmware)" : "",
		       yn(f & SVM_NPT), c->svm_asids, yn(f & SVM_NRIPS), yn(f & SVM_VMCB_CLEAN),
		       yn(f & SVM_FLUSH_BY_ASID), yn(f & SVM_DECODE_ASSISTS), yn(f & SVM_VGIF));
}

static void describe_vmx(const struct x86_cpu *c)
{
	uint32_t proc2 = (uint32_t)(c->vmx_proc2 >> 32);
	uint64_t ev = c->vmx_ept_vpid;

	console_printf("virt: VMX basic 0x%llx: revision 0x%x, VMCS %u bytes, true-ctls %s; "
		       "feature-control 0x%llx\n",
		       (unsigned long long)c->vmx_basic, (unsigned)(c->vmx_basic & 0x7fffffff),
		       (unsigned)((c->vmx_basic >> 32) & 0x1fff), yn(c->vmx_basic & (1ull << 55)),
		       (unsigned long long)c->vmx_feature_control);
	console_printf("virt: VMX EPT %s (4-level %s, WB %s, 2M %s, 1G %s, A/D %s), VPID %s "
		       "(INVVPID %s), unrestricted-guest %s, PML %s; ept-vpid-cap 0x%llx\n",
		       yn(proc2 & PROC2_EPT), yn(ev & EPT_WALK4), yn(ev & EPT_WB), yn(ev & EPT_2M),
		       yn(ev & EPT_1G), yn(ev & EPT_AD), yn(proc2 & PROC2_VPID),
		       yn(ev & VPID_INVVPID), yn(proc2 & PROC2_UNRESTRICTED), yn(proc2 & PROC2_PML),
		       (unsigned long long)ev);
}

void arch_describe(void)
{
	const struct x86_cpu *c = &x86_cpu;

	console_printf("cpu: %s family 0x%x model 0x%x stepping %u: %s\n", c->vendor, c->family,
		       c->model, c->stepping, c->brand[0] ? c->brand : "(no brand string)");
	if (c->svm)
		describe_svm(c);
	if (c->vmx)
		describe_vmx(c);
	if (!c->svm && !c->vmx)
		console_printf("virt: none (no SVM, no VMX)\n");
	console_printf("virt: backend %s\n", svm_usable(c) ? "svm" : vmx_usable(c) ? "vmx" : "none");
}
