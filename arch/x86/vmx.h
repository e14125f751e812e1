/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX: the VMCS field encodings, control bits, exit reasons and
 * capability MSRs the VMX backend (arch/x86/vmx.c) uses.
 *
 * Facts from the Intel SDM vol. 3C, appendix B (field encodings), ch. 24
 * (controls), appendix A (capability MSRs) and appendix C (exit reasons).
 * An encoding is: bit 0 access type (high half of a 64-bit field), bits 9:1
 * index, bits 11:10 type (control, read-only data, guest, host), bits 14:13
 * width (16-bit, 64-bit, 32-bit, natural).
 */
#ifndef FIEF_ARCH_X86_VMX_H
#define FIEF_ARCH_X86_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/smp.h"
#include "arch/x86/virt.h"

enum vmcs_field {
	/* 16-bit */
	VMCS_VPID = 0x0000,
	VMCS_GUEST_ES_SEL = 0x0800,
	VMCS_GUEST_CS_SEL = 0x0802,
	VMCS_GUEST_SS_SEL = 0x0804,
	VMCS_GUEST_DS_SEL = 0x0806,
	VMCS_GUEST_FS_SEL = 0x0808,
	VMCS_GUEST_GS_SEL = 0x080a,
	VMCS_GUEST_LDTR_SEL = 0x080c,
	VMCS_GUEST_TR_SEL = 0x080e,
	VMCS_HOST_ES_SEL = 0x0c00,
	VMCS_HOST_CS_SEL = 0x0c02,
	VMCS_HOST_SS_SEL = 0x0c04,
	VMCS_HOST_DS_SEL = 0x0c06,
	VMCS_HOST_FS_SEL = 0x0c08,
	VMCS_HOST_GS_SEL = 0x0c0a,
	VMCS_HOST_TR_SEL = 0x0c0c,
	/* 64-bit */
	VMCS_IO_BITMAP_A = 0x2000,
	VMCS_IO_BITMAP_B = 0x2002,
	VMCS_MSR_BITMAP = 0x2004,
	VMCS_EXIT_MSR_STORE = 0x2006,
	VMCS_EXIT_MSR_LOAD = 0x2008,
	VMCS_ENTRY_MSR_LOAD = 0x200a,
	VMCS_EPTP = 0x201a,
	VMCS_GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_POINTER = 0x2800,
	VMCS_GUEST_DEBUGCTL = 0x2802,
	VMCS_GUEST_PAT = 0x2804,
	VMCS_GUEST_EFER = 0x2806,
	VMCS_HOST_PAT = 0x2c00,
	VMCS_HOST_EFER = 0x2c02,
	/* 32-bit */
	VMCS_PIN_CTLS = 0x4000,
	VMCS_PROC_CTLS = 0x4002,
	VMCS_EXCEPTION_BITMAP = 0x4004,
	VMCS_PF_ERR_MASK = 0x4006,
	VMCS_PF_ERR_MATCH = 0x4008,
	VMCS_CR3_TARGET_COUNT = 0x400a,
	VMCS_EXIT_CTLS = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT = 0x4010,
	VMCS_ENTRY_CTLS = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT = 0x4014,
	VMCS_ENTRY_INTR_INFO = 0x4016,
	VMCS_ENTRY_EXC_ERROR = 0x4018,
	VMCS_ENTRY_INSN_LEN = 0x401a,
	VMCS_PROC2_CTLS = 0x401e,
	VMCS_INSN_ERROR = 0x4400,
	VMCS_EXIT_REASON = 0x4402,
	VMCS_EXIT_INTR_INFO = 0x4404,
	VMCS_IDT_VECTORING_INFO = 0x4408,
	VMCS_IDT_VECTORING_ERROR = 0x440a,
	VMCS_EXIT_INSN_LEN = 0x440c,
	VMCS_GUEST_ES_LIMIT = 0x4800, /* ES, CS, SS, DS, FS, GS, LDTR, TR: +2 each */
	VMCS_GUEST_GDTR_LIMIT = 0x4810,
	VMCS_GUEST_IDTR_LIMIT = 0x4812,
	VMCS_GUEST_ES_AR = 0x4814,    /* ES, CS, SS, DS, FS, GS, LDTR, TR: +2 each */
	VMCS_GUEST_INTERRUPTIBILITY = 0x4824,
	VMCS_GUEST_ACTIVITY = 0x4826,
	VMCS_GUEST_SYSENTER_CS = 0x482a,
	VMCS_PREEMPTION_TIMER = 0x482e,
	VMCS_HOST_SYSENTER_CS = 0x4c00,
	/* natural width */
	VMCS_CR0_MASK = 0x6000,
	VMCS_CR4_MASK = 0x6002,
	VMCS_CR0_SHADOW = 0x6004,
	VMCS_CR4_SHADOW = 0x6006,
	VMCS_EXIT_QUALIFICATION = 0x6400,
	VMCS_GUEST_CR0 = 0x6800,
	VMCS_GUEST_CR3 = 0x6802,
	VMCS_GUEST_CR4 = 0x6804,
	VMCS_GUEST_ES_BASE = 0x6806,  /* ES, CS, SS, DS, FS, GS, LDTR, TR: +2 each */
	VMCS_GUEST_FS_BASE = 0x680e,
	VMCS_GUEST_GS_BASE = 0x6810,
	VMCS_GUEST_GDTR_BASE = 0x6816,
	VMCS_GUEST_IDTR_BASE = 0x6818,
	VMCS_GUEST_DR7 = 0x681a,
	VMCS_GUEST_RSP = 0x681c,
	VMCS_GUEST_RIP = 0x681e,
	VMCS_GUEST_RFLAGS = 0x6820,
	VMCS_GUEST_PENDING_DBG = 0x6822,
	VMCS_GUEST_SYSENTER_ESP = 0x6824,
	VMCS_GUEST_SYSENTER_EIP = 0x6826,
	VMCS_HOST_CR0 = 0x6c00,
	VMCS_HOST_CR3 = 0x6c02,
	VMCS_HOST_CR4 = 0x6c04,
	VMCS_HOST_FS_BASE = 0x6c06,
	VMCS_HOST_GS_BASE = 0x6c08,
	VMCS_HOST_TR_BASE = 0x6c0a,
	VMCS_HOST_GDTR_BASE = 0x6c0c,
	VMCS_HOST_IDTR_BASE = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP = 0x6c10,
	VMCS_HOST_SYSENTER_EIP = 0x6c12,
	VMCS_HOST_RSP = 0x6c14,
	VMCS_HOST_RIP = 0x6c16,
};

