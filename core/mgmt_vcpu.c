/* SPDX-License-Identifier: MIT */
/*
 * Management calls on vCPUs: create, get and set registers. The layout of
 * the registers is the arch's (struct fief_regs_x86 or fief_regs_arm64);
 * core only moves the bytes between the caller's buffer and the arch hooks,
 * on a vCPU no CPU runs (its VM CREATED, PAUSED or STOPPED: the run loop
 * does not pick it, and pause waited for it to leave).
 */
#include "core/arch.h"
#include "core/err.h"
#include "core/mgmt.h"
#include "core/string.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"

/* Both architectures' register structs have this size (guest-abi). */
#define REGS_MAX 352
_Static_assert(sizeof(struct fief_regs_x86) == REGS_MAX, "x86 regs size");
_Static_assert(sizeof(struct fief_regs_arm64) == REGS_MAX, "arm64 regs size");

int mgmt_vcpu_create(struct vm *caller, uint64_t id, uint64_t index, uint64_t pcpu)
{
	struct vm *vm;
	int err;

	mgmt_lock();
	vm = mgmt_target_locked(caller, id, false, true, &err);
	if (vm && (index >= FIEF_MAX_VCPUS || pcpu >= vm_cpus_online()))
		err = FIEF_EINVAL;
	else if (vm)
		err = vm_vcpu_create(vm, (uint32_t)index, (uint32_t)pcpu);
	mgmt_unlock();
	return err;
}

/* The vCPU a register call names, of a VM in one of the @states bits. */
static struct vcpu *regs_target_locked(const struct vm *caller, uint64_t id, uint64_t index,
				       unsigned states, int *err)
{
	struct vm *vm = mgmt_target_locked(caller, id, false, true, err);

	if (!vm)
		return NULL;
	if (index >= FIEF_MAX_VCPUS || !vm->vcpu[index].vm) {
		*err = FIEF_ENOENT;
		return NULL;
	}
	if (!(states & (1u << vm->state))) {
		*err = FIEF_EBUSY;
		return NULL;
	}
	/* A VM that stopped itself may still be inside its last exit on
	 * another CPU: its registers are final once it left. */
	vm_quiesce(vm);
	return &vm->vcpu[index];
}

int mgmt_vcpu_get_regs(struct vm *caller, uint64_t id, uint64_t index, uint64_t buf,
		       uint64_t size)
{
	uint8_t regs[REGS_MAX];
	struct vcpu *v;
	void *out = NULL;
	int err;

	mgmt_lock();
	v = regs_target_locked(caller, id, index,
			       (1u << VM_STATE_CREATED) | (1u << VM_STATE_PAUSED) |
				       (1u << VM_STATE_STOPPED),
			       &err);
	if (v && size != REGS_MAX)
		err = FIEF_EINVAL;
	else if (v && !(out = vm_buffer_ptr(caller, buf, size)))
		err = FIEF_EFAULT;
	if (!err)
		err = arch_vcpu_get_regs(v, regs, sizeof(regs));
	if (!err)
		memcpy(out, regs, sizeof(regs));
	mgmt_unlock();
	return err;
}

int mgmt_vcpu_set_regs(struct vm *caller, uint64_t id, uint64_t index, uint64_t buf,
		       uint64_t size)
{
	uint8_t regs[REGS_MAX];
	struct vcpu *v;
	const void *in = NULL;
	int err;

	mgmt_lock();
	v = regs_target_locked(caller, id, index,
			       (1u << VM_STATE_CREATED) | (1u << VM_STATE_PAUSED), &err);
	if (v && size != REGS_MAX)
		err = FIEF_EINVAL;
	else if (v && !(in = vm_buffer_ptr(caller, buf, size)))
		err = FIEF_EFAULT;
	if (!err) {
		/* One snapshot: the caller's memory may change under us. */
		memcpy(regs, in, sizeof(regs));
		err = arch_vcpu_set_regs(v, regs, sizeof(regs));
	}
	mgmt_unlock();
	return err;
}
