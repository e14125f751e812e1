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

#include "arch/x86/smp.h"
#include "arch/x86/vioapic.h"
#include "core/arch.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"

#define RFLAGS_IF (1ull << 9)

enum x86_exit_kind {
	X86_EXIT_NONE = 0,   /* handled inside the backend */
	X86_EXIT_CPUID,
	X86_EXIT_RDMSR,
	X86_EXIT_WRMSR,
	X86_EXIT_IO,
	X86_EXIT_HLT,
	X86_EXIT_NPF,        /* stage-2 (NPT/EPT) violation */
	X86_EXIT_INTR,       /* a physical interrupt is pending */
	X86_EXIT_SHUTDOWN,   /* triple fault */
	X86_EXIT_UD,         /* an instruction fief hides: inject #UD */
	X86_EXIT_XSETBV,     /* XSETBV: checked against what fief exposes */
	X86_EXIT_INVD,       /* INVD: done as WBINVD (others' dirty lines stay) */
	X86_EXIT_RDPMC,      /* RDPMC: no counters are exposed (#GP) */
	X86_EXIT_FAILED,     /* entry failed or an exit fief does not know */
};

struct x86_exit {
	enum x86_exit_kind kind;
	uint8_t insn_len;  /* bytes of the exiting instruction, when known; the
			    * policy sets 0 if it did not complete, and the
			    * backend advances RIP by what is left */
	struct {
		uint16_t port;
		uint8_t size;  /* 1, 2 or 4 */
		bool in, string, rep;
	} io;
	uint64_t gpa;      /* NPF */
	bool write, exec;  /* NPF */
	uint64_t rip;      /* SHUTDOWN: where the guest was */
	uint64_t code;     /* FAILED, IO: the backend's raw exit code (SVM
			    * EXITCODE, VMX exit reason), for the stop status;
			    * 0 when VM entry itself did not happen */
	char why[80];      /* FAILED */
};

/** The guest's control state, as it sees it (x86_virt_guest_mode()). */
struct x86_guest_mode {
	uint64_t cr0, cr4, rflags;
	uint8_t cpl;
};

/** What decides whether an interrupt can be injected now (event_state). */
struct x86_event_state {
	bool busy;        /* an event is already queued for the next entry */
	bool blocked;     /* RFLAGS.IF clear, or an STI / MOV SS shadow */
	bool nmi_blocked; /* an NMI cannot be taken now */
};

/*
 * What a backend's exit function tells its world-switch loop (svm_run.S,
 * vmx_run.S) after an exit.
 */
enum x86_next {
	X86_LEAVE = 0,     /* back to arch_vcpu_run() and the core */
	X86_ENTER_RAX = 1, /* enter again: only RAX changed (a hypercall's result),
			    * so the registers a C call preserves (RBX, RBP,
			    * R12-R15) still hold the guest's and are not
			    * loaded again; 1 so that the hypercall path
			    * returns its bool as it is (SETcc, MOVZX) */
	X86_ENTER = 2,     /* enter again: any guest register may have changed */
};

/*
 * What a backend's world-switch loop carries from exit to exit: the vCPU,
 * the last exit as decoded, and what the core is told when the loop ends.
 */
struct x86_run {
	struct vcpu *v;
	struct vcpu_exit *out;
	struct x86_exit x;
};

/** The guest's state at its first entry (docs/vm.md, x86 boot protocol). */
struct x86_boot_state {
	uint64_t cr0, cr3, cr4, efer, rip, rsp, rflags;
	uint64_t gdt_base;
	uint16_t gdt_limit;
};

/*
 * A backend. Every member is mandatory unless its comment says it may be
 * NULL; callers go through the x86_virt_*() wrappers below, never the
 * table itself.
 */
/*
 * A backend's operations. Called only through the x86_virt_*() wrappers
 * below. "Mandatory": every backend sets it; "optional": NULL is allowed
 * and the wrapper says what it means.
 */
