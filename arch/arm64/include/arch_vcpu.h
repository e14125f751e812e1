/* SPDX-License-Identifier: MIT */
/*
 * arm64 state of a vCPU (struct vcpu's arch member).
 *
 * x[], pc and pstate are the guest's while fief runs; the world switch
 * (arch/arm64/entry.S) loads them before ERET and saves them on every exit
 * that returns to the run loop. While a64_exit_fast() runs (a hypercall
 * handled without the run loop) only x[0..18] and x[30] are stored: X19..X29,
 * ELR_EL2 and SPSR_EL2 are still live in the CPU.
 * The EL1 system registers and the FP/SIMD registers stay live in the CPU
 * while the vCPU is the last one loaded on its physical CPU and are saved
 * only when another vCPU is loaded there (arch/arm64/vcpu_ctx.c). The EL1
 * registers of the guest ABI's struct fief_regs_arm64 are also copied into
 * el1 after every exit that returns to the run loop (a64_el1_snapshot()):
 * a vCPU leaves the CPU only through one of those.
 */
#ifndef FIEF_ARCH_VCPU_H
#define FIEF_ARCH_VCPU_H

/* Offsets used by the world-switch assembly. */
#define A64_VCPU_X 0
#define A64_VCPU_PC 248
#define A64_VCPU_PSTATE 256
#define A64_VCPU_FP 272

/* What a64_vcpu_enter() returns: how the guest left. a64_exit_fast()
 * returns A64_EXIT_RESUME (the guest goes on at once), A64_EXIT_SYNC (not
 * handled: decode the exit in full) or A64_EXIT_HANDLED (handled, but the
 * vCPU must go back to the run loop). */
#define A64_EXIT_RESUME 0
#define A64_EXIT_SYNC 1
#define A64_EXIT_IRQ 2
#define A64_EXIT_FIQ 3
#define A64_EXIT_SERROR 4
#define A64_EXIT_HANDLED 5

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

/** EL1 (and EL0) system registers a guest owns; switched between vCPUs. */
struct a64_el1_regs {
	uint64_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
	uint64_t cpacr, esr, far, afsr0, afsr1, par, sp_el0, sp_el1;
	uint64_t elr, spsr, tpidr_el0, tpidrro_el0, tpidr_el1, cntkctl;
	uint64_t cntv_ctl, cntv_cval, csselr, mdscr;
};

struct arch_vcpu {
	uint64_t x[31];   /* general registers X0..X30 */
	uint64_t pc;      /* ELR_EL2 at the next entry */
	uint64_t pstate;  /* SPSR_EL2 at the next entry */
	/* FP/SIMD: V0..V31 (2 words each), then FPSR, FPCR. */
	uint64_t fp[66] __attribute__((aligned(16)));
	struct a64_el1_regs el1;
	uint64_t vmpidr;  /* MPIDR_EL1 as the guest reads it */
	uint32_t off;     /* PSCI: powered off (CPU_OFF), waits for CPU_ON */
	uint32_t loaded;  /* EL1 and FP state are live in the CPU, not here */
	uint32_t reset;   /* PSCI CPU_ON: reload the reset EL1 state here */
	uint32_t loop_ticks; /* ticks in a row found looping in its vectors */
	uint32_t el1_dirty;  /* set_regs wrote the ABI's EL1 registers here */
	uint32_t entered;    /* has run at least once */
	uint32_t published;  /* vCPU 0 only: the VM's memory was cleaned (0, 1 busy, 2 done) */
	uint32_t vgic_dirty; /* atomic: its pending set changed; sync its LRs before entry */
	/* vGIC CPU interface, saved while another vCPU holds the CPU (its list
	 * registers are mirrored in the VM's struct vgic_state). */
	uint64_t ich_vmcr;
	uint64_t ich_apr[8]; /* ICH_AP0R0..3, ICH_AP1R0..3 */
	/* The EL1 physical timer fief emulates (CNTP_*, PPI 30). */
	uint64_t cntp_ctl, cntp_cval;
	/* Its CPU's turn while it runs (timer.c): the slice's end (0: no turn
	 * yet, the next entry starts one) and the nearest deadline of the
	 * other vCPUs pinned there, taken when the turn starts. */
	uint64_t turn_end, others_at;
};

_Static_assert(offsetof(struct arch_vcpu, pc) == A64_VCPU_PC, "arch_vcpu layout");
_Static_assert(offsetof(struct arch_vcpu, pstate) == A64_VCPU_PSTATE, "arch_vcpu layout");
_Static_assert(offsetof(struct arch_vcpu, fp) == A64_VCPU_FP, "arch_vcpu layout");
#endif /* __ASSEMBLY__ */

#endif
