/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX backend: VMXON, VMCS setup, entry, and exit decoding.
 *
 * Facts from the Intel SDM vol. 3C, ch. 23-29 and appendices A-C. The
 * backend mirrors svm.c: every port and every MSR exits (all-ones bitmaps),
 * as do HLT, CPUID (always), the VMX instructions (VMX is hidden from
 * guests), MONITOR/MWAIT, external interrupts and NMIs. Guest memory is
 * translated by EPT from the VM's stage-2 table in mm/ (pt_format_ept),
 * guest TLB entries are tagged with VPID = VM id + 1.
 *
 * Life of a VMCS: vcpu_init() builds it on whatever CPU creates the VM,
 * then VMCLEARs it so that the CPU the vCPU is pinned to can VMPTRLD it;
 * the first vcpu_run() there writes the per-CPU host state and launches it.
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
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "arch/x86/x86.h"
#include "core/err.h"
#include "core/print.h"
#include "core/string.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

#define CR4_VMXE (1ull << 13)
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
		   PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY)
#define WANT_PROC2 (PROC2_EPT | PROC2_VPID)
#define NICE_PROC2 (PROC2_RDTSCP | PROC2_INVPCID) /* else they would #UD */
#define WANT_EXIT (EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define NICE_EXIT EXIT_SAVE_PREEMPT_TIMER
#define WANT_ENTRY (ENTRY_GUEST_64 | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)

/*
 * The VMX-preemption timer bounds a vCPU's slice in TSC cycles, besides the
 * LAPIC timer's external interrupt: some emulators (Bochs 2.7) never let a
 * physical interrupt exit a guest that runs with RFLAGS.IF clear. Its
 * exit means the same as a timer interrupt: preempt. 2^22 cycles is about
 * 1.5 ms at 3 GHz, and 4 million instructions under Bochs.
 */
#define VMX_SLICE_TSC (1ull << 22)

/* The controls and fixed bits, computed once by the boot CPU. */
static struct {
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t slice; /* preemption timer value (0: not used) */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t eptp_flags;
	bool ready;
} vmx;

/* Bitmaps: all ones, so every port and MSR exits. Identity-mapped static
 * storage gives their physical addresses. */
static uint8_t io_bitmaps[2][4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
/* Per CPU: the VMXON region, and the VMCS currently loaded. */
static uint8_t vmxon_region[X86_CPUS_MAX][4096] __attribute__((aligned(4096)));
static uint64_t current_vmcs[X86_CPUS_MAX];

extern uint64_t x86_s2_flush_gen; /* arch/x86/mm.c */

/* vmx_run.S: enter the guest; 0 after a VM exit, 1 on VMfailValid, 2 on
 * VMfailInvalid. */
int vmx_run(struct x86_gprs *g, uint64_t launched);
extern const char vmx_exit_entry[];

/* ---- instructions ---- */

/* Each returns true if the instruction succeeded (neither CF nor ZF set). */
static bool vmxon(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool vmclear(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool vmptrld(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static uint64_t vmread(enum vmcs_field f)
{
	uint64_t v = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

/* Fields fief writes are all supported: a failure is a fief bug, counted
 * by vmcs_build() through this. */
static unsigned vmwrite_failures;
static enum vmcs_field vmwrite_first_failed;

static void vmwrite(enum vmcs_field f, uint64_t v)
{
	bool fail;

	__asm__ volatile("vmwrite %2, %1; setna %0" : "=qm"(fail) : "r"((uint64_t)f), "rm"(v)
			 : "cc");
	if (fail && vmwrite_failures++ == 0)
		vmwrite_first_failed = f;
}

static void invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };

	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

static void invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
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
	if (vmx.pin & PIN_PREEMPT_TIMER)
		vmx.slice = (uint32_t)(VMX_SLICE_TSC >> (rdmsr(MSR_IA32_VMX_MISC) & 0x1f));
	vmx.eptp_flags = EPTP_WALK4 | ((ev & EPT_CAP_WB) ? EPTP_MT_WB : EPTP_MT_UC);
	vmx.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
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
	current_vmcs[cpu] = 0;
	return FIEF_OK;
}

/* ---- VMCS ---- */

static void guest_seg(enum vmcs_seg s, uint16_t sel, uint32_t ar, uint32_t limit, uint64_t base)
{
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * s), sel);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * s), limit);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * s), ar);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * s), base);
}

