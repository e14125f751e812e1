/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "core/hypercall.h"
#include "core/mgmt.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"

typedef int64_t (*hc_fn)(struct vcpu *vcpu, const uint64_t arg[6]);

struct hc_entry {
	hc_fn fn;
	bool manage; /* needs FIEF_CAP_MANAGE */
};

int64_t hypercall_abi_error(int err)
{
	switch (err) {
	case FIEF_OK: return FIEF_E_OK;
	case FIEF_EINVAL: return FIEF_E_INVAL;
	case FIEF_ENOMEM: return FIEF_E_NOMEM;
	case FIEF_EPERM: return FIEF_E_DENIED;
	case FIEF_ERANGE: return FIEF_E_RANGE;
	case FIEF_ENOENT: return FIEF_E_NOENT;
	case FIEF_EEXIST: return FIEF_E_EXIST;
	case FIEF_EBUSY: return FIEF_E_STATE;
	case FIEF_ENOSPC: return FIEF_E_NOSPC;
	case FIEF_ENOTSUP: return FIEF_E_NOTSUP;
	case FIEF_EFAULT: return FIEF_E_FAULT;
	case FIEF_EFORMAT: return FIEF_E_INVAL;
	case FIEF_EACCES: return FIEF_E_PERM;
	}
	return FIEF_E_INVAL;
}

static uint32_t caps_of(const struct vm *vm)
{
	return (vm->manage ? FIEF_CAP_MANAGE : 0) | (vm->host ? FIEF_CAP_HOST : 0) |
	       (vm->inspectable ? FIEF_CAP_INSPECTABLE : 0);
}

static int64_t hc_version(struct vcpu *vcpu, const uint64_t arg[6])
{
	(void)vcpu;
	(void)arg;
	return FIEF_ABI_VERSION;
}

static int64_t hc_caps(struct vcpu *vcpu, const uint64_t arg[6])
{
	(void)arg;
	return caps_of(vcpu->vm);
}

/* The vCPU leaves its CPU after this call, like a preemption, and the
 * next runnable vCPU pinned to the CPU runs (round robin). A vCPU that
 * is not RUNNABLE any more (its VM stopped meanwhile) stays as it is. */
static int64_t hc_yield(struct vcpu *vcpu, const uint64_t arg[6])
{
	enum vcpu_state runnable = VCPU_STATE_RUNNABLE;

	(void)arg;
	__atomic_compare_exchange_n(&vcpu->state, &runnable, VCPU_STATE_YIELDED, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return FIEF_E_OK;
}

static int64_t hc_self_stop(struct vcpu *vcpu, const uint64_t arg[6])
{
	vm_stop(vcpu->vm, vcpu, FIEF_STOP_SELF, arg[0], "self-stop status %lld", (long long)arg[0]);
	return FIEF_E_OK;
}

/* A typed management function's result: its value, or the ABI error. */
static int64_t result(int err, int64_t value)
{
	return err ? hypercall_abi_error(err) : value;
}

static int64_t hc_vm_create(struct vcpu *vcpu, const uint64_t arg[6])
{
	uint32_t id = 0;
	int err = mgmt_vm_create(vcpu->vm, arg[0], arg[1], arg[2], &id);

	return result(err, id);
}

static int64_t hc_vm_destroy(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vm_destroy(vcpu->vm, arg[0]), 0);
}

static int64_t hc_vm_start(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vm_start(vcpu->vm, arg[0]), 0);
}

static int64_t hc_vm_pause(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vm_pause(vcpu->vm, arg[0]), 0);
}

static int64_t hc_vm_resume(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vm_resume(vcpu->vm, arg[0]), 0);
}

static int64_t hc_vm_list(struct vcpu *vcpu, const uint64_t arg[6])
{
	uint32_t count = 0;
	int err = mgmt_vm_list(vcpu->vm, gpa_init(arg[0]), arg[1], &count);

	return result(err, count);
}

static int64_t hc_vm_info(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vm_info(vcpu->vm, arg[0], gpa_init(arg[1]), arg[2]), 0);
}

static int64_t hc_mem_donate(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_mem_donate(vcpu->vm, arg[0], pa_init(arg[1]), gpa_init(arg[2]), arg[3]), 0);
}

