/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "core/err.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"

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
	}
	return FIEF_E_INVAL;
}

static uint32_t caps_of(const struct vm *vm)
{
	return (vm->manage ? FIEF_CAP_MANAGE : 0) | (vm->host ? FIEF_CAP_HOST : 0);
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

static int64_t hc_self_stop(struct vcpu *vcpu, const uint64_t arg[6])
{
	vm_stop(vcpu->vm, FIEF_STOP_SELF, arg[0], "self-stop status %lld", (long long)arg[0]);
	return FIEF_E_OK;
}

/* Management calls are listed (so capability checks apply) but not all
 * are implemented yet: they answer FIEF_E_NOTSUP. */
static int64_t hc_not_yet(struct vcpu *vcpu, const uint64_t arg[6])
{
	(void)vcpu;
	(void)arg;
	return FIEF_E_NOTSUP;
}

static const struct hc_entry hc_table[FIEF_HC_COUNT] = {
	[FIEF_HC_VERSION] = { hc_version, false },
	[FIEF_HC_CAPS] = { hc_caps, false },
	[FIEF_HC_SELF_STOP] = { hc_self_stop, false },
	[FIEF_HC_VM_CREATE] = { hc_not_yet, true },
	[FIEF_HC_VM_DESTROY] = { hc_not_yet, true },
	[FIEF_HC_VM_START] = { hc_not_yet, true },
	[FIEF_HC_VM_PAUSE] = { hc_not_yet, true },
	[FIEF_HC_VM_RESUME] = { hc_not_yet, true },
	[FIEF_HC_VM_LIST] = { hc_not_yet, true },
	[FIEF_HC_VM_INFO] = { hc_not_yet, true },
	[FIEF_HC_MEM_DONATE] = { hc_not_yet, true },
	[FIEF_HC_MEM_RECLAIM] = { hc_not_yet, true },
	[FIEF_HC_MEM_SHARE] = { hc_not_yet, true },
	[FIEF_HC_MEM_UNSHARE] = { hc_not_yet, true },
	[FIEF_HC_MEM_COPY_IN] = { hc_not_yet, true },
	[FIEF_HC_MEM_COPY_OUT] = { hc_not_yet, true },
	[FIEF_HC_VCPU_CREATE] = { hc_not_yet, true },
	[FIEF_HC_VCPU_GET_REGS] = { hc_not_yet, true },
	[FIEF_HC_VCPU_SET_REGS] = { hc_not_yet, true },
	[FIEF_HC_CONSOLE_READ] = { hc_not_yet, true },
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