/* CR0/CR4 bits VMX pins: the guest sees its own value through the read
 * shadow, and writing a pinned bit exits (VMX_EXIT_CR_ACCESS). */
static uint64_t cr0_pinned(void)
{
	return vmx.cr0_fixed0 | ~vmx.cr0_fixed1;
}

static uint64_t cr4_pinned(void)
{
	return vmx.cr4_fixed0 | ~vmx.cr4_fixed1;
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
	vmwrite(VMCS_CR0_MASK, cr0_pinned());
	vmwrite(VMCS_CR4_MASK, cr4_pinned());
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	if (vmx.slice)
		vmwrite(VMCS_PREEMPTION_TIMER, vmx.slice);
}

static void vmcs_guest(const struct x86_boot_state *s)
{
	guest_seg(VMCS_SEG_CS, 0x08, AR_CODE64, 0xffffffff, 0);
	guest_seg(VMCS_SEG_SS, 0x10, AR_DATA, 0xffffffff, 0);
	guest_seg(VMCS_SEG_DS, 0x10, AR_DATA, 0xffffffff, 0);
	guest_seg(VMCS_SEG_ES, 0x10, AR_DATA, 0xffffffff, 0);
	guest_seg(VMCS_SEG_FS, 0x10, AR_DATA, 0xffffffff, 0);
	guest_seg(VMCS_SEG_GS, 0x10, AR_DATA, 0xffffffff, 0);
	guest_seg(VMCS_SEG_LDTR, 0, AR_UNUSABLE, 0, 0);
	guest_seg(VMCS_SEG_TR, 0, AR_TSS64_BUSY, 0x67, 0);
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
 * and TSS are per CPU). RSP is written by vmx_run.S at every entry. */
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
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};

static const uint32_t swapped_msrs[] = {
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0xc0000102, /* KERNEL_GS_BASE */
};
#define SWAPPED_COUNT (sizeof(swapped_msrs) / sizeof(swapped_msrs[0]))

struct vmx_vcpu_page {
	struct vmx_msr_entry msr[SWAPPED_COUNT]; /* 16-byte aligned, as VMX wants */
	uint64_t cr2;
};

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
static struct vmx_vcpu_page *vcpu_page(void)
{
	return arch_mm_pa_to_va(pa_init(vmread(VMCS_EXIT_MSR_STORE)));
}

/* The list entry of @msr in the current VMCS's list, or NULL. */
static struct vmx_msr_entry *swapped_msr(uint32_t msr)
{
	struct vmx_vcpu_page *p = vcpu_page();

	for (uint32_t i = 0; i < SWAPPED_COUNT; i++)
		if (p->msr[i].index == msr)
			return &p->msr[i];
	return NULL;
}

