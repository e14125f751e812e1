/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX backend: VMXON, VMCS setup and entry. Exit decoding is in
 * vmx_exit.c, the management hooks (registers, destroy) in vmx_regs.c.
 *
 * Facts from the Intel SDM vol. 3C, ch. 23-29 and appendices A-C. The
 * backend mirrors svm.c: every port and every MSR exits (all-ones bitmaps),
 * as do HLT, CPUID, INVD and XSETBV (always), RDPMC, MOV to and from CR8
 * (the guest's task priority is virtual: the real one would mask fief's
 * timer), the VMX instructions (VMX is hidden from guests), MONITOR/MWAIT,
 * external interrupts and NMIs. Guest memory is
 * translated by EPT from the VM's stage-2 table in mm/ (pt_format_ept),
 * guest TLB entries are tagged with VPID = VM id + 1.
 *
 * Life of a VMCS: vcpu_init() builds it on whatever CPU creates the VM,
 * then VMCLEARs it so that the CPU the vCPU is pinned to can VMPTRLD it;
 * the first vcpu_run() there writes the per-CPU host state and launches it.
 * When the vCPU leaves its CPU (preempted or stopped) the VMCS is cleared
 * again, so that management calls can load it on any CPU.
 *
 * Policy is not here: each exit becomes a struct x86_exit for
 * arch/x86/exit.c. The backend keeps only what is VMX plumbing: the guest
 * CR0/CR4 bits VMX forces (hidden behind read shadows), re-injection of an
 * event whose delivery an exit interrupted, and the STI/MOV SS blocking a
 * skipped instruction ends.
 */
#include "arch/x86/vmx.h"

#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "arch/x86/x86.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

#define MSR_EFER 0xc0000080
#define MSR_PAT 0x277
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define PAT_POWER_ON 0x0007040600070406ull

/* The controls fief asks for; everything else is left to the allowed-0
 * settings of the capability MSRs. */
#define WANT_PIN (PIN_EXT_INTR_EXITING | PIN_NMI_EXITING)
#define NICE_PIN PIN_PREEMPT_TIMER
#define WANT_PROC (PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING | \
		   PROC_RDPMC_EXITING | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | \
		   PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY)
#define WANT_PROC2 (PROC2_EPT | PROC2_VPID)
#define NICE_PROC2 (PROC2_RDTSCP | PROC2_INVPCID | /* else they would #UD */ \
		    PROC2_UNRESTRICTED)                 /* a STARTUP's real mode */
#define WANT_EXIT (EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | \
		   EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define NICE_EXIT EXIT_SAVE_PREEMPT_TIMER
#define WANT_ENTRY (ENTRY_LOAD_DEBUG | ENTRY_GUEST_64 | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)

/*
 * The VMX-preemption timer bounds a vCPU's slice in TSC cycles, besides the
 * LAPIC timer's external interrupt: some emulators (Bochs 2.7) never let a
 * physical interrupt exit a guest that runs with RFLAGS.IF clear. Its
 * exit means the same as a timer interrupt: preempt. Its length is the
 * slice lapic_calibrate() measured in TSC cycles. Only two places write
 * the VMCS field, both with that slice: vmcs_controls() and the timer's
 * own exit. Where the CPU saves the timer on exit (the NICE_EXIT
 * control) the field counts down across exits and the slice with it;
 * where it does not (Bochs 2.7), a VM exit leaves the field alone (SDM
 * vol. 3C, "Saving Non-Register State": saved only under that control), so
 * it still holds the slice and every entry starts a full one without a
 * write. VMCLEAR keeps it with the rest of the VMCS.
 */

/* The controls and fixed bits, computed once by the boot CPU. */
struct vmx_config vmx;

/* Bitmaps: all ones, so every port and MSR exits. Identity-mapped static
 * storage gives their physical addresses. */
