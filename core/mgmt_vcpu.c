/* SPDX-License-Identifier: MIT */
/*
 * Management calls on vCPUs: create, get and set registers. The layout of
 * the registers is the arch's (struct fief_regs_x86 or fief_regs_arm64);
 * core only moves the bytes between the caller's buffer and the arch hooks,
 * on a vCPU no CPU runs (its VM CREATED, PAUSED or STOPPED: the run loop
 * does not pick it, and pause waited for it to leave).
 */
#include "core/arch.h"
#include "core/mgmt.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "lib/string.h"

/* Both architectures' register structs have this size (guest-abi). */
#define REGS_MAX 352
_Static_assert(sizeof(struct fief_regs_x86) == REGS_MAX, "x86 regs size");
_Static_assert(sizeof(struct fief_regs_arm64) == REGS_MAX, "arm64 regs size");

int mgmt_vcpu_create(struct vm *caller, uint64_t id, uint64_t index, uint64_t pcpu)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, false, true, &err);
	if (vm && (index >= FIEF_MAX_VCPUS || pcpu >= vm_cpus_online()))
		err = FIEF_EINVAL;
	else if (vm)
		err = vm_vcpu_create(vm, (uint32_t)index, (uint32_t)pcpu);
	mgmt_unlock(&l);
	return err;
}

/*
 * The vCPU a register call names, of a VM in one of the @states bits,
 * none of whose vCPUs is on a CPU any more (a VM that stopped itself may
 * still be inside its last exit elsewhere: its registers are final once it
 * left). Get needs the caller to be allowed to look (@inspect). On error
 * NULL; the lock is no longer held if the caller stopped running.
 */
static struct vcpu *regs_target_locked(struct mgmt_locked *l, uint64_t id, uint64_t index,
				       unsigned states, bool inspect, int *err)
{
	struct vm *vm = mgmt_quiet_target_locked(l, id, false, true, err);

	if (!vm)
		return NULL;
	if (inspect && (*err = mgmt_may_inspect_locked(*l, vm, true)) != 0)
		return NULL;
	if (index >= FIEF_MAX_VCPUS || !vm->vcpu[index].vm) {
		*err = FIEF_ENOENT;
		return NULL;
	}
	if (!(states & (1u << vm_state(vm)))) {
		*err = FIEF_EBUSY;
		return NULL;
	}
	return &vm->vcpu[index];
}

int mgmt_vcpu_get_regs(struct vm *caller, uint64_t id, uint64_t index, gpaddr_t buf,
		       uint64_t size)
{
	uint8_t regs[REGS_MAX];
	struct mgmt_locked l;
	struct vcpu *v;
	void *out = NULL;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	v = regs_target_locked(&l, id, index,
			       (1u << VM_STATE_CREATED) | (1u << VM_STATE_PAUSED) |
				       (1u << VM_STATE_STOPPED),
			       true, &err);
	if (!l.caller)
		return err;
	if (v && size != REGS_MAX)
		err = FIEF_EINVAL;
	else if (v && !(out = mgmt_buf_locked(l, buf, size)))
		err = FIEF_EFAULT;
	if (!err)
		err = arch_vcpu_get_regs(v, regs, sizeof(regs));
	if (!err)
		memcpy(out, regs, sizeof(regs));
	mgmt_unlock(&l);
	return err;
}

int mgmt_vcpu_set_regs(struct vm *caller, uint64_t id, uint64_t index, gpaddr_t buf,
		       uint64_t size)
{
	uint8_t regs[REGS_MAX];
	struct mgmt_locked l;
	struct vcpu *v;
	const void *in = NULL;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	v = regs_target_locked(&l, id, index, (1u << VM_STATE_CREATED) | (1u << VM_STATE_PAUSED),
			       false, &err);
	if (!l.caller)
		return err;
	if (v && size != REGS_MAX)
		err = FIEF_EINVAL;
	else if (v && !(in = mgmt_buf_locked(l, buf, size)))
		err = FIEF_EFAULT;
	if (!err) {
		/* One snapshot: the caller's memory may change under us. */
		memcpy(regs, in, sizeof(regs));
		err = arch_vcpu_set_regs(v, regs, sizeof(regs));
	}
	mgmt_unlock(&l);
	return err;
}
