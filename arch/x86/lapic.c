/* SPDX-License-Identifier: MIT */
/*
 * Local APIC in xAPIC mode (MMIO at IA32_APIC_BASE): fief's preemption
 * timer and IPIs. The page is fief's (arch_devices(), core/devices.h): the
 * host VM's stage-2 never maps it, and x2APIC MSRs and IA32_APIC_BASE reach
 * each vCPU's own virtual LAPIC (arch/x86/event.c), never this one.
 */
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/devices.h"

#define MSR_APIC_BASE 0x1b
#define PAGE_SIZE_4K 0x1000u
#define APIC_BASE_ENABLE (1u << 11)

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100 /* 8 registers, 0x10 apart, 32 vectors each */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_NMI (4u << 8)
#define LVT_MASKED (1u << 16)
#define ICR_PENDING (1u << 12)

static volatile uint32_t *lapic;
struct lapic_slice lapic_slice;

/*
 * The PIT (8254) measures the slice once, on the boot CPU: channel 2 in
 * mode 0 counts PIT_SLICE ticks of its fixed 1.193182 MHz clock (10 ms)
 * and raises OUT2 (port 0x61 bit 5) at zero, while the LAPIC timer counts
 * down from ~0 and the TSC counts up. Emulators run the PIT, the LAPIC
 * timer and the TSC on one clock, so the slice is 10 ms of that clock on
 * every rig (200,000 instructions on Bochs at 20M ips).
 */
#define PIT_HZ 1193182u
#define PIT_SLICE (PIT_HZ / 100u)
#define PIT_CMD 0x43
#define PIT_CH2 0x42
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
/* A machine without a PIT never raises OUT2: give up after this many reads
 * (each is an I/O access, over a microsecond on hardware). */
#define PIT_POLLS 2000000u
/* Without a PIT: the slice fief used before it measured (about 30 ms on a
 * 1 GHz APIC bus). */
#define FALLBACK_TICKS 2000000u
#define FALLBACK_TSC (1ull << 22)


static uint32_t rd(uint32_t reg)
{
	return lapic[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

/* The page IA32_APIC_BASE names is fief's, whatever the MADT says. */
void arch_devices(struct device_list *l)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) & 0x000ffffffffff000ull;

	devices_add(l, DEVICE_LAPIC, base, PAGE_SIZE_4K);
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)(uintptr_t)(base & ~0xfffull);
	wr(LAPIC_SVR, SVR_ENABLE | X86_VEC_SPURIOUS);
	/* The PC wiring on every CPU: LINT0 is the 8259's ExtINT, which fief
	 * does not use; LINT1 is the NMI line (watchdogs, the chipset's
	 * error signals), delivered to every CPU as an NMI that fief counts
	 * and drops (desc.c). */
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	wr(LAPIC_LVT_LINT1, LVT_NMI);
}

bool lapic_calibrate(void)
{
	uint64_t tsc0, tsc1;
	uint32_t polls = 0;
	uint8_t b = inb(PORT_B);

	lapic_slice.ticks = FALLBACK_TICKS;
	lapic_slice.tsc = FALLBACK_TSC;
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, 0xb0); /* channel 2, low then high byte, mode 0, binary */
	outb(PIT_CH2, PIT_SLICE & 0xff);
	wr(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	wr(LAPIC_LVT_TIMER, LVT_MASKED | X86_VEC_TIMER);
	/* Writing the high byte starts the count. */
	outb(PIT_CH2, PIT_SLICE >> 8);
	wr(LAPIC_TIMER_INIT, ~0u);
	tsc0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2) && ++polls < PIT_POLLS)
		;
	tsc1 = rdtsc();
	lapic_slice.ticks = ~0u - rd(LAPIC_TIMER_CUR);
	wr(LAPIC_TIMER_INIT, 0);
	outb(PORT_B, b);
	if (polls >= PIT_POLLS || lapic_slice.ticks == 0 || tsc1 <= tsc0) {
		lapic_slice.ticks = FALLBACK_TICKS;
		lapic_slice.tsc = FALLBACK_TSC;
		return false;
	}
	lapic_slice.tsc = tsc1 - tsc0;
	return true;
}

void lapic_timer_start(void)
{
	wr(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	wr(LAPIC_LVT_TIMER, X86_VEC_TIMER); /* one-shot: arch/x86/event.c re-arms it */
	wr(LAPIC_TIMER_INIT, lapic_slice.ticks);
}

void lapic_timer_oneshot(uint64_t ticks)
{
	if (ticks == 0)
		ticks = 1; /* 0 would stop it */
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	wr(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

bool lapic_in_service(uint32_t vector)
{
	return (rd(LAPIC_ISR + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
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
