/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_X86_LAPIC_H
#define FIEF_ARCH_X86_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* The preemption slice (10 ms), measured once by lapic_calibrate(). */
struct lapic_slice {
	uint32_t ticks; /* LAPIC timer ticks (bus clock / 16) */
	uint64_t tsc;   /* TSC cycles */
};

extern struct lapic_slice lapic_slice;

/** lapic_init_cpu() - enable this CPU's local APIC (xAPIC mode). */
void lapic_init_cpu(void);

/**
 * lapic_calibrate() - measure lapic_slice against the PIT (boot CPU, after
 * lapic_init_cpu(), interrupts off). Return: false if there is no PIT
 * (lapic_slice then holds a fixed fallback).
 */
bool lapic_calibrate(void);

/** lapic_timer_start() - this CPU's timer on X86_VEC_TIMER, one-shot, one slice. */
void lapic_timer_start(void);

/** lapic_timer_oneshot() - fire X86_VEC_TIMER once after @ticks (at least 1). */
void lapic_timer_oneshot(uint64_t ticks);

/** lapic_eoi() - end of interrupt. */
void lapic_eoi(void);

/** lapic_in_service() - whether @vector is in service (its ISR bit set). */
bool lapic_in_service(uint32_t vector);

/** lapic_id() - this CPU's APIC ID. */
uint32_t lapic_id(void);

/** lapic_send_ipi() - send an IPI: @icr_low (vector, mode) to @apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#endif
