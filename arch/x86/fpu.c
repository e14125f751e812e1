/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU FPU/SIMD state, XCR0 and debug registers, switched lazily
 * (arch/x86/fpu.h). Facts from the Intel SDM vol. 1 ch. 13 (XSAVE) and
 * vol. 3 ch. 17 (debug registers).
 *
 * Each CPU remembers which vCPU's registers it holds (fpu_cpu[].loaded).
 * Switching: XCR0 = every exposed component, save the old vCPU's whole
 * state (so nothing it left in a component it had disabled reaches the
 * next one), restore the new vCPU's whole state (components it never
 * used come back in their initial configuration), XCR0 = the new vCPU's.
 *
 * A vCPU being destroyed may still be the one a CPU holds. The destroyer
 * clears that CPU's slot and then waits while the CPU is inside a switch
 * (fpu_cpu[].busy): a switch that read the slot before it was cleared
 * finishes saving into the area before the area is freed; one that reads
 * it after finds it empty and saves nothing. Both sides use sequentially
 * consistent accesses, so one of them always sees the other.
 */
#include "arch/x86/fpu.h"

#include "arch/x86/smp.h"
#include "arch/x86/x86.h"
#include "core/vm.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)

/* The components fief may expose, when the CPU has them. */
#define XCR0_WANTED (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512 | XCR0_PKRU)

/* The legacy area: x87 control word at 0, MXCSR at 24; the XSAVE header's
 * XSTATE_BV at 512 (all zero: every component in its initial state). */
#define FCW_RESET 0x037f
#define MXCSR_RESET 0x1f80u
#define DR6_RESET 0xffff0ff0ull

struct x86_fpu_caps x86_fpu;

static struct {
	struct vcpu *loaded; /* whose registers this CPU holds, or NULL */
	uint32_t busy;       /* inside a switch */
} fpu_cpu[X86_CPUS_MAX];

