/* SPDX-License-Identifier: MIT */
/*
 * Bringing up the other CPUs: INIT, then two STARTUP IPIs to every enabled
 * local APIC of the MADT (Intel SDM vol. 3, 8.4.4), each AP entering
 * through the real-mode trampoline copied to X86_TRAMP_PA.
 *
 * The trampoline page lies in the first 1 MiB, which the boot protocol
 * keeps for fief's boot structures; APs start before any VM runs.
 */
#include <stdbool.h>

#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/x86.h"
#include "core/acpi.h"
#include "core/arch.h"
#include "core/main.h"
#include "lib/print.h"
#include "lib/string.h"

#define X86_TRAMP_PA 0x9000ull
#define AP_STACK_BYTES (16 * 1024)
#define ICR_INIT 0x4500u    /* INIT, level assert */
#define ICR_STARTUP 0x4600u /* STARTUP; vector = page number */

extern const uint8_t x86_tramp_start[], x86_tramp_end[], x86_tramp_gdtr[], x86_tramp_gdt[],
	x86_tramp_jump[], x86_tramp_long[], x86_tramp_cr3[], x86_tramp_stack[], x86_tramp_cpu[],
	x86_tramp_entry[];

static uint8_t ap_stacks[X86_CPUS_MAX][AP_STACK_BYTES] __attribute__((aligned(16)));
static volatile uint32_t ap_online[X86_CPUS_MAX];
uint32_t x86_cpu_apic_id[X86_CPUS_MAX];

/* The address of a trampoline symbol in the copy. */
static uint8_t *tramp_at(const uint8_t *sym)
{
	return (uint8_t *)(uintptr_t)(X86_TRAMP_PA + (uint64_t)(sym - x86_tramp_start));
}

/* About a microsecond per port-0x80 write on PC hardware. */
static void udelay(unsigned us)
{
	while (us--)
		outb(0x80, 0);
}

/** x86_ap_entry() - where an AP lands from the trampoline. */
_Noreturn void x86_ap_entry(uint32_t cpu);

_Noreturn void x86_ap_entry(uint32_t cpu)
{
	x86_desc_init_cpu(cpu);
	lapic_init_cpu();
	__atomic_store_n(&ap_online[cpu], 1, __ATOMIC_RELEASE);
	fief_secondary_main(cpu);
}

static bool tramp_prepare(void)
{
	uint64_t cr3;
	uint32_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if (cr3 >= (1ull << 32))
		return false;
	memcpy((void *)(uintptr_t)X86_TRAMP_PA, x86_tramp_start,
	       (size_t)(x86_tramp_end - x86_tramp_start));
	v = (uint32_t)(uintptr_t)tramp_at(x86_tramp_gdt);
	memcpy(tramp_at(x86_tramp_gdtr) + 2, &v, 4);
	v = (uint32_t)(uintptr_t)tramp_at(x86_tramp_long);
	memcpy(tramp_at(x86_tramp_jump), &v, 4);
	v = (uint32_t)cr3;
	memcpy(tramp_at(x86_tramp_cr3), &v, 4);
	uint64_t entry = (uint64_t)(uintptr_t)x86_ap_entry;

	memcpy(tramp_at(x86_tramp_entry), &entry, 8);
	return true;
}

static bool start_ap(uint32_t apic_id, uint32_t cpu)
{
	uint64_t stack = (uint64_t)(uintptr_t)(ap_stacks[cpu] + AP_STACK_BYTES);
	uint64_t index = cpu;

	memcpy(tramp_at(x86_tramp_stack), &stack, 8);
	memcpy(tramp_at(x86_tramp_cpu), &index, 8);
	lapic_send_ipi(apic_id, ICR_INIT);
	udelay(10000);
	for (int i = 0; i < 2 && !__atomic_load_n(&ap_online[cpu], __ATOMIC_ACQUIRE); i++) {
		lapic_send_ipi(apic_id, ICR_STARTUP | (uint32_t)(X86_TRAMP_PA >> 12));
		udelay(200);
	}
	for (unsigned t = 0; t < 100000; t++) {
		if (__atomic_load_n(&ap_online[cpu], __ATOMIC_ACQUIRE))
			return true;
		udelay(10);
	}
	return false;
}

uint32_t arch_cpus_start(const struct acpi_info *acpi, uint32_t max)
{
	const struct acpi_header *madt = acpi_find(acpi, "APIC", 0);
	uint32_t self = lapic_id(), count = 1;

	x86_cpu_apic_id[0] = self;
	if (!madt || !tramp_prepare())
		return 1;
	const uint8_t *p = (const uint8_t *)madt + 44, *end = (const uint8_t *)madt + madt->length;

	for (; end - p >= 2 && p[1] >= 2 && p[1] <= end - p; p += p[1]) {
		/* Type 0: processor local APIC {uid, apic id, flags}. */
		if (p[0] != 0 || p[1] < 8 || !(p[4] & 1) || p[3] == self)
			continue;
		if (count == max || count == X86_CPUS_MAX)
			break;
		if (start_ap(p[3], count))
			x86_cpu_apic_id[count++] = p[3];
		else
			console_printf("x86: CPU with APIC id %u did not start\n", p[3]);
	}
	return count;
}