static int vmx_vcpu_init(struct vcpu *v, const struct x86_boot_state *s)
{
	uint32_t cpu = x86_cpu_index();
	paddr_t pa, page = pa_init(0);
	int err = page_alloc(&pa, PAGE_TYPE_USED);

	if (err)
		return err;
	memset(arch_mm_pa_to_va(pa), 0, PAGE_SIZE);
	*(uint32_t *)arch_mm_pa_to_va(pa) = (uint32_t)(x86_cpu.vmx_basic & 0x7fffffff);
	if (!vmclear(pa_addr(pa)) || !vmptrld(pa_addr(pa))) {
		console_printf("vmx: VMCLEAR/VMPTRLD of a new VMCS failed\n");
		page_free(pa);
		return FIEF_EINVAL;
	}
	v->arch.launched = 0;
	vmwrite_failures = 0;
	vmcs_controls(v);
	vmcs_guest(s);
	err = vcpu_page_alloc(&page);
	/* Written to memory and left clear: the pinned CPU loads it. */
	vmclear(pa_addr(pa));
	current_vmcs[cpu] = 0;
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

static void insn_failed(int rc, struct x86_exit *x)
{
	uint64_t n = rc == 1 ? vmread(VMCS_INSN_ERROR) : 0;

	x->kind = X86_EXIT_FAILED;
	if (rc == 1)
		fief_snprintf(x->why, sizeof(x->why), "VMLAUNCH/VMRESUME failed: error %llu, %s",
			      (unsigned long long)n, insn_error_name(n));
	else
		fief_snprintf(x->why, sizeof(x->why), "VMLAUNCH/VMRESUME failed: no current VMCS");
}

/* ---- exits ---- */

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

/*
 * MOV to or from a control register that exits: CR0/CR4 writes touching a
 * bit VMX pins (the guest keeps its view in the read shadow) and, on CPUs
 * whose controls force it, CR3 accesses. Return: true if handled.
 */
static bool cr_access(struct vcpu *v, uint64_t qual)
{
	unsigned cr = qual & 15, type = (qual >> 4) & 3, reg = (qual >> 8) & 15;
	uint64_t *gp = gpr_ptr(v, reg);
	uint64_t val = gp ? *gp : vmread(VMCS_GUEST_RSP);

	if (type == 1 && cr == 3) {
		val = vmread(VMCS_GUEST_CR3);
		if (gp)
			*gp = val;
		else
			vmwrite(VMCS_GUEST_RSP, val);
		return true;
	}
	if (type != 0)
		return false;
	if (cr == 3) {
		vmwrite(VMCS_GUEST_CR3, val);
	} else if (cr == 0 && ((val ^ vmread(VMCS_CR0_SHADOW)) & cr0_pinned()) == 0) {
		vmwrite(VMCS_GUEST_CR0, (val | vmx.cr0_fixed0) & vmx.cr0_fixed1);
		vmwrite(VMCS_CR0_SHADOW, val);
	} else if (cr == 4 && ((val ^ vmread(VMCS_CR4_SHADOW)) & cr4_pinned()) == 0) {
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
	case VMX_EXIT_VMCALL: return X86_EXIT_HYPERCALL;
	case VMX_EXIT_RDMSR: return X86_EXIT_RDMSR;
	case VMX_EXIT_WRMSR: return X86_EXIT_WRMSR;
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

static void vmx_skip(struct vcpu *v, uint8_t len)
{
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);

	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
	/* The instruction after STI or MOV SS is done: its blocking ends. */
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(uint64_t)INTERRUPTIBILITY_STI_MOVSS);
}

static void vmx_skip_insn(struct vcpu *v)
{
	vmx_skip(v, (uint8_t)vmread(VMCS_EXIT_INSN_LEN));
}

static void decode(struct vcpu *v, struct x86_exit *x)
{
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON), basic = reason & 0xffff;
	uint64_t qual;

	memset(x, 0, sizeof(*x));
	x->raw = reason;
	/* The CPL is SS.DPL (SDM 24.4.1). */
	x->cpl = (uint8_t)((vmread((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * VMCS_SEG_SS)) >> 5) & 3);
	if (reason & VMX_EXIT_ENTRY_FAILED) {
		entry_failed(basic, x);
		return;
	}
	reinject_vectoring();
	x->kind = insn_exit_kind(basic);
	if (x->kind != X86_EXIT_NONE) {
		x->insn_len = (uint8_t)vmread(VMCS_EXIT_INSN_LEN);
		return;
	}
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
		x->kind = X86_EXIT_INTR;
		return;
	case VMX_EXIT_TRIPLE_FAULT:
		x->kind = X86_EXIT_SHUTDOWN;
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
		fief_snprintf(x->why, sizeof(x->why),
			      "EPT misconfiguration at GPA 0x%llx (a fief bug)",
			      (unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR));
		return;
	case VMX_EXIT_CR_ACCESS:
		if (!cr_access(v, qual))
			break;
		vmx_skip_insn(v);
		return; /* X86_EXIT_NONE */
	}
	x->kind = X86_EXIT_FAILED;
	fief_snprintf(x->why, sizeof(x->why), "unhandled VMX exit %u (qualification 0x%llx)",
		      basic, (unsigned long long)qual);
}

static void flush_tlb(struct vcpu *v)
{
	uint64_t ev = x86_cpu.vmx_ept_vpid;
	uint64_t gen = __atomic_load_n(&x86_s2_flush_gen, __ATOMIC_ACQUIRE);

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
	current_vmcs[x86_cpu_index()] = 0;
	v->arch.launched = 0;
}

