/* SPDX-License-Identifier: MIT */
/*
 * Local APIC in xAPIC mode (MMIO at IA32_APIC_BASE): fief's preemption
 * timer and IPIs. The page is fief's: the host VM's stage-2 never maps it
 * (docs/x86.md says where that is still missing).
 */
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_PERIODIC (1u << 17)
#define ICR_PENDING (1u << 12)

static volatile uint32_t *lapic;

static uint32_t rd(uint32_t reg)
{
	return lapic[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)(uintptr_t)(base & ~0xfffull);
	wr(LAPIC_SVR, SVR_ENABLE | X86_VEC_SPURIOUS);
}

void lapic_timer_start(uint32_t count)
{
	wr(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	wr(LAPIC_LVT_TIMER, LVT_PERIODIC | X86_VEC_TIMER);
	wr(LAPIC_TIMER_INIT, count);
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, icr_low);
	for (unsigned i = 0; i < 1000000 && (rd(LAPIC_ICR_LO) & ICR_PENDING); i++)
		__asm__ volatile("pause");
}
