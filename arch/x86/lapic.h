/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_X86_LAPIC_H
#define FIEF_ARCH_X86_LAPIC_H

#include <stdint.h>

/** lapic_init_cpu() - enable this CPU's local APIC (xAPIC mode). */
void lapic_init_cpu(void);

/** lapic_timer_start() - periodic timer on X86_VEC_TIMER, @count ticks. */
void lapic_timer_start(uint32_t count);

/** lapic_eoi() - end of interrupt. */
void lapic_eoi(void);

/** lapic_id() - this CPU's APIC ID. */
uint32_t lapic_id(void);

/** lapic_send_ipi() - send an IPI: @icr_low (vector, mode) to @apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#endif
