/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_X86_SMP_H
#define FIEF_ARCH_X86_SMP_H

#include <stdint.h>

#define X86_CPUS_MAX 16

/* The local APIC ID of each CPU fief runs on, by index (arch_cpus_start()). */
extern uint32_t x86_cpu_apic_id[X86_CPUS_MAX];

/**
 * x86_cpu_index() - the calling CPU's index (0 = the boot CPU), from the
 * per-CPU GDT it runs on.
 */
uint32_t x86_cpu_index(void);

#endif
