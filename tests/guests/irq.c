/* SPDX-License-Identifier: MIT */
/*
 * irq: interrupts through the vCPU's virtual local APIC in x2APIC mode
 * (docs/events.md, x86). vCPU 0 runs, in order:
 *
 *  - periodic: the LAPIC timer, periodic every IRQ_PERIOD_US, 100 ticks,
 *    HLT between them;
 *  - one-shot: one expiry, then the current count reads 0;
 *  - tsc-deadline: IA32_TSC_DEADLINE, the interrupt comes at or after it;
 *  - self-ipi: SELF_IPI (MSR 0x83f) 1,000 times, each handled and EOIed
 *    before the next WRMSR completes;
 *  - with IRQ_IPI (irq-ipi.elf, two vCPUs): a ping-pong of fixed IPIs
 *    through the ICR between vCPU 0 and vCPU 1, 1,000 rounds, each side
 *    sleeping in HLT until its interrupt comes.
 *
 * Each step prints "irq: NAME ok ..." or "irq: NAME FAIL ..." and a
 * failure makes the VM's status non-zero.
 */
#include "guest.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1bu
#define MSR_TSC_DEADLINE 0x6e0u
#define X2_ID 0x802u
#define X2_EOI 0x80bu
#define X2_SVR 0x80fu
#define X2_ESR 0x828u
#define X2_ICR 0x830u
#define X2_LVT_TIMER 0x832u
#define X2_TIMER_INIT 0x838u
#define X2_TIMER_CUR 0x839u
#define X2_TIMER_DIV 0x83eu
#define X2_SELF_IPI 0x83fu

#define VEC_TIMER 0x40u
#define VEC_SELF 0x41u
#define VEC_PING 0x42u
#define VEC_PONG 0x43u
#define VEC_SPURIOUS 0xffu

#define ROUNDS 1000u
#define TICKS 100u
#ifndef IRQ_PERIOD_US
#define IRQ_PERIOD_US 1000u
#endif

/* Per vector 0x40..0x4f: interrupts handled (the entry points below count). */
volatile uint32_t irq_count[16];

#define IRQ_ENTRY(vec)                                                        \
	__asm__(".pushsection .text\n"                                   \
		".globl irq_entry_" #vec "\n"                             \
		"irq_entry_" #vec ":\n"                                   \
		"	pushq %rax\n"                                    \
		"	pushq %rcx\n"                                    \
		"	pushq %rdx\n"                                    \
		"	lock incl irq_count+4*(" #vec "-0x40)(%rip)\n"   \
		"	movl $0x80b, %ecx\n"                             \
		"	xorl %eax, %eax\n"                               \
		"	xorl %edx, %edx\n"                               \
		"	wrmsr\n"                                         \
		"	popq %rdx\n"                                     \
		"	popq %rcx\n"                                     \
		"	popq %rax\n"                                     \
		"	iretq\n"                                         \
		".popsection\n")

IRQ_ENTRY(0x40);
IRQ_ENTRY(0x41);
IRQ_ENTRY(0x42);
IRQ_ENTRY(0x43);
void irq_entry_0x40(void);
void irq_entry_0x41(void);
void irq_entry_0x42(void);
void irq_entry_0x43(void);

static struct x86_gate idt[256] __attribute__((aligned(16)));

static void gate_set(unsigned vec, void (*fn)(void))
{
	idt[vec] = x86_gate(fn);
}

static void idt_load(void)
{
	x86_lidt((uint64_t)(uintptr_t)idt, sizeof(idt) - 1);
}

static uint32_t count(unsigned vec)
{
	return irq_count[vec - 0x40];
}