static uint8_t io_bitmaps[2][4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
/* Per CPU: the VMXON region, and the VMCS currently loaded. */
static uint8_t vmxon_region[X86_CPUS_MAX][4096] __attribute__((aligned(4096)));
uint64_t vmx_current_vmcs[X86_CPUS_MAX];


/* vmx_run.S: run the guest, calling vmx_exit() after each exit; 0 once it
 * returned false, 1 if an entry failed with VMfailValid, 2 with
 * VMfailInvalid. */
int vmx_run(struct x86_gprs *g, uint64_t launched, struct x86_run *r);
extern const char vmx_exit_entry[];

/* ---- instructions ---- */

/* Each returns true if the instruction succeeded (neither CF nor ZF set). */
static bool vmxon(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

/* Fields fief writes are all supported: a failure is a fief bug, counted
 * for vmx_vcpu_init() to report. */
static unsigned vmwrite_failures;
static enum vmcs_field vmwrite_first_failed;

void vmx_vmwrite_failed(enum vmcs_field f)
{
	if (vmwrite_failures++ == 0)
		vmwrite_first_failed = f;
}

static void invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };

	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

static uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* ---- capabilities ---- */

/*
 * A control word: @want with the bits the CPU requires (allowed-0, low half
 * of the capability MSR) added and those it cannot do (allowed-1, high
 * half) removed. Return: false if a wanted bit is not allowed.
 */
static bool adjust(uint32_t msr, uint32_t want, uint32_t nice, uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t ctl = (want | nice | (uint32_t)cap) & (uint32_t)(cap >> 32);

	*out = ctl;
	if ((ctl & want) != want) {
		console_printf("vmx: capability MSR 0x%x lacks controls 0x%x\n", msr,
			       want & ~ctl);
		return false;
	}
	return true;
}

/* Pick the controls from the TRUE_* MSRs when IA32_VMX_BASIC offers them
 * (they allow clearing default-1 bits such as CR3-load exiting). */
static int vmx_setup_controls(void)
{
	bool true_ctls = (x86_cpu.vmx_basic & VMX_BASIC_TRUE_CTLS) != 0;
	uint64_t ev = x86_cpu.vmx_ept_vpid;
	bool ok;

	ok = adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
		    WANT_PIN, NICE_PIN, &vmx.pin);
	ok &= adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
		     WANT_PROC, 0, &vmx.proc);
	ok &= adjust(MSR_IA32_VMX_PROCBASED_CTLS2, WANT_PROC2, NICE_PROC2, &vmx.proc2);
	ok &= adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS, WANT_EXIT,
		     NICE_EXIT, &vmx.exit);
	ok &= adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
		     WANT_ENTRY, 0, &vmx.entry);
	/* Ack-on-exit stays 0: the interrupt stays pending for fief's IDT. */
	if (!ok || (vmx.exit & EXIT_ACK_INTR) || !(ev & EPT_CAP_WALK4) ||
	    !(ev & (EPT_CAP_WB | EPT_CAP_UC)) || !(ev & EPT_CAP_INVEPT) ||
	    !(ev & VPID_CAP_INVVPID))
		return FIEF_ENOTSUP;
	vmx.intr_window = (rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					     MSR_IA32_VMX_PROCBASED_CTLS) >> 32) & PROC_INTR_WINDOW;
	if (vmx.pin & PIN_PREEMPT_TIMER)
		vmx.slice = (uint32_t)(lapic_slice.tsc >> (rdmsr(MSR_IA32_VMX_MISC) & 0x1f));
	vmx.eptp_flags = EPTP_WALK4 | ((ev & EPT_CAP_WB) ? EPTP_MT_WB : EPTP_MT_UC);
	vmx.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	if (vmx.proc2 & PROC2_UNRESTRICTED) /* PE and PG may be 0 (SDM 26.3.1.1) */
		vmx.cr0_fixed0 &= ~((1ull << 0) | (1ull << 31));
	vmx.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	memset(io_bitmaps, 0xff, sizeof(io_bitmaps));
	memset(msr_bitmap, 0xff, sizeof(msr_bitmap));
	vmx.ready = true;
	console_printf("vmx: controls pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x "
		       "(%s capability MSRs)\n",
		       vmx.pin, vmx.proc, vmx.proc2, vmx.exit, vmx.entry,
		       true_ctls ? "TRUE_*" : "plain");
	return FIEF_OK;
}

bool x86_vmx_usable(void)
{
	const struct x86_cpu *c = &x86_cpu;
	uint32_t proc2 = (uint32_t)(c->vmx_proc2 >> 32);
	bool fc_ok = !(c->vmx_feature_control & FEATURE_CONTROL_LOCKED) ||
		     (c->vmx_feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX);

	return c->vmx && fc_ok && (proc2 & PROC2_EPT) && (proc2 & PROC2_VPID) &&
	       (c->vmx_ept_vpid & EPT_CAP_WALK4);
}