struct x86_virt_ops {
	const char *name; /* mandatory */
	/** Mandatory. Enable the extension on the calling CPU. */
	int (*cpu_enable)(void);
	/** Mandatory. Build the control structure of a new vCPU. */
	int (*vcpu_init)(struct vcpu *v, const struct x86_boot_state *s);
	/**
	 * Mandatory. Run the guest: enter it, and after each exit apply the x86 policy
	 * (x86_exit_hypercall() or x86_exit_stay()), entering again at once
	 * while it says so. On return @out says why the guest left
	 * (VCPU_EXIT_NONE: see core/arch.h).
	 */
	void (*vcpu_run)(struct vcpu *v, struct vcpu_exit *out);
	/** Mandatory. Make the next entry deliver an exception. */
	void (*inject)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	/**
	 * Mandatory, all three: hardware event injection for the vLAPIC
	 * (arch/x86/event.c), with the vCPU's control structure current, during
	 * an exit or before an entry. event_state() says what blocks an
	 * interrupt; inject_irq() queues external interrupt @vector (or an NMI)
	 * for the next entry; irq_window() asks for an exit as soon as the
	 * guest can take an interrupt (SVM: V_IRQ + VINTR intercept; VMX:
	 * interrupt-window exiting), which the backend decodes by setting the
	 * vLAPIC's pending word.
	 */
	void (*event_state)(struct vcpu *v, struct x86_event_state *s);
	void (*inject_irq)(struct vcpu *v, uint8_t vector, bool nmi);
	void (*irq_window)(struct vcpu *v);
	/**
	 * Mandatory, both. MSRs whose value lives in the control structure.
	 * Return: 0, or FIEF_ENOENT if the backend does not hold @msr.
	 */
	int (*msr_read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	int (*msr_write)(struct vcpu *v, uint32_t msr, uint64_t val);
	/** Mandatory. The guest's CR0, CR4 (its view) and CPL, during an exit. */
	void (*guest_mode)(struct vcpu *v, struct x86_guest_mode *m);
	/**
	 * Optional, both or neither. The registers the control structure holds (RIP, RSP, RFLAGS, CRs,
	 * EFER, segments, descriptor tables) into or out of @r; the GPRs are
	 * arch/x86/regs.c's. Set gets values regs.c has validated and may
	 * refuse more (FIEF_EINVAL) before changing anything. May be NULL:
	 * the backend does not offer them (FIEF_ENOTSUP).
	 */
	void (*regs_get)(struct vcpu *v, struct fief_regs_x86 *r);
	int (*regs_set)(struct vcpu *v, const struct fief_regs_x86 *r);
	/** Optional. The vCPU's turn on this CPU ended (arch_vcpu_leave()):
	 * let go of what only this CPU holds of it. May be NULL: nothing. */
	void (*vcpu_leave)(struct vcpu *v);
	/** Optional. Free the control structure of a vCPU no CPU runs. May
	 * be NULL: the structure is kept. */
	void (*vcpu_destroy)(struct vcpu *v);
	const struct pt_format *stage2; /* mandatory: the EPT or NPT format */
};

extern const struct x86_virt_ops x86_svm_ops;
extern const struct x86_virt_ops x86_vmx_ops;

/*
 * The globals every exit reads: hidden, so that the -fpic code reaches
 * them RIP-relative, without loading their address from the GOT first
 * (the linker turns that load into a MOV of the address, still one
 * instruction more per access).
 */
#define X86_HOT_GLOBAL __attribute__((visibility("hidden")))

/** Bumped on every stage-2 invalidation (arch/x86/mm.c): a vCPU whose
 * flush_gen is older flushes its guest TLB before it next enters. */
extern uint64_t x86_s2_flush_gen X86_HOT_GLOBAL;

/*
 * Per CPU: the vCPU it runs in guest mode or is about to enter, NULL while
 * fief handles an exit or runs no guest. A stage-2 invalidation
 * (arch/x86/mm.c) bumps x86_s2_flush_gen, then interrupts every other CPU
 * that holds a vCPU of the changed tables here and waits until that CPU has
 * let go of it: the CPU then flushes before it enters again. Set with a
 * full barrier before the last look at x86_s2_flush_gen, so that one of the
 * two sides always sees the other.
 */
extern struct vcpu *x86_guest_vcpu[X86_CPUS_MAX] X86_HOT_GLOBAL;

/** The backend chosen at boot (NULL if none usable). */
extern const struct x86_virt_ops *x86_virt;

/* The backend's operations, for code that runs only once one was chosen
 * (x86_virt is set: every vCPU exists only then). */

static inline int x86_virt_cpu_enable(void)
{
	return x86_virt->cpu_enable();
}

static inline int x86_virt_vcpu_init(struct vcpu *v, const struct x86_boot_state *s)
{
	return x86_virt->vcpu_init(v, s);
}

static inline void x86_virt_vcpu_run(struct vcpu *v, struct vcpu_exit *out)
{
	x86_virt->vcpu_run(v, out);
}

static inline void x86_virt_inject(struct vcpu *v, uint8_t vector, bool has_error,
				   uint32_t error)
{
	x86_virt->inject(v, vector, has_error, error);
}

static inline int x86_virt_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	return x86_virt->msr_read(v, msr, val);
}

