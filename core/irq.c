/* SPDX-License-Identifier: MIT */
/* A VM's irqchip: lines, routes and the lifetime that keeps them safe. */
#include "core/arch.h"
#include "core/irq.h"
#include "core/vm.h"
#include "lib/assert.h"
#include "lib/err.h"

void irqchip_open(struct vm *vm)
{
	struct irqchip *c = &vm->irq;
	uint32_t lines = arch_irq_lines();

	FIEF_ASSERT(lines <= IRQCHIP_LINES_MAX);
	FIEF_ASSERT(__atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) == 0);
	arch_vm_irq_reset(vm);
	c->lines = lines;
	for (uint32_t i = 0; i < IRQCHIP_LINES_MAX / 64; i++)
		__atomic_store_n(&c->level[i], 0, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < IRQCHIP_LINES_MAX; i++)
		c->route[i] = i < lines ? (uint8_t)i : 0;
	/* Publishes everything above to the holders' acquire. */
	__atomic_store_n(&c->refs, IRQCHIP_OPEN, __ATOMIC_RELEASE);
}

void irqchip_close(struct vm *vm)
{
	struct irqchip *c = &vm->irq;
	uint32_t r = __atomic_fetch_and(&c->refs, ~IRQCHIP_OPEN, __ATOMIC_ACQ_REL);

	if (!(r & IRQCHIP_OPEN))
		return; /* closed before */
	/* A holder only sets lines: it never waits for anything. */
	while (__atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) != 0)
		arch_cpu_relax();
	c->lines = 0;
	for (uint32_t i = 0; i < IRQCHIP_LINES_MAX; i++)
		c->route[i] = 0;
	arch_vm_irq_reset(vm);
}

bool irqchip_get(struct vm *vm)
{
	struct irqchip *c = &vm->irq;
	uint32_t r = __atomic_load_n(&c->refs, __ATOMIC_RELAXED);

	do {
		if (!(r & IRQCHIP_OPEN))
			return false;
		FIEF_ASSERT((r & ~IRQCHIP_OPEN) < ~IRQCHIP_OPEN);
	} while (!__atomic_compare_exchange_n(&c->refs, &r, r + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

void irqchip_put(struct vm *vm)
{
	uint32_t r = __atomic_fetch_sub(&vm->irq.refs, 1, __ATOMIC_RELEASE);

	FIEF_ASSERT((r & ~IRQCHIP_OPEN) != 0);
}

int irq_line_set(struct vm *vm, uint32_t line, uint64_t level)
{
	struct irqchip *c = &vm->irq;
	uint64_t bit;

	if (level > 1)
		return FIEF_EINVAL;
	if (line >= c->lines)
		return FIEF_ERANGE;
	bit = 1ull << (line % 64);
	if (level)
		__atomic_fetch_or(&c->level[line / 64], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&c->level[line / 64], ~bit, __ATOMIC_RELAXED);
	arch_irq_line(vm, c->route[line], level != 0);
	return FIEF_OK;
}

bool irq_line_level(struct vm *vm, uint32_t line)
{
	return (__atomic_load_n(&vm->irq.level[line / 64], __ATOMIC_RELAXED) >> (line % 64)) & 1;
}

int irq_line_raise(struct vm *vm, uint32_t line, bool level)
{
	int err;

	if (!irqchip_get(vm))
		return FIEF_ENOENT;
	err = irq_line_set(vm, line, level);
	irqchip_put(vm);
	return err;
}
