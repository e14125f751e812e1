/* SPDX-License-Identifier: MIT */
/*
 * Virtual machines and their vCPUs.
 *
 * VMs are created at boot from fief.cfg (vm_create()) or at run time by a
 * manager (vm_create_empty(), core/mgmt_*.c). VM 0 is the host: its memory
 * is the host's identity-mapped stage-2 (mm_host()). A guest gets memory
 * donated from the host (mm_host_donate_guest()), so the host loses access
 * to it. A VM's id (the guest-abi id) is its slot index; the host is
 * created first, in slot 0.
 *
 * Locking (docs/locking.md): a vCPU is run and changed only by the physical
 * CPU it is pinned to, and only while its `running` marker is set, which
 * that CPU sets under the VM lock after checking that the VM is RUNNING and
 * the vCPU RUNNABLE. A VM's state, stop reason and the vCPUs' states are
 * written under its lock; pause and destroy change the state, then wait
 * until no `running` marker of the VM is set. The console line buffer
 * belongs to the CPU that writes it, under the VM lock.
 */
#ifndef FIEF_CORE_VM_H
#define FIEF_CORE_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch_vcpu.h" /* per-arch include dir: struct arch_vcpu */
#include "arch_vm.h"   /* per-arch include dir: struct arch_vm */
#include "core/config.h"
#include "core/irq.h"
#include "lib/addr.h"
#include "lib/assert.h"
#include "lib/spinlock.h"
#include "mm/own.h"

#define VM_MAX FIEF_MAX_VMS
#define VM_STOP_REASON_MAX 96
#define VM_CONSOLE_LINE 160
#define VM_CONSOLE_RING 4096

enum vm_state {
	VM_STATE_FREE = 0,
	VM_STATE_RUNNING = 1,
	VM_STATE_STOPPED = 2,
	VM_STATE_CREATED = 3, /* made by a manager, never started */
	VM_STATE_PAUSED = 4,  /* paused by a manager: no vCPU is scheduled */
	VM_STATE_DYING = 5,   /* being destroyed: no call may name it */
};

enum vcpu_state {
	VCPU_STATE_RUNNABLE = 0,
	VCPU_STATE_HALTED = 1,  /* HLT/WFI: sleeps until an event arrives */
	VCPU_STATE_STOPPED = 2, /* its VM stopped */
	VCPU_STATE_YIELDED = 3, /* FIEF_HC_YIELD: runnable, but leaves its CPU now;
				 * the run loop makes it RUNNABLE again */
};

struct vm;

struct vcpu {
	/* Read without the VM lock by every CPU's run loop (pick(), any
	 * runnable), by kicks and by the vCPU's own exit path while another
	 * CPU stops it: always accessed with atomics (vcpu_vm(), vcpu_state(),
	 * ...), and cleared so when the slot is reset. */
	struct vm *vm;         /* set at creation; NULL: the slot is unused */
	uint32_t pcpu;         /* set at creation: the physical CPU it is pinned to */
	enum vcpu_state state; /* its pcpu; VM lock to stop it */
	bool running;          /* set by its pcpu under the VM lock; cleared by it */
	/* The rest: its own CPU's while it runs, else under the VM lock. */
	uint32_t index;        /* const: its slot in vm->vcpu[] */
	uint64_t exits;        /* its pcpu: exits handled, for statistics */
	uint64_t wake_at;      /* its pcpu writes (vcpu_set_wake_at()): arch_counter() value
				* at which its virtual timer needs a look, 0: none
				* (core/event.h); others read it relaxed */
	struct arch_vcpu arch; /* its pcpu while running; else the VM lock */
};

/** vcpu_vm() - @v's VM, NULL if the slot is unused (any CPU, no lock). */
static inline struct vm *vcpu_vm(const struct vcpu *v)
{
	return __atomic_load_n(&v->vm, __ATOMIC_ACQUIRE);
}

/**
 * vcpu_state() - @v's state now; another CPU may stop it at any time. A
 * snapshot without ordering (a plain load on x86 and arm64, so the exit
 * path pays nothing): what depends on it is decided again under the VM
 * lock (vm_begin_run()).
 */
static inline enum vcpu_state vcpu_state(const struct vcpu *v)
{
	return ARCH_LOAD_RELAXED(&v->state);
}

/** vcpu_wake_at() - @v's timer deadline (core/event.h), read on any CPU. */
static inline uint64_t vcpu_wake_at(const struct vcpu *v)
{
	return ARCH_LOAD_RELAXED(&v->wake_at);
}

