/* SPDX-License-Identifier: MIT */
/* The per-architecture half of the guest library (lib/<arch>/). */
#ifndef FIEF_GUEST_ARCH_H
#define FIEF_GUEST_ARCH_H

#include <stdint.h>

/** guest_arch_init() - once per vCPU, before anything else (from _start). */
void guest_arch_init(void);

/** guest_entry() - the C entry, from _start; does not return. */
void guest_entry(uint64_t vcpu, uint64_t mem_size) __attribute__((noreturn));

/** guest_arch_putc() - one byte to the serial port, waiting while busy. */
void guest_arch_putc(char c);

#endif