static inline int x86_virt_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	return x86_virt->msr_write(v, msr, val);
}

static inline void x86_virt_guest_mode(struct vcpu *v, struct x86_guest_mode *m)
{
	x86_virt->guest_mode(v, m);
}

/** Return: 0, or FIEF_ENOTSUP if the backend cannot read registers. */
static inline int x86_virt_regs_get(struct vcpu *v, struct fief_regs_x86 *r)
{
	if (!x86_virt->regs_get)
		return FIEF_ENOTSUP;
	x86_virt->regs_get(v, r);
	return 0;
}

/** Return: 0, FIEF_EINVAL, or FIEF_ENOTSUP if the backend cannot set them. */
static inline int x86_virt_regs_set(struct vcpu *v, const struct fief_regs_x86 *r)
{
	return x86_virt->regs_set ? x86_virt->regs_set(v, r) : FIEF_ENOTSUP;
}

static inline void x86_virt_vcpu_leave(struct vcpu *v)
{
	if (x86_virt->vcpu_leave)
		x86_virt->vcpu_leave(v);
}

static inline void x86_virt_vcpu_destroy(struct vcpu *v)
{
	if (x86_virt->vcpu_destroy)
		x86_virt->vcpu_destroy(v);
}

/**
 * x86_exit_other() - the x86-common policy for every exit but a hypercall
 * (CPUID, MSRs, port I/O, HLT, faults, interrupts); fills @out for the core.
 * Backends decode hypercalls in line and call x86_exit_hypercall().
 * A physical interrupt is only noted (VCPU_EXIT_PREEMPT): arch_vcpu_run()
 * takes it once the backend has left its loop.
 * Return: false if the vCPU must leave its CPU, which is exactly when
 * @out->reason was set (it is VCPU_EXIT_NONE on the way in).
 */
bool x86_exit_other(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out);

/**
 * x86_event_entry() - before an entry: inject what the vLAPIC has for the
 * guest (or ask for a window), when its pending word is set. Cold: the
 * entry paths test the word first (arch/x86/event.c).
 */
void x86_event_entry(struct vcpu *v);

/*
 * The one test of the entry paths: one load and a branch, a compare with
 * the word in memory (CMP m32, 0; JNE). A C load, volatile as
 * ARCH_LOAD_RELAXED() is, costs a MOV, a TEST and the JNE: GCC does not
 * fold a volatile or atomic load into the compare. A single aligned load
 * either way, so the ordering is the same (docs/events.md, injection).
 */
static inline void x86_event_check(struct vcpu *v)
{
	__asm__ goto("cmpl $0, %0\n\tjne %l[pending]"
		     : : "m"(v->arch.vlapic.pending) : "cc" : pending);
	return;
pending:
	x86_event_entry(v);
}

/* The vCPU, in state @s, may enter again at once: it and its VM still
 * run, and no stage-2 flush is pending. Announces guest mode
 * (x86_guest_vcpu) first; the backend withdraws it when its loop ends.
 * Injects a pending interrupt first (x86_event_check()). */
