/* SPDX-License-Identifier: MIT */
/*
 * fpstate: the CPU state fief must switch between vCPUs keeps its values.
 *
 * Several VMs run it on one physical CPU. Each, FPSTATE_ROUNDS times,
 * loads a pattern unique to its VM and the round into every register it
 * checks, gives the CPU away (FIEF_HC_YIELD: the next vCPU on the CPU runs
 * and loads its own pattern), then reads every register back and compares.
 *
 *   x86_64: XMM0-15, the upper halves of YMM0-15 (with AVX), MXCSR, the x87
 *           control word, PKRU (with PKU), DR0-DR3, and XCR0: VMs with an
 *           even id enable AVX, odd ones only x87 and SSE.
 *   arm64:  V0-V31, FPCR, FPSR, TPIDR_EL0, TPIDRRO_EL0, TPIDR_EL1,
 *           CONTEXTIDR_EL1, SP_EL0.
 *
 * Every tenth of the way it prints its progress (the lines of VMs sharing a
 * CPU interleave: they did take turns); at the end "fpstate: N rounds, every
 * register kept" and status 0, or the first register found changed and 1.
 */
#include <stdbool.h>

#include "fief_boot.h"
#include "guest.h"

#ifndef FPSTATE_ROUNDS
#define FPSTATE_ROUNDS 500000u
#endif

static uint64_t seed;

static uint64_t next(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

#if defined(__x86_64__)
#include "x86.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

struct state {
	uint8_t ymm[16][32]; /* XMM in the low 16 bytes */
	uint64_t dr[4];
	uint64_t xcr0;
	uint32_t mxcsr, pkru;
	uint16_t fcw;
};

static bool have_avx, have_pku, have_xsave;

static const char *const names[] = { "XMM/YMM", "DR0-DR3", "XCR0", "MXCSR", "PKRU", "x87 FCW" };

static void setup(uint32_t id)
{
	struct x86_cpuid r1 = x86_cpuid(1, 0), r7 = x86_cpuid(7, 0);
	uint64_t cr4;

	have_xsave = (r1.ecx >> 26) & 1;
	have_pku = (r7.ecx >> 3) & 1;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | (have_xsave ? CR4_OSXSAVE : 0) |
	       (have_pku ? CR4_PKE : 0);
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	/* Even VMs use AVX, odd ones leave it off in XCR0. */
	have_avx = have_xsave && ((r1.ecx >> 28) & 1) && !(id & 1);
	if (have_xsave) {
		uint64_t x = have_avx ? 7 : 3;

		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)x), "d"(0) : "memory");
	}
	guest_printf("fpstate: vm %u: XSAVE %s, AVX %s, PKU %s\n", id, have_xsave ? "yes" : "no",
		     have_avx ? "on" : "off", have_pku ? "yes" : "no");
}

static void fill(struct state *s)
{
	uint64_t *w = (uint64_t *)(void *)s->ymm;

	for (unsigned i = 0; i < sizeof(s->ymm) / 8; i++)
		w[i] = have_avx || (i & 2) == 0 ? next() : 0; /* no YMM: uppers stay 0 */
	for (unsigned i = 0; i < 4; i++)
		s->dr[i] = next() & 0x00007ffffffffff8ull; /* canonical, aligned */
	s->xcr0 = !have_xsave ? 0 : have_avx ? 7 : 3;
	s->mxcsr = 0x1f80u | ((uint32_t)next() & 0xe000u); /* rounding, flush to zero */
	s->pkru = have_pku ? (uint32_t)next() : 0;
	s->fcw = (uint16_t)(0x037f & ~0x0f00) | ((uint16_t)next() & 0x0f00); /* precision, rounding */
}

