/* SPDX-License-Identifier: MIT */
/*
 * The management calls (docs/abi.md, "Management calls"), as typed
 * functions. core/hypercall.c unpacks a call's registers, checks the
 * caller's capabilities and calls one of these; the internal codes they
 * return become guest-abi codes there and only there.
 *
 * Every function validates every argument before it changes anything:
 * ranges (address + size, no wrap, inside the VM they name), buffers (in
 * memory the caller owns or borrows, vm_buffer_ptr()), ids (a VM that
 * exists and is not being destroyed, a vCPU that exists) and states. On an
 * error nothing changed.
 *
 * Locking (docs/locking.md): management calls are serialized by one lock,
 * taken by each function (mgmt_lock(), proved by a struct mgmt_locked),
 * which comes before every VM lock and every mm lock. Every ownership
 * transition after boot is made under it, so a caller buffer checked under
 * it stays the caller's until the unlock (mgmt_buf_locked()). Nothing waits
 * for a vCPU while holding it: pause and destroy change the target's state
 * under it, then wait for the target's vCPUs to leave their CPUs after the
 * unlock (a vCPU inside a management call is one of them); calls that need
 * a VM's vCPUs gone drop it while they wait. A call made by a VM that is no
 * longer RUNNING when it gets the lock (it was paused, stopped or is being
 * destroyed while the call waited) is refused with FIEF_EBUSY and changes
 * nothing.
 *
 * Internal codes and their guest-abi meaning (hypercall_abi_error()):
 * FIEF_EINVAL malformed, FIEF_ENOENT no such VM/vCPU, FIEF_EBUSY wrong
 * state, FIEF_ERANGE outside the target VM's memory, FIEF_EPERM a page in
 * the wrong ownership state, FIEF_EFAULT a caller buffer, FIEF_ENOSPC no
 * slot, FIEF_EEXIST vCPU exists, FIEF_ENOTSUP not in this build, FIEF_EACCES
 * the caller may not do this to that VM (not inspectable, not its creator,
 * a flag only the host may set).
 */
#ifndef FIEF_CORE_MGMT_H
#define FIEF_CORE_MGMT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

struct vm;

/* Largest guest-physical space a run-time VM may have (512 GiB). */
#define MGMT_MEM_MAX (1ull << 39)

/** Proof that the management lock is held, for the VM making the call. */
struct mgmt_locked {
	struct vm *caller;
};

/**
 * mgmt_lock() - take the lock serializing management calls for a call by
 * @caller; *@l proves it. Return: 0, or FIEF_EBUSY (lock not held) if
 * @caller is no longer RUNNING once its turn came.
 */
int mgmt_lock(struct vm *caller, struct mgmt_locked *l);

/** mgmt_unlock() - release it; the token is cleared. */
void mgmt_unlock(struct mgmt_locked *l);

/**
 * mgmt_target_locked() - the VM a call names.
 * @self_ok:  the caller may name itself.
 * @guest:    the call acts on a guest only (the host is refused).
 * Return: the VM, or NULL with *err = FIEF_ENOENT (no such id, or being
 * destroyed) or FIEF_EINVAL (the caller itself, or the host).
 */
struct vm *mgmt_target_locked(struct mgmt_locked l, uint64_t id, bool self_ok, bool guest,
			      int *err);

/**
 * mgmt_quiet_target_locked() - mgmt_target_locked() for a call that reads
 * or writes a VM's vCPUs or memory while it is not RUNNING: if a vCPU of
 * the VM is still on its CPU (in its last exit, possibly waiting for this
 * lock), the lock is dropped until it has left and the lookup is repeated.
 * Return: as mgmt_target_locked(); NULL with FIEF_EBUSY (lock not held) if
 * the caller stopped running meanwhile.
 */
struct vm *mgmt_quiet_target_locked(struct mgmt_locked *l, uint64_t id, bool self_ok,
				    bool guest, int *err);

/**
 * mgmt_may_inspect_locked() - whether the caller may look inside @vm
 * (copy-out; get-regs also when the caller created it).
 * Return: 0, or FIEF_EACCES.
 */
int mgmt_may_inspect_locked(struct mgmt_locked l, const struct vm *vm, bool creator_ok);

/**
 * mgmt_buf_locked() - fief's pointer to the caller's buffer [gpa, gpa +
 * size), memory the caller owns or borrows (vm_buffer_ptr()). Checked
 * under the lock every ownership transition takes, so the pointer may be
 * used until the unlock: a page given away after the check cannot be
 * written. The one way a management call reaches a caller buffer.
 * Return: the pointer, or NULL (the call answers FIEF_EFAULT).
 */
