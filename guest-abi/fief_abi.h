/* SPDX-License-Identifier: MIT */
/*
 * fief guest ABI: what a VM sees of fief, for every architecture.
 *
 * This header is public and stands alone: fixed-width types only, nothing
 * included but <stdint.h> and <stddef.h>, no dependency on fief's own code.
 * Guests, the management agent and host tools include it as is; fief's
 * hypercall dispatcher includes it too, so both sides share one definition.
 * It compiles as C11 (and C++11). The per-architecture headers add inline-asm
 * call wrappers: fief_abi_x86.h and fief_abi_arm64.h. docs/abi.md documents
 * every call.
 *
 * A hypercall carries a call number (FIEF_HC_*) and up to six 64-bit
 * arguments (arg0..arg5), and returns one 64-bit value: >= 0 is success, a
 * negative value is one of the FIEF_E_* codes. Registers:
 *
 *   x86_64 (VMCALL on Intel, VMMCALL on AMD; both trap to fief)
 *     number RAX; arg0..arg5 RDI, RSI, RDX, RCX, R8, R9; result RAX.
 *     Every other register is preserved (RIP moves past the instruction).
 *
 *   arm64 (HVC #0, SMC Calling Convention, fast call, SMC64)
 *     W0 = FIEF_SMCCC_FN(number) = 0xC6000000 | number: owner 6, the
 *     "vendor-specific hypervisor service" range; arg0..arg5 X1..X6;
 *     result X0. X1..X17 are preserved (SMCCC v1.2 allows them to be
 *     clobbered; fief does not).
 *
 * Guest addresses passed to calls (buffers, ranges) are guest-physical
 * addresses of the caller ("caller GPA") unless the call says it names the
 * target VM's memory ("target GPA"). Ranges are (address, size) with both
 * multiples of FIEF_PAGE_SIZE when they describe memory ownership.
 */
#ifndef FIEF_ABI_H
#define FIEF_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define FIEF_ABI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define FIEF_ABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ------------------------------------------------------------------------
 * Version. FIEF_HC_VERSION returns FIEF_ABI_VERSION of the running fief.
 * A new minor version only adds (calls, capability bits, fields carved out
 * of reserved space); a new major version may change what exists.
 */
#define FIEF_ABI_VERSION_MAJOR 1u
#define FIEF_ABI_VERSION_MINOR 2u
#define FIEF_ABI_MAKE_VERSION(major, minor) \
	((((uint64_t)(major)) << 16) | ((uint64_t)(minor) & 0xffffu))
#define FIEF_ABI_VERSION FIEF_ABI_MAKE_VERSION(FIEF_ABI_VERSION_MAJOR, FIEF_ABI_VERSION_MINOR)
#define FIEF_ABI_VERSION_MAJOR_OF(v) ((uint32_t)(((uint64_t)(v) >> 16) & 0xffffu))
#define FIEF_ABI_VERSION_MINOR_OF(v) ((uint32_t)((uint64_t)(v) & 0xffffu))

/* Granule of every memory range in the ABI. */
#define FIEF_PAGE_SIZE 4096u

/* System-wide limits (the same tokens as fief's core/config.h). */
#define FIEF_MAX_VMS 16
#define FIEF_MAX_VCPUS 16

/* ------------------------------------------------------------------------
 * Call numbers. 0x00-0x0f: calls any VM may make. 0x10 and up: management
 * calls, which need FIEF_CAP_MANAGE. Numbers not listed return FIEF_E_NOSYS.
 * 0xff00-0xffff are never used (SMCCC keeps them for its general queries).
 */
#define FIEF_HC_VERSION 0x00u   /* () -> FIEF_ABI_VERSION */
#define FIEF_HC_CAPS 0x01u      /* () -> FIEF_CAP_* bits of the caller */
#define FIEF_HC_SELF_STOP 0x02u /* (status) -> does not return */
#define FIEF_HC_YIELD 0x03u     /* () -> 0; the rest of the slice goes to the CPU's next vCPU */

#define FIEF_HC_VM_CREATE 0x10u  /* (memory size, vcpu max, flags) -> VM id */
#define FIEF_HC_VM_DESTROY 0x11u /* (vm) -> 0; reclaims and scrubs every page */
#define FIEF_HC_VM_START 0x12u   /* (vm) -> 0; CREATED -> RUNNING */
#define FIEF_HC_VM_PAUSE 0x13u   /* (vm) -> 0; RUNNING -> PAUSED */
#define FIEF_HC_VM_RESUME 0x14u  /* (vm) -> 0; PAUSED -> RUNNING */
#define FIEF_HC_VM_LIST 0x15u    /* (caller GPA of uint32_t[], capacity) -> VM count */
#define FIEF_HC_VM_INFO 0x16u    /* (vm, caller GPA of fief_vm_info, size) -> 0 */

