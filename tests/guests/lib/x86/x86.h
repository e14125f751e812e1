/* SPDX-License-Identifier: MIT */
/* x86_64 helpers for test guests: CPUID, MSRs, port I/O, IDT, paging. */
#ifndef FIEF_GUEST_X86_H
#define FIEF_GUEST_X86_H

#include <stdint.h>

struct x86_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct x86_cpuid x86_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct x86_cpuid r;

	__asm__ __volatile__("cpuid"
			     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline void x86_outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t x86_inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t x86_read_cr3(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void x86_invlpg(uint64_t va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

/* The descriptor-table register image for LIDT / LGDT. */
struct x86_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline void x86_lidt(uint64_t base, uint16_t limit)
{
	struct x86_dtr d = { limit, base };

	__asm__ __volatile__("lidt %0" : : "m"(d) : "memory");
}

/*
 * x86_rdmsr_probe() - RDMSR that survives a #GP when the guest installed
 * x86_idt_catch_gp(): *faulted is set when the read raised #GP (the handler
 * skips the 2-byte RDMSR, so EDX:EAX keep the sentinel they went in with).
 */
uint64_t x86_rdmsr_probe(uint32_t msr, int *faulted);
/* x86_wrmsr_probe() - WRMSR of @v that survives a #GP the same way. */
void x86_wrmsr_probe(uint32_t msr, uint64_t v, int *faulted);

/* The code segment fief's boot protocol sets up (64-bit, DPL 0). */
#define X86_BOOT_CS 0x08u

static inline void x86_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
}

static inline uint64_t x86_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* A 64-bit IDT gate; x86_gate() fills one for an interrupt handler at
 * DPL 0 in the boot code segment. */
struct x86_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

static inline struct x86_gate x86_gate(void (*fn)(void))
{
	uint64_t a = (uint64_t)(uintptr_t)fn;

	return (struct x86_gate){ (uint16_t)a, X86_BOOT_CS, 0, 0x8e, (uint16_t)(a >> 16),
				  (uint32_t)(a >> 32), 0 };
}

/* x86_idt_catch_gp() - load an IDT whose #GP handler counts and skips
 * a 2-byte instruction; every other vector is absent (so it escalates). */
void x86_idt_catch_gp(void);
/* #GP exceptions caught so far, and the RIP of the last one. */
extern volatile uint32_t x86_gp_count;
extern volatile uint64_t x86_gp_rip;

/*
 * x86_map_2m() - map the 2 MiB page holding @gpa at the same virtual address
 * (identity, writable) in the current page tables, adding tables from a
 * small static pool. Return: 0, 1 if already mapped, -1 if out of tables.
 */
int x86_map_2m(uint64_t gpa);

#endif