/* ---- per CPU ---- */

static int vmx_cpu_enable(void)
{
	uint32_t cpu = x86_cpu_index();
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t cr0, cr4;
	int err;

	if (!vmx.ready && (err = vmx_setup_controls()) != 0)
		return err;
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	}
	if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return FIEF_ENOTSUP;
	/* VMX operation pins some CR0/CR4 bits (CR0.NE, CR4.VMXE at least). */
	cr0 = (read_cr0() | vmx.cr0_fixed0) & vmx.cr0_fixed1;
	cr4 = (read_cr4() | CR4_VMXE | vmx.cr4_fixed0) & vmx.cr4_fixed1;
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
	memset(vmxon_region[cpu], 0, sizeof(vmxon_region[cpu]));
	*(uint32_t *)vmxon_region[cpu] = (uint32_t)(x86_cpu.vmx_basic & 0x7fffffff);
	if (!vmxon((uint64_t)(uintptr_t)vmxon_region[cpu])) {
		console_printf("vmx: VMXON failed on CPU %u\n", cpu);
		return FIEF_ENOTSUP;
	}
	vmx_current_vmcs[cpu] = 0;
	return FIEF_OK;
}

/* ---- VMCS ---- */

void vmx_guest_seg(enum vmcs_seg s, uint16_t sel, uint32_t ar, uint32_t limit, uint64_t base)
{
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * s), sel);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * s), limit);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * s), ar);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * s), base);
}

static void vmcs_controls(struct vcpu *v)
{
	vmwrite(VMCS_PIN_CTLS, vmx.pin);
	vmwrite(VMCS_PROC_CTLS, vmx.proc);
	vmwrite(VMCS_PROC2_CTLS, vmx.proc2);
	vmwrite(VMCS_EXIT_CTLS, vmx.exit);
	vmwrite(VMCS_ENTRY_CTLS, vmx.entry);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_PF_ERR_MASK, 0);
	vmwrite(VMCS_PF_ERR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_IO_BITMAP_A, (uint64_t)(uintptr_t)io_bitmaps[0]);
	vmwrite(VMCS_IO_BITMAP_B, (uint64_t)(uintptr_t)io_bitmaps[1]);
	vmwrite(VMCS_MSR_BITMAP, (uint64_t)(uintptr_t)msr_bitmap);
	vmwrite(VMCS_EPTP, pa_addr(v->vm->mm->pt.root) | vmx.eptp_flags);
	v->arch.asid = (uint32_t)v->vm->id + 1; /* VPID 0 is the host's */
	vmwrite(VMCS_VPID, v->arch.asid);
	vmwrite(VMCS_CR0_MASK, vmx_cr0_pinned());
	vmwrite(VMCS_CR4_MASK, vmx_cr4_pinned());
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	if (vmx.slice)
		vmwrite(VMCS_PREEMPTION_TIMER, vmx.slice);
}

