/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_X86_CPU_H
#define FIEF_ARCH_X86_CPU_H

#include <stdbool.h>
#include <stdint.h>

/** What the boot CPU offers, read once by x86_cpu_probe(). */
struct x86_cpu {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	bool svm, svm_disabled;
	uint32_t svm_rev, svm_asids, svm_features; /* CPUID 0x8000000A */
	bool vmx;
	uint64_t vmx_feature_control, vmx_basic, vmx_proc, vmx_proc2, vmx_ept_vpid;
};

extern struct x86_cpu x86_cpu;

/** x86_cpu_probe() - fill x86_cpu from CPUID and the capability MSRs. */
void x86_cpu_probe(void);

#endif
