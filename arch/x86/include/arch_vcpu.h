/* SPDX-License-Identifier: MIT */
/* x86 state of a vCPU (struct vcpu's arch member). */
#ifndef FIEF_ARCH_VCPU_H
#define FIEF_ARCH_VCPU_H

/* Offsets used by the world-switch assembly. */
#define X86_GPR_RAX 0
#define X86_GPR_RDI 8
#define X86_GPR_RSI 16
#define X86_GPR_RDX 24
#define X86_GPR_RCX 32
#define X86_GPR_R8 40   /* R8..R15 follow in order */
#define X86_GPR_R15 96
#define X86_GPR_RBX 104
#define X86_GPR_RBP 112

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vlapic.h"

/*
 * Guest general registers fief keeps (RSP lives in the VMCB/VMCS). RDI,
 * RSI, RDX, RCX, R8, R9 come first and in the hypercall ABI's argument
 * order, so the arguments are passed in place.
 */
struct x86_gprs {
	uint64_t rax;
	union {
		struct {
			uint64_t rdi, rsi, rdx, rcx, r8, r9;
		};
		uint64_t hc_arg[6]; /* the same six, as hypercall arguments */
	};
	uint64_t r10, r11, r12, r13, r14, r15;
	uint64_t rbx, rbp;
};

struct arch_vcpu {
	struct x86_gprs gpr;  /* guest registers while fief runs */
	uint64_t ctl_pa;      /* VMCB (SVM) or VMCS (VMX): host-physical */
	void *ctl;            /* fief's pointer to it */
	uint64_t flush_gen;   /* stage-2 flush generation applied */
	uint64_t efer;        /* EFER as the guest sees it */
	uint32_t asid;        /* ASID / VPID */
	uint8_t launched;     /* VMX: VMLAUNCH done */
	uint8_t halt_if;      /* RFLAGS.IF when it last executed HLT */
	uint8_t wait_sipi;    /* after an INIT: waits for a STARTUP IPI */
	struct vlapic vlapic; /* its virtual local APIC (arch/x86/vlapic.h says who
			       * touches which field) */
	/* Switched in software (arch/x86/fpu.c), live in the CPU while this
	 * vCPU is the one its CPU holds: */
	void *fpu;            /* XSAVE (or FXSAVE) area, a page of fief's pool */
	uint64_t xcr0;        /* XCR0 as the guest set it */
	uint64_t dr[4];       /* DR0-DR3 */
	uint64_t dr6;         /* DR6 (VMX keeps no guest DR6) */
};

_Static_assert(offsetof(struct x86_gprs, rbx) == X86_GPR_RBX, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, rdi) == X86_GPR_RDI, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, rdx) == X86_GPR_RDX, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, rcx) == X86_GPR_RCX, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, rbp) == X86_GPR_RBP, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, r9) == offsetof(struct x86_gprs, hc_arg[5]),
	       "hypercall arguments are RDI, RSI, RDX, RCX, R8, R9");
_Static_assert(offsetof(struct x86_gprs, rsi) == X86_GPR_RSI, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, r8) == X86_GPR_R8, "gpr layout");
_Static_assert(offsetof(struct x86_gprs, r15) == X86_GPR_R15, "gpr layout");
#endif /* __ASSEMBLY__ */

#endif
