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
 * Locking: management calls are serialized by one lock (mgmt_lock, taken by
 * each function), which comes before every VM lock and every mm lock
 * (docs/locking.md). Pause and destroy wait, under it, until no CPU runs a
 * vCPU of the VM; a vCPU that is inside a management call is running, so a
 * manager must not pause or destroy another manager (see docs/locking.md).
 *
 * Internal codes and their guest-abi meaning (hypercall_abi_error()):
 * FIEF_EINVAL malformed, FIEF_ENOENT no such VM/vCPU, FIEF_EBUSY wrong
 * state, FIEF_ERANGE outside the target VM's memory, FIEF_EPERM a page in
 * the wrong ownership state, FIEF_EFAULT a caller buffer, FIEF_ENOSPC no
 * slot, FIEF_EEXIST vCPU exists, FIEF_ENOTSUP not in this build.
 */
#ifndef FIEF_CORE_MGMT_H
#define FIEF_CORE_MGMT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Largest guest-physical space a run-time VM may have (512 GiB). */
#define MGMT_MEM_MAX (1ull << 39)

/** mgmt_lock() / mgmt_unlock() - the lock serializing management calls. */
void mgmt_lock(void);
void mgmt_unlock(void);

/**
 * mgmt_target_locked() - the VM a call names, under mgmt_lock.
 * @self_ok:  the caller may name itself.
 * @guest:    the call acts on a guest only (the host is refused).
 * Return: the VM, or NULL with *err = FIEF_ENOENT (no such id, or being
 * destroyed) or FIEF_EINVAL (the caller itself, or the host).
 */
struct vm *mgmt_target_locked(const struct vm *caller, uint64_t id, bool self_ok, bool guest,
			      int *err);

/**
 * mgmt_may_inspect() - whether @caller may look inside VM @id (copy-out;
 * get-regs also when @caller created it). True when no such VM exists, so
 * that the call itself reports FIEF_ENOENT.
 */
bool mgmt_may_inspect(const struct vm *caller, uint64_t id, bool creator_ok);

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
int mgmt_vm_list(struct vm *caller, uint64_t buf, uint64_t cap, uint32_t *count);
/** mgmt_vm_info() - struct fief_vm_info of VM @id into the caller's @buf. */
int mgmt_vm_info(struct vm *caller, uint64_t id, uint64_t buf, uint64_t size);
/** mgmt_console_read() - console bytes from stream offset @off; *n copied. */
int mgmt_console_read(struct vm *caller, uint64_t id, uint64_t buf, uint64_t size, uint64_t off,
		      uint64_t *n);

/* ---- memory (core/mgmt_mem.c) ---- */

/** mgmt_mem_donate() - the caller's pages at @pa become VM @id's at @gpa. */
int mgmt_mem_donate(struct vm *caller, uint64_t id, uint64_t pa, uint64_t gpa, uint64_t size);
/** mgmt_mem_reclaim() - pages of a stopped VM back to the caller, scrubbed. */
int mgmt_mem_reclaim(struct vm *caller, uint64_t id, uint64_t gpa, uint64_t size);
/** mgmt_mem_share() - the caller lends its pages at @pa to VM @id at @gpa. */
int mgmt_mem_share(struct vm *caller, uint64_t id, uint64_t pa, uint64_t gpa, uint64_t size,
		   uint64_t access);
/** mgmt_mem_unshare() - end the caller's share at @gpa of VM @id. */
int mgmt_mem_unshare(struct vm *caller, uint64_t id, uint64_t gpa, uint64_t size);
/** mgmt_mem_copy_in() - bytes from the caller's @src into VM @id at @gpa. */
int mgmt_mem_copy_in(struct vm *caller, uint64_t id, uint64_t gpa, uint64_t src, uint64_t size);
/** mgmt_mem_copy_out() - bytes of VM @id at @gpa into the caller's @dst. */
int mgmt_mem_copy_out(struct vm *caller, uint64_t id, uint64_t dst, uint64_t gpa, uint64_t size);

/* ---- vCPUs (core/mgmt_vcpu.c) ---- */

/** mgmt_vcpu_create() - vCPU @index of a CREATED VM, pinned to @pcpu. */
int mgmt_vcpu_create(struct vm *caller, uint64_t id, uint64_t index, uint64_t pcpu);
/** mgmt_vcpu_get_regs() - a vCPU's registers into the caller's @buf. */
int mgmt_vcpu_get_regs(struct vm *caller, uint64_t id, uint64_t index, uint64_t buf,
		       uint64_t size);
/** mgmt_vcpu_set_regs() - a vCPU's registers from the caller's @buf. */
int mgmt_vcpu_set_regs(struct vm *caller, uint64_t id, uint64_t index, uint64_t buf,
		       uint64_t size);

#endif