static void vmx_vcpu_run(struct vcpu *v, struct x86_exit *x)
{
	uint32_t cpu = x86_cpu_index();
	struct vmx_vcpu_page *page;
	int rc;

	if (current_vmcs[cpu] != v->arch.ctl_pa) {
		if (!vmptrld(v->arch.ctl_pa)) {
			memset(x, 0, sizeof(*x));
			x->kind = X86_EXIT_FAILED;
			fief_snprintf(x->why, sizeof(x->why), "VMPTRLD of the vCPU's VMCS failed");
			return;
		}
		current_vmcs[cpu] = v->arch.ctl_pa;
	}
	if (!v->arch.launched)
		vmcs_host();
	if (vmx.slice && !(vmx.exit & EXIT_SAVE_PREEMPT_TIMER))
		vmwrite(VMCS_PREEMPTION_TIMER, vmx.slice); /* not kept across exits */
	flush_tlb(v);
	page = vcpu_page();
	if (read_cr2() != page->cr2)
		__asm__ volatile("mov %0, %%cr2" ::"r"(page->cr2));
	rc = vmx_run(&v->arch.gpr, v->arch.launched);
	if (rc != 0) {
		memset(x, 0, sizeof(*x));
		insn_failed(rc, x);
		vmcs_put(v);
		return;
	}
	page->cr2 = read_cr2();
	v->arch.launched = 1;
	decode(v, x);
	/* After these the core leaves the vCPU (preempted, paused, stopped)
	 * and exit.c needs no VMCS field: clear it, so that any CPU may load
	 * it for the management calls, and launch it afresh next time. */
	if (x->kind == X86_EXIT_INTR || x->kind == X86_EXIT_SHUTDOWN || x->kind == X86_EXIT_FAILED)
		vmcs_put(v);
}

