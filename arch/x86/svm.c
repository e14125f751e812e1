/* SPDX-License-Identifier: MIT */
/*
 * AMD SVM backend: VMCB setup, entry, and exit decoding.
 *
 * Facts from the AMD64 APM vol. 2, ch. 15 and appendix B (VMCB layout).
 * Every port and every MSR is intercepted (all-ones permission maps), as
 * are the SVM instructions (SVM is hidden from guests), HLT, CPUID, XSETBV,
 * INVD, RDPMC, physical interrupts, NMIs and shutdown. Guest memory is translated by NPT from
 * the VM's stage-2 table in mm/.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/virt.h"
#include "arch/x86/x86.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

/* VMCB control area offsets */
#define VMCB_INTERCEPT_MISC1 0x00c
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE 0x040
#define VMCB_MSRPM_BASE 0x048
#define VMCB_ASID 0x058
#define VMCB_TLB_CONTROL 0x05c
#define VMCB_VINTR 0x060
#define VMCB_INT_STATE 0x068
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088
#define VMCB_NP_ENABLE 0x090
#define VMCB_EVENTINJ 0x0a8
#define VMCB_NCR3 0x0b0
/* VMCB save area offsets */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4cb
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_RAX 0x5f8
#define VMCB_STAR 0x600
#define VMCB_LSTAR 0x608
#define VMCB_CSTAR 0x610
#define VMCB_SFMASK 0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS 0x628
#define VMCB_SYSENTER_ESP 0x630
#define VMCB_SYSENTER_EIP 0x638
#define VMCB_CR2 0x640
#define VMCB_GPAT 0x668

/* Intercept bits (vector 3 at 0x00c, vector 4 at 0x010) */
#define INT_INTR (1u << 0)
#define INT_NMI (1u << 1)
#define INT_VINTR (1u << 4)
#define INT_RDPMC (1u << 15)
#define INT_CPUID (1u << 18)
#define INT_INVD (1u << 22)
#define INT_HLT (1u << 24)
#define INT_INVLPGA (1u << 26)
#define INT_IOIO (1u << 27)
#define INT_MSR (1u << 28)
#define INT_SHUTDOWN (1u << 31)
#define INT_VMRUN (1u << 0)
#define INT_VMMCALL (1u << 1)
#define INT_VMLOAD (1u << 2)
#define INT_VMSAVE (1u << 3)
#define INT_STGI (1u << 4)
#define INT_CLGI (1u << 5)
#define INT_SKINIT (1u << 6)
#define INT_MONITOR (1u << 10)
#define INT_MWAIT (1u << 11)
#define INT_XSETBV (1u << 13)

#define VINTR_MASKING (1ull << 24)
#define VINTR_IRQ (1ull << 8)          /* V_IRQ: a virtual interrupt is waiting */
#define VINTR_PRIO (0xfull << 16)      /* V_INTR_PRIO: the highest */
#define VINTR_IGN_TPR (1ull << 20)
#define INT_STATE_SHADOW 1ull          /* the guest is in an STI / MOV SS shadow */

/* Exit codes */
#define SVM_EXIT_EXCP_UD 0x46
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_RDPMC 0x6f
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_INVLPGA 0x7a
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_NPF 0x400
/* VMRUN refused the state: the APM writes -1 to EXITCODE, which CPUs (and
 * QEMU) store as 0xffffffff; compare the low half only. */
#define SVM_EXIT_INVALID 0xffffffffu

#define MSR_EFER 0xc0000080
#define MSR_VM_HSAVE_PA 0xc0010117
#define EFER_SVME (1ull << 12)

#define EVENT_VALID (1ull << 31)
#define EVENT_ERR_VALID (1ull << 11)
#define EVENT_TYPE_EXC (3ull << 8)
#define EVENT_TYPE_NMI (2ull << 8)
#define EVENT_TYPE_INTR (0ull << 8)

/* Permission maps: all ones, so every port and MSR exits. Identity-mapped
 * static storage gives the physically contiguous pages SVM requires. */
static uint8_t iopm[3 * 4096] __attribute__((aligned(4096)));
static uint8_t msrpm[2 * 4096] __attribute__((aligned(4096)));
/* Per CPU: the host save area VMRUN uses, and fief's VMSAVE state. */
static uint8_t host_area[X86_CPUS_MAX][4096] __attribute__((aligned(4096)));
static uint8_t host_vmsave[X86_CPUS_MAX][4096] __attribute__((aligned(4096)));
/* Per CPU: the VMCB that ran last, to flush the TLB on a VM switch. */
static uint64_t last_vmcb[X86_CPUS_MAX];

