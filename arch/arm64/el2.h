/* SPDX-License-Identifier: MIT */
/*
 * EL2 register layouts fief programs (Arm ARM D13, D17) and the internal
 * interfaces between the arm64 files.
 */
#ifndef FIEF_ARCH_ARM64_EL2_H
#define FIEF_ARCH_ARM64_EL2_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arch.h"
#include "core/vm.h"

#define BIT64(n) ((uint64_t)1 << (n))

/* HCR_EL2 */
#define HCR_VM BIT64(0)    /* stage-2 translation on */
#define HCR_SWIO BIT64(1)  /* set/way invalidate becomes clean+invalidate */
#define HCR_FMO BIT64(3)   /* FIQs to EL2 */
#define HCR_IMO BIT64(4)   /* IRQs to EL2 */
#define HCR_AMO BIT64(5)   /* SErrors to EL2 */
#define HCR_VI BIT64(7)    /* a virtual IRQ is pending */
#define HCR_FB BIT64(9)    /* guest TLB/IC maintenance broadcast */
#define HCR_BSU_IS (1ull << 10) /* barriers at least inner shareable */
#define HCR_TWI BIT64(13)  /* trap WFI */
#define HCR_TWE BIT64(14)  /* trap WFE */
#define HCR_TID3 BIT64(18) /* trap ID register reads */
#define HCR_TSC BIT64(19)  /* trap SMC */
#define HCR_TIDCP BIT64(20) /* trap implementation defined registers */
#define HCR_TACR BIT64(21) /* trap ACTLR_EL1 */
#define HCR_TGE BIT64(27)
#define HCR_RW BIT64(31)   /* EL1 is AArch64 */
#define HCR_E2H BIT64(34)
#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | \
		   HCR_TWI | HCR_TWE | HCR_TID3 | HCR_TSC | HCR_TIDCP | HCR_TACR | HCR_RW)

/* ESR_ELx */
#define ESR_EC(e) ((unsigned)(((e) >> 26) & 0x3f))
#define ESR_IL BIT64(25)
#define ESR_ISS(e) ((uint32_t)((e) & 0x1ffffff))
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_PAC 0x09
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_SVE 0x19
#define EC_SME 0x1d
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24

/* Data abort ISS */
#define DABT_ISV BIT64(24)
#define DABT_SAS(e) ((unsigned)(((e) >> 22) & 3))
#define DABT_SSE BIT64(21)
#define DABT_SRT(e) ((unsigned)(((e) >> 16) & 0x1f))
#define DABT_SF BIT64(15)
#define DABT_WNR BIT64(6)

/* SPSR_EL2 / PSTATE */
#define PSR_MODE_MASK 0xfull
#define PSR_MODE_EL0T 0x0ull
#define PSR_MODE_EL1T 0x4ull
#define PSR_MODE_EL1H 0x5ull
#define PSR_DAIF (0xfull << 6)
#define PSR_AARCH32 BIT64(4)

#ifndef __ASSEMBLY__
/* entry.S */
uint64_t a64_vcpu_enter(struct arch_vcpu *a);
void a64_fp_save(uint64_t *fp);
void a64_fp_load(const uint64_t *fp);
extern char a64_el2_vectors[];

/** a64_el2_fault() - an exception fief itself took at EL2: report, stop. */
_Noreturn void a64_el2_fault(uint64_t esr, uint64_t elr, uint64_t far, uint64_t kind);

/* takeover.c */
/** a64_cpu_el2_setup() - EL2 state of a CPU: tables, vectors, traps. */
void a64_cpu_el2_setup(void);

/** a64_vtcr() - the VTCR_EL2 value every CPU uses. */
uint64_t a64_vtcr(void);

/** a64_cpu_index() - this physical CPU's index (MPIDR Aff0, Aff1). */
static inline uint32_t a64_cpu_index(void)
{
	uint64_t m;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(m));
	return (uint32_t)((m & 0xf) | ((m >> 4) & 0xf0));
}

#define A64_CPUS_MAX 256

/* smp.c */
/** a64_cpu_mpidr() - MPIDR of the CPU with core index @pcpu. */
bool a64_cpu_mpidr(uint32_t pcpu, uint64_t *mpidr);
/** a64_core_cpu_index() - the core's index of the calling CPU. */
uint32_t a64_core_cpu_index(void);

/* vcpu_ctx.c */
/** a64_vcpu_load() - make @v's EL1/FP state live on this CPU. */
void a64_vcpu_load(struct vcpu *v);
/** a64_vcpu_ctx_init() - EL1 state of a vCPU at reset. */
void a64_vcpu_ctx_init(struct vcpu *v);

/** a64_vcpu_forget() - no CPU holds @v's state any more (destroy). */
void a64_vcpu_forget(struct vcpu *v);

/** a64_el1_snapshot() - copy the ABI's EL1 registers out of the CPU. */
void a64_el1_snapshot(struct a64_el1_regs *r);
/** a64_el1_abi_load() - load the ABI's EL1 registers into the CPU. */
void a64_el1_abi_load(const struct a64_el1_regs *r);

