/* SPDX-License-Identifier: MIT */
/*
 * x86 event hooks of core/arch.h. No virtual interrupt controller yet: a
 * line's level is only recorded, nothing becomes pending, no timer runs.
 */
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "arch/x86/x86.h"
#include "core/arch.h"
#include "core/vm.h"


uint32_t arch_cpu_index(void)
{
	return x86_cpu_index();
}

uint64_t arch_counter(void)
{
	return rdtsc();
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
	return VIOAPIC_PINS;
}

void x86_ioapic_send(struct vm *vm, const struct vioapic_msg *m, uint32_t n)
{
	/* No virtual local APIC takes them yet: counted only. */
	(void)m;
	__atomic_add_fetch(&vm->arch.ioapic_msgs, n, __ATOMIC_RELAXED);
}

void arch_irq_line(struct vm *vm, uint32_t line, bool level)
{
	struct vioapic_msg m[VIOAPIC_MSGS_MAX];

	x86_ioapic_send(vm, m, vioapic_set_pin(&vm->arch.ioapic, line, level, m));
}

void arch_vm_irq_reset(struct vm *vm)
{
	vioapic_reset(&vm->arch.ioapic);
	__atomic_store_n(&vm->arch.ioapic_msgs, 0, __ATOMIC_RELAXED);
}
