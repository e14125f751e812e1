/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's architectural state as the guest ABI shows it (struct
 * fief_regs_arm64), for management calls, and the end of a vCPU.
 *
 * The EL1 registers of the ABI struct are copied out of the CPU after every
 * exit that returns to the run loop (a64_el1_snapshot(); a vCPU leaves its
 * CPU only after one of those), so a CPU other than the vCPU's own reads them
 * from memory; a write marks them dirty and the vCPU's CPU loads them at the
 * next entry. The rest of the EL1 state stays lazily switched.
 */
#include "arch/arm64/el2.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "lib/string.h"

/* SPSR bits a guest may hold at EL1: NZCV, DAIF, mode (EL1h/EL1t/EL0t). */
#define PSTATE_ALLOWED (0xf0000000ull | PSR_DAIF | PSR_MODE_MASK)

int arch_vcpu_get_regs(struct vcpu *vcpu, void *regs, size_t size)
{
	const struct arch_vcpu *a = &vcpu->arch;
	struct fief_regs_arm64 r;

	if (size != sizeof(r))
		return FIEF_EINVAL;
	memset(&r, 0, sizeof(r));
	memcpy(r.x, a->x, sizeof(r.x));
	r.pc = a->pc;
	r.pstate = a->pstate;
	r.sp_el0 = a->el1.sp_el0;
	r.sp_el1 = a->el1.sp_el1;
	r.elr_el1 = a->el1.elr;
	r.spsr_el1 = a->el1.spsr;
	r.sctlr_el1 = a->el1.sctlr;
	r.tcr_el1 = a->el1.tcr;
	r.ttbr0_el1 = a->el1.ttbr0;
	r.ttbr1_el1 = a->el1.ttbr1;
	r.mair_el1 = a->el1.mair;
	r.vbar_el1 = a->el1.vbar;
	memcpy(regs, &r, sizeof(r));
	return FIEF_OK;
}

/* A PSTATE the vCPU may be entered with: AArch64 EL1h, EL1t or EL0t. */
static bool pstate_ok(uint64_t p)
{
	uint64_t mode = p & PSR_MODE_MASK;

	return (p & ~PSTATE_ALLOWED) == 0 &&
	       (mode == PSR_MODE_EL1H || mode == PSR_MODE_EL1T || mode == PSR_MODE_EL0T);
}

int arch_vcpu_set_regs(struct vcpu *vcpu, const void *regs, size_t size)
{
	struct arch_vcpu *a = &vcpu->arch;
	struct fief_regs_arm64 r;

	if (size != sizeof(r))
		return FIEF_EINVAL;
	memcpy(&r, regs, sizeof(r));
	if (r.reserved0 != 0 || !pstate_ok(r.pstate) || !pstate_ok(r.spsr_el1) || (r.pc & 3))
		return FIEF_EINVAL;
	memcpy(a->x, r.x, sizeof(a->x));
	a->pc = r.pc;
	a->pstate = r.pstate;
	a->el1.sp_el0 = r.sp_el0;
	a->el1.sp_el1 = r.sp_el1;
	a->el1.elr = r.elr_el1;
	a->el1.spsr = r.spsr_el1;
	a->el1.sctlr = r.sctlr_el1;
	a->el1.tcr = r.tcr_el1;
	a->el1.ttbr0 = r.ttbr0_el1;
	a->el1.ttbr1 = r.ttbr1_el1;
	a->el1.mair = r.mair_el1;
	a->el1.vbar = r.vbar_el1;
	__atomic_store_n(&a->el1_dirty, 1, __ATOMIC_RELEASE);
	return FIEF_OK;
}

void arch_vcpu_leave(struct vcpu *vcpu)
{
	/* A vCPU's EL1 and FP state stay in its CPU until another vCPU runs
	 * there (vcpu_ctx.c), and a64_vcpu_forget() copes with that when it is
	 * destroyed. Its timers' deadline is the run loop's from now on. */
	vcpu_set_wake_at(vcpu, a64_timer_deadline(vcpu, true));
	a64_turn_end(vcpu);
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	a64_vcpu_forget(vcpu);
}
