/* SPDX-License-Identifier: MIT */
/*
 * The x86 CPU state fief switches in software between vCPUs: the FPU,
 * SSE and AVX registers and PKRU (XSAVE components), XCR0, DR0-DR3 and
 * DR6. Neither SVM nor VMX switches them; fief itself uses none (it is
 * built with -mgeneral-regs-only and never programs a breakpoint), so a
 * vCPU's values stay in the CPU across its exits and are saved and the
 * next vCPU's loaded only when a different vCPU runs on the CPU
 * (x86_fpu_load(), from arch_vcpu_run(), outside the exit loop).
 *
 * Which XSAVE components guests get ("exposed"): x87, SSE, AVX, AVX-512
 * (opmask, ZMM_Hi256, Hi16_ZMM) and PKRU, as far as the CPU has them and
 * their standard-format area fits one page; never MPX, AMX or supervisor
 * components. CPUID (arch/x86/exit.c) shows exactly those, and XSETBV is
 * intercepted and checked against them (x86_fpu_xsetbv()).
 */
#ifndef FIEF_ARCH_X86_FPU_H
#define FIEF_ARCH_X86_FPU_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_OPMASK (1ull << 5)
#define XCR0_ZMM_HI256 (1ull << 6)
#define XCR0_HI16_ZMM (1ull << 7)
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_PKRU (1ull << 9)

/** What fief found at boot (set by the boot CPU, read-only after). */
struct x86_fpu_caps {
	bool xsave;        /* XSAVE/XRSTOR and XCR0; else FXSAVE/FXRSTOR */
	uint64_t xcr0;     /* the components guests may enable (exposed) */
	uint32_t size;     /* bytes of the save area for all of them */
};

extern struct x86_fpu_caps x86_fpu;

/**
 * x86_fpu_cpu_init() - the calling CPU: CR4 bits for SSE and XSAVE, XCR0 =
 * every exposed component. The boot CPU first decides what is exposed.
 */
void x86_fpu_cpu_init(void);

/**
 * x86_fpu_vcpu_init() - a new vCPU's state: the architectural reset values
 * (x87 control word 0x37f, MXCSR 0x1f80, XCR0 = x87, debug registers clear).
 * Return: 0 or FIEF_ENOMEM (its save area is a page from fief's pool).
 */
int x86_fpu_vcpu_init(struct vcpu *v);

/**
 * x86_fpu_vcpu_destroy() - free the state of a vCPU no CPU runs; a CPU that
 * still holds its registers forgets them (and one saving them right now is
 * waited for).
 */
void x86_fpu_vcpu_destroy(struct vcpu *v);

/**
 * x86_fpu_load() - make @v's state the calling CPU's: nothing if it is
 * already (the usual case), else save the last vCPU's and load @v's.
 */
void x86_fpu_load(struct vcpu *v);

/**
 * x86_fpu_xsetbv() - XSETBV by @v (loaded on this CPU), intercepted: XCR
 * @index = @value, as the architecture checks it (SDM XSETBV: only XCR0;
 * x87 always; AVX needs SSE; AVX-512 all three or none, with AVX) against
 * the exposed components. Return: true, or false for #GP.
 */
bool x86_fpu_xsetbv(struct vcpu *v, uint32_t index, uint64_t value);

#endif