/* The segment registers in VMCS order (selector, limit, AR, base: +2 each). */
enum vmcs_seg {
	VMCS_SEG_ES = 0, VMCS_SEG_CS, VMCS_SEG_SS, VMCS_SEG_DS, VMCS_SEG_FS, VMCS_SEG_GS,
	VMCS_SEG_LDTR, VMCS_SEG_TR,
};

/* Capability MSRs (SDM appendix A) */
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* IA32_FEATURE_CONTROL */
#define FEATURE_CONTROL_LOCKED (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* Pin-based controls */
#define PIN_EXT_INTR_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_PREEMPT_TIMER (1u << 6)
/* Primary processor-based controls */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_MWAIT_EXITING (1u << 10)
#define PROC_RDPMC_EXITING (1u << 11)
#define PROC_CR8_LOAD_EXITING (1u << 19)
#define PROC_CR8_STORE_EXITING (1u << 20)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR_EXITING (1u << 29)
#define PROC_SECONDARY (1u << 31)
/* Secondary processor-based controls */
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_INVPCID (1u << 12)
#define PROC2_UNRESTRICTED (1u << 7) /* real mode and unpaged protected mode */
/* VM-exit controls */
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define EXIT_SAVE_PREEMPT_TIMER (1u << 22)
/* VM-entry controls */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_GUEST_64 (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_UC (1ull << 8)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define VPID_CAP_INVVPID_ALL (1ull << 42)
/* EPTP: memory type in bits 2:0, walk length - 1 in bits 5:3 */
#define EPTP_MT_UC 0ull
#define EPTP_MT_WB 6ull
#define EPTP_WALK4 (3ull << 3)

/* Exit reasons (basic reason: bits 15:0) */
#define VMX_EXIT_EXC_NMI 0
#define VMX_EXIT_EXT_INTR 1
#define VMX_EXIT_TRIPLE_FAULT 2
#define VMX_EXIT_INTR_WINDOW 7
#define VMX_EXIT_CPUID 10
#define VMX_EXIT_GETSEC 11
#define VMX_EXIT_HLT 12
#define VMX_EXIT_INVD 13
#define VMX_EXIT_RDPMC 15
#define VMX_EXIT_VMCALL 18
#define VMX_EXIT_VMCLEAR 19
#define VMX_EXIT_VMLAUNCH 20
#define VMX_EXIT_VMPTRLD 21
#define VMX_EXIT_VMPTRST 22
#define VMX_EXIT_VMREAD 23
#define VMX_EXIT_VMRESUME 24
#define VMX_EXIT_VMWRITE 25
#define VMX_EXIT_VMXOFF 26
#define VMX_EXIT_VMXON 27
#define VMX_EXIT_CR_ACCESS 28
#define VMX_EXIT_IO 30
#define VMX_EXIT_RDMSR 31
#define VMX_EXIT_WRMSR 32
#define VMX_EXIT_BAD_GUEST 33
#define VMX_EXIT_BAD_MSR_LOAD 34
#define VMX_EXIT_MWAIT 36
#define VMX_EXIT_MONITOR 39
#define VMX_EXIT_MACHINE_CHECK 41
#define VMX_EXIT_EPT_VIOLATION 48
#define VMX_EXIT_EPT_MISCONFIG 49
#define VMX_EXIT_INVEPT 50
#define VMX_EXIT_PREEMPT_TIMER 52
#define VMX_EXIT_INVVPID 53
#define VMX_EXIT_XSETBV 55
#define VMX_EXIT_VMFUNC 59
#define VMX_EXIT_ENTRY_FAILED (1u << 31)

/* Interruption information (entry, exit, IDT vectoring) */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERR_VALID (1u << 11)
#define INTR_TYPE_EXT_INTR (0u << 8)
#define INTR_TYPE_NMI (2u << 8)
#define INTR_TYPE_HW_EXC (3u << 8)
#define INTR_TYPE_MASK (7u << 8)

/* Guest interruptibility: blocking by STI, by MOV SS; by NMI */
#define INTERRUPTIBILITY_STI_MOVSS 3u
#define INTERRUPTIBILITY_NMI 8u

/* Segment access rights in VMX format (bit 16: unusable) */
#define AR_CODE64 0xa09bu /* G, L, P, S, execute/read accessed */
#define AR_DATA 0xc093u   /* G, D/B, P, S, read/write accessed */
#define AR_TSS64_BUSY 0x008bu
#define AR_UNUSABLE (1u << 16)
#define AR_DPL_MASK (3u << 5)

/**
 * x86_vmx_usable() - true if this CPU has what the VMX backend needs: VMX
 * allowed outside SMX by IA32_FEATURE_CONTROL (or not locked yet), EPT with
 * 4-level walks, VPID.
 */
bool x86_vmx_usable(void);

/* ---- backend-internal: shared by vmx.c, vmx_exit.c, vmx_regs.c ---- */

#define CR4_VMXE (1ull << 13)

/* The controls and fixed bits, computed once by the boot CPU (vmx.c). */
struct vmx_config {
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t slice; /* preemption timer value (0: not used) */
	bool intr_window;  /* the CPU offers interrupt-window exiting */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t eptp_flags;
	bool ready;
};
extern struct vmx_config vmx;

/* Per CPU: the VMCS current on it (0: none). */
extern uint64_t vmx_current_vmcs[X86_CPUS_MAX];

/**
 * vmx_vmcs_restore() - make @prev (a value of vmx_current_vmcs[] read
 * before) current on this CPU again, after a management call used another
 * VMCS here: the caller's world-switch loop resumes its own VMCS without
 * looking (vmx_run.S). 0: nothing was current.
 */
void vmx_vmcs_restore(uint64_t prev);

/* The guest's syscall MSRs and CR2, per vCPU (vmx.c says more). */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};
#define VMX_SWAPPED_MSRS 5

