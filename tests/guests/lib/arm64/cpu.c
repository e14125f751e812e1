/* SPDX-License-Identifier: MIT */
/*
 * arm64 half of the guest library: HVC hypercalls (SMCCC), the PL011 at
 * 0x09000000 (the virtual UART fief gives every VM), the virtual counter
 * and halting.
 */
#include "arch.h"
#include "fief_abi_arm64.h"
#include "guest.h"

#define UART_BASE 0x09000000ul
#define UART_DR 0x00u
#define UART_FR 0x18u
#define UART_FR_TXFF 0x20u
#define UART_SPIN_MAX 100000u

static volatile uint32_t *uart_reg(uint32_t off)
{
	return (volatile uint32_t *)(UART_BASE + off);
}

void guest_arch_init(void)
{
}

int64_t guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fief_arm64_hypercall(nr, a0, a1, a2, a3, a4, a5);
}

void guest_arch_putc(char c)
{
	uint32_t spin = 0;

	/* Bounded: a UART that never says ready must not hang the guest. */
	while ((*uart_reg(UART_FR) & UART_FR_TXFF) && spin++ < UART_SPIN_MAX)
		guest_relax();
	*uart_reg(UART_DR) = (uint8_t)c;
}

uint64_t guest_cycles(void)
{
	uint64_t v;

	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

void guest_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

void guest_halt(void)
{
	for (;;)
		__asm__ __volatile__("msr daifset, #0xf\n\twfi" ::: "memory");
}

/* HCR_EL2.IMO routes physical IRQs to EL2, which PSTATE.I at EL1 does not
 * mask: the guest stays preemptible with DAIF masked. */
void guest_preempt_on(void)
{
}

void guest_preempt_off(void)
{
}
