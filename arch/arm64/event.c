/* SPDX-License-Identifier: MIT */
/*
 * arm64 event hooks of core/arch.h. No virtual interrupt controller yet: a
 * line's level is only recorded, nothing becomes pending, no timer runs.
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"
#include "core/arch.h"
#include "core/vm.h"

#define A64_IRQ_LINES 32u /* SPIs 32..63 */

uint32_t arch_cpu_index(void)
{
	return a64_core_cpu_index();
}

uint64_t arch_counter(void)
{
	return read_sysreg(cntpct_el0);
}

bool arch_vcpu_wakeup_pending(struct vcpu *v)
{
	(void)v;
	return false;
}

void arch_vcpu_timer(struct vcpu *v, uint64_t now)
{
	(void)now;
	vcpu_set_wake_at(v, 0);
}

uint32_t arch_irq_lines(void)
{
	return A64_IRQ_LINES;
}

void arch_irq_line(struct vm *vm, uint32_t line, bool level)
{
	if (level)
		__atomic_fetch_or(&vm->arch.line_level, 1ull << line, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&vm->arch.line_level, ~(1ull << line), __ATOMIC_RELAXED);
}

void arch_vm_irq_reset(struct vm *vm)
{
	__atomic_store_n(&vm->arch.line_level, 0, __ATOMIC_RELAXED);
}