void svm_run(uint64_t vmcb_pa, struct x86_gprs *g, uint64_t host_save_pa, struct x86_run *r);
int svm_exit(struct x86_run *r);

/* A VMCB field by offset; the exit path keeps the VMCB's address in a
 * local, so that the compiler need not load it again after each store. */
static inline uint64_t *vmcb64(void *vmcb, unsigned off)
{
	return (uint64_t *)((uint8_t *)vmcb + off);
}

static inline uint64_t *f64(struct vcpu *v, unsigned off)
{
	return vmcb64(v->arch.ctl, off);
}

static inline uint32_t *f32(struct vcpu *v, unsigned off)
{
	return (uint32_t *)((uint8_t *)v->arch.ctl + off);
}

static void set_seg(struct vcpu *v, unsigned off, uint16_t sel, uint16_t attr, uint32_t limit,
		    uint64_t base)
{
	uint8_t *s = (uint8_t *)v->arch.ctl + off;

	memcpy(s + 0, &sel, 2);
	memcpy(s + 2, &attr, 2);
	memcpy(s + 4, &limit, 4);
	memcpy(s + 8, &base, 8);
}

static int svm_cpu_enable(void)
{
	uint32_t cpu = x86_cpu_index();

	if (cpu == 0) {
		memset(iopm, 0xff, sizeof(iopm));
		memset(msrpm, 0xff, sizeof(msrpm));
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)host_area[cpu]);
	/* fief's own FS/GS/TR/LDTR/syscall state, reloaded after each exit. */
	__asm__ volatile("vmsave %0" ::"a"((uint64_t)(uintptr_t)host_vmsave[cpu]) : "memory");
	return FIEF_OK;
}

static void vmcb_intercepts(struct vcpu *v)
{
	*f32(v, VMCB_INTERCEPT_MISC1) = INT_INTR | INT_NMI | INT_RDPMC | INT_CPUID | INT_INVD |
					INT_HLT | INT_INVLPGA | INT_IOIO | INT_MSR | INT_SHUTDOWN;
	*f32(v, VMCB_INTERCEPT_MISC2) = INT_VMRUN | INT_VMMCALL | INT_VMLOAD | INT_VMSAVE |
					INT_STGI | INT_CLGI | INT_SKINIT | INT_MONITOR | INT_MWAIT |
					INT_XSETBV;
	*f64(v, VMCB_IOPM_BASE) = (uint64_t)(uintptr_t)iopm;
	*f64(v, VMCB_MSRPM_BASE) = (uint64_t)(uintptr_t)msrpm;
	*f64(v, VMCB_VINTR) = VINTR_MASKING;
	*f64(v, VMCB_NP_ENABLE) = 1;
	*f64(v, VMCB_NCR3) = pa_addr(v->vm->mm->pt.root);
	v->arch.asid = 1 + (uint32_t)v->vm->id % (x86_cpu.svm_asids > 1 ? x86_cpu.svm_asids - 1 : 1);
	*f32(v, VMCB_ASID) = v->arch.asid;
}

static int svm_vcpu_init(struct vcpu *v, const struct x86_boot_state *s)
{
	paddr_t pa;
	int err = page_alloc(&pa, PAGE_TYPE_USED);

	if (err)
		return err;
	v->arch.ctl_pa = pa_addr(pa);
	v->arch.ctl = arch_mm_pa_to_va(pa);
	memset(v->arch.ctl, 0, PAGE_SIZE);
	vmcb_intercepts(v);
	set_seg(v, VMCB_CS, 0x08, 0x029b, 0xffffffff, 0);
	set_seg(v, VMCB_DS, 0x10, 0x0c93, 0xffffffff, 0);
	set_seg(v, VMCB_ES, 0x10, 0x0c93, 0xffffffff, 0);
	set_seg(v, VMCB_SS, 0x10, 0x0c93, 0xffffffff, 0);
	set_seg(v, VMCB_FS, 0x10, 0x0c93, 0xffffffff, 0);
	set_seg(v, VMCB_GS, 0x10, 0x0c93, 0xffffffff, 0);
	set_seg(v, VMCB_GDTR, 0, 0, s->gdt_limit, s->gdt_base);
	set_seg(v, VMCB_IDTR, 0, 0, 0, 0);
	set_seg(v, VMCB_LDTR, 0, 0x0082, 0, 0);
	set_seg(v, VMCB_TR, 0, 0x008b, 0x67, 0);
	*((uint8_t *)v->arch.ctl + VMCB_CPL) = 0;
	*f64(v, VMCB_EFER) = s->efer | EFER_SVME; /* VMRUN requires it; guests never see it */
	*f64(v, VMCB_CR0) = s->cr0;
	*f64(v, VMCB_CR3) = s->cr3;
	*f64(v, VMCB_CR4) = s->cr4;
	*f64(v, VMCB_DR6) = 0xffff0ff0;
	*f64(v, VMCB_DR7) = 0x400;
	*f64(v, VMCB_RFLAGS) = s->rflags;
	*f64(v, VMCB_RIP) = s->rip;
	*f64(v, VMCB_RSP) = s->rsp;
	*f64(v, VMCB_GPAT) = 0x0007040600070406ull; /* the power-on PAT */
	*f32(v, VMCB_TLB_CONTROL) = 1;
	return FIEF_OK;
}