/* Sleep until vector @vec has been handled @n times in all. */
static void wait_for(unsigned vec, uint32_t n)
{
	__asm__ __volatile__("cli");
	while (count(vec) < n)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

/* Let in a timer tick that was already pending when its timer stopped
 * (with IF clear it waits in IRR), so the next test does not count it. */
static void drain(void)
{
	__asm__ __volatile__("sti; nop; nop; nop; cli" ::: "memory");
}

/* This vCPU's APIC: x2APIC mode, software-enabled. */
static void apic_on(void)
{
	x86_wrmsr(MSR_APIC_BASE, x86_rdmsr(MSR_APIC_BASE) | (1u << 10) | (1u << 11));
	x86_wrmsr(X2_SVR, 0x100 | VEC_SPURIOUS);
}

static int fail(const char *what, const char *fmt, uint64_t a, uint64_t b)
{
	guest_printf("irq: %s FAIL ", what);
	guest_printf(fmt, (unsigned long long)a, (unsigned long long)b);
	guest_printf("\n");
	return 1;
}

static uint64_t tsc_khz(void)
{
	struct x86_cpuid max = x86_cpuid(0x40000000u, 0);

	return max.eax >= 0x40000010u ? x86_cpuid(0x40000010u, 0).eax : 0;
}

static int test_periodic(uint64_t khz)
{
	uint64_t t0, t1, period = khz * IRQ_PERIOD_US / 1000u;

	x86_wrmsr(X2_TIMER_DIV, 0xb); /* divide by 1: a tick is a TSC cycle */
	x86_wrmsr(X2_LVT_TIMER, VEC_TIMER | (1u << 17));
	t0 = guest_cycles();
	x86_wrmsr(X2_TIMER_INIT, period);
	wait_for(VEC_TIMER, TICKS);
	x86_wrmsr(X2_TIMER_INIT, 0);
	t1 = guest_cycles();
	if (count(VEC_TIMER) != TICKS)
		return fail("periodic", "%llu ticks, wanted %llu", count(VEC_TIMER), TICKS);
	if (t1 - t0 < period * (TICKS - 1))
		return fail("periodic", "%llu cycles for %llu ticks: too fast", t1 - t0, TICKS);
	guest_printf("irq: periodic ok %u ticks, %llu cycles each\n", TICKS,
		     (unsigned long long)((t1 - t0) / TICKS));
	return 0;
}

static int test_oneshot(uint64_t khz)
{
	uint32_t before;
	uint64_t t0, t1, cur, wait = khz * IRQ_PERIOD_US / 1000u;

	drain();
	before = count(VEC_TIMER);
	x86_wrmsr(X2_TIMER_DIV, 0x1); /* divide by 4 */
	x86_wrmsr(X2_LVT_TIMER, VEC_TIMER);
	t0 = guest_cycles();
	x86_wrmsr(X2_TIMER_INIT, wait / 4);
	cur = x86_rdmsr(X2_TIMER_CUR);
	/* 0 only if the period is over: another VM on this CPU may have run
	 * between the two accesses. */
	if (cur == 0 && guest_cycles() - t0 < wait)
		return fail("one-shot", "current count 0 right after the start%llu%llu", 0, 0);
	wait_for(VEC_TIMER, before + 1);
	t1 = guest_cycles();
	if (x86_rdmsr(X2_TIMER_CUR) != 0 || t1 - t0 < wait - 8)
		return fail("one-shot", "count %llu after expiry, %llu cycles", x86_rdmsr(X2_TIMER_CUR),
			    t1 - t0);
	guest_printf("irq: one-shot ok after %llu cycles\n", (unsigned long long)(t1 - t0));
	return 0;
}

static int test_deadline(uint64_t khz)
{
	uint32_t before;
	uint64_t deadline, t1;

	drain();
	before = count(VEC_TIMER);
	x86_wrmsr(X2_LVT_TIMER, VEC_TIMER | (2u << 17));
	deadline = guest_cycles() + khz * IRQ_PERIOD_US / 1000u;
	x86_wrmsr(MSR_TSC_DEADLINE, deadline);
	/* It reads 0 once it fired: only after the deadline (another VM on
	 * this CPU may have run between the two accesses). */
	t1 = x86_rdmsr(MSR_TSC_DEADLINE);
	if (t1 != deadline && !(t1 == 0 && guest_cycles() >= deadline))
		return fail("tsc-deadline", "reads %llu, wrote %llu", t1, deadline);
	wait_for(VEC_TIMER, before + 1);
	t1 = guest_cycles();
	if (t1 < deadline || x86_rdmsr(MSR_TSC_DEADLINE) != 0)
		return fail("tsc-deadline", "fired at %llu, deadline %llu", t1, deadline);
	x86_wrmsr(X2_LVT_TIMER, 1u << 16);
	guest_printf("irq: tsc-deadline ok %llu cycles late\n",
		     (unsigned long long)(t1 - deadline));
	return 0;
}

static int test_self_ipi(void)
{
	uint32_t before = count(VEC_SELF);

	__asm__ __volatile__("sti");
	for (uint32_t i = 0; i < ROUNDS; i++) {
		x86_wrmsr(X2_SELF_IPI, VEC_SELF);
		if (count(VEC_SELF) != before + i + 1) {
			__asm__ __volatile__("cli");
			return fail("self-ipi", "round %llu: %llu handled", i, count(VEC_SELF) - before);
		}
	}
	__asm__ __volatile__("cli");
	/* An illegal vector is refused: ESR "send illegal vector". */
	x86_wrmsr(X2_SELF_IPI, 3);
	x86_wrmsr(X2_ESR, 0);
	if ((x86_rdmsr(X2_ESR) & (1u << 5)) == 0)
		return fail("self-ipi", "ESR 0x%llx after vector 3%llu", x86_rdmsr(X2_ESR), 0);
	guest_printf("irq: self-ipi ok %u handled\n", ROUNDS);
	return 0;
}

#ifdef IRQ_IPI
static volatile uint32_t secondary_ready;

/* vCPU 1: answer every ping with a pong. */
int secondary_main(unsigned vcpu, uint64_t mem_size)
{
	(void)mem_size;
	if (vcpu != 1)
		return 0;
	idt_load();
	apic_on();
	__atomic_store_n(&secondary_ready, 1, __ATOMIC_SEQ_CST);
	for (uint32_t i = 1; i <= ROUNDS; i++) {
		wait_for(VEC_PING, i);
		x86_wrmsr(X2_ICR, (0ull << 32) | VEC_PONG); /* to APIC 0, fixed, physical */
	}
	return 0;
}

static int test_ping_pong(void)
{
	uint64_t t0 = guest_cycles();

	while (!__atomic_load_n(&secondary_ready, __ATOMIC_SEQ_CST))
		guest_relax();
	for (uint32_t i = 1; i <= ROUNDS; i++) {
		x86_wrmsr(X2_ICR, (1ull << 32) | VEC_PING); /* to APIC 1 */
		wait_for(VEC_PONG, i);
	}
	if (count(VEC_PING) != ROUNDS || count(VEC_PONG) != ROUNDS)
		return fail("ping-pong", "%llu pings, %llu pongs", count(VEC_PING), count(VEC_PONG));
	guest_printf("irq: ping-pong ok %u rounds, %llu cycles each\n", ROUNDS,
		     (unsigned long long)((guest_cycles() - t0) / ROUNDS));
	return 0;
}
#endif

int main(unsigned vcpu, uint64_t mem_size)
{
	uint64_t khz = tsc_khz();
	int bad = 0;

	(void)vcpu;
	(void)mem_size;
	gate_set(VEC_TIMER, irq_entry_0x40);
	gate_set(VEC_SELF, irq_entry_0x41);
	gate_set(VEC_PING, irq_entry_0x42);
	gate_set(VEC_PONG, irq_entry_0x43);
	idt_load();
	if (!(x86_cpuid(1, 0).ecx & (1u << 21)) || !(x86_cpuid(1, 0).ecx & (1u << 24)) || !khz)
		return fail("cpuid", "x2APIC/TSC-deadline/TSC kHz missing: ecx 0x%llx, %llu kHz",
			    x86_cpuid(1, 0).ecx, khz);
	apic_on();
	guest_printf("irq: x2APIC on, APIC id %llu, TSC %llu kHz\n",
		     (unsigned long long)x86_rdmsr(X2_ID), (unsigned long long)khz);
	bad |= test_periodic(khz);
	bad |= test_oneshot(khz);
	bad |= test_deadline(khz);
	bad |= test_self_ipi();
#ifdef IRQ_IPI
	bad |= test_ping_pong();
#endif
	guest_printf("irq: %s\n", bad ? "FAIL" : "all ok");
	return bad;
}
