/* SPDX-License-Identifier: MIT */
/*
 * The arch boundary.
 *
 * core/ and mm/ call only these functions into the architecture. Each is
 * implemented once per arch (arch/x86, arch/arm64, and arch/fake for host
 * unit tests); the Makefile picks the implementation at link time.
 */
#ifndef FIEF_CORE_ARCH_H
#define FIEF_CORE_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct boot_info;

/** arch_early_init() - set up the console and what printing needs. */
void arch_early_init(const struct boot_info *bi);

/** arch_console_write() - write raw bytes to the machine's console. */
void arch_console_write(const char *s, size_t n);

/** arch_describe() - print the CPU and virtualization features found. */
void arch_describe(void);

/**
 * arch_virt_usable() - true if the CPU offers the virtualization extensions
 * fief needs (SVM+NPT or VMX+EPT on x86; EL2 with stage-2 on arm64).
 */
int arch_virt_usable(void);

/** How the machine ends when fief has nothing left to run. */
enum arch_exit_how {
	ARCH_EXIT_HALT = 0,  /* stop all CPUs, leave the machine as it is */
	ARCH_EXIT_DEBUG = 1, /* emulator status device (test rigs only) */
};

/**
 * arch_machine_exit() - end the machine.
 * @how:    see enum arch_exit_how.
 * @status: 0 for success; reported through the status device for
 *          ARCH_EXIT_DEBUG, ignored otherwise.
 */
_Noreturn void arch_machine_exit(enum arch_exit_how how, int status);

/** arch_panic() - a broken fief invariant: report and stop this CPU. */
_Noreturn void arch_panic(const char *file, int line, const char *msg);

#endif