static void decode_io(uint64_t info1, struct x86_exit *x)
{
	x->kind = X86_EXIT_IO;
	x->code = SVM_EXIT_IOIO; /* for the stop status if it cannot be done */
	x->io.in = info1 & 1;
	x->io.string = (info1 >> 2) & 1;
	x->io.rep = (info1 >> 3) & 1;
	x->io.size = (info1 & (1u << 4)) ? 1 : (info1 & (1u << 5)) ? 2 : 4;
	x->io.port = (uint16_t)(info1 >> 16);
}

/* An exit that can interrupt the delivery of an event (a nested page
 * fault on the guest's IDT or stack, a physical interrupt or NMI meanwhile):
 * deliver it again at the next entry (EXITINTINFO has EVENTINJ's format). */
static void reinject(void *vmcb)
{
	uint64_t info = *vmcb64(vmcb, VMCB_EXITINTINFO);

	if (info & EVENT_VALID)
		*vmcb64(vmcb, VMCB_EVENTINJ) = info;
}

/* The guest can take a virtual interrupt: withdraw V_IRQ, look again. */
static void vintr(void *vmcb, struct vcpu *v)
{
	*vmcb64(vmcb, VMCB_VINTR) &= ~(VINTR_IRQ | VINTR_PRIO | VINTR_IGN_TPR);
	*(uint32_t *)vmcb64(vmcb, VMCB_INTERCEPT_MISC1) &= ~INT_VINTR;
	__atomic_store_n(&v->arch.vlapic.pending, 1, __ATOMIC_RELAXED);
}

