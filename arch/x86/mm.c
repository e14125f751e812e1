/* SPDX-License-Identifier: MIT */
/*
 * x86_64 mm hooks (mm/arch_mm.h).
 *
 * RAM is identity mapped in fief's own tables, so a physical address is
 * its virtual address. Stage-2 (EPT/NPT) invalidation needs the VMX or SVM
 * backend (INVEPT, or a TLB_CONTROL flush at the next VMRUN): until that
 * backend consumes it, it is recorded in x86_s2_flush_gen, and other CPUs
 * running a vCPU on the changed tables are made to leave guest mode.
 */
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "mm/arch_mm.h"
#include "mm/own.h"
#include "mm/pgtable.h"

uint64_t x86_s2_flush_gen;
struct vcpu *x86_guest_vcpu[X86_CPUS_MAX];

#define ICR_FIXED 0x4000u /* fixed delivery, edge, assert */

void arch_cpu_kick(uint32_t cpu)
{
	if (cpu >= X86_CPUS_MAX)
		return;
	lapic_send_ipi(x86_cpu_apic_id[cpu], ICR_FIXED | X86_VEC_IPI);
}

/*
 * After x86_s2_flush_gen moved: make every other CPU that may run a vCPU on
 * @pt in guest mode leave it. The IPI makes the guest exit (physical
 * interrupts always do; an IPI that arrives while the CPU is still in fief
 * ends the next entry at once); the wait ends when the CPU lets go of the
 * vCPU in x86_guest_vcpu, after which it checks the generation and flushes
 * before it enters again. A CPU busy in fief (say, waiting for a lock the
 * caller holds) has let go already: the wait needs nothing from it.
 */
static void x86_s2_shootdown(const struct pt *pt)
{
	uint32_t self = x86_cpu_index();

	for (uint32_t c = 0; c < X86_CPUS_MAX; c++) {
		struct vcpu *v = __atomic_load_n(&x86_guest_vcpu[c], __ATOMIC_SEQ_CST);

		if (c == self || !v || &v->vm->mm->pt != pt)
			continue;
		lapic_send_ipi(x86_cpu_apic_id[c], ICR_FIXED | X86_VEC_IPI);
		while (__atomic_load_n(&x86_guest_vcpu[c], __ATOMIC_ACQUIRE) == v)
			__asm__ volatile("pause" ::: "memory");
	}
}

/* Beyond this many pages a CR3 reload is cheaper than INVLPG. */
#define X86_INVLPG_MAX 32

void *arch_mm_pa_to_va(paddr_t pa)
{
	return (void *)(uintptr_t)pa_addr(pa);
}

static void x86_flush_all(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}

void arch_mm_tlb_inval(const struct pt *pt, uint64_t addr, uint64_t size)
{
	uint64_t off;

	if (pt->fmt != &pt_format_x86_hyp) {
		__atomic_add_fetch(&x86_s2_flush_gen, 1, __ATOMIC_SEQ_CST);
		x86_s2_shootdown(pt);
		return;
	}
	if (size > X86_INVLPG_MAX * PAGE_SIZE) {
		x86_flush_all();
		return;
	}
	for (off = 0; off < size; off += PAGE_SIZE)
		__asm__ volatile("invlpg (%0)" ::"r"((uintptr_t)(addr + off)) : "memory");
}

bool arch_mm_alloc_fails(void)
{
	return false;
}