static void load(const struct state *s)
{
	const uint8_t *y = &s->ymm[0][0];

	__asm__ volatile("movdqu 0x000(%0), %%xmm0\n\tmovdqu 0x020(%0), %%xmm1\n\t"
			 "movdqu 0x040(%0), %%xmm2\n\tmovdqu 0x060(%0), %%xmm3\n\t"
			 "movdqu 0x080(%0), %%xmm4\n\tmovdqu 0x0a0(%0), %%xmm5\n\t"
			 "movdqu 0x0c0(%0), %%xmm6\n\tmovdqu 0x0e0(%0), %%xmm7\n\t"
			 "movdqu 0x100(%0), %%xmm8\n\tmovdqu 0x120(%0), %%xmm9\n\t"
			 "movdqu 0x140(%0), %%xmm10\n\tmovdqu 0x160(%0), %%xmm11\n\t"
			 "movdqu 0x180(%0), %%xmm12\n\tmovdqu 0x1a0(%0), %%xmm13\n\t"
			 "movdqu 0x1c0(%0), %%xmm14\n\tmovdqu 0x1e0(%0), %%xmm15"
			 : : "r"(y) : "memory");
	if (have_avx)
		__asm__ volatile("vmovdqu 0x000(%0), %%ymm0\n\tvmovdqu 0x020(%0), %%ymm1\n\t"
				 "vmovdqu 0x040(%0), %%ymm2\n\tvmovdqu 0x060(%0), %%ymm3\n\t"
				 "vmovdqu 0x080(%0), %%ymm4\n\tvmovdqu 0x0a0(%0), %%ymm5\n\t"
				 "vmovdqu 0x0c0(%0), %%ymm6\n\tvmovdqu 0x0e0(%0), %%ymm7\n\t"
				 "vmovdqu 0x100(%0), %%ymm8\n\tvmovdqu 0x120(%0), %%ymm9\n\t"
				 "vmovdqu 0x140(%0), %%ymm10\n\tvmovdqu 0x160(%0), %%ymm11\n\t"
				 "vmovdqu 0x180(%0), %%ymm12\n\tvmovdqu 0x1a0(%0), %%ymm13\n\t"
				 "vmovdqu 0x1c0(%0), %%ymm14\n\tvmovdqu 0x1e0(%0), %%ymm15"
				 : : "r"(y) : "memory");
	__asm__ volatile("mov %0, %%db0\n\tmov %1, %%db1\n\tmov %2, %%db2\n\tmov %3, %%db3"
			 : : "r"(s->dr[0]), "r"(s->dr[1]), "r"(s->dr[2]), "r"(s->dr[3]));
	__asm__ volatile("ldmxcsr %0" : : "m"(s->mxcsr));
	__asm__ volatile("fldcw %0" : : "m"(s->fcw));
	if (have_pku)
		__asm__ volatile("wrpkru" : : "a"(s->pkru), "c"(0), "d"(0));
}