/* Instruction lengths for exits without NRIP save (QEMU's SVM has none). */
static void decode(struct vcpu *v, void *vmcb, struct x86_exit *x)
{
	uint64_t code = *vmcb64(vmcb, VMCB_EXITCODE), info1, info2;

	/* Only the fields of the reason found are set: the exit path clears
	 * no whole structures. */
	x->insn_len = 0;
	info1 = *vmcb64(vmcb, VMCB_EXITINFO1);
	info2 = *vmcb64(vmcb, VMCB_EXITINFO2);
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		reinject(vmcb);
		x->kind = X86_EXIT_INTR;
		return;
	case SVM_EXIT_VINTR:
		vintr(vmcb, v);
		x->kind = X86_EXIT_NONE;
		return;
	case SVM_EXIT_CPUID:
		x->kind = X86_EXIT_CPUID, x->insn_len = 2;
		return;
	case SVM_EXIT_HLT:
		/* RIP moves past it: an STI shadow over the HLT ends. */
		*vmcb64(vmcb, VMCB_INT_STATE) &= ~INT_STATE_SHADOW;
		x->kind = X86_EXIT_HLT, x->insn_len = 1;
		return;
	case SVM_EXIT_MSR:
		x->insn_len = 2;
		/* An x2APIC EOI or SELF_IPI is done here: nothing left for
		 * the policy (x86_exit_other() with X86_EXIT_NONE). */
		x->kind = !info1 ? X86_EXIT_RDMSR :
			  x86_vlapic_wrmsr_fast(v) ? X86_EXIT_NONE : X86_EXIT_WRMSR;
		return;
	case SVM_EXIT_IOIO:
		decode_io(info1, x);
		x->insn_len = (uint8_t)(info2 - *vmcb64(vmcb, VMCB_RIP)); /* info2: next RIP */
		return;
	case SVM_EXIT_NPF:
		reinject(vmcb);
		x->kind = X86_EXIT_NPF;
		x->insn_len = 0;
		x->gpa = info2;
		x->write = (info1 >> 1) & 1;
		x->exec = (info1 >> 4) & 1;
		return;
	case SVM_EXIT_SHUTDOWN:
		x->kind = X86_EXIT_SHUTDOWN;
		x->rip = *vmcb64(vmcb, VMCB_RIP);
		return;
	case SVM_EXIT_XSETBV:
		x->kind = X86_EXIT_XSETBV, x->insn_len = 3; /* 0F 01 D1 */
		return;
	case SVM_EXIT_INVD:
		x->kind = X86_EXIT_INVD, x->insn_len = 2;   /* 0F 08 */
		return;
	case SVM_EXIT_RDPMC:
		x->kind = X86_EXIT_RDPMC, x->insn_len = 2;  /* 0F 33 */
		return;
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMLOAD + 1: /* VMSAVE */
	case SVM_EXIT_VMLOAD + 2: /* STGI */
	case SVM_EXIT_VMLOAD + 3: /* CLGI */
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		x->kind = X86_EXIT_UD;
		return;
	}
	x->kind = X86_EXIT_FAILED;
	x->code = code;
	if ((uint32_t)code == SVM_EXIT_INVALID)
		fief_snprintf(x->why, sizeof(x->why), "invalid guest state (VMRUN refused the VMCB)");
	else
		fief_snprintf(x->why, sizeof(x->why), "unhandled SVM exit 0x%llx (info1 0x%llx)",
			      (unsigned long long)code, (unsigned long long)info1);
}

static void svm_vcpu_run(struct vcpu *v, struct vcpu_exit *out)
{
	uint32_t cpu = v->pcpu; /* vCPUs are pinned: this is the CPU running it */
	struct x86_run r = { .v = v, .out = out };
	uint64_t gen;

	/* No flush-by-ASID on every CPU: flush all on a VM switch or a
	 * stage-2 change, which is always correct. Guest mode is announced
	 * before the generation is read (virt.h, x86_guest_vcpu). */
	__atomic_store_n(&x86_guest_vcpu[cpu], v, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&x86_s2_flush_gen, __ATOMIC_SEQ_CST);
	if (last_vmcb[cpu] != v->arch.ctl_pa || v->arch.flush_gen != gen) {
		*f32(v, VMCB_TLB_CONTROL) = 1;
		v->arch.flush_gen = gen;
		last_vmcb[cpu] = v->arch.ctl_pa;
	}
	*f64(v, VMCB_RAX) = v->arch.gpr.rax;
	x86_event_check(v);
	svm_run(v->arch.ctl_pa, &v->arch.gpr, (uint64_t)(uintptr_t)host_vmsave[cpu], &r);
	__atomic_store_n(&x86_guest_vcpu[cpu], NULL, __ATOMIC_RELEASE);
}

/* Every exit but VMMCALL, out of line: the hypercall path stays short. */
static __attribute__((noinline)) int svm_exit_other(struct x86_run *r, void *vmcb)
{
	int next;

	decode(r->v, vmcb, &r->x);
	next = x86_exit_stay(r->v, &r->x, r->out) ? X86_ENTER : X86_LEAVE;
	*vmcb64(vmcb, VMCB_RIP) += r->x.insn_len;
	return next;
}

/* After each exit, in svm_run()'s loop (GIF clear): what the loop does next. */
int svm_exit(struct x86_run *r)
{
	struct vcpu *v = r->v;
	void *vmcb = v->arch.ctl;
	int next;

	__atomic_store_n(&x86_guest_vcpu[v->pcpu], NULL, __ATOMIC_RELEASE);
	v->arch.gpr.rax = *vmcb64(vmcb, VMCB_RAX);
	*(uint32_t *)vmcb64(vmcb, VMCB_TLB_CONTROL) = 0;
	/* The hottest exit first, in line; the CPL only its policy reads. */
	if (*vmcb64(vmcb, VMCB_EXITCODE) == SVM_EXIT_VMMCALL) {
		next = x86_exit_hypercall(v, *((uint8_t *)vmcb + VMCB_CPL) == 0) ? X86_ENTER_RAX :
										   X86_LEAVE;
		*vmcb64(vmcb, VMCB_RIP) += 3;
	} else {
		next = svm_exit_other(r, vmcb);
	}
	*vmcb64(vmcb, VMCB_RAX) = v->arch.gpr.rax;
	return next;
}

