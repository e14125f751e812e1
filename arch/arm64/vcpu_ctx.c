/* SPDX-License-Identifier: MIT */
/*
 * Which vCPU's EL1 and FP/SIMD state is live on each physical CPU.
 *
 * fief at EL2 (non-VHE) uses no EL1 system register and, built with
 * -mgeneral-regs-only, no FP/SIMD register: a vCPU's state can stay in the
 * CPU across exits. It is saved to struct arch_vcpu and the next vCPU's
 * loaded only when a different vCPU runs on the CPU (a64_vcpu_load()).
 *
 * TLB: a VM's stage-1 entries are tagged with its VMID and the guest's
 * ASIDs, not with the vCPU. When two vCPUs of one VM take turns on one
 * physical CPU, the entries one left would be hit by the other (whose
 * tables may differ for the same ASID), so the first run of a different
 * vCPU of the same VM on this CPU drops this CPU's entries of that VMID
 * (TLBI VMALLE1 with the VM's VTTBR_EL2 loaded).
 */
#include "arch/arm64/el2.h"
#include "arch/arm64/sysreg.h"
#include "lib/string.h"
#include "mm/own.h"

/* SCTLR_EL1 at reset: RES1 bits, MMU and caches off, little endian. */
#define SCTLR_EL1_RESET 0x30d00800ull
/* CPACR_EL1.FPEN = 3: EL1 and EL0 may use FP/SIMD (the guest's choice). */
#define CPACR_EL1_RESET (3ull << 20)

static struct vcpu *loaded[A64_CPUS_MAX];
/* Set while the CPU saves the registers of the vCPU it held: a destroyed
 * vCPU's slot is not reused before such a save into it has ended
 * (a64_vcpu_forget()). */
static uint32_t switching[A64_CPUS_MAX];
static struct vcpu *last_ran[A64_CPUS_MAX][MM_GUESTS_MAX];

static void el1_save(struct a64_el1_regs *r)
{
	r->sctlr = read_sysreg(sctlr_el1);
	r->ttbr0 = read_sysreg(ttbr0_el1);
	r->ttbr1 = read_sysreg(ttbr1_el1);
	r->tcr = read_sysreg(tcr_el1);
	r->mair = read_sysreg(mair_el1);
	r->amair = read_sysreg(amair_el1);
	r->vbar = read_sysreg(vbar_el1);
	r->contextidr = read_sysreg(contextidr_el1);
	r->cpacr = read_sysreg(cpacr_el1);
	r->esr = read_sysreg(esr_el1);
	r->far = read_sysreg(far_el1);
	r->afsr0 = read_sysreg(afsr0_el1);
	r->afsr1 = read_sysreg(afsr1_el1);
	r->par = read_sysreg(par_el1);
	r->sp_el0 = read_sysreg(sp_el0);
	r->sp_el1 = read_sysreg(sp_el1);
	r->elr = read_sysreg(elr_el1);
	r->spsr = read_sysreg(spsr_el1);
	r->tpidr_el0 = read_sysreg(tpidr_el0);
	r->tpidrro_el0 = read_sysreg(tpidrro_el0);
	r->tpidr_el1 = read_sysreg(tpidr_el1);
	r->cntkctl = read_sysreg(cntkctl_el1);
	r->cntv_ctl = read_sysreg(cntv_ctl_el0);
	r->cntv_cval = read_sysreg(cntv_cval_el0);
	r->csselr = read_sysreg(csselr_el1);
	r->mdscr = read_sysreg(mdscr_el1);
	/* A timer left running would fire for a vCPU that is not here. */
	write_sysreg(cntv_ctl_el0, 0);
}

static void el1_load(const struct a64_el1_regs *r)
{
	write_sysreg(sctlr_el1, r->sctlr);
	write_sysreg(ttbr0_el1, r->ttbr0);
	write_sysreg(ttbr1_el1, r->ttbr1);
	write_sysreg(tcr_el1, r->tcr);
	write_sysreg(mair_el1, r->mair);
	write_sysreg(amair_el1, r->amair);
	write_sysreg(vbar_el1, r->vbar);
	write_sysreg(contextidr_el1, r->contextidr);
	write_sysreg(cpacr_el1, r->cpacr);
	write_sysreg(esr_el1, r->esr);
	write_sysreg(far_el1, r->far);
	write_sysreg(afsr0_el1, r->afsr0);
	write_sysreg(afsr1_el1, r->afsr1);
	write_sysreg(par_el1, r->par);
	write_sysreg(sp_el0, r->sp_el0);
	write_sysreg(sp_el1, r->sp_el1);
	write_sysreg(elr_el1, r->elr);
	write_sysreg(spsr_el1, r->spsr);
	write_sysreg(tpidr_el0, r->tpidr_el0);
	write_sysreg(tpidrro_el0, r->tpidrro_el0);
	write_sysreg(tpidr_el1, r->tpidr_el1);
	write_sysreg(cntkctl_el1, r->cntkctl);
	write_sysreg(cntv_cval_el0, r->cntv_cval);
	write_sysreg(cntv_ctl_el0, r->cntv_ctl);
	write_sysreg(csselr_el1, r->csselr);
	write_sysreg(mdscr_el1, r->mdscr);
}

void a64_el1_snapshot(struct a64_el1_regs *r)
{
	r->sp_el0 = read_sysreg(sp_el0);
	r->sp_el1 = read_sysreg(sp_el1);
	r->elr = read_sysreg(elr_el1);
	r->spsr = read_sysreg(spsr_el1);
	r->sctlr = read_sysreg(sctlr_el1);
	r->tcr = read_sysreg(tcr_el1);
	r->ttbr0 = read_sysreg(ttbr0_el1);
	r->ttbr1 = read_sysreg(ttbr1_el1);
	r->mair = read_sysreg(mair_el1);
	r->vbar = read_sysreg(vbar_el1);
}