/* idregs.c */
/** a64_sysreg_read() - the value of a trapped MRS fief answers (ISS of EC 0x18). */
bool a64_sysreg_read(uint32_t iss, uint64_t *val);
/** a64_sysreg_write_ignored() - a trapped MSR fief ignores. */
bool a64_sysreg_write_ignored(uint32_t iss);

/* exit.c */
/** a64_handle_sync() - a synchronous exit of @v, decoded into @out. */
void a64_handle_sync(struct vcpu *v, struct vcpu_exit *out);
/**
 * a64_exit_fast() - the short path of a synchronous exit (entry.S): a fief
 * call by HVC or a virtual PL011 access is handled here, without the run
 * loop. Only x[0..18] and
 * x[30] of @a are stored. Return: A64_EXIT_RESUME, A64_EXIT_SYNC or
 * A64_EXIT_HANDLED (arch_vcpu.h).
 */
uint64_t a64_exit_fast(struct arch_vcpu *a);
/** a64_inject_undef() - an undefined-instruction exception into EL1. */
void a64_inject_undef(struct vcpu *v);

/* timer.c */
/** a64_timer_cpu_init() - the preemption timer of this CPU. */
void a64_timer_cpu_init(void);
#define A64_SGI_WAKE 1u
/** a64_cpu_wake() - make physical CPU @pcpu (core index) leave WFI. */
void a64_cpu_wake(uint32_t pcpu);
/** a64_handle_irq() - a physical IRQ while no vCPU runs here (idle). */
void a64_handle_irq(void);

/**
 * a64_turn_irq() - a physical IRQ that interrupted @v's guest.
 * Return: whether @v's turn ends (the slice is over, another vCPU's timer
 * deadline passed, or a kick for a vCPU woken on this CPU).
 */
bool a64_turn_irq(struct vcpu *v);

/** a64_turn_begin() - @v's turn starts on this CPU: arm fief's timer. */
void a64_turn_begin(struct vcpu *v);

/** a64_turn_tick() - fief's timer fired while @v ran. Return: the turn ends. */
bool a64_turn_tick(struct vcpu *v);

/** a64_turn_end() - @v leaves its CPU: its next entry starts a new turn. */
void a64_turn_end(struct vcpu *v);

/* vcpu_ctx.c: the vCPU whose state this CPU holds */
/** a64_vcpu_live() - whether @v's EL1 and vGIC state are live in this CPU. */
bool a64_vcpu_live(const struct vcpu *v);
/** a64_loaded_get() - the vCPU loaded here (NULL: none), kept from being
 * forgotten (destroyed) until a64_loaded_put(). */
struct vcpu *a64_loaded_get(void);
void a64_loaded_put(void);

/* vgic.c */
/** a64_vgic_cpu_init() - this CPU's virtual interface: LR count, maintenance PPI. */
void a64_vgic_cpu_init(void);
/** a64_vgic_sync() - refold and refill the list registers of @v, loaded here. */
void a64_vgic_sync(struct vcpu *v);
/** a64_vgic_save() / a64_vgic_restore() - @v's vGIC CPU interface out of / into this CPU. */
void a64_vgic_save(struct vcpu *v);
void a64_vgic_restore(struct vcpu *v);
/** a64_vgic_vcpu_reset() - @v's virtual CPU interface and EL1 timers at reset. */
void a64_vgic_vcpu_reset(struct vcpu *v);
/** a64_vgic_sgi() - @v wrote ICC_SGI1R_EL1 = @val. */
void a64_vgic_sgi(struct vcpu *v, uint64_t val);
/** a64_vgic_ppi() - the level of private interrupt @intid of @v (its CPU). */
void a64_vgic_ppi(struct vcpu *v, uint32_t intid, bool level);
/** a64_vgic_vtimer_irq(), a64_vgic_maint_irq() - physical PPIs 27 and 25. */
void a64_vgic_vtimer_irq(void);
void a64_vgic_maint_irq(void);
/** a64_vgic_mmio() - a data abort on the VM's GICD/GICR: emulated (true) or not ours. */
bool a64_vgic_mmio(struct vcpu *v, uint64_t esr, uint64_t ipa, struct vcpu_exit *out);

/* timer.c: the guests' EL1 timers */
/** a64_timer_deadline() - counter value at which @v's timers need a look (0: none). */
uint64_t a64_timer_deadline(struct vcpu *v, bool live);
/** a64_ptimer_check() - the emulated CNTP's output to PPI 30 of @v. */
void a64_ptimer_check(struct vcpu *v);
/** a64_ptimer_access() - a trapped CNTP_* access (ISS of EC 0x18); false: not one. */
bool a64_ptimer_access(struct vcpu *v, uint32_t iss);
/** a64_timer_until() - let this CPU's tick come no later than @deadline (0: none). */
void a64_timer_until(uint64_t deadline);

/* cache.c */
/** a64_dcache_clean_inval() - clean and invalidate [va, va+size) to PoC. */
void a64_dcache_clean_inval(const void *va, uint64_t size);
/** a64_dcache_inval() - discard cached lines of [va, va+size) (no clean). */
void a64_dcache_inval(const void *va, uint64_t size);
#endif

#endif