static void svm_inject(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint64_t ev = vector | EVENT_TYPE_EXC | EVENT_VALID;

	/* Real mode (a vCPU a STARTUP began) pushes no error code. */
	if (has_error && (*f64(v, VMCB_CR0) & 1))
		ev |= EVENT_ERR_VALID | ((uint64_t)error << 32);
	*f64(v, VMCB_EVENTINJ) = ev;
}

static void svm_event_state(struct vcpu *v, struct x86_event_state *s)
{
	bool shadow = (*f64(v, VMCB_INT_STATE) & INT_STATE_SHADOW) != 0;

	/* The CPU clears EVENTINJ.V when it injects: set means fief queued one. */
	s->busy = (*f64(v, VMCB_EVENTINJ) & EVENT_VALID) != 0;
	s->blocked = !(*f64(v, VMCB_RFLAGS) & RFLAGS_IF) || shadow;
	s->nmi_blocked = shadow;
}

static void svm_inject_irq(struct vcpu *v, uint8_t vector, bool nmi)
{
	*f64(v, VMCB_EVENTINJ) = vector | (nmi ? EVENT_TYPE_NMI : EVENT_TYPE_INTR) | EVENT_VALID;
}

/* A virtual interrupt of the highest priority, intercepted the moment the
 * guest would take it (VINTR): then fief injects the real one. */
static void svm_irq_window(struct vcpu *v)
{
	*f64(v, VMCB_VINTR) |= VINTR_IRQ | VINTR_PRIO | VINTR_IGN_TPR;
	*f32(v, VMCB_INTERCEPT_MISC1) |= INT_VINTR;
}

/* MSRs whose guest value the VMCB holds (the VMLOAD/VMSAVE set and PAT). */
static int msr_offset(uint32_t msr)
{
	switch (msr) {
	case 0x174: return VMCB_SYSENTER_CS;
	case 0x175: return VMCB_SYSENTER_ESP;
	case 0x176: return VMCB_SYSENTER_EIP;
	case 0x277: return VMCB_GPAT;
	case 0xc0000081: return VMCB_STAR;
	case 0xc0000082: return VMCB_LSTAR;
	case 0xc0000083: return VMCB_CSTAR;
	case 0xc0000084: return VMCB_SFMASK;
	case 0xc0000100: return VMCB_FS + 8;
	case 0xc0000101: return VMCB_GS + 8;
	case 0xc0000102: return VMCB_KERNEL_GS_BASE;
	}
	return -1;
}

static int svm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int off = msr_offset(msr);

	if (off < 0)
		return FIEF_ENOENT;
	*val = *f64(v, (unsigned)off);
	return FIEF_OK;
}

/* Values are checked by arch/x86/exit.c (msr_value_valid()). */
static int svm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int off;

	if (msr == MSR_EFER) {
		*f64(v, VMCB_EFER) = val | EFER_SVME;
		return FIEF_OK;
	}
	off = msr_offset(msr);
	if (off < 0)
		return FIEF_ENOENT;
	*f64(v, (unsigned)off) = val;
	return FIEF_OK;
}

static void svm_guest_mode(struct vcpu *v, struct x86_guest_mode *m)
{
	m->cr0 = *f64(v, VMCB_CR0);
	m->cr4 = *f64(v, VMCB_CR4);
	m->cpl = *((uint8_t *)v->arch.ctl + VMCB_CPL);
	m->rflags = *f64(v, VMCB_RFLAGS);
}

/* A VMCB segment (selector, attrib, limit, base) to and from the ABI's. */
static void seg_get(struct vcpu *v, unsigned off, struct fief_x86_segment *s)
{
	const uint8_t *p = (const uint8_t *)v->arch.ctl + off;

	memcpy(&s->selector, p + 0, 2);
	memcpy(&s->attrib, p + 2, 2);
	memcpy(&s->limit, p + 4, 4);
	memcpy(&s->base, p + 8, 8);
}

