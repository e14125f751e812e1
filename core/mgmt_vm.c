/* SPDX-License-Identifier: MIT */
/*
 * Management calls on whole VMs: create, destroy, start, pause, resume,
 * list, info, console read; and what every management call shares (the
 * lock, looking up the VM a call names).
 */
#include "core/err.h"
#include "core/mgmt.h"
#include "core/spinlock.h"
#include "core/string.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"

static struct spinlock mgmt_serial = SPINLOCK_INIT;

void mgmt_lock(void)
{
	spin_lock(&mgmt_serial);
}

void mgmt_unlock(void)
{
	spin_unlock(&mgmt_serial);
}

struct vm *mgmt_target_locked(const struct vm *caller, uint64_t id, bool self_ok, bool guest,
			      int *err)
{
	struct vm *vm = id < VM_MAX ? vm_get((uint32_t)id) : NULL;

	if (!vm || vm->state == VM_STATE_DYING) {
		*err = FIEF_ENOENT;
		return NULL;
	}
	if ((!self_ok && vm == caller) || (guest && vm->host)) {
		*err = FIEF_EINVAL;
		return NULL;
	}
	*err = FIEF_OK;
	return vm;
}

bool mgmt_may_inspect(const struct vm *caller, uint64_t id, bool creator_ok)
{
	struct vm *vm = id < VM_MAX ? vm_get((uint32_t)id) : NULL;

	/* inspectable and creator are const for a VM's life. */
	if (!vm)
		return true;
	return vm->inspectable || (creator_ok && vm->creator == (int32_t)caller->slot);
}

int mgmt_vm_create(struct vm *caller, uint64_t mem_size, uint64_t vcpu_max, uint64_t flags,
		   uint32_t *id)
{
	struct vm *vm;
	int err;

	if (mem_size == 0 || (mem_size & PAGE_MASK) || mem_size > MGMT_MEM_MAX ||
	    vcpu_max == 0 || vcpu_max > FIEF_MAX_VCPUS || (flags & ~(uint64_t)FIEF_VM_F_ALL))
		return FIEF_EINVAL;
	mgmt_lock();
	vm = vm_create_empty(mem_size, (uint32_t)vcpu_max, (uint32_t)flags, caller->slot, &err);
	if (vm)
		*id = vm->slot;
	mgmt_unlock();
	return err;
}

int mgmt_vm_destroy(struct vm *caller, uint64_t id)
{
	struct vm *vm;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, false, true, &err);
	if (vm)
		err = vm_destroy(vm);
	mgmt_unlock();
	return err;
}

int mgmt_vm_start(struct vm *caller, uint64_t id)
{
	struct vm *vm;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, false, true, &err);
	if (vm)
		err = vm_start(vm);
	mgmt_unlock();
	return err;
}

int mgmt_vm_pause(struct vm *caller, uint64_t id)
{
	struct vm *vm;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, false, true, &err);
	if (vm)
		err = vm_pause(vm);
	mgmt_unlock();
	return err;
}

int mgmt_vm_resume(struct vm *caller, uint64_t id)
{
	struct vm *vm;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, false, true, &err);
	if (vm)
		err = vm_resume(vm);
	mgmt_unlock();
	return err;
}

int mgmt_vm_list(struct vm *caller, uint64_t buf, uint64_t cap, uint32_t *count)
{
	uint64_t want = cap < VM_MAX ? cap : VM_MAX;
	uint8_t *out = NULL;
	uint32_t n = 0;

	if (want > 0) {
		out = vm_buffer_ptr(caller, buf, want * sizeof(uint32_t));
		if (!out)
			return FIEF_EFAULT;
	}
	mgmt_lock();
	for (uint32_t i = 0; i < VM_MAX; i++) {
		const struct vm *vm = vm_get(i);

		if (!vm || vm->state == VM_STATE_DYING)
			continue;
		if (n < want) /* the caller's buffer may be misaligned */
			memcpy(out + n * sizeof(uint32_t), &i, sizeof(i));
		n++;
	}
	mgmt_unlock();
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

int mgmt_vm_info(struct vm *caller, uint64_t id, uint64_t buf, uint64_t size)
{
	struct fief_vm_info info, *out;
	struct vm *vm;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, true, false, &err);
	if (vm && size != sizeof(info))
		err = FIEF_EINVAL;
	out = err ? NULL : vm_buffer_ptr(caller, buf, sizeof(info));
	if (!err && !out)
		err = FIEF_EFAULT;
	if (err) {
		mgmt_unlock();
		return err;
	}
	fill_info(vm, &info);
	spin_lock(&vm->lock);
	info.state = abi_state(vm->state);
	info.vcpu_count = vm->vcpu_count;
	info.stop_reason = vm->state == VM_STATE_STOPPED ? vm->stop_code : FIEF_STOP_NONE;
	if (info.stop_reason == FIEF_STOP_MEMORY || info.stop_reason == FIEF_STOP_SHUTDOWN)
		info.stop_addr = vm->stop_status;
	else if (info.stop_reason != FIEF_STOP_NONE)
		info.stop_status = vm->stop_status;
	info.stop_vcpu = vm->state == VM_STATE_STOPPED ? vm->stop_vcpu : FIEF_STOP_VCPU_NONE;
	info.console_written = vm->console.total;
	spin_unlock(&vm->lock);
	memcpy(out, &info, sizeof(info));
	mgmt_unlock();
	return FIEF_OK;
}

int mgmt_console_read(struct vm *caller, uint64_t id, uint64_t buf, uint64_t size, uint64_t off,
		      uint64_t *n)
{
	struct vm *vm;
	char *out = NULL;
	uint64_t oldest, count;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, true, false, &err);
	if (vm && size > 0) {
		out = vm_buffer_ptr(caller, buf, size);
		err = out ? FIEF_OK : FIEF_EFAULT;
	}
	if (err) {
		mgmt_unlock();
		return err;
	}
	spin_lock(&vm->lock);
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
	spin_unlock(&vm->lock);
	mgmt_unlock();
	*n = count;
	return err;
}
