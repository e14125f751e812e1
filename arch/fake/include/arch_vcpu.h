/* SPDX-License-Identifier: MIT */
/* The fake arch's vCPU state: a script of exits for host tests. */
#ifndef FIEF_ARCH_VCPU_H
#define FIEF_ARCH_VCPU_H

#include <stdint.h>

/* Registers as struct fief_regs_x86 (guest-abi), kept as raw words. */
#define FAKE_REGS_WORDS 44

struct arch_vcpu {
	uint64_t entry;      /* where arch_vcpu_init() was told to start */
	int64_t last_result; /* what arch_vcpu_set_result() stored */
	uint32_t runs;       /* arch_vcpu_run() calls */
	uint32_t leaves;     /* arch_vcpu_leave() calls: turns ended */
	uint64_t ctl_pa;     /* a page from fief's pool, as SVM's VMCB (0: none) */
	uint64_t regs[FAKE_REGS_WORDS];
	uint32_t pending;      /* atomic: an event is pending (tests set it) */
	uint32_t timer_fired;  /* arch_vcpu_timer() calls */
	uint64_t timer_period; /* re-arm by this much after each (0: one-shot) */
};

#endif