static void store(struct state *s)
{
	uint8_t *y = &s->ymm[0][0];
	uint32_t lo = 0, hi = 0;

	memset(s, 0, sizeof(*s));
	if (have_avx)
		__asm__ volatile("vmovdqu %%ymm0, 0x000(%0)\n\tvmovdqu %%ymm1, 0x020(%0)\n\t"
				 "vmovdqu %%ymm2, 0x040(%0)\n\tvmovdqu %%ymm3, 0x060(%0)\n\t"
				 "vmovdqu %%ymm4, 0x080(%0)\n\tvmovdqu %%ymm5, 0x0a0(%0)\n\t"
				 "vmovdqu %%ymm6, 0x0c0(%0)\n\tvmovdqu %%ymm7, 0x0e0(%0)\n\t"
				 "vmovdqu %%ymm8, 0x100(%0)\n\tvmovdqu %%ymm9, 0x120(%0)\n\t"
				 "vmovdqu %%ymm10, 0x140(%0)\n\tvmovdqu %%ymm11, 0x160(%0)\n\t"
				 "vmovdqu %%ymm12, 0x180(%0)\n\tvmovdqu %%ymm13, 0x1a0(%0)\n\t"
				 "vmovdqu %%ymm14, 0x1c0(%0)\n\tvmovdqu %%ymm15, 0x1e0(%0)"
				 : : "r"(y) : "memory");
	else
		__asm__ volatile("movdqu %%xmm0, 0x000(%0)\n\tmovdqu %%xmm1, 0x020(%0)\n\t"
				 "movdqu %%xmm2, 0x040(%0)\n\tmovdqu %%xmm3, 0x060(%0)\n\t"
				 "movdqu %%xmm4, 0x080(%0)\n\tmovdqu %%xmm5, 0x0a0(%0)\n\t"
				 "movdqu %%xmm6, 0x0c0(%0)\n\tmovdqu %%xmm7, 0x0e0(%0)\n\t"
				 "movdqu %%xmm8, 0x100(%0)\n\tmovdqu %%xmm9, 0x120(%0)\n\t"
				 "movdqu %%xmm10, 0x140(%0)\n\tmovdqu %%xmm11, 0x160(%0)\n\t"
				 "movdqu %%xmm12, 0x180(%0)\n\tmovdqu %%xmm13, 0x1a0(%0)\n\t"
				 "movdqu %%xmm14, 0x1c0(%0)\n\tmovdqu %%xmm15, 0x1e0(%0)"
				 : : "r"(y) : "memory");
	__asm__ volatile("mov %%db0, %0\n\tmov %%db1, %1\n\tmov %%db2, %2\n\tmov %%db3, %3"
			 : "=r"(s->dr[0]), "=r"(s->dr[1]), "=r"(s->dr[2]), "=r"(s->dr[3]));
	if (have_xsave) {
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		s->xcr0 = (uint64_t)hi << 32 | lo;
	}
	__asm__ volatile("stmxcsr %0" : "=m"(s->mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(s->fcw));
	if (have_pku)
		__asm__ volatile("rdpkru" : "=a"(s->pkru) : "c"(0) : "rdx");
}

/* The first field that differs, as an index into names[], or -1. */
static int differs(const struct state *a, const struct state *b)
{
	if (!guest_same(a->ymm, b->ymm, sizeof(a->ymm)))
		return 0;
	if (!guest_same(a->dr, b->dr, sizeof(a->dr)))
		return 1;
	if (a->xcr0 != b->xcr0)
		return 2;
	if (a->mxcsr != b->mxcsr)
		return 3;
	if (a->pkru != b->pkru)
		return 4;
	return a->fcw != b->fcw ? 5 : -1;
}

#elif defined(__aarch64__)

struct state {
	uint8_t v[32][16];
	uint64_t fpcr, fpsr, tpidr_el0, tpidrro_el0, tpidr_el1, contextidr, sp_el0;
};

static const char *const names[] = { "V0-V31", "FPCR", "FPSR", "TPIDR_EL0", "TPIDRRO_EL0",
				     "TPIDR_EL1", "CONTEXTIDR_EL1", "SP_EL0" };

static void setup(uint32_t id)
{
	guest_printf("fpstate: vm %u: V0-V31, FPCR, FPSR, thread and context ids, SP_EL0\n", id);
}

static void fill(struct state *s)
{
	uint64_t *w = (uint64_t *)(void *)s->v;

	for (unsigned i = 0; i < sizeof(s->v) / 8; i++)
		w[i] = next();
	s->fpcr = next() & (0x1full << 22); /* AHP, DN, FZ, RMode */
	s->fpsr = next() & 0x0800009full;   /* QC, IDC, IXC..IOC */
	s->tpidr_el0 = next();
	s->tpidrro_el0 = next();
	s->tpidr_el1 = next();
	s->contextidr = next() & 0xffffffffull;
	s->sp_el0 = next() & ~0xfull;
}

static void load(const struct state *s)
{
	__asm__ volatile("ldp q0, q1, [%0, #0]\n\tldp q2, q3, [%0, #32]\n\t"
			 "ldp q4, q5, [%0, #64]\n\tldp q6, q7, [%0, #96]\n\t"
			 "ldp q8, q9, [%0, #128]\n\tldp q10, q11, [%0, #160]\n\t"
			 "ldp q12, q13, [%0, #192]\n\tldp q14, q15, [%0, #224]\n\t"
			 "ldp q16, q17, [%0, #256]\n\tldp q18, q19, [%0, #288]\n\t"
			 "ldp q20, q21, [%0, #320]\n\tldp q22, q23, [%0, #352]\n\t"
			 "ldp q24, q25, [%0, #384]\n\tldp q26, q27, [%0, #416]\n\t"
			 "ldp q28, q29, [%0, #448]\n\tldp q30, q31, [%0, #480]"
			 : : "r"(s->v) : "memory");
	__asm__ volatile("msr fpcr, %0\n\tmsr fpsr, %1\n\tmsr tpidr_el0, %2\n\t"
			 "msr tpidrro_el0, %3\n\tmsr tpidr_el1, %4\n\tmsr contextidr_el1, %5\n\t"
			 "msr sp_el0, %6\n\tisb"
			 : : "r"(s->fpcr), "r"(s->fpsr), "r"(s->tpidr_el0), "r"(s->tpidrro_el0),
			   "r"(s->tpidr_el1), "r"(s->contextidr), "r"(s->sp_el0));
}

static void store(struct state *s)
{
	__asm__ volatile("stp q0, q1, [%0, #0]\n\tstp q2, q3, [%0, #32]\n\t"
			 "stp q4, q5, [%0, #64]\n\tstp q6, q7, [%0, #96]\n\t"
			 "stp q8, q9, [%0, #128]\n\tstp q10, q11, [%0, #160]\n\t"
			 "stp q12, q13, [%0, #192]\n\tstp q14, q15, [%0, #224]\n\t"
			 "stp q16, q17, [%0, #256]\n\tstp q18, q19, [%0, #288]\n\t"
			 "stp q20, q21, [%0, #320]\n\tstp q22, q23, [%0, #352]\n\t"
			 "stp q24, q25, [%0, #384]\n\tstp q26, q27, [%0, #416]\n\t"
			 "stp q28, q29, [%0, #448]\n\tstp q30, q31, [%0, #480]"
			 : : "r"(s->v) : "memory");
	__asm__ volatile("mrs %0, fpcr\n\tmrs %1, fpsr\n\tmrs %2, tpidr_el0\n\t"
			 "mrs %3, tpidrro_el0\n\tmrs %4, tpidr_el1\n\tmrs %5, contextidr_el1\n\t"
			 "mrs %6, sp_el0"
			 : "=r"(s->fpcr), "=r"(s->fpsr), "=r"(s->tpidr_el0), "=r"(s->tpidrro_el0),
			   "=r"(s->tpidr_el1), "=r"(s->contextidr), "=r"(s->sp_el0));
}

static int differs(const struct state *a, const struct state *b)
{
	const uint64_t *x = &a->fpcr, *y = &b->fpcr;

	if (!guest_same(a->v, b->v, sizeof(a->v)))
		return 0;
	for (int i = 0; i < 7; i++)
		if (x[i] != y[i])
			return 1 + i;
	return -1;
}
#endif

static struct state want, got;

int main(unsigned vcpu, uint64_t mem_size)
{
	const struct fief_boot_info *bi = (const void *)(uintptr_t)guest_boot_info_gpa;
	uint32_t id = bi->vm_id;

	(void)vcpu;
	(void)mem_size;
	seed = 0x9e3779b97f4a7c15ull * (id + 1);
	setup(id);
	guest_preempt_on();
	for (uint32_t r = 1; r <= FPSTATE_ROUNDS; r++) {
		int bad;

		fill(&want);
		load(&want);
		guest_hypercall(FIEF_HC_YIELD, 0, 0, 0, 0, 0, 0);
		store(&got);
		bad = differs(&want, &got);
		if (bad >= 0) {
			guest_preempt_off();
			guest_printf("fpstate: FAIL vm %u round %u: %s changed while it was away\n",
				     id, r, names[bad]);
			return 1;
		}
		if (r % (FPSTATE_ROUNDS / 10) == 0)
			guest_printf("fpstate: vm %u: %u rounds\n", id, r);
	}
	guest_preempt_off();
	guest_printf("fpstate: %u rounds, every register kept\n", FPSTATE_ROUNDS);
	return 0;
}