/** vcpu_set_wake_at() - set it; only @v's own CPU does. */
static inline void vcpu_set_wake_at(struct vcpu *v, uint64_t t)
{
	__atomic_store_n(&v->wake_at, t, __ATOMIC_RELAXED);
}

/** vcpu_pcpu() - the CPU @v is pinned to (any CPU, no lock). */
static inline uint32_t vcpu_pcpu(const struct vcpu *v)
{
	return ARCH_LOAD_RELAXED(&v->pcpu);
}

struct vm_console {
	char line[VM_CONSOLE_LINE]; /* the line being written, not yet shown */
	uint32_t len;
	char ring[VM_CONSOLE_RING]; /* everything written, newest last */
	uint64_t total;             /* bytes ever written; ring index = total % size */
};

struct vm {
	struct spinlock lock;       /* first: a slot's reset keeps it */
	enum vm_state state;        /* lock to write (release); read anywhere with
				     * vm_state(): RUNNING may end any time */
	struct irqchip irq;         /* its own rules (core/irq.h); a slot's reset keeps it */
	uint16_t id;                /* const: mm owner id (0 for the host) */
	uint32_t slot;              /* const: the guest-abi VM id */
	uint32_t flags;             /* const: FIEF_VM_F_* */
	bool inspectable;           /* const: copy-out and get-regs allowed while paused */
	int32_t creator;            /* mgmt lock: slot of the VM that created it; -1: fief.cfg,
				     * or its creator was destroyed */
	bool carved;                /* const: its memory was carved at boot (fief.cfg guests) */
	char name[CONFIG_NAME_MAX + 1]; /* const */
	bool host;                  /* const */
	bool manage;                /* const: may make management calls (fief.cfg, FIEF_VM_F_MANAGE) */
	enum vm_state destroy_from; /* lock: the state a destroy found it in */
	uint32_t stop_code;         /* lock: FIEF_STOP_* (guest-abi) */
	uint64_t stop_status;       /* lock: FIEF_STOP_SELF status, exit code, ... */
	uint32_t stop_vcpu;         /* lock: the vCPU that caused the stop (FIEF_STOP_VCPU_NONE) */
	char stop_reason[VM_STOP_REASON_MAX]; /* lock */
	gpaddr_t gpa_base;          /* const: first GPA of its memory (0, or the host's first RAM on arm64) */
	uint64_t mem_size;          /* const: bytes of guest-physical memory */
	paddr_t mem_base;           /* const: host-physical base (host: 0; run-time guests: none) */
	struct mm_vm *mm;           /* const: mm_host() or &guest_mm */
	struct mm_vm guest_mm;      /* guests: their stage-2 */
	uint32_t vcpu_count;        /* lock: vCPUs created (config VMs: const) */
	uint32_t vcpu_max;          /* const: vCPUs it may have */
	struct vcpu vcpu[FIEF_MAX_VCPUS]; /* slot i is vCPU i; see struct vcpu */
	struct vm_console console;  /* lock */
	struct arch_vm arch;        /* its virtual interrupt controller: the arch's
				     * rules, reached through core/irq.h's irqchip */
};

/**
 * vm_state() - @vm's state now, read without its lock. Under the
 * management lock every state but RUNNING stays as read (only management
 * calls leave CREATED, PAUSED and STOPPED, and DYING only ends in a free
 * slot); RUNNING and PAUSED may become STOPPED at any time (vm_stop() from
 * a vCPU's exit on another CPU). A caller that needs RUNNING to last takes
 * the VM lock (vm_lock()).
 */
static inline enum vm_state vm_state(const struct vm *vm)
{
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
}

/**
 * vm_runs_now() - whether @vm is RUNNING, for a vCPU's exit path deciding
 * whether to enter the guest again: a snapshot without ordering (a plain
 * load; arm64's acquire load would cost an instruction on the hottest
 * path). A pause or stop also kicks the vCPU's CPU, so a stale answer
 * lasts one more guest entry at most.
 */
static inline bool vm_runs_now(const struct vm *vm)
{
	return ARCH_LOAD_RELAXED(&vm->state) == VM_STATE_RUNNING;
}

/** Proof that a VM's lock is held (docs/locking.md). */
struct vm_locked {
	struct vm *vm;
};

