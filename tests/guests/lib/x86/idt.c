/* SPDX-License-Identifier: MIT */
/*
 * A minimal IDT for guests that want to survive #GP: vector 13 goes to a
 * stub that counts the fault and skips the 2-byte faulting instruction
 * (RDMSR 0F 32, WRMSR 0F 30). Only #GP has a gate: any other exception
 * meets an empty gate, which the CPU turns into #GP at the faulting
 * instruction; the stub sees it is not an MSR access and forces a triple
 * fault, which fief reports.
 */
#include "guest.h"
#include "x86.h"

#define X86_VEC_GP 13u
#define IDT_ENTRIES 32u
#define GATE_INTR64 0x8eu /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
};

_Static_assert(sizeof(struct idt_gate) == 16, "an IDT gate is 16 bytes");

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));

volatile uint32_t x86_gp_count;
volatile uint64_t x86_gp_rip;

void x86_gp_stub(void);

/*
 * The #GP frame: error code, RIP, CS, RFLAGS, RSP, SS. Only RDMSR (0F 32)
 * and WRMSR (0F 30) are skipped; a #GP anywhere else (including the #GP a
 * missing gate turns into) loads an empty IDT and faults again, so the
 * guest triple-faults visibly instead of running on from a wrong place.
 */
__asm__(".pushsection .text\n"
	".globl x86_gp_stub\n"
	"x86_gp_stub:\n"
	"	addq $8, %rsp\n"           /* drop the error code */
	"	pushq %rax\n"
	"	movq 8(%rsp), %rax\n"      /* the faulting RIP */
	"	movq %rax, x86_gp_rip(%rip)\n"
	"	cmpb $0x0f, (%rax)\n"
	"	jne 1f\n"
	"	cmpb $0x32, 1(%rax)\n"
	"	je 2f\n"
	"	cmpb $0x30, 1(%rax)\n"
	"	jne 1f\n"
	"2:	lock incl x86_gp_count(%rip)\n"
	"	popq %rax\n"
	"	addq $2, (%rsp)\n"          /* skip RDMSR / WRMSR */
	"	iretq\n"
	"1:	lidt x86_empty_idtr(%rip)\n"
	"	ud2\n"
	".popsection\n"
	".pushsection .rodata\n"
	"x86_empty_idtr: .word 0\n"
	"	.quad 0\n"
	".popsection\n");

static void idt_set(unsigned vec, void (*fn)(void))
{
	uint64_t a = (uint64_t)(uintptr_t)fn;

	idt[vec] = (struct idt_gate){
		.off_lo = (uint16_t)a,
		.sel = X86_BOOT_CS,
		.ist = 0,
		.type = GATE_INTR64,
		.off_mid = (uint16_t)(a >> 16),
		.off_hi = (uint32_t)(a >> 32),
		.zero = 0,
	};
}

void x86_idt_catch_gp(void)
{
	idt_set(X86_VEC_GP, x86_gp_stub);
	x86_lidt((uint64_t)(uintptr_t)idt, (uint16_t)(sizeof(idt) - 1));
}

uint64_t x86_rdmsr_probe(uint32_t msr, int *faulted)
{
	uint32_t before = x86_gp_count;
	uint32_t lo = 0xdeadbeefu, hi = 0xfeedfaceu;

	/* "+a"/"+d": if #GP skips the RDMSR, the sentinels stay. */
	__asm__ __volatile__(".byte 0x0f, 0x32" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*faulted = x86_gp_count != before;
	return ((uint64_t)hi << 32) | lo;
}

void x86_wrmsr_probe(uint32_t msr, uint64_t v, int *faulted)
{
	uint32_t before = x86_gp_count;

	/* WRMSR is 2 bytes (0f 30): the #GP handler skips it. */
	__asm__ __volatile__(".byte 0x0f, 0x30"
			     :
			     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
	*faulted = x86_gp_count != before;
}