static void svm_regs_get(struct vcpu *v, struct fief_regs_x86 *r)
{
	struct fief_x86_segment t;

	r->gpr[FIEF_X86_RSP] = *f64(v, VMCB_RSP);
	r->rip = *f64(v, VMCB_RIP);
	r->rflags = *f64(v, VMCB_RFLAGS);
	r->cr0 = *f64(v, VMCB_CR0);
	r->cr2 = *f64(v, VMCB_CR2);
	r->cr3 = *f64(v, VMCB_CR3);
	r->cr4 = *f64(v, VMCB_CR4);
	r->efer = *f64(v, VMCB_EFER) & ~EFER_SVME; /* fief's bit, never the guest's */
	seg_get(v, VMCB_CS, &r->cs);
	seg_get(v, VMCB_DS, &r->ds);
	seg_get(v, VMCB_ES, &r->es);
	seg_get(v, VMCB_FS, &r->fs);
	seg_get(v, VMCB_GS, &r->gs);
	seg_get(v, VMCB_SS, &r->ss);
	seg_get(v, VMCB_TR, &r->tr);
	seg_get(v, VMCB_LDTR, &r->ldtr);
	seg_get(v, VMCB_GDTR, &t);
	r->gdtr.base = t.base;
	r->gdtr.limit = t.limit;
	seg_get(v, VMCB_IDTR, &t);
	r->idtr.base = t.base;
	r->idtr.limit = t.limit;
}

static void seg_put(struct vcpu *v, unsigned off, const struct fief_x86_segment *s)
{
	set_seg(v, off, s->selector, s->attrib, s->limit, s->base);
}

/* regs.c checked the values; VMRUN checks the rest (a refused state stops
 * the VM, it never reaches fief). */
static int svm_regs_set(struct vcpu *v, const struct fief_regs_x86 *r)
{
	*f64(v, VMCB_RSP) = r->gpr[FIEF_X86_RSP];
	*f64(v, VMCB_RIP) = r->rip;
	*f64(v, VMCB_RFLAGS) = r->rflags;
	*f64(v, VMCB_CR0) = r->cr0;
	*f64(v, VMCB_CR2) = r->cr2;
	*f64(v, VMCB_CR3) = r->cr3;
	*f64(v, VMCB_CR4) = r->cr4;
	*f64(v, VMCB_EFER) = r->efer | EFER_SVME;
	seg_put(v, VMCB_CS, &r->cs);
	seg_put(v, VMCB_DS, &r->ds);
	seg_put(v, VMCB_ES, &r->es);
	seg_put(v, VMCB_FS, &r->fs);
	seg_put(v, VMCB_GS, &r->gs);
	seg_put(v, VMCB_SS, &r->ss);
	seg_put(v, VMCB_TR, &r->tr);
	seg_put(v, VMCB_LDTR, &r->ldtr);
	set_seg(v, VMCB_GDTR, 0, 0, r->gdtr.limit, r->gdtr.base);
	set_seg(v, VMCB_IDTR, 0, 0, r->idtr.limit, r->idtr.base);
	*((uint8_t *)v->arch.ctl + VMCB_CPL) = (uint8_t)((r->ss.attrib >> 5) & 3);
	*f32(v, VMCB_TLB_CONTROL) = 1; /* new CR3 or paging mode */
	return FIEF_OK;
}

/* The VMCB page goes back to fief's pool; no CPU may think it is still
 * the last one it ran (a new VMCB at that address must flush). */
static void svm_vcpu_destroy(struct vcpu *v)
{
	for (unsigned cpu = 0; cpu < X86_CPUS_MAX; cpu++)
		__atomic_compare_exchange_n(&last_vmcb[cpu], &(uint64_t){ v->arch.ctl_pa }, 0,
					    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	page_free(pa_init(v->arch.ctl_pa));
	v->arch.ctl = NULL;
	v->arch.ctl_pa = 0;
}

const struct x86_virt_ops x86_svm_ops = {
	.name = "svm",
	.cpu_enable = svm_cpu_enable,
	.vcpu_init = svm_vcpu_init,
	.vcpu_run = svm_vcpu_run,
	.inject = svm_inject,
	.event_state = svm_event_state,
	.inject_irq = svm_inject_irq,
	.irq_window = svm_irq_window,
	.msr_read = svm_msr_read,
	.msr_write = svm_msr_write,
	.guest_mode = svm_guest_mode,
	.regs_get = svm_regs_get,
	.regs_set = svm_regs_set,
	.vcpu_destroy = svm_vcpu_destroy,
	.stage2 = &pt_format_x86_npt,
};
