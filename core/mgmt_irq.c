/* SPDX-License-Identifier: MIT */
/*
 * FIEF_HC_IRQ_LINE: a manager raises or lowers an interrupt line of a VM.
 *
 * Unlike the other management calls it takes no management lock: the
 * target is held through its irqchip (core/irq.h), which a destroy closes
 * before it frees anything, so a line set against a VM going away answers
 * FIEF_ENOENT and touches nothing. The call may come at any rate from the
 * host's device models; it waits for no vCPU.
 */
#include "core/arch.h"
#include "core/irq.h"
#include "core/mgmt.h"
#include "core/vm.h"
#include "lib/err.h"

int mgmt_irq_line(struct vm *caller, uint64_t id, uint64_t line, uint64_t level)
{
	struct vm *vm;
	int32_t creator;
	int err;

	if (level > 1)
		return FIEF_EINVAL;
	if (line >= arch_irq_lines())
		return FIEF_ERANGE;
	vm = id < VM_MAX ? vm_get((uint32_t)id) : NULL;
	if (!vm || !irqchip_get(vm))
		return FIEF_ENOENT;
	/* Held: the VM's identity (host, creator) stays until the put. The
	 * host drives every VM's lines, itself included (its devices); a
	 * manager those it created. */
	creator = __atomic_load_n(&vm->creator, __ATOMIC_RELAXED);
	if (!caller->host && creator != (int32_t)caller->slot)
		err = FIEF_EACCES;
	else
		err = irq_line_set(vm, (uint32_t)line, level);
	irqchip_put(vm);
	return err;
}