/** vm_lock() - take @vm's lock. */
static inline struct vm_locked vm_lock(struct vm *vm)
{
	spin_lock(&vm->lock);
	return (struct vm_locked){ vm };
}

/** vm_unlock() - release it; the token is cleared. */
static inline void vm_unlock(struct vm_locked *l)
{
	spin_unlock(&l->vm->lock);
	l->vm = NULL;
}

/** vm_locked_check() - assert @l proves its VM's lock is held. */
#define vm_locked_check(l) FIEF_ASSERT((l).vm && spin_is_locked(&(l).vm->lock))

/** vm_init() - no VMs; guest memory is carved afresh (after mm_boot()). */
void vm_init(void);

/**
 * vm_create() - build a VM from a checked config section: memory, image,
 * vCPUs. On error the VM is left unused and a message names the reason.
 * @cv:  a valid section of the configuration.
 * @bi:  the boot information (for the image file).
 * @cpus_online: physical CPUs running; vCPUs pinned elsewhere are refused.
 * Return: 0; FIEF_ERANGE (a vCPU pinned to a CPU that is not online), FIEF_ENOMEM, FIEF_EFORMAT (bad image), FIEF_ERANGE (image
 * does not fit), FIEF_ENOSPC (too many VMs) or an mm error.
 */
int vm_create(const struct config_vm *cv, const struct boot_info *bi, uint32_t cpus_online);

/**
 * vm_publish_boot_info() - write @vm's boot information page
 * (guest-abi/fief_boot.h). Call once every VM exists: the host's map marks
 * the guests' memory. Return: 0, or FIEF_ERANGE if the page is not in the
 * VM's memory.
 */
int vm_publish_boot_info(struct vm *vm, const struct boot_info *bi);

/** vm_get() - the @i-th VM slot (i < VM_MAX), or NULL if unused. */
struct vm *vm_get(uint32_t i);

/**
 * vm_host_pa() - the host-physical address of the host VM's @gpa: the host
 * is identity mapped (the one place core/ says so; mm's is host_ia()).
 */
static inline paddr_t vm_host_pa(gpaddr_t gpa)
{
	return pa_init(gpa_addr(gpa));
}

/**
 * vm_gpa_ptr() - fief's pointer to [gpa, gpa + size) of @vm's memory.
 * Return: the pointer, or NULL unless the range lies in [0, mem_size), is
 * all memory the VM owns (a guest: OWNED or SHARED_OWNED in its stage-2;
 * the host: pages it owns exclusively) and is one physically contiguous
 * run (guests whose memory a manager donated piecewise may not be).
 * The host's GPA 0 (physical page 0) is never handed out.
 */
void *vm_gpa_ptr(const struct vm *vm, gpaddr_t gpa, uint64_t size);

/**
 * vm_buffer_ptr() - fief's pointer to a buffer a VM names in a call:
 * [gpa, gpa + size) must be memory it owns or borrows (the host: RAM whose
 * every page is the host's or lent to it; a guest: mapped in its stage-2
 * and inside its memory), physically contiguous. Return: the pointer or
 * NULL.
 */
void *vm_buffer_ptr(const struct vm *vm, gpaddr_t gpa, uint64_t size);

/**
 * vm_memory_count() - bytes of its span [gpa_base, gpa_base + mem_size)
 * that @vm owns (OWNED, SHARED_OWNED; for the host also RAM not mapped yet)
 * and that another VM lends it (SHARED_BORROWED).
 */
void vm_memory_count(const struct vm *vm, uint64_t *owned, uint64_t *borrowed);

/**
 * vm_create_empty() - a run-time guest: a free slot, an empty stage-2, no
 * memory and no vCPUs; state CREATED.
 * @mem_size: its guest-physical space [0, mem_size), page aligned.
 * @vcpu_max: 1 .. FIEF_MAX_VCPUS.
 * @flags:    FIEF_VM_F_* (checked by the caller).
 * @creator:  the slot of the VM asking.
 * Return: the VM, or NULL with *err = FIEF_ENOSPC (no slot) or an error of
 * mm_guest_init() (FIEF_ENOMEM).
 */
struct vm *vm_create_empty(uint64_t mem_size, uint32_t vcpu_max, uint32_t flags,
			   uint32_t creator, int *err);

