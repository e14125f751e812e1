/* SPDX-License-Identifier: MIT */
/*
 * The x86-common exit policy, shared by the SVM and VMX backends: what
 * fief does for CPUID, MSR accesses, port I/O, HLT, hypercalls, stage-2
 * faults, interrupts and triple faults. The backends only decode their exit
 * into a struct x86_exit and resume.
 *
 * Nothing here trusts the guest: every unknown MSR or port gets the
 * architectural answer (#GP, or all-ones reads), never a fief crash.
 */
#include "arch/x86/fpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/virt.h"
#include "arch/x86/x86.h"
#include "core/hypercall.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

#define MSR_TSC 0x10
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_PAT 0x277
#define MSR_EFER 0xc0000080
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define VEC_UD 6
#define VEC_GP 13

#define CR0_PG (1ull << 31)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

#define COM1 0x3f8
#define UART_LSR 5
#define UART_MSR 6
#define UART_LSR_IDLE 0x60 /* transmitter empty, holding register empty */

#define CPUID_HV_BASE 0x40000000u
#define CPUID_HV_TIMING 0x40000010u
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_FMA (1u << 12)
#define CPUID1_ECX_PDCM (1u << 15)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_F16C (1u << 29)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_AVX2 (1u << 5)
#define CPUID7_EBX_MPX (1u << 14)
/* AVX512F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID7_EBX_AVX512 ((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | \
			   (1u << 28) | (1u << 30) | (1u << 31))
/* AVX512 VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define CPUID7_ECX_AVX512 ((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14))
#define CPUID7_ECX_PKU (1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)
#define CPUID7_ECX_WAITPKG (1u << 5) /* UMWAIT, TPAUSE: not enabled for guests */
/* AVX512 4VNNIW, 4FMAPS, VP2INTERSECT, FP16; AMX BF16, TILE, INT8 */
#define CPUID7_EDX_HIDDEN ((1u << 2) | (1u << 3) | (1u << 8) | (1u << 23) | (1u << 22) | \
			   (1u << 24) | (1u << 25))
#define CPUIDD1_EAX_XSAVES_XFD ((1u << 3) | (1u << 4))
#define CPUID81_ECX_SVM (1u << 2)
/* PerfCtrExtCore, PerfCtrExtNB, PerfCtrExtLLC: no performance counters */
#define CPUID81_ECX_PERF ((1u << 23) | (1u << 24) | (1u << 28))

const struct x86_virt_ops *x86_virt;

static void gpr_set32(uint64_t *r, uint32_t v)
{
	*r = v; /* a 32-bit result zero-extends, as the hardware does */
}

static uint64_t guest_cr4(struct vcpu *v)
{
	struct x86_guest_mode m;

	x86_virt_guest_mode(v, &m);
	return m.cr4;
}

/*
 * Leaf 1: virtualization, MONITOR and the performance-capabilities MSR
 * hidden; XSAVE and AVX as fief exposes them (arch/x86/fpu.h), OSXSAVE as
 * the guest's CR4 says (the CPU answers with fief's own CR4).
 */
static void cpuid_leaf1(struct vcpu *v, struct cpuid_regs *r)
{
	r->ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_MONITOR | CPUID1_ECX_PDCM | CPUID1_ECX_OSXSAVE);
	/* Every vCPU has a virtual LAPIC with x2APIC and a TSC-deadline timer. */
	r->ecx |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
	if (!x86_fpu.xsave)
		r->ecx &= ~CPUID1_ECX_XSAVE;
	else if (guest_cr4(v) & CR4_OSXSAVE)
		r->ecx |= CPUID1_ECX_OSXSAVE;
	if (!(x86_fpu.xcr0 & XCR0_AVX))
		r->ecx &= ~(CPUID1_ECX_AVX | CPUID1_ECX_FMA | CPUID1_ECX_F16C);
	r->ebx = (r->ebx & 0x00ffffff) | (v->index << 24); /* APIC ID */
}

/* Leaf 7: what needs a state component fief does not expose, MPX, AMX
 * and WAITPKG hidden; OSPKE as the guest's CR4 says. */