static inline bool x86_vcpu_stays_in(struct vcpu *v, enum vcpu_state s)
{
	if (s != VCPU_STATE_RUNNABLE || !vm_runs_now(v->vm))
		return false;
	x86_event_check(v);
	__atomic_store_n(&x86_guest_vcpu[v->pcpu], v, __ATOMIC_SEQ_CST);
	return v->arch.flush_gen == __atomic_load_n(&x86_s2_flush_gen, __ATOMIC_SEQ_CST);
}

static inline bool x86_vcpu_stays(struct vcpu *v)
{
	return x86_vcpu_stays_in(v, vcpu_state(v));
}

/**
 * x86_exit_hypercall() - the policy for a hypercall, the hottest exit, in
 * line in each backend's exit path (@cpl0: the guest ran at CPL 0): it
 * goes straight to the core's dispatcher (the one place for the calls'
 * policy and ABI error codes), and only the guest's kernel may call
 * (docs/abi.md). No call reads its caller's RIP, so the backend may move
 * past the instruction before or after, and none changes a register of
 * its caller but RAX (register calls need a VM that is not running), so
 * the backend may answer X86_ENTER_RAX. A management call may use other
 * vCPUs' control structures on this CPU (VMX: makes their VMCS current).
 * Return: true to enter the guest again at once (see x86_exit_stay()).
 */
static inline bool x86_exit_hypercall(struct vcpu *v, bool cpl0)
{
	int64_t r = FIEF_E_PERM;
	enum vcpu_state s;

	s = cpl0 ? hypercall_run(v, v->arch.gpr.rax, v->arch.gpr.hc_arg, &r) : vcpu_state(v);
	/* One test on the way back in: a runnable vCPU (the rest of
	 * x86_vcpu_stays_in()'s state test folds away). */
	if (__builtin_expect(s != VCPU_STATE_RUNNABLE, 0)) {
		if (s != VCPU_STATE_STOPPED) /* else RAX keeps the call number for the record */
			v->arch.gpr.rax = (uint64_t)r;
		return false;
	}
	v->arch.gpr.rax = (uint64_t)r;
	return x86_vcpu_stays_in(v, s);
}

/**
 * x86_exit_stay() - the x86-common policy for one decoded exit other than
 * a hypercall, from inside a backend's world-switch loop with interrupts
 * off (and GIF clear on SVM). The backend then advances RIP by
 * @x->insn_len (0 unless the exiting instruction completed), whether it
 * stays or not.
 * Return: true to enter the guest again at once: the exit is handled, the
 * vCPU and its VM still run, and no stage-2 flush is pending.
 */
static inline bool x86_exit_stay(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out)
{
	if (!x86_exit_other(v, x, out))
		return false;
	return x86_vcpu_stays(v);
}

/**
 * x86_gpr_slot() - where fief keeps general register @i (enum
 * fief_x86_gpr) of a vCPU while it handles an exit; NULL for RSP, which the
 * backend keeps (x86_virt_regs_get()).
 */
uint64_t *x86_gpr_slot(struct x86_gprs *g, unsigned i);

/**
 * x86_mmio() - an NPF at a guest-physical address where the VM has an
 * emulated device (its virtual I/O APIC at 0xFEC00000, or in xAPIC mode
 * the vCPU's local APIC page at its APIC base): decode the
 * instruction at the guest's RIP (arch/x86/insn.h), do the access, set the
 * register of a load and @x->insn_len so the backend moves past it.
 * Return: false if no emulated device is there (the fault is the core's);
 * true if handled, with @out->reason VCPU_EXIT_FAILED and a reason if the
 * instruction could not be emulated.
 */
bool x86_mmio(struct vcpu *v, struct x86_exit *x, struct vcpu_exit *out);

/**
 * x86_ioapic_send() - deliver @n messages of @vm's virtual I/O APIC to its
 * virtual local APICs. Any CPU, the I/O APIC's lock not held.
 */
void x86_ioapic_send(struct vm *vm, const struct vioapic_msg *m, uint32_t n);

/* ---- The vLAPIC's glue (arch/x86/event.c) ---- */

