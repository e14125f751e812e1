/* SPDX-License-Identifier: MIT */
/*
 * The test guest library: what a test guest program may use.
 *
 * A guest defines main(); the library's _start (lib/<arch>/start.S) calls it
 * on vCPU 0 and reports its return value with FIEF_HC_SELF_STOP (0 = pass).
 * Another vCPU runs secondary_main() if the guest defines it (a non-zero
 * return stops the VM with that status; 0 halts the vCPU), else it halts.
 * See docs/guests.md for the boot protocol the library expects.
 */
#ifndef FIEF_GUEST_H
#define FIEF_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fief_abi.h"

#define GUEST_NORETURN __attribute__((noreturn))
#define GUEST_PRINTF(f, a) __attribute__((format(printf, f, a)))

/** main() - the guest's program on vCPU 0; its result is the VM's status. */
int main(unsigned vcpu, uint64_t mem_size);

/** secondary_main() - optional (weak): what vCPUs other than 0 run. */
int secondary_main(unsigned vcpu, uint64_t mem_size) __attribute__((weak));

/* Console: the VM's serial port. Lines from several vCPUs do not mix:
 * guest_printf() writes its whole output under one lock. */
void guest_putc(char c);
void guest_puts(const char *s); /* adds no newline */
int guest_printf(const char *fmt, ...) GUEST_PRINTF(1, 2);
int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Hypercalls: arch wrapper, then typed helpers. */
int64_t guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3, uint64_t a4, uint64_t a5);
GUEST_NORETURN void guest_self_stop(uint64_t status);
int64_t guest_abi_version(void); /* FIEF_HC_VERSION */
int64_t guest_caps(void);        /* FIEF_HC_CAPS */

/*
 * guest_map_gpa() - make guest-physical @gpa addressable at the virtual
 * address of the same value, even outside the guest's memory (the fault
 * guests need this). Return: 0 mapped, 1 already addressable, -1 failed.
 */
int guest_map_gpa(uint64_t gpa);

/* Where fief put this VM's boot information page (guest-abi/fief_boot.h):
 * RDX / X2 at entry. Read it before anything may overwrite low memory. */
extern uint64_t guest_boot_info_gpa;

/* CPU helpers. */
uint64_t guest_cycles(void);  /* a free-running cycle counter (TSC, CNTVCT) */
void guest_relax(void);       /* spin-loop hint */
GUEST_NORETURN void guest_halt(void); /* park this vCPU for good */

/*
 * guest_preempt_on() / guest_preempt_off() - around a loop that spins until
 * another VM on this CPU did something: let fief's timer take this vCPU off
 * the CPU meanwhile. x86: IF set (Bochs lets no physical interrupt exit a
 * guest with IF clear; fief injects none, so no IDT entry is used), then
 * clear again. arm64: nothing to do (physical IRQs go to EL2 whatever
 * PSTATE.I says).
 */
void guest_preempt_on(void);
void guest_preempt_off(void);

/* A spinlock shared by the vCPUs of one VM. */
struct guest_lock {
	volatile uint32_t held;
};
void guest_lock(struct guest_lock *l);
void guest_unlock(struct guest_lock *l);

/* What the compiler may call even in freestanding code. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

/* guest_same() - whether the @n bytes at @a and @b are equal. */
bool guest_same(const void *a, const void *b, size_t n);

#endif