void *mgmt_buf_locked(struct mgmt_locked l, gpaddr_t gpa, uint64_t size);

/* ---- VMs (core/mgmt_vm.c) ---- */

/** mgmt_vm_create() - a CREATED VM; *id = its id. */
int mgmt_vm_create(struct vm *caller, uint64_t mem_size, uint64_t vcpu_max, uint64_t flags,
		   uint32_t *id);
/** mgmt_vm_destroy() - stop it, reclaim and scrub every page, free it. */
int mgmt_vm_destroy(struct vm *caller, uint64_t id);
/** mgmt_vm_start() - CREATED -> RUNNING. */
int mgmt_vm_start(struct vm *caller, uint64_t id);
/** mgmt_vm_pause() - RUNNING -> PAUSED, once no vCPU runs. */
int mgmt_vm_pause(struct vm *caller, uint64_t id);
/** mgmt_vm_resume() - PAUSED -> RUNNING. */
int mgmt_vm_resume(struct vm *caller, uint64_t id);
/** mgmt_vm_list() - ids into the caller's uint32_t[@cap]; *count = VMs. */
int mgmt_vm_list(struct vm *caller, gpaddr_t buf, uint64_t cap, uint32_t *count);
/** mgmt_vm_info() - struct fief_vm_info of VM @id into the caller's @buf. */
int mgmt_vm_info(struct vm *caller, uint64_t id, gpaddr_t buf, uint64_t size);
/**
 * mgmt_irq_line() - set interrupt line @line of VM @id to @level (0/1), for
 * the host (any VM, itself included) or the manager that created @id.
 * Takes no management lock (core/mgmt_irq.c).
 * Return: 0; FIEF_EINVAL (level not 0/1), FIEF_ERANGE (no such line),
 * FIEF_ENOENT (no such VM, or it is being destroyed), FIEF_EACCES (not
 * the caller's to drive).
 */
int mgmt_irq_line(struct vm *caller, uint64_t id, uint64_t line, uint64_t level);

/** mgmt_console_read() - console bytes from stream offset @off; *n copied. */
int mgmt_console_read(struct vm *caller, uint64_t id, gpaddr_t buf, uint64_t size, uint64_t off,
		      uint64_t *n);

/* ---- memory (core/mgmt_mem.c) ---- */

/** mgmt_mem_donate() - the caller's pages at @pa become VM @id's at @gpa. */
int mgmt_mem_donate(struct vm *caller, uint64_t id, paddr_t pa, gpaddr_t gpa, uint64_t size);
/** mgmt_mem_reclaim() - pages of a stopped VM back to the caller, scrubbed. */
int mgmt_mem_reclaim(struct vm *caller, uint64_t id, gpaddr_t gpa, uint64_t size);
/** mgmt_mem_share() - the caller lends its pages at @pa to VM @id at @gpa. */
int mgmt_mem_share(struct vm *caller, uint64_t id, paddr_t pa, gpaddr_t gpa, uint64_t size,
		   uint64_t access);
/** mgmt_mem_unshare() - end the caller's share at @gpa of VM @id. */
int mgmt_mem_unshare(struct vm *caller, uint64_t id, gpaddr_t gpa, uint64_t size);
/** mgmt_mem_copy_in() - bytes from the caller's @src into VM @id at @gpa. */
int mgmt_mem_copy_in(struct vm *caller, uint64_t id, gpaddr_t gpa, gpaddr_t src, uint64_t size);
/** mgmt_mem_copy_out() - bytes of VM @id at @gpa into the caller's @dst. */
int mgmt_mem_copy_out(struct vm *caller, uint64_t id, gpaddr_t dst, gpaddr_t gpa, uint64_t size);

/* ---- vCPUs (core/mgmt_vcpu.c) ---- */

/** mgmt_vcpu_create() - vCPU @index of a CREATED VM, pinned to @pcpu. */
int mgmt_vcpu_create(struct vm *caller, uint64_t id, uint64_t index, uint64_t pcpu);
/** mgmt_vcpu_get_regs() - a vCPU's registers into the caller's @buf. */
int mgmt_vcpu_get_regs(struct vm *caller, uint64_t id, uint64_t index, gpaddr_t buf,
		       uint64_t size);
/** mgmt_vcpu_set_regs() - a vCPU's registers from the caller's @buf. */
int mgmt_vcpu_set_regs(struct vm *caller, uint64_t id, uint64_t index, gpaddr_t buf,
		       uint64_t size);

#endif
