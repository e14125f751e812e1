/* SPDX-License-Identifier: MIT */
/*
 * x86 vCPU registers for the management calls (struct fief_regs_x86) and
 * vCPU teardown. The general registers are fief's copy in struct
 * arch_vcpu; everything else lives in the backend's control structure and
 * goes through the ops table (regs_get / regs_set / vcpu_destroy).
 *
 * Set first checks what every x86 CPU refuses at VM entry or what is
 * reserved in the ABI, so a bad value is FIEF_EINVAL and changes nothing.
 */
#include "arch/x86/fpu.h"
#include "arch/x86/virt.h"
#include "lib/err.h"
#include "lib/string.h"

#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_RESERVED (~0ull << 25)
#define CR3_RESERVED (~0ull << 52)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_KNOWN ((1ull << 0) | EFER_LME | EFER_LMA | (1ull << 11)) /* SCE LME LMA NXE */
/* RFLAGS bits that read 0 (3, 5, 15, 22..63); bit 1 reads 1. */
#define RFLAGS_ZERO ((1ull << 3) | (1ull << 5) | (1ull << 15) | (~0ull << 22))
#define RFLAGS_ONE (1ull << 1)

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

uint64_t *x86_gpr_slot(struct x86_gprs *g, unsigned i)
{
	uint64_t *slots[FIEF_X86_GPR_COUNT] = {
		&g->rax, &g->rcx, &g->rdx, &g->rbx, NULL, &g->rbp, &g->rsi, &g->rdi,
		&g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15,
	};

	return slots[i];
}

int arch_vcpu_get_regs(struct vcpu *vcpu, void *regs, size_t size)
{
	struct fief_regs_x86 r;
	int err;

	if (size != sizeof(r))
		return FIEF_EINVAL;
	if (!x86_virt)
		return FIEF_ENOTSUP;
	memset(&r, 0, sizeof(r));
	err = x86_virt_regs_get(vcpu, &r); /* fills gpr[FIEF_X86_RSP] too */
	if (err)
		return err;
	for (unsigned i = 0; i < FIEF_X86_GPR_COUNT; i++)
		if (i != FIEF_X86_RSP)
			r.gpr[i] = *x86_gpr_slot(&vcpu->arch.gpr, i);
	r.reserved0 = 0;
	r.gdtr.reserved = 0;
	r.idtr.reserved = 0;
	memcpy(regs, &r, sizeof(r));
	return FIEF_OK;
}

static bool control_ok(const struct fief_regs_x86 *r)
{
	bool long_mode = (r->efer & EFER_LME) && (r->cr0 & CR0_PG);

	if ((r->cr0 >> 32) || ((r->cr0 & CR0_PG) && !(r->cr0 & CR0_PE)) ||
	    ((r->cr0 & CR0_NW) && !(r->cr0 & CR0_CD)))
		return false;
	if ((r->cr4 & CR4_RESERVED) || (r->cr3 & CR3_RESERVED))
		return false;
	if ((r->efer & ~EFER_KNOWN) || long_mode != !!(r->efer & EFER_LMA))
		return false;
	return (r->rflags & RFLAGS_ZERO) == 0 && (r->rflags & RFLAGS_ONE);
}

static bool addresses_ok(const struct fief_regs_x86 *r)
{
	return canonical(r->rip) && canonical(r->fs.base) && canonical(r->gs.base) &&
	       canonical(r->tr.base) && canonical(r->ldtr.base) && canonical(r->gdtr.base) &&
	       canonical(r->idtr.base) && (r->gdtr.limit >> 16) == 0 && (r->idtr.limit >> 16) == 0;
}

int arch_vcpu_set_regs(struct vcpu *vcpu, const void *regs, size_t size)
{
	struct fief_regs_x86 r;
	int err;

	if (size != sizeof(r))
		return FIEF_EINVAL;
	memcpy(&r, regs, sizeof(r));
	if (r.reserved0 || r.gdtr.reserved || r.idtr.reserved || !control_ok(&r) ||
	    !addresses_ok(&r))
		return FIEF_EINVAL;
	if (!x86_virt)
		return FIEF_ENOTSUP;
	err = x86_virt_regs_set(vcpu, &r);
	if (err)
		return err;
	for (unsigned i = 0; i < FIEF_X86_GPR_COUNT; i++)
		if (i != FIEF_X86_RSP)
			*x86_gpr_slot(&vcpu->arch.gpr, i) = r.gpr[i];
	vcpu->arch.efer = r.efer;
	return FIEF_OK;
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	if (x86_virt && vcpu->arch.ctl)
		x86_virt_vcpu_destroy(vcpu);
	x86_fpu_vcpu_destroy(vcpu);
}