#define FIEF_HC_MEM_DONATE 0x20u   /* (vm, caller GPA, target GPA, size) -> 0 */
#define FIEF_HC_MEM_RECLAIM 0x21u  /* (vm, target GPA, size) -> 0 */
#define FIEF_HC_MEM_SHARE 0x22u    /* (vm, caller GPA, target GPA, size, FIEF_SHARE_*) -> 0 */
#define FIEF_HC_MEM_UNSHARE 0x23u  /* (vm, target GPA, size) -> 0 */
#define FIEF_HC_MEM_COPY_IN 0x24u  /* (vm, target GPA, caller GPA, size) -> 0 */
#define FIEF_HC_MEM_COPY_OUT 0x25u /* (vm, caller GPA, target GPA, size) -> 0 */

#define FIEF_HC_VCPU_CREATE 0x30u   /* (vm, vcpu, physical cpu) -> vcpu */
#define FIEF_HC_VCPU_GET_REGS 0x31u /* (vm, vcpu, caller GPA of fief_regs_*, size) -> 0 */
#define FIEF_HC_VCPU_SET_REGS 0x32u /* (vm, vcpu, caller GPA of fief_regs_*, size) -> 0 */

#define FIEF_HC_CONSOLE_READ 0x40u /* (vm, caller GPA, size, stream offset) -> bytes */

#define FIEF_HC_IRQ_LINE 0x50u /* (vm, line, level 0/1) -> 0; since 1.2 */

/* One past the highest call number of this ABI version. */
#define FIEF_HC_COUNT 0x51u

/* ------------------------------------------------------------------------
 * Error codes: a call returns one of these (as a signed 64-bit value in the
 * result register) or a value >= 0. FIEF_E_NOSYS is -1 on purpose: it is
 * also SMCCC's NOT_SUPPORTED.
 */
#define FIEF_E_OK 0         /* success */
#define FIEF_E_NOSYS (-1)   /* no such call number */
#define FIEF_E_PERM (-2)    /* the caller lacks the capability for this call */
#define FIEF_E_INVAL (-3)   /* malformed argument: misaligned, zero, wrapping, reserved bits set, wrong struct size */
#define FIEF_E_NOENT (-4)   /* no such VM or vCPU */
#define FIEF_E_STATE (-5)   /* the VM or vCPU is in a state that forbids the call */
#define FIEF_E_NOMEM (-6)   /* fief ran out of memory for its own structures; nothing changed */
#define FIEF_E_RANGE (-7)   /* address or size outside the memory of the VM it names */
#define FIEF_E_DENIED (-8)  /* a page is not in the ownership state the call needs */
#define FIEF_E_FAULT (-9)   /* a caller buffer could not be read or written */
#define FIEF_E_NOSPC (-10)  /* a fixed table is full (VMs, vCPUs) */
#define FIEF_E_EXIST (-11)  /* the object already exists (vCPU index) */
#define FIEF_E_NOTSUP (-12) /* valid, but not supported by this machine or build */
#define FIEF_E_LAST FIEF_E_NOTSUP /* the most negative code */

/**
 * fief_abi_error_name() - the constant's name of an error code, "FIEF_E_OK"
 * for 0, or NULL for any other value (positive results, unknown codes).
 */
static inline const char *fief_abi_error_name(int64_t err)
{
	switch (err) {
	case FIEF_E_OK: return "FIEF_E_OK";
	case FIEF_E_NOSYS: return "FIEF_E_NOSYS";
	case FIEF_E_PERM: return "FIEF_E_PERM";
	case FIEF_E_INVAL: return "FIEF_E_INVAL";
	case FIEF_E_NOENT: return "FIEF_E_NOENT";
	case FIEF_E_STATE: return "FIEF_E_STATE";
	case FIEF_E_NOMEM: return "FIEF_E_NOMEM";
	case FIEF_E_RANGE: return "FIEF_E_RANGE";
	case FIEF_E_DENIED: return "FIEF_E_DENIED";
	case FIEF_E_FAULT: return "FIEF_E_FAULT";
	case FIEF_E_NOSPC: return "FIEF_E_NOSPC";
	case FIEF_E_EXIST: return "FIEF_E_EXIST";
	case FIEF_E_NOTSUP: return "FIEF_E_NOTSUP";
	default: return NULL;
	}
}