static void cpuid_leaf7(struct vcpu *v, uint32_t sub, struct cpuid_regs *r)
{
	if (sub != 0)
		return;
	r->ebx &= ~CPUID7_EBX_MPX;
	r->ecx &= ~(CPUID7_ECX_WAITPKG | CPUID7_ECX_OSPKE);
	r->edx &= ~CPUID7_EDX_HIDDEN;
	if (!(x86_fpu.xcr0 & XCR0_AVX))
		r->ebx &= ~CPUID7_EBX_AVX2;
	if (!(x86_fpu.xcr0 & XCR0_AVX512)) {
		r->ebx &= ~CPUID7_EBX_AVX512;
		r->ecx &= ~CPUID7_ECX_AVX512;
	}
	if (!(x86_fpu.xcr0 & XCR0_PKRU))
		r->ecx &= ~CPUID7_ECX_PKU;
	else if (guest_cr4(v) & CR4_PKE)
		r->ecx |= CPUID7_ECX_OSPKE;
}

/*
 * Leaf 0xD: the exposed components only. Sub-leaf 0's EBX (the area for
 * the XCR0 in force) is the CPU's answer: while fief handles the exit the
 * CPU holds this vCPU's XCR0. No XSAVES (supervisor state) nor XFD.
 */
static void cpuid_leafd(uint32_t sub, struct cpuid_regs *r)
{
	if (!x86_fpu.xsave) {
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
	} else if (sub == 0) {
		r->eax = (uint32_t)x86_fpu.xcr0;
		r->ecx = x86_fpu.size;
		r->edx = (uint32_t)(x86_fpu.xcr0 >> 32);
	} else if (sub == 1) {
		r->eax &= ~CPUIDD1_EAX_XSAVES_XFD;
		r->ecx = 0;
		r->edx = 0;
	} else if (sub >= 64 || !(x86_fpu.xcr0 & (1ull << sub))) {
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
	}
}

/*
 * fief's leaves: 0x40000000 the max leaf and the signature "fiefFIEFfief";
 * 0x40000010 (the timing leaf VMware and KVM define) the TSC and the
 * vLAPIC timer's input clock in kHz: both the TSC (the slice is 10 ms).
 */
static void cpuid_hv(uint32_t leaf, struct cpuid_regs *r)
{
	uint32_t khz = (uint32_t)(lapic_slice.tsc / 10);

	if (leaf == CPUID_HV_BASE)
		*r = (struct cpuid_regs){ CPUID_HV_TIMING, 0x66656966, 0x46454946, 0x66656966 };
	else if (leaf == CPUID_HV_TIMING)
		*r = (struct cpuid_regs){ khz, khz, 0, 0 };
	else
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
}

static void exit_cpuid(struct vcpu *v)
{
	struct x86_gprs *g = &v->arch.gpr;
	uint32_t leaf = (uint32_t)g->rax, sub = (uint32_t)g->rcx;
	struct cpuid_regs r;

	if (leaf >= CPUID_HV_BASE && leaf < CPUID_HV_BASE + 0x100) {
		cpuid_hv(leaf, &r);
	} else {
		r = cpuid(leaf, sub);
		switch (leaf) {
		case 1:
			cpuid_leaf1(v, &r);
			break;
		case 7:
			cpuid_leaf7(v, sub, &r);
			break;
		case 0xa:          /* Intel architectural performance monitoring */
		case 0x8000000a:   /* SVM features */
		case 0x80000022:   /* AMD performance monitoring v2 */
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
			break;
		case 0xd:
			cpuid_leafd(sub, &r);
			break;
		case 0x80000001:
			r.ecx &= ~(CPUID81_ECX_SVM | CPUID81_ECX_PERF);
			break;
		}
	}
	gpr_set32(&g->rax, r.eax);
	gpr_set32(&g->rbx, r.ebx);
	gpr_set32(&g->rcx, r.ecx);
	gpr_set32(&g->rdx, r.edx);
}

/* EFER as the guest sees it: LMA is LME and CR0.PG now, which a guest
 * that turns paging on or off itself (after a SIPI's real-mode start)
 * changes without an exit. */
