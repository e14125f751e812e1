/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 as fief uses it: only the calling CPU's redistributor (to
 * enable private interrupts) and the EL2 system-register CPU interface.
 * The distributor stays as the firmware left it.
 */
#ifndef FIEF_ARCH_ARM64_GIC_H
#define FIEF_ARCH_ARM64_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_INTID_SPURIOUS 1020u

/** gic_dist_init() - let the distributor forward Group 1 interrupts. */
void gic_dist_init(void);

/**
 * gic_cpu_init() - wake this CPU's redistributor and enable its CPU
 * interface for Group 1 interrupts. Return: false if the MADT names no
 * redistributor for this CPU.
 */
bool gic_cpu_init(void);

/** gic_ppi_enable() - enable private interrupt @intid (16..31) here. */
void gic_ppi_enable(uint32_t intid, uint8_t prio);

/** gic_ppi_set() - only the enable bit of private interrupt @intid here. */
void gic_ppi_set(uint32_t intid, bool on);

/** gic_send_sgi() - raise software-generated interrupt @intid (0..15) on the CPU @mpidr. */
void gic_send_sgi(uint64_t mpidr, uint32_t intid);

/** gic_ack() - acknowledge the highest pending interrupt: its INTID. */
uint32_t gic_ack(void);

/** gic_eoi() - end (and deactivate) interrupt @intid. */
void gic_eoi(uint32_t intid);

#endif
