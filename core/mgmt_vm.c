/* SPDX-License-Identifier: MIT */
/*
 * Management calls on whole VMs: create, destroy, start, pause, resume,
 * list, info, console read; and what every management call shares (the
 * lock, looking up the VM a call names, reaching the caller's buffers).
 */
#include "core/mgmt.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/assert.h"
#include "lib/err.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* Guards the VM slots between lookup and use, every ownership transition
 * made after boot, vCPU creation, and VMs' creator fields. */
static struct spinlock mgmt_serial = SPINLOCK_INIT;

static bool runs(const struct vm *vm)
{
	return vm_state(vm) == VM_STATE_RUNNING;
}

int mgmt_lock(struct vm *caller, struct mgmt_locked *l)
{
	spin_lock(&mgmt_serial);
	if (!runs(caller)) {
		spin_unlock(&mgmt_serial);
		l->caller = NULL;
		return FIEF_EBUSY;
	}
	l->caller = caller;
	return FIEF_OK;
}

/* The lock for the end of something a call began, whatever the caller's
 * state now (a destroy's second half). */
static struct mgmt_locked lock_to_finish(struct vm *caller)
{
	spin_lock(&mgmt_serial);
	return (struct mgmt_locked){ caller };
}

void mgmt_unlock(struct mgmt_locked *l)
{
	FIEF_ASSERT(l->caller && spin_is_locked(&mgmt_serial));
	spin_unlock(&mgmt_serial);
	l->caller = NULL;
}

struct vm *mgmt_target_locked(struct mgmt_locked l, uint64_t id, bool self_ok, bool guest,
			      int *err)
{
	struct vm *vm = id < VM_MAX ? vm_get((uint32_t)id) : NULL;

	FIEF_ASSERT(l.caller && spin_is_locked(&mgmt_serial));
	if (!vm || vm_state(vm) == VM_STATE_DYING) {
		*err = FIEF_ENOENT;
		return NULL;
	}
	if ((!self_ok && vm == l.caller) || (guest && vm->host)) {
		*err = FIEF_EINVAL;
		return NULL;
	}
	*err = FIEF_OK;
	return vm;
}

struct vm *mgmt_quiet_target_locked(struct mgmt_locked *l, uint64_t id, bool self_ok,
				    bool guest, int *err)
{
	struct vm *caller = l->caller;

	for (;;) {
		struct vm *vm = mgmt_target_locked(*l, id, self_ok, guest, err);

		if (!vm || vm_state(vm) == VM_STATE_RUNNING || !vm_any_running(vm))
			return vm;
		/* A vCPU still in its last exit may be waiting for this lock. */
		mgmt_unlock(l);
		vm_wait_left(vm);
		*err = mgmt_lock(caller, l);
		if (*err)
			return NULL;
	}
}

int mgmt_may_inspect_locked(struct mgmt_locked l, const struct vm *vm, bool creator_ok)
{
	FIEF_ASSERT(l.caller && spin_is_locked(&mgmt_serial));
	if (vm->inspectable || (creator_ok && vm->creator == (int32_t)l.caller->slot))
		return FIEF_OK;
	return FIEF_EACCES;
}

void *mgmt_buf_locked(struct mgmt_locked l, gpaddr_t gpa, uint64_t size)
{
	FIEF_ASSERT(l.caller && spin_is_locked(&mgmt_serial));
	return vm_buffer_ptr(l.caller, gpa, size);
}

int mgmt_vm_create(struct vm *caller, uint64_t mem_size, uint64_t vcpu_max, uint64_t flags,
		   uint32_t *id)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if (mem_size == 0 || (mem_size & PAGE_MASK) || mem_size > MGMT_MEM_MAX ||
	    vcpu_max == 0 || vcpu_max > FIEF_MAX_VCPUS || (flags & ~(uint64_t)FIEF_VM_F_ALL))
		return FIEF_EINVAL;
	/* Only the host makes managers: a manager cannot multiply itself. */
	if ((flags & FIEF_VM_F_MANAGE) && !caller->host)
		return FIEF_EACCES;
	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = vm_create_empty(mem_size, (uint32_t)vcpu_max, (uint32_t)flags, caller->slot, &err);
	if (vm)
		*id = vm->slot;
	mgmt_unlock(&l);
	return err;
}

/*
 * Destroy in two halves around the wait for its vCPUs, which happens
 * without the lock: one of them may be waiting for it (a manager being
 * destroyed in the middle of its own call). While DYING no call can name
 * the VM, so the slot is the destroyer's alone between the halves.
 */
int mgmt_vm_destroy(struct vm *caller, uint64_t id)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, false, true, &err);
	if (vm)
		err = vm_destroy_begin(vm);
	mgmt_unlock(&l);
	if (err)
		return err;
	vm_quiesce(vm);
	/* The second half runs even if the caller was paused meanwhile: a
	 * DYING VM nobody finishes would keep its memory for good. */
	l = lock_to_finish(caller);
	err = vm_destroy_finish(vm);
	mgmt_unlock(&l);
	return err;
}

int mgmt_vm_start(struct vm *caller, uint64_t id)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, false, true, &err);
	if (vm)
		err = vm_start(vm);
	mgmt_unlock(&l);
	return err;
}