/**
 * vm_vcpu_create() - vCPU @index of a CREATED VM, pinned to @pcpu, at the
 * start of the arch's boot protocol with entry 0 (its registers are set
 * later). Return: 0; FIEF_EINVAL (index, CPU), FIEF_EEXIST, FIEF_EBUSY (the
 * VM is not CREATED), or the arch's error (FIEF_ERANGE: the boot area is not
 * the VM's memory; FIEF_ENOMEM).
 */
int vm_vcpu_create(struct vm *vm, uint32_t index, uint32_t pcpu);

/** vm_cpus_online() - physical CPUs that run vCPUs (from boot). */
uint32_t vm_cpus_online(void);

/**
 * vm_start() - CREATED -> RUNNING. Writes the boot information page if
 * the VM owns it. Return: 0, FIEF_EBUSY (state), FIEF_EINVAL (no vCPU).
 */
int vm_start(struct vm *vm);

/**
 * vm_pause_begin() - RUNNING -> PAUSED, and every CPU running one of its
 * vCPUs is kicked. Return: 0 or FIEF_EBUSY (not RUNNING).
 */
int vm_pause_begin(struct vm *vm);

/**
 * vm_pause_wait() - after vm_pause_begin(), without the management lock:
 * wait until no vCPU of @vm runs, or it is no longer PAUSED (resumed or
 * destroyed meanwhile), or @caller itself stopped running (paused by
 * another manager: two managers pausing each other do not wait forever).
 */
void vm_pause_wait(struct vm *vm, const struct vm *caller);

/** vm_any_running() - whether a CPU is running a vCPU of @vm now. */
bool vm_any_running(const struct vm *vm);

/**
 * vm_quiesce() - wait until no CPU runs a vCPU of @vm, which must be in a
 * state the run loop does not pick (PAUSED, STOPPED, CREATED, DYING): a
 * vCPU stopped by vm_stop() on another CPU leaves at its next exit. Never
 * with the management lock held: the vCPU may be waiting for it.
 */
void vm_quiesce(struct vm *vm);

/**
 * vm_wait_left() - as vm_quiesce(), but also done when @vm is RUNNING again
 * (a paused VM resumed meanwhile: its vCPUs may never leave).
 */
void vm_wait_left(struct vm *vm);

/** vm_resume() - PAUSED -> RUNNING. Return: 0 or FIEF_EBUSY. */
int vm_resume(struct vm *vm);

/**
 * vm_destroy_begin() - the first half of a destroy: @vm becomes DYING (no
 * call may name it, the run loop does not pick it), its vCPUs STOPPED, and
 * every CPU running one of them is kicked. Return: 0; FIEF_EINVAL for the
 * host.
 */
int vm_destroy_begin(struct vm *vm);

/**
 * vm_destroy_finish() - the second half, once no vCPU of @vm runs
 * (vm_quiesce()): give every page back to the host (its own scrubbed, lent
 * ones returned), free its vCPUs' arch state, its stage-2 and its slot;
 * VMs it created lose their creator. Return: 0; FIEF_ENOMEM if the host's
 * table could not take the pages back (the VM then stays, STOPPED, and
 * destroy may be retried).
 */
int vm_destroy_finish(struct vm *vm);

/** vm_destroy() - vm_destroy_begin(), vm_quiesce(), vm_destroy_finish(). */
int vm_destroy(struct vm *vm);

/**
 * vm_begin_run() - the run loop's claim on @v: sets v->running if its VM
 * is RUNNING and it is RUNNABLE on @cpu. Return: whether it may run.
 */
bool vm_begin_run(struct vcpu *v, uint32_t cpu);

/** vm_end_run() - the run loop is done with @v for now. */
void vm_end_run(struct vcpu *v);

/**
 * vm_stop() - stop every vCPU of @vm and record why; prints
 * "fief: vm NAME stopped: REASON". A RUNNING or PAUSED VM stops (a pause
 * may have come while a vCPU was in the exit that stops it: the stop still
 * counts); stopping a stopped VM, or one being destroyed, does nothing.
 * @by:     the vCPU whose exit stops it, or NULL (fief stops it itself).
 * @code:   FIEF_STOP_* from guest-abi.
 * @status: the self-stop status or the unhandled exit code.
 */
void vm_stop(struct vm *vm, const struct vcpu *by, uint32_t code, uint64_t status,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** vm_console_putc() - a byte from the VM's console; lines go to fief's. */
void vm_console_putc(struct vm *vm, char c);

/** vm_running_count() - VMs in state RUNNING. */
uint32_t vm_running_count(void);

#endif
