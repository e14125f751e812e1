/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX backend: the management hooks of the ops table (a vCPU's
 * registers, its destruction) for a vCPU no CPU is running.
 */
#include "arch/x86/vmx.h"

#include "arch/x86/cpu.h"
#include "lib/err.h"
#include "lib/print.h"
#include "mm/page_alloc.h"

/* ---- management: registers and destruction of a vCPU no CPU runs ---- */

/*
 * Make @v's VMCS current on the calling CPU, keeping in *@prev what was
 * current (a manager's own VMCS, when its hypercall got here). A VMCS may be
 * active on one CPU only: that is possible here if it is clear (never ran,
 * or left clear by vmcs_put() when the vCPU was preempted or stopped) or if
 * the vCPU is pinned to this CPU. Return: false otherwise (it left its CPU
 * some other way: halted, or stopped by a hypercall or a memory violation).
 */
static bool vmcs_load_here(struct vcpu *v, uint64_t *prev)
{
	uint32_t cpu = x86_cpu_index();

	*prev = vmx_current_vmcs[cpu];
	if (v->arch.launched && v->pcpu != cpu)
		return false;
	if (vmx_current_vmcs[cpu] != v->arch.ctl_pa) {
		if (!vmptrld(v->arch.ctl_pa))
			return false;
		vmx_current_vmcs[cpu] = v->arch.ctl_pa;
	}
	return true;
}

/* Undo vmcs_load_here(): leave a VMCS that was clear clear, and make what
 * was current before current again. A VMCS that was already current is
 * the one its CPU is running (@v's own exit, even before its first entry
 * completed, when `launched` is not set yet): it stays as it is. */
static void vmcs_unload_here(struct vcpu *v, uint64_t prev)
{
	if (prev == v->arch.ctl_pa)
		return;
	if (!v->arch.launched) {
		vmclear(v->arch.ctl_pa);
		vmx_current_vmcs[x86_cpu_index()] = 0;
	}
	if (prev != v->arch.ctl_pa)
		vmx_vmcs_restore(prev);
}

