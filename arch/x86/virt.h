/* SPDX-License-Identifier: MIT */
/*
 * The x86 virtualization backends (SVM, VMX) behind one const ops table,
 * chosen once at boot. A backend only sets up, enters and decodes: every
 * exit is turned into a struct x86_exit, and the policy for each reason
 * lives once, in arch/x86/exit.c (x86-common) or core/ (arch-neutral).
 */
#ifndef FIEF_ARCH_X86_VIRT_H
#define FIEF_ARCH_X86_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arch.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"

enum x86_exit_kind {
	X86_EXIT_NONE = 0,   /* handled inside the backend */
	X86_EXIT_CPUID,
	X86_EXIT_RDMSR,
	X86_EXIT_WRMSR,
	X86_EXIT_IO,
	X86_EXIT_HLT,
	X86_EXIT_HYPERCALL,
	X86_EXIT_NPF,        /* stage-2 (NPT/EPT) violation */
	X86_EXIT_INTR,       /* a physical interrupt is pending */
	X86_EXIT_SHUTDOWN,   /* triple fault */
	X86_EXIT_UD,         /* an instruction fief hides: inject #UD */
	X86_EXIT_FAILED,     /* entry failed or an exit fief does not know */
};

struct x86_exit {
	enum x86_exit_kind kind;
	uint8_t insn_len;  /* bytes of the exiting instruction, when known */
	uint8_t cpl;       /* the guest's privilege level at the exit */
	uint64_t raw;      /* the backend's own exit code, for messages */
	struct {
		uint16_t port;
		uint8_t size;  /* 1, 2 or 4 */
		bool in, string, rep;
	} io;
	uint64_t gpa;      /* NPF */
	bool write, exec;  /* NPF */
	char why[80];      /* FAILED */
};

/** The guest's state at its first entry (docs/vm.md, x86 boot protocol). */
struct x86_boot_state {
	uint64_t cr0, cr3, cr4, efer, rip, rsp, rflags;
	uint64_t gdt_base;
	uint16_t gdt_limit;
};

struct x86_virt_ops {
	const char *name;
	/** Enable the extension on the calling CPU. */
	int (*cpu_enable)(void);
	/** Build the control structure of a new vCPU. */
	int (*vcpu_init)(struct vcpu *v, const struct x86_boot_state *s);
	/** Enter the guest; on return @x says why it left. */
	void (*vcpu_run)(struct vcpu *v, struct x86_exit *x);
	/** Advance the guest's RIP past the exiting instruction. */
	void (*skip)(struct vcpu *v, uint8_t len);
	/** Make the next entry deliver an exception. */
	void (*inject)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	/**
	 * MSRs whose value lives in the control structure.
	 * Return: 0, or FIEF_ENOENT if the backend does not hold @msr.
	 */
	int (*msr_read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*msr_write)(struct vcpu *v, uint32_t msr, uint64_t val);
	/**
	 * The registers the control structure holds (RIP, RSP, RFLAGS, CRs,
	 * EFER, segments, descriptor tables) into or out of @r; the GPRs are
	 * arch/x86/regs.c's. Set gets values regs.c has validated and may
	 * refuse more (FIEF_EINVAL) before changing anything. NULL: the
	 * backend does not offer it (FIEF_ENOTSUP).
	 */
	void (*regs_get)(struct vcpu *v, struct fief_regs_x86 *r);
	int (*regs_set)(struct vcpu *v, const struct fief_regs_x86 *r);
	/** Free the control structure of a vCPU no CPU runs (NULL: kept). */
	void (*vcpu_destroy)(struct vcpu *v);
	const struct pt_format *stage2;
};

extern const struct x86_virt_ops x86_svm_ops;
extern const struct x86_virt_ops x86_vmx_ops;

/** The backend chosen at boot (NULL if none usable). */
extern const struct x86_virt_ops *x86_virt;

/**
 * x86_handle_exit() - the x86-common policy for one exit (CPUID, MSRs,
 * port I/O, HLT, hypercalls, faults, interrupts); fills @out for the core.
 */
void x86_handle_exit(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out);

/** x86_guest_boot() - write the boot structures; fill the first state. */
int x86_guest_boot(struct vcpu *v, gpaddr_t entry, struct x86_boot_state *s);

#endif
