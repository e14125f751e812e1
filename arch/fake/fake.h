/* SPDX-License-Identifier: MIT */
/* Inspection hooks of the fake arch, for host unit tests. */
#ifndef FIEF_ARCH_FAKE_H
#define FIEF_ARCH_FAKE_H

#include <stddef.h>

#include "core/arch.h"

#define FAKE_CONSOLE_SIZE 65536

extern char fake_console[FAKE_CONSOLE_SIZE];
extern size_t fake_console_len;
extern int fake_exit_status;

/** What the next arch_vcpu_run() reports (tests set it). */
extern struct vcpu_exit fake_next_exit;

/** arch_cpu_kick() calls so far. */
extern uint32_t fake_kicks;

/** Interrupt lines of a VM's fake controller (arch_irq_lines()). */
#define FAKE_IRQ_LINES 32u

/** The calling thread's CPU index (arch_cpu_index()); tests set it. */
extern _Thread_local uint32_t fake_cpu;

/** What arch_counter() reads; tests advance it. */
extern uint64_t fake_counter;

/** fake_console_reset() - forget what was written to the console. */
void fake_console_reset(void);

#endif
