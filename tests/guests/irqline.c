/* SPDX-License-Identifier: MIT */
/*
 * irqline: a guest whose interrupts come from lines the host drives
 * (tests/guests/irqhost.c), through its virtual I/O APIC and local APIC
 * (docs/events.md). x86_64.
 *
 * It turns its local APIC on in x2APIC mode, routes I/O APIC pin 5 (edge)
 * to vector 0x40 and pin 6 (level) to vector 0x41, both to itself, and
 * sleeps in HLT. Each edge interrupt is counted and shown as one '.' on the
 * console, which the host waits for before its next edge: 1,000 edges must
 * give 1,000 interrupts. The level pin stays asserted while the host holds
 * it high, so each EOI brings the interrupt back (remote IRR): the handler
 * counts 1,000 deliveries, masks the pin and says so.
 */
#include "guest.h"
#include "x86.h"

#ifndef IRQ_ROUNDS
#define IRQ_ROUNDS 1000u
#endif
#define EDGES IRQ_ROUNDS
#define LEVELS IRQ_ROUNDS
#define VEC_EDGE 0x40u
#define VEC_LEVEL 0x41u
#define PIN_EDGE 5u
#define PIN_LEVEL 6u
#define IOAPIC 0xfec00000ull
#define MSR_APIC_BASE 0x1bu
#define MSR_X2APIC_SVR 0x80fu
#define MSR_X2APIC_EOI 0x80bu
#define MSR_X2APIC_ID 0x802u
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define RTE_LEVEL (1u << 15)
#define RTE_MASK (1u << 16)


static struct x86_gate idt[256] __attribute__((aligned(16)));
static volatile uint32_t edges, levels, stray;
static volatile uint32_t *ioregsel, *iowin;

static void rte(uint32_t pin, uint32_t lo, uint32_t dest)
{
	*ioregsel = 0x11 + 2 * pin;
	*iowin = dest << 24;
	*ioregsel = 0x10 + 2 * pin;
	*iowin = lo;
}

/* Called by the entry points below with interrupts off. */
void irqline_edge(void);
void irqline_level(void);
void irqline_stray(void);

void irqline_edge(void)
{
	edges++;
	x86_wrmsr(MSR_X2APIC_EOI, 0);
}

void irqline_level(void)
{
	if (++levels == LEVELS)
		rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL | RTE_MASK, 0); /* enough */
	x86_wrmsr(MSR_X2APIC_EOI, 0);
}

void irqline_stray(void)
{
	stray++;
	x86_wrmsr(MSR_X2APIC_EOI, 0);
}

/* Save what a C call may clobber, call, restore, IRETQ. */
#define IRQ_ENTRY(name, fn)                                                            \
	__asm__(".pushsection .text\n" #name ":\n"                                \
		"push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n"     \
		"push %r8\n push %r9\n push %r10\n push %r11\n"                   \
		"cld\n call " #fn "\n"                                            \
		"pop %r11\n pop %r10\n pop %r9\n pop %r8\n"                       \
		"pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"          \
		"iretq\n.popsection\n")
void entry_edge(void);
void entry_level(void);
void entry_stray(void);
IRQ_ENTRY(entry_edge, irqline_edge);
IRQ_ENTRY(entry_level, irqline_level);
IRQ_ENTRY(entry_stray, irqline_stray);

static void gate(unsigned vec, void (*fn)(void))
{
	idt[vec] = x86_gate(fn);
}
/* Sleep in HLT until @count reaches @want (interrupts on only in HLT). */
static void wait_for(volatile uint32_t *count, uint32_t want)
{
	while (*count < want)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

int main(unsigned vcpu, uint64_t mem_size)
{
	uint32_t id, shown = 0;

	(void)mem_size;
	if (vcpu != 0)
		return 0;
	for (unsigned v = 0x20; v < 256; v++)
		gate(v, entry_stray);
	gate(VEC_EDGE, entry_edge);
	gate(VEC_LEVEL, entry_level);
	x86_lidt((uint64_t)(uintptr_t)idt, sizeof(idt) - 1);
	x86_wrmsr(MSR_APIC_BASE, x86_rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	x86_wrmsr(MSR_X2APIC_SVR, 0x1ff); /* enabled, spurious vector 0xff */
	id = (uint32_t)x86_rdmsr(MSR_X2APIC_ID);
	if (guest_map_gpa(IOAPIC) < 0) {
		guest_printf("irqline: FAIL cannot map the I/O APIC\n");
		return 1;
	}
	ioregsel = (volatile uint32_t *)(uintptr_t)IOAPIC;
	iowin = (volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10);
	rte(PIN_EDGE, VEC_EDGE, id);
	rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL, id);
	guest_printf("irqline: APIC ID %u, pins %u (edge) and %u (level) routed, ready\n", id,
		     PIN_EDGE, PIN_LEVEL);
	while (shown < EDGES) {
		wait_for(&edges, shown + 1);
		for (; shown < edges; shown++)
			guest_printf("."); /* one byte each: the host counts them */
	}
	guest_printf("\nirqline: %u edges counted\n", edges);
	for (uint32_t step = LEVELS / 10; step <= LEVELS; step += LEVELS / 10) {
		wait_for(&levels, step);
		guest_printf("irqline: %u so far on the level pin\n", step);
	}
	guest_printf("irqline: %u level deliveries, pin masked\n", levels);
	if (edges != EDGES || stray != 0) {
		guest_printf("irqline: FAIL %u edges, %u stray interrupts\n", edges, stray);
		return 1;
	}
	return 0;
}