/**
 * x86_vlapic_msr() - an access to IA32_APIC_BASE, IA32_TSC_DEADLINE or an
 * x2APIC MSR (0x800-0x8ff) by @v. Return: 1 if @msr is not one of them,
 * 0 done, -1 to raise #GP.
 */
int x86_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

static inline bool x86_vlapic_msr_is(uint32_t msr)
{
	return (msr & ~0xffu) == VLAPIC_MSR_BASE || msr == VLAPIC_MSR_APIC_BASE ||
	       msr == VLAPIC_MSR_TSC_DEADLINE;
}

/**
 * x86_vlapic_eoi() - an EOI by @v: ends the highest vector in service and,
 * if it was level-triggered, broadcasts it to the VM's I/O APIC.
 */
void x86_vlapic_eoi(struct vcpu *v);

/** x86_vlapic_xapic_at() - whether @gpa is in @v's xAPIC page (xAPIC mode). */
bool x86_vlapic_xapic_at(struct vcpu *v, uint64_t gpa);

/**
 * x86_vlapic_mmio() - a 32-bit access by @v at offset @off of its xAPIC
 * page (arch/x86/mmio.c). Return: the value read (0 for a write).
 */
uint32_t x86_vlapic_mmio(struct vcpu *v, uint32_t off, bool write, uint32_t val);

#define X2APIC_MSR_EOI (VLAPIC_MSR_BASE + (VLAPIC_EOI >> 4))           /* 0x80b */
#define X2APIC_MSR_SELF_IPI (VLAPIC_MSR_BASE + (VLAPIC_SELF_IPI >> 4))  /* 0x83f */

/**
 * x86_vlapic_wrmsr_fast() - a WRMSR by @v (ECX, EDX:EAX in its registers)
 * to x2APIC EOI or SELF_IPI, the two registers an interrupt's round trip
 * writes, done without the general MSR policy (no TSC read, no register
 * switch): the backends try it when they decode a WRMSR. An interrupt it
 * makes deliverable sets the vLAPIC's pending word, so the same re-entry
 * injects it (x86_vcpu_stays()). Return: true if done (the WRMSR
 * completed); false for any other MSR, and for every case the
 * architecture answers otherwise (#GP outside x2APIC mode or for reserved
 * bits, ESR for an illegal vector): x86_exit_other() then handles it.
 */
bool x86_vlapic_wrmsr_fast(struct vcpu *v);

/**
 * x86_init_sipi() - before @v runs, if an INIT or STARTUP IPI came: after
 * an INIT the vCPU waits for a STARTUP (@exit VCPU_EXIT_HALT: it sleeps
 * until one arrives, arch_vcpu_wakeup_pending()); a STARTUP then loads the
 * real-mode state at the vector's page and resets its local APIC.
 * Return: true if @exit says why @v does not enter now.
 */
bool x86_init_sipi(struct vcpu *v, struct vcpu_exit *exit);

/** x86_vlapic_set_cr8() - MOV to CR8 (VMX): TPR = @val << 4. */
void x86_vlapic_set_cr8(struct vcpu *v, uint64_t val);

/** x86_vlapic_reset() - @v's vLAPIC to its power-on state (vCPU creation). */
void x86_vlapic_reset(struct vcpu *v);

/* fief's own timer (arch/x86/event.c): one-shot at min(the slice's end,
 * the running vCPU's deadline). */
/** x86_timer_enter() - before @v enters: arm the timer, fire a due vCPU timer. */
void x86_timer_enter(struct vcpu *v);
/** x86_timer_after_intr() - after a physical interrupt ended @v's run:
 * fire its timer if due. Return: true if the slice is over. */
bool x86_timer_after_intr(struct vcpu *v);
/** x86_timer_turn_end() - @v's turn on this CPU ended: the next gets a fresh slice. */
void x86_timer_turn_end(struct vcpu *v);

/** x86_guest_boot() - write the boot structures; fill the first state. */
int x86_guest_boot(struct vcpu *v, gpaddr_t entry, struct x86_boot_state *s);

#endif