static uint64_t efer_now(struct vcpu *v)
{
	struct x86_guest_mode m;
	uint64_t e = v->arch.efer & ~EFER_LMA;

	x86_virt_guest_mode(v, &m);
	return (e & EFER_LME) && (m.cr0 & CR0_PG) ? e | EFER_LMA : e;
}

/* Return: 0, or -1 to raise #GP. */
static int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int r = x86_vlapic_msr(v, msr, false, val);

	if (r <= 0)
		return r; /* the vCPU's own virtual LAPIC */
	if (msr == MSR_EFER) {
		*val = efer_now(v);
		return 0;
	}
	if (msr == MSR_TSC) {
		*val = rdtsc();
		return 0;
	}
	return x86_virt_msr_read(v, msr, val) == 0 ? 0 : -1;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/*
 * Values the architecture refuses with #GP, whichever backend keeps the
 * MSR: a reserved PAT memory type (2, 3, 8 and up), a non-canonical
 * address in an MSR that holds one. Checked before the backend sees the
 * value, so that neither SVM nor VMX loads what the CPU would refuse.
 */
static bool msr_value_valid(uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_PAT:
		for (int i = 0; i < 8; i++) {
			uint8_t t = (uint8_t)(val >> (8 * i));

			if (t == 2 || t == 3 || t > 7)
				return false;
		}
		return true;
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		return canonical(val);
	}
	return true;
}

static int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct x86_guest_mode m;
	int r = x86_vlapic_msr(v, msr, true, &val);

	if (r <= 0)
		return r; /* the vCPU's own virtual LAPIC */
	if (msr == MSR_EFER) {
		/* Reserved bits, SVME included (SVM is hidden), raise #GP;
		 * so does changing LME while paging is on (SDM 2.2.1). */
		if (val & ~EFER_GUEST_BITS)
			return -1;
		x86_virt_guest_mode(v, &m);
		if (((val ^ v->arch.efer) & EFER_LME) && (m.cr0 & CR0_PG))
			return -1;
		/* LMA is the CPU's: LME and CR0.PG as they are now. */
		val = (val & ~EFER_LMA) | ((val & EFER_LME) && (m.cr0 & CR0_PG) ? EFER_LMA : 0);
		if (x86_virt_msr_write(v, MSR_EFER, val) != 0)
			return -1;
		v->arch.efer = val;
		return 0;
	}
	if (!msr_value_valid(msr, val))
		return -1;
	return x86_virt_msr_write(v, msr, val) == 0 ? 0 : -1;
}

static void exit_msr(struct vcpu *v, struct x86_exit *x)
{
	struct x86_gprs *g = &v->arch.gpr;
	uint32_t msr = (uint32_t)g->rcx;
	uint64_t val = 0;
	int err;

	if (x->kind == X86_EXIT_RDMSR) {
		err = msr_read(v, msr, &val);
		if (!err) {
			gpr_set32(&g->rax, (uint32_t)val);
			gpr_set32(&g->rdx, (uint32_t)(val >> 32));
		}
	} else {
		err = msr_write(v, msr, ((uint64_t)(uint32_t)g->rdx << 32) | (uint32_t)g->rax);
	}
	if (err) {
		x86_virt_inject(v, VEC_GP, true, 0);
		x->insn_len = 0; /* the #GP comes first: the instruction did not run */
	}
}

/* XSETBV: CPL 0 and CR4.OSXSAVE (the CPU checks these first on VMX; on
 * SVM fief does), then the value against what fief exposes. */
static void exit_xsetbv(struct vcpu *v, struct x86_exit *x)
{
	struct x86_gprs *g = &v->arch.gpr;
	struct x86_guest_mode m;

	x86_virt_guest_mode(v, &m);
	if (!(m.cr4 & CR4_OSXSAVE)) {
		x86_virt_inject(v, VEC_UD, false, 0);
		x->insn_len = 0;
	} else if (m.cpl != 0 ||
		   !x86_fpu_xsetbv(v, (uint32_t)g->rcx,
				   ((uint64_t)(uint32_t)g->rdx << 32) | (uint32_t)g->rax)) {
		x86_virt_inject(v, VEC_GP, true, 0);
		x->insn_len = 0;
	}
}