static int64_t hc_mem_reclaim(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_mem_reclaim(vcpu->vm, arg[0], gpa_init(arg[1]), arg[2]), 0);
}

static int64_t hc_mem_share(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_mem_share(vcpu->vm, arg[0], pa_init(arg[1]), gpa_init(arg[2]), arg[3],
				     arg[4]), 0);
}

static int64_t hc_mem_unshare(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_mem_unshare(vcpu->vm, arg[0], gpa_init(arg[1]), arg[2]), 0);
}

static int64_t hc_mem_copy_in(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_mem_copy_in(vcpu->vm, arg[0], gpa_init(arg[1]), gpa_init(arg[2]),
				       arg[3]), 0);
}

static int64_t hc_mem_copy_out(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_mem_copy_out(vcpu->vm, arg[0], gpa_init(arg[1]), gpa_init(arg[2]),
					arg[3]), 0);
}

static int64_t hc_vcpu_create(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vcpu_create(vcpu->vm, arg[0], arg[1], arg[2]), (int64_t)arg[1]);
}

static int64_t hc_vcpu_get_regs(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vcpu_get_regs(vcpu->vm, arg[0], arg[1], gpa_init(arg[2]), arg[3]), 0);
}

static int64_t hc_vcpu_set_regs(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_vcpu_set_regs(vcpu->vm, arg[0], arg[1], gpa_init(arg[2]), arg[3]), 0);
}

static int64_t hc_console_read(struct vcpu *vcpu, const uint64_t arg[6])
{
	uint64_t n = 0;
	int err = mgmt_console_read(vcpu->vm, arg[0], gpa_init(arg[1]), arg[2], arg[3], &n);

	return result(err, (int64_t)n);
}

static int64_t hc_irq_line(struct vcpu *vcpu, const uint64_t arg[6])
{
	return result(mgmt_irq_line(vcpu->vm, arg[0], arg[1], arg[2]), 0);
}

static const struct hc_entry hc_table[FIEF_HC_COUNT] = {
	[FIEF_HC_VERSION] = { hc_version, false },
	[FIEF_HC_CAPS] = { hc_caps, false },
	[FIEF_HC_SELF_STOP] = { hc_self_stop, false },
	[FIEF_HC_YIELD] = { hc_yield, false },
	[FIEF_HC_VM_CREATE] = { hc_vm_create, true },
	[FIEF_HC_VM_DESTROY] = { hc_vm_destroy, true },
	[FIEF_HC_VM_START] = { hc_vm_start, true },
	[FIEF_HC_VM_PAUSE] = { hc_vm_pause, true },
	[FIEF_HC_VM_RESUME] = { hc_vm_resume, true },
	[FIEF_HC_VM_LIST] = { hc_vm_list, true },
	[FIEF_HC_VM_INFO] = { hc_vm_info, true },
	[FIEF_HC_MEM_DONATE] = { hc_mem_donate, true },
	[FIEF_HC_MEM_RECLAIM] = { hc_mem_reclaim, true },
	[FIEF_HC_MEM_SHARE] = { hc_mem_share, true },
	[FIEF_HC_MEM_UNSHARE] = { hc_mem_unshare, true },
	[FIEF_HC_MEM_COPY_IN] = { hc_mem_copy_in, true },
	[FIEF_HC_MEM_COPY_OUT] = { hc_mem_copy_out, true },
	[FIEF_HC_VCPU_CREATE] = { hc_vcpu_create, true },
	[FIEF_HC_VCPU_GET_REGS] = { hc_vcpu_get_regs, true },
	[FIEF_HC_VCPU_SET_REGS] = { hc_vcpu_set_regs, true },
	[FIEF_HC_CONSOLE_READ] = { hc_console_read, true },
	[FIEF_HC_IRQ_LINE] = { hc_irq_line, true },
};

int64_t hypercall_dispatch(struct vcpu *vcpu, uint64_t nr, const uint64_t arg[6])
{
	const struct hc_entry *e;

	if (nr >= FIEF_HC_COUNT || !hc_table[nr].fn)
		return FIEF_E_NOSYS;
	e = &hc_table[nr];
	if (e->manage && !vcpu->vm->manage)
		return FIEF_E_PERM;
	return e->fn(vcpu, arg);
}
