/* SPDX-License-Identifier: MIT */
/*
 * A VM's irqchip: its numbered interrupt lines and their routes into its
 * virtual interrupt controller (docs/events.md).
 *
 * Lines are raised and lowered by management calls (FIEF_HC_IRQ_LINE, the
 * host's devices and the agent) and by fief's own device models, from any
 * CPU and without the management lock: such a caller holds the irqchip
 * (irqchip_get() ... irqchip_put()) while it touches the line. The irqchip
 * lives exactly as long as its VM: irqchip_open() when the VM is created,
 * irqchip_close() first thing when it is destroyed, which refuses new
 * holders and then waits until every holder has let go; only then are the
 * routes cleared and the virtual controller reset, and only after that is
 * the VM's slot reused. A line raised against a VM that is going away gets
 * FIEF_ENOENT, never a touch of what destroy frees. Holding the irqchip
 * takes no lock: an atomic count with a "closed" bit.
 */
#ifndef FIEF_CORE_IRQ_H
#define FIEF_CORE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define IRQCHIP_LINES_MAX 64u
#define IRQCHIP_OPEN 0x80000000u /* in irqchip.refs: holders may come */

struct vm;

struct irqchip {
	uint32_t refs;     /* atomic: IRQCHIP_OPEN | holders now */
	uint32_t lines;    /* const while open: lines it has (arch_irq_lines()) */
	uint64_t level[IRQCHIP_LINES_MAX / 64]; /* atomic: each line's level */
	uint8_t route[IRQCHIP_LINES_MAX];       /* const while open: the
						 * controller's input a line
						 * drives (the identity today) */
};

/** irqchip_open() - @vm's irqchip, lines low, routes set; holders may come. */
void irqchip_open(struct vm *vm);

/**
 * irqchip_close() - refuse new holders, wait for those there to let go,
 * then clear the routes and reset the virtual controller
 * (arch_vm_irq_reset()). Called once by destroy, before anything of the VM
 * is freed. Idempotent.
 */
void irqchip_close(struct vm *vm);

/**
 * irqchip_get() - hold @vm's irqchip (any CPU, no lock).
 * Return: false if it is closed (the VM is being destroyed or is gone).
 */
bool irqchip_get(struct vm *vm);

/** irqchip_put() - let go of what irqchip_get() took. */
void irqchip_put(struct vm *vm);

/**
 * irq_line_set() - set @line of @vm to @level (0 or 1), the irqchip held.
 * Return: 0, FIEF_ERANGE (no such line) or FIEF_EINVAL (level not 0/1).
 */
int irq_line_set(struct vm *vm, uint32_t line, uint64_t level);

/** irq_line_level() - @line's level now (the irqchip held; line valid). */
bool irq_line_level(struct vm *vm, uint32_t line);

/**
 * irq_line_raise() - fief's own device models: set a line of @vm (for
 * example the UART's), holding the irqchip for the call.
 * Return: 0, FIEF_ENOENT (the VM is going away) or as irq_line_set().
 */
int irq_line_raise(struct vm *vm, uint32_t line, bool level);

#endif