/* The VM's 16550 at COM1: transmit goes to the VM's console; the line is
 * always idle. Every other port reads as all-ones and ignores writes. */
static void exit_io(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out)
{
	struct x86_gprs *g = &v->arch.gpr;
	uint16_t port = x->io.port;
	uint64_t mask = x->io.size == 4 ? 0xffffffffull : ((1ull << (8 * x->io.size)) - 1);

	if (x->io.string) {
		/* INS/OUTS are not emulated yet: refuse them openly. */
		out->reason = VCPU_EXIT_FAILED;
		out->code = x->code;
		fief_snprintf(out->why, sizeof(out->why), "string I/O to port 0x%x is not supported",
			      port);
		x->insn_len = 0;
		return;
	}
	if (x->io.in) {
		uint64_t val = mask;

		if (port >= COM1 && port < COM1 + 8)
			val = port == COM1 + UART_LSR ? UART_LSR_IDLE :
			      port == COM1 + UART_MSR ? 0xb0 : 0;
		if (x->io.size == 4)
			g->rax = val & mask;
		else
			g->rax = (g->rax & ~mask) | (val & mask);
	} else if (port == COM1) {
		vm_console_putc(v->vm, (char)g->rax);
	}
}

bool x86_exit_other(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out)
{
	/* Each reason sets the fields the core reads for it (core/arch.h);
	 * whatever sets @out->reason returns false (x86_exit_stay() then
	 * needs no second test). */
	switch (x->kind) {
	case X86_EXIT_NONE:
		break;
	case X86_EXIT_CPUID:
		exit_cpuid(v);
		break;
	case X86_EXIT_RDMSR:
	case X86_EXIT_WRMSR:
		exit_msr(v, x);
		break;
	case X86_EXIT_IO:
		exit_io(v, x, out);
		return out->reason == VCPU_EXIT_NONE;
	case X86_EXIT_HLT: {
		struct x86_guest_mode m;

		/* It sleeps until an interrupt it would take (core/event.h). */
		x86_virt_guest_mode(v, &m);
		v->arch.halt_if = (m.rflags & RFLAGS_IF) != 0;
		/* Look again at the next entry: an interrupt that waited for a
		 * window (IF was clear) can be injected now that HLT runs with
		 * IF set, whether or not the window exit came first. */
		__atomic_store_n(&v->arch.vlapic.pending, 1, __ATOMIC_SEQ_CST);
		out->reason = VCPU_EXIT_HALT;
		return false;
	}
	case X86_EXIT_NPF:
		if (x86_mmio(v, x, out))
			return out->reason == VCPU_EXIT_NONE; /* an emulated device */
		out->reason = VCPU_EXIT_MEM_FAULT;
		out->gpa = gpa_init(x->gpa);
		out->write = x->write;
		out->exec = x->exec;
		return false;
	case X86_EXIT_INTR:
		out->reason = VCPU_EXIT_PREEMPT;
		return false;
	case X86_EXIT_SHUTDOWN:
		out->reason = VCPU_EXIT_SHUTDOWN;
		out->pc = x->rip;
		fief_snprintf(out->why, sizeof(out->why), "triple fault (shutdown)");
		return false;
	case X86_EXIT_UD:
		x86_virt_inject(v, VEC_UD, false, 0);
		x->insn_len = 0;
		break;
	case X86_EXIT_XSETBV:
		exit_xsetbv(v, x);
		break;
	case X86_EXIT_INVD:
		/* Dropping dirty lines would throw away other VMs' and fief's
		 * writes: write them back instead. */
		__asm__ volatile("wbinvd" ::: "memory");
		break;
	case X86_EXIT_RDPMC:
		x86_virt_inject(v, VEC_GP, true, 0);
		x->insn_len = 0;
		break;
	case X86_EXIT_FAILED:
		out->reason = VCPU_EXIT_FAILED;
		out->code = x->code;
		memcpy(out->why, x->why, sizeof(out->why));
		return false;
	}
	return true;
}