struct vmx_vcpu_page {
	struct vmx_msr_entry msr[VMX_SWAPPED_MSRS]; /* 16-byte aligned, as VMX wants */
	uint64_t cr2;
};

/** vmx_vcpu_page() - the vCPU page of the current VMCS. */
struct vmx_vcpu_page *vmx_vcpu_page(void);

/** vmx_guest_seg() - one guest segment register (VMX access-rights form). */
void vmx_guest_seg(enum vmcs_seg s, uint16_t sel, uint32_t ar, uint32_t limit, uint64_t base);

/* CR0/CR4 bits VMX pins: the guest sees its own value through the read
 * shadow, and writing a pinned bit exits (VMX_EXIT_CR_ACCESS). */
static inline uint64_t vmx_cr0_pinned(void)
{
	/* With unrestricted guest PE and PG are the guest's, but a change of
	 * PG still exits: it may switch IA-32e mode (cr_access()). */
	return vmx.cr0_fixed0 | ~vmx.cr0_fixed1 |
	       ((vmx.proc2 & PROC2_UNRESTRICTED) ? (1ull << 31) : 0);
}

static inline uint64_t vmx_cr4_pinned(void)
{
	return vmx.cr4_fixed0 | ~vmx.cr4_fixed1;
}

/* Each instruction helper returns true if it succeeded (CF and ZF clear). */
static inline bool vmclear(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmptrld(uint64_t pa)
{
	bool fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline uint64_t vmread(enum vmcs_field f)
{
	uint64_t v = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

/* vmwrite() reports a failed write here (vmx.c counts them). */
void vmx_vmwrite_failed(enum vmcs_field f);

static inline void vmwrite(enum vmcs_field f, uint64_t v)
{
	/* CF or ZF set: VMfailInvalid or VMfailValid. */
	__asm__ goto("vmwrite %1, %0; jna %l[failed]" ::"r"((uint64_t)f), "rm"(v) : "cc"
		     : failed);
	return;
failed:
	vmx_vmwrite_failed(f);
}

/*
 * vmwrite_guest() - a VMWRITE of a guest-state field during an exit, with
 * no failure check: the VMCS that just exited is current (no
 * VMfailInvalid) and every guest-state field fief writes exists and is
 * writable (no VMfailValid), so it cannot fail. For the exit path only.
 */
static inline void vmwrite_guest(enum vmcs_field f, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"((uint64_t)f), "rm"(v) : "cc");
}

static inline void invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}


/* vmx_exit.c */
/** vmx_exit() - one exit of the current VMCS, from vmx_run.S's loop. */
int vmx_exit(struct x86_run *r);
/** vmx_insn_failed() - VMLAUNCH/VMRESUME returned @rc (1 or 2) into @x. */
void vmx_insn_failed(int rc, struct x86_exit *x);

/* vmx_regs.c: the ops table's management hooks. */
/** vmx_guest_mode() - the ops table's guest_mode (vmx_regs.c). */
void vmx_guest_mode(struct vcpu *v, struct x86_guest_mode *m);
void vmx_regs_get(struct vcpu *v, struct fief_regs_x86 *r);
int vmx_regs_set(struct vcpu *v, const struct fief_regs_x86 *r);
void vmx_vcpu_destroy(struct vcpu *v);

#endif