static inline void xsetbv(uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t xgetbv(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* The area XSAVE needs for @xcr0, with XCR0 set to it (CPUID.0xD.0 EBX). */
static uint32_t area_size(uint64_t xcr0)
{
	xsetbv(xcr0);
	return cpuid(0xd, 0).ebx;
}

/* Boot CPU: what to expose, dropping the largest components until the
 * area fits a page (AVX-512 first, then AVX). */
static void choose(void)
{
	struct cpuid_regs r;
	uint64_t have;

	x86_fpu.xsave = (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) != 0;
	if (!x86_fpu.xsave) {
		x86_fpu.xcr0 = XCR0_X87 | XCR0_SSE;
		x86_fpu.size = 512;
		return;
	}
	r = cpuid(0xd, 0);
	have = ((uint64_t)r.edx << 32 | r.eax) & XCR0_WANTED;
	/* AVX-512 only whole, and only with AVX. */
	if ((have & XCR0_AVX512) != XCR0_AVX512 || !(have & XCR0_AVX))
		have &= ~XCR0_AVX512;
	x86_fpu.xcr0 = have;
	x86_fpu.size = area_size(have);
	if (x86_fpu.size > PAGE_SIZE) {
		x86_fpu.xcr0 &= ~XCR0_AVX512;
		x86_fpu.size = area_size(x86_fpu.xcr0);
	}
	if (x86_fpu.size > PAGE_SIZE) {
		x86_fpu.xcr0 &= ~(XCR0_AVX | XCR0_PKRU);
		x86_fpu.size = area_size(x86_fpu.xcr0);
	}
}

void x86_fpu_cpu_init(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
	if (x86_cpu_index() == 0) {
		choose();
		console_printf("x86: guest FPU state by %s: XCR0 0x%llx, %u bytes per vCPU\n",
			       x86_fpu.xsave ? "XSAVE" : "FXSAVE", (unsigned long long)x86_fpu.xcr0,
			       x86_fpu.size);
	}
	if (x86_fpu.xsave)
		xsetbv(x86_fpu.xcr0);
}

int x86_fpu_vcpu_init(struct vcpu *v)
{
	paddr_t pa;
	uint8_t *area;
	uint16_t fcw = FCW_RESET;
	uint32_t mxcsr = MXCSR_RESET;
	int err = page_alloc(&pa, PAGE_TYPE_USED);

	if (err)
		return err;
	area = arch_mm_pa_to_va(pa);
	memset(area, 0, PAGE_SIZE);
	memcpy(area, &fcw, sizeof(fcw));
	memcpy(area + 24, &mxcsr, sizeof(mxcsr));
	v->arch.fpu = area;
	v->arch.xcr0 = XCR0_X87;
	memset(v->arch.dr, 0, sizeof(v->arch.dr));
	v->arch.dr6 = DR6_RESET;
	return FIEF_OK;
}

static void save(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;

	if (x86_fpu.xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(a->fpu), "a"((uint32_t)x86_fpu.xcr0),
				 "d"((uint32_t)(x86_fpu.xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(a->fpu) : "memory");
	__asm__ volatile("mov %%db0, %0\n\tmov %%db1, %1\n\tmov %%db2, %2\n\tmov %%db3, %3\n\t"
			 "mov %%db6, %4"
			 : "=r"(a->dr[0]), "=r"(a->dr[1]), "=r"(a->dr[2]), "=r"(a->dr[3]),
			   "=r"(a->dr6));
}

static void restore(const struct vcpu *v)
{
	const struct arch_vcpu *a = &v->arch;

	if (x86_fpu.xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(a->fpu), "a"((uint32_t)x86_fpu.xcr0),
				 "d"((uint32_t)(x86_fpu.xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(a->fpu) : "memory");
	__asm__ volatile("mov %0, %%db0\n\tmov %1, %%db1\n\tmov %2, %%db2\n\tmov %3, %%db3\n\t"
			 "mov %4, %%db6"
			 :
			 : "r"(a->dr[0]), "r"(a->dr[1]), "r"(a->dr[2]), "r"(a->dr[3]), "r"(a->dr6));
}

static void __attribute__((noinline)) switch_in(struct vcpu *v, uint32_t cpu)
{
	struct vcpu *prev;

	__atomic_store_n(&fpu_cpu[cpu].busy, 1, __ATOMIC_SEQ_CST);
	prev = __atomic_load_n(&fpu_cpu[cpu].loaded, __ATOMIC_SEQ_CST);
	if (x86_fpu.xsave) {
		/* The CPU's XCR0 is the old vCPU's: where XSETBV is not
		 * intercepted (QEMU 7.2's SVM model) it is the only record. */
		if (prev)
			prev->arch.xcr0 = (xgetbv() & x86_fpu.xcr0) | XCR0_X87;
		xsetbv(x86_fpu.xcr0);
	}
	if (prev)
		save(prev);
	restore(v);
	if (x86_fpu.xsave)
		xsetbv(v->arch.xcr0);
	__atomic_store_n(&fpu_cpu[cpu].loaded, v, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fpu_cpu[cpu].busy, 0, __ATOMIC_RELEASE);
}

void x86_fpu_load(struct vcpu *v)
{
	uint32_t cpu = v->pcpu; /* vCPUs are pinned: this is the CPU running it */

	if (__atomic_load_n(&fpu_cpu[cpu].loaded, __ATOMIC_RELAXED) != v)
		switch_in(v, cpu);
}

void x86_fpu_vcpu_destroy(struct vcpu *v)
{
	for (uint32_t cpu = 0; cpu < X86_CPUS_MAX; cpu++) {
		struct vcpu *expect = v;

		__atomic_compare_exchange_n(&fpu_cpu[cpu].loaded, &expect, NULL, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&fpu_cpu[cpu].busy, __ATOMIC_SEQ_CST))
			__asm__ volatile("pause" ::: "memory");
	}
	if (v->arch.fpu) /* fief's RAM is identity mapped: the address is physical */
		page_free(pa_init((uint64_t)(uintptr_t)v->arch.fpu));
	v->arch.fpu = NULL;
}

bool x86_fpu_xsetbv(struct vcpu *v, uint32_t index, uint64_t value)
{
	if (!x86_fpu.xsave || index != 0 || !(value & XCR0_X87) || (value & ~x86_fpu.xcr0))
		return false;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return false;
	if ((value & XCR0_AVX512) &&
	    ((value & XCR0_AVX512) != XCR0_AVX512 || !(value & XCR0_AVX)))
		return false;
	v->arch.xcr0 = value;
	xsetbv(value); /* @v's registers are this CPU's: keep XCR0 in step */
	return true;
}