static void vmcs_guest(const struct x86_boot_state *s)
{
	vmx_guest_seg(VMCS_SEG_CS, 0x08, AR_CODE64, 0xffffffff, 0);
	vmx_guest_seg(VMCS_SEG_SS, 0x10, AR_DATA, 0xffffffff, 0);
	vmx_guest_seg(VMCS_SEG_DS, 0x10, AR_DATA, 0xffffffff, 0);
	vmx_guest_seg(VMCS_SEG_ES, 0x10, AR_DATA, 0xffffffff, 0);
	vmx_guest_seg(VMCS_SEG_FS, 0x10, AR_DATA, 0xffffffff, 0);
	vmx_guest_seg(VMCS_SEG_GS, 0x10, AR_DATA, 0xffffffff, 0);
	vmx_guest_seg(VMCS_SEG_LDTR, 0, AR_UNUSABLE, 0, 0);
	vmx_guest_seg(VMCS_SEG_TR, 0, AR_TSS64_BUSY, 0x67, 0);
	vmwrite(VMCS_GUEST_GDTR_BASE, s->gdt_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, s->gdt_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);
	vmwrite(VMCS_GUEST_CR0, (s->cr0 | vmx.cr0_fixed0) & vmx.cr0_fixed1);
	vmwrite(VMCS_CR0_SHADOW, s->cr0);
	vmwrite(VMCS_GUEST_CR3, s->cr3);
	vmwrite(VMCS_GUEST_CR4, (s->cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1);
	vmwrite(VMCS_CR4_SHADOW, s->cr4);
	vmwrite(VMCS_GUEST_EFER, s->efer);
	vmwrite(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_RSP, s->rsp);
	vmwrite(VMCS_GUEST_RIP, s->rip);
	vmwrite(VMCS_GUEST_RFLAGS, s->rflags);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
}

struct desc_ptr64 {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The host state VM exits load: fief's own, on the calling CPU (its GDT
 * and TSS are per CPU). RSP is written by vmx_run.S at every run. */
static void vmcs_host(void)
{
	struct desc_ptr64 gdtr, idtr;
	const uint64_t *gdt;
	uint64_t tss_lo, tss_hi;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	gdt = (const uint64_t *)(uintptr_t)gdtr.base;
	tss_lo = gdt[X86_SEL_TSS / 8];
	tss_hi = gdt[X86_SEL_TSS / 8 + 1];
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, X86_SEL_CODE);
	vmwrite(VMCS_HOST_SS_SEL, X86_SEL_DATA);
	vmwrite(VMCS_HOST_DS_SEL, X86_SEL_DATA);
	vmwrite(VMCS_HOST_ES_SEL, X86_SEL_DATA);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, X86_SEL_TSS);
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(VMCS_HOST_TR_BASE, ((tss_lo >> 16) & 0xffffff) | ((tss_lo >> 56) << 24) |
					   (tss_hi << 32));
	vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

/* ---- the vCPU page: the guest's syscall MSRs and CR2 ----
 *
 * STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE have no VMCS field. Each
 * vCPU has a page whose MSR list is both the VM-entry MSR-load area and the
 * VM-exit MSR-store area: entry loads the guest's values, exit saves them
 * back, so the list always holds the guest's current values. fief itself
 * uses none of them (no SYSCALL, no SWAPGS), so no host values are restored.
 * CR2 is not switched by VMX at all: vcpu_run() saves it after each exit
 * and reloads it before an entry when another guest changed it. The VMCS
 * records the page's address (VMCS_EXIT_MSR_STORE).
 */
static const uint32_t swapped_msrs[] = {
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0xc0000102, /* KERNEL_GS_BASE */
};
#define SWAPPED_COUNT (sizeof(swapped_msrs) / sizeof(swapped_msrs[0]))

_Static_assert(SWAPPED_COUNT == VMX_SWAPPED_MSRS, "vCPU page MSR list");

static int vcpu_page_alloc(paddr_t *out)
{
	struct vmx_vcpu_page *p;
	int err = page_alloc(out, PAGE_TYPE_USED);

	if (err)
		return err;
	p = arch_mm_pa_to_va(*out);
	memset(p, 0, PAGE_SIZE);
	for (uint32_t i = 0; i < SWAPPED_COUNT; i++)
		p->msr[i].index = swapped_msrs[i];
	vmwrite(VMCS_ENTRY_MSR_LOAD, pa_addr(*out));
	vmwrite(VMCS_EXIT_MSR_STORE, pa_addr(*out));
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, SWAPPED_COUNT);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, SWAPPED_COUNT);
	return FIEF_OK;
}

/* The page of the current VMCS. */
struct vmx_vcpu_page *vmx_vcpu_page(void)
{
	return arch_mm_pa_to_va(pa_init(vmread(VMCS_EXIT_MSR_STORE)));
}

/* The list entry of @msr in the current VMCS's list, or NULL. */
static struct vmx_msr_entry *swapped_msr(uint32_t msr)
{
	struct vmx_vcpu_page *p = vmx_vcpu_page();

	for (uint32_t i = 0; i < SWAPPED_COUNT; i++)
		if (p->msr[i].index == msr)
			return &p->msr[i];
	return NULL;
}

void vmx_vmcs_restore(uint64_t prev)
{
	uint32_t cpu = x86_cpu_index();

	if (prev && vmx_current_vmcs[cpu] != prev && vmptrld(prev))
		vmx_current_vmcs[cpu] = prev;
}