/* The state changes under the lock; the wait for the vCPUs comes after. */
int mgmt_vm_pause(struct vm *caller, uint64_t id)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, false, true, &err);
	if (vm)
		err = vm_pause_begin(vm);
	mgmt_unlock(&l);
	if (err == 0)
		vm_pause_wait(vm, caller);
	return err;
}

int mgmt_vm_resume(struct vm *caller, uint64_t id)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, false, true, &err);
	if (vm)
		err = vm_resume(vm);
	mgmt_unlock(&l);
	return err;
}

int mgmt_vm_list(struct vm *caller, gpaddr_t buf, uint64_t cap, uint32_t *count)
{
	uint64_t want = cap < VM_MAX ? cap : VM_MAX;
	struct mgmt_locked l;
	uint8_t *out = NULL;
	uint32_t n = 0;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	if (want > 0 && !(out = mgmt_buf_locked(l, buf, want * sizeof(uint32_t)))) {
		mgmt_unlock(&l);
		return FIEF_EFAULT;
	}
	for (uint32_t i = 0; i < VM_MAX; i++) {
		const struct vm *vm = vm_get(i);

		if (!vm || vm_state(vm) == VM_STATE_DYING)
			continue;
		if (n < want) /* the caller's buffer may be misaligned */
			memcpy(out + n * sizeof(uint32_t), &i, sizeof(i));
		n++;
	}
	mgmt_unlock(&l);
	*count = n;
	return FIEF_OK;
}

static uint32_t abi_state(enum vm_state s)
{
	switch (s) {
	case VM_STATE_CREATED: return FIEF_VM_STATE_CREATED;
	case VM_STATE_RUNNING: return FIEF_VM_STATE_RUNNING;
	case VM_STATE_PAUSED: return FIEF_VM_STATE_PAUSED;
	default: return FIEF_VM_STATE_STOPPED;
	}
}

static void fill_info(const struct vm *vm, struct fief_vm_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = vm->slot;
	info->flags = vm->flags;
	info->caps = (vm->manage ? FIEF_CAP_MANAGE : 0) | (vm->host ? FIEF_CAP_HOST : 0) |
		     (vm->inspectable ? FIEF_CAP_INSPECTABLE : 0);
	info->vcpu_max = vm->vcpu_max;
	info->memory_size = vm->mem_size;
	vm_memory_count(vm, &info->memory_owned, &info->memory_borrowed);
	info->console_size = VM_CONSOLE_RING;
	for (size_t i = 0; i + 1 < sizeof(info->name) && i < sizeof(vm->name) && vm->name[i]; i++)
		info->name[i] = vm->name[i];
}

/* The fields of @info the VM lock guards. */
static void fill_info_vm_locked(struct vm_locked l, struct fief_vm_info *info)
{
	const struct vm *vm = l.vm;

	vm_locked_check(l);
	info->state = abi_state(vm->state);
	info->vcpu_count = vm->vcpu_count;
	info->stop_reason = vm->state == VM_STATE_STOPPED ? vm->stop_code : FIEF_STOP_NONE;
	if (info->stop_reason == FIEF_STOP_MEMORY || info->stop_reason == FIEF_STOP_SHUTDOWN)
		info->stop_addr = vm->stop_status;
	else if (info->stop_reason != FIEF_STOP_NONE)
		info->stop_status = vm->stop_status;
	info->stop_vcpu = vm->state == VM_STATE_STOPPED ? vm->stop_vcpu : FIEF_STOP_VCPU_NONE;
	info->console_written = vm->console.total;
}

int mgmt_vm_info(struct vm *caller, uint64_t id, gpaddr_t buf, uint64_t size)
{
	struct fief_vm_info info, *out = NULL;
	struct mgmt_locked l;
	struct vm_locked vl;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, true, false, &err);
	if (vm && size != sizeof(info))
		err = FIEF_EINVAL;
	else if (vm && !(out = mgmt_buf_locked(l, buf, sizeof(info))))
		err = FIEF_EFAULT;
	if (err) {
		mgmt_unlock(&l);
		return err;
	}
	fill_info(vm, &info);
	vl = vm_lock(vm);
	fill_info_vm_locked(vl, &info);
	vm_unlock(&vl);
	memcpy(out, &info, sizeof(info));
	mgmt_unlock(&l);
	return FIEF_OK;
}

int mgmt_console_read(struct vm *caller, uint64_t id, gpaddr_t buf, uint64_t size, uint64_t off,
		      uint64_t *n)
{
	struct mgmt_locked l;
	struct vm_locked vl;
	struct vm *vm;
	char *out = NULL;
	uint64_t oldest, count;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, true, false, &err);
	if (vm && size > 0 && !(out = mgmt_buf_locked(l, buf, size)))
		err = FIEF_EFAULT;
	if (err) {
		mgmt_unlock(&l);
		return err;
	}
	vl = vm_lock(vm);
	oldest = vm->console.total > VM_CONSOLE_RING ? vm->console.total - VM_CONSOLE_RING : 0;
	if (off < oldest || off > vm->console.total) {
		err = FIEF_ERANGE;
		count = 0;
	} else {
		count = vm->console.total - off;
		count = count < size ? count : size;
	}
	for (uint64_t i = 0; i < count; i++)
		out[i] = vm->console.ring[(off + i) % VM_CONSOLE_RING];
	vm_unlock(&vl);
	mgmt_unlock(&l);
	*n = count;
	return err;
}