void a64_el1_abi_load(const struct a64_el1_regs *r)
{
	write_sysreg(sp_el0, r->sp_el0);
	write_sysreg(sp_el1, r->sp_el1);
	write_sysreg(elr_el1, r->elr);
	write_sysreg(spsr_el1, r->spsr);
	write_sysreg(sctlr_el1, r->sctlr);
	write_sysreg(tcr_el1, r->tcr);
	write_sysreg(ttbr0_el1, r->ttbr0);
	write_sysreg(ttbr1_el1, r->ttbr1);
	write_sysreg(mair_el1, r->mair);
	write_sysreg(vbar_el1, r->vbar);
	isb();
}

void a64_vcpu_ctx_init(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;

	memset(&a->el1, 0, sizeof(a->el1));
	memset(a->fp, 0, sizeof(a->fp));
	a->el1.sctlr = SCTLR_EL1_RESET;
	a->el1.cpacr = CPACR_EL1_RESET;
	/* MPIDR_EL1 as the guest sees it: RES1 bit 31, Aff0 = vCPU index. */
	a->vmpidr = (1ull << 31) | v->index;
	a->loaded = 0;
	a->loop_ticks = 0;
	a64_vgic_vcpu_reset(v);
}

static uint64_t vttbr(const struct vm *vm)
{
	return ((uint64_t)vm->mm->pt.tag << 48) | pa_addr(vm->mm->pt.root);
}

/* @v's state into this CPU (index @cpu) in place of whatever vCPU was
 * live here: save that one's, load @v's EL1 and FP state, its VTTBR_EL2. */
static void __attribute__((noinline)) vcpu_switch_in(struct vcpu *v, uint32_t cpu)
{
	struct vcpu *prev;
	uint16_t tag = (uint16_t)v->vm->mm->pt.tag;

	__atomic_store_n(&switching[cpu], 1, __ATOMIC_SEQ_CST);
	prev = __atomic_load_n(&loaded[cpu], __ATOMIC_SEQ_CST);
	v->arch.reset = 0;
	v->arch.el1_dirty = 0;
	if (prev && prev != v) {
		el1_save(&prev->arch.el1);
		a64_fp_save(prev->arch.fp);
		a64_vgic_save(prev);
		prev->arch.loaded = 0;
	}
	/* The list registers of the same vCPU (a PSCI reset) are still live. */
	if (prev != v)
		a64_vgic_restore(v);
	el1_load(&v->arch.el1);
	a64_fp_load(v->arch.fp);
	write_sysreg(vmpidr_el2, v->arch.vmpidr);
	write_sysreg(vttbr_el2, vttbr(v->vm));
	isb();
	if (tag < MM_GUESTS_MAX && last_ran[cpu][tag] != v) {
		if (last_ran[cpu][tag])
			__asm__ volatile("tlbi vmalle1\n\tdsb nsh\n\tisb" ::: "memory");
		last_ran[cpu][tag] = v;
	}
	v->arch.loaded = 1;
	__atomic_store_n(&loaded[cpu], v, __ATOMIC_SEQ_CST);
	__atomic_store_n(&switching[cpu], 0, __ATOMIC_RELEASE);
}

void a64_vcpu_load(struct vcpu *v)
{
	uint32_t cpu = a64_cpu_index();

	/* The usual case: @v was the last here and its state is still live. */
	if (__atomic_load_n(&loaded[cpu], __ATOMIC_ACQUIRE) == v && !v->arch.reset) {
		/* Registers written by set_regs while it was not running. */
		if (__atomic_load_n(&v->arch.el1_dirty, __ATOMIC_RELAXED) &&
		    __atomic_exchange_n(&v->arch.el1_dirty, 0, __ATOMIC_ACQUIRE))
			a64_el1_abi_load(&v->arch.el1);
		return;
	}
	vcpu_switch_in(v, cpu);
}

bool a64_vcpu_live(const struct vcpu *v)
{
	return __atomic_load_n(&loaded[a64_cpu_index()], __ATOMIC_RELAXED) == v;
}

struct vcpu *a64_loaded_get(void)
{
	uint32_t cpu = a64_cpu_index();

	/* As a switch does: a64_vcpu_forget() waits while this is set. */
	__atomic_store_n(&switching[cpu], 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&loaded[cpu], __ATOMIC_SEQ_CST);
}

void a64_loaded_put(void)
{
	__atomic_store_n(&switching[a64_cpu_index()], 0, __ATOMIC_RELEASE);
}

void a64_vcpu_forget(struct vcpu *v)
{
	uint16_t tag = (uint16_t)v->vm->mm->pt.tag;

	/* A later vCPU in the same slot must load its own state in full, not
	 * run on this one's (another VM's) registers. */
	for (uint32_t cpu = 0; cpu < A64_CPUS_MAX; cpu++) {
		struct vcpu *expect = v;

		__atomic_compare_exchange_n(&loaded[cpu], &expect, NULL, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
		/* A switch that read @v before it was cleared is still saving
		 * into it: wait for it to end. */
		while (__atomic_load_n(&switching[cpu], __ATOMIC_SEQ_CST))
			__asm__ volatile("yield" ::: "memory");
		if (tag < MM_GUESTS_MAX && last_ran[cpu][tag] == v)
			last_ran[cpu][tag] = NULL;
	}
	v->arch.loaded = 0;
}
