/* SPDX-License-Identifier: MIT */
/*
 * x86_64 half of the guest library: hypercall instruction choice, the
 * 16550 UART at 0x3F8, the cycle counter and halting.
 */
#include "arch.h"
#include "fief_abi_x86.h"
#include "guest.h"
#include "x86.h"

#define UART_BASE 0x3f8u
#define UART_THR 0u
#define UART_LSR 5u
#define UART_LSR_THRE 0x20u
#define UART_SPIN_MAX 100000u

static enum fief_x86_hc_insn hc_insn;

void guest_arch_init(void)
{
	struct x86_cpuid r = x86_cpuid(0, 0);

	/* Every vCPU stores the same value: the race is harmless. */
	hc_insn = fief_x86_hc_insn_for_vendor(r.ebx);
}

int64_t guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fief_x86_hypercall(hc_insn, nr, a0, a1, a2, a3, a4, a5);
}

void guest_arch_putc(char c)
{
	uint32_t spin = 0;

	/* Bounded: a UART that never says ready must not hang the guest. */
	while (!(x86_inb(UART_BASE + UART_LSR) & UART_LSR_THRE) && spin++ < UART_SPIN_MAX)
		guest_relax();
	x86_outb(UART_BASE + UART_THR, (uint8_t)c);
}

uint64_t guest_cycles(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void guest_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

void guest_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt" ::: "memory");
}

void guest_preempt_on(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

void guest_preempt_off(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}
