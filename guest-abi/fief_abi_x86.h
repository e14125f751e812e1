/* SPDX-License-Identifier: MIT */
/*
 * fief guest ABI, x86_64: hypercall wrappers (GCC/Clang inline asm).
 *
 * A guest calls fief with VMCALL on Intel VMX and VMMCALL on AMD SVM; the
 * other instruction raises #UD in the guest. Pick once, from the CPUID
 * vendor string (leaf 0: "GenuineIntel" or "AuthenticAMD"), and pass the
 * choice to every call. Registers: number RAX; arguments RDI, RSI, RDX,
 * RCX, R8, R9; result RAX. fief preserves every other register.
 */
#ifndef FIEF_ABI_X86_H
#define FIEF_ABI_X86_H

#include <stdint.h>

#include "fief_abi.h"

/* Which instruction traps to fief on this CPU. */
enum fief_x86_hc_insn {
	FIEF_X86_HC_VMCALL = 0,  /* Intel */
	FIEF_X86_HC_VMMCALL = 1, /* AMD */
};

/* CPUID leaf 0 EBX of the two vendors ("Genu", "Auth"). */
#define FIEF_X86_VENDOR_INTEL_EBX 0x756e6547u
#define FIEF_X86_VENDOR_AMD_EBX 0x68747541u

/**
 * fief_x86_hc_insn_for_vendor() - the instruction for CPUID leaf 0's EBX;
 * VMCALL for anything but AMD (Hygon behaves as AMD but is not handled).
 */
static inline enum fief_x86_hc_insn fief_x86_hc_insn_for_vendor(uint32_t ebx)
{
	return ebx == FIEF_X86_VENDOR_AMD_EBX ? FIEF_X86_HC_VMMCALL : FIEF_X86_HC_VMCALL;
}

/**
 * fief_x86_hypercall() - make call @nr with six arguments.
 * Return: the value fief put in RAX (negative: a FIEF_E_* code).
 */
static inline int64_t fief_x86_hypercall(enum fief_x86_hc_insn insn, uint64_t nr,
					 uint64_t a0, uint64_t a1, uint64_t a2,
					 uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	uint64_t rax = nr;

	if (insn == FIEF_X86_HC_VMMCALL)
		__asm__ __volatile__("vmmcall"
				     : "+a"(rax)
				     : "D"(a0), "S"(a1), "d"(a2), "c"(a3), "r"(r8), "r"(r9)
				     : "memory");
	else
		__asm__ __volatile__("vmcall"
				     : "+a"(rax)
				     : "D"(a0), "S"(a1), "d"(a2), "c"(a3), "r"(r8), "r"(r9)
				     : "memory");
	return (int64_t)rax;
}

#endif
