/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX backend: exit decoding (vmx.c enters, this file says why the
 * guest left).
 *
 * Every exit becomes a struct x86_exit for arch/x86/exit.c's policy. What
 * stays here is VMX plumbing: the instruction length and qualification of
 * each exit, the CR0/CR4 writes VMX forces to exit, re-injection of an
 * event whose delivery an exit interrupted, and naming the cause of a
 * failed VM entry. Exit reasons: SDM vol. 3C appendix C.
 */
#include "arch/x86/vmx.h"

#include "arch/x86/desc.h"
#include "lib/print.h"
#include "lib/string.h"

/* ---- entry failures ---- */

static const char *insn_error_name(uint64_t n)
{
	switch (n) {
	case 3: return "VMCLEAR with the VMXON pointer";
	case 4: return "VMLAUNCH with a non-clear VMCS";
	case 5: return "VMRESUME with a non-launched VMCS";
	case 7: return "invalid control field(s)";
	case 8: return "invalid host-state field(s)";
	case 9: return "VMPTRLD with an invalid address";
	case 11: return "VMPTRLD with a wrong VMCS revision";
	case 12: return "unsupported VMCS component";
	case 26: return "events blocked by MOV SS";
	case 28: return "invalid INVEPT/INVVPID operand";
	}
	return "see SDM 30.4";
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/*
 * The first guest-state field that breaks one of the checks of SDM 26.3.1
 * fief can get wrong, or NULL. The CPU says only "invalid guest state":
 * this names the field for the stop message.
 */
static const char *guest_state_culprit(void)
{
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
	uint64_t efer = vmread(VMCS_GUEST_EFER), rflags = vmread(VMCS_GUEST_RFLAGS);
	uint64_t cs_ar = vmread(VMCS_GUEST_ES_AR + 2 * VMCS_SEG_CS);
	uint64_t tr_ar = vmread(VMCS_GUEST_ES_AR + 2 * VMCS_SEG_TR);
	bool guest64 = (vmread(VMCS_ENTRY_CTLS) & ENTRY_GUEST_64) != 0;

	if ((cr0 & vmx.cr0_fixed0) != vmx.cr0_fixed0 || (cr0 & ~vmx.cr0_fixed1))
		return "GUEST_CR0 (VMX fixed bits)";
	if ((cr4 & vmx.cr4_fixed0) != vmx.cr4_fixed0 || (cr4 & ~vmx.cr4_fixed1))
		return "GUEST_CR4 (VMX fixed bits)";
	if (guest64 != !!(efer & (1ull << 10)) || guest64 != !!(efer & (1ull << 8)))
		return "GUEST_EFER (LMA/LME vs IA-32e mode guest)";
	if (guest64 && !(cr4 & (1ull << 5)))
		return "GUEST_CR4 (PAE clear in IA-32e mode)";
	if (guest64 && (cs_ar & (1u << 13)) && (cs_ar & (1u << 14)))
		return "GUEST_CS_AR (L and D both set)";
	if ((tr_ar & 0x1f) != 0xb || !(tr_ar & 0x80) || (tr_ar & AR_UNUSABLE))
		return "GUEST_TR_AR (not a present busy 64-bit TSS)";
	if (!(rflags & 2) || (rflags & ~0x3f7fd7ull))
		return "GUEST_RFLAGS (reserved bits)";
	if ((cs_ar & (1u << 13)) ? !canonical(vmread(VMCS_GUEST_RIP)) :
				   (vmread(VMCS_GUEST_RIP) >> 32) != 0)
		return "GUEST_RIP (not canonical / above 4 GiB)";
	if (!canonical(vmread(VMCS_GUEST_GDTR_BASE)) || vmread(VMCS_GUEST_GDTR_LIMIT) > 0xffff)
		return "GUEST_GDTR";
	if (vmread(VMCS_GUEST_ACTIVITY) > 3)
		return "GUEST_ACTIVITY_STATE";
	if (vmread(VMCS_LINK_POINTER) != ~0ull)
		return "VMCS_LINK_POINTER (not ~0)";
	return NULL;
}

static void entry_failed(uint32_t basic, struct x86_exit *x)
{
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	const char *field;

	x->kind = X86_EXIT_FAILED;
	x->code = basic | VMX_EXIT_ENTRY_FAILED;
	if (basic == VMX_EXIT_BAD_GUEST) {
		field = qual == 4 ? "VMCS_LINK_POINTER" : guest_state_culprit();
		fief_snprintf(x->why, sizeof(x->why), "VM entry failed: invalid guest state, %s",
			      field ? field : "field not found by fief's checks");
	} else if (basic == VMX_EXIT_BAD_MSR_LOAD) {
		fief_snprintf(x->why, sizeof(x->why),
			      "VM entry failed: loading MSR list entry %llu",
			      (unsigned long long)qual);
	} else {
		fief_snprintf(x->why, sizeof(x->why), "VM entry failed: exit reason %u", basic);
	}
}

void vmx_insn_failed(int rc, struct x86_exit *x)
{
	uint64_t n = rc == 1 ? vmread(VMCS_INSN_ERROR) : 0;

	x->kind = X86_EXIT_FAILED;
	x->code = 0; /* no exit: the instruction itself failed */
	if (rc == 1)
		fief_snprintf(x->why, sizeof(x->why), "VMLAUNCH/VMRESUME failed: error %llu, %s",
			      (unsigned long long)n, insn_error_name(n));
	else
		fief_snprintf(x->why, sizeof(x->why), "VMLAUNCH/VMRESUME failed: no current VMCS");
}

/* ---- exits ---- */

static void inject_gp(void)
{
	vmwrite(VMCS_ENTRY_EXC_ERROR, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 13 | INTR_TYPE_HW_EXC | INTR_INFO_ERR_VALID | INTR_INFO_VALID);
}

/* VMX orders registers RAX RCX RDX RBX RSP RBP RSI RDI R8..R15. */
static uint64_t *gpr_ptr(struct vcpu *v, unsigned n)
{
	struct x86_gprs *g = &v->arch.gpr;
	uint64_t *const regs[16] = {
		&g->rax, &g->rcx, &g->rdx, &g->rbx, NULL, &g->rbp, &g->rsi, &g->rdi,
		&g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15,
	};

	return regs[n & 15];
}

/* @val into general register @gp (NULL: RSP, which the VMCS holds). */
static void gpr_write(uint64_t *gp, uint64_t val)
{
	if (gp)
		*gp = val;
	else
		vmwrite(VMCS_GUEST_RSP, val);
}

/*
 * MOV to or from a control register that exits: CR0/CR4 writes touching a
 * bit VMX pins (the guest keeps its view in the read shadow), CR8 (the
 * guest's task priority, kept in the vCPU: the real one would mask fief's
 * interrupts) and, on CPUs whose controls force it, CR3 accesses. Return:
 * true if handled; then *@skip is false if a #GP was injected instead
 * (setting CR4.VMXE or a CR8 reserved bit).
 */
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/*
 * MOV to CR0 that turns paging on or off (unrestricted guest: a vCPU that
 * started in real mode). With EFER.LME set this enters or leaves IA-32e
 * mode, which VM entry takes from its "IA-32e mode guest" control: EFER.LMA
 * and that control follow here. Paging without protection, or IA-32e mode
 * without PAE, is #GP as on the hardware.
 */
static bool cr0_paging(uint64_t val, bool *skip)
{
	uint64_t efer = vmread(VMCS_GUEST_EFER);
	uint64_t entry = vmread(VMCS_ENTRY_CTLS);
	bool pg = (val & CR0_PG) != 0;

	if ((pg && !(val & CR0_PE)) ||
	    (pg && (efer & EFER_LME) && !(vmread(VMCS_GUEST_CR4) & CR4_PAE))) {
		inject_gp();
		*skip = false;
		return true;
	}
	if (efer & EFER_LME) {
		efer = pg ? efer | EFER_LMA : efer & ~EFER_LMA;
		entry = pg ? entry | ENTRY_GUEST_64 : entry & ~ENTRY_GUEST_64;
		vmwrite(VMCS_GUEST_EFER, efer);
		vmwrite(VMCS_ENTRY_CTLS, entry);
	}
	vmwrite(VMCS_GUEST_CR0, (val | vmx.cr0_fixed0) & vmx.cr0_fixed1);
	vmwrite(VMCS_CR0_SHADOW, val);
	return true;
}

static bool cr_access(struct vcpu *v, uint64_t qual, bool *skip)
{
	unsigned cr = qual & 15, type = (qual >> 4) & 3, reg = (qual >> 8) & 15;
	uint64_t *gp = gpr_ptr(v, reg);
	uint64_t val = gp ? *gp : vmread(VMCS_GUEST_RSP);

	if (type == 1 && (cr == 3 || cr == 8)) {
		gpr_write(gp, cr == 3 ? vmread(VMCS_GUEST_CR3) : v->arch.vlapic.tpr >> 4);
		return true;
	}
	if (type == 0 && cr == 8) {
		if (val >> 4) { /* reserved bits: #GP */
			inject_gp();
			*skip = false;
		} else {
			x86_vlapic_set_cr8(v, val); /* CR8 is TPR[7:4] */
		}
		return true;
	}
	if (type != 0)
		return false;
	if (cr == 4 && (val & CR4_VMXE)) {
		/* VMX is hidden: on such a CPU setting CR4.VMXE raises #GP. */
		inject_gp();
		*skip = false;
		return true;
	}
	if (cr == 0 && (vmx.proc2 & PROC2_UNRESTRICTED) &&
	    ((val ^ vmread(VMCS_CR0_SHADOW)) & vmx_cr0_pinned()) == CR0_PG)
		return cr0_paging(val, skip);
	if (cr == 3) {
		vmwrite(VMCS_GUEST_CR3, val);
	} else if (cr == 0 && ((val ^ vmread(VMCS_CR0_SHADOW)) & vmx_cr0_pinned()) == 0) {
		vmwrite(VMCS_GUEST_CR0, (val | vmx.cr0_fixed0) & vmx.cr0_fixed1);
		vmwrite(VMCS_CR0_SHADOW, val);
	} else if (cr == 4 && ((val ^ vmread(VMCS_CR4_SHADOW)) & vmx_cr4_pinned()) == 0) {
		vmwrite(VMCS_GUEST_CR4, (val | vmx.cr4_fixed0) & vmx.cr4_fixed1);
		vmwrite(VMCS_CR4_SHADOW, val);
	} else {
		return false; /* a pinned bit would change: not emulated */
	}
	return true;
}

static void decode_io(uint64_t qual, struct x86_exit *x)
{
	x->kind = X86_EXIT_IO;
	x->code = VMX_EXIT_IO; /* for the stop status if it cannot be done */
	x->io.size = (uint8_t)((qual & 7) + 1);
	x->io.in = (qual >> 3) & 1;
	x->io.string = (qual >> 4) & 1;
	x->io.rep = (qual >> 5) & 1;
	x->io.port = (uint16_t)(qual >> 16);
}

/* An exit during event delivery (an EPT violation on the guest's IDT or
 * stack): deliver the event again at the next entry. */
static void reinject_vectoring(void)
{
	uint64_t info = vmread(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(VMCS_ENTRY_INTR_INFO, info & ~(1ull << 12));
	if (info & INTR_INFO_ERR_VALID)
		vmwrite(VMCS_ENTRY_EXC_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
	vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
}

/* Exits that map one to one onto an x86_exit kind with an instruction. */
static enum x86_exit_kind insn_exit_kind(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_CPUID: return X86_EXIT_CPUID;
	case VMX_EXIT_HLT: return X86_EXIT_HLT;
	case VMX_EXIT_RDMSR: return X86_EXIT_RDMSR;
	case VMX_EXIT_WRMSR: return X86_EXIT_WRMSR;
	case VMX_EXIT_XSETBV: return X86_EXIT_XSETBV;
	case VMX_EXIT_INVD: return X86_EXIT_INVD;
	case VMX_EXIT_RDPMC: return X86_EXIT_RDPMC;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMLAUNCH:
	case VMX_EXIT_VMPTRLD:
	case VMX_EXIT_VMPTRST:
	case VMX_EXIT_VMREAD:
	case VMX_EXIT_VMRESUME:
	case VMX_EXIT_VMWRITE:
	case VMX_EXIT_VMXOFF:
	case VMX_EXIT_VMXON:
	case VMX_EXIT_MWAIT:
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
		return X86_EXIT_UD;
	}
	return X86_EXIT_NONE;
}

/* RIP past the exiting instruction (@len bytes), ending STI/MOV SS blocking. */
static void vmx_skip(struct vcpu *v, uint8_t len)
{
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	vmwrite_guest(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
	/* The instruction after STI or MOV SS is done: its blocking ends. */
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmwrite_guest(VMCS_GUEST_INTERRUPTIBILITY,
			      intr & ~(uint64_t)INTERRUPTIBILITY_STI_MOVSS);
}

static void vmx_skip_insn(struct vcpu *v)
{
	vmx_skip(v, (uint8_t)vmread(VMCS_EXIT_INSN_LEN));
}

/* Every exit but VMCALL (vmx_exit() decodes that one in line). */
static void decode(struct vcpu *v, struct x86_exit *x, uint32_t reason)
{
	uint32_t basic = reason & 0xffff;
	bool skip = true;
	uint64_t qual;

	x->insn_len = 0;
	if (reason & VMX_EXIT_ENTRY_FAILED) {
		entry_failed(basic, x);
		return;
	}
	/* An instruction's exit never interrupts event delivery (SDM vol.
	 * 3C, "Information for VM Exits During Event Delivery"): only the
	 * others can have an event to deliver again. An x2APIC EOI or
	 * SELF_IPI is done here: nothing left for the policy. */
	x->kind = insn_exit_kind(basic);
	if (x->kind != X86_EXIT_NONE) {
		x->insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
		if (x->kind == X86_EXIT_WRMSR && x86_vlapic_wrmsr_fast(v))
			x->kind = X86_EXIT_NONE;
		return;
	}
	reinject_vectoring();
	qual = vmread(VMCS_EXIT_QUALIFICATION);
	switch (basic) {
	case VMX_EXIT_EXT_INTR:
		x->kind = X86_EXIT_INTR;
		return;
	case VMX_EXIT_PREEMPT_TIMER:
		vmwrite(VMCS_PREEMPTION_TIMER, vmx.slice); /* a new slice next time */
		x->kind = X86_EXIT_INTR;
		return;
	case VMX_EXIT_EXC_NMI:
		if ((vmread(VMCS_EXIT_INTR_INFO) & INTR_TYPE_MASK) != INTR_TYPE_NMI)
			break; /* no exception is intercepted */
		/* The NMI ends here (NMI exiting): count it, and let the next
		 * one in, which the exit left blocked until an IRET. */
		x86_irq_stats[v->pcpu].nmi++;
		x86_nmi_unblock();
		x->kind = X86_EXIT_INTR;
		return;
	case VMX_EXIT_INTR_WINDOW:
		/* The guest can take an interrupt now: stop asking, look again. */
		vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) & ~(uint64_t)PROC_INTR_WINDOW);
		__atomic_store_n(&v->arch.vlapic.pending, 1, __ATOMIC_RELAXED);
		x->kind = X86_EXIT_NONE;
		return;
	case VMX_EXIT_TRIPLE_FAULT:
		x->kind = X86_EXIT_SHUTDOWN;
		x->rip = vmread(VMCS_GUEST_RIP);
		return;
	case VMX_EXIT_IO:
		decode_io(qual, x);
		x->insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
		return;
	case VMX_EXIT_EPT_VIOLATION:
		x->kind = X86_EXIT_NPF;
		x->gpa = vmread(VMCS_GUEST_PHYS_ADDR);
		x->write = (qual >> 1) & 1;
		x->exec = (qual >> 2) & 1;
		return;
	case VMX_EXIT_EPT_MISCONFIG:
		x->kind = X86_EXIT_FAILED;
		x->code = reason;
		fief_snprintf(x->why, sizeof(x->why),
			      "EPT misconfiguration at GPA 0x%llx (a fief bug)",
			      (unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR));
		return;
	case VMX_EXIT_CR_ACCESS:
		if (!cr_access(v, qual, &skip))
			break;
		if (skip)
			vmx_skip_insn(v);
		return; /* X86_EXIT_NONE */
	}
	x->kind = X86_EXIT_FAILED;
	x->code = reason;
	fief_snprintf(x->why, sizeof(x->why), "unhandled VMX exit %u (qualification 0x%llx)",
		      basic, (unsigned long long)qual);
}

/* Every exit but VMCALL, out of line: the hypercall path stays short. */
static __attribute__((noinline)) int exit_other(struct x86_run *r, uint32_t reason)
{
	struct vcpu *v = r->v;
	int next;

	decode(v, &r->x, reason);
	next = x86_exit_stay(v, &r->x, r->out) ? X86_ENTER : X86_LEAVE;
	if (r->x.insn_len)
		vmx_skip(v, r->x.insn_len);
	return next;
}

/*
 * After each exit, in vmx_run()'s loop (vmx_run.S): decode, the x86 policy,
 * RIP past what completed. Return: what the loop does next (enum x86_next).
 */
int vmx_exit(struct x86_run *r)
{
	struct vcpu *v = r->v;
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	int next;

	__atomic_store_n(&x86_guest_vcpu[v->pcpu], NULL, __ATOMIC_RELEASE);

	/* Only the fields of the reason found are set (as in svm.c): the exit
	 * path clears no whole structure. The hottest exit first: an
	 * instruction's exit never interrupts event delivery, so there is
	 * nothing to re-inject; the CPL, which only the hypercall policy
	 * reads, is SS.DPL (SDM 24.4.1). */
	if ((reason & 0xffff) == VMX_EXIT_VMCALL) {
		bool cpl0 = (vmread((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * VMCS_SEG_SS)) &
			     AR_DPL_MASK) == 0;

		/* VMCALL is 0F 01 C1 (docs/abi.md), as SVM steps VMMCALL:
		 * no VMREAD of the length. A management call may use other
		 * vCPUs' VMCSs on this CPU; it makes this one current again
		 * (vmx_vmcs_restore()). */
		vmx_skip(v, 3);
		next = x86_exit_hypercall(v, cpl0) ? X86_ENTER_RAX : X86_LEAVE;
	} else {
		next = exit_other(r, reason);
	}
	return next;
}