/* ------------------------------------------------------------------------
 * Capabilities (FIEF_HC_CAPS, fief_vm_info.caps). Unlisted bits read 0.
 */
#define FIEF_CAP_MANAGE (1u << 0)      /* may make management calls (0x10 and up) */
#define FIEF_CAP_HOST (1u << 1)        /* is the host VM (VM 0) */
#define FIEF_CAP_INSPECTABLE (1u << 2) /* others with MANAGE may copy out of it and read its registers while paused */

/* VM ids: the host is 0; guests are 1..FIEF_MAX_VMS-1. */
#define FIEF_VM_HOST 0u

/* FIEF_HC_VM_CREATE flags; other bits must be 0. */
#define FIEF_VM_F_INSPECTABLE (1u << 0) /* copy-out and get-regs allowed while paused */
#define FIEF_VM_F_MANAGE (1u << 1)      /* it may make management calls; only the host may set it */
#define FIEF_VM_F_ALL (FIEF_VM_F_INSPECTABLE | FIEF_VM_F_MANAGE)

/* FIEF_HC_MEM_SHARE access; at least READ; other bits must be 0. */
#define FIEF_SHARE_READ (1u << 0)
#define FIEF_SHARE_WRITE (1u << 1)
#define FIEF_SHARE_EXEC (1u << 2)
#define FIEF_SHARE_ALL (FIEF_SHARE_READ | FIEF_SHARE_WRITE | FIEF_SHARE_EXEC)

/* VM states (fief_vm_info.state). A destroyed VM no longer exists. */
#define FIEF_VM_STATE_CREATED 0u /* created, never started: memory and vCPUs may be set up */
#define FIEF_VM_STATE_RUNNING 1u /* its vCPUs are scheduled */
#define FIEF_VM_STATE_PAUSED 2u  /* stopped by FIEF_HC_VM_PAUSE; resumable */
#define FIEF_VM_STATE_STOPPED 3u /* ended for good: see the stop reason; only destroy remains */

/* Why a VM stopped (fief_vm_info.stop_reason, fief's console line). */
#define FIEF_STOP_NONE 0u        /* not stopped */
#define FIEF_STOP_SELF 1u        /* FIEF_HC_SELF_STOP; stop_status is its argument */
#define FIEF_STOP_MEMORY 2u      /* access to a GPA the VM may not use; stop_addr = GPA */
#define FIEF_STOP_SHUTDOWN 3u    /* triple fault / shutdown; stop_addr = guest RIP or PC */
#define FIEF_STOP_UNHANDLED 4u   /* an exit fief does not emulate; stop_status = exit code */
#define FIEF_STOP_EVENT 5u       /* an event could not be delivered (PV frame unwritable) */
#define FIEF_STOP_INTERNAL 6u    /* fief could not continue the VM (out of memory, ...) */
/* stop_vcpu when no vCPU's exit stopped the VM (fief did, or never ran it) */
#define FIEF_STOP_VCPU_NONE 0xffffffffu

/* ------------------------------------------------------------------------
 * FIEF_HC_VM_INFO result. Offsets are fixed; reserved fields read 0.
 */
#define FIEF_VM_NAME_MAX 32 /* bytes of fief_vm_info.name, NUL included */

/** struct fief_vm_info - one VM as fief sees it (FIEF_HC_VM_INFO). */
struct fief_vm_info {
	uint32_t id;            /* VM id */
	uint32_t state;         /* FIEF_VM_STATE_* */
	uint32_t flags;         /* FIEF_VM_F_* it was created with */
	uint32_t caps;          /* FIEF_CAP_* it holds */
	uint32_t vcpu_count;    /* vCPUs created */
	uint32_t vcpu_max;      /* vCPUs it may have */
	uint64_t memory_size;   /* bytes of its guest-physical space [0, size) */
	uint64_t memory_owned;  /* bytes of pages it owns */
	uint64_t memory_borrowed; /* bytes shared with it by another VM */
	uint32_t stop_reason;   /* FIEF_STOP_* */
	uint32_t stop_vcpu;     /* index of the vCPU whose exit stopped it, or
				 * FIEF_STOP_VCPU_NONE */
	uint64_t stop_status;   /* FIEF_STOP_SELF: the status; UNHANDLED: exit code */
	uint64_t stop_addr;     /* FIEF_STOP_MEMORY: the GPA; SHUTDOWN: RIP/PC */
	uint64_t console_written; /* bytes ever written to its console */
	uint32_t console_size;  /* bytes its console buffer keeps */
	uint32_t reserved0;
	char name[FIEF_VM_NAME_MAX]; /* NUL-terminated ("" if unnamed) */
};

