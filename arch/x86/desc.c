/* SPDX-License-Identifier: MIT */
/*
 * GDT, TSS and IDT. Each CPU has its own GDT and TSS (a TSS is marked busy
 * when loaded, so it cannot be shared); the IDT is shared.
 *
 * An exception in fief itself is a fief bug: it is reported with the
 * registers and the CPU stops. Guests never cause host exceptions: their
 * faults arrive as VM exits.
 *
 * Interrupts are another matter: fief never dies of one. An NMI (a
 * watchdog, a machine check, a device's MSI in NMI mode), a vector fief
 * does not use, an exception vector that arrived as an interrupt (in
 * service at the local APIC) and a spurious interrupt are counted per CPU
 * and dropped; the first of each kind is reported from the run loop
 * (x86_irq_report()), never from the handler, which may have interrupted
 * a console print.
 */
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "lib/print.h"
#include "lib/string.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS size");

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t off1;
	uint32_t off2;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct cpu_desc {
	uint64_t gdt[5] __attribute__((aligned(16))); /* null, code, data, TSS (2 slots) */
	struct tss64 tss __attribute__((aligned(16)));
};

static struct cpu_desc cpu_desc[X86_CPUS_MAX];
static struct idt_gate idt[256] __attribute__((aligned(16)));
volatile uint64_t x86_timer_ticks[X86_CPUS_MAX];
struct x86_irq_stats x86_irq_stats[X86_CPUS_MAX];

extern const uint64_t x86_vector_stubs[256]; /* entry.S */

static void idt_build(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = x86_vector_stubs[v];

		idt[v] = (struct idt_gate){
			.off0 = (uint16_t)a, .sel = X86_SEL_CODE, .ist = 0, .type = 0x8e,
			.off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32),
		};
	}
}

static void gdt_build(struct cpu_desc *d)
{
	uint64_t tss = (uint64_t)(uintptr_t)&d->tss;
	uint64_t limit = sizeof(d->tss) - 1;

	d->gdt[0] = 0;
	d->gdt[1] = 0x00209a0000000000ull; /* code: present, DPL 0, L */
	d->gdt[2] = 0x0000920000000000ull; /* data: present, writable */
	/* 64-bit available TSS (type 9), present. */
	d->gdt[3] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		    ((limit >> 16) & 0xf) << 48 | ((tss >> 24) & 0xff) << 56;
	d->gdt[4] = tss >> 32;
	memset(&d->tss, 0, sizeof(d->tss));
	d->tss.iomap_base = sizeof(d->tss); /* no I/O bitmap */
}

void x86_desc_init_cpu(uint32_t cpu)
{
	struct cpu_desc *d = &cpu_desc[cpu];
	struct desc_ptr gdtr = { sizeof(d->gdt) - 1, (uint64_t)(uintptr_t)d->gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	if (cpu == 0)
		idt_build();
	gdt_build(d);
	__asm__ volatile("lgdt %0\n\t"
			 "lidt %1\n\t"
			 /* Reload CS through a far return, then the data segments. */
			 "pushq %2\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w3, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "movw %w4, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(gdtr), "m"(idtr), "i"(X86_SEL_CODE), "i"(X86_SEL_DATA),
			   "i"(X86_SEL_TSS)
			 : "rax", "memory");
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(9)", "#TS",
	"#NP", "#SS", "#GP", "#PF", "(15)", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static _Noreturn void trap_fatal(const struct x86_trap_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	console_printf("fief: CPU %u exception %s (vector %llu) error 0x%llx at rip 0x%llx, "
		       "rsp 0x%llx, cr2 0x%llx\n",
		       x86_cpu_index(), exc_names[f->vector & 31] ? exc_names[f->vector & 31] : "?",
		       (unsigned long long)f->vector, (unsigned long long)f->error,
		       (unsigned long long)f->rip, (unsigned long long)f->rsp,
		       (unsigned long long)cr2);
	console_printf("fief: rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx rsi 0x%llx rdi 0x%llx\n",
		       (unsigned long long)f->rax, (unsigned long long)f->rbx,
		       (unsigned long long)f->rcx, (unsigned long long)f->rdx,
		       (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	arch_panic(__FILE__, __LINE__, "exception in fief");
}

/*
 * A vector below 32 is an exception unless the local APIC has it in
 * service: vectors 16-31 can be sent as interrupts (0-15 cannot: the APIC
 * refuses them), and then they are a stray interrupt, not a fief bug.
 */
static bool is_exception(uint64_t vector)
{
	return vector < 16 || (vector < 32 && !lapic_in_service((uint32_t)vector));
}

void x86_trap(struct x86_trap_frame *f)
{
	struct x86_irq_stats *st;

	switch (f->vector) {
	case X86_VEC_TIMER:
		x86_timer_ticks[x86_cpu_index()]++;
		lapic_eoi();
		return;
	case X86_VEC_IPI:
		lapic_eoi();
		return;
	case X86_VEC_NMI:
		/* NMIs stay blocked until the IRET that ends this handler. */
		x86_irq_stats[x86_cpu_index()].nmi++;
		return;
	case X86_VEC_SPURIOUS:
		x86_irq_stats[x86_cpu_index()].spurious++;
		return; /* a spurious interrupt is not in service: no EOI */
	default:
		if (is_exception(f->vector))
			trap_fatal(f);
		st = &x86_irq_stats[x86_cpu_index()];
		st->stray++;
		st->stray_vector = (uint8_t)f->vector;
		lapic_eoi();
		return;
	}
}

/* Once per CPU and kind; called with interrupts off, outside any handler. */
void x86_irq_report(void)
{
	uint32_t cpu = x86_cpu_index();
	struct x86_irq_stats *st = &x86_irq_stats[cpu];

	if (st->nmi && !st->nmi_reported) {
		st->nmi_reported = true;
		console_printf("fief: CPU %u: NMI received, counted and dropped (%llu so far)\n", cpu,
			       (unsigned long long)st->nmi);
	}
	if (st->stray && !st->stray_reported) {
		st->stray_reported = true;
		console_printf("fief: CPU %u: interrupt on vector %u fief does not use, counted and "
			       "dropped (%llu so far)\n",
			       cpu, st->stray_vector, (unsigned long long)st->stray);
	}
}

void arch_report(void)
{
	for (uint32_t cpu = 0; cpu < X86_CPUS_MAX; cpu++) {
		const struct x86_irq_stats *st = &x86_irq_stats[cpu];

		if (st->nmi || st->stray || st->spurious)
			console_printf("fief: CPU %u: %llu NMI(s), %llu stray and %llu spurious "
				       "interrupt(s) dropped\n",
				       cpu, (unsigned long long)st->nmi,
				       (unsigned long long)st->stray,
				       (unsigned long long)st->spurious);
	}
}

uint32_t x86_cpu_index(void)
{
	struct desc_ptr gdtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	return (uint32_t)((gdtr.base - (uint64_t)(uintptr_t)&cpu_desc[0]) / sizeof(cpu_desc[0]));
}