static void vmx_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint32_t info = vector | INTR_TYPE_HW_EXC | INTR_INFO_VALID;

	(void)v;
	if (has_error) {
		info |= INTR_INFO_ERR_VALID;
		vmwrite(VMCS_ENTRY_EXC_ERROR, error);
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
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

/* ---- management: registers and destruction of a vCPU no CPU runs ---- */

/*
 * Make @v's VMCS current on the calling CPU. A VMCS may be active on one
 * CPU only: that is possible here if it is clear (never ran, or left clear
 * by vmcs_put() when the vCPU was preempted or stopped) or if the vCPU is
 * pinned to this CPU. Return: false otherwise (it left its CPU some other
 * way: halted, or stopped by a hypercall or a memory violation).
 */
static bool vmcs_load_here(struct vcpu *v)
{
	uint32_t cpu = x86_cpu_index();

	if (v->arch.launched && v->pcpu != cpu)
		return false;
	if (current_vmcs[cpu] != v->arch.ctl_pa) {
		if (!vmptrld(v->arch.ctl_pa))
			return false;
		current_vmcs[cpu] = v->arch.ctl_pa;
	}
	return true;
}

/* Undo vmcs_load_here() for a vCPU that never ran: leave its VMCS clear. */
static void vmcs_unload_here(struct vcpu *v)
{
	if (!v->arch.launched) {
		vmclear(v->arch.ctl_pa);
		current_vmcs[x86_cpu_index()] = 0;
	}
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
	guest_seg(sg, in->selector, ar, in->limit, in->base);
}

/* The guest's view of CR0/CR4: its own bits where fief pins them. */
static uint64_t cr_visible(enum vmcs_field cr, enum vmcs_field mask, enum vmcs_field shadow)
{
	uint64_t m = vmread(mask);

	return (vmread(cr) & ~m) | (vmread(shadow) & m);
}

static void vmx_regs_get(struct vcpu *v, struct fief_regs_x86 *r)
{
	static const enum vmcs_seg order[8] = {
		VMCS_SEG_CS, VMCS_SEG_DS, VMCS_SEG_ES, VMCS_SEG_FS,
		VMCS_SEG_GS, VMCS_SEG_SS, VMCS_SEG_TR, VMCS_SEG_LDTR,
	};
	struct fief_x86_segment *segs[8] = { &r->cs, &r->ds, &r->es, &r->fs,
					     &r->gs, &r->ss, &r->tr, &r->ldtr };

	if (!vmcs_load_here(v)) {
		console_printf("vmx: registers of vm %s vcpu %u: its VMCS is active on CPU %u\n",
			       v->vm->name, v->index, v->pcpu);
		return; /* regs.c reports zeros */
	}
	r->gpr[FIEF_X86_RSP] = vmread(VMCS_GUEST_RSP);
	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = vmread(VMCS_GUEST_RFLAGS);
	r->cr0 = cr_visible(VMCS_GUEST_CR0, VMCS_CR0_MASK, VMCS_CR0_SHADOW);
	r->cr2 = vcpu_page()->cr2;
	r->cr3 = vmread(VMCS_GUEST_CR3);
	r->cr4 = cr_visible(VMCS_GUEST_CR4, VMCS_CR4_MASK, VMCS_CR4_SHADOW);
	r->efer = vmread(VMCS_GUEST_EFER);
	for (unsigned i = 0; i < 8; i++)
		seg_get(order[i], segs[i]);
	r->gdtr.base = vmread(VMCS_GUEST_GDTR_BASE);
	r->gdtr.limit = (uint16_t)vmread(VMCS_GUEST_GDTR_LIMIT);
	r->idtr.base = vmread(VMCS_GUEST_IDTR_BASE);
	r->idtr.limit = (uint16_t)vmread(VMCS_GUEST_IDTR_LIMIT);
	vmcs_unload_here(v);
}

/* Control registers VMX can hold: the pinned bits must be as VMX wants
 * them (no unrestricted guest), and the guest never owns CR4.VMXE. */
static bool crs_representable(const struct fief_regs_x86 *r)
{
	uint64_t cr0 = (r->cr0 | vmx.cr0_fixed0) & vmx.cr0_fixed1;
	uint64_t cr4 = (r->cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1;

	return cr0 == r->cr0 && (cr4 & ~CR4_VMXE) == r->cr4;
}

static void regs_put(const struct fief_regs_x86 *r)
{
	vmwrite(VMCS_GUEST_RSP, r->gpr[FIEF_X86_RSP]);
	vmwrite(VMCS_GUEST_RIP, r->rip);
	vmwrite(VMCS_GUEST_RFLAGS, r->rflags);
	vmwrite(VMCS_GUEST_CR0, r->cr0);
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
	vcpu_page()->cr2 = r->cr2;
}

/* regs.c checked the values architecturally; VM entry checks the rest (a
 * refused state stops the VM with the field named). */
static int vmx_regs_set(struct vcpu *v, const struct fief_regs_x86 *r)
{
	if (!crs_representable(r))
		return FIEF_EINVAL;
	if (!vmcs_load_here(v))
		return FIEF_EBUSY;
	regs_put(r);
	/* New CR3 or paging mode: drop the VPID's linear translations. */
	if (v->arch.launched)
		invvpid((x86_cpu.vmx_ept_vpid & VPID_CAP_INVVPID_SINGLE) ? 1 : 2,
			(uint16_t)v->arch.asid);
	vmcs_unload_here(v);
	return FIEF_OK;
}

/*
 * Free the VMCS and the vCPU page. A VMCS that is active on another CPU
 * (its pinned CPU, where it ran) cannot be cleared from here: it is kept,
 * and said so, rather than freed while that CPU may still write it back.
 */
static void vmx_vcpu_destroy(struct vcpu *v)
{
	uint64_t page;

	if (!vmcs_load_here(v)) {
		console_printf("vmx: vm %s vcpu %u: VMCS kept, it is active on CPU %u\n",
			       v->vm->name, v->index, v->pcpu);
		return;
	}
	page = vmread(VMCS_EXIT_MSR_STORE);
	vmclear(v->arch.ctl_pa);
	current_vmcs[x86_cpu_index()] = 0;
	if (page)
		page_free(pa_init(page));
	page_free(pa_init(v->arch.ctl_pa));
	v->arch.ctl = NULL;
	v->arch.ctl_pa = 0;
	v->arch.launched = 0;
}

const struct x86_virt_ops x86_vmx_ops = {
	.name = "vmx",
	.cpu_enable = vmx_cpu_enable,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_run = vmx_vcpu_run,
	.skip = vmx_skip,
	.inject = vmx_inject,
	.msr_read = vmx_msr_read,
	.msr_write = vmx_msr_write,
	.regs_get = vmx_regs_get,
	.regs_set = vmx_regs_set,
	.vcpu_destroy = vmx_vcpu_destroy,
	.stage2 = &pt_format_ept,
};