/* struct fief_x86_segment packs the AR bits 15:12 into 11:8 (SVM's form). */
static void seg_get(enum vmcs_seg sg, struct fief_x86_segment *out)
{
	uint32_t ar = (uint32_t)vmread((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * sg));

	out->selector = (uint16_t)vmread((enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * sg));
	out->limit = (uint32_t)vmread((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * sg));
	out->base = vmread((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * sg));
	out->attrib = (ar & AR_UNUSABLE) ? 0 : (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

static void seg_put(enum vmcs_seg sg, const struct fief_x86_segment *in)
{
	uint32_t ar = (in->attrib & 0xffu) | ((in->attrib & 0xf00u) << 4);

	if (!(ar & 0x80) && sg != VMCS_SEG_CS && sg != VMCS_SEG_TR)
		ar = AR_UNUSABLE; /* a null or not-present data segment */
	vmx_guest_seg(sg, in->selector, ar, in->limit, in->base);
}

/* The guest's view of CR0/CR4: its own bits where fief pins them. */
static uint64_t cr_visible(enum vmcs_field cr, enum vmcs_field mask, enum vmcs_field shadow)
{
	uint64_t m = vmread(mask);

	return (vmread(cr) & ~m) | (vmread(shadow) & m);
}

/* During an exit of @v: its VMCS is the current one. */
void vmx_guest_mode(struct vcpu *v, struct x86_guest_mode *m)
{
	(void)v;
	m->cr0 = cr_visible(VMCS_GUEST_CR0, VMCS_CR0_MASK, VMCS_CR0_SHADOW);
	m->cr4 = cr_visible(VMCS_GUEST_CR4, VMCS_CR4_MASK, VMCS_CR4_SHADOW);
	m->cpl = (uint8_t)((vmread((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * VMCS_SEG_SS)) >> 5) & 3);
	m->rflags = vmread(VMCS_GUEST_RFLAGS);
}

void vmx_regs_get(struct vcpu *v, struct fief_regs_x86 *r)
{
	static const enum vmcs_seg order[8] = {
		VMCS_SEG_CS, VMCS_SEG_DS, VMCS_SEG_ES, VMCS_SEG_FS,
		VMCS_SEG_GS, VMCS_SEG_SS, VMCS_SEG_TR, VMCS_SEG_LDTR,
	};
	struct fief_x86_segment *segs[8] = { &r->cs, &r->ds, &r->es, &r->fs,
					     &r->gs, &r->ss, &r->tr, &r->ldtr };
	uint64_t prev;

	if (!vmcs_load_here(v, &prev)) {
		console_printf("vmx: registers of vm %s vcpu %u: its VMCS is active on CPU %u\n",
			       v->vm->name, v->index, v->pcpu);
		return; /* regs.c reports zeros */
	}
	r->gpr[FIEF_X86_RSP] = vmread(VMCS_GUEST_RSP);
	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = vmread(VMCS_GUEST_RFLAGS);
	r->cr0 = cr_visible(VMCS_GUEST_CR0, VMCS_CR0_MASK, VMCS_CR0_SHADOW);
	r->cr2 = vmx_vcpu_page()->cr2;
	r->cr3 = vmread(VMCS_GUEST_CR3);
	r->cr4 = cr_visible(VMCS_GUEST_CR4, VMCS_CR4_MASK, VMCS_CR4_SHADOW);
	r->efer = vmread(VMCS_GUEST_EFER);
	for (unsigned i = 0; i < 8; i++)
		seg_get(order[i], segs[i]);
	r->gdtr.base = vmread(VMCS_GUEST_GDTR_BASE);
	r->gdtr.limit = (uint16_t)vmread(VMCS_GUEST_GDTR_LIMIT);
	r->idtr.base = vmread(VMCS_GUEST_IDTR_BASE);
	r->idtr.limit = (uint16_t)vmread(VMCS_GUEST_IDTR_LIMIT);
	vmcs_unload_here(v, prev);
}

/*
 * Control registers VMX can hold. CR0 bits VMX fixes but the guest may
 * change (CD, NW) must be as VMX wants them; the bits it pins, NE and,
 * without unrestricted guest, PE and PG, run forced and read back from
 * the shadow, as after a real INIT's CR0 = 0x60000010. CR4.VMXE is never
 * the guest's.
 */
static bool crs_representable(const struct fief_regs_x86 *r)
{
	uint64_t pinned = vmx_cr0_pinned();
	uint64_t cr0 = (r->cr0 | vmx.cr0_fixed0) & vmx.cr0_fixed1;
	uint64_t cr4 = (r->cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1;

	/* Without unrestricted guest the CPU cannot run with PE or PG clear. */
	if (!(vmx.proc2 & PROC2_UNRESTRICTED) && ((cr0 ^ r->cr0) & ((1ull << 0) | (1ull << 31))))
		return false;
	return ((cr0 ^ r->cr0) & ~pinned) == 0 && (cr4 & ~CR4_VMXE) == r->cr4;
}

static void regs_put(const struct fief_regs_x86 *r)
{
	vmwrite(VMCS_GUEST_RSP, r->gpr[FIEF_X86_RSP]);
	vmwrite(VMCS_GUEST_RIP, r->rip);
	vmwrite(VMCS_GUEST_RFLAGS, r->rflags);
	vmwrite(VMCS_GUEST_CR0, (r->cr0 | vmx.cr0_fixed0) & vmx.cr0_fixed1);
	vmwrite(VMCS_CR0_SHADOW, r->cr0);
	vmwrite(VMCS_GUEST_CR3, r->cr3);
	vmwrite(VMCS_GUEST_CR4, (r->cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1);
	vmwrite(VMCS_CR4_SHADOW, r->cr4);
	vmwrite(VMCS_GUEST_EFER, r->efer);
	vmwrite(VMCS_ENTRY_CTLS, (r->efer & (1ull << 10)) ? (vmx.entry | ENTRY_GUEST_64) :
							   (vmx.entry & ~ENTRY_GUEST_64));
	seg_put(VMCS_SEG_CS, &r->cs);
	seg_put(VMCS_SEG_DS, &r->ds);
	seg_put(VMCS_SEG_ES, &r->es);
	seg_put(VMCS_SEG_FS, &r->fs);
	seg_put(VMCS_SEG_GS, &r->gs);
	seg_put(VMCS_SEG_SS, &r->ss);
	seg_put(VMCS_SEG_TR, &r->tr);
	seg_put(VMCS_SEG_LDTR, &r->ldtr);
	vmwrite(VMCS_GUEST_GDTR_BASE, r->gdtr.base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, r->gdtr.limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, r->idtr.base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, r->idtr.limit);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmx_vcpu_page()->cr2 = r->cr2;
}

/* regs.c checked the values architecturally; VM entry checks the rest (a
 * refused state stops the VM with the field named). */
int vmx_regs_set(struct vcpu *v, const struct fief_regs_x86 *r)
{
	uint64_t prev;

	if (!crs_representable(r))
		return FIEF_EINVAL;
	if (!vmcs_load_here(v, &prev))
		return FIEF_EBUSY;
	regs_put(r);
	/* New CR3 or paging mode: drop the VPID's linear translations. */
	if (v->arch.launched)
		invvpid((x86_cpu.vmx_ept_vpid & VPID_CAP_INVVPID_SINGLE) ? 1 : 2,
			(uint16_t)v->arch.asid);
	vmcs_unload_here(v, prev);
	return FIEF_OK;
}

/*
 * Free the VMCS and the vCPU page. A VMCS that is active on another CPU
 * (its pinned CPU, where it ran) cannot be cleared from here: it is kept,
 * and said so, rather than freed while that CPU may still write it back.
 */
void vmx_vcpu_destroy(struct vcpu *v)
{
	uint64_t page, prev;

	if (!vmcs_load_here(v, &prev)) {
		console_printf("vmx: vm %s vcpu %u: VMCS kept, it is active on CPU %u\n",
			       v->vm->name, v->index, v->pcpu);
		return;
	}
	page = vmread(VMCS_EXIT_MSR_STORE);
	vmclear(v->arch.ctl_pa);
	vmx_current_vmcs[x86_cpu_index()] = 0;
	if (prev != v->arch.ctl_pa)
		vmx_vmcs_restore(prev);
	if (page)
		page_free(pa_init(page));
	page_free(pa_init(v->arch.ctl_pa));
	v->arch.ctl = NULL;
	v->arch.ctl_pa = 0;
	v->arch.launched = 0;
}