static int vmx_vcpu_init(struct vcpu *v, const struct x86_boot_state *s)
{
	uint32_t cpu = x86_cpu_index();
	uint64_t prev = vmx_current_vmcs[cpu];
	paddr_t pa, page = pa_init(0);
	int err = page_alloc(&pa, PAGE_TYPE_USED);

	if (err)
		return err;
	memset(arch_mm_pa_to_va(pa), 0, PAGE_SIZE);
	*(uint32_t *)arch_mm_pa_to_va(pa) = (uint32_t)(x86_cpu.vmx_basic & 0x7fffffff);
	if (!vmclear(pa_addr(pa)) || !vmptrld(pa_addr(pa))) {
		console_printf("vmx: VMCLEAR/VMPTRLD of a new VMCS failed\n");
		page_free(pa);
		vmx_vmcs_restore(prev);
		return FIEF_EINVAL;
	}
	v->arch.launched = 0;
	vmwrite_failures = 0;
	vmcs_controls(v);
	vmcs_guest(s);
	err = vcpu_page_alloc(&page);
	/* Written to memory and left clear: the pinned CPU loads it. */
	vmclear(pa_addr(pa));
	vmx_current_vmcs[cpu] = 0;
	vmx_vmcs_restore(prev);
	if (!err && vmwrite_failures) {
		console_printf("vmx: %u VMWRITEs failed, first to field 0x%x\n", vmwrite_failures,
			       (unsigned)vmwrite_first_failed);
		page_free(page);
		err = FIEF_EINVAL;
	}
	if (err) {
		page_free(pa);
		return err;
	}
	v->arch.ctl_pa = pa_addr(pa);
	v->arch.ctl = arch_mm_pa_to_va(pa);
	return FIEF_OK;
}

static void flush_tlb(struct vcpu *v)
{
	uint64_t ev = x86_cpu.vmx_ept_vpid;
	uint64_t gen = __atomic_load_n(&x86_s2_flush_gen, __ATOMIC_SEQ_CST);

	/* A new VPID may hold stale linear translations; a stage-2 change
	 * needs the guest-physical ones of this EPTP dropped. */
	if (!v->arch.launched)
		invvpid((ev & VPID_CAP_INVVPID_SINGLE) ? 1 : 2, (uint16_t)v->arch.asid);
	if (!v->arch.launched || v->arch.flush_gen != gen) {
		invept((ev & EPT_CAP_INVEPT_SINGLE) ? 1 : 2, vmread(VMCS_EPTP));
		v->arch.flush_gen = gen;
	}
}

/* Write @v's VMCS back to memory and make it clear: not active on any CPU. */
static void vmcs_put(struct vcpu *v)
{
	vmclear(v->arch.ctl_pa);
	vmx_current_vmcs[x86_cpu_index()] = 0;
	v->arch.launched = 0;
}

static void vmx_vcpu_run(struct vcpu *v, struct vcpu_exit *out)
{
	uint32_t cpu = v->pcpu; /* vCPUs are pinned: this is the CPU running it */
	struct x86_run r = { .v = v, .out = out };
	struct vmx_vcpu_page *page;
	int rc;

	if (vmx_current_vmcs[cpu] != v->arch.ctl_pa) {
		if (!vmptrld(v->arch.ctl_pa)) {
			out->reason = VCPU_EXIT_FAILED;
			fief_snprintf(out->why, sizeof(out->why), "VMPTRLD of the vCPU's VMCS failed");
			return;
		}
		vmx_current_vmcs[cpu] = v->arch.ctl_pa;
	}
	if (!v->arch.launched)
		vmcs_host();
	x86_event_check(v);
	/* Guest mode is announced before flush_tlb() reads the generation
	 * (virt.h, x86_guest_vcpu). */
	__atomic_store_n(&x86_guest_vcpu[cpu], v, __ATOMIC_SEQ_CST);
	flush_tlb(v);
	page = vmx_vcpu_page();
	if (read_cr2() != page->cr2)
		__asm__ volatile("mov %0, %%cr2" ::"r"(page->cr2));
	rc = vmx_run(&v->arch.gpr, v->arch.launched, &r);
	__atomic_store_n(&x86_guest_vcpu[cpu], NULL, __ATOMIC_RELEASE);
	/* fief itself takes no page fault, so CR2 is still the guest's. */
	page->cr2 = read_cr2();
	/* Entered at least once, unless the first VMLAUNCH failed (then
	 * vmcs_put() below clears it again). */
	v->arch.launched = 1;
	if (rc != 0) {
		vmx_insn_failed(rc, &r.x);
		x86_exit_stay(v, &r.x, out);
	}
	/* A failed entry is not retried: clear it at once. Otherwise the VMCS
	 * stays current while the vCPU keeps its turn (a console byte, a host
	 * fault go back to the run loop and straight in again), and is
	 * cleared when the turn ends (vmx_vcpu_leave()). */
	if (out->reason == VCPU_EXIT_FAILED)
		vmcs_put(v);
}

