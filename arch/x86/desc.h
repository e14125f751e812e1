/* SPDX-License-Identifier: MIT */
/* fief's own GDT, TSS and IDT on x86_64, and its trap handling. */
#ifndef FIEF_ARCH_X86_DESC_H
#define FIEF_ARCH_X86_DESC_H

#include <stdbool.h>
#include <stdint.h>

#define X86_SEL_CODE 0x08
#define X86_SEL_DATA 0x10
#define X86_SEL_TSS 0x18

#define X86_VEC_NMI 2
#define X86_VEC_TIMER 0x20    /* LAPIC timer: preemption tick */
#define X86_VEC_IPI 0x21      /* kick: look at the run queue again */
#define X86_VEC_SPURIOUS 0xff

/** The registers a trap stub saves, in the order entry.S pushes them. */
struct x86_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/** x86_desc_init_cpu() - load this CPU's GDT (with its TSS) and the IDT. */
void x86_desc_init_cpu(uint32_t cpu);

/** x86_trap() - C side of every vector (called from entry.S). */
void x86_trap(struct x86_trap_frame *f);

/** Ticks of the preemption timer seen by this CPU. */
extern volatile uint64_t x86_timer_ticks[];

/** Interrupts a CPU received and dropped (desc.c): written by that CPU. */
struct x86_irq_stats {
	uint64_t nmi;      /* NMIs, in fief or in guest mode */
	uint64_t stray;    /* vectors fief does not use, exception vectors in service */
	uint64_t spurious; /* the local APIC's spurious vector */
	uint8_t stray_vector; /* the last stray vector */
	bool nmi_reported, stray_reported;
};

extern struct x86_irq_stats x86_irq_stats[];

/**
 * x86_nmi_unblock() - end the blocking of NMIs a VM exit caused by an NMI
 * leaves in place: an IRET to the next instruction, which is what unblocks
 * them (interrupts stay as they are: RFLAGS is pushed as it is).
 */
static inline void x86_nmi_unblock(void)
{
	__asm__ volatile("movq %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 : [ss] "i"(X86_SEL_DATA), [cs] "i"(X86_SEL_CODE)
			 : "rax", "memory");
}

/**
 * x86_irq_report() - report this CPU's first NMI and first stray interrupt
 * (once each), from outside any interrupt handler.
 */
void x86_irq_report(void);

#endif