FIEF_ABI_STATIC_ASSERT(sizeof(struct fief_vm_info) == 120, "fief_vm_info is 120 bytes");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, id) == 0, "id at 0");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, state) == 4, "state at 4");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, flags) == 8, "flags at 8");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, caps) == 12, "caps at 12");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, vcpu_count) == 16, "vcpu_count at 16");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, vcpu_max) == 20, "vcpu_max at 20");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, memory_size) == 24, "memory_size at 24");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, memory_owned) == 32, "memory_owned at 32");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, memory_borrowed) == 40, "memory_borrowed at 40");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, stop_reason) == 48, "stop_reason at 48");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, stop_vcpu) == 52, "stop_vcpu at 52");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, stop_status) == 56, "stop_status at 56");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, stop_addr) == 64, "stop_addr at 64");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, console_written) == 72, "console_written at 72");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, console_size) == 80, "console_size at 80");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, reserved0) == 84, "reserved0 at 84");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_vm_info, name) == 88, "name at 88");

/* ------------------------------------------------------------------------
 * vCPU registers (FIEF_HC_VCPU_GET_REGS / _SET_REGS). The size argument must
 * equal sizeof the struct of fief's architecture, else FIEF_E_INVAL.
 */

/** struct fief_x86_segment - a segment register, VMCB-style attributes. */
struct fief_x86_segment {
	uint64_t base;
	uint32_t limit;     /* byte granular (G already applied) */
	uint16_t selector;
	uint16_t attrib;    /* type:4 S:1 DPL:2 P:1 AVL:1 L:1 D/B:1 G:1, bits 0..11 */
};

FIEF_ABI_STATIC_ASSERT(sizeof(struct fief_x86_segment) == 16, "fief_x86_segment is 16 bytes");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_segment, base) == 0, "base at 0");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_segment, limit) == 8, "limit at 8");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_segment, selector) == 12, "selector at 12");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_segment, attrib) == 14, "attrib at 14");

/** struct fief_x86_dtable - GDTR or IDTR. */
struct fief_x86_dtable {
	uint64_t base;
	uint32_t limit;
	uint32_t reserved; /* 0 */
};

FIEF_ABI_STATIC_ASSERT(sizeof(struct fief_x86_dtable) == 16, "fief_x86_dtable is 16 bytes");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_dtable, base) == 0, "base at 0");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_dtable, limit) == 8, "limit at 8");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_x86_dtable, reserved) == 12, "reserved at 12");

/* Index of each general register in fief_regs_x86.gpr[] (encoding order). */
enum fief_x86_gpr {
	FIEF_X86_RAX, FIEF_X86_RCX, FIEF_X86_RDX, FIEF_X86_RBX,
	FIEF_X86_RSP, FIEF_X86_RBP, FIEF_X86_RSI, FIEF_X86_RDI,
	FIEF_X86_R8, FIEF_X86_R9, FIEF_X86_R10, FIEF_X86_R11,
	FIEF_X86_R12, FIEF_X86_R13, FIEF_X86_R14, FIEF_X86_R15,
	FIEF_X86_GPR_COUNT
};

/** struct fief_regs_x86 - the architectural state of one x86_64 vCPU. */
struct fief_regs_x86 {
	uint64_t gpr[FIEF_X86_GPR_COUNT]; /* by enum fief_x86_gpr */
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0;
	uint64_t cr2;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t efer;
	uint64_t reserved0; /* 0 */
	struct fief_x86_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct fief_x86_dtable gdtr, idtr;
};

FIEF_ABI_STATIC_ASSERT(sizeof(struct fief_regs_x86) == 352, "fief_regs_x86 is 352 bytes");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, gpr) == 0, "gpr at 0");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, rip) == 128, "rip at 128");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, rflags) == 136, "rflags at 136");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, cr0) == 144, "cr0 at 144");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, cr2) == 152, "cr2 at 152");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, cr3) == 160, "cr3 at 160");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, cr4) == 168, "cr4 at 168");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, efer) == 176, "efer at 176");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, reserved0) == 184, "reserved0 at 184");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, cs) == 192, "cs at 192");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, ds) == 208, "ds at 208");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, es) == 224, "es at 224");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, fs) == 240, "fs at 240");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, gs) == 256, "gs at 256");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, ss) == 272, "ss at 272");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, tr) == 288, "tr at 288");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, ldtr) == 304, "ldtr at 304");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, gdtr) == 320, "gdtr at 320");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_x86, idtr) == 336, "idtr at 336");