/* The turn ended: clear the VMCS, so that any CPU may load it for the
 * management calls and destroy finds it inactive; launch afresh next time. */
static void vmx_vcpu_leave(struct vcpu *v)
{
	if (vmx_current_vmcs[v->pcpu] == v->arch.ctl_pa)
		vmcs_put(v);
}

static void vmx_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = vector | INTR_TYPE_HW_EXC | INTR_INFO_VALID;

	(void)v;
	/* Real mode (a vCPU a STARTUP began) pushes no error code. */
	if (has_error && (vmread(VMCS_GUEST_CR0) & 1)) {
		info |= INTR_INFO_ERR_VALID;
		vmwrite(VMCS_ENTRY_EXC_ERROR, error);
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

static void vmx_event_state(struct vcpu *v, struct x86_event_state *s)
{
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	(void)v;
	/* VM exits clear the valid bit: set means fief queued an event. */
	s->busy = (vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) != 0;
	s->blocked = !(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) || (intr & INTERRUPTIBILITY_STI_MOVSS);
	s->nmi_blocked = (intr & (INTERRUPTIBILITY_STI_MOVSS | INTERRUPTIBILITY_NMI)) != 0;
}

static void vmx_inject_irq(struct vcpu *v, uint8_t vector, bool nmi)
{
	(void)v;
	vmwrite(VMCS_ENTRY_INTR_INFO,
		vector | (nmi ? INTR_TYPE_NMI : INTR_TYPE_EXT_INTR) | INTR_INFO_VALID);
}

/* Without interrupt-window exiting the next exit of any kind looks again. */
static void vmx_irq_window(struct vcpu *v)
{
	(void)v;
	if (vmx.intr_window)
		vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) | PROC_INTR_WINDOW);
}

/* MSRs whose guest value the VMCS holds. */
static int msr_field(uint32_t msr)
{
	switch (msr) {
	case 0x174: return VMCS_GUEST_SYSENTER_CS;
	case 0x175: return VMCS_GUEST_SYSENTER_ESP;
	case 0x176: return VMCS_GUEST_SYSENTER_EIP;
	case MSR_PAT: return VMCS_GUEST_PAT;
	case MSR_EFER: return VMCS_GUEST_EFER;
	case MSR_FS_BASE: return VMCS_GUEST_FS_BASE;
	case MSR_GS_BASE: return VMCS_GUEST_GS_BASE;
	}
	return -1;
}

static int vmx_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int f = msr_field(msr);
	struct vmx_msr_entry *e;

	(void)v;
	if (f >= 0) {
		*val = vmread((enum vmcs_field)f);
		return FIEF_OK;
	}
	e = swapped_msr(msr);
	if (!e)
		return FIEF_ENOENT;
	*val = e->value;
	return FIEF_OK;
}

/* Values are checked by arch/x86/exit.c (msr_value_valid()). */
static int vmx_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int f = msr_field(msr);
	struct vmx_msr_entry *e;

	(void)v;
	if (f >= 0) {
		vmwrite((enum vmcs_field)f, val);
		return FIEF_OK;
	}
	e = swapped_msr(msr);
	if (!e)
		return FIEF_ENOENT;
	e->value = val;
	return FIEF_OK;
}

const struct x86_virt_ops x86_vmx_ops = {
	.name = "vmx",
	.cpu_enable = vmx_cpu_enable,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_run = vmx_vcpu_run,
	.inject = vmx_inject,
	.event_state = vmx_event_state,
	.inject_irq = vmx_inject_irq,
	.irq_window = vmx_irq_window,
	.msr_read = vmx_msr_read,
	.msr_write = vmx_msr_write,
	.guest_mode = vmx_guest_mode,
	.regs_get = vmx_regs_get,
	.regs_set = vmx_regs_set,
	.vcpu_leave = vmx_vcpu_leave,
	.vcpu_destroy = vmx_vcpu_destroy,
	.stage2 = &pt_format_ept,
};