/** struct fief_regs_arm64 - the EL1 state of one arm64 vCPU. */
struct fief_regs_arm64 {
	uint64_t x[31];     /* X0..X30 */
	uint64_t pc;
	uint64_t pstate;    /* SPSR_EL2 image: NZCV, DAIF, mode (EL1h = 0x5) */
	uint64_t sp_el0;
	uint64_t sp_el1;
	uint64_t elr_el1;
	uint64_t spsr_el1;
	uint64_t sctlr_el1;
	uint64_t tcr_el1;
	uint64_t ttbr0_el1;
	uint64_t ttbr1_el1;
	uint64_t mair_el1;
	uint64_t vbar_el1;
	uint64_t reserved0; /* 0 */
};

FIEF_ABI_STATIC_ASSERT(sizeof(struct fief_regs_arm64) == 352, "fief_regs_arm64 is 352 bytes");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, x) == 0, "x at 0");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, pc) == 248, "pc at 248");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, pstate) == 256, "pstate at 256");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, sp_el0) == 264, "sp_el0 at 264");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, sp_el1) == 272, "sp_el1 at 272");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, elr_el1) == 280, "elr_el1 at 280");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, spsr_el1) == 288, "spsr_el1 at 288");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, sctlr_el1) == 296, "sctlr_el1 at 296");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, tcr_el1) == 304, "tcr_el1 at 304");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, ttbr0_el1) == 312, "ttbr0_el1 at 312");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, ttbr1_el1) == 320, "ttbr1_el1 at 320");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, mair_el1) == 328, "mair_el1 at 328");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, vbar_el1) == 336, "vbar_el1 at 336");
FIEF_ABI_STATIC_ASSERT(offsetof(struct fief_regs_arm64, reserved0) == 344, "reserved0 at 344");

/* ------------------------------------------------------------------------
 * arm64 SMCCC function identifiers (HVC #0, W0).
 *
 *   bit 31     1: fast call
 *   bit 30     1: SMC64 calling convention
 *   bits 29:24 owner 6: vendor-specific hypervisor service
 *   bits 23:16 0
 *   bits 15:0  the fief call number
 */
#define FIEF_SMCCC_FAST (1u << 31)
#define FIEF_SMCCC_SMC64 (1u << 30)
#define FIEF_SMCCC_OWNER_SHIFT 24
#define FIEF_SMCCC_OWNER_MASK 0x3fu
#define FIEF_SMCCC_OWNER_VENDOR_HYP 6u
#define FIEF_SMCCC_BASE 0xC6000000u
#define FIEF_SMCCC_CALL_MASK 0xffffu
#define FIEF_SMCCC_FN(call) (FIEF_SMCCC_BASE | ((uint32_t)(call) & FIEF_SMCCC_CALL_MASK))

/** fief_smccc_is_fief() - whether W0 = @fid names a fief call. */
static inline int fief_smccc_is_fief(uint32_t fid)
{
	return (fid & ~FIEF_SMCCC_CALL_MASK) == FIEF_SMCCC_BASE &&
	       (fid & FIEF_SMCCC_CALL_MASK) < 0xff00u;
}

/** fief_smccc_call() - the call number in a fief function id. */
static inline uint32_t fief_smccc_call(uint32_t fid)
{
	return fid & FIEF_SMCCC_CALL_MASK;
}

/* ------------------------------------------------------------------------
 * x86 CPUID hypervisor leaves. fief also sets CPUID.1:ECX[31] (hypervisor
 * present) and hides VMX (CPUID.1:ECX[5]) and SVM (CPUID.80000001h:ECX[2]).
 *
 *   leaf 0x40000000: EAX = highest hypervisor leaf (>= 0x40000000),
 *                    EBX, ECX, EDX = "fief", "FIEF", "fief"
 */
#define FIEF_CPUID_LEAF_BASE 0x40000000u
#define FIEF_CPUID_SIGNATURE "fiefFIEFfief"
#define FIEF_CPUID_SIG_EBX 0x66656966u /* "fief" little-endian */
#define FIEF_CPUID_SIG_ECX 0x46454946u /* "FIEF" */
#define FIEF_CPUID_SIG_EDX 0x66656966u /* "fief" */

/* x86 hypercall instructions, as bytes (for decoders and patching). */
#define FIEF_X86_VMCALL_BYTES 0x0f, 0x01, 0xc1  /* Intel VMX */
#define FIEF_X86_VMMCALL_BYTES 0x0f, 0x01, 0xd9 /* AMD SVM */
#define FIEF_X86_HC_INSN_LEN 3u

#endif
